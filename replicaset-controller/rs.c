/*
 * rs.c: rs_reconcile(), the ReplicaSet / ReplicationController algorithm
 * (Kubernetes' ReplicaSetController.syncReplicaSet): adopt matching
 * orphans, release pods that stopped matching, create or delete pods to
 * reach spec.replicas under expectations, then write status if it changed.
 */
#include "rs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/expectations.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/nametrack.h"
#include "ckube/podutil.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"

#define RS_RES		"replicasets.apps"
#define RC_RES		"replicationcontrollers"
#define FILL_WAIT_MS	100	/* a new owner waits this often for its orphans */

/* One owner being reconciled. */
struct rs_owner {
	const char		*key;		/* "rs:ns/name" */
	bool			 is_rc;
	const struct kobj	*obj;
	struct label_selector	*sel;
};

static void
enqueue_kind(struct controller *c, const char *prefix, const struct kobj *o)
{
	struct strbuf key = STRBUF_INIT;

	strbuf_addf(&key, "%s:%s", prefix, kobj_key(o));
	controller_enqueue(c, strbuf_str(&key));
	strbuf_fini(&key);
}

void
rs_map_rs(struct controller *c, const struct kobj *obj)
{
	enqueue_kind(c, "rs", obj);
}

void
rs_map_rc(struct controller *c, const struct kobj *obj)
{
	enqueue_kind(c, "rc", obj);
}

static int
owner_selector(const struct kobj *o, bool is_rc, struct label_selector **out)
{
	struct ck_status st;
	const cJSON *sel = kobj_get(o, "spec.selector");

	if (is_rc) {
		if (sel == NULL || cJSON_IsNull(sel))
			sel = kobj_get(o, "spec.template.metadata.labels");
		if (sel == NULL || cJSON_GetArraySize(sel) == 0)
			return selector_from_json(NULL, "spec.selector", out,
			    &st);	/* matches nothing */
		return selector_from_map(sel, "spec.selector", out, &st);
	}
	return selector_from_json(sel, "spec.selector", out, &st);
}

static int
rs_selector(const struct kobj *o, struct label_selector **out)
{
	return owner_selector(o, false, out);
}

static int
rc_selector(const struct kobj *o, struct label_selector **out)
{
	return owner_selector(o, true, out);
}

bool
rs_want_pod(struct controller *c, const struct kobj *pod)
{
	const char *kind;

	if (!kobj_has_controller_ref(pod))
		return controller_selected_by(c, RS_RES, pod, rs_selector) ||
		    controller_selected_by(c, RC_RES, pod, rc_selector);
	kind = kobj_controller_ref_str(pod, "kind");
	return kind != NULL && (strcmp(kind, "ReplicaSet") == 0 ||
	    strcmp(kind, "ReplicationController") == 0);
}

/*
 * The orphans older than the owner (or its selector) were never cached:
 * CK_EAGAIN until they are in.
 */
static int
fill_orphans(struct controller *c, const struct rs_owner *o)
{
	if (selector_is_empty(o->sel))
		return 0;
	return controller_fill_selected(c, "pods", o->obj, o->sel);
}

/* Enqueue the owners a pod may concern: its controller, or matching ones. */
static void
map_pod_in(struct controller *c, const char *res, const char *prefix,
    const struct kobj *pod)
{
	struct cache *owners = controller_cache(c, res);
	struct kobj **list;
	struct label_selector *sel;
	size_t i, n;

	if (owners == NULL)
		return;
	list = cache_list_by_index(owners, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(pod), &n);
	for (i = 0; i < n; i++) {
		if (owner_selector(list[i], strcmp(prefix, "rc") == 0,
		    &sel) < 0)
			continue;
		if (selector_matches_obj(sel, pod))
			enqueue_kind(c, prefix, list[i]);
		selector_free(sel);
	}
	cache_list_free(list, n);
}

void
rs_map_pod(struct controller *c, const struct kobj *pod)
{
	const char *kind, *name;
	struct strbuf key = STRBUF_INIT;

	/* Read in place: pod is the cached one (no decoded copy kept). */
	if (!kobj_has_controller_ref(pod)) {
		map_pod_in(c, RS_RES, "rs", pod);
		map_pod_in(c, RC_RES, "rc", pod);
		return;
	}
	kind = kobj_controller_ref_str(pod, "kind");
	name = kobj_controller_ref_str(pod, "name");
	if (kind == NULL || name == NULL)
		return;
	if (strcmp(kind, "ReplicaSet") == 0)
		strbuf_addf(&key, "rs:%s/%s", kobj_namespace(pod), name);
	else if (strcmp(kind, "ReplicationController") == 0)
		strbuf_addf(&key, "rc:%s/%s", kobj_namespace(pod), name);
	if (strbuf_str(&key)[0] != '\0')
		controller_enqueue(c, strbuf_str(&key));
	strbuf_fini(&key);
}

static cJSON *
owner_ref(const struct rs_owner *o)
{
	return kobj_new_owner_ref(o->obj, o->is_rc ? "v1" : "apps/v1",
	    o->is_rc ? "ReplicationController" : "ReplicaSet", true);
}

/*
 * Patch pod's ownerReferences: add ours (adopt) or drop ours (release).
 * The merge patch carries the uid as a precondition of sorts: a pod
 * replaced under the same name fails validation rather than being adopted.
 */
static int
patch_owner(struct controller *c, const struct rs_owner *o,
    const struct kobj *pod, bool adopt)
{
	const cJSON *refs = kobj_get(pod, "metadata.ownerReferences");
	const cJSON *r, *uid;
	cJSON *patch, *meta, *list;
	struct ck_status st;
	int rc;

	list = cJSON_CreateArray();
	cJSON_ArrayForEach(r, refs) {
		uid = cJSON_GetObjectItemCaseSensitive(r, "uid");
		if (cJSON_IsString(uid) &&
		    strcmp(uid->valuestring, kobj_uid(o->obj)) == 0)
			continue;
		cJSON_AddItemToArray(list, cJSON_Duplicate(r, 1));
	}
	if (adopt)
		cJSON_AddItemToArray(list, owner_ref(o));
	patch = cJSON_CreateObject();
	meta = cJSON_AddObjectToObject(patch, "metadata");
	cJSON_AddStringToObject(meta, "uid", kobj_uid(pod));
	if (cJSON_GetArraySize(list) == 0) {
		cJSON_Delete(list);
		cJSON_AddNullToObject(meta, "ownerReferences");
	} else
		cJSON_AddItemToObject(meta, "ownerReferences", list);
	rc = controller_patch(c, &CLIENT_GVR_PODS, kobj_namespace(pod),
	    kobj_name(pod), NULL, CLIENT_PATCH_MERGE, patch, NULL, &st);
	cJSON_Delete(patch);
	if (rc == CK_ENOTFOUND)
		rc = 0;		/* gone meanwhile: nothing to own */
	if (rc < 0)
		log_warn("%s: %s pod %s: %s", o->key, adopt ? "adopting" :
		    "releasing", kobj_name(pod), ck_strerror(rc));
	return rc;
}

/* "<owner>-" plus 5 characters of Kubernetes' name alphabet. */
static void
pod_name(const struct kobj *owner, struct strbuf *out)
{
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char rnd[5];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(ck_now_us() >> (i * 3));
	strbuf_addf(out, "%s-", kobj_name(owner));
	for (i = 0; i < sizeof(rnd); i++)
		strbuf_addf(out, "%c", alpha[rnd[i] % (sizeof(alpha) - 1)]);
}

static struct kobj *
pod_from_template(const struct rs_owner *o, const char *name)
{
	struct kobj *pod = kobj_new("v1", "Pod");
	const cJSON *v;
	cJSON *refs;
	struct strbuf gen = STRBUF_INIT;
	int rc;

	strbuf_addf(&gen, "%s-", kobj_name(o->obj));
	rc = kobj_set_str(pod, "metadata.name", name);
	if (rc == 0)
		rc = kobj_set_str(pod, "metadata.generateName",
		    strbuf_str(&gen));
	if (rc == 0)
		rc = kobj_set_str(pod, "metadata.namespace",
		    kobj_namespace(o->obj));
	strbuf_fini(&gen);
	if (rc == 0 && (v = kobj_get(o->obj,
	    "spec.template.metadata.labels")) != NULL)
		rc = kobj_set_json(pod, "metadata.labels",
		    cJSON_Duplicate(v, 1));
	if (rc == 0 && (v = kobj_get(o->obj,
	    "spec.template.metadata.annotations")) != NULL)
		rc = kobj_set_json(pod, "metadata.annotations",
		    cJSON_Duplicate(v, 1));
	if (rc == 0) {
		refs = cJSON_CreateArray();
		cJSON_AddItemToArray(refs, owner_ref(o));
		rc = kobj_set_json(pod, "metadata.ownerReferences", refs);
	}
	v = kobj_get(o->obj, "spec.template.spec");
	if (rc == 0)
		rc = kobj_set_json(pod, "spec", v != NULL ?
		    cJSON_Duplicate(v, 1) : cJSON_CreateObject());
	if (rc < 0) {
		kobj_unref(pod);
		return NULL;
	}
	kobj_touch(pod);
	return pod;
}

/* Create up to want pods in slow-start batches 1, 2, 4, ... */
static int
create_pods(struct controller *c, const struct rs_owner *o, int64_t want)
{
	struct nametrack *t = controller_data(c);
	struct strbuf name = STRBUF_INIT;
	struct ck_status st;
	struct kobj *pod;
	int64_t batch = 1, done = 0, i;
	int rc = 0;

	if (want > RS_BURST)
		want = RS_BURST;
	while (done < want && rc == 0) {
		if (batch > want - done)
			batch = want - done;
		for (i = 0; i < batch; i++) {
			strbuf_reset(&name);
			pod_name(o->obj, &name);
			pod = pod_from_template(o, strbuf_str(&name));
			if (pod == NULL) {
				rc = CK_EINVALID;
				break;
			}
			nametrack_expect(t, o->key, strbuf_str(&name), false);
			ck_status_clear(&st);
			rc = controller_create(c, pod, NULL, &st);
			kobj_unref(pod);
			if (rc < 0) {
				nametrack_forget(t, o->key, strbuf_str(&name),
				    false);
				/* The server's words: a quota's, PodSecurity's 403. */
				controller_event(c, o->obj, "Warning",
				    "FailedCreate", "Error creating: %s",
				    st.message[0] != '\0' ? st.message :
				    ck_strerror(rc));
				break;
			}
			controller_event(c, o->obj, "Normal",
			    "SuccessfulCreate", "Created pod: %s",
			    strbuf_str(&name));
		}
		done += batch;
		batch *= 2;
	}
	strbuf_fini(&name);
	return rc;
}

static int
delete_pods(struct controller *c, const struct rs_owner *o,
    struct kobj **owned, size_t nowned, int64_t n)
{
	struct nametrack *t = controller_data(c);
	struct ck_status st;
	size_t i;
	int rc = 0, r;

	if (n > RS_BURST)
		n = RS_BURST;
	rs_sort_for_delete(owned, nowned);
	for (i = 0; i < (size_t)n && i < nowned; i++) {
		nametrack_expect(t, o->key, kobj_name(owned[i]), true);
		r = controller_delete(c, &CLIENT_GVR_PODS,
		    kobj_namespace(owned[i]), kobj_name(owned[i]), NULL, &st);
		if (r == CK_ENOTFOUND)
			r = 0;
		if (r < 0) {
			nametrack_forget(t, o->key, kobj_name(owned[i]), true);
			controller_event(c, o->obj, "Warning", "FailedDelete",
			    "Error deleting: %s", ck_strerror(r));
			rc = r;
			continue;
		}
		controller_event(c, o->obj, "Normal", "SuccessfulDelete",
		    "Deleted pod: %s", kobj_name(owned[i]));
	}
	return rc;
}

static bool
labels_superset(const struct kobj *pod, const cJSON *want)
{
	const cJSON *w;
	const char *h;

	/* In place: a decoded copy of the labels would stay with the pod. */
	cJSON_ArrayForEach(w, want) {
		h = kobj_label(pod, w->string);
		if (h == NULL || !cJSON_IsString(w) ||
		    strcmp(h, w->valuestring) != 0)
			return false;
	}
	return true;
}

/* Write status when it differs; *requeue_ms gets a minReadySeconds wait. */
static int
update_status(struct controller *c, const struct rs_owner *o,
    struct kobj **owned, size_t nowned, unsigned int *requeue_ms)
{
	const cJSON *tlabels = kobj_get(o->obj,
	    "spec.template.metadata.labels");
	int64_t min_ready = kobj_get_int_or(o->obj, "spec.minReadySeconds", 0);
	int64_t now = (int64_t)time(NULL), wait, minwait = 0;
	int64_t full = 0, ready = 0, avail = 0;
	struct kobj *cp;
	struct ck_status st;
	size_t i;
	int rc;

	for (i = 0; i < nowned; i++) {
		if (labels_superset(owned[i], tlabels))
			full++;
		if (pod_ready(owned[i]))
			ready++;
		if (pod_available(owned[i], min_ready, now, &wait))
			avail++;
		else if (wait > 0 && (minwait == 0 || wait < minwait))
			minwait = wait;
	}
	*requeue_ms = (unsigned int)minwait * 1000u;
	if (kobj_get_int_or(o->obj, "status.replicas", -1) ==
	    (int64_t)nowned &&
	    kobj_get_int_or(o->obj, "status.fullyLabeledReplicas", 0) == full &&
	    kobj_get_int_or(o->obj, "status.readyReplicas", 0) == ready &&
	    kobj_get_int_or(o->obj, "status.availableReplicas", 0) == avail &&
	    kobj_get_int_or(o->obj, "status.observedGeneration", 0) ==
	    kobj_get_int_or(o->obj, "metadata.generation", 0))
		return 0;
	cp = kobj_copy(o->obj);
	rc = kobj_set_int(cp, "status.replicas", (int64_t)nowned);
	if (rc == 0)
		rc = kobj_set_int(cp, "status.fullyLabeledReplicas", full);
	if (rc == 0)
		rc = kobj_set_int(cp, "status.readyReplicas", ready);
	if (rc == 0)
		rc = kobj_set_int(cp, "status.availableReplicas", avail);
	if (rc == 0)
		rc = kobj_set_int(cp, "status.observedGeneration",
		    kobj_get_int_or(o->obj, "metadata.generation", 0));
	if (rc == 0)
		rc = controller_update_status(c, cp, NULL, &st);
	kobj_unref(cp);
	return rc;
}

/* Sort the namespace's pods into ours (adopting and releasing). */
static int
claim_pods(struct controller *c, const struct rs_owner *o,
    struct kobj ***owned, size_t *nowned)
{
	struct cache *pods = controller_cache(c, "pods");
	struct kobj **list;
	const char *uid;
	bool deleting = kobj_get(o->obj, "metadata.deletionTimestamp") != NULL;
	bool ours, match;
	size_t i, n;
	int rc = 0;

	*owned = ck_calloc(1, sizeof(**owned));
	*nowned = 0;
	list = cache_list_by_index(pods, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(o->obj), &n);
	*owned = ck_reallocarray(*owned, n + 1, sizeof(**owned));
	for (i = 0; i < n; i++) {
		if (!pod_active(list[i]))
			continue;
		uid = kobj_controller_ref_str(list[i], "uid");
		ours = uid != NULL && strcmp(uid, kobj_uid(o->obj)) == 0;
		if (!ours && kobj_has_controller_ref(list[i]))
			continue;	/* someone else's */
		match = selector_matches_obj(o->sel, list[i]);
		if (ours && !match) {
			if (patch_owner(c, o, list[i], false) < 0)
				rc = CK_EAGAIN;
			continue;
		}
		if (!ours) {
			if (!match || deleting)
				continue;
			if (patch_owner(c, o, list[i], true) < 0) {
				rc = CK_EAGAIN;
				continue;
			}
		}
		(*owned)[(*nowned)++] = kobj_ref(list[i]);
	}
	cache_list_free(list, n);
	return rc;
}

int
rs_reconcile(struct controller *c, const char *key)
{
	struct nametrack *t = controller_data(c);
	struct cache *owners, *pods = controller_cache(c, "pods");
	struct rs_owner o = { .key = key };
	struct kobj *obj = NULL, **owned = NULL;
	size_t nowned = 0;
	unsigned int requeue_ms = 0;
	int64_t replicas, diff;
	int rc = 0, r;

	if (strncmp(key, "rc:", 3) == 0)
		o.is_rc = true;
	else if (strncmp(key, "rs:", 3) != 0)
		return 0;	/* not a key of ours */
	owners = controller_cache(c, o.is_rc ? RC_RES : RS_RES);
	if (owners != NULL)
		obj = cache_get(owners, key + 3);
	if (obj == NULL || pods == NULL) {
		nametrack_drop(t, key);
		goto out;
	}
	o.obj = obj;
	if (owner_selector(obj, o.is_rc, &o.sel) < 0) {
		log_warn("%s: invalid selector; skipped", key);
		goto out;
	}
	if (fill_orphans(c, &o) == CK_EAGAIN) {
		controller_requeue_after(c, key, FILL_WAIT_MS);
		goto out;
	}
	rc = claim_pods(c, &o, &owned, &nowned);
	replicas = kobj_get_int_or(obj, "spec.replicas", 1);
	if (nametrack_observe(t, key, pods, ck_now_ms(),
	    EXPECTATIONS_TTL_MS) == 0 &&
	    kobj_get(obj, "metadata.deletionTimestamp") == NULL) {
		diff = (int64_t)nowned - replicas;
		if (diff < 0)
			r = create_pods(c, &o, -diff);
		else if (diff > 0)
			r = delete_pods(c, &o, owned, nowned, diff);
		else
			r = 0;
		if (r < 0 && rc == 0)
			rc = r;
	}
	r = update_status(c, &o, owned, nowned, &requeue_ms);
	if (r < 0 && rc == 0)
		rc = r;
	if (rc == 0 && requeue_ms > 0)
		controller_requeue_after(c, key, requeue_ms);
out:
	cache_list_free(owned, nowned);
	selector_free(o.sel);
	kobj_unref(obj);
	return rc;
}
