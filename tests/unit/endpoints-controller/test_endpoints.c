/*
 * test_endpoints.c: endpoints_reconcile() against tests/lib/fake_api:
 * ready and not-ready addresses, named target ports, hostname with a
 * matching subdomain, no write when in sync, deletion with the Service;
 * the EndpointSlices beside them (labels, owner, conditions, ports, the
 * 100-endpoint split, in sync, deleted with the Service).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/ck.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "endpoints.h"
#include "fake_api.h"

static const struct watch_spec watches[] = {
	{ .resource = "services", .role = WATCH_PRIMARY },
	{ .resource = "endpoints", .role = WATCH_PRIMARY },
	{ .resource = "pods", .role = WATCH_MAPPED,
	  .map = endpoints_map_pod },
	{ .resource = ENDPOINTSLICE_RESOURCE, .role = WATCH_MAPPED,
	  .map = endpointslices_map },
};

static const struct controller_def def = {
	.name = "endpoints-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .reconcile = endpoints_reconcile,
};

static struct kobj *
parse(const char *s)
{
	struct kobj *o = kobj_parse(s, strlen(s));

	assert_non_null(o);
	return o;
}

static void
add(struct fake_api *fa, const char *res, struct kobj *o)
{
	fake_api_add(fa, res, o);
	kobj_unref(o);
}

static struct kobj *
make_pod(const char *name, const char *ip, int ready, const char *extra)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
	    "\"uid\":\"u-%s\",\"labels\":{\"app\":\"web\"}},"
	    "\"spec\":{\"nodeName\":\"n1\"%s,\"containers\":[{\"name\":\"c\","
	    "\"ports\":[{\"name\":\"http\",\"containerPort\":8080}]}]},"
	    "\"status\":{\"phase\":\"Running\",\"podIP\":\"%s\","
	    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}]}}",
	    name, name, extra, ip, ready ? "True" : "False");
	return parse(buf);
}

static const char SVC[] = "{\"apiVersion\":\"v1\",\"kind\":\"Service\","
    "\"metadata\":{\"name\":\"web\",\"namespace\":\"default\"},"
    "\"spec\":{\"selector\":{\"app\":\"web\"},\"ports\":[{\"name\":\"h\","
    "\"port\":80,\"targetPort\":\"http\"}]}}";

static const struct fake_action *
find(struct fake_api *fa, const char *verb)
{
	size_t i;

	for (i = 0; i < fake_api_nactions(fa); i++)
		if (strcmp(fake_api_action(fa, i)->verb, verb) == 0)
			return fake_api_action(fa, i);
	return NULL;
}

static const struct fake_action *
find_res(struct fake_api *fa, const char *verb, const char *res)
{
	const struct fake_action *a;
	size_t i;

	for (i = 0; i < fake_api_nactions(fa); i++) {
		a = fake_api_action(fa, i);
		if (strcmp(a->verb, verb) == 0 && strstr(a->resource, res) ==
		    a->resource)
			return a;
	}
	return NULL;
}

static struct kobj *
annotated_pod(const char *name, const char *ip, const char *annotations,
    const char *spec_extra)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
	    "\"uid\":\"u-%s\",\"labels\":{\"app\":\"web\"},"
	    "\"annotations\":{%s}},\"spec\":{\"nodeName\":\"n1\"%s,"
	    "\"containers\":[{\"name\":\"c\",\"ports\":[{\"name\":\"http\","
	    "\"containerPort\":8080}]}]},\"status\":{\"phase\":\"Running\","
	    "\"podIP\":\"%s\",\"conditions\":[{\"type\":\"Ready\","
	    "\"status\":\"True\"}]}}", name, name, annotations, spec_extra, ip);
	return parse(buf);
}

/* 1.3 pets carry their identity in annotations; the fields win. */
static void
test_hostname_annotations(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	const struct fake_action *a;

	(void)state;
	add(fa, "services", parse(SVC));
	add(fa, "pods", annotated_pod("e", "10.0.0.5",
	    "\"pod.beta.kubernetes.io/hostname\":\"pet-e\","
	    "\"pod.beta.kubernetes.io/subdomain\":\"web\"", ""));
	add(fa, "pods", annotated_pod("f", "10.0.0.6",
	    "\"pod.beta.kubernetes.io/hostname\":\"pet-f\","
	    "\"pod.beta.kubernetes.io/subdomain\":\"other\"", ""));
	add(fa, "pods", annotated_pod("g", "10.0.0.7",
	    "\"pod.beta.kubernetes.io/hostname\":\"ann\"",
	    ",\"hostname\":\"field\",\"subdomain\":\"web\""));
	assert_int_equal(endpoints_reconcile(c, "default/web"), 0);
	a = find(fa, "create");
	assert_non_null(a);
	assert_string_equal(kobj_get_str(a->obj,
	    "subsets[0].addresses[0].hostname"), "pet-e");
	assert_null(kobj_get(a->obj, "subsets[0].addresses[1].hostname"));
	assert_string_equal(kobj_get_str(a->obj,
	    "subsets[0].addresses[2].hostname"), "field");
	controller_free(c);
	fake_api_free(fa);
}

static void
test_ready_split(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	const struct fake_action *a;
	struct kobj *ep, *slice;

	(void)state;
	add(fa, "services", parse(SVC));
	add(fa, "pods", make_pod("a", "10.0.0.1", 1, ""));
	add(fa, "pods", make_pod("b", "10.0.0.2", 0, ""));
	add(fa, "pods", make_pod("c", "", 1, ""));
	add(fa, "pods", make_pod("d", "10.0.0.4", 1,
	    ",\"hostname\":\"h\",\"subdomain\":\"web\""));
	assert_int_equal(endpoints_reconcile(c, "default/web"), 0);
	a = find(fa, "create");
	assert_non_null(a);
	assert_string_equal(a->resource, "endpoints");
	assert_string_equal(kobj_name(a->obj), "web");
	assert_int_equal(cJSON_GetArraySize(kobj_get(a->obj, "subsets")), 1);
	assert_int_equal(kobj_get_int_or(a->obj, "subsets[0].ports[0].port",
	    0), 8080);
	assert_string_equal(kobj_get_str(a->obj, "subsets[0].ports[0].name"),
	    "h");
	assert_int_equal(cJSON_GetArraySize(kobj_get(a->obj,
	    "subsets[0].addresses")), 2);
	assert_string_equal(kobj_get_str(a->obj,
	    "subsets[0].addresses[0].ip"), "10.0.0.1");
	assert_string_equal(kobj_get_str(a->obj,
	    "subsets[0].addresses[0].targetRef.uid"), "u-a");
	assert_string_equal(kobj_get_str(a->obj,
	    "subsets[0].addresses[0].nodeName"), "n1");
	assert_null(kobj_get(a->obj, "subsets[0].addresses[0].hostname"));
	assert_string_equal(kobj_get_str(a->obj,
	    "subsets[0].addresses[1].hostname"), "h");
	assert_string_equal(kobj_get_str(a->obj,
	    "subsets[0].notReadyAddresses[0].ip"), "10.0.0.2");
	/* In sync: no second write. */
	ep = kobj_copy(a->obj);
	slice = kobj_copy(find_res(fa, "create", "endpointslices")->obj);
	assert_int_equal(kobj_set_str(slice, "metadata.name", "web-x1"), 0);
	kobj_touch(slice);
	fake_api_clear(fa);
	add(fa, "endpoints", ep);
	add(fa, ENDPOINTSLICE_RESOURCE, slice);
	assert_int_equal(endpoints_reconcile(c, "default/web"), 0);
	assert_int_equal(fake_api_nactions(fa), 0);
	controller_free(c);
	fake_api_free(fa);
}

static void
test_unnamed_port_and_delete(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	const struct fake_action *a;

	(void)state;
	add(fa, "services", parse("{\"apiVersion\":\"v1\",\"kind\":"
	    "\"Service\",\"metadata\":{\"name\":\"s\",\"namespace\":"
	    "\"default\"},\"spec\":{\"selector\":{\"app\":\"web\"},"
	    "\"ports\":[{\"port\":80,\"targetPort\":\"nope\"},"
	    "{\"port\":81}]}}"));
	add(fa, "pods", make_pod("a", "10.0.0.1", 1, ""));
	assert_int_equal(endpoints_reconcile(c, "default/s"), 0);
	a = find(fa, "create");
	assert_non_null(a);
	/* The pod lacks the named port: it is left out. */
	assert_int_equal(cJSON_GetArraySize(kobj_get(a->obj, "subsets")), 0);
	fake_api_clear(fa);
	add(fa, "endpoints", parse("{\"apiVersion\":\"v1\",\"kind\":"
	    "\"Endpoints\",\"metadata\":{\"name\":\"gone\",\"namespace\":"
	    "\"default\"}}"));
	/* Unknown is not gone: a failed live read deletes nothing. */
	fake_api_fail(fa, "get", "services", CK_ETIMEDOUT, 1);
	assert_int_not_equal(endpoints_reconcile(c, "default/gone"), 0);
	assert_int_equal(fake_api_nactions(fa), 0);
	assert_int_equal(endpoints_reconcile(c, "default/gone"), 0);
	a = find(fa, "delete");
	assert_non_null(a);
	assert_string_equal(a->name, "gone");
	/* A leader-election record without Service stays. */
	fake_api_clear(fa);
	add(fa, "endpoints", parse("{\"apiVersion\":\"v1\",\"kind\":"
	    "\"Endpoints\",\"metadata\":{\"name\":\"lock\",\"namespace\":"
	    "\"default\",\"annotations\":{\"control-plane.alpha.kubernetes.io"
	    "/leader\":\"{}\"}}}"));
	assert_int_equal(endpoints_reconcile(c, "default/lock"), 0);
	assert_int_equal(fake_api_nactions(fa), 0);
	controller_free(c);
	fake_api_free(fa);
}

static void
test_no_selector(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);

	(void)state;
	add(fa, "services", parse("{\"apiVersion\":\"v1\",\"kind\":"
	    "\"Service\",\"metadata\":{\"name\":\"x\",\"namespace\":"
	    "\"default\"},\"spec\":{\"ports\":[{\"port\":80}]}}"));
	add(fa, "pods", make_pod("a", "10.0.0.1", 1, ""));
	assert_int_equal(endpoints_reconcile(c, "default/x"), 0);
	assert_int_equal(fake_api_nactions(fa), 0);
	controller_free(c);
	fake_api_free(fa);
}

/* One slice: labels, owner, address type, conditions, ports; gone with the Service. */
static void
test_slice_built(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	const struct fake_action *a;
	struct kobj *slice;

	(void)state;
	add(fa, "services", parse("{\"apiVersion\":\"v1\",\"kind\":"
	    "\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":"
	    "\"default\",\"uid\":\"svc-uid\",\"labels\":{\"tier\":"
	    "\"fe\"}},\"spec\":{\"selector\":{\"app\":\"web\"},"
	    "\"ports\":[{\"port\":80,\"targetPort\":\"http\"}]}}"));
	add(fa, "pods", make_pod("a", "10.0.0.1", 1, ""));
	add(fa, "pods", make_pod("b", "10.0.0.2", 0, ""));
	add(fa, "pods", parse("{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"t\",\"namespace\":\"default\","
	    "\"uid\":\"u-t\",\"labels\":{\"app\":\"web\"},"
	    "\"deletionTimestamp\":\"2026-01-01T00:00:00Z\"},\"spec\":"
	    "{\"containers\":[{\"name\":\"c\",\"ports\":[{\"name\":"
	    "\"http\",\"containerPort\":8080}]}]},\"status\":{\"phase\":"
	    "\"Running\",\"podIP\":\"10.0.0.3\",\"conditions\":[{\"type\":"
	    "\"Ready\",\"status\":\"True\"}]}}"));
	add(fa, "pods", make_pod("done", "10.0.0.9", 0, ""));
	assert_int_equal(endpoints_reconcile(c, "default/web"), 0);
	assert_int_equal(fake_api_count(fa, "create", NULL), 2);
	a = find_res(fa, "create", "endpointslices");
	assert_non_null(a);
	assert_string_equal(kobj_api_version(a->obj), "discovery.k8s.io/v1");
	assert_string_equal(kobj_get_str(a->obj, "metadata.generateName"),
	    "web-");
	assert_string_equal(kobj_label(a->obj, "kubernetes.io/service-name"),
	    "web");
	assert_string_equal(kobj_label(a->obj,
	    "endpointslice.kubernetes.io/managed-by"),
	    "endpointslice-controller.k8s.io");
	assert_string_equal(kobj_label(a->obj, "tier"), "fe");
	assert_string_equal(kobj_get_str(a->obj,
	    "metadata.ownerReferences[0].uid"), "svc-uid");
	assert_string_equal(kobj_get_str(a->obj,
	    "metadata.ownerReferences[0].kind"), "Service");
	assert_string_equal(kobj_get_str(a->obj, "addressType"), "IPv4");
	/* Unnamed Service port: name "" (kubectl describe reads it). */
	assert_string_equal(kobj_get_str(a->obj, "ports[0].name"), "");
	assert_int_equal(kobj_get_int_or(a->obj, "ports[0].port", 0), 8080);
	assert_string_equal(kobj_get_str(a->obj, "ports[0].protocol"), "TCP");
	/* a ready, b and done not ready, t terminating (kept, as upstream). */
	assert_int_equal(cJSON_GetArraySize(kobj_get(a->obj, "endpoints")), 4);
	assert_string_equal(kobj_get_str(a->obj, "endpoints[0].addresses[0]"),
	    "10.0.0.1");
	assert_true(kobj_get_bool(a->obj, "endpoints[0].conditions.ready",
	    false));
	assert_true(kobj_get_bool(a->obj, "endpoints[0].conditions.serving",
	    false));
	assert_string_equal(kobj_get_str(a->obj, "endpoints[0].nodeName"),
	    "n1");
	assert_string_equal(kobj_get_str(a->obj,
	    "endpoints[0].targetRef.name"), "a");
	assert_false(kobj_get_bool(a->obj, "endpoints[1].conditions.ready",
	    true));
	assert_false(kobj_get_bool(a->obj, "endpoints[1].conditions.serving",
	    true));
	assert_false(kobj_get_bool(a->obj, "endpoints[3].conditions.ready",
	    true));
	assert_true(kobj_get_bool(a->obj, "endpoints[3].conditions.serving",
	    false));
	assert_true(kobj_get_bool(a->obj,
	    "endpoints[3].conditions.terminating", false));
	/* In the cache: nothing to write. */
	slice = kobj_copy(a->obj);
	assert_int_equal(kobj_set_str(slice, "metadata.name", "web-x1"), 0);
	kobj_touch(slice);
	add(fa, ENDPOINTSLICE_RESOURCE, slice);
	add(fa, "endpoints", kobj_copy(find_res(fa, "create",
	    "endpoints")->obj));
	fake_api_clear(fa);
	assert_int_equal(endpoints_reconcile(c, "default/web"), 0);
	assert_int_equal(fake_api_nactions(fa), 0);
	/* A pod gone: the slice is updated in place. */
	fake_api_clear(fa);
	kobj_unref(cache_remove(fake_api_cache(fa, "pods"),
	    "default/b"));
	assert_int_equal(endpoints_reconcile(c, "default/web"), 0);
	a = find_res(fa, "update", "endpointslices");
	assert_non_null(a);
	assert_string_equal(kobj_name(a->obj), "web-x1");
	assert_int_equal(cJSON_GetArraySize(kobj_get(a->obj, "endpoints")), 3);
	/* The Service gone: its slice too. */
	fake_api_clear(fa);
	kobj_unref(cache_remove(fake_api_cache(fa, "services"),
	    "default/web"));
	assert_int_equal(endpoints_reconcile(c, "default/web"), 0);
	a = find_res(fa, "delete", "endpointslices");
	assert_non_null(a);
	assert_string_equal(a->name, "web-x1");
	controller_free(c);
	fake_api_free(fa);
}

/* 101 pods: a full slice of 100, then a second one; other ports apart. */
static void
test_slice_split(void **state)
{
	struct kobj *pods[102], *svc = parse(SVC);
	char name[16], ip[32];
	cJSON *d;
	size_t i;

	(void)state;
	for (i = 0; i < 101; i++) {
		snprintf(name, sizeof(name), "p%zu", i);
		snprintf(ip, sizeof(ip), "10.1.%zu.%zu", i / 200, i % 200);
		pods[i] = make_pod(name, ip, 1, "");
	}
	pods[101] = parse("{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"o\",\"namespace\":\"default\","
	    "\"uid\":\"u-o\"},\"spec\":{\"containers\":[{\"name\":"
	    "\"c\",\"ports\":[{\"name\":\"http\",\"containerPort\":9090}]}]},"
	    "\"status\":{\"podIP\":\"10.2.0.1\"}}");
	d = endpointslices_desired(svc, pods, 102);
	assert_int_equal(cJSON_GetArraySize(d), 3);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(d, 0), "endpoints")), 100);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(d, 1), "endpoints")), 1);
	assert_int_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(d, 2), "ports"), 0), "port")->valueint, 9090);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(
	    cJSON_GetObjectItem(cJSON_GetArrayItem(d, 1), "endpoints"), 0),
	    "addresses")->child->valuestring, "10.1.0.100");
	cJSON_Delete(d);
	for (i = 0; i < 102; i++)
		kobj_unref(pods[i]);
	kobj_unref(svc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_split),
		cmocka_unit_test(test_hostname_annotations),
		cmocka_unit_test(test_unnamed_port_and_delete),
		cmocka_unit_test(test_no_selector),
		cmocka_unit_test(test_slice_built),
		cmocka_unit_test(test_slice_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
