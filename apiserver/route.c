/*
 * route.c: URL -> group, version, resource, namespace, name, subresource and
 * verb, and the top-level dispatch of a request (discovery and health first,
 * then resources). Also the api_request/api_response helpers. No storage.
 */
#include "apiserver.h"
#include "auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/metrics.h"
#include "ckube/strbuf.h"

const char *
api_request_param(const struct api_request *req, const char *key)
{
	size_t i;

	for (i = 0; i < req->nparams; i++)
		if (strcmp(req->params[i].key, key) == 0)
			return req->params[i].val ? req->params[i].val : "";
	return NULL;
}

/*
 * Go's strconv.ParseBool spellings; a bare "?watch" (empty value) counts as
 * true, as curl users write it. 0, or CK_EBADREQ for anything else.
 */
static int
parse_bool(const char *v, bool *out)
{
	static const char *const yes[] = { "", "1", "t", "T", "TRUE", "true",
		"True" };
	static const char *const no[] = { "0", "f", "F", "FALSE", "false",
		"False" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++)
		if (strcmp(v, yes[i]) == 0)
			return *out = true, 0;
	for (i = 0; i < ARRAY_SIZE(no); i++)
		if (strcmp(v, no[i]) == 0)
			return *out = false, 0;
	return CK_EBADREQ;
}

bool
api_request_flag(const struct api_request *req, const char *key)
{
	const char *v = api_request_param(req, key);
	bool b = false;

	return v != NULL && parse_bool(v, &b) == 0 && b;
}

/* The boolean query parameters of every verb kube-apiserver serves. */
static const char *const bool_params[] = {
	"watch", "allowWatchBookmarks", "sendInitialEvents", "follow",
	"previous", "timestamps", "force", "insecureSkipTLSVerifyBackend",
};

/* A boolean parameter that is not a ParseBool spelling: 400 (not ignored). */
static bool
bad_bool_param(const struct api_request *req, struct api_response *resp)
{
	const char *v;
	bool b;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bool_params); i++) {
		v = api_request_param(req, bool_params[i]);
		if (v != NULL && parse_bool(v, &b) < 0) {
			status_replyf(resp, CK_EBADREQ,
			    "invalid value for query parameter %s: "
			    "strconv.ParseBool: parsing \"%.64s\": invalid "
			    "syntax", bool_params[i], v);
			return true;
		}
	}
	return false;
}

bool
api_request_wants_table(const struct api_request *req)
{
	return req->accept != NULL && strstr(req->accept, "as=Table") != NULL;
}

void
api_response_take(struct api_response *resp, int code, const char *content_type,
    char *body, size_t len)
{
	free(resp->body);
	resp->code = code;
	resp->content_type = content_type;
	resp->body = body;
	resp->body_len = len;
}

void
api_response_json(struct api_response *resp, int code, const cJSON *obj)
{
	size_t len;
	char *s = json_print(obj, &len);

	api_response_take(resp, code, "application/json", s, len);
}

void
api_response_text(struct api_response *resp, int code, const char *text)
{
	api_response_take(resp, code, "text/plain; charset=utf-8",
	    ck_strdup(text), strlen(text));
}

void
api_response_warn(struct api_response *resp, const char *text)
{
	size_t used = strlen(resp->warnings), n = strlen(text);

	if (used + n + 2 > sizeof(resp->warnings))
		return;
	if (used > 0)
		resp->warnings[used++] = '\n';
	memcpy(resp->warnings + used, text, n + 1);
}

void
api_response_fini(struct api_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
	if (resp->stream != NULL)	/* never queued */
		resp->stream->release(resp->stream);
	resp->stream = NULL;
	if (resp->upgrade_arg != NULL && resp->upgrade_free != NULL)
		resp->upgrade_free(resp->upgrade_arg);	/* never queued */
	resp->upgrade = NULL;
	resp->upgrade_arg = NULL;
	free(resp->upgrade_headers);
	resp->upgrade_headers = NULL;
}

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *
route_verb_name(enum api_verb v)
{
	static const char *const names[] = { "get", "list", "watch", "create",
		"update", "patch", "delete", "deletecollection", "other" };

	return (size_t)v < ARRAY_SIZE(names) ? names[v] : "other";
}

/* Split path into at most max segments (copies into buf). */
static int
split(const char *path, char *buf, size_t buflen, char **segs, int max)
{
	char *p, *s;
	int n = 0;

	if (ck_strlcpy(buf, path, buflen) >= buflen)
		return CK_EBADREQ;
	p = buf;
	while (*p == '/')
		p++;
	while (*p != '\0') {
		if (n == max)
			return CK_ENOTFOUND;
		s = p;
		while (*p != '\0' && *p != '/')
			p++;
		if (*p == '/')
			*p++ = '\0';
		if (*s == '\0')
			return CK_ENOTFOUND;	/* "a//b" */
		segs[n++] = s;
	}
	return n;
}

static int
copy_seg(char *dst, size_t len, const char *src)
{
	return ck_strlcpy(dst, src, len) >= len ? CK_ENOTFOUND : 0;
}

int
route_parse(const char *method, const char *path, const struct api_request *req,
    struct api_route *rt)
{
	char buf[2048];
	char *segs[12];
	int n, i, rc;

	memset(rt, 0, sizeof(*rt));
	n = split(path, buf, sizeof(buf), segs, (int)ARRAY_SIZE(segs));
	if (n < 0)
		return n;
	if (n >= 2 && strcmp(segs[0], "api") == 0) {
		rt->group[0] = '\0';
		if (copy_seg(rt->version, sizeof(rt->version), segs[1]) < 0)
			return CK_ENOTFOUND;
		i = 2;
	} else if (n >= 3 && strcmp(segs[0], "apis") == 0) {
		if (copy_seg(rt->group, sizeof(rt->group), segs[1]) < 0 ||
		    copy_seg(rt->version, sizeof(rt->version), segs[2]) < 0)
			return CK_ENOTFOUND;
		i = 3;
	} else
		return CK_ENOTFOUND;
	if (i < n && strcmp(segs[i], "watch") == 0) {
		rt->legacy_watch = true;
		i++;
	}
	if (i >= n)
		return CK_ENOTFOUND; /* a group-version root: discovery */
	/*
	 * namespaces/<ns>/<resource>... is a namespaced path, except
	 * namespaces/<name> and namespaces/<name>/{status,finalize}, which name
	 * the namespace object itself.
	 */
	if (strcmp(segs[i], "namespaces") == 0 && n - i >= 3 &&
	    strcmp(segs[i + 2], "status") != 0 &&
	    strcmp(segs[i + 2], "finalize") != 0) {
		if (copy_seg(rt->ns, sizeof(rt->ns), segs[i + 1]) < 0)
			return CK_ENOTFOUND;
		rt->has_ns = true;
		i += 2;
	}
	if (copy_seg(rt->resource, sizeof(rt->resource), segs[i]) < 0)
		return CK_ENOTFOUND;
	i++;
	if (i < n && copy_seg(rt->name, sizeof(rt->name), segs[i++]) < 0)
		return CK_ENOTFOUND;
	if (i < n && copy_seg(rt->sub, sizeof(rt->sub), segs[i++]) < 0)
		return CK_ENOTFOUND;
	if (i < n)
		return CK_ENOTFOUND;
	rt->res = registry_find(rt->group, rt->version, rt->resource);

	rc = 0;
	if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) {
		if (rt->legacy_watch || api_request_flag(req, "watch"))
			rt->verb = API_VERB_WATCH;
		else
			rt->verb = rt->name[0] ? API_VERB_GET : API_VERB_LIST;
	} else if (strcmp(method, "POST") == 0)
		rt->verb = API_VERB_CREATE;
	else if (strcmp(method, "PUT") == 0)
		rt->verb = API_VERB_UPDATE;
	else if (strcmp(method, "PATCH") == 0)
		rt->verb = API_VERB_PATCH;
	else if (strcmp(method, "DELETE") == 0)
		rt->verb =
		    rt->name[0] ? API_VERB_DELETE : API_VERB_DELETECOLLECTION;
	else
		rt->verb = API_VERB_OTHER;
	return rc;
}

static void
count_request(enum api_verb verb, int code, int64_t start_us)
{
	char name[128];

	snprintf(name, sizeof(name),
	    "apiserver_request_total{verb=\"%s\",code=\"%d\"}",
	    route_verb_name(verb), code);
	metrics_counter_inc(
	    metrics_counter(name, "Requests by verb and HTTP code."));
	metrics_histogram_observe(metrics_histogram(
	    "apiserver_request_duration_seconds",
	    "Time to handle a request (watches: until the stream starts).",
	    NULL, 0), (double)(now_us() - start_us) / 1e6);
}

void
api_handle(struct apiserver *srv, const struct api_request *req,
    struct api_response *resp)
{
	struct api_route rt;
	int64_t start_us = now_us();
	int rc;

	(void)srv;
	memset(resp, 0, sizeof(*resp));
	rt.verb = API_VERB_OTHER;
	/* Authorization first: aggregated APIs and discovery too. */
	if (authz_filter(srv, req, resp))
		goto out;
	if (aggregator_handle(srv, req, resp))
		goto out;
	if (discovery_handle(srv, req, resp))
		goto out;
	rc = route_parse(req->method, req->path, req, &rt);
	if (rc == CK_EBADREQ) {
		status_replyf(resp, CK_EBADREQ, "malformed request path");
		goto out;
	}
	if (rc < 0) {
		status_replyf(resp, CK_ENOTFOUND,
		    "the server could not find the requested "
		    "resource");
		goto out;
	}
	if (rt.res == NULL) {
		status_replyf(resp, CK_ENOTFOUND,
		    "the server could not find the requested "
		    "resource");
		goto out;
	}
	if (bad_bool_param(req, resp))
		goto out;
	crud_handle(srv, req, &rt, resp);
out:
	log_v(6, "%s %s: %d", req->method, req->path, resp->code);
	count_request(rt.verb, resp->code, start_us);
}
