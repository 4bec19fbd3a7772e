/*
 * cache.c: the informer's thread-safe store of frozen objects with a
 * namespace index and named extra indexes (client-go's threadSafeMap and
 * indexer). Each entry remembers its index values, so an update or delete
 * unindexes exactly what was indexed. Filling it from the API is informer.c's.
 */
#include "ckube/cache.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"

/* The namespace index and three more: the most any daemon uses is three. */
#define CACHE_INDEXES_MAX	4
#define CACHE_VALUE_MAX		512

struct bucket {
	struct strmap	*members;	/* key -> struct entry */
	char		 value[];
};

struct index {
	char		*name;
	cache_index_fn	 fn;
	struct strmap	*buckets;	/* value -> struct bucket */
};

/*
 * An entry points at the bucket of each index it is in: no copy of the
 * value per object (a namespace, an owner's uid and a node name were three
 * strdups per pod in every daemon), and unindexing needs no lookup.
 */
struct entry {
	struct kobj	*obj;
	struct bucket	*bkt[CACHE_INDEXES_MAX];	/* NULL: not indexed */
};

struct cache {
	pthread_rwlock_t lock;
	char		*name;
	struct strmap	*entries;	/* kobj_key -> struct entry */
	struct index	 idx[CACHE_INDEXES_MAX];
	size_t		 nidx;
	int64_t		 rv;
};

int
cache_index_controller_uid(const struct kobj *obj, char *buf, size_t size)
{
	const char *uid = kobj_controller_ref_str(obj, "uid");

	if (uid == NULL || uid[0] == '\0')
		return 0;
	return ck_strlcpy(buf, uid, size) < size;
}

int
cache_index_node_name(const struct kobj *obj, char *buf, size_t size)
{
	const char *node = kobj_get_str(obj, "spec.nodeName");

	if (node == NULL || node[0] == '\0')
		return 0;
	return ck_strlcpy(buf, node, size) < size;
}

static int
index_namespace(const struct kobj *obj, char *buf, size_t size)
{
	return ck_strlcpy(buf, kobj_namespace(obj), size) < size;
}

int64_t
cache_rv_parse(const char *rv)
{
	int64_t v;

	if (rv == NULL || ck_parse_int64(rv, &v) < 0 || v < 0)
		return 0;
	return v;
}

struct cache *
cache_new(const char *name)
{
	struct cache *c = ck_calloc(1, sizeof(*c));

	if (pthread_rwlock_init(&c->lock, NULL) != 0)
		fatalx("cache: rwlock init");
	c->name = ck_strdup(name != NULL ? name : "");
	c->entries = strmap_new();
	c->idx[0].name = ck_strdup(CACHE_INDEX_NAMESPACE);
	c->idx[0].fn = index_namespace;
	c->idx[0].buckets = strmap_new();
	c->nidx = 1;
	return c;
}

static void
bucket_free(void *p)
{
	struct bucket *b = p;

	strmap_free(b->members, NULL);
	free(b);
}

static void
entry_free(void *p)
{
	struct entry *e = p;

	kobj_unref(e->obj);
	free(e);
}

void
cache_free(struct cache *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nidx; i++) {
		strmap_free(c->idx[i].buckets, bucket_free);
		free(c->idx[i].name);
	}
	strmap_free(c->entries, entry_free);
	pthread_rwlock_destroy(&c->lock);
	free(c->name);
	free(c);
}

/* Index e under index i (write lock held). */
static void
index_entry(struct cache *c, size_t i, struct entry *e)
{
	struct index *ix = &c->idx[i];
	struct bucket *b;
	char buf[CACHE_VALUE_MAX];
	size_t len;

	if (!ix->fn(e->obj, buf, sizeof(buf)))
		return;
	b = strmap_get(ix->buckets, buf);
	if (b == NULL) {
		len = strlen(buf) + 1;
		b = ck_malloc(sizeof(*b) + len);
		memcpy(b->value, buf, len);
		b->members = strmap_new();
		(void)strmap_put(ix->buckets, b->value, b);
	}
	(void)strmap_put(b->members, kobj_key(e->obj), e);
	e->bkt[i] = b;
}

static void
unindex_entry(struct cache *c, struct entry *e)
{
	struct bucket *b;
	size_t i;

	for (i = 0; i < c->nidx; i++) {
		if ((b = e->bkt[i]) == NULL)
			continue;
		e->bkt[i] = NULL;
		(void)strmap_remove(b->members, kobj_key(e->obj));
		if (strmap_len(b->members) == 0) {
			(void)strmap_remove(c->idx[i].buckets, b->value);
			bucket_free(b);
		}
	}
}

struct reindex_arg {
	struct cache	*c;
	size_t		 i;
};

static void
reindex_one(const char *key, void *value, void *arg)
{
	struct reindex_arg *ra = arg;

	(void)key;
	index_entry(ra->c, ra->i, value);
}

int
cache_add_index(struct cache *c, const char *name, cache_index_fn fn)
{
	struct reindex_arg ra = { c, 0 };
	size_t i;
	int rc = 0;

	pthread_rwlock_wrlock(&c->lock);
	for (i = 0; i < c->nidx; i++)
		if (strcmp(c->idx[i].name, name) == 0) {
			rc = CK_EEXIST;
			goto out;
		}
	if (c->nidx == CACHE_INDEXES_MAX || fn == NULL) {
		rc = CK_EINVALID;
		goto out;
	}
	ra.i = c->nidx++;
	c->idx[ra.i].name = ck_strdup(name);
	c->idx[ra.i].fn = fn;
	c->idx[ra.i].buckets = strmap_new();
	strmap_foreach(c->entries, reindex_one, &ra);
out:
	pthread_rwlock_unlock(&c->lock);
	return rc;
}

struct kobj *
cache_get(struct cache *c, const char *key)
{
	struct entry *e;
	struct kobj *obj = NULL;

	if (key == NULL)
		return NULL;
	pthread_rwlock_rdlock(&c->lock);
	e = strmap_get(c->entries, key);
	if (e != NULL)
		obj = kobj_ref(e->obj);
	pthread_rwlock_unlock(&c->lock);
	return obj;
}

struct kobj *
cache_get_by_name(struct cache *c, const char *ns, const char *name)
{
	struct strbuf key = STRBUF_INIT;
	struct kobj *obj;

	if (ns != NULL && ns[0] != '\0')
		strbuf_addf(&key, "%s/%s", ns, name);
	else
		strbuf_addf(&key, "%s", name);
	obj = cache_get(c, strbuf_str(&key));
	strbuf_fini(&key);
	return obj;
}

struct collect {
	struct kobj	**items;
	size_t		  n;
};

static void
collect_one(const char *key, void *value, void *arg)
{
	struct collect *co = arg;
	struct entry *e = value;

	(void)key;
	co->items[co->n++] = kobj_ref(e->obj);
}

static int
by_key(const void *a, const void *b)
{
	const struct kobj *const *x = a, *const *y = b;

	return strcmp(kobj_key(*x), kobj_key(*y));
}

static struct kobj **
collect(const struct strmap *map, size_t *n)
{
	struct collect co = { NULL, 0 };
	size_t len = strmap_len(map);

	if (len > 0) {
		co.items = ck_calloc(len, sizeof(*co.items));
		strmap_foreach(map, collect_one, &co);
	}
	*n = co.n;
	return co.items;
}

struct kobj **
cache_list(struct cache *c, size_t *n)
{
	struct kobj **items;

	pthread_rwlock_rdlock(&c->lock);
	items = collect(c->entries, n);
	pthread_rwlock_unlock(&c->lock);
	if (*n > 1)
		qsort(items, *n, sizeof(*items), by_key);
	return items;
}

struct kobj **
cache_list_by_index(struct cache *c, const char *index, const char *value,
    size_t *n)
{
	struct kobj **items = NULL;
	struct bucket *b;
	size_t i;
	int found = 0;

	*n = 0;
	pthread_rwlock_rdlock(&c->lock);
	for (i = 0; i < c->nidx; i++) {
		if (strcmp(c->idx[i].name, index) != 0)
			continue;
		found = 1;
		b = strmap_get(c->idx[i].buckets, value != NULL ? value : "");
		if (b != NULL)
			items = collect(b->members, n);
		break;
	}
	pthread_rwlock_unlock(&c->lock);
	if (!found)
		log_warn("cache %s: no index %s", c->name, index);
	if (*n > 1)
		qsort(items, *n, sizeof(*items), by_key);
	return items;
}

void
cache_list_free(struct kobj **list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		kobj_unref(list[i]);
	free(list);
}

size_t
cache_len(struct cache *c)
{
	size_t n;

	pthread_rwlock_rdlock(&c->lock);
	n = strmap_len(c->entries);
	pthread_rwlock_unlock(&c->lock);
	return n;
}

static uint64_t
fnv1a(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void
digest_entry(const char *key, void *value, void *arg)
{
	const struct entry *e = value;
	const char *ns = kobj_namespace(e->obj);
	const char *rv = kobj_resource_version(e->obj);
	uint64_t h;

	(void)key;
	h = fnv1a(0xcbf29ce484222325ULL, ns != NULL ? ns : "");
	h = fnv1a(h, "/");
	h = fnv1a(h, kobj_name(e->obj) != NULL ? kobj_name(e->obj) : "");
	h = fnv1a(h, "@");
	h = fnv1a(h, rv != NULL ? rv : "");
	*(uint64_t *)arg ^= h & 0xffffffffffffULL;
}

uint64_t
cache_digest(struct cache *c, size_t *n)
{
	uint64_t d = 0;

	/* XOR needs no order: no sorted list (cache_list) of every object. */
	pthread_rwlock_rdlock(&c->lock);
	strmap_foreach(c->entries, digest_entry, &d);
	*n = strmap_len(c->entries);
	pthread_rwlock_unlock(&c->lock);
	return d;
}

/* Store obj (a reference the cache takes over); returns the old object. */
static struct kobj *
put_locked(struct cache *c, struct kobj *obj)
{
	struct entry *e;
	struct kobj *old = NULL;
	size_t i;

	e = strmap_get(c->entries, kobj_key(obj));
	if (e != NULL) {
		unindex_entry(c, e);
		old = e->obj;
	} else
		e = ck_calloc(1, sizeof(*e));
	e->obj = obj;
	(void)strmap_put(c->entries, kobj_key(obj), e);
	for (i = 0; i < c->nidx; i++)
		index_entry(c, i, e);
	return old;
}

struct kobj *
cache_put(struct cache *c, struct kobj *obj)
{
	struct kobj *old;

	kobj_freeze(obj);
	pthread_rwlock_wrlock(&c->lock);
	old = put_locked(c, kobj_ref(obj));
	pthread_rwlock_unlock(&c->lock);
	return old;
}

static struct kobj *
remove_locked(struct cache *c, const char *key)
{
	struct entry *e;
	struct kobj *old;

	e = strmap_remove(c->entries, key);
	if (e == NULL)
		return NULL;
	unindex_entry(c, e);
	old = e->obj;
	e->obj = NULL;
	entry_free(e);
	return old;
}

static void
trim_entry(const char *key, void *value, void *arg)
{
	const struct entry *e = value;

	(void)key;
	*(size_t *)arg += kobj_trim(e->obj);
}

size_t
cache_trim(struct cache *c)
{
	size_t n = 0;

	/* The write lock: no reader can take a reference meanwhile. */
	pthread_rwlock_wrlock(&c->lock);
	strmap_foreach(c->entries, trim_entry, &n);
	pthread_rwlock_unlock(&c->lock);
	return n;
}

struct kobj *
cache_remove(struct cache *c, const char *key)
{
	struct kobj *old;

	pthread_rwlock_wrlock(&c->lock);
	old = remove_locked(c, key);
	pthread_rwlock_unlock(&c->lock);
	return old;
}

struct delta {
	struct kobj	*old_obj;
	struct kobj	*new_obj;
};

struct stale {
	struct strmap	*seen;
	const char	**keys;
	size_t		  n;
};

static void
find_stale(const char *key, void *value, void *arg)
{
	struct stale *s = arg;

	(void)value;
	if (strmap_get(s->seen, key) == NULL)
		s->keys[s->n++] = key;
}

void
cache_replace(struct cache *c, struct kobj *const *items, size_t n,
    int64_t rv, cache_delta_fn fn, void *arg)
{
	struct stale st = { NULL, NULL, 0 };
	struct delta *d;
	struct entry *e;
	size_t nd = 0, i, len;

	for (i = 0; i < n; i++)
		kobj_freeze(items[i]);
	st.seen = strmap_new();
	pthread_rwlock_wrlock(&c->lock);
	len = strmap_len(c->entries);
	d = ck_calloc(n + len + 1, sizeof(*d));
	for (i = 0; i < n; i++) {
		e = strmap_get(c->entries, kobj_key(items[i]));
		(void)strmap_put(st.seen, kobj_key(items[i]), items[i]);
		if (e != NULL && strcmp(kobj_resource_version(e->obj),
		    kobj_resource_version(items[i])) == 0)
			continue;
		d[nd].new_obj = kobj_ref(items[i]);
		d[nd].old_obj = put_locked(c, kobj_ref(items[i]));
		nd++;
	}
	st.keys = ck_calloc(len + 1, sizeof(*st.keys));
	strmap_foreach(c->entries, find_stale, &st);
	for (i = 0; i < st.n; i++) {
		d[nd].old_obj = remove_locked(c, st.keys[i]);
		nd++;
	}
	c->rv = rv;
	pthread_rwlock_unlock(&c->lock);
	strmap_free(st.seen, NULL);
	free(st.keys);
	for (i = 0; i < nd; i++) {
		if (fn != NULL)
			fn(d[i].old_obj, d[i].new_obj, arg);
		kobj_unref(d[i].old_obj);
		kobj_unref(d[i].new_obj);
	}
	free(d);
}

int64_t
cache_resource_version(struct cache *c)
{
	int64_t rv;

	pthread_rwlock_rdlock(&c->lock);
	rv = c->rv;
	pthread_rwlock_unlock(&c->lock);
	return rv;
}

void
cache_set_resource_version(struct cache *c, int64_t rv)
{
	pthread_rwlock_wrlock(&c->lock);
	c->rv = rv;
	pthread_rwlock_unlock(&c->lock);
}
