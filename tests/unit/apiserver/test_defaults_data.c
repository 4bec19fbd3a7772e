/* Unit tests for apiserver/defaults_data.c: ConfigMap/Secret typing, stringData, size. */
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
#include "validation_kind.h"

static int
check(const char *resource, const char *body, struct ck_status *st)
{
	cJSON *o = cJSON_Parse(body);
	int rc;

	assert_non_null(o);
	ck_status_clear(st);
	rc = data_check_types(registry_find("", "v1", resource), o, st);
	cJSON_Delete(o);
	return rc;
}

static void
test_data_types(void **state)
{
	struct ck_status st;

	(void)state;
	assert_int_equal(check("configmaps", "{\"data\":{\"a\":\"5\"}}", &st),
	    0);
	assert_int_equal(check("configmaps", "{\"data\":{\"a\":5}}", &st),
	    CK_EBADREQ);
	assert_int_equal(st.code, 400);
	assert_string_equal(st.message, "ConfigMap in version \"v1\" cannot "
	    "be handled as a ConfigMap: json: cannot unmarshal number into Go "
	    "struct field ConfigMap.data of type string");
	assert_int_equal(check("configmaps", "{\"data\":[]}", &st),
	    CK_EBADREQ);
	assert_non_null(strstr(st.message, "unmarshal array into Go struct "
	    "field ConfigMap.data of type map[string]string"));
	assert_int_equal(check("secrets", "{\"data\":{\"a\":true}}", &st),
	    CK_EBADREQ);
	assert_non_null(strstr(st.message, "of type []uint8"));
	assert_int_equal(check("configmaps", "{\"data\":{\"a\":null}}", &st),
	    0);
}

static void
test_secret_base64(void **state)
{
	struct ck_status st;

	(void)state;
	assert_int_equal(check("secrets", "{\"data\":{\"a\":\"eA==\"}}", &st),
	    0);
	assert_int_equal(check("secrets", "{\"data\":{\"a\":\"YWJj\\nZGVm\"}}",
	    &st), 0);
	assert_int_equal(check("secrets", "{\"data\":{\"a\":\"ab!c\"}}", &st),
	    CK_EBADREQ);
	assert_non_null(strstr(st.message,
	    "illegal base64 data at input byte 2"));
	assert_int_equal(check("secrets", "{\"data\":{\"a\":\"YWJjZ\"}}", &st),
	    CK_EBADREQ);
	assert_non_null(strstr(st.message, "at input byte 4"));
	assert_int_equal(check("secrets", "{\"data\":{\"a\":\"eA=\"}}", &st),
	    CK_EBADREQ);
	assert_non_null(strstr(st.message, "at input byte 3"));
	assert_int_equal(check("secrets", "{\"data\":{\"a\":\"eA==eA==\"}}",
	    &st), CK_EBADREQ);
}

static void
test_secret_defaults(void **state)
{
	cJSON *o = cJSON_Parse("{\"data\":{\"a\":\"eA==\",\"b\":\"eA==\"},"
	    "\"stringData\":{\"b\":\"hi\"}}");
	char *s;

	(void)state;
	defaults_secret(o);
	s = cJSON_PrintUnformatted(o);
	assert_string_equal(s, "{\"data\":{\"a\":\"eA==\",\"b\":\"aGk=\"},"
	    "\"type\":\"Opaque\"}");
	free(s);
	cJSON_Delete(o);
}

static void
test_data_size(void **state)
{
	const struct api_resource *r = registry_find("", "v1", "configmaps");
	struct ck_status st;
	cJSON *o = cJSON_CreateObject(), *d;
	char *big = malloc(1024 * 1024 + 2);

	(void)state;
	memset(big, 'x', 1024 * 1024);
	big[1024 * 1024] = '\0';
	d = cJSON_AddObjectToObject(o, "data");
	cJSON_AddStringToObject(d, "a", big);
	ck_status_clear(&st);
	validation_data(r, o, NULL, &st);
	assert_int_equal(st.ncauses, 0);
	cJSON_AddStringToObject(d, "b", "y");
	validation_data(r, o, NULL, &st);
	assert_int_equal(st.ncauses, 1);
	assert_string_equal(st.causes[0].field, "[]");
	assert_false(registry_has_generation(r));
	assert_true(registry_has_generation(registry_find("apps", "v1",
	    "deployments")));
	free(big);
	cJSON_Delete(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data_types),
		cmocka_unit_test(test_secret_base64),
		cmocka_unit_test(test_secret_defaults),
		cmocka_unit_test(test_data_size),
	};

	return cmocka_run_group_tests_name("defaults_data", tests, NULL, NULL);
}
