/*
 * openapi_doc.c: the documents generated from the schema table: per group
 * version the OpenAPI 3 document kubectl explain reads (components.schemas,
 * refs as allOf like kube-apiserver's, and one PATCH operation per kind
 * declaring fieldValidation, kubectl-protocol.md 4.5), and the swagger 2.0
 * definitions of /openapi/v2 (JSON, or gnostic protobuf from openapi_pb.c:
 * kubectl validates `kind: List` files with them). Every document is built
 * once, on first use, and served from memory.
 */
#include "apiserver.h"
#include "convert.h"
#include "openapi.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/strbuf.h"

/* ---- table lookups ---- */

const struct openapi_def *
openapi_def_of_kind(const char *group, const char *version, const char *kind)
{
	size_t i;

	for (i = 0; i < openapi_ndefs; i++)
		if (openapi_defs[i].kind != NULL &&
		    strcmp(openapi_defs[i].kind, kind) == 0 &&
		    strcmp(openapi_defs[i].group, group) == 0 &&
		    strcmp(openapi_defs[i].version, version) == 0)
			return &openapi_defs[i];
	return NULL;
}

static int
prop_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct openapi_prop *)elem)->name);
}

const struct openapi_prop *
openapi_def_prop(const struct openapi_def *d, const char *name)
{
	if (d->nprops == 0)
		return NULL;
	return bsearch(name, d->props, d->nprops, sizeof(d->props[0]),
	    prop_cmp);
}

const struct openapi_def *
openapi_prop_def(const struct openapi_prop *p)
{
	if (p->ref < 0 || (size_t)p->ref >= openapi_ndefs)
		return NULL;
	return &openapi_defs[p->ref];
}

/* ---- schemas as JSON (v3 and v2 differ in how a reference is made) ---- */

struct flavour {
	const char	*prefix;	/* "#/components/schemas/" */
	bool		 all_of;	/* v3: {"allOf":[{"$ref"}]} */
};

static cJSON *
ref_schema(const struct flavour *fl, int ref, bool wrap)
{
	cJSON *o = cJSON_CreateObject(), *r, *a;
	char buf[256];

	snprintf(buf, sizeof(buf), "%s%s", fl->prefix, openapi_defs[ref].name);
	if (!wrap || !fl->all_of) {
		cJSON_AddStringToObject(o, "$ref", buf);
		return o;
	}
	a = cJSON_AddArrayToObject(o, "allOf");
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "$ref", buf);
	cJSON_AddItemToArray(a, r);
	return o;
}

const char *
openapi_type_name(uint8_t t)
{
	switch (t) {
	case OA_STRING:
		return "string";
	case OA_INTEGER:
		return "integer";
	case OA_NUMBER:
		return "number";
	case OA_BOOLEAN:
		return "boolean";
	case OA_ARRAY:
		return "array";
	default:
		return "object";
	}
}

/* The schema of a value of type t (items of an array or map included). */
static cJSON *
value_schema(const struct flavour *fl, uint8_t t, int ref, const char *fmt)
{
	cJSON *o, *it;

	if (t == OA_REF)
		return ref_schema(fl, ref, true);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", openapi_type_name(t));
	if (fmt != NULL)
		cJSON_AddStringToObject(o, "format", fmt);
	if (t == OA_ARRAY) {	/* an item that is itself a list */
		it = cJSON_AddObjectToObject(o, "items");
		cJSON_AddStringToObject(it, "type", "string");
	}
	return o;
}

static cJSON *
prop_schema(const struct flavour *fl, const struct openapi_prop *p)
{
	cJSON *o, *keys;
	char buf[128], *k, *save;

	if (p->type == OA_ARRAY || p->type == OA_MAP) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "type", openapi_type_name(p->type));
		cJSON_AddItemToObject(o, p->type == OA_ARRAY ? "items" :
		    "additionalProperties", value_schema(fl, p->item, p->ref,
		    p->format));
	} else if (p->type == OA_REF && !fl->all_of) {
		o = ref_schema(fl, p->ref, false);
	} else {
		o = value_schema(fl, p->type, p->ref, p->format);
	}
	cJSON_AddStringToObject(o, "description", p->desc);
	if (p->strategy != NULL)
		cJSON_AddStringToObject(o, "x-kubernetes-patch-strategy",
		    p->strategy);
	if (p->merge_key != NULL)
		cJSON_AddStringToObject(o, "x-kubernetes-patch-merge-key",
		    p->merge_key);
	if (p->flags & OA_LIST_MAP) {
		cJSON_AddStringToObject(o, "x-kubernetes-list-type", "map");
		keys = cJSON_AddArrayToObject(o, "x-kubernetes-list-map-keys");
		snprintf(buf, sizeof(buf), "%s", p->map_keys);
		for (k = strtok_r(buf, ",", &save); k != NULL;
		    k = strtok_r(NULL, ",", &save))
			cJSON_AddItemToArray(keys, cJSON_CreateString(k));
	}
	return o;
}

/*
 * v3 as kube-apiserver: IntOrString and Quantity have no single type (so
 * kubectl explain names them, <IntOrString>, <map[string]Quantity>).
 */
static bool
string_like(const struct openapi_def *d, cJSON *o)
{
	cJSON *one, *t;

	if (d->format != NULL && strcmp(d->format, "int-or-string") == 0) {
		cJSON_AddStringToObject(o, "format", d->format);
		cJSON_AddBoolToObject(o, "x-kubernetes-int-or-string", true);
		return true;
	}
	if (ck_str_has_suffix(d->name, ".Quantity")) {
		one = cJSON_AddArrayToObject(o, "oneOf");
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "type", "string");
		cJSON_AddItemToArray(one, t);
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "type", "number");
		cJSON_AddItemToArray(one, t);
		return true;
	}
	return false;
}

static cJSON *
def_schema(const struct flavour *fl, const struct openapi_def *d)
{
	cJSON *o = cJSON_CreateObject(), *props, *req = NULL, *gvk, *e;
	size_t i;

	cJSON_AddStringToObject(o, "description", d->desc);
	if (fl->all_of && d->type != OA_OBJECT && string_like(d, o))
		return o;
	cJSON_AddStringToObject(o, "type", openapi_type_name(d->type));
	if (d->format != NULL)
		cJSON_AddStringToObject(o, "format", d->format);
	if (d->type != OA_OBJECT)
		return o;
	props = cJSON_AddObjectToObject(o, "properties");
	for (i = 0; i < d->nprops; i++) {
		cJSON_AddItemToObject(props, d->props[i].name,
		    prop_schema(fl, &d->props[i]));
		if (d->props[i].flags & OA_REQUIRED) {
			if (req == NULL)
				req = cJSON_CreateArray();
			cJSON_AddItemToArray(req,
			    cJSON_CreateString(d->props[i].name));
		}
	}
	if (req != NULL)
		cJSON_AddItemToObject(o, "required", req);
	if (d->kind != NULL) {
		gvk = cJSON_AddArrayToObject(o,
		    "x-kubernetes-group-version-kind");
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "group", d->group);
		cJSON_AddStringToObject(e, "kind", d->kind);
		cJSON_AddStringToObject(e, "version", d->version);
		cJSON_AddItemToArray(gvk, e);
	}
	return o;
}

/* ---- which definitions a group version's document holds ---- */

static void
mark(size_t i, unsigned char *keep)
{
	const struct openapi_def *d = &openapi_defs[i];
	size_t k;

	if (keep[i])
		return;
	keep[i] = 1;
	for (k = 0; k < d->nprops; k++)
		if (d->props[k].ref >= 0)
			mark((size_t)d->props[k].ref, keep);
}

void
openapi_doc_closure(const char *group, const char *version,
    unsigned char *keep)
{
	size_t i;

	memset(keep, 0, openapi_ndefs);
	for (i = 0; i < openapi_ndefs; i++)
		if (openapi_defs[i].kind != NULL &&
		    strcmp(openapi_defs[i].group, group) == 0 &&
		    strcmp(openapi_defs[i].version, version) == 0)
			mark(i, keep);
}

/* ---- the documents ---- */

/* A PATCH operation of kind g/v/kind at path declaring fieldValidation. */
static void
add_patch_op(cJSON *paths, const char *path, const char *g, const char *v,
    const char *kind)
{
	cJSON *p, *op, *gvk, *params, *prm;

	if (cJSON_GetObjectItemCaseSensitive(paths, path) != NULL)
		return;
	p = cJSON_AddObjectToObject(paths, path);
	op = cJSON_AddObjectToObject(p, "patch");
	gvk = cJSON_AddObjectToObject(op, "x-kubernetes-group-version-kind");
	cJSON_AddStringToObject(gvk, "group", g);
	cJSON_AddStringToObject(gvk, "version", v);
	cJSON_AddStringToObject(gvk, "kind", kind);
	params = cJSON_AddArrayToObject(op, "parameters");
	prm = cJSON_CreateObject();
	cJSON_AddStringToObject(prm, "name", "fieldValidation");
	cJSON_AddStringToObject(prm, "in", "query");
	cJSON_AddItemToArray(params, prm);
}

/*
 * A 1.3 kind served over a stored v1 one (PetSet over StatefulSet...): for
 * kubectl explain only, the v1 kind's schema under the old name and
 * group-version-kind. Its fields are not checked (no table entry), and
 * /openapi/v2 leaves it out, so kubectl does not validate it either.
 */
static void
add_old_kind(cJSON *schemas, const struct flavour *fl,
    const struct api_resource *r, unsigned char *keep)
{
	const struct api_resource *st = convert_stored_row(r);
	const struct openapi_def *d;
	cJSON *s, *gvk;
	char name[256];

	if (openapi_def_of_kind(r->group, r->version, r->kind) != NULL ||
	    st == NULL || (d = openapi_def_of_kind(st->group, st->version,
	    st->kind)) == NULL)
		return;
	mark((size_t)(d - openapi_defs), keep);
	snprintf(name, sizeof(name), "io.k8s.api.%.*s.%s.%s",
	    (int)strcspn(r->group, "."), r->group, r->version, r->kind);
	if (cJSON_GetObjectItemCaseSensitive(schemas, name) != NULL)
		return;
	s = def_schema(fl, d);
	gvk = cJSON_GetArrayItem(cJSON_GetObjectItem(s,
	    "x-kubernetes-group-version-kind"), 0);
	cJSON_ReplaceItemInObjectCaseSensitive(gvk, "group",
	    cJSON_CreateString(r->group));
	cJSON_ReplaceItemInObjectCaseSensitive(gvk, "kind",
	    cJSON_CreateString(r->kind));
	cJSON_ReplaceItemInObjectCaseSensitive(gvk, "version",
	    cJSON_CreateString(r->version));
	cJSON_AddItemToObject(schemas, name, s);
}

static cJSON *
build_v3(const char *g, const char *v)
{
	static const struct flavour fl = { "#/components/schemas/", true };
	const struct api_resource *rows, *r;
	cJSON *o, *paths, *p, *schemas;
	unsigned char *keep;
	char path[512];
	size_t n, i;

	rows = registry_all(&n);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "openapi", "3.0.0");
	p = cJSON_AddObjectToObject(o, "info");
	cJSON_AddStringToObject(p, "title", "Kubernetes");
	cJSON_AddStringToObject(p, "version", "v1.3.0");
	paths = cJSON_AddObjectToObject(o, "paths");
	for (i = 0; i < n; i++) {
		r = &rows[i];
		if (strcmp(r->group, g) != 0 || strcmp(r->version, v) != 0)
			continue;
		if (g[0] != '\0')
			snprintf(path, sizeof(path), "/apis/%s/%s%s/%s/{name}",
			    g, v,
			    r->namespaced ? "/namespaces/{namespace}" : "",
			    r->resource);
		else
			snprintf(path, sizeof(path), "/api/%s%s/%s/{name}", v,
			    r->namespaced ? "/namespaces/{namespace}" : "",
			    r->resource);
		add_patch_op(paths, path, g, v, r->kind);
	}
	schemas = cJSON_AddObjectToObject(cJSON_AddObjectToObject(o,
	    "components"), "schemas");
	keep = ck_malloc(openapi_ndefs);
	openapi_doc_closure(g, v, keep);
	for (i = 0; i < n; i++)
		if (strcmp(rows[i].group, g) == 0 &&
		    strcmp(rows[i].version, v) == 0)
			add_old_kind(schemas, &fl, &rows[i], keep);
	for (i = 0; i < openapi_ndefs; i++)
		if (keep[i])
			cJSON_AddItemToObject(schemas, openapi_defs[i].name,
			    def_schema(&fl, &openapi_defs[i]));
	free(keep);
	return o;
}

static cJSON *
build_v2(void)
{
	static const struct flavour fl = { "#/definitions/", false };
	cJSON *o, *p, *defs;
	size_t i;

	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "swagger", "2.0");
	p = cJSON_AddObjectToObject(o, "info");
	cJSON_AddStringToObject(p, "title", "Kubernetes");
	cJSON_AddStringToObject(p, "version", "v1.3.0");
	/*
	 * No paths: kubectl apply would take its patch type from them; it
	 * keeps computing patches from its built-in types.
	 */
	cJSON_AddObjectToObject(o, "paths");
	defs = cJSON_AddObjectToObject(o, "definitions");
	for (i = 0; i < openapi_ndefs; i++)
		cJSON_AddItemToObject(defs, openapi_defs[i].name,
		    def_schema(&fl, &openapi_defs[i]));
	return o;
}

/* ---- the cache ---- */

/* Bumped when the shape of the generated documents changes. */
#define OPENAPI_DOC_VERSION	"ckube-openapi-3"

struct doc {
	char	 key[160];	/* "api/v1", "apis/apps/v1", "v2", "v2pb" */
	char	*body;
	size_t	 len;
	char	 etag[40];
};

#define DOC_MAX	64

static struct doc docs[DOC_MAX];
static size_t ndocs;
static pthread_mutex_t docs_mu = PTHREAD_MUTEX_INITIALIZER;
static char doc_hash[24];

static uint64_t
fnv(uint64_t h, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The group version of a v3 key, false if none is served. */
static bool
v3_key_gv(const char *key, char *g, size_t glen, char *v, size_t vlen)
{
	char extra[8];
	int n;

	if (strcmp(key, "api/v1") == 0) {
		snprintf(g, glen, "%s", "");
		snprintf(v, vlen, "%s", "v1");
		return true;
	}
	if (strncmp(key, "apis/", 5) != 0 || strlen(key) >= 160)
		return false;
	n = sscanf(key, "apis/%127[^/]/%31[^/]%7s", g, v, extra);
	(void)glen;
	(void)vlen;
	return n == 2 && registry_has_group_version(g, v);
}

/* Build (once) and return the document of key; called locked. */
static const struct doc *
doc_get_locked(const char *key)
{
	struct strbuf sb = STRBUF_INIT;
	char g[128], v[32];
	cJSON *o = NULL;
	struct doc *d;
	size_t i;

	for (i = 0; i < ndocs; i++)
		if (strcmp(docs[i].key, key) == 0)
			return &docs[i];
	if (ndocs == DOC_MAX)
		return NULL;
	if (strcmp(key, "v2pb") == 0) {
		if (openapi_pb_encode(&sb) < 0) {
			strbuf_fini(&sb);
			return NULL;
		}
	} else if (strcmp(key, "v2") == 0) {
		o = build_v2();
	} else if (v3_key_gv(key, g, sizeof(g), v, sizeof(v))) {
		o = build_v3(g, v);
	} else {
		return NULL;
	}
	d = &docs[ndocs++];
	snprintf(d->key, sizeof(d->key), "%s", key);
	if (o != NULL) {
		d->body = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		d->len = strlen(d->body);
	} else {
		d->len = sb.len;
		d->body = strbuf_detach(&sb, NULL);
	}
	snprintf(d->etag, sizeof(d->etag), "\"%016llX\"",
	    (unsigned long long)fnv(0xcbf29ce484222325ULL, d->body, d->len));
	return d;
}

static const char *
doc_get(const char *key, size_t *len, const char **etag)
{
	const struct doc *d;
	const char *body = NULL;

	pthread_mutex_lock(&docs_mu);
	d = doc_get_locked(key);
	if (d != NULL) {
		body = d->body;
		*len = d->len;
		if (etag != NULL)
			*etag = d->etag;
	}
	pthread_mutex_unlock(&docs_mu);
	return body;
}

const char *
openapi_doc_v3(const char *key, size_t *len, const char **etag)
{
	return doc_get(key, len, etag);
}

const char *
openapi_doc_v2(int protobuf, size_t *len, const char **etag)
{
	return doc_get(protobuf ? "v2pb" : "v2", len, etag);
}

/*
 * Over the registry rows and the whole schema table (names, types, refs):
 * the index URLs change, and kubectl's URL-keyed cache refetches, whenever
 * a document would.
 */
const char *
openapi_doc_hash(void)
{
	const struct api_resource *rows;
	const struct openapi_def *d;
	const struct openapi_prop *p;
	uint64_t h = 0xcbf29ce484222325ULL;
	char num[64];
	size_t n, i, k;

	pthread_mutex_lock(&docs_mu);
	if (doc_hash[0] != '\0')
		goto out;
	h = fnv(h, OPENAPI_DOC_VERSION, sizeof(OPENAPI_DOC_VERSION));
	rows = registry_all(&n);
	for (i = 0; i < n; i++) {
		h = fnv(h, rows[i].group, strlen(rows[i].group) + 1);
		h = fnv(h, rows[i].version, strlen(rows[i].version) + 1);
		h = fnv(h, rows[i].resource, strlen(rows[i].resource) + 1);
		h = fnv(h, rows[i].kind, strlen(rows[i].kind) + 1);
		h = fnv(h, rows[i].namespaced ? "n" : "c", 1);
	}
	for (i = 0; i < openapi_ndefs; i++) {
		d = &openapi_defs[i];
		h = fnv(h, d->name, strlen(d->name) + 1);
		h = fnv(h, d->desc, strlen(d->desc) + 1);
		for (k = 0; k < d->nprops; k++) {
			p = &d->props[k];
			h = fnv(h, p->name, strlen(p->name) + 1);
			h = fnv(h, p->desc, strlen(p->desc) + 1);
			snprintf(num, sizeof(num), "%u/%u/%d/%u/%s/%s/%s",
			    p->type, p->item, p->ref, p->flags,
			    p->format ? p->format : "",
			    p->merge_key ? p->merge_key : "",
			    p->map_keys ? p->map_keys : "");
			h = fnv(h, num, strlen(num) + 1);
		}
	}
	snprintf(doc_hash, sizeof(doc_hash), "%016llX", (unsigned long long)h);
out:
	pthread_mutex_unlock(&docs_mu);
	return doc_hash;
}
