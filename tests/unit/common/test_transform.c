/* Unit tests for common/transform.c (what informers cache of an object). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/kobj.h"
#include "ckube/transform.h"

/* A pod as a Deployment makes it, applied with kubectl apply. */
static const char pod_json[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
    "\"metadata\":{\"name\":\"web-1\",\"namespace\":\"shop\",\"uid\":\"u-1\","
    "\"resourceVersion\":\"42\",\"labels\":{\"app\":\"web\"},"
    "\"deletionTimestamp\":\"2026-01-01T00:00:00Z\","
    "\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
    "\"{\\\"kind\\\":\\\"Pod\\\"}\",\"team\":\"a\"},"
    "\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":\"Update\"}]},"
    "\"spec\":{\"nodeName\":\"n1\",\"hostname\":\"h\",\"containers\":["
    "{\"name\":\"app\",\"image\":\"web:1\",\"env\":[{\"name\":\"A\"}],"
    "\"ports\":[{\"name\":\"http\",\"containerPort\":8080}]},"
    "{\"name\":\"side\",\"image\":\"proxy:2\"}],"
    "\"tolerations\":[\"odd\",{\"key\":\"k\"}]},"
    "\"status\":{\"phase\":\"Running\",\"podIP\":\"10.0.0.5\","
    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\","
    "\"lastTransitionTime\":\"2026-01-01T00:00:00Z\"},"
    "{\"type\":\"Initialized\",\"status\":\"True\",\"reason\":\"x\"}]}}";

static cJSON *
parse(void)
{
	cJSON *j = cJSON_Parse(pod_json);

	assert_non_null(j);
	return j;
}

static char *
print(const cJSON *j)
{
	char *s = cJSON_PrintUnformatted(j);

	assert_non_null(s);
	return s;
}

static void
assert_json(const cJSON *j, const char *want)
{
	cJSON *w = cJSON_Parse(want);
	char *got = print(j);

	assert_non_null(w);
	if (!cJSON_Compare(j, w, 1))
		fail_msg("got %s\nwant %s", got, want);
	free(got);
	cJSON_Delete(w);
}

#define META_TRIMMED \
	"{\"name\":\"web-1\",\"namespace\":\"shop\",\"uid\":\"u-1\"," \
	"\"resourceVersion\":\"42\",\"labels\":{\"app\":\"web\"}," \
	"\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"," \
	"\"annotations\":{\"team\":\"a\"}}"

/* No keep list: everything but managedFields and last-applied. */
static void
test_transform_default_drops_managed_and_last_applied(void **state)
{
	cJSON *j = parse(), *meta;

	(void)state;
	transform_object(j, NULL, 0);
	meta = cJSON_GetObjectItemCaseSensitive(j, "metadata");
	assert_json(meta, META_TRIMMED);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "spec"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(j, "status"));
	cJSON_Delete(j);
}

/* Written back: every annotation stays, managedFields still go. */
static void
test_transform_keep_annotations(void **state)
{
	cJSON *j = parse(), *meta;

	(void)state;
	transform_object(j, NULL, TRANSFORM_KEEP_ANNOTATIONS);
	meta = cJSON_GetObjectItemCaseSensitive(j, "metadata");
	assert_null(cJSON_GetObjectItemCaseSensitive(meta, "managedFields"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(meta, "annotations"),
	    TRANSFORM_LAST_APPLIED));
	cJSON_Delete(j);
}

/* The only annotation was last-applied: no empty map is left. */
static void
test_transform_empty_annotations_removed(void **state)
{
	cJSON *j = cJSON_Parse("{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
	    "\"c\",\"annotations\":{\"kubectl.kubernetes.io/last-applied-"
	    "configuration\":\"{}\"}},\"data\":{\"k\":\"v\"}}");

	(void)state;
	transform_object(j, NULL, TRANSFORM_METADATA_ONLY);
	assert_json(j, "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}");
	cJSON_Delete(j);
}

/* Dotted paths, "[]" paths merged per element, non-objects kept whole. */
static void
test_transform_keep_paths_nested_lists(void **state)
{
	static const char *const keep[] = {
		"spec.nodeName", "spec.containers[].ports",
		"spec.containers[].name", "spec.tolerations[].key",
		"status.podIP", "status.conditions[].type",
		"status.conditions[].status", "status.missing",
		"spec.nodeName.deeper", "nope[].x", NULL
	};
	cJSON *j = parse();

	(void)state;
	transform_object(j, keep, 0);
	assert_json(j, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
	    META_TRIMMED ",\"spec\":{\"nodeName\":\"n1\",\"containers\":["
	    "{\"ports\":[{\"name\":\"http\",\"containerPort\":8080}],"
	    "\"name\":\"app\"},{\"name\":\"side\"}],"
	    "\"tolerations\":[\"odd\",{\"key\":\"k\"}]},"
	    "\"status\":{\"podIP\":\"10.0.0.5\",\"conditions\":["
	    "{\"type\":\"Ready\",\"status\":\"True\"},"
	    "{\"type\":\"Initialized\",\"status\":\"True\"}]}}");
	cJSON_Delete(j);
}

/* A whole subtree and a deeper path into it merge either way round. */
static void
test_transform_overlapping_paths(void **state)
{
	static const char *const a[] = { "status.phase", "status", NULL };
	static const char *const b[] = { "status", "status.phase", NULL };
	cJSON *j1 = parse(), *j2 = parse(), *want = parse();

	(void)state;
	transform_object(j1, a, 0);
	transform_object(j2, b, 0);
	assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(j1, "status"),
	    cJSON_GetObjectItemCaseSensitive(want, "status"), 1));
	assert_true(cJSON_Compare(cJSON_GetObjectItemCaseSensitive(j2, "status"),
	    cJSON_GetObjectItemCaseSensitive(want, "status"), 1));
	assert_null(cJSON_GetObjectItemCaseSensitive(j1, "spec"));
	cJSON_Delete(j1);
	cJSON_Delete(j2);
	cJSON_Delete(want);
}

/* Objects without the fields, wrong types, and not-objects. */
static void
test_transform_missing_and_odd(void **state)
{
	static const char *const keep[] = { "spec.containers[].ports",
	    "status.conditions[].type", "", ".", "[]", NULL };
	cJSON *j = cJSON_Parse("{\"kind\":\"Pod\",\"spec\":{\"containers\":"
	    "{\"not\":\"an array\"}},\"status\":\"odd\"}");
	cJSON *arr = cJSON_Parse("[1,2]");

	(void)state;
	transform_object(j, keep, 0);
	assert_json(j, "{\"kind\":\"Pod\"}");
	transform_object(arr, keep, 0);
	assert_json(arr, "[1,2]");
	transform_object(NULL, keep, 0);
	cJSON_Delete(j);
	cJSON_Delete(arr);
}

/* The kobj getters work on a trimmed, frozen object. */
static void
test_transform_kobj_getters(void **state)
{
	static const char *const keep[] = { "spec.nodeName",
	    "spec.containers[].ports", "status.podIP",
	    "status.conditions[].type", "status.conditions[].status", NULL };
	struct kobj *o = kobj_parse(pod_json, sizeof(pod_json) - 1);
	const cJSON *ports;

	(void)state;
	assert_non_null(o);
	transform_object(kobj_json_mut(o), keep, 0);
	kobj_freeze(o);
	assert_string_equal(kobj_key(o), "shop/web-1");
	assert_string_equal(kobj_uid(o), "u-1");
	assert_string_equal(kobj_resource_version(o), "42");
	assert_string_equal(kobj_label(o, "app"), "web");
	assert_string_equal(kobj_annotation(o, "team"), "a");
	assert_null(kobj_annotation(o, TRANSFORM_LAST_APPLIED));
	assert_string_equal(kobj_get_str(o, "spec.nodeName"), "n1");
	assert_null(kobj_get(o, "spec.hostname"));
	assert_null(kobj_get(o, "spec.containers[0].image"));
	ports = kobj_get(o, "spec.containers[0].ports");
	assert_int_equal(cJSON_GetArraySize(ports), 1);
	assert_int_equal(kobj_get_int_or(o,
	    "spec.containers[0].ports[0].containerPort", 0), 8080);
	assert_null(kobj_get(o, "spec.containers[1].ports"));
	assert_string_equal(kobj_condition_status(o, "Ready"), "True");
	assert_string_equal(kobj_get_str(o, "status.podIP"), "10.0.0.5");
	assert_null(kobj_get(o, "status.phase"));
	assert_non_null(kobj_get(o, "metadata.deletionTimestamp"));
	kobj_unref(o);
}

/* A path inside metadata trims metadata to it and the identity fields. */
static void
test_transform_metadata_paths(void **state)
{
	static const char *const keep[] = { "metadata.labels",
	    "spec.nodeName", NULL };
	cJSON *j = parse();

	(void)state;
	transform_object(j, keep, 0);
	assert_json(j, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
	    "{\"name\":\"web-1\",\"namespace\":\"shop\",\"uid\":\"u-1\","
	    "\"resourceVersion\":\"42\",\"labels\":{\"app\":\"web\"}},"
	    "\"spec\":{\"nodeName\":\"n1\"}}");
	cJSON_Delete(j);
	/* Metadata only: the metadata paths trim it, the others are ignored. */
	j = parse();
	transform_object(j, keep, TRANSFORM_METADATA_ONLY);
	assert_json(j, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
	    "{\"name\":\"web-1\",\"namespace\":\"shop\",\"uid\":\"u-1\","
	    "\"resourceVersion\":\"42\",\"labels\":{\"app\":\"web\"}}}");
	cJSON_Delete(j);
}

/* transform_copy leaves its source alone and equals transform_object. */
static void
test_transform_copy(void **state)
{
	static const char *const keep[] = { "metadata.uid", "spec.nodeName",
	    "spec.containers[].name", "status", NULL };
	static const char *const none[] = { NULL };
	cJSON *src = parse(), *orig = parse(), *want = parse(), *c;

	(void)state;
	c = transform_copy(src, keep, 0);
	transform_object(want, keep, 0);
	assert_true(cJSON_Compare(c, want, 1));
	assert_true(cJSON_Compare(src, orig, 1));
	cJSON_Delete(c);
	/* no keep list: a whole copy less managedFields and last-applied */
	c = transform_copy(src, NULL, 0);
	cJSON_Delete(want);
	want = parse();
	transform_object(want, NULL, 0);
	assert_true(cJSON_Compare(c, want, 1));
	cJSON_Delete(c);
	c = transform_copy(src, none, TRANSFORM_METADATA_ONLY);
	assert_json(cJSON_GetObjectItemCaseSensitive(c, "metadata"),
	    META_TRIMMED);
	assert_null(cJSON_GetObjectItemCaseSensitive(c, "spec"));
	cJSON_Delete(c);
	assert_true(cJSON_Compare(src, orig, 1));
	assert_null(transform_copy(NULL, keep, 0));
	cJSON_Delete(src);
	cJSON_Delete(orig);
	cJSON_Delete(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(
		    test_transform_default_drops_managed_and_last_applied),
		cmocka_unit_test(test_transform_keep_annotations),
		cmocka_unit_test(test_transform_empty_annotations_removed),
		cmocka_unit_test(test_transform_keep_paths_nested_lists),
		cmocka_unit_test(test_transform_overlapping_paths),
		cmocka_unit_test(test_transform_missing_and_odd),
		cmocka_unit_test(test_transform_kobj_getters),
		cmocka_unit_test(test_transform_metadata_paths),
		cmocka_unit_test(test_transform_copy),
	};

	return cmocka_run_group_tests_name("transform", tests, NULL, NULL);
}
