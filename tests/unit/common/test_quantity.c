/* Unit tests for common/quantity.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/err.h"
#include "ckube/quantity.h"

static int64_t
milli(const char *s)
{
	int64_t v = -12345;

	assert_int_equal(quantity_parse_milli(s, &v, NULL), 0);
	return v;
}

static int64_t
value(const char *s)
{
	int64_t v = -12345;

	assert_int_equal(quantity_parse_value(s, &v, NULL), 0);
	return v;
}

static void
test_quantity_parse_milli(void **state)
{
	enum quantity_format f;
	int64_t v;

	(void)state;
	assert_int_equal(milli("100m"), 100);
	assert_int_equal(milli("1"), 1000);
	assert_int_equal(milli("1.5"), 1500);
	assert_int_equal(milli("0.1"), 100);
	assert_int_equal(milli(".5"), 500);
	assert_int_equal(milli("5."), 5000);
	assert_int_equal(milli("0"), 0);
	assert_int_equal(milli("-0"), 0);
	assert_int_equal(milli("+2"), 2000);
	assert_int_equal(milli("-250m"), -250);
	assert_int_equal(milli("1k"), 1000000);
	assert_int_equal(milli("1Ki"), 1024000);
	assert_int_equal(milli("64Mi"), INT64_C(64) * 1024 * 1024 * 1000);
	assert_int_equal(milli("2e3"), 2000000);
	assert_int_equal(milli("2E3"), 2000000);
	assert_int_equal(milli("1e-3"), 1);
	assert_int_equal(milli("1e+3"), 1000000);
	assert_int_equal(milli("1n"), 1);		/* rounded up */
	assert_int_equal(milli("1500u"), 2);
	assert_int_equal(milli("0.0001"), 1);
	assert_int_equal(milli("-0.0001"), -1);
	assert_int_equal(milli("1000000n"), 1);
	assert_int_equal(milli("0000012"), 12000);
	assert_int_equal(milli("1P"), INT64_C(1000000000000000000));
	assert_int_equal(milli("9223372036854775807m"), INT64_MAX);
	assert_int_equal(quantity_parse_milli("9223372036854775808m", &v, NULL), CK_EINVALID);
	assert_int_equal(quantity_parse_milli("1Ei", &v, NULL), CK_EINVALID);
	assert_int_equal(quantity_parse_milli("10P", &v, NULL), CK_EINVALID);
	assert_int_equal(quantity_parse_milli("1E", &v, &f), CK_EINVALID);
	assert_int_equal(quantity_parse_milli("1Gi", &v, &f), 0);
	assert_int_equal(f, QUANTITY_BINARY_SI);
	assert_int_equal(quantity_parse_milli("1G", &v, &f), 0);
	assert_int_equal(f, QUANTITY_DECIMAL_SI);
	assert_int_equal(quantity_parse_milli("1e9", &v, &f), 0);
	assert_int_equal(f, QUANTITY_DECIMAL_EXPONENT);
	/* 40 significant digits: the tail only rounds up */
	assert_int_equal(milli("1.000000000000000000000000000000000000001"), 1001);
	assert_int_equal(milli("0.0000000000000000000000000000000000000000000001"), 1);
}

static void
test_quantity_parse_value(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(value("1Gi"), INT64_C(1073741824));
	assert_int_equal(value("500M"), INT64_C(500000000));
	assert_int_equal(value("100m"), 1);
	assert_int_equal(value("1.5"), 2);
	assert_int_equal(value("-1.5"), -2);
	assert_int_equal(value("3Mi"), 3 * 1024 * 1024);
	assert_int_equal(value("1Ei"), INT64_C(1152921504606846976));
	assert_int_equal(value("7Ei"), INT64_C(8070450532247928832));
	assert_int_equal(quantity_parse_value("8Ei", &v, NULL), CK_EINVALID);
	assert_int_equal(value("9223372036854775807"), INT64_MAX);
	assert_int_equal(value("-9223372036854775807"), -INT64_MAX);
	assert_int_equal(quantity_parse_value("9223372036854775808", &v, NULL), CK_EINVALID);
	assert_int_equal(quantity_parse_value("1e19", &v, NULL), CK_EINVALID);
	assert_int_equal(quantity_parse_value("1e1000", &v, NULL), CK_EINVALID);
	assert_int_equal(quantity_parse_value("1e1001", &v, NULL), CK_EINVALID);
	assert_int_equal(value("1e-1000"), 1);
	assert_int_equal(value("0e1000"), 0);
}

static void
test_quantity_rejects(void **state)
{
	static const char *const bad[] = {
		"", "m", "-", "+", ".", "-.", "1.2.3", "1 ", " 1", "1ki", "1KI", "1Kb", "1mi",
		"1e", "1e+", "1e-", "1e1.5", "1ee3", "--1", "+-1", "1,5", "0x10", "1Mi1",
		"abc", "1 Gi", "1K", "Ki", "e3",
	};
	int64_t v;
	size_t i;
	int c;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(quantity_parse_milli(bad[i], &v, NULL), CK_EINVALID);
		assert_int_equal(quantity_parse_value(bad[i], &v, NULL), CK_EINVALID);
		assert_false(quantity_is_valid(bad[i]));
	}
	assert_int_equal(quantity_parse_milli(NULL, &v, NULL), CK_EINVALID);
	assert_true(quantity_is_valid("1"));
	assert_int_equal(quantity_compare("1", "x", &c), CK_EINVALID);
	assert_int_equal(quantity_compare("x", "1", &c), CK_EINVALID);
}

static int
cmp(const char *a, const char *b)
{
	int c = 99;

	assert_int_equal(quantity_compare(a, b, &c), 0);
	return c;
}

static void
test_quantity_compare(void **state)
{
	(void)state;
	assert_int_equal(cmp("1", "1000m"), 0);
	assert_int_equal(cmp("1Ki", "1024"), 0);
	assert_int_equal(cmp("1k", "1Ki"), -1);
	assert_int_equal(cmp("2Ei", "1Ei"), 1);
	assert_int_equal(cmp("-1", "1"), -1);
	assert_int_equal(cmp("1", "-1"), 1);
	assert_int_equal(cmp("-2", "-1"), -1);
	assert_int_equal(cmp("-1", "-2"), 1);
	assert_int_equal(cmp("0", "-0"), 0);
	assert_int_equal(cmp("500m", "0.5"), 0);
	assert_int_equal(cmp("1e3", "1k"), 0);
}

static const char *
canon(const char *s)
{
	static char buf[QUANTITY_STR_MAX];

	assert_int_equal(quantity_canonical(s, buf, sizeof(buf)), 0);
	return buf;
}

static void
test_quantity_canonical(void **state)
{
	char small[4];

	(void)state;
	assert_string_equal(canon("1024Mi"), "1Gi");
	assert_string_equal(canon("1536Mi"), "1536Mi");
	assert_string_equal(canon("0.5Gi"), "512Mi");
	assert_string_equal(canon("1Ei"), "1Ei");
	assert_string_equal(canon("1024Ei"), "1024Ei");
	assert_string_equal(canon("512Ki"), "512Ki");
	assert_string_equal(canon("0.5Ki"), "512");	/* below 1024: decimal */
	assert_string_equal(canon("1.5Ki"), "1536");
	assert_string_equal(canon("0.1Ki"), "102400m");	/* fractional: decimal */
	assert_string_equal(canon("0.5"), "500m");
	assert_string_equal(canon("1000m"), "1");
	assert_string_equal(canon("100m"), "100m");
	assert_string_equal(canon("1500"), "1500");
	assert_string_equal(canon("2000"), "2k");
	assert_string_equal(canon("1.5k"), "1500");
	assert_string_equal(canon("1000k"), "1M");
	assert_string_equal(canon("500M"), "500M");
	assert_string_equal(canon("1E"), "1E");
	assert_string_equal(canon("1000E"), "1000E");
	assert_string_equal(canon("0"), "0");
	assert_string_equal(canon("0Gi"), "0");
	assert_string_equal(canon("-2000"), "-2k");
	assert_string_equal(canon("-1Gi"), "-1Gi");
	assert_string_equal(canon("2e3"), "2e3");
	assert_string_equal(canon("2000e0"), "2e3");
	assert_string_equal(canon("1.5e3"), "1500");
	assert_string_equal(canon("1e-3"), "1e-3");
	assert_string_equal(canon("12e6"), "12e6");
	assert_string_equal(canon("1n"), "1m");
	assert_string_equal(canon("+5"), "5");
	assert_int_equal(quantity_canonical("1Gi", small, sizeof(small)), 0);
	assert_string_equal(small, "1Gi");
	assert_int_equal(quantity_canonical("10Gi", small, sizeof(small)), CK_EINVALID);
	assert_int_equal(quantity_canonical("1000", small, sizeof(small)), 0);
	assert_string_equal(small, "1k");
	assert_int_equal(quantity_canonical("1001", small, sizeof(small)), CK_EINVALID);
	assert_string_equal(small, "");
	assert_int_equal(quantity_canonical("-1", small, 2), CK_EINVALID);
	assert_int_equal(quantity_canonical("0", small, 0), CK_EINVALID);
	assert_int_equal(quantity_canonical("bad", small, sizeof(small)), CK_EINVALID);
}

static void
test_quantity_format(void **state)
{
	char buf[QUANTITY_STR_MAX];

	(void)state;
	assert_int_equal(quantity_format_milli(1500, QUANTITY_DECIMAL_SI, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1500m");
	assert_int_equal(quantity_format_milli(2000000, QUANTITY_DECIMAL_SI, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2k");
	assert_int_equal(quantity_format_milli(2000000, QUANTITY_DECIMAL_EXPONENT, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "2e3");
	assert_int_equal(quantity_format_milli(INT64_C(1073741824000), QUANTITY_BINARY_SI, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "1Gi");
	assert_int_equal(quantity_format_milli(INT64_MIN, QUANTITY_DECIMAL_SI, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "-9223372036854775808m");
	assert_int_equal(quantity_format_value(INT64_C(1073741824), QUANTITY_BINARY_SI, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "1Gi");
	assert_int_equal(quantity_format_value(INT64_C(1152921504606846976), QUANTITY_BINARY_SI,
	    buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1Ei");
	assert_int_equal(quantity_format_value(INT64_MAX, QUANTITY_DECIMAL_SI, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "9223372036854775807");
	assert_int_equal(quantity_format_value(0, QUANTITY_BINARY_SI, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "0");
	assert_int_equal(quantity_format_value(3, QUANTITY_DECIMAL_SI, buf, 1), CK_EINVALID);
}

/*
 * Found by fuzz_quantity: a 37-digit value lost its last digit (read as
 * ...030 + 1 instead of ...032), so the stored canonical form read back
 * as another quantity.
 */
static void
test_quantity_long_mantissa(void **state)
{
	int c = 2;

	(void)state;
	assert_string_equal(canon("1230001339818053092953818.818Gi"),
	    "1320703882138680156157074965404844032m");
	assert_string_equal(canon("1320703882138680156157074965404844032m"),
	    "1320703882138680156157074965404844032m");
	assert_int_equal(quantity_compare("1230001339818053092953818.818Gi",
	    "1320703882138680156157074965404844032m", &c), 0);
	assert_int_equal(c, 0);
	assert_int_equal(quantity_compare("1320703882138680156157074965404844032m",
	    "1320703882138680156157074965404844031m", &c), 0);
	assert_int_equal(c, 1);
	/* digits past what a u128 holds round up, and stay out of range */
	assert_string_equal(canon("0.12345678901234567890123456789012345678901"),
	    "124m");
	assert_int_equal(quantity_canonical("12345678901234567890123456789012345678901m",
	    (char[QUANTITY_STR_MAX]){ 0 }, QUANTITY_STR_MAX), CK_EINVALID);
	assert_int_equal(quantity_canonical("1329227995784915872903807060280344577m",
	    (char[QUANTITY_STR_MAX]){ 0 }, QUANTITY_STR_MAX), CK_EINVALID);
	assert_string_equal(canon("1329227995784915872903807060280344576m"),
	    "1329227995784915872903807060280344576m");
	/* also found: a fraction of a huge value gave a canonical form past the range */
	assert_int_equal(quantity_canonical("2233720123438889092235372030820001234048885n",
	    (char[QUANTITY_STR_MAX]){ 0 }, QUANTITY_STR_MAX), CK_EINVALID);
	assert_int_equal(quantity_canonical("2233720123438889092235372030820001234000000n",
	    (char[QUANTITY_STR_MAX]){ 0 }, QUANTITY_STR_MAX), CK_EINVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quantity_parse_milli),
		cmocka_unit_test(test_quantity_parse_value),
		cmocka_unit_test(test_quantity_rejects),
		cmocka_unit_test(test_quantity_compare),
		cmocka_unit_test(test_quantity_canonical),
		cmocka_unit_test(test_quantity_format),
		cmocka_unit_test(test_quantity_long_mantissa),
	};

	return cmocka_run_group_tests_name("quantity", tests, NULL, NULL);
}
