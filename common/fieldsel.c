/*
 * fieldsel.c: field selectors as apimachinery fields.ParseSelector reads
 * them: comma-separated terms (AND), operators =, == and !=, values with
 * the escapes \\ \, \=. Terms name dotted paths into the object; which paths
 * are allowed is the caller's (per-kind) decision.
 */
#include "ckube/fieldsel.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

struct field_term {
	char	*path;
	bool	 neg;		/* != */
	char	*value;
};

struct field_selector {
	size_t			 nterms;
	struct field_term	*terms;
};

void
fieldsel_free(struct field_selector *sel)
{
	size_t i;

	if (sel == NULL)
		return;
	for (i = 0; i < sel->nterms; i++) {
		free(sel->terms[i].path);
		free(sel->terms[i].value);
	}
	free(sel->terms);
	free(sel);
}

/* Unescape v[0..len) into sb; CK_EBADREQ on a bad escape or a bare , or =. */
static int
unescape(const char *v, size_t len, struct strbuf *sb)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (v[i] == '\\') {
			if (i + 1 >= len)
				return CK_EBADREQ;
			i++;
			if (v[i] != '\\' && v[i] != ',' && v[i] != '=')
				return CK_EBADREQ;
		} else if (v[i] == '=' || v[i] == ',') {
			return CK_EBADREQ;
		}
		strbuf_addc(sb, v[i]);
	}
	return 0;
}

static bool
path_allowed(const char *const *allowed, const char *path)
{
	size_t i;

	if (allowed == NULL)
		return true;
	for (i = 0; allowed[i] != NULL; i++)
		if (strcmp(allowed[i], path) == 0)
			return true;
	return false;
}

static int
parse_term(const char *t, size_t len, const char *const *allowed,
    struct field_selector *sel, struct ck_status *st)
{
	struct strbuf val = STRBUF_INIT;
	struct field_term *ft;
	size_t i, oplen = 0;
	bool neg = false;
	char *path;

	for (i = 0; i < len; i++) {
		if (t[i] == '\\') {
			i++;	/* an escaped byte is never an operator */
			continue;
		}
		if (t[i] == '!' && i + 1 < len && t[i + 1] == '=') {
			oplen = 2;
			neg = true;
			break;
		}
		if (t[i] == '=') {
			oplen = (i + 1 < len && t[i + 1] == '=') ? 2 : 1;
			break;
		}
	}
	if (oplen == 0 || i == 0)
		return ck_status_set(st, CK_EBADREQ,
		    "invalid selector: '%.*s'; can't understand '%.*s'",
		    (int)len, t, (int)len, t);
	path = ck_strndup(t, i);
	if (!path_allowed(allowed, path)) {
		ck_status_set(st, CK_EBADREQ, "field label not supported: %s",
		    path);
		free(path);
		return CK_EBADREQ;
	}
	if (unescape(t + i + oplen, len - i - oplen, &val) < 0) {
		ck_status_set(st, CK_EBADREQ,
		    "invalid field selector: invalid escape sequence or "
		    "unescaped '=' or ',' in value: '%.*s'", (int)len, t);
		free(path);
		strbuf_fini(&val);
		return CK_EBADREQ;
	}
	sel->terms = ck_reallocarray(sel->terms, sel->nterms + 1,
	    sizeof(*sel->terms));
	ft = &sel->terms[sel->nterms++];
	ft->path = path;
	ft->neg = neg;
	ft->value = strbuf_detach(&val, NULL);
	return 0;
}

int
fieldsel_parse(const char *s, const char *const *allowed,
    struct field_selector **out, struct ck_status *st)
{
	struct field_selector *sel;
	size_t i, start = 0, len;
	int rc;

	*out = NULL;
	if (s == NULL)
		s = "";
	sel = ck_calloc(1, sizeof(*sel));
	len = strlen(s);
	for (i = 0; i <= len; i++) {
		if (i + 1 < len && s[i] == '\\') {
			i++;		/* the escaped byte never splits */
			continue;
		}
		if (i < len && s[i] != ',')
			continue;
		if (i > start) {
			rc = parse_term(s + start, i - start, allowed, sel, st);
			if (rc < 0) {
				fieldsel_free(sel);
				return rc;
			}
		}
		start = i + 1;
	}
	*out = sel;
	return 0;
}

/* The text of the value at path: strings as is, numbers and bools as JSON. */
static const char *
field_text(const cJSON *obj, const char *path, char *buf, size_t len)
{
	const cJSON *cur = obj;
	const char *p = path;

	while (cur != NULL && *p != '\0') {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		const cJSON *child = NULL, *it;

		if (!cJSON_IsObject(cur))
			return "";
		cJSON_ArrayForEach(it, cur) {
			if (it->string != NULL && strlen(it->string) == n &&
			    memcmp(it->string, p, n) == 0) {
				child = it;
				break;
			}
		}
		cur = child;
		p += n;
		if (*p == '.')
			p++;
	}
	if (cur == NULL)
		return "";
	if (cJSON_IsString(cur))
		return cur->valuestring;
	if (cJSON_IsTrue(cur))
		return "true";
	if (cJSON_IsFalse(cur))
		return "false";
	if (cJSON_IsNumber(cur)) {
		double d = cur->valuedouble;

		if (isfinite(d) && d == floor(d) && fabs(d) < 9.0e15)
			snprintf(buf, len, "%" PRId64, (int64_t)d);
		else
			snprintf(buf, len, "%.17g", d);
		return buf;
	}
	return "";
}

bool
fieldsel_matches(const struct field_selector *sel, const cJSON *obj)
{
	char buf[64];
	size_t i;

	if (sel == NULL)
		return true;
	for (i = 0; i < sel->nterms; i++) {
		const struct field_term *t = &sel->terms[i];
		const char *have = field_text(obj, t->path, buf, sizeof(buf));

		if ((strcmp(have, t->value) == 0) == t->neg)
			return false;
	}
	return true;
}

const char *
fieldsel_exact_value(const struct field_selector *sel, const char *path)
{
	size_t i;

	if (sel == NULL)
		return NULL;
	for (i = 0; i < sel->nterms; i++)
		if (!sel->terms[i].neg && strcmp(sel->terms[i].path, path) == 0)
			return sel->terms[i].value;
	return NULL;
}

bool
fieldsel_is_empty(const struct field_selector *sel)
{
	return sel == NULL || sel->nterms == 0;
}
