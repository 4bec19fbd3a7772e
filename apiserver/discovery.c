/*
 * discovery.c: what clients read before any resource: /version, legacy
 * discovery (/api, /apis, /api/v1, /apis/<g>[/<v>]) and the minimal
 * /openapi/v3 documents kubectl validates against, all generated from the
 * registry; plus /healthz, /readyz, /livez and /metrics.
 */
#include "apiserver.h"
#include "convert.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/metrics.h"
#include "ckube/strbuf.h"
#include "store/store.h"
#include "watch.h"

size_t	watchlog_count(struct watchlog *wl);

static cJSON *
str_array(const char *const *v)
{
	cJSON *a = cJSON_CreateArray();

	for (; v != NULL && *v != NULL; v++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*v));
	return a;
}

static void
reply_version(struct api_response *resp)
{
	cJSON *o = cJSON_CreateObject();

	/* The kubectl dispatcher picks its client by "minor": keep it "3". */
	cJSON_AddStringToObject(o, "major", "1");
	cJSON_AddStringToObject(o, "minor", "3");
	cJSON_AddStringToObject(o, "gitVersion", "v1.3.0");
	cJSON_AddStringToObject(o, "gitCommit", "0000000");
	cJSON_AddStringToObject(o, "gitTreeState", "clean");
	cJSON_AddStringToObject(o, "buildDate", "2024-01-01T00:00:00Z");
	cJSON_AddStringToObject(o, "goVersion", "c11");
	cJSON_AddStringToObject(o, "compiler", "gcc");
	cJSON_AddStringToObject(o, "platform", "linux/amd64");
	api_response_json(resp, 200, o);
	cJSON_Delete(o);
}

static void
reply_api_versions(struct api_response *resp)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "kind", "APIVersions");
	cJSON_AddItemToObject(o, "versions",
	    str_array((const char *[]){ "v1", NULL }));
	api_response_json(resp, 200, o);
	cJSON_Delete(o);
}

/* An APIGroup object for group g. */
static cJSON *
api_group(const char *g)
{
	const struct api_resource *rows;
	cJSON *grp, *vers, *v, *pref = NULL;
	char gv[192];
	size_t n, i, k;
	bool seen;

	rows = registry_all(&n);
	grp = cJSON_CreateObject();
	cJSON_AddStringToObject(grp, "name", g);
	vers = cJSON_AddArrayToObject(grp, "versions");
	for (i = 0; i < n; i++) {
		if (strcmp(rows[i].group, g) != 0)
			continue;
		seen = false;
		for (k = 0; k < i; k++)
			if (strcmp(rows[k].group, g) == 0 &&
			    strcmp(rows[k].version, rows[i].version) == 0)
				seen = true;
		if (seen)
			continue;
		snprintf(gv, sizeof(gv), "%s/%s", g, rows[i].version);
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "groupVersion", gv);
		cJSON_AddStringToObject(v, "version", rows[i].version);
		if (pref == NULL)
			pref = cJSON_Duplicate(v, 1);
		cJSON_AddItemToArray(vers, v);
	}
	if (pref != NULL)
		cJSON_AddItemToObject(grp, "preferredVersion", pref);
	return grp;
}

static void
reply_api_groups(struct apiserver *srv, struct api_response *resp)
{
	const struct api_resource *rows;
	cJSON *o, *groups;
	size_t n, i, k;
	bool seen;

	rows = registry_all(&n);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", "APIGroupList");
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	groups = cJSON_AddArrayToObject(o, "groups");
	for (i = 0; i < n; i++) {
		if (rows[i].group[0] == '\0')
			continue;
		seen = false;
		for (k = 0; k < i; k++)
			if (strcmp(rows[k].group, rows[i].group) == 0)
				seen = true;
		if (!seen)
			cJSON_AddItemToArray(groups, api_group(rows[i].group));
	}
	aggregator_add_groups(srv, groups);
	api_response_json(resp, 200, o);
	cJSON_Delete(o);
}

static cJSON *
subresource(const struct api_resource *r, const char *sub, const char *kind,
    const char *const *verbs)
{
	cJSON *o = cJSON_CreateObject();
	char name[128];

	snprintf(name, sizeof(name), "%s/%s", r->resource, sub);
	cJSON_AddStringToObject(o, "name", name);
	cJSON_AddStringToObject(o, "singularName", "");
	cJSON_AddBoolToObject(o, "namespaced", r->namespaced);
	cJSON_AddStringToObject(o, "kind", kind);
	cJSON_AddItemToObject(o, "verbs", str_array(verbs));
	return o;
}

static void
reply_resource_list(struct api_response *resp, const char *g, const char *v)
{
	static const char *const sub_verbs[] = { "get", "patch", "update",
		NULL };
	const struct api_resource *rows, *r, *sr;
	cJSON *o, *list, *it;
	char gv[192], hash[16];
	size_t n, i;

	rows = registry_all(&n);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "kind", "APIResourceList");
	cJSON_AddStringToObject(o, "apiVersion", "v1");
	if (g[0] == '\0')
		snprintf(gv, sizeof(gv), "%s", v);
	else
		snprintf(gv, sizeof(gv), "%s/%s", g, v);
	cJSON_AddStringToObject(o, "groupVersion", gv);
	list = cJSON_AddArrayToObject(o, "resources");
	for (i = 0; i < n; i++) {
		r = &rows[i];
		if (strcmp(r->group, g) != 0 || strcmp(r->version, v) != 0)
			continue;
		it = cJSON_CreateObject();
		cJSON_AddStringToObject(it, "name", r->resource);
		cJSON_AddStringToObject(it, "singularName", r->singular);
		cJSON_AddBoolToObject(it, "namespaced", r->namespaced);
		cJSON_AddStringToObject(it, "kind", r->kind);
		cJSON_AddItemToObject(it, "verbs", str_array(r->verbs));
		sr = convert_stored_row(r) != NULL ? convert_stored_row(r) : r;
		util_storage_version_hash(sr->group, sr->version, sr->kind,
		    hash);
		cJSON_AddStringToObject(it, "storageVersionHash", hash);
		if (r->short_names != NULL)
			cJSON_AddItemToObject(it, "shortNames",
			    str_array(r->short_names));
		if (r->categories != NULL)
			cJSON_AddItemToObject(it, "categories",
			    str_array(r->categories));
		cJSON_AddItemToArray(list, it);
		if (r->subresources & API_SUB_STATUS)
			cJSON_AddItemToArray(list,
			    subresource(r, "status", r->kind, sub_verbs));
		if (r->subresources & API_SUB_BINDING)
			cJSON_AddItemToArray(list,
			    subresource(r, "binding", "Binding",
				(const char *[]){ "create", NULL }));
		if (r->subresources & API_SUB_EVICTION) {
			it = subresource(r, "eviction", "Eviction",
			    (const char *[]){ "create", NULL });
			cJSON_AddStringToObject(it, "group", "policy");
			cJSON_AddStringToObject(it, "version", "v1");
			cJSON_AddItemToArray(list, it);
		}
		if (strcmp(r->qualified, "pods") == 0)
			cJSON_AddItemToArray(list, subresource(r, "log", "Pod",
			    (const char *[]){ "get", NULL }));
		if (r->subresources & API_SUB_FINALIZE)
			cJSON_AddItemToArray(list,
			    subresource(r, "finalize", r->kind,
				(const char *[]){ "update", NULL }));
		if (r->subresources & API_SUB_SCALE) {
			/* The scale client finds the Scale's group here. */
			it = subresource(r, "scale", "Scale", sub_verbs);
			cJSON_AddStringToObject(it, "group", "autoscaling");
			cJSON_AddStringToObject(it, "version", "v1");
			cJSON_AddItemToArray(list, it);
		}
	}
	api_response_json(resp, 200, o);
	cJSON_Delete(o);
}

static void
reply_metrics(struct apiserver *srv, struct api_response *resp)
{
	struct store_write_stats ws;
	struct strbuf sb = STRBUF_INIT;
	size_t len;
	char *s;

	if (srv->wl != NULL)
		metrics_gauge_set(metrics_gauge("apiserver_watches",
				      "Open watch streams."),
		    (double)watchlog_count(srv->wl));
	if (srv->wl != NULL) {
		metrics_gauge_set(metrics_gauge("apiserver_watch_queued_bytes",
				      "Bytes of watch events queued for "
				      "every watcher together."),
		    (double)watchlog_queued(srv->wl));
		metrics_gauge_set(metrics_gauge(
				      "apiserver_watch_queue_budget_bytes",
				      "--watch-queue-bytes (0 = none)."),
		    (double)srv->wl->budget);
		metrics_gauge_set(metrics_gauge(
				      "apiserver_watch_slow_closed_total",
				      "Watches ended because their client "
				      "did not keep up (410 Expired)."),
		    (double)watchlog_slow_ended(srv->wl));
	}
	store_write_stats(srv->store, &ws);
	metrics_gauge_set(metrics_gauge("apiserver_store_batches_total",
			      "Group commits (transactions) the store ran."),
	    (double)ws.batches);
	metrics_gauge_set(metrics_gauge("apiserver_store_batched_writes_total",
			      "Writes (units) in those transactions."),
	    (double)ws.writes);
	metrics_gauge_set(metrics_gauge("apiserver_store_batch_max",
			      "The most writes one transaction took."),
	    (double)ws.max_batch);
	metrics_gauge_set(metrics_gauge("apiserver_store_recent_hits_total",
			      "GETs the store answered from the objects it "
			      "wrote last, without a database read."),
	    (double)ws.recent_hits);
	metrics_gauge_set(metrics_gauge("apiserver_store_recent_misses_total",
			      "GETs that read the database."),
	    (double)ws.recent_misses);
	metrics_render(&sb);
	s = strbuf_detach(&sb, &len);
	api_response_take(resp, 200, METRICS_CONTENT_TYPE, s, len);
}

int
discovery_handle(struct apiserver *srv, const struct api_request *req,
    struct api_response *resp)
{
	char path[1024], g[128], v[64], extra[8], msg[64], text[128];
	size_t len;
	int n;

	if (ck_strlcpy(path, req->path, sizeof(path)) >= sizeof(path))
		return 0;
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0)
		return 0;

	/* Not ready while writes cannot commit (disk full): no restart. */
	if (strcmp(path, "/readyz") == 0 &&
	    store_write_health(srv->store, msg, sizeof(msg)) < 0) {
		snprintf(text, sizeof(text), "[-]storage failed: %s\n"
		    "readyz check failed\n", msg);
		api_response_text(resp, 500, text);
		return 1;
	}
	if (strcmp(path, "/healthz") == 0 || strcmp(path, "/readyz") == 0 ||
	    strcmp(path, "/livez") == 0) {
		api_response_text(resp, 200, "ok");
		return 1;
	}
	if (strcmp(path, "/metrics") == 0) {
		reply_metrics(srv, resp);
		return 1;
	}
	if (strcmp(path, "/version") == 0) {
		reply_version(resp);
		return 1;
	}
	if (strcmp(path, "/api") == 0) {
		reply_api_versions(resp);
		return 1;
	}
	if (strcmp(path, "/apis") == 0) {
		reply_api_groups(srv, resp);
		return 1;
	}
	if (strcmp(path, "/api/v1") == 0) {
		reply_resource_list(resp, "", "v1");
		return 1;
	}
	if (strncmp(path, "/openapi/", 9) == 0) {
		openapi_handle(req, path, resp);
		return 1;
	}
	if (strncmp(path, "/api/", 5) == 0) {
		n = sscanf(path, "/api/%63[^/]%7s", v, extra);
		if (n == 1) {
			status_replyf(resp, CK_ENOTFOUND,
			    "the server could not find the "
			    "requested resource");
			return 1;
		}
		return 0;
	}
	if (strncmp(path, "/apis/", 6) == 0) {
		n = sscanf(path, "/apis/%127[^/]/%63[^/]%7s", g, v, extra);
		if (n == 1) {
			if (registry_has_group_version(g, NULL)) {
				cJSON *o = api_group(g);

				cJSON_AddStringToObject(o, "kind", "APIGroup");
				cJSON_AddStringToObject(o, "apiVersion", "v1");
				api_response_json(resp, 200, o);
				cJSON_Delete(o);
			} else
				status_replyf(resp, CK_ENOTFOUND,
				    "the server could not find "
				    "the requested resource");
			return 1;
		}
		if (n == 2) {
			if (registry_has_group_version(g, v))
				reply_resource_list(resp, g, v);
			else
				status_replyf(resp, CK_ENOTFOUND,
				    "the server could not find "
				    "the requested resource");
			return 1;
		}
		return 0;
	}
	if (strncmp(path, "/api/", 5) != 0 && strncmp(path, "/apis/", 6) != 0) {
		status_replyf(resp, CK_ENOTFOUND,
		    "the server could not find the requested "
		    "resource");
		return 1;
	}
	return 0;
}
