/*
 * test_nodelife.c: nodelife_reconcile() against tests/lib/fake_api under
 * the fake clock: a silent node goes Unknown, then gets the unreachable
 * taints; a node that posts Ready again loses them; Ready=False gives the
 * not-ready taints; pods on a NoExecute-tainted node go when their
 * tolerations run out (none: --pod-eviction-timeout); lease renewals
 * queue only nodes in doubt.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/ck.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/kobj.h"
#include "ckube/rfc3339.h"
#include "fake_api.h"
#include "nodelife.h"

#define T0_MS	1700000000000ull	/* 2023-11-14T22:13:20Z */

static const struct watch_spec watches[] = {
	{ .resource = "nodes", .role = WATCH_PRIMARY },
	{ .resource = "leases.coordination.k8s.io", .role = WATCH_MAPPED,
	  .map = nodelife_map_lease },
	{ .resource = "pods", .role = WATCH_MAPPED, .map = nodelife_map_pod },
};

static const struct controller_def def = {
	.name = "node-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .init = nodelife_init,
	.reconcile = nodelife_reconcile,
};

struct fx {
	struct fake_api		*fa;
	struct controller	*c;
};

static void
at(uint64_t off_s, char *buf)
{
	assert_int_equal(rfc3339_format_micro((int64_t)(T0_MS + off_s * 1000) *
	    1000, buf, RFC3339_MAX), 0);
}

static void
add(struct fake_api *fa, const char *res, const char *json)
{
	struct kobj *o = kobj_parse(json, strlen(json));

	assert_non_null(o);
	fake_api_add(fa, res, o);
	kobj_unref(o);
}

/* Node name created at T0 whose kubelet last posted Ready=ready at hb_s. */
static void
add_named(struct fx *f, const char *name, const char *ready, uint64_t hb_s,
    const char *taints, const char *mem_pressure)
{
	char hb[RFC3339_MAX], t0[RFC3339_MAX], buf[2048];

	at(0, t0);
	at(hb_s, hb);
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Node\","
	    "\"metadata\":{\"name\":\"%s\",\"uid\":\"u-%s\",\"resourceVersion\":\"5\","
	    "\"creationTimestamp\":\"%s\"},\"spec\":{\"taints\":%s},"
	    "\"status\":{\"conditions\":[{\"type\":\"MemoryPressure\","
	    "\"status\":\"%s\",\"lastHeartbeatTime\":\"%s\"},"
	    "{\"type\":\"Ready\",\"status\":\"%s\",\"lastHeartbeatTime\":\"%s\"}]}}",
	    name, name, t0, taints, mem_pressure, hb, ready, hb);
	add(f->fa, "nodes", buf);
}

static void
add_node_mp(struct fx *f, const char *ready, uint64_t hb_s, const char *taints,
    const char *mem_pressure)
{
	add_named(f, "n1", ready, hb_s, taints, mem_pressure);
}

/* A Ready node beside n1 (never reconciled): its zone is not all down. */
static void
add_ready_peer(struct fx *f, const char *name)
{
	add_named(f, name, "True", 100000, "[]", "False");
}

static void
add_node(struct fx *f, const char *ready, uint64_t hb_s, const char *taints)
{
	add_node_mp(f, ready, hb_s, taints, "False");
}

static void
add_lease(struct fx *f, uint64_t renew_s)
{
	char t[RFC3339_MAX], buf[512];

	at(renew_s, t);
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"coordination.k8s.io/v1\","
	    "\"kind\":\"Lease\",\"metadata\":{\"name\":\"n1\","
	    "\"namespace\":\"kube-node-lease\"},\"spec\":{\"holderIdentity\":"
	    "\"n1\",\"renewTime\":\"%s\"}}", t);
	add(f->fa, "leases.coordination.k8s.io", buf);
}

static void
add_pod(struct fx *f, const char *name, const char *tolerations)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
	    "\"uid\":\"u-%s\"},\"spec\":{\"nodeName\":\"n1\",\"tolerations\":%s,"
	    "\"containers\":[{\"name\":\"c\"}]}}", name, name, tolerations);
	add(f->fa, "pods", buf);
}

static int
setup(void **state)
{
	struct fx *f = test_calloc(1, sizeof(*f));

	nodelife_cfg.grace_ms = 40000;
	nodelife_cfg.monitor_period_ms = 5000;
	nodelife_cfg.eviction_timeout_ms = 300000;
	nodelife_cfg.eviction_rate = 0.1;
	nodelife_cfg.secondary_eviction_rate = 0.01;
	nodelife_cfg.unhealthy_zone_threshold = 0.55;
	nodelife_cfg.large_cluster_size = 50;
	nodelife_zone_reset();
	f->fa = fake_api_new();
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
	clock_use_real();
	test_free(f);
	return 0;
}

static const struct fake_action *
only(struct fx *f, const char *verb)
{
	assert_int_equal(fake_api_nactions(f->fa) -
	    fake_api_count(f->fa, "event", NULL), 1);
	assert_int_equal(fake_api_count(f->fa, verb, NULL), 1);
	for (size_t i = 0; i < fake_api_nactions(f->fa); i++)
		if (strcmp(fake_api_action(f->fa, i)->verb, verb) == 0)
			return fake_api_action(f->fa, i);
	return NULL;
}

static char *
taints_of(const struct fake_action *a)
{
	return cJSON_PrintUnformatted(kobj_get(a->obj, "spec.taints"));
}

static void
test_healthy_node_untouched(void **state)
{
	struct fx *f = *state;

	add_node(f, "True", 0, "[]");
	add_lease(f, 30);
	clock_set_fake(T0_MS + 60000);	/* status 60 s old, lease 30 s */
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	assert_int_equal(fake_api_nactions(f->fa), 0);
}

static void
test_silent_node_goes_unknown(void **state)
{
	struct fx *f = *state;
	const struct fake_action *a;

	add_node(f, "True", 0, "[]");
	add_lease(f, 10);
	clock_set_fake(T0_MS + 51000);	/* 41 s since the lease */
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	a = only(f, "update_status");
	assert_string_equal(kobj_condition_status(a->obj, "Ready"), "Unknown");
	assert_string_equal(kobj_condition_status(a->obj, "MemoryPressure"),
	    "Unknown");
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
	    kobj_condition(a->obj, "Ready"), "reason")), "NodeStatusUnknown");
	assert_int_equal(fake_api_count(f->fa, "event", NULL), 1);
}

static void
test_unknown_node_gets_unreachable_taints(void **state)
{
	struct fx *f = *state;
	char *t;

	add_node(f, "Unknown", 0,
	    "[{\"key\":\"dedicated\",\"value\":\"x\",\"effect\":\"NoSchedule\"}]");
	add_ready_peer(f, "n2");
	clock_set_fake(T0_MS + 100000);
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	t = taints_of(only(f, "update"));
	assert_non_null(strstr(t, "\"key\":\"dedicated\""));
	assert_non_null(strstr(t, "{\"key\":\"node.kubernetes.io/unreachable\","
	    "\"effect\":\"NoSchedule\"}"));
	assert_non_null(strstr(t, "{\"key\":\"node.kubernetes.io/unreachable\","
	    "\"effect\":\"NoExecute\",\"timeAdded\":\"2023-11-14T22:15:00"));
	cJSON_free(t);
}

static void
test_back_to_ready_drops_taints(void **state)
{
	struct fx *f = *state;
	char *t;

	add_node(f, "True", 100, "[{\"key\":\"node.kubernetes.io/unreachable\","
	    "\"effect\":\"NoSchedule\"},{\"key\":\"node.kubernetes.io/unreachable\","
	    "\"effect\":\"NoExecute\",\"timeAdded\":\"2023-11-14T22:14:00Z\"},"
	    "{\"key\":\"keep\",\"effect\":\"NoSchedule\"}]");
	clock_set_fake(T0_MS + 101000);
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	t = taints_of(only(f, "update"));
	assert_string_equal(t, "[{\"key\":\"keep\",\"effect\":\"NoSchedule\"}]");
	cJSON_free(t);
}

static void
test_not_ready_taints(void **state)
{
	struct fx *f = *state;
	char *t;

	add_node(f, "False", 10, "[]");
	add_ready_peer(f, "n2");
	clock_set_fake(T0_MS + 12000);
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	t = taints_of(only(f, "update"));
	assert_non_null(strstr(t, "node.kubernetes.io/not-ready"));
	assert_null(strstr(t, "unreachable"));
	cJSON_free(t);
}

/* TaintNodesByCondition: MemoryPressure=True taints, False untaints. */
static void
test_pressure_taints(void **state)
{
	struct fx *f = *state;
	char *t;

	add_node_mp(f, "True", 10, "[{\"key\":\"keep\",\"effect\":\"NoSchedule\"}]",
	    "True");
	clock_set_fake(T0_MS + 12000);
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	t = taints_of(only(f, "update"));
	assert_string_equal(t, "[{\"key\":\"keep\",\"effect\":\"NoSchedule\"},"
	    "{\"key\":\"node.kubernetes.io/memory-pressure\","
	    "\"effect\":\"NoSchedule\"}]");
	cJSON_free(t);
	/* Already tainted: nothing to write. */
	fake_api_clear(f->fa);
	add_node_mp(f, "True", 10, "[{\"key\":\"node.kubernetes.io/memory-pressure\","
	    "\"effect\":\"NoSchedule\"}]", "True");
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	assert_int_equal(fake_api_count(f->fa, "update", NULL), 0);
	/* The condition is gone: so is the taint. */
	fake_api_clear(f->fa);
	add_node_mp(f, "True", 10, "[{\"key\":\"node.kubernetes.io/memory-pressure\","
	    "\"effect\":\"NoSchedule\"}]", "False");
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	t = taints_of(only(f, "update"));
	assert_string_equal(t, "[]");
	cJSON_free(t);
}

static bool
deleted(struct fx *f, const char *name)
{
	for (size_t i = 0; i < fake_api_nactions(f->fa); i++) {
		const struct fake_action *a = fake_api_action(f->fa, i);

		if (strcmp(a->verb, "delete") == 0 &&
		    strcmp(a->name, name) == 0)
			return true;
	}
	return false;
}

static void
test_eviction_follows_tolerations(void **state)
{
	struct fx *f = *state;

	/* Unknown since T0+40 s, tainted at T0+50 s. */
	add_node(f, "Unknown", 0, "[{\"key\":\"node.kubernetes.io/unreachable\","
	    "\"effect\":\"NoSchedule\"},{\"key\":\"node.kubernetes.io/unreachable\","
	    "\"effect\":\"NoExecute\",\"timeAdded\":\"2023-11-14T22:14:10Z\"}]");
	add_ready_peer(f, "n2");
	add_pod(f, "plain", "[]");
	add_pod(f, "t60", "[{\"key\":\"node.kubernetes.io/unreachable\","
	    "\"operator\":\"Exists\",\"effect\":\"NoExecute\","
	    "\"tolerationSeconds\":60}]");
	add_pod(f, "forever", "[{\"operator\":\"Exists\"}]");
	add_pod(f, "zero", "[{\"key\":\"node.kubernetes.io/unreachable\","
	    "\"tolerationSeconds\":0}]");
	add_pod(f, "other", "[{\"key\":\"node.kubernetes.io/not-ready\","
	    "\"operator\":\"Exists\"}]");

	clock_set_fake(T0_MS + 51000);		/* 1 s after the taint */
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	assert_true(deleted(f, "zero"));
	assert_false(deleted(f, "t60"));
	assert_false(deleted(f, "plain"));

	fake_api_clear(f->fa);
	clock_set_fake(T0_MS + 111000);		/* 61 s */
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	assert_true(deleted(f, "t60"));
	assert_false(deleted(f, "plain"));
	assert_false(deleted(f, "other"));

	fake_api_clear(f->fa);
	clock_set_fake(T0_MS + 351000);		/* 301 s: the eviction timeout */
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	assert_true(deleted(f, "plain"));
	assert_true(deleted(f, "other"));
	assert_false(deleted(f, "forever"));
	assert_int_equal(fake_api_count(f->fa, "event", NULL), 4);
}

#define UNREACH_NS	"{\"key\":\"node.kubernetes.io/unreachable\"," \
			"\"effect\":\"NoSchedule\"}"
#define UNREACH_NE	"{\"key\":\"node.kubernetes.io/unreachable\"," \
			"\"effect\":\"NoExecute\",\"timeAdded\":\"2023-11-14T22:14:10Z\"}"

/*
 * Every node not Ready (here the only one): master disruption. No NoExecute
 * taint, the one there is lifted, and no pod is evicted.
 */
static void
test_master_disruption_lifts_noexecute(void **state)
{
	struct fx *f = *state;
	char *t;

	add_node(f, "Unknown", 0, "[" UNREACH_NS "," UNREACH_NE "]");
	add_pod(f, "plain", "[]");
	clock_set_fake(T0_MS + 400000);	/* past every toleration */
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	t = taints_of(only(f, "update"));
	assert_string_equal(t, "[" UNREACH_NS "]");
	cJSON_free(t);
	assert_false(deleted(f, "plain"));
	/* The same once lifted: nothing more to write, nothing evicted. */
	fake_api_clear(f->fa);
	add_node(f, "Unknown", 0, "[" UNREACH_NS "]");
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	assert_int_equal(fake_api_count(f->fa, "update", NULL), 0);
	assert_false(deleted(f, "plain"));
}

/*
 * The last Ready node goes down within a second of the states' last count:
 * a granted taint counts again first, so it is not tainted on a stale state.
 */
static void
test_last_node_down_recounted(void **state)
{
	struct fx *f = *state;
	char *t;

	nodelife_cfg.eviction_rate = 100;
	add_node(f, "True", 99, "[]");
	add_named(f, "d1", "Unknown", 0, "[]", "False");
	clock_set_fake(T0_MS + 100000);
	assert_int_equal(nodelife_reconcile(f->c, "d1"), 0);	/* n1 Ready */
	t = taints_of(only(f, "update"));
	assert_non_null(strstr(t, "NoExecute"));
	cJSON_free(t);
	fake_api_clear(f->fa);
	add_node(f, "Unknown", 0, "[]");
	clock_set_fake(T0_MS + 100500);
	assert_int_equal(nodelife_reconcile(f->c, "n1"), 0);
	t = taints_of(only(f, "update"));
	assert_string_equal(t, "[" UNREACH_NS "]");
	cJSON_free(t);
}

/* Nodes d1..dn, Unknown since T0. */
static void
add_down(struct fx *f, int n)
{
	char name[16];
	int i;

	for (i = 1; i <= n; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		add_named(f, name, "Unknown", 0, "[]", "False");
	}
}

/*
 * Reconcile node at T0 + at_ms: it gets the unreachable taints (one
 * update); returns whether NoExecute is among them.
 */
static bool
gets_noexec(struct fx *f, const char *node, uint64_t at_ms)
{
	bool noexec;
	char *t;

	fake_api_clear(f->fa);
	clock_set_fake(T0_MS + at_ms);
	assert_int_equal(nodelife_reconcile(f->c, node), 0);
	t = taints_of(only(f, "update"));
	assert_non_null(strstr(t, "unreachable"));
	noexec = strstr(t, "NoExecute") != NULL;
	cJSON_free(t);
	return noexec;
}

/* A healthy zone: NoExecute taints at --node-eviction-rate (0.1 nodes/s). */
static void
test_noexecute_taints_rate_limited(void **state)
{
	struct fx *f = *state;
	char name[16];
	int i;

	add_down(f, 3);
	for (i = 1; i <= 5; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		add_ready_peer(f, name);
	}
	assert_true(gets_noexec(f, "d1", 100000));
	assert_false(gets_noexec(f, "d2", 104000));	/* within 10 s */
	assert_true(gets_noexec(f, "d2", 110000));	/* 10 s after d1's */
}

/*
 * Most of a zone not Ready: partial disruption. A small zone (<= 50 nodes)
 * stops tainting; a large one goes on at the secondary rate (0.01/s).
 */
static void
test_partial_disruption(void **state)
{
	struct fx *f = *state;

	add_down(f, 3);
	add_ready_peer(f, "r1");
	assert_false(gets_noexec(f, "d1", 100000));
	/* Larger than --large-cluster-size-threshold: the secondary rate. */
	nodelife_cfg.large_cluster_size = 3;
	assert_true(gets_noexec(f, "d2", 102000));	/* states recomputed */
	assert_false(gets_noexec(f, "d3", 150000));
	assert_true(gets_noexec(f, "d3", 203000));	/* 100 s after d2's */
}

static void
test_missing_node_is_fine(void **state)
{
	struct fx *f = *state;

	assert_int_equal(nodelife_reconcile(f->c, "nosuch"), 0);
	assert_int_equal(fake_api_nactions(f->fa), 0);
}

static uint64_t
enqueues(struct fx *f)
{
	struct controller_stats s;

	controller_get_stats(f->c, &s);
	return s.enqueues;
}

/* A lease renewal: n1's lease renewed at renew_s, through the map. */
static void
renew(struct fx *f, uint64_t renew_s)
{
	char t[RFC3339_MAX], buf[512];
	struct kobj *o;

	at(renew_s, t);
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"coordination.k8s.io/v1\","
	    "\"kind\":\"Lease\",\"metadata\":{\"name\":\"n1\","
	    "\"namespace\":\"kube-node-lease\"},\"spec\":{\"renewTime\":"
	    "\"%s\"}}", t);
	o = kobj_parse(buf, strlen(buf));
	assert_non_null(o);
	nodelife_map_lease(f->c, o);
	kobj_unref(o);
}

/*
 * Renewals of a Ready, untainted node queue nothing (its periodic pass
 * reads the Lease); of an Unknown, a not-ready, a tainted or an unseen
 * node, they queue it.
 */
static void
test_lease_renewal_queues_only_nodes_in_doubt(void **state)
{
	struct fx *f = *state;
	uint64_t before, got[5];

	/* counted first, asserted once a worker took the keys (or a failed
	 * assertion leaves teardown's drain waiting on the fake clock) */
	clock_set_fake(T0_MS + 10000);
	before = enqueues(f);
	renew(f, 5);		/* no node n1 yet */
	got[0] = enqueues(f) - before;
	add_node(f, "True", 0, "[]");
	before = enqueues(f);
	renew(f, 6);
	got[1] = enqueues(f) - before;
	add_node(f, "Unknown", 0, "[]");
	before = enqueues(f);
	renew(f, 7);
	got[2] = enqueues(f) - before;
	add_node(f, "False", 0, "[]");
	before = enqueues(f);
	renew(f, 8);
	got[3] = enqueues(f) - before;
	add_node(f, "True", 0, "[{\"key\":\"node.kubernetes.io/unreachable\","
	    "\"effect\":\"NoSchedule\"}]");
	before = enqueues(f);
	renew(f, 9);
	got[4] = enqueues(f) - before;
	assert_int_equal(controller_start_workers(f->c, 1), 0);
	assert_int_equal(controller_wait_idle(f->c, ck_now_ms() + 30000), 0);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 0);	/* Ready, untainted: nothing */
	assert_int_equal(got[2], 1);
	assert_int_equal(got[3], 1);
	assert_int_equal(got[4], 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_healthy_node_untouched,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_node_goes_unknown,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_unknown_node_gets_unreachable_taints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_to_ready_drops_taints,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_pressure_taints, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_not_ready_taints, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_eviction_follows_tolerations, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_master_disruption_lifts_noexecute, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_last_node_down_recounted, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_noexecute_taints_rate_limited, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_disruption, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_lease_renewal_queues_only_nodes_in_doubt, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_missing_node_is_fine,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
