/*
 * review.c: POST selfsubjectaccessreviews (authorization.k8s.io/v1). There
 * is no authorizer yet, so every well-formed question is answered
 * allowed=true; the review is returned with its status and never stored.
 */
#include "crud.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"

void
review_create(struct crud *c)
{
	cJSON *obj = NULL, *spec, *status, *meta;
	const char *kind;
	int n;

	if (crud_decode_body(c, 1, &obj) < 0)
		goto err;
	kind = json_str(obj, "kind");
	if (kind != NULL && kind[0] != '\0' && strcmp(kind, c->res->kind)) {
		crud_fail(c, CK_EBADREQ, "the kind of the object (%s) does not "
		    "match the kind of the request (%s)", kind, c->res->kind);
		goto err;
	}
	spec = json_obj(obj, "spec");
	n = (json_obj(spec, "resourceAttributes") != NULL) +
	    (json_obj(spec, "nonResourceAttributes") != NULL);
	if (n != 1) {
		c->st.ncauses = 0;
		ck_status_add_cause(&c->st, "spec.resourceAttributes",
		    "FieldValueInvalid", "Invalid value: \"null\": exactly one "
		    "of nonResourceAttributes or resourceAttributes must be "
		    "specified");
		status_set_invalid(&c->st, c->res, "");
		goto err;
	}
	json_set_str(obj, "kind", c->res->kind);
	json_set_str(obj, "apiVersion", "authorization.k8s.io/v1");
	meta = json_ensure_obj(obj, "metadata");
	json_del(meta, "resourceVersion");
	json_del(obj, "status");
	status = json_ensure_obj(obj, "status");
	cJSON_AddBoolToObject(status, "allowed", true);
	cJSON_AddStringToObject(status, "reason",
	    "ckube has no authorizer: every request is allowed");
	api_response_json(c->resp, 201, obj);
	goto out;
err:
	crud_reply_st(c);
out:
	cJSON_Delete(obj);
}
