/*
 * sa_token.c: serviceaccounts/NAME/token, the TokenRequest subresource
 * (authentication.k8s.io/v1) behind `kubectl create token`: a signed JWT
 * for the ServiceAccount, optionally bound to a pod, for spec.audiences
 * (default: the issuer) and spec.expirationSeconds (default 3600, min 600).
 * Served only with a signing key, as in Kubernetes (404 otherwise).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/rfc3339.h"
#include "apiserver.h"
#include "crud.h"
#include "sa_jwt.h"
#include "store/store.h"

#define TOKEN_EXP_DEFAULT	3600
#define TOKEN_EXP_MIN		600
#define TOKEN_EXP_MAX		4294967296LL	/* 2^32 */
#define TOKEN_AUD_MAX		16

static int
invalid(struct crud *c, const char *field, const char *msg)
{
	c->st.ncauses = 0;
	ck_status_add_cause(&c->st, field, "FieldValueInvalid", "%s", msg);
	return status_set_invalid_kind(&c->st,
	    "TokenRequest.authentication.k8s.io", "authentication.k8s.io",
	    "TokenRequest", c->rt->name);
}

/* spec.expirationSeconds into *exp. */
static int
read_expiration(struct crud *c, const cJSON *spec, int64_t *exp)
{
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(spec,
	    "expirationSeconds");
	char msg[160];

	*exp = TOKEN_EXP_DEFAULT;
	if (e == NULL || cJSON_IsNull(e))
		return 0;
	if (!cJSON_IsNumber(e) || e->valuedouble != floor(e->valuedouble))
		return crud_fail(c, CK_EBADREQ, "spec.expirationSeconds: "
		    "not an integer");
	if (e->valuedouble < TOKEN_EXP_MIN) {
		snprintf(msg, sizeof(msg), "Invalid value: %.0f: may not "
		    "specify a duration less than 10 minutes", e->valuedouble);
		return invalid(c, "spec.expirationSeconds", msg);
	}
	if (e->valuedouble > (double)TOKEN_EXP_MAX) {
		snprintf(msg, sizeof(msg), "Invalid value: %.0f: may not "
		    "specify a duration larger than 2^32 seconds",
		    e->valuedouble);
		return invalid(c, "spec.expirationSeconds", msg);
	}
	*exp = (int64_t)e->valuedouble;
	return 0;
}

/* spec.audiences into aud (NULL-terminated, pointing into spec). */
static int
read_audiences(struct crud *c, const cJSON *spec, const char **aud)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(spec, "audiences"),
	    *it;
	size_t n = 0;

	aud[0] = NULL;
	if (a == NULL || cJSON_IsNull(a))
		return 0;
	if (!cJSON_IsArray(a))
		return crud_fail(c, CK_EBADREQ, "spec.audiences: not a list "
		    "of strings");
	cJSON_ArrayForEach(it, a) {
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0' ||
		    strlen(it->valuestring) > 253)
			return invalid(c, "spec.audiences", "Invalid value: "
			    "an audience must be a non-empty string of at "
			    "most 253 characters");
		if (n == TOKEN_AUD_MAX)
			return invalid(c, "spec.audiences", "Too many: "
			    "at most 16 audiences");
		aud[n++] = it->valuestring;
	}
	aud[n] = NULL;
	return 0;
}

static int
load_pod(struct crud *c, const char *name, cJSON **out)
{
	struct store_item it;
	int rc;

	*out = NULL;
	rc = store_get(c->srv->store, "pods", c->rt->ns, name, &it);
	if (rc == CK_ENOTFOUND)
		return crud_fail(c, rc, "pods \"%s\" not found", name);
	if (rc < 0)
		return crud_fail(c, rc, "Internal error occurred: %s",
		    ck_strerror(rc));
	*out = cJSON_ParseWithLength(it.body, it.body_len);
	store_item_fini(&it);
	if (*out == NULL)
		return crud_fail(c, CK_EIO, "Internal error occurred: stored "
		    "pod %s is corrupt", name);
	return 0;
}

/* spec.boundObjectRef: only a Pod of the same namespace binds a token. */
static int
read_bound_pod(struct crud *c, const cJSON *spec, struct sa_claims *cl)
{
	const cJSON *ref = json_obj(spec, "boundObjectRef");
	const char *kind, *name, *uid, *have;
	cJSON *pod = NULL;
	int rc = 0;

	if (ref == NULL)
		return 0;
	kind = json_str(ref, "kind");
	name = json_str(ref, "name");
	uid = json_str(ref, "uid");
	if (kind == NULL || strcmp(kind, "Pod") != 0)
		return invalid(c, "spec.boundObjectRef.kind", "Unsupported "
		    "value: only Pod is supported");
	if (name == NULL || name[0] == '\0' || strlen(name) >=
	    sizeof(cl->pod_name))
		return invalid(c, "spec.boundObjectRef.name", "Required value");
	if (load_pod(c, name, &pod) < 0)
		return CK_ENOTFOUND;
	have = json_str(json_obj(pod, "metadata"), "uid");
	if (have == NULL || (uid != NULL && uid[0] != '\0' &&
	    strcmp(uid, have) != 0))
		rc = crud_fail(c, CK_ECONFLICT, "the UID in the bound object "
		    "reference (%s) does not match the UID in record. The "
		    "object might have been deleted and then recreated",
		    uid != NULL ? uid : "");
	else {
		snprintf(cl->pod_name, sizeof(cl->pod_name), "%s", name);
		snprintf(cl->pod_uid, sizeof(cl->pod_uid), "%s", have);
	}
	cJSON_Delete(pod);
	return rc;
}

/* The TokenRequest answered: the request with its defaults and status. */
static cJSON *
reply_object(struct crud *c, const cJSON *req, const char *const *aud,
    int64_t exp, const char *token, time_t now)
{
	cJSON *obj = req != NULL ? cJSON_Duplicate(req, 1) :
	    cJSON_CreateObject(), *meta, *spec, *status, *a;
	const struct sa_keys *k = authn_sa_keys();
	char ts[RFC3339_MAX];

	json_set_str(obj, "kind", "TokenRequest");
	json_set_str(obj, "apiVersion", "authentication.k8s.io/v1");
	json_del(obj, "metadata");
	meta = cJSON_AddObjectToObject(obj, "metadata");
	cJSON_AddStringToObject(meta, "name", c->rt->name);
	cJSON_AddStringToObject(meta, "namespace", c->rt->ns);
	cJSON_AddNullToObject(meta, "creationTimestamp");
	spec = json_ensure_obj(obj, "spec");
	json_del(spec, "audiences");
	a = cJSON_AddArrayToObject(spec, "audiences");
	if (aud[0] == NULL)
		cJSON_AddItemToArray(a, cJSON_CreateString(k->issuer));
	for (; *aud != NULL; aud++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*aud));
	json_set_num(spec, "expirationSeconds", (double)exp);
	if (cJSON_GetObjectItemCaseSensitive(spec, "boundObjectRef") == NULL)
		cJSON_AddNullToObject(spec, "boundObjectRef");
	json_del(obj, "status");
	status = cJSON_AddObjectToObject(obj, "status");
	cJSON_AddStringToObject(status, "token", token);
	if (rfc3339_format(now + (time_t)exp, ts, sizeof(ts)) == 0)
		cJSON_AddStringToObject(status, "expirationTimestamp", ts);
	return obj;
}

void
sa_token_create(struct crud *c)
{
	const struct sa_keys *k = authn_sa_keys();
	cJSON *req = NULL, *sa = NULL, *obj;
	const char *aud[TOKEN_AUD_MAX + 1] = { NULL }, *kind, *uid;
	struct sa_claims cl;
	const cJSON *spec;
	int64_t exp, rv;
	time_t now;
	char *token = NULL;

	if (k->signer == NULL) {
		crud_fail(c, CK_ENOTFOUND, "the server could not find the "
		    "requested resource (serviceaccounts/token needs the "
		    "apiserver's --service-account-signing-key-file)");
		goto err;
	}
	if (c->rt->verb != API_VERB_CREATE) {
		crud_fail(c, CK_ENOTSUP, "the server does not allow this "
		    "method on the requested resource");
		goto err;
	}
	if (crud_decode_body(c, 1, &req) < 0)
		goto err;
	kind = json_str(req, "kind");
	if (kind != NULL && kind[0] != '\0' &&
	    strcmp(kind, "TokenRequest") != 0) {
		crud_fail(c, CK_EBADREQ, "the kind of the object (%s) does not "
		    "match the kind of the request (TokenRequest)", kind);
		goto err;
	}
	spec = json_obj(req, "spec");
	memset(&cl, 0, sizeof(cl));
	if (read_expiration(c, spec, &exp) < 0 ||
	    read_audiences(c, spec, aud) < 0)
		goto err;
	if (crud_load(c, c->rt->ns, c->rt->name, &sa, &rv) < 0)
		goto err;
	uid = json_str(json_obj(sa, "metadata"), "uid");
	if (uid == NULL || strlen(uid) >= sizeof(cl.uid)) {
		crud_fail(c, CK_EIO, "Internal error occurred: serviceaccount "
		    "%s has no uid", c->rt->name);
		goto err;
	}
	snprintf(cl.ns, sizeof(cl.ns), "%s", c->rt->ns);
	snprintf(cl.name, sizeof(cl.name), "%s", c->rt->name);
	snprintf(cl.uid, sizeof(cl.uid), "%s", uid);
	if (read_bound_pod(c, spec, &cl) < 0)
		goto err;
	now = time(NULL);
	if ((token = sa_jwt_sign(k, &cl, aud, now, exp)) == NULL) {
		crud_fail(c, CK_EIO, "Internal error occurred: failed to "
		    "sign the token");
		goto err;
	}
	obj = reply_object(c, req, aud, exp, token, now);
	api_response_json(c->resp, 201, obj);
	cJSON_Delete(obj);
	goto out;
err:
	crud_reply_st(c);
out:
	free(token);
	cJSON_Delete(req);
	cJSON_Delete(sa);
}
