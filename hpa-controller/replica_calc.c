/*
 * replica_calc.c: upstream replica_calculator.go for a resource
 * utilization target. Ready pods with metrics give the usage ratio
 * (utilization / target). Within the tolerance nothing changes. Missing
 * metrics and unready pods only soften a change, never reverse it: on a
 * scale-down missing pods count as using max(100%, target) of their
 * request, on a scale-up as using 0; unready pods count as 0 on a
 * scale-up. If the corrected ratio crosses 1 or falls within the tolerance
 * the scale stays.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "hpa.h"

enum hpa_pod_state
hpa_pod_classify(const char *phase, bool deleting, const char *ready_status,
    int64_t ready_transition_ms, int64_t start_ms, bool has_metric,
    int64_t metric_ms, int64_t window_ms, int64_t now_ms, int64_t cpu_init_ms,
    int64_t readiness_delay_ms)
{
	bool unready;

	if (deleting || (phase != NULL && (strcmp(phase, "Failed") == 0 ||
	    strcmp(phase, "Pending") == 0 || strcmp(phase, "Succeeded") == 0)))
		return HPA_POD_IGNORED;
	if (!has_metric)
		return HPA_POD_MISSING;
	if (ready_status == NULL || start_ms <= 0)
		unready = true;
	else if (start_ms + cpu_init_ms > now_ms)
		/* still initializing: unready, or no full window since */
		unready = strcmp(ready_status, "False") == 0 ||
		    metric_ms < ready_transition_ms + window_ms;
	else
		/* unready and never ready since it started */
		unready = strcmp(ready_status, "False") == 0 &&
		    start_ms + readiness_delay_ms > ready_transition_ms;
	return unready ? HPA_POD_UNREADY : HPA_POD_READY;
}

/*
 * GetResourceUtilizationRatio over the pods whose usage counts (use[i]
 * true, with usage u[i]): false when no request is known.
 */
static bool
ratio(const struct hpa_pod *pods, size_t n, const bool *use,
    const int64_t *u, int32_t target, double *ratio_out, int32_t *util,
    int64_t *raw)
{
	int64_t usage = 0, req = 0, count = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!use[i])
			continue;
		usage += u[i];
		req += pods[i].request_milli;
		count++;
	}
	if (req == 0 || count == 0)
		return false;
	*util = (int32_t)(usage * 100 / req);
	*ratio_out = (double)*util / (double)target;
	if (raw != NULL)
		*raw = usage / count;
	return true;
}

int
hpa_calc_replicas(const struct hpa_pod *pods, size_t n, int32_t current,
    int32_t target, double tolerance, struct hpa_calc_result *out,
    char *err, size_t errlen)
{
	bool *use = NULL;
	int64_t *u = NULL;
	size_t i, ready = 0, unready = 0, missing = 0, counted;
	double r, nr;
	int32_t util, nutil, fallback;
	int64_t raw;
	bool up_with_unready;
	int rc = CK_EINVALID;

	out->replicas = current;
	out->utilization = 0;
	out->raw_average_milli = 0;
	if (n == 0) {
		snprintf(err, errlen, "no pods returned by selector while "
		    "calculating replica count");
		return CK_EINVALID;
	}
	use = ck_calloc(n, sizeof(*use));
	u = ck_calloc(n, sizeof(*u));
	for (i = 0; i < n; i++) {
		use[i] = pods[i].state == HPA_POD_READY;
		u[i] = pods[i].usage_milli;
		if (pods[i].state == HPA_POD_READY)
			ready++;
		else if (pods[i].state == HPA_POD_UNREADY)
			unready++;
		else if (pods[i].state == HPA_POD_MISSING)
			missing++;
		if (pods[i].state != HPA_POD_IGNORED &&
		    pods[i].request_milli <= 0) {
			snprintf(err, errlen, "missing request for cpu in "
			    "pod %s", pods[i].name);
			goto out;
		}
	}
	if (ready == 0) {
		snprintf(err, errlen, "did not receive metrics for targeted "
		    "pods (pods might be unready)");
		goto out;
	}
	if (!ratio(pods, n, use, u, target, &r, &util, &raw)) {
		snprintf(err, errlen, "no metrics returned matched known pods");
		goto out;
	}
	rc = 0;
	out->utilization = util;
	out->raw_average_milli = raw;
	up_with_unready = unready > 0 && r > 1.0;
	if (!up_with_unready && missing == 0) {
		if (fabs(1.0 - r) > tolerance)
			out->replicas = (int32_t)ceil(r * (double)ready);
		goto out;
	}
	/* Fill in the pods without a usable sample, conservatively. */
	fallback = target > 100 ? target : 100;
	for (i = 0; i < n; i++) {
		if (pods[i].state == HPA_POD_MISSING && r != 1.0) {
			use[i] = true;
			u[i] = r < 1.0 ? pods[i].request_milli * fallback /
			    100 : 0;
		} else if (pods[i].state == HPA_POD_UNREADY &&
		    up_with_unready) {
			use[i] = true;
			u[i] = 0;
		}
	}
	if (!ratio(pods, n, use, u, target, &nr, &nutil, NULL))
		goto out;
	if (fabs(1.0 - nr) <= tolerance || (r < 1.0 && nr > 1.0) ||
	    (r > 1.0 && nr < 1.0))
		goto out;
	for (counted = 0, i = 0; i < n; i++)
		counted += use[i];
	out->replicas = (int32_t)ceil(nr * (double)counted);
	if ((nr < 1.0 && out->replicas > current) ||
	    (nr > 1.0 && out->replicas < current))
		out->replicas = current;
out:
	free(use);
	free(u);
	return rc;
}
