/* Unit tests for common/strmap.c, checked against a plain array as the reference. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ckube/strmap.h"

#define NKEYS	5000

struct item {
	int	 n;
	char	 key[16];
};

static void
test_strmap_put_get_replace_remove(void **state)
{
	struct strmap *map = strmap_new();
	struct item a = { 1, "ns/a" }, b = { 2, "ns/a" }, c = { 3, "" };

	(void)state;
	assert_null(strmap_get(map, "ns/a"));
	assert_null(strmap_put(map, a.key, &a));
	assert_ptr_equal(strmap_get(map, "ns/a"), &a);
	/* Replacing returns the old value; the new key is the one borrowed. */
	assert_ptr_equal(strmap_put(map, b.key, &b), &a);
	assert_ptr_equal(strmap_get(map, "ns/a"), &b);
	assert_null(strmap_put(map, c.key, &c));
	assert_ptr_equal(strmap_get(map, ""), &c);
	assert_int_equal(strmap_len(map), 2);
	assert_ptr_equal(strmap_remove(map, "ns/a"), &b);
	assert_null(strmap_remove(map, "ns/a"));
	assert_null(strmap_get(map, "ns/a"));
	assert_int_equal(strmap_len(map), 1);
	strmap_free(map, NULL);
	strmap_free(NULL, NULL);
}

static void
count_item(const char *key, void *value, void *arg)
{
	struct item *it = value;
	size_t *n = arg;

	assert_ptr_equal(key, it->key);
	(*n)++;
}

static void
test_strmap_many_keys_against_reference(void **state)
{
	struct item *items;
	bool present[NKEYS] = { false };
	struct strmap *map = strmap_new();
	unsigned int seed = 12345;
	size_t n = 0, i, want = 0;
	int round, k;

	(void)state;
	items = calloc(NKEYS, sizeof(*items));
	assert_non_null(items);
	for (i = 0; i < NKEYS; i++) {
		items[i].n = (int)i;
		snprintf(items[i].key, sizeof(items[i].key), "ns/k%zu", i);
	}
	/* Random puts and removes; the map must agree with present[] throughout. */
	for (round = 0; round < 40000; round++) {
		seed = seed * 1103515245u + 12345u;
		k = (int)((seed >> 8) % NKEYS);
		if ((seed >> 4) % 3 != 0) {
			strmap_put(map, items[k].key, &items[k]);
			present[k] = true;
		} else {
			assert_ptr_equal(strmap_remove(map, items[k].key),
			    present[k] ? &items[k] : NULL);
			present[k] = false;
		}
		if (round % 4000 == 0) {
			for (i = 0; i < NKEYS; i++)
				assert_ptr_equal(strmap_get(map, items[i].key),
				    present[i] ? &items[i] : NULL);
		}
	}
	for (i = 0; i < NKEYS; i++) {
		assert_ptr_equal(strmap_get(map, items[i].key),
		    present[i] ? &items[i] : NULL);
		if (present[i])
			want++;
	}
	assert_int_equal(strmap_len(map), want);
	strmap_foreach(map, count_item, &n);
	assert_int_equal(n, want);
	strmap_free(map, NULL);
	free(items);
}

static void
test_strmap_free_values(void **state)
{
	struct strmap *map = strmap_new();
	struct item *it;
	int i;

	(void)state;
	for (i = 0; i < 100; i++) {
		it = malloc(sizeof(*it));
		assert_non_null(it);
		snprintf(it->key, sizeof(it->key), "k%d", i);
		strmap_put(map, it->key, it);
	}
	strmap_free(map, free);		/* valgrind checks nothing leaks */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strmap_put_get_replace_remove),
		cmocka_unit_test(test_strmap_many_keys_against_reference),
		cmocka_unit_test(test_strmap_free_values),
	};

	return cmocka_run_group_tests_name("strmap", tests, NULL, NULL);
}
