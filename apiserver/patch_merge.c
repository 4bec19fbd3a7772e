/*
 * patch_merge.c: JSON merge patch (RFC 7386) on cJSON trees, as Kubernetes
 * applies application/merge-patch+json. The result is built on a copy of the
 * target and swapped in only when the whole patch applied, so a failure
 * never leaves a half-patched document.
 */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "ckube/err.h"
#include "patch.h"

/* cJSON reports OOM as NULL; like the ck_ allocators we abort. */
static cJSON *
merge_check(cJSON *item)
{
	if (item == NULL) {
		fprintf(stderr, "F ckube: out of memory in cJSON\n");
		abort();
	}
	return item;
}

/*
 * MergePatch(target, patch) from RFC 7386 §2. Takes ownership of target (may
 * be NULL: absent) and returns the new value, never NULL. Objects are merged
 * in place, so members keep their order.
 */
static cJSON *
merge_value(cJSON *target, const cJSON *patch)
{
	const cJSON *p;
	cJSON *cur;

	if (!cJSON_IsObject(patch)) {
		cJSON_Delete(target);
		return merge_check(cJSON_Duplicate(patch, 1));
	}
	if (!cJSON_IsObject(target)) {
		cJSON_Delete(target);
		target = merge_check(cJSON_CreateObject());
	}
	cJSON_ArrayForEach(p, patch) {
		if (p->string == NULL)
			continue;
		cur = cJSON_GetObjectItemCaseSensitive(target, p->string);
		if (cJSON_IsNull(p)) {
			if (cur != NULL)
				cJSON_Delete(cJSON_DetachItemViaPointer(target, cur));
		} else if (cur == NULL) {
			cJSON_AddItemToObject(target, p->string,
			    merge_value(NULL, p));
		} else if (cJSON_IsObject(cur) && cJSON_IsObject(p)) {
			(void)merge_value(cur, p);	/* same node back */
		} else {
			/* cJSON frees cur and names the new item. */
			cJSON_ReplaceItemInObjectCaseSensitive(target, p->string,
			    merge_value(NULL, p));
		}
	}
	return target;
}

int
patch_merge_apply(struct cJSON **target, const struct cJSON *patch,
    struct ck_status *st)
{
	cJSON *work;

	if (target == NULL || patch == NULL)
		return ck_status_set(st, CK_EBADREQ,
		    "merge patch: missing document or patch");
	if (cJSON_IsInvalid(patch) || cJSON_IsRaw(patch))
		return ck_status_set(st, CK_EBADREQ,
		    "merge patch: the patch is not valid JSON");
	work = NULL;
	if (*target != NULL)
		work = merge_check(cJSON_Duplicate(*target, 1));
	work = merge_value(work, patch);
	cJSON_Delete(*target);
	*target = work;
	return 0;
}
