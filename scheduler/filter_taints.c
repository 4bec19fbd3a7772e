/*
 * filter_taints.c: every NoSchedule and NoExecute taint of the node must be
 * tolerated (PreferNoSchedule only lowers the score: score_taints.c). The
 * reason names the first taint not tolerated, as Kubernetes does.
 */
#include <stdio.h>

#include "sched_model.h"

int
filter_taints(const struct sched_cycle *cy, const struct sched_node *n,
    struct sched_reasons *rs)
{
	const struct sched_taint *t;
	char buf[160];
	size_t i;

	for (i = 0; i < n->ntaints; i++) {
		t = &n->taints[i];
		if (t->effect == EFFECT_PREFER_NO_SCHEDULE ||
		    sched_tolerates(cy->pod, t->key, t->value, t->effect))
			continue;
		if (rs != NULL) {
			snprintf(buf, sizeof(buf),
			    "node(s) had untolerated taint {%s: %s}", t->key,
			    t->value);
			sched_reason_add(rs, buf);
		}
		return 1;
	}
	return 0;
}
