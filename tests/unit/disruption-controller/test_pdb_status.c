/*
 * Unit tests for disruption-controller/pdb_status.c: every case of
 * semantics.md 4(b): expected and desired for minAvailable and
 * maxUnavailable as integers and percents (rounded up), currentHealthy,
 * disruptionsAllowed (clamped, 0 without expected pods), disruptedPods
 * pruning after 2 minutes with the recheck time, the DisruptionAllowed
 * condition and the fail-safe status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/rfc3339.h"
#include "disruption.h"

static struct pdb_spec
spec_of(const char *json)
{
	struct pdb_spec s;
	char err[256];
	cJSON *o = cJSON_Parse(json);

	assert_non_null(o);
	assert_int_equal(pdb_spec_parse(o, &s, err, sizeof(err)), 0);
	cJSON_Delete(o);
	return s;
}

static void
expect(const char *json, int64_t npods, int64_t scale, int64_t want_exp,
    int64_t want_des)
{
	struct pdb_spec s = spec_of(json);
	int64_t e, d;

	pdb_expected_desired(&s, npods, scale, &e, &d);
	assert_int_equal(e, want_exp);
	assert_int_equal(d, want_des);
}

static void
test_min_available_int(void **state)
{
	struct pdb_spec s = spec_of("{\"minAvailable\":3}");

	(void)state;
	assert_false(pdb_spec_needs_scale(&s));
	/* desired = minAvailable, expected = the selected pods. */
	expect("{\"minAvailable\":3}", 5, 99, 5, 3);
	expect("{\"minAvailable\":0}", 2, 0, 2, 0);
}

static void
test_min_available_percent(void **state)
{
	struct pdb_spec s = spec_of("{\"minAvailable\":\"50%\"}");

	(void)state;
	assert_true(pdb_spec_needs_scale(&s));
	/* expected = the scales; desired = ceil(expected * pct). */
	expect("{\"minAvailable\":\"50%\"}", 2, 5, 5, 3);
	expect("{\"minAvailable\":\"100%\"}", 3, 3, 3, 3);
	expect("{\"minAvailable\":\"0%\"}", 3, 3, 3, 0);
	expect("{\"minAvailable\":\"34%\"}", 3, 3, 3, 2);
}

static void
test_max_unavailable(void **state)
{
	struct pdb_spec s = spec_of("{\"maxUnavailable\":1}");

	(void)state;
	assert_true(pdb_spec_needs_scale(&s));
	expect("{\"maxUnavailable\":1}", 4, 5, 5, 4);
	/* Percent of expected rounded up: 3 - ceil(1.5) = 1. */
	expect("{\"maxUnavailable\":\"50%\"}", 3, 3, 3, 1);
	/* Never below 0. */
	expect("{\"maxUnavailable\":7}", 3, 3, 3, 0);
	expect("{\"maxUnavailable\":\"100%\"}", 3, 3, 3, 0);
	/* Both set: maxUnavailable decides. */
	expect("{\"minAvailable\":1,\"maxUnavailable\":2}", 3, 4, 4, 2);
	/* Neither: nothing expected. */
	expect("{}", 3, 4, 0, 0);
}

static void
test_bad_intstr(void **state)
{
	static const char *const bad[] = {
		"{\"minAvailable\":\"x\"}", "{\"minAvailable\":\"50\"}",
		"{\"maxUnavailable\":\"101%\"}", "{\"minAvailable\":-1}",
		"{\"minAvailable\":1.5}", "{\"maxUnavailable\":true}",
		"{\"maxUnavailable\":\"-5%\"}",
	};
	struct pdb_spec s;
	char err[256];
	cJSON *o;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o = cJSON_Parse(bad[i]);
		err[0] = '\0';
		assert_int_equal(pdb_spec_parse(o, &s, err, sizeof(err)),
		    CK_EINVALID);
		assert_true(err[0] != '\0');
		cJSON_Delete(o);
	}
}

static void
test_disruptions_allowed(void **state)
{
	(void)state;
	assert_int_equal(pdb_disruptions_allowed(5, 3, 5), 2);
	assert_int_equal(pdb_disruptions_allowed(3, 3, 5), 0);
	assert_int_equal(pdb_disruptions_allowed(2, 3, 5), 0);	/* clamped */
	assert_int_equal(pdb_disruptions_allowed(3, 0, 0), 0);	/* no expected */
	assert_int_equal(pdb_disruptions_allowed(3, 0, -1), 0);
}

static int nexpired;

static void
count_expired(const char *name, void *arg)
{
	(void)arg;
	assert_string_equal(name, "old");
	nexpired++;
}

static void
ts(time_t t, char *buf)
{
	assert_int_equal(rfc3339_format(t, buf, RFC3339_MAX), 0);
}

static void
test_prune_and_healthy(void **state)
{
	const time_t now = 1800000000;
	struct pdb_pod pods[] = {
		{ "fresh", true, false },	/* recorded 30 s ago: kept */
		{ "old", true, false },		/* 121 s ago: expired */
		{ "gone", true, true },		/* terminating: dropped */
		{ "ready", true, false },
		{ "unready", false, false },
		{ "deleting", true, true },
	};
	char t1[RFC3339_MAX], t2[RFC3339_MAX];
	cJSON *old = cJSON_CreateObject(), *m;
	time_t recheck;

	(void)state;
	ts(now - 30, t1);
	ts(now - 121, t2);
	cJSON_AddStringToObject(old, "fresh", t1);
	cJSON_AddStringToObject(old, "old", t2);
	cJSON_AddStringToObject(old, "gone", t1);
	cJSON_AddStringToObject(old, "absent", t1);	/* no such pod */
	nexpired = 0;
	m = pdb_prune_disrupted(old, pods, 6, now, &recheck, count_expired,
	    NULL);
	assert_int_equal(cJSON_GetArraySize(m), 1);
	assert_non_null(cJSON_GetObjectItem(m, "fresh"));
	assert_int_equal(nexpired, 1);
	assert_int_equal(recheck, now - 30 + PDB_DELETION_TIMEOUT_S);
	/* Ready, not terminating, not disrupted: "old" and "ready". */
	assert_int_equal(pdb_current_healthy(pods, 6, m), 2);
	cJSON_Delete(m);
	m = pdb_prune_disrupted(NULL, pods, 6, now, &recheck, NULL, NULL);
	assert_int_equal(cJSON_GetArraySize(m), 0);
	assert_int_equal(recheck, 0);
	assert_int_equal(pdb_current_healthy(pods, 6, m), 3);
	cJSON_Delete(m);
	cJSON_Delete(old);
}

static const char *
cond_str(const cJSON *st, const char *key)
{
	const cJSON *c = cJSON_GetArrayItem(cJSON_GetObjectItem(st,
	    "conditions"), 0);

	assert_non_null(c);
	return cJSON_GetObjectItem(c, key)->valuestring;
}

static void
test_status_build(void **state)
{
	struct pdb_result r = { 5, 3, 5, 2, 4, NULL };
	cJSON *st, *st2, *dp;

	(void)state;
	st = pdb_status_build(NULL, &r, "2026-01-01T00:00:00Z");
	assert_int_equal(cJSON_GetObjectItem(st, "currentHealthy")->valueint, 5);
	assert_int_equal(cJSON_GetObjectItem(st, "desiredHealthy")->valueint, 3);
	assert_int_equal(cJSON_GetObjectItem(st, "expectedPods")->valueint, 5);
	assert_int_equal(cJSON_GetObjectItem(st,
	    "disruptionsAllowed")->valueint, 2);
	assert_int_equal(cJSON_GetObjectItem(st,
	    "observedGeneration")->valueint, 4);
	assert_null(cJSON_GetObjectItem(st, "disruptedPods"));
	assert_string_equal(cond_str(st, "type"), "DisruptionAllowed");
	assert_string_equal(cond_str(st, "status"), "True");
	assert_string_equal(cond_str(st, "reason"), "SufficientPods");
	/* Same result later: identical status (no write), time kept. */
	st2 = pdb_status_build(st, &r, "2026-01-01T00:05:00Z");
	assert_true(cJSON_Compare(st, st2, true));
	cJSON_Delete(st2);
	/* None allowed: False/InsufficientPods, a new transition time. */
	r.current = 3;
	r.allowed = 0;
	dp = cJSON_Parse("{\"p\":\"2026-01-01T00:00:00Z\"}");
	r.disrupted = dp;
	st2 = pdb_status_build(st, &r, "2026-01-01T00:06:00Z");
	assert_string_equal(cond_str(st2, "status"), "False");
	assert_string_equal(cond_str(st2, "reason"), "InsufficientPods");
	assert_string_equal(cond_str(st2, "lastTransitionTime"),
	    "2026-01-01T00:06:00Z");
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(st2,
	    "disruptedPods"), "p"));
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(st2,
	    "conditions")), 1);
	cJSON_Delete(dp);
	cJSON_Delete(st2);
	cJSON_Delete(st);
}

static void
test_fail_safe(void **state)
{
	struct pdb_result r = { 5, 3, 5, 2, 4, NULL };
	cJSON *st, *fs;

	(void)state;
	st = pdb_status_build(NULL, &r, "2026-01-01T00:00:00Z");
	fs = pdb_status_fail_safe(st, "found no controllers for pod \"x\"",
	    "2026-01-01T00:01:00Z");
	assert_int_equal(cJSON_GetObjectItem(fs,
	    "disruptionsAllowed")->valueint, 0);
	assert_string_equal(cond_str(fs, "status"), "False");
	assert_string_equal(cond_str(fs, "reason"), "SyncFailed");
	assert_string_equal(cond_str(fs, "message"),
	    "found no controllers for pod \"x\"");
	/* The rest of the old status stays. */
	assert_int_equal(cJSON_GetObjectItem(fs, "currentHealthy")->valueint,
	    5);
	cJSON_Delete(fs);
	fs = pdb_status_fail_safe(NULL, "boom", "2026-01-01T00:01:00Z");
	assert_int_equal(cJSON_GetObjectItem(fs,
	    "disruptionsAllowed")->valueint, 0);
	cJSON_Delete(fs);
	cJSON_Delete(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_min_available_int),
		cmocka_unit_test(test_min_available_percent),
		cmocka_unit_test(test_max_unavailable),
		cmocka_unit_test(test_bad_intstr),
		cmocka_unit_test(test_disruptions_allowed),
		cmocka_unit_test(test_prune_and_healthy),
		cmocka_unit_test(test_status_build),
		cmocka_unit_test(test_fail_safe),
	};

	return cmocka_run_group_tests_name("pdb_status", tests, NULL, NULL);
}
