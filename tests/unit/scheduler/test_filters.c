/*
 * test_filters.c: every filter of the scheduler against hand-built nodes
 * and pods: resources with the init-container rule, readiness, cordon,
 * nodeSelector and node affinity operators, taints and tolerations, host
 * ports, node pressure, pod (anti-)affinity on hostname and zone, and the
 * failure message Kubernetes prints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/kobj.h"
#include "sched_fixture.h"

typedef int (*filter_fn)(const struct sched_cycle *, const struct sched_node *,
    struct sched_reasons *);

static struct cluster cl;

static int
setup(void **state)
{
	(void)state;
	cluster_init(&cl, 42);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cluster_fini(&cl);
	return 0;
}

/* Run fn for pod on node idx; reason (if not NULL) gets the first reason. */
static int
run(filter_fn fn, struct kobj *pod, int idx, char *reason, size_t len)
{
	struct sched_pod *p = sched_pod_new(pod);
	struct sched_cycle cy = { .cl = &cl, .pod = p };
	struct sched_reasons rs = { .n = 0 };
	int rc, fast;

	pod_affinity_prepare(&cy);
	fast = fn(&cy, cl.nodes[idx], NULL);
	rc = fn(&cy, cl.nodes[idx], &rs);
	assert_int_equal(fast != 0, rc != 0);	/* both paths agree */
	if (reason != NULL)
		snprintf(reason, len, "%s", rs.n > 0 ? rs.r[0].text : "");
	pod_affinity_release(&cy);
	sched_pod_free(p);
	kobj_unref(pod);
	return rc;
}

static struct kobj *
cpu_pod(const char *name, const char *cpu)
{
	char c[256], spec[512];

	snprintf(spec, sizeof(spec), "\"containers\":[%s]",
	    fx_container(c, sizeof(c), "c", cpu, NULL));
	return fx_pod(name, "", spec);
}

static void
test_init_container_rule(void **state)
{
	char a[256], b[256], i[256], spec[1024], why[160];
	struct kobj *pod;
	struct sched_pod *p;
	int two, three;

	(void)state;
	snprintf(spec, sizeof(spec), "\"initContainers\":[%s],"
	    "\"containers\":[%s,%s]",
	    fx_container(i, sizeof(i), "init", "3", NULL),
	    fx_container(a, sizeof(a), "a", "1", "1Gi"),
	    fx_container(b, sizeof(b), "b", "1", "1Gi"));
	pod = fx_pod("p", "", spec);
	p = sched_pod_new(pod);
	assert_int_equal(p->req.cpu, 3000);	/* max(3, 1+1) */
	assert_int_equal(p->req.mem, 2ll << 30);	/* max(0, 1Gi+1Gi) */
	assert_int_equal(p->req.pods, 1);
	assert_false(p->best_effort);
	sched_pod_free(p);
	two = fx_add_node(&cl, fx_node("two", "2", "8Gi", 110, "", "", "True",
	    "", 0));
	three = fx_add_node(&cl, fx_node("three", "3", "8Gi", 110, "", "",
	    "True", "", 0));
	assert_int_not_equal(run(filter_resources, kobj_ref(pod), two, why,
	    sizeof(why)), 0);
	assert_string_equal(why, "Insufficient cpu");
	assert_int_equal(run(filter_resources, pod, three, NULL, 0), 0);
}

static void
test_init_annotation(void **state)
{
	struct kobj *pod;
	struct sched_pod *p;

	(void)state;
	pod = fx_pod("p", "\"annotations\":{\"pod.alpha.kubernetes.io/"
	    "init-containers\":\"[{\\\"name\\\":\\\"i\\\",\\\"resources\\\":"
	    "{\\\"requests\\\":{\\\"cpu\\\":\\\"2\\\"}}}]\"}",
	    "\"containers\":[{\"name\":\"c\",\"resources\":{\"requests\":"
	    "{\"cpu\":\"500m\"}}}]");
	p = sched_pod_new(pod);
	assert_int_equal(p->req.cpu, 2000);
	sched_pod_free(p);
	kobj_unref(pod);
}

static void
test_resources(void **state)
{
	char why[160];
	int n;

	(void)state;
	n = fx_add_node(&cl, fx_node("n", "2", "1Gi", 2, "", "", "True", "",
	    0));
	fx_place(&cl, cpu_pod("a", "1500m"), n);
	assert_int_not_equal(run(filter_resources, cpu_pod("b", "600m"), n,
	    why, sizeof(why)), 0);
	assert_string_equal(why, "Insufficient cpu");
	assert_int_equal(run(filter_resources, cpu_pod("c", "500m"), n, NULL,
	    0), 0);
	fx_place(&cl, cpu_pod("d", NULL), n);
	/* 2 pods of 2 allocatable: no room, whatever the request. */
	assert_int_not_equal(run(filter_resources, cpu_pod("e", NULL), n, why,
	    sizeof(why)), 0);
	assert_string_equal(why, "Too many pods");
	/* Removing a pod frees its share. */
	assert_true(cluster_pod_remove(&cl, "default/a"));
	assert_int_equal(cl.nodes[n]->req.cpu, 0);
	assert_int_equal(run(filter_resources, cpu_pod("f", "2"), n, NULL, 0),
	    0);
}

static void
test_memory(void **state)
{
	char c[256], spec[512], why[160];
	int n;

	(void)state;
	n = fx_add_node(&cl, fx_node("n", "2", "1Gi", 10, "", "", "True", "",
	    0));
	snprintf(spec, sizeof(spec), "\"containers\":[%s]",
	    fx_container(c, sizeof(c), "c", NULL, "2Gi"));
	assert_int_not_equal(run(filter_resources, fx_pod("m", "", spec), n,
	    why, sizeof(why)), 0);
	assert_string_equal(why, "Insufficient memory");
}

static void
test_ready(void **state)
{
	char why[160];
	int n;

	(void)state;
	n = fx_add_node(&cl, fx_node("n", "2", "1Gi", 10, "", "", "False", "",
	    0));
	assert_int_not_equal(run(filter_node_ready, cpu_pod("a", NULL), n, why,
	    sizeof(why)), 0);
	assert_string_equal(why,
	    "node(s) had untolerated taint {node.kubernetes.io/not-ready: }");
	assert_int_equal(run(filter_node_ready, fx_pod("t", "",
	    "\"containers\":[{\"name\":\"c\"}],\"tolerations\":[{\"key\":"
	    "\"node.kubernetes.io/not-ready\",\"operator\":\"Exists\"}]"), n,
	    NULL, 0), 0);
	n = fx_add_node(&cl, fx_simple_node("ok", ""));
	assert_int_equal(run(filter_node_ready, cpu_pod("b", NULL), n, NULL, 0),
	    0);
}

static void
test_unschedulable(void **state)
{
	char why[160];
	int n;

	(void)state;
	n = fx_add_node(&cl, fx_node("n", "2", "1Gi", 10, "", "", "True", "",
	    1));
	assert_int_not_equal(run(filter_unschedulable, cpu_pod("a", NULL), n,
	    why, sizeof(why)), 0);
	assert_string_equal(why, "node(s) were unschedulable");
	assert_int_equal(run(filter_unschedulable, fx_pod("t", "",
	    "\"containers\":[{\"name\":\"c\"}],\"tolerations\":[{\"key\":"
	    "\"node.kubernetes.io/unschedulable\",\"operator\":\"Exists\","
	    "\"effect\":\"NoSchedule\"}]"), n, NULL, 0), 0);
}

static void
test_node_selector(void **state)
{
	char why[160];
	int n;

	(void)state;
	n = fx_add_node(&cl, fx_simple_node("n", "\"disk\":\"ssd\""));
	assert_int_equal(run(filter_node_affinity, fx_pod("a", "",
	    "\"containers\":[{\"name\":\"c\"}],\"nodeSelector\":{\"disk\":"
	    "\"ssd\"}"), n, NULL, 0), 0);
	assert_int_not_equal(run(filter_node_affinity, fx_pod("b", "",
	    "\"containers\":[{\"name\":\"c\"}],\"nodeSelector\":{\"disk\":"
	    "\"hdd\"}"), n, why, sizeof(why)), 0);
	assert_string_equal(why,
	    "node(s) didn't match Pod's node affinity/selector");
}

/* A pod with one required term holding one requirement. */
static int
affinity(int n, const char *key, const char *op, const char *values)
{
	char spec[1024];

	snprintf(spec, sizeof(spec), "\"containers\":[{\"name\":\"c\"}],"
	    "\"affinity\":{\"nodeAffinity\":{\"requiredDuringScheduling"
	    "IgnoredDuringExecution\":{\"nodeSelectorTerms\":[{"
	    "\"matchExpressions\":[{\"key\":\"%s\",\"operator\":\"%s\""
	    "%s%s%s}]}]}}}", key, op, values ? ",\"values\":[" : "",
	    values ? values : "", values ? "]" : "");
	return run(filter_node_affinity, fx_pod("a", "", spec), n, NULL, 0);
}

static void
test_node_affinity_operators(void **state)
{
	int n;

	(void)state;
	n = fx_add_node(&cl, fx_simple_node("n",
	    "\"disk\":\"ssd\",\"cores\":\"8\""));
	assert_int_equal(affinity(n, "disk", "In", "\"hdd\",\"ssd\""), 0);
	assert_int_not_equal(affinity(n, "disk", "In", "\"hdd\""), 0);
	assert_int_equal(affinity(n, "disk", "NotIn", "\"hdd\""), 0);
	assert_int_not_equal(affinity(n, "disk", "NotIn", "\"ssd\""), 0);
	assert_int_equal(affinity(n, "gpu", "NotIn", "\"x\""), 0);
	assert_int_equal(affinity(n, "disk", "Exists", NULL), 0);
	assert_int_not_equal(affinity(n, "gpu", "Exists", NULL), 0);
	assert_int_equal(affinity(n, "gpu", "DoesNotExist", NULL), 0);
	assert_int_not_equal(affinity(n, "disk", "DoesNotExist", NULL), 0);
	assert_int_equal(affinity(n, "cores", "Gt", "\"4\""), 0);
	assert_int_not_equal(affinity(n, "cores", "Gt", "\"8\""), 0);
	assert_int_equal(affinity(n, "cores", "Lt", "\"16\""), 0);
	assert_int_not_equal(affinity(n, "cores", "Lt", "\"8\""), 0);
	assert_int_not_equal(affinity(n, "disk", "Gt", "\"1\""), 0);
	assert_int_not_equal(affinity(n, "disk", "Bogus", "\"ssd\""), 0);
	/* matchFields on metadata.name */
	assert_int_equal(run(filter_node_affinity, fx_pod("f", "",
	    "\"containers\":[{\"name\":\"c\"}],\"affinity\":{\"nodeAffinity\":"
	    "{\"requiredDuringSchedulingIgnoredDuringExecution\":{"
	    "\"nodeSelectorTerms\":[{\"matchExpressions\":[{\"key\":\"x\","
	    "\"operator\":\"Exists\"}]},{\"matchFields\":[{\"key\":"
	    "\"metadata.name\",\"operator\":\"In\",\"values\":[\"n\"]}]}]}}}"),
	    n, NULL, 0), 0);
}

static void
test_taints(void **state)
{
	char why[160];
	int n, soft;

	(void)state;
	n = fx_add_node(&cl, fx_node("n", "2", "1Gi", 10, "",
	    "[{\"key\":\"dedicated\",\"value\":\"gpu\",\"effect\":"
	    "\"NoSchedule\"}]", "True", "", 0));
	assert_int_not_equal(run(filter_taints, cpu_pod("a", NULL), n, why,
	    sizeof(why)), 0);
	assert_string_equal(why,
	    "node(s) had untolerated taint {dedicated: gpu}");
	assert_int_equal(run(filter_taints, fx_pod("eq", "",
	    "\"containers\":[{\"name\":\"c\"}],\"tolerations\":[{\"key\":"
	    "\"dedicated\",\"operator\":\"Equal\",\"value\":\"gpu\","
	    "\"effect\":\"NoSchedule\"}]"), n, NULL, 0), 0);
	assert_int_not_equal(run(filter_taints, fx_pod("ne", "",
	    "\"containers\":[{\"name\":\"c\"}],\"tolerations\":[{\"key\":"
	    "\"dedicated\",\"value\":\"cpu\"}]"), n, NULL, 0), 0);
	assert_int_equal(run(filter_taints, fx_pod("ex", "",
	    "\"containers\":[{\"name\":\"c\"}],\"tolerations\":[{\"key\":"
	    "\"dedicated\",\"operator\":\"Exists\"}]"), n, NULL, 0), 0);
	assert_int_equal(run(filter_taints, fx_pod("all", "",
	    "\"containers\":[{\"name\":\"c\"}],\"tolerations\":[{"
	    "\"operator\":\"Exists\"}]"), n, NULL, 0), 0);
	assert_int_not_equal(run(filter_taints, fx_pod("wrongeffect", "",
	    "\"containers\":[{\"name\":\"c\"}],\"tolerations\":[{\"key\":"
	    "\"dedicated\",\"operator\":\"Exists\",\"effect\":\"NoExecute\"}]"),
	    n, NULL, 0), 0);
	n = fx_add_node(&cl, fx_node("x", "2", "1Gi", 10, "",
	    "[{\"key\":\"evict\",\"effect\":\"NoExecute\"}]", "True", "", 0));
	assert_int_not_equal(run(filter_taints, cpu_pod("b", NULL), n, NULL,
	    0), 0);
	soft = fx_add_node(&cl, fx_node("soft", "2", "1Gi", 10, "",
	    "[{\"key\":\"k\",\"effect\":\"PreferNoSchedule\"}]", "True", "",
	    0));
	assert_int_equal(run(filter_taints, cpu_pod("c", NULL), soft, NULL, 0),
	    0);
}

static void
test_ports(void **state)
{
	char why[160];
	int n;
	const char *web = "\"containers\":[{\"name\":\"c\",\"ports\":[{"
	    "\"containerPort\":80,\"hostPort\":8080}]}]";

	(void)state;
	n = fx_add_node(&cl, fx_simple_node("n", ""));
	fx_place(&cl, fx_pod("a", "", web), n);
	assert_int_not_equal(run(filter_ports, fx_pod("b", "", web), n, why,
	    sizeof(why)), 0);
	assert_string_equal(why,
	    "node(s) didn't have free ports for the requested pod ports");
	assert_int_equal(run(filter_ports, fx_pod("udp", "",
	    "\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":80,"
	    "\"hostPort\":8080,\"protocol\":\"UDP\"}]}]"), n, NULL, 0), 0);
	assert_int_equal(run(filter_ports, fx_pod("other", "",
	    "\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":80,"
	    "\"hostPort\":8081}]}]"), n, NULL, 0), 0);
	assert_int_equal(run(filter_ports, fx_pod("noport", "",
	    "\"containers\":[{\"name\":\"c\",\"ports\":[{\"containerPort\":80"
	    "}]}]"), n, NULL, 0), 0);
}

static void
test_pressure(void **state)
{
	char why[160];
	int mem, disk;

	(void)state;
	mem = fx_add_node(&cl, fx_node("mem", "2", "1Gi", 10, "", "", "True",
	    "{\"type\":\"MemoryPressure\",\"status\":\"True\"}", 0));
	disk = fx_add_node(&cl, fx_node("disk", "2", "1Gi", 10, "", "", "True",
	    "{\"type\":\"DiskPressure\",\"status\":\"True\"}", 0));
	assert_int_not_equal(run(filter_pressure, cpu_pod("be", NULL), mem,
	    why, sizeof(why)), 0);
	assert_string_equal(why, "node(s) had memory pressure");
	assert_int_equal(run(filter_pressure, cpu_pod("burst", "100m"), mem,
	    NULL, 0), 0);
	assert_int_equal(run(filter_pressure, fx_pod("tol", "",
	    "\"containers\":[{\"name\":\"c\"}],\"tolerations\":[{\"key\":"
	    "\"node.kubernetes.io/memory-pressure\",\"operator\":\"Exists\"}]"),
	    mem, NULL, 0), 0);
	assert_int_not_equal(run(filter_pressure, cpu_pod("burst2", "100m"),
	    disk, why, sizeof(why)), 0);
	assert_string_equal(why, "node(s) had disk pressure");
	/*
	 * The node-controller's memory-pressure taint follows the 1.3 rule:
	 * it binds BestEffort pods only (PodTolerationRestriction tolerates
	 * it for the others); the disk-pressure taint binds every pod.
	 */
	mem = fx_add_node(&cl, fx_node("tainted", "2", "1Gi", 10, "",
	    "[{\"key\":\"node.kubernetes.io/memory-pressure\",\"effect\":"
	    "\"NoSchedule\"}]", "True", "", 0));
	assert_int_equal(run(filter_taints, cpu_pod("x", "1"), mem, NULL, 0),
	    0);
	assert_int_not_equal(run(filter_taints, cpu_pod("y", NULL), mem, NULL,
	    0), 0);
	disk = fx_add_node(&cl, fx_node("dtainted", "2", "1Gi", 10, "",
	    "[{\"key\":\"node.kubernetes.io/disk-pressure\",\"effect\":"
	    "\"NoSchedule\"}]", "True", "", 0));
	assert_int_not_equal(run(filter_taints, cpu_pod("z", "1"), disk, NULL,
	    0), 0);
}

static const char *
labelled(char *buf, size_t len, const char *app)
{
	snprintf(buf, len, "\"labels\":{\"app\":\"%s\"}", app);
	return buf;
}

#define ANTI_HOST "\"containers\":[{\"name\":\"c\"}],\"affinity\":{" \
	"\"podAntiAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\"" \
	":[{\"labelSelector\":{\"matchLabels\":{\"app\":\"db\"}},\"topologyKey\":" \
	"\"kubernetes.io/hostname\"}]}}"
#define AFF_ZONE "\"containers\":[{\"name\":\"c\"}],\"affinity\":{" \
	"\"podAffinity\":{\"requiredDuringSchedulingIgnoredDuringExecution\"" \
	":[{\"labelSelector\":{\"matchLabels\":{\"app\":\"cache\"}}," \
	"\"topologyKey\":\"topology.kubernetes.io/zone\"}]}}"

static void
test_pod_anti_affinity_hostname(void **state)
{
	char l[128], why[160];
	int a, b;

	(void)state;
	a = fx_add_node(&cl, fx_simple_node("a", ""));
	b = fx_add_node(&cl, fx_simple_node("b", ""));
	fx_place(&cl, fx_pod("db1", labelled(l, sizeof(l), "db"), ANTI_HOST),
	    a);
	assert_int_not_equal(run(filter_pod_affinity, fx_pod("db2",
	    labelled(l, sizeof(l), "db"), ANTI_HOST), a, why, sizeof(why)), 0);
	assert_string_equal(why, "node(s) didn't match pod anti-affinity rules");
	assert_int_equal(run(filter_pod_affinity, fx_pod("db3",
	    labelled(l, sizeof(l), "db"), ANTI_HOST), b, NULL, 0), 0);
	/* Symmetry: a plain db pod may not join db1, which refuses it. */
	assert_int_not_equal(run(filter_pod_affinity, fx_pod("plain",
	    labelled(l, sizeof(l), "db"), "\"containers\":[{\"name\":\"c\"}]"),
	    a, why, sizeof(why)), 0);
	assert_string_equal(why,
	    "node(s) didn't satisfy existing pods anti-affinity rules");
	assert_int_equal(run(filter_pod_affinity, fx_pod("web",
	    labelled(l, sizeof(l), "web"), "\"containers\":[{\"name\":\"c\"}]"),
	    a, NULL, 0), 0);
}

static void
test_pod_affinity_zone(void **state)
{
	char l[128], why[160];
	int a1, a2, b1;

	(void)state;
	a1 = fx_add_node(&cl, fx_simple_node("a1",
	    "\"topology.kubernetes.io/zone\":\"a\""));
	a2 = fx_add_node(&cl, fx_simple_node("a2",
	    "\"topology.kubernetes.io/zone\":\"a\""));
	b1 = fx_add_node(&cl, fx_simple_node("b1",
	    "\"topology.kubernetes.io/zone\":\"b\""));
	/* No cache pod anywhere: a pod matching its own term goes anywhere. */
	assert_int_equal(run(filter_pod_affinity, fx_pod("first",
	    labelled(l, sizeof(l), "cache"), AFF_ZONE), b1, NULL, 0), 0);
	/* ...one that does not match it goes nowhere. */
	assert_int_not_equal(run(filter_pod_affinity, fx_pod("lone",
	    labelled(l, sizeof(l), "web"), AFF_ZONE), b1, why, sizeof(why)), 0);
	assert_string_equal(why, "node(s) didn't match pod affinity rules");
	fx_place(&cl, fx_pod("cache1", labelled(l, sizeof(l), "cache"),
	    "\"containers\":[{\"name\":\"c\"}]"), a1);
	assert_int_equal(run(filter_pod_affinity, fx_pod("w1",
	    labelled(l, sizeof(l), "web"), AFF_ZONE), a2, NULL, 0), 0);
	assert_int_not_equal(run(filter_pod_affinity, fx_pod("w2",
	    labelled(l, sizeof(l), "web"), AFF_ZONE), b1, NULL, 0), 0);
}

static void
test_failure_message(void **state)
{
	struct sched_result res;
	struct sched_pod *p;
	struct kobj *pod;

	(void)state;
	fx_add_node(&cl, fx_simple_node("a", ""));
	fx_add_node(&cl, fx_simple_node("b", ""));
	fx_add_node(&cl, fx_simple_node("c", ""));
	pod = cpu_pod("big", "5");
	p = sched_pod_new(pod);
	sched_find(&cl, p, 0, &res);
	assert_int_equal(res.node, -1);
	assert_string_equal(res.message,
	    "0/3 nodes are available: 3 Insufficient cpu.");
	sched_pod_free(p);
	kobj_unref(pod);
	/* Mixed reasons, sorted as Kubernetes sorts them. */
	fx_add_node(&cl, fx_node("d", "8", "8Gi", 10, "", "", "True", "", 1));
	pod = cpu_pod("big", "5");
	p = sched_pod_new(pod);
	sched_find(&cl, p, 0, &res);
	assert_string_equal(res.message, "0/4 nodes are available: "
	    "1 node(s) were unschedulable, 3 Insufficient cpu.");
	sched_pod_free(p);
	kobj_unref(pod);
	assert_true(cluster_node_delete(&cl, "d"));
	pod = cpu_pod("small", "1");
	p = sched_pod_new(pod);
	sched_find(&cl, p, 0, &res);
	assert_true(res.node >= 0);
	assert_int_equal(res.feasible, 3);
	sched_pod_free(p);
	kobj_unref(pod);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_container_rule,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_annotation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resources, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_memory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ready, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unschedulable, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_node_selector, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_node_affinity_operators,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_taints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ports, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pressure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_pod_anti_affinity_hostname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pod_affinity_zone, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_failure_message, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
