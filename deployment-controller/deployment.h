/*
 * deployment.h: the files of ckube-deployment-controller. deployment.c is
 * the reconcile (Kubernetes' pkg/controller/deployment sync, rolling,
 * recreate and progress); dep_math.c the pure replica arithmetic;
 * dep_util.c reading and building Deployment and ReplicaSet objects;
 * dep_control.c the writes.
 */
#ifndef DEPLOYMENT_H
#define DEPLOYMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ckube/ck.h"

struct cJSON;
struct controller;
struct kobj;

#define DEP_LABEL_HASH		"pod-template-hash"
#define DEP_ANN_REVISION	"deployment.kubernetes.io/revision"
#define DEP_ANN_DESIRED	"deployment.kubernetes.io/desired-replicas"
#define DEP_ANN_MAX	"deployment.kubernetes.io/max-replicas"
#define DEP_ANN_HISTORY	"deployment.kubernetes.io/revision-history"

#define DEP_DEFAULT_DEADLINE	600	/* progressDeadlineSeconds */
#define DEP_DEFAULT_HISTORY	10	/* revisionHistoryLimit */

/* One ReplicaSet the deployment owns, as this reconcile last saw it. */
struct dep_rs {
	struct kobj	*obj;		/* the cache's or a write's result */
	int64_t		 replicas;	/* spec.replicas */
	int64_t		 status_replicas;
	int64_t		 ready;
	int64_t		 available;
	int64_t		 revision;	/* the revision annotation, 0 if none */
};

/* What one reconcile knows about a Deployment. */
struct dep_state {
	struct controller *c;
	struct kobj	*d;		/* the deployment (reference) */
	int64_t		 replicas;	/* spec.replicas (default 1) */
	bool		 recreate;	/* Recreate, else RollingUpdate */
	int64_t		 max_surge;	/* resolved against replicas */
	int64_t		 max_unavailable;
	struct dep_rs	*rs;		/* owned ReplicaSets, oldest first */
	size_t		 nrs;
	ssize_t		 new_rs;	/* index of the new one, or -1 */
	bool		 created;	/* this reconcile created it */
};

/* ---- dep_math.c: pure arithmetic (Kubernetes deployment/util) ---- */

/*
 * An IntOrString (v: number or "N%", NULL: def_percent%) scaled against
 * total, rounding up or down. Returns 0, or CK_EINVALID for anything else.
 */
int	dep_scaled_value(const struct cJSON *v, int def_percent, int64_t total,
	    bool round_up, int64_t *out) CK_MUST_CHECK;

/*
 * maxSurge (rounded up) and maxUnavailable (rounded down) for desired
 * replicas; both zero makes maxUnavailable 1 (ResolveFenceposts).
 */
int	dep_resolve_fenceposts(const struct cJSON *surge,
	    const struct cJSON *unavail, int64_t desired, int64_t *max_surge,
	    int64_t *max_unavail) CK_MUST_CHECK;

/*
 * The new ReplicaSet's size for a rolling update (NewRSNewReplicas):
 * grow it by what maxSurge leaves room for, never past desired.
 */
int64_t	dep_rolling_new_replicas(int64_t desired, int64_t max_surge,
	    int64_t total_replicas, int64_t new_replicas);

/*
 * How many old pods may go now (reconcileOldReplicaSets): all replicas
 * minus minAvailable minus the new ReplicaSet's unavailable ones.
 */
int64_t	dep_max_scaled_down(int64_t all_replicas, int64_t desired,
	    int64_t max_unavail, int64_t new_replicas, int64_t new_available);

/*
 * Proportional scaling when spec.replicas changes mid-rollout: target[i]
 * for each of n active ReplicaSets, oldest first (sizes[i], max-replicas
 * annotation maxann[i] or -1), so that the sum becomes desired + maxSurge
 * (0 when desired is 0); the biggest one takes the rounding leftover.
 * status_replicas stands in for a missing annotation.
 */
void	dep_proportional(const int64_t *sizes, const int64_t *maxann,
	    size_t n, int64_t desired, int64_t max_surge,
	    int64_t status_replicas, int64_t *target);

/*
 * Drop what a typed round trip adds or loses (null, {} and [] members, as
 * Kubernetes' semantic equality ignores them) and the pod-template-hash
 * label, in place.
 */
void	dep_template_normalize(struct cJSON *tmpl);

/* The pod-template-hash of a template: FNV-1a over canonical JSON. */
uint32_t dep_template_hash(const struct cJSON *tmpl, int64_t collisions);

/* The hash as Kubernetes spells it (rand.SafeEncodeString of decimal). */
void	dep_hash_string(uint32_t h, char *buf, size_t size);

/* ---- dep_util.c: reading and building objects ---- */

/* Fill st from the deployment d (reference taken); CK_EINVALID on bad spec. */
int	dep_state_init(struct dep_state *st, struct controller *c,
	    const struct kobj *d) CK_MUST_CHECK;
void	dep_state_fini(struct dep_state *st);
/* Add an owned ReplicaSet (reference taken), keep the array oldest first. */
void	dep_state_add_rs(struct dep_state *st, const struct kobj *rs);
/* Refresh rs[i] from obj (reference taken), e.g. a write's result. */
void	dep_rs_set(struct dep_rs *r, const struct kobj *obj);

/*
 * Whether two pod templates are equal once pod-template-hash and blank
 * members are ignored (EqualIgnoreHash).
 */
bool	dep_templates_equal(const struct cJSON *a, const struct cJSON *b);

/* The highest revision among the ReplicaSets but skip (-1: none). */
int64_t	dep_max_revision(const struct dep_state *st, ssize_t skip);

/* Sum over ReplicaSets of a field; skip -1 means all. */
int64_t	dep_sum_replicas(const struct dep_state *st);
int64_t	dep_sum_available(const struct dep_state *st);

/*
 * The ReplicaSet for d's current template (not created): name
 * <deployment>-<hash>, pod-template-hash label on selector and template,
 * controller ownerReference, annotations. A new object.
 */
struct kobj *dep_new_rs_object(const struct dep_state *st,
	    int64_t replicas, int64_t revision);

/*
 * Copy d's annotations (those not owned by the controller), the revision
 * when higher, and the replicas annotations (when set_replicas) onto rs.
 * Returns whether anything changed (SetNewReplicaSetAnnotations).
 */
bool	dep_rs_set_annotations(const struct dep_state *st, struct kobj *rs,
	    int64_t revision, bool set_replicas);
/* Set the desired/max-replicas annotations; whether they changed. */
bool	dep_rs_set_replicas_annotations(const struct dep_state *st,
	    struct kobj *rs);
/* Whether desired/max-replicas annotations differ from what d wants. */
bool	dep_rs_replicas_annotations_stale(const struct dep_state *st,
	    const struct kobj *rs);

/* Whether obj's controller ownerReference has uid. */
bool	dep_controlled_by(const struct kobj *obj, const char *uid);
/* An ownerReferences entry naming d as controller (a new item). */
struct cJSON *dep_owner_ref(const struct kobj *d);

/*
 * The status Kubernetes' calculateStatus gives, conditions of d kept and
 * Available set. A new cJSON object.
 */
struct cJSON *dep_calculate_status(const struct dep_state *st);

/*
 * Set condition type in status.conditions (status: a cJSON object):
 * unchanged when status and reason already match, the transition time
 * kept when only the reason changes (SetDeploymentCondition).
 */
void	dep_set_condition(struct cJSON *status, const char *type,
	    const char *cstatus, const char *reason, const char *message);
/* The same, but always rewritten (lastUpdateTime now). */
void	dep_refresh_condition(struct cJSON *status, const char *type,
	    const char *cstatus, const char *reason, const char *message);
const struct cJSON *dep_get_condition(const struct cJSON *status,
	    const char *type);
void	dep_remove_condition(struct cJSON *status, const char *type);

/* progressDeadlineSeconds (default 600), or -1 when it is disabled. */
int64_t	dep_progress_deadline(const struct kobj *d);

/* A condition's string field ("" when absent). */
const char *dep_cond_str(const struct cJSON *cond, const char *key);

/*
 * Milliseconds until the Progressing condition's lastUpdateTime plus the
 * deadline (<= 0: passed), or INT64_MAX when it has none.
 */
int64_t	dep_deadline_left_ms(const struct kobj *d, const struct cJSON *status);

/* ---- dep_control.c: writes ---- */

/*
 * Scale rs[i] to n and refresh the desired/max-replicas annotations; an
 * Event when the size changes. Returns 1 when the size changed, 0 when it
 * did not (annotations may still have been written), or a negative CK_E*.
 */
int	dep_scale_rs(struct dep_state *st, size_t i, int64_t n);
/* Create the new ReplicaSet with replicas; it becomes st->new_rs. */
int	dep_create_new_rs(struct dep_state *st, int64_t replicas);
/* Bring the existing new ReplicaSet's annotations up to date. */
int	dep_sync_new_rs(struct dep_state *st, int64_t revision);
/* Set d's revision annotation (an update of the Deployment). */
int	dep_set_revision(struct dep_state *st, int64_t revision);
/* Make rs (an orphan matching d's selector) owned by d. */
int	dep_adopt_rs(struct dep_state *st, const struct kobj *rs);
/* Delete rs[i] (history cleanup). */
int	dep_delete_rs(struct dep_state *st, size_t i);
/* Write status (consumed) when it differs from d's. */
int	dep_write_status(struct dep_state *st, struct cJSON *status);

/* ---- deployment.c ---- */

/* WATCH_MAPPED pods: enqueue the Recreate Deployment a pod belongs to. */
void	deployment_map_pod(struct controller *c, const struct kobj *pod);
/* controller_def.init: the pods cache gets the controller-uid index. */
int	deployment_init(struct controller *c);
/* controller_def.reconcile: one sync of the Deployment key ("ns/name"). */
int	deployment_reconcile(struct controller *c, const char *key);

#endif
