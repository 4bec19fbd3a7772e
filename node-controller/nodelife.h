/*
 * nodelife.h: ckube-node-controller (Kubernetes' node lifecycle controller):
 * a node whose kubelet stops renewing its Lease and posting status becomes
 * Unknown and tainted unreachable; pods on a NoExecute-tainted node are
 * deleted once they stop tolerating the taint; a node under memory, disk
 * or PID pressure is tainted NoSchedule while the condition is True.
 */
#ifndef NODELIFE_H
#define NODELIFE_H

#include <stdbool.h>
#include <stdint.h>

struct controller;
struct kobj;

/* Flags (milliseconds), set by the flag table or by a test. */
struct nodelife_cfg {
	int64_t	grace_ms;		/* --node-monitor-grace-period */
	int64_t	monitor_period_ms;	/* --node-monitor-period */
	int64_t	eviction_timeout_ms;	/* --pod-eviction-timeout */
	double	eviction_rate;		/* --node-eviction-rate (nodes/s) */
	double	secondary_eviction_rate; /* --secondary-node-eviction-rate */
	double	unhealthy_zone_threshold; /* --unhealthy-zone-threshold */
	int64_t	large_cluster_size;	/* --large-cluster-size-threshold */
};
extern struct nodelife_cfg nodelife_cfg;

#define TAINT_UNREACHABLE	"node.kubernetes.io/unreachable"
#define TAINT_NOT_READY		"node.kubernetes.io/not-ready"
/* NoSchedule while the matching condition is True (TaintNodesByCondition). */
#define TAINT_MEMORY_PRESSURE	"node.kubernetes.io/memory-pressure"
#define TAINT_DISK_PRESSURE	"node.kubernetes.io/disk-pressure"
#define TAINT_PID_PRESSURE	"node.kubernetes.io/pid-pressure"

int	nodelife_init(struct controller *c);

/*
 * Lease of kube-node-lease/<node> changed: look at the node again unless it
 * is Ready=True without our taints (its periodic pass reads the Lease).
 */
void	nodelife_map_lease(struct controller *c, const struct kobj *lease);

/* Pod bound to a node changed: look at its node again (evictions). */
void	nodelife_map_pod(struct controller *c, const struct kobj *pod);

/* Key = node name: conditions and taints from the heartbeat. */
int	nodelife_reconcile(struct controller *c, const char *key);

/*
 * Pods on node whose NoExecute taints they no longer tolerate are deleted;
 * returns the milliseconds until the next one is due (0: none), or a
 * negative CK_E* on a failed delete. now_us is wall time.
 */
/*
 * Kubernetes' MarkPodsNotReady: every pod on a node whose Ready is no longer
 * True gets Ready=False (a status merge patch) and a NodeNotReady event, so
 * Services stop sending it traffic long before any eviction. 0, or a
 * negative CK_E* when a write failed (the node is looked at again).
 */
int	nodelife_mark_pods_not_ready(struct controller *c,
	    const struct kobj *node, const char *now);

int64_t	nodelife_evict_pods(struct controller *c, const struct kobj *node,
	    int64_t now_us);

/*
 * Zone disruption (nodelife_zone.c). Whether node may get a NoExecute
 * taint now (a token of its zone's limiter is taken); if not, *wait_ms is
 * when to ask again (UINT64_MAX: not while the zone's state holds).
 */
bool	nodelife_zone_may_taint(struct controller *c, const struct kobj *node,
	    uint64_t *wait_ms);
/* Every zone fully disrupted: no NoExecute taints, ours lifted. */
bool	nodelife_zone_master_disruption(struct controller *c);
/* Forget every zone (tests). */
void	nodelife_zone_reset(void);

#endif
