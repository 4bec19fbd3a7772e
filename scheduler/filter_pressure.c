/*
 * filter_pressure.c: the 1.3/1.4 predicates (semantics §6): no BestEffort
 * pod on a node with MemoryPressure, no pod at all on a node with
 * DiskPressure. Tolerating the matching modern taint
 * (node.kubernetes.io/memory-pressure, .../disk-pressure) lifts the rule;
 * a node that carries the taint itself is handled by filter_taints.c.
 */
#include "sched_model.h"

int
filter_pressure(const struct sched_cycle *cy, const struct sched_node *n,
    struct sched_reasons *rs)
{
	int bad = 0;

	if (n->mem_pressure && cy->pod->best_effort &&
	    !sched_tolerates(cy->pod, "node.kubernetes.io/memory-pressure", "",
	    EFFECT_NO_SCHEDULE)) {
		sched_reason_add(rs, "node(s) had memory pressure");
		bad = 1;
	}
	if (n->disk_pressure && !sched_tolerates(cy->pod,
	    "node.kubernetes.io/disk-pressure", "", EFFECT_NO_SCHEDULE)) {
		sched_reason_add(rs, "node(s) had disk pressure");
		bad = 1;
	}
	return bad;
}
