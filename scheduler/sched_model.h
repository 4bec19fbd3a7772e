/*
 * sched_model.h: ckube-scheduler's model and algorithm, without the network.
 *
 * A pod and a node are parsed once into plain structs (sched_pod,
 * sched_node: requests, labels, taints, tolerations, affinity terms,
 * conditions), so a scheduling attempt never walks JSON. struct cluster
 * keeps every node and every pod that occupies a node (bound, or assumed
 * while its binding is in flight), updated incrementally from informer
 * events (cluster.c). sched_find() runs the filter table, then the score
 * table over the feasible nodes (algo.c); each filter and score is one file
 * (filter_*.c, score_*.c).
 *
 * Nothing here locks: the daemon (sched.c) holds one mutex around every
 * call into the cluster.
 */
#ifndef CKUBE_SCHED_MODEL_H
#define CKUBE_SCHED_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct cJSON;
struct kobj;
struct label_selector;
struct strmap;

#define SCHED_MAX_SCORE		100
/* What a container without requests counts as for scoring (Kubernetes). */
#define SCHED_DEFAULT_CPU_MILLI	100
#define SCHED_DEFAULT_MEM	(200ll * 1024 * 1024)

/* cpu in milli-cores, memory and ephemeral-storage in bytes, pods count. */
struct sched_res {
	int64_t	cpu;
	int64_t	mem;
	int64_t	eph;
	int64_t	pods;
};

enum sched_effect {
	EFFECT_ANY = 0,			/* a toleration without effect */
	EFFECT_NO_SCHEDULE,
	EFFECT_PREFER_NO_SCHEDULE,
	EFFECT_NO_EXECUTE,
};

struct sched_taint {
	char			*key;
	char			*value;		/* "" when absent */
	enum sched_effect	 effect;
};

struct sched_toleration {
	char			*key;		/* "" with exists: every key */
	char			*value;
	bool			 exists;	/* operator Exists */
	enum sched_effect	 effect;	/* EFFECT_ANY: every effect */
};

enum sched_op { OP_IN, OP_NOT_IN, OP_EXISTS, OP_DOES_NOT_EXIST, OP_GT, OP_LT,
	OP_BAD };

/* One NodeSelectorRequirement (matchExpressions, or matchFields on name). */
struct sched_req {
	char		*key;
	enum sched_op	 op;
	char		**values;
	size_t		 nvalues;
	bool		 field;		/* matchFields: key is metadata.name */
};

/* A NodeSelectorTerm: its requirements ANDed. */
struct sched_term {
	struct sched_req	*reqs;
	size_t			 nreqs;
};

struct sched_pref {
	int64_t			 weight;
	struct sched_term	 term;
};

struct sched_port {
	int	port;
	char	proto[8];	/* TCP, UDP, SCTP */
	char	ip[48];		/* "" or 0.0.0.0: every address */
};

/* A required PodAffinityTerm. */
struct sched_podterm {
	struct label_selector	*sel;
	char			**namespaces;	/* none: the pod's own */
	size_t			 nns;
	char			*topology_key;
};

struct sched_pod {
	char			*key;		/* ns/name */
	char			*uid;
	char			*ns;
	char			*rv;
	struct kobj		*obj;		/* a reference: labels */
	struct sched_res	 req;		/* effective request, pods 1 */
	int64_t			 nz_cpu;	/* requests with defaults */
	int64_t			 nz_mem;
	bool			 best_effort;
	char			*owner_uid;	/* controller owner, or NULL */
	char			**sel_keys;	/* spec.nodeSelector */
	char			**sel_vals;
	size_t			 nsel;
	struct sched_term	*terms;		/* required node affinity (OR) */
	size_t			 nterms;
	bool			 has_required;	/* terms present (even empty) */
	struct sched_pref	*prefs;
	size_t			 nprefs;
	struct sched_toleration	*tols;
	size_t			 ntols;
	struct sched_port	*ports;
	size_t			 nports;
	struct sched_podterm	*aff;		/* required pod affinity */
	size_t			 naff;
	struct sched_podterm	*anti;		/* required pod anti-affinity */
	size_t			 nanti;

	int64_t			 priority;	/* spec.priority, 0 */
	bool			 preempt_never;	/* preemptionPolicy Never */
	bool			 terminating;	/* deletionTimestamp set */

	/* cluster bookkeeping */
	int			 node;		/* index, or -1 */
	size_t			 slot;		/* in the node's pod list */
	bool			 assumed;	/* not yet seen bound */
	uint64_t		 expire_ms;	/* assumed and bound: forget at */
	size_t			 anti_slot;	/* in cluster.anti, if nanti */
};

/* Hot fields first: a scheduling attempt reads only the first two lines. */
struct sched_node {
	bool			 present;	/* false: deleted, slot kept */
	bool			 ready;
	bool			 unreachable;	/* Ready Unknown */
	bool			 unschedulable;
	bool			 mem_pressure;
	bool			 disk_pressure;
	int			 idx;		/* in cluster.nodes */
	int			 zone;		/* index in cluster.zones, -1 */
	size_t			 ntaints;
	size_t			 npods;
	struct sched_res	 alloc;
	struct sched_res	 req;		/* bound and assumed pods */
	int64_t			 nz_cpu;
	int64_t			 nz_mem;
	struct sched_taint	*taints;
	struct sched_pod	**pods;
	const struct cJSON	*labels;
	char			*name;
	struct kobj		*obj;		/* a reference: labels */
	uint64_t		 sig;		/* of what scheduling reads */
	size_t			 podcap;
};

/* Pods of one controller owner per node and per zone (the spread score). */
struct sched_owner {
	char		*uid;
	int32_t		*per_node;
	size_t		 nodecap;
	int32_t		*per_zone;
	size_t		 zonecap;
	int64_t		 total;
};

struct cluster {
	struct sched_node	**nodes;	/* by index; slots are reused */
	size_t			  nnodes;	/* slots used */
	size_t			  nodecap;
	size_t			  npresent;
	struct strmap		 *node_by_name;
	struct strmap		 *pods;		/* key -> sched_pod */
	struct strmap		 *owners;	/* uid -> sched_owner */
	char			**zones;
	size_t			  nzones;
	struct sched_pod	**anti;		/* placed pods with anti terms */
	size_t			  nanti;
	size_t			  anticap;
	size_t			  next_start;	/* round robin over nodes */
	size_t			  nexpiring;	/* assumed pods with expire_ms */
	uint64_t		  rng;
};

/* pod.c, node.c: parse objects (never fail: a bad part matches nothing). */
/* A string member of o, or NULL; a quantity member (milli units or whole), 0 if absent or bad. */
const char		*sched_jstr(const struct cJSON *o, const char *k);
int64_t			 sched_qty(const struct cJSON *o, const char *k, bool milli);
struct sched_pod	*sched_pod_new(const struct kobj *obj);
void			 sched_pod_free(struct sched_pod *p);
/* The scheduler name a pending pod asks for ("default-scheduler"). */
const char		*sched_pod_scheduler(const struct kobj *obj);
/* Succeeded or Failed: no longer occupies its node. */
bool			 sched_pod_terminal(const struct kobj *obj);
/* Fill n (name, obj kept) from obj; zone is left to the cluster. */
void			 sched_node_parse(struct sched_node *n,
			    const struct kobj *obj);
void			 sched_node_clear(struct sched_node *n);
/* The node's label value, or NULL. */
const char		*sched_node_label(const struct sched_node *n,
			    const char *key);
/* Whether the node's labels and name satisfy a term / requirement. */
bool			 sched_term_matches(const struct sched_term *t,
			    const struct sched_node *n);
bool			 sched_tolerates(const struct sched_pod *p,
			    const char *key, const char *value,
			    enum sched_effect effect);

/* cluster.c */
void			 cluster_init(struct cluster *cl, uint64_t seed);
void			 cluster_fini(struct cluster *cl);
/* Add or update a node from its object; returns true if what the
 * filters read changed (a reason to retry unschedulable pods). */
bool			 cluster_node_set(struct cluster *cl,
			    const struct kobj *obj);
/* Delete the node named name (its pods keep their slot). */
bool			 cluster_node_delete(struct cluster *cl,
			    const char *name);
/* The node's index, or -1. */
int			 cluster_node_index(struct cluster *cl,
			    const char *name);
/*
 * Account pod p (taken) on node idx. assumed: placed by us, not yet seen
 * bound. A pod already accounted under p->key is replaced.
 */
void			 cluster_pod_add(struct cluster *cl,
			    struct sched_pod *p, int idx, bool assumed);
/* Forget the pod accounted under key; true if there was one. */
bool			 cluster_pod_remove(struct cluster *cl,
			    const char *key);
struct sched_pod	*cluster_pod_get(struct cluster *cl, const char *key);
/*
 * Bring the accounting of key in line with obj (the cached pod, NULL when
 * gone): bound and not terminal -> accounted on its node (an assumed pod
 * becomes confirmed); otherwise forgotten, except an assumed pod whose
 * binding is still in flight. Returns true when a pod stopped occupying
 * a node (resources freed).
 */
bool			 cluster_pod_sync(struct cluster *cl, const char *key,
			    const struct kobj *obj);
/* The assumed pod p was bound: forget it at expire_ms unless confirmed. */
void			 cluster_pod_expire_at(struct cluster *cl,
			    struct sched_pod *p, uint64_t expire_ms);
/* Forget assumed pods whose expire_ms passed; returns how many. */
size_t			 cluster_expire(struct cluster *cl, uint64_t now_ms);
/* The zone index of a zone name (added when new). */
int			 cluster_zone(struct cluster *cl, const char *zone);
/* Pods of owner uid on node idx (0 when none). */
int32_t			 cluster_owner_on_node(struct cluster *cl,
			    const char *uid, int idx);

/* algo.c */

/* Failure reasons: "Insufficient cpu" -> how many nodes. */
struct sched_reasons {
	struct {
		char	text[160];
		int	count;
	}		 r[16];
	size_t		 n;
};
void			 sched_reason_add(struct sched_reasons *rs,
			    const char *text);

/* Per attempt: what the pod-affinity filter precomputed. */
struct sched_cycle {
	struct cluster		*cl;
	const struct sched_pod	*pod;
	const struct sched_owner *owner;	/* the pod's, or NULL */
	struct strmap		**aff_vals;	/* per aff term: topology values */
	bool			 *aff_any;	/* a pod matches the term */
	struct strmap		**anti_vals;	/* per anti term */
	/* existing pods' anti terms against this pod: key -> values */
	char			**sym_keys;
	struct strmap		**sym_vals;
	size_t			  nsym;
};

/*
 * A filter: 0 when n can run the pod, else nonzero after adding its reasons
 * to rs (NULL: no reasons wanted, the fast path).
 */
struct sched_filter {
	const char	*name;
	int		(*fn)(const struct sched_cycle *cy,
			    const struct sched_node *n,
			    struct sched_reasons *rs);
};

/*
 * A score: raw value per feasible node, then normalize (may be NULL: the
 * raw value is already 0..SCHED_MAX_SCORE) over all of them.
 */
struct sched_score {
	const char	*name;
	int64_t		 weight;
	int64_t		(*fn)(const struct sched_cycle *cy,
			    const struct sched_node *n);
	void		(*normalize)(const struct sched_cycle *cy,
			    struct sched_node *const *nodes, int64_t *scores,
			    size_t n);
};

extern const struct sched_filter sched_filters[];
extern const size_t sched_nfilters;
extern const struct sched_score sched_scores[];
extern const size_t sched_nscores;

struct sched_result {
	int		node;		/* chosen index, -1: none fits */
	size_t		evaluated;	/* nodes filtered */
	size_t		feasible;
	char		message[512];	/* "0/3 nodes are available: ..." */
};

/*
 * How many feasible nodes to look for among n (percentage 0: Kubernetes'
 * adaptive 50 - n/125, at least 5 %; never below 100 nodes).
 */
size_t			 sched_nodes_to_find(size_t n, int percentage);

/* Choose a node for p. */
void			 sched_find(struct cluster *cl,
			    const struct sched_pod *p, int percentage,
			    struct sched_result *out);

/* Whether every filter passes p on n (n may be a modified copy). */
bool			 sched_fits(struct cluster *cl,
			    const struct sched_pod *p,
			    const struct sched_node *n);

/*
 * preempt.c (Kubernetes' DefaultPreemption, simplified): when p fits
 * nowhere, the node where evicting pods of lower priority lets it fit,
 * with the victims (keys, yours: sched_victims_fini). Per node every
 * lower-priority pod is removed, then the highest ones are given back while
 * p still fits (selectVictimsOnNode); among nodes the lowest highest
 * victim priority wins, then the lowest sum, then the fewest victims
 * (pickOneNodeForPreemption). false: none, or p must not preempt, or a
 * preemption for it is already under way (lower pods terminating on its
 * nominated node).
 */
struct sched_victims {
	int	  node;
	char	**keys;
	size_t	  n;
};
bool			 sched_preempt(struct cluster *cl,
			    const struct sched_pod *p, const char *nominated,
			    struct sched_victims *out);
void			 sched_victims_fini(struct sched_victims *v);

/* The filters and scores (filter_*.c, score_*.c). */
int	filter_node_ready(const struct sched_cycle *, const struct sched_node *,
	    struct sched_reasons *);
int	filter_unschedulable(const struct sched_cycle *,
	    const struct sched_node *, struct sched_reasons *);
int	filter_pressure(const struct sched_cycle *, const struct sched_node *,
	    struct sched_reasons *);
int	filter_node_affinity(const struct sched_cycle *,
	    const struct sched_node *, struct sched_reasons *);
int	filter_taints(const struct sched_cycle *, const struct sched_node *,
	    struct sched_reasons *);
int	filter_ports(const struct sched_cycle *, const struct sched_node *,
	    struct sched_reasons *);
int	filter_resources(const struct sched_cycle *, const struct sched_node *,
	    struct sched_reasons *);
int	filter_pod_affinity(const struct sched_cycle *,
	    const struct sched_node *, struct sched_reasons *);
/* The pod-affinity filter's per-attempt state (algo.c calls them). */
void	pod_affinity_prepare(struct sched_cycle *cy);
void	pod_affinity_release(struct sched_cycle *cy);
bool	pod_term_matches(const struct sched_podterm *t, const char *term_ns,
	    const struct sched_pod *other);

int64_t	score_least_allocated(const struct sched_cycle *,
	    const struct sched_node *);
int64_t	score_balanced(const struct sched_cycle *, const struct sched_node *);
int64_t	score_spread(const struct sched_cycle *, const struct sched_node *);
void	score_spread_normalize(const struct sched_cycle *,
	    struct sched_node *const *,
	    int64_t *, size_t);
int64_t	score_taints(const struct sched_cycle *, const struct sched_node *);
void	score_taints_normalize(const struct sched_cycle *,
	    struct sched_node *const *,
	    int64_t *, size_t);
int64_t	score_node_affinity(const struct sched_cycle *,
	    const struct sched_node *);
void	score_max_normalize(const struct sched_cycle *,
	    struct sched_node *const *,
	    int64_t *, size_t);

#endif
