/*
 * pet_identity.c: the pure part of the petset-controller: pet and claim
 * names, reading a set's spec, building a pet and its claims from a
 * template, identity checks, health (Running and Ready, available after
 * minReadySeconds) and revision names. No I/O; unit-tested directly.
 */
#include "petset.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/revision.h"
#include "ckube/rfc3339.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"

int64_t
pet_ordinal(const char *set, const char *name)
{
	size_t n = strlen(set);
	const char *p;
	int64_t v;

	if (strncmp(name, set, n) != 0 || name[n] != '-')
		return -1;
	p = name + n + 1;
	if (*p == '\0' || (p[0] == '0' && p[1] != '\0'))
		return -1;
	for (const char *q = p; *q != '\0'; q++)
		if (!isdigit((unsigned char)*q))
			return -1;
	if (ck_parse_int64(p, &v) < 0 || v < 0)
		return -1;
	return v;
}

void
pet_name(const char *set, int64_t ordinal, struct strbuf *out)
{
	strbuf_reset(out);
	strbuf_addf(out, "%s-%lld", set, (long long)ordinal);
}

void
pet_claim_name(const char *tmpl, const char *pet, struct strbuf *out)
{
	strbuf_reset(out);
	strbuf_addf(out, "%s-%s", tmpl, pet);
}

static bool
str_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

int
pet_set_read(const struct kobj *set, const char *key, struct pet_set *ps)
{
	struct ck_status st;
	const char *s;
	int rc;

	memset(ps, 0, sizeof(*ps));
	ps->key = key;
	ps->obj = set;
	rc = selector_from_json(kobj_get(set, "spec.selector"),
	    "spec.selector", &ps->sel, &st);
	if (rc < 0)
		return CK_EINVALID;
	ps->is_petset = str_eq(kobj_annotation(set, ANN_CREATED_AS), "PetSet");
	ps->parallel = str_eq(kobj_get_str(set, "spec.podManagementPolicy"),
	    "Parallel");
	ps->on_delete = str_eq(kobj_get_str(set, "spec.updateStrategy.type"),
	    "OnDelete");
	ps->replicas = kobj_get_int_or(set, "spec.replicas", 1);
	if (ps->replicas < 0)
		ps->replicas = 0;
	ps->start = kobj_get_int_or(set, "spec.ordinals.start", 0);
	if (ps->start < 0)
		ps->start = 0;
	ps->partition = ps->on_delete ? 0 : kobj_get_int_or(set,
	    "spec.updateStrategy.rollingUpdate.partition", 0);
	ps->min_ready = kobj_get_int_or(set, "spec.minReadySeconds", 0);
	s = kobj_get_str(set,
	    "spec.persistentVolumeClaimRetentionPolicy.whenScaled");
	ps->delete_on_scale = str_eq(s, "Delete");
	s = kobj_get_str(set,
	    "spec.persistentVolumeClaimRetentionPolicy.whenDeleted");
	ps->delete_on_delete = str_eq(s, "Delete");
	return 0;
}

static cJSON *
owner_ref(const struct kobj *set, bool controller)
{
	return kobj_new_owner_ref(set, "apps/v1", "StatefulSet", controller);
}

static void
obj_set(cJSON *o, const char *key, cJSON *v)
{
	if (cJSON_GetObjectItemCaseSensitive(o, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(o, key, v);
	else
		cJSON_AddItemToObject(o, key, v);
}

/* Claim volumes first, then the template's volumes not named by a claim. */
static void
set_claim_volumes(const struct pet_set *ps, cJSON *spec, const char *pet)
{
	const cJSON *claims = kobj_get(ps->obj, "spec.volumeClaimTemplates");
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(spec, "volumes");
	const cJSON *cl, *v, *n;
	struct strbuf name = STRBUF_INIT;
	cJSON *vols, *vol, *pvc;
	bool claimed;

	if (cJSON_GetArraySize(claims) == 0)
		return;
	vols = cJSON_CreateArray();
	cJSON_ArrayForEach(cl, claims) {
		n = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(cl, "metadata"), "name");
		if (!cJSON_IsString(n))
			continue;
		pet_claim_name(n->valuestring, pet, &name);
		vol = cJSON_CreateObject();
		cJSON_AddStringToObject(vol, "name", n->valuestring);
		pvc = cJSON_AddObjectToObject(vol, "persistentVolumeClaim");
		cJSON_AddStringToObject(pvc, "claimName", strbuf_str(&name));
		cJSON_AddItemToArray(vols, vol);
	}
	cJSON_ArrayForEach(v, old) {
		n = cJSON_GetObjectItemCaseSensitive(v, "name");
		claimed = false;
		cJSON_ArrayForEach(cl, claims) {
			const cJSON *cn = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(cl, "metadata"),
			    "name");

			if (cJSON_IsString(n) && cJSON_IsString(cn) &&
			    strcmp(n->valuestring, cn->valuestring) == 0)
				claimed = true;
		}
		if (!claimed)
			cJSON_AddItemToArray(vols, cJSON_Duplicate(v, 1));
	}
	obj_set(spec, "volumes", vols);
	strbuf_fini(&name);
}

struct kobj *
pet_new(const struct pet_set *ps, const cJSON *template, int64_t ordinal,
    const char *revision)
{
	const cJSON *tmeta = cJSON_GetObjectItemCaseSensitive(template,
	    "metadata");
	const cJSON *tspec = cJSON_GetObjectItemCaseSensitive(template, "spec");
	const cJSON *v;
	const char *svc = kobj_get_str(ps->obj, "spec.serviceName");
	struct strbuf name = STRBUF_INIT;
	char idx[24];
	cJSON *root, *meta, *labels, *ann, *refs, *spec;
	struct kobj *pod;

	pet_name(kobj_name(ps->obj), ordinal, &name);
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "apiVersion", "v1");
	cJSON_AddStringToObject(root, "kind", "Pod");
	meta = cJSON_AddObjectToObject(root, "metadata");
	cJSON_AddStringToObject(meta, "name", strbuf_str(&name));
	cJSON_AddStringToObject(meta, "namespace", kobj_namespace(ps->obj));
	v = cJSON_GetObjectItemCaseSensitive(tmeta, "labels");
	labels = cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateObject();
	cJSON_AddItemToObject(meta, "labels", labels);
	obj_set(labels, LABEL_POD_NAME, cJSON_CreateString(strbuf_str(&name)));
	if (revision != NULL)
		obj_set(labels, LABEL_REV_HASH, cJSON_CreateString(revision));
	snprintf(idx, sizeof(idx), "%lld", (long long)ordinal);
	obj_set(labels, LABEL_POD_INDEX, cJSON_CreateString(idx));
	v = cJSON_GetObjectItemCaseSensitive(tmeta, "annotations");
	if (cJSON_IsObject(v) || ps->is_petset) {
		ann = cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
		    cJSON_CreateObject();
		cJSON_AddItemToObject(meta, "annotations", ann);
		if (ps->is_petset) {
			obj_set(ann, ANN_HOSTNAME,
			    cJSON_CreateString(strbuf_str(&name)));
			if (svc != NULL && svc[0] != '\0')
				obj_set(ann, ANN_SUBDOMAIN,
				    cJSON_CreateString(svc));
		}
	}
	refs = cJSON_AddArrayToObject(meta, "ownerReferences");
	cJSON_AddItemToArray(refs, owner_ref(ps->obj, true));
	spec = cJSON_IsObject(tspec) ? cJSON_Duplicate(tspec, 1) :
	    cJSON_CreateObject();
	cJSON_AddItemToObject(root, "spec", spec);
	obj_set(spec, "hostname", cJSON_CreateString(strbuf_str(&name)));
	if (svc != NULL && svc[0] != '\0')
		obj_set(spec, "subdomain", cJSON_CreateString(svc));
	set_claim_volumes(ps, spec, strbuf_str(&name));
	strbuf_fini(&name);
	pod = kobj_new_take(root);
	return pod;
}

struct kobj *
pet_claim_new(const struct pet_set *ps, const cJSON *tmpl, const char *pet)
{
	const cJSON *tmeta = cJSON_GetObjectItemCaseSensitive(tmpl, "metadata");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(tmeta, "name");
	const cJSON *v, *ml;
	struct strbuf name = STRBUF_INIT;
	cJSON *root, *meta, *labels, *refs;

	pet_claim_name(cJSON_IsString(n) ? n->valuestring : "", pet, &name);
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "apiVersion", "v1");
	cJSON_AddStringToObject(root, "kind", "PersistentVolumeClaim");
	meta = cJSON_AddObjectToObject(root, "metadata");
	cJSON_AddStringToObject(meta, "name", strbuf_str(&name));
	cJSON_AddStringToObject(meta, "namespace", kobj_namespace(ps->obj));
	v = cJSON_GetObjectItemCaseSensitive(tmeta, "labels");
	labels = cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateObject();
	ml = kobj_get(ps->obj, "spec.selector.matchLabels");
	cJSON_ArrayForEach(v, ml)
		if (cJSON_IsString(v))
			obj_set(labels, v->string,
			    cJSON_CreateString(v->valuestring));
	cJSON_AddItemToObject(meta, "labels", labels);
	v = cJSON_GetObjectItemCaseSensitive(tmeta, "annotations");
	if (cJSON_IsObject(v))
		cJSON_AddItemToObject(meta, "annotations",
		    cJSON_Duplicate(v, 1));
	/* whenDeleted: Delete: the garbage collector follows the set. */
	if (ps->delete_on_delete) {
		refs = cJSON_AddArrayToObject(meta, "ownerReferences");
		cJSON_AddItemToArray(refs, owner_ref(ps->obj, true));
	}
	v = cJSON_GetObjectItemCaseSensitive(tmpl, "spec");
	cJSON_AddItemToObject(root, "spec", cJSON_IsObject(v) ?
	    cJSON_Duplicate(v, 1) : cJSON_CreateObject());
	strbuf_fini(&name);
	return kobj_new_take(root);
}

bool
pet_identity_matches(const struct pet_set *ps, const struct kobj *pod)
{
	const char *name = kobj_name(pod);
	const char *svc = kobj_get_str(ps->obj, "spec.serviceName");

	if (!str_eq(kobj_label(pod, LABEL_POD_NAME), name))
		return false;
	if (!ps->is_petset)
		return true;
	if (!str_eq(kobj_annotation(pod, ANN_HOSTNAME), name))
		return false;
	return svc == NULL || svc[0] == '\0' ||
	    str_eq(kobj_annotation(pod, ANN_SUBDOMAIN), svc);
}

bool
pet_terminating(const struct kobj *pod)
{
	return kobj_get(pod, "metadata.deletionTimestamp") != NULL;
}

bool
pet_finished(const struct kobj *pod)
{
	const char *phase = kobj_get_str(pod, "status.phase");

	return str_eq(phase, "Failed") || str_eq(phase, "Succeeded");
}

bool
pet_running_ready(const struct pet_set *ps, const struct kobj *pod)
{
	const char *init;

	if (!str_eq(kobj_get_str(pod, "status.phase"), "Running") ||
	    !str_eq(kobj_condition_status(pod, "Ready"), "True"))
		return false;
	/* 1.3's debug hook: a pet not yet initialized pauses the set. */
	init = kobj_annotation(pod, ANN_INITIALIZED);
	return !ps->is_petset || init == NULL || strcmp(init, "true") == 0;
}

bool
pet_available(const struct pet_set *ps, const struct kobj *pod,
    int64_t now_s, int64_t *wait_s)
{
	const cJSON *ltt;
	time_t since;

	if (wait_s != NULL)
		*wait_s = 0;
	if (!pet_running_ready(ps, pod))
		return false;
	if (ps->min_ready <= 0)
		return true;
	ltt = cJSON_GetObjectItemCaseSensitive(kobj_condition(pod, "Ready"),
	    "lastTransitionTime");
	if (!cJSON_IsString(ltt) || rfc3339_parse(ltt->valuestring,
	    &since) < 0)
		return true;	/* no time: Kubernetes counts it available */
	if ((int64_t)since + ps->min_ready <= now_s)
		return true;
	if (wait_s != NULL)
		*wait_s = (int64_t)since + ps->min_ready - now_s;
	return false;
}

void
pet_revision_name(const char *set, const cJSON *template, int64_t collisions,
    struct strbuf *out)
{
	strbuf_reset(out);
	strbuf_addf(out, "%s-", set);
	revision_hash(template, collisions, out);
}
