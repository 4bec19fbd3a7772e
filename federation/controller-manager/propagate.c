/*
 * propagate.c: the namespace, secret and configmap controllers (semantics.md
 * 8(e)): an identical object (labels, annotations, data, type) in every
 * Ready member, re-created when removed there, updated when it differs. A
 * federated namespace being deleted first loses the federated objects in
 * it, then the member namespaces, then its finalizer.
 */
#include "fcm.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"

struct pkind {
	const char		*kind;		/* key prefix */
	const char		*cache;
	const struct client_gvr	*gvr;
	const char *const	*fields;	/* copied besides metadata */
};

static const char *const ns_fields[] = { NULL };
static const char *const secret_fields[] = { "type", "data", NULL };
static const char *const cm_fields[] = { "data", "binaryData", NULL };
static const struct client_gvr gvr_secrets = { "", "v1", "secrets" };
static const struct client_gvr gvr_configmaps = { "", "v1", "configmaps" };

static const struct pkind pkinds[] = {
	{ "ns", FCM_NAMESPACES, &CLIENT_GVR_NAMESPACES, ns_fields },
	{ "secret", FCM_SECRETS, &gvr_secrets, secret_fields },
	{ "configmap", FCM_CONFIGMAPS, &gvr_configmaps, cm_fields },
};

static const struct pkind *
pkind_find(const char *kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(pkinds); i++)
		if (strcmp(pkinds[i].kind, kind) == 0)
			return &pkinds[i];
	return NULL;
}

/* Split "ns/name" (or "name"); ns is "" for cluster-scoped keys. */
static void
split_key(const char *key, char *ns, size_t nslen, const char **name)
{
	const char *slash = strchr(key, '/');

	ns[0] = '\0';
	*name = key;
	if (slash != NULL && (size_t)(slash - key) < nslen) {
		memcpy(ns, key, (size_t)(slash - key));
		ns[slash - key] = '\0';
		*name = slash + 1;
	}
}

static void
copy_item(cJSON *dst, const cJSON *src, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, key);

	cJSON_DeleteItemFromObjectCaseSensitive(dst, key);
	if (v != NULL)
		cJSON_AddItemToObject(dst, key, cJSON_Duplicate(v, 1));
}

static bool
same_item(const cJSON *a, const cJSON *b, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, key);
	const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, key);

	if (x == NULL || y == NULL)
		return x == y;
	return cJSON_Compare(x, y, 1);
}

/* The member's copy of fed: what it must hold; metadata from have. */
static cJSON *
desired(const struct pkind *k, const struct kobj *fed, const cJSON *have)
{
	const cJSON *f = kobj_json(fed);
	const cJSON *fmeta = cJSON_GetObjectItemCaseSensitive(f, "metadata");
	cJSON *o, *meta;
	size_t i;

	if (have != NULL) {
		o = cJSON_Duplicate(have, 1);
		meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	} else {
		o = cJSON_CreateObject();
		copy_item(o, f, "apiVersion");
		copy_item(o, f, "kind");
		meta = cJSON_AddObjectToObject(o, "metadata");
		copy_item(meta, fmeta, "name");
		copy_item(meta, fmeta, "namespace");
	}
	copy_item(meta, fmeta, "labels");
	copy_item(meta, fmeta, "annotations");
	for (i = 0; k->fields[i] != NULL; i++)
		copy_item(o, f, k->fields[i]);
	return o;
}

static bool
up_to_date(const struct pkind *k, const struct kobj *fed, const cJSON *have)
{
	const cJSON *f = kobj_json(fed);
	const cJSON *fm = cJSON_GetObjectItemCaseSensitive(f, "metadata");
	const cJSON *hm = cJSON_GetObjectItemCaseSensitive(have, "metadata");
	size_t i;

	if (!same_item(fm, hm, "labels") || !same_item(fm, hm, "annotations"))
		return false;
	for (i = 0; k->fields[i] != NULL; i++)
		if (!same_item(f, have, k->fields[i]))
			return false;
	return true;
}

/* Bring one member's copy of fed up to date. */
static int
sync_member(struct controller *c, const struct pkind *k,
    const struct kobj *cluster, const struct kobj *fed)
{
	struct ck_status st;
	struct client *cl;
	cJSON *have = NULL, *want = NULL;
	const char *ns = kobj_namespace(fed);
	int rc;

	ck_status_clear(&st);
	if ((rc = members_client(c, cluster, &cl, &st)) < 0)
		goto out;
	rc = client_get(cl, k->gvr, ns[0] ? ns : NULL, kobj_name(fed), &have,
	    &st);
	if (rc == CK_ENOTFOUND) {
		want = desired(k, fed, NULL);
		rc = client_create(cl, want, NULL, &st);
		if (rc == CK_ENOTFOUND && ns[0] != '\0' &&
		    (rc = members_ensure_namespace(cl, ns, &st)) == 0)
			rc = client_create(cl, want, NULL, &st);
		if (rc == 0)
			log_info("cluster %s: created %s %s",
			    kobj_name(cluster), k->kind, kobj_key(fed));
	} else if (rc == 0 && !up_to_date(k, fed, have)) {
		want = desired(k, fed, have);
		rc = client_update(cl, want, NULL, &st);
	}
out:
	if (rc < 0 && rc != CK_ECONFLICT)
		log_warn("cluster %s: %s %s: %s", kobj_name(cluster), k->kind,
		    kobj_key(fed), st.message);
	cJSON_Delete(have);
	cJSON_Delete(want);
	return rc;
}

static int
delete_member(struct controller *c, const struct kobj *cluster,
    const struct client_gvr *gvr, const char *ns, const char *name)
{
	struct ck_status st;
	struct client *cl;
	int rc;

	ck_status_clear(&st);
	if ((rc = members_client(c, cluster, &cl, &st)) == 0)
		rc = client_delete(cl, gvr, ns[0] ? ns : NULL, name, NULL, NULL,
		    &st);
	if (rc == CK_ENOTFOUND)
		return 0;
	if (rc < 0)
		log_warn("cluster %s: delete %s %s: %s", kobj_name(cluster),
		    gvr->resource, name, st.message);
	return rc;
}

/* Delete the federated objects of cache in namespace ns. */
static int
delete_federated_in(struct controller *c, const char *cache,
    const struct client_gvr *gvr, const char *ns)
{
	struct kobj **objs;
	struct ck_status st;
	size_t i, n;
	int rc = 0, r;

	objs = cache_list(controller_cache(c, cache), &n);
	for (i = 0; i < n; i++) {
		if (strcmp(kobj_namespace(objs[i]), ns) != 0)
			continue;
		ck_status_clear(&st);
		r = controller_delete(c, gvr, ns, kobj_name(objs[i]), NULL,
		    &st);
		if (r < 0 && r != CK_ENOTFOUND)
			rc = r;
	}
	cache_list_free(objs, n);
	return rc;
}

/* 8(e): federated contents, member namespaces, then the finalizer. */
static int
delete_namespace(struct controller *c, const struct kobj *fed,
    struct kobj **ready, size_t nready)
{
	const char *name = kobj_name(fed);
	struct kobj *upd;
	struct ck_status st;
	size_t i;
	int rc = 0;

	if (delete_federated_in(c, FCM_SECRETS, &gvr_secrets, name) < 0 ||
	    delete_federated_in(c, FCM_CONFIGMAPS, &gvr_configmaps, name) < 0 ||
	    delete_federated_in(c, FCM_RS, &CLIENT_GVR_REPLICASETS, name) < 0 ||
	    delete_federated_in(c, FCM_DEPLOY, &CLIENT_GVR_DEPLOYMENTS,
	    name) < 0)
		return CK_EIO;
	for (i = 0; i < nready; i++)
		if (delete_member(c, ready[i], &CLIENT_GVR_NAMESPACES, "",
		    name) < 0)
			rc = CK_EIO;
	if (rc < 0)
		return rc;
	if (kobj_get(fed, "spec.finalizers") == NULL ||
	    cJSON_GetArraySize(kobj_get(fed, "spec.finalizers")) == 0)
		return 0;
	upd = kobj_copy(fed);
	rc = kobj_set_json(upd, "spec.finalizers", cJSON_CreateArray());
	ck_status_clear(&st);
	if (rc == 0 && controller_client(c) != NULL)
		rc = client_update_subresource(controller_client(c),
		    "finalize", kobj_json(upd), NULL, &st);
	if (rc < 0 && rc != CK_ENOTFOUND)
		log_warn("namespace %s: finalize: %s", name, st.message);
	else
		log_info("namespace %s: deleted from the federation", name);
	kobj_unref(upd);
	return rc == CK_ENOTFOUND ? 0 : rc;
}

int
propagate_reconcile(struct controller *c, const char *kind, const char *key)
{
	const struct pkind *k = pkind_find(kind);
	struct kobj **ready, *fed;
	char ns[256];
	const char *name;
	size_t i, n;
	int rc = 0;

	if (k == NULL)
		return 0;
	split_key(key, ns, sizeof(ns), &name);
	fed = cache_get(controller_cache(c, k->cache), key);
	ready = members_ready(c, &n);
	if (fed == NULL) {
		/* Removed from the federation: removed from its members. */
		for (i = 0; k != &pkinds[0] && i < n; i++)
			if (delete_member(c, ready[i], k->gvr, ns, name) < 0)
				rc = CK_EIO;
	} else if (kobj_get(fed, "metadata.deletionTimestamp") != NULL) {
		if (k == &pkinds[0])
			rc = delete_namespace(c, fed, ready, n);
	} else
		for (i = 0; i < n; i++)
			if (sync_member(c, k, ready[i], fed) < 0)
				rc = CK_EIO;
	cache_list_free(ready, n);
	kobj_unref(fed);
	return rc;
}
