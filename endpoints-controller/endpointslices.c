/*
 * endpointslices.c: the discovery.k8s.io/v1 EndpointSlices of a Service,
 * kept beside its Endpoints (Kubernetes' EndpointSliceController reconciler,
 * simplified): pods grouped by their resolved port list, at most
 * ENDPOINTSLICE_MAX_ENDPOINTS endpoints a slice, each slice owned by the
 * Service and labelled with its name. Existing slices are matched to the
 * desired ones in name order: rewritten only when they differ, extra ones
 * deleted, missing ones created with generateName "<svc>-".
 */
#include "endpoints.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/strmap.h"

static const struct client_gvr gvr_slices =
    { "discovery.k8s.io", "v1", "endpointslices" };

/* ---- pure: the desired slices ---- */

static bool
pod_is_ready(const struct kobj *pod)
{
	const char *s = kobj_condition_status(pod, "Ready");

	return s != NULL && strcmp(s, "True") == 0;
}

/* endpointutil.ShouldPodBeInEndpoints(pod, includeTerminating=true). */
static bool
pod_wanted(const struct kobj *pod)
{
	const char *ip = kobj_get_str(pod, "status.podIP");
	const char *phase = kobj_get_str(pod, "status.phase");

	if (ip == NULL || ip[0] == '\0')
		return false;
	return phase == NULL || (strcmp(phase, "Succeeded") != 0 &&
	    strcmp(phase, "Failed") != 0);
}

/* podToEndpoint: addresses, conditions, hostname, nodeName, targetRef. */
static cJSON *
endpoint_of(const struct kobj *pod, const struct kobj *svc)
{
	cJSON *ep = cJSON_CreateObject(), *addrs, *cond, *ref;
	const char *node = kobj_get_str(pod, "spec.nodeName");
	const char *host = kobj_get_str(pod, "spec.hostname");
	const char *sub = kobj_get_str(pod, "spec.subdomain");
	bool publish = cJSON_IsTrue(kobj_get(svc,
	    "spec.publishNotReadyAddresses"));
	bool terminating = kobj_get(pod, "metadata.deletionTimestamp") != NULL;
	bool serving = publish || pod_is_ready(pod);

	addrs = cJSON_AddArrayToObject(ep, "addresses");
	cJSON_AddItemToArray(addrs, cJSON_CreateString(kobj_get_str(pod,
	    "status.podIP")));
	cond = cJSON_AddObjectToObject(ep, "conditions");
	cJSON_AddBoolToObject(cond, "ready", publish ||
	    (serving && !terminating));
	cJSON_AddBoolToObject(cond, "serving", serving);
	cJSON_AddBoolToObject(cond, "terminating", terminating);
	if (host != NULL && host[0] != '\0' && sub != NULL &&
	    strcmp(sub, kobj_name(svc)) == 0)
		cJSON_AddStringToObject(ep, "hostname", host);
	if (node != NULL && node[0] != '\0')
		cJSON_AddStringToObject(ep, "nodeName", node);
	ref = cJSON_AddObjectToObject(ep, "targetRef");
	cJSON_AddStringToObject(ref, "kind", "Pod");
	cJSON_AddStringToObject(ref, "namespace", kobj_namespace(pod));
	cJSON_AddStringToObject(ref, "name", kobj_name(pod));
	cJSON_AddStringToObject(ref, "uid", kobj_uid(pod));
	return ep;
}

/*
 * getEndpointPorts: one port per Service port the pod resolves (a missing
 * named port only drops that port). The name is always set, "" when the
 * Service port has none (kubectl describe dereferences it).
 */
static cJSON *
ports_of(const struct kobj *pod, const struct kobj *svc)
{
	cJSON *ports = cJSON_CreateArray(), *p;
	const cJSON *sp;

	cJSON_ArrayForEach(sp, kobj_get(svc, "spec.ports")) {
		p = endpoints_port_for(sp, pod);
		if (p == NULL)
			continue;
		if (cJSON_GetObjectItemCaseSensitive(p, "name") == NULL)
			cJSON_AddStringToObject(p, "name", "");
		cJSON_AddItemToArray(ports, p);
	}
	return ports;
}

/* The open (not full) slice of desired whose ports equal ports (consumed). */
static cJSON *
slice_for(cJSON *desired, cJSON *ports)
{
	cJSON *s;

	cJSON_ArrayForEach(s, desired) {
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(s,
		    "endpoints")) < ENDPOINTSLICE_MAX_ENDPOINTS &&
		    cJSON_Compare(cJSON_GetObjectItemCaseSensitive(s, "ports"),
		    ports, 1)) {
			cJSON_Delete(ports);
			return s;
		}
	}
	s = cJSON_CreateObject();
	cJSON_AddItemToObject(s, "ports", ports);
	cJSON_AddArrayToObject(s, "endpoints");
	cJSON_AddItemToArray(desired, s);
	return s;
}

cJSON *
endpointslices_desired(const struct kobj *svc, struct kobj *const *pods,
    size_t n)
{
	cJSON *desired = cJSON_CreateArray(), *s;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!pod_wanted(pods[i]))
			continue;
		s = slice_for(desired, ports_of(pods[i], svc));
		cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(s,
		    "endpoints"), endpoint_of(pods[i], svc));
	}
	return desired;
}

/* ---- the writes ---- */

/*
 * Names this controller created whose watch events are not in yet; past
 * SLICE_PENDING_MS an entry no longer holds reconciles back (a lost event).
 */
#define SLICE_PENDING_MS	10000
struct slice_tracker {
	pthread_mutex_t	 mu;
	struct strmap	*pending;	/* "ns/name" -> struct pending_slice */
};

/* A map value owning its key (strmap borrows keys). */
struct pending_slice {
	uint64_t	 deadline_ms;
	char		 key[];
};

int
endpointslices_init(struct controller *c)
{
	struct slice_tracker *t = ck_calloc(1, sizeof(*t));

	pthread_mutex_init(&t->mu, NULL);
	t->pending = strmap_new();
	controller_set_data(c, t);
	return 0;
}

void
endpointslices_fini(struct controller *c)
{
	struct slice_tracker *t = controller_data(c);

	if (t == NULL)
		return;
	strmap_free(t->pending, free);
	pthread_mutex_destroy(&t->mu);
	free(t);
	controller_set_data(c, NULL);
}

/*
 * Remember obj until its watch event is in. The event may come before this
 * call returns: then the cache already holds it (the cache is filled before
 * handlers run), so look after recording.
 */
static void
track_created(struct controller *c, const struct kobj *obj)
{
	struct slice_tracker *t = controller_data(c);
	struct pending_slice *p;
	struct kobj *seen;
	size_t len;

	if (t == NULL || obj == NULL)
		return;
	len = strlen(kobj_key(obj)) + 1;
	p = ck_malloc(sizeof(*p) + len);
	memcpy(p->key, kobj_key(obj), len);
	p->deadline_ms = ck_now_ms() + SLICE_PENDING_MS;
	pthread_mutex_lock(&t->mu);
	free(strmap_put(t->pending, p->key, p));
	pthread_mutex_unlock(&t->mu);
	seen = cache_get(controller_cache(c, ENDPOINTSLICE_RESOURCE),
	    kobj_key(obj));
	if (seen != NULL) {
		pthread_mutex_lock(&t->mu);
		free(strmap_remove(t->pending, kobj_key(obj)));
		pthread_mutex_unlock(&t->mu);
	}
	kobj_unref(seen);
}

static void
pending_live(const char *key, void *value, void *arg)
{
	const struct pending_slice *p = value;
	uint64_t *now = arg;

	(void)key;
	if (p->deadline_ms > now[0])
		now[1]++;
}

/* A slice seen by the informer is no longer pending. */
static void
track_seen(struct controller *c, const struct kobj *obj)
{
	struct slice_tracker *t = controller_data(c);

	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	free(strmap_remove(t->pending, kobj_key(obj)));
	pthread_mutex_unlock(&t->mu);
}

static bool
owned_by(const struct kobj *slice, const char *ns, const char *svc)
{
	const char *sn = kobj_label(slice, ENDPOINTSLICE_LABEL_SERVICE);
	const char *mb = kobj_label(slice, ENDPOINTSLICE_LABEL_MANAGED_BY);

	return sn != NULL && mb != NULL && strcmp(sn, svc) == 0 &&
	    strcmp(mb, ENDPOINTSLICE_MANAGER) == 0 &&
	    strcmp(kobj_namespace(slice), ns) == 0;
}

void
endpointslices_map(struct controller *c, const struct kobj *slice)
{
	const char *sn = kobj_label(slice, ENDPOINTSLICE_LABEL_SERVICE);
	char key[2 * CK_NAME_MAX + 2];

	track_seen(c, slice);
	if (sn == NULL || !owned_by(slice, kobj_namespace(slice), sn))
		return;
	snprintf(key, sizeof(key), "%s/%s", kobj_namespace(slice), sn);
	controller_enqueue(c, key);
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(kobj_name(*(struct kobj *const *)a),
	    kobj_name(*(struct kobj *const *)b));
}

/*
 * The Service's slices in the cache, sorted by name, into *out (n of
 * them); CK_ECONFLICT while a slice it created is not in the cache yet.
 */
static int
list_owned(struct controller *c, const char *ns, const char *svc,
    struct kobj ***out, size_t *n)
{
	struct cache *slices = controller_cache(c, ENDPOINTSLICE_RESOURCE);
	struct slice_tracker *t = controller_data(c);
	struct kobj **list;
	size_t i, k = 0, total;
	bool pending = false;

	list = cache_list_by_index(slices, CACHE_INDEX_NAMESPACE, ns, &total);
	for (i = 0; i < total; i++) {
		if (owned_by(list[i], ns, svc))
			list[k++] = list[i];
		else
			kobj_unref(list[i]);
	}
	if (k > 1)
		qsort(list, k, sizeof(*list), cmp_name);
	if (t != NULL) {
		uint64_t now[2] = { ck_now_ms(), 0 };

		pthread_mutex_lock(&t->mu);
		strmap_foreach(t->pending, pending_live, now);
		pthread_mutex_unlock(&t->mu);
		pending = now[1] > 0;
	}
	*out = list;
	*n = k;
	return pending ? CK_ECONFLICT : 0;
}

/* Labels: the Service's, then the two of the controller. */
static cJSON *
slice_labels(const struct kobj *svc)
{
	const cJSON *sl = kobj_labels(svc);
	cJSON *l = sl != NULL ? cJSON_Duplicate(sl, 1) : cJSON_CreateObject();

	cJSON_DeleteItemFromObjectCaseSensitive(l, ENDPOINTSLICE_LABEL_SERVICE);
	cJSON_DeleteItemFromObjectCaseSensitive(l,
	    ENDPOINTSLICE_LABEL_MANAGED_BY);
	cJSON_AddStringToObject(l, ENDPOINTSLICE_LABEL_SERVICE, kobj_name(svc));
	cJSON_AddStringToObject(l, ENDPOINTSLICE_LABEL_MANAGED_BY,
	    ENDPOINTSLICE_MANAGER);
	return l;
}

/*
 * Copies, not kobj_get(): a decoded copy of a slice's endpoints (hundreds
 * of pods) would stay with the cached slice.
 */
static bool
slice_in_sync(const struct kobj *cur, const cJSON *want, const cJSON *labels)
{
	cJSON *eps = kobj_get_copy(cur, "endpoints");
	cJSON *ports = kobj_get_copy(cur, "ports");
	const cJSON *weps = cJSON_GetObjectItemCaseSensitive(want, "endpoints");
	const cJSON *wports = cJSON_GetObjectItemCaseSensitive(want, "ports");
	const char *at = kobj_get_str(cur, "addressType");
	bool same = false;

	if (at == NULL || strcmp(at, "IPv4") != 0)
		goto out;
	if (!(eps == NULL ? cJSON_GetArraySize(weps) == 0 :
	    cJSON_Compare(eps, weps, 1)))
		goto out;
	if (!(ports == NULL ? cJSON_GetArraySize(wports) == 0 :
	    cJSON_Compare(ports, wports, 1)))
		goto out;
	same = cJSON_Compare(kobj_labels(cur), labels, 1);
out:
	cJSON_Delete(eps);
	cJSON_Delete(ports);
	return same;
}

static int
fill_slice(struct kobj *obj, const cJSON *want, const cJSON *labels)
{
	int rc;

	rc = kobj_set_str(obj, "addressType", "IPv4");
	if (rc == 0)
		rc = kobj_set_json(obj, "endpoints", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(want, "endpoints"), 1));
	if (rc == 0)
		rc = kobj_set_json(obj, "ports", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(want, "ports"), 1));
	if (rc == 0)
		rc = kobj_set_json(obj, "metadata.labels",
		    cJSON_Duplicate(labels, 1));
	return rc;
}

static int
create_slice(struct controller *c, const struct kobj *svc, const cJSON *want,
    const cJSON *labels)
{
	struct kobj *obj = kobj_new("discovery.k8s.io/v1", "EndpointSlice");
	struct kobj *out = NULL;
	cJSON *refs;
	char gen[CK_NAME_MAX + 2];
	struct ck_status st;
	int rc;

	snprintf(gen, sizeof(gen), "%s-", kobj_name(svc));
	refs = cJSON_CreateArray();
	cJSON_AddItemToArray(refs, kobj_new_owner_ref(svc, "v1", "Service",
	    true));
	rc = kobj_set_str(obj, "metadata.generateName", gen);
	if (rc == 0)
		rc = kobj_set_str(obj, "metadata.namespace",
		    kobj_namespace(svc));
	kobj_touch(obj);
	if (rc == 0)
		rc = kobj_set_json(obj, "metadata.ownerReferences", refs);
	else
		cJSON_Delete(refs);
	if (rc == 0)
		rc = fill_slice(obj, want, labels);
	if (rc == 0)
		rc = controller_create(c, obj, &out, &st);
	if (rc == 0)
		track_created(c, out);
	kobj_unref(out);
	kobj_unref(obj);
	return rc;
}

static int
update_slice(struct controller *c, const struct kobj *cur, const cJSON *want,
    const cJSON *labels)
{
	struct kobj *obj = kobj_copy(cur);
	struct ck_status st;
	int rc;

	rc = fill_slice(obj, want, labels);
	if (rc == 0)
		rc = controller_update(c, obj, NULL, &st);
	kobj_unref(obj);
	return rc;
}

static int
delete_slice(struct controller *c, const struct kobj *cur)
{
	struct ck_status st;
	int rc;

	rc = controller_delete(c, &gvr_slices, kobj_namespace(cur),
	    kobj_name(cur), NULL, &st);
	return rc == CK_ENOTFOUND ? 0 : rc;
}

int
endpointslices_sync(struct controller *c, const char *ns, const char *name,
    const struct kobj *svc, struct kobj *const *pods, size_t npods)
{
	struct kobj **have = NULL;
	cJSON *desired = NULL, *labels = NULL, *want;
	size_t i, n = 0, nwant;
	int rc, r;

	if (controller_cache(c, ENDPOINTSLICE_RESOURCE) == NULL)
		return 0;
	rc = list_owned(c, ns, name, &have, &n);
	if (rc < 0)
		goto out;	/* our last creates are not seen yet */
	if (svc != NULL) {
		desired = endpointslices_desired(svc, pods, npods);
		labels = slice_labels(svc);
	}
	nwant = desired != NULL ? (size_t)cJSON_GetArraySize(desired) : 0;
	/* A Service with no endpoints still has one (empty) slice. */
	if (svc != NULL && nwant == 0) {
		want = cJSON_CreateObject();
		cJSON_AddArrayToObject(want, "ports");
		cJSON_AddArrayToObject(want, "endpoints");
		cJSON_AddItemToArray(desired, want);
		nwant = 1;
	}
	for (i = 0; i < nwant || i < n; i++) {
		want = i < nwant ? cJSON_GetArrayItem(desired, (int)i) : NULL;
		if (want != NULL && i < n) {
			if (slice_in_sync(have[i], want, labels))
				continue;
			r = update_slice(c, have[i], want, labels);
		} else if (want != NULL)
			r = create_slice(c, svc, want, labels);
		else
			r = delete_slice(c, have[i]);
		if (r < 0 && rc == 0)
			rc = r;
	}
out:
	cache_list_free(have, n);
	cJSON_Delete(desired);
	cJSON_Delete(labels);
	return rc;
}
