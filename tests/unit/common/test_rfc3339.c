/* Unit tests for common/rfc3339.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/err.h"
#include "ckube/rfc3339.h"

static void
test_rfc3339_format(void **state)
{
	char buf[RFC3339_MAX];
	char small[21];

	(void)state;
	assert_int_equal(rfc3339_format(0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	assert_int_equal(rfc3339_format(1714557600, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2024-05-01T10:00:00Z");
	assert_int_equal(rfc3339_format(951782400, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2000-02-29T00:00:00Z");
	assert_int_equal(rfc3339_format(-1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1969-12-31T23:59:59Z");
	assert_int_equal(rfc3339_format(253402300799, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "9999-12-31T23:59:59Z");
	assert_int_equal(rfc3339_format(253402300800, buf, sizeof(buf)), CK_EINVALID);
	assert_int_equal(rfc3339_format(0, small, 20), CK_EINVALID);
	assert_int_equal(rfc3339_format(0, small, sizeof(small)), 0);
	assert_int_equal(rfc3339_format_micro(INT64_C(1714557600123456), buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2024-05-01T10:00:00.123456Z");
	assert_int_equal(rfc3339_format_micro(-1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1969-12-31T23:59:59.999999Z");
	assert_int_equal(rfc3339_format_micro(5, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00.000005Z");
	assert_int_equal(rfc3339_format_micro(0, small, sizeof(small)), CK_EINVALID);
}

static void
test_rfc3339_parse(void **state)
{
	int64_t us;
	time_t t;

	(void)state;
	assert_int_equal(rfc3339_parse("2024-05-01T10:00:00Z", &t), 0);
	assert_int_equal(t, 1714557600);
	assert_int_equal(rfc3339_parse_micro("2024-05-01T10:00:00.123456Z", &us), 0);
	assert_int_equal(us, INT64_C(1714557600123456));
	assert_int_equal(rfc3339_parse_micro("2024-05-01T10:00:00.1Z", &us), 0);
	assert_int_equal(us, INT64_C(1714557600100000));
	assert_int_equal(rfc3339_parse_micro("2024-05-01T10:00:00.123456789Z", &us), 0);
	assert_int_equal(us, INT64_C(1714557600123456));
	assert_int_equal(rfc3339_parse("2024-05-01T12:30:00+02:30", &t), 0);
	assert_int_equal(t, 1714557600);
	assert_int_equal(rfc3339_parse("2024-05-01T05:00:00-05:00", &t), 0);
	assert_int_equal(t, 1714557600);
	assert_int_equal(rfc3339_parse("2000-02-29T00:00:00Z", &t), 0);
	assert_int_equal(t, 951782400);
	assert_int_equal(rfc3339_parse("1969-12-31T23:59:59.5Z", &t), 0);
	assert_int_equal(t, -1);
	assert_int_equal(rfc3339_parse("1970-01-01T00:00:00.5Z", &t), 0);
	assert_int_equal(t, 0);
}

static void
test_rfc3339_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "2024", "2024-05-01", "2024-05-01 10:00:00Z", "2024-05-01T10:00:00",
		"2024-05-01T10:00:00z0", "2024-13-01T10:00:00Z", "2024-00-01T10:00:00Z",
		"2023-02-29T10:00:00Z", "2024-04-31T10:00:00Z", "2024-05-01T24:00:00Z",
		"2024-05-01T10:60:00Z", "2024-05-01T10:00:60Z", "2024-05-01T10:00:00.Z",
		"2024-05-01T10:00:00+0200", "2024-05-01T10:00:00+24:00",
		"2024-05-01T10:00:00+02:60", "2024-05-01T10:00:00Zjunk", "24-05-01T10:00:00Z",
		"2024-5-01T10:00:00Z", "2024-05-01T1:00:00Z", "+024-05-01T10:00:00Z",
		"1900-02-29T00:00:00Z",
	};
	int64_t us;
	time_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(rfc3339_parse_micro(bad[i], &us), CK_EINVALID);
		assert_int_equal(rfc3339_parse(bad[i], &t), CK_EINVALID);
	}
	assert_int_equal(rfc3339_parse(NULL, &t), CK_EINVALID);
	assert_int_equal(rfc3339_parse("2000-02-29T00:00:00Z", &t), 0);
}

static void
test_rfc3339_roundtrip_and_now(void **state)
{
	char buf[RFC3339_MAX];
	int64_t us, i;
	time_t t;

	(void)state;
	for (i = -INT64_C(100000000000000); i < INT64_C(200000000000000000);
	    i += INT64_C(987654321012345)) {
		assert_int_equal(rfc3339_format_micro(i, buf, sizeof(buf)), 0);
		assert_int_equal(rfc3339_parse_micro(buf, &us), 0);
		assert_int_equal(us, i);
	}
	rfc3339_now(buf);
	assert_int_equal(strlen(buf), 20);
	assert_int_equal(rfc3339_parse(buf, &t), 0);
	assert_true(t > 1700000000);
}

static const char *
hd(int64_t s)
{
	static char buf[32];

	rfc3339_human_duration(s, buf, sizeof(buf));
	return buf;
}

static void
test_rfc3339_human_duration(void **state)
{
	char tiny[3];

	(void)state;
	assert_string_equal(hd(-2), "<invalid>");
	assert_string_equal(hd(-1), "0s");
	assert_string_equal(hd(0), "0s");
	assert_string_equal(hd(5), "5s");
	assert_string_equal(hd(119), "119s");
	assert_string_equal(hd(120), "2m");
	assert_string_equal(hd(182), "3m2s");
	assert_string_equal(hd(599), "9m59s");
	assert_string_equal(hd(600), "10m");
	assert_string_equal(hd(659), "10m");
	assert_string_equal(hd(3 * 3600 - 1), "179m");
	assert_string_equal(hd(3 * 3600), "3h");
	assert_string_equal(hd(4 * 3600 + 59), "4h");
	assert_string_equal(hd(4 * 3600 + 60), "4h1m");
	assert_string_equal(hd(8 * 3600 - 1), "7h59m");
	assert_string_equal(hd(8 * 3600), "8h");
	assert_string_equal(hd(48 * 3600 - 1), "47h");
	assert_string_equal(hd(48 * 3600), "2d");
	assert_string_equal(hd(51 * 3600), "2d3h");
	assert_string_equal(hd(8 * 86400 - 1), "7d23h");
	assert_string_equal(hd(8 * 86400), "8d");
	assert_string_equal(hd(400 * 86400), "400d");
	assert_string_equal(hd(730 * 86400 - 1), "729d");
	assert_string_equal(hd(730 * 86400), "2y");
	assert_string_equal(hd(733 * 86400), "2y3d");
	assert_string_equal(hd(INT64_C(8) * 365 * 86400 - 1), "7y364d");
	assert_string_equal(hd(INT64_C(8) * 365 * 86400), "8y");
	assert_string_equal(hd(INT64_C(30) * 365 * 86400 + 86400), "30y");
	rfc3339_human_duration(12345, tiny, sizeof(tiny));
	assert_string_equal(tiny, "3h");
	rfc3339_human_duration(12345, tiny, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc3339_format),
		cmocka_unit_test(test_rfc3339_parse),
		cmocka_unit_test(test_rfc3339_parse_rejects),
		cmocka_unit_test(test_rfc3339_roundtrip_and_now),
		cmocka_unit_test(test_rfc3339_human_duration),
	};

	return cmocka_run_group_tests_name("rfc3339", tests, NULL, NULL);
}
