/*
 * Unit tests for common/informer.c against a real ckube-apiserver (skipped
 * when bin/ckube-apiserver is not built): LIST and follow over the bus,
 * recovery from dropped bus messages, the HTTP watch without a bus, and the
 * relist after a 410.
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
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/informer.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/metrics.h"
#include "ckube/strbuf.h"

#include "testapi.h"

struct fixture {
	struct testapi		 api;
	struct client		*cl;	/* the test's own writes */
	struct informer_group	*g;
	struct informer		*inf;
	int			 adds, updates, deletes;
	int			 data_adds, data_updates;	/* new object had data */
};

static void
on_add(const struct kobj *obj, void *arg)
{
	struct fixture *f = arg;

	if (kobj_get(obj, "data") != NULL)
		__atomic_add_fetch(&f->data_adds, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&f->adds, 1, __ATOMIC_SEQ_CST);
}

static void
on_update(const struct kobj *old_obj, const struct kobj *new_obj, void *arg)
{
	struct fixture *f = arg;

	assert_string_equal(kobj_key(old_obj), kobj_key(new_obj));
	if (kobj_get(new_obj, "data") != NULL)
		__atomic_add_fetch(&f->data_updates, 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&f->updates, 1, __ATOMIC_SEQ_CST);
}

static void
on_delete(const struct kobj *obj, void *arg)
{
	struct fixture *f = arg;

	(void)obj;
	__atomic_add_fetch(&f->deletes, 1, __ATOMIC_SEQ_CST);
}

static int
ignore_event(enum client_event_type type, cJSON *obj, void *arg)
{
	(void)type;
	(void)arg;
	cJSON_Delete(obj);
	return 0;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void
pause_ms(long ms)
{
	struct timespec ts = { 0, ms * 1000000L };

	nanosleep(&ts, NULL);
}

static int
start(void **state, const char *const *api_flags, int with_bus,
    const struct informer_options *extra)
{
	struct informer_options opt = { 0 };
	struct informer_handlers h = { on_add, on_update, on_delete, NULL };
	struct fixture *f = calloc(1, sizeof(*f));

	log_init("test_informer", 0);
	*state = f;
	if (testapi_start(&f->api, api_flags) < 0) {
		f->api.pid = -1;
		return 0;	/* each test skips */
	}
	f->cl = testapi_client(&f->api);
	if (extra != NULL)
		opt = *extra;
	if (with_bus)
		opt.bus_url = f->api.bus;
	opt.page_size = 7;	/* several pages */
	f->g = informer_group_new(testapi_client(&f->api), &opt);
	h.arg = f;
	f->inf = informer_group_add(f->g, "configmaps", &h);
	return 0;
}

static int
setup_bus(void **state)
{
	return start(state, NULL, 1, NULL);
}

static int
setup_nobus(void **state)
{
	return start(state, NULL, 0, NULL);
}

static int
setup_compacting(void **state)
{
	static const char *const flags[] = { "--compaction-interval=1s", NULL };
	struct informer_options opt = {
		.verify_quiet_ms = 600000, .verify_period_ms = 600000,
	};

	return start(state, flags, 1, &opt);
}

static int
setup_verifying(void **state)
{
	struct informer_options opt = {
		.verify_quiet_ms = 100, .verify_period_ms = 100,
	};

	return start(state, NULL, 1, &opt);
}

static int
setup_metadata(void **state)
{
	struct informer_options opt = { .metadata_only = 1 };

	return start(state, NULL, 1, &opt);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	informer_group_free(f->g);
	client_free(f->cl);
	testapi_stop(&f->api);
	free(f);
	return 0;
}

#define SKIP_WITHOUT_API(f) \
	do { if ((f)->api.pid < 0) { skip(); return; } } while (0)

static void
cm_write(struct fixture *f, const char *verb, int i, int value)
{
	struct kobj *o = kobj_new("v1", "ConfigMap");
	struct ck_status st;
	char name[32], v[32];
	int rc;

	snprintf(name, sizeof(name), "cm-%03d", i);
	snprintf(v, sizeof(v), "%d", value);
	assert_int_equal(kobj_set_str(o, "metadata.name", name), 0);
	assert_int_equal(kobj_set_str(o, "metadata.namespace", "default"), 0);
	assert_int_equal(kobj_set_str(o, "data.v", v), 0);
	kobj_touch(o);
	if (strcmp(verb, "create") == 0)
		rc = client_create_kobj(f->cl, o, NULL, &st);
	else if (strcmp(verb, "update") == 0)
		rc = client_update_kobj(f->cl, o, NULL, &st);
	else
		rc = client_delete(f->cl, &(struct client_gvr){ "", "v1",
		    "configmaps" }, "default", name, NULL, NULL, &st);
	if (rc != 0)
		fail_msg("%s %s: %s", verb, name, st.message);
	kobj_unref(o);
}

/* Whether the cache holds exactly the server's configmaps, same versions. */
static int
cache_matches_server(struct fixture *f)
{
	static const struct client_gvr cms = { "", "v1", "configmaps" };
	struct client_kobjs list = { 0 };
	struct ck_status st;
	struct kobj *c;
	size_t i;
	int same;

	assert_int_equal(client_list_all_kobj(f->cl, &cms, NULL, NULL, 0,
	    &list, &st), 0);
	same = list.n == cache_len(informer_cache(f->inf));
	for (i = 0; same && i < list.n; i++) {
		c = cache_get(informer_cache(f->inf), kobj_key(list.items[i]));
		same = c != NULL && strcmp(kobj_resource_version(c),
		    kobj_resource_version(list.items[i])) == 0;
		kobj_unref(c);
	}
	client_kobjs_fini(&list);
	return same;
}

static void
assert_converges(struct fixture *f, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	while (!cache_matches_server(f)) {
		if (now_ms() > deadline)
			fail_msg("the cache did not converge to the server");
		pause_ms(20);
	}
	/* the handlers saw every object come and go */
	assert_int_equal(f->adds - f->deletes,
	    (int)cache_len(informer_cache(f->inf)));
}

static void
test_informer_lists_then_follows_the_bus(void **state)
{
	struct fixture *f = *state;
	struct informer_stats s;
	int i;

	SKIP_WITHOUT_API(f);
	for (i = 0; i < 10; i++)
		cm_write(f, "create", i, 0);
	assert_false(informer_has_synced(f->inf));
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g,
	    ck_now_ms() + 20000), 0);
	assert_true(informer_has_synced(f->inf));
	assert_int_equal(cache_len(informer_cache(f->inf)), 10);
	assert_int_equal(f->adds, 10);
	cm_write(f, "create", 10, 0);
	cm_write(f, "update", 3, 1);
	cm_write(f, "delete", 4, 0);
	assert_converges(f, 20000);
	assert_true(f->updates >= 1);
	assert_int_equal(f->deletes, 1);
	informer_get_stats(f->inf, &s);
	assert_true(s.bus_events + s.catchups > 0);
	assert_int_equal(s.relists, 1);
}

static void
test_informer_recovers_dropped_bus_messages(void **state)
{
	struct fixture *f = *state;
	struct informer_stats s;
	int i;

	SKIP_WITHOUT_API(f);
	informer_group_test_drop_every(f->g, 3);
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g, ck_now_ms() + 20000), 0);
	for (i = 0; i < 40; i++)
		cm_write(f, "create", i, 0);
	for (i = 0; i < 40; i += 2)
		cm_write(f, "update", i, 1);
	for (i = 0; i < 40; i += 4)
		cm_write(f, "delete", i, 0);
	assert_converges(f, 30000);
	informer_get_stats(f->inf, &s);
	assert_true(s.bus_events > 0);	/* the bus did carry most events */
	assert_true(s.catchups > 1);	/* and the gaps were caught up */
	assert_int_equal(f->deletes, 10);
}

static void
test_informer_follows_http_watch_without_bus(void **state)
{
	struct fixture *f = *state;
	struct informer_stats s;
	int i;

	SKIP_WITHOUT_API(f);
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g, ck_now_ms() + 20000), 0);
	for (i = 0; i < 5; i++)
		cm_write(f, "create", i, 0);
	cm_write(f, "update", 1, 1);
	cm_write(f, "delete", 2, 0);
	assert_converges(f, 20000);
	informer_get_stats(f->inf, &s);
	assert_int_equal(s.bus_events, 0);
}

static void
test_informer_relists_after_gone(void **state)
{
	struct fixture *f = *state;
	struct informer_stats s;
	long deadline;
	int i;

	SKIP_WITHOUT_API(f);
	/* The informer sees none of the bus, so it falls behind... */
	informer_group_test_drop_every(f->g, 1);
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g, ck_now_ms() + 20000), 0);
	for (i = 0; i < 5; i++)
		cm_write(f, "create", i, 0);
	/* ...until the server compacted its revision away. */
	deadline = now_ms() + 20000;
	for (i = 0; ; i++) {
		struct client_watch_opts wo = { .resource_version = "1",
		    .timeout_seconds = 1 };
		struct ck_status st;
		int rc = client_watch(f->cl, &(struct client_gvr){ "", "v1",
		    "configmaps" }, NULL, &wo, ignore_event, NULL, &st);

		if (rc == CK_EGONE)
			break;
		assert_true(now_ms() < deadline);
		cm_write(f, "update", 0, i + 1);
		pause_ms(200);
	}
	informer_group_test_drop_every(f->g, 0);
	cm_write(f, "create", 99, 0);	/* first message: catch up -> 410 */
	assert_converges(f, 20000);
	informer_get_stats(f->inf, &s);
	assert_true(s.relists >= 2);
}

static void
test_informer_verify_moves_an_idle_revision(void **state)
{
	struct fixture *f = *state;
	struct kobj *secret, *out = NULL;
	struct ck_status st;
	long deadline;
	int64_t want;

	SKIP_WITHOUT_API(f);
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g, ck_now_ms() + 20000), 0);
	/* Another resource moves the store's revision; configmaps stay idle. */
	secret = kobj_new("v1", "Secret");
	assert_int_equal(kobj_set_str(secret, "metadata.name", "s"), 0);
	assert_int_equal(kobj_set_str(secret, "metadata.namespace",
	    "default"), 0);
	kobj_touch(secret);
	assert_int_equal(client_create_kobj(f->cl, secret, &out, &st), 0);
	want = cache_rv_parse(kobj_resource_version(out));
	deadline = now_ms() + 10000;
	while (cache_resource_version(informer_cache(f->inf)) < want) {
		if (now_ms() > deadline)
			fail_msg("the informer's revision stayed behind");
		pause_ms(20);
	}
	kobj_unref(out);
	kobj_unref(secret);
}

static void
test_informer_group_resources(void **state)
{
	struct fixture *f = *state;
	struct informer *leases, *rs;
	struct kobj *lease;
	struct ck_status st;
	long deadline;

	SKIP_WITHOUT_API(f);
	leases = informer_group_add(f->g, "leases.coordination.k8s.io", NULL);
	rs = informer_group_add(f->g, "pods", NULL);
	assert_ptr_equal(informer_group_find(f->g, "pods"), rs);
	assert_null(informer_group_find(f->g, "nosuch"));
	assert_string_equal(informer_resource(rs), "pods");
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g,
	    ck_now_ms() + 20000), 0);
	assert_true(informer_group_has_synced(f->g));
	assert_true(informer_has_synced(rs));
	lease = kobj_new("coordination.k8s.io/v1", "Lease");
	assert_int_equal(kobj_set_str(lease, "metadata.name", "l1"), 0);
	assert_int_equal(kobj_set_str(lease, "metadata.namespace",
	    "default"), 0);
	kobj_touch(lease);
	assert_int_equal(client_create_kobj(f->cl, lease, NULL, &st), 0);
	kobj_unref(lease);
	deadline = now_ms() + 10000;
	while ((lease = cache_get(informer_cache(leases), "default/l1")) ==
	    NULL) {
		assert_true(now_ms() < deadline);
		pause_ms(10);
	}
	kobj_unref(lease);
}

/* A cached object: wait for it (10 s), return it (unref it). */
static struct kobj *
wait_cached(struct informer *inf, const char *key)
{
	long deadline = now_ms() + 10000;
	struct kobj *o;

	while ((o = cache_get(informer_cache(inf), key)) == NULL) {
		assert_true(now_ms() < deadline);
		pause_ms(10);
	}
	return o;
}

/* metadata_only caches, and an informer added while the group runs. */
static void
test_informer_metadata_only_and_added_later(void **state)
{
	static const struct client_gvr secrets = { "", "v1", "secrets" };
	struct fixture *f = *state;
	struct informer *late = NULL;
	struct kobj *o;
	struct ck_status st;

	SKIP_WITHOUT_API(f);
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g,
	    ck_now_ms() + 20000), 0);
	cm_write(f, "create", 1, 42);
	o = wait_cached(f->inf, "default/cm-001");
	assert_null(kobj_get(o, "data"));
	assert_string_equal(kobj_name(o), "cm-001");
	assert_string_equal(kobj_kind(o), "ConfigMap");
	kobj_unref(o);
	assert_int_equal(informer_group_add_gvr(f->g, "secrets", &secrets,
	    NULL, &late), 0);
	assert_int_equal(informer_group_add_gvr(f->g, "secrets", &secrets,
	    NULL, NULL), CK_EEXIST);
	o = kobj_new("v1", "Secret");
	assert_int_equal(kobj_set_str(o, "metadata.name", "s1"), 0);
	assert_int_equal(kobj_set_str(o, "metadata.namespace", "default"), 0);
	assert_int_equal(kobj_set_str(o, "data.k", "dg=="), 0);
	kobj_touch(o);
	assert_int_equal(client_create_kobj(f->cl, o, NULL, &st), 0);
	kobj_unref(o);
	o = wait_cached(late, "default/s1");
	assert_null(kobj_get(o, "data"));
	kobj_unref(o);
	assert_int_equal(informer_group_wait_synced(f->g,
	    ck_now_ms() + 20000), 0);
}

/*
 * A cache_keep informer: handlers see data (the keep list: everything),
 * from the LIST and from the bus; the cache holds stubs (identity only).
 */
static void
test_informer_cache_keep(void **state)
{
	static const char *const stub[] = { "metadata.uid", NULL };
	struct fixture *f = *state;
	struct kobj *o;
	long deadline;

	SKIP_WITHOUT_API(f);
	cm_write(f, "create", 0, 7);		/* listed at start */
	informer_set_cache_keep(f->inf, stub);
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g,
	    ck_now_ms() + 20000), 0);
	cm_write(f, "create", 1, 42);		/* from the bus */
	cm_write(f, "update", 1, 43);
	o = wait_cached(f->inf, "default/cm-001");
	kobj_unref(o);
	deadline = now_ms() + 20000;
	while (__atomic_load_n(&f->data_updates, __ATOMIC_SEQ_CST) < 1) {
		assert_true(now_ms() < deadline);
		pause_ms(10);
	}
	assert_int_equal(__atomic_load_n(&f->data_adds, __ATOMIC_SEQ_CST),
	    __atomic_load_n(&f->adds, __ATOMIC_SEQ_CST));
	assert_int_equal(f->adds, 2);
	o = wait_cached(f->inf, "default/cm-000");
	assert_null(kobj_get(o, "data"));
	assert_string_equal(kobj_name(o), "cm-000");
	assert_non_null(kobj_uid(o));
	assert_null(kobj_get(o, "metadata.creationTimestamp"));
	assert_string_equal(kobj_kind(o), "");
	kobj_unref(o);
	o = wait_cached(f->inf, "default/cm-001");
	assert_null(kobj_get(o, "data"));
	kobj_unref(o);
	assert_true(cache_matches_server(f));
}

/* informer_set_filter: configmaps whose data.v is odd (*arg: or any). */
static bool
want_odd(const struct kobj *obj, void *arg)
{
	const char *v = kobj_get_str(obj, "data.v");

	if (arg != NULL && __atomic_load_n((int *)arg, __ATOMIC_SEQ_CST))
		return v != NULL;
	return v != NULL && strtol(v, NULL, 10) % 2 == 1;
}

static void
wait_count(int *counter, int want)
{
	long deadline = now_ms() + 20000;

	while (__atomic_load_n(counter, __ATOMIC_SEQ_CST) < want) {
		assert_true(now_ms() < deadline);
		pause_ms(10);
	}
}

/*
 * A filtered informer caches only what the daemon wants, from the LIST and
 * from the bus; an object that stops being wanted leaves as a delete, one
 * that becomes wanted enters as an add, and the unwanted never reach the
 * handlers, not even deleted. When the daemon starts wanting more, a fill
 * brings in what exists (as adds) and leaves the rest alone.
 */
static void
test_informer_filter(void **state)
{
	struct fixture *f = *state;
	static int want_all;
	struct cache *c;
	struct kobj *o;
	uint64_t ticket;
	long deadline;

	SKIP_WITHOUT_API(f);
	want_all = 0;
	cm_write(f, "create", 0, 1);		/* listed, wanted */
	cm_write(f, "create", 1, 2);		/* listed, not wanted */
	informer_set_filter(f->inf, want_odd, &want_all);
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g,
	    ck_now_ms() + 20000), 0);
	c = informer_cache(f->inf);
	assert_int_equal(cache_len(c), 1);
	assert_int_equal(f->adds, 1);
	cm_write(f, "create", 2, 3);		/* wanted */
	cm_write(f, "create", 3, 4);		/* not wanted */
	cm_write(f, "update", 0, 2);		/* leaves */
	cm_write(f, "update", 1, 5);		/* enters */
	cm_write(f, "delete", 3, 0);		/* never seen */
	cm_write(f, "create", 4, 7);		/* the last event */
	o = wait_cached(f->inf, "default/cm-004");
	kobj_unref(o);
	wait_count(&f->deletes, 1);
	assert_int_equal(cache_len(c), 3);
	assert_null(cache_get(c, "default/cm-000"));
	assert_null(cache_get(c, "default/cm-003"));
	o = cache_get(c, "default/cm-001");
	assert_non_null(o);
	assert_string_equal(kobj_get_str(o, "data.v"), "5");
	kobj_unref(o);
	assert_int_equal(f->adds, 4);
	assert_int_equal(f->deletes, 1);
	assert_int_equal(f->updates, 0);

	/* Wanting every configmap: the fill adds cm-000 (v=2), nothing else. */
	__atomic_store_n(&want_all, 1, __ATOMIC_SEQ_CST);
	ticket = informer_fill(f->inf, "default", NULL);
	deadline = now_ms() + 20000;
	while (!informer_fill_done(f->inf, ticket)) {
		assert_true(now_ms() < deadline);
		pause_ms(10);
	}
	assert_int_equal(cache_len(c), 4);
	assert_true(cache_matches_server(f));
	assert_int_equal(f->adds, 5);
	assert_int_equal(f->updates, 0);
	/* A fill that selects nothing changes nothing. */
	ticket = informer_fill(f->inf, "default", "nosuch=label");
	while (!informer_fill_done(f->inf, ticket)) {
		assert_true(now_ms() < deadline);
		pause_ms(10);
	}
	assert_int_equal(f->adds, 5);
	/* One the apiserver refuses (400) is dropped; the watch goes on. */
	ticket = informer_fill(f->inf, "default", "a in (");
	while (!informer_fill_done(f->inf, ticket)) {
		assert_true(now_ms() < deadline);
		pause_ms(10);
	}
	cm_write(f, "create", 5, 9);
	o = wait_cached(f->inf, "default/cm-005");
	kobj_unref(o);
	assert_int_equal(f->adds, 6);
}

/*
 * Writes while the helper keeps taking the resource for verifies: the bus
 * messages that arrive meanwhile wait in the backlog and are applied in
 * order afterwards, without gaps (so no catch-up beyond the first message).
 */
static void
test_informer_backlog_while_busy(void **state)
{
	struct fixture *f = *state;
	struct informer_stats s;
	int i;

	SKIP_WITHOUT_API(f);
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g,
	    ck_now_ms() + 20000), 0);
	for (i = 0; i < 60; i++) {
		cm_write(f, "create", i, 0);
		if (i % 10 == 9)
			pause_ms(150);	/* let a verify start */
	}
	for (i = 0; i < 60; i += 3)
		cm_write(f, "update", i, 2);
	assert_converges(f, 30000);
	informer_get_stats(f->inf, &s);
	assert_true(s.verifies > 0);
	assert_true(s.bus_events > 0);
	assert_true(s.catchups <= 1);
}

/* CKUBE_TEST_BUS_DROP_EVERY reaches every informer group, as in a daemon. */
static int
setup_env_drop(void **state)
{
	struct informer_options opt = {
		.verify_quiet_ms = 100, .verify_period_ms = 100,
	};
	int rc;

	setenv("CKUBE_TEST_BUS_DROP_EVERY", "2", 1);
	rc = start(state, NULL, 1, &opt);
	unsetenv("CKUBE_TEST_BUS_DROP_EVERY");
	return rc;
}

#define DIGEST_CM	"ckube_informer_cache_digest{resource=\"configmaps\"} "
#define OBJECTS_CM	"ckube_informer_cache_objects{resource=\"configmaps\"} "

/* The gauge of name in the rendered metrics, or -1. */
static double
metric_value(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p;
	double v = -1;

	metrics_render(&sb);
	p = strstr(strbuf_str(&sb), name);
	if (p != NULL)
		v = strtod(p + strlen(name), NULL);
	strbuf_fini(&sb);
	return v;
}

static void
test_informer_env_drop_and_digest_gauges(void **state)
{
	struct fixture *f = *state;
	struct informer_stats s;
	long deadline;
	size_t n;
	double want;
	int i;

	SKIP_WITHOUT_API(f);
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g, ck_now_ms() + 20000), 0);
	for (i = 0; i < 30; i++)
		cm_write(f, "create", i, 0);
	for (i = 0; i < 30; i += 3)
		cm_write(f, "delete", i, 0);
	assert_converges(f, 30000);
	informer_get_stats(f->inf, &s);
	/* half the messages were dropped: at least one catch-up (a starved
	 * informer may cover every gap with one) */
	assert_true(s.catchups >= 1);
	/* after the quiet verify, the gauges describe the cache */
	want = (double)cache_digest(informer_cache(f->inf), &n);
	deadline = now_ms() + 10000;
	while (metric_value(DIGEST_CM) != want ||
	    metric_value(OBJECTS_CM) != (double)n) {
		if (now_ms() > deadline)
			fail_msg("the cache gauges never showed %zu objects, "
			    "digest %.0f", n, want);
		pause_ms(20);
	}
}

static int
setup_quiet(void **state)
{
	struct informer_options opt = {
		.verify_quiet_ms = 600000, .verify_period_ms = 600000,
	};

	return start(state, NULL, 1, &opt);
}

/* A bus event: name's ConfigMap at revision rv. */
static bool
bus_event(struct fixture *f, const char *type, const char *name, int64_t rv)
{
	char payload[512];

	snprintf(payload, sizeof(payload), "{\"type\":\"%s\",\"object\":"
	    "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":"
	    "{\"name\":\"%s\",\"namespace\":\"default\","
	    "\"resourceVersion\":\"%lld\"},\"data\":{\"v\":\"%lld\"}}}",
	    type, name, (long long)rv, (long long)rv);
	return informer_test_bus_event(f->inf, rv, payload);
}

static int64_t
cached_rv(struct fixture *f, const char *name)
{
	char key[64];
	struct kobj *o;
	int64_t rv = -1;

	snprintf(key, sizeof(key), "default/%s", name);
	o = cache_get(informer_cache(f->inf), key);
	if (o != NULL)
		rv = atoll(kobj_resource_version(o));
	kobj_unref(o);
	return rv;
}

/*
 * One etcd txn's writes share a revision (a create updating every quota of
 * its namespace): the informer applies each key's event at that revision,
 * and still drops the same key's event at it a second time.
 */
static void
test_informer_applies_events_sharing_a_revision(void **state)
{
	struct fixture *f = *state;
	int64_t rv;

	SKIP_WITHOUT_API(f);
	cm_write(f, "create", 0, 0);
	cm_write(f, "create", 1, 0);
	cm_write(f, "create", 2, 0);
	assert_int_equal(informer_group_start(f->g), 0);
	assert_int_equal(informer_group_wait_synced(f->g,
	    ck_now_ms() + 20000), 0);
	rv = cache_resource_version(informer_cache(f->inf)) + 1000;
	assert_true(bus_event(f, "MODIFIED", "cm-000", rv));
	assert_true(bus_event(f, "MODIFIED", "cm-001", rv));
	assert_true(bus_event(f, "DELETED", "cm-002", rv));
	assert_int_equal(f->updates, 2);
	assert_int_equal(f->deletes, 1);
	assert_int_equal(cached_rv(f, "cm-000"), rv);
	assert_int_equal(cached_rv(f, "cm-001"), rv);
	assert_int_equal(cached_rv(f, "cm-002"), -1);
	/* A true duplicate (the same key at the same revision) is dropped. */
	assert_true(bus_event(f, "MODIFIED", "cm-001", rv));
	assert_true(bus_event(f, "MODIFIED", "cm-000", rv - 1));
	assert_int_equal(f->updates, 2);
	assert_int_equal(cache_resource_version(informer_cache(f->inf)), rv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_informer_metadata_only_and_added_later,
		    setup_metadata, teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_lists_then_follows_the_bus, setup_bus,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_recovers_dropped_bus_messages, setup_bus,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_follows_http_watch_without_bus, setup_nobus,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_relists_after_gone, setup_compacting,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_verify_moves_an_idle_revision,
		    setup_verifying, teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_group_resources, setup_bus, teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_cache_keep, setup_bus, teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_filter, setup_bus, teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_filter, setup_nobus, teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_applies_events_sharing_a_revision,
		    setup_quiet, teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_backlog_while_busy, setup_verifying,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_informer_env_drop_and_digest_gauges, setup_env_drop,
		    teardown),
	};
	int rc;

	rc = cmocka_run_group_tests_name("informer", tests, NULL, NULL);
	client_global_cleanup();
	return rc;
}
