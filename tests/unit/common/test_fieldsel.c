/* Unit tests for common/fieldsel.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/fieldsel.h"

static const char pod_json[] =
    "{\"metadata\":{\"name\":\"web-1\",\"namespace\":\"default\"},"
    "\"spec\":{\"nodeName\":\"n1\",\"replicas\":3,\"ratio\":1.5,\"paused\":false,"
    "\"nil\":null,\"list\":[1]},"
    "\"status\":{\"phase\":\"Running\"}}";

static bool
matches(const char *s, const char *const *allowed)
{
	struct field_selector *sel;
	struct ck_status st;
	cJSON *obj = cJSON_Parse(pod_json);
	bool m;

	assert_non_null(obj);
	assert_int_equal(fieldsel_parse(s, allowed, &sel, &st), 0);
	m = fieldsel_matches(sel, obj);
	fieldsel_free(sel);
	cJSON_Delete(obj);
	return m;
}

static int
parse_rc(const char *s, const char *const *allowed, struct ck_status *st)
{
	struct field_selector *sel = (void *)1;
	int rc;

	ck_status_clear(st);
	rc = fieldsel_parse(s, allowed, &sel, st);
	if (rc < 0)
		assert_null(sel);
	fieldsel_free(sel);
	return rc;
}

static void
test_fieldsel_empty(void **state)
{
	struct field_selector *sel;
	struct ck_status st;

	(void)state;
	assert_int_equal(fieldsel_parse("", NULL, &sel, &st), 0);
	assert_true(fieldsel_is_empty(sel));
	assert_true(fieldsel_matches(sel, NULL));
	fieldsel_free(sel);
	assert_int_equal(fieldsel_parse(NULL, NULL, &sel, &st), 0);
	assert_true(fieldsel_is_empty(sel));
	fieldsel_free(sel);
	assert_int_equal(fieldsel_parse(",,", NULL, &sel, &st), 0);
	assert_true(fieldsel_is_empty(sel));
	fieldsel_free(sel);
	assert_true(fieldsel_is_empty(NULL));
	assert_true(fieldsel_matches(NULL, NULL));
	assert_null(fieldsel_exact_value(NULL, "x"));
}

static void
test_fieldsel_operators(void **state)
{
	(void)state;
	assert_true(matches("metadata.name=web-1", NULL));
	assert_true(matches("metadata.name==web-1", NULL));
	assert_false(matches("metadata.name!=web-1", NULL));
	assert_true(matches("metadata.name!=web-2", NULL));
	assert_false(matches("metadata.name=web-2", NULL));
	assert_true(matches("metadata.name=web-1,status.phase=Running", NULL));
	assert_false(matches("metadata.name=web-1,status.phase!=Running", NULL));
	assert_true(matches("metadata.name=web-1,,status.phase=Running,", NULL));
}

static void
test_fieldsel_missing_and_typed(void **state)
{
	(void)state;
	/* a missing field compares as "" */
	assert_true(matches("spec.missing=", NULL));
	assert_true(matches("spec.missing!=x", NULL));
	assert_false(matches("spec.missing=x", NULL));
	assert_true(matches("nope.deeper.still=", NULL));
	assert_true(matches("metadata.name.sub=", NULL));	/* through a string */
	assert_true(matches("spec.nodeName=", NULL) == false);
	assert_true(matches("spec.replicas=3", NULL));
	assert_false(matches("spec.replicas=3.0", NULL));
	assert_true(matches("spec.ratio=1.5", NULL));
	assert_true(matches("spec.paused=false", NULL));
	assert_true(matches("spec.nil=", NULL));
	assert_true(matches("spec.list=", NULL));
	assert_true(matches("spec=", NULL));
}

static void
test_fieldsel_escapes(void **state)
{
	struct field_selector *sel;
	struct ck_status st;

	(void)state;
	assert_int_equal(fieldsel_parse("a=x\\,y,b=p\\=q\\\\", NULL, &sel, &st), 0);
	assert_string_equal(fieldsel_exact_value(sel, "a"), "x,y");
	assert_string_equal(fieldsel_exact_value(sel, "b"), "p=q\\");
	fieldsel_free(sel);
	assert_int_equal(parse_rc("a=x\\y", NULL, &st), CK_EBADREQ);
	assert_int_equal(parse_rc("a=x\\", NULL, &st), CK_EBADREQ);
	assert_int_equal(parse_rc("a=b=c", NULL, &st), CK_EBADREQ);
	assert_non_null(strstr(st.message, "invalid field selector"));
}

static void
test_fieldsel_errors(void **state)
{
	static const char *const allowed[] = { "metadata.name", "metadata.namespace",
		"spec.nodeName", NULL };
	struct ck_status st;

	(void)state;
	assert_int_equal(parse_rc("metadata.name", NULL, &st), CK_EBADREQ);
	assert_int_equal(st.code, 400);
	assert_string_equal(st.message,
	    "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
	assert_int_equal(parse_rc("=x", NULL, &st), CK_EBADREQ);
	assert_int_equal(parse_rc("a=b,c", NULL, &st), CK_EBADREQ);
	assert_int_equal(parse_rc("status.phase=Running", allowed, &st), CK_EBADREQ);
	assert_string_equal(st.message, "field label not supported: status.phase");
	assert_int_equal(parse_rc("spec.nodeName=n1,metadata.name!=x", allowed, &st), 0);
	assert_true(matches("spec.nodeName=n1", allowed));
}

static void
test_fieldsel_exact_value(void **state)
{
	struct field_selector *sel;
	struct ck_status st;

	(void)state;
	assert_int_equal(fieldsel_parse("spec.nodeName!=a,spec.nodeName==n2,metadata.name=x",
	    NULL, &sel, &st), 0);
	assert_false(fieldsel_is_empty(sel));
	assert_string_equal(fieldsel_exact_value(sel, "spec.nodeName"), "n2");
	assert_string_equal(fieldsel_exact_value(sel, "metadata.name"), "x");
	assert_null(fieldsel_exact_value(sel, "metadata.namespace"));
	fieldsel_free(sel);
	assert_int_equal(fieldsel_parse("spec.nodeName=", NULL, &sel, &st), 0);
	assert_string_equal(fieldsel_exact_value(sel, "spec.nodeName"), "");
	fieldsel_free(sel);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fieldsel_empty),
		cmocka_unit_test(test_fieldsel_operators),
		cmocka_unit_test(test_fieldsel_missing_and_typed),
		cmocka_unit_test(test_fieldsel_escapes),
		cmocka_unit_test(test_fieldsel_errors),
		cmocka_unit_test(test_fieldsel_exact_value),
	};

	return cmocka_run_group_tests_name("fieldsel", tests, NULL, NULL);
}
