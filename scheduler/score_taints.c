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
	int64_t max = 0;
	size_t i;

	(void)cy;
	(void)nodes;
	for (i = 0; i < n; i++)
		if (scores[i] > max)
			max = scores[i];
	for (i = 0; i < n; i++)
		scores[i] = max > 0 ? SCHED_MAX_SCORE -
		    scores[i] * SCHED_MAX_SCORE / max : SCHED_MAX_SCORE;
}
