/* Unit tests for common/yamljson.c: typing, errors, aliases, round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "ckube/yamljson.h"

/* Parse one document and compare its compact JSON with want. */
static void
check_json(const char *yaml, const char *want)
{
	struct ck_status st;
	cJSON *doc = NULL;
	char *got;
	int rc;

	ck_status_clear(&st);
	rc = yamljson_parse_one(yaml, strlen(yaml), &doc, &st);
	if (rc != 0)
		fail_msg("parse of <%s> failed: %s", yaml, st.message);
	got = cJSON_PrintUnformatted(doc);
	assert_string_equal(got, want);
	free(got);
	cJSON_Delete(doc);
}

/* Parse must fail with a message containing want. */
static void
check_error(const char *yaml, const char *want)
{
	struct ck_status st;
	cJSON *doc = NULL;
	int rc;

	ck_status_clear(&st);
	rc = yamljson_parse_one(yaml, strlen(yaml), &doc, &st);
	assert_int_equal(rc, CK_EBADREQ);
	assert_null(doc);
	assert_int_equal(st.code, 400);
	if (strstr(st.message, want) == NULL)
		fail_msg("error for <%s> is \"%s\", want \"%s\"", yaml,
		    st.message, want);
}

static void
test_yamljson_typing(void **state)
{
	(void)state;
	check_json("a: true\nb: 'true'\nc: \"123\"\nd: 123\ne: yes\nf: ~\ng:\n"
	    "h: null\ni: 'null'\nj: 1.5\nk: 0755\nl: 0x1F\nm: 0o17\nn: -7\n"
	    "o: 1e3\np: FALSE\nq: on\nr: 1.10\ns: .5\n",
	    "{\"a\":true,\"b\":\"true\",\"c\":\"123\",\"d\":123,\"e\":\"yes\","
	    "\"f\":null,\"g\":null,\"h\":null,\"i\":\"null\",\"j\":1.5,"
	    "\"k\":755,\"l\":31,\"m\":15,\"n\":-7,\"o\":1000,\"p\":false,"
	    "\"q\":\"on\",\"r\":1.1,\"s\":0.5}");
	check_json("block: |\n  line1\n  line2\nfolded: >\n  a\n  b\n",
	    "{\"block\":\"line1\\nline2\\n\",\"folded\":\"a b\\n\"}");
	check_json("[1, \"x\", [], {}]", "[1,\"x\",[],{}]");
	check_json("s: 1.2.3\nt: 10.0.0.1\nu: nginx:1.25\n",
	    "{\"s\":\"1.2.3\",\"t\":\"10.0.0.1\",\"u\":\"nginx:1.25\"}");
	check_json("123456789012345: 1\n", "{\"123456789012345\":1}");
	check_json("a: 123456789012345\n", "{\"a\":123456789012345}");
	check_json("1: a\ntrue: b\n", "{\"1\":\"a\",\"true\":\"b\"}");
}

static void
test_yamljson_tags(void **state)
{
	(void)state;
	check_json("a: !!str 42\nb: !!int \"42\"\nc: !!float 1\nd: !!bool 'true'\n"
	    "e: !!null ''\nf: ! 12\ng: !!map {x: 1}\nh: !!seq [1]\n",
	    "{\"a\":\"42\",\"b\":42,\"c\":1,\"d\":true,\"e\":null,\"f\":\"12\","
	    "\"g\":{\"x\":1},\"h\":[1]}");
	check_error("a: !!int abc\n", "line 1: invalid !!int value");
	check_error("a: !!bool yes\n", "invalid !!bool");
	check_error("a: !custom x\n", "unsupported tag !custom");
	check_error("a: !!str {x: 1}\n", "unsupported tag");
}

static void
test_yamljson_errors(void **state)
{
	(void)state;
	check_error("a: 1\na: 2\n", "yaml: line 2: duplicate key \"a\"");
	check_error("x: 12345678901234567890\n", "line 1: integer");
	check_error("x: 1234567890123456\n", "too large");
	check_error("x: 0xFFFFFFFFFFFFFFF\n", "too large");
	check_error("a: [1, 2\n", "yaml: line 2:");
	check_error("k: .inf\n", "not representable");
	check_error("k: -.Inf\n", "not representable");
	check_error("k: .nan\n", "not representable");
	check_error("k: 1e999\n", "out of range");
	check_error("? [1,2]\n: v\n", "non-scalar mapping key");
	check_error("? {a: 1}\n: v\n", "non-scalar mapping key");
	check_error("{[1]: 2}\n", "non-scalar mapping key");
	check_error("base: &b {x: 1}\nd:\n  <<: *b\n", "merge keys");
	check_error("a: *nope\n", "unknown anchor");
	check_error("a: \"x\\0y\"\n", "NUL");
	check_error("a: 1\n---\nb: 2\n", "found several");
	check_error("", "found none");
	check_error("---\n# only a comment\n", "found none");
	check_error("a: b: c\n", "yaml: line 1:");
	check_error("\t- a\n", "yaml: line 1:");
}

static void
test_yamljson_duplicate_in_big_mapping(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 200; i++)
		strbuf_addf(&sb, "k%d: %d\n", i, i);
	strbuf_addf(&sb, "k150: again\n");
	check_error(sb.buf, "duplicate key \"k150\"");
	strbuf_setlen(&sb, 0);
	for (i = 0; i < 200; i++)
		strbuf_addf(&sb, "k%d: %d\n", i, i);
	{
		struct ck_status st;
		cJSON *doc = NULL;

		assert_int_equal(yamljson_parse_one(sb.buf, sb.len, &doc, &st), 0);
		assert_int_equal(cJSON_GetArraySize(doc), 200);
		cJSON_Delete(doc);
	}
	strbuf_fini(&sb);
}

static void
test_yamljson_depth_limit(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 99; i++)
		strbuf_addc(&sb, '[');
	for (i = 0; i < 99; i++)
		strbuf_addc(&sb, ']');
	{
		struct ck_status st;
		cJSON *doc = NULL;

		assert_int_equal(yamljson_parse_one(sb.buf, sb.len, &doc, &st), 0);
		cJSON_Delete(doc);
	}
	strbuf_reset(&sb);
	for (i = 0; i < 5000; i++)
		strbuf_addc(&sb, '[');
	check_error(sb.buf, "nesting deeper than 100");
	strbuf_fini(&sb);
}

static void
test_yamljson_aliases(void **state)
{
	const char *bomb =
	    "a: &a [x, x, x, x, x, x, x, x, x]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n";

	(void)state;
	check_json("x: &v {k: 1}\ny: *v\nz: &s hello\nw: *s\n",
	    "{\"x\":{\"k\":1},\"y\":{\"k\":1},\"z\":\"hello\",\"w\":\"hello\"}");
	check_json("a: &x [1, *x]\n", "{\"a\":[1,[1]]}");
	check_json("k: &k key\n*k : v\n", "{\"k\":\"key\",\"key\":\"v\"}");
	check_json("&k a: 1\nb: *k\n", "{\"a\":1,\"b\":\"a\"}");
	check_error(bomb, "alias expansion too large");
	check_error("a: &m {x: 1}\n*m : v\n", "non-scalar mapping key");
}

struct collect {
	int	n;
	char	names[4][32];
};

static int
collect_doc(cJSON *doc, void *arg)
{
	struct collect *c = arg;
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "kind");

	if (c->n < 4 && cJSON_IsString(kind))
		ck_strlcpy(c->names[c->n], kind->valuestring, sizeof(c->names[0]));
	c->n++;
	cJSON_Delete(doc);
	return c->n == 3 ? 7 : 0;
}

static void
test_yamljson_multi_document(void **state)
{
	const char *y = "# comment\n---\n---\nkind: A\n---\n~\n---\nkind: B\n...\n"
	    "---\nkind: C\n---\nkind: D\n";
	struct collect c;
	struct ck_status st;

	(void)state;
	memset(&c, 0, sizeof(c));
	/* the callback's non-zero result stops the stream and comes back */
	assert_int_equal(yamljson_parse(y, strlen(y), collect_doc, &c, &st), 7);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.names[0], "A");
	assert_string_equal(c.names[1], "B");
	assert_string_equal(c.names[2], "C");
	/* not NUL-terminated: only the first len bytes count */
	memset(&c, 0, sizeof(c));
	assert_int_equal(yamljson_parse("kind: A\nkind: B", 7, collect_doc, &c,
	    &st), 0);
	assert_int_equal(c.n, 1);
	/* error in a later document after earlier ones were delivered */
	memset(&c, 0, sizeof(c));
	assert_int_equal(yamljson_parse("kind: A\n---\na: [\n", 17, collect_doc,
	    &c, &st), CK_EBADREQ);
	assert_int_equal(c.n, 1);
	assert_non_null(strstr(st.message, "yaml: line"));
}

static void
round_trip(const char *json)
{
	struct strbuf sb = STRBUF_INIT;
	struct ck_status st;
	cJSON *in, *back = NULL;

	in = cJSON_Parse(json);
	assert_non_null(in);
	assert_int_equal(yamljson_emit(in, &sb), 0);
	if (yamljson_parse_one(sb.buf, sb.len, &back, &st) != 0)
		fail_msg("re-parse of\n%s\nfailed: %s", sb.buf, st.message);
	if (!cJSON_Compare(in, back, 1)) {
		char *a = cJSON_PrintUnformatted(back);

		fail_msg("round trip of %s gave %s via\n%s", json, a, sb.buf);
	}
	cJSON_Delete(in);
	cJSON_Delete(back);
	strbuf_fini(&sb);
}

static void
test_yamljson_emit_round_trip(void **state)
{
	(void)state;
	round_trip("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
	    "{\"name\":\"x\",\"labels\":{\"app\":\"web\",\"tier\":\"123\"}},"
	    "\"data\":{\"a\":\"true\",\"b\":\"null\",\"c\":\"\",\"d\":\"1.5\","
	    "\"e\":\"~\",\"f\":\"0x10\",\"g\":\".inf\",\"h\":\"line1\\nline2\\n\","
	    "\"i\":\" lead\",\"j\":\"trail \",\"k\":\"a: b\",\"l\":\"- x\","
	    "\"m\":\"#c\",\"n\":\"yes\",\"o\":\"\\ttab\",\"p\":\"é ü\","
	    "\"q\":\"'\\\"\",\"r\":\"<<\",\"s\":\"multi\\n  indented\\n\\n\"}}");
	round_trip("{\"n\":[1,-2,3.25,1e+20,1.5e-07,0,123456789012345,"
	    "0.1,91971009519714976,-1e15,1e15,true,false,null],\"e\":{},\"l\":[],\"nest\":[[1,[2]],{\"a\":[]}]}");
	round_trip("{\"true\":1,\"123\":2,\"\":3,\"null\":4}");
	round_trip("[\"a\",{\"b\":[{\"c\":\"d\"}]}]");
	round_trip("\"just a string\"");
	round_trip("42");
}

static void
test_yamljson_emit_text(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *doc;

	(void)state;
	doc = cJSON_Parse("{\"a\":\"123\",\"b\":[1,\"x\"],\"c\":{}}");
	assert_int_equal(yamljson_emit(doc, &sb), 0);
	assert_string_equal(sb.buf, "a: \"123\"\nb:\n- 1\n- x\nc: {}\n");
	/* a second document is separated */
	assert_int_equal(yamljson_emit(doc, &sb), 0);
	assert_non_null(strstr(sb.buf, "c: {}\n---"));
	cJSON_Delete(doc);
	/* non-finite numbers cannot be written; the buffer is left as it was */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "keep");
	doc = cJSON_CreateNumber(0.0 / 0.0);
	assert_int_equal(yamljson_emit(doc, &sb), CK_EINVALID);
	assert_string_equal(sb.buf, "keep");
	cJSON_Delete(doc);
	strbuf_fini(&sb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yamljson_typing),
		cmocka_unit_test(test_yamljson_tags),
		cmocka_unit_test(test_yamljson_errors),
		cmocka_unit_test(test_yamljson_duplicate_in_big_mapping),
		cmocka_unit_test(test_yamljson_depth_limit),
		cmocka_unit_test(test_yamljson_aliases),
		cmocka_unit_test(test_yamljson_multi_document),
		cmocka_unit_test(test_yamljson_emit_round_trip),
		cmocka_unit_test(test_yamljson_emit_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
