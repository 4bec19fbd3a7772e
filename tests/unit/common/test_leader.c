/*
 * Unit tests for common/leader.c against a real ckube-apiserver (skipped
 * when it is not built): two candidates step by step under the fake clock,
 * the election threads handing over, and a leader losing its lease.
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

#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/flags.h"
#include "ckube/kobj.h"
#include "ckube/leader.h"
#include "ckube/log.h"

#include "testapi.h"

struct fixture {
	struct testapi	 api;
	struct client	*cl;
};

struct counts {
	int	started;
	int	stopped;
};

static void
started(void *arg)
{
	__atomic_add_fetch(&((struct counts *)arg)->started, 1,
	    __ATOMIC_SEQ_CST);
}

static void
stopped(void *arg)
{
	__atomic_add_fetch(&((struct counts *)arg)->stopped, 1,
	    __ATOMIC_SEQ_CST);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_init("test_leader", 0);
	*state = f;
	if (testapi_start(&f->api, NULL) < 0)
		f->api.pid = -1;
	else
		f->cl = testapi_client(&f->api);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	clock_use_real();
	client_free(f->cl);
	testapi_stop(&f->api);
	free(f);
	return 0;
}

#define SKIP_WITHOUT_API(f) \
	do { if ((f)->api.pid < 0) { skip(); return; } } while (0)

static struct kobj *
get_lease(struct fixture *f)
{
	struct kobj *lease = NULL;
	struct ck_status st;

	assert_int_equal(client_get_kobj(f->cl, &CLIENT_GVR_LEASES,
	    "kube-system", "ctl", &lease, &st), 0);
	return lease;
}

static void
test_leader_new_checks_durations(void **state)
{
	struct leader_config cfg = { .name = "x", .lease_duration_ms = 5000,
	    .renew_deadline_ms = 6000 };

	(void)state;
	assert_null(leader_new(NULL, &cfg));
	cfg.name = NULL;
	cfg.renew_deadline_ms = 0;
	assert_null(leader_new(NULL, &cfg));
}

static void
test_leader_two_candidates_take_over_after_expiry(void **state)
{
	struct fixture *f = *state;
	struct leader_config ca = { .name = "ctl", .identity = "a" };
	struct leader_config cb = { .name = "ctl", .identity = "b" };
	struct leader *a, *b;
	struct kobj *lease;

	SKIP_WITHOUT_API(f);
	clock_set_fake(1700000000000ULL);
	a = leader_new(f->cl, &ca);
	b = leader_new(f->cl, &cb);
	assert_int_equal(leader_try(a), 1);	/* creates the Lease */
	assert_int_equal(leader_try(b), 0);
	clock_advance_fake(2000);
	assert_int_equal(leader_try(a), 1);	/* renews */
	assert_int_equal(leader_try(b), 0);	/* b sees the renewal */
	lease = get_lease(f);
	assert_string_equal(kobj_get_str(lease, "spec.holderIdentity"), "a");
	assert_int_equal(kobj_get_int_or(lease, "spec.leaseDurationSeconds",
	    0), 15);
	assert_int_equal(kobj_get_int_or(lease, "spec.leaseTransitions", -1),
	    0);
	assert_non_null(kobj_get_str(lease, "spec.acquireTime"));
	assert_non_null(strchr(kobj_get_str(lease, "spec.renewTime"), '.'));
	kobj_unref(lease);

	/* a stops renewing: b waits a whole lease duration from its view */
	clock_advance_fake(14000);
	assert_int_equal(leader_try(b), 0);
	clock_advance_fake(1500);
	assert_int_equal(leader_try(b), 1);
	assert_int_equal(leader_try(a), 0);	/* a lost it */
	lease = get_lease(f);
	assert_string_equal(kobj_get_str(lease, "spec.holderIdentity"), "b");
	assert_int_equal(kobj_get_int_or(lease, "spec.leaseTransitions", -1),
	    1);
	kobj_unref(lease);
	leader_free(a);
	leader_free(b);
}

static struct leader *
candidate(struct fixture *f, const char *id, struct counts *c)
{
	struct leader_config cfg = { .name = "ctl", .identity = id,
	    .lease_duration_ms = 1000, .renew_deadline_ms = 600,
	    .retry_period_ms = 50, .release_on_stop = 1,
	    .on_started_leading = started, .on_stopped_leading = stopped,
	    .arg = c };
	struct leader *l = leader_new(f->cl, &cfg);

	assert_non_null(l);
	assert_int_equal(leader_start(l), 0);
	return l;
}

static void
test_leader_threads_elect_one_and_hand_over(void **state)
{
	struct fixture *f = *state;
	struct counts ca = { 0, 0 }, cb = { 0, 0 };
	struct leader *a, *b, *first, *second;
	long deadline;
	int polls;

	SKIP_WITHOUT_API(f);
	a = candidate(f, "a", &ca);
	b = candidate(f, "b", &cb);
	deadline = now_ms() + 10000;
	while (!leader_is_leader(a) && !leader_is_leader(b)) {
		assert_true(now_ms() < deadline);
		pause_ms(10);
	}
	/* only one leads, for a while */
	for (polls = 0; polls < 30; polls++) {
		assert_false(leader_is_leader(a) && leader_is_leader(b));
		pause_ms(10);
	}
	first = leader_is_leader(a) ? a : b;
	second = first == a ? b : a;
	leader_stop(first);	/* releases the lease */
	deadline = now_ms() + 10000;
	while (!leader_is_leader(second)) {
		assert_true(now_ms() < deadline);
		pause_ms(10);
	}
	assert_int_equal(__atomic_load_n(&ca.started, __ATOMIC_SEQ_CST) +
	    __atomic_load_n(&cb.started, __ATOMIC_SEQ_CST), 2);
	assert_int_equal(__atomic_load_n(&ca.stopped, __ATOMIC_SEQ_CST) +
	    __atomic_load_n(&cb.stopped, __ATOMIC_SEQ_CST), 1);
	leader_free(a);
	leader_free(b);
	assert_int_equal(ca.stopped + cb.stopped, 2);
}

static void
test_leader_stops_leading_when_lease_is_taken(void **state)
{
	struct fixture *f = *state;
	struct counts ca = { 0, 0 };
	struct leader *a;
	struct kobj *lease, *copy;
	struct ck_status st;
	long deadline;
	int rc;

	SKIP_WITHOUT_API(f);
	a = candidate(f, "a", &ca);
	deadline = now_ms() + 10000;
	while (!leader_is_leader(a)) {
		assert_true(now_ms() < deadline);
		pause_ms(10);
	}
	/* An intruder overwrites the lease (and keeps it fresh). */
	do {
		lease = get_lease(f);
		copy = kobj_copy(lease);
		assert_int_equal(kobj_set_str(copy, "spec.holderIdentity",
		    "intruder"), 0);
		rc = client_update_kobj(f->cl, copy, NULL, &st);
		kobj_unref(copy);
		kobj_unref(lease);
	} while (rc == CK_ECONFLICT);
	assert_int_equal(rc, 0);
	deadline = now_ms() + 10000;
	while (!leader_lost(a)) {
		assert_true(now_ms() < deadline);
		pause_ms(10);
	}
	assert_false(leader_is_leader(a));
	assert_int_equal(__atomic_load_n(&ca.stopped, __ATOMIC_SEQ_CST), 1);
	leader_free(a);
	assert_int_equal(ca.stopped, 1);
}

static void
test_leader_flags_parse(void **state)
{
	struct leader_flags lf;
	struct flag table[LEADER_NFLAGS];
	const struct flag *tables[] = { table };
	size_t ntables[] = { LEADER_NFLAGS };
	const struct flags_prog prog = { "x", "x", "1" };
	char a0[] = "x", a1[] = "--leader-elect";
	char a2[] = "--leader-elect-retry-period=1s";
	char *argv[] = { a0, a1, a2, NULL };

	(void)state;
	leader_flags_table(&lf, table);
	assert_int_equal(flags_parse(&prog, tables, ntables, 1, 3, argv), 0);
	assert_int_equal(lf.enabled, 1);
	assert_int_equal(lf.lease_duration_ms, 15000);
	assert_int_equal(lf.renew_deadline_ms, 10000);
	assert_int_equal(lf.retry_period_ms, 1000);
	assert_string_equal(lf.resource_ns, "kube-system");
	assert_null(lf.resource_name);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leader_new_checks_durations),
		cmocka_unit_test(test_leader_flags_parse),
		cmocka_unit_test_setup_teardown(
		    test_leader_two_candidates_take_over_after_expiry, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_leader_threads_elect_one_and_hand_over, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_leader_stops_leading_when_lease_is_taken, setup,
		    teardown),
	};
	int rc;

	rc = cmocka_run_group_tests_name("leader", tests, NULL, NULL);
	client_global_cleanup();
	return rc;
}
