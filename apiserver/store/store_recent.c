/*
 * store_recent.c: the recently written objects (store_recent.h): a strmap
 * by key_of() and a list from the oldest write to the newest,
 * which the byte bound trims from its head.
 */
#include "store_recent.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strmap.h"

/* Keys up to this long are built on the stack (names are at most 253). */
#define KEY_BUF		512

struct entry {
	struct entry	*prev, *next;	/* oldest write first */
	int64_t		 rv;
	size_t		 len;
	char		*body;
	char		 key[];
};

struct store_recent {
	pthread_mutex_t	 mu;
	struct strmap	*map;
	struct entry	*head, *tail;
	size_t		 bytes;		/* of the bodies held */
	size_t		 max_bytes;
	uint64_t	 hits, misses;
};

struct store_recent *
store_recent_new(size_t max_bytes)
{
	struct store_recent *r = ck_calloc(1, sizeof(*r));

	pthread_mutex_init(&r->mu, NULL);
	r->map = strmap_new();
	r->max_bytes = max_bytes;
	return r;
}

static void
entry_free(void *p)
{
	struct entry *e = p;

	free(e->body);
	free(e);
}

void
store_recent_free(struct store_recent *r)
{
	if (r == NULL)
		return;
	strmap_free(r->map, entry_free);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/*
 * The key "resource\nNSLEN\nns" + name: resource is a registry name (no
 * newline) and the namespace's length ends it, so no two keys collide
 * whatever the name holds. Written into buf (size bytes) when it fits,
 * else malloc'd; *len counts the NUL.
 */
static char *
key_of(const char *resource, const char *ns, const char *name, char *buf,
    size_t size, size_t *len)
{
	size_t nslen = strlen(ns);
	size_t n = strlen(resource) + strlen(name) + nslen + 24;
	char *k = n <= size ? buf : ck_malloc(n);
	int w;

	w = snprintf(k, n, "%s\n%zu\n%s%s", resource, nslen, ns, name);
	*len = (size_t)w + 1;
	return k;
}

static void
key_free(char *k, const char *buf)
{
	if (k != buf)
		free(k);
}

/* Take e off the list (mu held). */
static void
unlink_entry(struct store_recent *r, struct entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		r->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		r->tail = e->prev;
	r->bytes -= e->len;
}

/* Remove e from the map and the list, and free it (mu held). */
static void
remove_entry(struct store_recent *r, struct entry *e)
{
	strmap_remove(r->map, e->key);
	unlink_entry(r, e);
	entry_free(e);
}

/* The oldest writes leave until the bodies fit the bound (mu held). */
static void
trim(struct store_recent *r)
{
	while (r->bytes > r->max_bytes && r->head != NULL)
		remove_entry(r, r->head);
}

void
store_recent_put(struct store_recent *r, const char *resource,
    const char *ns, const char *name, int64_t rv, const char *body,
    size_t len)
{
	struct entry *e, *old;
	char buf[KEY_BUF];
	size_t klen;
	char *k;

	k = key_of(resource, ns, name, buf, sizeof(buf), &klen);
	e = ck_malloc(sizeof(*e) + klen);
	memcpy(e->key, k, klen);
	key_free(k, buf);
	e->rv = rv;
	e->len = len;
	e->body = ck_malloc(len + 1);
	memcpy(e->body, body, len);
	e->body[len] = '\0';
	e->next = NULL;
	pthread_mutex_lock(&r->mu);
	if ((old = strmap_get(r->map, e->key)) != NULL)
		remove_entry(r, old);
	if (len > r->max_bytes) {	/* never kept; the old state is gone */
		pthread_mutex_unlock(&r->mu);
		entry_free(e);
		return;
	}
	strmap_put(r->map, e->key, e);
	e->prev = r->tail;
	if (r->tail != NULL)
		r->tail->next = e;
	else
		r->head = e;
	r->tail = e;
	r->bytes += len;
	trim(r);
	pthread_mutex_unlock(&r->mu);
}

void
store_recent_set_max(struct store_recent *r, size_t max_bytes)
{
	pthread_mutex_lock(&r->mu);
	r->max_bytes = max_bytes;
	trim(r);
	pthread_mutex_unlock(&r->mu);
}

void
store_recent_drop(struct store_recent *r, const char *resource,
    const char *ns, const char *name)
{
	struct entry *e;
	char buf[KEY_BUF];
	size_t klen;
	char *k = key_of(resource, ns, name, buf, sizeof(buf), &klen);

	pthread_mutex_lock(&r->mu);
	if ((e = strmap_get(r->map, k)) != NULL)
		remove_entry(r, e);
	pthread_mutex_unlock(&r->mu);
	key_free(k, buf);
}

void
store_recent_clear(struct store_recent *r)
{
	pthread_mutex_lock(&r->mu);
	while (r->head != NULL)
		remove_entry(r, r->head);
	pthread_mutex_unlock(&r->mu);
}

int
store_recent_get(struct store_recent *r, const char *resource,
    const char *ns, const char *name, int64_t *rv, char **body,
    size_t *len)
{
	struct entry *e;
	char buf[KEY_BUF];
	size_t klen;
	char *k = key_of(resource, ns, name, buf, sizeof(buf), &klen);
	int rc = CK_ENOTFOUND;

	pthread_mutex_lock(&r->mu);
	if ((e = strmap_get(r->map, k)) != NULL) {
		*rv = e->rv;
		*len = e->len;
		*body = ck_malloc(e->len + 1);
		memcpy(*body, e->body, e->len + 1);
		r->hits++;
		rc = 0;
	} else {
		r->misses++;
	}
	pthread_mutex_unlock(&r->mu);
	key_free(k, buf);
	return rc;
}

void
store_recent_stats(struct store_recent *r, uint64_t *hits, uint64_t *misses)
{
	pthread_mutex_lock(&r->mu);
	*hits = r->hits;
	*misses = r->misses;
	pthread_mutex_unlock(&r->mu);
}
