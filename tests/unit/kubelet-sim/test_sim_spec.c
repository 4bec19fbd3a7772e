/* Unit tests of the kubelet-sim command simulator and duration parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/ck.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "sim_spec.h"

static struct sim_outcome
run(const char *const *argv, size_t n, bool init)
{
	struct sim_outcome o;

	assert_int_equal(sim_spec_eval(argv, n, init, &o), 0);
	return o;
}

static void
test_simple(void **state)
{
	const char *sl[] = { "sleep", "5" };
	const char *ex[] = { "/bin/sh", "-c", "exit 3" };
	const char *tr[] = { "true" };
	const char *fa[] = { "false" };
	const char *ng[] = { "nginx" };
	const char *rd[] = { "redis-server", "--port", "6379" };
	struct sim_outcome o;

	(void)state;
	o = run(sl, 2, false);
	assert_false(o.forever);
	assert_int_equal(o.run_ms, 5000);
	assert_int_equal(o.exit_code, 0);
	o = run(ex, 3, false);
	assert_false(o.forever);
	assert_int_equal(o.exit_code, 3);
	o = run(tr, 1, false);
	assert_false(o.forever);
	assert_int_equal(o.exit_code, 0);
	o = run(fa, 1, false);
	assert_int_equal(o.exit_code, 1);
	o = run(ng, 1, false);
	assert_true(o.forever);
	o = run(rd, 3, false);
	assert_true(o.forever);
	o = run(NULL, 0, false);
	assert_true(o.forever);
	/* Init containers with nothing simulated complete at once. */
	o = run(ng, 1, true);
	assert_false(o.forever);
	assert_int_equal(o.run_ms, 0);
	assert_int_equal(o.exit_code, 0);
	o = run(NULL, 0, true);
	assert_false(o.forever);
}

static void
test_scripts(void **state)
{
	const char *a[] = { "sh", "-c", "sleep 2; exit 1" };
	const char *b[] = { "sh", "-c", "wget -O /work-dir/index.html http://kubernetes.io && sleep 1.5" };
	const char *c[] = { "sh", "-c", "false && sleep 10; echo hi" };
	const char *d[] = { "sh", "-c", "false || sleep 1 || exit 4" };
	const char *e[] = { "sh", "-c", "echo 'a; exit 9' ; sleep 1m" };
	const char *f[] = { "sh", "-c", "sleep infinity" };
	const char *g[] = { "sh", "-c", "exit 2; sleep 100" };
	const char *h[] = { "sh", "-c", "echo hello && cp a b" };
	const char *i[] = { "sh", "-c", "false; exit" };
	struct sim_outcome o;

	(void)state;
	o = run(a, 3, false);
	assert_int_equal(o.run_ms, 2000);
	assert_int_equal(o.exit_code, 1);
	o = run(b, 3, false);
	assert_int_equal(o.run_ms, 1500);
	assert_int_equal(o.exit_code, 0);
	o = run(c, 3, false);
	assert_false(o.forever);
	assert_int_equal(o.run_ms, 0);
	assert_int_equal(o.exit_code, 0);
	o = run(d, 3, false);
	assert_int_equal(o.run_ms, 1000);
	assert_int_equal(o.exit_code, 0);
	o = run(e, 3, false);
	assert_int_equal(o.run_ms, 60000);
	assert_int_equal(o.exit_code, 0);
	o = run(f, 3, false);
	assert_true(o.forever);
	o = run(g, 3, false);
	assert_int_equal(o.run_ms, 0);
	assert_int_equal(o.exit_code, 2);
	o = run(h, 3, false);
	assert_true(o.forever);
	o = run(h, 3, true);
	assert_false(o.forever);
	o = run(i, 3, false);
	assert_int_equal(o.exit_code, 1);
}

static void
test_bad(void **state)
{
	const char *a[] = { "sh", "-c", "sleep 'x" };
	const char *b[] = { "sleep" };
	const char *c[] = { "sleep", "abc" };
	const char *d[] = { "sh", "-c", "exit 300" };
	struct sim_outcome o;

	(void)state;
	assert_int_equal(sim_spec_eval(a, 3, false, &o), CK_EINVALID);
	assert_true(o.forever);
	assert_int_equal(sim_spec_eval(b, 1, false, &o), CK_EINVALID);
	assert_int_equal(sim_spec_eval(c, 2, false, &o), CK_EINVALID);
	assert_int_equal(sim_spec_eval(d, 3, false, &o), CK_EINVALID);
}

static void
test_duration(void **state)
{
	int64_t ms;

	(void)state;
	assert_int_equal(sim_parse_duration("300ms", &ms), 0);
	assert_int_equal(ms, 300);
	assert_int_equal(sim_parse_duration("1.5s", &ms), 0);
	assert_int_equal(ms, 1500);
	assert_int_equal(sim_parse_duration("1h30m", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(sim_parse_duration("0", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(sim_parse_duration("", &ms), CK_EINVALID);
	assert_int_equal(sim_parse_duration("5", &ms), CK_EINVALID);
	assert_int_equal(sim_parse_duration("-1s", &ms), CK_EINVALID);
	assert_int_equal(sim_parse_duration("3x", &ms), CK_EINVALID);
	assert_int_equal(sim_parse_duration(NULL, &ms), CK_EINVALID);
}

static void
test_output(void **state)
{
	const char *a[] = { "sh", "-c",
	    "echo hello world; sleep 2; echo 'bye now' && false || echo x" };
	const char *b[] = { "sh", "-c", "echo hi > /work/index.html; exit 1; "
	    "echo never" };
	const char *c[] = { "echo", "plain" };
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(sim_spec_output(a, 3, NULL, &sb), 0);
	assert_string_equal(strbuf_str(&sb),
	    "0 hello world\n2000 bye now\n2000 x\n");
	strbuf_reset(&sb);
	assert_int_equal(sim_spec_output(b, 3, NULL, &sb), 0);
	assert_int_equal(sb.len, 0);
	assert_int_equal(sim_spec_output(c, 2, NULL, &sb), 0);
	assert_string_equal(strbuf_str(&sb), "0 plain\n");
	strbuf_fini(&sb);
}

static void
test_cat_resolv(void **state)
{
	const char *a[] = { "sh", "-c", "sleep 1; cat /etc/hosts "
	    "/etc/resolv.conf && sleep 3600" };
	const char *b[] = { "cat", "/etc/resolv.conf" };
	const char *text = "nameserver 10.0.0.10\nsearch a.svc.cluster.local\n";
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb);
	assert_int_equal(sim_spec_output(a, 3, text, &sb), 0);
	assert_string_equal(strbuf_str(&sb), "1000 nameserver 10.0.0.10\n"
	    "1000 search a.svc.cluster.local\n");
	strbuf_reset(&sb);
	/* Without the text (none computed) cat prints nothing. */
	assert_int_equal(sim_spec_output(b, 2, NULL, &sb), 0);
	assert_int_equal(sb.len, 0);
	assert_int_equal(sim_spec_output(b, 2, "", &sb), 0);
	assert_int_equal(sb.len, 0);
	strbuf_fini(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_simple),
		cmocka_unit_test(test_cat_resolv),
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_output),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
