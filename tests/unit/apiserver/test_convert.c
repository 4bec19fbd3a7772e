/* Unit tests for apiserver/convert_*.c: the 1.3 names over stored rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "apiserver.h"
#include "convert.h"

static const struct api_resource *
row(const char *g, const char *v, const char *res)
{
	const struct api_resource *r = registry_find(g, v, res);

	assert_non_null(r);
	return r;
}

static void
test_stored_rows(void **state)
{
	(void)state;
	assert_ptr_equal(convert_stored_row(row("apps", "v1alpha1", "petsets")),
	    row("apps", "v1", "statefulsets"));
	assert_ptr_equal(convert_stored_row(row("batch", "v2alpha1",
	    "scheduledjobs")), row("batch", "v1", "cronjobs"));
	assert_ptr_equal(convert_stored_row(row("extensions", "v1beta1",
	    "networkpolicies")), row("networking.k8s.io", "v1",
	    "networkpolicies"));
	assert_null(convert_stored_row(row("apps", "v1", "statefulsets")));
	/* Same store key: both names see the same objects. */
	assert_string_equal(row("apps", "v1alpha1", "petsets")->qualified,
	    row("apps", "v1", "statefulsets")->qualified);
}

static void
test_in_and_out(void **state)
{
	const struct api_resource *r = row("apps", "v1alpha1", "petsets");
	cJSON *o = cJSON_Parse("{\"kind\":\"PetSet\",\"apiVersion\":"
	    "\"apps/v1alpha1\",\"spec\":{\"template\":{\"metadata\":{\"labels\":"
	    "{\"a\":\"b\"}}}}}");

	(void)state;
	convert_in(r, o);
	assert_string_equal(json_str(o, "kind"), "StatefulSet");
	assert_string_equal(json_str(o, "apiVersion"), "apps/v1");
	assert_string_equal(json_str(json_obj(json_obj(json_obj(o, "spec"),
	    "selector"), "matchLabels"), "a"), "b");
	convert_out(r, o);
	assert_string_equal(json_str(o, "kind"), "PetSet");
	assert_string_equal(json_str(o, "apiVersion"), "apps/v1alpha1");
	cJSON_Delete(o);
}

static void
test_pdb_status(void **state)
{
	const struct api_resource *r = row("policy", "v1alpha1",
	    "poddisruptionbudgets");
	cJSON *o = cJSON_Parse("{\"kind\":\"PodDisruptionBudget\",\"apiVersion\":"
	    "\"policy/v1\",\"status\":{\"disruptionsAllowed\":2,"
	    "\"currentHealthy\":5,\"observedGeneration\":1,\"conditions\":[],"
	    "\"disruptedPods\":{\"p\":\"2026-01-01T00:00:00Z\"}}}");

	(void)state;
	convert_out(r, o);
	/* Only the 1.3 fields: the boolean and the counts. */
	assert_int_equal(cJSON_GetObjectItem(json_obj(o, "status"),
	    "currentHealthy")->valueint, 5);
	assert_null(cJSON_GetObjectItem(json_obj(o, "status"),
	    "observedGeneration"));
	assert_null(cJSON_GetObjectItem(json_obj(o, "status"), "conditions"));
	assert_null(cJSON_GetObjectItem(json_obj(o, "status"),
	    "disruptedPods"));
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(json_obj(o, "status"),
	    "disruptionAllowed")));
	assert_null(cJSON_GetObjectItem(json_obj(o, "status"),
	    "disruptionsAllowed"));
	convert_in(r, o);
	assert_int_equal(cJSON_GetObjectItem(json_obj(o, "status"),
	    "disruptionsAllowed")->valueint, 1);
	cJSON_Delete(o);
}

static void
test_response_list(void **state)
{
	const struct api_resource *r = row("batch", "v2alpha1", "scheduledjobs");
	struct api_response resp;
	const char *body = "{\"kind\":\"ScheduledJobList\",\"apiVersion\":"
	    "\"batch/v2alpha1\",\"metadata\":{},\"items\":[{\"kind\":\"CronJob\","
	    "\"apiVersion\":\"batch/v1\",\"metadata\":{\"name\":\"a\"}}]}";
	cJSON *o;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	api_response_take(&resp, 200, "application/json", strdup(body),
	    strlen(body));
	convert_response(r, &resp);
	o = cJSON_ParseWithLength(resp.body, resp.body_len);
	assert_string_equal(json_str(o, "kind"), "ScheduledJobList");
	assert_string_equal(json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(o,
	    "items"), 0), "kind"), "ScheduledJob");
	assert_string_equal(json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(o,
	    "items"), 0), "apiVersion"), "batch/v2alpha1");
	cJSON_Delete(o);
	api_response_fini(&resp);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stored_rows),
		cmocka_unit_test(test_in_and_out),
		cmocka_unit_test(test_pdb_status),
		cmocka_unit_test(test_response_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
