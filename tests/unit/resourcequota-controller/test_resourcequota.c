/*
 * test_resourcequota.c: ckube-resourcequota-controller's reconcile over
 * the fake API: status.hard from spec.hard, status.used summed over the
 * namespace's pods (terminal ones out, scopes), services and object
 * counts, other namespaces ignored, names no kind counts kept, no write
 * when nothing changed; and rq_status_lowers.
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
#include "fake_api.h"
#include "resourcequota.h"

static const struct watch_spec watches[] = {
	{ .resource = "resourcequotas", .role = WATCH_PRIMARY },
	{ .resource = "pods", .role = WATCH_MAPPED, .map = rq_map_namespace },
	{ .resource = "services", .role = WATCH_MAPPED,
	  .map = rq_map_namespace },
	{ .resource = "configmaps", .role = WATCH_MAPPED,
	  .map = rq_map_namespace },
};

static const struct controller_def def = {
	.name = "resourcequota-controller", .watches = watches,
	.nwatches = ARRAY_SIZE(watches), .reconcile = rq_reconcile,
};

static void
add_json(struct fake_api *fa, const char *res, const char *json)
{
	struct kobj *o = kobj_parse(json, strlen(json));

	if (o == NULL)
		fail_msg("bad JSON: %s", json);
	fake_api_add(fa, res, o);
	kobj_unref(o);
}

static void
add_pod(struct fake_api *fa, const char *ns, const char *name,
    const char *cpu, const char *phase)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},\"spec\":"
	    "{\"containers\":[{\"name\":\"c\"%s%s%s}]},\"status\":{\"phase\":"
	    "\"%s\"}}", name, ns, cpu ? ",\"resources\":{\"requests\":"
	    "{\"cpu\":\"" : "", cpu ? cpu : "", cpu ? "\"}}" : "", phase);
	add_json(fa, "pods", buf);
}

static void
add_quota(struct fake_api *fa, const char *name, const char *spec,
    const char *status)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"ResourceQuota\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
	    "\"ns\",\"resourceVersion\":\"7\"},\"spec\":{%s},\"status\":{%s}}",
	    name, spec, status);
	add_json(fa, "resourcequotas", buf);
}

/* The status the last update_status sent, printed. */
static char *
last_status(struct fake_api *fa)
{
	const struct fake_action *a;
	size_t i, n = fake_api_nactions(fa);

	for (i = n; i > 0; i--) {
		a = fake_api_action(fa, i - 1);
		if (strcmp(a->verb, "update_status") == 0)
			return cJSON_PrintUnformatted(kobj_get(a->obj,
			    "status"));
	}
	return NULL;
}

static void
test_reconcile_sums(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c;
	char *st;

	(void)state;
	add_pod(fa, "ns", "a", "100m", "Running");
	add_pod(fa, "ns", "b", "250m", "Pending");
	add_pod(fa, "ns", "done", "1", "Succeeded");
	add_pod(fa, "ns", "be", NULL, "Running");
	add_pod(fa, "other", "x", "1", "Running");
	add_json(fa, "services", "{\"apiVersion\":\"v1\",\"kind\":\"Service\","
	    "\"metadata\":{\"name\":\"s\",\"namespace\":\"ns\"},\"spec\":"
	    "{\"type\":\"NodePort\",\"ports\":[{\"port\":80}]}}");
	add_json(fa, "configmaps", "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"ConfigMap\",\"metadata\":{\"name\":\"cm\",\"namespace\":\"ns\"}}");
	add_quota(fa, "q", "\"hard\":{\"pods\":\"10\",\"requests.cpu\":\"2\","
	    "\"count/pods\":\"20\",\"services.nodeports\":\"5\","
	    "\"configmaps\":\"3\",\"count/widgets.example.com\":\"4\"}",
	    "\"used\":{\"count/widgets.example.com\":\"2\"}");
	add_quota(fa, "be", "\"hard\":{\"pods\":\"10\"},\"scopes\":"
	    "[\"BestEffort\"]", "\"hard\":{\"pods\":\"10\"},\"used\":{\"pods\":"
	    "\"1\"}");
	c = fake_api_controller(fa, &def);
	assert_non_null(c);
	assert_int_equal(rq_reconcile(c, "ns/q"), 0);
	st = last_status(fa);
	assert_non_null(st);
	assert_string_equal(st, "{\"hard\":{\"pods\":\"10\",\"requests.cpu\":"
	    "\"2\",\"count/pods\":\"20\",\"services.nodeports\":\"5\","
	    "\"configmaps\":\"3\",\"count/widgets.example.com\":\"4\"},"
	    "\"used\":{\"pods\":\"3\",\"requests.cpu\":\"350m\","
	    "\"count/pods\":\"4\",\"services.nodeports\":\"1\","
	    "\"configmaps\":\"1\",\"count/widgets.example.com\":\"2\"}}");
	cJSON_free(st);
	/* The BestEffort quota is already right: no write. */
	fake_api_clear(fa);
	assert_int_equal(rq_reconcile(c, "ns/be"), 0);
	assert_int_equal(fake_api_count(fa, "update_status", NULL), 0);
	/* A deleted quota: nothing to do. */
	assert_int_equal(rq_reconcile(c, "ns/gone"), 0);
	controller_free(c);
	fake_api_free(fa);
}

static void
test_status_lowers(void **state)
{
	cJSON *a = cJSON_Parse("{\"used\":{\"pods\":\"2\",\"cpu\":\"1\"}}");
	cJSON *up = cJSON_Parse("{\"used\":{\"pods\":\"3\",\"cpu\":\"1000m\"}}");
	cJSON *down = cJSON_Parse("{\"used\":{\"pods\":\"1\",\"cpu\":\"1\"}}");
	cJSON *added = cJSON_Parse("{\"used\":{\"pods\":\"2\",\"mem\":\"0\"}}");

	(void)state;
	assert_false(rq_status_lowers(a, up));
	assert_true(rq_status_lowers(a, down));
	assert_true(rq_status_lowers(a, added));
	assert_true(rq_status_lowers(NULL, up));
	cJSON_Delete(a);
	cJSON_Delete(up);
	cJSON_Delete(down);
	cJSON_Delete(added);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reconcile_sums),
		cmocka_unit_test(test_status_lowers),
	};

	return cmocka_run_group_tests_name("resourcequota", tests, NULL, NULL);
}
