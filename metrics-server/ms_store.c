/*
 * ms_store.c: the metrics snapshot. A kubelet Summary (stats/v1alpha1)
 * becomes one NodeMetrics and a PodMetrics per pod, kept as compact records
 * (one allocation each: usage as integers, the key and container names
 * after it) and rendered in the wire shape of metrics.k8s.io/v1beta1 when
 * asked (cpu in nano-cores "123456789n" as upstream, memory in bytes
 * "1234Ki"). A snapshot used to be the rendered cJSON tree: ~2 KB a pod,
 * twice while a pass built the next one (4 KB a pod at 40,000 pods).
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/quantity.h"
#include "ckube/strmap.h"
#include "metrics_server.h"

#define KEY_MAX		512	/* "ns/name" */

struct ms_usage {
	uint64_t	cpu;	/* nano-cores */
	int64_t		mem;	/* working-set bytes */
};

struct ms_ctr {
	struct ms_usage	 u;
	uint32_t	 name;	/* offset of its name in the item's strings */
};

struct ms_item {
	size_t		 pos;	/* its slot in the list */
	struct ms_usage	 u;	/* a node's own */
	uint32_t	 name;	/* offset of the name inside the key */
	uint32_t	 nctr;
	struct ms_ctr	 ctr[];	/* then the strings: key, container names */
};

struct ms_list {
	struct ms_item	**items;	/* scrape order; NULL: replaced */
	size_t		  n, cap;
	struct strmap	 *index;	/* key -> item */
};

struct ms_snapshot {
	char		 now[64];
	char		 window[32];
	struct ms_list	 nodes, pods;
};

struct ms_store {
	pthread_mutex_t		 mu;
	struct ms_snapshot	*cur;
};

static const char *
strings(const struct ms_item *it)
{
	return (const char *)&it->ctr[it->nctr];
}

const char *
ms_item_key(const struct ms_item *it)
{
	return strings(it);
}

static void
list_free(struct ms_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	strmap_free(l->index, NULL);
}

/* Add it under its key, replacing (and freeing) one of the same key. */
static void
list_put(struct ms_list *l, struct ms_item *it)
{
	struct ms_item *old = strmap_put(l->index, ms_item_key(it), it);

	if (old != NULL) {
		l->items[old->pos] = NULL;
		free(old);
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = ck_reallocarray(l->items, l->cap, sizeof(*l->items));
	}
	it->pos = l->n;
	l->items[l->n++] = it;
}

struct ms_snapshot *
ms_snapshot_new(const char *now, const char *window)
{
	struct ms_snapshot *s = ck_calloc(1, sizeof(*s));

	snprintf(s->now, sizeof(s->now), "%s", now);
	snprintf(s->window, sizeof(s->window), "%s", window);
	s->nodes.index = strmap_new();
	s->pods.index = strmap_new();
	return s;
}

void
ms_snapshot_free(struct ms_snapshot *s)
{
	if (s == NULL)
		return;
	list_free(&s->nodes);
	list_free(&s->pods);
	free(s);
}

struct ms_store *
ms_store_new(void)
{
	struct ms_store *s = ck_calloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	s->cur = ms_snapshot_new("", "");
	return s;
}

void
ms_store_free(struct ms_store *s)
{
	if (s == NULL)
		return;
	ms_snapshot_free(s->cur);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

struct ms_snapshot *
ms_store_lock(struct ms_store *s)
{
	pthread_mutex_lock(&s->mu);
	return s->cur;
}

void
ms_store_unlock(struct ms_store *s)
{
	pthread_mutex_unlock(&s->mu);
}

void
ms_store_swap(struct ms_store *s, struct ms_snapshot *next)
{
	struct ms_snapshot *old;

	pthread_mutex_lock(&s->mu);
	old = s->cur;
	s->cur = next;
	pthread_mutex_unlock(&s->mu);
	ms_snapshot_free(old);
}

/* o.obj.key as a count: 0 when missing, negative or not a number. */
static double
num_at(const cJSON *o, const char *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, obj), key);

	return cJSON_IsNumber(v) && v->valuedouble > 0 ? v->valuedouble : 0;
}

static const char *
str_at(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A summary entry's usage; a kubelet's absurd figure is clamped. */
static struct ms_usage
usage_of(const cJSON *e)
{
	double cpu = num_at(e, "cpu", "usageNanoCores") + 0.5;
	double mem = num_at(e, "memory", "workingSetBytes");
	struct ms_usage u;

	u.cpu = cpu < 18446744073709549568.0 ? (uint64_t)cpu : UINT64_MAX;
	u.mem = mem < 9223372036854774784.0 ? (int64_t)mem : INT64_MAX;
	return u;
}

/*
 * A record for key (name at name_off inside it) with the containers of
 * ctrs (a summary pod's array; NULL for a node): one allocation.
 */
static struct ms_item *
item_new(const char *key, size_t name_off, const cJSON *ctrs)
{
	const cJSON *c;
	const char *cn;
	size_t n = 0, bytes = strlen(key) + 1, off;
	struct ms_item *it;
	char *p;

	cJSON_ArrayForEach(c, ctrs) {
		if ((cn = str_at(c, "name")) != NULL) {
			n++;
			bytes += strlen(cn) + 1;
		}
	}
	it = ck_calloc(1, sizeof(*it) + n * sizeof(it->ctr[0]) + bytes);
	it->nctr = (uint32_t)n;
	it->name = (uint32_t)name_off;
	p = (char *)(uintptr_t)strings(it);
	off = strlen(key) + 1;
	memcpy(p, key, off);
	n = 0;
	cJSON_ArrayForEach(c, ctrs) {
		if ((cn = str_at(c, "name")) == NULL)
			continue;
		it->ctr[n].u = usage_of(c);
		it->ctr[n].name = (uint32_t)off;
		memcpy(p + off, cn, strlen(cn) + 1);
		off += strlen(cn) + 1;
		n++;
	}
	return it;
}

int
ms_snapshot_add_summary(struct ms_snapshot *next, const cJSON *summary)
{
	const cJSON *node = cJSON_GetObjectItemCaseSensitive(summary, "node");
	const cJSON *p, *ref;
	const char *name = str_at(node, "nodeName"), *pn, *pns;
	struct ms_item *it;
	char key[KEY_MAX];
	int n;

	if (name == NULL || strlen(name) >= sizeof(key))
		return CK_EINVALID;
	it = item_new(name, 0, NULL);
	it->u = usage_of(node);
	list_put(&next->nodes, it);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(summary,
	    "pods")) {
		ref = cJSON_GetObjectItemCaseSensitive(p, "podRef");
		pn = str_at(ref, "name");
		pns = str_at(ref, "namespace");
		if (pn == NULL || pns == NULL)
			continue;
		n = snprintf(key, sizeof(key), "%s/%s", pns, pn);
		if (n < 0 || (size_t)n >= sizeof(key))
			continue;	/* no such name passes validation */
		list_put(&next->pods, item_new(key, strlen(pns) + 1,
		    cJSON_GetObjectItemCaseSensitive(p, "containers")));
	}
	return 0;
}

static const struct ms_list *
list_of(const struct ms_snapshot *s, bool pods)
{
	return pods ? &s->pods : &s->nodes;
}

size_t
ms_snapshot_len(const struct ms_snapshot *s, bool pods)
{
	return list_of(s, pods)->n;
}

const struct ms_item *
ms_snapshot_at(const struct ms_snapshot *s, bool pods, size_t i)
{
	const struct ms_list *l = list_of(s, pods);

	return i < l->n ? l->items[i] : NULL;
}

const struct ms_item *
ms_snapshot_find(const struct ms_snapshot *s, bool pods, const char *key)
{
	return strmap_get(list_of(s, pods)->index, key);
}

/* {"cpu":"<n>n","memory":"<bytes>"} */
static cJSON *
usage_json(const struct ms_usage *u)
{
	cJSON *o = cJSON_CreateObject();
	char buf[64];

	snprintf(buf, sizeof(buf), "%" PRIu64 "n", u->cpu);
	cJSON_AddStringToObject(o, "cpu", buf);
	if (quantity_format_value(u->mem, QUANTITY_BINARY_SI, buf,
	    sizeof(buf)) != 0)
		snprintf(buf, sizeof(buf), "%" PRId64, u->mem);
	cJSON_AddStringToObject(o, "memory", buf);
	return o;
}

cJSON *
ms_item_json(const struct ms_snapshot *s, const struct ms_item *it, bool pod)
{
	const char *key = ms_item_key(it);
	cJSON *o = cJSON_CreateObject(), *m, *arr, *co;
	char ns[KEY_MAX];
	uint32_t i;

	cJSON_AddStringToObject(o, "kind", pod ? "PodMetrics" : "NodeMetrics");
	cJSON_AddStringToObject(o, "apiVersion", "metrics.k8s.io/v1beta1");
	m = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(m, "name", key + it->name);
	if (pod && it->name > 0) {
		/* key is "ns/name": the namespace is before the name's '/' */
		memcpy(ns, key, it->name - 1);
		ns[it->name - 1] = '\0';
		cJSON_AddStringToObject(m, "namespace", ns);
	}
	cJSON_AddStringToObject(m, "creationTimestamp", s->now);
	cJSON_AddStringToObject(o, "timestamp", s->now);
	cJSON_AddStringToObject(o, "window", s->window);
	if (!pod) {
		cJSON_AddItemToObject(o, "usage", usage_json(&it->u));
		return o;
	}
	arr = cJSON_AddArrayToObject(o, "containers");
	for (i = 0; i < it->nctr; i++) {
		co = cJSON_CreateObject();
		cJSON_AddStringToObject(co, "name", strings(it) +
		    it->ctr[i].name);
		cJSON_AddItemToObject(co, "usage", usage_json(&it->ctr[i].u));
		cJSON_AddItemToArray(arr, co);
	}
	return o;
}
