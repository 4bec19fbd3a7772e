/* Unit tests for apiserver/validation_meta.c: names, labels, annotations, owners. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "validation_meta.h"

#define SUBDOMAIN_DETAIL "a lowercase RFC 1123 subdomain must consist of lower case " \
	"alphanumeric characters, '-' or '.', and must start and end with an " \
	"alphanumeric character (e.g. 'example.com', regex used for validation is " \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define LABEL_DETAIL "a lowercase RFC 1123 label must consist of lower case " \
	"alphanumeric characters or '-', and must start and end with an alphanumeric " \
	"character (e.g. 'my-name',  or '123-abc', regex used for validation is " \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define L1035_DETAIL "a DNS-1035 label must consist of lower case alphanumeric " \
	"characters or '-', start with an alphabetic character, and end with an " \
	"alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for " \
	"validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
#define QNAME_DETAIL "must consist of alphanumeric characters, '-', '_' or '.', and " \
	"must start and end with an alphanumeric character (e.g. 'MyName',  or " \
	"'my.name',  or '123-abc', regex used for validation is " \
	"'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
#define LVALUE_DETAIL "a valid label must be an empty string or consist of " \
	"alphanumeric characters, '-', '_' or '.', and must start and end with an " \
	"alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex " \
	"used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"

static struct ck_status st;

/* Validate JSON text; returns the rc, causes in st. */
static int
validate(const char *json, bool namespaced, enum validate_name_rule rule)
{
	cJSON *o = cJSON_Parse(json);
	int rc;

	assert_non_null(o);
	ck_status_clear(&st);
	rc = validate_object_meta(o, namespaced, rule, &st);
	cJSON_Delete(o);
	return rc;
}

static void
cause_is(int i, const char *field, const char *reason, const char *message)
{
	assert_true(i < st.ncauses);
	assert_string_equal(st.causes[i].field, field);
	assert_string_equal(st.causes[i].reason, reason);
	if (message != NULL)
		assert_string_equal(st.causes[i].message, message);
}

static void
test_vm_predicates(void **state)
{
	char buf[300];

	(void)state;
	assert_true(validate_is_dns1123_subdomain("example.com"));
	assert_true(validate_is_dns1123_subdomain("a"));
	assert_true(validate_is_dns1123_subdomain("0-a.b-1"));
	assert_false(validate_is_dns1123_subdomain(""));
	assert_false(validate_is_dns1123_subdomain("Example.com"));
	assert_false(validate_is_dns1123_subdomain("a..b"));
	assert_false(validate_is_dns1123_subdomain(".a"));
	assert_false(validate_is_dns1123_subdomain("a-.b"));
	assert_false(validate_is_dns1123_subdomain("a_b"));
	memset(buf, 'a', 253);
	buf[253] = '\0';
	assert_true(validate_is_dns1123_subdomain(buf));
	buf[253] = 'a';
	buf[254] = '\0';
	assert_false(validate_is_dns1123_subdomain(buf));

	assert_true(validate_is_dns1123_label("my-name"));
	assert_true(validate_is_dns1123_label("123-abc"));
	assert_false(validate_is_dns1123_label("a.b"));
	assert_false(validate_is_dns1123_label("-a"));
	assert_false(validate_is_dns1123_label("a-"));
	assert_false(validate_is_dns1123_label(""));
	memset(buf, 'a', 63);
	buf[63] = '\0';
	assert_true(validate_is_dns1123_label(buf));
	assert_true(validate_is_dns1035_label(buf));
	buf[63] = 'a';
	buf[64] = '\0';
	assert_false(validate_is_dns1123_label(buf));
	assert_false(validate_is_dns1035_label(buf));

	assert_true(validate_is_dns1035_label("abc-123"));
	assert_false(validate_is_dns1035_label("1abc"));
	assert_false(validate_is_dns1035_label("abc-"));
	assert_false(validate_is_dns1035_label("ABC"));
}

static void
test_vm_valid_object(void **state)
{
	(void)state;
	assert_int_equal(validate("{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\","
	    "\"labels\":{\"app\":\"web\",\"example.com/tier\":\"Front_1\",\"empty\":\"\"},"
	    "\"annotations\":{\"Example.com/Note\":\"anything at all: {}\",\"kubectl.kubernetes.io/"
	    "last-applied-configuration\":\"{}\"},"
	    "\"finalizers\":[\"kubernetes.io/pv-protection\",\"orphan\"],"
	    "\"generation\":2,"
	    "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\","
	    "\"name\":\"web\",\"uid\":\"123\",\"controller\":true},{\"apiVersion\":\"v1\","
	    "\"kind\":\"Pod\",\"name\":\"p\",\"uid\":\"9\",\"controller\":false}]}}",
	    true, VALIDATE_NAME_SUBDOMAIN), 0);
	assert_int_equal(st.ncauses, 0);
	/* generateName alone is enough; a trailing dash is fine. */
	assert_int_equal(validate("{\"metadata\":{\"generateName\":\"web-\"}}", true,
	    VALIDATE_NAME_SUBDOMAIN), 0);
	assert_int_equal(validate("{\"metadata\":{\"generateName\":\"w\"}}", true,
	    VALIDATE_NAME_LABEL), 0);
	/* A namespace on a cluster-scoped kind is not checked here. */
	assert_int_equal(validate("{\"metadata\":{\"name\":\"n1\",\"namespace\":\"B_A_D\"}}",
	    false, VALIDATE_NAME_LABEL), 0);
}

static void
test_vm_name(void **state)
{
	char json[400];

	(void)state;
	assert_int_equal(validate("{\"metadata\":{}}", true, VALIDATE_NAME_SUBDOMAIN),
	    CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.name", "FieldValueRequired",
	    "Required value: name or generateName is required");
	assert_int_equal(validate("{\"kind\":\"Pod\"}", true, VALIDATE_NAME_SUBDOMAIN),
	    CK_EINVALID);
	cause_is(0, "metadata.name", "FieldValueRequired", NULL);
	assert_int_equal(validate("{\"metadata\":{\"name\":\"\"}}", true,
	    VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	cause_is(0, "metadata.name", "FieldValueRequired", NULL);

	assert_int_equal(validate("{\"metadata\":{\"name\":\"Web_1\"}}", true,
	    VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.name", "FieldValueInvalid",
	    "Invalid value: \"Web_1\": " SUBDOMAIN_DETAIL);

	assert_int_equal(validate("{\"metadata\":{\"name\":\"a.b\"}}", false,
	    VALIDATE_NAME_LABEL), CK_EINVALID);
	cause_is(0, "metadata.name", "FieldValueInvalid",
	    "Invalid value: \"a.b\": " LABEL_DETAIL);

	assert_int_equal(validate("{\"metadata\":{\"name\":\"1svc\"}}", true,
	    VALIDATE_NAME_1035_LABEL), CK_EINVALID);
	cause_is(0, "metadata.name", "FieldValueInvalid",
	    "Invalid value: \"1svc\": " L1035_DETAIL);

	/* Too long but matching: only the length message. */
	memset(json, 0, sizeof(json));
	memcpy(json, "{\"metadata\":{\"name\":\"", 21);
	memset(json + 21, 'a', 254);
	memcpy(json + 21 + 254, "\"}}", 3);
	assert_true(strlen("{\"metadata\":{\"name\":\"") == 21);
	assert_int_equal(validate(json, true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	assert_non_null(strstr(st.causes[0].message,
	    ": must be no more than 253 characters"));

	/* Quoting of odd bytes, as Go's %q does. */
	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\\\"b\\n\"}}", true,
	    VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_true(strncmp(st.causes[0].message, "Invalid value: \"a\\\"b\\n\": ", 25) == 0);

	/* Wrong types are causes, and then no "required" on top. */
	assert_int_equal(validate("{\"metadata\":{\"name\":5}}", true,
	    VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.name", "FieldValueTypeInvalid",
	    "Invalid value: 5: must be of type string");
	assert_int_equal(validate("{\"metadata\":{\"name\":{\"x\":1}}}", true,
	    VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	cause_is(0, "metadata.name", "FieldValueTypeInvalid",
	    "Invalid value: {\"x\":1}: must be of type string");
	assert_int_equal(validate("{\"metadata\":[]}", true, VALIDATE_NAME_SUBDOMAIN),
	    CK_EINVALID);
	cause_is(0, "metadata", "FieldValueTypeInvalid", NULL);
	assert_int_equal(validate("[]", true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
}

static void
test_vm_generate_name_and_namespace(void **state)
{
	(void)state;
	assert_int_equal(validate("{\"metadata\":{\"generateName\":\"Web-\"}}", true,
	    VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.generateName", "FieldValueInvalid",
	    "Invalid value: \"Web-\": " SUBDOMAIN_DETAIL);
	/* maskTrailingDash drops two characters: "a-" checks as "a". */
	assert_int_equal(validate("{\"metadata\":{\"generateName\":\"a-\"}}", true,
	    VALIDATE_NAME_SUBDOMAIN), 0);
	/* A single "-" is not masked. */
	assert_int_equal(validate("{\"metadata\":{\"generateName\":\"-\"}}", true,
	    VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	cause_is(0, "metadata.generateName", "FieldValueInvalid", NULL);
	assert_int_equal(validate("{\"metadata\":{\"generateName\":7}}", true,
	    VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	cause_is(0, "metadata.generateName", "FieldValueTypeInvalid", NULL);
	cause_is(1, "metadata.name", "FieldValueRequired", NULL);

	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"namespace\":\"Kube_System\"}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.namespace", "FieldValueInvalid",
	    "Invalid value: \"Kube_System\": " LABEL_DETAIL);
	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"namespace\":[1]}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	cause_is(0, "metadata.namespace", "FieldValueTypeInvalid",
	    "Invalid value: [1]: must be of type string");
	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"generation\":-1}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	cause_is(0, "metadata.generation", "FieldValueInvalid",
	    "Invalid value: -1: must be greater than or equal to 0");
}

static void
test_vm_labels(void **state)
{
	char json[300];

	(void)state;
	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":1}}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.labels", "FieldValueTypeInvalid",
	    "Invalid value: 1: must be of type string");
	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"labels\":[\"x\"]}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	cause_is(0, "metadata.labels", "FieldValueTypeInvalid", NULL);

	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"labels\":{\"bad key\":\"v\"}}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.labels", "FieldValueInvalid",
	    "Invalid value: \"bad key\": name part " QNAME_DETAIL);

	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"labels\":{\"a/b/c\":\"v\"}}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.labels", "FieldValueInvalid",
	    "Invalid value: \"a/b/c\": a qualified name " QNAME_DETAIL
	    " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");

	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"labels\":{\"/x\":\"v\"}}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.labels", "FieldValueInvalid",
	    "Invalid value: \"/x\": prefix part must be non-empty");

	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"labels\":{\"Ex.com/x\":\"v\"}}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.labels", "FieldValueInvalid",
	    "Invalid value: \"Ex.com/x\": prefix part " SUBDOMAIN_DETAIL);

	/* An empty name part gives two messages, as upstream. */
	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"labels\":{\"ex.com/\":\"v\"}}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 2);
	cause_is(0, "metadata.labels", "FieldValueInvalid",
	    "Invalid value: \"ex.com/\": name part must be non-empty");
	cause_is(1, "metadata.labels", "FieldValueInvalid",
	    "Invalid value: \"ex.com/\": name part " QNAME_DETAIL);

	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"labels\":{\"app\":\"-web\"}}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.labels", "FieldValueInvalid",
	    "Invalid value: \"-web\": " LVALUE_DETAIL);

	snprintf(json, sizeof(json), "{\"metadata\":{\"name\":\"a\",\"labels\":"
	    "{\"k\":\"%s\"}}}", "0123456789012345678901234567890123456789"
	    "012345678901234567890123");
	assert_int_equal(validate(json, true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	assert_non_null(strstr(st.causes[0].message,
	    "\": must be no more than 63 characters"));
}

static void
test_vm_annotations(void **state)
{
	cJSON *o, *ann;
	char *big;

	(void)state;
	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"annotations\":"
	    "{\"Bad Key\":\"v\",\"ok\":2}}}", true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 2);
	/* Checked lower-cased, quoted as written. */
	cause_is(0, "metadata.annotations", "FieldValueInvalid",
	    "Invalid value: \"Bad Key\": name part " QNAME_DETAIL);
	cause_is(1, "metadata.annotations", "FieldValueTypeInvalid",
	    "Invalid value: 2: must be of type string");

	big = malloc(256 * 1024 + 1);
	memset(big, 'x', 256 * 1024);
	big[256 * 1024] = '\0';
	o = cJSON_Parse("{\"metadata\":{\"name\":\"a\",\"annotations\":{}}}");
	ann = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o,
	    "metadata"), "annotations");
	cJSON_AddStringToObject(ann, "k", big);
	ck_status_clear(&st);
	assert_int_equal(validate_object_meta(o, true, VALIDATE_NAME_SUBDOMAIN, &st),
	    CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.annotations", "FieldValueTooLong",
	    "Too long: may not be more than 262144 bytes");
	/* Exactly at the limit is fine. */
	big[256 * 1024 - 1] = '\0';
	cJSON_ReplaceItemInObjectCaseSensitive(ann, "k", cJSON_CreateString(big));
	assert_int_equal(validate_object_meta(o, true, VALIDATE_NAME_SUBDOMAIN, NULL), 0);
	cJSON_Delete(o);
	free(big);
}

static void
test_vm_finalizers_and_owners(void **state)
{
	(void)state;
	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"finalizers\":"
	    "[\"orphan\",\"foregroundDeletion\",\"bad/x/y\",3]}}", true,
	    VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 3);
	cause_is(0, "metadata.finalizers", "FieldValueInvalid", NULL);
	assert_non_null(strstr(st.causes[0].message, "a qualified name must consist"));
	cause_is(1, "metadata.finalizers", "FieldValueTypeInvalid", NULL);
	cause_is(2, "metadata.finalizers", "FieldValueInvalid",
	    "Invalid value: [\"orphan\",\"foregroundDeletion\",\"bad/x/y\",3]: finalizer "
	    "orphan and foregroundDeletion cannot be both set");
	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"finalizers\":\"x\"}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	cause_is(0, "metadata.finalizers", "FieldValueTypeInvalid", NULL);

	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"ownerReferences\":[{}]}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 4);
	cause_is(0, "metadata.ownerReferences.apiVersion", "FieldValueInvalid",
	    "Invalid value: \"\": version must not be empty");
	cause_is(1, "metadata.ownerReferences.kind", "FieldValueInvalid",
	    "Invalid value: \"\": kind must not be empty");
	cause_is(2, "metadata.ownerReferences.name", "FieldValueInvalid",
	    "Invalid value: \"\": name must not be empty");
	cause_is(3, "metadata.ownerReferences.uid", "FieldValueInvalid",
	    "Invalid value: \"\": uid must not be empty");

	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"ownerReferences\":["
	    "{\"apiVersion\":\"apps/\",\"kind\":\"K\",\"name\":\"n\",\"uid\":\"u\"},"
	    "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"name\":\"n\",\"uid\":\"u\"},"
	    "{\"apiVersion\":\"a/b/c\",\"kind\":\"K\",\"name\":\"n\",\"uid\":7}]}}",
	    true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 5);
	cause_is(0, "metadata.ownerReferences.apiVersion", "FieldValueInvalid",
	    "Invalid value: \"apps/\": version must not be empty");
	cause_is(1, "metadata.ownerReferences", "FieldValueInvalid", NULL);
	assert_non_null(strstr(st.causes[1].message,
	    ": /v1, Kind=Event is disallowed from being an owner"));
	cause_is(2, "metadata.ownerReferences.uid", "FieldValueTypeInvalid", NULL);
	cause_is(3, "metadata.ownerReferences.apiVersion", "FieldValueInvalid", NULL);
	cause_is(4, "metadata.ownerReferences.uid", "FieldValueInvalid", NULL);

	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"ownerReferences\":["
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"r1\",\"uid\":\"1\","
	    "\"controller\":true},"
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"r2\",\"uid\":\"2\","
	    "\"controller\":true}]}}", true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_int_equal(st.ncauses, 1);
	cause_is(0, "metadata.ownerReferences", "FieldValueInvalid", NULL);
	assert_non_null(strstr(st.causes[0].message, ": Only one reference can have "
	    "Controller set to true. Found \"true\" in references for ReplicaSet/r1 and "
	    "ReplicaSet/r2"));
	assert_int_equal(validate("{\"metadata\":{\"name\":\"a\",\"ownerReferences\":"
	    "[\"x\"]}}", true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	cause_is(0, "metadata.ownerReferences", "FieldValueTypeInvalid", NULL);
}

static void
test_vm_many_causes(void **state)
{
	cJSON *o;

	(void)state;
	/* More causes than the status keeps: all counted, none overflow. */
	assert_int_equal(validate("{\"metadata\":{\"name\":\"A\",\"namespace\":\"B\","
	    "\"labels\":{\"-\":\"-\",\"_\":\"_\",\"a b\":\"c d\"},\"finalizers\":[\"x y\"],"
	    "\"annotations\":{\"?\":\"\"}}}", true, VALIDATE_NAME_SUBDOMAIN), CK_EINVALID);
	assert_true(st.ncauses > 8);
	/* A NULL status still gets the verdict. */
	o = cJSON_Parse("{\"metadata\":{\"name\":\"A\"}}");
	assert_int_equal(validate_object_meta(o, true, VALIDATE_NAME_SUBDOMAIN, NULL),
	    CK_EINVALID);
	assert_int_equal(validate_object_meta(NULL, true, VALIDATE_NAME_SUBDOMAIN, NULL),
	    CK_EINVALID);
	cJSON_Delete(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_predicates),
		cmocka_unit_test(test_vm_valid_object),
		cmocka_unit_test(test_vm_name),
		cmocka_unit_test(test_vm_generate_name_and_namespace),
		cmocka_unit_test(test_vm_labels),
		cmocka_unit_test(test_vm_annotations),
		cmocka_unit_test(test_vm_finalizers_and_owners),
		cmocka_unit_test(test_vm_many_causes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
