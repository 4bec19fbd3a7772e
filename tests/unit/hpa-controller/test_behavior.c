/*
 * test_behavior.c: the normalization of behavior.c on explicit clock
 * values: the scale-down stabilization window (upstream default 300 s
 * and a short one), the scale-up window, the default scale-up rate
 * (4 pods or 100% per 15 s), Pods/Percent policies with selectPolicy
 * Max, Min and Disabled as in the documentation's examples, the legacy
 * rules without behavior (max(2 * current, 4)), and min/max clamping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "hpa.h"

static void
rules(const char *behavior, struct hpa_rules *up, struct hpa_rules *down)
{
	cJSON *b = behavior != NULL ? cJSON_Parse(behavior) : NULL;

	hpa_rules_from_behavior(b, 300, up, down);
	cJSON_Delete(b);
}

static void
test_defaults(void **state)
{
	struct hpa_rules up, down;

	(void)state;
	rules(NULL, &up, &down);
	assert_int_equal(up.window_s, 0);
	assert_int_equal(up.npolicies, 2);
	assert_false(up.policies[0].percent);
	assert_int_equal(up.policies[0].value, 4);
	assert_true(up.policies[1].percent);
	assert_int_equal(up.policies[1].value, 100);
	assert_int_equal(down.window_s, 300);
	assert_int_equal(down.npolicies, 1);
	assert_int_equal(down.policies[0].period_s, 15);
	assert_int_equal(down.select, HPA_SELECT_MAX);
}

/* A scale-down waits for the highest recommendation of the window. */
static void
test_scale_down_stabilization(void **state)
{
	struct hpa_history h;
	struct hpa_rules up, down;
	struct hpa_normalized n;

	(void)state;
	memset(&h, 0, sizeof(h));
	rules("{\"scaleDown\":{\"stabilizationWindowSeconds\":5}}", &up,
	    &down);
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 5, 5, 1000, &n);
	assert_int_equal(n.replicas, 5);
	assert_string_equal(n.able_reason, "ReadyForNewScale");
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 5, 1, 3000, &n);
	assert_int_equal(n.replicas, 5);
	assert_string_equal(n.able_reason, "ScaleDownStabilized");
	/* 5 s after the last 5: the window holds only 1s */
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 5, 1, 6001, &n);
	assert_int_equal(n.replicas, 1);
	assert_false(n.limited);
	assert_string_equal(n.limit_reason, "DesiredWithinRange");
}

/* The default 300 s window. */
static void
test_default_window(void **state)
{
	struct hpa_history h;
	struct hpa_rules up, down;
	struct hpa_normalized n;

	(void)state;
	memset(&h, 0, sizeof(h));
	rules("{}", &up, &down);
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 4, 4, 0, &n);
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 4, 2, 299000, &n);
	assert_int_equal(n.replicas, 4);
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 4, 2, 300001, &n);
	assert_int_equal(n.replicas, 2);
}

/* A scale-up window: the lowest recent recommendation wins. */
static void
test_scale_up_stabilization(void **state)
{
	struct hpa_history h;
	struct hpa_rules up, down;
	struct hpa_normalized n;

	(void)state;
	memset(&h, 0, sizeof(h));
	rules("{\"scaleUp\":{\"stabilizationWindowSeconds\":60}}", &up, &down);
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 3, 3, 0, &n);
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 3, 5, 10000, &n);
	assert_int_equal(n.replicas, 3);
	assert_string_equal(n.able_reason, "ScaleUpStabilized");
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 3, 5, 60001, &n);
	assert_int_equal(n.replicas, 5);
}

/* Default scale-up: 4 pods or 100% per 15 s, the larger; events count. */
static void
test_scale_up_rate(void **state)
{
	struct hpa_history h;
	struct hpa_rules up, down;
	struct hpa_normalized n;

	(void)state;
	memset(&h, 0, sizeof(h));
	rules("{}", &up, &down);
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 1, 10, 0, &n);
	assert_int_equal(n.replicas, 5);
	assert_true(n.limited);
	assert_string_equal(n.limit_reason, "ScaleUpLimit");
	hpa_record_scale(&h, &up, &down, 1, 5, 0);
	/* within the period: started at 1, still at most 5 */
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 5, 10, 5000, &n);
	assert_int_equal(n.replicas, 5);
	/* a new period: 5 + 4 or 5 * 2: 10 */
	hpa_normalize_behavior(&h, &up, &down, 1, 10, 5, 12, 15001, &n);
	assert_int_equal(n.replicas, 10);
	assert_string_equal(n.limit_reason, "TooManyReplicas");
}

/* Docs: Pods 4 and Percent 10 per 60 s from 80 replicas. */
static void
test_policies_select(void **state)
{
	static const char *const pols = "\"policies\":[{\"type\":\"Pods\","
	    "\"value\":4,\"periodSeconds\":60},{\"type\":\"Percent\",\"value\":"
	    "10,\"periodSeconds\":60}]";
	char b[512];
	struct hpa_history h;
	struct hpa_rules up, down;
	struct hpa_normalized n;

	(void)state;
	memset(&h, 0, sizeof(h));
	snprintf(b, sizeof(b), "{\"scaleDown\":{\"stabilizationWindowSeconds\":"
	    "0,%s}}", pols);
	rules(b, &up, &down);
	hpa_normalize_behavior(&h, &up, &down, 1, 100, 80, 10, 0, &n);
	assert_int_equal(n.replicas, 72);	/* Max: the most change */
	assert_string_equal(n.limit_reason, "ScaleDownLimit");
	memset(&h, 0, sizeof(h));
	snprintf(b, sizeof(b), "{\"scaleDown\":{\"stabilizationWindowSeconds\":"
	    "0,\"selectPolicy\":\"Min\",%s}}", pols);
	rules(b, &up, &down);
	hpa_normalize_behavior(&h, &up, &down, 1, 100, 80, 10, 0, &n);
	assert_int_equal(n.replicas, 76);	/* Min: the least change */
	/* 10% of 30 is 3 < 4 pods: Max picks the Pods policy */
	memset(&h, 0, sizeof(h));
	snprintf(b, sizeof(b), "{\"scaleDown\":{\"stabilizationWindowSeconds\":"
	    "0,%s}}", pols);
	rules(b, &up, &down);
	hpa_normalize_behavior(&h, &up, &down, 1, 100, 30, 10, 0, &n);
	assert_int_equal(n.replicas, 26);
	/* Disabled: no scale-down at all */
	memset(&h, 0, sizeof(h));
	rules("{\"scaleDown\":{\"stabilizationWindowSeconds\":0,"
	    "\"selectPolicy\":\"Disabled\"}}", &up, &down);
	hpa_normalize_behavior(&h, &up, &down, 1, 100, 30, 10, 0, &n);
	assert_int_equal(n.replicas, 30);
	/* a scale-down event within the period lowers the next limit */
	memset(&h, 0, sizeof(h));
	snprintf(b, sizeof(b), "{\"scaleDown\":{\"stabilizationWindowSeconds\":"
	    "0,\"policies\":[{\"type\":\"Pods\",\"value\":4,\"periodSeconds\":"
	    "60}]}}");
	rules(b, &up, &down);
	hpa_normalize_behavior(&h, &up, &down, 1, 100, 80, 10, 0, &n);
	assert_int_equal(n.replicas, 76);
	hpa_record_scale(&h, &up, &down, 80, 76, 0);
	hpa_normalize_behavior(&h, &up, &down, 1, 100, 76, 10, 30000, &n);
	assert_int_equal(n.replicas, 76);
	hpa_normalize_behavior(&h, &up, &down, 1, 100, 76, 10, 60001, &n);
	assert_int_equal(n.replicas, 72);
}

/* Clamping to min and max with behaviors. */
static void
test_min_max(void **state)
{
	struct hpa_history h;
	struct hpa_rules up, down;
	struct hpa_normalized n;

	(void)state;
	memset(&h, 0, sizeof(h));
	rules("{\"scaleDown\":{\"stabilizationWindowSeconds\":0}}", &up,
	    &down);
	hpa_normalize_behavior(&h, &up, &down, 2, 5, 4, 1, 0, &n);
	assert_int_equal(n.replicas, 2);
	assert_string_equal(n.limit_reason, "TooFewReplicas");
	assert_true(n.limited);
	hpa_normalize_behavior(&h, &up, &down, 2, 5, 4, 7, 1000, &n);
	assert_int_equal(n.replicas, 5);
	assert_string_equal(n.limit_reason, "TooManyReplicas");
}

/* No behavior: the 5 min window, then max(2 * current, 4), min, max. */
static void
test_legacy(void **state)
{
	struct hpa_history h;
	struct hpa_normalized n;

	(void)state;
	memset(&h, 0, sizeof(h));
	hpa_normalize_legacy(&h, 300, 1, 10, 1, 10, 0, &n);
	assert_int_equal(n.replicas, 4);
	assert_string_equal(n.limit_reason, "ScaleUpLimit");
	memset(&h, 0, sizeof(h));
	hpa_normalize_legacy(&h, 300, 1, 5, 3, 10, 0, &n);
	assert_int_equal(n.replicas, 5);
	assert_string_equal(n.limit_reason, "TooManyReplicas");
	memset(&h, 0, sizeof(h));
	hpa_normalize_legacy(&h, 300, 1, 10, 5, 5, 0, &n);
	hpa_normalize_legacy(&h, 300, 1, 10, 5, 2, 60000, &n);
	assert_int_equal(n.replicas, 5);
	assert_string_equal(n.able_reason, "ScaleDownStabilized");
	hpa_normalize_legacy(&h, 300, 3, 10, 5, 2, 360001, &n);
	assert_int_equal(n.replicas, 3);
	assert_string_equal(n.limit_reason, "TooFewReplicas");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_scale_down_stabilization),
		cmocka_unit_test(test_default_window),
		cmocka_unit_test(test_scale_up_stabilization),
		cmocka_unit_test(test_scale_up_rate),
		cmocka_unit_test(test_policies_select),
		cmocka_unit_test(test_min_max),
		cmocka_unit_test(test_legacy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
