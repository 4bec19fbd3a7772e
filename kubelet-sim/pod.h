/*
 * Map header of the pod side of ckube-kubelet-sim (pod.c: lifecycle,
 * pod_status.c: the status written to the apiserver).
 */
#ifndef KUBELET_SIM_POD_H
#define KUBELET_SIM_POD_H

#include <stdbool.h>
#include <stdint.h>

#include "ckube/ck.h"
#include "ckube/rfc3339.h"
#include "ctr_log.h"
#include "kubelet_sim.h"
#include "podsim.h"
#include "podspec.h"

struct kobj;
struct strbuf;

/* The pod's resolv.conf, written once when it starts (resolv.h). */
#define ANN_RESOLV_CONF	"sim.ckube.io/resolv-conf"

/*
 * What the eviction manager and /stats/summary read of an app container,
 * read from the spec and the sim.ckube.io/ annotations when they change.
 */
struct ctr_res {
	int64_t		cpu_milli;	/* sim.ckube.io/cpu-usage */
	int64_t		usage[3];	/* memory, disk, inodes usage */
	int64_t		req_memory, req_disk;	/* requests (or limits) */
};

/*
 * One simulated pod: a compact record made from the pod object when it
 * arrives. The object itself is not kept (the informer's cache holds a
 * stub of it); exec, the one path that needs the full spec (env), GETs it.
 */
struct sim_pod {
	struct timer	timer;
	struct ksim	*ks;
	struct sim_node	*node;
	/* node's pod list (pod lock): a node's pods without a walk of all */
	struct sim_pod	*node_next, **node_pprev;
	/*
	 * One allocation "ns\0name\0ns/name\0uid\0[hostname\0]": thousands
	 * of pods per process.
	 */
	char		*ns, *name;
	char		*key;		/* "ns/name", the strmap key (borrowed) */
	char		*uid;
	char		*hostname;	/* spec.hostname or the pod name */
	char		ip[32];
	int64_t		start_s;	/* status.startTime, s since the epoch */
	const char	*ann_key;	/* mirror annotation (static), or NULL */
	/* Interned (intern.h); one array: init names, app names, images. */
	const char	**init_names, **app_names, **images;
	char		**echo;		/* per container: echo lines; or NULL */
	struct ctr_log	*logs;		/* per container: init then app */
	struct ctr_sim	*ctrs;		/* init then app */
	struct probe	*probes;	/* one per probe of the pod, or NULL */
	struct ctr_res	*res;		/* per app container */
	char		*claims;	/* "vol\0claim\0...\0": PVC volumes, or NULL */
	char		*resolv;	/* ANN_RESOLV_CONF still to write, or NULL */
	struct pod_sim	ps;
	struct sim_usage {		/* sim.ckube.io/ usage annotations */
		int64_t	memory_bytes, disk_bytes, inodes;
	}		use;
	struct res_list	req;		/* effective requests */
	uint64_t	 last_status;	/* hash of the status last written, 0: none */
	uint64_t	 last_mirror;	/* ... of init-container-statuses */
	const char	*reject_reason;	/* admission failure, static */
	char		*reject_msg;	/* with reject_reason */
	char		*evict_msg;	/* evicted: the status message */
	int64_t		priority;	/* spec.priority */
	int32_t		grace_s;	/* spec.terminationGracePeriodSeconds */
	int		qos;		/* enum pod_qos (status.qosClass) */
	/* (the bools last: no padding between them) */
	bool		critical;	/* never evicted */
	bool		counted;	/* req and usage added to the node */
	bool		evicted;	/* by the eviction manager: Failed */
	bool		deleting, gone;
	bool		resolv_done;	/* ANN_RESOLV_CONF was queued */
	bool		mounted;	/* every claim was Bound: containers may start */
	int64_t		mount_warned_ms;	/* last FailedMount event */
};

/*
 * The pod lock guards the pod map, every pod's podsim state and logs
 * between the main loop (writer) and the HTTP thread (the log reader).
 */
void	pod_lock(void);
void	pod_unlock(void);
/* Call fn on every pod (pod lock held). */
void	pod_foreach(void (*fn)(const struct sim_pod *p, void *arg), void *arg);
/*
 * Call fn on every pod of node n (pod lock held): a node's share, not a walk
 * of every pod (/stats/summary is asked once per node).
 */
void	pod_foreach_on_node(const struct sim_node *n,
	    void (*fn)(const struct sim_pod *p, void *arg), void *arg);
/* Our node name, or NULL. */
struct sim_node *pod_node_find(struct ksim *ks, const char *name);
/* The pod ns/name, or NULL (pod lock held). */
struct sim_pod *pod_find(const char *ns, const char *name);
/* Container name's index (init then app) in p, or -1. */
int	pod_container_index(const struct sim_pod *p, const char *name);
/* A container of a pod, for pod_started_line. */
struct pod_ctr_ref {
	const struct sim_pod	*p;
	size_t			ci;	/* init then app */
};

/*
 * ctr_log_render's started line of a container (arg: a pod_ctr_ref):
 * "[ckube-sim] started container NAME (image IMAGE, hostname H, restart N)".
 */
void	pod_started_line(const void *arg, int restarts, struct strbuf *sb);

/* p's status.startTime (RFC 3339) into buf. */
void	pod_start_time(const struct sim_pod *p, char buf[RFC3339_MAX]);

/* Wall-clock ms of a monotonic ms time. */
int64_t	pod_wall_ms(int64_t mono_ms);

/*
 * The eviction manager's kill: stop p's containers with grace_s, then p
 * stays Failed / Evicted with msg (copied), never restarted; a Warning
 * Evicted event. Main loop only.
 */
void	pod_evict(struct sim_pod *p, int64_t grace_s, const char *msg,
	    int64_t now_ms);
/* p still runs containers after pod_evict (the next pass waits). */
bool	pod_evicting(const struct sim_pod *p);

/* A kubelet Event about p (events_record with p as the involved object). */
void	pod_event(const struct sim_pod *p, const char *type,
	    const char *reason, const char *fmt, ...) CK_PRINTF(4, 5);

/* Write p's status (and the 1.3 annotation mirror) if it changed. */
void	pod_write_status(struct sim_pod *p);
/* The server's Ready condition is False where ours is not (see pod_status.c). */
bool	pod_ready_differs(const struct sim_pod *p, const struct kobj *obj);

#endif
