/*
 * nametrack.h: expectations that remember the names a controller created
 * or deleted for each key (Kubernetes' UIDTrackingControllerExpectations).
 * A reconcile records each write before sending it; until the cache shows
 * every one (created object present, deleted one absent or terminating)
 * or the entry is older than a TTL, the key's cache view is stale and the
 * reconcile must not create or delete again. Keys may carry a "kind:"
 * prefix ("rs:ns/name"); the namespace is read after it. Every function is
 * thread-safe.
 */
#ifndef CKUBE_NAMETRACK_H
#define CKUBE_NAMETRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cache;
struct nametrack;

/* A new, empty tracker (never NULL); free it with nametrack_free(). */
struct nametrack *nametrack_new(void);
/* Free t and its entries. Accepts NULL. */
void	nametrack_free(struct nametrack *t);
/* Expect the creation (del false) or the deletion of name for key. */
void	nametrack_expect(struct nametrack *t, const char *key, const char *name,
	    bool del);
/* Forget one expectation (the write failed); true if it was there. */
bool	nametrack_forget(struct nametrack *t, const char *key, const char *name,
	    bool del);
/*
 * Drop the expectations of key that cache now shows fulfilled or that are
 * older than ttl_ms at now_ms. Returns how many are still pending.
 */
size_t	nametrack_observe(struct nametrack *t, const char *key,
	    struct cache *cache, uint64_t now_ms, uint64_t ttl_ms);
/* Forget everything about key (its owner is gone). */
void	nametrack_drop(struct nametrack *t, const char *key);

struct controller;
/*
 * The init and fini of a controller that owns pods (controller_def.init and
 * .fini): its pods cache indexed by controller uid, a tracker as the
 * controller's data (controller_data()).
 */
int	nametrack_controller_init(struct controller *c);
void	nametrack_controller_fini(struct controller *c);

#endif
