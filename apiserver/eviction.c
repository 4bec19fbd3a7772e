/*
 * eviction.c: POST pods/<name>/eviction (policy/v1 and v1beta1 Eviction,
 * what `kubectl drain` sends). The pod is deleted with the eviction's
 * deleteOptions through the ordinary delete path (grace periods,
 * preconditions, dry run and finalizers behave the same), unless the one
 * disruption budget covering it refuses (eviction_policy.c decides).
 *
 * A budget is consumed in the same store transaction as the pod's deletion
 * (crud.with): the budget's update carries its resourceVersion as a
 * precondition, so of two evictions that read the same budget only one
 * commits; the other is refused by the store, reads the budget again and
 * finds it spent. Nothing is written unless both writes commit.
 */
#include "crud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/metrics.h"
#include "ckube/rfc3339.h"
#include "eviction.h"
#include "store/store.h"

#define PDB_RES		"poddisruptionbudgets.policy"
/* Budget conflicts before giving up (each one means another eviction won). */
#define EVICT_TRIES	20

static void
count_eviction(const char *result)
{
	char name[128];

	(void)snprintf(name, sizeof(name),
	    "apiserver_pod_evictions_total{result=\"%s\"}", result);
	metrics_counter_inc(metrics_counter(name,
	    "Evictions by result: evicted, blocked (budget), failed."));
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

/*
 * 429 TooManyRequests with a DisruptionBudget cause and a Retry-After. A
 * budget's refusal writes it as a date: client-go would otherwise retry
 * by itself and `kubectl drain` never report the budget blocking (which
 * is why Kubernetes sends none there); a stale budget's uses seconds, as
 * Kubernetes does.
 */
static void
reply_too_many(struct crud *c, const char *cause, bool as_date)
{
	cJSON *o, *details;

	ck_status_clear(&c->st);
	(void)ck_status_set(&c->st, CK_EAGAIN, "Cannot evict pod as it would "
	    "violate the pod's disruption budget.");
	ck_status_add_cause(&c->st, "", "DisruptionBudget", "%s", cause);
	o = status_to_json(&c->st);
	details = json_ensure_obj(o, "details");
	cJSON_AddNumberToObject(details, "retryAfterSeconds",
	    EVICT_RETRY_AFTER_S);
	api_response_json(c->resp, 429, o);
	c->resp->retry_after = EVICT_RETRY_AFTER_S;
	c->resp->retry_after_date = as_date;
	cJSON_Delete(o);
}

/* The budgets of the pod's namespace that cover it (*out yours). */
static int
covering_budgets(struct crud *c, const cJSON *pod, cJSON ***out,
    int64_t **rvs, size_t *n)
{
	struct store_list l = { 0 };
	cJSON *b;
	size_t i;
	int rc;

	*out = NULL;
	*rvs = NULL;
	*n = 0;
	rc = store_list(c->srv->store, PDB_RES, c->rt->ns, NULL, NULL, 0, &l);
	if (rc < 0)
		return crud_fail_store(c, rc, "");
	if (l.n > 0) {
		*out = ck_calloc(l.n, sizeof(**out));
		*rvs = ck_calloc(l.n, sizeof(**rvs));
	}
	for (i = 0; i < l.n; i++) {
		b = cJSON_ParseWithLength(l.items[i].body, l.items[i].body_len);
		if (b == NULL || !evict_budget_covers(b, pod)) {
			cJSON_Delete(b);
			continue;
		}
		(*rvs)[*n] = l.items[i].rv;
		(*out)[(*n)++] = b;
	}
	store_list_fini(&l);
	return 0;
}

static void
budgets_free(cJSON **b, int64_t *rvs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		cJSON_Delete(b[i]);
	free(b);
	free(rvs);
}

/*
 * The deleteOptions to delete with: the eviction's, plus (unhealthy pods)
 * a resourceVersion precondition unless the caller set one. Yours.
 */
static cJSON *
delete_options(const cJSON *ev, enum evict_verdict v, int64_t pod_rv)
{
	cJSON *o = cJSON_Duplicate(json_obj(ev, "deleteOptions"), 1), *pre;
	char buf[24];

	if (o == NULL)
		o = cJSON_CreateObject();
	if (v != EVICT_UNHEALTHY)
		return o;
	pre = json_ensure_obj(o, "preconditions");
	if (json_str(pre, "resourceVersion") == NULL) {
		(void)snprintf(buf, sizeof(buf), "%lld", (long long)pod_rv);
		json_set_str(pre, "resourceVersion", buf);
	}
	return o;
}

/* DELETE pods/<name> with opts, and with (or NULL) in its transaction. */
static void
delete_pod(struct crud *c, const cJSON *opts, struct store_op *with,
    struct api_response *dresp, bool *with_failed)
{
	struct api_request dreq;
	struct api_route drt;
	struct crud d;
	char *body;

	dreq = *c->req;
	dreq.method = "DELETE";
	dreq.content_type = "application/json";
	body = json_print(opts, &dreq.body_len);
	dreq.body = body;
	drt = *c->rt;
	drt.sub[0] = '\0';
	drt.verb = API_VERB_DELETE;
	memset(dresp, 0, sizeof(*dresp));
	memset(&d, 0, sizeof(d));
	d.srv = c->srv;
	d.req = &dreq;
	d.rt = &drt;
	d.res = c->res;
	d.resp = dresp;
	d.with = with;
	ck_status_clear(&d.st);
	crud_delete(&d);
	*with_failed = d.with_failed;
	free(body);
}

/* One refusal by the budget b, replied. */
static void
reply_denied(struct crud *c, enum evict_verdict v, const cJSON *b)
{
	const char *name = json_str(json_obj(b, "metadata"), "name");
	char msg[CK_STATUS_MSG_MAX];

	if (name == NULL)
		name = "";
	switch (v) {
	case EVICT_DENY_STALE:
		(void)snprintf(msg, sizeof(msg), "The disruption budget %s is "
		    "still being processed by the server.", name);
		reply_too_many(c, msg, false);
		return;
	case EVICT_DENY_BUDGET:
		evict_denied_message(b, msg, sizeof(msg));
		reply_too_many(c, msg, true);
		return;
	case EVICT_DENY_NEGATIVE:
	case EVICT_DENY_TOOMANY:
		crud_fail(c, CK_EPERM, "poddisruptionbudgets.policy \"%s\" is "
		    "forbidden: %s", name, v == EVICT_DENY_NEGATIVE ?
		    "pdb disruptions allowed is negative" :
		    "DisruptedPods map too big - too many evictions not "
		    "confirmed by PDB controller");
		ck_status_set_details(&c->st, name, "policy",
		    "poddisruptionbudgets");
		break;
	default:
		crud_fail(c, CK_EIO, "This pod has more than one "
		    "PodDisruptionBudget, which the eviction subresource does "
		    "not support.");
		break;
	}
	crud_reply_st(c);
}

/*
 * One attempt: read the pod and its budgets, decide, delete. Returns 1 when
 * the budget moved under us (try again), else 0 with c->resp filled.
 */
static int
evict_once(struct crud *c, const cJSON *ev)
{
	struct api_response dresp;
	struct store_op with;
	cJSON *pod = NULL, **pdbs = NULL, *opts = NULL;
	const cJSON *const *cp;
	enum evict_verdict v;
	char ts[RFC3339_MAX];
	int64_t pod_rv, *rvs = NULL;
	size_t n = 0;
	bool with_failed = false;
	int again = 0;

	if (crud_load(c, c->rt->ns, c->rt->name, &pod, &pod_rv) < 0 ||
	    covering_budgets(c, pod, &pdbs, &rvs, &n) < 0) {
		count_eviction("failed");
		crud_reply_st(c);
		goto out;
	}
	cp = (const cJSON *const *)pdbs;
	v = evict_decide(pod, cp, n);
	if (v != EVICT_PLAIN && v != EVICT_UNHEALTHY && v != EVICT_CONSUME) {
		count_eviction(v == EVICT_DENY_STALE ||
		    v == EVICT_DENY_BUDGET ? "blocked" : "failed");
		reply_denied(c, v, pdbs[n - 1]);
		goto out;
	}
	memset(&with, 0, sizeof(with));
	if (v == EVICT_CONSUME) {
		crud_now_ts(ts, 0);
		evict_consume(pdbs[0], c->rt->name, ts);
		with.type = STORE_OP_UPDATE;
		with.resource = PDB_RES;
		with.ns = c->rt->ns;
		with.name = json_str(json_obj(pdbs[0], "metadata"), "name");
		with.obj = pdbs[0];
		with.expect_rv = rvs[0];
	}
	opts = delete_options(ev, v, pod_rv);
	delete_pod(c, opts, v == EVICT_CONSUME ? &with : NULL, &dresp,
	    &with_failed);
	if (with_failed) {
		api_response_fini(&dresp);
		again = 1;
	} else if (dresp.code == 200 || dresp.code == 202) {
		api_response_fini(&dresp);
		count_eviction("evicted");
		log_v(2, "evicted pod %s/%s%s%s", c->rt->ns, c->rt->name,
		    v == EVICT_CONSUME ? " under budget " : "",
		    v == EVICT_CONSUME ? with.name : "");
		reply_success(c);
	} else if (dresp.code == 409 && v == EVICT_UNHEALTHY) {
		/* The pod changed (became ready?): let the client retry. */
		api_response_fini(&dresp);
		count_eviction("blocked");
		reply_too_many(c, "The pod changed while it was being evicted; "
		    "retry.", true);
	} else {
		count_eviction("failed");
		*c->resp = dresp;	/* the delete's Status, as it is */
	}
out:
	cJSON_Delete(opts);
	cJSON_Delete(pod);
	budgets_free(pdbs, rvs, n);
	return again;
}

void
eviction_create(struct crud *c)
{
	cJSON *ev = NULL;
	const char *name, *kind;
	int tries;

	if (crud_decode_body(c, 1, &ev) < 0)
		goto err;
	kind = json_str(ev, "kind");
	if (kind != NULL && strcmp(kind, "Eviction") != 0 &&
	    strcmp(kind, "DeleteOptions") != 0) {
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
	if (kind != NULL && strcmp(kind, "DeleteOptions") == 0) {
		/* A bare DeleteOptions body (old clients): as its options. */
		cJSON *wrap = cJSON_CreateObject();

		cJSON_AddItemToObject(wrap, "deleteOptions", ev);
		ev = wrap;
	}
	for (tries = 0; tries < EVICT_TRIES; tries++) {
		if (!evict_once(c, ev))
			goto out;
		api_response_fini(c->resp);
		memset(c->resp, 0, sizeof(*c->resp));
	}
	count_eviction("failed");
	crud_fail(c, CK_ETIMEDOUT, "couldn't update PodDisruptionBudget "
	    "%s/%s: too many concurrent changes, try again", c->rt->ns,
	    c->rt->name);
err:
	crud_reply_st(c);
out:
	cJSON_Delete(ev);
}
