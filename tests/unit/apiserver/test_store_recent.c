/*
 * Unit tests for apiserver/store/store_recent.c: the newest state wins,
 * drops and clears forget, the oldest writes leave first past the byte
 * bound, and a body larger than the bound is never kept.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/err.h"

#include "store/store_recent.h"

/* The body of (resource, ns, name), or NULL when it is not kept. */
static char *
get(struct store_recent *r, const char *res, const char *ns,
    const char *name, int64_t *rv)
{
	char *body = NULL;
	size_t len = 0;

	if (store_recent_get(r, res, ns, name, rv, &body, &len) != 0) {
		assert_null(body);
		return NULL;
	}
	assert_int_equal(strlen(body), len);
	return body;
}

/* Whether pods/default/name is held. */
static bool
held(struct store_recent *r, const char *name)
{
	int64_t rv;
	char *body = get(r, "pods", "default", name, &rv);

	free(body);
	return body != NULL;
}

static void
put(struct store_recent *r, const char *name, int64_t rv, const char *body)
{
	store_recent_put(r, "pods", "default", name, rv, body, strlen(body));
}

static void
test_store_recent_put_get(void **state)
{
	struct store_recent *r = store_recent_new(1024);
	uint64_t hits, misses;
	int64_t rv = 0;
	char *b;

	(void)state;
	put(r, "a", 1, "{\"v\":1}");
	put(r, "a", 2, "{\"v\":2}");
	b = get(r, "pods", "default", "a", &rv);
	assert_string_equal(b, "{\"v\":2}");
	assert_int_equal(rv, 2);
	free(b);
	/* Each part of the key matters. */
	assert_null(get(r, "pods", "other", "a", &rv));
	assert_null(get(r, "services", "default", "a", &rv));
	assert_null(get(r, "pods", "default", "b", &rv));
	store_recent_put(r, "nodes", "", "n1", 3, "{}", 2);
	b = get(r, "nodes", "", "n1", &rv);
	assert_string_equal(b, "{}");
	free(b);
	store_recent_stats(r, &hits, &misses);
	assert_int_equal(hits, 2);
	assert_int_equal(misses, 3);

	/* Keys cannot collide, whatever the parts hold. */
	store_recent_put(r, "r", "a", "b\nc", 5, "{\"k\":1}", 7);
	store_recent_put(r, "r", "a\nb", "c", 6, "{\"k\":2}", 7);
	b = get(r, "r", "a", "b\nc", &rv);
	assert_string_equal(b, "{\"k\":1}");
	free(b);
	b = get(r, "r", "a\nb", "c", &rv);
	assert_string_equal(b, "{\"k\":2}");
	free(b);
	/* A name too long for the stack buffer. */
	{
		char big[600];

		memset(big, 'n', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		store_recent_put(r, "pods", "default", big, 7, "{}", 2);
		free(get(r, "pods", "default", big, &rv));
		assert_int_equal(rv, 7);
		store_recent_drop(r, "pods", "default", big);
		assert_null(get(r, "pods", "default", big, &rv));
	}

	store_recent_drop(r, "pods", "default", "a");
	store_recent_drop(r, "pods", "default", "never");
	assert_null(get(r, "pods", "default", "a", &rv));
	store_recent_clear(r);
	assert_null(get(r, "nodes", "", "n1", &rv));
	put(r, "a", 4, "{}");
	free(get(r, "pods", "default", "a", &rv));
	assert_int_equal(rv, 4);
	store_recent_free(r);
	store_recent_free(NULL);
}

static void
test_store_recent_bound(void **state)
{
	struct store_recent *r = store_recent_new(30);

	(void)state;
	put(r, "a", 1, "0123456789");
	put(r, "b", 2, "0123456789");
	put(r, "c", 3, "0123456789");
	put(r, "a", 4, "0123456789");	/* a is now the newest */
	put(r, "d", 5, "0123456789");	/* b, the oldest, leaves */
	assert_false(held(r, "b"));
	assert_true(held(r, "a"));
	assert_true(held(r, "c"));
	assert_true(held(r, "d"));
	/* Larger than the bound: not kept, and no older state either. */
	put(r, "a", 6, "0123456789012345678901234567890123456789");
	assert_false(held(r, "a"));
	assert_true(held(r, "c"));
	store_recent_free(r);

	/* A bound of 0 keeps nothing. */
	r = store_recent_new(0);
	put(r, "a", 1, "{}");
	assert_false(held(r, "a"));
	store_recent_free(r);
}

/* A new bound trims the oldest writes at once and holds for later puts. */
static void
test_store_recent_set_max(void **state)
{
	struct store_recent *r = store_recent_new(100);
	int64_t rv;

	(void)state;
	put(r, "a", 1, "0123456789");
	put(r, "b", 2, "0123456789");
	put(r, "c", 3, "0123456789");
	store_recent_set_max(r, 20);	/* a, the oldest, leaves */
	assert_false(held(r, "a"));
	assert_true(held(r, "b"));
	assert_true(held(r, "c"));
	put(r, "d", 4, "0123456789");	/* b leaves */
	assert_false(held(r, "b"));
	store_recent_set_max(r, 0);	/* nothing is kept any more */
	assert_false(held(r, "c"));
	assert_false(held(r, "d"));
	put(r, "e", 5, "{}");
	assert_false(held(r, "e"));
	store_recent_set_max(r, 100);
	put(r, "e", 6, "{}");
	free(get(r, "pods", "default", "e", &rv));
	assert_int_equal(rv, 6);
	store_recent_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_store_recent_put_get),
		cmocka_unit_test(test_store_recent_bound),
		cmocka_unit_test(test_store_recent_set_max),
	};

	return cmocka_run_group_tests_name("store_recent", tests, NULL, NULL);
}
