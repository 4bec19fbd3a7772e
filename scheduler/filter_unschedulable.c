/*
 * filter_unschedulable.c: a cordoned node (spec.unschedulable) takes no new
 * pod, unless the pod tolerates node.kubernetes.io/unschedulable.
 */
#include "sched_model.h"

int
filter_unschedulable(const struct sched_cycle *cy, const struct sched_node *n,
    struct sched_reasons *rs)
{
	if (!n->unschedulable || sched_tolerates(cy->pod,
	    "node.kubernetes.io/unschedulable", "", EFFECT_NO_SCHEDULE))
		return 0;
	sched_reason_add(rs, "node(s) were unschedulable");
	return 1;
}
