/* Unit tests for common/flags.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ckube/err.h"
#include "ckube/flags.h"

static struct {
	int		verbose;
	int		debug;
	int64_t		port;
	const char	*addr;
	const char	*name;
	int64_t		timeout_ms;
	int64_t		max_body;
	int64_t		workers;
} v;

static const struct flag generic_flags[] = {
	{ "verbose", FLAG_BOOL, &v.verbose, "false", "Generic", "log more" },
	{ "debug", FLAG_BOOL, &v.debug, "true", "Generic", "debug mode" },
	{ "bind-address", FLAG_STRING, &v.addr, "127.0.0.1", "Generic",
	  "address to listen on" },
	{ "port", FLAG_INT, &v.port, "8080", "Generic", "port | or 0" },
};

static const struct flag own_flags[] = {
	{ "name", FLAG_STRING, &v.name, NULL, "Storage", "a name" },
	{ "request-timeout", FLAG_DURATION, &v.timeout_ms, "1m", "Storage", "timeout" },
	{ "max-body", FLAG_SIZE, &v.max_body, "3Mi", "Storage", "largest body" },
	{ "workers", FLAG_INT, &v.workers, "0", NULL, "worker threads" },
	{ "unused", FLAG_INT, NULL, "5", NULL, "no storage" },
};

static const struct flag *const tables[] = { generic_flags, own_flags };
static const size_t ntables[] = { ARRAY_SIZE(generic_flags), ARRAY_SIZE(own_flags) };
static const struct flags_prog prog = { "ckube-test", "a test program", "v1.3.0-ckube" };

/* Run flags_parse with fd (1 or 2) captured into out (may be NULL). */
static int
run(char *out, size_t outlen, int fd, int argc, const char **args)
{
	char *argv[16];
	FILE *tmp = tmpfile();
	int saved, rc, i;
	size_t n;

	assert_non_null(tmp);
	assert_true(argc < 16);
	for (i = 0; i < argc; i++)
		argv[i] = (char *)(uintptr_t)args[i];
	argv[argc] = NULL;
	fflush(fd == 1 ? stdout : stderr);
	saved = dup(fd);
	dup2(fileno(tmp), fd);
	rc = flags_parse(&prog, tables, ntables, ARRAY_SIZE(tables), argc, argv);
	fflush(fd == 1 ? stdout : stderr);
	dup2(saved, fd);
	close(saved);
	rewind(tmp);
	n = fread(out ? out : (char[1]){ 0 }, 1, out ? outlen - 1 : 0, tmp);
	if (out)
		out[n] = '\0';
	fclose(tmp);
	return rc;
}

#define RUN(out, fd, ...) \
	run(out, sizeof(out), fd, (int)ARRAY_SIZE(((const char *[]){ __VA_ARGS__ })), \
	    (const char *[]){ __VA_ARGS__ })

static int
setup(void **state)
{
	(void)state;
	memset(&v, 0, sizeof(v));
	v.name = "untouched";
	return 0;
}

static void
test_flags_defaults(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(RUN(err, 2, "prog"), FLAGS_OK);
	assert_string_equal(err, "");
	assert_int_equal(v.verbose, 0);
	assert_int_equal(v.debug, 1);
	assert_string_equal(v.addr, "127.0.0.1");
	assert_int_equal(v.port, 8080);
	assert_null(v.name);
	assert_int_equal(v.timeout_ms, 60000);
	assert_int_equal(v.max_body, 3 * 1024 * 1024);
	assert_int_equal(v.workers, 0);
}

static void
test_flags_forms(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(RUN(err, 2, "prog", "--port=9000", "--bind-address", "0.0.0.0",
	    "--verbose", "--debug=false", "--name=", "--request-timeout", "1m30s",
	    "--max-body=1G", "-workers=4"), FLAGS_OK);
	assert_int_equal(v.port, 9000);
	assert_string_equal(v.addr, "0.0.0.0");
	assert_int_equal(v.verbose, 1);
	assert_int_equal(v.debug, 0);
	assert_string_equal(v.name, "");
	assert_int_equal(v.timeout_ms, 90000);
	assert_int_equal(v.max_body, 1000000000);
	assert_int_equal(v.workers, 4);
	/* last one wins, '_' reads as '-', values may start with '-', '--' ends flags */
	assert_int_equal(RUN(err, 2, "prog", "--port=1", "--port", "-2", "--bind_address=x",
	    "--verbose=T", "--max-body", "100", "--"), FLAGS_OK);
	assert_int_equal(v.port, -2);
	assert_string_equal(v.addr, "x");
	assert_int_equal(v.verbose, 1);
	assert_int_equal(v.max_body, 100);
	assert_int_equal(RUN(err, 2, "prog", "--name=a=b"), FLAGS_OK);
	assert_string_equal(v.name, "a=b");
}

static void
test_flags_errors_leave_variables(void **state)
{
	char err[512];

	(void)state;
	assert_int_equal(RUN(err, 2, "prog", "--port=1", "--nope"), CK_EINVALID);
	assert_string_equal(err, "ckube-test: unknown flag: --nope\n"
	    "Run 'ckube-test --help' for usage.\n");
	assert_int_equal(v.port, 0);		/* nothing written */
	assert_string_equal(v.name, "untouched");
	assert_int_equal(RUN(err, 2, "prog", "extra"), CK_EINVALID);
	assert_non_null(strstr(err, "unexpected argument \"extra\""));
	assert_int_equal(RUN(err, 2, "prog", "--", "extra"), CK_EINVALID);
	assert_int_equal(RUN(err, 2, "prog", "-"), CK_EINVALID);
	assert_int_equal(RUN(err, 2, "prog", "---port=1"), CK_EINVALID);
	assert_non_null(strstr(err, "bad flag syntax"));
	assert_int_equal(RUN(err, 2, "prog", "--=1"), CK_EINVALID);
	assert_int_equal(RUN(err, 2, "prog", "--port"), CK_EINVALID);
	assert_non_null(strstr(err, "flag needs an argument: --port"));
	assert_int_equal(RUN(err, 2, "prog", "--port=x"), CK_EINVALID);
	assert_non_null(strstr(err, "invalid argument \"x\" for \"--port\" flag"));
	assert_int_equal(RUN(err, 2, "prog", "--port="), CK_EINVALID);
	assert_int_equal(RUN(err, 2, "prog", "--port=99999999999999999999"), CK_EINVALID);
	assert_int_equal(RUN(err, 2, "prog", "--verbose=yes"), CK_EINVALID);
	assert_int_equal(RUN(err, 2, "prog", "--verbose", "false"), CK_EINVALID);
	assert_int_equal(RUN(err, 2, "prog", "--request-timeout=10"), CK_EINVALID);
	assert_int_equal(RUN(err, 2, "prog", "--max-body=3MB"), CK_EINVALID);
	assert_int_equal(RUN(err, 2, "prog", "--max-body=-1"), CK_EINVALID);
	assert_int_equal(v.port, 0);
}

static void
test_flags_help_and_version(void **state)
{
	char out[4096];

	(void)state;
	assert_int_equal(RUN(out, 1, "prog", "--help"), FLAGS_EXIT_OK);
	assert_non_null(strstr(out, "ckube-test - a test program"));
	assert_non_null(strstr(out, "Generic flags:"));
	assert_non_null(strstr(out, "Storage flags:"));
	assert_non_null(strstr(out, "General flags:"));
	assert_non_null(strstr(out, "--bind-address string"));
	assert_non_null(strstr(out, "(default \"127.0.0.1\")"));
	assert_non_null(strstr(out, "(default 3Mi)"));
	assert_non_null(strstr(out, "--request-timeout duration"));
	assert_non_null(strstr(out, "debug mode (default true)"));
	assert_null(strstr(out, "log more (default"));
	assert_null(strstr(out, "worker threads (default"));
	assert_true(strstr(out, "Generic flags:") < strstr(out, "Storage flags:"));
	assert_int_equal(v.port, 0);
	assert_int_equal(RUN(out, 1, "prog", "-h"), FLAGS_EXIT_OK);
	assert_non_null(strstr(out, "Usage:"));
	assert_int_equal(RUN(out, 1, "prog", "--port=1", "--version", "--bogus"), FLAGS_EXIT_OK);
	assert_string_equal(out, "ckube-test v1.3.0-ckube\n");
	/* an error before --help wins */
	assert_int_equal(RUN(out, 2, "prog", "--bogus", "--help"), CK_EINVALID);
}

static void
test_flags_markdown(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	flags_print_markdown(f, &prog, tables, ntables, ARRAY_SIZE(tables));
	fclose(f);
	assert_non_null(strstr(buf, "# ckube-test\n"));
	assert_non_null(strstr(buf, "## Generic flags\n"));
	assert_non_null(strstr(buf, "| `--bind-address` | string | `127.0.0.1` | "
	    "address to listen on |\n"));
	assert_non_null(strstr(buf, "| `--port` | int | `8080` | port \\| or 0 |\n"));
	assert_non_null(strstr(buf, "| `--verbose` | bool |  | log more |\n"));
	free(buf);
}

static void
test_flags_bad_default(void **state)
{
	static int64_t x;
	static const struct flag bad[] = { { "x", FLAG_INT, &x, "abc", "G", "x" } };
	static const struct flag *const bt[] = { bad };
	static const size_t bn[] = { 1 };
	char *argv[] = { (char *)(uintptr_t)"prog", NULL };
	FILE *tmp = tmpfile();
	int saved;

	(void)state;
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	assert_int_equal(flags_parse(&prog, bt, bn, 1, 1, argv), CK_EINVALID);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(tmp);
	/* no tables at all */
	assert_int_equal(flags_parse(&prog, NULL, NULL, 0, 1, argv), FLAGS_OK);
}

/* FLAG_FLOAT: decimals and exponents; junk, inf and nan are usage errors. */
static void
test_flags_float(void **state)
{
	static double rate;
	static const struct flag ft[] = { { "rate", FLAG_FLOAT, &rate, "0.1",
	    "G", "a rate" } };
	static const struct flag *const tt[] = { ft };
	static const size_t tn[] = { 1 };
	static const char *const bad[] = { "--rate=abc", "--rate=1x",
	    "--rate=inf", "--rate=nan", "--rate=", "--rate= 1", "--rate=1e999" };
	char *argv[] = { (char *)(uintptr_t)"prog", NULL, NULL };
	FILE *tmp = tmpfile();
	int saved;
	size_t i;

	(void)state;
	assert_int_equal(flags_parse(&prog, tt, tn, 1, 1, argv), FLAGS_OK);
	assert_true(rate > 0.0999 && rate < 0.1001);
	argv[1] = (char *)(uintptr_t)"--rate=1e-2";
	assert_int_equal(flags_parse(&prog, tt, tn, 1, 2, argv), FLAGS_OK);
	assert_true(rate > 0.00999 && rate < 0.01001);
	argv[1] = (char *)(uintptr_t)"--rate=0";
	assert_int_equal(flags_parse(&prog, tt, tn, 1, 2, argv), FLAGS_OK);
	assert_true(rate == 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fileno(tmp), 2);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		rate = 7;
		argv[1] = (char *)(uintptr_t)bad[i];
		assert_int_equal(flags_parse(&prog, tt, tn, 1, 2, argv),
		    CK_EINVALID);
		assert_true(rate == 7);
	}
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(tmp);
}

static void
test_flags_duration(void **state)
{
	static const struct { const char *s; int64_t ms; } ok[] = {
		{ "0", 0 }, { "500ms", 500 }, { "10s", 10000 }, { "1m30s", 90000 },
		{ "2h", 7200000 }, { "1.5s", 1500 }, { ".5s", 500 }, { "1.s", 1000 },
		{ "1h1m1s1ms", 3661001 }, { "-3s", -3000 }, { "+3s", 3000 },
		{ "1500us", 1 }, { "1500\xc2\xb5s", 1 }, { "2000000ns", 2 },
		{ "0s", 0 }, { "0.000000001h", 0 }, { "2562047h", INT64_C(9223369200000) },
	};
	static const char *const bad[] = {
		"", "-", "10", "s", "1x", "1.5.5s", ".s", "1 s", "1s ", "1S", "3d",
		"9223372036854775807h", "2562048h", "99999999999999999999s",
	};
	int64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ok); i++) {
		assert_int_equal(flags_parse_duration_ms(ok[i].s, &ms), 0);
		assert_int_equal(ms, ok[i].ms);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(flags_parse_duration_ms(bad[i], &ms), CK_EINVALID);
	assert_int_equal(flags_parse_duration_ms(NULL, &ms), CK_EINVALID);
}

/* Write text to a fresh temp file; its path into path (PATH_MAX-ish). */
static void
write_config(char *path, size_t len, const char *text)
{
	FILE *f;
	int fd;

	snprintf(path, len, "/tmp/ckube-test-flags.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static void
test_flags_config(void **state)
{
	char path[64], err[1024];

	(void)state;
	write_config(path, sizeof(path),
	    "# ckube-test flags\n"
	    "port: 9090\n"
	    "bind-address: 0.0.0.0\n"
	    "name: from-file\n"
	    "request_timeout: 90s\n"
	    "max-body: 1Ki\n"
	    "verbose: true\n"
	    "debug: false\n");
	/* the file over the defaults, flags over the file, either order */
	assert_int_equal(RUN(err, 2, "prog", "--port=1", "--config", path),
	    FLAGS_OK);
	assert_string_equal(err, "");
	assert_int_equal(v.port, 1);
	assert_string_equal(v.addr, "0.0.0.0");
	assert_string_equal(v.name, "from-file");
	assert_int_equal(v.timeout_ms, 90000);
	assert_int_equal(v.max_body, 1024);
	assert_int_equal(v.verbose, 1);
	assert_int_equal(v.debug, 0);
	assert_int_equal(v.workers, 0);
	assert_int_equal(RUN(err, 2, "prog", "--config="), CK_EINVALID);
	assert_non_null(strstr(err, "--config needs a file name"));
	unlink(path);

	/* an empty file (or only comments) sets nothing */
	write_config(path, sizeof(path), "# nothing\n");
	assert_int_equal(RUN(err, 2, "prog", "--config", path), FLAGS_OK);
	assert_int_equal(v.port, 8080);
	assert_string_equal(v.addr, "127.0.0.1");
	unlink(path);

	/* a quoted empty string is a value */
	write_config(path, sizeof(path), "name: \"\"\nport: \"7\"\n");
	assert_int_equal(RUN(err, 2, "prog", "--config", path), FLAGS_OK);
	assert_string_equal(v.name, "");
	assert_int_equal(v.port, 7);
	unlink(path);
	flags_free_config();
}

static void
test_flags_config_errors(void **state)
{
	static const struct { const char *yaml, *msg; } bad[] = {
		{ "bogus: 1\n", "unknown flag \"bogus\"" },
		{ "port: abc\n",
		  "invalid value \"abc\" for \"port\": must be an integer" },
		{ "port: 1.5\n", "invalid value \"1.5\" for \"port\"" },
		{ "port:\n", "\"port\" needs a single value" },
		{ "port: [1, 2]\n", "\"port\" needs a single value" },
		{ "name: {a: b}\n", "\"name\" needs a single value" },
		{ "- port\n", "want a mapping" },
		{ "just text\n", "want a mapping" },
		{ "port: 1\nport: 2\n", "duplicate key" },
		{ "port: 1\n---\nport: 2\n", "more than one YAML document" },
		{ "port: [\n", "yaml: line" },
		{ "config: other.yaml\n", "\"config\" is not allowed" },
		{ "help: true\n", "\"help\" is not allowed" },
	};
	char path[64], err[1024];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		write_config(path, sizeof(path), bad[i].yaml);
		v.port = 42;
		assert_int_equal(RUN(err, 2, "prog", "--config", path),
		    CK_EINVALID);
		if (strstr(err, bad[i].msg) == NULL ||
		    strstr(err, path) == NULL)
			fail_msg("config %zu: want \"%s\", got \"%s\"", i,
			    bad[i].msg, err);
		assert_non_null(strstr(err,
		    "Run 'ckube-test --help' for usage.\n"));
		assert_int_equal(v.port, 42);	/* nothing written */
		unlink(path);
	}
	assert_int_equal(RUN(err, 2, "prog", "--config", "/nonexistent/x.yaml"),
	    CK_EINVALID);
	assert_non_null(strstr(err,
	    "--config /nonexistent/x.yaml: No such file"));
	assert_int_equal(RUN(err, 2, "prog", "--config"), CK_EINVALID);
	assert_non_null(strstr(err, "flag needs an argument: --config"));
	/* a bad flag is reported before the file is read */
	assert_int_equal(RUN(err, 2, "prog", "--config", "/nonexistent",
	    "--port=x"), CK_EINVALID);
	assert_non_null(strstr(err, "invalid argument \"x\" for \"--port\""));
	/* --help does not read the file */
	assert_int_equal(RUN(err, 1, "prog", "--config", "/nonexistent",
	    "--help"), FLAGS_EXIT_OK);
	assert_non_null(strstr(err, "--config string"));
	flags_free_config();
}

static void
test_flags_usage_error_and_markdown_flag(void **state)
{
	char out[4096];
	int rc;

	(void)state;
	fflush(stderr);
	{
		FILE *tmp = tmpfile();
		int saved = dup(2);
		size_t n;

		assert_non_null(tmp);
		dup2(fileno(tmp), 2);
		rc = flags_usage_error(&prog, "--port %d: out of range", 70000);
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		rewind(tmp);
		n = fread(out, 1, sizeof(out) - 1, tmp);
		out[n] = '\0';
		fclose(tmp);
	}
	assert_int_equal(rc, FLAGS_EXIT_USAGE);
	assert_int_equal(FLAGS_EXIT_USAGE, 2);
	assert_string_equal(out, "ckube-test: --port 70000: out of range\n"
	    "Run 'ckube-test --help' for usage.\n");
	assert_int_equal(RUN(out, 1, "prog", "--help-markdown"), FLAGS_EXIT_OK);
	assert_non_null(strstr(out, "# ckube-test\n"));
	assert_non_null(strstr(out, "| `--config` | string |"));
	/* hidden: not in --help */
	assert_int_equal(RUN(out, 1, "prog", "--help"), FLAGS_EXIT_OK);
	assert_null(strstr(out, "markdown"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_flags_defaults, setup),
		cmocka_unit_test_setup(test_flags_forms, setup),
		cmocka_unit_test_setup(test_flags_errors_leave_variables, setup),
		cmocka_unit_test_setup(test_flags_help_and_version, setup),
		cmocka_unit_test_setup(test_flags_markdown, setup),
		cmocka_unit_test_setup(test_flags_bad_default, setup),
		cmocka_unit_test(test_flags_duration),
		cmocka_unit_test(test_flags_float),
		cmocka_unit_test_setup(test_flags_config, setup),
		cmocka_unit_test_setup(test_flags_config_errors, setup),
		cmocka_unit_test_setup(test_flags_usage_error_and_markdown_flag,
		    setup),
	};

	return cmocka_run_group_tests_name("flags", tests, NULL, NULL);
}
