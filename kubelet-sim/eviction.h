/*
 * The kubelet's eviction manager of ckube-kubelet-sim (semantics.md section
 * 6), pure: threshold flags parsed into a config (eviction_config.c), the
 * signals observed from a node's simulated usage, and one pass of 6(c) over
 * explicit times (met thresholds, pressure conditions with the transition
 * period, node-level disk reclaim, ranking, one victim with its grace and
 * message), plus the admission rule under pressure (eviction.c). No clock,
 * no I/O: the caller (eviction_node.c) feeds usage and pods and acts on the
 * result, so the tests drive it with a fake clock.
 */
#ifndef KUBELET_SIM_EVICTION_H
#define KUBELET_SIM_EVICTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/quantity.h"

/* In the order the manager picks a starved resource: memory first. */
enum evict_signal {
	EV_SIG_MEMORY,		/* memory.available */
	EV_SIG_NODEFS,		/* nodefs.available */
	EV_SIG_NODEFS_INODES,	/* nodefs.inodesFree */
	EV_SIG_IMAGEFS,		/* imagefs.available */
	EV_SIG_IMAGEFS_INODES,	/* imagefs.inodesFree */
	EV_SIG_COUNT
};

/* Node conditions: MemoryPressure, DiskPressure. */
enum evict_cond { EV_COND_MEMORY, EV_COND_DISK, EV_COND_COUNT };

/* What pods are ranked by: memory bytes, disk bytes, inodes. */
enum evict_res { EV_RES_MEMORY, EV_RES_DISK, EV_RES_INODES, EV_RES_COUNT };

/* --eviction-ranking: modern priority order (default) or 1.3 QoS order. */
enum evict_ranking { EV_RANK_PRIORITY, EV_RANK_QOS };

enum pod_qos { QOS_BEST_EFFORT, QOS_BURSTABLE, QOS_GUARANTEED };

#define EV_MAX_THRESHOLDS	(2 * EV_SIG_COUNT)	/* hard and soft */

/* A quantity or a fraction of the signal's capacity ("10%"). */
struct evict_quantity {
	bool			is_pct;
	double			pct;		/* 0..1 */
	int64_t			value;
	enum quantity_format	fmt;		/* as written, for messages */
};

struct evict_threshold {
	enum evict_signal	sig;
	bool			soft;
	struct evict_quantity	q;
	int64_t			grace_ms;	/* soft: --eviction-soft-grace-period */
	struct evict_quantity	min_reclaim;	/* --eviction-minimum-reclaim */
};

struct evict_config {
	struct evict_threshold	th[EV_MAX_THRESHOLDS];
	size_t			nth;
	int64_t			max_pod_grace_s;	/* --eviction-max-pod-grace-period */
	int64_t			transition_ms;	/* --eviction-pressure-transition-period */
	enum evict_ranking	ranking;
};

/*
 * Parse the kubelet's eviction flags into cfg (thresholds only; the caller
 * sets max_pod_grace_s, transition_ms and ranking). hard and soft are
 * "<signal><<quantity|percent%>" lists joined by commas; grace is
 * "<signal>=<duration>,..." and min_reclaim "<signal>=<quantity|percent%>,...";
 * any may be NULL or "". "0%" and "100%" thresholds are ignored (as the
 * kubelet does). Returns 0, or CK_EINVALID with the kubelet's message in
 * err: unknown signal, bad syntax, quantity or percentage, duplicate signal,
 * soft threshold without a grace period.
 */
int	evict_config_parse(struct evict_config *cfg, const char *hard,
	    const char *soft, const char *grace, const char *min_reclaim,
	    char *err, size_t errlen);

/* "memory.available"...; NULL for an out-of-range value. */
const char *evict_signal_name(enum evict_signal s);
/* The signal named name, or -1. */
int	evict_signal_parse(const char *name, size_t len);
/* The condition a signal drives. */
enum evict_cond evict_signal_cond(enum evict_signal s);
/* The resource pods are ranked by for a signal. */
enum evict_res evict_signal_res(enum evict_signal s);

/*
 * A node's simulated usage, the input of the signals. imagefs_capacity 0:
 * images live on the nodefs (imagefs signals then observe the nodefs, as a
 * kubelet without a dedicated image filesystem does).
 */
struct evict_usage {
	int64_t	mem_capacity, mem_pods, mem_system;
	int64_t	fs_capacity, fs_pods, fs_system;
	int64_t	fs_dead;		/* dead containers and logs: reclaimable */
	int64_t	inodes_capacity, inodes_pods, inodes_system;
	int64_t	imagefs_capacity;
	int64_t	images_used, images_unused;	/* unused: reclaimable */
};

/* Observed value and capacity of each signal. */
struct evict_obs {
	int64_t	available[EV_SIG_COUNT];
	int64_t	capacity[EV_SIG_COUNT];
};

void	evict_observe(const struct evict_usage *u, struct evict_obs *o);

/* The bytes/inodes a threshold quantity stands for against capacity. */
int64_t	evict_quantity_value(const struct evict_quantity *q, int64_t capacity);

struct evict_ctr {
	const char	*name;
	int64_t		usage[EV_RES_COUNT];
	int64_t		request[EV_RES_COUNT];
};

struct evict_pod {
	const char	*ns, *name;
	enum pod_qos	qos;
	int64_t		priority;	/* spec.priority, 0 when absent */
	bool		critical;	/* never evicted, always admitted */
	int64_t		grace_s;	/* spec.terminationGracePeriodSeconds */
	int64_t		usage[EV_RES_COUNT];
	int64_t		request[EV_RES_COUNT];
	const struct evict_ctr *ctrs;	/* for the message; may be NULL */
	size_t		nctrs;
	void		*arg;		/* the caller's */
};

/* What a manager remembers about one node between passes. */
struct evict_state {
	bool	met[EV_MAX_THRESHOLDS];		/* last pass */
	int64_t	first_met_ms[EV_MAX_THRESHOLDS];	/* -1: not met */
	int64_t	last_observed_ms[EV_COND_COUNT];	/* -1: never */
	bool	pressure[EV_COND_COUNT];
};

void	evict_state_init(struct evict_state *st);

#define EV_MSG_MAX	1024

struct evict_result {
	bool			changed;	/* a condition flipped */
	int			threshold;	/* index acted on, -1: none */
	enum evict_res		resource;
	int64_t			reclaimed_dead;	/* node-level reclaim done */
	int64_t			reclaimed_images;
	const struct evict_pod	*victim;	/* NULL: nobody evicted */
	int64_t			grace_s;
	char			message[EV_MSG_MAX];	/* pod status.message */
};

/*
 * One pass of the manager at now_ms (6(c)): update st (met thresholds,
 * first-seen times, pressure conditions), and when a threshold is
 * actionable pick the starved resource, reclaim dead containers and unused
 * images at node level for disk (u's fs_dead / images_unused zeroed, amounts
 * in out), and, if still short, rank pods and choose one victim. pods may
 * be NULL when n is 0. out->victim points into pods.
 */
void	evict_pass(const struct evict_config *cfg, struct evict_state *st,
	    int64_t now_ms, struct evict_usage *u, const struct evict_pod *pods,
	    size_t n, struct evict_result *out);

/*
 * Whether a pass over u would find a threshold met (so it may need the
 * pods); without one, evict_pass with no pods does the same as with them.
 */
bool	evict_any_met(const struct evict_config *cfg,
	    const struct evict_state *st, const struct evict_usage *u);

/*
 * Sort pods (pointers) in eviction order for resource r: modern (usage
 * above request, lower priority, larger usage - request) or 1.3 (QoS class,
 * then usage - request; disk by usage). Stable: ties keep their order.
 */
void	evict_rank(enum evict_ranking ranking, enum evict_res r,
	    const struct evict_pod **pods, size_t n);

/*
 * The kubelet's admission under pressure: BestEffort pods are refused under
 * MemoryPressure (unless they tolerate node.kubernetes.io/memory-pressure),
 * every pod under DiskPressure, critical pods never. Returns true to admit;
 * otherwise msg gets "The node had condition: [MemoryPressure]. ".
 */
bool	evict_admit(const struct evict_state *st, enum pod_qos qos,
	    bool critical, bool tolerates_memory_pressure, char *msg,
	    size_t len);

/* "BestEffort"... -> enum (BestEffort for NULL/unknown). */
enum pod_qos evict_qos_parse(const char *s);

#endif
