/*
 * delete_options.h: DeleteOptions as the apiserver reads them (query and
 * JSON body), and the garbage-collection half of deletion: which of the
 * `orphan` and `foregroundDeletion` finalizers an object gets (semantics.md
 * 5(b) step 1), with the per-API-version default policy. Pure: no store, no
 * request; crud_delete.c does the rest.
 */
#ifndef CKUBE_APISERVER_DELETE_OPTIONS_H
#define CKUBE_APISERVER_DELETE_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "ckube/ck.h"

struct cJSON;
struct ck_status;

#define DELETE_FINALIZER_ORPHAN		"orphan"
#define DELETE_FINALIZER_FOREGROUND	"foregroundDeletion"

enum delete_policy {
	DELETE_POLICY_UNSET,		/* neither option given */
	DELETE_POLICY_ORPHAN,
	DELETE_POLICY_BACKGROUND,
	DELETE_POLICY_FOREGROUND,
};

struct delete_opts {
	int64_t			 grace;	/* -1: not given */
	char			 uid[64]; /* preconditions.uid */
	int64_t			 rv;	/* preconditions.rv */
	bool			 dry;		/* dryRun=All */
	enum delete_policy	 policy;	/* both options folded in */
	bool			 orphan_false; /* orphanDependents: false */
};

/* Reset o: nothing given (grace -1, policy unset). */
void	delete_opts_init(struct delete_opts *o);

/*
 * Fold the propagation options into o: policy is a propagationPolicy value
 * (NULL: absent), orphan a JSON orphanDependents (NULL or null: absent).
 * Both given, or an unknown policy: CK_EINVALID with st set to Kubernetes'
 * 422 about DeleteOptions. Other fields of o are left alone.
 */
int	delete_opts_set_propagation(struct delete_opts *o,
	    const char *policy, const struct cJSON *orphan,
	    struct ck_status *st) CK_MUST_CHECK;

/*
 * Read a JSON DeleteOptions body (gracePeriodSeconds, preconditions,
 * dryRun, propagationPolicy, orphanDependents) into o. CK_EBADREQ (400) for
 * a malformed field, CK_EINVALID (422) as delete_opts_set_propagation.
 */
int	delete_opts_from_json(const struct cJSON *body,
	    struct delete_opts *o, struct ck_status *st) CK_MUST_CHECK;

/*
 * The policy a DELETE without options gets (Kubernetes'
 * DefaultGarbageCollectionPolicy): Orphan for v1 replicationcontrollers,
 * batch/v1 jobs, and replicasets, deployments, daemonsets, statefulsets
 * requested through extensions/v1beta1 or apps/v1beta1|v1beta2; Background
 * for everything else. group is "" for the core group.
 */
enum delete_policy delete_default_policy(const char *group,
	    const char *version, const char *resource);

/* "Orphan", "Background", "Foreground", or NULL for UNSET. */
const char *delete_policy_name(enum delete_policy p);

/*
 * Make metadata.finalizers of meta follow policy (5(b) step 1): Orphan
 * ensures `orphan` and drops `foregroundDeletion`, Foreground the reverse,
 * Background drops both; UNSET keeps the existing ones unless neither is
 * present, in which case dflt applies. Other finalizers keep their order.
 * Returns true if the finalizers changed.
 */
bool	delete_apply_policy(struct cJSON *meta, enum delete_policy policy,
	    enum delete_policy dflt);

/* Whether meta's finalizers contain name. */
bool	delete_has_finalizer(const struct cJSON *meta, const char *name);

#endif
