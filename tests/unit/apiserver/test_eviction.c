/*
 * Unit tests for apiserver/eviction_policy.c: which budgets cover a pod and
 * every verdict of an eviction (Kubernetes' EvictionREST cases), the
 * budget's consumption and the refusal's wording.
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

#include "eviction.h"

static cJSON *
parse(const char *s)
{
	cJSON *o = cJSON_Parse(s);

	assert_non_null(o);
	return o;
}

/* A pod in phase with Ready ready, labelled app=web. */
static cJSON *
pod(const char *phase, bool ready, bool terminating)
{
	char buf[512];

	(void)snprintf(buf, sizeof(buf),
	    "{\"metadata\":{\"name\":\"p\",\"labels\":{\"app\":\"web\"}%s},"
	    "\"status\":{\"phase\":\"%s\",\"conditions\":[{\"type\":"
	    "\"Ready\",\"status\":\"%s\"}]}}",
	    terminating ? ",\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"" :
	    "", phase, ready ? "True" : "False");
	return parse(buf);
}

/* A budget over app=web with this status. */
static cJSON *
pdb(int gen, int obs, int allowed, int cur, int want, const char *policy)
{
	char buf[512];

	(void)snprintf(buf, sizeof(buf),
	    "{\"metadata\":{\"name\":\"b\",\"generation\":%d},\"spec\":"
	    "{\"selector\":{\"matchLabels\":{\"app\":\"web\"}}%s%s%s},"
	    "\"status\":{\"observedGeneration\":%d,\"disruptionsAllowed\":%d,"
	    "\"currentHealthy\":%d,\"desiredHealthy\":%d}}", gen,
	    policy ? ",\"unhealthyPodEvictionPolicy\":\"" : "",
	    policy ? policy : "", policy ? "\"" : "", obs, allowed, cur, want);
	return parse(buf);
}

static enum evict_verdict
decide1(const cJSON *p, const cJSON *b)
{
	const cJSON *list[1] = { b };

	return evict_decide(p, list, 1);
}

static void
test_covers(void **state)
{
	cJSON *p = pod("Running", true, false);
	cJSON *b;

	(void)state;
	b = parse("{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"web\"}}}}");
	assert_true(evict_budget_covers(b, p));
	cJSON_Delete(b);
	b = parse("{\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"db\"}}}}");
	assert_false(evict_budget_covers(b, p));
	cJSON_Delete(b);
	b = parse("{\"spec\":{\"selector\":{}}}");		/* v1: all */
	assert_true(evict_budget_covers(b, p));
	cJSON_Delete(b);
	b = parse("{\"spec\":{}}");				/* null: none */
	assert_false(evict_budget_covers(b, p));
	cJSON_Delete(b);
	b = parse("{\"spec\":{\"selector\":{\"matchExpressions\":"
	    "[{\"key\":\"a\",\"operator\":\"Bad\"}]}}}");
	assert_false(evict_budget_covers(b, p));
	cJSON_Delete(b);
	cJSON_Delete(p);
}

static void
test_pods_without_budget_checks(void **state)
{
	static const char *const phases[] = { "Pending", "Succeeded",
		"Failed" };
	cJSON *b = pdb(1, 1, 0, 3, 3, NULL), *p;
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		p = pod(phases[i], false, false);
		assert_int_equal(decide1(p, b), EVICT_PLAIN);
		cJSON_Delete(p);
	}
	p = pod("Running", true, true);		/* terminating */
	assert_int_equal(decide1(p, b), EVICT_PLAIN);
	cJSON_Delete(p);
	p = parse("{\"metadata\":{\"name\":\"p\"}}");	/* no phase: Pending */
	assert_int_equal(decide1(p, b), EVICT_PLAIN);
	cJSON_Delete(p);
	p = pod("Running", true, false);
	assert_int_equal(evict_decide(p, NULL, 0), EVICT_PLAIN);
	cJSON_Delete(p);
	cJSON_Delete(b);
}

static void
test_budget_verdicts(void **state)
{
	cJSON *p = pod("Running", true, false), *b, *b2;
	const cJSON *two[2];

	(void)state;
	b = pdb(1, 1, 2, 5, 3, NULL);
	assert_int_equal(decide1(p, b), EVICT_CONSUME);
	b2 = pdb(1, 1, 2, 5, 3, NULL);
	two[0] = b;
	two[1] = b2;
	assert_int_equal(evict_decide(p, two, 2), EVICT_MULTIPLE);
	cJSON_Delete(b2);
	cJSON_Delete(b);
	b = pdb(2, 1, 2, 5, 3, NULL);		/* not yet observed */
	assert_int_equal(decide1(p, b), EVICT_DENY_STALE);
	cJSON_Delete(b);
	b = pdb(1, 1, 0, 3, 3, NULL);
	assert_int_equal(decide1(p, b), EVICT_DENY_BUDGET);
	cJSON_Delete(b);
	b = pdb(1, 1, -1, 3, 3, NULL);
	assert_int_equal(decide1(p, b), EVICT_DENY_NEGATIVE);
	cJSON_Delete(b);
	cJSON_Delete(p);
}

static void
test_too_many_disrupted(void **state)
{
	cJSON *p = pod("Running", true, false), *b = pdb(1, 1, 5, 9, 3, NULL);
	cJSON *dp = cJSON_AddObjectToObject(cJSON_GetObjectItem(b, "status"),
	    "disruptedPods");
	char k[16];
	int i;

	(void)state;
	for (i = 0; i <= EVICT_MAX_DISRUPTED; i++) {
		(void)snprintf(k, sizeof(k), "p%d", i);
		cJSON_AddStringToObject(dp, k, "2026-01-01T00:00:00Z");
	}
	assert_int_equal(decide1(p, b), EVICT_DENY_TOOMANY);
	cJSON_Delete(b);
	cJSON_Delete(p);
}

static void
test_unhealthy_policy(void **state)
{
	cJSON *p = pod("Running", false, false), *b;

	(void)state;
	/* IfHealthyBudget (default): free when the budget is healthy. */
	b = pdb(1, 1, 0, 3, 3, NULL);
	assert_int_equal(decide1(p, b), EVICT_UNHEALTHY);
	cJSON_Delete(b);
	b = pdb(1, 1, 0, 3, 3, "IfHealthyBudget");
	assert_int_equal(decide1(p, b), EVICT_UNHEALTHY);
	cJSON_Delete(b);
	/* Unhealthy budget: the ordinary check, which refuses. */
	b = pdb(1, 1, 0, 2, 3, NULL);
	assert_int_equal(decide1(p, b), EVICT_DENY_BUDGET);
	cJSON_Delete(b);
	/* desiredHealthy 0 is no healthy budget either. */
	b = pdb(1, 1, 1, 0, 0, NULL);
	assert_int_equal(decide1(p, b), EVICT_CONSUME);
	cJSON_Delete(b);
	/* AlwaysAllow: an unready pod always goes free. */
	b = pdb(1, 1, 0, 2, 3, "AlwaysAllow");
	assert_int_equal(decide1(p, b), EVICT_UNHEALTHY);
	cJSON_Delete(b);
	cJSON_Delete(p);
	/* A ready pod under AlwaysAllow still needs the budget. */
	p = pod("Running", true, false);
	b = pdb(1, 1, 0, 3, 3, "AlwaysAllow");
	assert_int_equal(decide1(p, b), EVICT_DENY_BUDGET);
	cJSON_Delete(b);
	cJSON_Delete(p);
}

static void
test_consume(void **state)
{
	cJSON *b = pdb(1, 1, 2, 5, 3, NULL), *st, *c;

	(void)state;
	evict_consume(b, "p1", "2026-01-01T00:00:00Z");
	st = cJSON_GetObjectItem(b, "status");
	assert_int_equal(cJSON_GetObjectItem(st, "disruptionsAllowed")->valueint,
	    1);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(st,
	    "disruptedPods"), "p1")->valuestring, "2026-01-01T00:00:00Z");
	assert_null(cJSON_GetObjectItem(st, "conditions"));
	evict_consume(b, "p2", "2026-01-01T00:00:01Z");
	assert_int_equal(cJSON_GetObjectItem(st, "disruptionsAllowed")->valueint,
	    0);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(st,
	    "disruptedPods")), 2);
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(st, "conditions"), 0);
	assert_non_null(c);
	assert_string_equal(cJSON_GetObjectItem(c, "type")->valuestring,
	    "DisruptionAllowed");
	assert_string_equal(cJSON_GetObjectItem(c, "status")->valuestring,
	    "False");
	assert_string_equal(cJSON_GetObjectItem(c, "reason")->valuestring,
	    "InsufficientPods");
	cJSON_Delete(b);
}

static void
test_denied_message(void **state)
{
	cJSON *b = pdb(1, 1, 0, 3, 3, NULL), *st;
	char msg[256];

	(void)state;
	evict_denied_message(b, msg, sizeof(msg));
	assert_string_equal(msg, "The disruption budget b needs 3 healthy pods "
	    "and has 3 currently");
	st = cJSON_GetObjectItem(b, "status");
	cJSON_AddItemToObject(st, "conditions", parse("[{\"type\":"
	    "\"DisruptionAllowed\",\"status\":\"False\",\"reason\":"
	    "\"SyncFailed\",\"message\":\"boom\"}]"));
	evict_denied_message(b, msg, sizeof(msg));
	assert_string_equal(msg, "The disruption budget b does not allow "
	    "evicting pods currently because it failed sync: boom");
	cJSON_Delete(b);
	b = pdb(1, 1, 0, 5, 3, NULL);
	evict_denied_message(b, msg, sizeof(msg));
	assert_string_equal(msg, "The disruption budget b does not allow "
	    "evicting pods currently");
	cJSON_Delete(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_pods_without_budget_checks),
		cmocka_unit_test(test_budget_verdicts),
		cmocka_unit_test(test_too_many_disrupted),
		cmocka_unit_test(test_unhealthy_policy),
		cmocka_unit_test(test_consume),
		cmocka_unit_test(test_denied_message),
	};

	return cmocka_run_group_tests_name("eviction", tests, NULL, NULL);
}
