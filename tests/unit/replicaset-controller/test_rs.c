/*
 * test_rs.c: rs_reconcile() against tests/lib/fake_api: creating up to
 * spec.replicas, expectations against a stale cache, the delete order,
 * adoption and release, and the status counts with minReadySeconds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/ck.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/nametrack.h"
#include "ckube/kobj.h"
#include "ckube/rfc3339.h"
#include "fake_api.h"
#include "rs.h"

static const struct watch_spec watches[] = {
	{ .resource = "replicasets.apps", .role = WATCH_MAPPED,
	  .map = rs_map_rs },
	{ .resource = "replicationcontrollers", .role = WATCH_MAPPED,
	  .map = rs_map_rc },
	{ .resource = "pods", .role = WATCH_MAPPED, .map = rs_map_pod },
};

static const struct controller_def def = {
	.name = "replicaset-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .init = nametrack_controller_init,
	.fini = nametrack_controller_fini,
	.reconcile = rs_reconcile,
};

static struct kobj *
make_rs(int replicas, int min_ready)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"apps/v1\","
	    "\"kind\":\"ReplicaSet\",\"metadata\":{\"name\":\"web\","
	    "\"namespace\":\"default\",\"uid\":\"rs-uid\",\"generation\":2},"
	    "\"spec\":{\"replicas\":%d,\"minReadySeconds\":%d,"
	    "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
	    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},"
	    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}",
	    replicas, min_ready);
	return kobj_parse(buf, strlen(buf));
}

/* A pod; owned by the RS when owned, ready since ready_ago s (-1: no). */
static struct kobj *
make_pod(const char *name, const char *app, int owned, const char *node,
    const char *phase, int ready_ago, const char *created)
{
	char buf[2048], ltt[RFC3339_MAX], cond[256] = "";

	if (ready_ago >= 0) {
		assert_int_equal(rfc3339_format(time(NULL) - ready_ago, ltt,
		    sizeof(ltt)), 0);
		snprintf(cond, sizeof(cond), ",\"conditions\":[{\"type\":"
		    "\"Ready\",\"status\":\"True\",\"lastTransitionTime\":"
		    "\"%s\"}]", ltt);
	}
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
	    "\"uid\":\"u-%s\",\"creationTimestamp\":\"%s\","
	    "\"labels\":{\"app\":\"%s\"}%s},"
	    "\"spec\":{\"nodeName\":\"%s\"},\"status\":{\"phase\":\"%s\"%s}}",
	    name, name, created, app, owned ? ",\"ownerReferences\":"
	    "[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":"
	    "\"web\",\"uid\":\"rs-uid\",\"controller\":true}]" : "",
	    node, phase, cond);
	return kobj_parse(buf, strlen(buf));
}

static void
add(struct fake_api *fa, const char *res, struct kobj *o)
{
	assert_non_null(o);
	fake_api_add(fa, res, o);
	kobj_unref(o);
}

static void
test_creates_then_waits(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	const struct fake_action *a;

	(void)state;
	add(fa, "replicasets.apps", make_rs(3, 0));
	assert_int_equal(rs_reconcile(c, "rs:default/web"), 0);
	assert_int_equal(fake_api_count(fa, "create", "pods"), 3);
	a = fake_api_action(fa, 0);
	assert_string_equal(a->verb, "create");
	assert_int_equal(strncmp(kobj_name(a->obj), "web-", 4), 0);
	assert_int_equal(strlen(kobj_name(a->obj)), 9);
	assert_string_equal(kobj_get_str(a->obj, "metadata.generateName"),
	    "web-");
	assert_true(kobj_get_bool(a->obj,
	    "metadata.ownerReferences[0].blockOwnerDeletion", false));
	assert_string_equal(kobj_label(a->obj, "app"), "web");
	assert_int_equal(fake_api_count(fa, "event", NULL), 3);
	/* The cache has not caught up: expectations stop duplicates. */
	fake_api_clear(fa);
	assert_int_equal(rs_reconcile(c, "rs:default/web"), 0);
	assert_int_equal(fake_api_count(fa, "create", "pods"), 0);
	controller_free(c);
	fake_api_free(fa);
}

static void
test_tracking_converges(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);

	(void)state;
	fake_api_set_tracking(fa, 1);
	add(fa, "replicasets.apps", make_rs(5, 0));
	assert_int_equal(rs_reconcile(c, "rs:default/web"), 0);
	assert_int_equal(fake_api_count(fa, "create", "pods"), 5);
	fake_api_clear(fa);
	assert_int_equal(rs_reconcile(c, "rs:default/web"), 0);
	assert_int_equal(fake_api_count(fa, "create", "pods"), 0);
	assert_int_equal(fake_api_count(fa, "delete", "pods"), 0);
	controller_free(c);
	fake_api_free(fa);
}

static void
test_failed_create(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	const struct fake_action *a;
	size_t i;
	int warned = 0;

	(void)state;
	add(fa, "replicasets.apps", make_rs(2, 0));
	fake_api_fail(fa, "create", "pods", CK_EPERM, 1);
	assert_true(rs_reconcile(c, "rs:default/web") < 0);
	for (i = 0; i < fake_api_nactions(fa); i++) {
		a = fake_api_action(fa, i);
		if (strcmp(a->verb, "event") == 0 &&
		    strcmp(a->reason, "FailedCreate") == 0)
			warned = 1;
	}
	assert_true(warned);
	/* The failed pod is not expected: the next reconcile creates. */
	fake_api_clear(fa);
	assert_int_equal(rs_reconcile(c, "rs:default/web"), 0);
	assert_int_equal(fake_api_count(fa, "create", "pods"), 2);
	controller_free(c);
	fake_api_free(fa);
}

static void
test_delete_order(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	const char *want[] = { "b", "c", "d", "e" };
	size_t i, k = 0;
	const struct fake_action *a;

	(void)state;
	add(fa, "replicasets.apps", make_rs(1, 0));
	add(fa, "pods", make_pod("a", "web", 1, "n1", "Running", 10,
	    "2020-01-01T00:00:00Z"));
	add(fa, "pods", make_pod("b", "web", 1, "", "Pending", -1,
	    "2020-01-01T00:00:00Z"));
	add(fa, "pods", make_pod("c", "web", 1, "n1", "Pending", -1,
	    "2020-01-01T00:00:00Z"));
	add(fa, "pods", make_pod("d", "web", 1, "n1", "Running", -1,
	    "2020-01-01T00:00:00Z"));
	add(fa, "pods", make_pod("e", "web", 1, "n1", "Running", 10,
	    "2020-01-02T00:00:00Z"));
	add(fa, "pods", make_pod("f", "web", 1, "n1", "Succeeded", -1,
	    "2020-01-03T00:00:00Z"));
	assert_int_equal(rs_reconcile(c, "rs:default/web"), 0);
	assert_int_equal(fake_api_count(fa, "delete", "pods"), 4);
	for (i = 0; i < fake_api_nactions(fa); i++) {
		a = fake_api_action(fa, i);
		if (strcmp(a->verb, "delete") == 0)
			assert_string_equal(a->name, want[k++]);
	}
	/* Deletions not yet seen: no second round. */
	fake_api_clear(fa);
	assert_int_equal(rs_reconcile(c, "rs:default/web"), 0);
	assert_int_equal(fake_api_count(fa, "delete", "pods"), 0);
	controller_free(c);
	fake_api_free(fa);
}

static void
test_adopt_release(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	const struct fake_action *a;
	size_t i;
	int adopted = 0, released = 0;

	(void)state;
	add(fa, "replicasets.apps", make_rs(1, 0));
	add(fa, "pods", make_pod("orphan", "web", 0, "n1", "Running", 5,
	    "2020-01-01T00:00:00Z"));
	add(fa, "pods", make_pod("strayed", "db", 1, "n1", "Running", 5,
	    "2020-01-01T00:00:00Z"));
	add(fa, "pods", make_pod("other", "db", 0, "n1", "Running", 5,
	    "2020-01-01T00:00:00Z"));
	assert_int_equal(rs_reconcile(c, "rs:default/web"), 0);
	for (i = 0; i < fake_api_nactions(fa); i++) {
		a = fake_api_action(fa, i);
		if (strcmp(a->verb, "patch") != 0)
			continue;
		if (strcmp(a->name, "orphan") == 0) {
			assert_true(kobj_get_bool(a->obj, "metadata."
			    "ownerReferences[0].controller", false));
			assert_string_equal(kobj_get_str(a->obj, "metadata."
			    "ownerReferences[0].uid"), "rs-uid");
			adopted = 1;
		} else if (strcmp(a->name, "strayed") == 0) {
			assert_true(cJSON_IsNull(kobj_get(a->obj,
			    "metadata.ownerReferences")));
			released = 1;
		} else
			fail_msg("patched %s", a->name);
	}
	assert_true(adopted && released);
	/* The adopted pod counts: nothing created or deleted. */
	assert_int_equal(fake_api_count(fa, "create", "pods"), 0);
	assert_int_equal(fake_api_count(fa, "delete", "pods"), 0);
	controller_free(c);
	fake_api_free(fa);
}

/*
 * The pods cache keeps what a ReplicaSet or ReplicationController controls
 * and the orphans one of them selects: not a Job's pod, not a bare pod no
 * owner selects, nor one of another namespace.
 */
static void
test_want_pod(void **state)
{
	static const char rc[] = "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"ReplicationController\",\"metadata\":{\"name\":\"old\","
	    "\"namespace\":\"default\",\"uid\":\"rc-uid\"},\"spec\":"
	    "{\"selector\":{\"app\":\"legacy\"}}}";
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	struct kobj *p;
	char buf[512];

	(void)state;
	add(fa, "replicasets.apps", make_rs(1, 0));
	add(fa, "replicationcontrollers", kobj_parse(rc, strlen(rc)));
	p = make_pod("mine", "db", 1, "n1", "Running", -1, "2020-01-01T00:00:00Z");
	assert_true(rs_want_pod(c, p));		/* controlled, whatever labels */
	kobj_unref(p);
	p = make_pod("orphan", "web", 0, "n1", "Running", -1, "2020-01-01T00:00:00Z");
	assert_true(rs_want_pod(c, p));		/* the RS selects it */
	kobj_unref(p);
	p = make_pod("legacy", "legacy", 0, "", "Pending", -1, "2020-01-01T00:00:00Z");
	assert_true(rs_want_pod(c, p));		/* the RC selects it */
	kobj_unref(p);
	p = make_pod("bare", "db", 0, "n1", "Running", -1, "2020-01-01T00:00:00Z");
	assert_false(rs_want_pod(c, p));	/* nobody selects it */
	kobj_unref(p);
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"job-1\",\"namespace\":\"default\","
	    "\"labels\":{\"app\":\"web\"},\"ownerReferences\":[{\"kind\":"
	    "\"Job\",\"name\":\"j\",\"uid\":\"j\",\"controller\":true}]}}");
	p = kobj_parse(buf, strlen(buf));
	assert_false(rs_want_pod(c, p));	/* a Job's, though selected */
	kobj_unref(p);
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"far\",\"namespace\":\"other\","
	    "\"labels\":{\"app\":\"web\"}}}");
	p = kobj_parse(buf, strlen(buf));
	assert_false(rs_want_pod(c, p));	/* another namespace */
	kobj_unref(p);
	controller_free(c);
	fake_api_free(fa);
}

static void
test_status_min_ready(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	const struct fake_action *a = NULL;
	struct kobj *updated;
	size_t i;

	(void)state;
	add(fa, "replicasets.apps", make_rs(3, 100));
	add(fa, "pods", make_pod("a", "web", 1, "n1", "Running", 500,
	    "2020-01-01T00:00:00Z"));
	add(fa, "pods", make_pod("b", "web", 1, "n1", "Running", 1,
	    "2020-01-01T00:00:00Z"));
	add(fa, "pods", make_pod("c", "web", 1, "n1", "Pending", -1,
	    "2020-01-01T00:00:00Z"));
	assert_int_equal(rs_reconcile(c, "rs:default/web"), 0);
	assert_int_equal(fake_api_count(fa, "update_status", NULL), 1);
	for (i = 0; i < fake_api_nactions(fa); i++)
		if (strcmp(fake_api_action(fa, i)->verb, "update_status") == 0)
			a = fake_api_action(fa, i);
	assert_non_null(a);
	assert_int_equal(kobj_get_int_or(a->obj, "status.replicas", -1), 3);
	assert_int_equal(kobj_get_int_or(a->obj,
	    "status.fullyLabeledReplicas", -1), 3);
	assert_int_equal(kobj_get_int_or(a->obj, "status.readyReplicas", -1),
	    2);
	assert_int_equal(kobj_get_int_or(a->obj, "status.availableReplicas",
	    -1), 1);
	assert_int_equal(kobj_get_int_or(a->obj, "status.observedGeneration",
	    -1), 2);
	/* Unchanged status is not written again. */
	updated = kobj_copy(a->obj);
	fake_api_clear(fa);
	add(fa, "replicasets.apps", updated);
	assert_int_equal(rs_reconcile(c, "rs:default/web"), 0);
	assert_int_equal(fake_api_count(fa, "update_status", NULL), 0);
	controller_free(c);
	fake_api_free(fa);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_creates_then_waits),
		cmocka_unit_test(test_tracking_converges),
		cmocka_unit_test(test_failed_create),
		cmocka_unit_test(test_delete_order),
		cmocka_unit_test(test_adopt_release),
		cmocka_unit_test(test_want_pod),
		cmocka_unit_test(test_status_min_ready),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
