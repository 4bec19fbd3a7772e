/*
 * test_plan.c: the federated ReplicaSet planner (semantics.md 8(d)): the
 * design examples (50 over three = 16/17/17; C capped at 20 with B offline
 * = 30/20; a heavy weight = 50/0/0), minReplicas, rebalance, weight 0,
 * clusters without an entry, and the annotation's parse errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/ck.h"
#include "ckube/err.h"
#include "plan.h"

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void
plan(const char *json, int64_t replicas, struct plan_cluster *c, size_t n)
{
	struct plan_prefs p;
	char err[128];

	assert_int_equal(plan_prefs_parse(json, &p, err, sizeof(err)), 0);
	plan_replicas(&p, replicas, "default/web", c, n);
}

static int64_t
total(const struct plan_cluster *c, size_t n)
{
	int64_t t = 0;
	size_t i;

	for (i = 0; i < n; i++)
		t += c[i].planned;
	return t;
}

static void
test_plan_even_spread(void **state)
{
	struct plan_cluster c[] = { { "a", -1, 0 }, { "b", -1, 0 },
		{ "c", -1, 0 } };
	int64_t got[3];
	size_t i;

	(void)state;
	plan(NULL, 50, c, 3);
	for (i = 0; i < 3; i++)
		got[i] = c[i].planned;
	qsort(got, 3, sizeof(got[0]), cmp64);
	assert_int_equal(got[0], 16);
	assert_int_equal(got[1], 17);
	assert_int_equal(got[2], 17);
	plan(NULL, 4, c, 2);
	assert_int_equal(c[0].planned, 2);
	assert_int_equal(c[1].planned, 2);
}

static void
test_plan_capped_with_offline(void **state)
{
	/* B is offline: only A and C are Ready clusters. */
	struct plan_cluster c[] = { { "A", -1, 0 }, { "C", -1, 0 } };

	(void)state;
	plan("{\"clusters\":{\"*\":{\"weight\":1},"
	    "\"C\":{\"weight\":1,\"maxReplicas\":20}}}", 50, c, 2);
	assert_int_equal(c[0].planned, 30);
	assert_int_equal(c[1].planned, 20);
}

static void
test_plan_heavy_weight(void **state)
{
	struct plan_cluster c[] = { { "A", -1, 0 }, { "B", -1, 0 },
		{ "C", -1, 0 } };

	(void)state;
	plan("{\"clusters\":{\"A\":{\"weight\":1000000},"
	    "\"*\":{\"weight\":1}}}", 50, c, 3);
	assert_int_equal(c[0].planned, 50);
	assert_int_equal(c[1].planned, 0);
	assert_int_equal(c[2].planned, 0);
}

static void
test_plan_scenario_max_one(void **state)
{
	struct plan_cluster c[] = { { "c1", -1, 0 }, { "c2", -1, 0 },
		{ "c3", -1, 0 } };

	(void)state;
	plan("{\"clusters\":{\"*\":{\"weight\":1},"
	    "\"c3\":{\"weight\":1,\"maxReplicas\":1}}}", 6, c, 3);
	assert_int_equal(c[2].planned, 1);
	assert_int_equal(total(c, 3), 6);
	assert_true(c[0].planned == 2 || c[0].planned == 3);
	/* c2 offline: c1 and c3 carry all 6, c3 still at most 1. */
	c[1].name = "c3";
	plan("{\"clusters\":{\"*\":{\"weight\":1},"
	    "\"c3\":{\"weight\":1,\"maxReplicas\":1}}}", 6, c, 2);
	assert_int_equal(c[0].planned, 5);
	assert_int_equal(c[1].planned, 1);
	plan(NULL, 4, c, 1);
	assert_int_equal(c[0].planned, 4);
}

static void
test_plan_min_and_weight_zero(void **state)
{
	struct plan_cluster c[] = { { "a", -1, 0 }, { "b", -1, 0 },
		{ "z", -1, 0 } };

	(void)state;
	plan("{\"clusters\":{\"a\":{\"weight\":1},\"b\":{\"weight\":1},"
	    "\"z\":{\"weight\":0,\"minReplicas\":2}}}", 10, c, 3);
	assert_int_equal(c[2].planned, 2);
	assert_int_equal(c[0].planned + c[1].planned, 8);
	/* Only named clusters get replicas when there is no "*". */
	plan("{\"clusters\":{\"a\":{\"weight\":1}}}", 5, c, 3);
	assert_int_equal(c[0].planned, 5);
	assert_int_equal(c[1].planned, 0);
	assert_int_equal(c[2].planned, 0);
	/* Nobody can take more: what cannot be placed stays unplaced. */
	plan("{\"clusters\":{\"*\":{\"weight\":1,\"maxReplicas\":1}}}", 5,
	    c, 3);
	assert_int_equal(total(c, 3), 3);
}

static void
test_plan_rebalance(void **state)
{
	struct plan_cluster c[] = { { "a", 4, 0 }, { "b", 0, 0 } };

	(void)state;
	/* Without rebalance the running replicas stay where they are. */
	plan(NULL, 4, c, 2);
	assert_int_equal(c[0].planned, 4);
	assert_int_equal(c[1].planned, 0);
	plan("{\"rebalance\":true,\"clusters\":{\"*\":{\"weight\":1}}}", 4,
	    c, 2);
	assert_int_equal(c[0].planned, 2);
	assert_int_equal(c[1].planned, 2);
	/* Scaling down keeps at most the total. */
	plan(NULL, 3, c, 2);
	assert_int_equal(total(c, 2), 3);
}

static void
test_plan_prefs_errors(void **state)
{
	static const char *const bad[] = { "[1]", "{", "{\"rebalance\":1}",
		"{\"clusters\":[]}",
		"{\"clusters\":{\"a\":{\"weight\":-1}}}",
		"{\"clusters\":{\"a\":{\"minReplicas\":1.5}}}",
		"{\"clusters\":{\"a\":3}}" };
	struct plan_prefs p;
	char err[128];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		err[0] = '\0';
		assert_int_equal(plan_prefs_parse(bad[i], &p, err,
		    sizeof(err)), CK_EINVALID);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(plan_prefs_parse("{}", &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_even_spread),
		cmocka_unit_test(test_plan_capped_with_offline),
		cmocka_unit_test(test_plan_heavy_weight),
		cmocka_unit_test(test_plan_scenario_max_one),
		cmocka_unit_test(test_plan_min_and_weight_zero),
		cmocka_unit_test(test_plan_rebalance),
		cmocka_unit_test(test_plan_prefs_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
