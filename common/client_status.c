/*
 * client_status.c: the parts of client.h that need no connection: URL paths
 * and query escaping, Status decoding into ck_status and CK_E* codes, and the
 * resource a kind belongs to. client.c does the HTTP.
 */
#include "ckube/client.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"

#include "client_int.h"

/* ---- escaping and paths ---- */

static int
is_unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Append s percent-escaped (unreserved bytes and extra stay) at buf[*len]. */
static int
escape_into(char *buf, size_t size, size_t *len, const char *s,
    const char *extra)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = *len;
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (is_unreserved(c) ||
		    (extra != NULL && strchr(extra, c) != NULL)) {
			if (n + 1 >= size)
				return CK_EINVALID;
			buf[n++] = (char)c;
		} else {
			if (n + 3 >= size)
				return CK_EINVALID;
			buf[n++] = '%';
			buf[n++] = hex[c >> 4];
			buf[n++] = hex[c & 15];
		}
	}
	buf[n] = '\0';
	*len = n;
	return 0;
}

static int
add_segment(char *buf, size_t size, size_t *len, const char *seg,
    const char *what, struct ck_status *st)
{
	if (seg[0] == '\0' || strcmp(seg, ".") == 0 || strcmp(seg, "..") == 0)
		return ck_status_set(st, CK_EINVALID,
		    "client: invalid %s \"%s\"", what, seg);
	if (*len + 1 >= size)
		goto toolong;
	buf[(*len)++] = '/';
	buf[*len] = '\0';
	/* Names like "system:node:n1" keep their colons, as client-go does. */
	if (escape_into(buf, size, len, seg, ":@") < 0)
		goto toolong;
	return 0;
toolong:
	return ck_status_set(st, CK_EINVALID,
	    "client: path too long at %s \"%.64s\"", what, seg);
}

int
client_path(char *buf, size_t size, const struct client_gvr *gvr,
    const char *ns, const char *name, const char *subresource,
    struct ck_status *st)
{
	size_t len = 0;
	int rc;

	if (size == 0)
		return ck_status_set(st, CK_EINVALID,
		    "client: no room for a path");
	buf[0] = '\0';
	if (gvr == NULL || gvr->version == NULL || gvr->resource == NULL)
		return ck_status_set(st, CK_EINVALID,
		    "client: incomplete resource");
	if (gvr->group == NULL || gvr->group[0] == '\0') {
		rc = add_segment(buf, size, &len, "api", "prefix", st);
	} else {
		rc = add_segment(buf, size, &len, "apis", "prefix", st);
		if (rc == 0)
			rc = add_segment(buf, size, &len, gvr->group, "group",
			    st);
	}
	if (rc == 0)
		rc = add_segment(buf, size, &len, gvr->version, "version", st);
	if (rc == 0 && ns != NULL) {
		rc = add_segment(buf, size, &len, "namespaces", "prefix", st);
		if (rc == 0)
			rc = add_segment(buf, size, &len, ns, "namespace", st);
	}
	if (rc == 0)
		rc = add_segment(buf, size, &len, gvr->resource, "resource",
		    st);
	if (rc == 0 && name != NULL)
		rc = add_segment(buf, size, &len, name, "name", st);
	if (rc == 0 && subresource != NULL) {
		if (name == NULL)
			return ck_status_set(st, CK_EINVALID,
			    "client: subresource %s without a name",
			    subresource);
		rc = add_segment(buf, size, &len, subresource, "subresource",
		    st);
	}
	if (rc < 0)
		buf[0] = '\0';
	return rc;
}

int
client_query_add(char *buf, size_t size, const char *key, const char *value)
{
	size_t len, save;

	len = strnlen(buf, size);
	if (len >= size)
		return CK_EINVALID;
	save = len;
	if (len + 1 >= size)
		goto toolong;
	buf[len++] = strchr(buf, '?') == NULL ? '?' : '&';
	buf[len] = '\0';
	if (escape_into(buf, size, &len, key, NULL) < 0 || len + 1 >= size)
		goto toolong;
	buf[len++] = '=';
	buf[len] = '\0';
	if (escape_into(buf, size, &len, value, NULL) < 0)
		goto toolong;
	return 0;
toolong:
	buf[save] = '\0';
	return CK_EINVALID;
}

/* ---- Status decoding ---- */

static int
err_of_code(long code, const char *reason)
{
	switch (code) {
	case 400:
		return CK_EBADREQ;
	case 401:
		return CK_EUNAUTH;
	case 403:
		return CK_EPERM;
	case 404:
		return CK_ENOTFOUND;
	case 405:
	case 415:
		return CK_ENOTSUP;
	case 409:
		return reason != NULL && strcmp(reason, "AlreadyExists") == 0 ?
		    CK_EEXIST : CK_ECONFLICT;
	case 410:
		return CK_EGONE;
	case 413:
		return CK_ETOOBIG;
	case 422:
		return CK_EINVALID;
	case 429:
		return CK_EAGAIN;
	default:
		return CK_EIO;
	}
}

const char *
client_json_str(const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Copy a Status object's fields into st; its code wins over http_code. */
int
client_status_from_json(const cJSON *s, long http_code, struct ck_status *st)
{
	const cJSON *code, *details, *causes, *c;
	const char *reason, *message;
	long hc = http_code;
	int err;

	code = cJSON_GetObjectItemCaseSensitive(s, "code");
	if (cJSON_IsNumber(code) && code->valuedouble >= 100 &&
	    code->valuedouble < 600)
		hc = (long)code->valuedouble;
	reason = client_json_str(s, "reason");
	message = client_json_str(s, "message");
	err = err_of_code(hc, reason);
	if (st == NULL)
		return err;
	ck_status_clear(st);
	st->code = (int)hc;
	ck_strlcpy(st->reason, reason != NULL ? reason : ck_err_reason(err),
	    sizeof(st->reason));
	ck_strlcpy(st->message, message != NULL ? message : "",
	    sizeof(st->message));
	details = cJSON_GetObjectItemCaseSensitive(s, "details");
	if (!cJSON_IsObject(details))
		return err;
	ck_status_set_details(st, client_json_str(details, "name"),
	    client_json_str(details, "group"),
	    client_json_str(details, "kind"));
	causes = cJSON_GetObjectItemCaseSensitive(details, "causes");
	cJSON_ArrayForEach(c, causes) {
		const char *f = client_json_str(c, "field");
		const char *r = client_json_str(c, "reason");
		const char *m = client_json_str(c, "message");

		ck_status_add_cause(st, f != NULL ? f : "", r != NULL ? r : "",
		    "%s", m != NULL ? m : "");
	}
	return err;
}

static const char *
unstructured_text(long code)
{
	switch (code) {
	case 400:
		return "the server rejected our request for an unknown reason";
	case 401:
		return "the server has asked for the client to provide "
		    "credentials";
	case 403:
		return "the server does not allow access to the requested "
		    "resource";
	case 404:
		return "the server could not find the requested resource";
	case 405:
		return "the server does not allow this method on the "
		    "requested resource";
	case 409:
		return "the server reported a conflict";
	case 410:
		return "the server reports the requested resource is gone";
	case 413:
		return "the server rejected the request as too large";
	case 415:
		return "the server does not support the request's content type";
	case 422:
		return "the server rejected our request due to an error in "
		    "our request";
	case 429:
		return "the server has received too many requests and has "
		    "asked us to try again later";
	default:
		return NULL;
	}
}

int
client_status_decode(long http_code, const char *body, size_t len,
    const char *what, struct ck_status *st)
{
	char excerpt[201];
	const char *kind, *text;
	cJSON *doc = NULL;
	size_t i, n;
	int err;

	if (body != NULL && len > 0)
		doc = cJSON_ParseWithLength(body, len);
	kind = client_json_str(doc, "kind");
	if (cJSON_IsObject(doc) && kind != NULL &&
	    strcmp(kind, "Status") == 0) {
		err = client_status_from_json(doc, http_code, st);
		goto out;
	}
	err = err_of_code(http_code, NULL);
	if (st == NULL)
		goto out;
	/* A cleaned excerpt: printable bytes only, trailing space dropped. */
	n = 0;
	for (i = 0; body != NULL && i < len && n < sizeof(excerpt) - 1; i++)
		excerpt[n++] = isprint((unsigned char)body[i]) ? body[i] : ' ';
	while (n > 0 && excerpt[n - 1] == ' ')
		n--;
	excerpt[n] = '\0';
	text = unstructured_text(http_code);
	if (text != NULL)
		ck_status_set(st, err, "%s%s%s%s%s%s", text,
		    what != NULL ? " (" : "", what != NULL ? what : "",
		    what != NULL ? ")" : "", n > 0 ? ": " : "", excerpt);
	else
		ck_status_set(st, err, "an error on the server (\"%s\") has "
		    "prevented the request from succeeding%s%s%s", n > 0 ?
		    excerpt : "unknown", what != NULL ? " (" : "",
		    what != NULL ? what : "", what != NULL ? ")" : "");
	st->code = (int)http_code;
out:
	cJSON_Delete(doc);
	return err;
}

/* ---- kinds to resources ---- */

static const struct {
	const char	*kind;
	const char	*resource;
} irregular_kinds[] = {
	{ "Endpoints",		"endpoints" },
	{ "PodMetrics",		"pods" },
	{ "NodeMetrics",	"nodes" },
};

static int
plural_of(const char *kind, char *out, size_t size)
{
	size_t i, n;
	char last, prev;

	for (i = 0; i < ARRAY_SIZE(irregular_kinds); i++)
		if (strcmp(kind, irregular_kinds[i].kind) == 0)
			return ck_strlcpy(out, irregular_kinds[i].resource,
			    size) < size ? 0 : CK_EINVALID;
	n = strlen(kind);
	if (n == 0 || n + 3 > size)
		return CK_EINVALID;
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)kind[i]);
	out[n] = '\0';
	last = out[n - 1];
	prev = n > 1 ? out[n - 2] : '\0';
	if (last == 's' || last == 'x' || last == 'z' ||
	    (last == 'h' && (prev == 'c' || prev == 's'))) {
		out[n] = 'e';
		out[n + 1] = 's';
		out[n + 2] = '\0';
	} else if (last == 'y' && prev != '\0' &&
	    strchr("aeiou", prev) == NULL) {
		out[n - 1] = 'i';
		out[n] = 'e';
		out[n + 1] = 's';
		out[n + 2] = '\0';
	} else {
		out[n] = 's';
		out[n + 1] = '\0';
	}
	return 0;
}

int
client_gvr_of(const cJSON *obj, char *group, size_t gsize, char *version,
    size_t vsize, char *resource, size_t rsize, struct ck_status *st)
{
	const char *av, *kind, *slash;
	size_t glen;

	av = client_json_str(obj, "apiVersion");
	kind = client_json_str(obj, "kind");
	if (av == NULL || av[0] == '\0' || kind == NULL || kind[0] == '\0')
		return ck_status_set(st, CK_EINVALID,
		    "client: object has no apiVersion or kind");
	slash = strchr(av, '/');
	glen = slash != NULL ? (size_t)(slash - av) : 0;
	if (glen >= gsize || (slash != NULL && glen == 0))
		return ck_status_set(st, CK_EINVALID,
		    "client: bad apiVersion \"%.64s\"", av);
	memcpy(group, av, glen);
	group[glen] = '\0';
	if (ck_strlcpy(version, slash != NULL ? slash + 1 : av, vsize) >=
	    vsize || version[0] == '\0' || strchr(version, '/') != NULL)
		return ck_status_set(st, CK_EINVALID,
		    "client: bad apiVersion \"%.64s\"", av);
	if (plural_of(kind, resource, rsize) < 0)
		return ck_status_set(st, CK_EINVALID,
		    "client: bad kind \"%.64s\"", kind);
	return 0;
}
