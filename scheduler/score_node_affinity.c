/*
 * score_node_affinity.c: the preferred node affinity terms: the sum of the
 * weights of the terms a node matches, scaled so the best node scores 100.
 */
#include "sched_model.h"

int64_t
score_node_affinity(const struct sched_cycle *cy, const struct sched_node *n)
{
	const struct sched_pod *p = cy->pod;
	int64_t sum = 0;
	size_t i;

	for (i = 0; i < p->nprefs; i++)
		if (p->prefs[i].weight > 0 &&
		    sched_term_matches(&p->prefs[i].term, n))
			sum += p->prefs[i].weight;
	return sum;
}

void
score_max_normalize(const struct sched_cycle *cy,
    struct sched_node *const *nodes,
    int64_t *scores, size_t n)
{
	int64_t max = 0;
	size_t i;

	(void)cy;
	(void)nodes;
	for (i = 0; i < n; i++)
		if (scores[i] > max)
			max = scores[i];
	for (i = 0; i < n; i++)
		scores[i] = max > 0 ? scores[i] * SCHED_MAX_SCORE / max : 0;
}
