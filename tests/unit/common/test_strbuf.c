/* Unit tests for common/strbuf.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"

static void
test_strbuf_addf_grows(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;
	size_t len;
	int i;

	(void)state;
	assert_string_equal(strbuf_str(&sb), "");
	for (i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i % 10);
	assert_int_equal(sb.len, 2000);
	assert_memory_equal(sb.buf, "0,1,2,", 6);
	strbuf_setlen(&sb, 3);
	assert_string_equal(strbuf_str(&sb), "0,1");
	s = strbuf_detach(&sb, &len);
	assert_int_equal(len, 3);
	assert_null(sb.buf);
	free(s);
	strbuf_fini(&sb);
}

static void
test_strbuf_detach_empty_is_string(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *s;

	(void)state;
	s = strbuf_detach(&sb, NULL);
	assert_string_equal(s, "");
	free(s);
}

static void
test_strbuf_strlcpy_truncates(void **state)
{
	char buf[4];

	(void)state;
	assert_int_equal(ck_strlcpy(buf, "abcdef", sizeof(buf)), 6);
	assert_string_equal(buf, "abc");
	assert_int_equal(ck_strlcpy(buf, "ab", sizeof(buf)), 2);
	assert_string_equal(buf, "ab");
}

static void
test_strbuf_parse_int64(void **state)
{
	int64_t v = 0;

	(void)state;
	assert_int_equal(ck_parse_int64("42", &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(ck_parse_int64("-7", &v), 0);
	assert_true(v == -7);
	assert_int_equal(ck_parse_int64("", &v), CK_EINVALID);
	assert_int_equal(ck_parse_int64("12x", &v), CK_EINVALID);
	assert_int_equal(ck_parse_int64(" 1", &v), CK_EINVALID);
	assert_int_equal(ck_parse_int64("99999999999999999999", &v), CK_EINVALID);
	assert_int_equal(ck_parse_int64n("123abc", 3, &v), 0);
	assert_int_equal(v, 123);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strbuf_addf_grows),
		cmocka_unit_test(test_strbuf_detach_empty_is_string),
		cmocka_unit_test(test_strbuf_strlcpy_truncates),
		cmocka_unit_test(test_strbuf_parse_int64),
	};

	return cmocka_run_group_tests_name("strbuf", tests, NULL, NULL);
}
