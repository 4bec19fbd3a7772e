/*
 * test_preempt.c: sched_preempt(), the victim choice: only lower
 * priorities, the highest ones reprieved, the node whose victims have the
 * lowest priorities (then fewest) chosen, preemptionPolicy Never, a
 * preemption already under way on the nominated node.
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

/* A pod requesting cpu with priority prio; meta: extra metadata. */
static struct kobj *
prio_pod(const char *name, const char *cpu, int prio, const char *extra,
    const char *meta)
{
	char c[256], spec[1024];

	snprintf(spec, sizeof(spec), "\"containers\":[%s],\"priority\":%d%s",
	    fx_container(c, sizeof(c), "c", cpu, NULL), prio, extra);
	return fx_pod(name, meta, spec);
}

static bool
preempt(struct kobj *pod, const char *nominated, struct sched_victims *v)
{
	struct sched_pod *p = sched_pod_new(pod);
	bool r = sched_preempt(&cl, p, nominated, v);

	sched_pod_free(p);
	kobj_unref(pod);
	return r;
}

static bool
has_victim(const struct sched_victims *v, const char *key)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return true;
	return false;
}

static void
test_lowest_victims_win(void **state)
{
	struct sched_victims v;
	int a, b;

	(void)state;
	a = fx_add_node(&cl, fx_node("a", "2", "8Gi", 110, "", "", "True", "",
	    0));
	b = fx_add_node(&cl, fx_node("b", "2", "8Gi", 110, "", "", "True", "",
	    0));
	/* a: two pods of 10 (1 cpu each); b: one of 5 and one of 100. */
	fx_place(&cl, prio_pod("a1", "1", 10, "", ""), a);
	fx_place(&cl, prio_pod("a2", "1", 10, "", ""), a);
	fx_place(&cl, prio_pod("b1", "1", 5, "", ""), b);
	fx_place(&cl, prio_pod("b2", "1", 100, "", ""), b);
	/* 1 cpu at 1000: b, evicting only b1 (lowest priority, one victim). */
	assert_true(preempt(prio_pod("hi", "1", 1000, "", ""), NULL, &v));
	assert_int_equal(v.node, b);
	assert_int_equal(v.n, 1);
	assert_true(has_victim(&v, "default/b1"));
	sched_victims_fini(&v);
	/* 2 cpu at 50: b2 is higher, so only a (both of its pods) works. */
	assert_true(preempt(prio_pod("mid", "2", 50, "", ""), NULL, &v));
	assert_int_equal(v.node, a);
	assert_int_equal(v.n, 2);
	assert_true(has_victim(&v, "default/a1"));
	assert_true(has_victim(&v, "default/a2"));
	sched_victims_fini(&v);
	/* Nothing lower than 5: no preemption. */
	assert_false(preempt(prio_pod("low", "1", 5, "", ""), NULL, &v));
	assert_int_equal(v.node, -1);
	/* preemptionPolicy Never. */
	assert_false(preempt(prio_pod("never", "1", 1000,
	    ",\"preemptionPolicy\":\"Never\"", ""), NULL, &v));
	/* Too big even with every lower pod gone. */
	assert_false(preempt(prio_pod("huge", "3", 1000, "", ""), NULL, &v));
}

/* The highest of the lower pods are given back while the pod still fits. */
static void
test_reprieve(void **state)
{
	struct sched_victims v;
	int n;

	(void)state;
	n = fx_add_node(&cl, fx_node("n", "3", "8Gi", 110, "", "", "True", "",
	    0));
	fx_place(&cl, prio_pod("p1", "1", 1, "", ""), n);
	fx_place(&cl, prio_pod("p2", "1", 2, "", ""), n);
	fx_place(&cl, prio_pod("p3", "1", 3, "", ""), n);
	assert_true(preempt(prio_pod("hi", "1", 10, "", ""), NULL, &v));
	assert_int_equal(v.n, 1);
	assert_true(has_victim(&v, "default/p1"));
	sched_victims_fini(&v);
	assert_true(preempt(prio_pod("hi2", "2", 10, "", ""), NULL, &v));
	assert_int_equal(v.n, 2);
	assert_true(has_victim(&v, "default/p1"));
	assert_true(has_victim(&v, "default/p2"));
	sched_victims_fini(&v);
}

/* Lower pods already terminating on the nominated node: wait. */
static void
test_in_progress(void **state)
{
	struct sched_victims v;
	int n;

	(void)state;
	n = fx_add_node(&cl, fx_node("n", "1", "8Gi", 110, "", "", "True", "",
	    0));
	fx_place(&cl, prio_pod("t", "1", 1, "", "\"deletionTimestamp\":"
	    "\"2026-01-01T00:00:00Z\""), n);
	assert_false(preempt(prio_pod("hi", "1", 10, "", ""), "n", &v));
	/* A terminating pod is never a victim itself. */
	assert_false(preempt(prio_pod("hi", "1", 10, "", ""), NULL, &v));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lowest_victims_win, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reprieve, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_in_progress, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
