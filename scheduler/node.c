/*
 * node.c: a node object parsed once into what the filters read (Ready and
 * pressure conditions, unschedulable, taints, allocatable) plus a
 * signature of those fields, so a heartbeat that changes nothing the
 * scheduler reads does not wake the unschedulable pods; and the
 * NodeSelectorTerm matcher (In, NotIn, Exists, DoesNotExist, Gt, Lt, and
 * matchFields on metadata.name).
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/kobj.h"
#include "ckube/quantity.h"
#include "ckube/strbuf.h"

#include "sched_model.h"

const char *
sched_jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

int64_t
sched_qty(const cJSON *o, const char *k, bool milli)
{
	const char *s = sched_jstr(o, k);
	int64_t v = 0;

	if (s == NULL)
		return 0;
	if ((milli ? quantity_parse_milli(s, &v, NULL) :
	    quantity_parse_value(s, &v, NULL)) < 0 || v < 0)
		return 0;
	return v;
}

/* FNV-1a over a JSON item's text (NULL hashes as a constant). */
static uint64_t
hash_json(uint64_t h, const cJSON *item)
{
	char *s = item != NULL ? cJSON_PrintUnformatted(item) : NULL;
	const char *p;

	for (p = s != NULL ? s : "-"; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 1099511628211ull;
	}
	free(s);
	return h;
}

static enum sched_effect
effect_of(const char *s)
{
	if (s == NULL)
		return EFFECT_NO_SCHEDULE;
	if (strcmp(s, "PreferNoSchedule") == 0)
		return EFFECT_PREFER_NO_SCHEDULE;
	if (strcmp(s, "NoExecute") == 0)
		return EFFECT_NO_EXECUTE;
	return EFFECT_NO_SCHEDULE;
}

void
sched_node_clear(struct sched_node *n)
{
	size_t i;

	for (i = 0; i < n->ntaints; i++) {
		free(n->taints[i].key);
		free(n->taints[i].value);
	}
	free(n->taints);
	n->taints = NULL;
	n->ntaints = 0;
	kobj_unref(n->obj);
	n->obj = NULL;
	n->labels = NULL;
}

void
sched_node_parse(struct sched_node *n, const struct kobj *obj)
{
	const cJSON *alloc, *t, *c, *spec = kobj_get(obj, "spec");
	const char *ready;
	uint64_t h = 14695981039346656037ull;

	sched_node_clear(n);
	n->obj = kobj_ref(obj);
	n->labels = kobj_labels(obj);
	alloc = kobj_get(obj, "status.allocatable");
	if (alloc == NULL)
		alloc = kobj_get(obj, "status.capacity");
	n->alloc.cpu = sched_qty(alloc, "cpu", true);
	n->alloc.mem = sched_qty(alloc, "memory", false);
	n->alloc.eph = sched_qty(alloc, "ephemeral-storage", false);
	n->alloc.pods = sched_qty(alloc, "pods", false);
	n->unschedulable = kobj_get_bool(obj, "spec.unschedulable", false);
	ready = kobj_condition_status(obj, "Ready");
	n->ready = ready != NULL && strcmp(ready, "True") == 0;
	n->unreachable = ready == NULL || strcmp(ready, "Unknown") == 0;
	n->mem_pressure = kobj_condition_status(obj, "MemoryPressure") &&
	    strcmp(kobj_condition_status(obj, "MemoryPressure"), "True") == 0;
	n->disk_pressure = kobj_condition_status(obj, "DiskPressure") &&
	    strcmp(kobj_condition_status(obj, "DiskPressure"), "True") == 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(spec,
	    "taints")) {
		n->taints = ck_reallocarray(n->taints, n->ntaints + 1,
		    sizeof(*n->taints));
		n->taints[n->ntaints].key = ck_strdup(sched_jstr(t, "key") ?
		    sched_jstr(t, "key") : "");
		n->taints[n->ntaints].value = ck_strdup(sched_jstr(t, "value") ?
		    sched_jstr(t, "value") : "");
		n->taints[n->ntaints].effect = effect_of(sched_jstr(t, "effect"));
		n->ntaints++;
	}
	h = hash_json(h, n->labels);
	h = hash_json(h, spec);
	h = hash_json(h, alloc);
	cJSON_ArrayForEach(c, kobj_get(obj, "status.conditions")) {
		h = hash_json(h, cJSON_GetObjectItemCaseSensitive(c, "type"));
		h = hash_json(h, cJSON_GetObjectItemCaseSensitive(c, "status"));
	}
	n->sig = h;
}

const char *
sched_node_label(const struct sched_node *n, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(n->labels, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool
in_values(const struct sched_req *r, const char *v)
{
	size_t i;

	for (i = 0; i < r->nvalues; i++)
		if (strcmp(r->values[i], v) == 0)
			return true;
	return false;
}

static bool
req_matches(const struct sched_req *r, const struct sched_node *n)
{
	const char *v = r->field ? n->name : sched_node_label(n, r->key);
	int64_t a, b;

	switch (r->op) {
	case OP_IN:
		return v != NULL && in_values(r, v);
	case OP_NOT_IN:
		return v == NULL || !in_values(r, v);
	case OP_EXISTS:
		return v != NULL;
	case OP_DOES_NOT_EXIST:
		return v == NULL;
	case OP_GT:
	case OP_LT:
		if (v == NULL || r->nvalues != 1 ||
		    ck_parse_int64(v, &a) < 0 ||
		    ck_parse_int64(r->values[0], &b) < 0)
			return false;
		return r->op == OP_GT ? a > b : a < b;
	case OP_BAD:
		break;
	}
	return false;
}

bool
sched_term_matches(const struct sched_term *t, const struct sched_node *n)
{
	size_t i;

	/* An empty term matches nothing (Kubernetes). */
	if (t->nreqs == 0)
		return false;
	for (i = 0; i < t->nreqs; i++)
		if (!req_matches(&t->reqs[i], n))
			return false;
	return true;
}
