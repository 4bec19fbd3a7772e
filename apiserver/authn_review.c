/*
 * authn_review.c: authentication.k8s.io/v1 TokenReview (is this token
 * valid, and whose is it: the secure port's token authenticators) and
 * SelfSubjectReview (who am I: `kubectl auth whoami`). Answered, never
 * stored.
 */
#include "crud.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"
#include "auth.h"

/* Kubernetes' InsecureSuperuser: the user of the insecure port. */
static void
insecure_user(struct auth_user *u)
{
	memset(u, 0, sizeof(*u));
	ck_strlcpy(u->name, AUTH_INSECURE_USER, sizeof(u->name));
	(void)auth_user_add_group(u, "system:masters");
	(void)auth_user_add_group(u, AUTH_AUTHENTICATED);
}

/* authentication.k8s.io/v1 UserInfo. */
static cJSON *
user_info(const struct auth_user *u)
{
	cJSON *o = cJSON_CreateObject(), *g;
	size_t i;

	cJSON_AddStringToObject(o, "username", u->name);
	if (u->uid[0] != '\0')
		cJSON_AddStringToObject(o, "uid", u->uid);
	if (u->ngroups > 0) {
		g = cJSON_AddArrayToObject(o, "groups");
		for (i = 0; i < u->ngroups; i++)
			cJSON_AddItemToArray(g,
			    cJSON_CreateString(u->groups[i]));
	}
	return o;
}

static void
token_review(struct crud *c, cJSON *obj)
{
	struct auth_user u;
	cJSON *status;
	const char *token = json_str(json_obj(obj, "spec"), "token");
	int rc;

	if (token == NULL || token[0] == '\0') {
		crud_fail(c, CK_EBADREQ, "token is required for TokenReview "
		    "in authentication");
		crud_reply_st(c);
		return;
	}
	memset(&u, 0, sizeof(u));
	rc = authn_token(c->srv, token, &u);
	json_del(obj, "status");
	status = json_ensure_obj(obj, "status");
	if (rc == 1) {
		cJSON_AddBoolToObject(status, "authenticated", true);
		cJSON_AddItemToObject(status, "user", user_info(&u));
	} else {
		cJSON_AddItemToObject(status, "user", cJSON_CreateObject());
		cJSON_AddStringToObject(status, "error",
		    "invalid bearer token");
	}
	explicit_bzero(&u, sizeof(u));
	api_response_json(c->resp, 201, obj);
}

static void
self_subject_review(struct crud *c, cJSON *obj)
{
	struct auth_user u;
	cJSON *meta, *status;
	char ts[RFC3339_MAX];

	if (c->req->user != NULL)
		u = *c->req->user;
	else
		insecure_user(&u);
	json_del(obj, "status");
	json_del(obj, "spec");
	meta = json_ensure_obj(obj, "metadata");
	crud_now_ts(ts, 0);
	json_set_str(meta, "creationTimestamp", ts);
	status = json_ensure_obj(obj, "status");
	cJSON_AddItemToObject(status, "userInfo", user_info(&u));
	api_response_json(c->resp, 201, obj);
}

void
authn_review_create(struct crud *c)
{
	cJSON *obj = NULL, *meta;
	const char *kind;

	if (crud_decode_body(c, 1, &obj) < 0) {
		crud_reply_st(c);
		return;
	}
	kind = json_str(obj, "kind");
	if (kind != NULL && kind[0] != '\0' && strcmp(kind, c->res->kind)) {
		crud_fail(c, CK_EBADREQ, "the kind of the object (%s) does not "
		    "match the kind of the request (%s)", kind, c->res->kind);
		crud_reply_st(c);
		goto out;
	}
	json_set_str(obj, "kind", c->res->kind);
	json_set_str(obj, "apiVersion", "authentication.k8s.io/v1");
	meta = json_ensure_obj(obj, "metadata");
	json_del(meta, "resourceVersion");
	if (strcmp(c->res->kind, "TokenReview") == 0)
		token_review(c, obj);
	else
		self_subject_review(c, obj);
out:
	cJSON_Delete(obj);
}
