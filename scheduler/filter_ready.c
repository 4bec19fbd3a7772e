/*
 * filter_ready.c: only Ready nodes take pods. A node that is not Ready
 * counts as carrying the node.kubernetes.io/not-ready taint (unreachable
 * when its Ready condition is Unknown or missing), as the node lifecycle
 * controller taints it, so a pod that tolerates the taint may still go
 * there and the reason reads as Kubernetes prints it.
 */
#include <stdio.h>

#include "sched_model.h"

int
filter_node_ready(const struct sched_cycle *cy, const struct sched_node *n,
    struct sched_reasons *rs)
{
	const char *taint;

	if (n->ready)
		return 0;
	taint = n->unreachable ? "node.kubernetes.io/unreachable" :
	    "node.kubernetes.io/not-ready";
	if (sched_tolerates(cy->pod, taint, "", EFFECT_NO_SCHEDULE))
		return 0;
	if (rs != NULL) {
		char buf[128];

		snprintf(buf, sizeof(buf),
		    "node(s) had untolerated taint {%s: }", taint);
		sched_reason_add(rs, buf);
	}
	return 1;
}
