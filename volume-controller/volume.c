/*
 * volume.c: volume_reconcile(), the claim and volume halves of the
 * simulated PersistentVolumeController.
 *
 * A claim ("pvc:ns/name"): default its class when it has none (the
 * retroactive DefaultStorageClass of Kubernetes 1.28, for claims the
 * admission plugin saw before the class existed); bind it to the volume
 * vol_pick() chooses (the volume's claimRef first, then the claim's
 * volumeName, then both phases Bound); or, when none fits and the class
 * names our provisioner, provision "pvc-<claim uid>" pre-bound to it.
 * A volume ("pv:name"): once its claim is gone, Released (reclaim Retain)
 * or deleted (reclaim Delete); unclaimed, Available.
 */
#include "volume.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

static const struct client_gvr gvr_pvcs = { "", "v1",
	"persistentvolumeclaims" };
static const struct client_gvr gvr_pvs = { "", "v1", "persistentvolumes" };

void
volume_map_pvc(struct controller *c, const struct kobj *obj)
{
	struct strbuf k = STRBUF_INIT;

	strbuf_addf(&k, "pvc:%s", kobj_key(obj));
	controller_enqueue(c, strbuf_str(&k));
	strbuf_fini(&k);
}

void
volume_map_pv(struct controller *c, const struct kobj *obj)
{
	const char *ns = kobj_get_str(obj, "spec.claimRef.namespace");
	const char *name = kobj_get_str(obj, "spec.claimRef.name");
	struct strbuf k = STRBUF_INIT;

	strbuf_addf(&k, "pv:%s", kobj_name(obj));
	controller_enqueue(c, strbuf_str(&k));
	if (ns != NULL && name != NULL) {
		strbuf_reset(&k);
		strbuf_addf(&k, "pvc:%s/%s", ns, name);
		controller_enqueue(c, strbuf_str(&k));
	}
	strbuf_fini(&k);
}

/* Create the default class "standard" (an existing one is fine). */
static int
ensure_default_class(struct controller *c)
{
	static const char js[] = "{\"apiVersion\":\"storage.k8s.io/v1\","
	    "\"kind\":\"StorageClass\",\"metadata\":{\"name\":\""
	    VOL_DEFAULT_CLASS "\",\"annotations\":{\"" ANN_DEFAULT_CLASS
	    "\":\"true\"}},\"provisioner\":\"" VOL_PROVISIONER "\","
	    "\"reclaimPolicy\":\"Delete\",\"volumeBindingMode\":\"Immediate\"}";
	struct kobj *sc = kobj_parse(js, sizeof(js) - 1);
	struct ck_status st;
	int rc;

	rc = controller_create(c, sc, NULL, &st);
	kobj_unref(sc);
	if (rc == CK_EEXIST)
		rc = 0;
	if (rc < 0)
		log_warn("volume-controller: creating StorageClass "
		    VOL_DEFAULT_CLASS ": %s", ck_strerror(rc));
	return rc;
}

int
volume_init(struct controller *c)
{
	(void)ensure_default_class(c);	/* retried when a claim needs it */
	return 0;
}

/* The newest class annotated default, or NULL. A new reference. */
static struct kobj *
default_class(struct controller *c)
{
	struct cache *scs = controller_cache(c, VOL_SC_RES);
	struct kobj **list, *best = NULL;
	const char *d, *ts, *bts;
	size_t i, n;

	if (scs == NULL)
		return NULL;
	list = cache_list(scs, &n);
	for (i = 0; i < n; i++) {
		d = kobj_annotation(list[i], ANN_DEFAULT_CLASS);
		if (d == NULL || strcmp(d, "true") != 0)
			continue;
		ts = kobj_get_str(list[i], "metadata.creationTimestamp");
		bts = best != NULL ? kobj_get_str(best,
		    "metadata.creationTimestamp") : NULL;
		if (best == NULL || (ts != NULL && bts != NULL &&
		    strcmp(ts, bts) > 0)) {
			kobj_unref(best);
			best = kobj_ref(list[i]);
		}
	}
	cache_list_free(list, n);
	return best;
}

static int
claim_set_class(struct controller *c, const struct kobj *pvc)
{
	struct kobj *sc = default_class(c);
	struct ck_status st;
	cJSON *patch;
	int rc;

	if (sc == NULL) {
		sc = cache_get_by_name(controller_cache(c, VOL_SC_RES), NULL,
		    VOL_DEFAULT_CLASS);
		rc = sc == NULL ? ensure_default_class(c) : 0;
		kobj_unref(sc);
		return rc;	/* no default class: the claim keeps none */
	}
	patch = cJSON_CreateObject();
	cJSON_AddStringToObject(cJSON_AddObjectToObject(patch, "spec"),
	    "storageClassName", kobj_name(sc));
	rc = controller_patch(c, &gvr_pvcs, kobj_namespace(pvc),
	    kobj_name(pvc), NULL, CLIENT_PATCH_MERGE, patch, NULL, &st);
	cJSON_Delete(patch);
	kobj_unref(sc);
	return rc == CK_ENOTFOUND ? 0 : rc;
}

static int
set_phase(struct controller *c, const struct kobj *obj, const char *phase)
{
	struct kobj *cp = kobj_copy(obj);
	struct ck_status st;
	int rc;

	rc = kobj_set_str(cp, "status.phase", phase);
	if (rc == 0)
		rc = controller_update_status(c, cp, NULL, &st);
	kobj_unref(cp);
	return rc == CK_ENOTFOUND ? 0 : rc;
}

/* Bind pv and pvc to each other, volume first (Kubernetes' order). */
static int
bind(struct controller *c, const struct kobj *pv, const struct kobj *pvc)
{
	struct kobj *cp, *npv = NULL, *npvc = NULL;
	struct ck_status st;
	cJSON *ref;
	const cJSON *v;
	int rc = 0;

	if (!vol_claimed_by(pv, pvc) ||
	    kobj_get_str(pv, "spec.claimRef.uid") == NULL) {
		cp = kobj_copy(pv);
		ref = cJSON_CreateObject();
		cJSON_AddStringToObject(ref, "kind", "PersistentVolumeClaim");
		cJSON_AddStringToObject(ref, "namespace", kobj_namespace(pvc));
		cJSON_AddStringToObject(ref, "name", kobj_name(pvc));
		cJSON_AddStringToObject(ref, "uid", kobj_uid(pvc));
		cJSON_AddStringToObject(ref, "apiVersion", "v1");
		cJSON_AddStringToObject(ref, "resourceVersion",
		    kobj_resource_version(pvc));
		rc = kobj_set_json(cp, "spec.claimRef", ref);
		kobj_set_annotation(cp, ANN_BOUND_BY_CTRL, "yes");
		if (rc == 0)
			rc = controller_update(c, cp, &npv, &st);
		kobj_unref(cp);
		if (rc < 0)
			goto out;
	} else
		npv = kobj_ref(pv);
	if (npv != NULL && strcmp(kobj_get_str(npv, "status.phase") ?
	    kobj_get_str(npv, "status.phase") : "", "Bound") != 0 &&
	    (rc = set_phase(c, npv, "Bound")) < 0)
		goto out;
	if (kobj_get_str(pvc, "spec.volumeName") == NULL ||
	    strcmp(kobj_get_str(pvc, "spec.volumeName"), kobj_name(pv)) != 0) {
		cp = kobj_copy(pvc);
		rc = kobj_set_str(cp, "spec.volumeName", kobj_name(pv));
		kobj_set_annotation(cp, ANN_BIND_COMPLETED, "yes");
		kobj_set_annotation(cp, ANN_BOUND_BY_CTRL, "yes");
		if (rc == 0)
			rc = controller_update(c, cp, &npvc, &st);
		kobj_unref(cp);
		if (rc < 0)
			goto out;
	} else
		npvc = kobj_ref(pvc);
	cp = kobj_copy(npvc != NULL ? npvc : pvc);
	rc = kobj_set_str(cp, "status.phase", "Bound");
	if (rc == 0 && (v = kobj_get(pv, "spec.accessModes")) != NULL)
		rc = kobj_set_json(cp, "status.accessModes",
		    cJSON_Duplicate(v, 1));
	if (rc == 0 && (v = kobj_get(pv, "spec.capacity")) != NULL)
		rc = kobj_set_json(cp, "status.capacity",
		    cJSON_Duplicate(v, 1));
	if (rc == 0)
		rc = controller_update_status(c, cp, NULL, &st);
	kobj_unref(cp);
	if (rc == 0)
		log_v(2, "volume-controller: bound %s to %s", kobj_key(pvc),
		    kobj_name(pv));
out:
	kobj_unref(npv);
	kobj_unref(npvc);
	return rc;
}

/* A volume "pvc-<uid>" for pvc of class sc, pre-bound to it. */
static int
provision(struct controller *c, const struct kobj *pvc, const struct kobj *sc,
    struct kobj **out)
{
	const char *rp = kobj_get_str(sc, "reclaimPolicy");
	const char *req = kobj_get_str(pvc, "spec.resources.requests.storage");
	const cJSON *modes = kobj_get(pvc, "spec.accessModes");
	struct strbuf name = STRBUF_INIT, path = STRBUF_INIT;
	struct ck_status st;
	cJSON *root, *meta, *spec, *ref, *hp;
	struct kobj *pv;
	int rc;

	strbuf_addf(&name, "pvc-%s", kobj_uid(pvc));
	strbuf_addf(&path, "/tmp/ckube-volumes/%s", strbuf_str(&name));
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "apiVersion", "v1");
	cJSON_AddStringToObject(root, "kind", "PersistentVolume");
	meta = cJSON_AddObjectToObject(root, "metadata");
	cJSON_AddStringToObject(meta, "name", strbuf_str(&name));
	cJSON_AddStringToObject(cJSON_AddObjectToObject(meta, "annotations"),
	    ANN_PROVISIONED_BY, VOL_PROVISIONER);
	spec = cJSON_AddObjectToObject(root, "spec");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(spec, "capacity"),
	    "storage", req != NULL ? req : "1Gi");
	cJSON_AddItemToObject(spec, "accessModes", modes != NULL ?
	    cJSON_Duplicate(modes, 1) : cJSON_CreateStringArray(
	    (const char *[]){ "ReadWriteOnce" }, 1));
	cJSON_AddStringToObject(spec, "persistentVolumeReclaimPolicy",
	    rp != NULL ? rp : "Delete");
	cJSON_AddStringToObject(spec, "storageClassName", kobj_name(sc));
	cJSON_AddStringToObject(spec, "volumeMode", "Filesystem");
	hp = cJSON_AddObjectToObject(spec, "hostPath");
	cJSON_AddStringToObject(hp, "path", strbuf_str(&path));
	cJSON_AddStringToObject(hp, "type", "DirectoryOrCreate");
	ref = cJSON_AddObjectToObject(spec, "claimRef");
	cJSON_AddStringToObject(ref, "kind", "PersistentVolumeClaim");
	cJSON_AddStringToObject(ref, "namespace", kobj_namespace(pvc));
	cJSON_AddStringToObject(ref, "name", kobj_name(pvc));
	cJSON_AddStringToObject(ref, "uid", kobj_uid(pvc));
	cJSON_AddStringToObject(ref, "apiVersion", "v1");
	pv = kobj_new_take(root);
	rc = controller_create(c, pv, out, &st);
	if (rc == 0)
		controller_event(c, pvc, "Normal", "ProvisioningSucceeded",
		    "Successfully provisioned volume %s using %s",
		    strbuf_str(&name), VOL_PROVISIONER);
	else if (rc == CK_EEXIST)
		rc = controller_get(c, &gvr_pvs, NULL, strbuf_str(&name), out,
		    &st);
	else
		controller_event(c, pvc, "Warning", "ProvisioningFailed",
		    "failed to provision volume with StorageClass \"%s\": %s",
		    kobj_name(sc), st.message[0] != '\0' ? st.message :
		    ck_strerror(rc));
	kobj_unref(pv);
	strbuf_fini(&name);
	strbuf_fini(&path);
	return rc;
}

static int
sync_claim(struct controller *c, const char *key)
{
	struct cache *pvcs = controller_cache(c, VOL_PVC_RES);
	struct cache *pvs = controller_cache(c, VOL_PV_RES);
	struct cache *scs = controller_cache(c, VOL_SC_RES);
	struct kobj *pvc = cache_get(pvcs, key), *pv = NULL, *sc = NULL;
	struct kobj **list = NULL;
	const struct kobj *pick;
	const char *vn, *cls, *phase;
	size_t n = 0;
	int rc = 0;

	if (pvc == NULL || kobj_get(pvc, "metadata.deletionTimestamp") != NULL)
		goto out;
	vn = kobj_get_str(pvc, "spec.volumeName");
	phase = kobj_get_str(pvc, "status.phase");
	if (vn != NULL && vn[0] != '\0') {
		pv = cache_get_by_name(pvs, NULL, vn);
		if (phase != NULL && strcmp(phase, "Bound") == 0) {
			if (pv == NULL)
				rc = set_phase(c, pvc, "Lost");
			goto out;
		}
		if (pv != NULL && (kobj_get(pv, "spec.claimRef") == NULL ||
		    vol_claimed_by(pv, pvc)))
			rc = bind(c, pv, pvc);
		goto out;
	}
	if (kobj_get(pvc, "spec.storageClassName") == NULL) {
		rc = claim_set_class(c, pvc);
		goto out;
	}
	list = cache_list(pvs, &n);
	pick = vol_pick(list, n, pvc);
	if (pick != NULL) {
		rc = bind(c, pick, pvc);
		goto out;
	}
	cls = vol_claim_class(pvc);
	if (cls[0] == '\0') {
		controller_event(c, pvc, "Normal", "FailedBinding",
		    "no persistent volumes available for this claim and no "
		    "storage class is set");
		goto out;
	}
	sc = cache_get_by_name(scs, NULL, cls);
	if (sc == NULL) {
		controller_event(c, pvc, "Warning", "ProvisioningFailed",
		    "storageclass.storage.k8s.io \"%s\" not found", cls);
		goto out;
	}
	if (kobj_get_str(sc, "provisioner") == NULL ||
	    strcmp(kobj_get_str(sc, "provisioner"), VOL_PROVISIONER) != 0) {
		controller_event(c, pvc, "Normal", "ExternalProvisioning",
		    "Waiting for a volume to be created either by the "
		    "external provisioner '%s' or manually by the system "
		    "administrator", kobj_get_str(sc, "provisioner") ?
		    kobj_get_str(sc, "provisioner") : "");
		goto out;
	}
	rc = provision(c, pvc, sc, &pv);
	if (rc == 0 && pv != NULL)
		rc = bind(c, pv, pvc);
out:
	cache_list_free(list, n);
	kobj_unref(sc);
	kobj_unref(pv);
	kobj_unref(pvc);
	return rc;
}

static int
sync_volume(struct controller *c, const char *name)
{
	struct kobj *pv = cache_get_by_name(controller_cache(c, VOL_PV_RES),
	    NULL, name), *pvc = NULL;
	const char *phase, *policy, *ns, *cname, *uid;
	struct ck_status st;
	int rc = 0;

	if (pv == NULL || kobj_get(pv, "metadata.deletionTimestamp") != NULL)
		goto out;
	phase = kobj_get_str(pv, "status.phase");
	if (phase == NULL)
		phase = "";
	policy = kobj_get_str(pv, "spec.persistentVolumeReclaimPolicy");
	ns = kobj_get_str(pv, "spec.claimRef.namespace");
	cname = kobj_get_str(pv, "spec.claimRef.name");
	uid = kobj_get_str(pv, "spec.claimRef.uid");
	if (cname == NULL) {
		if (strcmp(phase, "Available") != 0)
			rc = set_phase(c, pv, "Available");
		goto out;
	}
	/* The cache may lag a new claim: read the server before releasing. */
	rc = controller_get(c, &gvr_pvcs, ns, cname, &pvc, &st);
	if (rc < 0 && rc != CK_ENOTFOUND)
		goto out;
	if (rc == 0 && (uid == NULL || uid[0] == '\0' ||
	    strcmp(uid, kobj_uid(pvc)) == 0)) {
		rc = 0;
		if (kobj_get_str(pvc, "spec.volumeName") != NULL &&
		    strcmp(kobj_get_str(pvc, "spec.volumeName"), name) == 0 &&
		    strcmp(phase, "Bound") != 0)
			rc = set_phase(c, pv, "Bound");
		goto out;
	}
	/* The claim is gone (or replaced): reclaim. */
	if (policy != NULL && strcmp(policy, "Delete") == 0) {
		rc = controller_delete(c, &gvr_pvs, NULL, name, NULL, &st);
		if (rc == CK_ENOTFOUND)
			rc = 0;
		if (rc == 0)
			log_v(2, "volume-controller: deleted volume %s", name);
	} else
		rc = strcmp(phase, "Released") != 0 ?
		    set_phase(c, pv, "Released") : 0;
out:
	kobj_unref(pvc);
	kobj_unref(pv);
	return rc;
}

int
volume_reconcile(struct controller *c, const char *key)
{
	if (strncmp(key, "pvc:", 4) == 0)
		return sync_claim(c, key + 4);
	if (strncmp(key, "pv:", 3) == 0)
		return sync_volume(c, key + 3);
	return 0;
}
