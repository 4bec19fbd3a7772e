/*
 * nodelife_zone.c: Kubernetes' zone disruption handling (the node lifecycle
 * controller's handleDisruption, ComputeZoneState and setLimiterInZone).
 * Nodes are grouped by zone (their region and zone labels). A zone is in
 * FullDisruption when none of its nodes is Ready, in PartialDisruption when
 * more than 2 are not and they are at least --unhealthy-zone-threshold of
 * it, Normal otherwise. A node gets a NoExecute taint (the start of its
 * pods' eviction) only when its zone's limiter grants one: at
 * --node-eviction-rate nodes a second in a Normal or fully disrupted zone,
 * at --secondary-node-eviction-rate in a partly disrupted zone larger than
 * --large-cluster-size-threshold, never in a smaller one. When every zone is
 * fully disrupted the controller takes itself, not the nodes, to be cut
 * off: it adds no NoExecute taint and lifts its own. So a kubelet-sim that
 * falls behind on its heartbeats (or a network cut) does not empty the
 * cluster. States come from the node cache, at most once a second.
 */
#include "nodelife.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/ratelimit.h"

#define ZONE_REFRESH_MS	1000

enum zone_state { ZONE_NORMAL, ZONE_PARTIAL, ZONE_FULL };

static const char *const state_names[] = {
	[ZONE_NORMAL] = "Normal",
	[ZONE_PARTIAL] = "PartialDisruption",
	[ZONE_FULL] = "FullDisruption",
};

struct zone {
	char		*key;		/* "region/zone" ("/" alone: no labels) */
	struct ratelimit *rl;		/* NoExecute taints in this zone */
	int		 ready, not_ready;
	enum zone_state	 state;
};

static struct {
	pthread_mutex_t	 mu;
	struct zone	*z;
	size_t		 n, cap;
	uint64_t	 computed_ms;
	bool		 computed;
	bool		 master;	/* every zone fully disrupted */
} zs = { .mu = PTHREAD_MUTEX_INITIALIZER };

static const char *
label(const struct kobj *node, const char *key, const char *old_key)
{
	const char *v = kobj_label(node, key);

	if (v == NULL)
		v = kobj_label(node, old_key);
	return v != NULL ? v : "";
}

/* The zone key of node (Kubernetes' GetZoneKey, with '/' between). */
static void
zone_key(const struct kobj *node, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s",
	    label(node, "topology.kubernetes.io/region",
		"failure-domain.beta.kubernetes.io/region"),
	    label(node, "topology.kubernetes.io/zone",
		"failure-domain.beta.kubernetes.io/zone"));
}

/* The zone of key, made (Normal, a full bucket) if new. Locked. */
static struct zone *
zone_get(const char *key)
{
	struct ratelimit_config cfg = { .qps = 0, .burst = 1 };
	struct zone *z;
	size_t i;

	for (i = 0; i < zs.n; i++)
		if (strcmp(zs.z[i].key, key) == 0)
			return &zs.z[i];
	if (zs.n == zs.cap) {
		zs.cap = zs.cap ? 2 * zs.cap : 4;
		zs.z = ck_realloc(zs.z, zs.cap * sizeof(*zs.z));
	}
	z = &zs.z[zs.n++];
	memset(z, 0, sizeof(*z));
	z->key = ck_strdup(key);
	cfg.qps = nodelife_cfg.eviction_rate > 0 ? nodelife_cfg.eviction_rate :
	    0;
	z->rl = ratelimit_new(&cfg);
	if (z->rl == NULL)
		abort();	/* a valid config cannot fail */
	return z;
}

static enum zone_state
zone_state(int ready, int not_ready)
{
	if (ready == 0 && not_ready > 0)
		return ZONE_FULL;
	if (not_ready > 2 && (double)not_ready / (ready + not_ready) >=
	    nodelife_cfg.unhealthy_zone_threshold)
		return ZONE_PARTIAL;
	return ZONE_NORMAL;
}

/* The rate of a zone in state st (setLimiterInZone). */
static double
zone_rate(const struct zone *z, enum zone_state st)
{
	const struct nodelife_cfg *cfg = &nodelife_cfg;

	if (zs.master)
		return 0;
	if (st == ZONE_PARTIAL)
		return z->ready + z->not_ready > cfg->large_cluster_size ?
		    cfg->secondary_eviction_rate : 0;
	return cfg->eviction_rate;
}

/* Count every zone's nodes and set states and rates. Locked. */
static void
refresh(struct controller *c)
{
	struct cache *nodes = controller_cache(c, "nodes");
	struct kobj **all;
	const char *ready;
	enum zone_state st;
	char key[256];
	bool master, any = false;
	struct zone *z;
	size_t n = 0, i;

	for (i = 0; i < zs.n; i++)
		zs.z[i].ready = zs.z[i].not_ready = 0;
	all = nodes != NULL ? cache_list(nodes, &n) : NULL;
	for (i = 0; i < n; i++) {
		zone_key(all[i], key, sizeof(key));
		z = zone_get(key);
		ready = kobj_condition_status(all[i], "Ready");
		if (ready != NULL && strcmp(ready, "True") == 0)
			z->ready++;
		else
			z->not_ready++;
	}
	cache_list_free(all, n);
	master = true;
	for (i = 0; i < zs.n; i++) {
		z = &zs.z[i];
		if (z->ready + z->not_ready == 0)
			continue;
		any = true;
		if (zone_state(z->ready, z->not_ready) != ZONE_FULL)
			master = false;
	}
	master = master && any;
	if (master != zs.master)
		log_info(master ? "every node is not Ready: entering master "
		    "disruption mode (no evictions; NoExecute taints lifted)" :
		    "some node is Ready again: leaving master disruption mode");
	zs.master = master;
	for (i = 0; i < zs.n; i++) {
		z = &zs.z[i];
		st = zone_state(z->ready, z->not_ready);
		if (st != z->state)
			log_info("zone \"%s\" is now in state %s (%d ready, %d "
			    "not)", z->key, state_names[st], z->ready,
			    z->not_ready);
		z->state = st;
		ratelimit_set_qps(z->rl, zone_rate(z, st));
	}
}

static void
refresh_if_due(struct controller *c)
{
	uint64_t now = ck_now_ms();

	if (zs.computed && now >= zs.computed_ms &&
	    now - zs.computed_ms < ZONE_REFRESH_MS)
		return;
	refresh(c);
	zs.computed = true;
	zs.computed_ms = now;
}

bool
nodelife_zone_master_disruption(struct controller *c)
{
	bool master;

	pthread_mutex_lock(&zs.mu);
	refresh_if_due(c);
	master = zs.master;
	pthread_mutex_unlock(&zs.mu);
	return master;
}

bool
nodelife_zone_may_taint(struct controller *c, const struct kobj *node,
    uint64_t *wait_ms)
{
	struct zone *z;
	char key[256];
	uint64_t w;

	zone_key(node, key, sizeof(key));
	pthread_mutex_lock(&zs.mu);
	refresh_if_due(c);
	z = zone_get(key);
	w = zs.master ? UINT64_MAX : ratelimit_try(z->rl);
	if (w == 0) {
		/*
		 * Granted: count again first (rare: at most the rate), so a
		 * node that just went down is not tainted on a state up to a
		 * second old, say the last Ready node of the cluster.
		 */
		refresh(c);
		zs.computed_ms = ck_now_ms();
		z = zone_get(key);
		if (zs.master || zone_rate(z, z->state) == 0)
			w = UINT64_MAX;
	}
	pthread_mutex_unlock(&zs.mu);
	*wait_ms = w;
	return w == 0;
}

void
nodelife_zone_reset(void)
{
	size_t i;

	pthread_mutex_lock(&zs.mu);
	for (i = 0; i < zs.n; i++) {
		free(zs.z[i].key);
		ratelimit_free(zs.z[i].rl);
	}
	free(zs.z);
	zs.z = NULL;
	zs.n = zs.cap = 0;
	zs.computed = false;
	zs.master = false;
	pthread_mutex_unlock(&zs.mu);
}
