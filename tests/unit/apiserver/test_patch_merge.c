/* Unit tests for apiserver/patch_merge.c: RFC 7386 appendix A and more. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "patch.h"

/* Apply patch text to doc text; return the result printed (caller frees). */
static char *
merge(const char *doc, const char *patch)
{
	struct ck_status st;
	cJSON *d, *p;
	char *out;

	d = cJSON_Parse(doc);
	p = cJSON_Parse(patch);
	assert_non_null(d);
	assert_non_null(p);
	ck_status_clear(&st);
	assert_int_equal(patch_merge_apply(&d, p, &st), 0);
	out = cJSON_PrintUnformatted(d);
	cJSON_Delete(d);
	cJSON_Delete(p);
	return out;
}

static void
check(const char *doc, const char *patch, const char *want)
{
	char *got = merge(doc, patch);

	assert_string_equal(got, want);
	free(got);
}

static void
test_merge_rfc7386_appendix_a(void **state)
{
	(void)state;
	check("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	check("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}");
	check("{\"a\":\"b\"}", "{\"a\":null}", "{}");
	check("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}");
	check("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}");
	check("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}");
	check("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
	    "{\"a\":{\"b\":\"d\"}}");
	check("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}");
	check("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]");
	check("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]");
	check("{\"a\":\"foo\"}", "null", "null");
	check("{\"a\":\"foo\"}", "\"bar\"", "\"bar\"");
	check("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}");
	check("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}");
	check("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}");
}

static void
test_merge_keeps_order_and_nests(void **state)
{
	(void)state;
	/* Members keep their place; nested objects merge, not replace. */
	check("{\"metadata\":{\"name\":\"x\",\"labels\":{\"a\":\"1\",\"b\":\"2\"}},"
	    "\"spec\":{\"replicas\":1}}",
	    "{\"metadata\":{\"labels\":{\"a\":null,\"c\":\"3\"}},\"spec\":{\"replicas\":3}}",
	    "{\"metadata\":{\"name\":\"x\",\"labels\":{\"b\":\"2\",\"c\":\"3\"}},"
	    "\"spec\":{\"replicas\":3}}");
	/* An object replaces a scalar, without its nulls. */
	check("{\"a\":1}", "{\"a\":{\"x\":null,\"y\":2}}", "{\"a\":{\"y\":2}}");
	/* Empty patch: no change. */
	check("{\"a\":1}", "{}", "{\"a\":1}");
}

static void
test_merge_absent_document(void **state)
{
	struct ck_status st;
	cJSON *d = NULL, *p = cJSON_Parse("{\"a\":{\"b\":null,\"c\":1}}");
	char *out;

	(void)state;
	assert_int_equal(patch_merge_apply(&d, p, &st), 0);
	out = cJSON_PrintUnformatted(d);
	assert_string_equal(out, "{\"a\":{\"c\":1}}");
	free(out);
	cJSON_Delete(d);
	cJSON_Delete(p);
}

static void
test_merge_errors_leave_target(void **state)
{
	struct ck_status st;
	cJSON *d = cJSON_Parse("{\"a\":1}"), *orig = d;
	char *out;

	(void)state;
	ck_status_clear(&st);
	assert_int_equal(patch_merge_apply(&d, NULL, &st), CK_EBADREQ);
	assert_int_equal(st.code, 400);
	assert_ptr_equal(d, orig);
	out = cJSON_PrintUnformatted(d);
	assert_string_equal(out, "{\"a\":1}");
	free(out);
	assert_int_equal(patch_merge_apply(NULL, d, NULL), CK_EBADREQ);
	cJSON_Delete(d);
}

static void
test_merge_patch_not_aliased(void **state)
{
	struct ck_status st;
	cJSON *d = cJSON_Parse("{\"a\":1}");
	cJSON *p = cJSON_Parse("{\"b\":{\"c\":[1,2]}}");
	char *out;

	(void)state;
	assert_int_equal(patch_merge_apply(&d, p, &st), 0);
	/* The result owns copies: freeing the patch must not touch it. */
	cJSON_Delete(p);
	out = cJSON_PrintUnformatted(d);
	assert_string_equal(out, "{\"a\":1,\"b\":{\"c\":[1,2]}}");
	free(out);
	cJSON_Delete(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_rfc7386_appendix_a),
		cmocka_unit_test(test_merge_keeps_order_and_nests),
		cmocka_unit_test(test_merge_absent_document),
		cmocka_unit_test(test_merge_errors_leave_target),
		cmocka_unit_test(test_merge_patch_not_aliased),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
