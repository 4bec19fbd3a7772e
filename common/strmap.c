/*
 * strmap.c: string-keyed hash table (FNV-1a, open addressing with linear
 * probing and backward-shift deletion, so there are no tombstones). Keys are
 * borrowed from the caller; see strmap.h.
 */
#include "ckube/strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"

#define STRMAP_MIN_CAP	16

struct slot {
	const char	*key;		/* NULL: empty */
	void		*value;
	uint64_t	 hash;
};

struct strmap {
	struct slot	*slots;
	size_t		 cap;		/* a power of two */
	size_t		 len;
};

uint64_t
strmap_hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

struct strmap *
strmap_new(void)
{
	struct strmap *map = ck_calloc(1, sizeof(*map));

	map->cap = STRMAP_MIN_CAP;
	map->slots = ck_calloc(map->cap, sizeof(*map->slots));
	return map;
}

void
strmap_free(struct strmap *map, void (*free_value)(void *))
{
	size_t i;

	if (map == NULL)
		return;
	if (free_value != NULL) {
		for (i = 0; i < map->cap; i++)
			if (map->slots[i].key != NULL)
				free_value(map->slots[i].value);
	}
	free(map->slots);
	free(map);
}

/* The slot holding key, or the empty slot where it would go. */
static struct slot *
find(const struct strmap *map, const char *key, uint64_t h)
{
	size_t mask = map->cap - 1, i = (size_t)h & mask;
	struct slot *s;

	for (;;) {
		s = &map->slots[i];
		if (s->key == NULL ||
		    (s->hash == h && strcmp(s->key, key) == 0))
			return s;
		i = (i + 1) & mask;
	}
}

static void
grow(struct strmap *map)
{
	struct slot *old = map->slots, *s;
	size_t oldcap = map->cap, i;

	map->cap *= 2;
	map->slots = ck_calloc(map->cap, sizeof(*map->slots));
	for (i = 0; i < oldcap; i++) {
		if (old[i].key == NULL)
			continue;
		s = find(map, old[i].key, old[i].hash);
		*s = old[i];
	}
	free(old);
}

void *
strmap_get(const struct strmap *map, const char *key)
{
	struct slot *s = find(map, key, strmap_hash(key));

	return s->key != NULL ? s->value : NULL;
}

void *
strmap_put(struct strmap *map, const char *key, void *value)
{
	uint64_t h = strmap_hash(key);
	struct slot *s;
	void *prev;

	s = find(map, key, h);
	if (s->key != NULL) {
		prev = s->value;
		s->key = key;
		s->value = value;
		return prev;
	}
	/* Keep the load at most 1/2 so probes stay short. */
	if ((map->len + 1) * 2 > map->cap) {
		grow(map);
		s = find(map, key, h);
	}
	s->key = key;
	s->value = value;
	s->hash = h;
	map->len++;
	return NULL;
}

void *
strmap_remove(struct strmap *map, const char *key)
{
	size_t mask = map->cap - 1, hole, i, home;
	struct slot *s;
	void *value;

	s = find(map, key, strmap_hash(key));
	if (s->key == NULL)
		return NULL;
	value = s->value;
	hole = (size_t)(s - map->slots);
	/*
	 * Backward shift: move later members of the probe run into the hole
	 * when the hole lies between their home slot and where they sit.
	 */
	for (i = (hole + 1) & mask; map->slots[i].key != NULL; i = (i + 1) & mask) {
		home = (size_t)map->slots[i].hash & mask;
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			map->slots[hole] = map->slots[i];
			hole = i;
		}
	}
	map->slots[hole].key = NULL;
	map->slots[hole].value = NULL;
	map->len--;
	return value;
}

size_t
strmap_len(const struct strmap *map)
{
	return map->len;
}

void
strmap_foreach(const struct strmap *map,
    void (*fn)(const char *key, void *value, void *arg), void *arg)
{
	size_t i;

	for (i = 0; i < map->cap; i++)
		if (map->slots[i].key != NULL)
			fn(map->slots[i].key, map->slots[i].value, arg);
}
