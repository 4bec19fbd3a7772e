/*
 * resourcequota.c: rq_reconcile(), one ResourceQuota's status. The usage
 * is summed from the informer caches; a result that would lower a used
 * value (or add one) is recomputed from a live read of the quota and
 * LISTs of the objects, written with the quota's resourceVersion as
 * precondition: a cache that has not yet seen a create the apiserver
 * charged must never hand that charge back (the apiserver's admission
 * would then let the quota be exceeded). Increases from the cache are
 * safe: usage never drops below what the store holds.
 */
#include "resourcequota.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/quota.h"
#include "ckube/rfc3339.h"

#define RQ_RES	"resourcequotas"
#define FILL_WAIT_MS	100	/* a new quota waits for its pods this often */

const struct rq_kind rq_kinds[] = {
	{ "pods", "", "pods" },
	{ "services", "", "services" },
	{ "configmaps", "", "configmaps" },
	{ "secrets", "", "secrets" },
	{ "persistentvolumeclaims", "", "persistentvolumeclaims" },
	{ "replicationcontrollers", "", "replicationcontrollers" },
	{ "resourcequotas", "", "resourcequotas" },
	{ "deployments.apps", "apps", "deployments" },
	{ "replicasets.apps", "apps", "replicasets" },
	{ "statefulsets.apps", "apps", "statefulsets" },
	{ "jobs.batch", "batch", "jobs" },
	{ "cronjobs.batch", "batch", "cronjobs" },
};
const size_t rq_nkinds = ARRAY_SIZE(rq_kinds);

bool
rq_want_pod(struct controller *c, const struct kobj *pod)
{
	struct cache *qc = controller_cache(c, RQ_RES);
	struct kobj **list;
	size_t n;

	if (qc == NULL)
		return false;
	list = cache_list_by_index(qc, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(pod), &n);
	cache_list_free(list, n);
	return n > 0;
}

void
rq_map_namespace(struct controller *c, const struct kobj *obj)
{
	struct cache *qc = controller_cache(c, RQ_RES);
	struct kobj **list;
	size_t i, n;

	if (qc == NULL)
		return;
	list = cache_list_by_index(qc, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(obj), &n);
	for (i = 0; i < n; i++)
		controller_enqueue(c, kobj_key(list[i]));
	cache_list_free(list, n);
}

void
rq_add_usage(const cJSON *quota, const char *resource,
    const cJSON *const *objs, size_t n, const struct quota_list *hard,
    struct quota_list *used)
{
	struct quota_list u = { 0 };
	int64_t now = (int64_t)time(NULL);
	size_t i;

	for (i = 0; i < n; i++) {
		if (!quota_matches(quota, resource, objs[i]))
			continue;
		quota_usage(resource, objs[i], now, &u);
	}
	quota_list_mask(&u, hard);
	quota_list_add_all(used, &u);
	quota_list_fini(&u);
}

/* Whether some watched kind counts the hard name. */
static bool
computed(const char *name)
{
	size_t i;

	for (i = 0; i < rq_nkinds; i++)
		if (quota_name_tracks(rq_kinds[i].resource, name))
			return true;
	return false;
}

cJSON *
rq_status_build(const cJSON *quota, const struct quota_list *hard,
    const struct quota_list *used)
{
	const cJSON *old_used = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(quota, "status"), "used");
	struct quota_list full = { 0 };
	const struct quota_item *u;
	const cJSON *ov;
	enum quantity_format fmt;
	int64_t milli;
	cJSON *st;
	size_t i;

	for (i = 0; i < hard->n; i++) {
		u = quota_list_find(used, hard->v[i].name);
		ov = cJSON_GetObjectItemCaseSensitive(old_used,
		    hard->v[i].name);
		if (u != NULL)
			quota_list_add(&full, u->name, u->milli, u->fmt);
		else if (!computed(hard->v[i].name) && cJSON_IsString(ov) &&
		    quantity_parse_milli(ov->valuestring, &milli, &fmt) == 0)
			quota_list_add(&full, hard->v[i].name, milli, fmt);
		else
			quota_list_add(&full, hard->v[i].name, 0,
			    hard->v[i].fmt);
	}
	st = cJSON_CreateObject();
	cJSON_AddItemToObject(st, "hard", quota_list_to_json(hard));
	cJSON_AddItemToObject(st, "used", quota_list_to_json(&full));
	quota_list_fini(&full);
	return st;
}

bool
rq_status_lowers(const cJSON *old_st, const cJSON *new_st)
{
	const cJSON *ou = cJSON_GetObjectItemCaseSensitive(old_st, "used"),
		    *nu = cJSON_GetObjectItemCaseSensitive(new_st, "used"),
		    *it, *o;
	int cmp;

	cJSON_ArrayForEach(it, nu) {
		o = cJSON_GetObjectItemCaseSensitive(ou, it->string);
		if (!cJSON_IsString(o) || !cJSON_IsString(it) ||
		    quantity_compare(it->valuestring, o->valuestring,
		    &cmp) < 0 || cmp < 0)
			return true;
	}
	return false;
}

/* The objects of kind k in ns: from the cache, or listed live. */
static int
objects_of(struct controller *c, const struct rq_kind *k, const char *ns,
    bool live, struct kobj ***out, size_t *n)
{
	struct client_gvr gvr = { k->group, "v1", k->plural };
	struct client_kobjs l;
	struct ck_status st;
	struct cache *cc;
	int rc;

	*out = NULL;
	*n = 0;
	if (!live || controller_client(c) == NULL) {
		cc = controller_cache(c, k->resource);
		if (cc != NULL)
			*out = cache_list_by_index(cc, CACHE_INDEX_NAMESPACE,
			    ns, n);
		return 0;
	}
	memset(&l, 0, sizeof(l));
	rc = client_list_all_kobj(controller_client(c), &gvr, ns, NULL, 1,
	    &l, &st);
	if (rc < 0) {
		log_warn("resourcequota: listing %s in %s: %s", k->resource,
		    ns, st.message);
		return rc;
	}
	*out = l.items;
	*n = l.n;
	return 0;
}

/* The new status of q (yours in *out) from cache or live objects. */
static int
compute(struct controller *c, const struct kobj *q, bool live, cJSON **out)
{
	struct quota_list hard = { 0 }, used = { 0 };
	const cJSON **objs;
	struct kobj **list;
	char bad[QUOTA_NAME_MAX];
	size_t i, k, n;
	int rc = 0;
	bool wanted;

	*out = NULL;
	quota_list_from_json(kobj_get(q, "spec.hard"), &hard, bad,
	    sizeof(bad));
	for (k = 0; k < rq_nkinds && rc == 0; k++) {
		wanted = false;
		for (i = 0; i < hard.n && !wanted; i++)
			wanted = quota_name_tracks(rq_kinds[k].resource,
			    hard.v[i].name);
		if (!wanted)
			continue;
		if ((rc = objects_of(c, &rq_kinds[k], kobj_namespace(q), live,
		    &list, &n)) < 0)
			break;
		objs = ck_calloc(n + 1, sizeof(*objs));
		for (i = 0; i < n; i++)
			objs[i] = kobj_json(list[i]);
		rq_add_usage(kobj_json(q), rq_kinds[k].resource, objs, n,
		    &hard, &used);
		free(objs);
		cache_list_free(list, n);
	}
	if (rc == 0)
		*out = rq_status_build(kobj_json(q), &hard, &used);
	quota_list_fini(&hard);
	quota_list_fini(&used);
	return rc;
}

/* Write status st (taken) over q when it differs. */
static int
write_status(struct controller *c, const struct kobj *q, cJSON *st)
{
	struct ck_status cst;
	struct kobj *cp;
	int rc;

	if (cJSON_Compare(kobj_get(q, "status"), st, true)) {
		cJSON_Delete(st);
		return 0;
	}
	cp = kobj_copy(q);
	rc = kobj_set_json(cp, "status", st);
	if (rc == 0)
		rc = controller_update_status(c, cp, NULL, &cst);
	if (rc < 0 && rc != CK_ECONFLICT && rc != CK_ENOTFOUND)
		log_warn("resourcequota %s: writing status: %s", kobj_key(q),
		    cst.message);
	if (rc == CK_ENOTFOUND)
		rc = 0;
	kobj_unref(cp);
	return rc;
}

/*
 * A pod being deleted stops counting when its grace period ends, with no
 * event then: come back at the earliest such end in the namespace.
 */
static void
requeue_at_grace_end(struct controller *c, const struct kobj *q,
    const char *key)
{
	struct cache *pc = controller_cache(c, "pods");
	struct kobj **list;
	const char *dt;
	time_t now = time(NULL), t, first = 0;
	int64_t g;
	size_t i, n;

	if (pc == NULL)
		return;
	list = cache_list_by_index(pc, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(q), &n);
	for (i = 0; i < n; i++) {
		dt = kobj_get_str(list[i], "metadata.deletionTimestamp");
		g = kobj_get_int_or(list[i],
		    "metadata.deletionGracePeriodSeconds", -1);
		if (dt == NULL || g < 0 || rfc3339_parse(dt, &t) < 0)
			continue;
		t += (time_t)g;
		if (t >= now && (first == 0 || t < first))
			first = t;
	}
	cache_list_free(list, n);
	if (first != 0)
		controller_requeue_after(c, key,
		    (unsigned int)(first - now + 1) * 1000u);
}

int
rq_reconcile(struct controller *c, const char *key)
{
	struct cache *qc = controller_cache(c, RQ_RES);
	struct client_gvr gvr = { "", "v1", RQ_RES };
	struct kobj *q, *fresh = NULL;
	struct ck_status cst;
	cJSON *st = NULL;
	int rc;

	if (qc == NULL || (q = cache_get(qc, key)) == NULL)
		return 0;	/* deleted */
	/* The namespace's older pods enter the cache before a first sync. */
	if (controller_fill_once(c, "pods", q, kobj_namespace(q), NULL) ==
	    CK_EAGAIN) {
		controller_requeue_after(c, key, FILL_WAIT_MS);
		rc = 0;
		goto out;
	}
	if ((rc = compute(c, q, false, &st)) < 0)
		goto out;
	if (rq_status_lowers(kobj_get(q, "status"), st) &&
	    controller_client(c) != NULL) {
		/* Quota first: every charge it holds is then in the LISTs. */
		cJSON_Delete(st);
		st = NULL;
		rc = controller_get(c, &gvr, kobj_namespace(q), kobj_name(q),
		    &fresh, &cst);
		if (rc == CK_ENOTFOUND) {
			rc = 0;
			goto out;
		}
		if (rc < 0 || (rc = compute(c, fresh, true, &st)) < 0)
			goto out;
		rc = write_status(c, fresh, st);
	} else
		rc = write_status(c, q, st);
	st = NULL;
	if (rc == 0)
		requeue_at_grace_end(c, q, key);
out:
	cJSON_Delete(st);
	kobj_unref(fresh);
	kobj_unref(q);
	return rc;
}
