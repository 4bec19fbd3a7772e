/*
 * authz_request.c: the authorization filter of api_handle. A request is
 * turned into authorizer attributes as Kubernetes' RequestInfoFactory does
 * (resource paths: verb, group, version, resource, subresource, namespace,
 * name; anything else, discovery and health included, a non-resource path
 * with the lower-case method as verb), checked by authz_check(), and
 * refused with Kubernetes' 403 wording when not allowed.
 */
#include "auth.h"

#include <ctype.h>
#include <strings.h>
#include <stdio.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/strbuf.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "apiserver.h"

/* The lower-case method (a static string). */
static const char *
method_verb(const char *method)
{
	static const char *const verbs[] = { "get", "head", "post", "put",
		"patch", "delete", "options", "connect", "trace" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(verbs); i++)
		if (method != NULL && strcasecmp(method, verbs[i]) == 0)
			return verbs[i];
	return "unknown";
}

/*
 * list and watch with fieldSelector=metadata.name=X (or ==X) name X, as
 * Kubernetes does, so resourceNames rules allow a single-object watch.
 */
static void
selector_name(const struct api_request *req, struct api_route *rt)
{
	const char *fs = api_request_param(req, "fieldSelector");
	const char *p, *end;
	size_t n;

	if (fs == NULL)
		return;
	for (p = fs; *p != '\0'; p = *end ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n > 14 && strncmp(p, "metadata.name=", 14) == 0) {
			p += p[14] == '=' ? 15 : 14;
			n = (size_t)(end - p);
			if (n < sizeof(rt->name)) {
				memcpy(rt->name, p, n);
				rt->name[n] = '\0';
			}
			return;
		}
	}
}

void
authz_request_attrs(const struct api_request *req, struct api_route *rt,
    struct auth_attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->path = req->path;
	if (route_parse(req->method, req->path, req, rt) != 0) {
		a->resource_request = false;
		a->verb = method_verb(req->method);
		a->api_group = a->api_version = a->resource = "";
		a->subresource = a->ns = a->name = "";
		return;
	}
	if (rt->verb == API_VERB_LIST || rt->verb == API_VERB_WATCH)
		selector_name(req, rt);
	/* A namespace is in itself: get namespaces/foo is in "foo". */
	if (strcmp(rt->resource, "namespaces") == 0 && !rt->has_ns &&
	    rt->group[0] == '\0' && rt->name[0] != '\0')
		ck_strlcpy(rt->ns, rt->name, sizeof(rt->ns));
	a->resource_request = true;
	a->verb = rt->verb == API_VERB_OTHER ? method_verb(req->method)
	    : route_verb_name(rt->verb);
	a->api_group = rt->group;
	a->api_version = rt->version;
	a->resource = rt->resource;
	a->subresource = rt->sub;
	a->ns = rt->ns;
	a->name = rt->name;
}

void
authz_forbidden(struct ck_status *st, const struct auth_user *user,
    const struct auth_attrs *attrs, const char *why)
{
	char res[192], qual[320], msg[700];
	const char *group = attrs->api_group ? attrs->api_group : "";
	const char *name = attrs->name ? attrs->name : "";
	const char *uname = user != NULL ? user->name : "";

	if (!attrs->resource_request) {
		snprintf(msg, sizeof(msg), "User \"%s\" cannot %s path \"%s\"",
		    uname, attrs->verb, attrs->path ? attrs->path : "");
		ck_status_set(st, CK_EPERM, "forbidden: %s%s%s", msg,
		    why && why[0] ? ": " : "", why ? why : "");
		return;
	}
	if (attrs->subresource != NULL && attrs->subresource[0] != '\0')
		snprintf(res, sizeof(res), "%s/%s", attrs->resource,
		    attrs->subresource);
	else
		snprintf(res, sizeof(res), "%s", attrs->resource);
	if (attrs->ns != NULL && attrs->ns[0] != '\0')
		snprintf(msg, sizeof(msg), "User \"%s\" cannot %s resource "
		    "\"%s\" in API group \"%s\" in the namespace \"%s\"", uname,
		    attrs->verb, res, group, attrs->ns);
	else
		snprintf(msg, sizeof(msg), "User \"%s\" cannot %s resource "
		    "\"%s\" in API group \"%s\" at the cluster scope", uname,
		    attrs->verb, res, group);
	/* GroupResource.String(): "pods", "uids.authentication.k8s.io" */
	if (group[0] != '\0')
		snprintf(qual, sizeof(qual), "%s.%s", attrs->resource, group);
	else
		snprintf(qual, sizeof(qual), "%s", attrs->resource);
	if (name[0] != '\0')
		ck_status_set(st, CK_EPERM, "%s \"%s\" is forbidden: %s%s%s",
		    qual, name, msg, why && why[0] ? ": " : "",
		    why ? why : "");
	else
		ck_status_set(st, CK_EPERM, "%s is forbidden: %s%s%s", qual,
		    msg, why && why[0] ? ": " : "", why ? why : "");
	ck_status_set_details(st, name[0] ? name : NULL, group,
	    attrs->resource);
}

bool
authz_filter(struct apiserver *srv, const struct api_request *req,
    struct api_response *resp)
{
	struct api_route rt;
	struct auth_attrs a;
	struct ck_status st;
	char why[512];
	int rc;

	if (req->user == NULL)
		return false;
	authz_request_attrs(req, &rt, &a);
	rc = authz_check(srv, req->user, &a, why, sizeof(why));
	if (rc == 1)
		return false;
	ck_status_clear(&st);
	if (rc < 0) {
		ck_status_set(&st, CK_EIO, "authorization failed: %s",
		    ck_strerror(rc));
		status_reply(resp, &st);
		return true;
	}
	authz_forbidden(&st, req->user, &a, why);
	log_v(2, "forbidden: %s", st.message);
	status_reply(resp, &st);
	return true;
}
