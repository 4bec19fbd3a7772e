/*
 * Unit tests of the kubelet-sim eviction manager (semantics.md 6): flag
 * parsing and its errors, signals, the pass on a fake clock (hard, soft
 * with and without its grace period, the transition period, minimum
 * reclaim, node-level disk reclaim), both rankings on the 6(f) scenario
 * pods, the victim's message, admission under pressure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/ck.h"
#include "ckube/err.h"
#include "eviction.h"

#define Mi	(1024LL * 1024)
#define Gi	(1024LL * Mi)

static int
parse(struct evict_config *c, const char *hard, const char *soft,
    const char *grace, const char *mr, char *err)
{
	memset(c, 0, sizeof(*c));
	c->transition_ms = 300000;
	return evict_config_parse(c, hard, soft, grace, mr, err, 256);
}

static void
test_parse_ok(void **state)
{
	struct evict_config c;
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, "memory.available<500Mi, nodefs.available<10%",
	    "memory.available<1Gi", "memory.available=1m30s",
	    "nodefs.available=500Mi", err), 0);
	assert_int_equal(c.nth, 3);
	assert_int_equal(c.th[0].sig, EV_SIG_MEMORY);
	assert_false(c.th[0].soft);
	assert_int_equal(c.th[0].q.value, 500 * Mi);
	assert_int_equal(c.th[0].grace_ms, 0);
	assert_int_equal(c.th[1].sig, EV_SIG_NODEFS);
	assert_true(c.th[1].q.is_pct);
	assert_int_equal(evict_quantity_value(&c.th[1].q, 10 * Gi), Gi);
	assert_int_equal(c.th[1].min_reclaim.value, 500 * Mi);
	assert_true(c.th[2].soft);
	assert_int_equal(c.th[2].grace_ms, 90000);
	/* Empty flags, and the 0%/100% thresholds the kubelet ignores. */
	assert_int_equal(parse(&c, "", NULL, NULL, NULL, err), 0);
	assert_int_equal(c.nth, 0);
	assert_int_equal(parse(&c, "imagefs.available<0%,nodefs.inodesFree<5%",
	    NULL, NULL, NULL, err), 0);
	assert_int_equal(c.nth, 1);
	assert_int_equal(c.th[0].sig, EV_SIG_NODEFS_INODES);
}

static void
expect_err(const char *hard, const char *soft, const char *grace,
    const char *mr, const char *want)
{
	struct evict_config c;
	char err[256];

	assert_int_equal(parse(&c, hard, soft, grace, mr, err), CK_EINVALID);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	expect_err("memory.free<1Gi", NULL, NULL, NULL,
	    "unsupported eviction signal memory.free");
	expect_err("memory.available>1Gi", NULL, NULL, NULL,
	    "invalid eviction threshold syntax memory.available>1Gi");
	expect_err("memory.available<lots", NULL, NULL, NULL,
	    "invalid quantity \"lots\"");
	expect_err("memory.available<0", NULL, NULL, NULL,
	    "must be positive");
	expect_err("nodefs.available<150%", NULL, NULL, NULL,
	    "must be <= 100%");
	expect_err("nodefs.available<x%", NULL, NULL, NULL,
	    "invalid eviction percentage");
	expect_err("memory.available<1Gi,memory.available<2Gi", NULL, NULL,
	    NULL, "found duplicate eviction threshold for signal "
	    "memory.available");
	expect_err(NULL, "memory.available<1Gi", NULL, NULL,
	    "grace period must be specified for the soft eviction threshold "
	    "memory.available");
	expect_err(NULL, "memory.available<1Gi", "memory.available=soon",
	    NULL, "invalid eviction grace period");
	expect_err(NULL, NULL, "memory.available", NULL,
	    "expected <signal>=<duration>");
	expect_err("memory.available<1Gi", NULL, NULL, "disk=1Gi",
	    "unsupported eviction signal disk");
	expect_err("memory.available<1Gi", NULL, NULL,
	    "memory.available=1Gi,memory.available=2Gi",
	    "duplicate eviction minimum reclaim specified for memory.available");
}

static void
test_signals(void **state)
{
	struct evict_usage u = {
		.mem_capacity = 2 * Gi, .mem_pods = 1500 * Mi,
		.mem_system = 100 * Mi,
		.fs_capacity = 10 * Gi, .fs_pods = 5 * Gi, .fs_system = Gi,
		.fs_dead = Gi, .inodes_capacity = 1000, .inodes_pods = 300,
		.inodes_system = 100, .images_used = Gi, .images_unused = Gi,
	};
	struct evict_obs o;

	(void)state;
	evict_observe(&u, &o);
	assert_int_equal(o.available[EV_SIG_MEMORY], 448 * Mi);
	assert_int_equal(o.capacity[EV_SIG_MEMORY], 2 * Gi);
	/* Images share the nodefs: counted there, and imagefs = nodefs. */
	assert_int_equal(o.available[EV_SIG_NODEFS], Gi);
	assert_int_equal(o.available[EV_SIG_IMAGEFS], Gi);
	assert_int_equal(o.available[EV_SIG_NODEFS_INODES], 600);
	assert_int_equal(o.available[EV_SIG_IMAGEFS_INODES], 600);
	u.imagefs_capacity = 4 * Gi;
	evict_observe(&u, &o);
	assert_int_equal(o.available[EV_SIG_NODEFS], 3 * Gi);
	assert_int_equal(o.available[EV_SIG_IMAGEFS], 2 * Gi);
	assert_int_equal(o.capacity[EV_SIG_IMAGEFS], 4 * Gi);
}

/* The 6(f) scenario 1 pods: BestEffort A using 1Gi, Burstable B 300Mi/256Mi. */
static const struct evict_ctr ctr_a = { "app", { Gi, 0, 0 }, { 0, 0, 0 } };
static const struct evict_ctr ctr_b = { "app", { 300 * Mi, 0, 0 },
	{ 256 * Mi, 0, 0 } };

static void
scenario1(struct evict_pod p[2])
{
	memset(p, 0, 2 * sizeof(*p));
	p[0].name = "b";
	p[0].qos = QOS_BURSTABLE;
	p[0].usage[EV_RES_MEMORY] = 300 * Mi;
	p[0].request[EV_RES_MEMORY] = 256 * Mi;
	p[0].ctrs = &ctr_b;
	p[0].nctrs = 1;
	p[0].grace_s = 30;
	p[1].name = "a";
	p[1].qos = QOS_BEST_EFFORT;
	p[1].usage[EV_RES_MEMORY] = Gi;
	p[1].ctrs = &ctr_a;
	p[1].nctrs = 1;
	p[1].grace_s = 30;
}

static void
test_pass_hard(void **state)
{
	struct evict_config c;
	struct evict_state st;
	struct evict_result r;
	struct evict_pod p[2];
	struct evict_usage u = { .mem_capacity = 1700 * Mi + 300 * Mi,
	    .mem_pods = 1324 * Mi + 300 * Mi - 24 * Mi };
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, "memory.available<500Mi", NULL, NULL, NULL,
	    err), 0);
	evict_state_init(&st);
	scenario1(p);
	/* available 400Mi < 500Mi: pressure, A (not B) is evicted at once. */
	evict_pass(&c, &st, 1000, &u, p, 2, &r);
	assert_true(r.changed);
	assert_true(st.pressure[EV_COND_MEMORY]);
	assert_false(st.pressure[EV_COND_DISK]);
	assert_int_equal(r.threshold, 0);
	assert_non_null(r.victim);
	assert_string_equal(r.victim->name, "a");
	assert_int_equal(r.grace_s, 0);
	assert_string_equal(r.message, "The node was low on resource: memory. "
	    "Threshold quantity: 500Mi, available: 400Mi. Container app was "
	    "using 1Gi, request is 0, has larger consumption of memory. ");
	/* A critical pod is never the victim. */
	p[1].critical = true;
	evict_pass(&c, &st, 2000, &u, p, 2, &r);
	assert_false(r.changed);
	assert_string_equal(r.victim->name, "b");
	assert_non_null(strstr(r.message, "Container app was using 300Mi, "
	    "request is 256Mi"));
	/* 1.3 wording under the QoS ranking. */
	c.ranking = EV_RANK_QOS;
	evict_pass(&c, &st, 3000, &u, p, 2, &r);
	assert_string_equal(r.message, "The node was low on compute resources.");
}

static void
test_pass_soft(void **state)
{
	struct evict_config c;
	struct evict_state st;
	struct evict_result r;
	struct evict_pod p[2];
	struct evict_usage u = { .mem_capacity = 4 * Gi,
	    .mem_pods = 4 * Gi - 900 * Mi };
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, NULL, "memory.available<1Gi",
	    "memory.available=1m30s", NULL, err), 0);
	c.max_pod_grace_s = 10;
	evict_state_init(&st);
	scenario1(p);
	/* Scenario 2: met for 60 s, within the grace: pressure, no eviction. */
	evict_pass(&c, &st, 0, &u, p, 2, &r);
	assert_true(st.pressure[EV_COND_MEMORY]);
	assert_null(r.victim);
	assert_int_equal(r.threshold, -1);
	evict_pass(&c, &st, 60000, &u, p, 2, &r);
	assert_null(r.victim);
	/* Back to 2Gi available: the condition holds for 5 minutes. */
	u.mem_pods = 2 * Gi;
	evict_pass(&c, &st, 70000, &u, p, 2, &r);
	assert_true(st.pressure[EV_COND_MEMORY]);
	assert_false(r.changed);
	evict_pass(&c, &st, 60000 + 299000, &u, p, 2, &r);
	assert_true(st.pressure[EV_COND_MEMORY]);
	evict_pass(&c, &st, 60000 + 300000, &u, p, 2, &r);
	assert_false(st.pressure[EV_COND_MEMORY]);
	assert_true(r.changed);
	/* Met again: a soft eviction once the grace has run, grace capped. */
	u.mem_pods = 4 * Gi - 900 * Mi;
	evict_pass(&c, &st, 400000, &u, p, 2, &r);
	assert_null(r.victim);
	evict_pass(&c, &st, 489999, &u, p, 2, &r);
	assert_null(r.victim);
	evict_pass(&c, &st, 490000, &u, p, 2, &r);
	assert_non_null(r.victim);
	assert_string_equal(r.victim->name, "a");
	assert_int_equal(r.grace_s, 10);
	p[1].grace_s = 3;
	evict_pass(&c, &st, 491000, &u, p, 2, &r);
	assert_int_equal(r.grace_s, 3);
	/* A dip out of the threshold restarts the grace period. */
	u.mem_pods = 0;
	evict_pass(&c, &st, 492000, &u, p, 2, &r);
	u.mem_pods = 4 * Gi - 900 * Mi;
	evict_pass(&c, &st, 493000, &u, p, 2, &r);
	assert_null(r.victim);
}

static void
test_transition_zero_and_hard_soft(void **state)
{
	struct evict_config c;
	struct evict_state st;
	struct evict_result r;
	struct evict_usage u = { .mem_capacity = 2 * Gi, .mem_pods = 1800 * Mi };
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, "memory.available<100Mi",
	    "memory.available<500Mi", "memory.available=1m", NULL, err), 0);
	c.transition_ms = 0;
	evict_state_init(&st);
	/* Soft met (248Mi < 500Mi), hard not: pressure, nothing actionable. */
	evict_pass(&c, &st, 0, &u, NULL, 0, &r);
	assert_true(st.pressure[EV_COND_MEMORY]);
	assert_int_equal(r.threshold, -1);
	/* Hard met: acted on at once with the hard threshold. */
	u.mem_pods = 1990 * Mi;
	evict_pass(&c, &st, 1000, &u, NULL, 0, &r);
	assert_int_equal(r.threshold, 0);
	assert_false(c.th[r.threshold].soft);
	/* With no transition period the condition clears at once. */
	u.mem_pods = 0;
	evict_pass(&c, &st, 2000, &u, NULL, 0, &r);
	assert_false(st.pressure[EV_COND_MEMORY]);
}

static void
test_min_reclaim(void **state)
{
	struct evict_config c;
	struct evict_state st;
	struct evict_result r;
	struct evict_pod p[2];
	struct evict_usage u = { .mem_capacity = 2 * Gi,
	    .mem_pods = 2 * Gi - 400 * Mi };
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, "memory.available<500Mi", NULL, NULL,
	    "memory.available=200Mi", err), 0);
	evict_state_init(&st);
	scenario1(p);
	evict_pass(&c, &st, 0, &u, p, 2, &r);
	assert_non_null(r.victim);
	/* 600Mi available: above 500Mi but below 500Mi + 200Mi: still met. */
	u.mem_pods = 2 * Gi - 600 * Mi;
	evict_pass(&c, &st, 1000, &u, p, 2, &r);
	assert_non_null(r.victim);
	assert_true(st.met[0]);
	/* 700Mi: reclaimed enough; then 600Mi is fine (not met before). */
	u.mem_pods = 2 * Gi - 700 * Mi;
	evict_pass(&c, &st, 2000, &u, p, 2, &r);
	assert_null(r.victim);
	assert_false(st.met[0]);
	u.mem_pods = 2 * Gi - 600 * Mi;
	evict_pass(&c, &st, 3000, &u, p, 2, &r);
	assert_null(r.victim);
}

static void
test_disk_reclaim(void **state)
{
	struct evict_config c;
	struct evict_state st;
	struct evict_result r;
	struct evict_pod p[2];
	struct evict_usage u = { .mem_capacity = 8 * Gi, .fs_capacity = 10 * Gi,
	    .fs_pods = 8 * Gi + 512 * Mi, .fs_dead = Gi,
	    .inodes_capacity = 1000000 };
	char err[256];

	(void)state;
	assert_int_equal(parse(&c, "nodefs.available<10%", NULL, NULL, NULL,
	    err), 0);
	evict_state_init(&st);
	memset(p, 0, sizeof(p));
	p[0].name = "small";
	p[0].qos = QOS_GUARANTEED;
	p[0].usage[EV_RES_DISK] = 512 * Mi;
	p[1].name = "big";
	p[1].qos = QOS_GUARANTEED;
	p[1].usage[EV_RES_DISK] = 8 * Gi;
	/* 512Mi available: dead containers go first, and that is enough. */
	evict_pass(&c, &st, 0, &u, p, 2, &r);
	assert_true(st.pressure[EV_COND_DISK]);
	assert_false(st.pressure[EV_COND_MEMORY]);
	assert_int_equal(r.reclaimed_dead, Gi);
	assert_int_equal(u.fs_dead, 0);
	assert_null(r.victim);
	/* Still short with nothing left to reclaim: the biggest user goes. */
	u.fs_pods += Gi;
	evict_pass(&c, &st, 1000, &u, p, 2, &r);
	assert_int_equal(r.reclaimed_dead, 0);
	assert_non_null(r.victim);
	assert_string_equal(r.victim->name, "big");
	assert_int_equal(r.resource, EV_RES_DISK);
	assert_string_equal(r.message, "The node was low on resource: "
	    "ephemeral-storage. Threshold quantity: 1Gi, available: 512Mi. ");
	/* Unused images go under imagefs pressure. */
	assert_int_equal(parse(&c, "imagefs.available<2Gi", NULL, NULL, NULL,
	    err), 0);
	evict_state_init(&st);
	u = (struct evict_usage){ .fs_capacity = 10 * Gi,
	    .imagefs_capacity = 4 * Gi, .images_used = Gi,
	    .images_unused = 2 * Gi, .fs_dead = Gi };
	evict_pass(&c, &st, 0, &u, p, 2, &r);
	assert_int_equal(r.reclaimed_images, 2 * Gi);
	assert_int_equal(r.reclaimed_dead, 0);
	assert_null(r.victim);
}

static const struct evict_pod *
first(enum evict_ranking k, enum evict_res res, struct evict_pod *p, size_t n,
    const struct evict_pod **order)
{
	size_t i;

	for (i = 0; i < n; i++)
		order[i] = &p[i];
	evict_rank(k, res, order, n);
	return order[0];
}

static void
test_rankings(void **state)
{
	const struct evict_pod *order[4];
	struct evict_pod p[4];

	(void)state;
	/* Scenario 1: both rankings pick BestEffort A over Burstable B. */
	scenario1(p);
	assert_string_equal(first(EV_RANK_PRIORITY, EV_RES_MEMORY, p, 2,
	    order)->name, "a");
	assert_string_equal(first(EV_RANK_QOS, EV_RES_MEMORY, p, 2,
	    order)->name, "a");
	/*
	 * Scenario 5: two Burstable pods over request, priorities 1000 and 0:
	 * modern evicts the priority-0 pod even though it uses less; 1.3 the
	 * bigger consumer.
	 */
	memset(p, 0, sizeof(p));
	p[0].name = "hi";
	p[0].qos = QOS_BURSTABLE;
	p[0].priority = 1000;
	p[0].usage[EV_RES_MEMORY] = Gi;
	p[0].request[EV_RES_MEMORY] = 100 * Mi;
	p[1].name = "lo";
	p[1].qos = QOS_BURSTABLE;
	p[1].usage[EV_RES_MEMORY] = 300 * Mi;
	p[1].request[EV_RES_MEMORY] = 100 * Mi;
	/* A Guaranteed pod (usage = request), a high-priority BestEffort. */
	p[2].name = "g";
	p[2].qos = QOS_GUARANTEED;
	p[2].priority = -5;
	p[2].usage[EV_RES_MEMORY] = 300 * Mi;
	p[2].request[EV_RES_MEMORY] = 300 * Mi;
	p[3].name = "be";
	p[3].qos = QOS_BEST_EFFORT;
	p[3].priority = 2000;
	p[3].usage[EV_RES_MEMORY] = 10 * Mi;
	first(EV_RANK_PRIORITY, EV_RES_MEMORY, p, 4, order);
	assert_string_equal(order[0]->name, "lo");
	assert_string_equal(order[1]->name, "hi");
	/* BestEffort using anything is over its request of 0. */
	assert_string_equal(order[2]->name, "be");
	assert_string_equal(order[3]->name, "g");	/* not over request */
	first(EV_RANK_QOS, EV_RES_MEMORY, p, 4, order);
	assert_string_equal(order[0]->name, "be");
	assert_string_equal(order[1]->name, "hi");
	assert_string_equal(order[2]->name, "lo");
	assert_string_equal(order[3]->name, "g");
	/* 1.4 disk: by disk usage within the class. */
	p[0].usage[EV_RES_DISK] = 1;
	p[1].usage[EV_RES_DISK] = 2;
	first(EV_RANK_QOS, EV_RES_DISK, p, 2, order);
	assert_string_equal(order[0]->name, "lo");
}

static void
test_admit(void **state)
{
	struct evict_state st;
	char msg[128];

	(void)state;
	evict_state_init(&st);
	assert_true(evict_admit(&st, QOS_BEST_EFFORT, false, false, msg,
	    sizeof(msg)));
	st.pressure[EV_COND_MEMORY] = true;
	assert_false(evict_admit(&st, QOS_BEST_EFFORT, false, false, msg,
	    sizeof(msg)));
	assert_string_equal(msg, "The node had condition: [MemoryPressure]. ");
	assert_true(evict_admit(&st, QOS_BURSTABLE, false, false, msg,
	    sizeof(msg)));
	assert_true(evict_admit(&st, QOS_BEST_EFFORT, false, true, msg,
	    sizeof(msg)));
	assert_true(evict_admit(&st, QOS_BEST_EFFORT, true, false, msg,
	    sizeof(msg)));
	st.pressure[EV_COND_DISK] = true;
	assert_false(evict_admit(&st, QOS_GUARANTEED, false, true, msg,
	    sizeof(msg)));
	assert_string_equal(msg,
	    "The node had condition: [MemoryPressure DiskPressure]. ");
	assert_true(evict_admit(&st, QOS_GUARANTEED, true, false, msg,
	    sizeof(msg)));
	assert_int_equal(evict_qos_parse("Guaranteed"), QOS_GUARANTEED);
	assert_int_equal(evict_qos_parse(NULL), QOS_BEST_EFFORT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_pass_hard),
		cmocka_unit_test(test_pass_soft),
		cmocka_unit_test(test_transition_zero_and_hard_soft),
		cmocka_unit_test(test_min_reclaim),
		cmocka_unit_test(test_disk_reclaim),
		cmocka_unit_test(test_rankings),
		cmocka_unit_test(test_admit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
