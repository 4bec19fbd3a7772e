/*
 * expectations.h: Kubernetes ControllerExpectations. After a controller
 * creates or deletes n objects for a key, it records that it expects to see
 * them in its informer cache; until it has (or the expectation is older than
 * its TTL, 5 minutes by default, in case a watch event was lost) the key's
 * cache view is stale and reconcile must not act on it again. Time comes
 * from clock.h. Every function is thread-safe.
 */
#ifndef CKUBE_EXPECTATIONS_H
#define CKUBE_EXPECTATIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "ckube/ck.h"

/* Kubernetes ExpectationsTimeout. */
#define EXPECTATIONS_TTL_MS	(5u * 60u * 1000u)

struct expectations;

/*
 * A new, empty set of expectations whose entries expire ttl_ms after they
 * were set (0: EXPECTATIONS_TTL_MS). Never NULL. Free with expectations_free().
 */
struct expectations *expectations_new(uint64_t ttl_ms);

/* Free e and every entry. Accepts NULL. */
void		 expectations_free(struct expectations *e);

/*
 * Expect n creations (and no deletions) for key, replacing what key
 * expected before and restarting its TTL. key is copied.
 */
void		 expect_creations(struct expectations *e, const char *key, int64_t n);

/* Expect n deletions (and no creations) for key; as expect_creations(). */
void		 expect_deletions(struct expectations *e, const char *key, int64_t n);

/*
 * Add add creations and del deletions to what key already expects, without
 * restarting its TTL; nothing happens when key expects nothing
 * (RaiseExpectations).
 */
void		 expect_raise(struct expectations *e, const char *key, int64_t add,
		    int64_t del);

/*
 * One expected creation (deletion) of key was seen in the cache: lower the
 * count, which may go below zero. Nothing happens when key expects nothing.
 */
void		 expect_creation_observed(struct expectations *e, const char *key);
void		 expect_deletion_observed(struct expectations *e, const char *key);

/*
 * Whether key may be reconciled: true when it expects nothing, when both
 * counts have reached <= 0, or when its expectation is older than the TTL
 * (logged: an event was probably missed).
 */
bool		 expect_satisfied(struct expectations *e, const char *key);

/* Drop key's expectation (the object was deleted). */
void		 expect_delete(struct expectations *e, const char *key);

/*
 * Read key's pending counts into *add and *del (either may be NULL).
 * Returns false, leaving them unchanged, when key expects nothing.
 */
bool		 expect_get(struct expectations *e, const char *key, int64_t *add,
		    int64_t *del);

#endif
