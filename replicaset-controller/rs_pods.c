/*
 * rs_pods.c: pure pod predicates of the replicaset-controller: which pods
 * count (controller.IsPodActive), readiness, availability after
 * minReadySeconds, and the order in which surplus pods are deleted
 * (controller.ActivePods).
 */
#include "rs.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/kobj.h"
#include "ckube/rfc3339.h"

bool
rs_pod_active(const struct kobj *pod)
{
	const char *phase = kobj_get_str(pod, "status.phase");

	if (kobj_get(pod, "metadata.deletionTimestamp") != NULL)
		return false;
	return phase == NULL || (strcmp(phase, "Succeeded") != 0 &&
	    strcmp(phase, "Failed") != 0);
}

bool
rs_pod_ready(const struct kobj *pod)
{
	const char *s = kobj_condition_status(pod, "Ready");

	return s != NULL && strcmp(s, "True") == 0;
}

bool
rs_pod_available(const struct kobj *pod, int64_t min_ready_s, int64_t now_s,
    int64_t *wait_s)
{
	const cJSON *cond, *ltt;
	time_t since;

	*wait_s = 0;
	if (!rs_pod_ready(pod))
		return false;
	if (min_ready_s <= 0)
		return true;
	cond = kobj_condition(pod, "Ready");
	ltt = cJSON_GetObjectItemCaseSensitive(cond, "lastTransitionTime");
	if (!cJSON_IsString(ltt) || rfc3339_parse(ltt->valuestring,
	    &since) < 0)
		return true;	/* no time: Kubernetes counts it available */
	if ((int64_t)since + min_ready_s <= now_s)
		return true;
	*wait_s = (int64_t)since + min_ready_s - now_s;
	return false;
}

static int
phase_rank(const struct kobj *pod)
{
	const char *phase = kobj_get_str(pod, "status.phase");

	if (phase == NULL || strcmp(phase, "Pending") == 0)
		return 0;
	if (strcmp(phase, "Running") == 0)
		return 2;
	return 1;	/* Unknown */
}

static int
delete_cmp(const void *a, const void *b)
{
	const struct kobj *p = *(struct kobj *const *)a;
	const struct kobj *q = *(struct kobj *const *)b;
	const char *np = kobj_get_str(p, "spec.nodeName");
	const char *nq = kobj_get_str(q, "spec.nodeName");
	const char *tp, *tq;
	int sp = np != NULL && np[0] != '\0', sq = nq != NULL && nq[0] != '\0';
	int c;

	if (sp != sq)
		return sp - sq;		/* unscheduled first */
	if (phase_rank(p) != phase_rank(q))
		return phase_rank(p) - phase_rank(q);
	if (rs_pod_ready(p) != rs_pod_ready(q))
		return (int)rs_pod_ready(p) - (int)rs_pod_ready(q);
	tp = kobj_get_str(p, "metadata.creationTimestamp");
	tq = kobj_get_str(q, "metadata.creationTimestamp");
	c = strcmp(tq != NULL ? tq : "", tp != NULL ? tp : "");
	if (c != 0)
		return c;		/* newest first */
	return strcmp(kobj_name(p), kobj_name(q));
}

void
rs_sort_for_delete(struct kobj **pods, size_t n)
{
	if (n > 1)
		qsort(pods, n, sizeof(*pods), delete_cmp);
}
