/* Unit tests for kubelet-sim/exec_sim.c: the commands kubectl exec runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/strbuf.h"
#include "exec_sim.h"

struct fake {
	struct strbuf	out, err;
	const char	*in;		/* stdin, handed out 3 bytes a time */
	bool		in_gone;	/* stdin ends with the client gone */
	int64_t		slept;
	bool		sleep_gone;
	int		writes_left;	/* < 0: unlimited */
};

static int
f_write(void *arg, int stream, const char *p, size_t n)
{
	struct fake *f = arg;

	if (f->writes_left == 0)
		return -1;
	if (f->writes_left > 0)
		f->writes_left--;
	strbuf_add(stream == 1 ? &f->out : &f->err, p, n);
	return 0;
}

static long
f_read(void *arg, char *buf, size_t max)
{
	struct fake *f = arg;
	size_t n;

	if (f->in == NULL || *f->in == '\0')
		return f->in_gone ? -1 : 0;
	n = strlen(f->in) < 3 ? strlen(f->in) : 3;
	if (n > max)
		n = max;
	memcpy(buf, f->in, n);
	f->in += n;
	return (long)n;
}

static int
f_sleep(void *arg, int64_t ms)
{
	struct fake *f = arg;

	f->slept += ms;
	return f->sleep_gone ? -1 : 0;
}

static const char *const vars[] = {
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOSTNAME=web-0", "GREETING=hello world", "HOME=/root",
};

static const struct exec_env env = {
	.hostname = "web-0",
	.resolv = "nameserver 10.0.0.10\nsearch default.svc.cluster.local\n",
	.hosts = "127.0.0.1\tlocalhost\n10.1.0.5\tweb-0\n",
	.vars = vars,
	.nvars = 4,
};

static struct fake F;

static int
setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	strbuf_init(&F.out);
	strbuf_init(&F.err);
	F.writes_left = -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	strbuf_fini(&F.out);
	strbuf_fini(&F.err);
	return 0;
}

/* Run words given as a NULL-terminated list. */
static int
run(const char *w0, ...)
{
	static const struct exec_io io = { &F, f_write, f_read, f_sleep };
	const char *argv[16];
	size_t n = 0;
	va_list ap;

	argv[n++] = w0;
	va_start(ap, w0);
	while (n < 16 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	return exec_sim_run(&env, argv, n, &io);
}

static void
test_exec_echo(void **state)
{
	(void)state;
	assert_int_equal(run("echo", "hi", "there", NULL), 0);
	assert_string_equal(strbuf_str(&F.out), "hi there\n");
	strbuf_reset(&F.out);
	assert_int_equal(run("/bin/echo", "-n", "x", NULL), 0);
	assert_string_equal(strbuf_str(&F.out), "x");
	assert_int_equal(F.err.len, 0);
}

static void
test_exec_status(void **state)
{
	(void)state;
	assert_int_equal(run("true", NULL), 0);
	assert_int_equal(run("false", NULL), 1);
	assert_int_equal(run("sh", "-c", "exit 3", NULL), 3);
	assert_int_equal(run("sh", "-c", "exit 300", NULL), 44);
	assert_int_equal(run("sh", "-c", "false; exit", NULL), 1);
	assert_int_equal(run("sh", "-c", "exit x", NULL), 2);
	assert_string_equal(strbuf_str(&F.err),
	    "sh: 1: exit: Illegal number: x\n");
}

static void
test_exec_not_found(void **state)
{
	(void)state;
	assert_int_equal(run("nosuch", "a", NULL), 127);
	assert_string_equal(strbuf_str(&F.err),
	    "exec: \"nosuch\": executable file not found in $PATH\n");
	strbuf_reset(&F.err);
	assert_int_equal(run("sh", "-c", "nosuch", NULL), 127);
	assert_string_equal(strbuf_str(&F.err), "sh: 1: nosuch: not found\n");
	assert_int_equal(F.out.len, 0);
}

static void
test_exec_files(void **state)
{
	(void)state;
	assert_int_equal(run("hostname", NULL), 0);
	assert_int_equal(run("cat", "/etc/hostname", "/etc/resolv.conf",
	    NULL), 0);
	assert_string_equal(strbuf_str(&F.out), "web-0\nweb-0\n"
	    "nameserver 10.0.0.10\nsearch default.svc.cluster.local\n");
	assert_int_equal(run("cat", "/etc/passwd", NULL), 1);
	assert_string_equal(strbuf_str(&F.err),
	    "cat: /etc/passwd: No such file or directory\n");
	strbuf_reset(&F.err);
	strbuf_reset(&F.out);
	assert_int_equal(run("ls", "-l", "/etc", NULL), 0);
	assert_string_equal(strbuf_str(&F.out), "hostname\nhosts\n"
	    "resolv.conf\n");
	assert_int_equal(run("ls", "/nope", NULL), 1);
	assert_string_equal(strbuf_str(&F.err),
	    "ls: /nope: No such file or directory\n");
}

static void
test_exec_env(void **state)
{
	(void)state;
	assert_int_equal(run("env", NULL), 0);
	assert_non_null(strstr(strbuf_str(&F.out), "\nHOSTNAME=web-0\n"));
	assert_non_null(strstr(strbuf_str(&F.out), "GREETING=hello world\n"));
	strbuf_reset(&F.out);
	assert_int_equal(run("printenv", "GREETING", NULL), 0);
	assert_string_equal(strbuf_str(&F.out), "hello world\n");
	assert_int_equal(run("printenv", "NOPE", NULL), 1);
	strbuf_reset(&F.out);
	assert_int_equal(run("sh", "-c", "echo \"$GREETING\" ${HOSTNAME}-$? "
	    "'$HOME' $NOPE.", NULL), 0);
	assert_string_equal(strbuf_str(&F.out), "hello world web-0-0 $HOME "
	    ".\n");
}

static void
test_exec_script_ops(void **state)
{
	(void)state;
	assert_int_equal(run("sh", "-c", "echo a; false && echo b || echo c;"
	    " true && echo d # no\n echo e", NULL), 0);
	assert_string_equal(strbuf_str(&F.out), "a\nc\nd\ne\n");
	strbuf_reset(&F.out);
	assert_int_equal(run("bash", "-c", "echo 'x;y' \"q\\\"\"; exit 4; "
	    "echo no", NULL), 4);
	assert_string_equal(strbuf_str(&F.out), "x;y q\"\n");
	assert_int_equal(run("sh", "-c", "echo 'open", NULL), 2);
	assert_int_equal(run("sh", "-c", "echo a | cat", NULL), 2);
	assert_int_equal(run("sh", "-c", NULL), 2);
}

static void
test_exec_redirect(void **state)
{
	(void)state;
	assert_int_equal(run("sh", "-c", "echo out; echo err >&2; echo x "
	    "1>&2 2>&1; echo gone > /dev/null; ls /nope 2>/dev/null", NULL), 1);
	assert_string_equal(strbuf_str(&F.out), "out\n");
	assert_string_equal(strbuf_str(&F.err), "err\nx\n");
	strbuf_reset(&F.err);
	assert_int_equal(run("sh", "-c", "echo a > /tmp/f", NULL), 2);
	assert_string_equal(strbuf_str(&F.err),
	    "sh: 1: cannot create /tmp/f: Read-only file system\n");
	strbuf_reset(&F.out);
	assert_int_equal(run("echo", ">&2", NULL), 0);
	assert_string_equal(strbuf_str(&F.out), ">&2\n");
}

static void
test_exec_stdin(void **state)
{
	(void)state;
	F.in = "line one\nline two\n";
	assert_int_equal(run("cat", NULL), 0);
	assert_string_equal(strbuf_str(&F.out), "line one\nline two\n");
	strbuf_reset(&F.out);
	F.in = "echo from stdin; exit 5\n";
	assert_int_equal(run("sh", NULL), 5);
	assert_string_equal(strbuf_str(&F.out), "from stdin\n");
	F.in = "abc";
	F.in_gone = true;
	assert_int_equal(run("cat", NULL), EXEC_GONE);
}

static void
test_exec_sleep(void **state)
{
	(void)state;
	assert_int_equal(run("sleep", "1.5", NULL), 0);
	assert_int_equal(F.slept, 1500);
	assert_int_equal(run("sleep", "infinity", NULL), 0);
	assert_int_equal(F.slept, 1500 + EXEC_SLEEP_MAX_MS);
	assert_int_equal(run("sleep", "x", NULL), 1);
	F.sleep_gone = true;
	assert_int_equal(run("sh", "-c", "sleep 5; echo late", NULL),
	    EXEC_GONE);
	assert_int_equal(F.out.len, 0);
	F.writes_left = 0;
	assert_int_equal(run("echo", "x", NULL), EXEC_GONE);
	F.writes_left = -1;
	strbuf_reset(&F.err);
	F.in = "archive";
	assert_int_equal(run("tar", "xmf", "-", NULL), EXEC_NOT_SIMULATED);
	assert_string_equal(strbuf_str(&F.err), EXEC_CP_MSG "\n");
}

/* Many and long words are cut, never overflow. */
static void
test_exec_bounds(void **state)
{
	struct strbuf s;
	int i;

	(void)state;
	strbuf_init(&s);
	strbuf_adds(&s, "echo ");
	for (i = 0; i < 200; i++)
		strbuf_adds(&s, "w ");
	for (i = 0; i < 10000; i++)
		strbuf_adds(&s, "x");
	assert_int_equal(run("sh", "-c", strbuf_str(&s), NULL), 0);
	assert_true(F.out.len < 64 * 3);
	strbuf_fini(&s);
	assert_int_equal(run("echo", NULL), 0);
	assert_int_equal(run("sh", "-c", "", NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exec_echo, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_status, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_not_found, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_files, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_script_ops, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_redirect, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_stdin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_sleep, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_exec_bounds, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
