/*
 * job.c: job_reconcile(), Kubernetes' JobController.syncJob: count the
 * Job's pods, fail it past activeDeadlineSeconds or backoffLimit, complete
 * it when enough pods succeeded, honour suspend, otherwise create (slow
 * start, exponential backoff after failures) or delete pods to run
 * min(parallelism, remaining) at once, under expectations; then write
 * status. A finished Job is terminal; ttlSecondsAfterFinished deletes it.
 */
#include "job.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/expectations.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/nametrack.h"
#include "ckube/rfc3339.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"

#define JOBS_RES	"jobs.batch"
#define INDEX_KEY	"batch.kubernetes.io/job-completion-index"

struct job_config job_cfg = {
	.backoff_base_ms = 10 * 1000,
	.backoff_max_ms = 6 * 60 * 1000,
};

static const struct client_gvr gvr_jobs = { "batch", "v1", "jobs" };

/* One reconcile's view of a Job. */
struct job_sync {
	const char		*key;
	const struct kobj	*job;
	struct kobj		**pods;		/* owned, from the cache */
	size_t			 npods;
	struct job_counts	 k;
	char			 now[RFC3339_MAX];
	int64_t			 now_s;
};

static cJSON *
owner_ref(const struct kobj *job)
{
	return kobj_new_owner_ref(job, "batch/v1", "Job", true);
}

/* "<prefix>" plus 5 characters of Kubernetes' generateName alphabet. */
static void
random_name(const char *prefix, struct strbuf *out)
{
	static const char alpha[] = "bcdfghjklmnpqrstvwxz2456789";
	unsigned char rnd[5];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		for (i = 0; i < sizeof(rnd); i++)
			rnd[i] = (unsigned char)(ck_now_us() >> (i * 3));
	strbuf_addf(out, "%s", prefix);
	for (i = 0; i < sizeof(rnd); i++)
		strbuf_addf(out, "%c", alpha[rnd[i] % (sizeof(alpha) - 1)]);
}

/* The index env var and annotation of an Indexed job's pod. */
static void
set_index(cJSON *meta, cJSON *spec, int64_t idx)
{
	cJSON *ann = cJSON_GetObjectItemCaseSensitive(meta, "annotations");
	cJSON *labels = cJSON_GetObjectItemCaseSensitive(meta, "labels");
	cJSON *ctrs, *ct, *env, *e;
	char v[24];

	snprintf(v, sizeof(v), "%lld", (long long)idx);
	if (!cJSON_IsObject(ann)) {
		cJSON_DeleteItemFromObjectCaseSensitive(meta, "annotations");
		ann = cJSON_AddObjectToObject(meta, "annotations");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(ann, INDEX_KEY);
	cJSON_AddStringToObject(ann, INDEX_KEY, v);
	if (cJSON_IsObject(labels)) {
		cJSON_DeleteItemFromObjectCaseSensitive(labels, INDEX_KEY);
		cJSON_AddStringToObject(labels, INDEX_KEY, v);
	}
	ctrs = cJSON_GetObjectItemCaseSensitive(spec, "containers");
	cJSON_ArrayForEach(ct, ctrs) {
		env = cJSON_GetObjectItemCaseSensitive(ct, "env");
		if (!cJSON_IsArray(env)) {
			cJSON_DeleteItemFromObjectCaseSensitive(ct, "env");
			env = cJSON_AddArrayToObject(ct, "env");
		}
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "name", "JOB_COMPLETION_INDEX");
		cJSON_AddStringToObject(e, "value", v);
		cJSON_AddItemToArray(env, e);
	}
}

static struct kobj *
pod_from_template(const struct kobj *job, const char *name, int64_t idx)
{
	const cJSON *tmeta = kobj_get(job, "spec.template.metadata");
	const cJSON *tspec = kobj_get(job, "spec.template.spec");
	cJSON *root, *meta, *spec, *refs, *v;
	struct strbuf gen = STRBUF_INIT;

	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "apiVersion", "v1");
	cJSON_AddStringToObject(root, "kind", "Pod");
	meta = cJSON_AddObjectToObject(root, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	strbuf_addf(&gen, "%s-", kobj_name(job));
	cJSON_AddStringToObject(meta, "generateName", strbuf_str(&gen));
	strbuf_fini(&gen);
	cJSON_AddStringToObject(meta, "namespace", kobj_namespace(job));
	v = cJSON_GetObjectItemCaseSensitive(tmeta, "labels");
	cJSON_AddItemToObject(meta, "labels", v != NULL ?
	    cJSON_Duplicate(v, 1) : cJSON_CreateObject());
	v = cJSON_GetObjectItemCaseSensitive(tmeta, "annotations");
	if (v != NULL)
		cJSON_AddItemToObject(meta, "annotations",
		    cJSON_Duplicate(v, 1));
	refs = cJSON_AddArrayToObject(meta, "ownerReferences");
	cJSON_AddItemToArray(refs, owner_ref(job));
	spec = tspec != NULL ? cJSON_Duplicate(tspec, 1) : cJSON_CreateObject();
	cJSON_AddItemToObject(root, "spec", spec);
	if (idx >= 0)
		set_index(meta, spec, idx);
	return kobj_new_take(root);
}

static bool
is_indexed(const struct kobj *job)
{
	const char *m = kobj_get_str(job, "spec.completionMode");

	return m != NULL && strcmp(m, "Indexed") == 0 &&
	    kobj_get_int_or(job, "spec.completions", 0) <= 256;
}

/* The indexes the active pods hold (Indexed mode). */
static void
indexes_in_use(const struct job_sync *s, uint64_t in_use[4])
{
	const char *a;
	long v;
	size_t i;

	memset(in_use, 0, 4 * sizeof(*in_use));
	for (i = 0; i < s->npods; i++) {
		if (!job_pod_active(s->pods[i]))
			continue;
		a = kobj_annotation(s->pods[i], INDEX_KEY);
		if (a == NULL)
			continue;
		v = strtol(a, NULL, 10);
		if (v >= 0 && v < 256)
			in_use[v / 64] |= (uint64_t)1 << (v % 64);
	}
}

/* Create up to want pods in slow-start batches 1, 2, 4, ...; returns how many. */
static int64_t
create_pods(struct controller *c, struct job_sync *s, int64_t want, int *rcp)
{
	struct nametrack *t = controller_data(c);
	struct strbuf name = STRBUF_INIT, prefix = STRBUF_INIT;
	struct ck_status st;
	struct kobj *pod;
	uint64_t in_use[4];
	int64_t batch = 1, done = 0, made = 0, i, idx = -1;
	bool indexed = is_indexed(s->job);
	int rc = 0;

	if (want > JOB_BURST)
		want = JOB_BURST;
	if (indexed)
		indexes_in_use(s, in_use);
	while (done < want && rc == 0) {
		if (batch > want - done)
			batch = want - done;
		for (i = 0; i < batch; i++) {
			if (indexed) {
				idx = job_next_index(&s->k, in_use,
				    kobj_get_int_or(s->job, "spec.completions",
				    0));
				if (idx < 0)
					goto out;
				in_use[idx / 64] |= (uint64_t)1 << (idx % 64);
			}
			strbuf_reset(&name);
			strbuf_reset(&prefix);
			if (idx >= 0)
				strbuf_addf(&prefix, "%s-%lld-",
				    kobj_name(s->job), (long long)idx);
			else
				strbuf_addf(&prefix, "%s-", kobj_name(s->job));
			random_name(strbuf_str(&prefix), &name);
			pod = pod_from_template(s->job, strbuf_str(&name), idx);
			nametrack_expect(t, s->key, strbuf_str(&name), false);
			rc = controller_create(c, pod, NULL, &st);
			kobj_unref(pod);
			if (rc < 0) {
				nametrack_forget(t, s->key, strbuf_str(&name),
				    false);
				controller_event(c, s->job, "Warning",
				    "FailedCreate", "Error creating: %s",
				    st.message[0] != '\0' ? st.message :
				    ck_strerror(rc));
				break;
			}
			made++;
			controller_event(c, s->job, "Normal",
			    "SuccessfulCreate", "Created pod: %s",
			    strbuf_str(&name));
		}
		done += batch;
		batch *= 2;
	}
out:
	strbuf_fini(&prefix);
	strbuf_fini(&name);
	*rcp = rc;
	return made;
}

static int
newest_first(const void *a, const void *b)
{
	const struct kobj *p = *(struct kobj *const *)a;
	const struct kobj *q = *(struct kobj *const *)b;
	const char *tp = kobj_get_str(p, "metadata.creationTimestamp");
	const char *tq = kobj_get_str(q, "metadata.creationTimestamp");
	int r = strcmp(tq != NULL ? tq : "", tp != NULL ? tp : "");

	return r != 0 ? r : strcmp(kobj_name(q), kobj_name(p));
}

/* Delete n active pods (all when n < 0), newest first; returns how many. */
static int64_t
delete_active(struct controller *c, struct job_sync *s, int64_t n, int *rcp)
{
	struct nametrack *t = controller_data(c);
	struct kobj **act;
	struct ck_status st;
	size_t i, na = 0;
	int64_t done = 0;
	int r;

	*rcp = 0;
	act = ck_calloc(s->npods + 1, sizeof(*act));
	for (i = 0; i < s->npods; i++)
		if (job_pod_active(s->pods[i]))
			act[na++] = s->pods[i];
	qsort(act, na, sizeof(*act), newest_first);
	for (i = 0; i < na && (n < 0 || done < n) && done < JOB_BURST; i++) {
		nametrack_expect(t, s->key, kobj_name(act[i]), true);
		r = controller_delete(c, &CLIENT_GVR_PODS, kobj_namespace(act[i]),
		    kobj_name(act[i]), NULL, &st);
		if (r == CK_ENOTFOUND)
			r = 0;
		if (r < 0) {
			nametrack_forget(t, s->key, kobj_name(act[i]), true);
			controller_event(c, s->job, "Warning", "FailedDelete",
			    "Error deleting: %s", ck_strerror(r));
			*rcp = r;
			continue;
		}
		done++;
		controller_event(c, s->job, "Normal", "SuccessfulDelete",
		    "Deleted pod: %s", kobj_name(act[i]));
	}
	free(act);
	return done;
}

/*
 * Adopt the namespace's orphan pods that match the Job's selector
 * (ClaimPods): a merge patch adds our controller ownerReference, with the
 * pod's uid as a precondition. Adopted pods join s->pods.
 */
static int
adopt_orphans(struct controller *c, struct job_sync *s)
{
	struct label_selector *sel = NULL;
	struct kobj **list;
	struct ck_status st;
	cJSON *patch, *meta, *refs;
	size_t i, n;
	int rc, r;

	if (selector_from_json(kobj_get(s->job, "spec.selector"),
	    "spec.selector", &sel, &st) < 0)
		return 0;	/* the apiserver validated it; nothing to do */
	rc = controller_list_orphans(c, "pods", &CLIENT_GVR_PODS, s->job, sel,
	    &list, &n);
	for (i = 0; i < n; i++) {
		patch = cJSON_CreateObject();
		meta = cJSON_AddObjectToObject(patch, "metadata");
		cJSON_AddStringToObject(meta, "uid", kobj_uid(list[i]));
		refs = kobj_get(list[i], "metadata.ownerReferences") != NULL ?
		    cJSON_Duplicate(kobj_get(list[i],
		    "metadata.ownerReferences"), 1) : cJSON_CreateArray();
		cJSON_AddItemToArray(refs, owner_ref(s->job));
		cJSON_AddItemToObject(meta, "ownerReferences", refs);
		r = controller_patch(c, &CLIENT_GVR_PODS, kobj_namespace(list[i]),
		    kobj_name(list[i]), NULL, CLIENT_PATCH_MERGE, patch, NULL,
		    &st);
		cJSON_Delete(patch);
		if (r == CK_ENOTFOUND)
			continue;
		if (r < 0) {
			log_warn("job %s: adopting pod %s: %s", s->key,
			    kobj_name(list[i]), ck_strerror(r));
			rc = r;
			continue;
		}
		log_info("job %s: adopted pod %s", s->key, kobj_name(list[i]));
		s->pods = ck_reallocarray(s->pods, s->npods + 1,
		    sizeof(*s->pods));
		s->pods[s->npods++] = kobj_ref(list[i]);
	}
	cache_list_free(list, n);
	selector_free(sel);
	return rc;
}

/* A finished Job: delete it ttlSecondsAfterFinished after it finished. */
static int
handle_ttl(struct controller *c, const struct kobj *job, int64_t finished_s,
    int64_t now_s)
{
	struct client_delete_opts opts = {
		.propagation_policy = "Background",
		.grace_period_seconds = CLIENT_GRACE_UNSET,
		.precondition_uid = kobj_uid(job),
	};
	const cJSON *ttl = kobj_get(job, "spec.ttlSecondsAfterFinished");
	struct ck_status st;
	int64_t expire;
	int rc;

	if (!cJSON_IsNumber(ttl))
		return 0;
	expire = finished_s + (int64_t)ttl->valuedouble;
	if (expire > now_s) {
		controller_requeue_after(c, kobj_key(job),
		    (unsigned int)((expire - now_s) * 1000));
		return 0;
	}
	rc = controller_delete(c, &gvr_jobs, kobj_namespace(job),
	    kobj_name(job), &opts, &st);
	if (rc == CK_ENOTFOUND || rc == CK_ECONFLICT)
		return 0;	/* gone, or replaced under the same name */
	if (rc == 0)
		log_info("job %s: deleted %lld s after it finished "
		    "(ttlSecondsAfterFinished)", kobj_key(job),
		    (long long)(now_s - finished_s));
	return rc;
}

static void
set_count(cJSON *status, const char *key, int64_t v, bool omit_zero)
{
	cJSON_DeleteItemFromObjectCaseSensitive(status, key);
	if (v > 0 || !omit_zero)
		cJSON_AddNumberToObject(status, key, (double)v);
}

static void
set_time(cJSON *status, const char *key, const char *now)
{
	cJSON_DeleteItemFromObjectCaseSensitive(status, key);
	cJSON_AddStringToObject(status, key, now);
}

/* Fail the job: its active pods go, they count as failed. */
static int
fail_job(struct controller *c, struct job_sync *s, cJSON *status,
    const char *reason, const char *message)
{
	int64_t n;
	int rc;

	n = delete_active(c, s, -1, &rc);
	s->k.failed += n;
	s->k.active -= n;
	s->k.ready = 0;
	job_set_condition(status, "Failed", "True", reason, message, s->now);
	controller_event(c, s->job, "Warning", reason, "%s", message);
	log_info("job %s: failed (%s)", s->key, reason);
	return rc;
}

/*
 * The running part: suspend, or reach the wanted number of active pods.
 * *requeue_ms gets the backoff wait.
 */
static int
run_pods(struct controller *c, struct job_sync *s, cJSON *status,
    bool settled, int64_t *requeue_ms)
{
	const char *susp = kobj_condition_status(s->job, "Suspended");
	int64_t want, n, wait_ms;
	int rc = 0;

	if (kobj_get_bool(s->job, "spec.suspend", false)) {
		n = delete_active(c, s, -1, &rc);
		s->k.active -= n;
		if (job_set_condition(status, "Suspended", "True",
		    "JobSuspended", "Job suspended", s->now))
			controller_event(c, s->job, "Normal", "Suspended",
			    "Job suspended");
		cJSON_DeleteItemFromObjectCaseSensitive(status, "startTime");
		return rc;
	}
	if (susp != NULL && strcmp(susp, "True") == 0) {
		job_set_condition(status, "Suspended", "False", "JobResumed",
		    "Job resumed", s->now);
		controller_event(c, s->job, "Normal", "Resumed", "Job resumed");
		set_time(status, "startTime", s->now);
	}
	if (!settled)
		return 0;	/* earlier writes not seen yet */
	want = job_want_active(s->job, &s->k);
	if (s->k.active > want) {
		s->k.active -= delete_active(c, s, s->k.active - want, &rc);
		return rc;
	}
	if (s->k.active == want)
		return 0;
	wait_ms = 0;
	if (s->k.failed > 0 && s->k.last_failure_s > 0)
		wait_ms = s->k.last_failure_s * 1000 + job_backoff_ms(
		    s->k.failed, job_cfg.backoff_base_ms,
		    job_cfg.backoff_max_ms) - ck_wall_us() / 1000;
	if (wait_ms > 0) {
		log_v(4, "job %s: %lld failures, next pod in %lld ms", s->key,
		    (long long)s->k.failed, (long long)wait_ms);
		*requeue_ms = wait_ms;
		return 0;
	}
	s->k.active += create_pods(c, s, want - s->k.active, &rc);
	return rc;
}

static int
sync_job(struct controller *c, struct job_sync *s, bool settled)
{
	const cJSON *old = kobj_get(s->job, "status");
	const cJSON *ads = kobj_get(s->job, "spec.activeDeadlineSeconds");
	cJSON *status = old != NULL ? cJSON_Duplicate(old, 1) :
	    cJSON_CreateObject();
	struct kobj *cp = NULL;
	struct ck_status st;
	int64_t start = 0, requeue_ms = 0;
	time_t t;
	const cJSON *sv;
	int rc = 0, r;

	sv = cJSON_GetObjectItemCaseSensitive(status, "startTime");
	if (cJSON_IsString(sv) && rfc3339_parse(sv->valuestring, &t) == 0)
		start = (int64_t)t;
	if (start == 0 && !kobj_get_bool(s->job, "spec.suspend", false)) {
		set_time(status, "startTime", s->now);
		start = s->now_s;
	}
	if (start > 0 && cJSON_IsNumber(ads) &&
	    !kobj_get_bool(s->job, "spec.suspend", false) &&
	    start + (int64_t)ads->valuedouble <= s->now_s)
		rc = fail_job(c, s, status, "DeadlineExceeded",
		    "Job was active longer than specified deadline");
	else if (s->k.failed > kobj_get_int_or(s->job, "spec.backoffLimit", 6))
		rc = fail_job(c, s, status, "BackoffLimitExceeded",
		    "Job has reached the specified backoff limit");
	else if (job_succeeded(s->job, &s->k)) {
		s->k.active -= delete_active(c, s, -1, &rc);
		set_time(status, "completionTime", s->now);
		job_set_condition(status, "Complete", "True",
		    "CompletionsReached",
		    "Reached expected number of succeeded pods", s->now);
		controller_event(c, s->job, "Normal", "Completed",
		    "Job completed");
		log_info("job %s: complete", s->key);
	} else {
		rc = run_pods(c, s, status, settled, &requeue_ms);
		if (cJSON_IsNumber(ads) && start > 0 &&
		    !kobj_get_bool(s->job, "spec.suspend", false) &&
		    (requeue_ms == 0 || (start + (int64_t)ads->valuedouble -
		    s->now_s) * 1000 < requeue_ms))
			requeue_ms = (start + (int64_t)ads->valuedouble -
			    s->now_s) * 1000 + 1;
	}
	set_count(status, "active", s->k.active, true);
	set_count(status, "succeeded", s->k.succeeded, true);
	set_count(status, "failed", s->k.failed, true);
	set_count(status, "ready", s->k.ready, false);
	if (old == NULL || !cJSON_Compare(old, status, 1)) {
		cp = kobj_copy(s->job);
		r = kobj_set_json(cp, "status", status);
		status = NULL;
		if (r == 0)
			r = controller_update_status(c, cp, NULL, &st);
		if (r < 0 && rc == 0)
			rc = r;
	}
	if (rc == 0 && requeue_ms > 0)
		controller_requeue_after(c, s->key, requeue_ms > 3600000 ?
		    3600000u : (unsigned int)requeue_ms);
	cJSON_Delete(status);
	kobj_unref(cp);
	return rc;
}

int
job_reconcile(struct controller *c, const char *key)
{
	struct nametrack *t = controller_data(c);
	struct cache *jobs = controller_cache(c, JOBS_RES);
	struct cache *pods = controller_cache(c, "pods");
	struct job_sync s = { .key = key };
	struct kobj *job = NULL;
	int64_t finished = 0;
	bool settled;
	int rc = 0;

	if (jobs != NULL)
		job = cache_get(jobs, key);
	if (job == NULL || pods == NULL) {
		nametrack_drop(t, key);
		goto out;
	}
	if (kobj_get(job, "metadata.deletionTimestamp") != NULL)
		goto out;
	s.job = job;
	s.now_s = ck_wall_us() / 1000000;
	if (rfc3339_format((time_t)s.now_s, s.now, sizeof(s.now)) < 0)
		goto out;
	if (job_is_finished(job, &finished)) {
		rc = handle_ttl(c, job, finished > 0 ? finished : s.now_s,
		    s.now_s);
		goto out;
	}
	s.pods = cache_list_by_index(pods, CACHE_INDEX_CONTROLLER_UID,
	    kobj_uid(job), &s.npods);
	rc = adopt_orphans(c, &s);
	if (rc < 0)
		goto out;	/* retried: counting without them would overshoot */
	job_count_pods(s.pods, s.npods, s.now_s, &s.k);
	settled = nametrack_observe(t, key, pods, ck_now_ms(),
	    EXPECTATIONS_TTL_MS) == 0;
	rc = sync_job(c, &s, settled);
	log_v(2, "job %s: active %lld succeeded %lld failed %lld", key,
	    (long long)s.k.active, (long long)s.k.succeeded,
	    (long long)s.k.failed);
out:
	cache_list_free(s.pods, s.npods);
	kobj_unref(job);
	return rc;
}
