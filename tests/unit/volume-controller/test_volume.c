/*
 * test_volume.c: volume_reconcile() against tests/lib/fake_api: binding a
 * claim to the smallest fitting Available volume (class and access
 * modes), pre-bound volumes, provisioning through the default class,
 * the retroactive default class, and Released / deleted volumes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/ck.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "fake_api.h"
#include "volume.h"

static const struct watch_spec watches[] = {
	{ .resource = VOL_PVC_RES, .role = WATCH_MAPPED,
	  .map = volume_map_pvc },
	{ .resource = VOL_PV_RES, .role = WATCH_MAPPED, .map = volume_map_pv },
	{ .resource = VOL_SC_RES, .role = WATCH_CACHE_ONLY },
};

static const struct controller_def def = {
	.name = "volume-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .init = volume_init,
	.reconcile = volume_reconcile,
};

struct fx {
	struct fake_api		*fa;
	struct controller	*c;
};

static void
add_json(struct fx *f, const char *res, const char *js)
{
	struct kobj *o = kobj_parse(js, strlen(js));

	assert_non_null(o);
	fake_api_add(f->fa, res, o);
	kobj_unref(o);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->fa = fake_api_new();
	fake_api_set_tracking(f->fa, 1);
	f->c = fake_api_controller(f->fa, &def);	/* creates "standard" */
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	controller_free(f->c);
	fake_api_free(f->fa);
	free(f);
	return 0;
}

static void
add_pv(struct fx *f, const char *name, const char *size, const char *cls,
    const char *mode)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"PersistentVolume\",\"metadata\":{\"name\":\"%s\"},\"spec\":{"
	    "\"capacity\":{\"storage\":\"%s\"},\"accessModes\":[\"%s\"],"
	    "\"storageClassName\":\"%s\",\"persistentVolumeReclaimPolicy\":"
	    "\"Retain\"},\"status\":{\"phase\":\"Available\"}}", name, size,
	    mode, cls);
	add_json(f, VOL_PV_RES, buf);
}

static void
add_pvc(struct fx *f, const char *name, const char *size, const char *cls)
{
	char buf[1024], c[128] = "";

	if (cls != NULL)
		snprintf(c, sizeof(c), ",\"storageClassName\":\"%s\"", cls);
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"PersistentVolumeClaim\",\"metadata\":{\"name\":\"%s\","
	    "\"namespace\":\"default\",\"uid\":\"uid-%s\","
	    "\"resourceVersion\":\"1\"},\"spec\":{\"accessModes\":"
	    "[\"ReadWriteOnce\"],\"resources\":{\"requests\":{\"storage\":"
	    "\"%s\"}}%s},\"status\":{\"phase\":\"Pending\"}}", name, name,
	    size, c);
	add_json(f, VOL_PVC_RES, buf);
}

static struct kobj *
get(struct fx *f, const char *res, const char *key)
{
	return cache_get(fake_api_cache(f->fa, res), key);
}

static void
assert_bound(struct fx *f, const char *claim, const char *volume)
{
	char key[256];
	struct kobj *pvc, *pv;

	snprintf(key, sizeof(key), "default/%s", claim);
	pvc = get(f, VOL_PVC_RES, key);
	pv = get(f, VOL_PV_RES, volume);
	assert_non_null(pvc);
	assert_non_null(pv);
	assert_string_equal(kobj_get_str(pvc, "status.phase"), "Bound");
	assert_string_equal(kobj_get_str(pvc, "spec.volumeName"), volume);
	assert_string_equal(kobj_get_str(pv, "status.phase"), "Bound");
	assert_string_equal(kobj_get_str(pv, "spec.claimRef.name"), claim);
	assert_string_equal(kobj_get_str(pv, "spec.claimRef.uid"),
	    kobj_uid(pvc));
	kobj_unref(pvc);
	kobj_unref(pv);
}

static void
test_default_class_created(void **state)
{
	struct fx *f = *state;
	struct kobj *sc = get(f, VOL_SC_RES, VOL_DEFAULT_CLASS);

	assert_non_null(sc);
	assert_string_equal(kobj_annotation(sc, ANN_DEFAULT_CLASS), "true");
	assert_string_equal(kobj_get_str(sc, "provisioner"), VOL_PROVISIONER);
	kobj_unref(sc);
}

static void
test_binds_smallest_fit(void **state)
{
	struct fx *f = *state;

	add_pv(f, "big", "10Gi", "manual", "ReadWriteOnce");
	add_pv(f, "small", "1Gi", "manual", "ReadWriteOnce");
	add_pv(f, "tiny", "500Mi", "manual", "ReadWriteOnce");
	add_pv(f, "rox", "2Gi", "manual", "ReadOnlyMany");
	add_pv(f, "other", "2Gi", "fast", "ReadWriteOnce");
	add_pvc(f, "data", "1Gi", "manual");
	assert_int_equal(volume_reconcile(f->c, "pvc:default/data"), 0);
	assert_bound(f, "data", "small");
	/* Bound stays bound; nothing more written. */
	fake_api_clear(f->fa);
	assert_int_equal(volume_reconcile(f->c, "pvc:default/data"), 0);
	assert_int_equal(fake_api_count(f->fa, "update", NULL), 0);
	/* No fit and a class nobody provisions: Pending, with an event. */
	add_pvc(f, "huge", "100Gi", "manual");
	fake_api_clear(f->fa);
	assert_int_equal(volume_reconcile(f->c, "pvc:default/huge"), 0);
	assert_int_equal(fake_api_count(f->fa, "update", NULL), 0);
	assert_int_equal(fake_api_count(f->fa, "event", NULL), 1);
}

static void
test_provisions(void **state)
{
	struct fx *f = *state;
	struct kobj *pv;

	add_pvc(f, "www-web-0", "1Gi", "standard");
	assert_int_equal(volume_reconcile(f->c, "pvc:default/www-web-0"), 0);
	assert_bound(f, "www-web-0", "pvc-uid-www-web-0");
	pv = get(f, VOL_PV_RES, "pvc-uid-www-web-0");
	assert_string_equal(kobj_get_str(pv, "spec.capacity.storage"), "1Gi");
	assert_string_equal(kobj_get_str(pv,
	    "spec.persistentVolumeReclaimPolicy"), "Delete");
	assert_non_null(kobj_get_str(pv, "spec.hostPath.path"));
	kobj_unref(pv);
	/* The claim goes: reclaim Delete removes the volume. */
	kobj_unref(cache_remove(fake_api_cache(f->fa, VOL_PVC_RES),
	    "default/www-web-0"));
	fake_api_clear(f->fa);
	assert_int_equal(volume_reconcile(f->c, "pv:pvc-uid-www-web-0"), 0);
	assert_int_equal(fake_api_count(f->fa, "delete", VOL_PV_RES), 1);
}

static void
test_retain_released(void **state)
{
	struct fx *f = *state;
	struct kobj *pv;

	add_pv(f, "keep", "1Gi", "manual", "ReadWriteOnce");
	add_pvc(f, "data", "1Gi", "manual");
	assert_int_equal(volume_reconcile(f->c, "pvc:default/data"), 0);
	kobj_unref(cache_remove(fake_api_cache(f->fa, VOL_PVC_RES),
	    "default/data"));
	assert_int_equal(volume_reconcile(f->c, "pv:keep"), 0);
	pv = get(f, VOL_PV_RES, "keep");
	assert_string_equal(kobj_get_str(pv, "status.phase"), "Released");
	kobj_unref(pv);
	/* A new claim of the same name does not get a Released volume. */
	add_pvc(f, "data2", "1Gi", "manual");
	assert_int_equal(volume_reconcile(f->c, "pvc:default/data2"), 0);
	pv = get(f, VOL_PV_RES, "keep");
	assert_string_equal(kobj_get_str(pv, "spec.claimRef.name"), "data");
	kobj_unref(pv);
}

static void
test_default_class_retroactive(void **state)
{
	struct fx *f = *state;
	const struct fake_action *a;

	add_pvc(f, "old", "1Gi", NULL);
	fake_api_clear(f->fa);
	assert_int_equal(volume_reconcile(f->c, "pvc:default/old"), 0);
	assert_int_equal(fake_api_count(f->fa, "patch", VOL_PVC_RES), 1);
	a = fake_api_action(f->fa, 0);
	assert_string_equal(kobj_get_str(a->obj, "spec.storageClassName"),
	    "standard");
}

static void
test_prebound_volume(void **state)
{
	struct fx *f = *state;

	add_json(f, VOL_PV_RES, "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"PersistentVolume\",\"metadata\":{\"name\":\"mine\"},\"spec\":{"
	    "\"capacity\":{\"storage\":\"5Gi\"},\"accessModes\":"
	    "[\"ReadWriteOnce\"],\"storageClassName\":\"manual\",\"claimRef\":"
	    "{\"namespace\":\"default\",\"name\":\"data\"}},"
	    "\"status\":{\"phase\":\"Available\"}}");
	add_pv(f, "small", "1Gi", "manual", "ReadWriteOnce");
	add_pvc(f, "data", "1Gi", "manual");
	assert_int_equal(volume_reconcile(f->c, "pvc:default/data"), 0);
	assert_bound(f, "data", "mine");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_default_class_created),
		T(test_binds_smallest_fit),
		T(test_provisions),
		T(test_retain_released),
		T(test_default_class_retroactive),
		T(test_prebound_volume),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
