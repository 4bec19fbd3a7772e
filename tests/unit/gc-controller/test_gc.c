/*
 * test_gc.c: the collector's workers over tests/lib/fake_api (no sockets):
 * attemptToDelete with dangling, solid and waiting owners, the policy of
 * the DELETE it sends, foreground owners released once no dependent
 * blocks, unknown owner kinds left alone, and attemptToOrphan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/apidiscovery.h"
#include "ckube/alloc.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/strbuf.h"
#include "fake_api.h"
#include "gc.h"

static const struct controller_def def = {
	.name = "gc-controller", .init = gc_init, .fini = gc_fini,
	.reconcile = gc_reconcile,
};

struct fixture {
	struct fake_api		*fa;
	struct controller	*c;
};

static int
setup(void **state)
{
	struct fixture *f = ck_calloc(1, sizeof(*f));
	struct apidiscovery d = { 0 };
	struct apidiscovery_resource *r;

	f->fa = fake_api_new();
	f->c = fake_api_controller(f->fa, &def);
	d.items = ck_calloc(2, sizeof(*d.items));
	d.n = 2;
	r = &d.items[1];
	ck_strlcpy(r->version, "v1", sizeof(r->version));
	ck_strlcpy(r->resource, "persistentvolumes", sizeof(r->resource));
	ck_strlcpy(r->kind, "PersistentVolume", sizeof(r->kind));
	ck_strlcpy(r->qualified, "persistentvolumes", sizeof(r->qualified));
	ck_strlcpy(r->api_version, "v1", sizeof(r->api_version));
	r->verbs = ~0u;
	r = &d.items[0];
	ck_strlcpy(r->version, "v1", sizeof(r->version));
	ck_strlcpy(r->resource, "configmaps", sizeof(r->resource));
	ck_strlcpy(r->kind, "ConfigMap", sizeof(r->kind));
	ck_strlcpy(r->qualified, "configmaps", sizeof(r->qualified));
	ck_strlcpy(r->api_version, "v1", sizeof(r->api_version));
	r->namespaced = true;
	r->verbs = ~0u;
	gc_set_discovery(f->c, &d);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	/* Keys the graph queued: let a worker drain them (fake API). */
	assert_int_equal(controller_start_workers(f->c, 1), 0);
	controller_free(f->c);
	fake_api_free(f->fa);
	free(f);
	return 0;
}

/* A ConfigMap in the fake API and in the graph. */
static void
cm(struct fixture *f, const char *name, const char *uid, const char *owners,
    const char *extra)
{
	char buf[2048];
	struct kobj *o;

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"ConfigMap\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
	    "\"default\",\"uid\":\"%s\",\"resourceVersion\":\"5\"%s%s%s%s}}",
	    name, uid, owners ? ",\"ownerReferences\":" : "",
	    owners ? owners : "", extra ? "," : "", extra ? extra : "");
	o = kobj_freeze(kobj_parse(buf, strlen(buf)));
	fake_api_add(f->fa, "configmaps", o);
	gc_observe(f->c, GRAPH_ADD, NULL, o);
	kobj_unref(o);
}

static const char *
ref(const char *kind, const char *name, const char *uid, int block)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"%s\",\"name\":\"%s\",\"uid\":\"%s\"%s}", kind, name, uid,
	    block ? ",\"blockOwnerDeletion\":true" : "");
	return buf[k];
}

static const struct fake_action *
only(struct fixture *f, const char *verb)
{
	size_t i;

	assert_int_equal(fake_api_count(f->fa, verb, NULL), 1);
	for (i = 0; i < fake_api_nactions(f->fa); i++)
		if (strcmp(fake_api_action(f->fa, i)->verb, verb) == 0)
			return fake_api_action(f->fa, i);
	return NULL;
}

static void
test_gc_dangling_owner_is_deleted(void **state)
{
	struct fixture *f = *state;
	char owners[300];

	snprintf(owners, sizeof(owners), "[%s]",
	    ref("ConfigMap", "gone", "u-gone", 0));
	cm(f, "d", "u-d", owners, NULL);
	assert_int_equal(gc_attempt_to_delete(f->c, "u-d"), 0);
	assert_string_equal(only(f, "delete")->name, "d");
	assert_string_equal(only(f, "delete")->policy, "Background");
	assert_int_equal(fake_api_count(f->fa, "patch", NULL), 0);
}

static void
test_gc_uid_mismatch_is_absent(void **state)
{
	struct fixture *f = *state;
	char owners[300];

	cm(f, "a", "u-a", NULL, NULL);
	snprintf(owners, sizeof(owners), "[%s]",
	    ref("ConfigMap", "a", "u-other", 0));
	cm(f, "d", "u-d", owners, NULL);
	assert_int_equal(gc_attempt_to_delete(f->c, "u-d"), 0);
	assert_string_equal(only(f, "delete")->name, "d");
}

static void
test_gc_solid_owner_keeps_and_drops_dangling(void **state)
{
	struct fixture *f = *state;
	const cJSON *refs;
	char owners[600];

	cm(f, "a", "u-a", NULL, NULL);
	snprintf(owners, sizeof(owners), "[%s,%s]",
	    ref("ConfigMap", "a", "u-a", 0),
	    ref("ConfigMap", "b", "u-b", 0));
	cm(f, "d", "u-d", owners, NULL);
	assert_int_equal(gc_attempt_to_delete(f->c, "u-d"), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", NULL), 0);
	refs = kobj_get(only(f, "patch")->obj, "metadata.ownerReferences");
	assert_int_equal(cJSON_GetArraySize(refs), 1);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(refs, 0), "uid")), "u-a");
	assert_string_equal(kobj_get_str(only(f, "patch")->obj,
	    "metadata.resourceVersion"), "5");
}

static void
test_gc_no_owners_never_collected(void **state)
{
	struct fixture *f = *state;

	cm(f, "lonely", "u-l", NULL, NULL);
	assert_int_equal(gc_attempt_to_delete(f->c, "u-l"), 0);
	assert_int_equal(fake_api_nactions(f->fa), 0);
}

static void
test_gc_policy_follows_own_finalizers(void **state)
{
	struct fixture *f = *state;
	char owners[300];

	snprintf(owners, sizeof(owners), "[%s]",
	    ref("ConfigMap", "gone", "u-gone", 0));
	cm(f, "d", "u-d", owners, "\"finalizers\":[\"orphan\"]");
	assert_int_equal(gc_attempt_to_delete(f->c, "u-d"), 0);
	assert_string_equal(only(f, "delete")->policy, "Orphan");
}

static void
test_gc_waiting_owner_foreground_when_dependents(void **state)
{
	struct fixture *f = *state;
	char owners[300];
	const char *waiting = "\"deletionTimestamp\":\"2026-01-01T00:00:00Z\","
	    "\"finalizers\":[\"foregroundDeletion\"]";

	cm(f, "o", "u-o", NULL, waiting);
	snprintf(owners, sizeof(owners), "[%s]",
	    ref("ConfigMap", "o", "u-o", 1));
	cm(f, "mid", "u-m", owners, NULL);
	snprintf(owners, sizeof(owners), "[%s]",
	    ref("ConfigMap", "mid", "u-m", 1));
	cm(f, "leaf", "u-l", owners, NULL);
	fake_api_clear(f->fa);
	assert_int_equal(gc_attempt_to_delete(f->c, "u-m"), 0);
	assert_string_equal(only(f, "delete")->policy, "Foreground");
	fake_api_clear(f->fa);
	/* The owner itself waits while mid blocks it. */
	assert_int_equal(gc_attempt_to_delete(f->c, "u-o"), 0);
	assert_int_equal(fake_api_count(f->fa, "patch", NULL), 0);
}

static void
test_gc_foreground_owner_released(void **state)
{
	struct fixture *f = *state;
	const cJSON *fins;
	const char *waiting = "\"deletionTimestamp\":\"2026-01-01T00:00:00Z\","
	    "\"finalizers\":[\"foregroundDeletion\",\"example.com/x\"]";

	cm(f, "o", "u-o", NULL, waiting);
	assert_int_equal(gc_attempt_to_delete(f->c, "u-o"), 0);
	fins = kobj_get(only(f, "patch")->obj, "metadata.finalizers");
	assert_int_equal(cJSON_GetArraySize(fins), 1);
	assert_string_equal(cJSON_GetArrayItem(fins, 0)->valuestring,
	    "example.com/x");
}

static void
test_gc_unknown_owner_kind_is_retried(void **state)
{
	struct fixture *f = *state;
	char owners[300];

	snprintf(owners, sizeof(owners), "[%s]",
	    ref("Widget", "w", "u-w", 0));
	cm(f, "d", "u-d", owners, NULL);
	assert_int_equal(gc_attempt_to_delete(f->c, "u-d"), CK_ENOTSUP);
	assert_int_equal(fake_api_nactions(f->fa), 0);
}

static void
test_gc_orphan_releases_dependents(void **state)
{
	struct fixture *f = *state;
	const struct fake_action *a;
	char owners[600];
	size_t i, patches = 0;
	const char *orphaning = "\"deletionTimestamp\":"
	    "\"2026-01-01T00:00:00Z\",\"finalizers\":[\"orphan\"]";

	cm(f, "o", "u-o", NULL, orphaning);
	cm(f, "b", "u-b", NULL, NULL);
	snprintf(owners, sizeof(owners), "[%s]",
	    ref("ConfigMap", "o", "u-o", 0));
	cm(f, "d1", "u-1", owners, NULL);
	snprintf(owners, sizeof(owners), "[%s,%s]",
	    ref("ConfigMap", "o", "u-o", 0), ref("ConfigMap", "b", "u-b", 0));
	cm(f, "d2", "u-2", owners, NULL);
	assert_int_equal(gc_attempt_to_orphan(f->c, "u-o"), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", NULL), 0);
	for (i = 0; i < fake_api_nactions(f->fa); i++) {
		a = fake_api_action(f->fa, i);
		if (strcmp(a->verb, "patch") != 0)
			continue;
		patches++;
		if (strcmp(a->name, "d1") == 0)
			assert_true(cJSON_IsNull(kobj_get(a->obj,
			    "metadata.ownerReferences")));
		else if (strcmp(a->name, "d2") == 0)
			assert_int_equal(cJSON_GetArraySize(kobj_get(a->obj,
			    "metadata.ownerReferences")), 1);
		else {
			/* The owner's finalizer goes last. */
			assert_string_equal(a->name, "o");
			assert_int_equal(patches, 3);
			assert_int_equal(cJSON_GetArraySize(kobj_get(a->obj,
			    "metadata.finalizers")), 0);
		}
	}
	assert_int_equal(patches, 3);
}

static void
test_gc_namespaced_owner_of_cluster_object_is_absent(void **state)
{
	struct fixture *f = *state;
	const char *j = "{\"apiVersion\":\"v1\",\"kind\":\"PersistentVolume\","
	    "\"metadata\":{\"name\":\"pv\",\"uid\":\"u-pv\","
	    "\"resourceVersion\":\"3\",\"ownerReferences\":[{\"apiVersion\":"
	    "\"v1\",\"kind\":\"ConfigMap\",\"name\":\"a\",\"uid\":\"u-a\"}]}}";
	struct kobj *pv = kobj_freeze(kobj_parse(j, strlen(j)));

	cm(f, "a", "u-a", NULL, NULL);
	fake_api_add(f->fa, "persistentvolumes", pv);
	gc_observe(f->c, GRAPH_ADD, NULL, pv);
	kobj_unref(pv);
	assert_int_equal(gc_attempt_to_delete(f->c, "u-pv"), 0);
	assert_string_equal(only(f, "delete")->resource, "persistentvolumes");
	assert_string_equal(only(f, "event")->reason,
	    "OwnerRefInvalidNamespace");
}

int
main(void)
{
#define T(t) cmocka_unit_test_setup_teardown(t, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_gc_dangling_owner_is_deleted),
		T(test_gc_uid_mismatch_is_absent),
		T(test_gc_solid_owner_keeps_and_drops_dangling),
		T(test_gc_no_owners_never_collected),
		T(test_gc_policy_follows_own_finalizers),
		T(test_gc_waiting_owner_foreground_when_dependents),
		T(test_gc_foreground_owner_released),
		T(test_gc_unknown_owner_kind_is_retried),
		T(test_gc_orphan_releases_dependents),
		T(test_gc_namespaced_owner_of_cluster_object_is_absent),
	};

	return cmocka_run_group_tests_name("gc", tests, NULL, NULL);
}
