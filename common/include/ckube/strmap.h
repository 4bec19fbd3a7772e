/*
 * strmap.h: a hash table from NUL-terminated string keys to pointers. It
 * borrows its keys: the caller keeps each key alive while it is mapped,
 * usually because the key lives inside the value (struct { ...; char key[]; }).
 * Not thread-safe: callers lock around it.
 */
#ifndef CKUBE_STRMAP_H
#define CKUBE_STRMAP_H

#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct strmap;

/* The 64-bit FNV-1a hash of s, the one the map uses (for other tables too). */
uint64_t	 strmap_hash(const char *s);

/* A new empty map; free with strmap_free(). Never NULL (aborts on OOM). */
struct strmap	*strmap_new(void);

/*
 * Free the map; when free_value is not NULL, call it on every value first.
 * Accepts NULL.
 */
void		 strmap_free(struct strmap *map, void (*free_value)(void *));

/* The value mapped to key, or NULL when there is none. */
void		*strmap_get(const struct strmap *map, const char *key);

/*
 * Map key to value (not NULL), replacing any previous mapping. key is
 * borrowed and must stay unchanged and alive until it is removed or
 * replaced. Returns the previous value, or NULL.
 */
void		*strmap_put(struct strmap *map, const char *key, void *value);

/* Remove key's mapping; returns its value, or NULL when there was none. */
void		*strmap_remove(struct strmap *map, const char *key);

/* The number of mappings. */
size_t		 strmap_len(const struct strmap *map);

/*
 * Call fn(key, value, arg) on every mapping, in no particular order. fn may
 * not change the map.
 */
void		 strmap_foreach(const struct strmap *map,
		    void (*fn)(const char *key, void *value, void *arg), void *arg);

#endif
