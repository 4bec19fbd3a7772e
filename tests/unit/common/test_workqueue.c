/*
 * Unit tests for common/workqueue.c: de-duplication, the processing set,
 * delayed and rate-limited adds on the fake clock, shutdown and drain,
 * metrics, and a 4-worker stress run whose assertions hold in any schedule.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/ratelimit.h"
#include "ckube/strbuf.h"
#include "ckube/workqueue.h"

static int
setup(void **state)
{
	clock_set_fake(1000);
	*state = workqueue_new("test", NULL);
	return 0;
}

static int
teardown(void **state)
{
	workqueue_free(*state);
	clock_use_real();
	return 0;
}

/* Get a key and check it is want. */
static void
get_expect(struct workqueue *q, const char *want)
{
	const char *key = NULL;

	assert_int_equal(workqueue_get(q, &key), 0);
	assert_non_null(key);
	assert_string_equal(key, want);
}

static void
test_workqueue_dedup_while_waiting(void **state)
{
	struct workqueue *q = *state;
	struct workqueue_metrics m;
	char buf[8];

	assert_string_equal(workqueue_name(q), "test");
	ck_strlcpy(buf, "ns/a", sizeof(buf));
	workqueue_add(q, buf);
	buf[3] = 'x';			/* the queue copied the key */
	workqueue_add(q, "ns/b");
	workqueue_add(q, "ns/a");
	workqueue_add(q, "ns/b");
	assert_int_equal(workqueue_len(q), 2);
	get_expect(q, "ns/a");
	get_expect(q, "ns/b");
	assert_int_equal(workqueue_len(q), 0);
	workqueue_done(q, "ns/a");
	workqueue_done(q, "ns/b");
	workqueue_read_metrics(q, &m);
	assert_int_equal(m.adds, 2);
	assert_int_equal(m.gets, 2);
	assert_int_equal(m.dones, 2);
	assert_int_equal(m.depth, 0);
	assert_int_equal(m.processing, 0);
}

static void
test_workqueue_requeue_while_processing(void **state)
{
	struct workqueue *q = *state;
	const char *key = NULL;

	workqueue_add(q, "ns/a");
	assert_int_equal(workqueue_get(q, &key), 0);
	assert_string_equal(key, "ns/a");
	/* Added while processing: not handed out again until done. */
	workqueue_add(q, "ns/a");
	workqueue_add(q, "ns/a");
	assert_int_equal(workqueue_len(q), 0);
	workqueue_add(q, "ns/b");
	get_expect(q, "ns/b");
	workqueue_done(q, "ns/b");
	assert_string_equal(key, "ns/a");	/* still valid until done */
	workqueue_done(q, key);
	assert_int_equal(workqueue_len(q), 1);
	get_expect(q, "ns/a");
	workqueue_done(q, "ns/a");
	assert_int_equal(workqueue_len(q), 0);
	/* done for a key nobody processes: logged and ignored. */
	workqueue_done(q, "ns/a");
	workqueue_done(q, "ns/zzz");
	assert_int_equal(workqueue_len(q), 0);
}

static void
test_workqueue_add_after_order_earliest_wins(void **state)
{
	struct workqueue *q = *state;
	struct workqueue_metrics m;

	workqueue_add_after(q, "c", 30);
	workqueue_add_after(q, "a", 10);
	workqueue_add_after(q, "b", 20);
	workqueue_add_after(q, "a", 50);	/* later: ignored */
	workqueue_add_after(q, "b", 5);		/* earlier: wins */
	workqueue_add_after(q, "d", 30);	/* same time as c, added after it */
	workqueue_add_after(q, "e", 0);		/* at once */
	assert_int_equal(workqueue_len(q), 1);
	get_expect(q, "e");
	workqueue_done(q, "e");
	workqueue_read_metrics(q, &m);
	assert_int_equal(m.delayed, 4);
	clock_advance_fake(4);
	assert_int_equal(workqueue_len(q), 0);
	clock_advance_fake(1);
	assert_int_equal(workqueue_len(q), 1);
	get_expect(q, "b");
	workqueue_done(q, "b");
	clock_advance_fake(5);
	get_expect(q, "a");
	workqueue_done(q, "a");
	clock_advance_fake(19);
	assert_int_equal(workqueue_len(q), 0);
	clock_advance_fake(1);
	assert_int_equal(workqueue_len(q), 2);
	get_expect(q, "c");
	get_expect(q, "d");
	workqueue_done(q, "c");
	workqueue_done(q, "d");
	/* A delayed add of a key that already waits is de-duplicated when due. */
	workqueue_add(q, "x");
	workqueue_add_after(q, "x", 10);
	clock_advance_fake(10);
	assert_int_equal(workqueue_len(q), 1);
	get_expect(q, "x");
	workqueue_done(q, "x");
	workqueue_read_metrics(q, &m);
	assert_int_equal(m.delayed, 0);
	assert_int_equal(m.depth, 0);
}

struct getter {
	struct workqueue	*q;
	const char		*key;
	char			 copy[32];
	int			 rc;
};

static void *
get_one(void *arg)
{
	struct getter *g = arg;

	g->rc = workqueue_get(g->q, &g->key);
	if (g->rc == 0) {
		ck_strlcpy(g->copy, g->key, sizeof(g->copy));
		workqueue_done(g->q, g->key);
	}
	return NULL;
}

/* A getter blocked on an empty queue with a delayed key wakes when the fake clock reaches it. */
static void
test_workqueue_blocked_get_woken_by_fake_clock(void **state)
{
	struct getter g = { .q = *state };
	pthread_t t;

	workqueue_add_after(g.q, "later", 100);
	assert_int_equal(pthread_create(&t, NULL, get_one, &g), 0);
	clock_advance_fake(60);
	clock_advance_fake(40);
	pthread_join(t, NULL);
	assert_int_equal(g.rc, 0);
	assert_string_equal(g.copy, "later");
	assert_true(ck_now_ms() == 1100);
}

static void
rate_limited_due_after(struct workqueue *q, const char *key, uint64_t delay_ms)
{
	workqueue_add_rate_limited(q, key);
	clock_advance_fake(delay_ms - 1);
	assert_int_equal(workqueue_len(q), 0);
	clock_advance_fake(1);
	assert_int_equal(workqueue_len(q), 1);
	get_expect(q, key);
	workqueue_done(q, key);
}

static void
test_workqueue_rate_limited_backoff_and_forget(void **state)
{
	struct workqueue *q = *state;
	struct workqueue_metrics m;

	rate_limited_due_after(q, "ns/a", 5);
	rate_limited_due_after(q, "ns/a", 10);
	rate_limited_due_after(q, "ns/a", 20);
	rate_limited_due_after(q, "ns/a", 40);
	assert_int_equal(workqueue_retries(q, "ns/a"), 4);
	rate_limited_due_after(q, "ns/b", 5);
	workqueue_forget(q, "ns/a");
	assert_int_equal(workqueue_retries(q, "ns/a"), 0);
	rate_limited_due_after(q, "ns/a", 5);
	/* A pending 80 ms retry is overtaken by the 5 ms one after forget. */
	rate_limited_due_after(q, "ns/a", 10);
	workqueue_add_rate_limited(q, "ns/a");	/* 20 ms */
	workqueue_forget(q, "ns/a");
	rate_limited_due_after(q, "ns/a", 5);
	workqueue_read_metrics(q, &m);
	assert_int_equal(m.retries, 9);
}

static void
test_workqueue_custom_ratelimit(void **state)
{
	struct ratelimit_config cfg = {
		.base_delay_ms = 100, .max_delay_ms = 150, .qps = 0, .burst = 0,
	};
	struct workqueue *q;

	(void)state;
	q = workqueue_new("custom", ratelimit_new(&cfg));
	rate_limited_due_after(q, "k", 100);
	rate_limited_due_after(q, "k", 150);
	rate_limited_due_after(q, "k", 150);
	workqueue_free(q);
}

static void
test_workqueue_shutdown_drains_then_stops(void **state)
{
	struct workqueue *q = *state;
	const char *key = NULL;

	workqueue_add(q, "a");
	workqueue_add(q, "b");
	workqueue_add(q, "p");
	get_expect(q, "a");		/* a is processing */
	workqueue_add(q, "a");		/* ...and dirty */
	workqueue_add_after(q, "late", 10);
	workqueue_shutdown(q);
	assert_true(workqueue_is_shutting_down(q));
	workqueue_add(q, "c");			/* ignored */
	workqueue_add_after(q, "d", 0);		/* ignored */
	workqueue_add_rate_limited(q, "e");	/* ignored */
	clock_advance_fake(10);			/* "late" was dropped */
	assert_int_equal(workqueue_len(q), 2);
	/* The drain is not over while keys wait or run (a past deadline: no block). */
	assert_int_equal(workqueue_drain(q, ck_now_ms()), CK_ETIMEDOUT);
	get_expect(q, "b");
	get_expect(q, "p");
	workqueue_done(q, "b");
	workqueue_done(q, "p");
	workqueue_done(q, "a");		/* dirty: comes back once more */
	get_expect(q, "a");
	assert_int_equal(workqueue_drain(q, ck_now_ms()), CK_ETIMEDOUT);
	workqueue_done(q, "a");
	assert_int_equal(workqueue_get(q, &key), CK_ESHUTDOWN);
	assert_null(key);
	assert_int_equal(workqueue_get(q, &key), CK_ESHUTDOWN);
	assert_int_equal(workqueue_drain(q, CLOCK_NEVER), 0);
}

static void
test_workqueue_shutdown_now_stops_at_once(void **state)
{
	struct workqueue *q = *state;
	const char *key = NULL;

	workqueue_add(q, "a");
	workqueue_add(q, "b");
	workqueue_shutdown_now(q);
	assert_int_equal(workqueue_get(q, &key), CK_ESHUTDOWN);
	assert_null(key);
	assert_int_equal(workqueue_drain(q, CLOCK_NEVER), 0);
	/* Queued keys are freed with the queue (valgrind checks). */
}

#define NGETTERS	3

static void
test_workqueue_shutdown_unblocks_getters(void **state)
{
	struct getter g[NGETTERS];
	pthread_t t[NGETTERS];
	int i;

	for (i = 0; i < NGETTERS; i++) {
		g[i].q = *state;
		g[i].rc = 1;
		assert_int_equal(pthread_create(&t[i], NULL, get_one, &g[i]), 0);
	}
	workqueue_add_after(*state, "never", 1000);
	workqueue_shutdown(*state);
	for (i = 0; i < NGETTERS; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(g[i].rc, CK_ESHUTDOWN);
	}
}

/* A drain blocked in another thread ends when the last worker is done. */
static void *
drain_forever(void *arg)
{
	struct getter *g = arg;

	g->rc = workqueue_drain(g->q, CLOCK_NEVER);
	return NULL;
}

static void
test_workqueue_drain_waits_for_workers(void **state)
{
	struct getter g = { .q = *state, .rc = 1 };
	pthread_t t;

	workqueue_add(g.q, "a");
	get_expect(g.q, "a");
	workqueue_shutdown(g.q);
	assert_int_equal(pthread_create(&t, NULL, drain_forever, &g), 0);
	workqueue_done(g.q, "a");
	pthread_join(t, NULL);
	assert_int_equal(g.rc, 0);
}

static void
test_workqueue_metrics_times(void **state)
{
	struct workqueue *q = *state;
	struct workqueue_metrics m;

	workqueue_add(q, "a");		/* t = 1000 */
	clock_advance_fake(7);
	workqueue_add(q, "b");		/* t = 1007 */
	get_expect(q, "a");		/* waited 7 ms */
	clock_advance_fake(3);
	get_expect(q, "b");		/* waited 3 ms */
	clock_advance_fake(2);
	workqueue_read_metrics(q, &m);
	assert_int_equal(m.processing, 2);
	assert_int_equal(m.unfinished_work_us, 5000 + 2000);
	assert_int_equal(m.longest_running_us, 5000);
	workqueue_done(q, "a");		/* ran 5 ms */
	clock_advance_fake(10);
	workqueue_done(q, "b");		/* ran 12 ms */
	workqueue_read_metrics(q, &m);
	assert_int_equal(m.adds, 2);
	assert_int_equal(m.gets, 2);
	assert_int_equal(m.dones, 2);
	assert_int_equal(m.queue_us_total, 10000);
	assert_int_equal(m.queue_us_max, 7000);
	assert_int_equal(m.work_us_total, 17000);
	assert_int_equal(m.work_us_max, 12000);
	assert_int_equal(m.unfinished_work_us, 0);
	assert_int_equal(m.processing, 0);
	assert_int_equal(m.depth, 0);
}

/*
 * The stress run: NWORKERS workers, NADDS adds over NKEYS keys from two
 * adder threads. Whatever the schedule: no key is ever processed by two
 * workers at once, and each key's last processing started after its last add.
 */
#define NWORKERS	4
#define NKEYS		50
#define NADDS		10000

struct keystat {
	bool		active;
	uint64_t	last_add;
	uint64_t	last_start;
	unsigned int	runs;
};

struct stress {
	struct workqueue	*q;
	pthread_mutex_t		 mu;
	uint64_t		 seq;
	unsigned int		 overlaps;
	unsigned int		 bad_keys;
	unsigned int		 runs;
	struct keystat		 k[NKEYS];
};

static void *
stress_worker(void *arg)
{
	struct stress *s = arg;
	const char *key;
	struct keystat *ks;
	int64_t idx;
	int i;

	while (workqueue_get(s->q, &key) == 0) {
		if (ck_parse_int64(key + 1, &idx) < 0 || idx < 0 || idx >= NKEYS) {
			pthread_mutex_lock(&s->mu);
			s->bad_keys++;
			pthread_mutex_unlock(&s->mu);
			workqueue_done(s->q, key);
			continue;
		}
		ks = &s->k[idx];
		pthread_mutex_lock(&s->mu);
		if (ks->active)
			s->overlaps++;
		ks->active = true;
		ks->last_start = ++s->seq;
		ks->runs++;
		s->runs++;
		pthread_mutex_unlock(&s->mu);
		for (i = 0; i < (int)(idx % 4); i++)
			sched_yield();
		pthread_mutex_lock(&s->mu);
		ks->active = false;
		pthread_mutex_unlock(&s->mu);
		workqueue_done(s->q, key);
	}
	return NULL;
}

struct adder {
	struct stress	*s;
	unsigned int	 seed;
};

static void *
stress_adder(void *arg)
{
	struct adder *a = arg;
	struct stress *s = a->s;
	unsigned int seed = a->seed;
	char key[16];
	int i, idx;

	for (i = 0; i < NADDS / 2; i++) {
		seed = seed * 1103515245u + 12345u;
		idx = i < NKEYS ? i : (int)((seed >> 8) % NKEYS);
		snprintf(key, sizeof(key), "k%d", idx);
		/* The add is recorded under s->mu, so the sequence numbers order it. */
		pthread_mutex_lock(&s->mu);
		s->k[idx].last_add = ++s->seq;
		workqueue_add(s->q, key);
		pthread_mutex_unlock(&s->mu);
		if (i % 64 == 0)
			sched_yield();
	}
	return NULL;
}

static void
test_workqueue_stress_no_concurrent_key(void **state)
{
	struct stress *s;
	struct adder add[2];
	pthread_t w[NWORKERS], at[2];
	struct workqueue_metrics m;
	int i;

	(void)state;
	clock_use_real();
	s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->q = workqueue_new("stress", NULL);
	pthread_mutex_init(&s->mu, NULL);
	for (i = 0; i < NWORKERS; i++)
		assert_int_equal(pthread_create(&w[i], NULL, stress_worker, s), 0);
	for (i = 0; i < 2; i++) {
		add[i].s = s;
		add[i].seed = 17u + (unsigned int)i;
		assert_int_equal(pthread_create(&at[i], NULL, stress_adder, &add[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(at[i], NULL);
	workqueue_shutdown(s->q);
	assert_int_equal(workqueue_drain(s->q, CLOCK_NEVER), 0);
	for (i = 0; i < NWORKERS; i++)
		pthread_join(w[i], NULL);

	assert_int_equal(s->overlaps, 0);
	assert_int_equal(s->bad_keys, 0);
	for (i = 0; i < NKEYS; i++) {
		assert_true(s->k[i].runs >= 1);
		assert_false(s->k[i].active);
		/* Every add was followed by a processing that started after it. */
		assert_true(s->k[i].last_start > s->k[i].last_add);
	}
	/* Each accepted (non-de-duplicated) add led to exactly one processing. */
	workqueue_read_metrics(s->q, &m);
	assert_int_equal(m.adds, s->runs);
	assert_int_equal(m.gets, s->runs);
	assert_int_equal(m.dones, s->runs);
	assert_true(s->runs <= NADDS);
	assert_int_equal(m.depth + m.processing + m.delayed, 0);
	workqueue_free(s->q);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/*
 * Retries under load, on the fake clock: each key fails twice (rate-limited
 * requeue) and then succeeds (forget). The test thread moves time until
 * every key has succeeded; whatever the schedule, each key runs exactly
 * three times and never on two workers at once.
 */
#define RKEYS		40
#define RFAILS		2

struct retry_run {
	struct workqueue	*q;
	pthread_mutex_t		 mu;
	unsigned int		 runs[RKEYS];
	bool			 active[RKEYS];
	unsigned int		 overlaps;
	unsigned int		 succeeded;
};

static void *
retry_worker(void *arg)
{
	struct retry_run *r = arg;
	const char *key;
	unsigned int n;
	int64_t idx;

	while (workqueue_get(r->q, &key) == 0) {
		if (ck_parse_int64(key + 1, &idx) < 0 || idx < 0 || idx >= RKEYS) {
			workqueue_done(r->q, key);
			continue;
		}
		pthread_mutex_lock(&r->mu);
		if (r->active[idx])
			r->overlaps++;
		r->active[idx] = true;
		n = ++r->runs[idx];
		pthread_mutex_unlock(&r->mu);
		if (n <= RFAILS) {
			workqueue_add_rate_limited(r->q, key);
		} else {
			workqueue_forget(r->q, key);
		}
		pthread_mutex_lock(&r->mu);
		r->active[idx] = false;
		if (n == RFAILS + 1)
			r->succeeded++;
		pthread_mutex_unlock(&r->mu);
		workqueue_done(r->q, key);
	}
	return NULL;
}

static void
test_workqueue_stress_rate_limited_retries(void **state)
{
	struct retry_run *r;
	struct workqueue_metrics m;
	pthread_t w[NWORKERS];
	char key[16];
	unsigned int done;
	int i;

	(void)state;
	r = calloc(1, sizeof(*r));
	assert_non_null(r);
	r->q = workqueue_new("retry", NULL);
	pthread_mutex_init(&r->mu, NULL);
	for (i = 0; i < NWORKERS; i++)
		assert_int_equal(pthread_create(&w[i], NULL, retry_worker, r), 0);
	for (i = 0; i < RKEYS; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		workqueue_add(r->q, key);
	}
	for (;;) {
		pthread_mutex_lock(&r->mu);
		done = r->succeeded;
		pthread_mutex_unlock(&r->mu);
		if (done == RKEYS)
			break;
		clock_advance_fake(5);
		sched_yield();
	}
	workqueue_shutdown(r->q);
	assert_int_equal(workqueue_drain(r->q, CLOCK_NEVER), 0);
	for (i = 0; i < NWORKERS; i++)
		pthread_join(w[i], NULL);
	assert_int_equal(r->overlaps, 0);
	for (i = 0; i < RKEYS; i++) {
		assert_int_equal(r->runs[i], RFAILS + 1);
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(workqueue_retries(r->q, key), 0);
	}
	workqueue_read_metrics(r->q, &m);
	assert_int_equal(m.retries, RKEYS * RFAILS);
	assert_int_equal(m.gets, RKEYS * (RFAILS + 1));
	workqueue_free(r->q);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_workqueue_dedup_while_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_requeue_while_processing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_add_after_order_earliest_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_blocked_get_woken_by_fake_clock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_rate_limited_backoff_and_forget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_custom_ratelimit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_shutdown_drains_then_stops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_shutdown_now_stops_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_shutdown_unblocks_getters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_drain_waits_for_workers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_metrics_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_stress_no_concurrent_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_workqueue_stress_rate_limited_retries, setup, teardown),
	};

	return cmocka_run_group_tests_name("workqueue", tests, NULL, NULL);
}
