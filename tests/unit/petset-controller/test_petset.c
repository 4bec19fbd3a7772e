/*
 * test_petset.c: petset_reconcile() against tests/lib/fake_api: the pet
 * identity, OrderedReady (strict order, one at a time, blocked by an
 * unhealthy pet, scale-down from the highest), Parallel, failed and
 * deleted pets coming back under the same name, expectations against a
 * stale cache, rolling updates with a partition and OnDelete, claim
 * retention, minReadySeconds and the status counts.
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
#include "ckube/ck.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"
#include "fake_api.h"
#include "petset.h"

#define KEY	"default/web"

static const struct watch_spec watches[] = {
	{ .resource = PETSET_RES, .role = WATCH_PRIMARY },
	{ .resource = "pods", .role = WATCH_OWNED,
	  .owner_kind = "StatefulSet" },
	{ .resource = PETSET_REV_RES, .role = WATCH_OWNED,
	  .owner_kind = "StatefulSet" },
	{ .resource = PETSET_PVC_RES, .role = WATCH_CACHE_ONLY },
};

static const struct controller_def def = {
	.name = "petset-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .init = petset_init,
	.fini = petset_fini, .reconcile = petset_reconcile,
};

struct fx {
	struct fake_api		*fa;
	struct controller	*c;
};

/* A set "web"; extra is spliced into spec (",\"k\":v..."), image names it. */
static struct kobj *
make_set(int replicas, const char *extra, const char *image,
    bool petset)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"apps/v1\","
	    "\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"web\","
	    "\"namespace\":\"default\",\"uid\":\"set-uid\",\"generation\":3%s},"
	    "\"spec\":{\"replicas\":%d,\"serviceName\":\"nginx\","
	    "\"selector\":{\"matchLabels\":{\"app\":\"nginx\"}},"
	    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"nginx\"}},"
	    "\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"%s\","
	    "\"volumeMounts\":[{\"name\":\"www\",\"mountPath\":\"/w\"}]}],"
	    "\"volumes\":[{\"name\":\"www\",\"emptyDir\":{}},"
	    "{\"name\":\"tmp\",\"emptyDir\":{}}]}},"
	    "\"volumeClaimTemplates\":[{\"metadata\":{\"name\":\"www\"},"
	    "\"spec\":{\"accessModes\":[\"ReadWriteOnce\"],\"resources\":"
	    "{\"requests\":{\"storage\":\"1Gi\"}}}}]%s}}",
	    petset ? ",\"annotations\":{\"" ANN_CREATED_AS "\":\"PetSet\"}" :
	    "", replicas, image, extra != NULL ? extra : "");
	return kobj_parse(buf, strlen(buf));
}

static void
put_set(struct fx *f, int replicas, const char *extra, const char *image,
    bool petset)
{
	struct kobj *set = make_set(replicas, extra, image, petset);
	struct kobj *old = cache_get(fake_api_cache(f->fa, PETSET_RES), KEY);
	const cJSON *st = old != NULL ? kobj_get(old, "status") : NULL;

	assert_non_null(set);
	/* Keep the status the controller wrote (currentRevision). */
	if (st != NULL)
		assert_int_equal(kobj_set_json(set, "status",
		    cJSON_Duplicate(st, 1)), 0);
	kobj_unref(old);
	fake_api_add(f->fa, PETSET_RES, set);
	kobj_unref(set);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->fa = fake_api_new();
	f->c = fake_api_controller(f->fa, &def);
	fake_api_set_tracking(f->fa, 1);
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

static struct kobj *
pod(struct fx *f, const char *name)
{
	return cache_get_by_name(fake_api_cache(f->fa, "pods"), "default",
	    name);
}

/* The kubelet: pod name becomes phase, Ready or not, ready since ago s. */
static void
set_phase(struct fx *f, const char *name, const char *phase, bool ready,
    int ago)
{
	struct kobj *p = pod(f, name), *cp;
	char buf[256], ltt[RFC3339_MAX];

	assert_non_null(p);
	cp = kobj_copy(p);
	kobj_unref(p);
	assert_int_equal(rfc3339_format(time(NULL) - ago, ltt, sizeof(ltt)), 0);
	snprintf(buf, sizeof(buf), "{\"phase\":\"%s\",\"conditions\":[{"
	    "\"type\":\"Ready\",\"status\":\"%s\",\"lastTransitionTime\":"
	    "\"%s\"}]}", phase, ready ? "True" : "False", ltt);
	assert_int_equal(kobj_set_json(cp, "status", cJSON_Parse(buf)), 0);
	fake_api_add(f->fa, "pods", cp);
	kobj_unref(cp);
}

static void
ready(struct fx *f, const char *name)
{
	set_phase(f, name, "Running", true, 100);
}

static void
terminate(struct fx *f, const char *name)
{
	struct kobj *p = pod(f, name), *cp;

	assert_non_null(p);
	cp = kobj_copy(p);
	kobj_unref(p);
	assert_int_equal(kobj_set_str(cp, "metadata.deletionTimestamp",
	    "2020-01-01T00:00:00Z"), 0);
	fake_api_add(f->fa, "pods", cp);
	kobj_unref(cp);
}

static void
gone(struct fx *f, const char *key)
{
	kobj_unref(cache_remove(fake_api_cache(f->fa, "pods"), key));
}

static void
reconcile(struct fx *f)
{
	fake_api_clear(f->fa);
	assert_int_equal(petset_reconcile(f->c, KEY), 0);
}

/* The names of the recorded verb calls on resource, space-separated. */
static const char *
names(struct fx *f, const char *verb, const char *res)
{
	static char buf[1024];
	const struct fake_action *a;
	size_t i, n = 0;

	buf[0] = '\0';
	for (i = 0; i < fake_api_nactions(f->fa); i++) {
		a = fake_api_action(f->fa, i);
		if (strcmp(a->verb, verb) != 0 || strcmp(a->resource, res) != 0)
			continue;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s",
		    n > 0 ? " " : "", a->name);
		assert_true(n < sizeof(buf));
	}
	return buf;
}

static bool
has_event(struct fx *f, const char *reason, const char *msg)
{
	const struct fake_action *a;
	size_t i;

	for (i = 0; i < fake_api_nactions(f->fa); i++) {
		a = fake_api_action(f->fa, i);
		if (strcmp(a->verb, "event") == 0 &&
		    strcmp(a->reason, reason) == 0 &&
		    strstr(a->message, msg) != NULL)
			return true;
	}
	return false;
}

static void
test_ordinal(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_int_equal(pet_ordinal("web", "web-0"), 0);
	assert_int_equal(pet_ordinal("web", "web-12"), 12);
	assert_int_equal(pet_ordinal("web", "web-01"), -1);
	assert_int_equal(pet_ordinal("web", "web-"), -1);
	assert_int_equal(pet_ordinal("web", "web-x1"), -1);
	assert_int_equal(pet_ordinal("web", "webb-1"), -1);
	assert_int_equal(pet_ordinal("web", "web-a-1"), -1);
	pet_name("web", 3, &sb);
	assert_string_equal(strbuf_str(&sb), "web-3");
	pet_claim_name("www", "web-3", &sb);
	assert_string_equal(strbuf_str(&sb), "www-web-3");
	strbuf_fini(&sb);
}

static void
test_identity(void **state)
{
	struct fx *f = *state;
	struct kobj *p, *pvc;
	const cJSON *vols;

	put_set(f, 2, NULL, "nginx:1", false);
	reconcile(f);
	assert_string_equal(names(f, "create", "persistentvolumeclaims"),
	    "www-web-0");
	assert_string_equal(names(f, "create", "pods"), "web-0");
	assert_true(has_event(f, "SuccessfulCreate",
	    "create Pod web-0 in StatefulSet web successful"));
	assert_true(has_event(f, "SuccessfulCreate",
	    "create Claim www-web-0 Pod web-0 in StatefulSet web success"));
	p = pod(f, "web-0");
	assert_string_equal(kobj_get_str(p, "spec.hostname"), "web-0");
	assert_string_equal(kobj_get_str(p, "spec.subdomain"), "nginx");
	assert_string_equal(kobj_label(p, LABEL_POD_NAME), "web-0");
	assert_string_equal(kobj_label(p, LABEL_POD_INDEX), "0");
	assert_string_equal(kobj_label(p, "app"), "nginx");
	assert_non_null(kobj_label(p, LABEL_REV_HASH));
	assert_null(kobj_annotation(p, ANN_HOSTNAME));
	assert_string_equal(kobj_get_str(p, "metadata.ownerReferences[0].kind"),
	    "StatefulSet");
	assert_true(kobj_get_bool(p,
	    "metadata.ownerReferences[0].blockOwnerDeletion", false));
	assert_true(kobj_get_bool(p, "metadata.ownerReferences[0].controller",
	    false));
	/* The claim replaces the template volume of its name. */
	vols = kobj_get(p, "spec.volumes");
	assert_int_equal(cJSON_GetArraySize(vols), 2);
	assert_string_equal(kobj_get_str(p, "spec.volumes[0].name"), "www");
	assert_string_equal(kobj_get_str(p,
	    "spec.volumes[0].persistentVolumeClaim.claimName"), "www-web-0");
	assert_string_equal(kobj_get_str(p, "spec.volumes[1].name"), "tmp");
	pvc = cache_get_by_name(fake_api_cache(f->fa, PETSET_PVC_RES),
	    "default", "www-web-0");
	assert_non_null(pvc);
	assert_string_equal(kobj_label(pvc, "app"), "nginx");
	assert_string_equal(kobj_get_str(pvc,
	    "spec.resources.requests.storage"), "1Gi");
	kobj_unref(pvc);
	kobj_unref(p);
	/* A ControllerRevision holds the template. */
	assert_int_equal(cache_len(fake_api_cache(f->fa, PETSET_REV_RES)), 1);
}

static void
test_petset_annotations(void **state)
{
	struct fx *f = *state;
	struct kobj *p;

	put_set(f, 1, NULL, "nginx:1", true);
	reconcile(f);
	p = pod(f, "web-0");
	assert_non_null(p);
	assert_string_equal(kobj_annotation(p, ANN_HOSTNAME), "web-0");
	assert_string_equal(kobj_annotation(p, ANN_SUBDOMAIN), "nginx");
	assert_string_equal(kobj_get_str(p, "spec.hostname"), "web-0");
	kobj_unref(p);
	/* 1.3: a pet not initialized pauses the set. */
	put_set(f, 2, NULL, "nginx:1", true);
	ready(f, "web-0");
	p = pod(f, "web-0");
	{
		struct kobj *cp = kobj_copy(p);

		kobj_set_annotation(cp, ANN_INITIALIZED, "false");
		fake_api_add(f->fa, "pods", cp);
		kobj_unref(cp);
	}
	kobj_unref(p);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "");
}

static void
test_ordered_ready(void **state)
{
	struct fx *f = *state;

	put_set(f, 3, NULL, "nginx:1", false);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-0");
	/* Pending, then Running but not Ready: web-1 waits. */
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "");
	set_phase(f, "web-0", "Running", false, 0);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "");
	ready(f, "web-0");
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-1");
	assert_string_equal(names(f, "create", "persistentvolumeclaims"),
	    "www-web-1");
	ready(f, "web-1");
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-2");
	ready(f, "web-2");
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "");
	assert_string_equal(names(f, "delete", "pods"), "");
}

static void
test_unhealthy_blocks(void **state)
{
	struct fx *f = *state;

	put_set(f, 2, NULL, "nginx:1", false);
	reconcile(f);
	ready(f, "web-0");
	reconcile(f);
	ready(f, "web-1");
	/* web-0 turns unready: neither scale-up nor scale-down moves. */
	set_phase(f, "web-0", "Running", false, 0);
	put_set(f, 3, NULL, "nginx:1", false);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "");
	put_set(f, 1, NULL, "nginx:1", false);
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "");
	ready(f, "web-0");
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "web-1");
}

static void
test_scale_down_from_highest(void **state)
{
	struct fx *f = *state;

	put_set(f, 3, ",\"podManagementPolicy\":\"Parallel\"", "nginx:1",
	    false);
	reconcile(f);
	ready(f, "web-0");
	ready(f, "web-1");
	ready(f, "web-2");
	put_set(f, 1, NULL, "nginx:1", false);
	/* The fake deletes at once; put web-2 back terminating. */
	fake_api_set_tracking(f->fa, 0);
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "web-2");
	assert_true(has_event(f, "SuccessfulDelete",
	    "delete Pod web-2 in StatefulSet web successful"));
	terminate(f, "web-2");
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "");
	gone(f, "default/web-2");
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "web-1");
	/* Claims stay (whenScaled: Retain). */
	assert_string_equal(names(f, "delete", "persistentvolumeclaims"), "");
	gone(f, "default/web-1");
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "");
	/* Scaling back reuses the claims: none created, pods reattach. */
	fake_api_set_tracking(f->fa, 1);
	put_set(f, 3, NULL, "nginx:1", false);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-1");
	assert_string_equal(names(f, "create", "persistentvolumeclaims"), "");
}

static void
test_parallel(void **state)
{
	struct fx *f = *state;

	put_set(f, 3, ",\"podManagementPolicy\":\"Parallel\"", "nginx:1",
	    false);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-0 web-1 web-2");
	put_set(f, 0, ",\"podManagementPolicy\":\"Parallel\"", "nginx:1",
	    false);
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "web-2 web-1 web-0");
}

static void
test_stale_cache(void **state)
{
	struct fx *f = *state;

	fake_api_set_tracking(f->fa, 0);
	put_set(f, 2, NULL, "nginx:1", false);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-0");
	/* The pod cache has not seen web-0: no second create. */
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "");
}

static void
test_failed_pet_recreated(void **state)
{
	struct fx *f = *state;
	struct kobj *p;

	put_set(f, 1, NULL, "nginx:1", false);
	reconcile(f);
	set_phase(f, "web-0", "Failed", false, 0);
	fake_api_set_tracking(f->fa, 0);
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "web-0");
	terminate(f, "web-0");
	/* Same name only once the old object is gone. */
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "");
	gone(f, "default/web-0");
	fake_api_set_tracking(f->fa, 1);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-0");
	/* The claim exists already: the new pet mounts it. */
	assert_string_equal(names(f, "create", "persistentvolumeclaims"), "");
	p = pod(f, "web-0");
	assert_string_equal(kobj_get_str(p,
	    "spec.volumes[0].persistentVolumeClaim.claimName"), "www-web-0");
	kobj_unref(p);
}

static void
test_deleted_pet_waits(void **state)
{
	struct fx *f = *state;

	put_set(f, 2, NULL, "nginx:1", false);
	reconcile(f);
	ready(f, "web-0");
	reconcile(f);
	ready(f, "web-1");
	terminate(f, "web-0");	/* kubectl delete pod web-0 */
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "");
	assert_string_equal(names(f, "delete", "pods"), "");
	gone(f, "default/web-0");
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-0");
}

static void
test_claim_failure(void **state)
{
	struct fx *f = *state;

	put_set(f, 1, NULL, "nginx:1", false);
	fake_api_fail(f->fa, "create", "persistentvolumeclaims", CK_EPERM, 1);
	fake_api_clear(f->fa);
	assert_true(petset_reconcile(f->c, KEY) < 0);
	assert_string_equal(names(f, "create", "pods"), "");
	assert_true(has_event(f, "FailedCreate", "create Claim www-web-0"));
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-0");
}

/* Three ready pets on revision nginx:1. */
static void
three_ready(struct fx *f, const char *extra)
{
	put_set(f, 3, extra, "nginx:1", false);
	reconcile(f);
	ready(f, "web-0");
	reconcile(f);
	ready(f, "web-1");
	reconcile(f);
	ready(f, "web-2");
	reconcile(f);
}

static bool
exists(struct fx *f, const char *name)
{
	struct kobj *p = pod(f, name);

	kobj_unref(p);
	return p != NULL;
}

static const char *
image_of(struct fx *f, const char *name)
{
	static char buf[128];
	struct kobj *p = pod(f, name);

	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%s", kobj_get_str(p,
	    "spec.containers[0].image"));
	kobj_unref(p);
	return buf;
}

static const char *
rev_of(struct fx *f, const char *name)
{
	static char buf[128];
	struct kobj *p = pod(f, name);

	assert_non_null(p);
	snprintf(buf, sizeof(buf), "%s", kobj_label(p, LABEL_REV_HASH));
	kobj_unref(p);
	return buf;
}

static void
test_rolling_partition(void **state)
{
	struct fx *f = *state;
	const char *ru = ",\"updateStrategy\":{\"type\":\"RollingUpdate\","
	    "\"rollingUpdate\":{\"partition\":1}}";
	char old[128];
	struct kobj *set;

	three_ready(f, ru);
	snprintf(old, sizeof(old), "%s", rev_of(f, "web-0"));
	put_set(f, 3, ru, "nginx:2", false);
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "web-2");
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-2");
	assert_string_not_equal(rev_of(f, "web-2"), old);
	assert_string_equal(image_of(f, "web-2"), "nginx:2");
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "");	/* not ready */
	ready(f, "web-2");
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "web-1");
	reconcile(f);
	ready(f, "web-1");
	reconcile(f);
	/* web-0 is below the partition: untouched. */
	assert_string_equal(names(f, "delete", "pods"), "");
	assert_string_equal(rev_of(f, "web-0"), old);
	set = cache_get(fake_api_cache(f->fa, PETSET_RES), KEY);
	assert_int_equal(kobj_get_int_or(set, "status.updatedReplicas", -1), 2);
	assert_int_equal(kobj_get_int_or(set, "status.currentReplicas", -1), 1);
	assert_string_equal(kobj_get_str(set, "status.currentRevision"), old);
	kobj_unref(set);
	/* A recreated web-0 keeps the current revision. */
	fake_api_set_tracking(f->fa, 0);
	gone(f, "default/web-0");
	fake_api_set_tracking(f->fa, 1);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-0");
	assert_string_equal(rev_of(f, "web-0"), old);
}

static void
test_rolling_completes(void **state)
{
	struct fx *f = *state;
	struct kobj *set;
	int i;

	three_ready(f, NULL);
	put_set(f, 3, NULL, "nginx:2", false);
	for (i = 0; i < 12; i++) {
		reconcile(f);
		if (exists(f, "web-2"))
			ready(f, "web-2");
		if (exists(f, "web-1"))
			ready(f, "web-1");
		if (exists(f, "web-0"))
			ready(f, "web-0");
	}
	reconcile(f);
	set = cache_get(fake_api_cache(f->fa, PETSET_RES), KEY);
	assert_int_equal(kobj_get_int_or(set, "status.updatedReplicas", -1), 3);
	assert_int_equal(kobj_get_int_or(set, "status.currentReplicas", -1), 3);
	assert_string_equal(kobj_get_str(set, "status.currentRevision"),
	    kobj_get_str(set, "status.updateRevision"));
	assert_int_equal(kobj_get_int_or(set, "status.readyReplicas", -1), 3);
	assert_int_equal(kobj_get_int_or(set, "status.observedGeneration", -1),
	    3);
	kobj_unref(set);
	/* Both revisions are kept (history limit 10). */
	assert_int_equal(cache_len(fake_api_cache(f->fa, PETSET_REV_RES)), 2);
}

static void
test_on_delete(void **state)
{
	struct fx *f = *state;
	const char *od = ",\"updateStrategy\":{\"type\":\"OnDelete\"}";
	char old[128];

	three_ready(f, od);
	snprintf(old, sizeof(old), "%s", rev_of(f, "web-1"));
	put_set(f, 3, od, "nginx:2", false);
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "");
	/* The user deletes web-1: it comes back on the new revision. */
	fake_api_set_tracking(f->fa, 0);
	gone(f, "default/web-1");
	fake_api_set_tracking(f->fa, 1);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-1");
	assert_string_not_equal(rev_of(f, "web-1"), old);
}

static void
test_history_limit(void **state)
{
	struct fx *f = *state;
	const char *od = ",\"revisionHistoryLimit\":1,"
	    "\"updateStrategy\":{\"type\":\"OnDelete\"}";

	put_set(f, 0, od, "nginx:1", false);
	reconcile(f);
	put_set(f, 0, od, "nginx:2", false);
	reconcile(f);
	put_set(f, 0, od, "nginx:3", false);
	reconcile(f);
	/* Current and update kept; one more unused within the limit. */
	assert_true(cache_len(fake_api_cache(f->fa, PETSET_REV_RES)) <= 3);
	assert_true(fake_api_count(f->fa, "delete", PETSET_REV_RES) +
	    cache_len(fake_api_cache(f->fa, PETSET_REV_RES)) >= 2);
}

static void
test_claim_retention_delete(void **state)
{
	struct fx *f = *state;
	const char *pol = ",\"podManagementPolicy\":\"Parallel\","
	    "\"persistentVolumeClaimRetentionPolicy\":{\"whenScaled\":"
	    "\"Delete\",\"whenDeleted\":\"Delete\"}";
	struct kobj *pvc;

	put_set(f, 2, pol, "nginx:1", false);
	reconcile(f);
	pvc = cache_get_by_name(fake_api_cache(f->fa, PETSET_PVC_RES),
	    "default", "www-web-1");
	assert_non_null(pvc);
	/* whenDeleted: Delete: the claim follows the set (GC). */
	assert_string_equal(kobj_get_str(pvc,
	    "metadata.ownerReferences[0].uid"), "set-uid");
	kobj_unref(pvc);
	ready(f, "web-0");
	ready(f, "web-1");
	put_set(f, 1, pol, "nginx:1", false);
	reconcile(f);
	assert_string_equal(names(f, "delete", "pods"), "web-1");
	reconcile(f);
	assert_string_equal(names(f, "delete", "persistentvolumeclaims"),
	    "www-web-1");
	assert_true(has_event(f, "SuccessfulDelete", "delete Claim www-web-1"));
}

static void
test_min_ready_seconds(void **state)
{
	struct fx *f = *state;
	struct kobj *set;

	put_set(f, 2, ",\"minReadySeconds\":60", "nginx:1", false);
	reconcile(f);
	set_phase(f, "web-0", "Running", true, 5);	/* Ready 5 s ago */
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "");
	set = cache_get(fake_api_cache(f->fa, PETSET_RES), KEY);
	assert_int_equal(kobj_get_int_or(set, "status.readyReplicas", -1), 1);
	assert_int_equal(kobj_get_int_or(set, "status.availableReplicas", -1),
	    0);
	kobj_unref(set);
	set_phase(f, "web-0", "Running", true, 61);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-1");
}

static void
test_ordinals_start(void **state)
{
	struct fx *f = *state;

	put_set(f, 2, ",\"podManagementPolicy\":\"Parallel\","
	    "\"ordinals\":{\"start\":5}", "nginx:1", false);
	reconcile(f);
	assert_string_equal(names(f, "create", "pods"), "web-5 web-6");
}

static void
test_adopts_orphan(void **state)
{
	struct fx *f = *state;
	const char *js = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
	    "{\"name\":\"web-0\",\"namespace\":\"default\",\"uid\":\"o\","
	    "\"labels\":{\"app\":\"nginx\"}},\"spec\":{}}";
	struct kobj *p = kobj_parse(js, strlen(js));

	fake_api_add(f->fa, "pods", p);
	kobj_unref(p);
	put_set(f, 1, NULL, "nginx:1", false);
	reconcile(f);
	assert_string_equal(names(f, "patch", "pods"), "web-0");
	assert_string_equal(names(f, "create", "pods"), "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ordinal),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_identity),
		T(test_petset_annotations),
		T(test_ordered_ready),
		T(test_unhealthy_blocks),
		T(test_scale_down_from_highest),
		T(test_parallel),
		T(test_stale_cache),
		T(test_failed_pet_recreated),
		T(test_deleted_pet_waits),
		T(test_claim_failure),
		T(test_rolling_partition),
		T(test_rolling_completes),
		T(test_on_delete),
		T(test_history_limit),
		T(test_claim_retention_delete),
		T(test_min_ready_seconds),
		T(test_ordinals_start),
		T(test_adopts_orphan),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
