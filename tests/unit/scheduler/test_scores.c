/*
 * test_scores.c: the scheduler's scores (least-allocated, balanced
 * allocation, owner spread over nodes and zones, PreferNoSchedule taints,
 * preferred node affinity), the adaptive number of nodes to score, the
 * random tie-break filling equal nodes evenly, and the cluster's
 * assume / confirm / expire bookkeeping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/kobj.h"
#include "ckube/strmap.h"
#include "sched_fixture.h"

static struct cluster cl;

static int
setup(void **state)
{
	(void)state;
	cluster_init(&cl, 7);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cluster_fini(&cl);
	return 0;
}

static struct kobj *
cpu_pod(const char *name, const char *cpu, const char *mem, const char *meta)
{
	char c[256], spec[512];

	snprintf(spec, sizeof(spec), "\"containers\":[%s]",
	    fx_container(c, sizeof(c), "c", cpu, mem));
	return fx_pod(name, meta, spec);
}

/* The raw score of fn for pod on node idx. */
static int64_t
raw(int64_t (*fn)(const struct sched_cycle *, const struct sched_node *),
    struct kobj *pod, int idx)
{
	struct sched_pod *p = sched_pod_new(pod);
	struct sched_cycle cy = { .cl = &cl, .pod = p };
	int64_t v = fn(&cy, cl.nodes[idx]);

	sched_pod_free(p);
	kobj_unref(pod);
	return v;
}

/* Scores of one row after normalization over nodes[0..n). */
static void
scored(const struct sched_score *row, struct kobj *pod, const int *idx,
    int64_t *out, size_t n)
{
	struct sched_pod *p = sched_pod_new(pod);
	struct sched_cycle cy = { .cl = &cl, .pod = p };
	struct sched_node *nodes[8];
	size_t i;

	assert_true(n <= 8);
	for (i = 0; i < n; i++)
		nodes[i] = cl.nodes[idx[i]];
	cy.owner = p->owner_uid != NULL ? strmap_get(cl.owners, p->owner_uid) :
	    NULL;
	for (i = 0; i < n; i++)
		out[i] = row->fn(&cy, nodes[i]);
	if (row->normalize != NULL)
		row->normalize(&cy, nodes, out, n);
	sched_pod_free(p);
	kobj_unref(pod);
}

static const struct sched_score *
row(const char *name)
{
	size_t i;

	for (i = 0; i < sched_nscores; i++)
		if (strcmp(sched_scores[i].name, name) == 0)
			return &sched_scores[i];
	fail_msg("no score %s", name);
	return NULL;
}

static void
test_least_allocated(void **state)
{
	int a, b;

	(void)state;
	a = fx_add_node(&cl, fx_node("a", "4", "4Gi", 110, "", "", "True", "",
	    0));
	b = fx_add_node(&cl, fx_node("b", "4", "4Gi", 110, "", "", "True", "",
	    0));
	fx_place(&cl, cpu_pod("x", "2", "2Gi", ""), a);
	/* a: cpu (4-3)/4=25, mem (4-3)/4=25; b: 75, 75. */
	assert_int_equal(raw(score_least_allocated, cpu_pod("p", "1", "1Gi",
	    ""), a), 25);
	assert_int_equal(raw(score_least_allocated, cpu_pod("p", "1", "1Gi",
	    ""), b), 75);
	/* No requests: counted as 100m and 200Mi. */
	assert_int_equal(raw(score_least_allocated, cpu_pod("q", NULL, NULL,
	    ""), b), (3900 * 100 / 4000 + (4096 - 200) * 100 / 4096) / 2);
}

static void
test_balanced(void **state)
{
	int a, b;

	(void)state;
	a = fx_add_node(&cl, fx_node("a", "4", "4Gi", 110, "", "", "True", "",
	    0));
	b = fx_add_node(&cl, fx_node("b", "4", "4Gi", 110, "", "", "True", "",
	    0));
	fx_place(&cl, cpu_pod("x", "2", "100Mi", ""), a);
	/* b: both at 1/4 -> 100; a: cpu 3/4, mem ~1/4 -> lower. */
	assert_int_equal(raw(score_balanced, cpu_pod("p", "1", "1Gi", ""), b),
	    100);
	assert_true(raw(score_balanced, cpu_pod("p", "1", "1Gi", ""), a) < 80);
	/* Full on cpu: 0. */
	assert_int_equal(raw(score_balanced, cpu_pod("p", "2", "1Gi", ""), a),
	    0);
}

#define OWNED(uid) "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\"," \
	"\"kind\":\"ReplicaSet\",\"name\":\"rs\",\"uid\":\"" uid "\"," \
	"\"controller\":true}]"

static void
test_spread_nodes(void **state)
{
	int nodes[3];
	int64_t s[3];

	(void)state;
	nodes[0] = fx_add_node(&cl, fx_simple_node("a", ""));
	nodes[1] = fx_add_node(&cl, fx_simple_node("b", ""));
	nodes[2] = fx_add_node(&cl, fx_simple_node("c", ""));
	fx_place(&cl, cpu_pod("r1", NULL, NULL, OWNED("rs1")), nodes[0]);
	fx_place(&cl, cpu_pod("r2", NULL, NULL, OWNED("rs1")), nodes[0]);
	fx_place(&cl, cpu_pod("r3", NULL, NULL, OWNED("rs1")), nodes[1]);
	fx_place(&cl, cpu_pod("o1", NULL, NULL, OWNED("other")), nodes[2]);
	assert_int_equal(cluster_owner_on_node(&cl, "rs1", nodes[0]), 2);
	scored(row("SelectorSpread"), cpu_pod("new", NULL, NULL, OWNED("rs1")),
	    nodes, s, 3);
	assert_int_equal(s[0], 0);
	assert_int_equal(s[1], 50);
	assert_int_equal(s[2], 100);
	/* No owner: no preference. */
	scored(row("SelectorSpread"), cpu_pod("lone", NULL, NULL, ""), nodes,
	    s, 3);
	assert_int_equal(s[0], 100);
	assert_int_equal(s[2], 100);
	/* Counts follow removals. */
	assert_true(cluster_pod_remove(&cl, "default/r1"));
	assert_int_equal(cluster_owner_on_node(&cl, "rs1", nodes[0]), 1);
}

static void
test_spread_zones(void **state)
{
	int nodes[3];
	int64_t s[3];

	(void)state;
	nodes[0] = fx_add_node(&cl, fx_simple_node("a1",
	    "\"topology.kubernetes.io/zone\":\"a\""));
	nodes[1] = fx_add_node(&cl, fx_simple_node("a2",
	    "\"topology.kubernetes.io/zone\":\"a\""));
	nodes[2] = fx_add_node(&cl, fx_simple_node("b1",
	    "\"topology.kubernetes.io/zone\":\"b\""));
	fx_place(&cl, cpu_pod("r1", NULL, NULL, OWNED("rs1")), nodes[0]);
	scored(row("SelectorSpread"), cpu_pod("new", NULL, NULL, OWNED("rs1")),
	    nodes, s, 3);
	/* a2 is empty but in the busy zone: b1 wins. */
	assert_true(s[2] > s[1]);
	assert_true(s[1] > s[0]);
	assert_int_equal(s[2], 100);
}

static void
test_prefer_no_schedule(void **state)
{
	int nodes[2];
	int64_t s[2];

	(void)state;
	nodes[0] = fx_add_node(&cl, fx_node("t", "4", "8Gi", 110, "",
	    "[{\"key\":\"k\",\"value\":\"v\",\"effect\":\"PreferNoSchedule\"}]",
	    "True", "", 0));
	nodes[1] = fx_add_node(&cl, fx_simple_node("u", ""));
	scored(row("TaintToleration"), cpu_pod("p", NULL, NULL, ""), nodes, s,
	    2);
	assert_int_equal(s[0], 0);
	assert_int_equal(s[1], 100);
	scored(row("TaintToleration"), fx_pod("tol", "",
	    "\"containers\":[{\"name\":\"c\"}],\"tolerations\":[{\"key\":\"k\","
	    "\"operator\":\"Exists\",\"effect\":\"PreferNoSchedule\"}]"),
	    nodes, s, 2);
	assert_int_equal(s[0], 100);
	assert_int_equal(s[1], 100);
}

static void
test_preferred_node_affinity(void **state)
{
	int nodes[3];
	int64_t s[3];

	(void)state;
	nodes[0] = fx_add_node(&cl, fx_simple_node("ssd", "\"disk\":\"ssd\""));
	nodes[1] = fx_add_node(&cl, fx_simple_node("hdd", "\"disk\":\"hdd\""));
	nodes[2] = fx_add_node(&cl, fx_simple_node("none", ""));
	scored(row("NodeAffinity"), fx_pod("p", "",
	    "\"containers\":[{\"name\":\"c\"}],\"affinity\":{\"nodeAffinity\":{"
	    "\"preferredDuringSchedulingIgnoredDuringExecution\":["
	    "{\"weight\":80,\"preference\":{\"matchExpressions\":[{\"key\":"
	    "\"disk\",\"operator\":\"In\",\"values\":[\"ssd\"]}]}},"
	    "{\"weight\":20,\"preference\":{\"matchExpressions\":[{\"key\":"
	    "\"disk\",\"operator\":\"Exists\"}]}}]}}"), nodes, s, 3);
	assert_int_equal(s[0], 100);
	assert_int_equal(s[1], 20);
	assert_int_equal(s[2], 0);
}

static void
test_nodes_to_find(void **state)
{
	(void)state;
	assert_int_equal(sched_nodes_to_find(3, 0), 3);
	assert_int_equal(sched_nodes_to_find(99, 10), 99);
	assert_int_equal(sched_nodes_to_find(150, 0), 100);	/* 49% of 150 */
	assert_int_equal(sched_nodes_to_find(1000, 0), 420);	/* 42 % */
	assert_int_equal(sched_nodes_to_find(5000, 0), 500);	/* 10 % */
	assert_int_equal(sched_nodes_to_find(10000, 0), 500);	/* 5 % floor */
	assert_int_equal(sched_nodes_to_find(5000, 100), 5000);
	assert_int_equal(sched_nodes_to_find(5000, 1), 100);
}

static void
test_even_fill(void **state)
{
	struct sched_result res;
	struct sched_pod *p;
	struct kobj *pod;
	char name[32];
	int i, count[3] = { 0 };

	(void)state;
	fx_add_node(&cl, fx_simple_node("a", ""));
	fx_add_node(&cl, fx_simple_node("b", ""));
	fx_add_node(&cl, fx_simple_node("c", ""));
	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "p%d", i);
		pod = cpu_pod(name, "100m", "100Mi", OWNED("rs"));
		p = sched_pod_new(pod);
		kobj_unref(pod);
		sched_find(&cl, p, 0, &res);
		assert_true(res.node >= 0);
		count[res.node]++;
		cluster_pod_add(&cl, p, res.node, true);
	}
	assert_int_equal(count[0], 10);
	assert_int_equal(count[1], 10);
	assert_int_equal(count[2], 10);
}

static void
test_assume_confirm_expire(void **state)
{
	struct kobj *pod, *bound;
	struct sched_pod *p;
	int a, b;

	(void)state;
	a = fx_add_node(&cl, fx_simple_node("a", ""));
	b = fx_add_node(&cl, fx_simple_node("b", ""));
	pod = cpu_pod("p", "1", NULL, "");
	cluster_pod_add(&cl, sched_pod_new(pod), a, true);
	cluster_pod_expire_at(&cl, cluster_pod_get(&cl, "default/p"), 5000);
	assert_int_equal(cl.nodes[a]->req.cpu, 1000);
	/* The informer still shows it unbound: the assumption stays. */
	assert_false(cluster_pod_sync(&cl, "default/p", pod));
	assert_int_equal(cl.nodes[a]->req.cpu, 1000);
	/* Seen bound to a: confirmed. */
	bound = fx_pod("p", "", "\"nodeName\":\"a\",\"containers\":[{"
	    "\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]");
	cluster_pod_sync(&cl, "default/p", bound);
	p = cluster_pod_get(&cl, "default/p");
	assert_non_null(p);
	assert_false(p->assumed);
	assert_int_equal(cl.nexpiring, 0);
	kobj_unref(bound);
	/* Bound elsewhere (another scheduler won): moved, a freed. */
	bound = fx_pod("p", "", "\"nodeName\":\"b\",\"containers\":[{"
	    "\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]");
	assert_true(cluster_pod_sync(&cl, "default/p", bound));
	assert_int_equal(cl.nodes[a]->req.cpu, 0);
	assert_int_equal(cl.nodes[b]->req.cpu, 1000);
	kobj_unref(bound);
	/* Deleted: forgotten. */
	assert_true(cluster_pod_sync(&cl, "default/p", NULL));
	assert_int_equal(cl.nodes[b]->req.cpu, 0);
	/* An assumed, bound pod never confirmed expires. */
	cluster_pod_add(&cl, sched_pod_new(pod), a, true);
	assert_int_equal(cl.nexpiring, 0);
	cluster_pod_expire_at(&cl, cluster_pod_get(&cl, "default/p"), 1000);
	assert_int_equal(cl.nexpiring, 1);
	assert_int_equal(cluster_expire(&cl, 999), 0);
	assert_int_equal(cluster_expire(&cl, 1000), 1);
	assert_int_equal(cl.nexpiring, 0);
	assert_null(cluster_pod_get(&cl, "default/p"));
	assert_int_equal(cl.nodes[a]->req.pods, 0);
	kobj_unref(pod);
}

static void
test_node_signature(void **state)
{
	struct kobj *n;

	(void)state;
	n = fx_simple_node("a", "");
	assert_true(cluster_node_set(&cl, n));		/* new */
	assert_false(cluster_node_set(&cl, n));		/* a heartbeat */
	kobj_unref(n);
	n = fx_simple_node("a", "\"disk\":\"ssd\"");
	assert_true(cluster_node_set(&cl, n));		/* labels changed */
	kobj_unref(n);
	n = fx_node("a", "4", "8Gi", 110, "\"disk\":\"ssd\"", "", "True", "",
	    1);
	assert_true(cluster_node_set(&cl, n));		/* cordoned */
	kobj_unref(n);
	assert_true(cluster_node_delete(&cl, "a"));
	assert_int_equal(cl.npresent, 0);
	assert_false(cluster_node_delete(&cl, "a"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_least_allocated, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_balanced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spread_nodes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_spread_zones, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_prefer_no_schedule, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_preferred_node_affinity,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes_to_find, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_even_fill, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_assume_confirm_expire,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_node_signature, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
