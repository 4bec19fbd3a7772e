/*
 * Unit tests for common/events.c: aggregation of repeats against a real
 * ckube-apiserver (skipped when it is not built), and the bounded queue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/events.h"
#include "ckube/kobj.h"
#include "ckube/log.h"

#include "testapi.h"

static struct kobj *
subject(void)
{
	struct kobj *o = kobj_new("apps/v1", "ReplicaSet");

	assert_int_equal(kobj_set_str(o, "metadata.name", "web"), 0);
	assert_int_equal(kobj_set_str(o, "metadata.namespace", "default"), 0);
	assert_int_equal(kobj_set_str(o, "metadata.uid", "u-1"), 0);
	kobj_touch(o);
	return kobj_freeze(o);
}

static void
test_events_queue_is_bounded(void **state)
{
	struct events *ev = events_new(NULL, "test", 2);
	struct events_stats s;
	struct kobj *o = subject();
	int i;

	(void)state;
	log_init("test_events", 0);
	for (i = 0; i < 5; i++)
		events_record(ev, o, "Normal", "Tick", "tick %d", i);
	events_record(NULL, o, "Normal", "Tick", "ignored");
	events_get_stats(ev, &s);
	assert_int_equal(s.dropped, 3);
	assert_int_equal(s.created, 0);
	events_free(ev);	/* never started: frees what waits */
	kobj_unref(o);
}

static void
test_events_repeats_are_aggregated(void **state)
{
	struct testapi api;
	struct client *cl;
	struct events *ev;
	struct events_stats s;
	struct client_kobjs list = { 0 };
	struct ck_status st;
	struct kobj *o = subject();
	const struct kobj *agg = NULL, *other = NULL;
	size_t i;

	(void)state;
	if (testapi_start(&api, NULL) < 0) {
		kobj_unref(o);
		skip();
	}
	cl = testapi_client(&api);
	ev = events_new(cl, "test-controller", 0);
	assert_int_equal(events_start(ev), 0);
	for (i = 0; i < 3; i++)
		events_record(ev, o, "Warning", "FailedCreate",
		    "pods \"web-%d\" is forbidden", 1);
	events_record(ev, o, "Normal", "SuccessfulCreate", "Created pod: %s",
	    "web-2");
	assert_int_equal(events_flush(ev, ck_now_ms() + 20000), 0);
	events_get_stats(ev, &s);
	assert_int_equal(s.created, 2);
	assert_int_equal(s.patched, 2);
	assert_int_equal(s.failed, 0);

	assert_int_equal(client_list_all_kobj(cl, &CLIENT_GVR_EVENTS,
	    "default", NULL, 0, &list, &st), 0);
	assert_int_equal(list.n, 2);
	for (i = 0; i < list.n; i++) {
		if (strcmp(kobj_get_str(list.items[i], "reason"),
		    "FailedCreate") == 0)
			agg = list.items[i];
		else
			other = list.items[i];
	}
	assert_non_null(agg);
	assert_non_null(other);
	assert_int_equal(kobj_get_int_or(agg, "count", 0), 3);
	assert_string_equal(kobj_get_str(agg, "type"), "Warning");
	assert_string_equal(kobj_get_str(agg, "message"),
	    "pods \"web-1\" is forbidden");
	assert_string_equal(kobj_get_str(agg, "involvedObject.kind"),
	    "ReplicaSet");
	assert_string_equal(kobj_get_str(agg, "involvedObject.uid"), "u-1");
	assert_string_equal(kobj_get_str(agg, "source.component"),
	    "test-controller");
	assert_non_null(kobj_get_str(agg, "firstTimestamp"));
	assert_non_null(kobj_get_str(agg, "lastTimestamp"));
	assert_int_equal(kobj_get_int_or(other, "count", 0), 1);
	assert_string_equal(kobj_get_str(other, "message"),
	    "Created pod: web-2");
	client_kobjs_fini(&list);
	events_free(ev);
	client_free(cl);
	testapi_stop(&api);
	kobj_unref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_events_queue_is_bounded),
		cmocka_unit_test(test_events_repeats_are_aggregated),
	};
	int rc;

	rc = cmocka_run_group_tests_name("events", tests, NULL, NULL);
	client_global_cleanup();
	return rc;
}
