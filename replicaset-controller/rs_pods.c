/*
 * rs_pods.c: the order in which the replicaset-controller deletes surplus
 * pods (controller.ActivePods); the pod predicates are common/podutil.c.
 */
#include "rs.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/kobj.h"
#include "ckube/podutil.h"

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
	if (pod_ready(p) != pod_ready(q))
		return (int)pod_ready(p) - (int)pod_ready(q);
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
