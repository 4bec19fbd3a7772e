/*
 * gc_control.c: the garbage collector's side effects and live reads: find
 * where a kind is served (discovery), GET an object and check its uid,
 * DELETE with a uid precondition, and merge patches guarded by
 * resourceVersion and uid that drop owner references, unblock them, or
 * remove a finalizer. The decisions are gc.c's.
 */
#include "gc.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/metrics.h"

int
gc_resolve(struct controller *c, const char *api_version, const char *kind,
    const char *ns, const char *name, struct gc_target *out)
{
	struct gc *gc = controller_data(c);
	const struct apidiscovery_resource *r;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&gc->mu);
	r = apidiscovery_find_kind(&gc->disc, api_version, kind);
	if (r != NULL)
		out->r = *r;
	pthread_mutex_unlock(&gc->mu);
	if (r == NULL)
		return CK_ENOTSUP;	/* not served (yet): cannot verify */
	if (out->r.namespaced) {
		if (ns == NULL || ns[0] == '\0')
			return CK_EINVALID;
		ck_strlcpy(out->ns, ns, sizeof(out->ns));
	}
	ck_strlcpy(out->name, name, sizeof(out->name));
	return rc;
}

static void
gvr_of(const struct gc_target *t, struct client_gvr *gvr)
{
	gvr->group = t->r.group;
	gvr->version = t->r.version;
	gvr->resource = t->r.resource;
}

int
gc_get_live(struct controller *c, const struct graph_identity *id,
    struct kobj **out)
{
	struct client_gvr gvr;
	struct gc_target t;
	struct ck_status st;
	int rc;

	*out = NULL;
	rc = gc_resolve(c, id->api_version, id->kind, id->ns, id->name, &t);
	if (rc == CK_EINVALID)
		return CK_ENOTFOUND;	/* cannot exist where it is named */
	if (rc < 0)
		return rc;
	gvr_of(&t, &gvr);
	rc = controller_get(c, &gvr, t.ns[0] ? t.ns : NULL, t.name, out, &st);
	if (rc < 0) {
		if (rc != CK_ENOTFOUND)
			log_warn("gc %s %s/%s: get: %s", id->kind, id->ns,
			    id->name, st.message);
		return rc;
	}
	if (strcmp(kobj_uid(*out), id->uid) != 0) {
		/* Same name, another object: the one we know is gone. */
		kobj_unref(*out);
		*out = NULL;
		return CK_ENOTFOUND;
	}
	return 0;
}

int
gc_delete_object(struct controller *c, const struct graph_identity *id,
    const char *policy)
{
	struct gc *gc = controller_data(c);
	struct client_delete_opts o = {
		.propagation_policy = policy,
		.grace_period_seconds = CLIENT_GRACE_UNSET,
		.precondition_uid = id->uid,
	};
	struct client_gvr gvr;
	struct gc_target t;
	struct ck_status st;
	int rc;

	rc = gc_resolve(c, id->api_version, id->kind, id->ns, id->name, &t);
	if (rc == CK_EINVALID)
		return 0;
	if (rc < 0)
		return rc;
	gvr_of(&t, &gvr);
	rc = controller_delete(c, &gvr, t.ns[0] ? t.ns : NULL, t.name, &o,
	    &st);
	if (rc == CK_ENOTFOUND || rc == CK_ECONFLICT || rc == CK_EEXIST)
		return 0;	/* gone already, or another object by now */
	if (rc < 0) {
		log_error("gc %s %s/%s: delete: %s", id->kind, id->ns,
		    id->name, st.message);
		return rc;
	}
	metrics_counter_inc(gc->m_deletions);
	return 0;
}

/* Merge-patch metadata of id, guarded by latest's resourceVersion and uid. */
static int
patch_meta(struct controller *c, const struct graph_identity *id,
    const struct kobj *latest, cJSON *meta_fields, const char *what)
{
	struct client_gvr gvr;
	struct gc_target t;
	struct ck_status st;
	cJSON *patch, *meta;
	int rc;

	patch = cJSON_CreateObject();
	meta = cJSON_AddObjectToObject(patch, "metadata");
	cJSON_AddStringToObject(meta, "uid", id->uid);
	cJSON_AddStringToObject(meta, "resourceVersion",
	    kobj_resource_version(latest));
	while (meta_fields->child != NULL) {
		cJSON *f = cJSON_DetachItemViaPointer(meta_fields,
		    meta_fields->child);

		cJSON_AddItemToObject(meta, f->string, f);
	}
	rc = gc_resolve(c, id->api_version, id->kind, id->ns, id->name, &t);
	if (rc == CK_EINVALID) {
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	gvr_of(&t, &gvr);
	rc = controller_patch(c, &gvr, t.ns[0] ? t.ns : NULL, t.name, NULL,
	    CLIENT_PATCH_MERGE, patch, NULL, &st);
	if (rc == CK_ENOTFOUND)
		rc = 0;
	else if (rc < 0 && rc != CK_ECONFLICT)
		log_error("gc %s %s/%s: %s: %s", id->kind, id->ns, id->name,
		    what, st.message);
out:
	cJSON_Delete(patch);
	cJSON_Delete(meta_fields);
	return rc;
}

static bool
in(const char *const *uids, size_t n, const char *uid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(uids[i], uid) == 0)
			return true;
	return false;
}

int
gc_remove_owner_refs(struct controller *c, const struct graph_identity *id,
    const struct kobj *latest, const char *const *uids, size_t n)
{
	const cJSON *refs = kobj_get(latest, "metadata.ownerReferences"), *r;
	cJSON *fields, *keep;
	const char *uid;
	bool dropped = false;

	fields = cJSON_CreateObject();
	keep = cJSON_CreateArray();
	cJSON_ArrayForEach(r, refs) {
		uid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r,
		    "uid"));
		if (uid != NULL && in(uids, n, uid)) {
			dropped = true;
			continue;
		}
		cJSON_AddItemToArray(keep, cJSON_Duplicate(r, 1));
	}
	if (!dropped) {
		cJSON_Delete(keep);
		cJSON_Delete(fields);
		return 0;
	}
	if (cJSON_GetArraySize(keep) == 0) {
		cJSON_Delete(keep);
		cJSON_AddNullToObject(fields, "ownerReferences");
	} else
		cJSON_AddItemToObject(fields, "ownerReferences", keep);
	return patch_meta(c, id, latest, fields, "drop owner references");
}

int
gc_unblock_owner_refs(struct controller *c, const struct graph_identity *id,
    const struct kobj *latest)
{
	const cJSON *r;
	cJSON *fields, *refs, *copy;

	fields = cJSON_CreateObject();
	refs = cJSON_AddArrayToObject(fields, "ownerReferences");
	cJSON_ArrayForEach(r, kobj_get(latest, "metadata.ownerReferences")) {
		copy = cJSON_Duplicate(r, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(copy,
		    "blockOwnerDeletion");
		cJSON_AddFalseToObject(copy, "blockOwnerDeletion");
		cJSON_AddItemToArray(refs, copy);
	}
	return patch_meta(c, id, latest, fields, "unblock owner references");
}

bool
gc_has_finalizer(const struct kobj *obj, const char *name)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, kobj_get(obj, "metadata.finalizers"))
		if (cJSON_IsString(f) && strcmp(f->valuestring, name) == 0)
			return true;
	return false;
}

int
gc_remove_finalizer(struct controller *c, const struct graph_identity *id,
    const char *finalizer)
{
	struct kobj *latest = NULL;
	const cJSON *f;
	cJSON *fields, *keep;
	int rc;

	rc = gc_get_live(c, id, &latest);
	if (rc == CK_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	if (!gc_has_finalizer(latest, finalizer)) {
		kobj_unref(latest);
		return 0;
	}
	fields = cJSON_CreateObject();
	keep = cJSON_AddArrayToObject(fields, "finalizers");
	cJSON_ArrayForEach(f, kobj_get(latest, "metadata.finalizers"))
		if (!cJSON_IsString(f) ||
		    strcmp(f->valuestring, finalizer) != 0)
			cJSON_AddItemToArray(keep, cJSON_Duplicate(f, 1));
	rc = patch_meta(c, id, latest, fields, "remove finalizer");
	kobj_unref(latest);
	return rc;
}
