/* Unit tests for common/selector.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/selector.h"

/* Parse s and match it against the labels given as JSON text. */
static bool
str_matches(const char *s, const char *labels_json)
{
	struct label_selector *sel;
	struct ck_status st;
	cJSON *labels;
	bool m;

	assert_int_equal(selector_parse(s, &sel, &st), 0);
	labels = labels_json ? cJSON_Parse(labels_json) : NULL;
	m = selector_matches(sel, labels);
	/* selector_matches_obj agrees, on a plain and a compact object. */
	{
		cJSON *root = cJSON_CreateObject();
		struct kobj *o, *c;

		cJSON_AddItemToObject(cJSON_AddObjectToObject(root, "metadata"),
		    "labels", labels != NULL ? cJSON_Duplicate(labels, 1) :
		    cJSON_CreateNull());
		o = kobj_new_take(root);
		assert_non_null(o);
		assert_int_equal(selector_matches_obj(sel, o), m);
		c = kobj_compact(kobj_freeze(o));
		assert_true(kobj_is_compact(c));
		assert_int_equal(selector_matches_obj(sel, c), m);
		kobj_unref(c);
		kobj_unref(o);
	}
	cJSON_Delete(labels);
	selector_free(sel);
	return m;
}

static int
str_parse_rc(const char *s, struct ck_status *st)
{
	struct label_selector *sel = (void *)1;
	int rc;

	ck_status_clear(st);
	rc = selector_parse(s, &sel, st);
	if (rc < 0)
		assert_null(sel);
	selector_free(sel);
	return rc;
}

static void
test_selector_empty_matches_everything(void **state)
{
	struct label_selector *sel;
	struct ck_status st;

	(void)state;
	assert_int_equal(selector_parse("", &sel, &st), 0);
	assert_true(selector_is_empty(sel));
	assert_false(selector_is_nothing(sel));
	assert_true(selector_matches(sel, NULL));
	selector_free(sel);
	assert_int_equal(selector_parse("   ", &sel, &st), 0);
	assert_true(selector_is_empty(sel));
	selector_free(sel);
	assert_int_equal(selector_parse(NULL, &sel, &st), 0);
	assert_true(selector_is_empty(sel));
	selector_free(sel);
	assert_true(str_matches("", "{\"a\":\"b\"}"));
}

static void
test_selector_equality(void **state)
{
	(void)state;
	assert_true(str_matches("app=web", "{\"app\":\"web\",\"x\":\"y\"}"));
	assert_true(str_matches("app==web", "{\"app\":\"web\"}"));
	assert_false(str_matches("app=web", "{\"app\":\"db\"}"));
	assert_false(str_matches("app=web", "{}"));
	assert_false(str_matches("app=web", NULL));
	assert_true(str_matches("app!=web", "{\"app\":\"db\"}"));
	assert_true(str_matches("app!=web", "{}"));	/* absent matches != */
	assert_false(str_matches("app!=web", "{\"app\":\"web\"}"));
	assert_true(str_matches("app=web,tier=fe", "{\"app\":\"web\",\"tier\":\"fe\"}"));
	assert_false(str_matches("app=web,tier=fe", "{\"app\":\"web\",\"tier\":\"be\"}"));
	assert_true(str_matches(" app = web , tier != be ", "{\"app\":\"web\"}"));
	/* empty value */
	assert_true(str_matches("app=", "{\"app\":\"\"}"));
	assert_false(str_matches("app=", "{}"));
	assert_true(str_matches("app=,b=c", "{\"app\":\"\",\"b\":\"c\"}"));
	/* a label that is not a string is treated as absent */
	assert_false(str_matches("app=1", "{\"app\":1}"));
}

static void
test_selector_sets(void **state)
{
	(void)state;
	assert_true(str_matches("env in (prod, qa)", "{\"env\":\"qa\"}"));
	assert_false(str_matches("env in (prod,qa)", "{\"env\":\"dev\"}"));
	assert_false(str_matches("env in (prod,qa)", "{}"));
	assert_true(str_matches("env notin (prod,qa)", "{\"env\":\"dev\"}"));
	assert_true(str_matches("env notin (prod,qa)", "{}"));
	assert_false(str_matches("env notin (prod)", "{\"env\":\"prod\"}"));
	assert_true(str_matches("env in ()", "{\"env\":\"\"}"));
	assert_true(str_matches("env in (a,)", "{\"env\":\"\"}"));
	assert_true(str_matches("env in(a),x", "{\"env\":\"a\",\"x\":\"1\"}"));
	/* keywords are accepted as values */
	assert_true(str_matches("k in (in,notin)", "{\"k\":\"in\"}"));
}

static void
test_selector_gt_lt(void **state)
{
	(void)state;
	assert_true(str_matches("gen>2", "{\"gen\":\"3\"}"));
	assert_false(str_matches("gen>3", "{\"gen\":\"3\"}"));
	assert_true(str_matches("gen < 10", "{\"gen\":\"-4\"}"));
	assert_false(str_matches("gen<10", "{\"gen\":\"x\"}"));
	assert_false(str_matches("gen<10", "{}"));
}

static void
test_selector_exists(void **state)
{
	(void)state;
	assert_true(str_matches("app", "{\"app\":\"x\"}"));
	assert_false(str_matches("app", "{\"b\":\"x\"}"));
	assert_true(str_matches("!app", "{\"b\":\"x\"}"));
	assert_true(str_matches("!app", NULL));
	assert_false(str_matches("!app", "{\"app\":\"\"}"));
	assert_true(str_matches("a,!b,c=d", "{\"a\":\"1\",\"c\":\"d\"}"));
	assert_true(str_matches("example.com/app", "{\"example.com/app\":\"1\"}"));
}

static void
test_selector_parse_errors(void **state)
{
	struct ck_status st;

	(void)state;
	assert_int_equal(str_parse_rc("a=b,", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc(",", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a in (b", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a in b", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a in (b c)", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a b", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a=b=c", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a=(b)", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("!", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("!a=b", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a>x", &st), CK_EBADREQ);
	assert_non_null(strstr(st.message, "must be an integer"));
	assert_int_equal(str_parse_rc("a<", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a<(1)", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a>1>2", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("=b", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a=b)", &st), CK_EBADREQ);
	assert_int_equal(st.code, 400);
	assert_non_null(strstr(st.message, "unable to parse requirement"));
	/* invalid key and value syntax */
	assert_int_equal(str_parse_rc("-a=b", &st), CK_EBADREQ);
	assert_non_null(strstr(st.message, "invalid label key"));
	assert_int_equal(str_parse_rc("a=-b", &st), CK_EBADREQ);
	assert_non_null(strstr(st.message, "invalid label value"));
	assert_int_equal(str_parse_rc("a in (x,b$)", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("Foo.com/a=b", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("/a", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a/", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc("a/b/c", &st), CK_EBADREQ);
	assert_int_equal(str_parse_rc(
	    "a=0123456789012345678901234567890123456789012345678901234567890123", &st),
	    CK_EBADREQ);
	assert_int_equal(str_parse_rc(
	    "a=012345678901234567890123456789012345678901234567890123456789012", &st), 0);
	assert_int_equal(str_parse_rc("app.kubernetes.io/name in (web)", &st), 0);
}

static void
test_selector_key_value_validity(void **state)
{
	char big[300];

	(void)state;
	assert_true(selector_is_valid_label_key("app"));
	assert_true(selector_is_valid_label_key("a"));
	assert_true(selector_is_valid_label_key("A_b.c-D"));
	assert_true(selector_is_valid_label_key("kubernetes.io/hostname"));
	assert_true(selector_is_valid_label_key("a-b.c/x"));
	assert_false(selector_is_valid_label_key(""));
	assert_false(selector_is_valid_label_key(NULL));
	assert_false(selector_is_valid_label_key("a_"));
	assert_false(selector_is_valid_label_key("_a"));
	assert_false(selector_is_valid_label_key("Kubernetes.io/x"));
	assert_false(selector_is_valid_label_key("a..b/x"));
	assert_false(selector_is_valid_label_key("-a.b/x"));
	assert_false(selector_is_valid_label_key("a_b/x"));
	assert_false(selector_is_valid_label_key("a b"));
	memset(big, 'a', 64);
	big[64] = '\0';
	assert_false(selector_is_valid_label_key(big));
	big[63] = '\0';
	assert_true(selector_is_valid_label_key(big));
	/* a 254-byte prefix is too long */
	memset(big, 'a', 254);
	big[63] = '.';
	big[127] = '.';
	big[191] = '.';
	big[254] = '/';
	big[255] = 'x';
	big[256] = '\0';
	assert_false(selector_is_valid_label_key(big));
	big[253] = '/';
	big[254] = 'x';
	big[255] = '\0';
	assert_true(selector_is_valid_label_key(big));
	assert_true(selector_is_valid_label_value(""));
	assert_true(selector_is_valid_label_value("v1.2_3-x"));
	assert_false(selector_is_valid_label_value("a/b"));
	assert_false(selector_is_valid_label_value(".a"));
	assert_false(selector_is_valid_label_value(NULL));
}

static int
json_sel(const char *json, struct label_selector **out, struct ck_status *st)
{
	cJSON *j = cJSON_Parse(json);
	int rc;

	assert_non_null(j);
	ck_status_clear(st);
	rc = selector_from_json(j, "spec.selector", out, st);
	cJSON_Delete(j);
	return rc;
}

static bool
json_matches(const char *sel_json, const char *labels_json)
{
	struct label_selector *sel;
	struct ck_status st;
	cJSON *labels = cJSON_Parse(labels_json);
	bool m;

	assert_int_equal(json_sel(sel_json, &sel, &st), 0);
	m = selector_matches(sel, labels);
	selector_free(sel);
	cJSON_Delete(labels);
	return m;
}

static void
test_selector_json_null_and_empty(void **state)
{
	struct label_selector *sel;
	struct ck_status st;
	cJSON *labels = cJSON_Parse("{\"a\":\"b\"}");

	(void)state;
	assert_int_equal(selector_from_json(NULL, "spec.selector", &sel, &st), 0);
	assert_true(selector_is_nothing(sel));
	assert_false(selector_is_empty(sel));
	assert_false(selector_matches(sel, labels));
	selector_free(sel);
	assert_int_equal(json_sel("null", &sel, &st), 0);
	assert_true(selector_is_nothing(sel));
	assert_false(selector_matches(sel, NULL));
	selector_free(sel);
	assert_int_equal(json_sel("{}", &sel, &st), 0);
	assert_true(selector_is_empty(sel));
	assert_true(selector_matches(sel, labels));
	assert_true(selector_matches(sel, NULL));
	selector_free(sel);
	assert_int_equal(json_sel("{\"matchLabels\":{},\"matchExpressions\":[]}", &sel, &st), 0);
	assert_true(selector_is_empty(sel));
	selector_free(sel);
	assert_int_equal(json_sel("{\"matchLabels\":null,\"matchExpressions\":null}",
	    &sel, &st), 0);
	assert_true(selector_is_empty(sel));
	selector_free(sel);
	cJSON_Delete(labels);
	assert_false(selector_matches(NULL, NULL));
	assert_true(selector_is_nothing(NULL));
}

static void
test_selector_json_match(void **state)
{
	(void)state;
	assert_true(json_matches("{\"matchLabels\":{\"app\":\"web\"}}",
	    "{\"app\":\"web\",\"x\":\"1\"}"));
	assert_false(json_matches("{\"matchLabels\":{\"app\":\"web\",\"t\":\"fe\"}}",
	    "{\"app\":\"web\"}"));
	assert_true(json_matches("{\"matchExpressions\":[{\"key\":\"env\",\"operator\":\"In\","
	    "\"values\":[\"a\",\"b\"]}]}", "{\"env\":\"b\"}"));
	assert_false(json_matches("{\"matchExpressions\":[{\"key\":\"env\",\"operator\":\"NotIn\","
	    "\"values\":[\"a\",\"b\"]}]}", "{\"env\":\"b\"}"));
	assert_true(json_matches("{\"matchExpressions\":[{\"key\":\"env\",\"operator\":\"NotIn\","
	    "\"values\":[\"a\"]}]}", "{}"));
	assert_true(json_matches("{\"matchExpressions\":[{\"key\":\"env\",\"operator\":\"Exists\"}]}",
	    "{\"env\":\"\"}"));
	assert_true(json_matches("{\"matchExpressions\":[{\"key\":\"env\","
	    "\"operator\":\"DoesNotExist\",\"values\":[]}]}", "{\"x\":\"\"}"));
	assert_false(json_matches("{\"matchLabels\":{\"app\":\"web\"},\"matchExpressions\":"
	    "[{\"key\":\"env\",\"operator\":\"DoesNotExist\"}]}",
	    "{\"app\":\"web\",\"env\":\"x\"}"));
}

static void
test_selector_json_errors(void **state)
{
	struct label_selector *sel = (void *)1;
	struct ck_status st;

	(void)state;
	assert_int_equal(json_sel("[]", &sel, &st), CK_EINVALID);
	assert_null(sel);
	assert_int_equal(json_sel("{\"matchLabels\":[]}", &sel, &st), CK_EINVALID);
	assert_int_equal(json_sel("{\"matchLabels\":{\"a\":1}}", &sel, &st), CK_EINVALID);
	assert_int_equal(json_sel("{\"matchLabels\":{\"-a\":\"b\"}}", &sel, &st), CK_EINVALID);
	assert_string_equal(st.causes[0].field, "spec.selector.matchLabels");
	assert_int_equal(json_sel("{\"matchLabels\":{\"a\":\"b c\"}}", &sel, &st), CK_EINVALID);
	assert_int_equal(json_sel("{\"matchExpressions\":{}}", &sel, &st), CK_EINVALID);
	assert_int_equal(json_sel("{\"matchExpressions\":[1]}", &sel, &st), CK_EINVALID);
	assert_int_equal(json_sel("{\"matchExpressions\":[{\"operator\":\"Exists\"}]}",
	    &sel, &st), CK_EINVALID);
	assert_string_equal(st.causes[0].field, "spec.selector.matchExpressions[0].key");
	assert_int_equal(json_sel("{\"matchExpressions\":[{\"key\":\"a\"}]}", &sel, &st),
	    CK_EINVALID);
	assert_int_equal(json_sel("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"in\","
	    "\"values\":[\"x\"]}]}", &sel, &st), CK_EINVALID);
	assert_string_equal(st.causes[0].field, "spec.selector.matchExpressions[0].operator");
	assert_non_null(strstr(st.message, "not a valid selector operator"));
	assert_int_equal(st.code, 422);
	assert_int_equal(json_sel("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\"},"
	    "{\"key\":\"a\",\"operator\":\"In\"}]}", &sel, &st), CK_EINVALID);
	assert_string_equal(st.causes[0].field, "spec.selector.matchExpressions[1].values");
	assert_int_equal(json_sel("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\","
	    "\"values\":[]}]}", &sel, &st), CK_EINVALID);
	assert_int_equal(json_sel("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"Exists\","
	    "\"values\":[\"x\"]}]}", &sel, &st), CK_EINVALID);
	assert_int_equal(json_sel("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\","
	    "\"values\":\"x\"}]}", &sel, &st), CK_EINVALID);
	assert_int_equal(json_sel("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\","
	    "\"values\":[\"ok\",\"not ok\"]}]}", &sel, &st), CK_EINVALID);
	assert_string_equal(st.causes[0].field, "spec.selector.matchExpressions[0].values[1]");
	assert_int_equal(json_sel("{\"matchExpressions\":[{\"key\":\"a\",\"operator\":\"In\","
	    "\"values\":[2]}]}", &sel, &st), CK_EINVALID);
	assert_null(sel);
}

static void
test_selector_from_map(void **state)
{
	struct label_selector *sel = (void *)1;
	struct ck_status st;
	cJSON *map = cJSON_Parse("{\"app\":\"web\",\"tier\":\"fe\"}");
	cJSON *labels = cJSON_Parse("{\"app\":\"web\",\"tier\":\"fe\",\"x\":\"1\"}");
	cJSON *bad = cJSON_Parse("{\"app\":\"w b\"}");
	char *s;

	(void)state;
	assert_int_equal(selector_from_map(map, "spec.selector", &sel, &st), 0);
	assert_true(selector_matches(sel, labels));
	assert_true(selector_matches(sel, map));
	s = selector_to_string(sel);
	assert_string_equal(s, "app=web,tier=fe");
	free(s);
	selector_free(sel);
	assert_int_equal(selector_from_map(NULL, NULL, &sel, &st), 0);
	assert_true(selector_is_empty(sel));
	selector_free(sel);
	ck_status_clear(&st);
	assert_int_equal(selector_from_map(bad, "spec.selector", &sel, &st),
	    CK_EINVALID);
	assert_null(sel);
	assert_string_equal(st.causes[0].field, "spec.selector");
	cJSON_Delete(map);
	cJSON_Delete(labels);
	cJSON_Delete(bad);
}

static void
test_selector_to_string(void **state)
{
	struct label_selector *sel;
	struct ck_status st;
	char *s;

	(void)state;
	assert_int_equal(selector_parse("z in (b,a),!y,x,w!=1,v==2,u > 5", &sel, &st), 0);
	s = selector_to_string(sel);
	assert_string_equal(s, "u>5,v=2,w!=1,x,!y,z in (a,b)");
	free(s);
	selector_free(sel);
	assert_int_equal(json_sel("{\"matchLabels\":{\"b\":\"1\",\"a\":\"2\"},"
	    "\"matchExpressions\":[{\"key\":\"c\",\"operator\":\"NotIn\",\"values\":[\"x\"]}]}",
	    &sel, &st), 0);
	s = selector_to_string(sel);
	assert_string_equal(s, "a=2,b=1,c notin (x)");
	free(s);
	selector_free(sel);
	s = selector_to_string(NULL);
	assert_string_equal(s, "");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selector_empty_matches_everything),
		cmocka_unit_test(test_selector_equality),
		cmocka_unit_test(test_selector_sets),
		cmocka_unit_test(test_selector_gt_lt),
		cmocka_unit_test(test_selector_exists),
		cmocka_unit_test(test_selector_parse_errors),
		cmocka_unit_test(test_selector_key_value_validity),
		cmocka_unit_test(test_selector_json_null_and_empty),
		cmocka_unit_test(test_selector_json_match),
		cmocka_unit_test(test_selector_json_errors),
		cmocka_unit_test(test_selector_from_map),
		cmocka_unit_test(test_selector_to_string),
	};

	return cmocka_run_group_tests_name("selector", tests, NULL, NULL);
}
