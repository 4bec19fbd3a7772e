/* Unit tests for apiserver/status.c: Status JSON and Kubernetes wording. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "apiserver.h"

static void
test_status_not_found_grouped(void **state)
{
	const struct api_resource *r =
	    registry_find("coordination.k8s.io", "v1", "leases");
	struct ck_status st;
	cJSON *o;

	(void)state;
	ck_status_clear(&st);
	assert_int_equal(status_set_object(&st, CK_ENOTFOUND, r, "x"),
	    CK_ENOTFOUND);
	assert_string_equal(st.message,
	    "leases.coordination.k8s.io \"x\" not found");
	o = status_to_json(&st);
	assert_string_equal(json_str(o, "kind"), "Status");
	assert_string_equal(json_str(o, "status"), "Failure");
	assert_string_equal(json_str(o, "reason"), "NotFound");
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(o, "code")->valueint,
	    404);
	assert_string_equal(json_str(json_obj(o, "details"), "group"),
	    "coordination.k8s.io");
	assert_string_equal(json_str(json_obj(o, "details"), "kind"), "leases");
	cJSON_Delete(o);
}

/* kubectl debug reads details.name of any 404: it must be there, empty. */
static void
test_status_generic_404_has_details(void **state)
{
	struct ck_status st;
	cJSON *o, *d;

	(void)state;
	ck_status_clear(&st);
	ck_status_set(&st, CK_ENOTFOUND, "the server could not find the "
	    "requested resource");
	o = status_to_json(&st);
	d = cJSON_GetObjectItemCaseSensitive(o, "details");
	assert_true(cJSON_IsObject(d));
	assert_null(d->child);
	cJSON_Delete(o);
	ck_status_set(&st, CK_EBADREQ, "bad");
	o = status_to_json(&st);
	assert_null(cJSON_GetObjectItemCaseSensitive(o, "details"));
	cJSON_Delete(o);
}

static void
test_status_conflict_and_exists(void **state)
{
	const struct api_resource *r = registry_find("", "v1", "pods");
	struct ck_status st;

	(void)state;
	ck_status_clear(&st);
	status_set_object(&st, CK_ECONFLICT, r, "web");
	assert_int_equal(st.code, 409);
	assert_string_equal(st.message,
	    "Operation cannot be fulfilled on pods \"web\": the "
	    "object has been modified; please apply your changes to the latest "
	    "version "
	    "and try again");
	status_set_object(&st, CK_EEXIST, r, "web");
	assert_string_equal(st.reason, "AlreadyExists");
	assert_string_equal(st.message, "pods \"web\" already exists");
}

static void
test_status_invalid_with_causes(void **state)
{
	const struct api_resource *r = registry_find("", "v1", "pods");
	struct ck_status st;
	cJSON *o, *causes;

	(void)state;
	ck_status_clear(&st);
	ck_status_add_cause(&st, "metadata.name", "FieldValueInvalid",
	    "Invalid value: \"X\"");
	assert_int_equal(status_set_invalid(&st, r, "X"), CK_EINVALID);
	assert_string_equal(st.message,
	    "Pod \"X\" is invalid: metadata.name: Invalid value: "
	    "\"X\"");
	ck_status_add_cause(&st, "metadata.labels", "FieldValueInvalid", "bad");
	status_set_invalid(&st, r, "X");
	assert_string_equal(st.message,
	    "Pod \"X\" is invalid: [metadata.name: Invalid "
	    "value: \"X\", metadata.labels: bad]");
	o = status_to_json(&st);
	causes =
	    cJSON_GetObjectItemCaseSensitive(json_obj(o, "details"), "causes");
	assert_int_equal(cJSON_GetArraySize(causes), 2);
	assert_string_equal(json_str(cJSON_GetArrayItem(causes, 0), "field"),
	    "metadata.name");
	assert_string_equal(json_str(json_obj(o, "details"), "kind"), "Pod");
	cJSON_Delete(o);
}

static void
test_status_reply_sets_code(void **state)
{
	struct api_response resp;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	status_replyf(&resp, CK_EBADREQ, "bad %s", "thing");
	assert_int_equal(resp.code, 400);
	assert_string_equal(resp.content_type, "application/json");
	assert_non_null(strstr(resp.body, "\"message\":\"bad thing\""));
	api_response_fini(&resp);
}

static void
test_util_base64_roundtrip(void **state)
{
	const char *in = "{\"ns\":\"a\",\"name\":\"b\"}";
	char *e, *d;
	size_t n, len;

	(void)state;
	for (n = 0; n <= strlen(in); n++) {
		e = util_base64_encode(in, n);
		d = util_base64_decode(e, &len);
		assert_non_null(d);
		assert_int_equal(len, n);
		assert_memory_equal(d, in, n);
		free(e);
		free(d);
	}
	assert_null(util_base64_decode("abc", &len));
	assert_null(util_base64_decode("a$==", &len));
}

static void
test_util_uuid_and_suffix(void **state)
{
	char u[37], s[6];
	size_t i;

	(void)state;
	util_uuid4(u);
	assert_int_equal(strlen(u), 36);
	assert_int_equal(u[14], '4');
	util_random_suffix(s, 5);
	assert_int_equal(strlen(s), 5);
	for (i = 0; i < 5; i++)
		assert_non_null(strchr("bcdfghjklmnpqrstvwxz2456789", s[i]));
}

static void
test_util_sha256_and_storage_hash(void **state)
{
	unsigned char d[32];
	char h[16];

	(void)state;
	util_sha256("abc", 3, d);
	assert_int_equal(d[0], 0xba);
	assert_int_equal(d[1], 0x78);
	assert_int_equal(d[31], 0xad);
	/* kube-apiserver's values for pods and apps/v1 deployments */
	util_storage_version_hash("", "v1", "Pod", h);
	assert_string_equal(h, "xPOwRZ+Yhw8=");
	util_storage_version_hash("apps", "v1", "Deployment", h);
	assert_string_equal(h, "8aSe+NMegvE=");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_not_found_grouped),
		cmocka_unit_test(test_status_generic_404_has_details),
		cmocka_unit_test(test_status_conflict_and_exists),
		cmocka_unit_test(test_status_invalid_with_causes),
		cmocka_unit_test(test_status_reply_sets_code),
		cmocka_unit_test(test_util_base64_roundtrip),
		cmocka_unit_test(test_util_uuid_and_suffix),
		cmocka_unit_test(test_util_sha256_and_storage_hash),
	};

	return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
