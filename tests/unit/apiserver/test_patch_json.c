/* Unit tests for apiserver/patch_json.c: RFC 6902 appendix A, errors, atomicity. */
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

/*
 * Apply ops to doc. On success compare with want (JSON equality, members in
 * any order); on failure check the error code and that doc is unchanged.
 */
static void
run(const char *doc, const char *ops, int want_rc, const char *want)
{
	struct ck_status st;
	cJSON *d, *o, *orig, *w;
	char *before, *after;

	d = cJSON_Parse(doc);
	o = cJSON_Parse(ops);
	assert_non_null(d);
	assert_non_null(o);
	orig = d;
	before = cJSON_PrintUnformatted(d);
	ck_status_clear(&st);
	assert_int_equal(patch_json_apply(&d, o, &st), want_rc);
	if (want_rc == 0) {
		w = cJSON_Parse(want);
		assert_non_null(w);
		if (!cJSON_Compare(d, w, 1)) {
			after = cJSON_PrintUnformatted(d);
			fail_msg("got %s, want %s", after, want);
		}
		cJSON_Delete(w);
		assert_int_equal(st.code, 200);
	} else {
		assert_ptr_equal(d, orig);
		after = cJSON_PrintUnformatted(d);
		assert_string_equal(after, before);
		free(after);
		assert_int_equal(st.code, want_rc == CK_EINVALID ? 422 : 400);
		assert_true(strlen(st.message) > 0);
	}
	free(before);
	cJSON_Delete(d);
	cJSON_Delete(o);
}

static void
test_json_rfc6902_appendix_a(void **state)
{
	(void)state;
	/* A.1 */
	run("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
	    0, "{\"baz\":\"qux\",\"foo\":\"bar\"}");
	/* A.2 */
	run("{\"foo\":[\"bar\",\"baz\"]}",
	    "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
	    0, "{\"foo\":[\"bar\",\"qux\",\"baz\"]}");
	/* A.3 */
	run("{\"baz\":\"qux\",\"foo\":\"bar\"}", "[{\"op\":\"remove\",\"path\":\"/baz\"}]",
	    0, "{\"foo\":\"bar\"}");
	/* A.4 */
	run("{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
	    "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]", 0, "{\"foo\":[\"bar\",\"baz\"]}");
	/* A.5 */
	run("{\"baz\":\"qux\",\"foo\":\"bar\"}",
	    "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
	    0, "{\"baz\":\"boo\",\"foo\":\"bar\"}");
	/* A.6 */
	run("{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},\"qux\":{\"corge\":\"grault\"}}",
	    "[{\"op\":\"move\",\"from\":\"/foo/waldo\",\"path\":\"/qux/thud\"}]", 0,
	    "{\"foo\":{\"bar\":\"baz\"},\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}");
	/* A.7 */
	run("{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
	    "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
	    0, "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}");
	/* A.8 */
	run("{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
	    "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
	    "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
	    0, "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}");
	/* A.9 */
	run("{\"baz\":\"qux\"}", "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]",
	    CK_EINVALID, NULL);
	/* A.10 */
	run("{\"foo\":\"bar\"}",
	    "[{\"op\":\"add\",\"path\":\"/child\",\"value\":{\"grandchild\":{}}}]",
	    0, "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}");
	/* A.11 */
	run("{\"foo\":\"bar\"}",
	    "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\",\"xyz\":123}]",
	    0, "{\"foo\":\"bar\",\"baz\":\"qux\"}");
	/* A.12 */
	run("{\"foo\":\"bar\"}", "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]",
	    CK_EINVALID, NULL);
	/* A.13: duplicate "op" */
	run("{\"foo\":\"bar\"}",
	    "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\",\"op\":\"remove\"}]",
	    CK_EBADREQ, NULL);
	/* A.14 */
	run("{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]",
	    0, "{\"/\":9,\"~1\":10}");
	/* A.15 */
	run("{\"/\":9,\"~1\":10}", "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]",
	    CK_EINVALID, NULL);
	/* A.16 */
	run("{\"foo\":[\"bar\"]}",
	    "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
	    0, "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}");
}

static void
test_json_pointer_rules(void **state)
{
	(void)state;
	/* ~1 is '/', ~0 is '~'. */
	run("{\"a/b\":1,\"m~n\":2}",
	    "[{\"op\":\"replace\",\"path\":\"/a~1b\",\"value\":3},"
	    "{\"op\":\"remove\",\"path\":\"/m~0n\"}]", 0, "{\"a/b\":3}");
	/* An empty key is a valid token. */
	run("{\"\":0}", "[{\"op\":\"replace\",\"path\":\"/\",\"value\":1}]", 0, "{\"\":1}");
	/* Leading zeros, signs and "-" are not indexes for remove/replace. */
	run("{\"a\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/a/01\"}]", CK_EINVALID, NULL);
	run("{\"a\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/a/-1\"}]", CK_EINVALID, NULL);
	run("{\"a\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/a/-\"}]", CK_EINVALID, NULL);
	run("{\"a\":[1,2]}", "[{\"op\":\"remove\",\"path\":\"/a/2\"}]", CK_EINVALID, NULL);
	run("{\"a\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/a/3\",\"value\":0}]",
	    CK_EINVALID, NULL);
	run("{\"a\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/a/2\",\"value\":0}]",
	    0, "{\"a\":[1,2,0]}");
	run("{\"a\":[1,2]}", "[{\"op\":\"add\",\"path\":\"/a/0\",\"value\":0}]",
	    0, "{\"a\":[0,1,2]}");
	/* Malformed pointers are bad requests. */
	run("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"a\"}]", CK_EBADREQ, NULL);
	run("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/~2\"}]", CK_EBADREQ, NULL);
	run("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/a~\"}]", CK_EBADREQ, NULL);
	/* Through a scalar: no such path. */
	run("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":1}]", CK_EINVALID, NULL);
}

static void
test_json_ops(void **state)
{
	(void)state;
	/* add replaces an existing member; replace keeps member order. */
	run("{\"a\":1,\"b\":2}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":null}]",
	    0, "{\"a\":null,\"b\":2}");
	/* copy, then the copy is independent. */
	run("{\"a\":{\"x\":[1]}}",
	    "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"},"
	    "{\"op\":\"add\",\"path\":\"/b/x/-\",\"value\":2}]",
	    0, "{\"a\":{\"x\":[1]},\"b\":{\"x\":[1,2]}}");
	/* copy into an array. */
	run("{\"a\":[\"x\"],\"k\":\"v\"}",
	    "[{\"op\":\"copy\",\"from\":\"/k\",\"path\":\"/a/0\"}]",
	    0, "{\"a\":[\"v\",\"x\"],\"k\":\"v\"}");
	/* move to the same place is a no-op; into a child is an error. */
	run("{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]",
	    0, "{\"a\":{\"b\":1}}");
	run("{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/c\"}]",
	    CK_EINVALID, NULL);
	/* move a member into an array; "/ab" is not a child of "/a". */
	run("{\"a\":1,\"l\":[]}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/l/-\"}]",
	    0, "{\"l\":[1]}");
	run("{\"a\":1}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/ab\"}]",
	    0, "{\"ab\":1}");
	/* the whole document. */
	run("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"\",\"value\":[1]}]", 0, "[1]");
	run("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"\",\"value\":{\"b\":2}}]",
	    0, "{\"b\":2}");
	run("{\"a\":1}", "[{\"op\":\"test\",\"path\":\"\",\"value\":{\"a\":1}}]",
	    0, "{\"a\":1}");
	run("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"\"}]", CK_EINVALID, NULL);
	/* test: deep equality, object member order does not matter. */
	run("{\"a\":{\"x\":1,\"y\":[true,null]}}",
	    "[{\"op\":\"test\",\"path\":\"/a\",\"value\":{\"y\":[true,null],\"x\":1}}]",
	    0, "{\"a\":{\"x\":1,\"y\":[true,null]}}");
	run("{\"a\":[1,2]}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":[2,1]}]",
	    CK_EINVALID, NULL);
	/* replace/remove of a missing member. */
	run("{\"a\":1}", "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":1}]",
	    CK_EINVALID, NULL);
	run("{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"/b\"}]", CK_EINVALID, NULL);
	run("{\"a\":1}", "[{\"op\":\"copy\",\"from\":\"/b\",\"path\":\"/c\"}]",
	    CK_EINVALID, NULL);
	/* empty patch. */
	run("{\"a\":1}", "[]", 0, "{\"a\":1}");
}

static void
test_json_malformed(void **state)
{
	(void)state;
	run("{}", "{\"op\":\"add\"}", CK_EBADREQ, NULL);
	run("{}", "[1]", CK_EBADREQ, NULL);
	run("{}", "[{\"path\":\"/a\",\"value\":1}]", CK_EBADREQ, NULL);
	run("{}", "[{\"op\":\"add\",\"value\":1}]", CK_EBADREQ, NULL);
	run("{}", "[{\"op\":\"add\",\"path\":\"/a\"}]", CK_EBADREQ, NULL);
	run("{}", "[{\"op\":\"replace\",\"path\":\"/a\"}]", CK_EBADREQ, NULL);
	run("{}", "[{\"op\":\"test\",\"path\":\"/a\"}]", CK_EBADREQ, NULL);
	run("{\"a\":1}", "[{\"op\":\"move\",\"path\":\"/b\"}]", CK_EBADREQ, NULL);
	run("{\"a\":1}", "[{\"op\":\"copy\",\"path\":\"/b\",\"from\":7}]", CK_EBADREQ, NULL);
	run("{}", "[{\"op\":\"frobnicate\",\"path\":\"/a\"}]", CK_EBADREQ, NULL);
	run("{}", "[{\"op\":1,\"path\":\"/a\"}]", CK_EBADREQ, NULL);
	run("{}", "[{\"op\":\"add\",\"path\":1,\"value\":1}]", CK_EBADREQ, NULL);
}

static void
test_json_atomic(void **state)
{
	struct ck_status st;
	cJSON *d, *o;
	char *out;

	(void)state;
	/* The first ops succeed on the copy, the last fails: nothing changes. */
	run("{\"a\":1,\"l\":[1,2]}",
	    "[{\"op\":\"add\",\"path\":\"/b\",\"value\":2},"
	    "{\"op\":\"remove\",\"path\":\"/a\"},"
	    "{\"op\":\"move\",\"from\":\"/l/0\",\"path\":\"/l/-\"},"
	    "{\"op\":\"remove\",\"path\":\"/nope\"}]", CK_EINVALID, NULL);
	run("{\"a\":1}",
	    "[{\"op\":\"replace\",\"path\":\"\",\"value\":5},"
	    "{\"op\":\"test\",\"path\":\"\",\"value\":6}]", CK_EINVALID, NULL);
	/* A malformed op after good ones: 400 and unchanged. */
	run("{\"a\":1}",
	    "[{\"op\":\"add\",\"path\":\"/b\",\"value\":2},{\"op\":\"nope\",\"path\":\"/\"}]",
	    CK_EBADREQ, NULL);

	/* The message names the failing operation. */
	d = cJSON_Parse("{\"a\":1}");
	o = cJSON_Parse("[{\"op\":\"test\",\"path\":\"/a\",\"value\":1},"
	    "{\"op\":\"remove\",\"path\":\"/x~1y\"}]");
	assert_int_equal(patch_json_apply(&d, o, &st), CK_EINVALID);
	assert_non_null(strstr(st.message, "operation 1 (remove)"));
	assert_non_null(strstr(st.message, "/x~1y"));
	assert_string_equal(st.reason, "Invalid");
	out = cJSON_PrintUnformatted(d);
	assert_string_equal(out, "{\"a\":1}");
	free(out);
	cJSON_Delete(o);

	/* NULL arguments and an absent document. */
	assert_int_equal(patch_json_apply(NULL, d, NULL), CK_EBADREQ);
	assert_int_equal(patch_json_apply(&d, NULL, NULL), CK_EBADREQ);
	cJSON_Delete(d);
	d = NULL;
	o = cJSON_Parse("[{\"op\":\"add\",\"path\":\"\",\"value\":{\"a\":1}}]");
	assert_int_equal(patch_json_apply(&d, o, NULL), 0);
	out = cJSON_PrintUnformatted(d);
	assert_string_equal(out, "{\"a\":1}");
	free(out);
	cJSON_Delete(o);
	cJSON_Delete(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_rfc6902_appendix_a),
		cmocka_unit_test(test_json_pointer_rules),
		cmocka_unit_test(test_json_ops),
		cmocka_unit_test(test_json_malformed),
		cmocka_unit_test(test_json_atomic),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
