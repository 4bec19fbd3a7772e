/* Unit tests for common/metrics.c: registry and Prometheus text format. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/metrics.h"
#include "ckube/strbuf.h"

static int
reset(void **state)
{
	(void)state;
	metrics_reset();
	return 0;
}

static void
test_metrics_text_format(void **state)
{
	static const double b[] = { 0.1, 1, 2.5 };
	struct strbuf sb = STRBUF_INIT;
	struct metric *c, *g, *h, *l1, *l2;

	(void)state;
	c = metrics_counter("ckube_widgets_total", "Widgets made.\nTwo lines \\ ok");
	g = metrics_gauge("ckube_queue_depth", "Items waiting.");
	h = metrics_histogram("ckube_duration_seconds", "How long.", b, 3);
	l1 = metrics_counter("ckube_requests_total{verb=\"GET\"}", "Requests.");
	l2 = metrics_counter("ckube_requests_total{verb=\"PUT\"}", "ignored");
	assert_ptr_equal(metrics_counter("ckube_widgets_total", "x"), c);
	metrics_counter_inc(c);
	metrics_counter_add(c, 2.5);
	metrics_counter_add(c, -7);		/* ignored: counters only go up */
	metrics_gauge_set(g, 10);
	metrics_gauge_add(g, -3);
	metrics_histogram_observe(h, 0.05);
	metrics_histogram_observe(h, 0.1);
	metrics_histogram_observe(h, 2);
	metrics_histogram_observe(h, 100);
	metrics_counter_inc(l2);
	metrics_counter_add(l1, 5);
	assert_true(metrics_value(c) == 3.5);
	assert_true(metrics_value(g) == 7);
	assert_true(metrics_value(h) == 4);

	metrics_render(&sb);
	assert_string_equal(sb.buf,
	    "# HELP ckube_duration_seconds How long.\n"
	    "# TYPE ckube_duration_seconds histogram\n"
	    "ckube_duration_seconds_bucket{le=\"0.1\"} 2\n"
	    "ckube_duration_seconds_bucket{le=\"1\"} 2\n"
	    "ckube_duration_seconds_bucket{le=\"2.5\"} 3\n"
	    "ckube_duration_seconds_bucket{le=\"+Inf\"} 4\n"
	    "ckube_duration_seconds_sum 102.15\n"
	    "ckube_duration_seconds_count 4\n"
	    "# HELP ckube_queue_depth Items waiting.\n"
	    "# TYPE ckube_queue_depth gauge\n"
	    "ckube_queue_depth 7\n"
	    "# HELP ckube_requests_total Requests.\n"
	    "# TYPE ckube_requests_total counter\n"
	    "ckube_requests_total{verb=\"GET\"} 5\n"
	    "ckube_requests_total{verb=\"PUT\"} 1\n"
	    "# HELP ckube_widgets_total Widgets made.\\nTwo lines \\\\ ok\n"
	    "# TYPE ckube_widgets_total counter\n"
	    "ckube_widgets_total 3.5\n");
	strbuf_fini(&sb);
}

static void
test_metrics_labelled_histogram_defaults(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct metric *h;

	(void)state;
	h = metrics_histogram("lat_seconds{op=\"list\"}", "Latency.", NULL, 0);
	metrics_histogram_observe(h, 0.003);
	metrics_render(&sb);
	assert_non_null(strstr(sb.buf,
	    "lat_seconds_bucket{op=\"list\",le=\"0.005\"} 1\n"));
	assert_non_null(strstr(sb.buf,
	    "lat_seconds_bucket{op=\"list\",le=\"10\"} 1\n"));
	assert_non_null(strstr(sb.buf, "lat_seconds_sum{op=\"list\"} 0.003\n"));
	assert_non_null(strstr(sb.buf, "lat_seconds_count{op=\"list\"} 1\n"));
	strbuf_fini(&sb);
	/* empty registry renders nothing */
	metrics_reset();
	metrics_render(&sb);
	assert_string_equal(strbuf_str(&sb), "");
	strbuf_fini(&sb);
}

static void *
bump(void *arg)
{
	struct metric *m = arg;
	int i;

	for (i = 0; i < 10000; i++)
		metrics_counter_inc(m);
	return NULL;
}

static void
test_metrics_threads(void **state)
{
	struct metric *m = metrics_counter("hits_total", "Hits.");
	pthread_t t[4];
	int i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, bump, m), 0);
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	assert_true(metrics_value(m) == 40000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_metrics_text_format, reset),
		cmocka_unit_test_teardown(test_metrics_labelled_histogram_defaults,
		    reset),
		cmocka_unit_test_teardown(test_metrics_threads, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
