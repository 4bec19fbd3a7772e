/*
 * job_status.c: the pure parts of the job-controller: counting a Job's
 * pods (active, succeeded, failed, ready; Indexed completions), the
 * finished test, the replacement backoff, how many pods to run, and
 * condition bookkeeping. No API calls here.
 */
#include "job.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/kobj.h"
#include "ckube/rfc3339.h"

#define INDEX_ANNOTATION	"batch.kubernetes.io/job-completion-index"

bool
job_pod_active(const struct kobj *pod)
{
	const char *phase = kobj_get_str(pod, "status.phase");

	if (kobj_get(pod, "metadata.deletionTimestamp") != NULL)
		return false;
	return phase == NULL || (strcmp(phase, "Succeeded") != 0 &&
	    strcmp(phase, "Failed") != 0);
}

static int64_t
time_of(const cJSON *v)
{
	time_t t;

	if (!cJSON_IsString(v) || rfc3339_parse(v->valuestring, &t) < 0)
		return 0;
	return (int64_t)t;
}

/* When pod failed: its newest container finishedAt, else creation. */
static int64_t
failure_time(const struct kobj *pod)
{
	const cJSON *cs, *c;
	int64_t t, best = 0;

	cs = kobj_get(pod, "status.containerStatuses");
	cJSON_ArrayForEach(c, cs) {
		t = time_of(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(c, "state"),
		    "terminated"), "finishedAt"));
		if (t == 0)
			t = time_of(cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(c, "lastState"),
			    "terminated"), "finishedAt"));
		if (t > best)
			best = t;
	}
	if (best == 0)
		best = time_of(kobj_get(pod, "metadata.creationTimestamp"));
	return best;
}

static int64_t
restarts(const struct kobj *pod)
{
	const cJSON *cs = kobj_get(pod, "status.containerStatuses"), *c, *r;
	int64_t n = 0;

	cJSON_ArrayForEach(c, cs) {
		r = cJSON_GetObjectItemCaseSensitive(c, "restartCount");
		if (cJSON_IsNumber(r) && r->valuedouble > 0)
			n += (int64_t)r->valuedouble;
	}
	return n;
}

static int64_t
pod_index(const struct kobj *pod)
{
	const char *s = kobj_annotation(pod, INDEX_ANNOTATION);
	char *end;
	long v;

	if (s == NULL || s[0] == '\0')
		return -1;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= 0 && v < 256 ? v : -1;
}

void
job_count_pods(struct kobj *const *pods, size_t n, int64_t now_s,
    struct job_counts *out)
{
	const char *phase, *ready;
	int64_t idx, t, r;
	size_t i;

	(void)now_s;
	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		phase = kobj_get_str(pods[i], "status.phase");
		if (phase != NULL && strcmp(phase, "Succeeded") == 0) {
			out->succeeded++;
			idx = pod_index(pods[i]);
			if (idx >= 0)
				out->indexes_done[idx / 64] |=
				    (uint64_t)1 << (idx % 64);
			continue;
		}
		if (phase != NULL && strcmp(phase, "Failed") == 0) {
			out->failed++;
			t = failure_time(pods[i]);
			if (t > out->last_failure_s)
				out->last_failure_s = t;
			continue;
		}
		if (kobj_get(pods[i], "metadata.deletionTimestamp") != NULL) {
			out->terminating++;
			continue;
		}
		out->active++;
		/* OnFailure: each container restart is a failure. */
		r = restarts(pods[i]);
		if (r > 0) {
			out->failed += r;
			t = failure_time(pods[i]);
			if (t > out->last_failure_s)
				out->last_failure_s = t;
		}
		ready = kobj_condition_status(pods[i], "Ready");
		if (ready != NULL && strcmp(ready, "True") == 0)
			out->ready++;
	}
}

bool
job_is_finished(const struct kobj *job, int64_t *finished_s)
{
	static const char *const types[] = { "Complete", "Failed" };
	const cJSON *c;
	const char *s;
	size_t i;

	for (i = 0; i < 2; i++) {
		s = kobj_condition_status(job, types[i]);
		if (s == NULL || strcmp(s, "True") != 0)
			continue;
		if (finished_s != NULL) {
			*finished_s = time_of(kobj_get(job,
			    "status.completionTime"));
			c = kobj_condition(job, types[i]);
			if (*finished_s == 0)
				*finished_s = time_of(
				    cJSON_GetObjectItemCaseSensitive(c,
				    "lastTransitionTime"));
		}
		return true;
	}
	return false;
}

int64_t
job_backoff_ms(int64_t failures, int64_t base_ms, int64_t max_ms)
{
	int64_t d = base_ms;

	if (failures <= 0 || base_ms <= 0)
		return 0;
	while (--failures > 0 && d < max_ms)
		d *= 2;
	return d < max_ms ? d : max_ms;
}

static bool
completions_set(const struct kobj *job, int64_t *completions)
{
	const cJSON *v = kobj_get(job, "spec.completions");

	if (!cJSON_IsNumber(v))
		return false;
	*completions = (int64_t)v->valuedouble;
	return true;
}

int64_t
job_want_active(const struct kobj *job, const struct job_counts *k)
{
	int64_t par = kobj_get_int_or(job, "spec.parallelism", 1), comp, left;

	if (par < 0)
		par = 0;
	if (!completions_set(job, &comp))
		return k->succeeded > 0 ? (k->active < par ? k->active : par) :
		    par;
	left = comp - k->succeeded;
	if (left < 0)
		left = 0;
	return left < par ? left : par;
}

bool
job_succeeded(const struct kobj *job, const struct job_counts *k)
{
	const char *mode = kobj_get_str(job, "spec.completionMode");
	int64_t comp, i;

	if (!completions_set(job, &comp))
		return k->succeeded > 0 && k->active == 0;
	if (mode != NULL && strcmp(mode, "Indexed") == 0 && comp <= 256) {
		for (i = 0; i < comp; i++)
			if (!(k->indexes_done[i / 64] & ((uint64_t)1 <<
			    (i % 64))))
				return false;
		return true;
	}
	return k->succeeded >= comp;
}

static const char *
cond_str(const cJSON *c, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(c, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

bool
job_set_condition(cJSON *status, const char *type, const char *cstatus,
    const char *reason, const char *message, const char *now)
{
	cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
	cJSON *c = NULL, *it;

	if (!cJSON_IsArray(conds)) {
		cJSON_DeleteItemFromObjectCaseSensitive(status, "conditions");
		conds = cJSON_AddArrayToObject(status, "conditions");
	}
	cJSON_ArrayForEach(it, conds)
		if (strcmp(cond_str(it, "type"), type) == 0)
			c = it;
	if (c != NULL && strcmp(cond_str(c, "status"), cstatus) == 0 &&
	    strcmp(cond_str(c, "reason"), reason) == 0 &&
	    strcmp(cond_str(c, "message"), message) == 0)
		return false;
	if (c == NULL) {
		c = cJSON_CreateObject();
		cJSON_AddItemToArray(conds, c);
		cJSON_AddStringToObject(c, "type", type);
	}
	if (strcmp(cond_str(c, "status"), cstatus) != 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(c, "lastTransitionTime");
		cJSON_AddStringToObject(c, "lastTransitionTime", now);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(c, "status");
	cJSON_AddStringToObject(c, "status", cstatus);
	cJSON_DeleteItemFromObjectCaseSensitive(c, "lastProbeTime");
	cJSON_AddStringToObject(c, "lastProbeTime", now);
	cJSON_DeleteItemFromObjectCaseSensitive(c, "reason");
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_DeleteItemFromObjectCaseSensitive(c, "message");
	cJSON_AddStringToObject(c, "message", message);
	return true;
}

int64_t
job_next_index(const struct job_counts *k, const uint64_t *in_use,
    int64_t completions)
{
	int64_t i;

	for (i = 0; i < completions && i < 256; i++)
		if (!(k->indexes_done[i / 64] & ((uint64_t)1 << (i % 64))) &&
		    !(in_use[i / 64] & ((uint64_t)1 << (i % 64))))
			return i;
	return -1;
}
