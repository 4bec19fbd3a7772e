/*
 * yamljson.c: YAML streams -> cJSON documents through libyaml's event API
 * (an explicit stack, no recursion on input depth), and cJSON -> block YAML
 * through libyaml's emitter. Typing follows the YAML 1.2 core schema for
 * plain untagged scalars; everything that JSON cannot hold is an error.
 */
#include "ckube/yamljson.h"

#include <cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

#define YAMLJSON_MAX_DEPTH	100	/* containers nested in one document */
#define YAMLJSON_ALIAS_BUDGET	100000	/* nodes copied through aliases per stream */
#define YAMLJSON_MAX_INT_DIGITS	15	/* every 15-digit integer is exact in a double */
#define YAMLJSON_LINEAR_KEYS	64	/* duplicate check on insert up to this many keys */

#define TAG_PREFIX	"tag:yaml.org,2002:"

struct frame {
	cJSON		*node;		/* object or array being filled */
	char		*key;		/* object: key waiting for its value */
	char		*anchor;	/* registered when the container ends */
	int		 nkeys;
	size_t		 line;		/* where the container started */
};

struct anchor {
	char		*name;
	cJSON		*node;		/* owned by the document tree (or partial) */
};

struct parse {
	yaml_parser_t	 parser;
	struct frame	*stack;
	size_t		 depth, cap;
	struct anchor	*anchors;
	size_t		 nanchors, anchors_cap;
	size_t		 alias_nodes;	/* budget spent */
	cJSON		*root;
	cJSON		*keys;		/* anchored key scalars, kept for their aliases */
	struct ck_status *st;
};

static int yerr(struct parse *p, size_t line, const char *fmt, ...)
    CK_PRINTF(3, 4);

static int
yerr(struct parse *p, size_t line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return ck_status_set(p->st, CK_EBADREQ, "yaml: line %zu: %s", line, msg);
}

static int
is_tag(const char *tag, const char *name)
{
	size_t n = sizeof(TAG_PREFIX) - 1;

	return tag != NULL && strncmp(tag, TAG_PREFIX, n) == 0 &&
	    strcmp(tag + n, name) == 0;
}

/* ---- scalar typing ---- */

enum scalar_kind { SK_STRING, SK_NULL, SK_BOOL, SK_INT, SK_FLOAT, SK_SPECIAL };

static int
str_in(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

static const char *const null_words[] = { "", "~", "null", "Null", "NULL", NULL };
static const char *const true_words[] = { "true", "True", "TRUE", NULL };
static const char *const false_words[] = { "false", "False", "FALSE", NULL };
static const char *const special_words[] = {
	".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf",
	"-.INF", ".nan", ".NaN", ".NAN", NULL
};

static int
all_in(const char *s, const char *set)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (strchr(set, *s) == NULL)
			return 0;
	return 1;
}

static int
is_int_text(const char *s)
{
	if (s[0] == '0' && s[1] == 'x')
		return all_in(s + 2, "0123456789abcdefABCDEF");
	if (s[0] == '0' && s[1] == 'o')
		return all_in(s + 2, "01234567");
	if (*s == '-' || *s == '+')
		s++;
	return all_in(s, "0123456789");
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static int
is_float_text(const char *s)
{
	int digits = 0;

	if (*s == '-' || *s == '+')
		s++;
	while (*s >= '0' && *s <= '9') {
		s++;
		digits++;
	}
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			s++;
			digits++;
		}
	}
	if (digits == 0)
		return 0;
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '-' || *s == '+')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* How a plain untagged scalar resolves under the core schema. */
static enum scalar_kind
resolve_plain(const char *s)
{
	if (str_in(s, null_words))
		return SK_NULL;
	if (str_in(s, true_words) || str_in(s, false_words))
		return SK_BOOL;
	if (is_int_text(s))
		return SK_INT;
	if (is_float_text(s))
		return SK_FLOAT;
	if (str_in(s, special_words))
		return SK_SPECIAL;
	return SK_STRING;
}

static int
int_value(const char *s, double *out)
{
	const char *d;
	uint64_t v = 0;
	int neg = 0, base = 10, n = 0;

	if (s[0] == '0' && s[1] == 'x') {
		base = 16;
		d = s + 2;
	} else if (s[0] == '0' && s[1] == 'o') {
		base = 8;
		d = s + 2;
	} else {
		if (*s == '-' || *s == '+')
			neg = *s++ == '-';
		d = s;
	}
	while (*d == '0' && d[1] != '\0')
		d++;
	for (; *d != '\0'; d++) {
		int c = *d <= '9' ? *d - '0' : (*d | 0x20) - 'a' + 10;

		if (++n > YAMLJSON_MAX_INT_DIGITS)
			return -1;
		v = v * (uint64_t)base + (uint64_t)c;
	}
	if (v > ((uint64_t)1 << 53))
		return -1;
	*out = neg ? -(double)v : (double)v;
	return 0;
}

static int
float_value(const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	return *end == '\0' && isfinite(*out) ? 0 : -1;
}

static cJSON *
scalar_node(struct parse *p, const yaml_event_t *ev, int *rc)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;
	size_t line = ev->start_mark.line + 1;
	enum scalar_kind k;
	double d;

	*rc = 0;
	if (strlen(s) != ev->data.scalar.length) {
		*rc = yerr(p, line, "NUL character in a scalar");
		return NULL;
	}
	if (tag == NULL) {
		if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
			return cJSON_CreateString(s);
		k = resolve_plain(s);
	} else if (strcmp(tag, "!") == 0 || is_tag(tag, "str")) {
		return cJSON_CreateString(s);
	} else if (is_tag(tag, "null")) {
		if (!str_in(s, null_words)) {
			*rc = yerr(p, line, "invalid !!null value \"%.64s\"", s);
			return NULL;
		}
		k = SK_NULL;
	} else if (is_tag(tag, "bool")) {
		if (resolve_plain(s) != SK_BOOL) {
			*rc = yerr(p, line, "invalid !!bool value \"%.64s\"", s);
			return NULL;
		}
		k = SK_BOOL;
	} else if (is_tag(tag, "int")) {
		if (!is_int_text(s)) {
			*rc = yerr(p, line, "invalid !!int value \"%.64s\"", s);
			return NULL;
		}
		k = SK_INT;
	} else if (is_tag(tag, "float")) {
		k = resolve_plain(s);
		if (k != SK_INT && k != SK_FLOAT && k != SK_SPECIAL) {
			*rc = yerr(p, line, "invalid !!float value \"%.64s\"", s);
			return NULL;
		}
		if (k == SK_INT && s[0] != '0')
			k = SK_FLOAT;	/* decimal: read as a float, any length */
	} else {
		*rc = yerr(p, line, "unsupported tag %.64s", tag);
		return NULL;
	}

	switch (k) {
	case SK_NULL:
		return cJSON_CreateNull();
	case SK_BOOL:
		return cJSON_CreateBool(str_in(s, true_words));
	case SK_INT:
		if (int_value(s, &d) < 0) {
			*rc = yerr(p, line, "integer %.64s is too large for a JSON "
			    "number (quote it to keep it as a string)", s);
			return NULL;
		}
		return cJSON_CreateNumber(d);
	case SK_FLOAT:
		if (float_value(s, &d) < 0) {
			*rc = yerr(p, line, "number %.64s is out of range", s);
			return NULL;
		}
		return cJSON_CreateNumber(d);
	case SK_SPECIAL:
		*rc = yerr(p, line, "%.16s is not representable in JSON", s);
		return NULL;
	case SK_STRING:
		break;
	}
	return cJSON_CreateString(s);
}

/* ---- tree building ---- */

static void
count_nodes(const cJSON *n, size_t depth, size_t *count, size_t *maxdepth)
{
	const cJSON *c;

	(*count)++;
	if (depth > *maxdepth)
		*maxdepth = depth;
	if (!cJSON_IsArray(n) && !cJSON_IsObject(n))
		return;
	/* anchored nodes were built under the depth limit: recursion is bounded */
	for (c = n->child; c != NULL; c = c->next)
		count_nodes(c, depth + 1, count, maxdepth);
}

static int
key_text(struct parse *p, const cJSON *n, size_t line, char **out)
{
	char buf[64];

	if (cJSON_IsString(n)) {
		*out = ck_strdup(n->valuestring);
	} else if (cJSON_IsNull(n)) {
		*out = ck_strdup("null");
	} else if (cJSON_IsBool(n)) {
		*out = ck_strdup(cJSON_IsTrue(n) ? "true" : "false");
	} else if (cJSON_IsNumber(n)) {
		snprintf(buf, sizeof(buf), "%.17g", n->valuedouble);
		*out = ck_strdup(buf);
	} else {
		return yerr(p, line, "non-scalar mapping key");
	}
	return 0;
}

static int
has_key_linear(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key) != NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Full duplicate check of a large mapping when it ends: sort the keys. */
static int
check_dup_sorted(struct parse *p, const struct frame *f)
{
	const char **keys;
	const cJSON *c;
	size_t n = 0, i;
	int rc = 0;

	keys = ck_reallocarray(NULL, (size_t)f->nkeys, sizeof(*keys));
	for (c = f->node->child; c != NULL; c = c->next)
		keys[n++] = c->string;
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 1; i < n; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0) {
			rc = yerr(p, f->line, "duplicate key \"%.128s\" in mapping",
			    keys[i]);
			break;
		}
	free(keys);
	return rc;
}

static void
add_anchor(struct parse *p, const char *name, cJSON *node)
{
	size_t i;

	/* a redefined anchor shadows the earlier one */
	for (i = 0; i < p->nanchors; i++)
		if (strcmp(p->anchors[i].name, name) == 0) {
			p->anchors[i].node = node;
			return;
		}
	if (p->nanchors == p->anchors_cap) {
		p->anchors_cap = p->anchors_cap ? p->anchors_cap * 2 : 8;
		p->anchors = ck_reallocarray(p->anchors, p->anchors_cap,
		    sizeof(*p->anchors));
	}
	p->anchors[p->nanchors].name = ck_strdup(name);
	p->anchors[p->nanchors].node = node;
	p->nanchors++;
}

static void
clear_anchors(struct parse *p)
{
	size_t i;

	for (i = 0; i < p->nanchors; i++)
		free(p->anchors[i].name);
	p->nanchors = 0;
	cJSON_Delete(p->keys);
	p->keys = NULL;
}

/*
 * Attach a finished node to the container on top of the stack (or make it
 * the root). Takes ownership of node in every case.
 */
static int
attach(struct parse *p, cJSON *node, const char *anchor, size_t line)
{
	struct frame *f;
	int rc;

	if (p->depth == 0) {
		p->root = node;
		goto anchored;
	}
	f = &p->stack[p->depth - 1];
	if (cJSON_IsArray(f->node)) {
		cJSON_AddItemToArray(f->node, node);
		goto anchored;
	}
	if (f->key == NULL) {
		rc = key_text(p, node, line, &f->key);
		if (rc == 0 && anchor != NULL) {
			if (p->keys == NULL)
				p->keys = cJSON_CreateArray();
			cJSON_AddItemToArray(p->keys, node);
			add_anchor(p, anchor, node);
		} else {
			cJSON_Delete(node);
		}
		if (rc < 0)
			return rc;
		if (f->nkeys < YAMLJSON_LINEAR_KEYS &&
		    has_key_linear(f->node, f->key))
			return yerr(p, line, "duplicate key \"%.128s\"", f->key);
		return 0;
	}
	/* hand our key string to the item without another copy */
	cJSON_AddItemToObjectCS(f->node, "", node);
	node->string = f->key;
	node->type &= ~cJSON_StringIsConst;
	f->key = NULL;
	f->nkeys++;
anchored:
	if (anchor != NULL)
		add_anchor(p, anchor, node);
	return 0;
}

static int
push(struct parse *p, cJSON *node, const char *anchor, size_t line)
{
	struct frame *f;

	if (p->depth >= YAMLJSON_MAX_DEPTH) {
		cJSON_Delete(node);
		return yerr(p, line, "nesting deeper than 100 levels");
	}
	if (p->depth > 0) {
		f = &p->stack[p->depth - 1];
		if (cJSON_IsObject(f->node) && f->key == NULL) {
			cJSON_Delete(node);
			return yerr(p, line, "non-scalar mapping key");
		}
	}
	if (p->depth == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->stack = ck_reallocarray(p->stack, p->cap, sizeof(*p->stack));
	}
	f = &p->stack[p->depth++];
	f->node = node;
	f->key = NULL;
	f->anchor = anchor ? ck_strdup(anchor) : NULL;
	f->nkeys = 0;
	f->line = line;
	/*
	 * Register the anchor now, so an alias inside the node copies the part
	 * built so far instead of looping ("a: &x [1, *x]" -> [1, [1]]).
	 */
	if (anchor != NULL)
		add_anchor(p, anchor, node);
	return 0;
}

static int
pop(struct parse *p)
{
	struct frame *f = &p->stack[--p->depth];
	cJSON *node = f->node;
	char *anchor = f->anchor;
	size_t line = f->line;
	int rc = 0;

	free(f->key);
	f->key = NULL;
	if (cJSON_IsObject(node) && f->nkeys > YAMLJSON_LINEAR_KEYS)
		rc = check_dup_sorted(p, f);
	if (rc < 0) {
		free(anchor);
		cJSON_Delete(node);
		return rc;
	}
	rc = attach(p, node, NULL, line);
	free(anchor);
	return rc;
}

static int
alias(struct parse *p, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	size_t line = ev->start_mark.line + 1, i, count = 0, depth = 0;
	cJSON *src = NULL;

	for (i = 0; i < p->nanchors; i++)
		if (strcmp(p->anchors[i].name, name) == 0)
			src = p->anchors[i].node;
	if (src == NULL)
		return yerr(p, line, "unknown anchor \"%.128s\"", name);
	count_nodes(src, 0, &count, &depth);
	if (p->depth + depth >= YAMLJSON_MAX_DEPTH)
		return yerr(p, line, "nesting deeper than 100 levels");
	p->alias_nodes += count;
	if (p->alias_nodes > YAMLJSON_ALIAS_BUDGET)
		return yerr(p, line, "alias expansion too large (alias bomb?)");
	return attach(p, cJSON_Duplicate(src, 1), NULL, line);
}

static int
mapping_key_ok(struct parse *p, const yaml_event_t *ev)
{
	const struct frame *f;

	if (p->depth == 0)
		return 0;
	f = &p->stack[p->depth - 1];
	if (!cJSON_IsObject(f->node) || f->key != NULL)
		return 0;
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    ev->data.scalar.tag == NULL &&
	    strcmp((const char *)ev->data.scalar.value, "<<") == 0)
		return yerr(p, ev->start_mark.line + 1,
		    "merge keys (<<) are not supported");
	return 0;
}

static const char *
container_tag_ok(const yaml_char_t *tag, const char *want)
{
	if (tag == NULL || strcmp((const char *)tag, "!") == 0 ||
	    is_tag((const char *)tag, want))
		return NULL;
	return (const char *)tag;
}

static void
reset_doc(struct parse *p)
{
	while (p->depth > 0) {
		struct frame *f = &p->stack[--p->depth];

		free(f->key);
		free(f->anchor);
		/* children attached to f->node go with it; parents were never attached */
		cJSON_Delete(f->node);
	}
	cJSON_Delete(p->root);
	p->root = NULL;
	clear_anchors(p);
}

static int
parser_error(struct parse *p)
{
	const char *problem = p->parser.problem ? p->parser.problem : "syntax error";
	size_t line = p->parser.problem_mark.line + 1;

	if (p->parser.context != NULL)
		return ck_status_set(p->st, CK_EBADREQ, "yaml: line %zu: %s %s",
		    line, p->parser.context, problem);
	return ck_status_set(p->st, CK_EBADREQ, "yaml: line %zu: %s", line,
	    problem);
}

static int
handle_event(struct parse *p, yaml_event_t *ev, yamljson_doc_fn fn, void *arg,
    int *done)
{
	size_t line = ev->start_mark.line + 1;
	const char *bad;
	cJSON *n, *doc;
	int rc = 0;

	switch (ev->type) {
	case YAML_STREAM_END_EVENT:
		*done = 1;
		break;
	case YAML_DOCUMENT_START_EVENT:
		reset_doc(p);
		break;
	case YAML_DOCUMENT_END_EVENT:
		doc = p->root;
		p->root = NULL;
		clear_anchors(p);
		if (doc == NULL || cJSON_IsNull(doc)) {
			cJSON_Delete(doc);	/* empty document: skipped */
			break;
		}
		rc = fn(doc, arg);
		break;
	case YAML_ALIAS_EVENT:
		rc = alias(p, ev);
		break;
	case YAML_SCALAR_EVENT:
		rc = mapping_key_ok(p, ev);
		if (rc < 0)
			break;
		n = scalar_node(p, ev, &rc);
		if (n == NULL)
			break;
		rc = attach(p, n, (const char *)ev->data.scalar.anchor, line);
		break;
	case YAML_SEQUENCE_START_EVENT:
		bad = container_tag_ok(ev->data.sequence_start.tag, "seq");
		if (bad != NULL) {
			rc = yerr(p, line, "unsupported tag %.64s on a sequence", bad);
			break;
		}
		rc = push(p, cJSON_CreateArray(),
		    (const char *)ev->data.sequence_start.anchor, line);
		break;
	case YAML_MAPPING_START_EVENT:
		bad = container_tag_ok(ev->data.mapping_start.tag, "map");
		if (bad != NULL) {
			rc = yerr(p, line, "unsupported tag %.64s on a mapping", bad);
			break;
		}
		rc = push(p, cJSON_CreateObject(),
		    (const char *)ev->data.mapping_start.anchor, line);
		break;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		rc = pop(p);
		break;
	case YAML_NO_EVENT:
	case YAML_STREAM_START_EVENT:
		break;
	}
	return rc;
}

int
yamljson_parse(const char *buf, size_t len, yamljson_doc_fn fn, void *arg,
    struct ck_status *st)
{
	struct parse p;
	yaml_event_t ev;
	int rc = 0, done = 0;

	memset(&p, 0, sizeof(p));
	p.st = st;
	if (!yaml_parser_initialize(&p.parser))
		return ck_status_set(st, CK_ENOMEM, "yaml: out of memory");
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&p.parser, &ev)) {
			rc = parser_error(&p);
			break;
		}
		rc = handle_event(&p, &ev, fn, arg, &done);
		yaml_event_delete(&ev);
		if (rc != 0)
			break;
	}
	reset_doc(&p);
	free(p.stack);
	free(p.anchors);
	yaml_parser_delete(&p.parser);
	return rc;
}

struct one {
	cJSON	*doc;
	int	 n;
};

static int
one_doc(cJSON *doc, void *arg)
{
	struct one *o = arg;

	if (o->n++ > 0) {
		cJSON_Delete(doc);
		return 1;
	}
	o->doc = doc;
	return 0;
}

int
yamljson_parse_one(const char *buf, size_t len, cJSON **out,
    struct ck_status *st)
{
	struct one o = { NULL, 0 };
	int rc;

	*out = NULL;
	rc = yamljson_parse(buf, len, one_doc, &o, st);
	if (rc == 1)
		rc = ck_status_set(st, CK_EBADREQ,
		    "yaml: expected one document, found several");
	else if (rc == 0 && o.n == 0)
		rc = ck_status_set(st, CK_EBADREQ,
		    "yaml: expected one document, found none");
	if (rc != 0) {
		cJSON_Delete(o.doc);
		return rc;
	}
	*out = o.doc;
	return 0;
}

/* ---- emitter ---- */

struct emit {
	yaml_emitter_t	 em;
	struct strbuf	*out;
};

static int
write_handler(void *data, unsigned char *buffer, size_t size)
{
	struct emit *e = data;

	strbuf_add(e->out, buffer, size);
	return 1;
}

static int
emit_scalar(struct emit *e, const char *s, int force_quote)
{
	yaml_event_t ev;
	yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

	if (force_quote || resolve_plain(s) != SK_STRING || strcmp(s, "<<") == 0)
		style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
	else if (strchr(s, '\n') != NULL)
		style = YAML_LITERAL_SCALAR_STYLE;
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL,
	    (yaml_char_t *)(uintptr_t)s, -1, 1, 1, style))
		return CK_EINVALID;	/* invalid UTF-8 */
	return yaml_emitter_emit(&e->em, &ev) ? 0 : CK_EINVALID;
}

static int
number_text(double d, char *buf, size_t size)
{
	if (!isfinite(d))
		return CK_EINVALID;
	if (d == floor(d) && fabs(d) < 1e15) {
		snprintf(buf, size, "%.0f", d);
		if (strcmp(buf, "-0") == 0)
			ck_strlcpy(buf, "0", size);
		return 0;
	}
	snprintf(buf, size, "%.15g", d);
	if (strtod(buf, NULL) != d)
		snprintf(buf, size, "%.17g", d);
	/* a long integral value must read back as a float, not a too-big int */
	if (is_int_text(buf) && strlen(buf) + 3 <= size) {
		size_t n = strlen(buf);

		buf[n] = '.';
		buf[n + 1] = '0';
		buf[n + 2] = '\0';
	}
	if (!is_float_text(buf))
		return CK_EINVALID;
	return 0;
}

static int
emit_node(struct emit *e, const cJSON *n, int depth)
{
	yaml_event_t ev;
	const cJSON *c;
	char num[64];
	int rc, empty = n->child == NULL;

	if (depth > 1000)
		return CK_EINVALID;
	if (cJSON_IsObject(n)) {
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		    empty ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE);
		if (!yaml_emitter_emit(&e->em, &ev))
			return CK_EINVALID;
		for (c = n->child; c != NULL; c = c->next) {
			if (c->string == NULL)
				return CK_EINVALID;
			rc = emit_scalar(e, c->string, 0);
			if (rc == 0)
				rc = emit_node(e, c, depth + 1);
			if (rc < 0)
				return rc;
		}
		yaml_mapping_end_event_initialize(&ev);
	} else if (cJSON_IsArray(n)) {
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		    empty ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE);
		if (!yaml_emitter_emit(&e->em, &ev))
			return CK_EINVALID;
		for (c = n->child; c != NULL; c = c->next) {
			rc = emit_node(e, c, depth + 1);
			if (rc < 0)
				return rc;
		}
		yaml_sequence_end_event_initialize(&ev);
	} else if (cJSON_IsString(n)) {
		return emit_scalar(e, n->valuestring ? n->valuestring : "", 0);
	} else if (cJSON_IsNumber(n)) {
		if (number_text(n->valuedouble, num, sizeof(num)) < 0)
			return CK_EINVALID;
		yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)num,
		    -1, 1, 1, YAML_PLAIN_SCALAR_STYLE);
	} else if (cJSON_IsBool(n)) {
		yaml_scalar_event_initialize(&ev, NULL, NULL,
		    (yaml_char_t *)(uintptr_t)(cJSON_IsTrue(n) ? "true" : "false"),
		    -1, 1, 1, YAML_PLAIN_SCALAR_STYLE);
	} else if (cJSON_IsNull(n)) {
		yaml_scalar_event_initialize(&ev, NULL, NULL,
		    (yaml_char_t *)(uintptr_t)"null", -1, 1, 1,
		    YAML_PLAIN_SCALAR_STYLE);
	} else {
		return CK_EINVALID;	/* cJSON_Raw or invalid */
	}
	return yaml_emitter_emit(&e->em, &ev) ? 0 : CK_EINVALID;
}

int
yamljson_emit(const cJSON *doc, struct strbuf *out)
{
	struct emit e;
	yaml_event_t ev;
	size_t start = out->len;
	int rc = CK_EINVALID;

	if (doc == NULL)
		return CK_EINVALID;
	e.out = out;
	if (!yaml_emitter_initialize(&e.em))
		return CK_ENOMEM;
	yaml_emitter_set_output(&e.em, write_handler, &e);
	yaml_emitter_set_unicode(&e.em, 1);
	yaml_emitter_set_width(&e.em, -1);
	yaml_emitter_set_indent(&e.em, 2);

	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (!yaml_emitter_emit(&e.em, &ev))
		goto out;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL,
	    start == 0);
	if (!yaml_emitter_emit(&e.em, &ev))
		goto out;
	rc = emit_node(&e, doc, 0);
	if (rc < 0)
		goto out;
	rc = CK_EINVALID;
	yaml_document_end_event_initialize(&ev, 1);
	if (!yaml_emitter_emit(&e.em, &ev))
		goto out;
	yaml_stream_end_event_initialize(&ev);
	if (!yaml_emitter_emit(&e.em, &ev))
		goto out;
	rc = 0;
out:
	yaml_emitter_delete(&e.em);
	if (rc < 0 && out->buf != NULL)
		strbuf_setlen(out, start);
	return rc;
}
