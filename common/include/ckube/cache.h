/*
 * cache.h: the informer's store: frozen kobjs keyed "ns/name" (or "name"),
 * a namespace index and named extra indexes computed by a function (the
 * controller owner's uid, spec.nodeName, ...), and the resourceVersion the
 * cache reflects (client-go's thread-safe store and indexer). Readers get
 * their own references and never see an object change: objects are
 * immutable, a new version replaces the old one.
 *
 * Thread-safety: every function may be called from any thread (one
 * read-write lock inside). Index functions run under the write lock: they
 * must be quick and must not call the cache.
 */
#ifndef CKUBE_CACHE_H
#define CKUBE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct cache;
struct kobj;

/*
 * An index function: write the value under which obj is indexed into buf
 * (of size bytes, NUL-terminated) and return 1, or return 0 when obj is not
 * in this index (no owner, not scheduled, ...). Values longer than size are
 * not indexed.
 */
typedef int (*cache_index_fn)(const struct kobj *obj, char *buf, size_t size);

/* Built-in index functions, for cache_add_index(). */
int	cache_index_controller_uid(const struct kobj *obj, char *buf,
	    size_t size);	/* metadata.ownerReferences[controller].uid */
int	cache_index_node_name(const struct kobj *obj, char *buf,
	    size_t size);	/* spec.nodeName */

/* The namespace index's name, for cache_list_by_index(). */
#define CACHE_INDEX_NAMESPACE	"namespace"
/*
 * Conventional names of the built-in functions' indexes (the controller
 * skeleton registers CACHE_INDEX_CONTROLLER_UID on WATCH_OWNED caches).
 */
#define CACHE_INDEX_CONTROLLER_UID	"controller-uid"
#define CACHE_INDEX_NODE_NAME		"node-name"

/* A new empty cache named name (copied; for logs). Never NULL. */
struct cache	*cache_new(const char *name);

/* Free the cache and drop its references. NULL is fine. */
void		 cache_free(struct cache *c);

/*
 * Register an extra index (name copied), before or after objects arrived
 * (existing objects are indexed at once). Registering a name twice or
 * CACHE_INDEX_NAMESPACE is CK_EEXIST; a cache has at most three extra
 * indexes (CK_EINVALID past them, or without fn).
 */
int		 cache_add_index(struct cache *c, const char *name,
		    cache_index_fn fn) CK_MUST_CHECK;

/* The object stored under key, with a new reference (kobj_unref it), or NULL. */
struct kobj	*cache_get(struct cache *c, const char *key);

/* cache_get() by namespace ("" or NULL for cluster scope) and name. */
struct kobj	*cache_get_by_name(struct cache *c, const char *ns,
		    const char *name);

/*
 * An array of references, sorted by key; release it with cache_list_free().
 * *n gets the count; the array is NULL when it is 0.
 */
struct kobj	**cache_list(struct cache *c, size_t *n);

/*
 * The objects whose index value is value (CACHE_INDEX_NAMESPACE: every
 * object of that namespace), sorted by key. An unknown index gives an empty
 * list (and a warning in the log).
 */
struct kobj	**cache_list_by_index(struct cache *c, const char *index,
		    const char *value, size_t *n);

/* Drop the references of a list and free it. NULL is fine. */
void		 cache_list_free(struct kobj **list, size_t n);

/* The number of objects. */
size_t		 cache_len(struct cache *c);

/*
 * An order-free digest of the content: the XOR over the objects of FNV-1a
 * 64 of "namespace/name@resourceVersion" ("/name@rv" when cluster-scoped),
 * cut to 48 bits so that a metric (a double) carries it exactly. Sets *n to
 * the number of objects. Tests compare it with the same over a LIST.
 */
uint64_t	 cache_digest(struct cache *c, size_t *n);

/*
 * Store obj (frozen by this call; the cache takes its own reference) under
 * kobj_key(obj), replacing any object there. Returns the replaced object
 * (a reference that is now the caller's) or NULL.
 */
struct kobj	*cache_put(struct cache *c, struct kobj *obj);

/* Remove key; returns the removed object (the caller's reference) or NULL. */
struct kobj	*cache_remove(struct cache *c, const char *key);

/* One change of cache_replace(): old NULL = added, new NULL = deleted. */
typedef void (*cache_delta_fn)(const struct kobj *old_obj,
		    const struct kobj *new_obj, void *arg);

/*
 * Replace the whole content by items (n objects, frozen by this call; the
 * cache takes its own references) as after a relist, and set the
 * resourceVersion to rv. fn (may be NULL) then sees each difference, after
 * the lock is released: added objects, updated ones (a resourceVersion that
 * differs), deleted ones (old object, new NULL). Objects with the same
 * resourceVersion are kept and not reported. Two items with the same key:
 * the later one wins.
 */
void		 cache_replace(struct cache *c, struct kobj *const *items,
		    size_t n, int64_t rv, cache_delta_fn fn, void *arg);

/* The resourceVersion the cache reflects (0 before the first list). */
/*
 * Drop the cJSON copies readers decoded from the compact objects only the
 * cache still holds (kobj_trim). Returns how many subtrees were freed.
 */
size_t		 cache_trim(struct cache *c);

int64_t		 cache_resource_version(struct cache *c);
void		 cache_set_resource_version(struct cache *c, int64_t rv);

/*
 * A resourceVersion string as a number: 0 for NULL, "" or garbage (so such
 * an object never looks newer than anything).
 */
int64_t		 cache_rv_parse(const char *rv);

#endif
