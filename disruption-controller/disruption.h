/*
 * disruption.h: the map header of ckube-disruption-controller, which
 * computes the status of PodDisruptionBudgets (policy/v1): expected, desired
 * and current healthy pods, the disruptions allowed, the disrupted pods the
 * eviction API recorded, and the DisruptionAllowed condition (semantics.md
 * 4(b), Kubernetes' pkg/controller/disruption). Queue keys are budget keys
 * "ns/name".
 */
#ifndef DISRUPTION_H
#define DISRUPTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct cJSON;
struct controller;
struct kobj;

/* A disruptedPods entry older than this is dropped (DeletionTimeout). */
#define PDB_DELETION_TIMEOUT_S	120

/* pdb_status.c: the pure computation. */

/* An IntOrString of the spec: an integer or "N%". */
struct pdb_intstr {
	bool	set;
	bool	pct;
	int64_t	val;
};

struct pdb_spec {
	struct pdb_intstr	min_available;
	struct pdb_intstr	max_unavailable;
};

/*
 * spec.minAvailable / maxUnavailable of a budget's JSON. CK_EINVALID, with
 * a message in err, for a value that is neither an integer >= 0 nor "N%".
 */
int	pdb_spec_parse(const struct cJSON *spec, struct pdb_spec *out,
	    char *err, size_t errsize);
/* Whether the expected count comes from the controllers' scales. */
bool	pdb_spec_needs_scale(const struct pdb_spec *s);
/* v of total: an integer as is, a percent rounded up (GetScaledValue...). */
int64_t	pdb_scaled(const struct pdb_intstr *v, int64_t total);
/*
 * expectedPods and desiredHealthy: npods are the selected pods, scale_sum
 * the sum of their distinct controllers' scales (read only when
 * pdb_spec_needs_scale). maxUnavailable wins when both are set.
 */
void	pdb_expected_desired(const struct pdb_spec *s, int64_t npods,
	    int64_t scale_sum, int64_t *expected, int64_t *desired);

/* What the computation needs of one selected pod. */
struct pdb_pod {
	const char	*name;
	bool		 ready;		/* Ready condition True */
	bool		 terminating;	/* deletionTimestamp set */
};

/*
 * Prune status.disruptedPods (old, may be NULL): an entry stays while its
 * pod exists, is not terminating and the entry is younger than
 * PDB_DELETION_TIMEOUT_S at now. Returns the new map (yours; empty object
 * when nothing stays); *recheck gets the earliest expiry of a kept entry
 * (0: none); expired(name, arg) is called for each entry dropped for age.
 */
struct cJSON *pdb_prune_disrupted(const struct cJSON *old,
	    const struct pdb_pod *pods, size_t n, time_t now, time_t *recheck,
	    void (*expired)(const char *name, void *arg), void *arg);
/* Ready pods, not terminating, not in disrupted (the pruned map). */
int64_t	pdb_current_healthy(const struct pdb_pod *pods, size_t n,
	    const struct cJSON *disrupted);
/* currentHealthy - desiredHealthy, at least 0, and 0 when expected <= 0. */
int64_t	pdb_disruptions_allowed(int64_t current, int64_t desired,
	    int64_t expected);

/* One computed status. */
struct pdb_result {
	int64_t		 expected;
	int64_t		 desired;
	int64_t		 current;
	int64_t		 allowed;
	int64_t		 generation;	/* observedGeneration to write */
	struct cJSON	*disrupted;	/* borrowed */
};
/*
 * The new status from r and the old one (conditions kept, DisruptionAllowed
 * set True/SufficientPods or False/InsufficientPods; its
 * lastTransitionTime moves to now_ts only when its status changes). Yours.
 */
struct cJSON *pdb_status_build(const struct cJSON *old_status,
	    const struct pdb_result *r, const char *now_ts);
/*
 * The fail-safe status: old with disruptionsAllowed 0 and DisruptionAllowed
 * False/SyncFailed carrying msg. Yours.
 */
struct cJSON *pdb_status_fail_safe(const struct cJSON *old_status,
	    const char *msg, const char *now_ts);

/* disruption.c: the controller. */
int	disruption_reconcile(struct controller *c, const char *key);
/* Watch handlers: the budgets covering a pod; every budget of a namespace. */
void	disruption_map_pdb(struct controller *c, const struct kobj *obj);
/* The pods cache keeps the pods a budget selects (watch_spec.want). */
bool	disruption_want_pod(struct controller *c, const struct kobj *pod);
void	disruption_map_pod(struct controller *c, const struct kobj *obj);
void	disruption_map_owner(struct controller *c, const struct kobj *obj);

#endif
