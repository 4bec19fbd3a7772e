/*
 * selector.c: Kubernetes label selectors. Parses the query-string form (the
 * grammar of apimachinery labels.Parse) and the JSON LabelSelector form into
 * one list of AND-ed requirements, validates keys and values as Kubernetes
 * does, and matches them against a metadata.labels object.
 */
#include "ckube/selector.h"

#include "ckube/kobj.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

enum sel_op {
	SEL_EQ,		/* =, ==, matchLabels */
	SEL_NE,		/* != */
	SEL_IN,
	SEL_NOTIN,
	SEL_EXISTS,
	SEL_NOTEXISTS,
	SEL_GT,		/* > : the label is an integer greater than the value */
	SEL_LT,		/* < */
};

struct sel_req {
	char		*key;
	enum sel_op	 op;
	size_t		 nvals;
	char		**vals;
};

struct label_selector {
	bool		 nothing;	/* the null selector */
	size_t		 nreqs;
	size_t		 capreqs;
	struct sel_req	*reqs;
};

#define LABEL_NAME_MAX		63
#define LABEL_PREFIX_MAX	253

#define MSG_LABEL_VALUE	"a valid label must be an empty string or consist " \
	"of alphanumeric characters, '-', '_' or '.', and must start and end " \
	"with an alphanumeric character"

static struct label_selector *
sel_new(void)
{
	return ck_calloc(1, sizeof(struct label_selector));
}

static struct sel_req *
sel_add_req(struct label_selector *sel, const char *key, size_t keylen,
    enum sel_op op)
{
	struct sel_req *r;

	if (sel->nreqs == sel->capreqs) {
		sel->capreqs = sel->capreqs ? sel->capreqs * 2 : 4;
		sel->reqs = ck_reallocarray(sel->reqs, sel->capreqs,
		    sizeof(*sel->reqs));
	}
	r = &sel->reqs[sel->nreqs++];
	r->key = ck_strndup(key, keylen);
	r->op = op;
	r->nvals = 0;
	r->vals = NULL;
	return r;
}

static void
req_add_val(struct sel_req *r, const char *v, size_t len)
{
	r->vals = ck_reallocarray(r->vals, r->nvals + 1, sizeof(*r->vals));
	r->vals[r->nvals++] = ck_strndup(v, len);
}

void
selector_free(struct label_selector *sel)
{
	size_t i, j;

	if (sel == NULL)
		return;
	for (i = 0; i < sel->nreqs; i++) {
		for (j = 0; j < sel->reqs[i].nvals; j++)
			free(sel->reqs[i].vals[j]);
		free(sel->reqs[i].vals);
		free(sel->reqs[i].key);
	}
	free(sel->reqs);
	free(sel);
}

/* The name part: ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9], at most 63 bytes. */
static bool
is_qualified_name_part(const char *s, size_t len, bool allow_empty)
{
	size_t i;

	if (len == 0)
		return allow_empty;
	if (len > LABEL_NAME_MAX)
		return false;
	if (!isalnum((unsigned char)s[0]) ||
	    !isalnum((unsigned char)s[len - 1]))
		return false;
	for (i = 1; i + 1 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return false;
	}
	return true;
}

/* A lowercase RFC 1123 DNS subdomain, at most 253 bytes. */
static bool
is_dns_subdomain(const char *s, size_t len)
{
	size_t i, start = 0;

	if (len == 0 || len > LABEL_PREFIX_MAX)
		return false;
	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			size_t l = i - start;
			const char *p = s + start;
			size_t j;

			if (l == 0 || l > 63)
				return false;
			if (p[0] == '-' || p[l - 1] == '-')
				return false;
			for (j = 0; j < l; j++) {
				unsigned char c = (unsigned char)p[j];

				if (!(islower(c) || isdigit(c) || c == '-'))
					return false;
			}
			start = i + 1;
		}
	}
	return true;
}

static bool
is_valid_key_n(const char *key, size_t len)
{
	const char *slash = memchr(key, '/', len);

	if (slash == NULL)
		return is_qualified_name_part(key, len, false);
	if (!is_dns_subdomain(key, (size_t)(slash - key)))
		return false;
	return is_qualified_name_part(slash + 1,
	    len - (size_t)(slash - key) - 1, false);
}

bool
selector_is_valid_label_key(const char *key)
{
	return key != NULL && is_valid_key_n(key, strlen(key));
}

bool
selector_is_valid_label_value(const char *value)
{
	return value != NULL &&
	    is_qualified_name_part(value, strlen(value), true);
}

/*
 * The string form. Tokens as in apimachinery's lexer: identifiers run until
 * whitespace or one of ! = , ( ) < >; "in" and "notin" are keywords.
 */
enum tok {
	TOK_END,
	TOK_IDENT,
	TOK_IN,
	TOK_NOTIN,
	TOK_NOT,	/* ! */
	TOK_NE,		/* != */
	TOK_EQ,		/* = */
	TOK_EQEQ,	/* == */
	TOK_LPAR,
	TOK_RPAR,
	TOK_COMMA,
	TOK_GT,
	TOK_LT,
};

struct lexer {
	const char	*s;
	size_t		 pos;
	/* the last token read */
	enum tok	 tok;
	const char	*text;
	size_t		 len;
};

static bool
is_special(char c)
{
	return c == '!' || c == '=' || c == ',' || c == '(' || c == ')' ||
	    c == '<' || c == '>';
}

static enum tok
lex(struct lexer *lx)
{
	const char *s = lx->s;
	size_t start;

	while (s[lx->pos] != '\0' && isspace((unsigned char)s[lx->pos]))
		lx->pos++;
	start = lx->pos;
	lx->text = s + start;
	lx->len = 0;
	if (s[start] == '\0')
		return lx->tok = TOK_END;
	if (is_special(s[start])) {
		char c = s[start], n = s[start + 1];

		lx->pos++;
		lx->len = 1;
		switch (c) {
		case '!':
			if (n == '=') {
				lx->pos++;
				lx->len = 2;
				return lx->tok = TOK_NE;
			}
			return lx->tok = TOK_NOT;
		case '=':
			if (n == '=') {
				lx->pos++;
				lx->len = 2;
				return lx->tok = TOK_EQEQ;
			}
			return lx->tok = TOK_EQ;
		case ',':
			return lx->tok = TOK_COMMA;
		case '(':
			return lx->tok = TOK_LPAR;
		case ')':
			return lx->tok = TOK_RPAR;
		case '>':
			return lx->tok = TOK_GT;
		default:
			return lx->tok = TOK_LT;
		}
	}
	while (s[lx->pos] != '\0' && !isspace((unsigned char)s[lx->pos]) &&
	    !is_special(s[lx->pos]))
		lx->pos++;
	lx->len = lx->pos - start;
	if (lx->len == 2 && memcmp(lx->text, "in", 2) == 0)
		return lx->tok = TOK_IN;
	if (lx->len == 5 && memcmp(lx->text, "notin", 5) == 0)
		return lx->tok = TOK_NOTIN;
	return lx->tok = TOK_IDENT;
}

static enum tok
peek(const struct lexer *lx)
{
	struct lexer tmp = *lx;

	return lex(&tmp);
}

static int
parse_err(struct ck_status *st, const struct lexer *lx, const char *what)
{
	if (lx->tok == TOK_END)
		return ck_status_set(st, CK_EBADREQ,
		    "unable to parse requirement: found '', expected: %s",
		    what);
	return ck_status_set(st, CK_EBADREQ,
	    "unable to parse requirement: found '%.*s', expected: %s",
	    (int)lx->len, lx->text, what);
}

static int
check_value(struct ck_status *st, const char *v, size_t len)
{
	if (is_qualified_name_part(v, len, true))
		return 0;
	return ck_status_set(st, CK_EBADREQ,
	    "unable to parse requirement: invalid label value: \"%.*s\": "
	    MSG_LABEL_VALUE, (int)len, v);
}

/* A value token: identifiers, and the keywords taken literally. */
static bool
is_value_tok(enum tok t)
{
	return t == TOK_IDENT || t == TOK_IN || t == TOK_NOTIN;
}

static int
parse_values(struct lexer *lx, struct sel_req *r, struct ck_status *st)
{
	int rc;

	if (lex(lx) != TOK_LPAR)
		return parse_err(st, lx, "'(' for the set of values");
	if (peek(lx) == TOK_RPAR) {
		lex(lx);
		req_add_val(r, "", 0);	/* "in ()" is {""}, as upstream */
		return 0;
	}
	for (;;) {
		enum tok t = lex(lx);

		if (is_value_tok(t)) {
			if ((rc = check_value(st, lx->text, lx->len)) < 0)
				return rc;
			req_add_val(r, lx->text, lx->len);
			t = lex(lx);
		} else if (t == TOK_COMMA || t == TOK_RPAR) {
			req_add_val(r, "", 0);	/* empty, between commas */
		} else {
			return parse_err(st, lx, "a value, ',' or ')'");
		}
		if (t == TOK_RPAR)
			return 0;
		if (t != TOK_COMMA)
			return parse_err(st, lx, "',' or ')'");
		if (peek(lx) == TOK_RPAR) {
			lex(lx);
			req_add_val(r, "", 0);
			return 0;
		}
	}
}

static enum sel_op
op_of(enum tok t)
{
	switch (t) {
	case TOK_NE:
		return SEL_NE;
	case TOK_GT:
		return SEL_GT;
	case TOK_LT:
		return SEL_LT;
	case TOK_IN:
		return SEL_IN;
	case TOK_NOTIN:
		return SEL_NOTIN;
	default:
		return SEL_EQ;
	}
}

/* After a key: the operator and its value(s). */
static int
parse_op_values(struct lexer *lx, struct label_selector *sel, const char *key,
    size_t keylen, struct ck_status *st)
{
	enum tok t = lex(lx);
	struct sel_req *r;
	int64_t n;
	int rc;

	switch (t) {
	case TOK_EQ:
	case TOK_EQEQ:
	case TOK_NE:
	case TOK_GT:
	case TOK_LT:
	case TOK_IN:
	case TOK_NOTIN:
		break;
	default:
		return parse_err(st, lx, "one of '=', '==', '!=', 'in', "
		    "'notin', '>', '<', ',' or end");
	}
	r = sel_add_req(sel, key, keylen, op_of(t));
	if (r->op == SEL_IN || r->op == SEL_NOTIN)
		return parse_values(lx, r, st);
	if (r->op == SEL_GT || r->op == SEL_LT) {
		t = lex(lx);
		if (!is_value_tok(t) ||
		    ck_parse_int64n(lx->text, lx->len, &n) < 0)
			return ck_status_set(st, CK_EBADREQ,
			    "unable to parse requirement: for 'Gt', 'Lt' "
			    "operators, the value must be an integer: '%.*s'",
			    (int)lx->len, lx->text);
		req_add_val(r, lx->text, lx->len);
		return 0;
	}
	t = peek(lx);
	if (t == TOK_END || t == TOK_COMMA) {
		req_add_val(r, "", 0);
		return 0;
	}
	t = lex(lx);
	if (!is_value_tok(t))
		return parse_err(st, lx, "a label value");
	if ((rc = check_value(st, lx->text, lx->len)) < 0)
		return rc;
	req_add_val(r, lx->text, lx->len);
	return 0;
}

static int
parse_requirement(struct lexer *lx, struct label_selector *sel,
    struct ck_status *st)
{
	enum tok t;
	bool negated = false;

	t = lex(lx);
	if (t == TOK_NOT) {
		negated = true;
		t = lex(lx);
	}
	if (!is_value_tok(t))
		return parse_err(st, lx, negated ? "a label key after '!'" :
		    "a label key or '!'");
	if (!is_valid_key_n(lx->text, lx->len))
		return ck_status_set(st, CK_EBADREQ,
		    "unable to parse requirement: invalid label key \"%.*s\": "
		    "name part must consist of alphanumeric characters, '-', "
		    "'_' or '.', and must start and end with an alphanumeric "
		    "character (an optional DNS subdomain prefix and '/' may "
		    "precede it)", (int)lx->len, lx->text);
	if (negated) {
		sel_add_req(sel, lx->text, lx->len, SEL_NOTEXISTS);
		return 0;
	}
	t = peek(lx);
	if (t == TOK_END || t == TOK_COMMA) {
		sel_add_req(sel, lx->text, lx->len, SEL_EXISTS);
		return 0;
	}
	return parse_op_values(lx, sel, lx->text, lx->len, st);
}

int
selector_parse(const char *s, struct label_selector **out, struct ck_status *st)
{
	struct label_selector *sel;
	struct lexer lx = { 0 };
	int rc;

	*out = NULL;
	if (s == NULL)
		s = "";
	sel = sel_new();
	lx.s = s;
	if (peek(&lx) == TOK_END)
		goto done;
	for (;;) {
		if ((rc = parse_requirement(&lx, sel, st)) < 0)
			goto fail;
		lex(&lx);
		if (lx.tok == TOK_END)
			break;
		if (lx.tok != TOK_COMMA) {
			rc = parse_err(st, &lx, "',' or end of the selector");
			goto fail;
		}
	}
done:
	*out = sel;
	return 0;
fail:
	selector_free(sel);
	return rc;
}

/* The JSON form. */

static int json_err(struct ck_status *st, const char *field, const char *reason,
    const char *fmt, ...) CK_PRINTF(4, 5);

/* A 422 whose message and single cause are "<field>: <text>". */
static int
json_err(struct ck_status *st, const char *field, const char *reason,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ck_status_set(st, CK_EINVALID, "%s: %s", field, msg);
	ck_status_add_cause(st, field, reason, "%s", msg);
	return CK_EINVALID;
}

static const char *
str_or(const cJSON *v)
{
	return cJSON_IsString(v) ? v->valuestring : "(not a string)";
}

/* Equality requirements from a {key: value} map; f names it in errors. */
static int
from_map(const cJSON *ml, const char *f, struct label_selector *sel,
    struct ck_status *st)
{
	const cJSON *it;

	if (ml == NULL || cJSON_IsNull(ml))
		return 0;
	if (!cJSON_IsObject(ml))
		return json_err(st, f, "FieldValueInvalid",
		    "must be an object");
	cJSON_ArrayForEach(it, ml) {
		struct sel_req *r;

		if (!selector_is_valid_label_key(it->string))
			return json_err(st, f, "FieldValueInvalid",
			    "Invalid value: \"%s\": invalid label key",
			    it->string);
		if (!cJSON_IsString(it) ||
		    !selector_is_valid_label_value(it->valuestring))
			return json_err(st, f, "FieldValueInvalid",
			    "Invalid value: %s: " MSG_LABEL_VALUE, str_or(it));
		r = sel_add_req(sel, it->string, strlen(it->string), SEL_EQ);
		req_add_val(r, it->valuestring, strlen(it->valuestring));
	}
	return 0;
}

int
selector_from_map(const cJSON *map, const char *field_prefix,
    struct label_selector **out, struct ck_status *st)
{
	struct label_selector *sel = sel_new();
	int rc;

	*out = NULL;
	rc = from_map(map, field_prefix ? field_prefix : "selector", sel, st);
	if (rc < 0) {
		selector_free(sel);
		return rc;
	}
	*out = sel;
	return 0;
}

static int
parse_operator(const cJSON *op, const char *f, enum sel_op *out,
    struct ck_status *st)
{
	static const struct { const char *name; enum sel_op op; } ops[] = {
		{ "In", SEL_IN }, { "NotIn", SEL_NOTIN },
		{ "Exists", SEL_EXISTS }, { "DoesNotExist", SEL_NOTEXISTS },
	};
	size_t i;

	if (!cJSON_IsString(op) || op->valuestring[0] == '\0')
		return json_err(st, f, "FieldValueRequired", "Required value");
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		if (strcmp(op->valuestring, ops[i].name) == 0) {
			*out = ops[i].op;
			return 0;
		}
	}
	return json_err(st, f, "FieldValueInvalid",
	    "Invalid value: \"%s\": not a valid selector operator",
	    op->valuestring);
}

static int
from_expression(const cJSON *e, const char *field, struct label_selector *sel,
    struct ck_status *st)
{
	const cJSON *key, *vals, *v;
	struct sel_req *r;
	char f[300];
	size_t i, nvals;
	enum sel_op op = SEL_EQ;	/* set by parse_operator() */
	int rc;

	if (!cJSON_IsObject(e))
		return json_err(st, field, "FieldValueInvalid",
		    "must be an object");
	key = cJSON_GetObjectItemCaseSensitive(e, "key");
	vals = cJSON_GetObjectItemCaseSensitive(e, "values");
	snprintf(f, sizeof(f), "%s.key", field);
	if (!cJSON_IsString(key) || key->valuestring[0] == '\0')
		return json_err(st, f, "FieldValueRequired", "Required value");
	if (!selector_is_valid_label_key(key->valuestring))
		return json_err(st, f, "FieldValueInvalid",
		    "Invalid value: \"%s\": invalid label key",
		    key->valuestring);
	snprintf(f, sizeof(f), "%s.operator", field);
	rc = parse_operator(cJSON_GetObjectItemCaseSensitive(e, "operator"), f,
	    &op, st);
	if (rc < 0)
		return rc;
	snprintf(f, sizeof(f), "%s.values", field);
	if (vals != NULL && !cJSON_IsNull(vals) && !cJSON_IsArray(vals))
		return json_err(st, f, "FieldValueInvalid", "must be an array");
	nvals = cJSON_IsArray(vals) ? (size_t)cJSON_GetArraySize(vals) : 0;
	if ((op == SEL_IN || op == SEL_NOTIN) && nvals == 0)
		return json_err(st, f, "FieldValueRequired", "Required value: "
		    "must be specified when `operator` is 'In' or 'NotIn'");
	if ((op == SEL_EXISTS || op == SEL_NOTEXISTS) && nvals > 0)
		return json_err(st, f, "FieldValueForbidden", "Forbidden: may "
		    "not be specified when `operator` is 'Exists' or "
		    "'DoesNotExist'");
	i = 0;
	cJSON_ArrayForEach(v, vals) {
		if (!cJSON_IsString(v) ||
		    !selector_is_valid_label_value(v->valuestring)) {
			snprintf(f, sizeof(f), "%s.values[%zu]", field, i);
			return json_err(st, f, "FieldValueInvalid",
			    "Invalid value: %s: " MSG_LABEL_VALUE, str_or(v));
		}
		i++;
	}
	r = sel_add_req(sel, key->valuestring, strlen(key->valuestring), op);
	cJSON_ArrayForEach(v, vals)
		req_add_val(r, v->valuestring, strlen(v->valuestring));
	return 0;
}

int
selector_from_json(const cJSON *json, const char *field_prefix,
    struct label_selector **out, struct ck_status *st)
{
	struct label_selector *sel;
	const cJSON *exprs, *e;
	char f[256];
	size_t i;
	int rc;

	*out = NULL;
	if (field_prefix == NULL)
		field_prefix = "selector";
	sel = sel_new();
	if (json == NULL || cJSON_IsNull(json)) {
		sel->nothing = true;
		*out = sel;
		return 0;
	}
	if (!cJSON_IsObject(json)) {
		rc = json_err(st, field_prefix, "FieldValueInvalid",
		    "must be an object");
		goto fail;
	}
	snprintf(f, sizeof(f), "%s.matchLabels", field_prefix);
	rc = from_map(cJSON_GetObjectItemCaseSensitive(json, "matchLabels"), f,
	    sel, st);
	if (rc < 0)
		goto fail;
	exprs = cJSON_GetObjectItemCaseSensitive(json, "matchExpressions");
	if (exprs != NULL && !cJSON_IsNull(exprs)) {
		snprintf(f, sizeof(f), "%s.matchExpressions", field_prefix);
		if (!cJSON_IsArray(exprs)) {
			rc = json_err(st, f, "FieldValueInvalid",
			    "must be an array");
			goto fail;
		}
		i = 0;
		cJSON_ArrayForEach(e, exprs) {
			snprintf(f, sizeof(f), "%s.matchExpressions[%zu]",
			    field_prefix, i++);
			if ((rc = from_expression(e, f, sel, st)) < 0)
				goto fail;
		}
	}
	*out = sel;
	return 0;
fail:
	selector_free(sel);
	return rc;
}

static bool
req_has_value(const struct sel_req *r, const char *v)
{
	size_t i;

	for (i = 0; i < r->nvals; i++)
		if (strcmp(r->vals[i], v) == 0)
			return true;
	return false;
}

/* label > value (SEL_GT) or label < value (SEL_LT); false if not integers. */
static bool
int_cmp(const char *label, const char *value, enum sel_op op)
{
	int64_t l, v;

	if (ck_parse_int64(label, &l) < 0 || ck_parse_int64(value, &v) < 0)
		return false;
	return op == SEL_GT ? l > v : l < v;
}

/* v: the object's value of r's key, NULL without one. */
static bool
req_matches(const struct sel_req *r, const char *v)
{
	switch (r->op) {
	case SEL_EQ:
	case SEL_IN:
		return v != NULL && req_has_value(r, v);
	case SEL_NE:
	case SEL_NOTIN:
		return v == NULL || !req_has_value(r, v);
	case SEL_EXISTS:
		return v != NULL;
	case SEL_NOTEXISTS:
		return v == NULL;
	case SEL_GT:
	case SEL_LT:
		return v != NULL && r->nvals == 1 &&
		    int_cmp(v, r->vals[0], r->op);
	}
	return false;
}

bool
selector_matches(const struct label_selector *sel, const cJSON *labels)
{
	const cJSON *l;
	size_t i;

	if (sel == NULL || sel->nothing)
		return false;
	for (i = 0; i < sel->nreqs; i++) {
		l = cJSON_IsObject(labels) ? cJSON_GetObjectItemCaseSensitive(
		    labels, sel->reqs[i].key) : NULL;
		if (!req_matches(&sel->reqs[i],
		    cJSON_IsString(l) ? l->valuestring : NULL))
			return false;
	}
	return true;
}

bool
selector_matches_obj(const struct label_selector *sel, const struct kobj *obj)
{
	size_t i;

	if (sel == NULL || sel->nothing)
		return false;
	for (i = 0; i < sel->nreqs; i++)
		if (!req_matches(&sel->reqs[i],
		    kobj_label(obj, sel->reqs[i].key)))
			return false;
	return true;
}

bool
selector_is_empty(const struct label_selector *sel)
{
	return sel != NULL && !sel->nothing && sel->nreqs == 0;
}

bool
selector_is_nothing(const struct label_selector *sel)
{
	return sel == NULL || sel->nothing;
}

static int
req_cmp(const void *a, const void *b)
{
	const struct sel_req *const *x = a, *const *y = b;

	return strcmp((*x)->key, (*y)->key);
}

static int
str_cmp(const void *a, const void *b)
{
	const char *const *x = a, *const *y = b;

	return strcmp(*x, *y);
}

char *
selector_to_string(const struct label_selector *sel)
{
	static const char *const opnames[] = {
		[SEL_EQ] = "=", [SEL_NE] = "!=", [SEL_GT] = ">", [SEL_LT] = "<",
		[SEL_IN] = " in ", [SEL_NOTIN] = " notin ",
	};
	struct strbuf sb = STRBUF_INIT;
	const struct sel_req **order;
	size_t i, j;

	if (sel == NULL || sel->nothing || sel->nreqs == 0)
		return strbuf_detach(&sb, NULL);
	order = ck_reallocarray(NULL, sel->nreqs, sizeof(*order));
	for (i = 0; i < sel->nreqs; i++)
		order[i] = &sel->reqs[i];
	qsort(order, sel->nreqs, sizeof(*order), req_cmp);
	for (i = 0; i < sel->nreqs; i++) {
		const struct sel_req *r = order[i];
		const char **vals;

		if (i > 0)
			strbuf_addc(&sb, ',');
		if (r->op == SEL_NOTEXISTS)
			strbuf_addc(&sb, '!');
		strbuf_adds(&sb, r->key);
		if (r->op == SEL_EXISTS || r->op == SEL_NOTEXISTS)
			continue;
		strbuf_adds(&sb, opnames[r->op]);
		if (r->op != SEL_IN && r->op != SEL_NOTIN) {
			strbuf_adds(&sb, r->nvals ? r->vals[0] : "");
			continue;
		}
		vals = ck_reallocarray(NULL, r->nvals ? r->nvals : 1,
		    sizeof(*vals));
		for (j = 0; j < r->nvals; j++)
			vals[j] = r->vals[j];
		qsort(vals, r->nvals, sizeof(*vals), str_cmp);
		strbuf_addc(&sb, '(');
		for (j = 0; j < r->nvals; j++) {
			if (j > 0)
				strbuf_addc(&sb, ',');
			strbuf_adds(&sb, vals[j]);
		}
		strbuf_addc(&sb, ')');
		free(vals);
	}
	free(order);
	return strbuf_detach(&sb, NULL);
}
