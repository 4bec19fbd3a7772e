/* Unit tests for common/codec.c: content types, JSON and YAML bodies, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cJSON.h>

#include "ckube/codec.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

static void
test_codec_kind_of(void **state)
{
	(void)state;
	assert_int_equal(codec_kind_of(NULL), CODEC_JSON);
	assert_int_equal(codec_kind_of(""), CODEC_JSON);
	assert_int_equal(codec_kind_of("application/json"), CODEC_JSON);
	assert_int_equal(codec_kind_of("application/json; charset=utf-8"),
	    CODEC_JSON);
	assert_int_equal(codec_kind_of("Application/JSON"), CODEC_JSON);
	assert_int_equal(codec_kind_of("application/merge-patch+json"), CODEC_JSON);
	assert_int_equal(codec_kind_of("application/json-patch+json"), CODEC_JSON);
	assert_int_equal(codec_kind_of("application/strategic-merge-patch+json"),
	    CODEC_JSON);
	assert_int_equal(codec_kind_of("application/yaml"), CODEC_YAML);
	assert_int_equal(codec_kind_of(" application/apply-patch+yaml ;x=y"),
	    CODEC_YAML);
	assert_int_equal(codec_kind_of("text/yaml"), CODEC_YAML);
	assert_int_equal(codec_kind_of("application/vnd.kubernetes.protobuf"),
	    CODEC_PROTOBUF);
	assert_int_equal(codec_kind_of("text/plain"), CODEC_UNSUPPORTED);
	assert_int_equal(codec_kind_of("application/jsonx"), CODEC_UNSUPPORTED);
	assert_int_equal(codec_kind_of("application/jso"), CODEC_UNSUPPORTED);
}

static void
decode_ok(const char *type, const char *body, int want_object, const char *want)
{
	struct ck_status st;
	cJSON *doc = NULL;
	char *got;

	ck_status_clear(&st);
	if (codec_decode(type, body, strlen(body), want_object, &doc, &st) != 0)
		fail_msg("decode of <%s> as %s failed: %s", body, type, st.message);
	got = cJSON_PrintUnformatted(doc);
	assert_string_equal(got, want);
	free(got);
	cJSON_Delete(doc);
}

static void
decode_err(const char *type, const char *body, size_t len, int want_object,
    int err, int code, const char *want)
{
	struct ck_status st;
	cJSON *doc = (cJSON *)1;

	ck_status_clear(&st);
	assert_int_equal(codec_decode(type, body, len, want_object, &doc, &st), err);
	assert_null(doc);
	assert_int_equal(st.code, code);
	if (strstr(st.message, want) == NULL)
		fail_msg("error for <%.*s> is \"%s\", want \"%s\"",
		    (int)(len > 200 ? 200 : len), body, st.message, want);
}

static void
test_codec_json(void **state)
{
	(void)state;
	decode_ok(NULL, "{\"kind\":\"Pod\"}", 1, "{\"kind\":\"Pod\"}");
	decode_ok("application/json", " {\"a\": [1, 2]}\n\r\n ", 1,
	    "{\"a\":[1,2]}");
	decode_ok("application/json-patch+json", "[{\"op\":\"remove\",\"path\":\"/a\"}]",
	    0, "[{\"op\":\"remove\",\"path\":\"/a\"}]");
	decode_ok("application/merge-patch+json", "{\"a\":null}", 0, "{\"a\":null}");
	/* an escaped backslash before u0000 is text, not NUL */
	decode_ok(NULL, "{\"a\":\"\\\\u0000\"}", 1, "{\"a\":\"\\\\u0000\"}");
}

static void
test_codec_json_errors(void **state)
{
	const char nul[] = "{\"a\":\"x\0y\"}";

	(void)state;
	decode_err(NULL, "{\"a\":1} x", 9, 1, CK_EBADREQ, 400,
	    "json parse error: syntax error near 'x' at line 1, column 9");
	decode_err(NULL, "{\"a\":1}{}", 9, 1, CK_EBADREQ, 400, "near '{'");
	decode_err(NULL, "{\"a\":\n  tru}", 12, 1, CK_EBADREQ, 400,
	    "couldn't get version/kind; json parse error");
	decode_err(NULL, "{\"a\":", 5, 1, CK_EBADREQ, 400, "json parse error");
	decode_err(NULL, "", 0, 1, CK_EBADREQ, 400, "empty");
	decode_err(NULL, nul, sizeof(nul) - 1, 1, CK_EBADREQ, 400, "NUL byte");
	/* \u0000 would be cut short by cJSON: refused (value, key, name) */
	decode_err(NULL, "{\"a\":\"a\\u0000b\"}", 16, 1, CK_EINVALID, 422,
	    "\\u0000 (NUL) in a string at line 1, column 8");
	decode_err(NULL, "{\"k\\u0000\":1}", 13, 1, CK_EINVALID, 422,
	    "NUL is not supported");
	decode_err(NULL, "{\"a\":[\"\\\\\",\n\"x\\u0000../y\"]}", 27, 1,
	    CK_EINVALID, 422, "line 2, column 3");
	/* an escaped quote does not end the string */
	decode_err(NULL, "{\"a\":\"\\\"\\u0000\"}", 16, 1, CK_EINVALID, 422,
	    "column 9");
	decode_err("application/yaml", "a: \"x\\0y\"\n", 10, 1, CK_EBADREQ,
	    400, "NUL character");
	/* above U+10FFFF, overlong '/', a surrogate, a truncated sequence */
	decode_err(NULL, "{\"a\":\"\xf5\x8f\x96\x8c\"}", 12, 1, CK_EBADREQ, 400,
	    "not valid UTF-8");
	decode_err(NULL, "{\"a\":\"\xc0\xaf\"}", 10, 1, CK_EBADREQ, 400, "UTF-8");
	decode_err(NULL, "{\"a\":\"\xed\xa0\x80\"}", 11, 1, CK_EBADREQ, 400, "UTF-8");
	decode_err(NULL, "{\"a\":\"\xe2\x82", 8, 1, CK_EBADREQ, 400, "UTF-8");
	/* an escaped quote does not end the string */
	decode_err(NULL, "{\"a\":\"\\\"\\u0000\"}", 16, 1, CK_EINVALID, 422,
	    "column 9");
	decode_err("application/yaml", "a: \xff", 4, 1, CK_EBADREQ, 400, "UTF-8");
	decode_err(NULL, "[1]", 3, 1, CK_EBADREQ, 400, "must be a JSON object");
	decode_err(NULL, "42", 2, 1, CK_EBADREQ, 400, "not a scalar");
	decode_err(NULL, "\"s\"", 3, 0, CK_EBADREQ, 400, "not a scalar");
	decode_err(NULL, "\x01", 1, 1, CK_EBADREQ, 400, "near byte 0x01");
	decode_err(NULL, "{\"a\":1,\"b\":2,\"a\":3}", 19, 1, CK_EBADREQ, 400,
	    "duplicate field \"a\"");
	decode_err(NULL, "{\"a\":1e400}", 11, 1, CK_EBADREQ, 400, "out of range");
	/* length bounds the parse: the byte after len is not looked at */
	decode_err(NULL, "{\"a\":1}", 6, 1, CK_EBADREQ, 400, "json parse error");
}

static void
test_codec_depth(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	struct ck_status st;
	cJSON *doc = NULL;
	int i;

	(void)state;
	for (i = 0; i < 99; i++)
		strbuf_adds(&sb, "{\"a\":");
	strbuf_adds(&sb, "1");
	for (i = 0; i < 99; i++)
		strbuf_addc(&sb, '}');
	assert_int_equal(codec_decode(NULL, sb.buf, sb.len, 1, &doc, &st), 0);
	cJSON_Delete(doc);
	strbuf_reset(&sb);
	for (i = 0; i < 101; i++)
		strbuf_adds(&sb, "{\"a\":");
	strbuf_adds(&sb, "1");
	for (i = 0; i < 101; i++)
		strbuf_addc(&sb, '}');
	decode_err(NULL, sb.buf, sb.len, 1, CK_EBADREQ, 400, "deeper than 100");
	strbuf_reset(&sb);
	strbuf_addc(&sb, '{');
	for (i = 0; i < 300; i++)
		strbuf_addf(&sb, "\"k%d\":%d,", i, i);
	strbuf_adds(&sb, "\"k7\":0}");
	decode_err(NULL, sb.buf, sb.len, 1, CK_EBADREQ, 400, "duplicate field \"k7\"");
	strbuf_setlen(&sb, sb.len - 7);
	strbuf_adds(&sb, "\"k\":0}");
	assert_int_equal(codec_decode(NULL, sb.buf, sb.len, 1, &doc, &st), 0);
	assert_int_equal(cJSON_GetArraySize(doc), 301);
	cJSON_Delete(doc);
	strbuf_reset(&sb);
	for (i = 0; i < 100000; i++)
		strbuf_addc(&sb, '[');
	/* past cJSON's own limit (1000) too: the depth, not a syntax error */
	decode_err(NULL, sb.buf, sb.len, 0, CK_EBADREQ, 400, "deeper than 100");
	/* an escaped quote does not end the string */
	decode_err(NULL, "{\"a\":\"\\\"\\u0000\"}", 16, 1, CK_EINVALID, 422,
	    "column 9");
	decode_err("application/yaml", sb.buf, sb.len, 0, CK_EBADREQ, 400,
	    "deeper than 100");
	/* brackets inside a string (one with an escaped quote) are no nesting */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "[\"\\\"");
	for (i = 0; i < 2000; i++)
		strbuf_addc(&sb, '[');
	strbuf_adds(&sb, "\" x");
	decode_err(NULL, sb.buf, sb.len, 0, CK_EBADREQ, 400, "syntax error near 'x'");
	strbuf_fini(&sb);
}

static void
test_codec_yaml(void **state)
{
	(void)state;
	decode_ok("application/yaml", "kind: Pod\nmetadata:\n  name: web\n", 1,
	    "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"web\"}}");
	/* JSON sent as YAML */
	decode_ok("application/apply-patch+yaml", "{\"kind\": \"Pod\", \"n\": 3}", 1,
	    "{\"kind\":\"Pod\",\"n\":3}");
	decode_ok("text/yaml", "- op: add\n  path: /a\n  value: 'x'\n", 0,
	    "[{\"op\":\"add\",\"path\":\"/a\",\"value\":\"x\"}]");
	/* an escaped quote does not end the string */
	decode_err(NULL, "{\"a\":\"\\\"\\u0000\"}", 16, 1, CK_EINVALID, 422,
	    "column 9");
	decode_err("application/yaml", "a: 1\na: 2\n", 10, 1, CK_EBADREQ, 400,
	    "yaml: line 2: duplicate key");
	/* an escaped quote does not end the string */
	decode_err(NULL, "{\"a\":\"\\\"\\u0000\"}", 16, 1, CK_EINVALID, 422,
	    "column 9");
	decode_err("application/yaml", "a: 1\n---\nb: 2\n", 14, 1, CK_EBADREQ, 400,
	    "several");
	/* an escaped quote does not end the string */
	decode_err(NULL, "{\"a\":\"\\\"\\u0000\"}", 16, 1, CK_EINVALID, 422,
	    "column 9");
	decode_err("application/yaml", "# nothing\n", 10, 1, CK_EBADREQ, 400,
	    "none");
	/* an escaped quote does not end the string */
	decode_err(NULL, "{\"a\":\"\\\"\\u0000\"}", 16, 1, CK_EINVALID, 422,
	    "column 9");
	decode_err("application/yaml", "- 1\n", 4, 1, CK_EBADREQ, 400,
	    "must be a JSON object");
}

static void
test_codec_unsupported(void **state)
{
	(void)state;
	decode_err("text/plain", "x", 1, 1, CK_ENOTSUP, 415, "unknown format");
	decode_err("application/vnd.kubernetes.protobuf", "k8s\0", 4, 1, CK_ENOTSUP,
	    415, "protobuf");
	{
		struct ck_status st;
		cJSON *doc = NULL;

		ck_status_clear(&st);
		assert_int_equal(codec_decode("text/html", "<p>", 3, 1, &doc, &st),
		    CK_ENOTSUP);
		assert_string_equal(st.reason, "UnsupportedMediaType");
		/* st may be NULL */
		assert_int_equal(codec_decode("text/html", "<p>", 3, 1, &doc, NULL),
		    CK_ENOTSUP);
		assert_int_equal(codec_decode(NULL, "", 0, 1, &doc, NULL),
		    CK_EBADREQ);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_kind_of),
		cmocka_unit_test(test_codec_json),
		cmocka_unit_test(test_codec_json_errors),
		cmocka_unit_test(test_codec_depth),
		cmocka_unit_test(test_codec_yaml),
		cmocka_unit_test(test_codec_unsupported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
