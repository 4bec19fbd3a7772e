/*
 * admission.h: the LimitRanger and ResourceQuota admission plugins of the
 * apiserver (admission_limitrange.c, admission_quota.c). crud.c calls
 * them on create: LimitRange defaults before the pod's own defaults are
 * final, LimitRange checks and the quota charge after validation, the
 * charge in the same store transaction as the create.
 */
#ifndef CKUBE_APISERVER_ADMISSION_H
#define CKUBE_APISERVER_ADMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"
#include "store/store.h"

struct cJSON;
struct ck_status;
struct api_resource;
struct api_response;
struct ns_cache;
struct strbuf;

/* ---- admission_limitrange.c ---- */

#define LIMITRANGER_ANNOTATION	"kubernetes.io/limit-ranger"

/*
 * Pure parts, for tests: apply one LimitRange's Container defaults to pod
 * (the kubernetes.io/limit-ranger annotation says what was set), and
 * check pod (or a claim: resource "persistentvolumeclaims") against one
 * LimitRange, adding each violation's message to msgs (a cJSON array of
 * strings, duplicates skipped).
 */
void	limitrange_default_pod(const struct cJSON *lr, struct cJSON *pod);
void	limitrange_check(const struct cJSON *lr, const char *resource,
	    const struct cJSON *obj, struct cJSON *msgs);
/* Kubernetes' aggregate error text of msgs: "a" or "[a, b]". */
void	limitrange_aggregate(const struct cJSON *msgs, struct strbuf *out);

/* The namespace's LimitRanges' defaults into a pod being created. */
void	admission_limitrange_default(struct store *s, const char *ns,
	    struct cJSON *pod);
/*
 * Check a pod or claim being created against the namespace's LimitRanges:
 * CK_EPERM with `pods "p" is forbidden: ...` in st, else 0.
 */
int	admission_limitrange_check(struct store *s,
	    const struct api_resource *r, const char *ns,
	    const struct cJSON *obj, struct ck_status *st) CK_MUST_CHECK;

/* ---- admission_quota.c ---- */

/*
 * The quota decision for creating obj of r in ns, against quotas (the
 * namespace's ResourceQuota JSONs, n of them): for each quota that
 * matches and tracks something obj uses, its new status (yours, in
 * *charged[i], NULL when unchanged). CK_EPERM with the upstream message
 * in msg (`exceeded quota: q, requested: ..., used: ..., limited: ...`,
 * `failed quota: q: must specify ...`, `status unknown for quota: ...`).
 */
int	quota_admit(const struct api_resource *r, const struct cJSON *obj,
	    struct cJSON *const *quotas, size_t n, struct cJSON **charged,
	    char *msg, size_t len) CK_MUST_CHECK;

/*
 * Create obj (metadata complete, validated) of r in ns, charging the
 * namespace's quotas in the same store transaction; a quota changed
 * meanwhile makes it decide again. Returns 0, CK_EPERM (st set), or a
 * store error (CK_EEXIST... as store_create, st untouched). guard (NULL:
 * none) is one more write of the same txn; CK_EAGAIN when it was refused.
 */
int	admission_quota_create(struct store *s, const struct api_resource *r,
	    const char *ns, struct cJSON *obj, struct store_op *guard,
	    struct ck_status *st) CK_MUST_CHECK;

/* The same decision without writing (dry-run): 0 or CK_EPERM (st set). */
int	admission_quota_check(struct store *s, const struct api_resource *r,
	    const char *ns, const struct cJSON *obj, struct ck_status *st)
	    CK_MUST_CHECK;

/* ---- admission_podsecurity.c, psa_checks.c ---- */

#define PSA_LABEL_PREFIX	"pod-security.kubernetes.io/"

/* Pod Security Standards levels, least to most restrictive. */
enum psa_level { PSA_PRIVILEGED, PSA_BASELINE, PSA_RESTRICTED };
enum psa_mode_kind { PSA_ENFORCE, PSA_WARN, PSA_AUDIT, PSA_MODES };

struct psa_mode {
	enum psa_level	level;		/* privileged when unlabelled */
	char		version[16];	/* "latest", "v1.32" */
};

struct psa_policy {
	struct psa_mode	mode[PSA_MODES];	/* by enum psa_mode_kind */
};

/*
 * A namespace's policy from its labels (NULL: none). Returns how many
 * labels are invalid (such a mode is held to restricted); each is a
 * FieldValueInvalid cause in st unless st is NULL.
 */
int	psa_policy_from_labels(const struct cJSON *labels,
	    struct psa_policy *p, struct ck_status *st);

/*
 * The checks of level (all versions evaluated as latest) on a pod's
 * metadata and spec: the failures appended to out in upstream form,
 * `reason (detail), reason (detail)`, their number returned.
 */
int	psa_evaluate(enum psa_level level, const struct cJSON *meta,
	    const struct cJSON *spec, struct strbuf *out);

/*
 * PodSecurity admission of obj (a pod, or a workload with a pod template;
 * old: NULL on create) named name in ns: CK_EPERM with `pods "p" is
 * forbidden: violates PodSecurity "level:version": ...` in st when a pod
 * fails the enforce level, else 0; Warnings added to resp; audit logged.
 */
int	admission_podsecurity(struct store *s, struct ns_cache *nc,
	    const struct api_resource *r, const char *ns, const char *name, const struct cJSON *obj,
	    const struct cJSON *old, struct api_response *resp,
	    struct ck_status *st) CK_MUST_CHECK;

/* A namespace's pod-security labels must be valid (422 causes in st). */
void	admission_podsecurity_namespace(const struct cJSON *obj,
	    struct ck_status *st);

/* st = `<resource> "name" is forbidden: msg` (403). Returns CK_EPERM. */
int	admission_forbid(struct ck_status *st, const struct api_resource *r,
	    const char *name, const char *msg);

#endif
