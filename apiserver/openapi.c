/*
 * openapi.c: the minimal /openapi/v3 kubectl validates against (an index,
 * and per group/version one PATCH operation per kind declaring the
 * fieldValidation parameter, kubectl-protocol.md 4.5), /openapi/v2 as 404
 * (so `kind: List` files, which kubectl validates with v2 only, need
 * --validate=false),
 * and the server side of fieldValidation=Strict|Warn|Ignore over the known
 * fields of openapi_fields.c. The hash in the index URLs is derived from
 * the registry, so kubectl's URL-keyed cache refetches when kinds change.
 */
#include "apiserver.h"
#include "openapi.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

/* Bumped when the shape of the generated documents changes. */
#define OPENAPI_DOC_VERSION	"ckube-openapi-2"

/* FNV-1a over every row's identity: changes whenever the documents do. */
static void
openapi_hash(char *buf, size_t len)
{
	const struct api_resource *rows;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t n, i;
	const char *parts[5], *p;
	size_t k;

	for (p = OPENAPI_DOC_VERSION; *p != '\0'; p++) {
		h ^= (unsigned char)*p;
		h *= 0x100000001b3ULL;
	}
	rows = registry_all(&n);
	for (i = 0; i < n; i++) {
		parts[0] = rows[i].group;
		parts[1] = rows[i].version;
		parts[2] = rows[i].resource;
		parts[3] = rows[i].kind;
		parts[4] = rows[i].namespaced ? "ns" : "cluster";
		for (k = 0; k < ARRAY_SIZE(parts); k++)
			for (p = parts[k]; ; p++) {
				h ^= (unsigned char)*p;
				h *= 0x100000001b3ULL;
				if (*p == '\0')
					break;
			}
	}
	snprintf(buf, len, "%016llX", (unsigned long long)h);
}

static void
reply_index(struct api_response *resp)
{
	const struct api_resource *rows;
	cJSON *o, *paths, *e;
	char key[192], url[256], hash[24];
	size_t n, i;

	openapi_hash(hash, sizeof(hash));
	rows = registry_all(&n);
	o = cJSON_CreateObject();
	paths = cJSON_AddObjectToObject(o, "paths");
	for (i = 0; i < n; i++) {
		if (rows[i].group[0] == '\0')
			snprintf(key, sizeof(key), "api/%s", rows[i].version);
		else
			snprintf(key, sizeof(key), "apis/%s/%s", rows[i].group,
			    rows[i].version);
		if (cJSON_GetObjectItemCaseSensitive(paths, key) != NULL)
			continue;
		snprintf(url, sizeof(url), "/openapi/v3/%s?hash=%s", key,
		    hash);
		e = cJSON_AddObjectToObject(paths, key);
		cJSON_AddStringToObject(e, "serverRelativeURL", url);
	}
	api_response_json(resp, 200, o);
	cJSON_Delete(o);
}

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
 * One PATCH operation per kind declaring fieldValidation: kubectl then
 * validates on the server side (kubectl-protocol.md 4.5).
 */
static void
reply_gv(struct api_response *resp, const char *g, const char *v)
{
	const struct api_resource *rows, *r;
	cJSON *o, *paths, *p;
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
	api_response_json(resp, 200, o);
	cJSON_Delete(o);
}

void
openapi_handle(const char *path, struct api_response *resp)
{
	char g[128], v[64], extra[8];
	int n;

	if (strcmp(path, "/openapi/v3") == 0 ||
	    strcmp(path, "/openapi/v3/") == 0) {
		reply_index(resp);
		return;
	}
	if (strcmp(path, "/openapi/v3/api/v1") == 0) {
		reply_gv(resp, "", "v1");
		return;
	}
	n = sscanf(path, "/openapi/v3/apis/%127[^/]/%63[^/]%7s", g, v, extra);
	if (n == 2 && registry_has_group_version(g, v)) {
		reply_gv(resp, g, v);
		return;
	}
	/* /openapi/v2 included: kubectl falls back to its built-in types. */
	status_replyf(resp, CK_ENOTFOUND,
	    "the server could not find the requested resource");
}

/* ---- fieldValidation ---- */

struct check {
	struct strbuf	 unknown;	/* `unknown field "a.b", ...` */
	size_t		 count;
	bool		 prune;
	bool		 warn;
	struct api_response *resp;
};

static void
check_msg(struct check *ck, cJSON *obj, const struct openapi_msg *m,
    struct strbuf *path);

static const struct openapi_field *
find_field(const struct openapi_msg *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->fields[i].name, name) == 0)
			return &m->fields[i];
	return NULL;
}

static void
check_value(struct check *ck, cJSON *v, const struct openapi_msg *m,
    struct strbuf *path)
{
	size_t base = path->len;
	cJSON *it;
	int i = 0;

	if (cJSON_IsObject(v)) {
		check_msg(ck, v, m, path);
		return;
	}
	if (!cJSON_IsArray(v))
		return;
	cJSON_ArrayForEach(it, v) {
		strbuf_addf(path, "[%d]", i++);
		if (cJSON_IsObject(it))
			check_msg(ck, it, m, path);
		strbuf_setlen(path, base);
	}
}

static void
check_msg(struct check *ck, cJSON *obj, const struct openapi_msg *m,
    struct strbuf *path)
{
	const struct openapi_field *f;
	size_t base = path->len;
	cJSON *it, *next;
	char *w;

	if (m == NULL)
		return;		/* not modelled: anything goes */
	for (it = obj->child; it != NULL; it = next) {
		next = it->next;
		if (base > 0)
			strbuf_addc(path, '.');
		strbuf_adds(path, it->string);
		f = find_field(m, it->string);
		if (f == NULL) {
			if (ck->count++ < 16)
				strbuf_addf(&ck->unknown,
				    "%sunknown field \"%s\"",
				    ck->unknown.len ? ", " : "",
				    strbuf_str(path));
			if (ck->warn) {
				w = ck_asprintf("unknown field \"%s\"",
				    strbuf_str(path));
				api_response_warn(ck->resp, w);
				free(w);
			}
			if (ck->prune)
				cJSON_Delete(cJSON_DetachItemViaPointer(obj,
				    it));
		} else if (f->msg != NULL)
			check_value(ck, it, f->msg, path);
		strbuf_setlen(path, base);
	}
}

int
openapi_check_fields(const struct api_resource *r, cJSON *obj,
    const struct api_request *req, struct api_response *resp,
    struct ck_status *st)
{
	const char *mode = api_request_param(req, "fieldValidation");
	const struct openapi_msg *m;
	struct check ck = { .unknown = STRBUF_INIT, .resp = resp };
	struct strbuf path = STRBUF_INIT;
	int rc = 0;

	if (mode == NULL || !cJSON_IsObject(obj))
		return 0;
	m = openapi_kind_schema(r);
	if (m == NULL)
		return 0;
	if (strcmp(mode, "Strict") != 0 && strcmp(mode, "Warn") != 0 &&
	    strcmp(mode, "Ignore") != 0)
		return ck_status_set(st, CK_EBADREQ,
		    "fieldValidation: Unsupported value: \"%s\": supported "
		    "values: \"Ignore\", \"Strict\", \"Warn\"", mode);
	ck.warn = strcmp(mode, "Warn") == 0;
	ck.prune = strcmp(mode, "Strict") != 0;
	check_msg(&ck, obj, m, &path);
	if (ck.count > 0 && !ck.prune) {
		rc = ck_status_set(st, CK_EBADREQ,
		    "%s in version \"%s\" cannot be handled as a %s: strict "
		    "decoding error: %s", r->kind, r->version, r->kind,
		    strbuf_str(&ck.unknown));
	}
	strbuf_fini(&ck.unknown);
	strbuf_fini(&path);
	return rc;
}
