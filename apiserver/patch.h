/*
 * patch.h: JSON merge patch (RFC 7386) and JSON patch (RFC 6902) on cJSON
 * documents. Both are atomic: on error the target is left exactly as it was.
 * Strategic merge patch (patch_strategic.c) is atomic the same way.
 */
#ifndef CKUBE_APISERVER_PATCH_H
#define CKUBE_APISERVER_PATCH_H

#include "ckube/ck.h"

struct cJSON;
struct ck_status;

/*
 * Apply merge patch to *target (replaced in place; the old tree is freed when
 * a new one is built). A non-object patch replaces the whole document.
 * Errors: CK_EBADREQ with st set.
 */
int	patch_merge_apply(struct cJSON **target, const struct cJSON *patch,
	    struct ck_status *st) CK_MUST_CHECK;

/*
 * Apply a JSON patch (an array of {op, path, value|from}) to *target.
 * op: add, remove, replace, move, copy, test. JSON pointers with ~0 / ~1
 * escapes and "-" for the end of an array. Errors: CK_EBADREQ for a malformed
 * patch, CK_EINVALID for a path that does not exist or a failed test (422 in
 * Kubernetes), with st set; *target is then unchanged.
 */
int	patch_json_apply(struct cJSON **target, const struct cJSON *ops,
	    struct ck_status *st) CK_MUST_CHECK;

/*
 * Apply a Kubernetes strategic merge patch (application/strategic-merge-
 * patch+json, as kubectl apply/set image/rollout restart send it) to
 * *target, an object of the given kind ("Deployment"...; NULL: only the
 * rules common to every kind). Lists merge by the key Kubernetes declares
 * for (kind, path) (containers by name, ports by containerPort, ...),
 * metadata.finalizers merges as a set, other lists are replaced. Directives:
 * $patch (replace, delete), $retainKeys, $setElementOrder/<list>,
 * $deleteFromPrimitiveList/<list>. Errors: CK_EBADREQ (400) with st set for
 * a malformed patch; *target is then unchanged.
 */
int	patch_strategic_apply(struct cJSON **target, const struct cJSON *patch,
	    const char *kind, struct ck_status *st) CK_MUST_CHECK;

#endif
