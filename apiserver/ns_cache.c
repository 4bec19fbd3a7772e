/*
 * ns_cache.c: namespace lifecycle states from the commit hook (ns_cache.h).
 * Deleted namespaces stay as NS_ABSENT entries so a store read that raced
 * with the delete cannot bring them back; entries are a few bytes each and
 * only namespaces that existed get one.
 */
#include "ns_cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/strmap.h"
#include "store/store.h"

struct ns_cache {
	pthread_mutex_t	 mu;
	struct strmap	*m;	/* name -> struct ent (the key is ent->name) */
};

struct ent {
	enum ns_state	 st;
	char		 name[];
};

/* Set ns's state; with only_new, leave an existing entry alone. Locked. */
static void
put_locked(struct ns_cache *nc, const char *ns, enum ns_state st,
    bool only_new)
{
	struct ent *e = strmap_get(nc->m, ns);
	size_t len;

	if (e != NULL) {
		if (!only_new)
			e->st = st;
		return;
	}
	len = strlen(ns);
	e = ck_malloc(sizeof(*e) + len + 1);
	e->st = st;
	memcpy(e->name, ns, len + 1);
	(void)strmap_put(nc->m, e->name, e);
}

struct ns_cache *
ns_cache_new(void)
{
	struct ns_cache *nc = ck_calloc(1, sizeof(*nc));

	pthread_mutex_init(&nc->mu, NULL);
	nc->m = strmap_new();
	return nc;
}

void
ns_cache_free(struct ns_cache *nc)
{
	if (nc == NULL)
		return;
	strmap_free(nc->m, free);
	pthread_mutex_destroy(&nc->mu);
	free(nc);
}

static enum ns_state
state_of(const struct store_event *ev)
{
	const cJSON *phase;
	enum ns_state st = NS_ACTIVE;
	cJSON *o;

	if (ev->type == STORE_DELETED)
		return NS_ABSENT;
	o = cJSON_ParseWithLength(ev->body, ev->body_len);
	phase = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "status"), "phase");
	if (cJSON_IsString(phase) &&
	    strcmp(phase->valuestring, "Terminating") == 0)
		st = NS_TERMINATING;
	cJSON_Delete(o);
	return st;
}

void
ns_cache_observe(struct ns_cache *nc, const struct store_event *ev)
{
	enum ns_state st;

	if (nc == NULL || strcmp(ev->resource, "namespaces") != 0)
		return;
	st = state_of(ev);
	pthread_mutex_lock(&nc->mu);
	put_locked(nc, ev->name, st, false);
	pthread_mutex_unlock(&nc->mu);
}

enum ns_state
ns_cache_lookup(struct ns_cache *nc, const char *ns)
{
	enum ns_state st = NS_UNKNOWN;
	struct ent *e;

	if (nc == NULL)
		return NS_UNKNOWN;
	pthread_mutex_lock(&nc->mu);
	if ((e = strmap_get(nc->m, ns)) != NULL)
		st = e->st;
	pthread_mutex_unlock(&nc->mu);
	return st;
}

void
ns_cache_fill(struct ns_cache *nc, const char *ns, enum ns_state state)
{
	if (nc == NULL || (state != NS_ACTIVE && state != NS_TERMINATING))
		return;
	pthread_mutex_lock(&nc->mu);
	put_locked(nc, ns, state, true);
	pthread_mutex_unlock(&nc->mu);
}
