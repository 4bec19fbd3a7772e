/*
 * test_job.c: job_reconcile() against tests/lib/fake_api on the fake
 * clock: parallelism and completions, expectations against a stale
 * cache, completion, backoffLimit with the replacement backoff,
 * activeDeadlineSeconds, suspend, the work-queue mode, Indexed pods,
 * ttlSecondsAfterFinished.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/ck.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/nametrack.h"
#include "ckube/rfc3339.h"
#include "fake_api.h"
#include "job.h"

#define KEY	"default/pi"

static const struct watch_spec watches[] = {
	{ .resource = "jobs.batch", .role = WATCH_PRIMARY },
	{ .resource = "pods", .role = WATCH_OWNED, .owner_kind = "Job" },
};

static const struct controller_def def = {
	.name = "job-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .init = nametrack_controller_init,
	.fini = nametrack_controller_fini,
	.reconcile = job_reconcile,
};

struct fixture {
	struct fake_api		*fa;
	struct controller	*c;
};

#define T0	1714557600	/* 2024-05-01T10:00:00Z */

static void
now_at(int64_t s)
{
	clock_set_fake((uint64_t)s * 1000);
}

static void
add_job(struct fake_api *fa, const char *spec, const char *status)
{
	char buf[2048];
	struct kobj *o;

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"batch/v1\","
	    "\"kind\":\"Job\",\"metadata\":{\"name\":\"pi\",\"namespace\":"
	    "\"default\",\"uid\":\"job-uid\",\"resourceVersion\":\"1\"},"
	    "\"spec\":{%s%s\"template\":{\"metadata\":{\"labels\":"
	    "{\"batch.kubernetes.io/controller-uid\":\"job-uid\","
	    "\"job-name\":\"pi\"}},\"spec\":{\"restartPolicy\":\"Never\","
	    "\"containers\":[{\"name\":\"c\",\"image\":\"busybox\"}]}}},"
	    "\"status\":%s}", spec, spec[0] != '\0' ? "," : "", status);
	o = kobj_parse(buf, strlen(buf));
	assert_non_null(o);
	fake_api_add(fa, "jobs.batch", o);
	kobj_unref(o);
}

/* An owned pod in phase, finished at fin (0: not). */
static void
add_pod(struct fake_api *fa, const char *name, const char *phase,
    int64_t fin, const char *extra_meta)
{
	char buf[2048], ts[RFC3339_MAX], cs[256] = "";
	struct kobj *o;

	if (fin > 0) {
		assert_int_equal(rfc3339_format((time_t)fin, ts, sizeof(ts)),
		    0);
		snprintf(cs, sizeof(cs), ",\"containerStatuses\":[{\"name\":"
		    "\"c\",\"state\":{\"terminated\":{\"finishedAt\":\"%s\"}}}]",
		    ts);
	}
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
	    "\"uid\":\"u-%s\",\"creationTimestamp\":\"2024-05-01T10:00:00Z\""
	    "%s,\"ownerReferences\":[{\"apiVersion\":\"batch/v1\",\"kind\":"
	    "\"Job\",\"name\":\"pi\",\"uid\":\"job-uid\",\"controller\":true}]},"
	    "\"spec\":{},\"status\":{\"phase\":\"%s\"%s}}", name, name,
	    extra_meta, phase, cs);
	o = kobj_parse(buf, strlen(buf));
	assert_non_null(o);
	fake_api_add(fa, "pods", o);
	kobj_unref(o);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->fa = fake_api_new();
	fake_api_cache(f->fa, "pods");
	f->c = fake_api_controller(f->fa, &def);
	now_at(T0);
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

static size_t
events(struct fake_api *fa, const char *reason)
{
	size_t i, n = 0;

	for (i = 0; i < fake_api_nactions(fa); i++)
		if (strcmp(fake_api_action(fa, i)->reason, reason) == 0)
			n++;
	return n;
}

/* Two at once out of three; pods carry labels and a controller ref. */
static void
test_job_parallelism(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;

	add_job(f->fa, "\"completions\":3,\"parallelism\":2", "{}");
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 2);
	a = last(f->fa, "create");
	assert_string_equal(kobj_label(a->obj, "job-name"), "pi");
	assert_string_equal(kobj_get_str(a->obj,
	    "metadata.ownerReferences[0].kind"), "Job");
	assert_true(kobj_get_bool(a->obj,
	    "metadata.ownerReferences[0].blockOwnerDeletion", false));
	assert_string_equal(kobj_get_str(a->obj, "metadata.generateName"),
	    "pi-");
	a = last(f->fa, "update_status");
	assert_int_equal(kobj_get_int_or(a->obj, "status.active", 0), 2);
	assert_non_null(kobj_get_str(a->obj, "status.startTime"));
	/* The cache has not seen them: expectations stop a second pair. */
	fake_api_clear(f->fa);
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 0);
}

/* One succeeded, one running: one more, never more than two. */
static void
test_job_completes(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;

	add_job(f->fa, "\"completions\":3,\"parallelism\":2",
	    "{\"startTime\":\"2024-05-01T10:00:00Z\"}");
	add_pod(f->fa, "pi-a", "Succeeded", T0, "");
	add_pod(f->fa, "pi-b", "Running", 0, "");
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 1);
	fake_api_clear(f->fa);
	add_pod(f->fa, "pi-b", "Succeeded", T0, "");
	add_pod(f->fa, "pi-c", "Succeeded", T0, "");
	now_at(T0 + 5);
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 0);
	a = last(f->fa, "update_status");
	assert_string_equal(kobj_condition_status(a->obj, "Complete"), "True");
	assert_int_equal(kobj_get_int_or(a->obj, "status.succeeded", 0), 3);
	assert_string_equal(kobj_get_str(a->obj, "status.completionTime"),
	    "2024-05-01T10:00:05Z");
	assert_int_equal(events(f->fa, "Completed"), 1);
}

/* backoffLimit 1: a failure waits 10 s, the second fails the job. */
static void
test_job_backoff_limit(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;

	add_job(f->fa, "\"backoffLimit\":1,\"completions\":1",
	    "{\"startTime\":\"2024-05-01T10:00:00Z\"}");
	add_pod(f->fa, "pi-a", "Failed", T0 + 2, "");
	now_at(T0 + 5);
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 0);
	now_at(T0 + 12);
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 1);
	fake_api_clear(f->fa);
	add_pod(f->fa, "pi-b", "Failed", T0 + 14, "");
	now_at(T0 + 15);
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	a = last(f->fa, "update_status");
	assert_string_equal(kobj_condition_status(a->obj, "Failed"), "True");
	assert_string_equal(kobj_get_str(a->obj, "status.conditions[0].reason"),
	    "BackoffLimitExceeded");
	assert_int_equal(kobj_get_int_or(a->obj, "status.failed", 0), 2);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 0);
	/* Terminal: nothing more happens. */
	fake_api_clear(f->fa);
	add_job(f->fa, "\"backoffLimit\":1", "{\"conditions\":"
	    "[{\"type\":\"Failed\",\"status\":\"True\"}]}");
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_nactions(f->fa), 0);
}

static void
test_job_backoff_delays(void **state)
{
	(void)state;
	assert_int_equal(job_backoff_ms(0, 10000, 360000), 0);
	assert_int_equal(job_backoff_ms(1, 10000, 360000), 10000);
	assert_int_equal(job_backoff_ms(2, 10000, 360000), 20000);
	assert_int_equal(job_backoff_ms(4, 10000, 360000), 80000);
	assert_int_equal(job_backoff_ms(6, 10000, 360000), 320000);
	assert_int_equal(job_backoff_ms(7, 10000, 360000), 360000);
	assert_int_equal(job_backoff_ms(60, 10000, 360000), 360000);
}

/* activeDeadlineSeconds: running pods deleted, DeadlineExceeded. */
static void
test_job_deadline(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;

	add_job(f->fa, "\"activeDeadlineSeconds\":30",
	    "{\"startTime\":\"2024-05-01T10:00:00Z\"}");
	add_pod(f->fa, "pi-a", "Running", 0, "");
	now_at(T0 + 29);
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", "pods"), 0);
	now_at(T0 + 30);
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", "pods"), 1);
	a = last(f->fa, "update_status");
	assert_string_equal(kobj_get_str(a->obj, "status.conditions[0].reason"),
	    "DeadlineExceeded");
	assert_string_equal(kobj_get_str(a->obj,
	    "status.conditions[0].message"),
	    "Job was active longer than specified deadline");
}

/* suspend deletes the running pods; resuming starts them again. */
static void
test_job_suspend(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;

	add_job(f->fa, "\"suspend\":true,\"parallelism\":2",
	    "{\"startTime\":\"2024-05-01T10:00:00Z\"}");
	add_pod(f->fa, "pi-a", "Running", 0, "");
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", "pods"), 1);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 0);
	a = last(f->fa, "update_status");
	assert_string_equal(kobj_condition_status(a->obj, "Suspended"),
	    "True");
	assert_null(kobj_get(a->obj, "status.startTime"));
	/* A new controller: the deletion above is no longer expected. */
	fake_api_clear(f->fa);
	controller_free(f->c);
	f->c = fake_api_controller(f->fa, &def);
	add_job(f->fa, "\"suspend\":false,\"parallelism\":2,\"completions\":4",
	    "{\"conditions\":[{\"type\":\"Suspended\",\"status\":\"True\"}]}");
	add_pod(f->fa, "pi-a", "Failed", T0 - 100, "");
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 2);
	a = last(f->fa, "update_status");
	assert_string_equal(kobj_condition_status(a->obj, "Suspended"),
	    "False");
	assert_int_equal(events(f->fa, "Resumed"), 1);
}

/* Work queue (completions unset): done when one succeeded and none run. */
static void
test_job_work_queue(void **state)
{
	struct fixture *f = *state;

	add_job(f->fa, "\"parallelism\":3",
	    "{\"startTime\":\"2024-05-01T10:00:00Z\"}");
	add_pod(f->fa, "pi-a", "Succeeded", T0, "");
	add_pod(f->fa, "pi-b", "Running", 0, "");
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 0);
	assert_null(kobj_condition(last(f->fa, "update_status")->obj,
	    "Complete"));
	fake_api_clear(f->fa);
	add_pod(f->fa, "pi-b", "Succeeded", T0, "");
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_string_equal(kobj_condition_status(last(f->fa,
	    "update_status")->obj, "Complete"), "True");
}

/* Indexed: each pod gets a free index, in the annotation and env. */
static void
test_job_indexed(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;
	size_t i;
	int seen = 0;

	add_job(f->fa, "\"completions\":3,\"parallelism\":3,"
	    "\"completionMode\":\"Indexed\"",
	    "{\"startTime\":\"2024-05-01T10:00:00Z\"}");
	add_pod(f->fa, "pi-0-a", "Succeeded", T0, ",\"annotations\":"
	    "{\"batch.kubernetes.io/job-completion-index\":\"0\"}");
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 2);
	for (i = 0; i < fake_api_nactions(f->fa); i++) {
		a = fake_api_action(f->fa, i);
		if (strcmp(a->verb, "create") != 0)
			continue;
		seen |= 1 << (int)strtol(kobj_annotation(a->obj,
		    "batch.kubernetes.io/job-completion-index"), NULL, 10);
		assert_string_equal(kobj_get_str(a->obj,
		    "spec.containers[0].env[0].name"), "JOB_COMPLETION_INDEX");
	}
	assert_int_equal(seen, 6);	/* indexes 1 and 2 */
}

/* An orphan pod matching the selector is adopted and counted. */
static void
test_job_adopts_orphans(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;
	const char *orphan = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"stray\",\"namespace\":\"default\","
	    "\"uid\":\"u-stray\",\"labels\":{\"app\":\"x\"}},"
	    "\"spec\":{},\"status\":{\"phase\":\"Running\"}}";
	struct kobj *o = kobj_parse(orphan, strlen(orphan));

	assert_non_null(o);
	fake_api_add(f->fa, "pods", o);
	kobj_unref(o);
	add_job(f->fa, "\"completions\":2,\"parallelism\":2,"
	    "\"manualSelector\":true,"
	    "\"selector\":{\"matchLabels\":{\"app\":\"x\"}}",
	    "{\"startTime\":\"2024-05-01T10:00:00Z\"}");
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	a = last(f->fa, "patch");
	assert_string_equal(a->name, "stray");
	assert_string_equal(kobj_get_str(a->obj,
	    "metadata.ownerReferences[0].uid"), "job-uid");
	assert_string_equal(kobj_get_str(a->obj, "metadata.uid"), "u-stray");
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 1);
}

/* ttlSecondsAfterFinished: requeued until due, then deleted. */
static void
test_job_ttl(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;

	add_job(f->fa, "\"ttlSecondsAfterFinished\":60",
	    "{\"completionTime\":\"2024-05-01T10:00:00Z\",\"conditions\":"
	    "[{\"type\":\"Complete\",\"status\":\"True\"}]}");
	now_at(T0 + 59);
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", NULL), 0);
	now_at(T0 + 60);
	assert_int_equal(job_reconcile(f->c, KEY), 0);
	a = last(f->fa, "delete");
	assert_string_equal(a->resource, "jobs.batch");
	assert_string_equal(a->policy, "Background");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_job_parallelism, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_job_completes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_job_backoff_limit, setup,
		    teardown),
		cmocka_unit_test(test_job_backoff_delays),
		cmocka_unit_test_setup_teardown(test_job_deadline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_job_suspend, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_job_work_queue, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_job_indexed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_job_adopts_orphans, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_job_ttl, setup, teardown),
	};

	return cmocka_run_group_tests_name("job", tests, NULL, NULL);
}
