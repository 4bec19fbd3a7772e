/* Unit tests for common/ratelimit.c: per-key backoff, token bucket, their max; fake clock only. */
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "ckube/ck.h"

#include "ckube/clock.h"
#include "ckube/ratelimit.h"

static int
setup(void **state)
{
	(void)state;
	clock_set_fake(1000000);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	clock_use_real();
	return 0;
}

static struct ratelimit *
new_limiter(uint64_t base, uint64_t max, double qps, unsigned int burst)
{
	struct ratelimit_config cfg = {
		.base_delay_ms = base, .max_delay_ms = max, .qps = qps, .burst = burst,
	};
	struct ratelimit *rl = ratelimit_new(&cfg);

	assert_non_null(rl);
	return rl;
}

static void
test_ratelimit_backoff_doubles_and_forget_resets(void **state)
{
	static const uint64_t want[] = { 5, 10, 20, 40, 80, 160, 320, 640, 1280 };
	struct ratelimit *rl = new_limiter(5, 1000 * 1000, 0, 0);
	size_t i;

	(void)state;
	assert_int_equal(ratelimit_retries(rl, "ns/a"), 0);
	for (i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(ratelimit_when(rl, "ns/a"), want[i]);
		assert_int_equal(ratelimit_retries(rl, "ns/a"), i + 1);
	}
	/* Keys are independent. */
	assert_int_equal(ratelimit_when(rl, "ns/b"), 5);
	assert_int_equal(ratelimit_retries(rl, "ns/b"), 1);
	ratelimit_forget(rl, "ns/a");
	assert_int_equal(ratelimit_retries(rl, "ns/a"), 0);
	assert_int_equal(ratelimit_when(rl, "ns/a"), 5);
	assert_int_equal(ratelimit_when(rl, "ns/a"), 10);
	assert_int_equal(ratelimit_when(rl, "ns/b"), 10);
	ratelimit_forget(rl, "ns/never");	/* harmless */
	ratelimit_free(rl);
}

static void
test_ratelimit_backoff_caps_at_max(void **state)
{
	static const uint64_t want[] = { 5, 10, 20, 40, 80, 100, 100, 100 };
	struct ratelimit *rl = new_limiter(5, 100, 0, 0);
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(want); i++)
		assert_int_equal(ratelimit_when(rl, "k"), want[i]);
	ratelimit_free(rl);
	/* The defaults: 5 ms doubling reaches 1000 s and stays there, with no overflow. */
	rl = ratelimit_new(NULL);
	assert_non_null(rl);
	for (i = 0; i < 200; i++)
		(void)ratelimit_when(rl, "k");
	clock_advance_fake(3600 * 1000);	/* refill the bucket */
	assert_int_equal(ratelimit_when(rl, "k"), RATELIMIT_MAX_DELAY_MS);
	assert_int_equal(ratelimit_retries(rl, "k"), 201);
	ratelimit_free(rl);
}

static void
test_ratelimit_bucket_burst_then_qps(void **state)
{
	struct ratelimit *rl = new_limiter(0, 0, 10, 100);
	char key[32];
	int i;

	(void)state;
	/* A full bucket: 100 go at once, whatever the keys. */
	for (i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(ratelimit_when(rl, key), 0);
	}
	/* Then one every 100 ms, each reservation behind the previous one. */
	assert_int_equal(ratelimit_when(rl, "x"), 100);
	assert_int_equal(ratelimit_when(rl, "y"), 200);
	assert_int_equal(ratelimit_when(rl, "z"), 300);
	/* 1 s refills 10 tokens, 3 of which were owed. */
	clock_advance_fake(1000);
	for (i = 0; i < 7; i++)
		assert_int_equal(ratelimit_when(rl, "x"), 0);
	assert_int_equal(ratelimit_when(rl, "x"), 100);
	/* Half a token's time: the next one is 50 ms + the 100 ms still owed away. */
	clock_advance_fake(50);
	assert_int_equal(ratelimit_when(rl, "x"), 150);
	/* A long pause refills to burst, not beyond. */
	clock_advance_fake(3600 * 1000);
	for (i = 0; i < 100; i++)
		assert_int_equal(ratelimit_when(rl, "x"), 0);
	assert_int_equal(ratelimit_when(rl, "x"), 100);
	ratelimit_free(rl);
}

/* TryAccept: a token or the wait, never a debt; the rate can change. */
static void
test_ratelimit_try_and_set_qps(void **state)
{
	struct ratelimit *rl = new_limiter(0, 0, 0.1, 1);

	(void)state;
	assert_int_equal(ratelimit_try(rl), 0);		/* the burst */
	assert_int_equal(ratelimit_try(rl), 10000);	/* 0.1/s */
	assert_int_equal(ratelimit_try(rl), 10000);	/* nothing owed */
	clock_advance_fake(4000);
	assert_int_equal(ratelimit_try(rl), 6000);
	clock_advance_fake(6000);
	assert_int_equal(ratelimit_try(rl), 0);
	/* 0.01/s from now on: the next token takes 100 s. */
	ratelimit_set_qps(rl, 0.01);
	assert_int_equal(ratelimit_try(rl), 100000);
	clock_advance_fake(100000);
	assert_int_equal(ratelimit_try(rl), 0);
	/* qps 0: never; back to 1/s, the token comes a second later. */
	ratelimit_set_qps(rl, 0);
	clock_advance_fake(3600 * 1000);
	assert_true(ratelimit_try(rl) == UINT64_MAX);
	ratelimit_set_qps(rl, 1);
	assert_int_equal(ratelimit_try(rl), 1000);
	clock_advance_fake(1000);
	assert_int_equal(ratelimit_try(rl), 0);
	ratelimit_set_qps(rl, -1);		/* ignored */
	assert_int_equal(ratelimit_try(rl), 1000);
	ratelimit_free(rl);
}

static void
test_ratelimit_default_is_max_of_both(void **state)
{
	struct ratelimit *rl = ratelimit_new(NULL);
	int i;

	(void)state;
	/* With tokens left, per-key backoff decides. */
	assert_int_equal(ratelimit_when(rl, "a"), 5);
	assert_int_equal(ratelimit_when(rl, "a"), 10);
	assert_int_equal(ratelimit_when(rl, "a"), 20);
	for (i = 3; i < 100; i++)
		(void)ratelimit_when(rl, "b");
	/* The bucket is empty: a fresh key waits for it, not 5 ms. */
	assert_int_equal(ratelimit_when(rl, "c"), 100);
	assert_int_equal(ratelimit_retries(rl, "c"), 1);
	ratelimit_forget(rl, "a");
	assert_int_equal(ratelimit_when(rl, "a"), 200);
	ratelimit_free(rl);
}

static void
test_ratelimit_rejects_bad_config(void **state)
{
	struct ratelimit_config cfg;

	(void)state;
	ratelimit_config_default(&cfg);
	assert_int_equal(cfg.base_delay_ms, 5);
	assert_int_equal(cfg.max_delay_ms, 1000000);
	assert_true(cfg.qps == 10.0);
	assert_int_equal(cfg.burst, 100);
	cfg.qps = -1;
	assert_null(ratelimit_new(&cfg));
	cfg.qps = NAN;
	assert_null(ratelimit_new(&cfg));
	cfg.qps = 10;
	cfg.burst = 0;
	assert_null(ratelimit_new(&cfg));
	ratelimit_config_default(&cfg);
	cfg.max_delay_ms = 1;
	assert_null(ratelimit_new(&cfg));
	ratelimit_free(NULL);
}

#define NTHREADS	4

static void *
hammer(void *arg)
{
	struct ratelimit *rl = arg;
	char key[16];
	int i;

	for (i = 0; i < 2000; i++) {
		snprintf(key, sizeof(key), "k%d", i % 13);
		(void)ratelimit_when(rl, key);
		if (i % 7 == 0)
			ratelimit_forget(rl, key);
		(void)ratelimit_retries(rl, key);
	}
	return NULL;
}

/* Concurrent use is safe (run under make tsan) and loses no failure. */
static void
test_ratelimit_threads(void **state)
{
	struct ratelimit *rl = new_limiter(5, 1000, 10, 100);
	pthread_t t[NTHREADS];
	int i;

	(void)state;
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, rl), 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 100; i++)
		(void)ratelimit_when(rl, "solo");
	assert_int_equal(ratelimit_retries(rl, "solo"), 100);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ratelimit_backoff_doubles_and_forget_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit_backoff_caps_at_max, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit_bucket_burst_then_qps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit_try_and_set_qps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit_default_is_max_of_both, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit_rejects_bad_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit_threads, setup, teardown),
	};

	return cmocka_run_group_tests_name("ratelimit", tests, NULL, NULL);
}
