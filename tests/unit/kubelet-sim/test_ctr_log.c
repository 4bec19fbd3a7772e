/* Unit tests of the kubelet-sim container log rings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/ck.h"
#include "ckube/strbuf.h"
#include "ctr_log.h"

static void
test_order_tail_cut(void **state)
{
	struct ctr_log l = { 0 };
	struct strbuf sb;
	size_t vis;

	(void)state;
	strbuf_init(&sb);
	ctr_log_add(&l.cur, 1000, "start");
	ctr_log_add(&l.cur, 3000, "later");	/* echo after a sleep */
	ctr_log_add(&l.cur, 2000, "probe %d", 1);
	vis = ctr_log_render(&l.cur, NULL, 2500, 0, -1, false, &sb);
	assert_int_equal(vis, 2);
	assert_string_equal(strbuf_str(&sb), "start\nprobe 1\n");
	strbuf_reset(&sb);
	vis = ctr_log_render(&l.cur, NULL, 5000, vis, -1, false, &sb);
	assert_int_equal(vis, 3);
	assert_string_equal(strbuf_str(&sb), "later\n");
	strbuf_reset(&sb);
	ctr_log_render(&l.cur, NULL, 5000, 0, 1, false, &sb);
	assert_string_equal(strbuf_str(&sb), "later\n");
	strbuf_reset(&sb);
	ctr_log_render(&l.cur, NULL, 5000, 0, 1, true, &sb);
	assert_string_equal(strbuf_str(&sb),
	    "1970-01-01T00:00:03.000000Z later\n");
	/* killed at 2.5 s: the echo due at 3 s never happens */
	ctr_log_cut(&l.cur, 2500);
	assert_int_equal(l.cur.n, 2);
	ctr_log_rotate(&l);
	assert_true(l.has_prev);
	assert_int_equal(l.gen, 1);
	assert_int_equal(l.prev.n, 2);
	assert_int_equal(l.cur.n, 0);
	strbuf_fini(&sb);
	ctr_log_free(&l);
}

static void
test_bounded(void **state)
{
	struct ctr_log l = { 0 };
	int i;

	(void)state;
	for (i = 0; i < CTR_LOG_MAX + 10; i++)
		ctr_log_add(&l.cur, i, "line %d", i);
	assert_int_equal(l.cur.n, CTR_LOG_MAX);
	assert_string_equal(l.cur.e[0].text, "line 10");
	ctr_log_free(&l);
}

static void
started(const void *arg, int restarts, struct strbuf *sb)
{
	strbuf_addf(sb, "[%s] started, restart %d", (const char *)arg,
	    restarts);
}

/* The started line is kept as a mark and made when read. */
static void
test_started_line(void **state)
{
	struct ctr_log l = { 0 };
	struct log_started st = { started, "app" };
	struct strbuf sb;
	size_t vis;

	(void)state;
	strbuf_init(&sb);
	ctr_log_add(&l.cur, 1500, "echo");
	ctr_log_add_started(&l.cur, 1000, 0);
	assert_null(l.cur.e[0].text);
	vis = ctr_log_render(&l.cur, &st, 5000, 0, -1, false, &sb);
	assert_int_equal(vis, 2);
	assert_string_equal(strbuf_str(&sb),
	    "[app] started, restart 0\necho\n");
	ctr_log_rotate(&l);
	ctr_log_add_started(&l.cur, 6000, 1);
	strbuf_reset(&sb);
	(void)ctr_log_render(&l.cur, &st, 7000, 0, -1, false, &sb);
	assert_string_equal(strbuf_str(&sb), "[app] started, restart 1\n");
	strbuf_reset(&sb);
	(void)ctr_log_render(&l.prev, NULL, 7000, 0, -1, false, &sb);
	assert_string_equal(strbuf_str(&sb), "echo\n");
	strbuf_fini(&sb);
	ctr_log_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_tail_cut),
		cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_started_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
