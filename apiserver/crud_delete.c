/*
 * crud_delete.c: DELETE and deletecollection with Kubernetes semantics:
 * DeleteOptions (gracePeriodSeconds, preconditions, propagation policy onto
 * the garbage collector's finalizers: delete_options.c), finalizers,
 * graceful deletion of bound pods, and namespaces that terminate first.
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
#include "delete_options.h"
#include "store/store.h"

/*
 * DeleteOptions from the query (gracePeriodSeconds, propagationPolicy,
 * orphanDependents, dryRun) and the JSON body; the body wins for grace.
 */
static int
parse_delete_opts(struct crud *c, struct delete_opts *o)
{
	const char *q = api_request_param(c->req, "gracePeriodSeconds");
	const char *qpol = api_request_param(c->req, "propagationPolicy");
	const char *qorph = api_request_param(c->req, "orphanDependents");
	cJSON *body = NULL, *orph = NULL;
	int rc = 0;

	delete_opts_init(o);
	o->dry = crud_dry_run(c);
	if (q != NULL && q[0] != '\0' && (ck_parse_int64(q, &o->grace) < 0 ||
	    o->grace < 0))
		return crud_fail(c, CK_EBADREQ,
		    "invalid gracePeriodSeconds: %s", q);
	if (qorph != NULL && qorph[0] != '\0') {
		if (strcmp(qorph, "true") != 0 && strcmp(qorph, "false") != 0)
			return crud_fail(c, CK_EBADREQ,
			    "invalid orphanDependents: %s", qorph);
		orph = cJSON_CreateBool(strcmp(qorph, "true") == 0);
	}
	rc = delete_opts_set_propagation(o, qpol != NULL && qpol[0] != '\0' ?
	    qpol : NULL, orph, &c->st);
	cJSON_Delete(orph);
	if (rc < 0)
		return rc;
	/* drain's fallback sends an empty protobuf DeleteOptions: ignore it. */
	if (c->req->body_len == 0 ||
	    codec_kind_of(c->req->content_type) == CODEC_PROTOBUF)
		return 0;
	rc = codec_decode(c->req->content_type, c->req->body, c->req->body_len,
	    1, &body, &c->st);
	if (rc < 0)
		return rc;
	rc = delete_opts_from_json(body, o, &c->st);
	cJSON_Delete(body);
	return rc;
}

/* The lifecycle admission plugin's immortal namespaces. */
static bool
ns_is_immortal(const char *name)
{
	static const char *const immortal[] = { "default", "kube-system",
		"kube-public", "kube-node-lease" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(immortal); i++)
		if (strcmp(name, immortal[i]) == 0)
			return true;
	return false;
}

/* preconditions.uid / resourceVersion: 409 Conflict when they differ. */
static int
check_preconditions(struct crud *c, const char *name, const char *uid,
    int64_t rv, const struct delete_opts *o)
{
	if (o->uid[0] != '\0' && (uid == NULL || strcmp(uid, o->uid) != 0)) {
		crud_fail(c, CK_ECONFLICT,
		    "Precondition failed: UID in precondition: %s, "
		    "UID in object meta: %s",
		    o->uid, uid ? uid : "");
		ck_status_set_details(&c->st, name, c->res->group,
		    c->res->resource);
		return CK_ECONFLICT;
	}
	if (o->rv > 0 && o->rv != rv) {
		crud_fail(c, CK_ECONFLICT,
		    "Precondition failed: ResourceVersion in "
		    "precondition: %lld, ResourceVersion in object meta: %lld",
		    (long long)o->rv, (long long)rv);
		ck_status_set_details(&c->st, name, c->res->group,
		    c->res->resource);
		return CK_ECONFLICT;
	}
	return 0;
}

/*
 * The object's write (delete, or update when obj is non-NULL), with c->with
 * in the same transaction when set. Returns the store's error, c->st unset.
 */
static int
delete_write(struct crud *c, const char *ns, const char *name, cJSON *obj,
    int64_t rv, char **last)
{
	struct store_op ops[2];
	size_t n = 1, failed = 0;
	int rc;

	memset(ops, 0, sizeof(ops));
	ops[0].type = obj != NULL ? STORE_OP_UPDATE : STORE_OP_DELETE;
	ops[0].resource = c->res->qualified;
	ops[0].ns = ns;
	ops[0].name = name;
	ops[0].obj = obj;
	ops[0].expect_rv = rv;
	if (c->with != NULL)
		ops[n++] = *c->with;
	rc = store_txn(c->srv->store, ops, n, &failed);
	if (rc < 0) {
		c->with_failed = c->with != NULL && failed == 1;
		return rc;
	}
	if (c->with != NULL)
		c->with->rv = ops[1].rv;
	if (last != NULL)
		*last = ops[0].last;
	else
		free(ops[0].last);
	return 0;
}

/*
 * Delete (or mark) one object. *out is the object as returned to the client
 * (yours, JSON text); *deferred tells whether it is still there. Kubernetes
 * semantics:
 *  - the propagation policy (or the resource's default) first decides the
 *    `orphan` / `foregroundDeletion` finalizers (delete_options.c);
 *  - namespaces: the first DELETE marks Terminating (the namespace controller
 *    empties it and removes the "kubernetes" finalizer); a DELETE of a
 *    terminating namespace whose finalizers are gone removes it;
 *  - a pod bound to a node gets deletionTimestamp = now + grace and stays
 *    until deleted with grace 0 (the kubelet does that);
 *  - an object with finalizers is only marked (deletionTimestamp, grace 0,
 *    generation + 1) and goes when an update removes the last one.
 */
static int
delete_one(struct crud *c, const char *ns, const char *name,
    const struct delete_opts *o, char **out, bool *deferred)
{
	cJSON *obj = NULL, *meta, *spec;
	const char *node;
	char ts[RFC3339_MAX];
	int64_t rv, grace, cur_grace;
	bool graceful = false, is_ns, mark, changed;
	int rc;

	*out = NULL;
	*deferred = false;
	if ((rc = crud_load(c, ns, name, &obj, &rv)) < 0)
		goto out;
	is_ns = strcmp(c->res->resource, "namespaces") == 0 &&
	    c->res->group[0] == '\0';
	if (is_ns && ns_is_immortal(name)) {
		rc = ck_status_set(&c->st, CK_EPERM, "namespaces \"%s\" is "
		    "forbidden: this namespace may not be deleted", name);
		ck_status_set_details(&c->st, name, "", "namespaces");
		goto out;
	}
	meta = json_ensure_obj(obj, "metadata");
	if ((rc = check_preconditions(c, name, json_str(meta, "uid"), rv,
	    o)) < 0)
		goto out;
	changed = delete_apply_policy(meta, o->policy,
	    delete_default_policy(c->res->group, c->res->version,
	    c->res->resource));
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
	if (!mark) {
		if (o->dry)
			*out = json_print(obj, NULL);
		else if ((rc = delete_write(c, ns, name, NULL, rv, out)) < 0)
			rc = crud_fail_store(c, rc, name);
		else
			log_v(4, "deleted %s %s/%s", c->res->qualified, ns,
			    name);
		goto out;
	}
	*deferred = true;
	if (json_str(meta, "deletionTimestamp") != NULL) {
		/* Terminating: a shorter grace or new finalizers change it. */
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
		} else if (!changed) {
			*out = json_print(obj, NULL);
			goto out;
		}
	} else {
		crud_now_ts(ts, graceful ? (time_t)grace : 0);
		json_set_str(meta, "deletionTimestamp", ts);
		json_set_num(meta, "deletionGracePeriodSeconds",
		    graceful ? (double)grace : 0);
		if (crud_json_int(meta, "generation", 0) > 0)
			json_set_num(meta, "generation", (double)(
			    crud_json_int(meta, "generation", 0) + 1));
		if (is_ns)
			json_set_str(json_ensure_obj(obj, "status"), "phase",
			    "Terminating");
	}
	if (o->dry) {
		*out = json_print(obj, NULL);
		goto out;
	}
	if (crud_finalizers_empty(meta) && !graceful &&
	    crud_json_int(meta, "deletionGracePeriodSeconds", 0) == 0 &&
	    (!is_ns || crud_finalizers_empty(spec))) {
		/* A later DELETE dropped the last (GC) finalizer. */
		*deferred = false;
		rc = delete_write(c, ns, name, NULL, rv, out);
		if (rc < 0)
			rc = crud_fail_store(c, rc, name);
		goto out;
	}
	rc = delete_write(c, ns, name, obj, rv, NULL);
	if (rc < 0) {
		rc = crud_fail_store(c, rc, name);
		goto out;
	}
	log_v(4, "marked %s %s/%s for deletion (%s)", c->res->qualified, ns,
	    name, delete_policy_name(o->policy) != NULL ?
	    delete_policy_name(o->policy) : "default policy");
	*out = json_print(obj, NULL);
out:
	cJSON_Delete(obj);
	return rc;
}

#define DELETE_TRIES	8

/*
 * delete_one, read again when a concurrent write moved the object between
 * its read and its write (a kubelet's status update racing its own final
 * delete), as Kubernetes' GuaranteedUpdate does; only a resourceVersion
 * precondition makes any change final.
 */
static int
delete_retrying(struct crud *c, const char *ns, const char *name,
    const struct delete_opts *o, char **out, bool *deferred)
{
	int rc, tries;

	for (tries = 1;; tries++) {
		rc = delete_one(c, ns, name, o, out, deferred);
		if (rc != CK_ECONFLICT || o->rv > 0 || c->with_failed ||
		    tries == DELETE_TRIES)
			return rc;
		ck_status_clear(&c->st);
	}
}

void
crud_delete(struct crud *c)
{
	struct delete_opts o;
	char *out = NULL;
	bool deferred;

	if (parse_delete_opts(c, &o) < 0 ||
	    delete_retrying(c, c->rt->ns, c->rt->name, &o, &out,
	    &deferred) < 0) {
		crud_reply_st(c);
		return;
	}
	/*
	 * 202 only when the client asked for cascading with the old
	 * orphanDependents: false and the object stays for now (Kubernetes
	 * keeps 200 for everything else, for old clients' sake).
	 */
	api_response_take(c->resp, deferred && o.orphan_false ? 202 : 200,
	    "application/json", out, strlen(out));
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
	bool deferred;
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
		rc = delete_retrying(c, l.items[i].ns, l.items[i].name, &o,
		    &out, &deferred);
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
