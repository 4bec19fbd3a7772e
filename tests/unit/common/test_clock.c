/* Unit tests for common/clock.c: real and fake time, and waits that obey the fake clock. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "ckube/clock.h"
#include "ckube/err.h"

struct waitctx {
	pthread_mutex_t	 mu;
	pthread_cond_t	 cond;
	uint64_t	 deadline_ms;
	uint64_t	 seen_ms;	/* ck_now_ms() when the wait timed out */
	int		 rc;
	bool		 flag;		/* set by the test to end an untimed wait */
	int		 wakeups;
};

static int
teardown(void **state)
{
	(void)state;
	clock_use_real();
	return 0;
}

static void
waitctx_init(struct waitctx *w, uint64_t deadline_ms)
{
	pthread_mutex_init(&w->mu, NULL);
	assert_int_equal(clock_cond_init(&w->cond), 0);
	w->deadline_ms = deadline_ms;
	w->seen_ms = 0;
	w->rc = 1;
	w->flag = false;
	w->wakeups = 0;
}

static void
waitctx_fini(struct waitctx *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->mu);
}

/* Wait until the deadline, re-checking after each (possibly spurious) wake-up. */
static void *
wait_deadline(void *arg)
{
	struct waitctx *w = arg;
	int rc;

	pthread_mutex_lock(&w->mu);
	while ((rc = clock_cond_timedwait(&w->cond, &w->mu, w->deadline_ms)) == 0)
		w->wakeups++;
	w->seen_ms = ck_now_ms();
	w->rc = rc;
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Wait without a deadline until the flag is set. */
static void *
wait_flag(void *arg)
{
	struct waitctx *w = arg;
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	while (!w->flag && rc == 0)
		rc = clock_cond_timedwait(&w->cond, &w->mu, CLOCK_NEVER);
	w->rc = rc;
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static void
test_clock_real_is_monotonic_and_wall_is_now(void **state)
{
	uint64_t a, b, us;
	int64_t wall;

	(void)state;
	assert_false(clock_is_fake());
	a = ck_now_ms();
	us = ck_now_us();
	b = ck_now_ms();
	assert_true(b >= a);
	assert_true(us / 1000 >= a && us / 1000 <= b);
	/*
	 * time() reads the coarse clock, which can lag clock_gettime() by a
	 * tick: at a second's boundary wall may already be in the next one
	 * (CI saw it once).
	 */
	wall = ck_wall_us();
	assert_true(wall / 1000000 >= (int64_t)time(NULL) - 1);
	assert_true(wall / 1000000 <= (int64_t)time(NULL) + 1);
}

static void
test_clock_fake_set_advance_real(void **state)
{
	(void)state;
	clock_set_fake(1700000000000ull);
	assert_true(clock_is_fake());
	assert_true(ck_now_ms() == 1700000000000ull);
	assert_true(ck_now_us() == 1700000000000000ull);
	assert_true(ck_wall_us() == 1700000000000000ll);
	clock_advance_fake(250);
	assert_true(ck_now_ms() == 1700000000250ull);
	clock_use_real();
	assert_false(clock_is_fake());
	/* Advancing while real starts the fake clock at 0. */
	clock_advance_fake(7);
	assert_true(clock_is_fake());
	assert_int_equal(ck_now_ms(), 7);
}

static void
test_clock_timedwait_past_deadline_returns_at_once(void **state)
{
	struct waitctx w;

	(void)state;
	clock_set_fake(1000);
	waitctx_init(&w, 1000);
	pthread_mutex_lock(&w.mu);
	assert_int_equal(clock_cond_timedwait(&w.cond, &w.mu, 999), CK_ETIMEDOUT);
	assert_int_equal(clock_cond_timedwait(&w.cond, &w.mu, 1000), CK_ETIMEDOUT);
	pthread_mutex_unlock(&w.mu);
	waitctx_fini(&w);
}

static void
test_clock_fake_advance_ends_wait_at_deadline(void **state)
{
	struct waitctx w;
	pthread_t t;

	(void)state;
	clock_set_fake(0);
	waitctx_init(&w, 100);
	assert_int_equal(pthread_create(&t, NULL, wait_deadline, &w), 0);
	clock_advance_fake(50);
	clock_advance_fake(49);
	clock_advance_fake(1);
	pthread_join(t, NULL);
	assert_int_equal(w.rc, CK_ETIMEDOUT);
	/* It never returned before the fake time reached the deadline. */
	assert_int_equal(w.seen_ms, 100);
	waitctx_fini(&w);
}

static void
test_clock_untimed_wait_woken_by_signal(void **state)
{
	struct waitctx w;
	pthread_t t;

	(void)state;
	clock_set_fake(0);
	waitctx_init(&w, CLOCK_NEVER);
	assert_int_equal(pthread_create(&t, NULL, wait_flag, &w), 0);
	clock_advance_fake(1000000);	/* only a spurious wake-up */
	pthread_mutex_lock(&w.mu);
	w.flag = true;
	pthread_cond_signal(&w.cond);
	pthread_mutex_unlock(&w.mu);
	pthread_join(t, NULL);
	assert_int_equal(w.rc, 0);
	waitctx_fini(&w);
}

static void
test_clock_real_timedwait_times_out(void **state)
{
	struct waitctx w;
	uint64_t start;

	(void)state;
	start = ck_now_ms();
	waitctx_init(&w, start + 20);
	wait_deadline(&w);
	assert_int_equal(w.rc, CK_ETIMEDOUT);
	assert_true(w.seen_ms >= start + 20);
	waitctx_fini(&w);
}

/* Switching to the fake clock wakes a real-time waiter, which then obeys fake time. */
static void
test_clock_switch_to_fake_wakes_real_waiter(void **state)
{
	struct waitctx w;
	pthread_t t;

	(void)state;
	waitctx_init(&w, ck_now_ms() + 3600 * 1000);
	assert_int_equal(pthread_create(&t, NULL, wait_deadline, &w), 0);
	clock_set_fake(w.deadline_ms - 1);
	clock_advance_fake(1);
	pthread_join(t, NULL);
	assert_int_equal(w.rc, CK_ETIMEDOUT);
	assert_true(w.seen_ms == w.deadline_ms);
	waitctx_fini(&w);
}

#define NWAITERS	4
#define NSTEPS		200

struct stepper {
	struct waitctx	 w;
	uint64_t	 reached;
};

static void *
wait_steps(void *arg)
{
	struct stepper *s = arg;
	uint64_t d;

	for (d = 1; d <= NSTEPS; d++) {
		s->w.deadline_ms = d;
		wait_deadline(&s->w);
		if (s->w.rc != CK_ETIMEDOUT || s->w.seen_ms < d)
			return NULL;
		s->reached = d;
	}
	return NULL;
}

/* Many waiters against many small advances: every wait ends, none early. */
static void
test_clock_many_waiters_many_advances(void **state)
{
	struct stepper s[NWAITERS];
	pthread_t t[NWAITERS];
	int i;

	(void)state;
	clock_set_fake(0);
	for (i = 0; i < NWAITERS; i++) {
		waitctx_init(&s[i].w, 0);
		s[i].reached = 0;
		assert_int_equal(pthread_create(&t[i], NULL, wait_steps, &s[i]), 0);
	}
	for (i = 0; i < NSTEPS; i++)
		clock_advance_fake(1);
	for (i = 0; i < NWAITERS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(s[i].reached, NSTEPS);
		waitctx_fini(&s[i].w);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_clock_real_is_monotonic_and_wall_is_now, teardown),
		cmocka_unit_test_teardown(test_clock_fake_set_advance_real, teardown),
		cmocka_unit_test_teardown(test_clock_timedwait_past_deadline_returns_at_once, teardown),
		cmocka_unit_test_teardown(test_clock_fake_advance_ends_wait_at_deadline, teardown),
		cmocka_unit_test_teardown(test_clock_untimed_wait_woken_by_signal, teardown),
		cmocka_unit_test_teardown(test_clock_real_timedwait_times_out, teardown),
		cmocka_unit_test_teardown(test_clock_switch_to_fake_wakes_real_waiter, teardown),
		cmocka_unit_test_teardown(test_clock_many_waiters_many_advances, teardown),
	};

	return cmocka_run_group_tests_name("clock", tests, NULL, NULL);
}
