/*
 * aggregator.c: the kube-aggregator's part of the apiserver. An APIService
 * (apiregistration.k8s.io/v1, "<version>.<group>") with spec.service names
 * a Service whose Endpoints hold the backend's address, as kube-apiserver
 * routes with --enable-aggregator-routing: the first address and port of
 * the Endpoints, dialled over http (a local simulator: no serving certs),
 * and only when pod_log_check_url() allows the address (loopback by
 * default, --kubelet-address-allow), so an APIService cannot point the
 * apiserver at arbitrary hosts.
 *
 * - Requests under /apis/<group>/<version>/ of a group no registry row
 *   serves are forwarded (method, query, body, Content-Type, Accept) with
 *   a timeout; a backend that cannot be reached is a 503 ServiceUnavailable
 *   Status saying why. /apis/<group> is answered here.
 * - /apis lists the APIServices' groups next to the built-in ones
 *   (aggregator_add_groups), so `kubectl top` finds metrics.k8s.io.
 * - A thread checks every APIService each --apiservice-check-period (a GET
 *   of its discovery document) and keeps its Available condition, with
 *   the aggregator's reasons (Passed, ServiceNotFound, MissingEndpoints,
 *   FailedDiscoveryCheck).
 */
#include "crud.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"
#include "store/store.h"

#define APISERVICES		"apiservices.apiregistration.k8s.io"
#define PROXY_TIMEOUT_MS	10000L
#define CHECK_TIMEOUT_MS	2000L

/*
 * The backend base URL of APIService obj into url, or a negative CK_E*
 * with reason (an Available reason) and why (a message) set. 1: a Local
 * APIService (no spec.service).
 */
static int
backend_url(struct apiserver *srv, const cJSON *obj, char *url, size_t len,
    const char **reason, char *why, size_t wlen)
{
	const cJSON *svc = json_obj(json_obj(obj, "spec"), "service");
	const char *ns = json_str(svc, "namespace"), *name = json_str(svc,
	    "name"), *ip = NULL;
	const cJSON *sub, *addr, *port;
	struct store_item it;
	char base[POD_LOG_URL_MAX + 8];
	cJSON *ep;
	double p = 0;
	int rc;

	if (svc == NULL || cJSON_IsNull(svc))
		return 1;
	if (ns == NULL || name == NULL) {
		*reason = "ServiceNotFound";
		snprintf(why, wlen, "spec.service needs namespace and name");
		return CK_EINVALID;
	}
	if (store_get(srv->store, "services", ns, name, &it) < 0) {
		*reason = "ServiceNotFound";
		snprintf(why, wlen, "service/%s in \"%s\" is not present", name,
		    ns);
		return CK_ENOTFOUND;
	}
	store_item_fini(&it);
	if (store_get(srv->store, "endpoints", ns, name, &it) < 0) {
		*reason = "MissingEndpoints";
		snprintf(why, wlen, "endpoints for service/%s in \"%s\" have "
		    "no addresses", name, ns);
		return CK_ENOTFOUND;
	}
	ep = cJSON_ParseWithLength(it.body, it.body_len);
	store_item_fini(&it);
	sub = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(ep,
	    "subsets"), 0);
	addr = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(sub,
	    "addresses"), 0);
	port = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(
	    cJSON_GetObjectItemCaseSensitive(sub, "ports"), 0), "port");
	ip = json_str(addr, "ip");
	if (cJSON_IsNumber(port))
		p = port->valuedouble;
	rc = 0;
	if (ip == NULL || p <= 0 || p > 65535) {
		*reason = "MissingEndpoints";
		snprintf(why, wlen, "endpoints for service/%s in \"%s\" have "
		    "no addresses with port name \"\"", name, ns);
		rc = CK_ENOTFOUND;
	} else {
		if (strchr(ip, ':') != NULL)
			snprintf(base, sizeof(base), "http://[%.64s]:%d", ip,
			    (int)p);
		else
			snprintf(base, sizeof(base), "http://%.64s:%d", ip,
			    (int)p);
		if (pod_log_check_url(base, url, len) < 0) {
			*reason = "EndpointsAccessError";
			snprintf(why, wlen, "endpoint %.64s of service/%s in "
			    "\"%s\" is outside --kubelet-address-allow", ip,
			    name, ns);
			rc = CK_EPERM;
		}
	}
	cJSON_Delete(ep);
	return rc;
}

/* The stored APIService "<v>.<g>" (yours), or NULL. */
static cJSON *
load_apiservice(struct apiserver *srv, const char *g, const char *v)
{
	struct store_item it;
	char name[256];
	cJSON *obj;

	snprintf(name, sizeof(name), "%s.%s", v, g);
	if (store_get(srv->store, APISERVICES, "", name, &it) < 0)
		return NULL;
	obj = cJSON_ParseWithLength(it.body, it.body_len);
	store_item_fini(&it);
	return obj;
}

/* Every stored APIService (a cJSON array, yours). */
static cJSON *
list_apiservices(struct apiserver *srv)
{
	struct store_list l;
	cJSON *arr = cJSON_CreateArray(), *o;
	size_t i;

	if (store_list(srv->store, APISERVICES, "", NULL, NULL, 0, &l) < 0)
		return arr;
	for (i = 0; i < l.n; i++) {
		o = cJSON_ParseWithLength(l.items[i].body, l.items[i].body_len);
		if (o != NULL)
			cJSON_AddItemToArray(arr, o);
	}
	store_list_fini(&l);
	return arr;
}

void
aggregator_add_groups(struct apiserver *srv, cJSON *groups)
{
	cJSON *all = list_apiservices(srv), *as, *grp, *vers, *v;
	const cJSON *spec;
	const char *g, *ver;
	char gv[256];

	cJSON_ArrayForEach(as, all) {
		spec = json_obj(as, "spec");
		g = json_str(spec, "group");
		ver = json_str(spec, "version");
		if (g == NULL || ver == NULL || g[0] == '\0' ||
		    registry_has_group_version(g, NULL))
			continue;
		snprintf(gv, sizeof(gv), "%s/%s", g, ver);
		grp = NULL;
		cJSON_ArrayForEach(v, groups)
			if (json_str(v, "name") != NULL &&
			    strcmp(json_str(v, "name"), g) == 0)
				grp = v;
		if (grp == NULL) {
			grp = cJSON_CreateObject();
			cJSON_AddStringToObject(grp, "name", g);
			cJSON_AddArrayToObject(grp, "versions");
			cJSON_AddItemToArray(groups, grp);
		}
		vers = cJSON_GetObjectItemCaseSensitive(grp, "versions");
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "groupVersion", gv);
		cJSON_AddStringToObject(v, "version", ver);
		if (json_obj(grp, "preferredVersion") == NULL)
			cJSON_AddItemToObject(grp, "preferredVersion",
			    cJSON_Duplicate(v, 1));
		cJSON_AddItemToArray(vers, v);
	}
	cJSON_Delete(all);
}

/* GET /apis/<g> of an aggregated group; 0 when no APIService has g. */
static int
reply_group(struct apiserver *srv, const char *g, struct api_response *resp)
{
	cJSON *groups = cJSON_CreateArray(), *grp;
	int found = 0;

	aggregator_add_groups(srv, groups);
	cJSON_ArrayForEach(grp, groups)
		if (strcmp(json_str(grp, "name"), g) == 0) {
			cJSON_AddStringToObject(grp, "kind", "APIGroup");
			cJSON_AddStringToObject(grp, "apiVersion", "v1");
			api_response_json(resp, 200, grp);
			found = 1;
		}
	cJSON_Delete(groups);
	return found;
}

/* base + path + the request's query, escaped again. */
static void
proxy_url(struct strbuf *url, const char *base,
    const struct api_request *req)
{
	char *k, *v;
	size_t i;

	strbuf_addf(url, "%s", base);
	k = curl_easy_escape(NULL, req->path, 0);
	/* keep the slashes: escape segment by segment is overkill here */
	for (i = 0; k != NULL && k[i] != '\0'; i++) {
		if (strncmp(k + i, "%2F", 3) == 0) {
			strbuf_add(url, "/", 1);
			i += 2;
		} else
			strbuf_add(url, k + i, 1);
	}
	curl_free(k);
	for (i = 0; i < req->nparams; i++) {
		k = curl_easy_escape(NULL, req->params[i].key, 0);
		v = curl_easy_escape(NULL, req->params[i].val, 0);
		strbuf_addf(url, "%s%s=%s", i == 0 ? "?" : "&", k ? k : "",
		    v ? v : "");
		curl_free(k);
		curl_free(v);
	}
}

/* Forward req to base; fills resp (503 when the backend cannot answer). */
static void
proxy(const char *name, const char *base, const struct api_request *req,
    struct api_response *resp)
{
	struct strbuf url = STRBUF_INIT, body = STRBUF_INIT, hdr;
	struct curl_slist *hs = NULL;
	CURL *h;
	CURLcode cc = CURLE_FAILED_INIT;
	long code = 0;
	size_t len;
	char *out;

	proxy_url(&url, base, req);
	pod_log_curl_init();
	h = curl_easy_init();
	if (h != NULL) {
		pod_log_setopt(h, strbuf_str(&url));
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		if (req->body_len > 0) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE,
			    (long)req->body_len);
		}
		strbuf_init(&hdr);
		strbuf_addf(&hdr, "Accept: %s", req->accept != NULL ?
		    req->accept : "application/json");
		hs = curl_slist_append(hs, strbuf_str(&hdr));
		strbuf_reset(&hdr);
		if (req->content_type != NULL) {
			strbuf_addf(&hdr, "Content-Type: %s",
			    req->content_type);
			hs = curl_slist_append(hs, strbuf_str(&hdr));
		}
		strbuf_fini(&hdr);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, pod_log_collect);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, PROXY_TIMEOUT_MS);
		cc = curl_easy_perform(h);
		if (cc == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(h);
		curl_slist_free_all(hs);
	}
	if (code < 100) {
		status_replyf(resp, CK_ESHUTDOWN, "the server is currently "
		    "unable to handle the request (APIService %s: %s)", name,
		    cc == CURLE_OK ? "no HTTP answer" :
		    curl_easy_strerror(cc));
	} else {
		out = strbuf_detach(&body, &len);
		api_response_take(resp, (int)code, "application/json",
		    out != NULL ? out : ck_strdup(""), len);
	}
	strbuf_fini(&body);
	strbuf_fini(&url);
}

int
aggregator_handle(struct apiserver *srv, const struct api_request *req,
    struct api_response *resp)
{
	char g[128], v[64], name[200], base[POD_LOG_URL_MAX + 8], why[256];
	const char *p, *slash, *reason;
	size_t n;
	cJSON *obj;
	int rc;

	if (strncmp(req->path, "/apis/", 6) != 0)
		return 0;
	p = req->path + 6;
	slash = strchr(p, '/');
	n = slash != NULL ? (size_t)(slash - p) : strlen(p);
	if (n == 0 || n >= sizeof(g))
		return 0;
	memcpy(g, p, n);
	g[n] = '\0';
	if (registry_has_group_version(g, NULL))
		return 0;
	p = slash != NULL ? slash + 1 : "";
	slash = strchr(p, '/');
	n = slash != NULL ? (size_t)(slash - p) : strlen(p);
	if (n >= sizeof(v))
		return 0;
	memcpy(v, p, n);
	v[n] = '\0';
	if (v[0] == '\0')
		return reply_group(srv, g, resp);
	obj = load_apiservice(srv, g, v);
	if (obj == NULL)
		return 0;
	snprintf(name, sizeof(name), "%s.%s", v, g);
	rc = backend_url(srv, obj, base, sizeof(base), &reason, why,
	    sizeof(why));
	cJSON_Delete(obj);
	if (rc == 1)
		return 0;	/* Local: the registry's (none here): 404 */
	if (rc < 0) {
		status_replyf(resp, CK_ESHUTDOWN, "the server is currently "
		    "unable to handle the request (APIService %s: %s)", name,
		    why);
		return 1;
	}
	proxy(name, base, req, resp);
	return 1;
}

/* ---- availability ---- */

/* Probe obj's backend: the Available condition it should have. */
static void
probe(struct apiserver *srv, const cJSON *obj, const char **status,
    const char **reason, char *msg, size_t len)
{
	const cJSON *spec = json_obj(obj, "spec");
	struct strbuf url = STRBUF_INIT, body = STRBUF_INIT;
	char base[POD_LOG_URL_MAX + 8];
	CURL *h;
	CURLcode cc = CURLE_FAILED_INIT;
	long code = 0;
	int rc;

	*status = "False";
	rc = backend_url(srv, obj, base, sizeof(base), reason, msg, len);
	if (rc == 1) {
		*status = "True";
		*reason = "Local";
		snprintf(msg, len, "Local APIServices are always available");
		return;
	}
	if (rc < 0)
		return;
	strbuf_addf(&url, "%s/apis/%s/%s", base, json_str(spec, "group") ?
	    json_str(spec, "group") : "", json_str(spec, "version") ?
	    json_str(spec, "version") : "");
	pod_log_curl_init();
	h = curl_easy_init();
	if (h != NULL) {
		pod_log_setopt(h, strbuf_str(&url));
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, pod_log_collect);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, CHECK_TIMEOUT_MS);
		cc = curl_easy_perform(h);
		if (cc == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		curl_easy_cleanup(h);
	}
	if (code >= 200 && code < 300) {
		*status = "True";
		*reason = "Passed";
		snprintf(msg, len, "all checks passed");
	} else {
		*reason = "FailedDiscoveryCheck";
		if (code > 0)
			snprintf(msg, len, "failing or missing response from "
			    "%s: bad status from %s: %ld", base,
			    strbuf_str(&url), code);
		else
			snprintf(msg, len, "failing or missing response from "
			    "%s: %s", base, curl_easy_strerror(cc));
	}
	strbuf_fini(&body);
	strbuf_fini(&url);
}

/* Write the Available condition into obj (taken) if it changed. */
static void
set_available(struct apiserver *srv, cJSON *obj, const char *status,
    const char *reason, const char *msg)
{
	cJSON *st = json_ensure_obj(obj, "status"), *conds, *c, *cur = NULL;
	const char *rv = json_str(json_obj(obj, "metadata"), "resourceVersion");
	char now[64];
	int rc;

	conds = cJSON_GetObjectItemCaseSensitive(st, "conditions");
	if (!cJSON_IsArray(conds)) {
		json_del(st, "conditions");
		conds = cJSON_AddArrayToObject(st, "conditions");
	}
	cJSON_ArrayForEach(c, conds)
		if (json_str(c, "type") != NULL &&
		    strcmp(json_str(c, "type"), "Available") == 0)
			cur = c;
	if (cur != NULL && json_str(cur, "status") != NULL &&
	    strcmp(json_str(cur, "status"), status) == 0 &&
	    json_str(cur, "reason") != NULL &&
	    strcmp(json_str(cur, "reason"), reason) == 0 &&
	    json_str(cur, "message") != NULL &&
	    strcmp(json_str(cur, "message"), msg) == 0) {
		cJSON_Delete(obj);
		return;
	}
	if (cur == NULL) {
		cur = cJSON_CreateObject();
		cJSON_AddStringToObject(cur, "type", "Available");
		cJSON_AddItemToArray(conds, cur);
	}
	crud_now_ts(now, 0);
	if (json_str(cur, "status") == NULL ||
	    strcmp(json_str(cur, "status"), status) != 0)
		json_set_str(cur, "lastTransitionTime", now);
	json_set_str(cur, "status", status);
	json_set_str(cur, "reason", reason);
	json_set_str(cur, "message", msg);
	rc = store_update(srv->store, APISERVICES, "", json_str(json_obj(obj,
	    "metadata"), "name"), obj, rv != NULL ? strtoll(rv, NULL, 10) : 0,
	    NULL);
	if (rc < 0 && rc != CK_ECONFLICT)
		log_warn("APIService %s: status: %s", json_str(json_obj(obj,
		    "metadata"), "name"), ck_strerror(rc));
	cJSON_Delete(obj);
}

void
aggregator_check_all(struct apiserver *srv)
{
	cJSON *all = list_apiservices(srv), *as;
	const char *status, *reason = "";
	char msg[512];

	while ((as = cJSON_DetachItemFromArray(all, 0)) != NULL) {
		msg[0] = '\0';
		probe(srv, as, &status, &reason, msg, sizeof(msg));
		set_available(srv, as, status, reason, msg);
	}
	cJSON_Delete(all);
}

static struct {
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	bool		 stop, started;
	struct apiserver *srv;
	int64_t		 period_ms;
} chk = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void *
check_thread(void *arg)
{
	struct timespec ts;

	(void)arg;
	pthread_mutex_lock(&chk.mu);
	while (!chk.stop) {
		pthread_mutex_unlock(&chk.mu);
		aggregator_check_all(chk.srv);
		pthread_mutex_lock(&chk.mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += chk.period_ms / 1000;
		ts.tv_nsec += (chk.period_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!chk.stop)
			pthread_cond_timedwait(&chk.cv, &chk.mu, &ts);
	}
	pthread_mutex_unlock(&chk.mu);
	return NULL;
}

int
aggregator_start(struct apiserver *srv, int64_t period_ms)
{
	if (period_ms <= 0)
		return 0;
	chk.srv = srv;
	chk.period_ms = period_ms;
	chk.stop = false;
	if (pthread_create(&chk.th, NULL, check_thread, NULL) != 0)
		return CK_EIO;
	chk.started = true;
	return 0;
}

void
aggregator_stop(void)
{
	if (!chk.started)
		return;
	pthread_mutex_lock(&chk.mu);
	chk.stop = true;
	pthread_cond_signal(&chk.cv);
	pthread_mutex_unlock(&chk.mu);
	pthread_join(chk.th, NULL);
	chk.started = false;
}
