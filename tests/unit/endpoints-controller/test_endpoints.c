/*
 * test_endpoints.c: endpoints_reconcile() against tests/lib/fake_api:
 * ready and not-ready addresses, named target ports, hostname with a
 * matching subdomain, no write when in sync, deletion with the Service.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/ck.h"
#include "ckube/controller.h"
#include "ckube/kobj.h"
#include "endpoints.h"
#include "fake_api.h"

static const struct watch_spec watches[] = {
	{ .resource = "services", .role = WATCH_PRIMARY },
	{ .resource = "endpoints", .role = WATCH_PRIMARY },
	{ .resource = "pods", .role = WATCH_MAPPED,
	  .map = endpoints_map_pod },
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
	struct kobj *ep;

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
	fake_api_clear(fa);
	add(fa, "endpoints", ep);
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ready_split),
		cmocka_unit_test(test_hostname_annotations),
		cmocka_unit_test(test_unnamed_port_and_delete),
		cmocka_unit_test(test_no_selector),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
