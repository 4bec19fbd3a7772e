/*
 * eviction.c: POST pods/<name>/eviction (policy/v1 Eviction, also what
 * `kubectl drain` sends): the pod is deleted with the eviction's
 * deleteOptions, through the ordinary delete path so grace periods,
 * preconditions and finalizers behave the same. Disruption budgets are
 * checked in eviction_budgets_allow() (the disruption-budget issue fills
 * it in); until then every eviction is allowed.
 */
#include "crud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"

/*
 * The budget hook: 0 to allow evicting pod, or CK_ETOOMANY-style refusal
 * (429 "Cannot evict pod as it would violate the pod's disruption budget")
 * with c->st set. No budgets are enforced yet.
 */
static int
eviction_budgets_allow(struct crud *c, const cJSON *pod)
{
	(void)c;
	(void)pod;
	return 0;
}

static void
reply_success(struct crud *c)
{
	cJSON *ok = cJSON_CreateObject();

	cJSON_AddStringToObject(ok, "kind", "Status");
	cJSON_AddStringToObject(ok, "apiVersion", "v1");
	cJSON_AddItemToObject(ok, "metadata", cJSON_CreateObject());
	cJSON_AddStringToObject(ok, "status", "Success");
	cJSON_AddNumberToObject(ok, "code", 201);
	api_response_json(c->resp, 201, ok);
	cJSON_Delete(ok);
}

void
eviction_create(struct crud *c)
{
	struct api_request dreq;
	struct api_route drt;
	struct api_response dresp;
	struct crud d;
	cJSON *ev = NULL, *pod = NULL;
	const char *name, *kind;
	char *opts = NULL;
	int64_t rv;

	if (crud_decode_body(c, 1, &ev) < 0)
		goto err;
	kind = json_str(ev, "kind");
	if (kind != NULL && strcmp(kind, "Eviction") != 0) {
		crud_fail(c, CK_EBADREQ, "the kind of the object (%s) does not "
		    "match the kind of the request (Eviction)", kind);
		goto err;
	}
	name = crud_obj_name(ev);
	if (name != NULL && strcmp(name, c->rt->name) != 0) {
		crud_fail(c, CK_EBADREQ, "name in URL does not match name in "
		    "Eviction object");
		goto err;
	}
	if (crud_load(c, c->rt->ns, c->rt->name, &pod, &rv) < 0)
		goto err;
	if (eviction_budgets_allow(c, pod) < 0)
		goto err;

	/* The delete, as if DELETE pods/<name> carried deleteOptions. */
	dreq = *c->req;
	dreq.method = "DELETE";
	dreq.content_type = "application/json";
	dreq.body = NULL;
	dreq.body_len = 0;
	if (json_obj(ev, "deleteOptions") != NULL) {
		opts = json_print(json_obj(ev, "deleteOptions"), &dreq.body_len);
		dreq.body = opts;
	}
	drt = *c->rt;
	drt.sub[0] = '\0';
	drt.verb = API_VERB_DELETE;
	memset(&dresp, 0, sizeof(dresp));
	memset(&d, 0, sizeof(d));
	d.srv = c->srv;
	d.req = &dreq;
	d.rt = &drt;
	d.res = c->res;
	d.resp = &dresp;
	ck_status_clear(&d.st);
	crud_delete(&d);
	if (dresp.code == 200 || dresp.code == 202) {
		api_response_fini(&dresp);
		reply_success(c);
	} else
		*c->resp = dresp;	/* the delete's Status, as it is */
	goto out;
err:
	crud_reply_st(c);
out:
	free(opts);
	cJSON_Delete(ev);
	cJSON_Delete(pod);
}
