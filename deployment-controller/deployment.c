/*
 * deployment.c: the Deployment reconcile, step for step Kubernetes'
 * deployment controller (sync.go, rolling.go, recreate.go, progress.go):
 * find the ReplicaSets, the new one by template, then scale (paused or
 * resized), roll (RollingUpdate) or replace (Recreate), clean up history
 * and write the status. Reads come from the caches, writes go through
 * dep_control.c; arithmetic is dep_math.c's.
 */
#include "deployment.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"

#define PROGRESSING	"Progressing"

static int64_t
jint(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static bool
is_new(const struct dep_state *st, size_t i)
{
	return st->new_rs >= 0 && (size_t)st->new_rs == i;
}

/*
 * The ReplicaSets of d: those it controls, and matching orphans, which it
 * adopts (getReplicaSetsForDeployment).
 */
static int
gather_replica_sets(struct dep_state *st)
{
	struct cache *rsc = controller_cache(st->c, "replicasets.apps");
	struct label_selector *sel = NULL;
	struct ck_status cs;
	struct kobj **list;
	size_t n, i;
	int rc;

	rc = selector_from_json(kobj_get(st->d, "spec.selector"),
	    "spec.selector", &sel, &cs);
	if (rc < 0)
		return rc;
	list = cache_list_by_index(rsc, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(st->d), &n);
	for (i = 0; i < n && rc == 0; i++) {
		if (dep_controlled_by(list[i], kobj_uid(st->d)))
			dep_state_add_rs(st, list[i]);
		else if (kobj_controller_ref(list[i]) == NULL &&
		    kobj_get(list[i], "metadata.deletionTimestamp") == NULL &&
		    !selector_is_empty(sel) &&
		    selector_matches_obj(sel, list[i]))
			rc = dep_adopt_rs(st, list[i]);
	}
	cache_list_free(list, n);
	selector_free(sel);
	return rc;
}

/* FindNewReplicaSet: the oldest one whose template is d's. */
static void
find_new_rs(struct dep_state *st)
{
	size_t i;

	st->new_rs = -1;
	for (i = 0; i < st->nrs; i++)
		if (dep_templates_equal(kobj_get(st->rs[i].obj,
		    "spec.template"), kobj_get(st->d, "spec.template"))) {
			st->new_rs = (ssize_t)i;
			return;
		}
}

/*
 * getAllReplicaSetsAndSyncRevision: the new ReplicaSet gets the next
 * revision (so a rolled-back one becomes the newest), the Deployment the
 * same revision; with create, a missing new ReplicaSet is made.
 */
static int
sync_revision(struct dep_state *st, bool create)
{
	int64_t revision = dep_max_revision(st, st->new_rs) + 1, n;
	int rc;

	if (st->new_rs >= 0) {
		rc = dep_sync_new_rs(st, revision);
		if (rc < 0)
			return rc;
		return dep_set_revision(st, st->rs[st->new_rs].revision);
	}
	if (!create)
		return 0;
	if (st->recreate)
		n = st->replicas;
	else
		n = dep_rolling_new_replicas(st->replicas, st->max_surge,
		    dep_sum_replicas(st), 0);
	rc = dep_create_new_rs(st, n);
	if (rc < 0)
		return rc;
	st->created = true;
	return dep_set_revision(st, revision);
}

/* reconcileNewReplicaSet: grow the new ReplicaSet as far as maxSurge lets. */
static int
reconcile_new_rs(struct dep_state *st)
{
	struct dep_rs *r = &st->rs[st->new_rs];

	if (r->replicas == st->replicas)
		return 0;
	if (r->replicas > st->replicas)
		return dep_scale_rs(st, (size_t)st->new_rs, st->replicas);
	return dep_scale_rs(st, (size_t)st->new_rs,
	    dep_rolling_new_replicas(st->replicas, st->max_surge,
	    dep_sum_replicas(st), r->replicas));
}

/*
 * reconcileOldReplicaSets: shrink old ReplicaSets, oldest first, first by
 * their unavailable pods (cleanupUnhealthyReplicas), then as far as
 * maxUnavailable lets (scaleDownOldReplicaSetsForRollingUpdate).
 */
static int
reconcile_old_rss(struct dep_state *st)
{
	struct dep_rs *nr = &st->rs[st->new_rs];
	int64_t old = dep_sum_replicas(st) - nr->replicas;
	int64_t max_down, done = 0, min_avail, avail, want, k;
	size_t i;
	int rc;

	if (old == 0)
		return 0;
	max_down = dep_max_scaled_down(dep_sum_replicas(st), st->replicas,
	    st->max_unavailable, nr->replicas, nr->available);
	if (max_down <= 0)
		return 0;
	for (i = 0; i < st->nrs && done < max_down; i++) {
		if (is_new(st, i) || st->rs[i].replicas == 0 ||
		    st->rs[i].replicas == st->rs[i].available)
			continue;
		k = st->rs[i].replicas - st->rs[i].available;
		if (k > max_down - done)
			k = max_down - done;
		rc = dep_scale_rs(st, i, st->rs[i].replicas - k);
		if (rc < 0)
			return rc;
		done += k;
	}
	min_avail = st->replicas - st->max_unavailable;
	avail = dep_sum_available(st);
	if (avail <= min_avail)
		return done > 0;
	want = avail - min_avail;
	for (i = 0, k = 0; i < st->nrs && k < want; i++) {
		int64_t down;

		if (is_new(st, i) || st->rs[i].replicas == 0)
			continue;
		down = st->rs[i].replicas;
		if (down > want - k)
			down = want - k;
		rc = dep_scale_rs(st, i, st->rs[i].replicas - down);
		if (rc < 0)
			return rc;
		k += down;
	}
	return done + k > 0;
}

/* DeploymentComplete, for a calculated status s. */
static bool
is_complete(const struct dep_state *st, const cJSON *s)
{
	return jint(s, "updatedReplicas") == st->replicas &&
	    jint(s, "replicas") == st->replicas &&
	    jint(s, "availableReplicas") == st->replicas &&
	    jint(s, "observedGeneration") >=
	    kobj_get_int_or(st->d, "metadata.generation", 0);
}

/* DeploymentProgressing: s moved on from the status d carries. */
static bool
is_progressing(const struct dep_state *st, const cJSON *s)
{
	const cJSON *o = kobj_get(st->d, "status");

	return jint(s, "updatedReplicas") > jint(o, "updatedReplicas") ||
	    jint(s, "replicas") - jint(s, "updatedReplicas") <
	    jint(o, "replicas") - jint(o, "updatedReplicas") ||
	    jint(s, "readyReplicas") > jint(o, "readyReplicas") ||
	    jint(s, "availableReplicas") > jint(o, "availableReplicas");
}

/* DeploymentTimedOut. */
static bool
is_timed_out(const struct dep_state *st, const cJSON *s)
{
	const cJSON *cond = dep_get_condition(s, PROGRESSING);
	const char *reason = dep_cond_str(cond, "reason");

	if (dep_progress_deadline(st->d) < 0 || cond == NULL ||
	    strcmp(reason, "NewReplicaSetAvailable") == 0)
		return false;
	if (strcmp(reason, "ProgressDeadlineExceeded") == 0)
		return true;
	return dep_deadline_left_ms(st->d, s) < 0;
}

/*
 * cleanupDeployment: delete the oldest revisions beyond
 * revisionHistoryLimit, only those scaled to zero and settled.
 */
static int
cleanup_history(struct dep_state *st)
{
	int64_t limit = kobj_get_int_or(st->d, "spec.revisionHistoryLimit",
	    DEP_DEFAULT_HISTORY);
	size_t *idx, n = 0, i, j, t;
	struct dep_rs *r;
	int rc = 0;

	idx = calloc(st->nrs + 1, sizeof(*idx));
	if (idx == NULL)
		abort();
	for (i = 0; i < st->nrs; i++)
		if (!is_new(st, i) && kobj_get(st->rs[i].obj,
		    "metadata.deletionTimestamp") == NULL)
			idx[n++] = i;
	/* By revision; the array is oldest first, so ties stay in age order. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && st->rs[idx[j]].revision <
		    st->rs[idx[j - 1]].revision; j--) {
			t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
	for (i = 0; limit >= 0 && (int64_t)n - limit > 0 &&
	    i < n - (size_t)limit && rc == 0; i++) {
		r = &st->rs[idx[i]];
		if (r->replicas != 0 || r->status_replicas != 0 ||
		    kobj_get_int_or(r->obj, "metadata.generation", 0) >
		    kobj_get_int_or(r->obj, "status.observedGeneration", 0))
			continue;
		rc = dep_delete_rs(st, idx[i]);
	}
	free(idx);
	return rc;
}

static void
requeue_stuck(struct dep_state *st, const cJSON *s)
{
	const cJSON *cond = dep_get_condition(s, PROGRESSING);
	const char *reason = dep_cond_str(cond, "reason");
	int64_t left;

	if (dep_progress_deadline(st->d) < 0 || cond == NULL ||
	    strcmp(reason, "NewReplicaSetAvailable") == 0 ||
	    strcmp(reason, "ProgressDeadlineExceeded") == 0 ||
	    is_complete(st, s))
		return;
	left = dep_deadline_left_ms(st->d, s);
	if (left < 1000)
		left = 1000;
	controller_requeue_after(st->c, kobj_key(st->d),
	    left > 3600000 ? 3600000u : (unsigned int)left);
}

/* syncRolloutStatus: the status, with the Progressing condition. */
static int
sync_rollout_status(struct dep_state *st)
{
	cJSON *s = dep_calculate_status(st);
	const cJSON *cur = dep_get_condition(kobj_get(st->d, "status"),
	    PROGRESSING);
	const char *name = st->new_rs >= 0 ?
	    kobj_name(st->rs[st->new_rs].obj) : NULL;
	struct strbuf msg = STRBUF_INIT;
	bool done_before;
	int rc;

	if (dep_progress_deadline(st->d) < 0) {
		dep_remove_condition(s, PROGRESSING);
		goto write;
	}
	if (name != NULL && dep_get_condition(s, PROGRESSING) == NULL) {
		strbuf_addf(&msg, "%s new replica set \"%s\"",
		    st->created ? "Created" : "Found", name);
		dep_set_condition(s, PROGRESSING, "True", st->created ?
		    "NewReplicaSetCreated" : "FoundNewReplicaSet",
		    strbuf_str(&msg));
		strbuf_reset(&msg);
	}
	done_before = jint(s, "replicas") == jint(s, "updatedReplicas") &&
	    cur != NULL && strcmp(dep_cond_str(cur, "reason"),
	    "NewReplicaSetAvailable") == 0;
	if (done_before)
		goto write;
	if (is_complete(st, s)) {
		if (name != NULL)
			strbuf_addf(&msg, "ReplicaSet \"%s\" has successfully "
			    "progressed.", name);
		else
			strbuf_adds(&msg,
			    "Deployment has successfully progressed.");
		dep_set_condition(s, PROGRESSING, "True",
		    "NewReplicaSetAvailable", strbuf_str(&msg));
	} else if (is_progressing(st, s)) {
		strbuf_addf(&msg, "ReplicaSet \"%s\" is progressing.",
		    name != NULL ? name : "");
		dep_refresh_condition(s, PROGRESSING, "True",
		    "ReplicaSetUpdated", strbuf_str(&msg));
	} else if (is_timed_out(st, s)) {
		strbuf_addf(&msg, "ReplicaSet \"%s\" has timed out "
		    "progressing.", name != NULL ? name : "");
		dep_set_condition(s, PROGRESSING, "False",
		    "ProgressDeadlineExceeded", strbuf_str(&msg));
		log_warn("deployment %s: %s", kobj_key(st->d),
		    strbuf_str(&msg));
	}
write:
	strbuf_fini(&msg);
	rc = dep_write_status(st, cJSON_Duplicate(s, 1));
	if (rc == 0)
		requeue_stuck(st, s);
	cJSON_Delete(s);
	return rc < 0 ? rc : 0;
}

/* syncDeploymentStatus: the status alone (paused or scaling). */
static int
sync_status(struct dep_state *st)
{
	int rc = dep_write_status(st, dep_calculate_status(st));

	return rc < 0 ? rc : 0;
}

static size_t
count_active(const struct dep_state *st)
{
	size_t i, n = 0;

	for (i = 0; i < st->nrs; i++)
		if (st->rs[i].replicas > 0)
			n++;
	return n;
}

/* isScalingEvent: an active ReplicaSet was sized for other replicas. */
static bool
is_scaling_event(const struct dep_state *st)
{
	const char *s;
	int64_t v;
	size_t i;

	for (i = 0; i < st->nrs; i++) {
		if (st->rs[i].replicas == 0)
			continue;
		s = kobj_annotation(st->rs[i].obj, DEP_ANN_DESIRED);
		if (s != NULL && ck_parse_int64(s, &v) == 0 &&
		    v != st->replicas)
			return true;
	}
	return false;
}

/*
 * scale: one active ReplicaSet takes the new size; a saturated new one
 * leaves the old ones at zero; else every active one changes in
 * proportion (rolling updates).
 */
static int
scale(struct dep_state *st)
{
	int64_t *sizes, *maxann, *target;
	size_t *map, n = 0, i, one;
	const char *s;
	struct dep_rs *nr;
	int rc = 0;

	if (count_active(st) <= 1 && st->nrs > 0) {
		one = st->new_rs >= 0 ? (size_t)st->new_rs : st->nrs - 1;
		for (i = 0; i < st->nrs; i++)
			if (st->rs[i].replicas > 0)
				one = i;
		rc = dep_scale_rs(st, one, st->replicas);
		return rc < 0 ? rc : 0;
	}
	nr = st->new_rs >= 0 ? &st->rs[st->new_rs] : NULL;
	if (nr != NULL && nr->replicas == st->replicas &&
	    nr->available == st->replicas &&
	    !dep_rs_replicas_annotations_stale(st, nr->obj)) {
		for (i = 0; i < st->nrs && rc >= 0; i++)
			if (!is_new(st, i) && st->rs[i].replicas > 0)
				rc = dep_scale_rs(st, i, 0);
		return rc < 0 ? rc : 0;
	}
	if (st->recreate)
		return 0;
	sizes = calloc(st->nrs, sizeof(*sizes));
	maxann = calloc(st->nrs, sizeof(*maxann));
	target = calloc(st->nrs, sizeof(*target));
	map = calloc(st->nrs, sizeof(*map));
	if (sizes == NULL || maxann == NULL || target == NULL || map == NULL)
		abort();
	for (i = 0; i < st->nrs; i++) {
		if (st->rs[i].replicas == 0)
			continue;
		map[n] = i;
		sizes[n] = st->rs[i].replicas;
		s = kobj_annotation(st->rs[i].obj, DEP_ANN_MAX);
		if (s == NULL || ck_parse_int64(s, &maxann[n]) < 0)
			maxann[n] = -1;
		n++;
	}
	dep_proportional(sizes, maxann, n, st->replicas, st->max_surge,
	    kobj_get_int_or(st->d, "status.replicas", 0), target);
	for (i = 0; i < n && rc >= 0; i++)
		rc = dep_scale_rs(st, map[i], target[i]);
	free(sizes);
	free(maxann);
	free(target);
	free(map);
	return rc < 0 ? rc : 0;
}

/* sync: paused or resized; no rollout. */
static int
dep_sync(struct dep_state *st)
{
	int rc = scale(st);

	if (rc == 0 && kobj_get_bool(st->d, "spec.paused", false))
		rc = cleanup_history(st);
	if (rc == 0)
		rc = sync_status(st);
	return rc;
}

static int
rollout_rolling(struct dep_state *st)
{
	cJSON *s;
	int rc;

	rc = sync_revision(st, true);
	if (rc < 0)
		return rc;
	if (st->new_rs < 0)
		return CK_ECONFLICT;	/* created, not yet in the cache */
	rc = reconcile_new_rs(st);
	if (rc == 0)
		rc = reconcile_old_rss(st);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		s = dep_calculate_status(st);
		if (is_complete(st, s))
			rc = cleanup_history(st);
		cJSON_Delete(s);
		if (rc < 0)
			return rc;
	}
	return sync_rollout_status(st);
}

/* oldPodsRunning: any pod of an old ReplicaSet not yet finished. */
static bool
old_pods_running(struct dep_state *st)
{
	struct cache *pods = controller_cache(st->c, "pods");
	struct kobj **list;
	const char *phase;
	bool running = false;
	size_t i, j, n;

	for (i = 0; i < st->nrs; i++)
		if (!is_new(st, i) && st->rs[i].status_replicas > 0)
			return true;
	if (pods == NULL)
		return false;
	for (i = 0; i < st->nrs && !running; i++) {
		if (is_new(st, i))
			continue;
		list = cache_list_by_index(pods, CACHE_INDEX_CONTROLLER_UID,
		    kobj_uid(st->rs[i].obj), &n);
		for (j = 0; j < n && !running; j++) {
			phase = kobj_get_str(list[j], "status.phase");
			running = phase == NULL ||
			    (strcmp(phase, "Failed") != 0 &&
			    strcmp(phase, "Succeeded") != 0);
		}
		cache_list_free(list, n);
	}
	return running;
}

static int
rollout_recreate(struct dep_state *st)
{
	cJSON *s;
	bool scaled = false;
	size_t i;
	int rc;

	for (i = 0; i < st->nrs; i++) {
		if (is_new(st, i) || st->rs[i].replicas == 0)
			continue;
		rc = dep_scale_rs(st, i, 0);
		if (rc < 0)
			return rc;
		scaled = true;
	}
	if (scaled || old_pods_running(st))
		return sync_rollout_status(st);
	if (st->new_rs < 0) {
		rc = sync_revision(st, true);
		if (rc < 0)
			return rc;
		if (st->new_rs < 0)
			return CK_ECONFLICT;
	}
	rc = dep_scale_rs(st, (size_t)st->new_rs, st->replicas);
	if (rc < 0)
		return rc;
	s = dep_calculate_status(st);
	if (is_complete(st, s))
		rc = cleanup_history(st);
	cJSON_Delete(s);
	if (rc < 0)
		return rc;
	return sync_rollout_status(st);
}

/* checkPausedConditions: Progressing Unknown while paused, and on resume. */
static int
check_paused(struct dep_state *st)
{
	const cJSON *cur = dep_get_condition(kobj_get(st->d, "status"),
	    PROGRESSING);
	const char *reason = dep_cond_str(cur, "reason");
	bool paused = kobj_get_bool(st->d, "spec.paused", false);
	bool marked = strcmp(reason, "DeploymentPaused") == 0;
	cJSON *s;
	int rc;

	if (dep_progress_deadline(st->d) < 0 ||
	    strcmp(reason, "ProgressDeadlineExceeded") == 0 ||
	    paused == marked)
		return 0;
	s = cJSON_Duplicate(kobj_get(st->d, "status"), 1);
	if (s == NULL)
		s = cJSON_CreateObject();
	if (paused)
		dep_set_condition(s, PROGRESSING, "Unknown",
		    "DeploymentPaused", "Deployment is paused");
	else
		dep_set_condition(s, PROGRESSING, "Unknown",
		    "DeploymentResumed", "Deployment is resumed");
	rc = dep_write_status(st, s);
	return rc < 0 ? rc : 1;
}

/*
 * A pod changed (or went): a Recreate Deployment waiting for its old pods
 * to go looks again. Pod -> controlling ReplicaSet -> its Deployment.
 */
void
deployment_map_pod(struct controller *c, const struct kobj *pod)
{
	/* In place: pod is the cached one (no decoded copy kept). */
	const char *kind = kobj_controller_ref_str(pod, "kind");
	const char *name = kobj_controller_ref_str(pod, "name");
	const cJSON *ref;
	struct kobj *rs = NULL, *d = NULL;
	const char *type;

	if (kind == NULL || name == NULL || strcmp(kind, "ReplicaSet") != 0)
		return;
	rs = cache_get_by_name(controller_cache(c, "replicasets.apps"),
	    kobj_namespace(pod), name);
	ref = rs != NULL ? kobj_controller_ref(rs) : NULL;
	kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ref,
	    "kind"));
	name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ref,
	    "name"));
	if (kind != NULL && name != NULL && strcmp(kind, "Deployment") == 0)
		d = cache_get_by_name(controller_cache(c, "deployments.apps"),
		    kobj_namespace(pod), name);
	type = d != NULL ? kobj_get_str(d, "spec.strategy.type") : NULL;
	if (type != NULL && strcmp(type, "Recreate") == 0)
		controller_enqueue(c, kobj_key(d));
	kobj_unref(d);
	kobj_unref(rs);
}

/*
 * Index the pods cache by controller uid, for
 * Recreate's "old pods gone" check.
 */
int
deployment_init(struct controller *c)
{
	struct cache *pods = controller_cache(c, "pods");
	int rc;

	if (pods == NULL)
		return 0;
	rc = cache_add_index(pods, CACHE_INDEX_CONTROLLER_UID,
	    cache_index_controller_uid);
	return rc == CK_EEXIST ? 0 : rc;
}

/*
 * Bring the ReplicaSets of the Deployment key to its spec, one sync as
 * Kubernetes does it; the watches on our writes bring us back for the next.
 */
int
deployment_reconcile(struct controller *c, const char *key)
{
	struct cache *deps = controller_cache(c, "deployments.apps");
	struct dep_state st;
	struct kobj *d;
	int rc;

	d = cache_get(deps, key);
	if (d == NULL)
		return 0;	/* deleted: the gc takes its ReplicaSets */
	rc = dep_state_init(&st, c, d);
	kobj_unref(d);
	if (rc < 0) {
		log_warn("deployment %s: invalid strategy; not syncing", key);
		rc = 0;
		goto out;
	}
	if (kobj_get(st.d, "metadata.deletionTimestamp") != NULL)
		goto out;
	rc = gather_replica_sets(&st);
	if (rc < 0)
		goto out;
	find_new_rs(&st);
	rc = check_paused(&st);
	if (rc != 0)
		goto out;
	if (kobj_get_bool(st.d, "spec.paused", false)) {
		rc = sync_revision(&st, false);
		if (rc >= 0)
			rc = dep_sync(&st);
		goto out;
	}
	rc = sync_revision(&st, false);
	if (rc < 0)
		goto out;
	if (is_scaling_event(&st))
		rc = dep_sync(&st);
	else if (st.recreate)
		rc = rollout_recreate(&st);
	else
		rc = rollout_rolling(&st);
out:
	dep_state_fini(&st);
	return rc < 0 ? rc : 0;
}
