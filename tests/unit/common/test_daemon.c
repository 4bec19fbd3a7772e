/* Unit tests for common/daemon.c: flags, health server, signals, stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "ckube/clock.h"
#include "ckube/daemon.h"
#include "ckube/err.h"
#include "ckube/flags.h"

static int64_t extra_value;
static const struct flag extra_flags[] = {
	{ "extra", FLAG_INT, &extra_value, "7", "Test", "a daemon's own" },
};
static const struct flag *const extra_tables[] = { extra_flags };
static const size_t extra_counts[] = { ARRAY_SIZE(extra_flags) };

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static long
http_get(int port, const char *path)
{
	CURL *h = curl_easy_init();
	char url[128];
	long code = 0;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_cleanup(h);
	return code;
}

static int
run_signal(struct daemon *d, void *arg)
{
	(void)arg;
	assert_string_equal(daemon_master(d), "http://127.0.0.1:1");
	assert_null(daemon_kubeconfig(d));
	assert_string_equal(daemon_watch_bus(d), "ipc:///tmp/x");
	assert_int_equal(extra_value, 9);
	assert_int_equal(http_get(daemon_port(d), "/healthz"), 200);
	assert_int_equal(http_get(daemon_port(d), "/readyz"), 503);
	daemon_set_ready(d, 1);
	assert_int_equal(http_get(daemon_port(d), "/readyz"), 200);
	assert_int_equal(http_get(daemon_port(d), "/metrics"), 200);
	assert_int_equal(daemon_wait_stop(d, ck_now_ms() + 1), CK_ETIMEDOUT);
	assert_false(daemon_stopping(d));
	kill(getpid(), SIGTERM);	/* blocked: read from the signalfd */
	assert_int_equal(daemon_wait_stop(d, CLOCK_NEVER), 0);
	assert_true(daemon_stopping(d));
	assert_int_equal(daemon_wait_stop(d, CLOCK_NEVER), 0);
	return 0;
}

static void
test_daemon_serves_health_and_stops_on_sigterm(void **state)
{
	struct daemon_def def = { .name = "test-daemon", .summary = "t",
	    .flag_tables = extra_tables, .flag_counts = extra_counts,
	    .nflag_tables = 1, .run = run_signal };
	char port_file[] = "/tmp/ckube-test-daemon-port.XXXXXX";
	char a0[] = "test-daemon", a1[] = "--master=http://127.0.0.1:1";
	char a2[] = "--watch-bus=ipc:///tmp/x", a3[] = "--port=0";
	char a4[] = "--port-file", a6[] = "--extra=9", a7[] = "--v=1";
	char *argv[] = { a0, a1, a2, a3, a4, port_file, a6, a7, NULL };
	FILE *f;
	int fd, port = 0;

	(void)state;
	fd = mkstemp(port_file);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(daemon_main(&def, 8, argv), 0);
	f = fopen(port_file, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%d", &port), 1);
	assert_true(port > 0);
	fclose(f);
	unlink(port_file);
}

static void *
stopper(void *arg)
{
	daemon_request_stop(arg, 3);
	daemon_request_stop(arg, 4);	/* the first status is kept */
	return NULL;
}

static int
run_request(struct daemon *d, void *arg)
{
	pthread_t t;

	(void)arg;
	assert_int_equal(pthread_create(&t, NULL, stopper, d), 0);
	assert_int_equal(daemon_wait_stop(d, CLOCK_NEVER), 0);
	pthread_join(t, NULL);
	assert_int_equal(daemon_exit_status(d), 3);
	return 0;
}

static void
test_daemon_request_stop_sets_status(void **state)
{
	struct daemon_def def = { .name = "test-daemon", .run = run_request };
	char a0[] = "test-daemon";
	char *argv[] = { a0, NULL };

	(void)state;
	assert_int_equal(daemon_main(&def, 1, argv), 3);
}

static int
run_never(struct daemon *d, void *arg)
{
	(void)d;
	(void)arg;
	fail_msg("run() must not be called");
	return 1;
}

static void
test_daemon_help_and_bad_flags(void **state)
{
	struct daemon_def def = { .name = "test-daemon", .run = run_never };
	char a0[] = "test-daemon", help[] = "--version", bad[] = "--bogus";
	char port[] = "--port=70000";
	char *argv1[] = { a0, help, NULL };
	char *argv2[] = { a0, bad, NULL };
	char *argv3[] = { a0, port, NULL };

	(void)state;
	assert_int_equal(daemon_main(&def, 2, argv1), 0);
	assert_int_equal(daemon_main(&def, 2, argv2), 2);
	assert_int_equal(daemon_main(&def, 2, argv3), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_daemon_help_and_bad_flags),
		cmocka_unit_test(test_daemon_serves_health_and_stops_on_sigterm),
		cmocka_unit_test(test_daemon_request_stop_sets_status),
	};

	return cmocka_run_group_tests_name("daemon", tests, NULL, NULL);
}
