/*
 * ns_cache.c: namespace lifecycle states from the commit hook (ns_cache.h).
 * Deleted namespaces stay as NS_ABSENT entries so a store read that raced
 * with the delete cannot bring them back; entries are a few bytes each and
 * only namespaces that existed get one.
 */
#include "ns_cache.h"

#include <pthread.h>
#include <stdbool.h>
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
	bool		 psa_known;	/* psa is the namespace's */
	char		*psa;		/* its pod-security labels, JSON; NULL: none */
	char		 name[];
};

#define PSA_PREFIX	"pod-security.kubernetes.io/"

static void
ent_free(void *p)
{
	struct ent *e = p;

	free(e->psa);
	free(e);
}

/* The pod-security.kubernetes.io/ labels of labels as JSON, or NULL. */
static char *
psa_text(const cJSON *labels)
{
	const cJSON *l;
	cJSON *o = NULL;
	char *text, *copy;

	cJSON_ArrayForEach(l, labels) {
		if (l->string == NULL || strncmp(l->string, PSA_PREFIX,
		    strlen(PSA_PREFIX)) != 0)
			continue;
		if (o == NULL)
			o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, l->string, cJSON_Duplicate(l, 1));
	}
	if (o == NULL)
		return NULL;
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL)
		abort();	/* out of memory: cannot forget a policy */
	copy = ck_strdup(text);
	cJSON_free(text);
	return copy;
}

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
	e = ck_calloc(1, sizeof(*e) + len + 1);
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
	strmap_free(nc->m, ent_free);
	pthread_mutex_destroy(&nc->mu);
	free(nc);
}

/* ev's state, and its pod-security labels as JSON (yours) in *psa. */
static enum ns_state
state_of(const struct store_event *ev, char **psa)
{
	const cJSON *phase;
	enum ns_state st = NS_ACTIVE;
	cJSON *o;

	*psa = NULL;
	if (ev->type == STORE_DELETED)
		return NS_ABSENT;
	o = cJSON_ParseWithLength(ev->body, ev->body_len);
	phase = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "status"), "phase");
	if (cJSON_IsString(phase) &&
	    strcmp(phase->valuestring, "Terminating") == 0)
		st = NS_TERMINATING;
	*psa = psa_text(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "metadata"), "labels"));
	cJSON_Delete(o);
	return st;
}

void
ns_cache_observe(struct ns_cache *nc, const struct store_event *ev)
{
	enum ns_state st;
	struct ent *e;
	char *psa;

	if (nc == NULL || strcmp(ev->resource, "namespaces") != 0)
		return;
	st = state_of(ev, &psa);
	pthread_mutex_lock(&nc->mu);
	put_locked(nc, ev->name, st, false);
	e = strmap_get(nc->m, ev->name);
	free(e->psa);
	e->psa = psa;
	e->psa_known = true;
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

int
ns_cache_psa_labels(struct ns_cache *nc, const char *ns, cJSON **out)
{
	struct ent *e;
	int known = 0;

	*out = NULL;
	if (nc == NULL)
		return 0;
	pthread_mutex_lock(&nc->mu);
	e = strmap_get(nc->m, ns);
	if (e != NULL && e->psa_known) {
		known = 1;
		if (e->psa != NULL)
			*out = cJSON_Parse(e->psa);
	}
	pthread_mutex_unlock(&nc->mu);
	return known;
}

void
ns_cache_fill_psa(struct ns_cache *nc, const char *ns, const cJSON *labels)
{
	struct ent *e;
	char *psa;

	if (nc == NULL)
		return;
	psa = psa_text(labels);
	pthread_mutex_lock(&nc->mu);
	e = strmap_get(nc->m, ns);
	if (e != NULL && !e->psa_known && e->st != NS_ABSENT) {
		e->psa = psa;
		e->psa_known = true;
		psa = NULL;
	}
	pthread_mutex_unlock(&nc->mu);
	free(psa);
}
