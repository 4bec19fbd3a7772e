/*
 * sj.c: sj_reconcile(), Kubernetes' CronJob controller v2 (syncCronJob):
 * reconcile status.active with the Jobs the CronJob controls, trim the
 * finished ones past the history limits, then start at most one Job for
 * the most recent missed schedule time (startingDeadlineSeconds,
 * concurrencyPolicy) and requeue exactly at the next tick: no polling.
 * Time is ck_wall_us(), so tests drive it with the fake clock.
 */
#include "sj.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/cron.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "ckube/strmap.h"

#define CRONJOBS_RES	"cronjobs.batch"
#define JOBS_RES	"jobs.batch"
#define SCHEDULED_ANN	"batch.kubernetes.io/cronjob-scheduled-timestamp"

static const struct client_gvr gvr_jobs = { "batch", "v1", "jobs" };

/* One reconcile's view of a CronJob. */
struct sj_sync {
	const char		*key;
	const struct kobj	*cj;
	cJSON			*status;	/* the status being built */
	struct kobj		**jobs;		/* its children, from the cache */
	size_t			 njobs;
	int64_t			 now_ms;
	int64_t			 requeue_ms;	/* 0: none */
};

/*
 * The resourceVersion of each CronJob's last status write. A Job event can
 * reach us before the CronJob's own update does; reconciling that stale
 * copy would try the same Job again (AlreadyExists) and call it
 * unexpected. Until the cache has caught up, the CronJob waits for its
 * update event instead.
 */
struct sj_state {
	pthread_mutex_t	 mu;
	struct strmap	*written;	/* key -> int64_t * */
};

static int64_t
rv_of(const struct kobj *o)
{
	const char *rv = kobj_resource_version(o);
	char *end;
	long long v;

	if (rv == NULL || rv[0] == '\0')
		return 0;
	v = strtoll(rv, &end, 10);
	return *end == '\0' && v > 0 ? (int64_t)v : 0;
}

static void
written_set(struct controller *c, const char *key, int64_t rv)
{
	struct sj_state *st = controller_data(c);
	int64_t *v = NULL;

	if (st == NULL)
		return;
	if (rv > 0) {
		v = ck_malloc(sizeof(*v));
		*v = rv;
	}
	pthread_mutex_lock(&st->mu);
	free(v != NULL ? strmap_put(st->written, key, v) :
	    strmap_remove(st->written, key));
	pthread_mutex_unlock(&st->mu);
}

/* The cached copy predates our last status write. */
static bool
cache_is_stale(struct controller *c, const char *key, const struct kobj *cj)
{
	struct sj_state *st = controller_data(c);
	const int64_t *v;
	int64_t have = rv_of(cj);
	bool stale;

	if (st == NULL || have == 0)
		return false;
	pthread_mutex_lock(&st->mu);
	v = strmap_get(st->written, key);
	stale = v != NULL && *v > have;
	pthread_mutex_unlock(&st->mu);
	return stale;
}

void
sj_fini(struct controller *c)
{
	struct sj_state *st = controller_data(c);

	if (st == NULL)
		return;
	strmap_free(st->written, free);
	pthread_mutex_destroy(&st->mu);
	free(st);
	controller_set_data(c, NULL);
}

int
sj_init(struct controller *c)
{
	struct sj_state *st = ck_calloc(1, sizeof(*st));

	struct cache *jobs = controller_cache(c, JOBS_RES);
	int rc = 0;

	pthread_mutex_init(&st->mu, NULL);
	st->written = strmap_new();
	controller_set_data(c, st);
	cron_tz_init();		/* before the informer and worker threads */
	if (jobs != NULL)
		rc = cache_add_index(jobs, CACHE_INDEX_CONTROLLER_UID,
		    cache_index_controller_uid);
	return rc == CK_EEXIST ? 0 : rc;
}

static const char *
str_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static int64_t
time_of(const char *s)
{
	time_t t;

	if (s == NULL || s[0] == '\0' || rfc3339_parse(s, &t) < 0)
		return 0;
	return (int64_t)t;
}

static cJSON *
active_list(struct sj_sync *s)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(s->status, "active");

	if (!cJSON_IsArray(a)) {
		cJSON_DeleteItemFromObjectCaseSensitive(s->status, "active");
		a = cJSON_AddArrayToObject(s->status, "active");
	}
	return a;
}

static int
active_find(struct sj_sync *s, const char *uid, const char *name)
{
	cJSON *a = active_list(s), *r;
	int i = 0;

	cJSON_ArrayForEach(r, a) {
		if ((uid != NULL && strcmp(str_of(r, "uid"), uid) == 0) ||
		    (name != NULL && strcmp(str_of(r, "name"), name) == 0))
			return i;
		i++;
	}
	return -1;
}

static void
active_add(struct sj_sync *s, const struct kobj *job)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "kind", "Job");
	cJSON_AddStringToObject(r, "namespace", kobj_namespace(job));
	cJSON_AddStringToObject(r, "name", kobj_name(job));
	cJSON_AddStringToObject(r, "uid", kobj_uid(job));
	cJSON_AddStringToObject(r, "apiVersion", "batch/v1");
	if (kobj_resource_version(job) != NULL)
		cJSON_AddStringToObject(r, "resourceVersion",
		    kobj_resource_version(job));
	cJSON_AddItemToArray(active_list(s), r);
}

static void
set_time(cJSON *status, const char *key, int64_t t)
{
	char buf[RFC3339_MAX];

	if (rfc3339_format((time_t)t, buf, sizeof(buf)) < 0)
		return;
	cJSON_DeleteItemFromObjectCaseSensitive(status, key);
	cJSON_AddStringToObject(status, key, buf);
}

static void
requeue_at(struct sj_sync *s, int64_t t_s)
{
	int64_t d = t_s * 1000 - s->now_ms + 100;

	if (d < 100)
		d = 100;
	s->requeue_ms = d;
}

/* Step 2: status.active against the children, lastSuccessfulTime. */
static void
reconcile_active(struct controller *c, struct sj_sync *s)
{
	cJSON *a = active_list(s), *r, *next;
	struct kobj *live = NULL;
	struct ck_status st;
	int64_t done, last_ok;
	bool ok, seen;
	size_t i;
	int rc;

	last_ok = time_of(str_of(s->status, "lastSuccessfulTime"));
	for (i = 0; i < s->njobs; i++) {
		const struct kobj *j = s->jobs[i];
		int at = active_find(s, kobj_uid(j), NULL);

		if (!sj_job_finished(j, &ok)) {
			if (at < 0)
				controller_event(c, s->cj, "Warning",
				    "UnexpectedJob", "Saw a job that the "
				    "controller did not create or forgot: %s",
				    kobj_name(j));
			continue;
		}
		if (at >= 0) {
			cJSON_DeleteItemFromArray(a, at);
			controller_event(c, s->cj, "Normal", "SawCompletedJob",
			    "Saw completed job: %s, status: %s", kobj_name(j),
			    ok ? "Complete" : "Failed");
		}
		done = time_of(kobj_get_str(j, "status.completionTime"));
		if (ok && done > last_ok) {
			last_ok = done;
			set_time(s->status, "lastSuccessfulTime", done);
		}
	}
	/* Entries whose job is not in the cache: gone, or the cache lags. */
	for (r = a->child; r != NULL; r = next) {
		next = r->next;
		seen = false;
		for (i = 0; i < s->njobs && !seen; i++)
			seen = strcmp(kobj_uid(s->jobs[i]), str_of(r,
			    "uid")) == 0;
		if (seen)
			continue;
		rc = controller_get(c, &gvr_jobs, kobj_namespace(s->cj),
		    str_of(r, "name"), &live, &st);
		if (rc == CK_ENOTFOUND || (rc == 0 && strcmp(kobj_uid(live),
		    str_of(r, "uid")) != 0)) {
			controller_event(c, s->cj, "Normal", "MissingJob",
			    "Active job went missing: %s",
			    str_of(r, "name"));
			cJSON_Delete(cJSON_DetachItemViaPointer(a, r));
		}
		kobj_unref(live);
		live = NULL;
	}
}

static int
by_start_time(const void *x, const void *y)
{
	const struct kobj *p = *(struct kobj *const *)x;
	const struct kobj *q = *(struct kobj *const *)y;
	const char *a = kobj_get_str(p, "status.startTime");
	const char *b = kobj_get_str(q, "status.startTime");
	int r;

	if (a == NULL)
		a = kobj_get_str(p, "metadata.creationTimestamp");
	if (b == NULL)
		b = kobj_get_str(q, "metadata.creationTimestamp");
	r = strcmp(a != NULL ? a : "", b != NULL ? b : "");
	return r != 0 ? r : strcmp(kobj_name(p), kobj_name(q));
}

/* Step 3: delete the oldest finished jobs past a history limit. */
static void
trim_history(struct controller *c, struct sj_sync *s, bool want_ok,
    const char *limit_path)
{
	struct client_delete_opts opts = {
		.propagation_policy = "Background",
		.grace_period_seconds = CLIENT_GRACE_UNSET,
	};
	const cJSON *lim = kobj_get(s->cj, limit_path);
	struct kobj **fin;
	struct ck_status st;
	size_t i, n = 0, limit;
	bool ok;
	int rc;

	if (!cJSON_IsNumber(lim))
		return;		/* v2alpha1 unset: keep all */
	limit = lim->valuedouble > 0 ? (size_t)lim->valuedouble : 0;
	fin = ck_calloc(s->njobs + 1, sizeof(*fin));
	for (i = 0; i < s->njobs; i++)
		if (sj_job_finished(s->jobs[i], &ok) && ok == want_ok &&
		    kobj_get(s->jobs[i], "metadata.deletionTimestamp") == NULL)
			fin[n++] = s->jobs[i];
	qsort(fin, n, sizeof(*fin), by_start_time);
	for (i = 0; n > limit && i < n - limit; i++) {
		rc = controller_delete(c, &gvr_jobs, kobj_namespace(fin[i]),
		    kobj_name(fin[i]), &opts, &st);
		if (rc < 0 && rc != CK_ENOTFOUND) {
			controller_event(c, s->cj, "Warning", "FailedDelete",
			    "Deleted job: %s", ck_strerror(rc));
			continue;
		}
		controller_event(c, s->cj, "Normal", "SuccessfulDelete",
		    "Deleted job %s", kobj_name(fin[i]));
	}
	free(fin);
}

static struct kobj *
job_from_template(const struct sj_sync *s, const char *name, int64_t sched,
    const char *tz)
{
	const cJSON *jt = kobj_get(s->cj, "spec.jobTemplate");
	const cJSON *tmeta = cJSON_GetObjectItemCaseSensitive(jt, "metadata");
	const cJSON *tspec = cJSON_GetObjectItemCaseSensitive(jt, "spec");
	const cJSON *v;
	cJSON *root, *meta, *ann, *refs, *ref;
	char ts[64];

	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "apiVersion", "batch/v1");
	cJSON_AddStringToObject(root, "kind", "Job");
	meta = cJSON_AddObjectToObject(root, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	cJSON_AddStringToObject(meta, "namespace", kobj_namespace(s->cj));
	v = cJSON_GetObjectItemCaseSensitive(tmeta, "labels");
	if (cJSON_IsObject(v))
		cJSON_AddItemToObject(meta, "labels", cJSON_Duplicate(v, 1));
	v = cJSON_GetObjectItemCaseSensitive(tmeta, "annotations");
	ann = cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) : cJSON_CreateObject();
	cJSON_AddItemToObject(meta, "annotations", ann);
	if (cron_format_time(sched, tz, ts, sizeof(ts)) < 0 &&
	    rfc3339_format((time_t)sched, ts, sizeof(ts)) < 0)
		ts[0] = '\0';
	cJSON_DeleteItemFromObjectCaseSensitive(ann, SCHEDULED_ANN);
	cJSON_AddStringToObject(ann, SCHEDULED_ANN, ts);
	refs = cJSON_AddArrayToObject(meta, "ownerReferences");
	ref = kobj_new_owner_ref(s->cj, "batch/v1", "CronJob", true);
	cJSON_AddItemToArray(refs, ref);
	cJSON_AddItemToObject(root, "spec", tspec != NULL ?
	    cJSON_Duplicate(tspec, 1) : cJSON_CreateObject());
	return kobj_new_take(root);
}

/* Replace: delete every active job and forget it. */
static void
replace_active(struct controller *c, struct sj_sync *s)
{
	struct client_delete_opts opts = {
		.propagation_policy = "Background",
		.grace_period_seconds = CLIENT_GRACE_UNSET,
	};
	cJSON *a = active_list(s), *r, *next;
	struct ck_status st;
	int rc;

	for (r = a->child; r != NULL; r = next) {
		next = r->next;
		rc = controller_delete(c, &gvr_jobs, kobj_namespace(s->cj),
		    str_of(r, "name"), &opts, &st);
		if (rc < 0 && rc != CK_ENOTFOUND) {
			controller_event(c, s->cj, "Warning", "FailedDelete",
			    "Error deleting job %s: %s", str_of(r, "name"),
			    ck_strerror(rc));
			continue;
		}
		controller_event(c, s->cj, "Normal", "SuccessfulDelete",
		    "Deleted job %s", str_of(r, "name"));
		cJSON_Delete(cJSON_DetachItemViaPointer(a, r));
	}
}

/* Step 10: create the job for sched; AlreadyExists adopts ours. */
static int
start_job(struct controller *c, struct sj_sync *s, const char *name,
    int64_t sched, const char *tz)
{
	struct kobj *job = job_from_template(s, name, sched, tz), *got = NULL;
	const cJSON *ref;
	struct ck_status st;
	int rc;

	rc = controller_create(c, job, &got, &st);
	if (rc == CK_EEXIST) {
		kobj_unref(got);
		got = NULL;
		rc = controller_get(c, &gvr_jobs, kobj_namespace(s->cj), name,
		    &got, &st);
		if (rc < 0)
			goto out;
		ref = kobj_controller_ref(got);
		if (ref != NULL && strcmp(str_of(ref, "uid"),
		    kobj_uid(s->cj)) == 0 &&
		    active_find(s, kobj_uid(got), NULL) < 0 &&
		    !sj_job_finished(got, &(bool){ false }))
			active_add(s, got);
		log_info("cronjob %s: job %s already exists", s->key, name);
		set_time(s->status, "lastScheduleTime", sched);
		goto out;
	}
	if (rc < 0) {
		controller_event(c, s->cj, "Warning", "FailedCreate",
		    "Error creating job: %s", st.message[0] != '\0' ?
		    st.message : ck_strerror(rc));
		goto out;
	}
	controller_event(c, s->cj, "Normal", "SuccessfulCreate",
	    "Created job %s", name);
	log_info("cronjob %s: created job %s", s->key, name);
	active_add(s, got != NULL ? got : job);
	set_time(s->status, "lastScheduleTime", sched);
out:
	kobj_unref(got);
	kobj_unref(job);
	return rc;
}

/*
 * The deadline window starts the search at now - startingDeadlineSeconds,
 * so a tick the controller missed (it was down, or Forbid held it back)
 * falls out of it silently; report the most recent such tick as Kubernetes
 * describes it: MissSchedule.
 */
static void
report_missed(struct controller *c, struct sj_sync *s,
    const struct cron_schedule *cs, const char *tz, int64_t base,
    int64_t now, int64_t sds)
{
	int64_t sched, missed, next;
	char when[64];

	if (sj_most_recent(cs, tz, base, now, &sched, &missed, &next) < 0 ||
	    sched == 0 || sched + sds >= now)
		return;
	sj_rfc1123z(sched, when, sizeof(when));
	controller_event(c, s->cj, "Warning", "MissSchedule",
	    "Missed scheduled time to start a job: %s", when);
}

/* Steps 4-11: decide whether a job is due and start it. */
static int
schedule(struct controller *c, struct sj_sync *s)
{
	const char *tz = kobj_get_str(s->cj, "spec.timeZone");
	const char *sched_str = kobj_get_str(s->cj, "spec.schedule");
	const char *policy = kobj_get_str(s->cj, "spec.concurrencyPolicy");
	const cJSON *sds = kobj_get(s->cj, "spec.startingDeadlineSeconds");
	struct cron_schedule cs;
	char err[CRON_ERR_MAX], name[CK_NAME_MAX], when[64];
	int64_t now = s->now_ms / 1000, base, earliest, sched, missed, next;
	int rc;

	if (kobj_get(s->cj, "metadata.deletionTimestamp") != NULL)
		return 0;
	if (tz != NULL && !cron_tz_valid(tz)) {
		controller_event(c, s->cj, "Warning", "UnknownTimeZone",
		    "invalid timeZone: \"%s\": unknown time zone %s", tz, tz);
		return 0;
	}
	if (kobj_get_bool(s->cj, "spec.suspend", false))
		return 0;
	if (cron_parse(sched_str, &cs, err, sizeof(err)) < 0) {
		controller_event(c, s->cj, "Warning", "UnparseableSchedule",
		    "unparseable schedule: \"%s\" : %s",
		    sched_str != NULL ? sched_str : "", err);
		return 0;
	}
	base = time_of(str_of(s->status, "lastScheduleTime"));
	if (base == 0)
		base = time_of(kobj_get_str(s->cj,
		    "metadata.creationTimestamp"));
	earliest = base;
	if (cJSON_IsNumber(sds) && now - (int64_t)sds->valuedouble > earliest)
		earliest = now - (int64_t)sds->valuedouble;
	if (earliest > base)
		report_missed(c, s, &cs, tz, base, now,
		    (int64_t)sds->valuedouble);
	rc = sj_most_recent(&cs, tz, earliest, now, &sched, &missed, &next);
	if (rc < 0) {
		controller_event(c, s->cj, "Warning", "InvalidSchedule",
		    "invalid schedule: %s : %s", sched_str, rc ==
		    CK_ENOTFOUND ? "the schedule never fires" :
		    ck_strerror(rc));
		return 0;
	}
	requeue_at(s, next);
	if (sched == 0)
		return 0;	/* nothing due: wait for the next tick */
	if (missed > SJ_MAX_MISSED)
		controller_event(c, s->cj, "Warning", "TooManyMissedTimes",
		    "too many missed start times: %lld. Set or decrease "
		    ".spec.startingDeadlineSeconds or check clock skew",
		    (long long)missed);
	if (cJSON_IsNumber(sds) && sched + (int64_t)sds->valuedouble < now) {
		sj_rfc1123z(sched, when, sizeof(when));
		controller_event(c, s->cj, "Warning", "MissSchedule",
		    "Missed scheduled time to start a job: %s", when);
		return 0;
	}
	if (sj_job_name(kobj_name(s->cj), sched, name, sizeof(name)) < 0)
		return 0;
	if (active_find(s, NULL, name) >= 0 ||
	    time_of(str_of(s->status, "lastScheduleTime")) == sched)
		return 0;	/* already handled */
	if (policy != NULL && strcmp(policy, "Forbid") == 0 &&
	    cJSON_GetArraySize(active_list(s)) > 0) {
		controller_event(c, s->cj, "Normal", "JobAlreadyActive",
		    "Not starting job because prior execution is running and "
		    "concurrency policy is Forbid");
		return 0;
	}
	if (policy != NULL && strcmp(policy, "Replace") == 0)
		replace_active(c, s);
	rc = start_job(c, s, name, sched, tz);
	if (rc < 0)
		s->requeue_ms = 0;	/* retried with backoff instead */
	return rc;
}

int
sj_reconcile(struct controller *c, const char *key)
{
	struct cache *cjs = controller_cache(c, CRONJOBS_RES);
	struct cache *jobs = controller_cache(c, JOBS_RES);
	struct sj_sync s = { .key = key };
	struct kobj *cj = NULL, *cp = NULL, *written = NULL;
	const cJSON *old;
	struct ck_status st;
	int rc = 0, r;

	if (cjs != NULL)
		cj = cache_get(cjs, key);
	if (cj == NULL || jobs == NULL) {
		written_set(c, key, 0);
		goto out;
	}
	if (cache_is_stale(c, key, cj)) {
		log_v(4, "cronjob %s: cache older than our last write; waiting "
		    "for it", key);
		controller_requeue_after(c, key, 1000);
		goto out;
	}
	s.cj = cj;
	s.now_ms = ck_wall_us() / 1000;
	old = kobj_get(cj, "status");
	s.status = cJSON_IsObject(old) ? cJSON_Duplicate(old, 1) :
	    cJSON_CreateObject();
	s.jobs = cache_list_by_index(jobs, CACHE_INDEX_CONTROLLER_UID,
	    kobj_uid(cj), &s.njobs);
	reconcile_active(c, &s);
	trim_history(c, &s, true, "spec.successfulJobsHistoryLimit");
	trim_history(c, &s, false, "spec.failedJobsHistoryLimit");
	rc = schedule(c, &s);
	if (cJSON_GetArraySize(active_list(&s)) == 0)
		cJSON_DeleteItemFromObjectCaseSensitive(s.status, "active");
	if (!cJSON_IsObject(old) || !cJSON_Compare(old, s.status, 1)) {
		cp = kobj_copy(cj);
		r = kobj_set_json(cp, "status", s.status);
		s.status = NULL;
		if (r == 0)
			r = controller_update_status(c, cp, &written, &st);
		if (r == 0)
			written_set(c, key, rv_of(written));
		if (r < 0 && rc == 0)
			rc = r;
	}
	if (rc == 0 && s.requeue_ms > 0)
		controller_requeue_after(c, key, s.requeue_ms > 86400000 ?
		    86400000u : (unsigned int)s.requeue_ms);
	log_v(2, "cronjob %s: %zu jobs, requeue in %lld ms", key, s.njobs,
	    (long long)s.requeue_ms);
out:
	cJSON_Delete(s.status);
	cache_list_free(s.jobs, s.njobs);
	kobj_unref(written);
	kobj_unref(cp);
	kobj_unref(cj);
	return rc;
}
