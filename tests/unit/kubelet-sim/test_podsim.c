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
		/* Counted when the next instance starts, not at exit. */
		assert_int_equal(init[0].restarts, (int)i);
		assert_string_equal(init[0].reason, "CrashLoopBackOff");
		assert_true(init[0].has_last);
		assert_int_equal(init[0].last_exit, 1);
		check(&p, "Init:CrashLoopBackOff", 0);
		assert_int_equal(p.phase, PH_PENDING);
		prev = t;
		t = podsim_step(&p, t);
	}
	podsim_status_str(&p, buf, sizeof(buf), &r, &rs);
	assert_int_equal(rs, (int)ARRAY_SIZE(want));
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
	/* Waiting in back-off: the old count, the exit as lastState. */
	assert_int_equal(app[0].restarts, 0);
	assert_true(app[0].has_last);
	assert_int_equal(app[0].last_exit, 2);
	assert_int_equal(podsim_step(&p, 11000), 12000);
	assert_int_equal(app[0].state, CS_RUNNING);
	assert_int_equal(app[0].restarts, 1);
	/* Second exit: still 1 while it backs off (20 s), 2 once it runs. */
	assert_int_equal(podsim_step(&p, 12000), 32000);
	assert_string_equal(app[0].reason, "CrashLoopBackOff");
	assert_int_equal(app[0].restarts, 1);
	(void)podsim_step(&p, 32000);
	assert_int_equal(app[0].state, CS_RUNNING);
	assert_int_equal(app[0].restarts, 2);
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
	/* nginx stops at SIGTERM; the script runs on until the grace ends */
	assert_int_equal(podsim_stop(&p, 500, 30000), 30500);
	assert_int_equal(app[0].state, CS_TERMINATED);
	assert_int_equal(app[0].exit_code, 0);
	assert_int_equal(app[0].finished_ms, 500);
	assert_int_equal(app[1].state, CS_RUNNING);
	assert_false(podsim_stopped(&p));
	assert_int_equal(podsim_step(&p, 10000), 30500);
	assert_int_equal(app[0].restarts, 0);	/* no restart while stopping */
	assert_int_equal(podsim_step(&p, 30600), INT64_MAX);
	assert_int_equal(app[1].state, CS_TERMINATED);
	assert_int_equal(app[1].exit_code, 137);
	assert_int_equal(app[1].finished_ms, 30500);
	assert_true(podsim_stopped(&p));
	/* a script that ends within the grace period ends by itself */
	set(&app[0], "sleep 5", false);
	podsim_init(&p, NULL, 0, app, 1, RP_ALWAYS, 0);
	podsim_step(&p, 0);
	assert_int_equal(podsim_stop(&p, 1000, 30000), 5000);
	assert_int_equal(podsim_step(&p, 5000), INT64_MAX);
	assert_int_equal(app[0].exit_code, 0);
	assert_true(podsim_stopped(&p));
	/* grace 0 kills at once */
	set(&app[0], "sleep 5", false);
	podsim_init(&p, NULL, 0, app, 1, RP_ALWAYS, 0);
	podsim_step(&p, 0);
	assert_int_equal(podsim_stop(&p, 1000, 0), INT64_MAX);
	assert_int_equal(app[0].exit_code, 137);
}

struct notes {
	int	n[NOTE_KILLING + 1];
	int64_t	last_t[NOTE_KILLING + 1];
	enum probe_type probe;
};

static void
record(const struct podsim_note_info *n, void *arg)
{
	struct notes *r = arg;

	r->n[n->kind]++;
	r->last_t[n->kind] = n->t_ms;
	if (n->kind == NOTE_KILLING || n->kind == NOTE_PROBE_FAILED)
		r->probe = n->probe;
}

static void
test_startup_delay_ready_after(void **state)
{
	struct ctr_sim app[1];
	struct pod_sim p;
	struct notes r = { 0 };

	(void)state;
	set(&app[0], NULL, false);
	podsim_init(&p, NULL, 0, app, 1, RP_ALWAYS, 0);
	p.note = record;
	p.note_arg = &r;
	app[0].startup_delay_ms = 2000;
	app[0].ready_after_ms = 3000;
	assert_int_equal(podsim_step(&p, 0), 2000);
	check(&p, "ContainerCreating", 0);
	assert_int_equal(p.phase, PH_PENDING);
	assert_int_equal(podsim_step(&p, 1500), 2000);
	assert_int_equal(podsim_step(&p, 2000), 5000);
	assert_int_equal(p.phase, PH_RUNNING);
	check(&p, "Running", 0);
	assert_int_equal(r.n[NOTE_STARTED], 1);
	assert_int_equal(podsim_step(&p, 5000), INT64_MAX);
	check(&p, "Running", 1);
}

static void
test_image_pull_fail(void **state)
{
	struct ctr_sim init[1], app[1];
	struct pod_sim p;
	struct notes r = { 0 };

	(void)state;
	set(&app[0], NULL, false);
	podsim_init(&p, NULL, 0, app, 1, RP_ALWAYS, 0);
	p.note = record;
	p.note_arg = &r;
	app[0].pull_fail = true;
	assert_int_equal(podsim_step(&p, 0), 1000);
	check(&p, "ErrImagePull", 0);
	assert_int_equal(p.phase, PH_PENDING);
	assert_int_equal(podsim_step(&p, 1000), 10000);
	check(&p, "ImagePullBackOff", 0);
	assert_int_equal(podsim_step(&p, 10000), 11000);
	check(&p, "ErrImagePull", 0);
	assert_int_equal(podsim_step(&p, 11000), 30000);	/* 10 s, 20 s */
	assert_int_equal(r.n[NOTE_PULL_FAILED], 2);
	assert_int_equal(app[0].restarts, 0);
	/* an init container's failed pull: Init:ErrImagePull */
	set(&init[0], "true", true);
	set(&app[0], NULL, false);
	podsim_init(&p, init, 1, app, 1, RP_ALWAYS, 0);
	init[0].pull_fail = true;
	podsim_step(&p, 0);
	check(&p, "Init:ErrImagePull", 0);
	podsim_step(&p, 2000);
	check(&p, "Init:ImagePullBackOff", 0);
}

/* runAsNonRoot refused: CreateContainerConfigError for good, said once. */
static void
test_config_error(void **state)
{
	struct ctr_sim init[1], app[1];
	struct pod_sim p;
	struct notes r = { 0 };

	(void)state;
	set(&app[0], NULL, false);
	podsim_init(&p, NULL, 0, app, 1, RP_ALWAYS, 0);
	p.note = record;
	p.note_arg = &r;
	app[0].config_err = "container has runAsNonRoot and image will run "
	    "as root";
	assert_int_equal(podsim_step(&p, 0), INT64_MAX);
	check(&p, "CreateContainerConfigError", 0);
	assert_int_equal(p.phase, PH_PENDING);
	assert_int_equal(podsim_step(&p, 60000), INT64_MAX);
	check(&p, "CreateContainerConfigError", 0);
	assert_int_equal(r.n[NOTE_CONFIG_ERROR], 1);
	assert_int_equal(r.n[NOTE_STARTED], 0);
	/* in an init container: Init:CreateContainerConfigError */
	set(&init[0], "true", true);
	set(&app[0], NULL, false);
	podsim_init(&p, init, 1, app, 1, RP_ALWAYS, 0);
	init[0].config_err = "container's runAsUser breaks non-root policy";
	podsim_step(&p, 0);
	check(&p, "Init:CreateContainerConfigError", 0);
	assert_int_equal(p.phase, PH_PENDING);
}

static void
set_exec_probe(struct probe_spec *s, const char *cmd)
{
	const char *argv[] = { "sh", "-c", cmd };

	probe_spec_defaults(s);
	s->action = PROBE_EXEC;
	assert_int_equal(sim_spec_eval(argv, 3, true, &s->exec), 0);
}

/* The probe record of s for a container (one per type, reused). */
static struct probe *
probe_of(const struct probe_spec *s, enum probe_type t)
{
	static struct probe slot[3];

	slot[t] = (struct probe){ .spec = *s };
	return &slot[t];
}

static void
test_liveness_restart(void **state)
{
	struct ctr_sim app[1];
	struct pod_sim p;
	struct probe_spec live;
	struct notes r = { 0 };

	(void)state;
	set(&app[0], NULL, false);
	set_exec_probe(&live, "false");
	live.initial_delay_ms = 1000;
	live.period_ms = 1000;
	live.failure_threshold = 2;
	podsim_init(&p, NULL, 0, app, 1, RP_ALWAYS, 0);
	p.note = record;
	p.note_arg = &r;
	app[0].probe[PROBE_LIVENESS] = probe_of(&live, PROBE_LIVENESS);
	assert_int_equal(podsim_step(&p, 0), 1000);
	check(&p, "Running", 1);
	assert_int_equal(podsim_step(&p, 1000), 2000);
	assert_int_equal(r.n[NOTE_PROBE_FAILED], 1);
	assert_int_equal(app[0].state, CS_RUNNING);
	/* second failure: killed, restarted after the backoff */
	assert_int_equal(podsim_step(&p, 2000), 12000);
	assert_int_equal(r.n[NOTE_KILLING], 1);
	assert_int_equal(r.probe, PROBE_LIVENESS);
	assert_int_equal(app[0].restarts, 0);	/* until it starts again */
	assert_int_equal(app[0].last_exit, 137);
	assert_int_equal(app[0].last_finished_ms, 2000);
	check(&p, "CrashLoopBackOff", 0);
	assert_int_equal(podsim_step(&p, 12000), 13000);
	assert_int_equal(app[0].state, CS_RUNNING);
	assert_int_equal(app[0].restarts, 1);
	assert_int_equal(r.n[NOTE_STARTED], 2);
	/* an exec probe that sleeps past its timeout fails too */
	set_exec_probe(&live, "sleep 5");
	assert_false(probe_check(&live, true, &(const char *){ NULL }));
	set_exec_probe(&live, "cat /tmp/healthy");
	assert_true(probe_check(&live, true, &(const char *){ NULL }));
	live.action = PROBE_HTTP;
	assert_true(probe_check(&live, true, &(const char *){ NULL }));
	assert_false(probe_check(&live, false, &(const char *){ NULL }));
}

static void
test_readiness_gates(void **state)
{
	struct ctr_sim app[1];
	struct pod_sim p;
	struct probe_spec rd, su;

	(void)state;
	set(&app[0], NULL, false);
	set_exec_probe(&rd, "true");
	rd.initial_delay_ms = 3000;
	rd.period_ms = 1000;
	rd.success_threshold = 2;
	podsim_init(&p, NULL, 0, app, 1, RP_ALWAYS, 0);
	app[0].probe[PROBE_READINESS] = probe_of(&rd, PROBE_READINESS);
	assert_int_equal(podsim_step(&p, 0), 3000);
	check(&p, "Running", 0);
	assert_int_equal(podsim_step(&p, 3000), 4000);
	check(&p, "Running", 0);	/* one success of two */
	podsim_step(&p, 4000);
	check(&p, "Running", 1);
	/* a failing readiness probe never kills */
	set_exec_probe(&rd, "exit 1");
	rd.period_ms = 1000;
	podsim_init(&p, NULL, 0, app, 1, RP_ALWAYS, 0);
	app[0].probe[PROBE_READINESS] = probe_of(&rd, PROBE_READINESS);
	podsim_step(&p, 0);
	podsim_step(&p, 60000);
	check(&p, "Running", 0);
	assert_int_equal(app[0].restarts, 0);
	/* startup probe: readiness waits for it */
	set_exec_probe(&rd, "true");
	rd.period_ms = 1000;
	set_exec_probe(&su, "true");
	su.initial_delay_ms = 5000;
	su.period_ms = 1000;
	podsim_init(&p, NULL, 0, app, 1, RP_ALWAYS, 0);
	app[0].probe[PROBE_READINESS] = probe_of(&rd, PROBE_READINESS);
	app[0].probe[PROBE_STARTUP] = probe_of(&su, PROBE_STARTUP);
	podsim_step(&p, 0);
	podsim_step(&p, 4000);
	check(&p, "Running", 0);
	podsim_step(&p, 5000);
	podsim_step(&p, 6000);
	check(&p, "Running", 1);
	/* a startup probe that keeps failing kills the container */
	set_exec_probe(&su, "false");
	su.period_ms = 1000;
	podsim_init(&p, NULL, 0, app, 1, RP_NEVER, 0);
	app[0].probe[PROBE_STARTUP] = probe_of(&su, PROBE_STARTUP);
	podsim_step(&p, 0);
	assert_int_equal(podsim_step(&p, 2000), INT64_MAX);
	assert_int_equal(app[0].exit_code, 137);
	assert_int_equal(p.phase, PH_FAILED);
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
		cmocka_unit_test(test_startup_delay_ready_after),
		cmocka_unit_test(test_image_pull_fail),
		cmocka_unit_test(test_config_error),
		cmocka_unit_test(test_liveness_restart),
		cmocka_unit_test(test_readiness_gates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
