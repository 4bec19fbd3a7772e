/*
 * dep_control.c: every write of the deployment controller, through
 * controller_create/update/update_status/delete: scaling a ReplicaSet (with
 * its ScalingReplicaSet Event), creating the new one, annotations, adoption,
 * history cleanup and the Deployment's revision and status. Each keeps
 * struct dep_state in step with what the server answered.
 */
#include "deployment.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"

/* Take a write's result (or what was sent, when there is none) into r. */
static void
rs_after_write(struct dep_rs *r, struct kobj *sent, struct kobj *out)
{
	dep_rs_set(r, out != NULL ? out : sent);
	kobj_unref(out);
	kobj_unref(sent);
}

int
dep_scale_rs(struct dep_state *st, size_t i, int64_t n)
{
	struct dep_rs *r = &st->rs[i];
	struct kobj *rs, *out = NULL;
	struct ck_status cs;
	int64_t old = r->replicas;
	bool resize = old != n;
	int rc;

	if (!resize && !dep_rs_replicas_annotations_stale(st, r->obj))
		return 0;
	ck_status_clear(&cs);
	rs = kobj_copy(r->obj);
	rc = kobj_set_int(rs, "spec.replicas", n);
	if (rc == 0) {
		dep_rs_set_replicas_annotations(st, rs);
		rc = controller_update(st->c, rs, &out, &cs);
	}
	if (rc < 0) {
		log_v(2, "deployment %s: scaling %s: %s", kobj_key(st->d),
		    kobj_name(rs), cs.message);
		kobj_unref(rs);
		return rc;
	}
	rs_after_write(r, rs, out);
	if (!resize)
		return 0;
	log_info("deployment %s: scaled %s replica set %s from %lld to %lld",
	    kobj_key(st->d), n > old ? "up" : "down", kobj_name(r->obj),
	    (long long)old, (long long)n);
	controller_event(st->c, st->d, "Normal", "ScalingReplicaSet",
	    "Scaled %s replica set %s from %lld to %lld",
	    n > old ? "up" : "down", kobj_name(r->obj), (long long)old,
	    (long long)n);
	return 1;
}

/* The name is taken: ours (the cache is behind) or a hash collision. */
static int
create_collided(struct dep_state *st, const struct kobj *want)
{
	struct cache *rss = controller_cache(st->c, "replicasets.apps");
	struct kobj *have, *d = NULL;
	struct ck_status cs;
	int rc = CK_ECONFLICT;

	have = cache_get(rss, kobj_key(want));
	if (have == NULL)
		return CK_ECONFLICT;	/* retry once the cache has it */
	if (dep_controlled_by(have, kobj_uid(st->d)) &&
	    dep_templates_equal(kobj_get(have, "spec.template"),
	    kobj_get(want, "spec.template"))) {
		kobj_unref(have);
		return CK_ECONFLICT;
	}
	kobj_unref(have);
	/* Someone else's: the next hash (status.collisionCount). */
	d = kobj_copy(st->d);
	rc = kobj_set_int(d, "status.collisionCount",
	    kobj_get_int_or(st->d, "status.collisionCount", 0) + 1);
	if (rc == 0)
		rc = controller_update_status(st->c, d, NULL, &cs);
	kobj_unref(d);
	log_warn("deployment %s: replica set name %s collides",
	    kobj_key(st->d), kobj_name(want));
	return rc < 0 ? rc : CK_ECONFLICT;
}

int
dep_create_new_rs(struct dep_state *st, int64_t replicas)
{
	struct kobj *rs, *out = NULL;
	struct ck_status cs;
	int rc;

	ck_status_clear(&cs);
	rs = dep_new_rs_object(st, replicas, dep_max_revision(st, -1) + 1);
	if (rs == NULL)
		return CK_EINVALID;
	rc = controller_create(st->c, rs, &out, &cs);
	if (rc == CK_EEXIST) {
		rc = create_collided(st, rs);
		kobj_unref(rs);
		return rc;
	}
	if (rc < 0) {
		log_warn("deployment %s: creating replica set %s: %s",
		    kobj_key(st->d), kobj_name(rs), cs.message);
		kobj_unref(rs);
		return rc;
	}
	dep_state_add_rs(st, out != NULL ? out : rs);
	st->new_rs = -1;
	for (size_t i = 0; i < st->nrs; i++)
		if (strcmp(kobj_name(st->rs[i].obj), kobj_name(rs)) == 0)
			st->new_rs = (ssize_t)i;
	log_info("deployment %s: created replica set %s with %lld replicas",
	    kobj_key(st->d), kobj_name(rs), (long long)replicas);
	if (replicas > 0)
		controller_event(st->c, st->d, "Normal", "ScalingReplicaSet",
		    "Scaled up replica set %s from 0 to %lld", kobj_name(rs),
		    (long long)replicas);
	kobj_unref(out);
	kobj_unref(rs);
	return 1;
}

int
dep_sync_new_rs(struct dep_state *st, int64_t revision)
{
	struct dep_rs *r = &st->rs[st->new_rs];
	struct kobj *rs = kobj_copy(r->obj), *out = NULL;
	struct ck_status cs;
	int64_t mrs = kobj_get_int_or(st->d, "spec.minReadySeconds", 0);
	bool changed;
	int rc = 0;

	changed = dep_rs_set_annotations(st, rs, revision, false);
	if (kobj_get_int_or(rs, "spec.minReadySeconds", 0) != mrs) {
		rc = kobj_set_int(rs, "spec.minReadySeconds", mrs);
		changed = true;
	}
	if (!changed || rc < 0) {
		kobj_unref(rs);
		return rc;
	}
	rc = controller_update(st->c, rs, &out, &cs);
	if (rc < 0) {
		kobj_unref(rs);
		return rc;
	}
	rs_after_write(r, rs, out);
	return 1;
}

int
dep_set_revision(struct dep_state *st, int64_t revision)
{
	const char *cur = kobj_annotation(st->d, DEP_ANN_REVISION);
	struct kobj *d, *out = NULL;
	struct ck_status cs;
	char buf[24];
	int rc;

	snprintf(buf, sizeof(buf), "%lld", (long long)revision);
	if (cur != NULL && strcmp(cur, buf) == 0)
		return 0;
	d = kobj_copy(st->d);
	kobj_set_annotation(d, DEP_ANN_REVISION, buf);
	rc = controller_update(st->c, d, &out, &cs);
	if (rc == 0) {
		kobj_unref(st->d);
		st->d = out != NULL ? out : kobj_ref(d);
	}
	kobj_unref(d);
	return rc < 0 ? rc : 1;
}

int
dep_adopt_rs(struct dep_state *st, const struct kobj *rs)
{
	struct kobj *copy = kobj_copy(rs), *out = NULL;
	cJSON *refs = cJSON_Duplicate(kobj_get(rs, "metadata.ownerReferences"),
	    1);
	struct ck_status cs;
	int rc;

	if (!cJSON_IsArray(refs)) {
		cJSON_Delete(refs);
		refs = cJSON_CreateArray();
	}
	cJSON_AddItemToArray(refs, dep_owner_ref(st->d));
	rc = kobj_set_json(copy, "metadata.ownerReferences", refs);
	if (rc == 0)
		rc = controller_update(st->c, copy, &out, &cs);
	if (rc == 0) {
		log_info("deployment %s: adopted replica set %s",
		    kobj_key(st->d), kobj_name(rs));
		dep_state_add_rs(st, out != NULL ? out : copy);
	}
	kobj_unref(out);
	kobj_unref(copy);
	return rc;
}

int
dep_delete_rs(struct dep_state *st, size_t i)
{
	struct client_delete_opts opts = {
		.grace_period_seconds = CLIENT_GRACE_UNSET,
		.precondition_uid = kobj_uid(st->rs[i].obj),
	};
	struct ck_status cs;
	int rc;

	rc = controller_delete(st->c, &CLIENT_GVR_REPLICASETS,
	    kobj_namespace(st->rs[i].obj), kobj_name(st->rs[i].obj), &opts,
	    &cs);
	if (rc == CK_ENOTFOUND)
		rc = 0;
	if (rc == 0)
		log_info("deployment %s: deleted old replica set %s",
		    kobj_key(st->d), kobj_name(st->rs[i].obj));
	return rc;
}

int
dep_write_status(struct dep_state *st, cJSON *status)
{
	const cJSON *cur = kobj_get(st->d, "status");
	struct kobj *d, *out = NULL;
	struct ck_status cs;
	int rc;

	if (cur != NULL && cJSON_Compare(cur, status, 1)) {
		cJSON_Delete(status);
		return 0;
	}
	d = kobj_copy(st->d);
	rc = kobj_set_json(d, "status", status);
	if (rc == 0)
		rc = controller_update_status(st->c, d, &out, &cs);
	if (rc == 0) {
		kobj_unref(st->d);
		st->d = out != NULL ? out : kobj_ref(d);
	}
	kobj_unref(d);
	return rc < 0 ? rc : 1;
}
