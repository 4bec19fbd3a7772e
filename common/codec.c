/*
 * codec.c: request bodies -> cJSON by Content-Type. JSON goes through cJSON
 * with the whole body required to parse; YAML (a superset of JSON) through
 * yamljson. Both paths refuse NUL bytes, empty bodies, deep nesting and the
 * wrong top-level type. Protobuf is recognised here and decoded elsewhere.
 */
#include "ckube/codec.h"

#include <cJSON.h>
#include <ctype.h>
#include <string.h>
#include <strings.h>

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

/* Deepest container nesting of n (1 for a scalar); cJSON caps it at 1000. */
static int
depth_of(const cJSON *n)
{
	const cJSON *c;
	int d, max = 0;

	if (!cJSON_IsArray(n) && !cJSON_IsObject(n))
		return 1;
	for (c = n->child; c != NULL; c = c->next) {
		d = depth_of(c);
		if (d > max)
			max = d;
	}
	return max + 1;
}

static int
json_error(const char *buf, size_t len, const char *at, struct ck_status *st)
{
	size_t off, i, line = 1, col = 1;

	off = at != NULL && at >= buf && at <= buf + len ? (size_t)(at - buf) : 0;
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
	*out = doc;
	return 0;
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
	if (depth_of(doc) > CODEC_MAX_DEPTH) {
		rc = ck_status_set(st, CK_EBADREQ, "the body is nested deeper "
		    "than %d levels", CODEC_MAX_DEPTH);
		goto fail;
	}
	*out = doc;
	return 0;
fail:
	cJSON_Delete(doc);
	return rc;
}
