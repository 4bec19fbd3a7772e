/*
 * transform.c: trim objects before they are cached (transform.h). Kept
 * members are moved, not copied, from the object into a new root, so a
 * kept subtree costs no allocation; transform_copy() duplicates them
 * instead, leaving its source alone.
 */
#include "ckube/transform.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <cJSON.h>

#define SEG_MAX	128

/* Identity a trimmed metadata always keeps: caches key and order by it. */
static const char *const meta_identity[] = { "metadata.name",
	"metadata.namespace", "metadata.uid", "metadata.resourceVersion", NULL };

/* it, detached from parent (move) or duplicated (copy). */
static cJSON *
take(cJSON *parent, cJSON *it, bool copy)
{
	return copy ? cJSON_Duplicate(it, 1) :
	    cJSON_DetachItemViaPointer(parent, it);
}

/*
 * Move (or copy) src's member name into dst; if dst already holds an
 * object of that name (a deeper path kept part of it), the rest of src's
 * object joins it.
 */
static void
move_member(cJSON *src, cJSON *dst, const char *name, bool copy)
{
	cJSON *s = cJSON_GetObjectItemCaseSensitive(src, name);
	cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, name);
	cJSON *it, *next;

	if (s == NULL)
		return;
	if (d == NULL) {
		cJSON_AddItemToObject(dst, name, take(src, s, copy));
		return;
	}
	if (!cJSON_IsObject(s) || !cJSON_IsObject(d))
		return;
	for (it = s->child; it != NULL; it = next) {
		next = it->next;
		if (it->string != NULL &&
		    cJSON_GetObjectItemCaseSensitive(d, it->string) == NULL)
			cJSON_AddItemToObject(d, it->string,
			    take(s, it, copy));
		else if (!copy)
			cJSON_Delete(cJSON_DetachItemViaPointer(s, it));
	}
}

/* dst's array name, made from src's: objects empty, other elements copied. */
static cJSON *
ensure_array(cJSON *src_arr, cJSON *dst, const char *name)
{
	cJSON *d = cJSON_GetObjectItemCaseSensitive(dst, name), *e;

	if (d != NULL)
		return cJSON_IsArray(d) ? d : NULL;
	d = cJSON_AddArrayToObject(dst, name);
	cJSON_ArrayForEach(e, src_arr)
		cJSON_AddItemToArray(d, cJSON_IsObject(e) ?
		    cJSON_CreateObject() : cJSON_Duplicate(e, 1));
	return d;
}

/*
 * Move (copy) what path names from src into dst (containers made on the
 * way).
 */
static void
keep_path(cJSON *src, cJSON *dst, const char *path, bool copy)
{
	char seg[SEG_MAX];
	size_t len = strcspn(path, ".[");
	const char *rest = path + len;
	cJSON *s, *d, *se, *de;

	if (len == 0 || len >= sizeof(seg) || !cJSON_IsObject(src))
		return;
	memcpy(seg, path, len);
	seg[len] = '\0';
	if (*rest == '\0' || strcmp(rest, "[]") == 0) {
		move_member(src, dst, seg, copy);
		return;
	}
	s = cJSON_GetObjectItemCaseSensitive(src, seg);
	if (*rest == '.') {
		if (!cJSON_IsObject(s))
			return;
		d = cJSON_GetObjectItemCaseSensitive(dst, seg);
		if (d == NULL)
			d = cJSON_AddObjectToObject(dst, seg);
		keep_path(s, d, rest + 1, copy);
		/* A path to nothing leaves no empty object behind. */
		if (cJSON_IsObject(d) && d->child == NULL)
			cJSON_DeleteItemFromObjectCaseSensitive(dst, seg);
		return;
	}
	/* "seg[].rest": each element keeps rest. */
	if (strncmp(rest, "[].", 3) != 0 || !cJSON_IsArray(s))
		return;
	d = ensure_array(s, dst, seg);
	if (d == NULL)
		return;
	for (se = s->child, de = d->child; se != NULL && de != NULL;
	    se = se->next, de = de->next)
		if (cJSON_IsObject(se) && cJSON_IsObject(de))
			keep_path(se, de, rest + 3, copy);
}

static void
drop_metadata(cJSON *root, unsigned int flags)
{
	cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
	cJSON *ann;

	cJSON_DeleteItemFromObjectCaseSensitive(meta, "managedFields");
	if (flags & TRANSFORM_KEEP_ANNOTATIONS)
		return;
	ann = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
	cJSON_DeleteItemFromObjectCaseSensitive(ann, TRANSFORM_LAST_APPLIED);
	/* Kubernetes omits an empty map: so do we. */
	if (cJSON_IsObject(ann) && ann->child == NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "annotations");
}

/* keep names a path inside metadata: metadata is trimmed too. */
static bool
trims_metadata(const char *const *keep)
{
	size_t i;

	for (i = 0; keep != NULL && keep[i] != NULL; i++)
		if (strncmp(keep[i], "metadata.", 9) == 0)
			return true;
	return false;
}

/* What transform_object keeps of root, moved (copied) into kept. */
static void
keep_all(cJSON *root, cJSON *kept, const char *const *keep,
    unsigned int flags, bool copy)
{
	size_t i;

	move_member(root, kept, "apiVersion", copy);
	move_member(root, kept, "kind", copy);
	if (!trims_metadata(keep))
		move_member(root, kept, "metadata", copy);
	else
		for (i = 0; meta_identity[i] != NULL; i++)
			keep_path(root, kept, meta_identity[i], copy);
	/* Metadata only: the paths inside metadata still trim it. */
	for (i = 0; keep != NULL && keep[i] != NULL; i++)
		if (!(flags & TRANSFORM_METADATA_ONLY) ||
		    strncmp(keep[i], "metadata.", 9) == 0)
			keep_path(root, kept, keep[i], copy);
}

void
transform_object(cJSON *root, const char *const *keep, unsigned int flags)
{
	cJSON *kept, *it;

	if (!cJSON_IsObject(root))
		return;
	if (keep != NULL || (flags & TRANSFORM_METADATA_ONLY)) {
		kept = cJSON_CreateObject();
		if (kept == NULL)
			return;
		keep_all(root, kept, keep, flags, false);
		while ((it = root->child) != NULL)
			cJSON_Delete(cJSON_DetachItemViaPointer(root, it));
		while ((it = kept->child) != NULL)
			cJSON_AddItemToObject(root, it->string,
			    cJSON_DetachItemViaPointer(kept, it));
		cJSON_Delete(kept);
	}
	drop_metadata(root, flags);
}

cJSON *
transform_copy(const cJSON *root, const char *const *keep,
    unsigned int flags)
{
	cJSON *kept;

	if (!cJSON_IsObject(root))
		return NULL;
	if (keep == NULL && !(flags & TRANSFORM_METADATA_ONLY))
		kept = cJSON_Duplicate(root, 1);
	else if ((kept = cJSON_CreateObject()) != NULL)
		/* copy: nothing of root is written through this */
		keep_all((cJSON *)(uintptr_t)root, kept, keep, flags, true);
	if (kept != NULL)
		drop_metadata(kept, flags);
	return kept;
}
