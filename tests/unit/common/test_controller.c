/*
 * Unit tests for common/controller.c through tests/lib/fake_api.c and the
 * toy controller: reconcile against the fake, handlers mapping changes to
 * keys, workers with de-duplication, conflict retries with backoff,
 * delayed requeue and the drain on free. Time is the fake clock's.
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
#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#include "fake_api.h"
#include "toy_controller.h"

#define P(lit)	kobj_parse(lit, sizeof(lit) - 1)

struct fixture {
	struct fake_api		*fa;
	struct controller	*c;
};

static struct kobj *
cm(const char *name, const char *toy, const char *owner)
{
	struct strbuf sb = STRBUF_INIT;
	struct kobj *o;

	strbuf_addf(&sb, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
	    "\"uid\":\"uid-%s\",\"resourceVersion\":\"5\"", name, name);
	if (toy != NULL)
		strbuf_addf(&sb, ",\"labels\":{\"toy\":\"%s\"}", toy);
	if (owner != NULL)
		strbuf_addf(&sb, ",\"ownerReferences\":[{\"kind\":\"ConfigMap\","
		    "\"name\":\"%s\",\"uid\":\"uid-%s\",\"controller\":true}]",
		    owner, owner);
	strbuf_addf(&sb, "},\"data\":{\"k\":\"v\"}}");
	o = kobj_parse(strbuf_str(&sb), sb.len);
	strbuf_fini(&sb);
	assert_non_null(o);
	return o;
}

static void
add(struct fixture *f, struct kobj *o)
{
	fake_api_add(f->fa, "configmaps", o);
	kobj_unref(o);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_init("test_controller", 0);
	clock_set_fake(1000000);
	toy_reset();
	f->fa = fake_api_new();
	f->c = fake_api_controller(f->fa, &toy_def);
	assert_non_null(f->c);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	controller_free(f->c);
	fake_api_free(f->fa);
	clock_use_real();
	free(f);
	return 0;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

/* Poll (real time, 10 s at most) until the toy reconciled n times. */
static void
wait_reconciles(int n)
{
	int i;

	for (i = 0; i < 10000 && toy_reconciles() < n; i++)
		pause_ms(1);
	assert_int_equal(toy_reconciles(), n);
}

static void
test_controller_reconcile_runs_against_fake_api(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;
	const struct cJSON *ref;
	struct kobj **owned;
	size_t n;

	add(f, cm("a", "1", NULL));
	add(f, cm("plain", NULL, NULL));
	assert_int_equal(toy_def.reconcile(f->c, "default/a"), 0);
	assert_int_equal(toy_def.reconcile(f->c, "default/plain"), 0);
	assert_int_equal(toy_def.reconcile(f->c, "default/gone"), 0);
	assert_int_equal(fake_api_count(f->fa, "create", "configmaps"), 1);
	a = fake_api_action(f->fa, 0);
	assert_string_equal(a->verb, "create");
	assert_string_equal(a->ns, "default");
	assert_string_equal(a->name, "a-mirror");
	ref = kobj_controller_ref(a->obj);
	assert_non_null(ref);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(ref,
	    "uid")->valuestring, "uid-a");
	assert_string_equal(kobj_get_str(a->obj, "data.k"), "v");
	a = fake_api_action(f->fa, 1);
	assert_string_equal(a->verb, "event");
	assert_string_equal(a->reason, "Mirrored");
	assert_string_equal(a->message, "created mirror a-mirror");
	assert_null(controller_client(f->c));

	/* with tracking, the mirror lands in the cache: nothing more to do */
	fake_api_clear(f->fa);
	fake_api_set_tracking(f->fa, 1);
	assert_int_equal(toy_def.reconcile(f->c, "default/a"), 0);
	assert_int_equal(toy_def.reconcile(f->c, "default/a"), 0);
	assert_int_equal(fake_api_count(f->fa, "create", NULL), 1);
	assert_int_equal(fake_api_count(f->fa, "update", NULL), 0);
	/* the owned objects are indexed by their controller's uid */
	owned = cache_list_by_index(controller_cache(f->c, "configmaps"),
	    CACHE_INDEX_CONTROLLER_UID, "uid-a", &n);
	assert_int_equal(n, 1);
	assert_string_equal(kobj_name(owned[0]), "a-mirror");
	cache_list_free(owned, n);
}

static void
test_controller_handlers_map_changes_to_keys(void **state)
{
	struct fixture *f = *state;
	struct controller_stats s;
	struct kobj *a = cm("a", "1", NULL), *m = cm("a-mirror", NULL, "a");
	struct kobj *other = cm("x", NULL, "someone");
	char key[64];

	/* primary: its own key; owned: the owner's (twice on an update) */
	controller_notify(f->c, "configmaps", NULL, a);
	controller_notify(f->c, "configmaps", m, m);
	controller_notify(f->c, "secrets", NULL, a);	/* not watched */
	controller_get_stats(f->c, &s);
	/* a: primary; m: primary once, owned for old and new */
	assert_int_equal(s.enqueues, 4);
	assert_int_equal(controller_start_workers(f->c, 1), 0);
	/* de-duplicated: "default/a" and "default/a-mirror" once each */
	wait_reconciles(2);
	assert_int_equal(controller_wait_idle(f->c, CLOCK_NEVER), 0);
	controller_notify(f->c, "configmaps", other, NULL);	/* deleted */
	wait_reconciles(4);
	toy_last_key(key, sizeof(key));
	assert_true(strcmp(key, "default/x") == 0 ||
	    strcmp(key, "default/someone") == 0);
	kobj_unref(a);
	kobj_unref(m);
	kobj_unref(other);
}

static void
test_controller_conflict_is_retried_with_backoff(void **state)
{
	struct fixture *f = *state;
	struct controller_stats s;

	add(f, cm("a", "1", NULL));
	fake_api_fail(f->fa, "create", "configmaps", CK_ECONFLICT, 1);
	assert_int_equal(controller_start_workers(f->c, 2), 0);
	controller_enqueue(f->c, "default/a");
	wait_reconciles(1);
	assert_int_equal(controller_wait_idle(f->c, CLOCK_NEVER), 0);
	controller_get_stats(f->c, &s);
	assert_int_equal(s.conflicts, 1);
	assert_int_equal(s.requeues, 1);
	/* the retry waits for its backoff (5 ms) on the fake clock */
	pause_ms(20);
	assert_int_equal(toy_reconciles(), 1);
	clock_advance_fake(5);
	wait_reconciles(2);
	assert_int_equal(controller_wait_idle(f->c, CLOCK_NEVER), 0);
	controller_get_stats(f->c, &s);
	assert_int_equal(s.reconciles, 2);
	assert_int_equal(s.errors, 0);
	assert_int_equal(fake_api_count(f->fa, "create", "configmaps"), 2);
}

static void
test_controller_requeue_after_waits(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(controller_start_workers(f->c, 1), 0);
	controller_requeue_after(f->c, "default/later", 1000);
	clock_advance_fake(999);
	pause_ms(20);
	assert_int_equal(toy_reconciles(), 0);
	clock_advance_fake(1);
	wait_reconciles(1);
}

static void
test_controller_free_drains_the_queue(void **state)
{
	struct fixture *f = *state;
	char key[32];
	int i;

	for (i = 0; i < 5; i++) {
		snprintf(key, sizeof(key), "default/k%d", i);
		controller_enqueue(f->c, key);
	}
	assert_int_equal(controller_start_workers(f->c, 3), 0);
	controller_free(f->c);	/* shutdown, drain, join */
	f->c = NULL;
	assert_int_equal(toy_reconciles(), 5);
}

/* A mapped watch: a Secret labelled for=X wakes "default/X". */
static void
map_secret(struct controller *c, const struct kobj *obj)
{
	char key[128];

	if (kobj_label(obj, "for") == NULL)
		return;
	snprintf(key, sizeof(key), "%s/%s", kobj_namespace(obj),
	    kobj_label(obj, "for"));
	controller_enqueue(c, key);
}

static const struct watch_spec mapped_watches[] = {
	{ .resource = "configmaps", .role = WATCH_PRIMARY },
	{ .resource = "secrets", .role = WATCH_MAPPED, .map = map_secret },
	{ .resource = "nodes", .role = WATCH_CACHE_ONLY },
};

static const struct controller_def mapped_def = {
	.name = "toy-mapped",
	.watches = mapped_watches,
	.nwatches = ARRAY_SIZE(mapped_watches),
	.reconcile = toy_reconcile,
};

static void
test_controller_mapped_and_cache_only_watches(void **state)
{
	struct fixture *f = *state;
	struct controller *c = fake_api_controller(f->fa, &mapped_def);
	struct controller_stats s;
	struct kobj *secret, *node;
	char key[64];

	secret = P("{\"kind\":\"Secret\",\"metadata\":{\"name\":"
	    "\"s\",\"namespace\":\"default\",\"labels\":{\"for\":"
	    "\"web\"}}}");
	node = P("{\"kind\":\"Node\",\"metadata\":{\"name\":"
	    "\"n1\"}}");
	assert_non_null(secret);
	assert_non_null(node);
	controller_notify(c, "nodes", NULL, node);
	controller_notify(c, "secrets", NULL, secret);
	controller_get_stats(c, &s);
	assert_int_equal(s.enqueues, 1);
	assert_non_null(controller_cache(c, "nodes"));
	assert_int_equal(controller_start_workers(c, 1), 0);
	wait_reconciles(1);
	toy_last_key(key, sizeof(key));
	assert_string_equal(key, "default/web");
	controller_free(c);
	kobj_unref(secret);
	kobj_unref(node);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_controller_reconcile_runs_against_fake_api, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_controller_handlers_map_changes_to_keys, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_controller_conflict_is_retried_with_backoff, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_controller_requeue_after_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_controller_free_drains_the_queue, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_controller_mapped_and_cache_only_watches, setup,
		    teardown),
	};

	return cmocka_run_group_tests_name("controller", tests, NULL, NULL);
}
