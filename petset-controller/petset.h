/*
 * petset.h: the map header of ckube-petset-controller, which runs the
 * apps/v1 StatefulSets and the 1.3 apps/v1alpha1 PetSets stored with them
 * (semantics.md section 2): pets with stable names, hostnames and claims,
 * created in ordinal order (OrderedReady) or all at once (Parallel), and
 * updated through ControllerRevisions. Queue keys are "ns/name".
 */
#ifndef PETSET_H
#define PETSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct controller;
struct kobj;
struct label_selector;
struct strbuf;

#define PETSET_RES		"statefulsets.apps"
#define PETSET_REV_RES		"controllerrevisions.apps"
#define PETSET_PVC_RES		"persistentvolumeclaims"

#define LABEL_POD_NAME		"statefulset.kubernetes.io/pod-name"
#define LABEL_REV_HASH		"controller-revision-hash"
#define LABEL_POD_INDEX		"apps.kubernetes.io/pod-index"
#define ANN_HOSTNAME		"pod.beta.kubernetes.io/hostname"
#define ANN_SUBDOMAIN		"pod.beta.kubernetes.io/subdomain"
#define ANN_INITIALIZED		"pod.alpha.kubernetes.io/initialized"
/* Set by the apiserver on sets created or written as apps/v1alpha1 PetSet. */
#define ANN_CREATED_AS		"apps.ckube.io/created-as"

/* One set being reconciled (borrowed views of the cached object). */
struct pet_set {
	const char		*key;		/* "ns/name" */
	const struct kobj	*obj;
	struct label_selector	*sel;
	bool			 is_petset;	/* created as a 1.3 PetSet */
	bool			 parallel;	/* podManagementPolicy Parallel */
	bool			 on_delete;	/* updateStrategy OnDelete */
	int64_t			 replicas;
	int64_t			 start;		/* spec.ordinals.start */
	int64_t			 partition;
	int64_t			 min_ready;	/* seconds */
	bool			 delete_on_scale;	/* whenScaled: Delete */
	bool			 delete_on_delete;	/* whenDeleted: Delete */
};

/* petset.c: the algorithm. */
int	petset_init(struct controller *c);
void	petset_fini(struct controller *c);
int	petset_reconcile(struct controller *c, const char *key);

/* pet_identity.c: pure naming, identity and health. */
/* The ordinal of pod name in set, or -1 when name is not "<set>-<n>". */
int64_t	pet_ordinal(const char *set, const char *name);
/* "<set>-<ordinal>" into out (reset first). */
void	pet_name(const char *set, int64_t ordinal, struct strbuf *out);
/* "<template>-<pet>" into out (reset first). */
void	pet_claim_name(const char *tmpl, const char *pet, struct strbuf *out);
/* Fill ps from set (ps->sel is the caller's to free). 0 or CK_EINVALID. */
int	pet_set_read(const struct kobj *set, const char *key,
	    struct pet_set *ps);
/*
 * A new pod for ordinal from template (spec.template of the revision),
 * labelled with revision: name, hostname, subdomain, the identity labels
 * (and the 1.3 annotations for a PetSet), the controller reference and a
 * claim volume per volumeClaimTemplate. Never NULL.
 */
struct kobj *pet_new(const struct pet_set *ps, const struct cJSON *template,
	    int64_t ordinal, const char *revision);
/* The claim of template tmpl (a volumeClaimTemplates item) for pet. */
struct kobj *pet_claim_new(const struct pet_set *ps, const struct cJSON *tmpl,
	    const char *pet);
/* Whether pod carries the identity labels (and annotations) of its name. */
bool	pet_identity_matches(const struct pet_set *ps, const struct kobj *pod);
/* deletionTimestamp set. */
bool	pet_terminating(const struct kobj *pod);
/* Failed or Succeeded: to be replaced. */
bool	pet_finished(const struct kobj *pod);
/* Running, Ready (and for a PetSet, initialized). */
bool	pet_running_ready(const struct pet_set *ps, const struct kobj *pod);
/*
 * Running and Ready for min_ready seconds at now_s; *wait_s (may be NULL)
 * gets the seconds left when Ready but not yet available.
 */
bool	pet_available(const struct pet_set *ps, const struct kobj *pod,
	    int64_t now_s, int64_t *wait_s);
/* The revision name "<set>-<hash>" of template (collision count mixed in). */
void	pet_revision_name(const char *set, const struct cJSON *template,
	    int64_t collisions, struct strbuf *out);

/* pet_control.c: the writes. */
/* Create pet ordinal: its missing claims, then the pod. */
int	pet_control_create(struct controller *c, const struct pet_set *ps,
	    const struct cJSON *template, int64_t ordinal, const char *revision);
/* Delete pod (expected by the caller). */
int	pet_control_delete(struct controller *c, const struct pet_set *ps,
	    const struct kobj *pod);
/* Put the identity labels back on pod. */
int	pet_control_fix_identity(struct controller *c, const struct pet_set *ps,
	    const struct kobj *pod);
/* Delete the claims of pet ordinal that exist (whenScaled: Delete). */
int	pet_control_delete_claims(struct controller *c,
	    const struct pet_set *ps, int64_t ordinal);
/* Adopt an orphan pod (patch in our controller reference). */
int	pet_control_adopt(struct controller *c, const struct pet_set *ps,
	    const struct kobj *pod);

/* pet_revision.c: ControllerRevisions of a set. */
struct pet_revisions {
	char		*current;	/* revision names */
	char		*update;
	struct cJSON	*current_template;	/* owned */
	struct cJSON	*update_template;	/* owned (the set's own) */
};
/*
 * Find or create the update revision of ps's template and read the
 * current one (status.currentRevision, or the update one). Fills rv.
 */
int	pet_revisions_sync(struct controller *c, const struct pet_set *ps,
	    struct pet_revisions *rv);
/*
 * Delete the oldest revisions beyond revisionHistoryLimit that neither
 * rv nor any of pods (n) uses.
 */
int	pet_revisions_truncate(struct controller *c, const struct pet_set *ps,
	    const struct pet_revisions *rv, struct kobj **pods, size_t n);
void	pet_revisions_fini(struct pet_revisions *rv);

#endif
