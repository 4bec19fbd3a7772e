/*
 * test_replica_calc.c: hpa_calc_replicas() and hpa_pod_classify() on the
 * cases of the Kubernetes documentation (HPA algorithm details, the
 * walkthrough) and of upstream replica_calculator_test.go: the ratio,
 * the tolerance, missing metrics and unready pods on scale-up and
 * scale-down, and the errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/err.h"
#include "hpa.h"

#define R	HPA_POD_READY
#define U	HPA_POD_UNREADY
#define M	HPA_POD_MISSING
#define I	HPA_POD_IGNORED

/* n pods with states st, requests req (milli) and usage use (milli). */
static int
calc(size_t n, const enum hpa_pod_state *st, const int64_t *req,
    const int64_t *use, int32_t current, int32_t target,
    struct hpa_calc_result *out, char *err)
{
	struct hpa_pod pods[16];
	size_t i;

	for (i = 0; i < n; i++)
		pods[i] = (struct hpa_pod){ "p", st[i], req[i], use[i] };
	return hpa_calc_replicas(pods, n, current, target, 0.1, out, err,
	    256);
}

/* Docs: 200m current for 100m desired doubles; 50m halves. */
static void
test_docs_ratio(void **state)
{
	enum hpa_pod_state st[] = { R, R };
	int64_t req[] = { 100, 100 }, up[] = { 200, 200 }, down[] = { 50, 50 };
	struct hpa_calc_result r;
	char err[256];

	(void)state;
	assert_int_equal(calc(2, st, req, up, 2, 100, &r, err), 0);
	assert_int_equal(r.replicas, 4);
	assert_int_equal(r.utilization, 200);
	assert_int_equal(r.raw_average_milli, 200);
	assert_int_equal(calc(2, st, req, down, 2, 100, &r, err), 0);
	assert_int_equal(r.replicas, 1);
	assert_int_equal(r.utilization, 50);
}

/* The walkthrough: one php-apache pod at 305% of a 50% target -> 7. */
static void
test_walkthrough(void **state)
{
	enum hpa_pod_state st[] = { R };
	int64_t req[] = { 200 }, use[] = { 610 };
	struct hpa_calc_result r;
	char err[256];

	(void)state;
	assert_int_equal(calc(1, st, req, use, 1, 50, &r, err), 0);
	assert_int_equal(r.utilization, 305);
	assert_int_equal(r.replicas, 7);
}

/* Within the tolerance (102% of 100%) nothing changes. */
static void
test_tolerance(void **state)
{
	enum hpa_pod_state st[] = { R, R, R };
	int64_t req[] = { 900, 1000, 1100 }, use[] = { 1010, 1030, 1020 };
	int64_t req2[] = { 1000, 1000, 1000 }, use2[] = { 1110, 1110, 1110 };
	struct hpa_calc_result r;
	char err[256];

	(void)state;
	assert_int_equal(calc(3, st, req, use, 3, 100, &r, err), 0);
	assert_int_equal(r.utilization, 102);
	assert_int_equal(r.replicas, 3);
	/* 111%: outside, ceil(1.11 * 3) = 4 */
	assert_int_equal(calc(3, st, req2, use2, 3, 100, &r, err), 0);
	assert_int_equal(r.replicas, 4);
}

/* upstream TestReplicaCalcScaleUp / ScaleDown. */
static void
test_scale_up_down(void **state)
{
	enum hpa_pod_state st[] = { R, R, R, R, R };
	int64_t req[] = { 1000, 1000, 1000, 1000, 1000 };
	int64_t up[] = { 300, 500, 700 }, down[] = { 100, 300, 500, 250, 250 };
	struct hpa_calc_result r;
	char err[256];

	(void)state;
	assert_int_equal(calc(3, st, req, up, 3, 30, &r, err), 0);
	assert_int_equal(r.utilization, 50);
	assert_int_equal(r.replicas, 5);
	assert_int_equal(calc(5, st, req, down, 5, 50, &r, err), 0);
	assert_int_equal(r.utilization, 28);
	assert_int_equal(r.replicas, 3);
}

/* Missing metrics: 0% on a scale-up, 100% (or the target) on a scale-down. */
static void
test_missing_metrics(void **state)
{
	enum hpa_pod_state up_st[] = { R, R, M }, down_st[] = { R, R, R, M };
	enum hpa_pod_state gt_st[] = { R, M };
	int64_t req[] = { 1000, 1000, 1000, 1000 };
	int64_t up[] = { 2000, 2000, 0 }, down[] = { 100, 100, 100, 0 };
	int64_t gt[] = { 1900, 0 };
	struct hpa_calc_result r;
	char err[256];

	(void)state;
	/* 200%, the missing pod at 0: 4000/3000 -> ceil(1.33 * 3) = 4 */
	assert_int_equal(calc(3, up_st, req, up, 3, 100, &r, err), 0);
	assert_int_equal(r.utilization, 200);
	assert_int_equal(r.replicas, 4);
	/* 10% of 50%, the missing pod at 100%: 32% -> ceil(0.64 * 4) = 3 */
	assert_int_equal(calc(4, down_st, req, down, 4, 50, &r, err), 0);
	assert_int_equal(r.utilization, 10);
	assert_int_equal(r.replicas, 3);
	/* upstream MissingMetricsNoChangeGt: 190% -> 95%: no change */
	assert_int_equal(calc(2, gt_st, req, gt, 2, 100, &r, err), 0);
	assert_int_equal(r.utilization, 190);
	assert_int_equal(r.replicas, 2);
}

/* Unready pods count as 0% on a scale-up, and never reverse it. */
static void
test_unready(void **state)
{
	enum hpa_pod_state less[] = { U, R, R }, none[] = { R, U, U };
	enum hpa_pod_state ign[] = { R, R, I };
	int64_t req[] = { 1000, 1000, 1000 };
	int64_t l[] = { 300, 500, 700 }, n[] = { 400, 500, 700 };
	int64_t down[] = { 100, 100, 0 };
	struct hpa_calc_result r;
	char err[256];

	(void)state;
	/* upstream ScaleUpUnreadyLessScale: 60% -> 40% -> 4 */
	assert_int_equal(calc(3, less, req, l, 3, 30, &r, err), 0);
	assert_int_equal(r.utilization, 60);
	assert_int_equal(r.replicas, 4);
	/* upstream ScaleUpUnreadyNoScale: 40% -> 13% crosses 1: stay */
	assert_int_equal(calc(3, none, req, n, 3, 30, &r, err), 0);
	assert_int_equal(r.utilization, 40);
	assert_int_equal(r.replicas, 3);
	/* ignored (pending, failed, deleted) pods do not count */
	assert_int_equal(calc(3, ign, req, down, 3, 50, &r, err), 0);
	assert_int_equal(r.utilization, 10);
	assert_int_equal(r.replicas, 1);
}

static void
test_errors(void **state)
{
	enum hpa_pod_state st[] = { R, U }, um[] = { U, M };
	int64_t req[] = { 1000, 0 }, use[] = { 100, 100 };
	int64_t req1[] = { 1000, 1000 };
	struct hpa_calc_result r;
	char err[256];

	(void)state;
	assert_int_equal(calc(0, st, req, use, 3, 50, &r, err), CK_EINVALID);
	assert_string_equal(err, "no pods returned by selector while "
	    "calculating replica count");
	assert_int_equal(r.replicas, 3);
	assert_int_equal(calc(2, st, req, use, 2, 50, &r, err), CK_EINVALID);
	assert_non_null(strstr(err, "missing request for cpu"));
	assert_int_equal(calc(2, um, req1, use, 2, 50, &r, err), CK_EINVALID);
	assert_string_equal(err, "did not receive metrics for targeted pods "
	    "(pods might be unready)");
}

/* groupPods for cpu, times in ms. */
static void
test_classify(void **state)
{
	const int64_t now = 1000000, init = 300000, delay = 30000;

	(void)state;
	assert_int_equal(hpa_pod_classify("Pending", false, NULL, 0, 0, true,
	    now, 1000, now, init, delay), I);
	assert_int_equal(hpa_pod_classify("Running", true, "True", 0, 1, true,
	    now, 1000, now, init, delay), I);
	assert_int_equal(hpa_pod_classify("Failed", false, "False", 0, 1,
	    true, now, 1000, now, init, delay), I);
	assert_int_equal(hpa_pod_classify("Running", false, "True", 0, 1,
	    false, 0, 0, now, init, delay), M);
	/* no Ready condition or no start time */
	assert_int_equal(hpa_pod_classify("Running", false, NULL, 0, 1, true,
	    now, 1000, now, init, delay), U);
	/* initializing: ready, sample a full window after turning ready */
	assert_int_equal(hpa_pod_classify("Running", false, "True",
	    now - 5000, now - 10000, true, now - 1000, 1000, now, init,
	    delay), R);
	/* initializing: the sample predates readiness + window */
	assert_int_equal(hpa_pod_classify("Running", false, "True",
	    now - 500, now - 10000, true, now - 400, 1000, now, init, delay),
	    U);
	/* initializing and not ready */
	assert_int_equal(hpa_pod_classify("Running", false, "False",
	    now - 5000, now - 10000, true, now, 1000, now, init, delay), U);
	/* past initialization: unready only if never ready since start */
	assert_int_equal(hpa_pod_classify("Running", false, "False",
	    now - 600000 + 1000, now - 600000, true, now, 1000, now, init,
	    delay), U);
	assert_int_equal(hpa_pod_classify("Running", false, "False",
	    now - 100000, now - 600000, true, now, 1000, now, init, delay),
	    R);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_docs_ratio),
		cmocka_unit_test(test_walkthrough),
		cmocka_unit_test(test_tolerance),
		cmocka_unit_test(test_scale_up_down),
		cmocka_unit_test(test_missing_metrics),
		cmocka_unit_test(test_unready),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
