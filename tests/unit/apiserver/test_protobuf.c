/*
 * Unit tests for apiserver/protobuf.c: the k8s envelope, ConfigMap, Secret
 * and Service tables, and robustness (every truncation and many byte flips
 * of a valid body decode or fail cleanly).
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
#include "ckube/strbuf.h"
#include "apiserver.h"
#include "pb_captured.h"

static void
put_varint(struct strbuf *sb, uint64_t v)
{
	while (v >= 0x80) {
		strbuf_addc(sb, (char)(v | 0x80));
		v >>= 7;
	}
	strbuf_addc(sb, (char)v);
}

static void
put_bytes(struct strbuf *sb, int num, const char *p, size_t n)
{
	put_varint(sb, (uint64_t)num << 3 | 2);
	put_varint(sb, n);
	strbuf_add(sb, p, n);
}

static void
put_str(struct strbuf *sb, int num, const char *s)
{
	put_bytes(sb, num, s, strlen(s));
}

static void
put_msg(struct strbuf *sb, int num, struct strbuf *m)
{
	put_bytes(sb, num, m->buf ? m->buf : "", m->len);
	strbuf_fini(m);
}

static void
put_entry(struct strbuf *sb, int num, const char *k, const char *v)
{
	struct strbuf e = STRBUF_INIT;

	put_str(&e, 1, k);
	put_str(&e, 2, v);
	put_msg(sb, num, &e);
}

/* "k8s\0" + Unknown{TypeMeta{av, kind}, raw}. */
static void
envelope(struct strbuf *out, const char *av, const char *kind,
    struct strbuf *raw)
{
	struct strbuf tm = STRBUF_INIT;

	strbuf_add(out, "k8s\0", 4);
	put_str(&tm, 1, av);
	put_str(&tm, 2, kind);
	put_msg(out, 1, &tm);
	put_msg(out, 2, raw);
	put_str(out, 3, "");
	put_str(out, 4, "");
}

static void
configmap_body(struct strbuf *out)
{
	struct strbuf meta = STRBUF_INIT, raw = STRBUF_INIT, ts = STRBUF_INIT;

	put_str(&meta, 1, "cm");
	put_str(&meta, 2, "");
	put_str(&meta, 3, "");
	put_msg(&meta, 8, &ts);			/* empty creationTimestamp */
	put_entry(&meta, 11, "app", "x");
	put_msg(&raw, 1, &meta);
	put_entry(&raw, 2, "n", "123");
	put_entry(&raw, 2, "a", "b");
	envelope(out, "v1", "ConfigMap", &raw);
}

static void
test_protobuf_configmap(void **state)
{
	struct strbuf body = STRBUF_INIT;
	struct ck_status st;
	cJSON *o, *meta;

	(void)state;
	configmap_body(&body);
	assert_int_equal(protobuf_decode(body.buf, body.len, &o, &st), 0);
	assert_string_equal(json_str(o, "kind"), "ConfigMap");
	assert_string_equal(json_str(o, "apiVersion"), "v1");
	meta = json_obj(o, "metadata");
	assert_string_equal(json_str(meta, "name"), "cm");
	assert_null(cJSON_GetObjectItemCaseSensitive(meta, "generateName"));
	assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(meta,
	    "creationTimestamp")));
	assert_string_equal(json_str(json_obj(meta, "labels"), "app"), "x");
	assert_string_equal(json_str(json_obj(o, "data"), "n"), "123");
	assert_string_equal(json_str(json_obj(o, "data"), "a"), "b");
	cJSON_Delete(o);
	strbuf_fini(&body);
}

static void
test_protobuf_secret_bytes_are_base64(void **state)
{
	struct strbuf body = STRBUF_INIT, meta = STRBUF_INIT, raw = STRBUF_INIT;
	struct ck_status st;
	cJSON *o;

	(void)state;
	put_str(&meta, 1, "s");
	put_msg(&raw, 1, &meta);
	put_entry(&raw, 2, "pw", "hunter2");
	put_str(&raw, 3, "Opaque");
	envelope(&body, "v1", "Secret", &raw);
	assert_int_equal(protobuf_decode(body.buf, body.len, &o, &st), 0);
	assert_string_equal(json_str(json_obj(o, "data"), "pw"),
	    "aHVudGVyMg==");
	assert_string_equal(json_str(o, "type"), "Opaque");
	cJSON_Delete(o);
	strbuf_fini(&body);
}

static void
test_protobuf_service_ports(void **state)
{
	struct strbuf body = STRBUF_INIT, meta = STRBUF_INIT, raw = STRBUF_INIT;
	struct strbuf spec = STRBUF_INIT, port = STRBUF_INIT, tp = STRBUF_INIT;
	struct ck_status st;
	cJSON *o, *p;

	(void)state;
	put_str(&meta, 1, "svc");
	put_msg(&raw, 1, &meta);
	put_str(&port, 2, "TCP");
	put_varint(&port, 3 << 3);
	put_varint(&port, 80);
	put_varint(&tp, 1 << 3);		/* type: Int */
	put_varint(&tp, 0);
	put_varint(&tp, 2 << 3);
	put_varint(&tp, 8080);
	put_msg(&port, 4, &tp);
	put_msg(&spec, 1, &port);
	put_str(&spec, 4, "ClusterIP");
	put_msg(&raw, 2, &spec);
	envelope(&body, "v1", "Service", &raw);
	assert_int_equal(protobuf_decode(body.buf, body.len, &o, &st), 0);
	p = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(json_obj(o,
								    "spec"),
				   "ports"),
	    0);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(p, "port")->valueint,
	    80);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(p, "targetPort")
			     ->valueint,
	    8080);
	assert_string_equal(json_str(p, "protocol"), "TCP");
	cJSON_Delete(o);
	strbuf_fini(&body);
}

static void
test_protobuf_rejects(void **state)
{
	struct strbuf body = STRBUF_INIT, raw = STRBUF_INIT;
	struct ck_status st;
	cJSON *o;

	(void)state;
	ck_status_clear(&st);
	assert_int_equal(protobuf_decode("{}", 2, &o, &st), CK_EBADREQ);
	assert_null(o);
	put_str(&raw, 1, "");
	envelope(&body, "example.com/v1", "Widget", &raw);
	assert_int_equal(protobuf_decode(body.buf, body.len, &o, &st),
	    CK_ENOTSUP);
	assert_int_equal(st.code, 415);
	strbuf_fini(&body);
}

static void
test_protobuf_truncations_and_flips(void **state)
{
	struct strbuf body = STRBUF_INIT;
	struct ck_status st;
	char *copy;
	cJSON *o;
	size_t n, i;
	int rc;

	(void)state;
	configmap_body(&body);
	for (n = 0; n < body.len; n++) {
		copy = malloc(n + 1);
		memcpy(copy, body.buf, n);
		rc = protobuf_decode(copy, n, &o, &st);
		if (rc == 0)
			cJSON_Delete(o);
		else
			assert_null(o);
		free(copy);
	}
	srand(42);
	for (i = 0; i < 2000; i++) {
		copy = malloc(body.len);
		memcpy(copy, body.buf, body.len);
		copy[4 + (size_t)rand() % (body.len - 4)] ^=
		    (char)(1 << (rand() % 8));
		rc = protobuf_decode(copy, body.len, &o, &st);
		if (rc == 0)
			cJSON_Delete(o);
		free(copy);
	}
	strbuf_fini(&body);
}

/* Drop nulls, empty objects and arrays, and the top-level status. */
static void
normalize(cJSON *o)
{
	cJSON *it, *next;

	for (it = o->child; it != NULL; it = next) {
		next = it->next;
		if (cJSON_IsObject(it) || cJSON_IsArray(it))
			normalize(it);
		if (cJSON_IsNull(it) || ((cJSON_IsObject(it) ||
		    cJSON_IsArray(it)) && it->child == NULL))
			cJSON_Delete(cJSON_DetachItemViaPointer(o, it));
	}
}

static void
check_captured(const char *name, const unsigned char *pb, size_t len,
    const char *json)
{
	struct ck_status st;
	cJSON *got = NULL, *want;
	char *a, *b;

	if (protobuf_decode((const char *)pb, len, &got, &st) != 0)
		fail_msg("%s: %s", name, st.message);
	if (json[0] == '\0') {
		cJSON_Delete(got);
		return;
	}
	want = cJSON_Parse(json);
	assert_non_null(want);
	cJSON_DeleteItemFromObject(want, "status");
	normalize(want);
	normalize(got);
	if (!cJSON_Compare(got, want, 1)) {
		a = cJSON_PrintUnformatted(got);
		b = cJSON_PrintUnformatted(want);
		print_error("%s:\n got  %s\n want %s\n", name, a, b);
		free(a);
		free(b);
		fail_msg("%s decodes differently", name);
	}
	cJSON_Delete(got);
	cJSON_Delete(want);
}

/* Every body kubectl 1.32's generators sent decodes to their JSON. */
static void
test_protobuf_captured_generators(void **state)
{
	(void)state;
#define X(n) check_captured(#n, cap_##n##_pb, sizeof(cap_##n##_pb), \
	    cap_##n##_json);
	PB_CAPTURED(X)
#undef X
}

static void
test_protobuf_ssar_and_delete_options(void **state)
{
	static const unsigned char delopts[] = { 0x6b, 0x38, 0x73, 0x00, 0x0a,
		0x13, 0x0a, 0x02, 'v', '1', 0x12, 0x0d, 'D', 'e', 'l', 'e',
		't', 'e', 'O', 'p', 't', 'i', 'o', 'n', 's', 0x12, 0x00, 0x1a,
		0x00, 0x22, 0x00 };
	struct ck_status st;
	cJSON *o, *ra;

	(void)state;
	assert_int_equal(protobuf_decode((const char *)cap_ssar_pb,
	    sizeof(cap_ssar_pb), &o, &st), 0);
	ra = json_obj(json_obj(o, "spec"), "resourceAttributes");
	assert_string_equal(json_str(ra, "namespace"), "default");
	assert_string_equal(json_str(ra, "verb"), "list");
	assert_string_equal(json_str(ra, "resource"), "pods");
	cJSON_Delete(o);
	assert_int_equal(protobuf_decode((const char *)delopts,
	    sizeof(delopts), &o, &st), 0);
	assert_string_equal(json_str(o, "kind"), "DeleteOptions");
	cJSON_Delete(o);
}

/* A policy/v1 Eviction (kubectl's protobuf form): name and deleteOptions. */
static void
test_protobuf_eviction(void **state)
{
	struct strbuf meta = STRBUF_INIT, raw = STRBUF_INIT, opts = STRBUF_INIT,
		      pre = STRBUF_INIT, body = STRBUF_INIT;
	struct ck_status st;
	cJSON *o, *d;

	(void)state;
	put_str(&meta, 1, "web-1");
	put_str(&meta, 3, "default");
	put_msg(&raw, 1, &meta);
	put_varint(&opts, 1 << 3 | 0);		/* gracePeriodSeconds */
	put_varint(&opts, 5);
	put_str(&pre, 1, "u-1");
	put_msg(&opts, 2, &pre);		/* preconditions.uid */
	put_msg(&raw, 2, &opts);
	envelope(&body, "policy/v1", "Eviction", &raw);
	assert_int_equal(protobuf_decode(body.buf, body.len, &o, &st), 0);
	assert_string_equal(json_str(o, "kind"), "Eviction");
	assert_string_equal(json_str(json_obj(o, "metadata"), "name"), "web-1");
	d = json_obj(o, "deleteOptions");
	assert_non_null(d);
	assert_int_equal(cJSON_GetObjectItem(d, "gracePeriodSeconds")->valueint,
	    5);
	assert_string_equal(json_str(json_obj(d, "preconditions"), "uid"),
	    "u-1");
	cJSON_Delete(o);
	strbuf_fini(&body);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_protobuf_configmap),
		cmocka_unit_test(test_protobuf_secret_bytes_are_base64),
		cmocka_unit_test(test_protobuf_service_ports),
		cmocka_unit_test(test_protobuf_rejects),
		cmocka_unit_test(test_protobuf_captured_generators),
		cmocka_unit_test(test_protobuf_ssar_and_delete_options),
		cmocka_unit_test(test_protobuf_eviction),
		cmocka_unit_test(test_protobuf_truncations_and_flips),
	};

	return cmocka_run_group_tests_name("protobuf", tests, NULL, NULL);
}
