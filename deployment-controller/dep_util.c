/*
 * dep_util.c: reading Deployments and ReplicaSets into struct dep_state,
 * and building what the controller writes: the new ReplicaSet, its
 * annotations, the owner reference, the status with its conditions
 * (Kubernetes deployment/util and sync.go calculateStatus).
 */
#include "deployment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"

static int64_t
revision_of(const struct kobj *o)
{
	const char *s = kobj_annotation(o, DEP_ANN_REVISION);
	int64_t v;

	if (s == NULL || ck_parse_int64(s, &v) < 0 || v < 0)
		return 0;
	return v;
}

void
dep_rs_set(struct dep_rs *r, const struct kobj *obj)
{
	struct kobj *old = r->obj;

	r->obj = kobj_ref(obj);
	kobj_unref(old);
	r->replicas = kobj_get_int_or(obj, "spec.replicas", 1);
	r->status_replicas = kobj_get_int_or(obj, "status.replicas", 0);
	r->ready = kobj_get_int_or(obj, "status.readyReplicas", 0);
	r->available = kobj_get_int_or(obj, "status.availableReplicas", 0);
	r->revision = revision_of(obj);
}

/* MaxUnavailable: never more than the replicas. */
static int
clamp_unavailable(struct dep_state *st)
{
	if (st->max_unavailable > st->replicas)
		st->max_unavailable = st->replicas;
	return 0;
}

int
dep_state_init(struct dep_state *st, struct controller *c,
    const struct kobj *d)
{
	const cJSON *ru;
	const char *type;

	memset(st, 0, sizeof(*st));
	st->c = c;
	st->d = kobj_ref(d);
	st->new_rs = -1;
	st->replicas = kobj_get_int_or(d, "spec.replicas", 1);
	if (st->replicas < 0)
		return CK_EINVALID;
	type = kobj_get_str(d, "spec.strategy.type");
	st->recreate = type != NULL && strcmp(type, "Recreate") == 0;
	if (st->recreate)
		return 0;
	ru = kobj_get(d, "spec.strategy.rollingUpdate");
	return dep_resolve_fenceposts(
	    cJSON_GetObjectItemCaseSensitive(ru, "maxSurge"),
	    cJSON_GetObjectItemCaseSensitive(ru, "maxUnavailable"),
	    st->replicas, &st->max_surge, &st->max_unavailable) < 0 ?
	    CK_EINVALID : clamp_unavailable(st);
}

void
dep_state_fini(struct dep_state *st)
{
	size_t i;

	for (i = 0; i < st->nrs; i++)
		kobj_unref(st->rs[i].obj);
	free(st->rs);
	kobj_unref(st->d);
	memset(st, 0, sizeof(*st));
}

/* Older first: creationTimestamp, then name (ByCreationTimestamp). */
static int
rs_older(const struct kobj *a, const struct kobj *b)
{
	const char *ta = kobj_get_str(a, "metadata.creationTimestamp");
	const char *tb = kobj_get_str(b, "metadata.creationTimestamp");
	int c = strcmp(ta != NULL ? ta : "", tb != NULL ? tb : "");

	if (c == 0)
		c = strcmp(kobj_name(a), kobj_name(b));
	return c < 0;
}

void
dep_state_add_rs(struct dep_state *st, const struct kobj *rs)
{
	size_t i;

	st->rs = ck_reallocarray(st->rs, st->nrs + 1, sizeof(*st->rs));
	i = st->nrs++;
	while (i > 0 && rs_older(rs, st->rs[i - 1].obj)) {
		st->rs[i] = st->rs[i - 1];
		i--;
	}
	memset(&st->rs[i], 0, sizeof(st->rs[i]));
	dep_rs_set(&st->rs[i], rs);
}

bool
dep_templates_equal(const cJSON *a, const cJSON *b)
{
	cJSON *ca = cJSON_Duplicate(a, 1), *cb = cJSON_Duplicate(b, 1);
	bool eq;

	dep_template_normalize(ca);
	dep_template_normalize(cb);
	eq = ca != NULL && cb != NULL && cJSON_Compare(ca, cb, 1);
	cJSON_Delete(ca);
	cJSON_Delete(cb);
	return eq;
}

int64_t
dep_max_revision(const struct dep_state *st, ssize_t skip)
{
	int64_t max = 0;
	size_t i;

	for (i = 0; i < st->nrs; i++)
		if ((ssize_t)i != skip && st->rs[i].revision > max)
			max = st->rs[i].revision;
	return max;
}

int64_t
dep_sum_replicas(const struct dep_state *st)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; i < st->nrs; i++)
		n += st->rs[i].replicas;
	return n;
}

int64_t
dep_sum_available(const struct dep_state *st)
{
	int64_t n = 0;
	size_t i;

	for (i = 0; i < st->nrs; i++)
		n += st->rs[i].available;
	return n;
}

cJSON *
dep_owner_ref(const struct kobj *d)
{
	return kobj_new_owner_ref(d, "apps/v1", "Deployment", true);
}

/* Annotations a Deployment never passes on to its ReplicaSets. */
static bool
ann_skipped(const char *k)
{
	return strcmp(k, DEP_ANN_REVISION) == 0 ||
	    strcmp(k, DEP_ANN_DESIRED) == 0 || strcmp(k, DEP_ANN_MAX) == 0 ||
	    strcmp(k, DEP_ANN_HISTORY) == 0 ||
	    strcmp(k, "kubectl.kubernetes.io/last-applied-configuration") ==
	    0 || strcmp(k, "deprecated.deployment.rollback.to") == 0;
}

static void
set_int_annotation(struct kobj *o, const char *key, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	kobj_set_annotation(o, key, buf);
}

bool
dep_rs_replicas_annotations_stale(const struct dep_state *st,
    const struct kobj *rs)
{
	const char *des = kobj_annotation(rs, DEP_ANN_DESIRED);
	const char *max = kobj_annotation(rs, DEP_ANN_MAX);
	int64_t v;

	if (des == NULL || ck_parse_int64(des, &v) < 0 || v != st->replicas)
		return true;
	return max == NULL || ck_parse_int64(max, &v) < 0 ||
	    v != st->replicas + st->max_surge;
}

bool
dep_rs_set_annotations(const struct dep_state *st, struct kobj *rs,
    int64_t revision, bool set_replicas)
{
	const cJSON *anns = kobj_get(st->d, "metadata.annotations"), *it;
	const char *cur;
	bool changed = false;

	cJSON_ArrayForEach(it, anns) {
		if (!cJSON_IsString(it) || ann_skipped(it->string))
			continue;
		cur = kobj_annotation(rs, it->string);
		if (cur == NULL || strcmp(cur, it->valuestring) != 0) {
			kobj_set_annotation(rs, it->string, it->valuestring);
			changed = true;
		}
	}
	if (revision_of(rs) < revision) {
		set_int_annotation(rs, DEP_ANN_REVISION, revision);
		changed = true;
	}
	if (set_replicas && dep_rs_set_replicas_annotations(st, rs))
		changed = true;
	return changed;
}

bool
dep_rs_set_replicas_annotations(const struct dep_state *st, struct kobj *rs)
{
	if (!dep_rs_replicas_annotations_stale(st, rs))
		return false;
	set_int_annotation(rs, DEP_ANN_DESIRED, st->replicas);
	set_int_annotation(rs, DEP_ANN_MAX, st->replicas + st->max_surge);
	return true;
}

struct kobj *
dep_new_rs_object(const struct dep_state *st, int64_t replicas,
    int64_t revision)
{
	const struct kobj *d = st->d;
	struct kobj *rs = kobj_new("apps/v1", "ReplicaSet");
	cJSON *tmpl, *sel, *refs, *ml;
	struct strbuf name = STRBUF_INIT;
	char hash[16];
	int rc;

	dep_hash_string(dep_template_hash(kobj_get(d, "spec.template"),
	    kobj_get_int_or(d, "status.collisionCount", 0)), hash,
	    sizeof(hash));
	strbuf_addf(&name, "%s-%s", kobj_name(d), hash);
	tmpl = cJSON_Duplicate(kobj_get(d, "spec.template"), 1);
	if (tmpl == NULL)
		tmpl = cJSON_CreateObject();
	sel = cJSON_Duplicate(kobj_get(d, "spec.selector"), 1);
	if (sel == NULL)
		sel = cJSON_CreateObject();
	refs = cJSON_CreateArray();
	cJSON_AddItemToArray(refs, dep_owner_ref(d));
	rc = kobj_set_str(rs, "metadata.name", strbuf_str(&name));
	if (rc == 0)
		rc = kobj_set_str(rs, "metadata.namespace", kobj_namespace(d));
	if (rc == 0)
		rc = kobj_set_json(rs, "metadata.ownerReferences", refs);
	else
		cJSON_Delete(refs);
	if (rc == 0)
		rc = kobj_set_json(rs, "spec.template", tmpl);
	else
		cJSON_Delete(tmpl);
	if (rc == 0)
		rc = kobj_set_json(rs, "spec.selector", sel);
	else
		cJSON_Delete(sel);
	if (rc == 0)
		rc = kobj_set_int(rs, "spec.replicas", replicas);
	if (rc == 0)
		rc = kobj_set_int(rs, "spec.minReadySeconds",
		    kobj_get_int_or(d, "spec.minReadySeconds", 0));
	if (rc == 0)
		rc = kobj_set_str(rs, "spec.template.metadata.labels."
		    DEP_LABEL_HASH, hash);
	if (rc == 0)
		rc = kobj_set_str(rs, "spec.selector.matchLabels."
		    DEP_LABEL_HASH, hash);
	strbuf_fini(&name);
	if (rc < 0) {
		kobj_unref(rs);
		return NULL;
	}
	/* The RS's own labels: the template's, with the hash. */
	ml = cJSON_Duplicate(kobj_get(rs, "spec.template.metadata.labels"), 1);
	if (kobj_set_json(rs, "metadata.labels", ml) < 0) {
		kobj_unref(rs);
		return NULL;
	}
	dep_rs_set_annotations(st, rs, revision, true);
	kobj_touch(rs);
	return rs;
}

const cJSON *
dep_get_condition(const cJSON *status, const char *type)
{
	const cJSON *it, *t;

	cJSON_ArrayForEach(it,
	    cJSON_GetObjectItemCaseSensitive(status, "conditions")) {
		t = cJSON_GetObjectItemCaseSensitive(it, "type");
		if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0)
			return it;
	}
	return NULL;
}

void
dep_remove_condition(cJSON *status, const char *type)
{
	cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
	cJSON *it, *t;
	int i = 0;

	cJSON_ArrayForEach(it, conds) {
		t = cJSON_GetObjectItemCaseSensitive(it, "type");
		if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0) {
			cJSON_DeleteItemFromArray(conds, i);
			return;
		}
		i++;
	}
}

static const char *
cond_str(const cJSON *cond, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(cond, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void
set_condition(cJSON *status, const char *type, const char *cstatus,
    const char *reason, const char *message, bool refresh)
{
	const cJSON *cur = dep_get_condition(status, type);
	cJSON *cond, *conds;
	char now[RFC3339_MAX];
	char *keep = NULL;

	if (!refresh && cur != NULL &&
	    strcmp(cond_str(cur, "status"), cstatus) == 0 &&
	    strcmp(cond_str(cur, "reason"), reason) == 0)
		return;
	if (rfc3339_format((time_t)(ck_wall_us() / 1000000), now,
	    sizeof(now)) < 0)
		now[0] = '\0';
	if (cur != NULL && strcmp(cond_str(cur, "status"), cstatus) == 0)
		keep = ck_strdup(cond_str(cur, "lastTransitionTime"));
	dep_remove_condition(status, type);
	cond = cJSON_CreateObject();
	cJSON_AddStringToObject(cond, "type", type);
	cJSON_AddStringToObject(cond, "status", cstatus);
	cJSON_AddStringToObject(cond, "lastUpdateTime", now);
	cJSON_AddStringToObject(cond, "lastTransitionTime",
	    keep != NULL ? keep : now);
	cJSON_AddStringToObject(cond, "reason", reason);
	cJSON_AddStringToObject(cond, "message", message);
	free(keep);
	conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
	if (!cJSON_IsArray(conds)) {
		cJSON_DeleteItemFromObjectCaseSensitive(status, "conditions");
		conds = cJSON_AddArrayToObject(status, "conditions");
	}
	cJSON_AddItemToArray(conds, cond);
}

void
dep_set_condition(cJSON *status, const char *type, const char *cstatus,
    const char *reason, const char *message)
{
	set_condition(status, type, cstatus, reason, message, false);
}

void
dep_refresh_condition(cJSON *status, const char *type, const char *cstatus,
    const char *reason, const char *message)
{
	set_condition(status, type, cstatus, reason, message, true);
}

int64_t
dep_progress_deadline(const struct kobj *d)
{
	int64_t v = kobj_get_int_or(d, "spec.progressDeadlineSeconds",
	    DEP_DEFAULT_DEADLINE);

	return v >= 2147483647 || v < 0 ? -1 : v;
}

cJSON *
dep_calculate_status(const struct dep_state *st)
{
	cJSON *s = cJSON_CreateObject();
	const cJSON *conds = kobj_get(st->d, "status.conditions");
	int64_t avail = 0, total = 0, actual = 0, ready = 0, updated = 0;
	int64_t unavail, coll;
	size_t i;

	for (i = 0; i < st->nrs; i++) {
		avail += st->rs[i].available;
		total += st->rs[i].replicas;
		actual += st->rs[i].status_replicas;
		ready += st->rs[i].ready;
	}
	if (st->new_rs >= 0)
		updated = st->rs[st->new_rs].status_replicas;
	unavail = total - avail;
	if (unavail < 0)
		unavail = 0;
	cJSON_AddNumberToObject(s, "observedGeneration",
	    (double)kobj_get_int_or(st->d, "metadata.generation", 0));
	cJSON_AddNumberToObject(s, "replicas", (double)actual);
	cJSON_AddNumberToObject(s, "updatedReplicas", (double)updated);
	cJSON_AddNumberToObject(s, "readyReplicas", (double)ready);
	cJSON_AddNumberToObject(s, "availableReplicas", (double)avail);
	cJSON_AddNumberToObject(s, "unavailableReplicas", (double)unavail);
	coll = kobj_get_int_or(st->d, "status.collisionCount", 0);
	if (coll > 0)
		cJSON_AddNumberToObject(s, "collisionCount", (double)coll);
	if (cJSON_IsArray(conds))
		cJSON_AddItemToObject(s, "conditions",
		    cJSON_Duplicate(conds, 1));
	if (avail >= st->replicas - (st->recreate ? 0 : st->max_unavailable))
		dep_set_condition(s, "Available", "True",
		    "MinimumReplicasAvailable",
		    "Deployment has minimum availability.");
	else
		dep_set_condition(s, "Available", "False",
		    "MinimumReplicasUnavailable",
		    "Deployment does not have minimum availability.");
	return s;
}

const char *
dep_cond_str(const cJSON *cond, const char *key)
{
	return cond_str(cond, key);
}

int64_t
dep_deadline_left_ms(const struct kobj *d, const cJSON *status)
{
	const cJSON *cond = dep_get_condition(status, "Progressing");
	int64_t deadline = dep_progress_deadline(d), at;

	if (deadline < 0 || cond == NULL ||
	    rfc3339_parse_micro(cond_str(cond, "lastUpdateTime"), &at) < 0)
		return INT64_MAX;
	return (at + deadline * 1000000 - ck_wall_us()) / 1000;
}

bool
dep_controlled_by(const struct kobj *obj, const char *uid)
{
	const cJSON *ref = kobj_controller_ref(obj);
	const char *u = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(ref, "uid"));

	return u != NULL && strcmp(u, uid) == 0;
}
