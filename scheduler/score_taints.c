/*
 * score_taints.c: PreferNoSchedule taints the pod does not tolerate push it
 * away: the node with the most of them scores 0, a node with none 100.
 */
#include "sched_model.h"

int64_t
score_taints(const struct sched_cycle *cy, const struct sched_node *n)
{
	int64_t count = 0;
	size_t i;

	for (i = 0; i < n->ntaints; i++)
		if (n->taints[i].effect == EFFECT_PREFER_NO_SCHEDULE &&
		    !sched_tolerates(cy->pod, n->taints[i].key,
		    n->taints[i].value, EFFECT_PREFER_NO_SCHEDULE))
			count++;
	return count;
}

void
score_taints_normalize(const struct sched_cycle *cy,
    struct sched_node *const *nodes,
    int64_t *scores, size_t n)
{
	size_t i;

	/* Fewest untolerated taints best: the max-normalized count, inverted. */
	score_max_normalize(cy, nodes, scores, n);
	for (i = 0; i < n; i++)
		scores[i] = SCHED_MAX_SCORE - scores[i];
}
