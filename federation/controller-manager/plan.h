/*
 * plan.h: the federated ReplicaSet planner (semantics.md 8(d)), pure: it
 * spreads N replicas over the Ready clusters by the
 * federation.kubernetes.io/replica-set-preferences annotation.
 */
#ifndef FCM_PLAN_H
#define FCM_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PLAN_ANNOTATION	"federation.kubernetes.io/replica-set-preferences"
#define PLAN_NAME_MAX	254
#define PLAN_MAX_PREFS	64

/* One "clusters" entry: a cluster name or "*". */
struct plan_pref {
	char	 name[PLAN_NAME_MAX];
	int64_t	 min_replicas;
	int64_t	 max_replicas;	/* -1: no maximum */
	int64_t	 weight;
};

struct plan_prefs {
	bool		 rebalance;
	size_t		 n;
	struct plan_pref prefs[PLAN_MAX_PREFS];
};

/* One Ready cluster: in, its running replicas (-1: none); out, its share. */
struct plan_cluster {
	const char	*name;
	int64_t		 current;
	int64_t		 planned;
};

/* The default preferences: {"clusters": {"*": {"weight": 1}}}. */
void	plan_prefs_default(struct plan_prefs *p);
/*
 * Parse the annotation's JSON (NULL: the default). 0, or CK_EINVALID with a
 * message in err (bad JSON, negative numbers, too many clusters).
 */
int	plan_prefs_parse(const char *json, struct plan_prefs *p, char *err,
	    size_t errlen);
/*
 * Fill clusters[i].planned for replicas over the n clusters; key is the
 * "ns/name" of the ReplicaSet (ties in weight break on a hash of cluster
 * name + key). Clusters without a matching entry get 0.
 */
void	plan_replicas(const struct plan_prefs *p, int64_t replicas,
	    const char *key, struct plan_cluster *clusters, size_t n);

#endif
