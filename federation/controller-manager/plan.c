/*
 * plan.c: the federated ReplicaSet planner, as Kubernetes 1.4's
 * federation/pkg/federation-controller/util/planner: order the clusters by
 * weight (ties by an FNV-32 hash of cluster name + RS key), give each its
 * minReplicas, keep running replicas unless rebalance, then share the rest
 * by weight, rounding up and capping at maxReplicas, until nothing is left
 * or nobody takes more.
 */
#include "plan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

struct ranked {
	struct plan_cluster	*c;
	const struct plan_pref	*pref;
	uint32_t		 hash;
	bool			 full;
};

void
plan_prefs_default(struct plan_prefs *p)
{
	memset(p, 0, sizeof(*p));
	p->n = 1;
	ck_strlcpy(p->prefs[0].name, "*", sizeof(p->prefs[0].name));
	p->prefs[0].max_replicas = -1;
	p->prefs[0].weight = 1;
}

static int
get_count(const cJSON *o, const char *key, int64_t def, int64_t *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL || cJSON_IsNull(v)) {
		*out = def;
		return 0;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
	    v->valuedouble > 1e12 || v->valuedouble != (double)(int64_t)
	    v->valuedouble)
		return CK_EINVALID;
	*out = (int64_t)v->valuedouble;
	return 0;
}

int
plan_prefs_parse(const char *json, struct plan_prefs *p, char *err,
    size_t errlen)
{
	cJSON *doc = NULL, *clusters, *e;
	const cJSON *rb;
	struct plan_pref *pp;
	int rc = CK_EINVALID;

	if (json == NULL) {
		plan_prefs_default(p);
		return 0;
	}
	memset(p, 0, sizeof(*p));
	doc = cJSON_Parse(json);
	if (doc == NULL || !cJSON_IsObject(doc)) {
		snprintf(err, errlen, "not a JSON object");
		goto out;
	}
	rb = cJSON_GetObjectItemCaseSensitive(doc, "rebalance");
	if (rb != NULL && !cJSON_IsBool(rb)) {
		snprintf(err, errlen, "rebalance: want a boolean");
		goto out;
	}
	p->rebalance = cJSON_IsTrue(rb);
	clusters = cJSON_GetObjectItemCaseSensitive(doc, "clusters");
	if (clusters != NULL && !cJSON_IsObject(clusters)) {
		snprintf(err, errlen, "clusters: want an object");
		goto out;
	}
	cJSON_ArrayForEach(e, clusters) {
		if (p->n == PLAN_MAX_PREFS) {
			snprintf(err, errlen, "clusters: more than %d entries",
			    PLAN_MAX_PREFS);
			goto out;
		}
		pp = &p->prefs[p->n];
		if (!cJSON_IsObject(e) || e->string == NULL ||
		    ck_strlcpy(pp->name, e->string, sizeof(pp->name)) >=
		    sizeof(pp->name)) {
			snprintf(err, errlen, "clusters: bad entry");
			goto out;
		}
		if (get_count(e, "minReplicas", 0, &pp->min_replicas) < 0 ||
		    get_count(e, "maxReplicas", -1, &pp->max_replicas) < 0 ||
		    get_count(e, "weight", 0, &pp->weight) < 0) {
			snprintf(err, errlen, "clusters.%s: minReplicas, "
			    "maxReplicas and weight must be non-negative "
			    "integers", pp->name);
			goto out;
		}
		p->n++;
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	return rc;
}

/* Go's hash/fnv New32 (FNV-1) over name then key. */
static uint32_t
fnv32(const char *name, const char *key)
{
	uint32_t h = 2166136261u;
	const unsigned char *s;

	for (s = (const unsigned char *)name; *s != '\0'; s++)
		h = (h * 16777619u) ^ *s;
	for (s = (const unsigned char *)key; *s != '\0'; s++)
		h = (h * 16777619u) ^ *s;
	return h;
}

static const struct plan_pref *
pref_for(const struct plan_prefs *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcmp(p->prefs[i].name, name) == 0)
			return &p->prefs[i];
	for (i = 0; i < p->n; i++)
		if (strcmp(p->prefs[i].name, "*") == 0)
			return &p->prefs[i];
	return NULL;
}

/* Weight descending, then hash ascending. */
static int
by_weight(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->pref->weight != y->pref->weight)
		return x->pref->weight > y->pref->weight ? -1 : 1;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return strcmp(x->c->name, y->c->name);
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* One weighted pass over the clusters not yet full; true if any took more. */
static bool
share_pass(struct ranked *r, size_t nr, int64_t *remaining)
{
	int64_t sum = 0, pool = *remaining, extra, total, start;
	bool modified = false;
	size_t i;

	for (i = 0; i < nr; i++)
		if (!r[i].full)
			sum += r[i].pref->weight;
	if (sum <= 0)
		return false;
	for (i = 0; i < nr; i++) {
		if (r[i].full)
			continue;
		start = r[i].c->planned;
		extra = min64((pool * r[i].pref->weight + sum - 1) / sum,
		    *remaining);
		total = start + extra;
		if (r[i].pref->max_replicas >= 0 &&
		    total >= r[i].pref->max_replicas) {
			total = r[i].pref->max_replicas > start ?
			    r[i].pref->max_replicas : start;
			r[i].full = true;
		}
		*remaining -= total - start;
		r[i].c->planned = total;
		if (total > start)
			modified = true;
	}
	return modified;
}

void
plan_replicas(const struct plan_prefs *p, int64_t replicas, const char *key,
    struct plan_cluster *clusters, size_t n)
{
	struct ranked *r;
	int64_t remaining = replicas > 0 ? replicas : 0, take, target;
	size_t i, nr = 0, trial;

	r = ck_calloc(n > 0 ? n : 1, sizeof(*r));
	for (i = 0; i < n; i++) {
		clusters[i].planned = 0;
		r[nr].pref = pref_for(p, clusters[i].name);
		if (r[nr].pref == NULL)
			continue;
		r[nr].c = &clusters[i];
		r[nr].hash = fnv32(clusters[i].name, key);
		nr++;
	}
	qsort(r, nr, sizeof(*r), by_weight);
	for (i = 0; i < nr; i++) {
		take = min64(r[i].pref->min_replicas, remaining);
		r[i].c->planned = take;
		remaining -= take;
	}
	for (i = 0; !p->rebalance && i < nr; i++) {
		if (r[i].c->current <= r[i].c->planned)
			continue;
		target = r[i].c->current;
		if (r[i].pref->max_replicas >= 0)
			target = min64(target, r[i].pref->max_replicas);
		take = min64(target - r[i].c->planned, remaining);
		if (take > 0) {
			r[i].c->planned += take;
			remaining -= take;
		}
	}
	for (trial = 0; trial < n && remaining > 0; trial++)
		if (!share_pass(r, nr, &remaining))
			break;
	free(r);
}
