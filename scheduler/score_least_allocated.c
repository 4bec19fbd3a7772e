/*
 * score_least_allocated.c: prefer the node with the most room left:
 * the mean over cpu and memory of free/allocatable after placing the pod,
 * 0..100. Requests here count containers without one as 100m cpu and
 * 200Mi memory (Kubernetes' non-zero defaults), so empty pods still spread.
 */
#include "sched_model.h"

static int64_t
free_share(int64_t requested, int64_t alloc)
{
	if (alloc <= 0 || requested > alloc)
		return 0;
	return (alloc - requested) * SCHED_MAX_SCORE / alloc;
}

int64_t
score_least_allocated(const struct sched_cycle *cy, const struct sched_node *n)
{
	return (free_share(n->nz_cpu + cy->pod->nz_cpu, n->alloc.cpu) +
	    free_share(n->nz_mem + cy->pod->nz_mem, n->alloc.mem)) / 2;
}
