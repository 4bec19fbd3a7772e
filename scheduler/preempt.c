/*
 * preempt.c: sched_preempt(), the victim choice of Kubernetes'
 * DefaultPreemption plugin, simplified: resources and the pod count are
 * what evicting frees (a victim's host ports and affinity are not given
 * back); PodDisruptionBudgets are not weighed.
 */
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"

#include "sched_model.h"

static void
res_sub(struct sched_res *r, const struct sched_res *x)
{
	r->cpu -= x->cpu;
	r->mem -= x->mem;
	r->eph -= x->eph;
	r->pods -= x->pods;
}

static void
res_add(struct sched_res *r, const struct sched_res *x)
{
	r->cpu += x->cpu;
	r->mem += x->mem;
	r->eph += x->eph;
	r->pods += x->pods;
}

/* Highest priority first: those are given back first. */
static int
cmp_prio_desc(const void *a, const void *b)
{
	const struct sched_pod *x = *(struct sched_pod *const *)a;
	const struct sched_pod *y = *(struct sched_pod *const *)b;

	if (x->priority != y->priority)
		return x->priority > y->priority ? -1 : 1;
	return strcmp(x->key, y->key);
}

struct node_pick {
	struct sched_pod	**victims;
	size_t			  n;
	int64_t			  max_prio;
	int64_t			  sum_prio;
};

/* selectVictimsOnNode: false when evicting every lower pod is not enough. */
static bool
victims_on_node(struct cluster *cl, const struct sched_pod *p,
    const struct sched_node *n, struct node_pick *out)
{
	struct sched_node tmp = *n;
	struct sched_pod **cand;
	size_t i, nc = 0;

	memset(out, 0, sizeof(*out));
	cand = ck_calloc(n->npods + 1, sizeof(*cand));
	for (i = 0; i < n->npods; i++)
		if (n->pods[i] != NULL && !n->pods[i]->terminating &&
		    n->pods[i]->priority < p->priority)
			cand[nc++] = n->pods[i];
	if (nc == 0)
		goto none;
	for (i = 0; i < nc; i++)
		res_sub(&tmp.req, &cand[i]->req);
	if (!sched_fits(cl, p, &tmp))
		goto none;
	qsort(cand, nc, sizeof(*cand), cmp_prio_desc);
	for (i = 0; i < nc; i++) {
		res_add(&tmp.req, &cand[i]->req);
		if (sched_fits(cl, p, &tmp))
			continue;	/* reprieved */
		res_sub(&tmp.req, &cand[i]->req);
		if (out->n == 0 || cand[i]->priority > out->max_prio)
			out->max_prio = cand[i]->priority;
		out->sum_prio += cand[i]->priority;
		cand[out->n++] = cand[i];
	}
	if (out->n == 0)
		goto none;	/* fits without evicting: not our case */
	out->victims = cand;
	return true;
none:
	free(cand);
	return false;
}

static bool
better(const struct node_pick *a, const struct node_pick *b)
{
	if (a->max_prio != b->max_prio)
		return a->max_prio < b->max_prio;
	if (a->sum_prio != b->sum_prio)
		return a->sum_prio < b->sum_prio;
	return a->n < b->n;
}

/* A preemption for p already under way: lower pods leaving its node. */
static bool
in_progress(struct cluster *cl, const struct sched_pod *p,
    const char *nominated)
{
	const struct sched_node *n;
	int idx;
	size_t i;

	if (nominated == NULL || nominated[0] == '\0' ||
	    (idx = cluster_node_index(cl, nominated)) < 0)
		return false;
	n = cl->nodes[idx];
	for (i = 0; i < n->npods; i++)
		if (n->pods[i] != NULL && n->pods[i]->terminating &&
		    n->pods[i]->priority < p->priority)
			return true;
	return false;
}

bool
sched_preempt(struct cluster *cl, const struct sched_pod *p,
    const char *nominated, struct sched_victims *out)
{
	struct node_pick best = { 0 }, cur;
	size_t i;

	memset(out, 0, sizeof(*out));
	out->node = -1;
	if (p->preempt_never || in_progress(cl, p, nominated))
		return false;
	for (i = 0; i < cl->nnodes; i++) {
		if (!cl->nodes[i]->present ||
		    !victims_on_node(cl, p, cl->nodes[i], &cur))
			continue;
		if (out->node < 0 || better(&cur, &best)) {
			free(best.victims);
			best = cur;
			out->node = (int)i;
		} else
			free(cur.victims);
	}
	if (out->node < 0)
		return false;
	out->keys = ck_calloc(best.n, sizeof(*out->keys));
	for (i = 0; i < best.n; i++)
		out->keys[i] = ck_strdup(best.victims[i]->key);
	out->n = best.n;
	free(best.victims);
	return true;
}

void
sched_victims_fini(struct sched_victims *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->keys[i]);
	free(v->keys);
	memset(v, 0, sizeof(*v));
	v->node = -1;
}
