/*
 * endpoints.c: endpoints_reconcile() (Kubernetes' EndpointController
 * syncService): the Endpoints named as a Service with a selector list the
 * matching pods' IPs, ready ones in addresses and the others in
 * notReadyAddresses, grouped by their resolved ports. Written only when it
 * changes; removed with its Service. Its EndpointSlices follow
 * (endpointslices.c).
 */
#include "endpoints.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/selector.h"

#define LEADER_ANNOTATION	"control-plane.alpha.kubernetes.io/leader"
#define FILL_WAIT_MS		100	/* a new Service waits for its pods */

static int
service_selector(const struct kobj *svc, struct label_selector **out)
{
	const cJSON *sel = kobj_get(svc, "spec.selector");
	struct ck_status st;

	if (sel == NULL || !cJSON_IsObject(sel) ||
	    cJSON_GetArraySize(sel) == 0)
		return CK_ENOTFOUND;	/* no selector: not ours */
	return selector_from_map(sel, "spec.selector", out, &st);
}

/* The pods watch's filter: a Service of its namespace selects the pod. */
bool
endpoints_want_pod(struct controller *c, const struct kobj *pod)
{
	return controller_selected_by(c, "services", pod, service_selector);
}

void
endpoints_map_pod(struct controller *c, const struct kobj *pod)
{
	struct cache *svcs = controller_cache(c, "services");
	struct label_selector *sel;
	struct kobj **list;
	size_t i, n;

	if (svcs == NULL)
		return;
	list = cache_list_by_index(svcs, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(pod), &n);
	for (i = 0; i < n; i++) {
		if (service_selector(list[i], &sel) < 0)
			continue;
		if (selector_matches_obj(sel, pod))
			controller_enqueue(c, kobj_key(list[i]));
		selector_free(sel);
	}
	cache_list_free(list, n);
}

static bool
pod_ready(const struct kobj *pod)
{
	const char *s = kobj_condition_status(pod, "Ready");

	return s != NULL && strcmp(s, "True") == 0;
}

/* A 1.3 pod's identity: the field when set, else its beta annotation. */
static const char *
pod_field_or_annotation(const struct kobj *pod, const char *path,
    const char *annotation)
{
	const char *v = kobj_get_str(pod, path);

	return v != NULL && v[0] != '\0' ? v : kobj_annotation(pod, annotation);
}

static cJSON *
address_of(const struct kobj *pod, const struct kobj *svc)
{
	cJSON *a = cJSON_CreateObject(), *ref;
	const char *node = kobj_get_str(pod, "spec.nodeName");
	const char *host = pod_field_or_annotation(pod, "spec.hostname",
	    "pod.beta.kubernetes.io/hostname");
	const char *sub = pod_field_or_annotation(pod, "spec.subdomain",
	    "pod.beta.kubernetes.io/subdomain");

	cJSON_AddStringToObject(a, "ip", kobj_get_str(pod, "status.podIP"));
	if (host != NULL && host[0] != '\0' && sub != NULL &&
	    strcmp(sub, kobj_name(svc)) == 0)
		cJSON_AddStringToObject(a, "hostname", host);
	if (node != NULL && node[0] != '\0')
		cJSON_AddStringToObject(a, "nodeName", node);
	ref = cJSON_AddObjectToObject(a, "targetRef");
	cJSON_AddStringToObject(ref, "kind", "Pod");
	cJSON_AddStringToObject(ref, "namespace", kobj_namespace(pod));
	cJSON_AddStringToObject(ref, "name", kobj_name(pod));
	cJSON_AddStringToObject(ref, "uid", kobj_uid(pod));
	return a;
}

/* The subset whose ports equal ports (consumed), made if missing. */
static cJSON *
subset_for(cJSON *subsets, cJSON *ports)
{
	cJSON *s;

	cJSON_ArrayForEach(s, subsets) {
		if (cJSON_Compare(cJSON_GetObjectItemCaseSensitive(s, "ports"),
		    ports, 1)) {
			cJSON_Delete(ports);
			return s;
		}
	}
	s = cJSON_CreateObject();
	cJSON_AddItemToObject(s, "ports", ports);
	cJSON_AddItemToArray(subsets, s);
	return s;
}

static void
add_pod(cJSON *subsets, const struct kobj *svc, const struct kobj *pod)
{
	const cJSON *sp, *tp;
	cJSON *ports = cJSON_CreateArray(), *ep, *s, *arr;
	const char *field = pod_ready(pod) ? "addresses" : "notReadyAddresses";

	cJSON_ArrayForEach(sp, kobj_get(svc, "spec.ports")) {
		ep = endpoints_port_for(sp, pod);
		if (ep == NULL) {
			tp = cJSON_GetObjectItemCaseSensitive(sp,
			    "targetPort");
			log_v(2, "endpoints %s: pod %s has no port %s",
			    kobj_key(svc), kobj_name(pod), cJSON_IsString(tp) ?
			    tp->valuestring : "?");
			cJSON_Delete(ports);
			return;
		}
		cJSON_AddItemToArray(ports, ep);
	}
	s = subset_for(subsets, ports);
	arr = cJSON_GetObjectItemCaseSensitive(s, field);
	if (arr == NULL)
		arr = cJSON_AddArrayToObject(s, field);
	cJSON_AddItemToArray(arr, address_of(pod, svc));
}

/* The namespace's pods sel matches (a cache list: cache_list_free). */
static struct kobj **
selected_pods(struct controller *c, const struct kobj *svc,
    const struct label_selector *sel, size_t *n)
{
	struct cache *pods = controller_cache(c, "pods");
	struct kobj **list;
	size_t i, k = 0, total;

	list = cache_list_by_index(pods, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(svc), &total);
	for (i = 0; i < total; i++) {
		if (selector_matches_obj(sel, list[i]))
			list[k++] = list[i];
		else
			kobj_unref(list[i]);
	}
	*n = k;
	return list;
}

static cJSON *
build_subsets(const struct kobj *svc, struct kobj *const *list, size_t n)
{
	cJSON *subsets = cJSON_CreateArray();
	const char *ip, *phase;
	size_t i;

	for (i = 0; i < n; i++) {
		ip = kobj_get_str(list[i], "status.podIP");
		phase = kobj_get_str(list[i], "status.phase");
		if (ip == NULL || ip[0] == '\0' ||
		    kobj_get(list[i], "metadata.deletionTimestamp") != NULL ||
		    (phase != NULL && (strcmp(phase, "Succeeded") == 0 ||
		    strcmp(phase, "Failed") == 0)))
			continue;
		add_pod(subsets, svc, list[i]);
	}
	return subsets;
}

static int
write_endpoints(struct controller *c, const struct kobj *svc,
    const struct kobj *cur, cJSON *subsets)
{
	struct kobj *ep;
	const cJSON *labels = kobj_labels(svc);
	struct ck_status st;
	int rc;

	ep = cur != NULL ? kobj_copy(cur) : kobj_new("v1", "Endpoints");
	rc = kobj_set_json(ep, "subsets", subsets);
	if (rc == 0 && cur == NULL) {
		rc = kobj_set_str(ep, "metadata.name", kobj_name(svc));
		if (rc == 0)
			rc = kobj_set_str(ep, "metadata.namespace",
			    kobj_namespace(svc));
		kobj_touch(ep);
	}
	if (rc == 0 && labels != NULL)
		rc = kobj_set_json(ep, "metadata.labels",
		    cJSON_Duplicate(labels, 1));
	if (rc == 0)
		rc = cur != NULL ? controller_update(c, ep, NULL, &st) :
		    controller_create(c, ep, NULL, &st);
	kobj_unref(ep);
	if (rc == CK_EEXIST)
		rc = CK_ECONFLICT;	/* cache behind: retry */
	return rc;
}

/* 1 when a live GET says Service ns/name does not exist; *rc on errors. */
static int
service_gone(struct controller *c, const char *ns, const char *name, int *rc)
{
	struct ck_status st;
	struct kobj *o = NULL;
	int r;

	r = controller_get(c, &CLIENT_GVR_SERVICES, ns, name, &o, &st);
	kobj_unref(o);
	if (r == CK_ENOTFOUND)
		return 1;
	if (r < 0)
		*rc = r;	/* retried: unknown is not gone */
	return 0;
}

int
endpoints_reconcile(struct controller *c, const char *key)
{
	struct cache *svcs = controller_cache(c, "services");
	struct cache *eps = controller_cache(c, "endpoints");
	struct kobj *svc = NULL, *cur = NULL, **pods = NULL;
	struct label_selector *sel = NULL;
	struct ck_status st;
	cJSON *have = NULL;
	cJSON *subsets;
	const char *slash = strchr(key, '/');
	char ns[CK_NAME_MAX + 1];
	size_t npods = 0;
	int rc = 0, r;

	if (svcs == NULL || eps == NULL || controller_cache(c, "pods") == NULL)
		return 0;
	if (slash == NULL || (size_t)(slash - key) > CK_NAME_MAX)
		return 0;	/* not a namespaced key */
	memcpy(ns, key, (size_t)(slash - key));
	ns[slash - key] = '\0';
	svc = cache_get(svcs, key);
	cur = cache_get(eps, key);
	if (svc == NULL) {
		/*
		 * Leader-election records live in Endpoints too: keep them.
		 * The services cache may lag the endpoints one (each informer
		 * lists on its own): a live read confirms the Service is gone
		 * before its Endpoints and slices are deleted (a selector-less
		 * Service's Endpoints were lost to that race).
		 */
		if (!service_gone(c, ns, slash + 1, &rc))
			goto out;	/* the cache lags: its event requeues */
		if (cur != NULL && kobj_annotation(cur, LEADER_ANNOTATION) ==
		    NULL) {
			rc = controller_delete(c, &CLIENT_GVR_ENDPOINTS,
			    kobj_namespace(cur), slash + 1, NULL, &st);
			if (rc == CK_ENOTFOUND)
				rc = 0;
		}
		r = endpointslices_sync(c, ns, slash + 1, NULL, NULL, 0);
		if (rc == 0)
			rc = r;
		goto out;
	}
	if (service_selector(svc, &sel) < 0)
		goto out;	/* no selector: someone else's Endpoints */
	/* The pods older than the Service (or its selector) come first. */
	r = controller_fill_selected(c, "pods", svc, sel);
	if (r == CK_EAGAIN) {
		controller_requeue_after(c, key, FILL_WAIT_MS);
		goto out;
	}
	pods = selected_pods(c, svc, sel, &npods);
	subsets = build_subsets(svc, pods, npods);
	/* A copy: a decoded one would stay with the cached Endpoints. */
	have = cur != NULL ? kobj_get_copy(cur, "subsets") : NULL;
	if (cur != NULL && ((have == NULL && cJSON_GetArraySize(subsets) ==
	    0) || (have != NULL && cJSON_Compare(have, subsets, 1))) &&
	    (kobj_labels(svc) == NULL || cJSON_Compare(kobj_labels(svc),
	    kobj_labels(cur), 1)))
		cJSON_Delete(subsets);	/* in sync */
	else
		rc = write_endpoints(c, svc, cur, subsets);
	r = endpointslices_sync(c, ns, slash + 1, svc, pods, npods);
	if (rc == 0)
		rc = r;
out:
	cJSON_Delete(have);
	cache_list_free(pods, npods);
	selector_free(sel);
	kobj_unref(cur);
	kobj_unref(svc);
	return rc;
}
