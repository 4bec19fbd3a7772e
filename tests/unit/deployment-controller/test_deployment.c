/*
 * Unit tests for deployment-controller: the rolling-update arithmetic of
 * dep_math.c, and deployment_reconcile() against tests/lib/fake_api.c
 * (tracking on, so writes land in the caches as on a cluster; the tests
 * play the replicaset-controller by setting ReplicaSet status).
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
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#include "deployment.h"
#include "fake_api.h"

static const struct watch_spec test_watches[] = {
	{ .resource = "deployments.apps", .role = WATCH_PRIMARY },
	{ .resource = "replicasets.apps", .role = WATCH_OWNED,
	  .owner_kind = "Deployment" },
	{ .resource = "pods", .role = WATCH_MAPPED,
	  .map = deployment_map_pod },
};

static const struct controller_def test_def = {
	.name		= "deployment-controller",
	.watches	= test_watches,
	.nwatches	= ARRAY_SIZE(test_watches),
	.init		= deployment_init,
	.reconcile	= deployment_reconcile,
};

struct fx {
	struct fake_api		*fa;
	struct controller	*c;
	int			 stamp;	/* creationTimestamp counter */
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	f->fa = fake_api_new();
	fake_api_set_tracking(f->fa, 1);
	f->c = fake_api_controller(f->fa, &test_def);
	assert_non_null(f->c);
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

/* A Deployment "web" of replicas running image, with extra spec JSON. */
static void
put_deploy(struct fx *f, int replicas, const char *image, const char *extra)
{
	char buf[2048];
	struct kobj *d;

	snprintf(buf, sizeof(buf),
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
	    "\"metadata\":{\"name\":\"web\",\"namespace\":\"default\","
	    "\"uid\":\"d-uid\",\"generation\":1,\"resourceVersion\":\"1\"},"
	    "\"spec\":{\"replicas\":%d,\"selector\":{\"matchLabels\":"
	    "{\"app\":\"web\"}},\"template\":{\"metadata\":{\"labels\":"
	    "{\"app\":\"web\"}},\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"image\":\"%s\"}]}}%s%s}}", replicas, image,
	    extra != NULL ? "," : "", extra != NULL ? extra : "");
	d = kobj_parse(buf, strlen(buf));
	assert_non_null(d);
	fake_api_add(f->fa, "deployments.apps", d);
	kobj_unref(d);
}

/* Change the cached Deployment: path set to an integer, string or JSON. */
static void
edit_deploy(struct fx *f, const char *path, const char *json)
{
	struct kobj *d = cache_get(fake_api_cache(f->fa, "deployments.apps"),
	    "default/web");
	struct kobj *copy = kobj_copy(d);

	assert_int_equal(kobj_set_json(copy, path, cJSON_Parse(json)), 0);
	fake_api_add(f->fa, "deployments.apps", copy);
	kobj_unref(copy);
	kobj_unref(d);
}

static struct kobj *
get_deploy(struct fx *f)
{
	return cache_get(fake_api_cache(f->fa, "deployments.apps"),
	    "default/web");
}

/*
 * Play the replicaset-controller: stamp new ReplicaSets with a creation
 * time, and make status follow spec (avail: available pods per set, -1 all).
 */
static void
settle(struct fx *f, int avail)
{
	struct cache *rc = fake_api_cache(f->fa, "replicasets.apps");
	struct kobj **list, *copy;
	char ts[32];
	size_t n, i;
	int64_t r;

	list = cache_list(rc, &n);
	for (i = 0; i < n; i++) {
		copy = kobj_copy(list[i]);
		if (kobj_get(copy, "metadata.creationTimestamp") == NULL) {
			snprintf(ts, sizeof(ts), "2024-01-01T00:00:%02dZ",
			    ++f->stamp);
			assert_int_equal(kobj_set_str(copy,
			    "metadata.creationTimestamp", ts), 0);
		}
		r = kobj_get_int_or(copy, "spec.replicas", 1);
		assert_int_equal(kobj_set_int(copy, "status.replicas", r), 0);
		assert_int_equal(kobj_set_int(copy, "status.readyReplicas",
		    avail < 0 || avail > r ? r : avail), 0);
		assert_int_equal(kobj_set_int(copy,
		    "status.availableReplicas",
		    avail < 0 || avail > r ? r : avail), 0);
		fake_api_add(f->fa, "replicasets.apps", copy);
		kobj_unref(copy);
	}
	cache_list_free(list, n);
}

static void
sync(struct fx *f)
{
	assert_int_equal(deployment_reconcile(f->c, "default/web"), 0);
}

/* The ReplicaSet running image, or NULL. */
static struct kobj *
rs_of(struct fx *f, const char *image)
{
	struct kobj **list, *found = NULL;
	const char *img;
	size_t n, i;

	list = cache_list(fake_api_cache(f->fa, "replicasets.apps"), &n);
	for (i = 0; i < n; i++) {
		img = kobj_get_str(list[i],
		    "spec.template.spec.containers[0].image");
		if (found == NULL && img != NULL && strcmp(img, image) == 0)
			found = kobj_ref(list[i]);
	}
	cache_list_free(list, n);
	return found;
}

static int64_t
replicas_of(struct fx *f, const char *image)
{
	struct kobj *rs = rs_of(f, image);
	int64_t n = rs != NULL ? kobj_get_int_or(rs, "spec.replicas", -1) : -1;

	kobj_unref(rs);
	return n;
}

static const char *
ann_of(struct fx *f, const char *image, const char *key)
{
	static char buf[64];
	struct kobj *rs = rs_of(f, image);
	const char *v = rs != NULL ? kobj_annotation(rs, key) : NULL;

	ck_strlcpy(buf, v != NULL ? v : "", sizeof(buf));
	kobj_unref(rs);
	return buf;
}

static int
nrs(struct fx *f)
{
	return (int)cache_len(fake_api_cache(f->fa, "replicasets.apps"));
}

/* ---- dep_math ---- */

static int64_t
scaled(const char *json, int64_t total, bool up)
{
	cJSON *v = cJSON_Parse(json);
	int64_t out = -1;

	if (dep_scaled_value(v, 25, total, up, &out) < 0)
		out = -99;
	cJSON_Delete(v);
	return out;
}

static void
test_scaled_value(void **state)
{
	(void)state;
	assert_int_equal(scaled("2", 10, true), 2);
	assert_int_equal(scaled("\"25%\"", 10, true), 3);
	assert_int_equal(scaled("\"25%\"", 10, false), 2);
	assert_int_equal(scaled("\"100%\"", 3, false), 3);
	assert_int_equal(scaled("\"0%\"", 3, true), 0);
	assert_int_equal(scaled("\"abc\"", 3, true), -99);
	assert_int_equal(scaled("\"5\"", 3, true), -99);
	assert_int_equal(scaled("-1", 3, true), -99);
	assert_int_equal(scaled("1.5", 3, true), -99);
	assert_int_equal(scaled("true", 3, true), -99);
}

static void
fence(const char *s, const char *u, int64_t desired, int64_t ws, int64_t wu)
{
	cJSON *a = s != NULL ? cJSON_Parse(s) : NULL;
	cJSON *b = u != NULL ? cJSON_Parse(u) : NULL;
	int64_t ms = -1, mu = -1;

	assert_int_equal(dep_resolve_fenceposts(a, b, desired, &ms, &mu), 0);
	assert_int_equal(ms, ws);
	assert_int_equal(mu, wu);
	cJSON_Delete(a);
	cJSON_Delete(b);
}

static void
test_fenceposts(void **state)
{
	(void)state;
	fence(NULL, NULL, 10, 3, 2);		/* defaults 25%/25% */
	fence(NULL, NULL, 1, 1, 0);
	fence("0", "0", 3, 0, 1);		/* not both zero */
	fence("\"0%\"", "\"0%\"", 3, 0, 1);
	fence("\"50%\"", "0", 3, 2, 0);
	fence("1", "\"10%\"", 5, 1, 0);
	fence("\"30%\"", "\"30%\"", 5, 2, 1);
}

static void
test_rolling_math(void **state)
{
	(void)state;
	/* 4 wanted, surge 1: a new set starts at 1 beside 4 old. */
	assert_int_equal(dep_rolling_new_replicas(4, 1, 4, 0), 1);
	assert_int_equal(dep_rolling_new_replicas(4, 1, 5, 1), 1);
	assert_int_equal(dep_rolling_new_replicas(4, 1, 4, 1), 2);
	assert_int_equal(dep_rolling_new_replicas(4, 10, 4, 0), 4);
	/* all 5, min available 3, the new one's pod not available: 1. */
	assert_int_equal(dep_max_scaled_down(5, 4, 1, 1, 0), 1);
	assert_int_equal(dep_max_scaled_down(5, 4, 1, 1, 1), 2);
	assert_int_equal(dep_max_scaled_down(4, 4, 0, 1, 0), -1);
}

static void
test_proportional(void **state)
{
	int64_t sizes[] = { 6, 5 }, maxann[] = { 11, 11 }, t[2];
	int64_t s3[] = { 3, 0, 2 }, m3[] = { -1, -1, -1 }, t3[3];

	(void)state;
	/* 10 + 1 surge, scaled to 20 + 2: 6/11 and 4/11 of 22. */
	dep_proportional(sizes, maxann, 2, 20, 2, 11, t);
	assert_int_equal(t[0], 12);
	assert_int_equal(t[1], 10);
	/* to zero */
	dep_proportional(sizes, maxann, 2, 0, 0, 11, t);
	assert_int_equal(t[0], 0);
	assert_int_equal(t[1], 0);
	/* down from 5 to 3+0: the sum is exact. */
	dep_proportional(s3, m3, 3, 3, 0, 5, t3);
	assert_int_equal(t3[0] + t3[1] + t3[2], 3);
	assert_int_equal(t3[1], 0);
}

static void
test_hash(void **state)
{
	cJSON *a = cJSON_Parse("{\"metadata\":{\"labels\":{\"a\":\"1\","
	    "\"b\":\"2\"}},\"spec\":{\"x\":1}}");
	cJSON *b = cJSON_Parse("{\"spec\":{\"x\":1},\"metadata\":{\"labels\":"
	    "{\"b\":\"2\",\"a\":\"1\",\"pod-template-hash\":\"zz\"}}}");
	cJSON *c = cJSON_Parse("{\"spec\":{\"x\":2},\"metadata\":{}}");
	/* a after kubectl's typed round trip: nulls and {} added. */
	cJSON *rt = cJSON_Parse("{\"metadata\":{\"creationTimestamp\":null,"
	    "\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"x\":1,"
	    "\"c\":[{\"resources\":{}}],\"v\":[]}}");
	char s[16];

	(void)state;
	assert_int_equal(dep_template_hash(a, 0), dep_template_hash(b, 0));
	assert_int_not_equal(dep_template_hash(a, 0), dep_template_hash(c, 0));
	assert_int_not_equal(dep_template_hash(a, 0), dep_template_hash(a, 1));
	assert_true(dep_templates_equal(a, b));
	assert_false(dep_templates_equal(a, c));
	assert_false(dep_templates_equal(a, rt));	/* c: [{}] is not [] */
	cJSON_DeleteItemFromObjectCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(rt, "spec"), "c");
	assert_true(dep_templates_equal(a, rt));
	assert_int_equal(dep_template_hash(a, 0), dep_template_hash(rt, 0));
	cJSON_Delete(rt);
	dep_hash_string(dep_template_hash(a, 0), s, sizeof(s));
	assert_true(strlen(s) > 0);
	assert_int_equal(strspn(s, "bcdfghjklmnpqrstvwxz2456789"), strlen(s));
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
}

/* ---- reconcile ---- */

static void
test_new_deployment(void **state)
{
	struct fx *f = *state;
	struct kobj *rs, *d;
	const cJSON *ref;
	char want[64];
	const char *hash;

	put_deploy(f, 3, "nginx:1", NULL);
	sync(f);
	assert_int_equal(fake_api_count(f->fa, "create", "replicasets.apps"),
	    1);
	rs = rs_of(f, "nginx:1");
	assert_non_null(rs);
	assert_int_equal(kobj_get_int_or(rs, "spec.replicas", -1), 3);
	hash = kobj_get_str(rs, "spec.template.metadata.labels."
	    DEP_LABEL_HASH);
	assert_non_null(hash);
	assert_string_equal(kobj_get_str(rs, "spec.selector.matchLabels."
	    DEP_LABEL_HASH), hash);
	snprintf(want, sizeof(want), "web-%s", hash);
	assert_string_equal(kobj_name(rs), want);
	assert_string_equal(kobj_annotation(rs, DEP_ANN_REVISION), "1");
	assert_string_equal(kobj_annotation(rs, DEP_ANN_DESIRED), "3");
	assert_string_equal(kobj_annotation(rs, DEP_ANN_MAX), "4");
	ref = kobj_controller_ref(rs);
	assert_non_null(ref);
	assert_string_equal(cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(ref, "uid")), "d-uid");
	kobj_unref(rs);
	d = get_deploy(f);
	assert_string_equal(kobj_annotation(d, DEP_ANN_REVISION), "1");
	assert_string_equal(kobj_condition_status(d, "Progressing"), "True");
	assert_string_equal(kobj_condition_status(d, "Available"), "False");
	kobj_unref(d);
	assert_int_equal(fake_api_count(f->fa, "event", NULL), 1);

	/* The pods come up: complete. */
	settle(f, -1);
	sync(f);
	d = get_deploy(f);
	assert_int_equal(kobj_get_int_or(d, "status.replicas", -1), 3);
	assert_int_equal(kobj_get_int_or(d, "status.updatedReplicas", -1), 3);
	assert_int_equal(kobj_get_int_or(d, "status.readyReplicas", -1), 3);
	assert_int_equal(kobj_get_int_or(d, "status.availableReplicas", -1),
	    3);
	assert_int_equal(kobj_get_int_or(d, "status.unavailableReplicas",
	    -1), 0);
	assert_int_equal(kobj_get_int_or(d, "status.observedGeneration", -1),
	    1);
	assert_string_equal(kobj_condition_status(d, "Available"), "True");
	assert_string_equal(cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(kobj_condition(d, "Progressing"),
	    "reason")), "NewReplicaSetAvailable");
	kobj_unref(d);

	/* Nothing more to do: no write. */
	fake_api_clear(f->fa);
	sync(f);
	assert_int_equal(fake_api_nactions(f->fa), 0);
}

/* Rolling from nginx:1 to nginx:2, 4 replicas, surge 1, unavailable 1. */
static void
test_rolling_steps(void **state)
{
	struct fx *f = *state;
	struct kobj *d;

	put_deploy(f, 4, "nginx:1", "\"strategy\":{\"type\":\"RollingUpdate\","
	    "\"rollingUpdate\":{\"maxSurge\":1,\"maxUnavailable\":1}}");
	sync(f);
	settle(f, -1);
	sync(f);
	edit_deploy(f, "spec.template.spec.containers[0].image",
	    "\"nginx:2\"");
	sync(f);
	/*
	 * The new set takes the one surge slot, and one old pod may go:
	 * 5 - 3 min available - 1 unavailable new.
	 */
	assert_int_equal(replicas_of(f, "nginx:2"), 1);
	assert_int_equal(replicas_of(f, "nginx:1"), 3);
	assert_string_equal(ann_of(f, "nginx:2", DEP_ANN_REVISION), "2");
	settle(f, 0);			/* new pods not available yet */
	sync(f);
	/* Room for one more new pod; no old one may go (5 - 3 - 2). */
	assert_int_equal(replicas_of(f, "nginx:2"), 2);
	assert_int_equal(replicas_of(f, "nginx:1"), 3);
	settle(f, 0);
	sync(f);
	/* No more room: 3 old available, new ones not: wait. */
	assert_int_equal(replicas_of(f, "nginx:1"), 3);
	assert_int_equal(replicas_of(f, "nginx:2"), 2);
	d = get_deploy(f);
	assert_string_equal(kobj_annotation(d, DEP_ANN_REVISION), "2");
	kobj_unref(d);
	/* Everything becomes available: the rollout finishes. */
	for (int i = 0; i < 10; i++) {
		settle(f, -1);
		sync(f);
	}
	assert_int_equal(replicas_of(f, "nginx:1"), 0);
	assert_int_equal(replicas_of(f, "nginx:2"), 4);
	d = get_deploy(f);
	assert_int_equal(kobj_get_int_or(d, "status.updatedReplicas", -1), 4);
	assert_int_equal(kobj_get_int_or(d, "status.replicas", -1), 4);
	assert_string_equal(cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(kobj_condition(d, "Progressing"),
	    "reason")), "NewReplicaSetAvailable");
	kobj_unref(d);
}

/* 10 replicas with 25%/25%: surge 3, unavailable 2. */
static void
test_rolling_percent(void **state)
{
	struct fx *f = *state;

	put_deploy(f, 10, "nginx:1", "\"strategy\":{\"type\":\"RollingUpdate\","
	    "\"rollingUpdate\":{\"maxSurge\":\"25%\","
	    "\"maxUnavailable\":\"25%\"}}");
	sync(f);
	settle(f, -1);
	sync(f);
	assert_string_equal(ann_of(f, "nginx:1", DEP_ANN_MAX), "13");
	edit_deploy(f, "spec.template.spec.containers[0].image",
	    "\"nginx:2\"");
	sync(f);
	assert_int_equal(replicas_of(f, "nginx:2"), 3);
	settle(f, 0);
	sync(f);
	/* 13 - 8 min available - 3 unavailable new = 2 old may go. */
	assert_int_equal(replicas_of(f, "nginx:1"), 8);
	settle(f, 0);
	sync(f);
	assert_int_equal(replicas_of(f, "nginx:2"), 5);
	settle(f, 0);
	sync(f);
	assert_int_equal(replicas_of(f, "nginx:1"), 8);
}

/* Scaled mid-rollout: both sets grow in proportion (isScalingEvent). */
static void
test_proportional_scale(void **state)
{
	struct fx *f = *state;
	struct kobj *d;

	put_deploy(f, 10, "nginx:1", "\"strategy\":{\"rollingUpdate\":"
	    "{\"maxSurge\":3,\"maxUnavailable\":2}}");
	sync(f);
	settle(f, -1);
	sync(f);
	edit_deploy(f, "spec.template.spec.containers[0].image",
	    "\"nginx:2\"");
	sync(f);
	settle(f, 0);
	sync(f);
	assert_int_equal(replicas_of(f, "nginx:1"), 8);
	assert_int_equal(replicas_of(f, "nginx:2"), 5);
	edit_deploy(f, "spec.replicas", "20");
	sync(f);
	/* 13 of 13 allowed become 23 of 23: 8 -> 14, 5 -> 9. */
	assert_int_equal(replicas_of(f, "nginx:1"), 14);
	assert_int_equal(replicas_of(f, "nginx:2"), 9);
	assert_string_equal(ann_of(f, "nginx:1", DEP_ANN_DESIRED), "20");
	assert_string_equal(ann_of(f, "nginx:2", DEP_ANN_MAX), "23");
	/* Then the rollout goes on to the end. */
	for (int i = 0; i < 20; i++) {
		settle(f, -1);
		sync(f);
	}
	assert_int_equal(replicas_of(f, "nginx:1"), 0);
	assert_int_equal(replicas_of(f, "nginx:2"), 20);
	d = get_deploy(f);
	assert_int_equal(kobj_get_int_or(d, "status.availableReplicas", -1),
	    20);
	kobj_unref(d);
}

/* A pod of a Recreate Deployment's ReplicaSet brings the Deployment back. */
static void
test_map_pod(void **state)
{
	struct fx *f = *state;
	struct controller_stats before, after;
	struct kobj *pod, *rs;
	char buf[512];

	put_deploy(f, 1, "nginx:1", "\"strategy\":{\"type\":\"Recreate\"}");
	sync(f);
	rs = rs_of(f, "nginx:1");
	assert_non_null(rs);
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"p\",\"namespace\":\"default\","
	    "\"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":\"%s\","
	    "\"uid\":\"%s\",\"controller\":true}]}}", kobj_name(rs),
	    kobj_uid(rs));
	kobj_unref(rs);
	pod = kobj_parse(buf, strlen(buf));
	assert_non_null(pod);
	controller_get_stats(f->c, &before);
	controller_notify(f->c, "pods", pod, NULL);
	controller_get_stats(f->c, &after);
	assert_int_equal(after.enqueues, before.enqueues + 1);
	/* Not for a rolling update, nor for a pod of no ReplicaSet. */
	edit_deploy(f, "spec.strategy", "{\"type\":\"RollingUpdate\"}");
	controller_notify(f->c, "pods", pod, NULL);
	controller_get_stats(f->c, &before);
	assert_int_equal(before.enqueues, after.enqueues);
	kobj_unref(pod);
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"q\",\"namespace\":\"default\"}}");
	pod = kobj_parse(buf, strlen(buf));
	assert_non_null(pod);
	controller_notify(f->c, "pods", NULL, pod);
	controller_get_stats(f->c, &after);
	assert_int_equal(before.enqueues, after.enqueues);
	kobj_unref(pod);
}

static void
test_recreate(void **state)
{
	struct fx *f = *state;
	struct kobj *pod, *rs;
	char buf[512];

	put_deploy(f, 3, "nginx:1", "\"strategy\":{\"type\":\"Recreate\"}");
	sync(f);
	settle(f, -1);
	sync(f);
	assert_int_equal(replicas_of(f, "nginx:1"), 3);
	edit_deploy(f, "spec.template.spec.containers[0].image",
	    "\"nginx:2\"");
	sync(f);
	/* Old scaled to 0 first; no new set yet. */
	assert_int_equal(replicas_of(f, "nginx:1"), 0);
	assert_null(rs_of(f, "nginx:2"));
	/* Status lags (pods terminating): still no new set. */
	sync(f);
	assert_null(rs_of(f, "nginx:2"));
	/* Status says 0 but a pod of the old set still runs. */
	settle(f, -1);
	rs = rs_of(f, "nginx:1");
	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"p1\",\"namespace\":\"default\","
	    "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":"
	    "\"ReplicaSet\",\"name\":\"%s\",\"uid\":\"%s\",\"controller\":"
	    "true}]},\"status\":{\"phase\":\"Running\"}}", kobj_name(rs),
	    kobj_uid(rs));
	kobj_unref(rs);
	pod = kobj_parse(buf, strlen(buf));
	fake_api_add(f->fa, "pods", pod);
	kobj_unref(pod);
	sync(f);
	assert_null(rs_of(f, "nginx:2"));
	kobj_unref(cache_remove(fake_api_cache(f->fa, "pods"), "default/p1"));
	sync(f);
	assert_int_equal(replicas_of(f, "nginx:2"), 3);
	assert_int_equal(replicas_of(f, "nginx:1"), 0);
}

static void
rollout(struct fx *f, const char *image)
{
	edit_deploy(f, "spec.template.spec.containers[0].image", image);
	for (int i = 0; i < 12; i++) {
		settle(f, -1);
		sync(f);
	}
}

static void
test_rollback(void **state)
{
	struct fx *f = *state;
	struct kobj *d;

	put_deploy(f, 3, "nginx:1", NULL);
	rollout(f, "\"nginx:1\"");
	rollout(f, "\"nginx:2\"");
	assert_int_equal(replicas_of(f, "nginx:1"), 0);
	assert_int_equal(replicas_of(f, "nginx:2"), 3);
	assert_string_equal(ann_of(f, "nginx:1", DEP_ANN_REVISION), "1");
	assert_string_equal(ann_of(f, "nginx:2", DEP_ANN_REVISION), "2");
	/* kubectl rollout undo: the template of revision 1 comes back. */
	fake_api_clear(f->fa);
	rollout(f, "\"nginx:1\"");
	assert_int_equal(fake_api_count(f->fa, "create", "replicasets.apps"),
	    0);
	assert_int_equal(replicas_of(f, "nginx:1"), 3);
	assert_int_equal(replicas_of(f, "nginx:2"), 0);
	assert_string_equal(ann_of(f, "nginx:1", DEP_ANN_REVISION), "3");
	d = get_deploy(f);
	assert_string_equal(kobj_annotation(d, DEP_ANN_REVISION), "3");
	kobj_unref(d);
}

static void
test_pause(void **state)
{
	struct fx *f = *state;
	struct kobj *d;

	put_deploy(f, 3, "nginx:1", NULL);
	rollout(f, "\"nginx:1\"");
	edit_deploy(f, "spec.paused", "true");
	edit_deploy(f, "spec.template.spec.containers[0].image",
	    "\"nginx:2\"");
	sync(f);
	sync(f);
	assert_null(rs_of(f, "nginx:2"));
	d = get_deploy(f);
	assert_string_equal(cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(kobj_condition(d, "Progressing"),
	    "reason")), "DeploymentPaused");
	kobj_unref(d);
	/* Scaling still works while paused. */
	edit_deploy(f, "spec.replicas", "5");
	sync(f);
	assert_int_equal(replicas_of(f, "nginx:1"), 5);
	/* Resume: the rollout proceeds. */
	edit_deploy(f, "spec.paused", "false");
	sync(f);
	d = get_deploy(f);
	assert_string_equal(cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(kobj_condition(d, "Progressing"),
	    "reason")), "DeploymentResumed");
	kobj_unref(d);
	rollout(f, "\"nginx:2\"");
	assert_int_equal(replicas_of(f, "nginx:2"), 5);
	assert_int_equal(replicas_of(f, "nginx:1"), 0);
}

static void
test_history_cleanup(void **state)
{
	struct fx *f = *state;

	put_deploy(f, 2, "v1", "\"revisionHistoryLimit\":1");
	rollout(f, "\"v1\"");
	rollout(f, "\"v2\"");
	rollout(f, "\"v3\"");
	rollout(f, "\"v4\"");
	assert_int_equal(nrs(f), 2);
	assert_null(rs_of(f, "v1"));
	assert_null(rs_of(f, "v2"));
	assert_int_equal(replicas_of(f, "v3"), 0);
	assert_int_equal(replicas_of(f, "v4"), 2);
	assert_true(fake_api_count(f->fa, "delete", "replicasets.apps") >= 2);
}

static void
test_adopt_orphan(void **state)
{
	struct fx *f = *state;
	struct kobj *rs;
	const char *json = "{\"apiVersion\":\"apps/v1\",\"kind\":"
	    "\"ReplicaSet\",\"metadata\":{\"name\":\"orphan\",\"namespace\":"
	    "\"default\",\"uid\":\"o-uid\",\"labels\":{\"app\":\"web\"},"
	    "\"creationTimestamp\":\"2023-01-01T00:00:00Z\"},\"spec\":"
	    "{\"replicas\":3,\"selector\":{\"matchLabels\":{\"app\":\"web\"}},"
	    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"web\"}},"
	    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
	    "\"nginx:1\"}]}}}}";

	rs = kobj_parse(json, strlen(json));
	fake_api_add(f->fa, "replicasets.apps", rs);
	kobj_unref(rs);
	put_deploy(f, 3, "nginx:1", NULL);
	sync(f);
	rs = rs_of(f, "nginx:1");
	assert_string_equal(kobj_name(rs), "orphan");
	assert_non_null(kobj_controller_ref(rs));
	kobj_unref(rs);
	/* Its template matches: it is the new set, nothing created. */
	assert_int_equal(fake_api_count(f->fa, "create", "replicasets.apps"),
	    0);
	assert_int_equal(nrs(f), 1);
}

static void
test_deadline_exceeded(void **state)
{
	struct fx *f = *state;
	struct kobj *d;

	put_deploy(f, 2, "nginx:1", "\"progressDeadlineSeconds\":5");
	sync(f);
	settle(f, 0);
	sync(f);
	/* The Progressing condition was last updated long ago. */
	edit_deploy(f, "status.conditions[0].lastUpdateTime",
	    "\"2020-01-01T00:00:00Z\"");
	edit_deploy(f, "status.conditions[1].lastUpdateTime",
	    "\"2020-01-01T00:00:00Z\"");
	sync(f);
	d = get_deploy(f);
	assert_string_equal(kobj_condition_status(d, "Progressing"), "False");
	assert_string_equal(cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(kobj_condition(d, "Progressing"),
	    "reason")), "ProgressDeadlineExceeded");
	kobj_unref(d);
}

static void
test_bad_strategy(void **state)
{
	struct fx *f = *state;

	put_deploy(f, 2, "nginx:1", "\"strategy\":{\"rollingUpdate\":"
	    "{\"maxSurge\":\"lots\"}}");
	sync(f);
	assert_int_equal(fake_api_nactions(f->fa), 0);
	/* A deleted deployment is no error. */
	assert_int_equal(deployment_reconcile(f->c, "default/none"), 0);
}

static void
test_conflict_retried(void **state)
{
	struct fx *f = *state;

	put_deploy(f, 2, "nginx:1", NULL);
	fake_api_fail(f->fa, "create", "replicasets.apps", CK_ECONFLICT, 1);
	assert_int_equal(deployment_reconcile(f->c, "default/web"),
	    CK_ECONFLICT);
	sync(f);
	assert_int_equal(replicas_of(f, "nginx:1"), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scaled_value),
		cmocka_unit_test(test_fenceposts),
		cmocka_unit_test(test_rolling_math),
		cmocka_unit_test(test_proportional),
		cmocka_unit_test(test_hash),
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_new_deployment),
		T(test_rolling_steps),
		T(test_rolling_percent),
		T(test_proportional_scale),
		T(test_map_pod),
		T(test_recreate),
		T(test_rollback),
		T(test_pause),
		T(test_history_cleanup),
		T(test_adopt_orphan),
		T(test_deadline_exceeded),
		T(test_bad_strategy),
		T(test_conflict_retried),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
