/* Unit tests for common/cache.c: lookups, indexes, relist deltas. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/cache.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/strbuf.h"

static struct kobj *
pod(const char *ns, const char *name, const char *rv, const char *node,
    const char *owner_uid)
{
	struct strbuf sb = STRBUF_INIT;
	struct kobj *o;

	strbuf_addf(&sb, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
	    "{\"name\":\"%s\",\"namespace\":\"%s\",\"resourceVersion\":\"%s\"",
	    name, ns, rv);
	if (owner_uid != NULL)
		strbuf_addf(&sb, ",\"ownerReferences\":[{\"kind\":\"ReplicaSet\","
		    "\"name\":\"rs\",\"uid\":\"%s\",\"controller\":true}]",
		    owner_uid);
	strbuf_addf(&sb, "},\"spec\":{");
	if (node != NULL)
		strbuf_addf(&sb, "\"nodeName\":\"%s\"", node);
	strbuf_addf(&sb, "}}");
	o = kobj_parse(strbuf_str(&sb), sb.len);
	strbuf_fini(&sb);
	assert_non_null(o);
	return o;
}

static void
put(struct cache *c, struct kobj *o)
{
	kobj_unref(cache_put(c, o));
	kobj_unref(o);
}

static int
setup(void **state)
{
	struct cache *c = cache_new("pods");

	assert_int_equal(cache_add_index(c, "node", cache_index_node_name), 0);
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	cache_free(*state);
	return 0;
}

static void
test_cache_get_put_remove(void **state)
{
	struct cache *c = *state;
	struct kobj *o, *old;

	assert_null(cache_get(c, "default/a"));
	put(c, pod("default", "a", "1", NULL, NULL));
	o = cache_get(c, "default/a");
	assert_non_null(o);
	assert_true(kobj_is_frozen(o));
	assert_string_equal(kobj_resource_version(o), "1");
	kobj_unref(o);
	o = cache_get_by_name(c, "default", "a");
	assert_non_null(o);
	kobj_unref(o);
	o = pod("default", "a", "2", NULL, NULL);
	old = cache_put(c, o);
	kobj_unref(o);
	assert_non_null(old);
	assert_string_equal(kobj_resource_version(old), "1");
	kobj_unref(old);
	assert_int_equal(cache_len(c), 1);
	old = cache_remove(c, "default/a");
	assert_non_null(old);
	assert_string_equal(kobj_resource_version(old), "2");
	kobj_unref(old);
	assert_null(cache_remove(c, "default/a"));
	assert_int_equal(cache_len(c), 0);
}

static void
test_cache_indexes_follow_updates(void **state)
{
	struct cache *c = *state;
	struct kobj **l;
	size_t n;

	put(c, pod("default", "b", "1", "n1", "u1"));
	put(c, pod("default", "a", "1", "n1", "u1"));
	put(c, pod("other", "c", "1", "n2", "u2"));
	put(c, pod("other", "d", "1", NULL, NULL));
	/* registered after the objects: existing ones are indexed at once */
	assert_int_equal(cache_add_index(c, "owner",
	    cache_index_controller_uid), 0);
	assert_int_equal(cache_add_index(c, "owner",
	    cache_index_controller_uid), CK_EEXIST);
	/* namespace, node, owner and one more: a fifth is refused */
	assert_int_equal(cache_add_index(c, "owner2",
	    cache_index_controller_uid), 0);
	assert_int_equal(cache_add_index(c, "owner3",
	    cache_index_controller_uid), CK_EINVALID);

	l = cache_list_by_index(c, "node", "n1", &n);
	assert_int_equal(n, 2);
	assert_string_equal(kobj_key(l[0]), "default/a");
	assert_string_equal(kobj_key(l[1]), "default/b");
	cache_list_free(l, n);
	l = cache_list_by_index(c, CACHE_INDEX_NAMESPACE, "other", &n);
	assert_int_equal(n, 2);
	cache_list_free(l, n);
	l = cache_list_by_index(c, "owner", "u2", &n);
	assert_int_equal(n, 1);
	assert_string_equal(kobj_key(l[0]), "other/c");
	cache_list_free(l, n);

	/* a pod moving to another node leaves the old bucket */
	put(c, pod("default", "a", "2", "n2", NULL));
	l = cache_list_by_index(c, "node", "n1", &n);
	assert_int_equal(n, 1);
	assert_string_equal(kobj_key(l[0]), "default/b");
	cache_list_free(l, n);
	l = cache_list_by_index(c, "node", "n2", &n);
	assert_int_equal(n, 2);
	cache_list_free(l, n);
	l = cache_list_by_index(c, "owner", "u1", &n);
	assert_int_equal(n, 1);
	cache_list_free(l, n);
	kobj_unref(cache_remove(c, "default/b"));
	l = cache_list_by_index(c, "node", "n1", &n);
	assert_int_equal(n, 0);
	assert_null(l);
	l = cache_list_by_index(c, "nosuch", "x", &n);
	assert_int_equal(n, 0);
	l = cache_list(c, &n);
	assert_int_equal(n, 3);
	assert_string_equal(kobj_key(l[0]), "default/a");
	assert_string_equal(kobj_key(l[2]), "other/d");
	cache_list_free(l, n);
}

struct deltas {
	char	log[1024];
};

static void
record(const struct kobj *old_obj, const struct kobj *new_obj, void *arg)
{
	struct deltas *d = arg;
	size_t len = strlen(d->log);

	if (old_obj == NULL)
		snprintf(d->log + len, sizeof(d->log) - len, "add %s;",
		    kobj_key(new_obj));
	else if (new_obj == NULL)
		snprintf(d->log + len, sizeof(d->log) - len, "del %s;",
		    kobj_key(old_obj));
	else
		snprintf(d->log + len, sizeof(d->log) - len, "upd %s %s>%s;",
		    kobj_key(new_obj), kobj_resource_version(old_obj),
		    kobj_resource_version(new_obj));
}

static void
test_cache_replace_reports_deltas(void **state)
{
	struct cache *c = *state;
	struct deltas d = { "" };
	struct kobj *items[3];
	struct kobj **l;
	size_t i, n;

	put(c, pod("default", "same", "5", "n1", NULL));
	put(c, pod("default", "changed", "5", "n1", NULL));
	put(c, pod("default", "gone", "5", "n1", NULL));
	items[0] = pod("default", "same", "5", "n1", NULL);
	items[1] = pod("default", "changed", "7", "n2", NULL);
	items[2] = pod("default", "new", "8", NULL, NULL);
	cache_replace(c, items, 3, 9, record, &d);
	for (i = 0; i < 3; i++)
		kobj_unref(items[i]);
	assert_string_equal(d.log,
	    "upd default/changed 5>7;add default/new;del default/gone;");
	assert_int_equal(cache_resource_version(c), 9);
	assert_int_equal(cache_len(c), 3);
	l = cache_list_by_index(c, "node", "n1", &n);
	assert_int_equal(n, 1);
	assert_string_equal(kobj_key(l[0]), "default/same");
	cache_list_free(l, n);
	cache_replace(c, NULL, 0, 10, NULL, NULL);
	assert_int_equal(cache_len(c), 0);
	assert_int_equal(cache_resource_version(c), 10);
}

static void
test_cache_rv_parse(void **state)
{
	(void)state;
	assert_int_equal(cache_rv_parse("123"), 123);
	assert_int_equal(cache_rv_parse(""), 0);
	assert_int_equal(cache_rv_parse(NULL), 0);
	assert_int_equal(cache_rv_parse("12x"), 0);
}

/* FNV-1a 64 of s, as the test programs compute it from a LIST. */
static uint64_t
fnv(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h & 0xffffffffffffULL;
}

static void
test_cache_digest(void **state)
{
	struct cache *c = *state, *c2 = cache_new("pods");
	struct kobj *o;
	uint64_t d1;
	size_t n = 99;

	assert_int_equal(cache_digest(c, &n), 0);
	assert_int_equal(n, 0);
	put(c, pod("default", "a", "1", NULL, NULL));
	put(c, pod("kube-system", "b", "7", NULL, NULL));
	d1 = cache_digest(c, &n);
	assert_int_equal(n, 2);
	assert_int_equal(d1, fnv("default/a@1") ^ fnv("kube-system/b@7"));
	/* the order of arrival does not matter */
	put(c2, pod("kube-system", "b", "7", NULL, NULL));
	put(c2, pod("default", "a", "1", NULL, NULL));
	assert_int_equal(cache_digest(c2, &n), d1);
	/* a new revision changes it, a removal takes the object out */
	put(c2, pod("default", "a", "8", NULL, NULL));
	assert_int_not_equal(cache_digest(c2, &n), d1);
	o = cache_remove(c2, "default/a");
	kobj_unref(o);
	assert_int_equal(cache_digest(c2, &n), fnv("kube-system/b@7"));
	assert_int_equal(n, 1);
	cache_free(c2);
}

/* The cJSON a reader decoded goes when only the cache holds the object. */
static void
test_cache_trim(void **state)
{
	struct cache *c = *state;
	struct kobj *o = pod("ns", "p", "5", "node-1", NULL), *k, *got;

	k = kobj_compact(kobj_freeze(o));
	kobj_unref(o);
	assert_true(kobj_is_compact(k));
	put(c, k);
	got = cache_get(c, "ns/p");
	assert_non_null(got);
	assert_non_null(kobj_get(got, "spec"));
	assert_int_equal(cache_trim(c), 0);	/* still held */
	assert_string_equal(kobj_get_str(got, "spec.nodeName"), "node-1");
	kobj_unref(got);
	assert_int_equal(cache_trim(c), 1);
	assert_int_equal(cache_trim(c), 0);
	got = cache_get(c, "ns/p");
	assert_non_null(kobj_get(got, "spec"));	/* decoded again */
	assert_string_equal(kobj_get_str(got, "spec.nodeName"), "node-1");
	kobj_unref(got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cache_get_put_remove,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_trim, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_indexes_follow_updates,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_replace_reports_deltas,
		    setup, teardown),
		cmocka_unit_test(test_cache_rv_parse),
		cmocka_unit_test_setup_teardown(test_cache_digest, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("cache", tests, NULL, NULL);
}
