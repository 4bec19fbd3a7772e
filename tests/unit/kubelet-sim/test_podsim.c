/* Unit tests of the kubelet-sim pod state machine, driven by a fake clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/ck.h"
#include "podsim.h"

static void
set(struct ctr_sim *c, const char *script, bool init)
{
	const char *argv[] = { "sh", "-c", script };

	memset(c, 0, sizeof(*c));
	if (script == NULL)
		assert_int_equal(sim_spec_eval(NULL, 0, init, &c->out), 0);
	else
		assert_int_equal(sim_spec_eval(argv, 3, init, &c->out), 0);
}

static void
check(const struct pod_sim *p, const char *want, int ready)
{
	char buf[64];
	int r, rs;

	podsim_status_str(p, buf, sizeof(buf), &r, &rs);
	assert_string_equal(buf, want);
	assert_int_equal(r, ready);
}

static void
test_init_sequence(void **state)
{
	struct ctr_sim init[2], app[1];
	struct pod_sim p;

	(void)state;
	set(&init[0], "sleep 5", true);
	set(&init[1], "sleep 5", true);
	set(&app[0], NULL, false);	/* nginx */
	podsim_init(&p, init, 2, app, 1, RP_ALWAYS, 0);
	check(&p, "Init:0/2", 0);
	assert_int_equal(podsim_step(&p, 0), 5000);
	assert_int_equal(init[0].state, CS_RUNNING);
	assert_int_equal(init[1].state, CS_WAITING);
	assert_string_equal(init[1].reason, "PodInitializing");
	check(&p, "Init:0/2", 0);
	assert_int_equal(podsim_step(&p, 5000), 10000);
	assert_int_equal(init[0].state, CS_TERMINATED);
	assert_string_equal(init[0].reason, "Completed");
	assert_int_equal(init[1].started_ms, init[0].finished_ms);
	check(&p, "Init:1/2", 0);
	assert_int_equal(p.phase, PH_PENDING);
	assert_string_equal(app[0].reason, "PodInitializing");
	check(&p, "Init:1/2", 0);
	assert_int_equal(podsim_step(&p, 10000), INT64_MAX);
	assert_true(p.initialized);
	assert_int_equal(p.phase, PH_RUNNING);
	assert_int_equal(app[0].state, CS_RUNNING);
	assert_true(app[0].started_ms >= init[1].finished_ms);
	check(&p, "Running", 1);
}

static void
test_init_fail_never(void **state)
{
	struct ctr_sim init[2], app[1];
	struct pod_sim p;

	(void)state;
	set(&init[0], "exit 1", true);
	set(&init[1], "sleep 1", true);
	set(&app[0], NULL, false);
	podsim_init(&p, init, 2, app, 1, RP_NEVER, 0);
	assert_int_equal(podsim_step(&p, 0), INT64_MAX);
	assert_int_equal(p.phase, PH_FAILED);
	assert_int_equal(init[0].exit_code, 1);
	assert_string_equal(init[0].reason, "Error");
	assert_int_equal(init[1].state, CS_WAITING);
	assert_int_equal(app[0].state, CS_WAITING);
	assert_string_equal(app[0].reason, "PodInitializing");
	check(&p, "Init:Error", 0);
	assert_int_equal(podsim_step(&p, 100000), INT64_MAX);
	assert_int_equal(app[0].state, CS_WAITING);
}

static void
test_init_crashloop(void **state)
{
	struct ctr_sim init[1], app[1];
	struct pod_sim p;
	int64_t t, want[] = { 10000, 20000, 40000, 80000, 160000, 300000,
	    300000 };
	int64_t prev = 0;
	size_t i;
	char buf[64];
	int r, rs;

	(void)state;
	set(&init[0], "exit 1", true);
	set(&app[0], NULL, false);
	podsim_init(&p, init, 1, app, 1, RP_ALWAYS, 0);
	t = podsim_step(&p, 0);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(t - prev, want[i]);
		assert_int_equal(init[0].restarts, (int)i + 1);
		assert_string_equal(init[0].reason, "CrashLoopBackOff");
		assert_true(init[0].has_last);
		assert_int_equal(init[0].last_exit, 1);
		check(&p, "Init:CrashLoopBackOff", 0);
		assert_int_equal(p.phase, PH_PENDING);
		prev = t;
		t = podsim_step(&p, t);
	}
	podsim_status_str(&p, buf, sizeof(buf), &r, &rs);
	assert_int_equal(rs, (int)ARRAY_SIZE(want) + 1);
	assert_int_equal(app[0].state, CS_WAITING);
}

static void
test_job_like(void **state)
{
	struct ctr_sim app[1];
	struct pod_sim p;

	(void)state;
	set(&app[0], "sleep 1; exit 0", false);
	podsim_init(&p, NULL, 0, app, 1, RP_NEVER, 0);
	assert_int_equal(podsim_step(&p, 0), 1000);
	check(&p, "Running", 1);
	assert_int_equal(podsim_step(&p, 1000), INT64_MAX);
	assert_int_equal(p.phase, PH_SUCCEEDED);
	check(&p, "Completed", 0);
	/* OnFailure with a failing container restarts it. */
	set(&app[0], "sleep 1; exit 2", false);
	podsim_init(&p, NULL, 0, app, 1, RP_ONFAILURE, 0);
	podsim_step(&p, 0);
	assert_int_equal(podsim_step(&p, 1000), 11000);
	assert_int_equal(p.phase, PH_RUNNING);
	check(&p, "CrashLoopBackOff", 0);
	assert_int_equal(podsim_step(&p, 11000), 12000);
	assert_int_equal(app[0].state, CS_RUNNING);
	assert_int_equal(app[0].restarts, 1);
}

static void
test_deadline(void **state)
{
	struct ctr_sim init[1], app[1];
	struct pod_sim p;

	(void)state;
	set(&init[0], "sleep 100", true);
	set(&app[0], NULL, false);
	podsim_init(&p, init, 1, app, 1, RP_ALWAYS, 0);
	p.active_deadline_ms = 30000;
	assert_int_equal(podsim_step(&p, 0), 30000);
	assert_int_equal(podsim_step(&p, 30000), INT64_MAX);
	assert_int_equal(p.phase, PH_FAILED);
	assert_string_equal(p.reason, "DeadlineExceeded");
	assert_int_equal(init[0].state, CS_TERMINATED);
	assert_int_equal(app[0].state, CS_WAITING);
}

static void
test_graceful_stop(void **state)
{
	struct ctr_sim app[2];
	struct pod_sim p;

	(void)state;
	set(&app[0], NULL, false);
	set(&app[1], "sleep 1000", false);
	podsim_init(&p, NULL, 0, app, 2, RP_ALWAYS, 0);
	podsim_step(&p, 0);
	check(&p, "Running", 2);
	assert_true(podsim_stop(&p, 500));
	assert_int_equal(app[0].state, CS_TERMINATED);
	assert_int_equal(app[1].state, CS_TERMINATED);
	assert_int_equal(app[1].finished_ms, 500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_sequence),
		cmocka_unit_test(test_init_fail_never),
		cmocka_unit_test(test_init_crashloop),
		cmocka_unit_test(test_job_like),
		cmocka_unit_test(test_deadline),
		cmocka_unit_test(test_graceful_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
