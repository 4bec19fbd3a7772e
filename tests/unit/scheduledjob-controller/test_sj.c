/*
 * test_sj.c: sj_reconcile() against tests/lib/fake_api on the fake clock,
 * one test per acceptance scenario of spec section 3(f): the first tick,
 * Forbid (late start, or MissSchedule with a deadline), Replace, one job
 * after a long outage, TooManyMissedTimes, history limits, suspend,
 * AlreadyExists, a missing active job; and a year of hourly ticks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/ck.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/cron.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/rfc3339.h"
#include "fake_api.h"
#include "sj.h"

#define CJ_KEY	"default/hello"
#define CJ_UID	"cj-uid"

static const struct watch_spec watches[] = {
	{ .resource = "cronjobs.batch", .role = WATCH_PRIMARY },
	{ .resource = "jobs.batch", .role = WATCH_OWNED,
	  .owner_kind = "CronJob" },
};

static const struct controller_def def = {
	.name = "scheduledjob-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .init = sj_init, .fini = sj_fini,
	.reconcile = sj_reconcile,
};

struct fixture {
	struct fake_api		*fa;
	struct controller	*c;
};

static time_t
at(const char *s)
{
	time_t t;

	assert_int_equal(rfc3339_parse(s, &t), 0);
	return t;
}

static void
now_is(const char *s)
{
	clock_set_fake((uint64_t)at(s) * 1000);
}

/* A CronJob with spec fields extra (JSON members) and status. */
static void
add_cj(struct fake_api *fa, const char *created, const char *extra,
    const char *status)
{
	static int rv = 100000;		/* newer than the fake API's writes */
	char buf[2048];
	struct kobj *o;

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"batch/v1\","
	    "\"kind\":\"CronJob\",\"metadata\":{\"name\":\"hello\","
	    "\"namespace\":\"default\",\"uid\":\"" CJ_UID "\","
	    "\"resourceVersion\":\"%d\",\"creationTimestamp\":\"%s\"},"
	    "\"spec\":{%s%s\"jobTemplate\":{\"metadata\":{\"labels\":"
	    "{\"app\":\"hello\"}},\"spec\":{\"template\":{\"spec\":"
	    "{\"restartPolicy\":\"Never\",\"containers\":[{\"name\":\"c\","
	    "\"image\":\"busybox\"}]}}}}},\"status\":%s}", ++rv, created,
	    extra, extra[0] != '\0' ? "," : "", status);
	o = kobj_parse(buf, strlen(buf));
	assert_non_null(o);
	fake_api_add(fa, "cronjobs.batch", o);
	kobj_unref(o);
}

/* A child job; cond "" (running), "Complete" or "Failed". */
static void
add_job(struct fake_api *fa, const char *name, const char *cond,
    const char *started)
{
	char buf[2048], conds[256] = "";
	struct kobj *o;

	if (cond[0] != '\0')
		snprintf(conds, sizeof(conds), ",\"completionTime\":\"%s\","
		    "\"conditions\":[{\"type\":\"%s\",\"status\":\"True\"}]",
		    started, cond);
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"batch/v1\","
	    "\"kind\":\"Job\",\"metadata\":{\"name\":\"%s\","
	    "\"namespace\":\"default\",\"uid\":\"u-%s\","
	    "\"ownerReferences\":[{\"apiVersion\":\"batch/v1\",\"kind\":"
	    "\"CronJob\",\"name\":\"hello\",\"uid\":\"" CJ_UID "\","
	    "\"controller\":true}]},\"spec\":{},"
	    "\"status\":{\"startTime\":\"%s\"%s}}", name, name, started,
	    conds);
	o = kobj_parse(buf, strlen(buf));
	assert_non_null(o);
	fake_api_add(fa, "jobs.batch", o);
	kobj_unref(o);
}

/* Mark the cached job name Complete at done (keeps its uid). */
static void
complete(struct fake_api *fa, const char *name, const char *done)
{
	char key[128], buf[256];
	struct kobj *j, *cp;

	snprintf(key, sizeof(key), "default/%s", name);
	j = cache_get(fake_api_cache(fa, "jobs.batch"), key);
	assert_non_null(j);
	cp = kobj_copy(j);
	snprintf(buf, sizeof(buf), "[{\"type\":\"Complete\","
	    "\"status\":\"True\"}]");
	assert_int_equal(kobj_set_json(cp, "status.conditions",
	    cJSON_Parse(buf)), 0);
	assert_int_equal(kobj_set_str(cp, "status.completionTime", done), 0);
	fake_api_add(fa, "jobs.batch", cp);
	kobj_unref(cp);
	kobj_unref(j);
}

static char *
job_name(const char *when, char *buf, size_t len)
{
	assert_int_equal(sj_job_name("hello", at(when), buf, len), 0);
	return buf;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->fa = fake_api_new();
	fake_api_cache(f->fa, "jobs.batch");
	f->c = fake_api_controller(f->fa, &def);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	controller_free(f->c);
	fake_api_free(f->fa);
	free(f);
	clock_use_real();
	return 0;
}

static size_t
events(struct fake_api *fa, const char *reason)
{
	size_t i, n = 0;

	for (i = 0; i < fake_api_nactions(fa); i++)
		if (strcmp(fake_api_action(fa, i)->verb, "event") == 0 &&
		    strcmp(fake_api_action(fa, i)->reason, reason) == 0)
			n++;
	return n;
}

static const struct fake_action *
last(struct fake_api *fa, const char *verb)
{
	const struct fake_action *a = NULL;
	size_t i;

	for (i = 0; i < fake_api_nactions(fa); i++)
		if (strcmp(fake_api_action(fa, i)->verb, verb) == 0)
			a = fake_api_action(fa, i);
	assert_non_null(a);
	return a;
}

/* 3(f)1: created 10:00:30, nothing before 10:01, then one job. */
static void
test_sj_first_tick(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;
	char name[64];

	fake_api_set_tracking(f->fa, 1);
	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"*/1 * * * *\"",
	    "{}");
	now_is("2024-05-01T10:00:45Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 0);
	now_is("2024-05-01T10:01:00Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	a = last(f->fa, "create");
	assert_string_equal(a->resource, "jobs.batch");
	assert_string_equal(a->name, job_name("2024-05-01T10:01:00Z", name,
	    sizeof(name)));
	assert_string_equal(name, "hello-28575961");
	assert_string_equal(kobj_get_str(a->obj,
	    "metadata.ownerReferences[0].kind"), "CronJob");
	assert_true(kobj_get_bool(a->obj,
	    "metadata.ownerReferences[0].blockOwnerDeletion", false));
	assert_string_equal(kobj_annotation(a->obj,
	    "batch.kubernetes.io/cronjob-scheduled-timestamp"),
	    "2024-05-01T10:01:00Z");
	assert_string_equal(kobj_label(a->obj, "app"), "hello");
	a = last(f->fa, "update_status");
	assert_string_equal(kobj_get_str(a->obj, "status.lastScheduleTime"),
	    "2024-05-01T10:01:00Z");
	assert_string_equal(kobj_get_str(a->obj, "status.active[0].name"),
	    name);
	assert_int_equal(events(f->fa, "SuccessfulCreate"), 1);
	/* Again in the same minute: already handled. */
	fake_api_clear(f->fa);
	now_is("2024-05-01T10:01:20Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 0);
	assert_int_equal(events(f->fa, "UnexpectedJob"), 0);
	/* It completes: active empties, lastSuccessfulTime is set. */
	complete(f->fa, name, "2024-05-01T10:01:30Z");
	now_is("2024-05-01T10:01:40Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	a = last(f->fa, "update_status");
	assert_null(kobj_get(a->obj, "status.active"));
	assert_string_equal(kobj_get_str(a->obj, "status.lastSuccessfulTime"),
	    "2024-05-01T10:01:30Z");
	assert_int_equal(events(f->fa, "SawCompletedJob"), 1);
}

/* 3(f)2: Forbid skips the tick while a job runs, then starts it late. */
static void
test_sj_forbid_late_start(void **state)
{
	struct fixture *f = *state;
	char name[64], status[512];

	snprintf(status, sizeof(status), "{\"lastScheduleTime\":"
	    "\"2024-05-01T10:01:00Z\",\"active\":[{\"kind\":\"Job\","
	    "\"name\":\"%s\",\"namespace\":\"default\",\"uid\":\"u-%s\"}]}",
	    job_name("2024-05-01T10:01:00Z", name, sizeof(name)), name);
	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"* * * * *\","
	    "\"concurrencyPolicy\":\"Forbid\"", status);
	add_job(f->fa, name, "", "2024-05-01T10:01:00Z");
	now_is("2024-05-01T10:02:01Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 0);
	assert_int_equal(events(f->fa, "JobAlreadyActive"), 1);
	/* It finishes at 10:02:30: the 10:02 job starts at once. */
	add_job(f->fa, name, "Complete", "2024-05-01T10:02:30Z");
	now_is("2024-05-01T10:02:30Z");
	fake_api_clear(f->fa);
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 1);
	assert_string_equal(last(f->fa, "create")->name,
	    job_name("2024-05-01T10:02:00Z", name, sizeof(name)));
}

/* 3(f)2 with startingDeadlineSeconds 10: the late run is dropped. */
static void
test_sj_forbid_deadline(void **state)
{
	struct fixture *f = *state;
	char name[64];

	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"* * * * *\","
	    "\"concurrencyPolicy\":\"Forbid\",\"startingDeadlineSeconds\":10",
	    "{\"lastScheduleTime\":\"2024-05-01T10:01:00Z\"}");
	add_job(f->fa, job_name("2024-05-01T10:01:00Z", name, sizeof(name)),
	    "Complete", "2024-05-01T10:02:30Z");
	now_is("2024-05-01T10:02:30Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 0);
	assert_int_equal(events(f->fa, "MissSchedule"), 1);
	/* The window starts at now - 10 s: nothing due until 10:03. */
	now_is("2024-05-01T10:03:05Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_string_equal(last(f->fa, "create")->name,
	    job_name("2024-05-01T10:03:00Z", name, sizeof(name)));
}

/* 3(f)3: Replace deletes the running job and starts the new one. */
static void
test_sj_replace(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;
	char name[64], status[512];

	snprintf(status, sizeof(status), "{\"lastScheduleTime\":"
	    "\"2024-05-01T10:01:00Z\",\"active\":[{\"kind\":\"Job\","
	    "\"name\":\"%s\",\"namespace\":\"default\",\"uid\":\"u-%s\"}]}",
	    job_name("2024-05-01T10:01:00Z", name, sizeof(name)), name);
	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"* * * * *\","
	    "\"concurrencyPolicy\":\"Replace\"", status);
	add_job(f->fa, name, "", "2024-05-01T10:01:00Z");
	now_is("2024-05-01T10:02:00Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	a = last(f->fa, "delete");
	assert_string_equal(a->name, name);
	assert_string_equal(a->policy, "Background");
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 1);
	a = last(f->fa, "update_status");
	assert_int_equal(cJSON_GetArraySize(kobj_get(a->obj,
	    "status.active")), 1);
	assert_string_equal(kobj_get_str(a->obj, "status.active[0].name"),
	    job_name("2024-05-01T10:02:00Z", name, sizeof(name)));
}

/* 3(f)4: hourly, down 3 h, no deadline: one job, for the latest hour. */
static void
test_sj_outage_one_job(void **state)
{
	struct fixture *f = *state;
	char name[64];

	add_cj(f->fa, "2024-05-01T06:30:00Z", "\"schedule\":\"@hourly\"",
	    "{\"lastScheduleTime\":\"2024-05-01T07:00:00Z\"}");
	now_is("2024-05-01T10:20:00Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 1);
	assert_string_equal(last(f->fa, "create")->name,
	    job_name("2024-05-01T10:00:00Z", name, sizeof(name)));
	assert_int_equal(events(f->fa, "TooManyMissedTimes"), 0);
}

/* 3(f)5: deadline 10 s, down across a tick: MissSchedule, no job. */
static void
test_sj_miss_schedule(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a = NULL;
	char name[64];
	size_t i;

	add_cj(f->fa, "2024-05-01T06:30:00Z", "\"schedule\":\"0 * * * *\","
	    "\"startingDeadlineSeconds\":10",
	    "{\"lastScheduleTime\":\"2024-05-01T09:00:00Z\"}");
	now_is("2024-05-01T10:05:00Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 0);
	assert_int_equal(events(f->fa, "MissSchedule"), 1);
	for (i = 0; i < fake_api_nactions(f->fa); i++)
		if (strcmp(fake_api_action(f->fa, i)->reason,
		    "MissSchedule") == 0)
			a = fake_api_action(f->fa, i);
	assert_string_equal(a->event_type, "Warning");
	assert_string_equal(a->message, "Missed scheduled time to start a "
	    "job: Wed, 01 May 2024 10:00:00 +0000");
	/* The next tick runs normally. */
	now_is("2024-05-01T11:00:03Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_string_equal(last(f->fa, "create")->name,
	    job_name("2024-05-01T11:00:00Z", name, sizeof(name)));
}

/* 3(f)6: a year behind with every minute: a warning, still one job. */
static void
test_sj_too_many_missed(void **state)
{
	struct fixture *f = *state;
	char name[64];

	add_cj(f->fa, "2023-05-01T10:00:00Z", "\"schedule\":\"* * * * *\"",
	    "{}");
	now_is("2024-05-01T10:00:30Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(events(f->fa, "TooManyMissedTimes"), 1);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 1);
	assert_string_equal(last(f->fa, "create")->name,
	    job_name("2024-05-01T10:00:00Z", name, sizeof(name)));
}

/* 3(f)7: successfulJobsHistoryLimit 1 keeps only the newest success. */
static void
test_sj_history_limit(void **state)
{
	struct fixture *f = *state;
	size_t i, deletes = 0;

	add_cj(f->fa, "2024-05-01T10:00:00Z", "\"schedule\":\"@hourly\","
	    "\"successfulJobsHistoryLimit\":1,\"failedJobsHistoryLimit\":1,"
	    "\"suspend\":true", "{}");
	add_job(f->fa, "hello-a", "Complete", "2024-05-01T11:00:00Z");
	add_job(f->fa, "hello-b", "Complete", "2024-05-01T12:00:00Z");
	add_job(f->fa, "hello-c", "Complete", "2024-05-01T13:00:00Z");
	add_job(f->fa, "hello-f", "Failed", "2024-05-01T10:30:00Z");
	now_is("2024-05-01T13:30:00Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	for (i = 0; i < fake_api_nactions(f->fa); i++) {
		const struct fake_action *a = fake_api_action(f->fa, i);

		if (strcmp(a->verb, "delete") != 0)
			continue;
		deletes++;
		assert_true(strcmp(a->name, "hello-a") == 0 ||
		    strcmp(a->name, "hello-b") == 0);
		assert_string_equal(a->policy, "Background");
	}
	assert_int_equal(deletes, 2);
	assert_int_equal(events(f->fa, "SuccessfulDelete"), 2);
	/* v2alpha1 objects without limits keep everything. */
	fake_api_clear(f->fa);
	add_cj(f->fa, "2024-05-01T10:00:00Z", "\"schedule\":\"@hourly\","
	    "\"suspend\":true", "{}");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", NULL), 0);
}

/* 3(f)8: suspended, no jobs; resumed, one for the latest missed tick. */
static void
test_sj_suspend(void **state)
{
	struct fixture *f = *state;
	char name[64];

	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"* * * * *\","
	    "\"suspend\":true", "{}");
	now_is("2024-05-01T10:05:10Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 0);
	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"* * * * *\","
	    "\"suspend\":false", "{}");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 1);
	assert_string_equal(last(f->fa, "create")->name,
	    job_name("2024-05-01T10:05:00Z", name, sizeof(name)));
	/* With a short deadline that tick is dropped instead. */
	fake_api_clear(f->fa);
	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"* * * * *\","
	    "\"startingDeadlineSeconds\":5", "{}");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 0);
	assert_int_equal(events(f->fa, "MissSchedule"), 1);
}

/* AlreadyExists: our job is adopted into active; errors are events. */
static void
test_sj_already_exists(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;
	char name[64];

	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"* * * * *\"",
	    "{}");
	add_job(f->fa, job_name("2024-05-01T10:01:00Z", name, sizeof(name)),
	    "", "2024-05-01T10:01:00Z");
	fake_api_fail(f->fa, "create", "jobs.batch", CK_EEXIST, 1);
	now_is("2024-05-01T10:01:01Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	a = last(f->fa, "update_status");
	assert_string_equal(kobj_get_str(a->obj, "status.active[0].name"),
	    name);
	assert_string_equal(kobj_get_str(a->obj, "status.lastScheduleTime"),
	    "2024-05-01T10:01:00Z");
	/* Another error: FailedCreate, and an error to retry. */
	fake_api_clear(f->fa);
	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"* * * * *\"",
	    "{\"lastScheduleTime\":\"2024-05-01T10:01:00Z\"}");
	fake_api_fail(f->fa, "create", "jobs.batch", CK_EIO, 1);
	now_is("2024-05-01T10:02:01Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), CK_EIO);
	assert_int_equal(events(f->fa, "FailedCreate"), 1);
}

/* A copy older than our last status write waits for the update. */
static void
test_sj_stale_cache(void **state)
{
	struct fixture *f = *state;
	struct kobj *cj, *cp;

	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"* * * * *\"",
	    "{}");
	cj = cache_get(fake_api_cache(f->fa, "cronjobs.batch"), CJ_KEY);
	cp = kobj_copy(cj);
	assert_int_equal(kobj_set_str(cp, "metadata.resourceVersion", "1"), 0);
	fake_api_add(f->fa, "cronjobs.batch", cp);
	now_is("2024-05-01T10:01:01Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 1);
	/* The job's event comes first: the cached CronJob is still rv 1. */
	fake_api_clear(f->fa);
	add_job(f->fa, "hello-28575961", "", "2024-05-01T10:01:01Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(fake_api_nactions(f->fa), 0);
	/* Its update arrives: reconciled as usual. */
	kobj_unref(cp);
	cp = kobj_copy(cj);
	assert_int_equal(kobj_set_str(cp, "metadata.resourceVersion",
	    "999999999"), 0);
	fake_api_add(f->fa, "cronjobs.batch", cp);
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_true(fake_api_nactions(f->fa) > 0);
	kobj_unref(cp);
	kobj_unref(cj);
}

/* An active entry whose job is gone (a direct GET says 404): MissingJob. */
static void
test_sj_missing_job(void **state)
{
	struct fixture *f = *state;

	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"* * * * *\","
	    "\"suspend\":true", "{\"active\":[{\"kind\":\"Job\","
	    "\"name\":\"hello-1\",\"uid\":\"u-hello-1\"}]}");
	now_is("2024-05-01T10:01:30Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(events(f->fa, "MissingJob"), 1);
	assert_null(kobj_get(last(f->fa, "update_status")->obj,
	    "status.active"));
}

/* Unparseable schedule and unknown zone: events, no job. */
static void
test_sj_bad_schedule(void **state)
{
	struct fixture *f = *state;

	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"61 * * * *\"",
	    "{}");
	now_is("2024-05-01T10:05:00Z");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(events(f->fa, "UnparseableSchedule"), 1);
	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"* * * * *\","
	    "\"timeZone\":\"Mars/Olympus\"", "{}");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(events(f->fa, "UnknownTimeZone"), 1);
	add_cj(f->fa, "2024-05-01T10:00:30Z", "\"schedule\":\"0 0 31 2 *\"",
	    "{}");
	assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
	assert_int_equal(events(f->fa, "InvalidSchedule"), 1);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 0);
}

/* A year of hourly ticks in a time zone, Replace: one job per tick. */
static void
test_sj_year_of_ticks(void **state)
{
	struct fixture *f = *state;
	int64_t t = at("2024-01-01T00:00:30-05:00");
	int64_t end = at("2025-01-01T00:00:30-05:00");
	size_t creates = 0;
	int saved = dup(2), null = open("/dev/null", O_WRONLY);

	/* 8784 "created job" lines would drown the report. */
	assert_true(saved >= 0 && null >= 0);
	assert_int_equal(dup2(null, 2), 2);
	fake_api_set_tracking(f->fa, 1);
	add_cj(f->fa, "2023-12-31T23:30:00-05:00", "\"schedule\":\"@hourly\","
	    "\"timeZone\":\"America/New_York\","
	    "\"concurrencyPolicy\":\"Replace\"", "{}");
	for (; t < end; t += 3600) {
		clock_set_fake((uint64_t)t * 1000);
		assert_int_equal(sj_reconcile(f->c, CJ_KEY), 0);
		creates += fake_api_count(f->fa, "create", NULL);
		fake_api_clear(f->fa);
	}
	dup2(saved, 2);
	close(saved);
	close(null);
	/* 8784 h in 2024, minus the hour DST skips, plus the one it repeats. */
	assert_int_equal(creates, 8784);
}

/* The most recent time, exact for irregular schedules. */
static void
test_sj_most_recent(void **state)
{
	struct cron_schedule cs;
	int64_t sched, missed, next;

	(void)state;
	assert_int_equal(cron_parse("0 9 1,2 * *", &cs, NULL, 0), 0);
	assert_int_equal(sj_most_recent(&cs, "Etc/UTC",
	    at("2024-01-01T00:00:00Z"), at("2024-05-20T00:00:00Z"), &sched,
	    &missed, &next), 0);
	assert_int_equal(sched, at("2024-05-02T09:00:00Z"));
	assert_int_equal(next, at("2024-06-01T09:00:00Z"));
	assert_true(missed > 1);
	assert_int_equal(sj_most_recent(&cs, "Etc/UTC",
	    at("2024-05-02T09:00:00Z"), at("2024-05-20T00:00:00Z"), &sched,
	    &missed, &next), 0);
	assert_int_equal(sched, 0);
	assert_int_equal(missed, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sj_first_tick, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_forbid_late_start,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_sj_forbid_deadline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_replace, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_outage_one_job, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_miss_schedule, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_too_many_missed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_history_limit, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_suspend, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_already_exists, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_stale_cache, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_missing_job, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_bad_schedule, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sj_year_of_ticks, setup,
		    teardown),
		cmocka_unit_test(test_sj_most_recent),
	};

	return cmocka_run_group_tests_name("scheduledjob", tests, NULL, NULL);
}
