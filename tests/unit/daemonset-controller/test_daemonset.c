/*
 * test_daemonset.c: the daemonset-controller's placement (nodeSelector,
 * required node affinity incl. matchFields, taints against tolerations and
 * the daemon tolerations), the node pin, the rolling-update step choice
 * (maxUnavailable, maxSurge, percentages), and ds_reconcile() against
 * tests/lib/fake_api: pods on eligible nodes only, pinned and labelled,
 * expectations, pods of tainted or vanished nodes deleted, failed pods
 * replaced, a rolling-update step, the status counts.
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

#include "ckube/cache.h"
#include "ckube/ck.h"
#include "ckube/controller.h"
#include "ckube/kobj.h"
#include "ckube/nametrack.h"
#include "ckube/nodematch.h"
#include "fake_api.h"
#include "ds.h"

#define KEY	"default/agent"

static struct kobj *
parse(const char *json)
{
	struct kobj *o = kobj_parse(json, strlen(json));

	assert_non_null(o);
	return o;
}

/* A node "name" with labels and taints (JSON texts, may be NULL). */
static struct kobj *
make_node(const char *name, const char *labels, const char *taints)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Node\","
	    "\"metadata\":{\"name\":\"%s\",\"labels\":%s},\"spec\":{\"taints\":"
	    "%s}}", name, labels != NULL ? labels : "{}",
	    taints != NULL ? taints : "[]");
	return parse(buf);
}

static void
place(const char *spec_json, const struct kobj *node, bool *run, bool *cont)
{
	cJSON *spec = cJSON_Parse(spec_json);

	assert_non_null(spec);
	ds_add_tolerations(spec);
	ds_node_placement(spec, node, run, cont);
	cJSON_Delete(spec);
}

static void
test_placement_selectors(void **state)
{
	struct kobj *n = make_node("n1", "{\"disk\":\"ssd\",\"cores\":\"8\"}",
	    NULL);
	bool run, cont;

	(void)state;
	place("{}", n, &run, &cont);
	assert_true(run && cont);
	place("{\"nodeSelector\":{\"disk\":\"ssd\"}}", n, &run, &cont);
	assert_true(run && cont);
	place("{\"nodeSelector\":{\"disk\":\"hdd\"}}", n, &run, &cont);
	assert_false(run || cont);
	place("{\"nodeName\":\"n2\"}", n, &run, &cont);
	assert_false(run || cont);
#define REQ(terms) "{\"affinity\":{\"nodeAffinity\":{" \
	"\"requiredDuringSchedulingIgnoredDuringExecution\":" \
	"{\"nodeSelectorTerms\":" terms "}}}}"
	place(REQ("[{\"matchExpressions\":[{\"key\":\"disk\",\"operator\":"
	    "\"In\",\"values\":[\"ssd\",\"nvme\"]}]}]"), n, &run, &cont);
	assert_true(run);
	place(REQ("[{\"matchExpressions\":[{\"key\":\"disk\",\"operator\":"
	    "\"NotIn\",\"values\":[\"ssd\"]}]}]"), n, &run, &cont);
	assert_false(run || cont);
	place(REQ("[{\"matchExpressions\":[{\"key\":\"cores\",\"operator\":"
	    "\"Gt\",\"values\":[\"4\"]}]}]"), n, &run, &cont);
	assert_true(run);
	place(REQ("[{\"matchExpressions\":[{\"key\":\"cores\",\"operator\":"
	    "\"Lt\",\"values\":[\"4\"]}]}]"), n, &run, &cont);
	assert_false(run);
	place(REQ("[{\"matchExpressions\":[{\"key\":\"gpu\",\"operator\":"
	    "\"DoesNotExist\"}]}]"), n, &run, &cont);
	assert_true(run);
	/* Terms are OR'ed; an empty term matches nothing. */
	place(REQ("[{},{\"matchExpressions\":[{\"key\":\"gpu\",\"operator\":"
	    "\"Exists\"}]}]"), n, &run, &cont);
	assert_false(run);
	place(REQ("[{\"matchExpressions\":[{\"key\":\"gpu\",\"operator\":"
	    "\"Exists\"}]},{\"matchFields\":[{\"key\":\"metadata.name\","
	    "\"operator\":\"In\",\"values\":[\"n1\"]}]}]"), n, &run, &cont);
	assert_true(run);
	place(REQ("[{\"matchFields\":[{\"key\":\"metadata.name\","
	    "\"operator\":\"NotIn\",\"values\":[\"n1\"]}]}]"), n, &run, &cont);
	assert_false(run);
	/* Only metadata.name is a field. */
	place(REQ("[{\"matchFields\":[{\"key\":\"metadata.uid\","
	    "\"operator\":\"Exists\"}]}]"), n, &run, &cont);
	assert_false(run);
	kobj_unref(n);
}

static void
test_placement_taints(void **state)
{
	struct kobj *ns = make_node("n1", NULL,
	    "[{\"key\":\"k\",\"value\":\"v\",\"effect\":\"NoSchedule\"}]");
	struct kobj *ne = make_node("n1", NULL,
	    "[{\"key\":\"k\",\"value\":\"v\",\"effect\":\"NoExecute\"}]");
	struct kobj *np = make_node("n1", NULL,
	    "[{\"key\":\"k\",\"effect\":\"PreferNoSchedule\"}]");
	struct kobj *sys = make_node("n1", NULL,
	    "[{\"key\":\"node.kubernetes.io/not-ready\",\"effect\":"
	    "\"NoExecute\"},{\"key\":\"node.kubernetes.io/unreachable\","
	    "\"effect\":\"NoExecute\"},{\"key\":"
	    "\"node.kubernetes.io/unschedulable\",\"effect\":\"NoSchedule\"},"
	    "{\"key\":\"node.kubernetes.io/memory-pressure\",\"effect\":"
	    "\"NoSchedule\"},{\"key\":\"node.kubernetes.io/disk-pressure\","
	    "\"effect\":\"NoSchedule\"},{\"key\":"
	    "\"node.kubernetes.io/pid-pressure\",\"effect\":\"NoSchedule\"}]");
	struct kobj *net = make_node("n1", NULL,
	    "[{\"key\":\"node.kubernetes.io/network-unavailable\",\"effect\":"
	    "\"NoSchedule\"}]");
	bool run, cont;

	(void)state;
	/* NoSchedule: no new pod, a running one stays. */
	place("{}", ns, &run, &cont);
	assert_false(run);
	assert_true(cont);
	/* NoExecute: neither. */
	place("{}", ne, &run, &cont);
	assert_false(run || cont);
	/* PreferNoSchedule never stops a daemon pod. */
	place("{}", np, &run, &cont);
	assert_true(run && cont);
	/* Tolerated by Equal, by Exists, by an empty key with Exists. */
	place("{\"tolerations\":[{\"key\":\"k\",\"operator\":\"Equal\","
	    "\"value\":\"v\",\"effect\":\"NoExecute\"}]}", ne, &run, &cont);
	assert_true(run && cont);
	place("{\"tolerations\":[{\"key\":\"k\",\"operator\":\"Equal\","
	    "\"value\":\"w\"}]}", ne, &run, &cont);
	assert_false(run || cont);
	place("{\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\"}]}",
	    ns, &run, &cont);
	assert_true(run && cont);
	place("{\"tolerations\":[{\"operator\":\"Exists\"}]}", ne, &run,
	    &cont);
	assert_true(run && cont);
	/* A toleration of the other effect does not count. */
	place("{\"tolerations\":[{\"key\":\"k\",\"operator\":\"Exists\","
	    "\"effect\":\"NoSchedule\"}]}", ne, &run, &cont);
	assert_false(run || cont);
	/* The daemon tolerations cover the node lifecycle taints. */
	place("{}", sys, &run, &cont);
	assert_true(run && cont);
	/* network-unavailable only for hostNetwork pods. */
	place("{}", net, &run, &cont);
	assert_false(run);
	place("{\"hostNetwork\":true}", net, &run, &cont);
	assert_true(run && cont);
	kobj_unref(ns);
	kobj_unref(ne);
	kobj_unref(np);
	kobj_unref(sys);
	kobj_unref(net);
}

static void
test_tolerations_added_once(void **state)
{
	cJSON *spec = cJSON_Parse("{\"tolerations\":[{\"key\":"
	    "\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\","
	    "\"effect\":\"NoExecute\",\"tolerationSeconds\":5}]}");
	const cJSON *t, *tols;
	int n = 0, notready = 0;

	(void)state;
	ds_add_tolerations(spec);
	ds_add_tolerations(spec);
	tols = cJSON_GetObjectItemCaseSensitive(spec, "tolerations");
	cJSON_ArrayForEach(t, tols) {
		n++;
		if (strcmp(cJSON_GetObjectItemCaseSensitive(t, "key")->
		    valuestring, "node.kubernetes.io/not-ready") == 0) {
			notready++;
			/* The user's own stays as written. */
			assert_non_null(cJSON_GetObjectItemCaseSensitive(t,
			    "tolerationSeconds"));
		}
	}
	assert_int_equal(n, 6);
	assert_int_equal(notready, 1);
	cJSON_Delete(spec);
}

static void
test_pin(void **state)
{
	cJSON *spec = cJSON_Parse(REQ("[{\"matchExpressions\":[{\"key\":"
	    "\"disk\",\"operator\":\"Exists\"}]}]"));
	struct kobj *pod, *n1 = make_node("n1", NULL, NULL),
	    *n2 = make_node("n2", NULL, NULL);
	char *txt;
	cJSON *root;

	(void)state;
	cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(spec, "affinity"), "nodeAffinity"),
	    "preferredDuringSchedulingIgnoredDuringExecution",
	    cJSON_CreateArray());
	ds_pin_to_node(spec, "n1");
	/* The required terms are replaced, the preferred ones kept. */
	assert_true(nodematch_affinity(spec, n1));
	assert_false(nodematch_affinity(spec, n2));
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "kind", "Pod");
	cJSON_AddItemToObject(root, "spec", spec);
	txt = cJSON_PrintUnformatted(root);
	assert_non_null(strstr(txt, "preferredDuringScheduling"));
	assert_null(strstr(txt, "\"disk\""));
	pod = kobj_new_take(root);
	assert_string_equal(ds_pod_node(pod), "n1");
	assert_int_equal(kobj_set_str(pod, "spec.nodeName", "n9"), 0);
	assert_string_equal(ds_pod_node(pod), "n9");
	cJSON_free(txt);
	kobj_unref(pod);
	kobj_unref(n1);
	kobj_unref(n2);
}

static void
test_int_or_percent(void **state)
{
	cJSON *v;

	(void)state;
	v = cJSON_CreateNumber(2);
	assert_int_equal(ds_int_or_percent(v, 10), 2);
	cJSON_Delete(v);
	v = cJSON_CreateString("25%");
	assert_int_equal(ds_int_or_percent(v, 10), 3);	/* rounded up */
	assert_int_equal(ds_int_or_percent(v, 4), 1);
	assert_int_equal(ds_int_or_percent(v, 0), 0);
	cJSON_Delete(v);
	v = cJSON_CreateString("x%");
	assert_int_equal(ds_int_or_percent(v, 10), 0);
	cJSON_Delete(v);
	assert_int_equal(ds_int_or_percent(NULL, 10), 0);
}

#define OLD_UP		{ .ok = true, .has_old = true, .old_available = true }
#define OLD_DOWN	{ .ok = true, .has_old = true }
#define NEW_UP		{ .ok = true, .has_new = true, .new_available = true }
#define NEW_DOWN	{ .ok = true, .has_new = true }
#define NONE		{ .ok = true }
#define BOTH_NEW_UP	{ .ok = true, .has_old = true, .old_available = true, \
			  .has_new = true, .new_available = true }
#define BOTH_NEW_DOWN	{ .ok = true, .has_old = true, .old_available = true, \
			  .has_new = true }

static void
test_rolling_unavailable(void **state)
{
	struct ds_node_state all_old[] = { OLD_UP, OLD_UP, OLD_UP, OLD_UP };
	struct ds_node_state one_new_down[] = { NEW_DOWN, OLD_UP, OLD_UP };
	struct ds_node_state broken[] = { NEW_UP, OLD_DOWN, OLD_DOWN, OLD_UP };
	struct ds_node_state missing[] = { NONE, OLD_UP, OLD_UP };
	struct ds_node_state done[] = { NEW_UP, NEW_UP };
	enum ds_action a[4];

	(void)state;
	/* maxUnavailable 1: one node at a time. */
	assert_int_equal(ds_rolling_plan(all_old, 4, 1, 0, a), 1);
	assert_int_equal(a[0], DS_DELETE_OLD);
	assert_int_equal(a[1], DS_KEEP);
	/* maxUnavailable 3 of 4. */
	assert_int_equal(ds_rolling_plan(all_old, 4, 3, 0, a), 3);
	assert_int_equal(a[3], DS_KEEP);
	/* A new pod not yet available uses the budget up. */
	assert_int_equal(ds_rolling_plan(one_new_down, 3, 1, 0, a), 0);
	assert_int_equal(ds_rolling_plan(one_new_down, 3, 2, 0, a), 1);
	assert_int_equal(a[1], DS_DELETE_OLD);
	/* Unavailable old pods go at once, beyond the budget. */
	assert_int_equal(ds_rolling_plan(broken, 4, 1, 0, a), 2);
	assert_int_equal(a[0], DS_KEEP);
	assert_int_equal(a[1], DS_DELETE_OLD);
	assert_int_equal(a[2], DS_DELETE_OLD);
	assert_int_equal(a[3], DS_KEEP);
	/* A node without its pod counts as unavailable. */
	assert_int_equal(ds_rolling_plan(missing, 3, 1, 0, a), 0);
	/* Nothing to do once every pod is new. */
	assert_int_equal(ds_rolling_plan(done, 2, 1, 0, a), 0);
	/* 0/0 is read as maxUnavailable 1. */
	assert_int_equal(ds_rolling_plan(all_old, 4, 0, 0, a), 1);
}

static void
test_rolling_surge(void **state)
{
	struct ds_node_state all_old[] = { OLD_UP, OLD_UP, OLD_UP };
	struct ds_node_state surging[] = { BOTH_NEW_DOWN, OLD_UP, OLD_UP };
	struct ds_node_state ready[] = { BOTH_NEW_UP, OLD_UP, OLD_DOWN };
	enum ds_action a[3];

	(void)state;
	/* A new pod beside the old one, maxSurge nodes at a time. */
	assert_int_equal(ds_rolling_plan(all_old, 3, 0, 1, a), 1);
	assert_int_equal(a[0], DS_CREATE_NEW);
	assert_int_equal(a[1], DS_KEEP);
	assert_int_equal(ds_rolling_plan(all_old, 3, 0, 2, a), 2);
	/* Waiting for the surged pod blocks the next node. */
	assert_int_equal(ds_rolling_plan(surging, 3, 0, 1, a), 0);
	/* Once it is available the old one goes; an unavailable old pod
	 * gets its new one at once. */
	assert_int_equal(ds_rolling_plan(ready, 3, 0, 1, a), 3);
	assert_int_equal(a[0], DS_DELETE_OLD);
	assert_int_equal(a[1], DS_CREATE_NEW);
	assert_int_equal(a[2], DS_CREATE_NEW);
}

/* ---- ds_reconcile against the fake API ---- */

static const struct watch_spec watches[] = {
	{ .resource = DS_RES, .role = WATCH_PRIMARY },
	{ .resource = "pods", .role = WATCH_OWNED, .owner_kind = "DaemonSet" },
	{ .resource = DS_REV_RES, .role = WATCH_OWNED,
	  .owner_kind = "DaemonSet" },
	{ .resource = "nodes", .role = WATCH_MAPPED, .map = ds_map_node },
};

static const struct controller_def def = {
	.name = "daemonset-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .init = nametrack_controller_init,
	.fini = nametrack_controller_fini, .reconcile = ds_reconcile,
};

struct fx {
	struct fake_api		*fa;
	struct controller	*c;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->fa = fake_api_new();
	fake_api_set_tracking(f->fa, 1);
	f->c = fake_api_controller(f->fa, &def);
	assert_non_null(f->c);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	controller_free(f->c);
	fake_api_free(f->fa);
	free(f);
	return 0;
}

static void
put_set(struct fx *f, const char *image, const char *strategy)
{
	char buf[2048];
	struct kobj *o;

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"apps/v1\",\"kind\":"
	    "\"DaemonSet\",\"metadata\":{\"name\":\"agent\",\"namespace\":"
	    "\"default\",\"uid\":\"ds-uid\",\"generation\":2},\"spec\":{"
	    "\"selector\":{\"matchLabels\":{\"app\":\"agent\"}},"
	    "\"updateStrategy\":%s,\"template\":{\"metadata\":{\"labels\":"
	    "{\"app\":\"agent\"}},\"spec\":{\"nodeSelector\":{\"role\":"
	    "\"worker\"},\"containers\":[{\"name\":\"a\",\"image\":\"%s\"}]}}}}",
	    strategy, image);
	o = parse(buf);
	fake_api_add(f->fa, DS_RES, o);
	kobj_unref(o);
}

static void
put_node(struct fx *f, const char *name, const char *labels,
    const char *taints)
{
	struct kobj *n = make_node(name, labels, taints);

	fake_api_add(f->fa, "nodes", n);
	kobj_unref(n);
}

#define RU1 "{\"type\":\"RollingUpdate\",\"rollingUpdate\":" \
	"{\"maxUnavailable\":1,\"maxSurge\":0}}"
#define WORKER "{\"role\":\"worker\"}"

/* Mark every pod scheduled to its pinned node, Running and Ready. */
static void
run_all(struct fx *f)
{
	struct cache *pods = fake_api_cache(f->fa, "pods");
	struct kobj **list, *cp;
	size_t i, n;

	list = cache_list(pods, &n);
	for (i = 0; i < n; i++) {
		cp = kobj_copy(list[i]);
		assert_int_equal(kobj_set_str(cp, "spec.nodeName",
		    ds_pod_node(list[i])), 0);
		assert_int_equal(kobj_set_str(cp, "status.phase", "Running"),
		    0);
		assert_int_equal(kobj_set_json(cp, "status.conditions",
		    cJSON_Parse("[{\"type\":\"Ready\",\"status\":\"True\"}]")),
		    0);
		fake_api_add(f->fa, "pods", cp);
		kobj_unref(cp);
	}
	cache_list_free(list, n);
}

static struct kobj *
get_set(struct fx *f)
{
	return cache_get(fake_api_cache(f->fa, DS_RES), KEY);
}

static void
test_reconcile_places(void **state)
{
	struct fx *f = *state;
	const struct fake_action *a;
	struct kobj *ds;
	size_t i, creates = 0;

	put_node(f, "n1", WORKER, NULL);
	put_node(f, "n2", WORKER, "[{\"key\":\"k\",\"effect\":\"NoSchedule\"}]");
	put_node(f, "n3", "{\"role\":\"db\"}", NULL);
	put_node(f, "n4", WORKER, "[{\"key\":\"node.kubernetes.io/not-ready\","
	    "\"effect\":\"NoExecute\"}]");
	put_set(f, "a:1", RU1);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	/* n1 and n4 (not-ready is tolerated); n2 tainted, n3 not a worker. */
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 2);
	assert_int_equal(fake_api_count(f->fa, "create",
	    "controllerrevisions.apps"), 1);
	for (i = 0; i < fake_api_nactions(f->fa); i++) {
		a = fake_api_action(f->fa, i);
		if (strcmp(a->verb, "create") != 0 ||
		    strcmp(a->resource, "pods") != 0)
			continue;
		creates++;
		assert_true(strcmp(ds_pod_node(a->obj), "n1") == 0 ||
		    strcmp(ds_pod_node(a->obj), "n4") == 0);
		assert_non_null(kobj_label(a->obj, DS_LABEL_HASH));
		assert_string_equal(kobj_label(a->obj, DS_LABEL_GENERATION),
		    "2");
		assert_string_equal(kobj_label(a->obj, "app"), "agent");
		assert_string_equal(kobj_get_str(a->obj,
		    "metadata.ownerReferences[0].kind"), "DaemonSet");
	}
	assert_int_equal(creates, 2);
	assert_int_equal(fake_api_count(f->fa, "event", NULL), 2);
	/* The cache has them: nothing more to create. */
	fake_api_clear(f->fa);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 0);
	run_all(f);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	ds = get_set(f);
	assert_int_equal(kobj_get_int_or(ds, "status.desiredNumberScheduled",
	    -1), 2);
	assert_int_equal(kobj_get_int_or(ds, "status.currentNumberScheduled",
	    -1), 2);
	assert_int_equal(kobj_get_int_or(ds, "status.numberReady", -1), 2);
	assert_int_equal(kobj_get_int_or(ds, "status.numberAvailable", -1), 2);
	assert_int_equal(kobj_get_int_or(ds, "status.updatedNumberScheduled",
	    -1), 2);
	assert_int_equal(kobj_get_int_or(ds, "status.numberMisscheduled", -1),
	    0);
	assert_int_equal(kobj_get_int_or(ds, "status.observedGeneration", -1),
	    2);
	kobj_unref(ds);
}

static void
test_reconcile_evicts(void **state)
{
	struct fx *f = *state;
	struct kobj *ds;

	put_node(f, "n1", WORKER, NULL);
	put_node(f, "n2", WORKER, NULL);
	put_node(f, "n3", WORKER, NULL);
	put_set(f, "a:1", RU1);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	run_all(f);
	/* n1: NoSchedule keeps its pod; n2: NoExecute takes it; n3 leaves. */
	put_node(f, "n1", WORKER, "[{\"key\":\"k\",\"effect\":\"NoSchedule\"}]");
	put_node(f, "n2", WORKER, "[{\"key\":\"k\",\"effect\":\"NoExecute\"}]");
	kobj_unref(cache_remove(fake_api_cache(f->fa, "nodes"), "n3"));
	fake_api_clear(f->fa);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", "pods"), 2);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 0);
	fake_api_clear(f->fa);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", "pods"), 0);
	ds = get_set(f);
	/* n1 is not desired (NoSchedule) but keeps its pod: misscheduled. */
	assert_int_equal(kobj_get_int_or(ds, "status.desiredNumberScheduled",
	    -1), 0);
	assert_int_equal(kobj_get_int_or(ds, "status.numberMisscheduled", -1),
	    1);
	kobj_unref(ds);
}

static void
test_reconcile_failed_replaced(void **state)
{
	struct fx *f = *state;
	struct kobj **list, *cp;
	size_t n;

	put_node(f, "n1", WORKER, NULL);
	put_set(f, "a:1", RU1);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	list = cache_list(fake_api_cache(f->fa, "pods"), &n);
	assert_int_equal(n, 1);
	cp = kobj_copy(list[0]);
	cache_list_free(list, n);
	assert_int_equal(kobj_set_str(cp, "status.phase", "Failed"), 0);
	fake_api_add(f->fa, "pods", cp);
	kobj_unref(cp);
	fake_api_clear(f->fa);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", "pods"), 1);
	assert_int_equal(fake_api_count(f->fa, "event", NULL), 2);
	/* Gone: a new one. */
	fake_api_clear(f->fa);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 1);
}

static void
test_reconcile_rolling(void **state)
{
	struct fx *f = *state;
	struct kobj *ds;

	put_node(f, "n1", WORKER, NULL);
	put_node(f, "n2", WORKER, NULL);
	put_node(f, "n3", WORKER, NULL);
	put_set(f, "a:1", RU1);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	run_all(f);
	put_set(f, "a:2", RU1);
	fake_api_clear(f->fa);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	/* A new revision, one old pod deleted (maxUnavailable 1). */
	assert_int_equal(fake_api_count(f->fa, "create",
	    "controllerrevisions.apps"), 1);
	assert_int_equal(fake_api_count(f->fa, "delete", "pods"), 1);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 0);
	fake_api_clear(f->fa);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	/* Its node gets a new pod; no other old pod goes meanwhile. */
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 1);
	assert_int_equal(fake_api_count(f->fa, "delete", "pods"), 0);
	ds = get_set(f);
	assert_int_equal(kobj_get_int_or(ds, "status.updatedNumberScheduled",
	    -1), 0);
	kobj_unref(ds);
	fake_api_clear(f->fa);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", "pods"), 0);
	run_all(f);
	fake_api_clear(f->fa);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", "pods"), 1);
	ds = get_set(f);
	assert_int_equal(kobj_get_int_or(ds, "status.updatedNumberScheduled",
	    -1), 1);
	kobj_unref(ds);
}

static void
test_reconcile_on_delete(void **state)
{
	struct fx *f = *state;

	put_node(f, "n1", WORKER, NULL);
	put_node(f, "n2", WORKER, NULL);
	put_set(f, "a:1", "{\"type\":\"OnDelete\"}");
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	run_all(f);
	put_set(f, "a:2", "{\"type\":\"OnDelete\"}");
	fake_api_clear(f->fa);
	assert_int_equal(ds_reconcile(f->c, KEY), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", "pods"), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "pods"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_placement_selectors),
		cmocka_unit_test(test_placement_taints),
		cmocka_unit_test(test_tolerations_added_once),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_int_or_percent),
		cmocka_unit_test(test_rolling_unavailable),
		cmocka_unit_test(test_rolling_surge),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_reconcile_places),
		T(test_reconcile_evicts),
		T(test_reconcile_failed_replaced),
		T(test_reconcile_rolling),
		T(test_reconcile_on_delete),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
