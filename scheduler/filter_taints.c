/*
 * filter_taints.c: every NoSchedule and NoExecute taint of the node must be
 * tolerated (PreferNoSchedule only lowers the score: score_taints.c). The
 * reason names the first taint not tolerated, as Kubernetes does. The
 * node-controller's memory-pressure taint binds BestEffort pods only: the
 * 1.3 predicate (filter_pressure.c) is the rule, as the modern
 * PodTolerationRestriction admission makes it by tolerating it for every
 * other pod.
 */
#include <stdio.h>
#include <string.h>

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
		if (!cy->pod->best_effort && t->effect == EFFECT_NO_SCHEDULE &&
		    strcmp(t->key, "node.kubernetes.io/memory-pressure") == 0)
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
