/*
 * admission_quota.c: Kubernetes' ResourceQuota admission plugin
 * (apiserver/pkg/admission/plugin/resourcequota checkRequest). A create
 * is charged to every quota of its namespace that matches it (scopes) and
 * whose status.hard names something it uses; a charge that would pass a
 * hard limit is a 403 in upstream words. The charges are written in the
 * same store transaction as the object, each with the quota's revision
 * as precondition, so that concurrent creates can never exceed a quota:
 * the loser of a race decides again on the new usage. Only creates are
 * charged; ckube-resourcequota-controller recalculates usage (deletes,
 * pods turning terminal) and is the source of truth.
 */
#include "apiserver.h"
#include "admission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/quota.h"
#include "ckube/strbuf.h"

/* Rounds of decide-and-write lost to concurrent charges before a 409. */
#define QUOTA_TRIES	64

int
admission_forbid(struct ck_status *st, const struct api_resource *r,
    const char *name, const char *msg)
{
	(void)ck_status_set(st, CK_EPERM, "%s \"%s\" is forbidden: %s",
	    r->qualified, name, msg);
	ck_status_set_details(st, name, r->group, r->resource);
	return CK_EPERM;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct quota_item *)a)->name,
	    ((const struct quota_item *)b)->name);
}

/* prettyPrintResourceNames: sorted, comma-joined. */
static void
pretty_names(struct quota_list *l, char *buf, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	qsort(l->v, l->n, sizeof(*l->v), name_cmp);
	for (i = 0; i < l->n; i++)
		strbuf_addf(&sb, "%s%s", i > 0 ? "," : "", l->v[i].name);
	snprintf(buf, len, "%s", strbuf_str(&sb));
	strbuf_fini(&sb);
}

/* One quota against the object's usage; see quota_admit. */
static int
admit_one(const struct api_resource *r, const cJSON *obj,
    const struct quota_list *usage, const cJSON *q, cJSON **charged,
    char *msg, size_t len)
{
	const cJSON *st = json_obj(q, "status");
	cJSON *ost;
	const char *qname = json_str(json_obj(q, "metadata"), "name");
	struct quota_list hard = { 0 }, used = { 0 }, restricted = { 0 },
			  req = { 0 }, exceeded = { 0 }, fu = { 0 }, fh = { 0 };
	const struct quota_item *u, *h;
	char bad[QUOTA_NAME_MAX], names[1024], p1[512], p2[512], p3[512];
	int64_t sum;
	size_t i;
	int rc = 0;
	cJSON *out;

	*charged = NULL;
	if (qname == NULL)
		qname = "";
	if (!quota_matches(q, r->qualified, obj))
		return 0;
	quota_list_from_json(json_obj(st, "hard"), &hard, bad, sizeof(bad));
	quota_list_from_json(json_obj(st, "used"), &used, bad, sizeof(bad));
	for (i = 0; i < hard.n; i++)
		if (quota_name_tracks(r->qualified, hard.v[i].name))
			quota_list_add(&restricted, hard.v[i].name, 0,
			    hard.v[i].fmt);
	if (restricted.n == 0)
		goto out;
	if (strcmp(r->qualified, "pods") == 0 &&
	    quota_pod_constraints(obj, &restricted, p1, sizeof(p1)) < 0) {
		snprintf(msg, len, "failed quota: %s: %s", qname, p1);
		rc = CK_EPERM;
		goto out;
	}
	for (i = 0; i < restricted.n; i++)
		if (quota_list_find(&used, restricted.v[i].name) == NULL) {
			pretty_names(&restricted, names, sizeof(names));
			snprintf(msg, len, "status unknown for quota: %s, "
			    "resources: %s", qname, names);
			rc = CK_EPERM;
			goto out;
		}
	/* requestedUsage = usage masked by hard; newUsage = used + it. */
	for (i = 0; i < usage->n; i++)
		if (quota_list_find(&hard, usage->v[i].name) != NULL)
			quota_list_add(&req, usage->v[i].name,
			    usage->v[i].milli, usage->v[i].fmt);
	if (req.n == 0)
		goto out;
	for (i = 0; i < req.n; i++) {
		u = quota_list_find(&used, req.v[i].name);
		h = quota_list_find(&hard, req.v[i].name);
		sum = 0;
		if (u == NULL || h == NULL)	/* cannot be: req is in both */
			continue;
		if (__builtin_add_overflow(u->milli, req.v[i].milli, &sum) ||
		    sum > h->milli) {
			quota_list_add(&exceeded, req.v[i].name, 0, h->fmt);
			quota_list_add(&fu, u->name, u->milli, u->fmt);
			quota_list_add(&fh, h->name, h->milli, h->fmt);
		}
	}
	if (exceeded.n > 0) {
		quota_list_mask(&req, &exceeded);
		quota_list_pretty(&req, p1, sizeof(p1));
		quota_list_pretty(&fu, p2, sizeof(p2));
		quota_list_pretty(&fh, p3, sizeof(p3));
		snprintf(msg, len, "exceeded quota: %s, requested: %s, used: "
		    "%s, limited: %s", qname, p1, p2, p3);
		rc = CK_EPERM;
		goto out;
	}
	quota_list_add_all(&used, &req);
	out = cJSON_Duplicate(q, 1);
	ost = json_ensure_obj(out, "status");
	json_del(ost, "used");
	cJSON_AddItemToObject(ost, "used", quota_list_to_json(&used));
	*charged = out;
out:
	quota_list_fini(&hard);
	quota_list_fini(&used);
	quota_list_fini(&restricted);
	quota_list_fini(&req);
	quota_list_fini(&exceeded);
	quota_list_fini(&fu);
	quota_list_fini(&fh);
	return rc;
}

int
quota_admit(const struct api_resource *r, const cJSON *obj,
    cJSON *const *quotas, size_t n, cJSON **charged, char *msg, size_t len)
{
	struct quota_list usage = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++)
		charged[i] = NULL;
	quota_usage(r->qualified, obj, (int64_t)time(NULL), &usage);
	for (i = 0; i < n && rc == 0; i++)
		rc = admit_one(r, obj, &usage, quotas[i], &charged[i], msg,
		    len);
	if (rc < 0)
		for (i = 0; i < n; i++) {
			cJSON_Delete(charged[i]);
			charged[i] = NULL;
		}
	quota_list_fini(&usage);
	return rc;
}

/* Counted kinds only: the others never touch the quotas. */
static bool
counted(const struct api_resource *r)
{
	return r->namespaced && strcmp(r->qualified, "events") != 0 &&
	    strcmp(r->qualified, "events.events.k8s.io") != 0;
}

/* One decide-and-write round; CK_EAGAIN when a quota moved meanwhile. */
static int
create_once(struct store *s, const struct api_resource *r, const char *ns,
    cJSON *obj, struct store_op *guard, bool *lost, struct ck_status *st)
{
	struct store_list l = { 0 };
	struct store_op ops[STORE_TXN_MAX];
	cJSON **qs = NULL, **charged = NULL;
	const char *name = json_str(json_obj(obj, "metadata"), "name");
	char msg[CK_STATUS_MSG_MAX - 256];
	size_t i, k = 0, failed = 0;
	int rc;

	if ((rc = store_list(s, "resourcequotas", ns, NULL, NULL, 0, &l)) < 0)
		return rc;
	if (l.n == 0 && guard == NULL) {
		store_list_fini(&l);
		return store_create(s, r->qualified, ns, name, obj, NULL);
	}
	if (l.n == 0)
		goto decided;
	qs = ck_calloc(l.n, sizeof(*qs));
	charged = ck_calloc(l.n, sizeof(*charged));
	for (i = 0; i < l.n; i++)
		qs[i] = cJSON_ParseWithLength(l.items[i].body,
		    l.items[i].body_len);
	if ((rc = quota_admit(r, obj, qs, l.n, charged, msg,
	    sizeof(msg))) < 0) {
		rc = admission_forbid(st, r, name ? name : "", msg);
		goto out;
	}
decided:
	memset(ops, 0, sizeof(ops));
	ops[k++] = (struct store_op){ .type = STORE_OP_CREATE,
		.resource = r->qualified, .ns = ns, .name = name, .obj = obj };
	if (guard != NULL)
		ops[k++] = *guard;
	for (i = 0; i < l.n; i++) {
		if (charged[i] == NULL)
			continue;
		if (k == STORE_TXN_MAX) {
			rc = CK_EIO;
			log_error("quota: more than %d quotas charged in %s",
			    STORE_TXN_MAX - 1, ns);
			goto out;
		}
		ops[k++] = (struct store_op){ .type = STORE_OP_UPDATE,
			.resource = "resourcequotas", .ns = ns,
			.name = l.items[i].name, .obj = charged[i],
			.expect_rv = l.items[i].rv };
	}
	if (k == 1)
		rc = store_create(s, r->qualified, ns, name, obj, NULL);
	else {
		rc = store_txn(s, ops, k, &failed);
		if (rc < 0 && guard != NULL && failed == 1 &&
		    (rc == CK_EEXIST || rc == CK_ECONFLICT ||
		    rc == CK_ENOTFOUND)) {
			*lost = true;	/* another apiserver allocated */
			rc = CK_EAGAIN;
		} else if (rc < 0 && failed > 0 &&
		    (rc == CK_ECONFLICT || rc == CK_ENOTFOUND))
			rc = CK_EAGAIN;		/* a quota moved: decide again */
	}
out:
	for (i = 0; i < l.n; i++) {
		if (qs != NULL)
			cJSON_Delete(qs[i]);
		if (charged != NULL)
			cJSON_Delete(charged[i]);
	}
	free(qs);
	free(charged);
	store_list_fini(&l);
	return rc;
}

int
admission_quota_check(struct store *s, const struct api_resource *r,
    const char *ns, const cJSON *obj, struct ck_status *st)
{
	struct store_list l = { 0 };
	cJSON **qs, **charged;
	const char *name = json_str(json_obj(obj, "metadata"), "name");
	char msg[CK_STATUS_MSG_MAX - 256];
	size_t i;
	int rc;

	if (!counted(r))
		return 0;
	if (store_list(s, "resourcequotas", ns, NULL, NULL, 0, &l) < 0 ||
	    l.n == 0) {
		store_list_fini(&l);
		return 0;
	}
	qs = ck_calloc(l.n, sizeof(*qs));
	charged = ck_calloc(l.n, sizeof(*charged));
	for (i = 0; i < l.n; i++)
		qs[i] = cJSON_ParseWithLength(l.items[i].body,
		    l.items[i].body_len);
	rc = quota_admit(r, obj, qs, l.n, charged, msg, sizeof(msg));
	if (rc < 0)
		rc = admission_forbid(st, r, name ? name : "", msg);
	for (i = 0; i < l.n; i++) {
		cJSON_Delete(qs[i]);
		cJSON_Delete(charged[i]);
	}
	free(qs);
	free(charged);
	store_list_fini(&l);
	return rc;
}

int
admission_quota_create(struct store *s, const struct api_resource *r,
    const char *ns, cJSON *obj, struct store_op *guard, struct ck_status *st)
{
	const char *name = json_str(json_obj(obj, "metadata"), "name");
	int rc, tries;

	bool lost = false;

	if (!counted(r) && guard == NULL)
		return store_create(s, r->qualified, ns, name, obj, NULL);
	for (tries = 0; tries < QUOTA_TRIES; tries++) {
		rc = create_once(s, r, ns, obj, guard, &lost, st);
		if (rc != CK_EAGAIN || lost)
			return rc;
	}
	return CK_ECONFLICT;
}
