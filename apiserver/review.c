/*
 * review.c: the authorization.k8s.io/v1 reviews, answered by the
 * authorizer chain (authz_check) and never stored:
 * SelfSubjectAccessReview (the request's own user; the insecure port's NULL
 * user is allowed everything), SubjectAccessReview and, namespaced,
 * LocalSubjectAccessReview (spec.user, spec.groups, spec.uid), and
 * SelfSubjectRulesReview (the rules the user holds in spec.namespace, as
 * `kubectl auth can-i --list` prints them).
 */
#include "crud.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "auth.h"
#include "rbac.h"

static const char *
str_or(const cJSON *obj, const char *key)
{
	const char *s = json_str(obj, key);

	return s != NULL ? s : "";
}

/* The array member key of obj, created (replacing a non-array) if needed. */
static cJSON *
json_ensure_arr(cJSON *obj, const char *key)
{
	cJSON *a = rbac_json_arr(obj, key);

	if (a != NULL)
		return a;
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	return cJSON_AddArrayToObject(obj, key);
}

/* spec.user, spec.groups, spec.uid into u. */
static void
spec_user(const cJSON *spec, struct auth_user *u)
{
	const cJSON *g;

	memset(u, 0, sizeof(*u));
	ck_strlcpy(u->name, str_or(spec, "user"), sizeof(u->name));
	ck_strlcpy(u->uid, str_or(spec, "uid"), sizeof(u->uid));
	cJSON_ArrayForEach(g, rbac_json_arr(spec, "groups")) {
		if (!cJSON_IsString(g) || u->ngroups == AUTH_GROUPS_MAX)
			continue;
		ck_strlcpy(u->groups[u->ngroups++], g->valuestring,
		    sizeof(u->groups[0]));
	}
}

static void
fill_attrs(const cJSON *spec, struct auth_attrs *a)
{
	const cJSON *ra = json_obj(spec, "resourceAttributes");
	const cJSON *na = json_obj(spec, "nonResourceAttributes");

	memset(a, 0, sizeof(*a));
	if (ra != NULL) {
		a->resource_request = true;
		a->verb = str_or(ra, "verb");
		a->api_group = str_or(ra, "group");
		a->api_version = str_or(ra, "version");
		a->resource = str_or(ra, "resource");
		a->subresource = str_or(ra, "subresource");
		a->ns = str_or(ra, "namespace");
		a->name = str_or(ra, "name");
		a->path = "";
	} else {
		a->verb = str_or(na, "verb");
		a->path = str_or(na, "path");
		a->api_group = a->api_version = a->resource = "";
		a->subresource = a->ns = a->name = "";
	}
}

/* Validation of the *AccessReview spec: 0 or CK_EINVALID with st set. */
static int
check_access_spec(struct crud *c, cJSON *spec, const char *kind)
{
	cJSON *ra = json_obj(spec, "resourceAttributes");
	int n = (ra != NULL) + (json_obj(spec, "nonResourceAttributes") != NULL);
	bool self = strcmp(kind, "SelfSubjectAccessReview") == 0;
	bool local = strcmp(kind, "LocalSubjectAccessReview") == 0;
	const char *ns;

	c->st.ncauses = 0;
	if (n != 1)
		ck_status_add_cause(&c->st, "spec.resourceAttributes",
		    "FieldValueInvalid", "Invalid value: \"null\": exactly one "
		    "of nonResourceAttributes or resourceAttributes must be "
		    "specified");
	else if (local && ra == NULL)
		ck_status_add_cause(&c->st, "spec.nonResourceAttributes",
		    "FieldValueInvalid", "Invalid value: \"object\": "
		    "disallowed on this kind of request");
	if (!self && str_or(spec, "user")[0] == '\0' &&
	    cJSON_GetArraySize(rbac_json_arr(spec, "groups")) == 0)
		ck_status_add_cause(&c->st, "spec.user", "FieldValueInvalid",
		    "Invalid value: \"\": at least one of user or group must "
		    "be specified");
	if (c->st.ncauses > 0)
		return status_set_invalid(&c->st, c->res, "");
	if (local) {
		ns = json_str(ra, "namespace");
		if (ns == NULL || ns[0] == '\0')
			json_set_str(ra, "namespace", c->rt->ns);
		else if (strcmp(ns, c->rt->ns) != 0)
			return crud_fail(c, CK_EBADREQ, "spec.resourceAttributes"
			    ".namespace must match namespace: %s", c->rt->ns);
	}
	return 0;
}

static int
access_review(struct crud *c, cJSON *obj, const char *kind)
{
	cJSON *spec = json_ensure_obj(obj, "spec"), *status;
	struct auth_user u;
	const struct auth_user *user;
	struct auth_attrs a;
	char why[512];
	int rc;

	if ((rc = check_access_spec(c, spec, kind)) < 0)
		return rc;
	fill_attrs(spec, &a);
	if (strcmp(kind, "SelfSubjectAccessReview") == 0)
		user = c->req->user;
	else {
		spec_user(spec, &u);
		user = &u;
	}
	rc = authz_check(c->srv, user, &a, why, sizeof(why));
	if (rc < 0)
		return crud_fail(c, rc, "authorization failed: %s",
		    ck_strerror(rc));
	status = json_ensure_obj(obj, "status");
	cJSON_AddBoolToObject(status, "allowed", rc == 1);
	if (why[0] != '\0')
		cJSON_AddStringToObject(status, "reason", why);
	return 0;
}

static void
add_star_rules(cJSON *status)
{
	cJSON *r;

	r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "verbs", cJSON_CreateStringArray(
	    (const char *const[]){ "*" }, 1));
	cJSON_AddItemToObject(r, "apiGroups", cJSON_CreateStringArray(
	    (const char *const[]){ "*" }, 1));
	cJSON_AddItemToObject(r, "resources", cJSON_CreateStringArray(
	    (const char *const[]){ "*" }, 1));
	cJSON_AddItemToArray(json_ensure_arr(status, "resourceRules"), r);
	r = cJSON_CreateObject();
	cJSON_AddItemToObject(r, "verbs", cJSON_CreateStringArray(
	    (const char *const[]){ "*" }, 1));
	cJSON_AddItemToObject(r, "nonResourceURLs", cJSON_CreateStringArray(
	    (const char *const[]){ "*" }, 1));
	cJSON_AddItemToArray(json_ensure_arr(status, "nonResourceRules"), r);
}

static void
copy_list(cJSON *dst, const cJSON *src, const char *key)
{
	const cJSON *a = rbac_json_arr(src, key);

	if (a != NULL && cJSON_GetArraySize(a) > 0)
		cJSON_AddItemToObject(dst, key, cJSON_Duplicate(a, 1));
}

static int
rules_review(struct crud *c, cJSON *obj)
{
	cJSON *spec = json_ensure_obj(obj, "spec"), *status, *rules = NULL;
	const cJSON *r;
	cJSON *out;
	const struct auth_user *user = c->req->user;
	int rc;

	status = json_ensure_obj(obj, "status");
	json_ensure_arr(status, "resourceRules");
	json_ensure_arr(status, "nonResourceRules");
	cJSON_AddBoolToObject(status, "incomplete", false);
	if (user == NULL || c->srv->rbac == NULL ||
	    auth_user_in_group(user, "system:masters")) {
		add_star_rules(status);
		return 0;
	}
	rc = rbac_rules_for(c->srv->rbac, user, str_or(spec, "namespace"),
	    &rules);
	if (rc < 0)
		return crud_fail(c, rc, "cannot read RBAC rules: %s",
		    ck_strerror(rc));
	cJSON_ArrayForEach(r, rules) {
		out = cJSON_CreateObject();
		copy_list(out, r, "verbs");
		if (rbac_json_arr(r, "nonResourceURLs") != NULL) {
			copy_list(out, r, "nonResourceURLs");
			cJSON_AddItemToArray(json_ensure_arr(status,
			    "nonResourceRules"), out);
			continue;
		}
		copy_list(out, r, "apiGroups");
		copy_list(out, r, "resources");
		copy_list(out, r, "resourceNames");
		cJSON_AddItemToArray(json_ensure_arr(status, "resourceRules"),
		    out);
	}
	cJSON_Delete(rules);
	return 0;
}

void
review_create(struct crud *c)
{
	cJSON *obj = NULL, *meta;
	const char *kind;

	if (crud_decode_body(c, 1, &obj) < 0)
		goto err;
	kind = json_str(obj, "kind");
	if (kind != NULL && kind[0] != '\0' && strcmp(kind, c->res->kind)) {
		crud_fail(c, CK_EBADREQ, "the kind of the object (%s) does not "
		    "match the kind of the request (%s)", kind, c->res->kind);
		goto err;
	}
	json_set_str(obj, "kind", c->res->kind);
	json_set_str(obj, "apiVersion", "authorization.k8s.io/v1");
	meta = json_ensure_obj(obj, "metadata");
	json_del(meta, "resourceVersion");
	if (c->res->namespaced)
		json_set_str(meta, "namespace", c->rt->ns);
	json_del(obj, "status");
	if (strcmp(c->res->kind, "SelfSubjectRulesReview") == 0) {
		if (rules_review(c, obj) < 0)
			goto err;
	} else if (access_review(c, obj, c->res->kind) < 0)
		goto err;
	api_response_json(c->resp, 201, obj);
	goto out;
err:
	crud_reply_st(c);
out:
	cJSON_Delete(obj);
}
