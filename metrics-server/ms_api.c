/*
 * ms_api.c: the metrics.k8s.io/v1beta1 endpoints, answered from the latest
 * snapshot. Objects carry their node's or pod's labels (from the informer
 * caches), which ?labelSelector= filters on; a missing object is a 404
 * Status ("nodes.metrics.k8s.io \"x\" not found", as metrics-server says).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/cache.h"
#include "ckube/err.h"
#include "ckube/httpd.h"
#include "ckube/kobj.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"
#include "metrics_server.h"

#define GROUP	"/apis/metrics.k8s.io"
#define GV	"metrics.k8s.io/v1beta1"

static char *
print(cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	cJSON_Delete(o);
	return s;
}

static int
status(int code, const char *reason, const char *msg, char **body)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "kind", "Status");
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(o, "status", "Failure");
	cJSON_AddStringToObject(o, "message", msg);
	cJSON_AddStringToObject(o, "reason", reason);
	cJSON_AddNumberToObject(o, "code", code);
	*body = print(o);
	return code;
}

static int
not_found(const char *res, const char *name, char **body)
{
	char msg[512];

	/* Bounded: a name is at most 253 characters. */
	snprintf(msg, sizeof(msg), "%.64s.metrics.k8s.io \"%.253s\" not found",
	    res, name);
	return status(404, "NotFound", msg, body);
}

static cJSON *
resource(const char *name, const char *kind, bool namespaced)
{
	cJSON *r = cJSON_CreateObject(), *v;

	cJSON_AddStringToObject(r, "name", name);
	cJSON_AddStringToObject(r, "singularName", "");
	cJSON_AddBoolToObject(r, "namespaced", namespaced);
	cJSON_AddStringToObject(r, "kind", kind);
	v = cJSON_AddArrayToObject(r, "verbs");
	cJSON_AddItemToArray(v, cJSON_CreateString("get"));
	cJSON_AddItemToArray(v, cJSON_CreateString("list"));
	return r;
}

static int
discovery(bool group, char **body)
{
	cJSON *o = cJSON_CreateObject(), *a, *v;

	if (group) {
		cJSON_AddStringToObject(o, "kind", "APIGroup");
		cJSON_AddStringToObject(o, "apiVersion", "v1");
		cJSON_AddStringToObject(o, "name", "metrics.k8s.io");
		a = cJSON_AddArrayToObject(o, "versions");
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "groupVersion", GV);
		cJSON_AddStringToObject(v, "version", "v1beta1");
		cJSON_AddItemToArray(a, cJSON_Duplicate(v, 1));
		cJSON_AddItemToObject(o, "preferredVersion", v);
	} else {
		cJSON_AddStringToObject(o, "kind", "APIResourceList");
		cJSON_AddStringToObject(o, "apiVersion", "v1");
		cJSON_AddStringToObject(o, "groupVersion", GV);
		a = cJSON_AddArrayToObject(o, "resources");
		cJSON_AddItemToArray(a, resource("nodes", "NodeMetrics",
		    false));
		cJSON_AddItemToArray(a, resource("pods", "PodMetrics", true));
	}
	*body = print(o);
	return 200;
}

/* The JSON of it with the labels of its object in c; NULL when sel misses. */
static cJSON *
labelled(const struct ms_snapshot *snap, const struct ms_item *it, bool pod,
    struct cache *c, const struct label_selector *sel)
{
	const cJSON *labels = NULL;
	struct kobj *k = c != NULL ? cache_get(c, ms_item_key(it)) : NULL;
	cJSON *o;

	if (sel != NULL && (k != NULL ? !selector_matches_obj(sel, k) :
	    !selector_matches(sel, NULL))) {
		kobj_unref(k);
		return NULL;
	}
	if (k != NULL)
		labels = kobj_labels(k);
	o = ms_item_json(snap, it, pod);
	if (labels != NULL)
		cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(o,
		    "metadata"), "labels", cJSON_Duplicate(labels, 1));
	kobj_unref(k);
	return o;
}

/* List kind of the items of map (ns: only that namespace, NULL: all). */
static int
list(struct ms_api *api, bool pods, const char *ns, const char *name,
    const struct label_selector *sel, char **body)
{
	struct ms_snapshot *snap;
	const struct ms_item *e;
	struct cache *c = pods ? api->pods : api->nodes;
	cJSON *o, *items, *it;
	size_t i, n, nslen = ns != NULL ? strlen(ns) : 0;
	const char *key;
	char buf[512];

	snap = ms_store_lock(api->store);
	if (name != NULL) {
		if (pods)
			snprintf(buf, sizeof(buf), "%s/%s", ns, name);
		else
			snprintf(buf, sizeof(buf), "%s", name);
		e = ms_snapshot_find(snap, pods, buf);
		o = e != NULL ? labelled(snap, e, pods, c, NULL) : NULL;
		ms_store_unlock(api->store);
		if (o == NULL)
			return not_found(pods ? "pods" : "nodes", name, body);
		*body = print(o);
		return 200;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", pods ? "PodMetricsList" :
	    "NodeMetricsList");
	cJSON_AddStringToObject(o, "apiVersion", GV);
	cJSON_AddObjectToObject(o, "metadata");
	items = cJSON_AddArrayToObject(o, "items");
	n = ms_snapshot_len(snap, pods);
	for (i = 0; i < n; i++) {
		if ((e = ms_snapshot_at(snap, pods, i)) == NULL)
			continue;
		key = ms_item_key(e);
		if (ns != NULL && (strncmp(key, ns, nslen) != 0 ||
		    key[nslen] != '/'))
			continue;
		it = labelled(snap, e, pods, c, sel);
		if (it != NULL)
			cJSON_AddItemToArray(items, it);
	}
	ms_store_unlock(api->store);
	*body = print(o);
	return 200;
}

int
ms_api_answer(struct ms_api *api, const char *method, const char *path,
    const char *label_selector, char **body)
{
	char p[1024], ns[256], name[256], extra[8];
	struct label_selector *sel = NULL;
	struct ck_status st;
	size_t len;
	int code, n;

	*body = NULL;
	if (strcmp(method, "GET") != 0)
		return status(405, "MethodNotAllowed",
		    "the server does not allow this method on the requested "
		    "resource", body);
	len = strlen(path);
	if (len >= sizeof(p))
		return not_found("", path, body);
	memcpy(p, path, len + 1);
	while (len > 1 && p[len - 1] == '/')
		p[--len] = '\0';
	if (strcmp(p, GROUP) == 0)
		return discovery(true, body);
	if (strcmp(p, GROUP "/v1beta1") == 0)
		return discovery(false, body);
	if (label_selector != NULL && selector_parse(label_selector, &sel,
	    &st) != 0)
		return status(400, "BadRequest", st.message, body);
	ns[0] = name[0] = '\0';
	code = -1;
	if (strcmp(p, GROUP "/v1beta1/nodes") == 0)
		code = list(api, false, NULL, NULL, sel, body);
	else if (strcmp(p, GROUP "/v1beta1/pods") == 0)
		code = list(api, true, NULL, NULL, sel, body);
	else if (sscanf(p, GROUP "/v1beta1/nodes/%255[^/]%7s", name,
	    extra) == 1)
		code = list(api, false, NULL, name, NULL, body);
	else if ((n = sscanf(p, GROUP "/v1beta1/namespaces/%255[^/]/pods/"
	    "%255[^/]%7s", ns, name, extra)) == 2)
		code = list(api, true, ns, name, NULL, body);
	else if (sscanf(p, GROUP "/v1beta1/namespaces/%255[^/]/pods%7s", ns,
	    extra) == 1)
		code = list(api, true, ns, NULL, sel, body);
	selector_free(sel);
	if (code < 0)
		return status(404, "NotFound", "the server could not find the "
		    "requested resource", body);
	return code;
}

void
ms_api_handle(const struct httpd_request *req, struct httpd_response *resp,
    void *arg)
{
	char *body = NULL;

	resp->status = ms_api_answer(arg, req->method, req->path,
	    httpd_query(req, "labelSelector"), &body);
	resp->content_type = "application/json";
	if (body != NULL)
		strbuf_adds(&resp->body, body);
	free(body);
}
