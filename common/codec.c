/*
 * codec.c: request bodies -> cJSON by Content-Type. JSON goes through cJSON
 * with the whole body required to parse; YAML (a superset of JSON) through
 * yamljson. Both paths refuse NUL bytes, empty bodies, deep nesting and the
 * wrong top-level type, and NUL inside strings (422: cJSON keeps C strings,
 * so "a\u0000b" would be stored as "a"). Protobuf is recognised here and decoded elsewhere.
 */
#include "ckube/codec.h"

#include <cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "ckube/yamljson.h"

#define CODEC_MAX_DEPTH	100

static const struct {
	const char	*type;
	enum codec_kind	 kind;
} codec_types[] = {
	{ "application/json",				CODEC_JSON },
	{ "application/merge-patch+json",		CODEC_JSON },
	{ "application/json-patch+json",		CODEC_JSON },
	{ "application/strategic-merge-patch+json",	CODEC_JSON },
	{ "application/yaml",				CODEC_YAML },
	{ "application/apply-patch+yaml",		CODEC_YAML },
	{ "text/yaml",					CODEC_YAML },
	{ "application/vnd.kubernetes.protobuf",	CODEC_PROTOBUF },
};

enum codec_kind
codec_kind_of(const char *content_type)
{
	const char *s, *e;
	size_t i, n;

	if (content_type == NULL)
		return CODEC_JSON;
	for (s = content_type; *s == ' ' || *s == '\t'; s++)
		;
	for (e = s; *e != '\0' && *e != ';'; e++)
		;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	n = (size_t)(e - s);
	if (n == 0)
		return CODEC_JSON;
	for (i = 0; i < ARRAY_SIZE(codec_types); i++)
		if (strlen(codec_types[i].type) == n &&
		    strncasecmp(codec_types[i].type, s, n) == 0)
			return codec_types[i].kind;
	return CODEC_UNSUPPORTED;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* First key that appears twice in obj, or NULL. */
static const char *
duplicate_key(const cJSON *obj)
{
	const cJSON *c, *d;
	const char **keys, *dup = NULL;
	size_t n = 0, i;

	for (c = obj->child; c != NULL; c = c->next)
		n++;
	if (n < 2)
		return NULL;
	if (n <= 16) {
		for (c = obj->child; c != NULL; c = c->next)
			for (d = c->next; d != NULL; d = d->next)
				if (strcmp(c->string, d->string) == 0)
					return c->string;
		return NULL;
	}
	keys = ck_reallocarray(NULL, n, sizeof(*keys));
	n = 0;
	for (c = obj->child; c != NULL; c = c->next)
		keys[n++] = c->string;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 1; i < n && dup == NULL; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			dup = keys[i];
	free(keys);
	return dup;
}

/*
 * What JSON syntax allows but an object must not have: nesting deeper than
 * CODEC_MAX_DEPTH, duplicate keys (readers would disagree on the value) and
 * numbers out of the double range. Recursion is bounded by the depth limit.
 */
static int
check_tree(const cJSON *n, int depth, struct ck_status *st)
{
	const cJSON *c;
	const char *dup;
	int rc;

	if (cJSON_IsNumber(n) && !isfinite(n->valuedouble))
		return ck_status_set(st, CK_EBADREQ, "json parse error: number "
		    "out of range");
	if (!cJSON_IsArray(n) && !cJSON_IsObject(n))
		return 0;
	if (depth >= CODEC_MAX_DEPTH)
		return ck_status_set(st, CK_EBADREQ, "the body is nested deeper "
		    "than %d levels", CODEC_MAX_DEPTH);
	if (cJSON_IsObject(n) && (dup = duplicate_key(n)) != NULL)
		return ck_status_set(st, CK_EBADREQ, "json parse error: "
		    "duplicate field \"%.128s\"", dup);
	for (c = n->child; c != NULL; c = c->next) {
		rc = check_tree(c, depth + 1, st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Brackets open (outside strings) before offset off of JSON text. */
static size_t
json_depth_at(const char *buf, size_t off)
{
	size_t i, depth = 0;
	bool in = false;

	for (i = 0; i < off; i++) {
		if (in) {
			if (buf[i] == '\\')
				i++;
			else if (buf[i] == '"')
				in = false;
		} else if (buf[i] == '"') {
			in = true;
		} else if (buf[i] == '[' || buf[i] == '{') {
			depth++;
		} else if ((buf[i] == ']' || buf[i] == '}') && depth > 0) {
			depth--;
		}
	}
	return depth;
}

static int
json_error(const char *buf, size_t len, const char *at, struct ck_status *st)
{
	size_t off, i, line = 1, col = 1;

	off = at != NULL && at >= buf && at <= buf + len ? (size_t)(at - buf) : 0;
	/* cJSON stops at its own nesting limit (1000) with a bare syntax error */
	if (json_depth_at(buf, off) >= CODEC_MAX_DEPTH)
		return ck_status_set(st, CK_EBADREQ, "the body is nested deeper "
		    "than %d levels", CODEC_MAX_DEPTH);
	for (i = 0; i < off; i++) {
		if (buf[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	if (off >= len)
		return ck_status_set(st, CK_EBADREQ, "couldn't get version/kind; "
		    "json parse error: unexpected end of JSON input");
	if (isprint((unsigned char)buf[off]))
		return ck_status_set(st, CK_EBADREQ, "couldn't get version/kind; "
		    "json parse error: syntax error near '%c' at line %zu, "
		    "column %zu", buf[off], line, col);
	return ck_status_set(st, CK_EBADREQ, "couldn't get version/kind; json "
	    "parse error: syntax error near byte 0x%02x at line %zu, column %zu",
	    (unsigned char)buf[off], line, col);
}

/*
 * The first \u0000 escape inside a string of JSON text (already known to
 * parse), or NULL. A backslash escapes the next character, so "\\u0000"
 * is a backslash and the text u0000.
 */
static const char *
find_nul_escape(const char *buf, size_t len)
{
	size_t i;
	bool in = false;

	for (i = 0; i < len; i++) {
		if (buf[i] == '"') {
			in = !in;
			continue;
		}
		if (!in || buf[i] != '\\')
			continue;
		if (len - i >= 6 && memcmp(buf + i + 1, "u0000", 5) == 0)
			return buf + i;
		i++;
	}
	return NULL;
}

static int
nul_error(const char *buf, const char *at, struct ck_status *st)
{
	size_t line = 1, col = 1;
	const char *p;

	for (p = buf; p < at; p++) {
		if (*p == '\n') {
			line++;
			col = 1;
		} else
			col++;
	}
	return ck_status_set(st, CK_EINVALID, "json: \\u0000 (NUL) in a "
	    "string at line %zu, column %zu: NUL is not supported in names, "
	    "keys or values (it would be stored cut short)", line, col);
}

static int
decode_json(const char *buf, size_t len, cJSON **out, struct ck_status *st)
{
	const char *end = NULL;
	cJSON *doc;

	doc = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	if (doc == NULL)
		return json_error(buf, len, end, st);
	while (end < buf + len && (*end == ' ' || *end == '\t' ||
	    *end == '\n' || *end == '\r'))
		end++;
	if (end != buf + len) {
		cJSON_Delete(doc);
		return json_error(buf, len, end, st);
	}
	if ((end = find_nul_escape(buf, len)) != NULL) {
		cJSON_Delete(doc);
		return nul_error(buf, end, st);
	}
	*out = doc;
	return 0;
}

/*
 * Strict UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF).
 * Objects are stored and re-emitted as text, so a body that is not UTF-8
 * would turn into JSON or YAML that other readers refuse.
 */
static int
utf8_is_valid(const unsigned char *p, size_t len)
{
	size_t i = 0, n, k;
	uint32_t cp;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			n = 1;
			cp = p[i] & 0x1f;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			n = 2;
			cp = p[i] & 0x0f;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			n = 3;
			cp = p[i] & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

int
codec_decode(const char *content_type, const char *buf, size_t len,
    int want_object, cJSON **out, struct ck_status *st)
{
	enum codec_kind kind = codec_kind_of(content_type);
	cJSON *doc = NULL;
	int rc;

	*out = NULL;
	if (kind == CODEC_UNSUPPORTED || kind == CODEC_PROTOBUF) {
		rc = ck_status_set(st, CK_ENOTSUP, "the body of the request was "
		    "in an unknown format - accepted media types include: "
		    "application/json, application/yaml");
		if (kind == CODEC_PROTOBUF && st != NULL)
			ck_status_set(st, CK_ENOTSUP, "protobuf bodies are decoded "
			    "by the protobuf codec, not here");
		if (st != NULL) {
			st->code = 415;
			ck_strlcpy(st->reason, "UnsupportedMediaType",
			    sizeof(st->reason));
		}
		return rc;
	}
	if (len == 0)
		return ck_status_set(st, CK_EBADREQ, "the request body is empty");
	if (memchr(buf, '\0', len) != NULL)
		return ck_status_set(st, CK_EBADREQ, "the request body contains "
		    "a NUL byte");
	if (!utf8_is_valid((const unsigned char *)buf, len))
		return ck_status_set(st, CK_EBADREQ, "the request body is not "
		    "valid UTF-8");
	if (kind == CODEC_JSON)
		rc = decode_json(buf, len, &doc, st);
	else
		rc = yamljson_parse_one(buf, len, &doc, st);
	if (rc < 0)
		return rc;
	if (want_object && !cJSON_IsObject(doc)) {
		rc = ck_status_set(st, CK_EBADREQ, "couldn't get version/kind; "
		    "the body must be a JSON object, not %s",
		    cJSON_IsArray(doc) ? "an array" : "a scalar");
		goto fail;
	}
	if (!want_object && !cJSON_IsObject(doc) && !cJSON_IsArray(doc)) {
		rc = ck_status_set(st, CK_EBADREQ, "the body must be a JSON "
		    "object or array, not a scalar");
		goto fail;
	}
	rc = check_tree(doc, 0, st);
	if (rc < 0)
		goto fail;
	*out = doc;
	return 0;
fail:
	cJSON_Delete(doc);
	return rc;
}
