/* Unit tests for common/expectations.c: counts, observations, TTL on the fake clock, threads. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ckube/clock.h"
#include "ckube/expectations.h"

static int
setup(void **state)
{
	clock_set_fake(1000);
	*state = expectations_new(0);
	return 0;
}

static int
teardown(void **state)
{
	expectations_free(*state);
	clock_use_real();
	return 0;
}

static void
test_expectations_none_is_satisfied(void **state)
{
	struct expectations *e = *state;
	int64_t add = 42, del = 42;

	assert_true(expect_satisfied(e, "ns/rs"));
	assert_false(expect_get(e, "ns/rs", &add, &del));
	assert_int_equal(add, 42);
	/* Observing or raising without an expectation changes nothing. */
	expect_creation_observed(e, "ns/rs");
	expect_deletion_observed(e, "ns/rs");
	expect_raise(e, "ns/rs", 3, 3);
	assert_false(expect_get(e, "ns/rs", NULL, NULL));
	assert_true(expect_satisfied(e, "ns/rs"));
	expect_delete(e, "ns/rs");
	expectations_free(NULL);
}

static void
test_expectations_creations_counted_down(void **state)
{
	struct expectations *e = *state;
	int64_t add, del;

	expect_creations(e, "ns/rs", 3);
	assert_false(expect_satisfied(e, "ns/rs"));
	assert_true(expect_get(e, "ns/rs", &add, &del));
	assert_int_equal(add, 3);
	assert_int_equal(del, 0);
	expect_creation_observed(e, "ns/rs");
	expect_creation_observed(e, "ns/rs");
	assert_false(expect_satisfied(e, "ns/rs"));
	/* Deletions do not count against creations. */
	expect_deletion_observed(e, "ns/rs");
	assert_false(expect_satisfied(e, "ns/rs"));
	expect_creation_observed(e, "ns/rs");
	assert_true(expect_satisfied(e, "ns/rs"));
	/* Extra observations go below zero and stay satisfied. */
	expect_creation_observed(e, "ns/rs");
	assert_true(expect_get(e, "ns/rs", &add, &del));
	assert_true(add == -1 && del == -1);
	assert_true(expect_satisfied(e, "ns/rs"));
	/* Other keys are independent. */
	expect_creations(e, "ns/other", 1);
	assert_false(expect_satisfied(e, "ns/other"));
	assert_true(expect_satisfied(e, "ns/rs"));
}

static void
test_expectations_deletions_replace_and_raise(void **state)
{
	struct expectations *e = *state;
	int64_t add, del;

	expect_creations(e, "ns/rs", 2);
	/* Setting replaces: now 0 creations, 2 deletions. */
	expect_deletions(e, "ns/rs", 2);
	assert_true(expect_get(e, "ns/rs", &add, NULL));
	assert_int_equal(add, 0);
	expect_deletion_observed(e, "ns/rs");
	assert_false(expect_satisfied(e, "ns/rs"));
	expect_raise(e, "ns/rs", 1, 1);
	assert_true(expect_get(e, "ns/rs", &add, &del));
	assert_int_equal(add, 1);
	assert_int_equal(del, 2);
	expect_deletion_observed(e, "ns/rs");
	expect_deletion_observed(e, "ns/rs");
	assert_false(expect_satisfied(e, "ns/rs"));
	expect_creation_observed(e, "ns/rs");
	assert_true(expect_satisfied(e, "ns/rs"));
	expect_deletions(e, "ns/rs", 1);
	assert_false(expect_satisfied(e, "ns/rs"));
	expect_delete(e, "ns/rs");
	assert_true(expect_satisfied(e, "ns/rs"));
	assert_false(expect_get(e, "ns/rs", NULL, NULL));
}

static void
test_expectations_ttl(void **state)
{
	struct expectations *e = *state, *short_ttl;

	expect_creations(e, "ns/rs", 1);
	clock_advance_fake(EXPECTATIONS_TTL_MS);
	assert_false(expect_satisfied(e, "ns/rs"));	/* exactly 5 min: not yet */
	clock_advance_fake(1);
	assert_true(expect_satisfied(e, "ns/rs"));	/* older: give up waiting */
	/* Raising does not restart the TTL; setting again does. */
	expect_raise(e, "ns/rs", 1, 0);
	assert_true(expect_satisfied(e, "ns/rs"));
	expect_creations(e, "ns/rs", 1);
	assert_false(expect_satisfied(e, "ns/rs"));
	clock_advance_fake(EXPECTATIONS_TTL_MS - 1);
	assert_false(expect_satisfied(e, "ns/rs"));

	short_ttl = expectations_new(100);
	expect_deletions(short_ttl, "k", 1);
	clock_advance_fake(100);
	assert_false(expect_satisfied(short_ttl, "k"));
	clock_advance_fake(1);
	assert_true(expect_satisfied(short_ttl, "k"));
	expectations_free(short_ttl);
}

#define NTHREADS	4
#define NOBS		1000

static void *
observe(void *arg)
{
	struct expectations *e = arg;
	int i;

	for (i = 0; i < NOBS; i++) {
		expect_creation_observed(e, "ns/rs");
		(void)expect_satisfied(e, "ns/rs");
	}
	return NULL;
}

/* Observations from several threads are all counted (and tsan-clean). */
static void
test_expectations_threads(void **state)
{
	struct expectations *e = *state;
	pthread_t t[NTHREADS];
	int64_t add;
	int i;

	expect_creations(e, "ns/rs", NTHREADS * NOBS);
	for (i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, observe, e), 0);
	for (i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	assert_true(expect_get(e, "ns/rs", &add, NULL));
	assert_int_equal(add, 0);
	assert_true(expect_satisfied(e, "ns/rs"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_expectations_none_is_satisfied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expectations_creations_counted_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expectations_deletions_replace_and_raise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expectations_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expectations_threads, setup, teardown),
	};

	return cmocka_run_group_tests_name("expectations", tests, NULL, NULL);
}
