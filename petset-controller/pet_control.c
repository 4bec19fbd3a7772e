/*
 * pet_control.c: the writes of the petset-controller (Kubernetes'
 * StatefulPodControl): create a pet's claims then the pet, delete a pet or
 * its claims, restore identity labels, adopt an orphan; each one reported
 * as an Event on the set, with Kubernetes' reasons and messages.
 */
#include "petset.h"

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

static int
create_claims(struct controller *c, const struct pet_set *ps,
    const char *pet)
{
	const cJSON *claims = kobj_get(ps->obj, "spec.volumeClaimTemplates");
	const cJSON *t;
	struct cache *pvcs = controller_cache(c, PETSET_PVC_RES);
	struct ck_status st;
	struct kobj *pvc, *have;
	int rc;

	cJSON_ArrayForEach(t, claims) {
		pvc = pet_claim_new(ps, t, pet);
		have = pvcs != NULL ? cache_get(pvcs, kobj_key(pvc)) : NULL;
		rc = 0;
		if (have == NULL) {
			rc = controller_create(c, pvc, NULL, &st);
			if (rc == 0)
				controller_event(c, ps->obj, "Normal",
				    "SuccessfulCreate", "create Claim %s Pod %s "
				    "in StatefulSet %s success", kobj_name(pvc),
				    pet, kobj_name(ps->obj));
			else if (rc == CK_EEXIST)
				rc = 0;	/* the cache is behind */
			else
				controller_event(c, ps->obj, "Warning",
				    "FailedCreate", "create Claim %s for Pod %s "
				    "in StatefulSet %s failed error: %s",
				    kobj_name(pvc), pet, kobj_name(ps->obj),
				    st.message[0] != '\0' ? st.message :
				    ck_strerror(rc));
		}
		kobj_unref(have);
		kobj_unref(pvc);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int
pet_control_create(struct controller *c, const struct pet_set *ps,
    const cJSON *template, int64_t ordinal, const char *revision)
{
	struct kobj *pod = pet_new(ps, template, ordinal, revision);
	struct ck_status st;
	int rc;

	rc = create_claims(c, ps, kobj_name(pod));
	if (rc < 0)
		goto out;	/* no pet without its claims */
	rc = controller_create(c, pod, NULL, &st);
	if (rc == 0)
		controller_event(c, ps->obj, "Normal", "SuccessfulCreate",
		    "create Pod %s in StatefulSet %s successful",
		    kobj_name(pod), kobj_name(ps->obj));
	else if (rc != CK_EEXIST)
		controller_event(c, ps->obj, "Warning", "FailedCreate",
		    "create Pod %s in StatefulSet %s failed error: %s",
		    kobj_name(pod), kobj_name(ps->obj),
		    st.message[0] != '\0' ? st.message : ck_strerror(rc));
out:
	kobj_unref(pod);
	return rc;
}

int
pet_control_delete(struct controller *c, const struct pet_set *ps,
    const struct kobj *pod)
{
	struct client_delete_opts opts = {
		.grace_period_seconds = CLIENT_GRACE_UNSET,
		.precondition_uid = kobj_uid(pod),
	};
	struct ck_status st;
	int rc;

	rc = controller_delete(c, &CLIENT_GVR_PODS, kobj_namespace(pod),
	    kobj_name(pod), &opts, &st);
	if (rc == 0)
		controller_event(c, ps->obj, "Normal", "SuccessfulDelete",
		    "delete Pod %s in StatefulSet %s successful",
		    kobj_name(pod), kobj_name(ps->obj));
	else if (rc == CK_ENOTFOUND)
		rc = 0;
	else
		controller_event(c, ps->obj, "Warning", "FailedDelete",
		    "delete Pod %s in StatefulSet %s failed error: %s",
		    kobj_name(pod), kobj_name(ps->obj),
		    st.message[0] != '\0' ? st.message : ck_strerror(rc));
	return rc;
}

int
pet_control_fix_identity(struct controller *c, const struct pet_set *ps,
    const struct kobj *pod)
{
	const char *svc = kobj_get_str(ps->obj, "spec.serviceName");
	struct ck_status st;
	cJSON *patch, *meta, *labels, *ann;
	int rc;

	patch = cJSON_CreateObject();
	meta = cJSON_AddObjectToObject(patch, "metadata");
	cJSON_AddStringToObject(meta, "uid", kobj_uid(pod));
	labels = cJSON_AddObjectToObject(meta, "labels");
	cJSON_AddStringToObject(labels, LABEL_POD_NAME, kobj_name(pod));
	if (ps->is_petset) {
		ann = cJSON_AddObjectToObject(meta, "annotations");
		cJSON_AddStringToObject(ann, ANN_HOSTNAME, kobj_name(pod));
		if (svc != NULL && svc[0] != '\0')
			cJSON_AddStringToObject(ann, ANN_SUBDOMAIN, svc);
	}
	rc = controller_patch(c, &CLIENT_GVR_PODS, kobj_namespace(pod),
	    kobj_name(pod), NULL, CLIENT_PATCH_MERGE, patch, NULL, &st);
	cJSON_Delete(patch);
	if (rc == 0)
		controller_event(c, ps->obj, "Normal", "SuccessfulUpdate",
		    "update Pod %s in StatefulSet %s successful",
		    kobj_name(pod), kobj_name(ps->obj));
	else if (rc == CK_ENOTFOUND)
		rc = 0;
	return rc;
}

int
pet_control_delete_claims(struct controller *c, const struct pet_set *ps,
    int64_t ordinal)
{
	const cJSON *claims = kobj_get(ps->obj, "spec.volumeClaimTemplates");
	const cJSON *t, *n;
	struct cache *pvcs = controller_cache(c, PETSET_PVC_RES);
	struct strbuf pet = STRBUF_INIT, name = STRBUF_INIT;
	struct ck_status st;
	struct kobj *have;
	int rc = 0, r;

	if (pvcs == NULL)
		return 0;
	pet_name(kobj_name(ps->obj), ordinal, &pet);
	cJSON_ArrayForEach(t, claims) {
		n = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(t, "metadata"), "name");
		if (!cJSON_IsString(n))
			continue;
		pet_claim_name(n->valuestring, strbuf_str(&pet), &name);
		have = cache_get_by_name(pvcs, kobj_namespace(ps->obj),
		    strbuf_str(&name));
		if (have == NULL || kobj_get(have,
		    "metadata.deletionTimestamp") != NULL) {
			kobj_unref(have);
			continue;
		}
		kobj_unref(have);
		r = controller_delete(c, &gvr_pvcs, kobj_namespace(ps->obj),
		    strbuf_str(&name), NULL, &st);
		if (r == 0)
			controller_event(c, ps->obj, "Normal",
			    "SuccessfulDelete", "delete Claim %s Pod %s in "
			    "StatefulSet %s success", strbuf_str(&name),
			    strbuf_str(&pet), kobj_name(ps->obj));
		else if (r != CK_ENOTFOUND) {
			controller_event(c, ps->obj, "Warning", "FailedDelete",
			    "delete Claim %s Pod %s in StatefulSet %s failed "
			    "error: %s", strbuf_str(&name), strbuf_str(&pet),
			    kobj_name(ps->obj), ck_strerror(r));
			rc = r;
		}
	}
	strbuf_fini(&pet);
	strbuf_fini(&name);
	return rc;
}

int
pet_control_adopt(struct controller *c, const struct pet_set *ps,
    const struct kobj *pod)
{
	const cJSON *refs = kobj_get(pod, "metadata.ownerReferences");
	struct ck_status st;
	cJSON *patch, *meta, *list, *ref;
	int rc;

	list = refs != NULL ? cJSON_Duplicate(refs, 1) : cJSON_CreateArray();
	ref = kobj_new_owner_ref(ps->obj, "apps/v1", "StatefulSet", true);
	cJSON_AddItemToArray(list, ref);
	patch = cJSON_CreateObject();
	meta = cJSON_AddObjectToObject(patch, "metadata");
	cJSON_AddStringToObject(meta, "uid", kobj_uid(pod));
	cJSON_AddItemToObject(meta, "ownerReferences", list);
	rc = controller_patch(c, &CLIENT_GVR_PODS, kobj_namespace(pod),
	    kobj_name(pod), NULL, CLIENT_PATCH_MERGE, patch, NULL, &st);
	cJSON_Delete(patch);
	if (rc == CK_ENOTFOUND)
		rc = 0;
	if (rc < 0)
		log_warn("%s: adopting pod %s: %s", ps->key, kobj_name(pod),
		    ck_strerror(rc));
	return rc;
}
