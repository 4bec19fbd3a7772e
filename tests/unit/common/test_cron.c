/*
 * test_cron.c: the cron parser (every syntax, upstream's error wording),
 * the next-time search (UTC, the DOM/DOW OR rule, schedules that never
 * fire) and DST edges in America/New_York.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "ckube/cron.h"
#include "ckube/err.h"
#include "ckube/rfc3339.h"

static struct cron_schedule
must_parse(const char *spec)
{
	struct cron_schedule s;
	char err[CRON_ERR_MAX];

	if (cron_parse(spec, &s, err, sizeof(err)) != 0)
		fail_msg("parse %s: %s", spec, err);
	return s;
}

static void
assert_invalid(const char *spec, const char *want)
{
	struct cron_schedule s;
	char err[CRON_ERR_MAX];

	assert_int_equal(cron_parse(spec, &s, err, sizeof(err)), CK_EINVALID);
	if (strstr(err, want) == NULL)
		fail_msg("%s: got \"%s\", want \"%s\"", spec, err, want);
}

static time_t
at(const char *s)
{
	time_t t;

	assert_int_equal(rfc3339_parse(s, &t), 0);
	return t;
}

/* next(after) in tz, as RFC 3339 in tz. */
static void
assert_next(const char *spec, const char *tz, const char *after,
    const char *want)
{
	struct cron_schedule s = must_parse(spec);
	char got[64];
	int64_t t;

	assert_int_equal(cron_next(&s, tz, at(after), &t), 0);
	assert_int_equal(cron_format_time(t, tz, got, sizeof(got)), 0);
	if (strcmp(got, want) != 0)
		fail_msg("%s after %s in %s: got %s, want %s", spec, after,
		    tz != NULL ? tz : "local", got, want);
}

static void
test_cron_parse_fields(void **state)
{
	struct cron_schedule s;

	(void)state;
	s = must_parse("*/15 0-3,22 1 * ?");
	assert_int_equal(s.minute, (1ull << 0) | (1ull << 15) | (1ull << 30) |
	    (1ull << 45));
	assert_int_equal(s.hour, 0xfu | (1u << 22));
	assert_int_equal(s.dom, 1u << 1);
	assert_int_equal(s.month, 0x1ffeu);
	assert_int_equal(s.dow, 0x7fu);
	assert_false(s.dom_star);
	assert_true(s.dow_star);
	s = must_parse("5/20 * * JAN-mar,Dec mon-FRI");
	assert_int_equal(s.minute, (1ull << 5) | (1ull << 25) | (1ull << 45));
	assert_int_equal(s.month, 0xeu | (1u << 12));
	assert_int_equal(s.dow, 0x3eu);
	s = must_parse("0 0 1-10/3 * *");
	assert_int_equal(s.dom, (1u << 1) | (1u << 4) | (1u << 7) |
	    (1u << 10));
	s = must_parse("  0   0   *   *   sun  ");
	assert_int_equal(s.dow, 1u);
	/* "*" with a step > 1 is no longer a star (robfig's starBit). */
	s = must_parse("0 0 */2 * 1");
	assert_false(s.dom_star);
	s = must_parse("0 0 */1 * 1");
	assert_true(s.dom_star);
}

static void
test_cron_parse_descriptors(void **state)
{
	struct cron_schedule a, b;

	(void)state;
	a = must_parse("@yearly");
	b = must_parse("0 0 1 1 *");
	assert_memory_equal(&a, &b, sizeof(a));
	a = must_parse("@annually");
	assert_memory_equal(&a, &b, sizeof(a));
	a = must_parse("@monthly");
	b = must_parse("0 0 1 * *");
	assert_memory_equal(&a, &b, sizeof(a));
	a = must_parse("@weekly");
	b = must_parse("0 0 * * 0");
	assert_memory_equal(&a, &b, sizeof(a));
	a = must_parse("@daily");
	b = must_parse("0 0 * * *");
	assert_memory_equal(&a, &b, sizeof(a));
	a = must_parse("@midnight");
	assert_memory_equal(&a, &b, sizeof(a));
	a = must_parse("@hourly");
	b = must_parse("0 * * * *");
	assert_memory_equal(&a, &b, sizeof(a));
	a = must_parse("@every 1h30m");
	assert_int_equal(a.every_s, 5400);
}

static void
test_cron_parse_errors(void **state)
{
	(void)state;
	assert_invalid("61 * * * *", "end of range (61) above maximum (59)");
	assert_invalid("* 24 * * *", "above maximum (23)");
	assert_invalid("* * 0 * *", "beginning of range (0) below minimum (1)");
	assert_invalid("* * * 13 *", "above maximum (12)");
	assert_invalid("* * * * 7", "above maximum (6)");
	assert_invalid("* * * * * *", "expected exactly 5 fields, found 6");
	assert_invalid("* * * *", "expected exactly 5 fields, found 4");
	assert_invalid("* * * FOO *", "failed to parse int from FOO");
	assert_invalid("* * * * funday", "failed to parse int from funday");
	assert_invalid("5-1 * * * *", "beginning of range (5) beyond end");
	assert_invalid("*/0 * * * *", "step of range should be a positive");
	assert_invalid("1-2-3 * * * *", "too many hyphens");
	assert_invalid("*/2/3 * * * *", "too many slashes");
	assert_invalid("1,,2 * * * *", "failed to parse int");
	assert_invalid("TZ=UTC * * * * *", "cannot use TZ or CRON_TZ");
	assert_invalid("CRON_TZ=UTC 0 * * * *", "cannot use TZ or CRON_TZ");
	assert_invalid("@fortnightly", "unrecognized descriptor");
	assert_invalid("@every soon", "failed to parse duration");
	assert_invalid("", "empty spec string");
}

static void
test_cron_next_utc(void **state)
{
	(void)state;
	assert_next("* * * * *", "Etc/UTC", "2024-05-01T10:00:30Z",
	    "2024-05-01T10:01:00Z");
	assert_next("* * * * *", "Etc/UTC", "2024-05-01T10:01:00Z",
	    "2024-05-01T10:02:00Z");
	assert_next("*/15 * * * *", "Etc/UTC", "2024-05-01T10:46:00Z",
	    "2024-05-01T11:00:00Z");
	assert_next("@hourly", NULL, "2024-12-31T23:59:59Z",
	    "2025-01-01T00:00:00Z");
	assert_next("@yearly", "Etc/UTC", "2024-05-01T10:00:00Z",
	    "2025-01-01T00:00:00Z");
	assert_next("0 0 29 2 *", "Etc/UTC", "2024-03-01T00:00:00Z",
	    "2028-02-29T00:00:00Z");
	assert_next("0 12 * * MON", "Etc/UTC", "2024-05-01T00:00:00Z",
	    "2024-05-06T12:00:00Z");
	/* DOM and DOW both restricted: either matches (the 13th or a Friday). */
	assert_next("0 0 13 * 5", "Etc/UTC", "2024-05-01T00:00:00Z",
	    "2024-05-03T00:00:00Z");
	assert_next("0 0 13 * 5", "Etc/UTC", "2024-05-10T00:00:00Z",
	    "2024-05-13T00:00:00Z");
	/* One of them a star: both must match (a Friday the 13th). */
	assert_next("0 0 13 * ?", "Etc/UTC", "2024-05-01T00:00:00Z",
	    "2024-05-13T00:00:00Z");
	assert_next("0 0 */1 9 5", "Etc/UTC", "2024-05-01T00:00:00Z",
	    "2024-09-06T00:00:00Z");
}

static void
test_cron_next_never(void **state)
{
	struct cron_schedule s = must_parse("0 0 31 2 *");
	int64_t t;

	(void)state;
	assert_int_equal(cron_next(&s, "Etc/UTC", 1700000000, &t),
	    CK_ENOTFOUND);
	s = must_parse("0 0 30 2 *");
	assert_int_equal(cron_next(&s, "Etc/UTC", 1700000000, &t),
	    CK_ENOTFOUND);
}

static void
test_cron_next_time_zone(void **state)
{
	(void)state;
	assert_next("0 9 * * *", "Europe/Paris", "2024-05-01T08:00:00Z",
	    "2024-05-02T09:00:00+02:00");
	assert_next("30 3 * * *", "Asia/Kolkata", "2024-05-01T00:00:00Z",
	    "2024-05-02T03:30:00+05:30");
	assert_true(cron_tz_valid("America/New_York"));
	assert_true(cron_tz_valid(NULL));
	assert_false(cron_tz_valid("Mars/Olympus"));
	assert_false(cron_tz_valid("../etc/passwd"));
	assert_false(cron_tz_valid("/etc/localtime"));
}

/* 2024-03-10 02:00 EST -> 03:00 EDT; 2024-11-03 02:00 EDT -> 01:00 EST. */
static void
test_cron_next_dst(void **state)
{
	const char *ny = "America/New_York";
	struct cron_schedule s;
	int64_t t;

	(void)state;
	/* Spring forward: 02:30 does not exist that day and is skipped. */
	assert_next("30 2 * * *", ny, "2024-03-09T12:00:00-05:00",
	    "2024-03-11T02:30:00-04:00");
	assert_next("* * * * *", ny, "2024-03-10T01:59:00-05:00",
	    "2024-03-10T03:00:00-04:00");
	assert_next("0 3 * * *", ny, "2024-03-09T12:00:00-05:00",
	    "2024-03-10T03:00:00-04:00");
	/* Fall back: 01:30 happens twice, and fires at both instants. */
	assert_next("30 1 * * *", ny, "2024-11-03T00:00:00-04:00",
	    "2024-11-03T01:30:00-04:00");
	assert_next("30 1 * * *", ny, "2024-11-03T01:30:00-04:00",
	    "2024-11-03T01:30:00-05:00");
	assert_next("30 1 * * *", ny, "2024-11-03T01:30:00-05:00",
	    "2024-11-04T01:30:00-05:00");
	/* Every minute goes on through the repeated hour in real time. */
	assert_next("* * * * *", ny, "2024-11-03T01:59:00-04:00",
	    "2024-11-03T01:00:00-05:00");
	/* An earlier wall minute of the repeated hour, reached later. */
	assert_next("10 1 * * *", ny, "2024-11-03T01:50:00-04:00",
	    "2024-11-03T01:10:00-05:00");
	/* Every minute across both changes: 73 h of real minutes. */
	s = must_parse("* * * * *");
	t = at("2024-11-02T00:00:00-04:00") - 60;
	{
		int64_t end = at("2024-11-05T00:00:00-05:00"), n = 0;

		while (t < end - 60) {
			assert_int_equal(cron_next(&s, ny, t, &t), 0);
			n++;
		}
		assert_int_equal(n, 73 * 60);
	}
	/* @daily in New York: 365 midnights a year, DST or not. */
	s = must_parse("@daily");
	t = at("2023-12-31T12:00:00-05:00");
	{
		int n = 0;
		int64_t end = at("2024-12-31T12:00:00-05:00");

		for (;;) {
			assert_int_equal(cron_next(&s, ny, t, &t), 0);
			if (t > end)
				break;
			n++;
		}
		assert_int_equal(n, 366);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cron_parse_fields),
		cmocka_unit_test(test_cron_parse_descriptors),
		cmocka_unit_test(test_cron_parse_errors),
		cmocka_unit_test(test_cron_next_utc),
		cmocka_unit_test(test_cron_next_never),
		cmocka_unit_test(test_cron_next_time_zone),
		cmocka_unit_test(test_cron_next_dst),
	};

	return cmocka_run_group_tests_name("cron", tests, NULL, NULL);
}
