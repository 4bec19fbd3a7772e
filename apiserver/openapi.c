/*
 * openapi.c: the /openapi endpoints (the v3 index whose URLs carry a hash of
 * every document, so kubectl's URL-keyed cache refetches when they change;
 * /openapi/v3/<group-version>; /openapi/v2 as JSON, or as gnostic protobuf
 * when asked, which is how kubectl asks), all served from the documents
 * openapi_doc.c builds once from the schema table, and the server side of
 * fieldValidation=Strict|Warn|Ignore over that same table.
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

#define PB_V2_TYPE \
	"application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

static void
reply_index(struct api_response *resp)
{
	const struct api_resource *rows;
	cJSON *o, *paths, *e;
	char key[192], url[256];
	const char *hash = openapi_doc_hash();
	size_t n, i;

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

/* A copy of a cached document as the body. */
static void
reply_doc(struct api_response *resp, const char *type, const char *body,
    size_t len, const char *etag)
{
	char *copy = ck_malloc(len + 1);

	memcpy(copy, body, len);
	copy[len] = '\0';
	api_response_take(resp, 200, type, copy, len);
	snprintf(resp->etag, sizeof(resp->etag), "%s", etag);
}

void
openapi_handle(const struct api_request *req, const char *path,
    struct api_response *resp)
{
	const char *body, *etag;
	size_t len;
	int pb;

	if (strcmp(path, "/openapi/v3") == 0 ||
	    strcmp(path, "/openapi/v3/") == 0) {
		reply_index(resp);
		return;
	}
	if (strncmp(path, "/openapi/v3/", 12) == 0 &&
	    (body = openapi_doc_v3(path + 12, &len, &etag)) != NULL) {
		reply_doc(resp, "application/json", body, len, etag);
		return;
	}
	if (strcmp(path, "/openapi/v2") == 0) {
		/* client-go asks for protobuf only; JSON otherwise. */
		pb = req != NULL && req->accept != NULL &&
		    strstr(req->accept, "protobuf") != NULL;
		body = openapi_doc_v2(pb, &len, &etag);
		if (body != NULL) {
			reply_doc(resp, pb ? PB_V2_TYPE : "application/json",
			    body, len, etag);
			return;
		}
	}
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
check_def(struct check *ck, cJSON *obj, const struct openapi_def *d,
    struct strbuf *path);

/* The objects under a property: the value, or each item of a list/map. */
static void
check_value(struct check *ck, cJSON *v, const struct openapi_prop *p,
    struct strbuf *path)
{
	const struct openapi_def *d = openapi_prop_def(p);
	size_t base = path->len;
	cJSON *it;
	int i = 0;

	if (d == NULL || d->type != OA_OBJECT)
		return;
	if (p->type == OA_REF) {
		if (cJSON_IsObject(v))
			check_def(ck, v, d, path);
		return;
	}
	if (p->type == OA_ARRAY && p->item == OA_REF && cJSON_IsArray(v)) {
		cJSON_ArrayForEach(it, v) {
			strbuf_addf(path, "[%d]", i++);
			if (cJSON_IsObject(it))
				check_def(ck, it, d, path);
			strbuf_setlen(path, base);
		}
		return;
	}
	if (p->type == OA_MAP && p->item == OA_REF && cJSON_IsObject(v)) {
		cJSON_ArrayForEach(it, v) {
			strbuf_addf(path, "[%s]", it->string);
			if (cJSON_IsObject(it))
				check_def(ck, it, d, path);
			strbuf_setlen(path, base);
		}
	}
}

static void
check_def(struct check *ck, cJSON *obj, const struct openapi_def *d,
    struct strbuf *path)
{
	const struct openapi_prop *p;
	size_t base = path->len;
	cJSON *it, *next;
	char *w;

	for (it = obj->child; it != NULL; it = next) {
		next = it->next;
		if (base > 0)
			strbuf_addc(path, '.');
		strbuf_adds(path, it->string);
		p = openapi_def_prop(d, it->string);
		if (p == NULL) {
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
		} else if (!(base == 0 && strcmp(p->name, "status") == 0)) {
			/*
			 * Not the top-level status: clients write it only
			 * through /status, where it is the server's to check.
			 */
			check_value(ck, it, p, path);
		}
		strbuf_setlen(path, base);
	}
}

int
openapi_check_fields(const struct api_resource *r, cJSON *obj,
    const struct api_request *req, struct api_response *resp,
    struct ck_status *st)
{
	const char *mode = api_request_param(req, "fieldValidation");
	const struct openapi_def *d;
	struct check ck = { .unknown = STRBUF_INIT, .resp = resp };
	struct strbuf path = STRBUF_INIT;
	int rc = 0;

	if (mode == NULL || !cJSON_IsObject(obj))
		return 0;
	/* Older versions (extensions/v1beta1, ...) have other fields. */
	d = openapi_def_of_kind(r->group, r->version, r->kind);
	if (d == NULL)
		return 0;
	if (strcmp(mode, "Strict") != 0 && strcmp(mode, "Warn") != 0 &&
	    strcmp(mode, "Ignore") != 0)
		return ck_status_set(st, CK_EBADREQ,
		    "fieldValidation: Unsupported value: \"%s\": supported "
		    "values: \"Ignore\", \"Strict\", \"Warn\"", mode);
	ck.warn = strcmp(mode, "Warn") == 0;
	ck.prune = strcmp(mode, "Strict") != 0;
	check_def(&ck, obj, d, &path);
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

/* ---- typed decoding ---- */

struct tcheck {
	const struct api_resource *r;
	struct ck_status	*st;
	struct strbuf		 path;	/* JSON names, no indices (Go's) */
	int			 rc;
};

/* Go's name of the type a value of type t decodes into, into sb. */
static void
go_type(struct strbuf *sb, uint8_t t, int ref, const char *fmt)
{
	const char *dot;

	switch (t) {
	case OA_STRING:
		strbuf_adds(sb, "string");
		return;
	case OA_INTEGER:
		strbuf_adds(sb, fmt != NULL && strcmp(fmt, "int64") == 0 ?
		    "int64" : "int32");
		return;
	case OA_NUMBER:
		strbuf_adds(sb, "float64");
		return;
	case OA_BOOLEAN:
		strbuf_adds(sb, "bool");
		return;
	case OA_ARRAY:		/* an item that is itself a list */
		strbuf_adds(sb, "[]string");
		return;
	case OA_REF:
		/* every package served is a v1: io.k8s.api.apps.v1.X */
		dot = strrchr(openapi_defs[ref].name, '.');
		strbuf_addf(sb, "v1.%s", dot + 1);
		return;
	default:
		strbuf_adds(sb, "interface {}");
	}
}

static void
type_error(struct tcheck *tc, const cJSON *v, const char *value_override,
    const char *owner, uint8_t kind, uint8_t t, int ref, const char *fmt)
{
	struct strbuf ty = STRBUF_INIT;
	const char *dot = strrchr(owner, '.');

	if (kind == OA_ARRAY)
		strbuf_adds(&ty, "[]");
	else if (kind == OA_MAP)
		strbuf_adds(&ty, "map[string]");
	go_type(&ty, t, ref, fmt);
	tc->rc = ck_status_set(tc->st, CK_EBADREQ,
	    "%s in version \"%s\" cannot be handled as a %s: json: cannot "
	    "unmarshal %s into Go struct field %s.%s of type %s", tc->r->kind,
	    tc->r->version, tc->r->kind,
	    value_override != NULL ? value_override : util_go_json_type(v),
	    dot != NULL ? dot + 1 : owner, strbuf_str(&tc->path),
	    strbuf_str(&ty));
	strbuf_fini(&ty);
}

static void
tcheck_def(struct tcheck *tc, const cJSON *obj, const struct openapi_def *d);

/* "number 1.5": Go quotes the literal; the shortest text reading back. */
static void
number_text(char *buf, size_t len, double d)
{
	int prec;

	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, len, "number %.*g", prec, d);
		if (strtod(buf + 7, NULL) == d)
			return;
	}
	snprintf(buf, len, "number %.17g", d);
}

/*
 * One value of type t (ref, fmt) of a field of owner: the field itself, or
 * an item of its list or map (Go names the item's type then). Only what Go could never decode is refused: null is always fine, and
 * Time, Quantity, IntOrString and free-form objects are left alone.
 */
static void
tcheck_value(struct tcheck *tc, const cJSON *v, const char *owner,
    uint8_t t, int ref, const char *fmt)
{
	char num[64];
	double lim;

	if (tc->rc != 0 || cJSON_IsNull(v))
		return;
	switch (t) {
	case OA_STRING:
		if (!cJSON_IsString(v))
			type_error(tc, v, NULL, owner, OA_NONE, t, ref, fmt);
		return;
	case OA_BOOLEAN:
		if (!cJSON_IsBool(v))
			type_error(tc, v, NULL, owner, OA_NONE, t, ref, fmt);
		return;
	case OA_NUMBER:
		if (!cJSON_IsNumber(v))
			type_error(tc, v, NULL, owner, OA_NONE, t, ref, fmt);
		return;
	case OA_INTEGER:
		if (!cJSON_IsNumber(v)) {
			type_error(tc, v, NULL, owner, OA_NONE, t, ref, fmt);
			return;
		}
		lim = fmt != NULL && strcmp(fmt, "int64") == 0 ?
		    9223372036854775807.0 : 2147483647.0;
		/* range first: the cast of a larger double is undefined */
		if (!(v->valuedouble < lim && v->valuedouble >= -lim - 1) ||
		    v->valuedouble != (double)(long long)v->valuedouble) {
			number_text(num, sizeof(num), v->valuedouble);
			type_error(tc, v, num, owner, OA_NONE, t, ref, fmt);
		}
		return;
	case OA_ARRAY:		/* an item that is a list of strings */
		if (!cJSON_IsArray(v))
			type_error(tc, v, NULL, owner, OA_NONE, t, ref, fmt);
		return;
	case OA_REF:
		if (openapi_defs[ref].type != OA_OBJECT)
			return;
		if (!cJSON_IsObject(v)) {
			type_error(tc, v, NULL, owner, OA_NONE, t, ref, fmt);
			return;
		}
		tcheck_def(tc, v, &openapi_defs[ref]);
		return;
	default:
		return;
	}
}

static void
tcheck_def(struct tcheck *tc, const cJSON *obj, const struct openapi_def *d)
{
	const struct openapi_prop *p;
	size_t base = tc->path.len;
	const cJSON *it, *e;

	cJSON_ArrayForEach(it, obj) {
		if (tc->rc != 0)
			return;
		p = openapi_def_prop(d, it->string);
		/* Unknown fields are fieldValidation's; status, see check_def. */
		if (p == NULL || (base == 0 && strcmp(p->name, "status") == 0))
			continue;
		if (base > 0)
			strbuf_addc(&tc->path, '.');
		strbuf_adds(&tc->path, it->string);
		if (cJSON_IsNull(it)) {
			/* Go leaves the zero value */
		} else if (p->type == OA_ARRAY) {
			if (!cJSON_IsArray(it))
				type_error(tc, it, NULL, d->name, OA_ARRAY,
				    p->item, p->ref, p->format);
			else
				cJSON_ArrayForEach(e, it)
					tcheck_value(tc, e, d->name, p->item,
					    p->ref, p->format);
		} else if (p->type == OA_MAP) {
			if (!cJSON_IsObject(it))
				type_error(tc, it, NULL, d->name, OA_MAP,
				    p->item, p->ref, p->format);
			else
				cJSON_ArrayForEach(e, it)
					tcheck_value(tc, e, d->name, p->item,
					    p->ref, p->format);
		} else {
			tcheck_value(tc, it, d->name, p->type, p->ref,
			    p->format);
		}
		strbuf_setlen(&tc->path, base);
	}
}

int
openapi_check_types(const struct api_resource *r, const cJSON *obj,
    struct ck_status *st)
{
	const struct openapi_def *d;
	struct tcheck tc = { .r = r, .st = st, .path = STRBUF_INIT };

	if (!cJSON_IsObject(obj))
		return 0;
	d = openapi_def_of_kind(r->group, r->version, r->kind);
	if (d == NULL)
		return 0;
	tcheck_def(&tc, obj, d);
	strbuf_fini(&tc.path);
	return tc.rc;
}
