/*
 * lb.h: the map header of ckube-service-lb-controller, the load balancer
 * of a cluster without a cloud (MetalLB's layer-2 allocator, k3s's
 * servicelb): Services of type LoadBalancer get status.loadBalancer.ingress
 * IPs from a pool (--lb-ip-range). lbpool.c is the pool (pure, locked);
 * lb.c is the reconcile.
 */
#ifndef LB_H
#define LB_H

#include <stdbool.h>
#include <stddef.h>

#include "ckube/ck.h"

struct controller;
struct kobj;

/* Largest pool, in addresses (a /16): the owner table is one pointer each. */
#define LBPOOL_MAX	65536
/* Room for a dotted IPv4 address and its NUL. */
#define LBPOOL_IP_LEN	16

/* lbpool.c -------------------------------------------------------------- */

struct lbpool;

/*
 * Parse spec, a comma-separated list of IPv4 CIDRs ("10.0.0.0/28": its host
 * addresses, network and broadcast left out below /31) and start-end
 * ranges ("172.18.255.1-172.18.255.50", both ends included), into a new
 * pool. CK_EINVALID with a sentence in err (a bad address, start > end,
 * overlapping parts, more than LBPOOL_MAX addresses) and *out NULL.
 */
int		 lbpool_parse(const char *spec, struct lbpool **out, char *err,
		    size_t errsize) CK_MUST_CHECK;
void		 lbpool_free(struct lbpool *p);

/* Addresses in the pool, and those not held by a key. */
size_t		 lbpool_size(struct lbpool *p);
size_t		 lbpool_free_count(struct lbpool *p);
/* Whether ip (dotted IPv4) belongs to the pool. */
bool		 lbpool_contains(struct lbpool *p, const char *ip);

/*
 * Give ip to key ("ns/name"): 0 when it is key's now (a key holds at most
 * one address: one it held before is released); CK_EINVALID when ip is not
 * in the pool; CK_EEXIST when another key holds it (its name in owner, if
 * not NULL). Thread-safe, as every call here.
 */
int		 lbpool_claim(struct lbpool *p, const char *key, const char *ip,
		    char *owner, size_t owner_size) CK_MUST_CHECK;
/*
 * The address key holds into ip (LBPOOL_IP_LEN bytes), or else the lowest
 * free one, now key's. CK_ENOSPC when none is free.
 */
int		 lbpool_alloc(struct lbpool *p, const char *key, char *ip)
		    CK_MUST_CHECK;
/* The address key holds into ip; false if none. */
bool		 lbpool_lookup(struct lbpool *p, const char *key, char *ip);
/* Release what key holds; true if it held an address. */
bool		 lbpool_release(struct lbpool *p, const char *key);

/* lb.c ------------------------------------------------------------------ */

/* What the reconcile needs (controller_data). */
struct lb_state {
	struct lbpool	*pool;
	const char	*lb_class;	/* "" or NULL: Services without a class */
};

/*
 * Services watch handler: on the informer thread, before any reconcile,
 * an address a Service already shows is claimed for it (so a restart
 * keeps every assignment); then the key is queued.
 */
void		 lb_map_service(struct controller *c, const struct kobj *svc);
/*
 * Assign, keep, move (spec.loadBalancerIP) or release the address of
 * Service key and write status.loadBalancer through services/status.
 */
int		 lb_reconcile(struct controller *c, const char *key);

#endif
