/*
 * filter_resources.c: the pod's effective request (pod.c: init containers
 * count as their maximum) must fit beside what the node's pods, bound and
 * assumed, already request: cpu, memory, ephemeral-storage and the pod
 * count. Every resource short is a reason of its own.
 */
#include "sched_model.h"

int
filter_resources(const struct sched_cycle *cy, const struct sched_node *n,
    struct sched_reasons *rs)
{
	const struct sched_res *r = &cy->pod->req;
	int bad = 0;

	if (n->req.pods + 1 > n->alloc.pods) {
		sched_reason_add(rs, "Too many pods");
		bad = 1;
	}
	if (r->cpu > 0 && n->req.cpu + r->cpu > n->alloc.cpu) {
		sched_reason_add(rs, "Insufficient cpu");
		bad = 1;
	}
	if (r->mem > 0 && n->req.mem + r->mem > n->alloc.mem) {
		sched_reason_add(rs, "Insufficient memory");
		bad = 1;
	}
	if (r->eph > 0 && n->req.eph + r->eph > n->alloc.eph) {
		sched_reason_add(rs, "Insufficient ephemeral-storage");
		bad = 1;
	}
	return bad;
}
