/*
 * Unit tests for the schema table (openapi_schema.c) and the documents
 * built from it (openapi_doc.c, openapi_pb.c): every served kind has a
 * schema, every reference resolves in each document, the protobuf is a
 * well-formed gnostic Document, valid 1.32 manifests pass Strict, and
 * typed decoding refuses what Go's encoding/json would.
 */
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
#include "apiserver.h"
#include "convert.h"
#include "openapi.h"

static void
test_table_sorted_and_refs_in_range(void **state)
{
	const struct openapi_def *d;
	const struct openapi_prop *p;
	size_t i, k;

	(void)state;
	assert_true(openapi_ndefs > 100);
	for (i = 0; i < openapi_ndefs; i++) {
		d = &openapi_defs[i];
		if (i > 0)
			assert_true(strcmp(openapi_defs[i - 1].name,
			    d->name) < 0);
		assert_non_null(d->desc);
		for (k = 0; k < d->nprops; k++) {
			p = &d->props[k];
			if (k > 0)
				assert_true(strcmp(d->props[k - 1].name,
				    p->name) < 0);
			assert_non_null(p->desc);
			if (p->type == OA_REF || p->item == OA_REF) {
				assert_true(p->ref >= 0);
				assert_true((size_t)p->ref < openapi_ndefs);
			} else {
				assert_int_equal(p->ref, -1);
			}
			assert_ptr_equal(openapi_def_prop(d, p->name), p);
		}
	}
}

/*
 * Every stored row of the registry (and autoscaling/v1, converted but with
 * its own fields) has its kind's schema.
 */
static void
test_every_served_kind_has_a_schema(void **state)
{
	const struct api_resource *rows;
	const struct openapi_def *d;
	size_t n, i;

	(void)state;
	rows = registry_all(&n);
	for (i = 0; i < n; i++) {
		if (convert_stored_row(&rows[i]) != NULL &&
		    strcmp(rows[i].version, "v1") != 0)
			continue;
		d = openapi_def_of_kind(rows[i].group, rows[i].version,
		    rows[i].kind);
		if (d == NULL)
			fail_msg("no schema for %s/%s %s", rows[i].group,
			    rows[i].version, rows[i].kind);
		assert_non_null(openapi_def_prop(d, "metadata"));
		assert_non_null(openapi_def_prop(d, "apiVersion"));
	}
	d = openapi_def_of_kind("", "v1", "Pod");
	assert_string_equal(d->name, "io.k8s.api.core.v1.Pod");
	d = openapi_prop_def(openapi_def_prop(d, "spec"));
	assert_string_equal(d->name, "io.k8s.api.core.v1.PodSpec");
	d = openapi_prop_def(openapi_def_prop(d, "containers"));
	assert_string_equal(d->name, "io.k8s.api.core.v1.Container");
	assert_string_equal(openapi_def_prop(openapi_def_of_kind("", "v1",
	    "Pod"), "spec")->desc, "The desired state, as set by the user.");
}

/* Check every "$ref" under o names a member of defs (prefix stripped). */
static size_t
check_refs(const cJSON *o, const cJSON *defs, const char *prefix)
{
	const cJSON *it;
	size_t n = 0;

	if (cJSON_IsString(o) && o->string != NULL &&
	    strcmp(o->string, "$ref") == 0) {
		if (strncmp(o->valuestring, prefix, strlen(prefix)) != 0 ||
		    cJSON_GetObjectItemCaseSensitive(defs,
		    o->valuestring + strlen(prefix)) == NULL)
			fail_msg("dangling $ref %s", o->valuestring);
		return 1;
	}
	cJSON_ArrayForEach(it, o)
		n += check_refs(it, defs, prefix);
	return n;
}

static cJSON *
parse_doc(const char *body, size_t len)
{
	cJSON *o;

	assert_non_null(body);
	assert_int_equal(strlen(body), len);
	o = cJSON_Parse(body);
	assert_non_null(o);
	return o;
}

static void
test_v3_documents_resolve(void **state)
{
	const struct api_resource *rows;
	const char *body, *etag, *etag2;
	const struct openapi_def *d;
	char key[192];
	cJSON *o, *schemas, *s, *gvk;
	size_t n, i, len;

	(void)state;
	rows = registry_all(&n);
	for (i = 0; i < n; i++) {
		if (rows[i].group[0] == '\0')
			snprintf(key, sizeof(key), "api/%s", rows[i].version);
		else
			snprintf(key, sizeof(key), "apis/%s/%s", rows[i].group,
			    rows[i].version);
		body = openapi_doc_v3(key, &len, &etag);
		o = parse_doc(body, len);
		assert_int_equal(etag[0], '"');
		schemas = cJSON_GetObjectItem(cJSON_GetObjectItem(o,
		    "components"), "schemas");
		/* A kind without a schema is left out (checked above). */
		d = openapi_def_of_kind(rows[i].group, rows[i].version,
		    rows[i].kind);
		if (d != NULL) {
			assert_true(check_refs(o, schemas,
			    "#/components/schemas/") > 0);
			s = cJSON_GetObjectItemCaseSensitive(schemas, d->name);
			assert_non_null(s);
			gvk = cJSON_GetArrayItem(cJSON_GetObjectItem(s,
			    "x-kubernetes-group-version-kind"), 0);
			assert_string_equal(json_str(gvk, "kind"),
			    rows[i].kind);
		}
		if (strcmp(rows[i].version, "v1") != 0 &&
		    convert_stored_row(&rows[i]) != NULL)
			assert_true(strstr(body, rows[i].kind) != NULL);
		cJSON_Delete(o);
		/* Cached: the same bytes again. */
		assert_ptr_equal(openapi_doc_v3(key, &len, &etag2), body);
	}
	assert_null(openapi_doc_v3("apis/nope/v1", &len, &etag));
	assert_null(openapi_doc_v3("api/v2", &len, &etag));
	assert_null(openapi_doc_v3("apis/apps/v1/extra", &len, &etag));
	assert_int_equal(strlen(openapi_doc_hash()), 16);
}

static void
test_v3_shapes(void **state)
{
	const char *body, *etag;
	cJSON *o, *schemas, *c, *p;
	size_t len;

	(void)state;
	body = openapi_doc_v3("api/v1", &len, &etag);
	o = parse_doc(body, len);
	schemas = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "components"),
	    "schemas");
	c = cJSON_GetObjectItem(cJSON_GetObjectItem(schemas,
	    "io.k8s.api.core.v1.PodSpec"), "properties");
	p = cJSON_GetObjectItem(c, "containers");
	assert_string_equal(json_str(p, "type"), "array");
	assert_string_equal(json_str(p, "x-kubernetes-patch-merge-key"),
	    "name");
	assert_string_equal(json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(
	    cJSON_GetObjectItem(p, "items"), "allOf"), 0), "$ref"),
	    "#/components/schemas/io.k8s.api.core.v1.Container");
	p = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    schemas, "io.k8s.api.core.v1.Container"), "properties"), "ports");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(p,
	    "x-kubernetes-list-map-keys"), 1)->valuestring, "protocol");
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    schemas, "io.k8s.apimachinery.pkg.util.intstr.IntOrString"),
	    "x-kubernetes-int-or-string")));
	assert_non_null(cJSON_GetObjectItem(cJSON_GetObjectItem(schemas,
	    "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), "properties"));
	cJSON_Delete(o);
}

static void
test_v2_json_resolves(void **state)
{
	const char *body, *etag;
	cJSON *o, *defs;
	size_t len;

	(void)state;
	body = openapi_doc_v2(0, &len, &etag);
	o = parse_doc(body, len);
	assert_string_equal(json_str(o, "swagger"), "2.0");
	defs = cJSON_GetObjectItem(o, "definitions");
	assert_int_equal((size_t)cJSON_GetArraySize(defs), openapi_ndefs);
	assert_true(check_refs(defs, defs, "#/definitions/") > 0);
	cJSON_Delete(o);
}

/* ---- a minimal protobuf reader, to check the v2 document's frame ---- */

struct rd {
	const unsigned char	*p, *end;
};

static uint64_t
rd_varint(struct rd *r)
{
	uint64_t v = 0;
	int shift = 0;

	while (r->p < r->end) {
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		if (!(*r->p++ & 0x80))
			return v;
		shift += 7;
		assert_true(shift < 64);
	}
	fail_msg("truncated varint");
	return 0;
}

/* The next length-delimited field: its number, and a reader over it. */
static int
rd_field(struct rd *r, struct rd *sub)
{
	uint64_t key = rd_varint(r), n;

	assert_int_equal(key & 7, 2);	/* we only write bytes */
	n = rd_varint(r);
	assert_true(n <= (uint64_t)(r->end - r->p));
	sub->p = r->p;
	sub->end = r->p + n;
	r->p += n;
	return (int)(key >> 3);
}

/* Walk a Schema message recursively: every field must parse. */
static void
walk_schema(struct rd *r, int depth)
{
	struct rd sub, inner, s2;
	int f;

	assert_true(depth < 40);
	while (r->p < r->end) {
		f = rd_field(r, &sub);
		if (f == 23 || f == 21) {	/* items, additionalProperties */
			while (sub.p < sub.end) {
				rd_field(&sub, &inner);
				walk_schema(&inner, depth + 1);
			}
		} else if (f == 25) {		/* properties */
			while (sub.p < sub.end) {
				assert_int_equal(rd_field(&sub, &inner), 1);
				assert_int_equal(rd_field(&inner, &s2), 1);
				assert_int_equal(rd_field(&inner, &s2), 2);
				walk_schema(&s2, depth + 1);
			}
		}
	}
}

static void
test_v2_protobuf_frame(void **state)
{
	const char *body, *etag;
	struct rd r, sub, ns, v;
	size_t len, ndefs = 0;
	bool pod = false;
	int f;

	(void)state;
	body = openapi_doc_v2(1, &len, &etag);
	assert_non_null(body);
	r.p = (const unsigned char *)body;
	r.end = r.p + len;
	while (r.p < r.end) {
		f = rd_field(&r, &sub);
		if (f == 1)
			assert_memory_equal(sub.p, "2.0", 3);
		if (f != 9)
			continue;
		while (sub.p < sub.end) {
			assert_int_equal(rd_field(&sub, &ns), 1);
			assert_int_equal(rd_field(&ns, &v), 1);
			if ((size_t)(v.end - v.p) == strlen(
			    "io.k8s.api.core.v1.Pod") && memcmp(v.p,
			    "io.k8s.api.core.v1.Pod", (size_t)(v.end - v.p)) ==
			    0)
				pod = true;
			assert_int_equal(rd_field(&ns, &v), 2);
			walk_schema(&v, 0);
			ndefs++;
		}
	}
	assert_int_equal(ndefs, openapi_ndefs);
	assert_true(pod);
}

/* Fields Kubernetes added after 1.22 pass Strict; a typo does not. */
static void
test_strict_knows_recent_fields(void **state)
{
	static const char job[] = "{\"apiVersion\":\"batch/v1\",\"kind\":"
	    "\"Job\",\"metadata\":{\"name\":\"j\"},\"spec\":{"
	    "\"podFailurePolicy\":{\"rules\":[{\"action\":\"FailJob\","
	    "\"onExitCodes\":{\"operator\":\"In\",\"values\":[1]}}]},"
	    "\"backoffLimitPerIndex\":1,\"managedBy\":\"x\",\"template\":{"
	    "\"spec\":{\"os\":{\"name\":\"linux\"},\"schedulingGates\":[{"
	    "\"name\":\"g\"}],\"containers\":[{\"name\":\"c\",\"image\":\"i\","
	    "\"restartPolicy\":\"Always\",\"resizePolicy\":[],"
	    "\"livenessProbe\":{\"grpc\":{\"port\":1}},\"lifecycle\":{"
	    "\"preStop\":{\"sleep\":{\"seconds\":1}}}}]}}}}";
	struct api_request req = { .method = "POST" };
	struct api_response resp;
	struct ck_status st;
	const struct api_resource *r = registry_find("batch", "v1", "jobs");
	cJSON *obj = cJSON_Parse(job);

	(void)state;
	req.params[0].key = "fieldValidation";
	req.params[0].val = "Strict";
	req.nparams = 1;
	memset(&resp, 0, sizeof(resp));
	ck_status_clear(&st);
	assert_int_equal(openapi_check_fields(r, obj, &req, &resp, &st), 0);
	cJSON_AddNumberToObject(json_obj(json_obj(obj, "spec"),
	    "podFailurePolicy"), "rulez", 1);
	assert_int_equal(openapi_check_fields(r, obj, &req, &resp, &st),
	    CK_EBADREQ);
	assert_string_equal(st.message, "Job in version \"v1\" cannot be "
	    "handled as a Job: strict decoding error: unknown field "
	    "\"spec.podFailurePolicy.rulez\"");
	cJSON_Delete(obj);
}

/*
 * A served kind without a schema (a row added before its generated table)
 * is an open object: fieldValidation and typed decoding accept it, and the
 * documents of its group version still build.
 */
static void
test_kind_without_schema(void **state)
{
	const struct api_resource r = { .group = "example.com",
		.version = "v1", .resource = "widgets", .singular = "widget",
		.kind = "Widget", .qualified = "widgets.example.com",
		.namespaced = true };
	struct api_request req = { .method = "POST" };
	struct api_response resp;
	struct ck_status st;
	cJSON *obj = cJSON_Parse("{\"spec\":{\"anything\":[1,\"x\"]},"
	    "\"nosuch\":true}");
	unsigned char *keep;
	size_t i, n = 0;

	(void)state;
	assert_null(openapi_def_of_kind("example.com", "v1", "Widget"));
	req.params[0].key = "fieldValidation";
	req.params[0].val = "Strict";
	req.nparams = 1;
	memset(&resp, 0, sizeof(resp));
	ck_status_clear(&st);
	assert_int_equal(openapi_check_fields(&r, obj, &req, &resp, &st), 0);
	assert_int_equal(openapi_check_types(&r, obj, &st), 0);
	keep = malloc(openapi_ndefs);
	assert_non_null(keep);
	openapi_doc_closure("example.com", "v1", keep);
	for (i = 0; i < openapi_ndefs; i++)
		n += keep[i];
	assert_int_equal(n, 0);
	free(keep);
	cJSON_Delete(obj);
}

static const char *
typed(const char *group, const char *resource, const char *json)
{
	static struct ck_status st;
	const struct api_resource *r = registry_find(group, "v1", resource);
	cJSON *obj = cJSON_Parse(json);
	int rc;

	assert_non_null(obj);
	ck_status_clear(&st);
	rc = openapi_check_types(r, obj, &st);
	cJSON_Delete(obj);
	if (rc == 0)
		return "ok";
	assert_int_equal(rc, CK_EBADREQ);
	return st.message;
}

/* kube-apiserver's typed decoding errors, worded as Go's encoding/json. */
static void
test_typed_decoding(void **state)
{
	(void)state;
	assert_string_equal(typed("apps", "deployments", "{\"spec\":{"
	    "\"replicas\":\"3\"}}"), "Deployment in version \"v1\" cannot "
	    "be handled as a Deployment: json: cannot unmarshal string into "
	    "Go struct field DeploymentSpec.spec.replicas of type int32");
	assert_string_equal(typed("apps", "deployments", "{\"spec\":{"
	    "\"replicas\":1.5}}"), "Deployment in version \"v1\" cannot be "
	    "handled as a Deployment: json: cannot unmarshal number 1.5 into "
	    "Go struct field DeploymentSpec.spec.replicas of type int32");
	assert_string_equal(typed("", "pods", "{\"spec\":{\"containers\":"
	    "[{\"name\":\"c\",\"ports\":{}}]}}"), "Pod in version \"v1\" "
	    "cannot be handled as a Pod: json: cannot unmarshal object into "
	    "Go struct field Container.spec.containers.ports of type "
	    "[]v1.ContainerPort");
	assert_string_equal(typed("", "pods", "{\"spec\":{\"containers\":"
	    "[\"c\"]}}"), "Pod in version \"v1\" cannot be handled as a "
	    "Pod: json: cannot unmarshal string into Go struct field "
	    "PodSpec.spec.containers of type v1.Container");
	assert_string_equal(typed("", "pods", "{\"metadata\":{\"labels\":"
	    "{\"a\":true}}}"), "Pod in version \"v1\" cannot be handled as "
	    "a Pod: json: cannot unmarshal bool into Go struct field "
	    "ObjectMeta.metadata.labels of type string");
	assert_string_equal(typed("batch", "jobs", "{\"spec\":{"
	    "\"activeDeadlineSeconds\":1e300}}"), "Job in version \"v1\" "
	    "cannot be handled as a Job: json: cannot unmarshal number 1e+300 "
	    "into Go struct field JobSpec.spec."
	    "activeDeadlineSeconds of type int64");
	/* What Go decodes: null, IntOrString, Quantity, unknown, status. */
	assert_string_equal(typed("apps", "deployments", "{\"spec\":{"
	    "\"replicas\":null,\"strategy\":{\"rollingUpdate\":{"
	    "\"maxSurge\":1,\"maxUnavailable\":\"25%\"}},\"template\":{"
	    "\"spec\":{\"containers\":[{\"resources\":{\"limits\":{"
	    "\"cpu\":1,\"memory\":\"1Gi\"}}}]}},\"nosuch\":1},"
	    "\"status\":{\"replicas\":\"x\"}}"), "ok");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sorted_and_refs_in_range),
		cmocka_unit_test(test_every_served_kind_has_a_schema),
		cmocka_unit_test(test_v3_documents_resolve),
		cmocka_unit_test(test_v3_shapes),
		cmocka_unit_test(test_v2_json_resolves),
		cmocka_unit_test(test_v2_protobuf_frame),
		cmocka_unit_test(test_strict_knows_recent_fields),
		cmocka_unit_test(test_typed_decoding),
		cmocka_unit_test(test_kind_without_schema),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
