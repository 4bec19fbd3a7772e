/*
 * test_disruption.c: disruption_reconcile() against tests/lib/fake_api:
 * controller scales (a Deployment through two ReplicaSets counted once, a
 * StatefulSet, a ReplicationController), unmanaged pods (event, nothing
 * expected), the fail safe when a controller is missing, disruptedPods
 * keeping a pod out of currentHealthy, no write when nothing changed, and
 * the MultiplePodDisruptionBudgets event.
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

#include "ckube/cache.h"
#include "ckube/ck.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/rfc3339.h"
#include "disruption.h"
#include "fake_api.h"

#define PDB_RES	"poddisruptionbudgets.policy"

static const struct watch_spec watches[] = {
	{ .resource = PDB_RES, .role = WATCH_MAPPED, .map = disruption_map_pdb },
	{ .resource = "pods", .role = WATCH_MAPPED, .map = disruption_map_pod },
	{ .resource = "replicasets.apps", .role = WATCH_MAPPED,
	  .map = disruption_map_owner },
	{ .resource = "deployments.apps", .role = WATCH_MAPPED,
	  .map = disruption_map_owner },
	{ .resource = "replicationcontrollers", .role = WATCH_MAPPED,
	  .map = disruption_map_owner },
	{ .resource = "statefulsets.apps", .role = WATCH_MAPPED,
	  .map = disruption_map_owner },
};

static const struct controller_def def = {
	.name = "disruption-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .reconcile = disruption_reconcile,
};

static void
add_json(struct fake_api *fa, const char *res, const char *json)
{
	struct kobj *o = kobj_parse(json, strlen(json));

	assert_non_null(o);
	fake_api_add(fa, res, o);
	kobj_unref(o);
}

/* A budget over app=APP with spec SPEC (JSON members) and status STATUS. */
static void
add_pdb(struct fake_api *fa, const char *name, const char *app,
    const char *spec, const char *status)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"policy/v1\",\"kind\":"
	    "\"PodDisruptionBudget\",\"metadata\":{\"name\":\"%s\","
	    "\"namespace\":\"default\",\"uid\":\"pdb-%s\",\"generation\":1,"
	    "\"resourceVersion\":\"5\"},\"spec\":{%s,\"selector\":"
	    "{\"matchLabels\":{\"app\":\"%s\"}}},\"status\":{%s}}", name, name,
	    spec, app, status);
	add_json(fa, PDB_RES, buf);
}

/* A ready pod of app, controlled by kind/owner (NULL: none). */
static void
add_pod(struct fake_api *fa, const char *name, const char *app,
    const char *kind, const char *owner, int ready)
{
	char buf[1024], ref[256] = "";

	if (kind != NULL)
		snprintf(ref, sizeof(ref), ",\"ownerReferences\":[{\"apiVersion"
		    "\":\"apps/v1\",\"kind\":\"%s\",\"name\":\"%s\",\"uid\":"
		    "\"%s-uid\",\"controller\":true}]", kind, owner, owner);
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\",\"uid\":"
	    "\"u-%s\",\"labels\":{\"app\":\"%s\"}%s},\"status\":{\"phase\":"
	    "\"Running\",\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\""
	    "}]}}", name, name, app, ref, ready ? "True" : "False");
	add_json(fa, "pods", buf);
}

/* An owner of kind in res with replicas, itself controlled by ctl (or not). */
static void
add_owner(struct fake_api *fa, const char *res, const char *kind,
    const char *name, int replicas, const char *ctl)
{
	char buf[1024], ref[256] = "";

	if (ctl != NULL)
		snprintf(ref, sizeof(ref), ",\"ownerReferences\":[{\"apiVersion"
		    "\":\"apps/v1\",\"kind\":\"Deployment\",\"name\":\"%s\","
		    "\"uid\":\"%s-uid\",\"controller\":true}]", ctl, ctl);
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"apps/v1\",\"kind\":\"%s\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\",\"uid\":"
	    "\"%s-uid\"%s},\"spec\":{\"replicas\":%d}}", kind, name, name, ref,
	    replicas);
	add_json(fa, res, buf);
}

/* "current/desired/expected/allowed reason" of the last status written. */
static void
last_status(struct fake_api *fa, char *buf, size_t size)
{
	const struct fake_action *a = NULL;
	size_t i;

	for (i = 0; i < fake_api_nactions(fa); i++)
		if (strcmp(fake_api_action(fa, i)->verb, "update_status") == 0)
			a = fake_api_action(fa, i);
	assert_non_null(a);
	snprintf(buf, size, "%lld/%lld/%lld/%lld %s",
	    (long long)kobj_get_int_or(a->obj, "status.currentHealthy", -1),
	    (long long)kobj_get_int_or(a->obj, "status.desiredHealthy", -1),
	    (long long)kobj_get_int_or(a->obj, "status.expectedPods", -1),
	    (long long)kobj_get_int_or(a->obj, "status.disruptionsAllowed", -1),
	    kobj_get_str(a->obj, "status.conditions[0].reason"));
}

static void
test_deployment_counted_once(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	char st[128];

	(void)state;
	add_owner(fa, "deployments.apps", "Deployment", "web", 4, NULL);
	add_owner(fa, "replicasets.apps", "ReplicaSet", "web-1", 1, "web");
	add_owner(fa, "replicasets.apps", "ReplicaSet", "web-2", 3, "web");
	add_pod(fa, "a", "web", "ReplicaSet", "web-1", 1);
	add_pod(fa, "b", "web", "ReplicaSet", "web-2", 1);
	add_pod(fa, "c", "web", "ReplicaSet", "web-2", 1);
	add_pod(fa, "d", "web", "ReplicaSet", "web-2", 0);
	add_pdb(fa, "web", "web", "\"maxUnavailable\":1", "");
	assert_int_equal(def.reconcile(c, "default/web"), 0);
	last_status(fa, st, sizeof(st));
	/* expected = the Deployment's 4 (not 1 + 3 + 4), desired 3, 3 ready. */
	assert_string_equal(st, "3/3/4/0 InsufficientPods");
	controller_free(c);
	fake_api_free(fa);
}

static void
test_statefulset_rc_unmanaged(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	char st[128];

	(void)state;
	add_owner(fa, "statefulsets.apps", "StatefulSet", "db", 3, NULL);
	add_owner(fa, "replicationcontrollers", "ReplicationController", "rc",
	    2, NULL);
	add_pod(fa, "db-0", "x", "StatefulSet", "db", 1);
	add_pod(fa, "db-1", "x", "StatefulSet", "db", 1);
	add_pod(fa, "r", "x", "ReplicationController", "rc", 1);
	add_pod(fa, "bare", "x", NULL, NULL, 1);
	add_pdb(fa, "x", "x", "\"minAvailable\":\"50%\"", "");
	assert_int_equal(def.reconcile(c, "default/x"), 0);
	last_status(fa, st, sizeof(st));
	/* expected 3 + 2 (the bare pod adds nothing), desired ceil(2.5) = 3. */
	assert_string_equal(st, "4/3/5/1 SufficientPods");
	assert_int_equal(fake_api_count(fa, "event", NULL), 1);
	assert_string_equal(fake_api_action(fa, 0)->reason, "UnmanagedPods");
	controller_free(c);
	fake_api_free(fa);
}

static void
test_missing_controller_fails_safe(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	const struct fake_action *a;

	(void)state;
	add_pod(fa, "p", "g", "ReplicaSet", "ghost", 1);
	add_pdb(fa, "g", "g", "\"maxUnavailable\":1",
	    "\"disruptionsAllowed\":3,\"observedGeneration\":1");
	assert_true(def.reconcile(c, "default/g") < 0);
	assert_int_equal(fake_api_count(fa, "update_status", PDB_RES), 1);
	a = fake_api_action(fa, fake_api_nactions(fa) - 1);
	assert_string_equal(a->verb, "update_status");
	assert_int_equal(kobj_get_int_or(a->obj, "status.disruptionsAllowed",
	    -1), 0);
	assert_string_equal(kobj_get_str(a->obj,
	    "status.conditions[0].reason"), "SyncFailed");
	assert_string_equal(kobj_get_str(a->obj,
	    "status.conditions[0].message"),
	    "found no controllers for pod \"p\"");
	assert_int_equal(fake_api_count(fa, "event", NULL), 1);
	controller_free(c);
	fake_api_free(fa);
}

static void
test_disrupted_and_unchanged(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	char st[128], ts[RFC3339_MAX], status[256];

	(void)state;
	assert_int_equal(rfc3339_format(time(NULL) - 10, ts, sizeof(ts)), 0);
	snprintf(status, sizeof(status), "\"disruptedPods\":{\"a\":\"%s\"}",
	    ts);
	add_pod(fa, "a", "m", NULL, NULL, 1);
	add_pod(fa, "b", "m", NULL, NULL, 1);
	add_pod(fa, "c", "m", NULL, NULL, 1);
	add_pdb(fa, "m", "m", "\"minAvailable\":1", status);
	fake_api_set_tracking(fa, 1);
	assert_int_equal(def.reconcile(c, "default/m"), 0);
	last_status(fa, st, sizeof(st));
	/* "a" is being evicted: 2 healthy of 3, desired 1. */
	assert_string_equal(st, "2/1/3/1 SufficientPods");
	fake_api_clear(fa);
	/* Nothing changed since: no write. */
	assert_int_equal(def.reconcile(c, "default/m"), 0);
	assert_int_equal(fake_api_count(fa, "update_status", NULL), 0);
	controller_free(c);
	fake_api_free(fa);
}

static void
test_multiple_budgets_event(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	struct kobj *pod;

	(void)state;
	add_pdb(fa, "one", "w", "\"minAvailable\":1", "");
	add_pdb(fa, "two", "w", "\"minAvailable\":1", "");
	add_pod(fa, "p", "w", NULL, NULL, 1);
	pod = cache_get(fake_api_cache(fa, "pods"), "default/p");
	controller_notify(c, "pods", NULL, pod);
	kobj_unref(pod);
	/* Both budgets were queued: let a worker sync them. */
	assert_int_equal(controller_start_workers(c, 1), 0);
	assert_int_equal(controller_wait_idle(c, CLOCK_NEVER), 0);
	assert_int_equal(fake_api_count(fa, "update_status", PDB_RES), 2);
	assert_int_equal(fake_api_count(fa, "event", NULL), 1);
	assert_string_equal(fake_api_action(fa, 0)->reason,
	    "MultiplePodDisruptionBudgets");
	assert_string_equal(fake_api_action(fa, 0)->message, "Pod \"default\""
	    "/\"p\" matches multiple PodDisruptionBudgets.  Chose \"one\" "
	    "arbitrarily.");
	controller_free(c);
	fake_api_free(fa);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deployment_counted_once),
		cmocka_unit_test(test_statefulset_rc_unmanaged),
		cmocka_unit_test(test_missing_controller_fails_safe),
		cmocka_unit_test(test_disrupted_and_unchanged),
		cmocka_unit_test(test_multiple_budgets_event),
	};

	return cmocka_run_group_tests_name("disruption", tests, NULL, NULL);
}
