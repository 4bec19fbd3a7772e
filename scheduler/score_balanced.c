/*
 * score_balanced.c: prefer the node whose cpu and memory use stay closest
 * to each other after placing the pod: (1 - std deviation of the two
 * fractions) * 100, where the deviation of two values is half their
 * difference; a node that would be full on either scores 0 (1.3's rule).
 */
#include "sched_model.h"

int64_t
score_balanced(const struct sched_cycle *cy, const struct sched_node *n)
{
	double cpu, mem, d;

	if (n->alloc.cpu <= 0 || n->alloc.mem <= 0)
		return 0;
	cpu = (double)(n->nz_cpu + cy->pod->nz_cpu) / (double)n->alloc.cpu;
	mem = (double)(n->nz_mem + cy->pod->nz_mem) / (double)n->alloc.mem;
	if (cpu >= 1 || mem >= 1)
		return 0;
	d = cpu > mem ? cpu - mem : mem - cpu;
	return (int64_t)((1 - d / 2) * SCHED_MAX_SCORE);
}
