/*
 * store_recent.h: the objects a store wrote last, by key, with their
 * revision and body. A GET that finds its object here needs no read of the
 * database: most GETs are an update's read of what was just written (a
 * binding after a create, a status after a binding).
 *
 * Only the writer fills it, under its lock, after each commit and in commit
 * order, so an entry is always the newest committed state of its object; a
 * delete drops the entry. Reads never fill it (a read could race a commit
 * and put back an older state). The oldest writes leave first once the
 * bodies pass max_bytes. Thread-safe.
 */
#ifndef CKUBE_APISERVER_STORE_RECENT_H
#define CKUBE_APISERVER_STORE_RECENT_H

#include <stddef.h>
#include <stdint.h>

struct store_recent;

/* An empty cache of at most max_bytes of bodies (0: it keeps nothing). */
struct store_recent	*store_recent_new(size_t max_bytes);
void	store_recent_free(struct store_recent *r);
/* A new bound; the oldest writes leave until the bodies fit it. */
void	store_recent_set_max(struct store_recent *r, size_t max_bytes);

/* The committed state of an object: body (len bytes) at revision rv. */
void	store_recent_put(struct store_recent *r, const char *resource,
	    const char *ns, const char *name, int64_t rv, const char *body,
	    size_t len);
/* The object was deleted, or its state here may be wrong. */
void	store_recent_drop(struct store_recent *r, const char *resource,
	    const char *ns, const char *name);
/* Forget everything (the database was written by someone else). */
void	store_recent_clear(struct store_recent *r);

/*
 * 0 and *rv, *body (malloc'd, NUL-terminated, the caller's) and *len when
 * the object is here; CK_ENOTFOUND when it is not (ask the database).
 */
int	store_recent_get(struct store_recent *r, const char *resource,
	    const char *ns, const char *name, int64_t *rv, char **body,
	    size_t *len);

/* Hits and misses of store_recent_get() so far. */
void	store_recent_stats(struct store_recent *r, uint64_t *hits,
	    uint64_t *misses);

#endif
