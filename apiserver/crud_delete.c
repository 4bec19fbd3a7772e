/*
 * crud_delete.c: DELETE and deletecollection with Kubernetes semantics:
 * DeleteOptions (gracePeriodSeconds, preconditions), finalizers, graceful
 * deletion of bound pods, and namespaces that terminate before they go.
 */
#include "crud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/codec.h"
#include "ckube/err.h"
#include "ckube/fieldsel.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"
#include "store.h"

struct delete_opts {
	int64_t	 grace;		/* -1: not given */
	char	 uid[64];
	int64_t	 rv;
	bool	 dry;		/* dryRun=All in the query or the body */
};

static int
parse_delete_opts(struct crud *c, struct delete_opts *o)
{
	const char *q = api_request_param(c->req, "gracePeriodSeconds");
	const cJSON *pre, *g, *dry;
	cJSON *body = NULL;
	int rc = 0;

	memset(o, 0, sizeof(*o));
	o->grace = -1;
	o->dry = crud_dry_run(c);
	if (q != NULL && q[0] != '\0' && (ck_parse_int64(q, &o->grace) < 0 ||
	    o->grace < 0))
		return crud_fail(c, CK_EBADREQ,
		    "invalid gracePeriodSeconds: %s", q);
	/* drain's fallback sends an empty protobuf DeleteOptions: ignore it. */
	if (c->req->body_len == 0 ||
	    codec_kind_of(c->req->content_type) == CODEC_PROTOBUF)
		return 0;
	rc = codec_decode(c->req->content_type, c->req->body, c->req->body_len,
	    1, &body, &c->st);
	if (rc < 0)
		return rc;
	g = cJSON_GetObjectItemCaseSensitive(body, "gracePeriodSeconds");
	if (cJSON_IsNumber(g))
		o->grace = g->valuedouble < 0 ? 0 : (int64_t)g->valuedouble;
	dry = cJSON_GetObjectItemCaseSensitive(body, "dryRun");
	cJSON_ArrayForEach(g, dry)
		if (cJSON_IsString(g) && strcmp(g->valuestring, "All") == 0)
			o->dry = true;
	pre = json_obj(body, "preconditions");
	if (json_str(pre, "uid") != NULL)
		ck_strlcpy(o->uid, json_str(pre, "uid"), sizeof(o->uid));
	if (json_str(pre, "resourceVersion") != NULL &&
	    ck_parse_int64(json_str(pre, "resourceVersion"), &o->rv) < 0)
		rc = crud_fail(c, CK_EBADREQ,
		    "invalid preconditions.resourceVersion");
	cJSON_Delete(body);
	return rc;
}

/*
 * Delete (or mark) one object. *out is the object as returned to the client
 * (yours, JSON text). Kubernetes semantics:
 *  - namespaces: the first DELETE marks Terminating (the namespace controller
 *    empties it and removes the "kubernetes" finalizer); a DELETE of a
 *    terminating namespace whose finalizers are gone removes it;
 *  - a pod bound to a node gets deletionTimestamp = now + grace and stays
 *    until deleted with grace 0 (the kubelet does that);
 *  - an object with finalizers is only marked.
 */
static int
delete_one(struct crud *c, const char *ns, const char *name,
    const struct delete_opts *o, char **out)
{
	cJSON *obj = NULL, *meta, *spec;
	const char *uid, *node;
	char ts[RFC3339_MAX];
	int64_t rv, grace, cur_grace;
	bool graceful = false, is_ns, mark;
	int rc;

	*out = NULL;
	if ((rc = crud_load(c, ns, name, &obj, &rv)) < 0)
		goto out;
	meta = json_ensure_obj(obj, "metadata");
	uid = json_str(meta, "uid");
	if (o->uid[0] != '\0' && (uid == NULL || strcmp(uid, o->uid) != 0)) {
		rc = crud_fail(c, CK_ECONFLICT,
		    "Precondition failed: UID in precondition: %s, "
		    "UID in object meta: %s",
		    o->uid, uid ? uid : "");
		ck_status_set_details(&c->st, name, c->res->group,
		    c->res->resource);
		goto out;
	}
	if (o->rv > 0 && o->rv != rv) {
		rc = crud_fail(c, CK_ECONFLICT,
		    "Precondition failed: ResourceVersion in "
		    "precondition: %lld, ResourceVersion in object meta: %lld",
		    (long long)o->rv, (long long)rv);
		ck_status_set_details(&c->st, name, c->res->group,
		    c->res->resource);
		goto out;
	}
	is_ns = strcmp(c->res->resource, "namespaces") == 0;
	spec = json_obj(obj, "spec");
	node = json_str(spec, "nodeName");
	grace = o->grace;
	if (strcmp(c->res->resource, "pods") == 0 && node != NULL &&
	    node[0] != '\0') {
		if (grace < 0)
			grace = crud_json_int(spec,
			    "terminationGracePeriodSeconds", 30);
		graceful = grace > 0;
	}
	if (grace < 0)
		grace = 0;
	mark = graceful || !crud_finalizers_empty(meta) ||
	    (is_ns && !(json_str(meta, "deletionTimestamp") != NULL &&
	    crud_finalizers_empty(spec)));
	if (!mark && o->dry) {
		*out = json_print(obj, NULL);
		goto out;
	}
	if (!mark) {
		rc = store_delete(c->srv->store, c->res->qualified, ns, name,
		    rv, out, NULL);
		if (rc < 0)
			rc = crud_fail_store(c, rc, name);
		else
			log_v(4, "deleted %s %s/%s", c->res->qualified, ns,
			    name);
		goto out;
	}
	if (json_str(meta, "deletionTimestamp") != NULL) {
		/* Terminating: only a shorter grace period changes it. */
		cur_grace =
		    crud_json_int(meta, "deletionGracePeriodSeconds", 0);
		if (!graceful && cur_grace > 0) {
			json_set_num(meta, "deletionGracePeriodSeconds", 0);
			crud_now_ts(ts, 0);
			json_set_str(meta, "deletionTimestamp", ts);
		} else if (graceful && grace < cur_grace) {
			json_set_num(meta, "deletionGracePeriodSeconds",
			    (double)grace);
			crud_now_ts(ts, (time_t)grace);
			json_set_str(meta, "deletionTimestamp", ts);
		} else {
			*out = json_print(obj, NULL);
			goto out;
		}
	} else {
		crud_now_ts(ts, graceful ? (time_t)grace : 0);
		json_set_str(meta, "deletionTimestamp", ts);
		json_set_num(meta, "deletionGracePeriodSeconds",
		    graceful ? (double)grace : 0);
		if (is_ns)
			json_set_str(json_ensure_obj(obj, "status"), "phase",
			    "Terminating");
	}
	if (o->dry) {
		*out = json_print(obj, NULL);
		goto out;
	}
	if (crud_finalizers_empty(meta) && !graceful && !is_ns) {
		rc = store_delete(c->srv->store, c->res->qualified, ns, name,
		    rv, out, NULL);
		if (rc < 0)
			rc = crud_fail_store(c, rc, name);
		goto out;
	}
	rc = store_update(c->srv->store, c->res->qualified, ns, name, obj, rv,
	    NULL);
	if (rc < 0) {
		rc = crud_fail_store(c, rc, name);
		goto out;
	}
	log_v(4, "marked %s %s/%s for deletion", c->res->qualified, ns, name);
	*out = json_print(obj, NULL);
out:
	cJSON_Delete(obj);
	return rc;
}

void
crud_delete(struct crud *c)
{
	struct delete_opts o;
	char *out = NULL;

	if (parse_delete_opts(c, &o) < 0 ||
	    delete_one(c, c->rt->ns, c->rt->name, &o, &out) < 0) {
		crud_reply_st(c);
		return;
	}
	api_response_take(c->resp, 200, "application/json", out, strlen(out));
}

void
crud_deletecollection(struct crud *c)
{
	struct label_selector *ls = NULL;
	struct field_selector *fs = NULL;
	struct store_list l = { 0 };
	struct delete_opts o;
	struct strbuf sb = STRBUF_INIT;
	cJSON *obj;
	char *out, *s;
	size_t i, len, count = 0;
	int rc;

	if (parse_delete_opts(c, &o) < 0 ||
	    crud_parse_selectors(c, &ls, &fs) < 0)
		goto err;
	rc = store_list(c->srv->store, c->res->qualified,
	    c->rt->has_ns ? c->rt->ns : "", NULL, NULL, 0, &l);
	if (rc < 0) {
		crud_fail_store(c, rc, "");
		goto err;
	}
	crud_list_prefix(c, &sb, l.rv, NULL);
	for (i = 0; i < l.n; i++) {
		obj =
		    cJSON_ParseWithLength(l.items[i].body, l.items[i].body_len);
		if (obj == NULL || !crud_matches(ls, fs, obj)) {
			cJSON_Delete(obj);
			continue;
		}
		cJSON_Delete(obj);
		rc = delete_one(c, l.items[i].ns, l.items[i].name, &o, &out);
		if (rc == CK_ENOTFOUND)
			continue;
		if (rc < 0)
			goto err;
		if (count++ > 0)
			strbuf_addc(&sb, ',');
		strbuf_adds(&sb, out);
		cJSON_free(out);
	}
	strbuf_adds(&sb, "]}");
	s = strbuf_detach(&sb, &len);
	api_response_take(c->resp, 200, "application/json", s, len);
	goto out;
err:
	crud_reply_st(c);
out:
	strbuf_fini(&sb);
	store_list_fini(&l);
	selector_free(ls);
	fieldsel_free(fs);
}

/* POST pods/<name>/binding: set spec.nodeName once. */
