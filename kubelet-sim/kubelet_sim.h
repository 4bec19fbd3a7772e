/*
 * Map header of ckube-kubelet-sim: the simulated node set and its flags,
 * shared by main.c and node.c.
 */
#ifndef KUBELET_SIM_KUBELET_SIM_H
#define KUBELET_SIM_KUBELET_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

#include "eviction.h"
#include "podspec.h"
#include "resolv.h"
#include "timers.h"

struct client;
struct events;
struct informer_handlers;
struct kobj;

struct ksim_flags {
	int64_t		nodes;
	const char	*node_prefix;
	const char	*node_cpu;
	const char	*node_memory;
	const char	*node_pods;
	const char	*node_ephemeral_storage;
	const char	*node_labels;	/* k=v,k2=v2 */
	const char	*node_taints;	/* k=v:Effect,... */
	const char	*node_cidr;
	const char	*zone;
	const char	*region;
	int64_t		lease_renew_ms;
	int64_t		status_report_ms;
	int64_t		crashloop_backoff_base_ms;
	const char	*advertise_address;	/* host in the kubelet URL */
	/* The kubelet's eviction flags (semantics.md 6(b)). */
	const char	*eviction_hard, *eviction_soft, *eviction_soft_grace;
	const char	*eviction_min_reclaim, *eviction_ranking;
	int64_t		eviction_max_pod_grace_s;
	int64_t		eviction_transition_ms;
	int64_t		housekeeping_ms;
	/* Simulated node-level usage outside the pods. */
	int64_t		system_memory, system_disk, system_inodes;
	int64_t		system_cpu_milli;	/* set from system_cpu */
	const char	*system_cpu;
	int64_t		node_inodes, imagefs_capacity;
	int64_t		images_used, images_unused, dead_containers;
	const char	*system_reserved, *kube_reserved;	/* cpu=,memory=... */
	/* The kubelet's DNS flags: pods' resolv settings (resolv.h). */
	const char	*cluster_dns, *cluster_domain, *resolv_conf;
};

/*
 * Node annotation telling the apiserver where this kubelet-sim serves
 * /containerLogs ("http://127.0.0.1:PORT"): the nodes' InternalIPs are
 * simulated, so the apiserver cannot dial them.
 */
#define ANN_KUBELET_URL	"sim.ckube.io/kubelet-url"

struct sim_node {
	char		name[128];
	char		pod_cidr[32];
	char		ip[32];
	struct timer	lease_timer;
	struct timer	status_timer;
	struct ksim *ks;
	int		registered;
	int		phased;		/* NODE_PHASED_*: timers spread out */
	struct res_list	used;		/* requests of the admitted pods */
	/* sim.ckube.io/ usage summed over the node's pods (node pressure). */
	int64_t		mem_usage, disk_usage, inodes_usage;
	/* Eviction manager: its memory, what node-level GC can still free. */
	struct evict_state ev;
	int64_t		fs_dead, images_unused;
	char		pressure_since[EV_COND_COUNT][40];	/* RFC 3339 */
	/* Its pods (sim_pod.node_next), under the pod lock: /stats/summary. */
	struct sim_pod	*pods;
};

struct ksim {
	struct ksim_flags	f;
	struct daemon		*d;		/* woken when pod events arrive */
	struct client		*cl;
	struct events		*ev;		/* kubelet Events */
	struct res_list		cap;		/* capacity of each node */
	struct cache		*claims;	/* PVCs (status.phase): mounts wait */
	struct res_list		alloc;		/* allocatable of each node */
	int64_t			ephemeral;	/* ephemeral-storage capacity */
	int64_t			ephemeral_alloc;	/* ... allocatable */
	int			port;		/* our HTTP port */
	char			url[128];	/* ANN_KUBELET_URL value */
	struct timer_heap	timers;
	struct sim_node		*nodes;
	size_t			nnodes;
	struct evict_config	evc;		/* from the eviction flags */
	struct timer		housekeeping;	/* the eviction pass */
	struct resolv_cfg	dns;		/* from the DNS flags */
};

/*
 * Build the node names and CIDRs and arm their timers; registration and
 * lease renewals happen as the timers fire. Returns 0 or CK_EINVALID (bad
 * --node-cidr).
 */
int	node_setup(struct ksim *ks, int64_t now_ms) CK_MUST_CHECK;
/*
 * The node's pods' usage changed (sim.ckube.io/memory-usage...): the hook
 * where node pressure is evaluated; today it only logs at --v=4.
 */
void	node_usage_changed(struct ksim *ks, struct sim_node *n);
/* Post n's status now (a pressure condition changed). */
void	node_status_now(struct ksim *ks, struct sim_node *n, int64_t now_ms);
/* Free the node set. */
void	node_teardown(struct ksim *ks);

/*
 * Pod informer handlers (any thread): events of pods bound to our nodes are
 * queued for pod_drain().
 */
const struct informer_handlers *pod_handlers(struct ksim *ks);
/* Main loop: apply the queued pod events at now_ms (start, delete...). */
void	pod_drain(struct ksim *ks, int64_t now_ms);
/*
 * Eviction flags into ks->evc; false (err set, the kubelet's message) on a
 * bad one: the daemon refuses to start.
 */
bool	eviction_setup(struct ksim *ks, char *err, size_t len);
/* Arm the housekeeping timer (the eviction pass) when thresholds exist. */
void	eviction_start(struct ksim *ks, int64_t now_ms);
/*
 * The kubelet's admission under node pressure for a new pod object on n:
 * NULL to admit, else the message ("The node had condition: [...]. ").
 */
const char *eviction_admit(struct sim_node *n, const struct kobj *pod,
	    char *msg, size_t len);

/*
 * What the eviction manager ranks a pod by: its QoS class (enum pod_qos),
 * whether it is critical, its priority.
 */
void	eviction_pod_rank(const struct kobj *pod, int *qos, bool *critical,
	    int64_t *priority);

/* Drop every simulated pod. */
void	pod_teardown(struct ksim *ks);

#endif
