/*
 * Unit tests for apiserver/openapi.c over the schema table of
 * openapi_schema.c (fieldValidation Strict, Warn, Ignore and absent) and
 * managed_fields.c (FieldsV1 of an applied object, one entry per manager).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "crud.h"

static const char pod_json[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\","
    "\"lables\":{}},\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
    "\"x\",\"imagee\":\"y\",\"ports\":[{\"containerPort\":80,\"hostport\":1}]"
    ",\"livenessProbe\":{\"anything\":1}}],\"nodeName\":\"n\"},"
    "\"status\":{\"whatever\":true}}";

static int
run(const char *mode, cJSON **obj, struct api_response *resp,
    struct ck_status *st)
{
	struct api_request req = { .method = "POST" };
	const struct api_resource *r = registry_find("", "v1", "pods");

	if (mode != NULL) {
		req.params[0].key = "fieldValidation";
		req.params[0].val = mode;
		req.nparams = 1;
	}
	memset(resp, 0, sizeof(*resp));
	ck_status_clear(st);
	*obj = cJSON_Parse(pod_json);
	assert_non_null(*obj);
	return openapi_check_fields(r, *obj, &req, resp, st);
}

static void
test_strict_lists_every_unknown_field(void **state)
{
	struct api_response resp;
	struct ck_status st;
	cJSON *obj;

	(void)state;
	assert_int_equal(run("Strict", &obj, &resp, &st), CK_EBADREQ);
	assert_string_equal(st.message, "Pod in version \"v1\" cannot be "
	    "handled as a Pod: strict decoding error: unknown field "
	    "\"metadata.lables\", unknown field \"spec.containers[0].imagee\", "
	    "unknown field \"spec.containers[0].ports[0].hostport\", "
	    "unknown field \"spec.containers[0].livenessProbe.anything\"");
	cJSON_Delete(obj);
}

static void
test_warn_prunes_and_warns(void **state)
{
	struct api_response resp;
	struct ck_status st;
	cJSON *obj, *c;

	(void)state;
	assert_int_equal(run("Warn", &obj, &resp, &st), 0);
	assert_string_equal(resp.warnings, "unknown field \"metadata.lables\"\n"
	    "unknown field \"spec.containers[0].imagee\"\n"
	    "unknown field \"spec.containers[0].ports[0].hostport\"\n"
	    "unknown field \"spec.containers[0].livenessProbe.anything\"");
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(json_obj(obj, "spec"),
	    "containers"), 0);
	assert_null(cJSON_GetObjectItem(c, "imagee"));
	assert_non_null(cJSON_GetObjectItem(c, "livenessProbe"));
	assert_null(cJSON_GetObjectItem(json_obj(c, "livenessProbe"),
	    "anything"));
	assert_non_null(cJSON_GetObjectItem(json_obj(obj, "status"),
	    "whatever"));
	cJSON_Delete(obj);
}

static void
test_ignore_and_absent(void **state)
{
	struct api_response resp;
	struct ck_status st;
	cJSON *obj;

	(void)state;
	assert_int_equal(run("Ignore", &obj, &resp, &st), 0);
	assert_string_equal(resp.warnings, "");
	assert_null(cJSON_GetObjectItem(json_obj(obj, "metadata"), "lables"));
	cJSON_Delete(obj);
	assert_int_equal(run(NULL, &obj, &resp, &st), 0);
	assert_non_null(cJSON_GetObjectItem(json_obj(obj, "metadata"),
	    "lables"));
	cJSON_Delete(obj);
	assert_int_equal(run("Loose", &obj, &resp, &st), CK_EBADREQ);
	cJSON_Delete(obj);
}

static void
test_managed_fields(void **state)
{
	struct api_request req = { .method = "PATCH",
		.content_type = "application/apply-patch+yaml" };
	struct crud c = { .req = &req };
	cJSON *obj, *set, *mf, *want;

	(void)state;
	c.res = registry_find("", "v1", "pods");
	req.params[0].key = "fieldManager";
	req.params[0].val = "kubectl";
	req.nparams = 1;
	set = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":"
	    "{\"name\":\"p\",\"labels\":{\"a\":\"b\"}},\"spec\":{\"containers\":"
	    "[{\"name\":\"c\",\"args\":[\"x\"]}]}}");
	obj = cJSON_Duplicate(set, 1);
	crud_record_manager(&c, obj, set);
	crud_record_manager(&c, obj, set);	/* replaces, not appends */
	mf = cJSON_GetObjectItem(json_obj(obj, "metadata"), "managedFields");
	assert_int_equal(cJSON_GetArraySize(mf), 1);
	assert_string_equal(json_str(cJSON_GetArrayItem(mf, 0), "operation"),
	    "Apply");
	assert_string_equal(json_str(cJSON_GetArrayItem(mf, 0), "apiVersion"),
	    "v1");
	want = cJSON_Parse("{\"f:metadata\":{\"f:labels\":{\"f:a\":{}}},"
	    "\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"c\\\"}\":{"
	    "\"f:name\":{},\"f:args\":{},\".\":{}}}}}");
	if (!cJSON_Compare(json_obj(cJSON_GetArrayItem(mf, 0), "fieldsV1"),
	    want, 0)) {
		char *got = cJSON_PrintUnformatted(json_obj(cJSON_GetArrayItem(
		    mf, 0), "fieldsV1"));

		print_error("fieldsV1 %s\n", got);
		free(got);
		fail();
	}
	req.content_type = "application/json";
	req.params[0].val = "kubectl-create";
	crud_record_manager(&c, obj, set);
	assert_int_equal(cJSON_GetArraySize(mf), 2);
	assert_string_equal(json_str(cJSON_GetArrayItem(mf, 1), "operation"),
	    "Update");
	cJSON_Delete(want);
	cJSON_Delete(obj);
	cJSON_Delete(set);
}

static int
apply(const char *live_json, const char *applied_json, bool force,
    cJSON **target, struct ck_status *st)
{
	struct api_request req = { .method = "PATCH",
		.content_type = "application/apply-patch+yaml" };
	struct api_route rt = { .name = "c1" };
	struct crud c = { .req = &req, .rt = &rt };
	cJSON *live = cJSON_Parse(live_json), *applied = cJSON_Parse(
	    applied_json);
	int rc;

	c.res = registry_find("", "v1", "configmaps");
	req.params[0].key = "fieldManager";
	req.params[0].val = "kubectl";
	req.params[1].key = "force";
	req.params[1].val = force ? "true" : "false";
	req.nparams = 2;
	ck_status_clear(&c.st);
	*target = cJSON_Duplicate(live, 1);
	/* The strategic merge of a map is a merge: data gets applied's. */
	cJSON_ReplaceItemInObject(*target, "data", cJSON_Duplicate(
	    cJSON_GetObjectItem(applied, "data"), 1));
	cJSON_AddItemToObject(json_obj(*target, "data"), "keep",
	    cJSON_CreateString("k"));
	rc = crud_apply_fields(&c, live, *target, applied);
	*st = c.st;
	cJSON_Delete(live);
	cJSON_Delete(applied);
	return rc;
}

static void
test_apply_conflicts_and_force(void **state)
{
	static const char live[] = "{\"metadata\":{\"name\":\"c1\","
	    "\"managedFields\":[{\"manager\":\"kubectl-create\",\"operation\":"
	    "\"Update\",\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\","
	    "\"fieldsV1\":{\"f:data\":{\"f:a\":{}}}}]},\"data\":{\"a\":\"1\"}}";
	static const char applied[] = "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"ConfigMap\",\"metadata\":{\"name\":\"c1\"},\"data\":{\"a\":\"2\"}}";
	static const char same[] = "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"ConfigMap\",\"metadata\":{\"name\":\"c1\"},\"data\":{\"a\":\"1\"}}";
	struct ck_status st;
	cJSON *t, *mf;

	(void)state;
	assert_int_equal(apply(live, applied, false, &t, &st), CK_ECONFLICT);
	assert_int_equal(st.code, 409);
	assert_string_equal(st.message, "Apply failed with 1 conflict: "
	    "conflict with \"kubectl-create\" using v1: .data.a");
	cJSON_Delete(t);
	/* The same value co-owns: no conflict. */
	assert_int_equal(apply(live, same, false, &t, &st), 0);
	cJSON_Delete(t);
	assert_int_equal(apply(live, applied, true, &t, &st), 0);
	mf = cJSON_GetObjectItem(json_obj(t, "metadata"), "managedFields");
	assert_int_equal(cJSON_GetArraySize(mf), 1);
	assert_string_equal(json_str(cJSON_GetArrayItem(mf, 0), "manager"),
	    "kubectl");
	cJSON_Delete(t);
}

static void
test_apply_removes_dropped_fields(void **state)
{
	static const char live[] = "{\"metadata\":{\"name\":\"c1\","
	    "\"managedFields\":[{\"manager\":\"kubectl\",\"operation\":"
	    "\"Apply\",\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\","
	    "\"fieldsV1\":{\"f:data\":{\"f:a\":{},\"f:b\":{}}}}]},"
	    "\"data\":{\"a\":\"1\",\"b\":\"2\"}}";
	static const char applied[] = "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"ConfigMap\",\"metadata\":{\"name\":\"c1\"},\"data\":{\"a\":\"1\"}}";
	struct ck_status st;
	cJSON *t;

	(void)state;
	assert_int_equal(apply(live, applied, false, &t, &st), 0);
	assert_null(cJSON_GetObjectItem(json_obj(t, "data"), "b"));
	assert_non_null(cJSON_GetObjectItem(json_obj(t, "data"), "a"));
	/* Never applied by this manager: kept. */
	assert_non_null(cJSON_GetObjectItem(json_obj(t, "data"), "keep"));
	cJSON_Delete(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strict_lists_every_unknown_field),
		cmocka_unit_test(test_warn_prunes_and_warns),
		cmocka_unit_test(test_ignore_and_absent),
		cmocka_unit_test(test_managed_fields),
		cmocka_unit_test(test_apply_conflicts_and_force),
		cmocka_unit_test(test_apply_removes_dropped_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
