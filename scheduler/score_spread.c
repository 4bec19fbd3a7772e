/*
 * score_spread.c: spread the pods of one controller owner (ReplicaSet,
 * ReplicationController, StatefulSet...) over nodes and zones, as
 * Kubernetes' SelectorSpread: 100 * (max - count) / max among the feasible
 * nodes; when nodes have zones, the zone's share weighs 2/3 and the node's
 * 1/3. The counts come from cluster.c's per-owner tables, never from a
 * scan of the pods.
 */
#include <stdlib.h>

#include "ckube/alloc.h"

#include "sched_model.h"

int64_t
score_spread(const struct sched_cycle *cy, const struct sched_node *n)
{
	const struct sched_owner *o = cy->owner;

	/* The owner was looked up once for the attempt (algo.c). */
	if (o == NULL || (size_t)n->idx >= o->nodecap)
		return 0;
	return o->per_node[n->idx];
}

void
score_spread_normalize(const struct sched_cycle *cy,
    struct sched_node *const *nodes,
    int64_t *scores, size_t n)
{
	struct cluster *cl = cy->cl;
	int64_t max = 0, zmax = 0, *zone = NULL, s, zs;
	bool zones = false;
	size_t i;
	int z;

	if (cy->pod->owner_uid == NULL) {
		for (i = 0; i < n; i++)
			scores[i] = SCHED_MAX_SCORE;
		return;
	}
	if (cl->nzones > 0)
		zone = ck_calloc(cl->nzones, sizeof(*zone));
	for (i = 0; i < n; i++) {
		if (scores[i] > max)
			max = scores[i];
		z = nodes[i]->zone;
		if (z >= 0) {
			zones = true;
			zone[z] += scores[i];
		}
	}
	for (i = 0; zones && i < cl->nzones; i++)
		if (zone[i] > zmax)
			zmax = zone[i];
	for (i = 0; i < n; i++) {
		s = max > 0 ? SCHED_MAX_SCORE * (max - scores[i]) / max :
		    SCHED_MAX_SCORE;
		z = nodes[i]->zone;
		if (zones && z >= 0) {
			zs = zmax > 0 ? SCHED_MAX_SCORE * (zmax - zone[z]) /
			    zmax : SCHED_MAX_SCORE;
			s = (s + 2 * zs) / 3;
		}
		scores[i] = s;
	}
	free(zone);
}
