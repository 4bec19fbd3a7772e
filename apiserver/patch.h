/*
 * patch.h: JSON merge patch (RFC 7386) and JSON patch (RFC 6902) on cJSON
 * documents. Both are atomic: on error the target is left exactly as it was.
 * (Strategic merge patch and apply live in patch_strategic.c, issue 3.)
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

#endif
