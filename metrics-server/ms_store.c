/*
 * ms_store.c: the metrics snapshot. A kubelet Summary (stats/v1alpha1)
 * becomes one NodeMetrics and a PodMetrics per pod in the wire shape of
 * metrics.k8s.io/v1beta1 (cpu in nano-cores "123456789n" as upstream,
 * memory in bytes "1234Ki"); the API answers from copies of these.
 */
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

struct ms_store {
	pthread_mutex_t	mu;
	cJSON		*cur;
};

/* For ms_api.c: the current snapshot, under the store lock. */
cJSON	*ms_store_lock(struct ms_store *s);
void	 ms_store_unlock(struct ms_store *s);

struct ms_store *
ms_store_new(void)
{
	struct ms_store *s = ck_calloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	s->cur = ms_snapshot_new();
	return s;
}

void
ms_store_free(struct ms_store *s)
{
	if (s == NULL)
		return;
	cJSON_Delete(s->cur);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

cJSON *
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
ms_store_swap(struct ms_store *s, cJSON *next)
{
	cJSON *old;

	pthread_mutex_lock(&s->mu);
	old = s->cur;
	s->cur = next;
	pthread_mutex_unlock(&s->mu);
	cJSON_Delete(old);
}

cJSON *
ms_snapshot_new(void)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddObjectToObject(o, "nodes");
	cJSON_AddObjectToObject(o, "pods");
	return o;
}

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

/* {"cpu":"<n>n","memory":"<bytes>"} from a summary entry. */
static cJSON *
usage_of(const cJSON *e)
{
	cJSON *u = cJSON_CreateObject();
	char buf[64];
	double mem;

	snprintf(buf, sizeof(buf), "%.0fn", num_at(e, "cpu",
	    "usageNanoCores"));
	cJSON_AddStringToObject(u, "cpu", buf);
	mem = num_at(e, "memory", "workingSetBytes");
	if (quantity_format_value((int64_t)mem, QUANTITY_BINARY_SI, buf,
	    sizeof(buf)) != 0)
		snprintf(buf, sizeof(buf), "%.0f", mem);
	cJSON_AddStringToObject(u, "memory", buf);
	return u;
}

static cJSON *
new_item(const char *kind, const char *ns, const char *name, const char *now,
    const char *window)
{
	cJSON *o = cJSON_CreateObject(), *m;

	cJSON_AddStringToObject(o, "kind", kind);
	cJSON_AddStringToObject(o, "apiVersion", "metrics.k8s.io/v1beta1");
	m = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(m, "name", name);
	if (ns != NULL)
		cJSON_AddStringToObject(m, "namespace", ns);
	cJSON_AddStringToObject(m, "creationTimestamp", now);
	cJSON_AddStringToObject(o, "timestamp", now);
	cJSON_AddStringToObject(o, "window", window);
	return o;
}

int
ms_snapshot_add_summary(cJSON *next, const cJSON *summary, const char *now,
    const char *window, struct strmap *seen)
{
	const cJSON *node = cJSON_GetObjectItemCaseSensitive(summary, "node");
	const cJSON *p, *c, *ref;
	const char *name = str_at(node, "nodeName"), *pn, *pns, *cn;
	cJSON *o, *arr, *co, *nodes, *old;
	char key[512];

	if (name == NULL)
		return CK_EINVALID;
	o = new_item("NodeMetrics", NULL, name, now, window);
	cJSON_AddItemToObject(o, "usage", usage_of(node));
	nodes = cJSON_GetObjectItemCaseSensitive(next, "nodes");
	if (seen == NULL) {
		cJSON_DeleteItemFromObjectCaseSensitive(nodes, name);
	} else if ((old = strmap_remove(seen, name)) != NULL) {
		cJSON_Delete(cJSON_DetachItemViaPointer(nodes, old));
	}
	cJSON_AddItemToObject(nodes, name, o);
	/* the key: the item's own copy of the name */
	if (seen != NULL)
		(void)strmap_put(seen, o->string, o);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(summary,
	    "pods")) {
		ref = cJSON_GetObjectItemCaseSensitive(p, "podRef");
		pn = str_at(ref, "name");
		pns = str_at(ref, "namespace");
		if (pn == NULL || pns == NULL)
			continue;
		o = new_item("PodMetrics", pns, pn, now, window);
		arr = cJSON_AddArrayToObject(o, "containers");
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(p,
		    "containers")) {
			cn = str_at(c, "name");
			if (cn == NULL)
				continue;
			co = cJSON_CreateObject();
			cJSON_AddStringToObject(co, "name", cn);
			cJSON_AddItemToObject(co, "usage", usage_of(c));
			cJSON_AddItemToArray(arr, co);
		}
		snprintf(key, sizeof(key), "%s/%s", pns, pn);
		cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(next,
		    "pods"), key, o);
	}
	return 0;
}
