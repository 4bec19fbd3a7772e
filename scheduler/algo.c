/*
 * algo.c: one scheduling attempt, as Kubernetes' generic scheduler does it:
 * walk the nodes round-robin from where the last attempt stopped, run the
 * filter table on each until enough feasible nodes are found
 * (--percentage-of-nodes-to-score), run the score table over those, pick
 * the best total with ties broken at random (so equal nodes fill evenly).
 * When nothing fits, a second pass over every node collects each filter's
 * reasons into "0/3 nodes are available: 3 Insufficient cpu." (the fast
 * path never formats a reason).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"

#include "sched_model.h"

/* In the order Kubernetes runs them; the first failure decides. */
const struct sched_filter sched_filters[] = {
	{ "NodeUnschedulable",	filter_unschedulable },
	{ "NodeReady",		filter_node_ready },
	{ "NodeAffinity",	filter_node_affinity },
	{ "TaintToleration",	filter_taints },
	{ "NodePressure",	filter_pressure },
	{ "NodePorts",		filter_ports },
	{ "NodeResourcesFit",	filter_resources },
	{ "InterPodAffinity",	filter_pod_affinity },
};
const size_t sched_nfilters = ARRAY_SIZE(sched_filters);

const struct sched_score sched_scores[] = {
	{ "LeastAllocated",	1, score_least_allocated, NULL },
	{ "BalancedAllocation",	1, score_balanced, NULL },
	{ "SelectorSpread",	1, score_spread, score_spread_normalize },
	{ "TaintToleration",	1, score_taints, score_taints_normalize },
	{ "NodeAffinity",	1, score_node_affinity, score_max_normalize },
};
const size_t sched_nscores = ARRAY_SIZE(sched_scores);

#define MIN_FEASIBLE_NODES	100
#define MIN_PERCENTAGE		5
#define DEFAULT_PERCENTAGE	50

void
sched_reason_add(struct sched_reasons *rs, const char *text)
{
	size_t i;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n; i++)
		if (strcmp(rs->r[i].text, text) == 0) {
			rs->r[i].count++;
			return;
		}
	if (rs->n == ARRAY_SIZE(rs->r))
		return;
	snprintf(rs->r[rs->n].text, sizeof(rs->r[rs->n].text), "%s", text);
	rs->r[rs->n++].count = 1;
}

size_t
sched_nodes_to_find(size_t n, int percentage)
{
	int64_t pct = percentage, k;

	if (n < MIN_FEASIBLE_NODES || pct >= 100)
		return n;
	if (pct <= 0) {
		pct = DEFAULT_PERCENTAGE - (int64_t)n / 125;
		if (pct < MIN_PERCENTAGE)
			pct = MIN_PERCENTAGE;
	}
	k = (int64_t)n * pct / 100;
	return k < MIN_FEASIBLE_NODES ? MIN_FEASIBLE_NODES : (size_t)k;
}

static uint64_t
rng_next(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static int
run_filters(const struct sched_cycle *cy, const struct sched_node *n,
    struct sched_reasons *rs)
{
	size_t i;

	for (i = 0; i < sched_nfilters; i++)
		if (sched_filters[i].fn(cy, n, rs) != 0)
			return 1;
	return 0;
}

bool
sched_fits(struct cluster *cl, const struct sched_pod *p,
    const struct sched_node *n)
{
	struct sched_cycle cy = { .cl = cl, .pod = p };
	int rc;

	pod_affinity_prepare(&cy);
	cy.owner = p->owner_uid != NULL ?
	    strmap_get(cl->owners, p->owner_uid) : NULL;
	rc = run_filters(&cy, n, NULL);
	pod_affinity_release(&cy);
	return rc == 0;
}

static int
cmp_reason(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "0/N nodes are available: 2 Insufficient cpu, 1 node(s) ...." */
static void
failure_message(struct sched_cycle *cy, struct sched_result *out)
{
	struct cluster *cl = cy->cl;
	struct sched_reasons rs = { .n = 0 };
	char *parts[ARRAY_SIZE(rs.r)];
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	for (i = 0; i < cl->nnodes; i++)
		if (cl->nodes[i]->present)
			(void)run_filters(cy, cl->nodes[i], &rs);
	for (i = 0; i < rs.n; i++)
		parts[i] = ck_asprintf("%d %s", rs.r[i].count, rs.r[i].text);
	qsort(parts, rs.n, sizeof(parts[0]), cmp_reason);
	strbuf_addf(&sb, "0/%zu nodes are available", cl->npresent);
	for (i = 0; i < rs.n; i++) {
		strbuf_addf(&sb, "%s%s", i == 0 ? ": " : ", ", parts[i]);
		free(parts[i]);
	}
	strbuf_adds(&sb, ".");
	snprintf(out->message, sizeof(out->message), "%s", strbuf_str(&sb));
	strbuf_fini(&sb);
}

void
sched_find(struct cluster *cl, const struct sched_pod *p, int percentage,
    struct sched_result *out)
{
	struct sched_cycle cy = { .cl = cl, .pod = p };
	size_t want, i, k, n, start, nslots = cl->nnodes, ties = 0;
	struct sched_node **feasible = NULL, *node;
	int idx;
	int64_t *raw = NULL, *total = NULL, best = -1;

	memset(out, 0, sizeof(*out));
	out->node = -1;
	if (cl->npresent == 0) {
		snprintf(out->message, sizeof(out->message),
		    "0/0 nodes are available: no nodes available to schedule "
		    "pods.");
		return;
	}
	pod_affinity_prepare(&cy);
	cy.owner = p->owner_uid != NULL ?
	    strmap_get(cl->owners, p->owner_uid) : NULL;
	want = sched_nodes_to_find(cl->npresent, percentage);
	feasible = ck_calloc(want, sizeof(*feasible));
	/* raw[k * want + j]: a feasible node's scores are computed while
	 * the filters have just brought it into the cache. */
	raw = ck_calloc(sched_nscores * want, sizeof(*raw));
	start = cl->next_start % nslots;
	/* idx walks start, start+1, ... wrapping without a division. */
	idx = (int)start;
	for (i = 0; i < nslots && out->feasible < want; i++, idx =
	    (size_t)idx + 1 == nslots ? 0 : idx + 1) {
		node = cl->nodes[idx];
		if (!node->present)
			continue;
		out->evaluated++;
		if (run_filters(&cy, node, NULL) != 0)
			continue;
		for (k = 0; k < sched_nscores; k++)
			raw[k * want + out->feasible] =
			    sched_scores[k].fn(&cy, node);
		feasible[out->feasible++] = node;
	}
	cl->next_start = (start + i) % nslots;
	if (out->feasible == 0) {
		failure_message(&cy, out);
		goto out;
	}
	if (out->feasible == 1) {
		out->node = feasible[0]->idx;
		goto out;
	}
	n = out->feasible;
	total = ck_calloc(n, sizeof(*total));
	for (k = 0; k < sched_nscores; k++) {
		if (sched_scores[k].normalize != NULL)
			sched_scores[k].normalize(&cy, feasible,
			    raw + k * want, n);
		for (i = 0; i < n; i++)
			total[i] += raw[k * want + i] * sched_scores[k].weight;
	}
	for (i = 0; i < out->feasible; i++) {
		if (total[i] > best) {
			best = total[i];
			ties = 1;
			out->node = feasible[i]->idx;
		} else if (total[i] == best &&
		    rng_next(&cl->rng) % ++ties == 0)
			out->node = feasible[i]->idx;
	}
out:
	pod_affinity_release(&cy);
	free(feasible);
	free(raw);
	free(total);
}
