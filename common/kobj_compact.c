/*
 * kobj_compact.c: the compact form of frozen cached objects (kobj_int.h).
 * A cJSON tree costs a 64-byte heap block per value plus one per string;
 * caches hold every object of a kind in every daemon that watches it, so a
 * cached pod cost kilobytes. Here an object is one allocation: 16 bytes a
 * value, string values once, member names shared process-wide by id.
 * Readers walk it in place; subtrees are decoded to cJSON only for callers
 * that want a cJSON pointer (kobj.c keeps those with the object).
 */
#include "kobj_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/log.h"
#include "ckube/strmap.h"

/*
 * Interned names, by id: chunks that never move, so readers need no lock
 * (an id reaches a reader inside an object published after the id's slot
 * was written). The table is bounded: past it, names are stored inline.
 */
#define NAME_CHUNK	4096u
#define NAME_CHUNKS	256u

static pthread_mutex_t names_mu = PTHREAD_MUTEX_INITIALIZER;
static struct strmap *names_by_str;	/* name -> id + 1 */
static const char **names[NAME_CHUNKS];
static uint32_t names_n;

/* The id of s, interning it; KC_NONAME when the table is full. */
static uint32_t
name_id(const char *s, const char **interned)
{
	uintptr_t v;
	uint32_t id = KC_NONAME;
	char *copy;

	pthread_mutex_lock(&names_mu);
	if (names_by_str == NULL)
		names_by_str = strmap_new();
	v = (uintptr_t)strmap_get(names_by_str, s);
	if (v != 0) {
		id = (uint32_t)(v - 1);
		goto out;
	}
	if (names_n >= NAME_CHUNK * NAME_CHUNKS)
		goto out;
	id = names_n++;
	if (names[id / NAME_CHUNK] == NULL)
		names[id / NAME_CHUNK] = ck_calloc(NAME_CHUNK, sizeof(char *));
	copy = ck_strdup(s);
	names[id / NAME_CHUNK][id % NAME_CHUNK] = copy;
	(void)strmap_put(names_by_str, copy, (void *)(uintptr_t)(id + 1));
out:
	if (interned != NULL)
		*interned = id != KC_NONAME ?
		    names[id / NAME_CHUNK][id % NAME_CHUNK] : NULL;
	pthread_mutex_unlock(&names_mu);
	return id;
}

const char *
kc_intern(const char *s)
{
	const char *p = NULL;

	(void)name_id(s, &p);
	/* A full table: one copy per caller, kept (rare; bounded by use). */
	return p != NULL ? p : ck_strdup(s);
}

static char *
strings(const struct kc *kc)
{
	return (char *)(uintptr_t)&kc->nodes[kc->nnodes];
}

/* Encoding: count, then fill in preorder. */

struct sizes {
	size_t	nodes;
	size_t	bytes;
};

static void
measure(const cJSON *v, struct sizes *sz)
{
	const cJSON *c;

	sz->nodes++;
	if (cJSON_IsString(v) && v->valuestring != NULL)
		sz->bytes += strlen(v->valuestring) + 1;
	if (cJSON_IsArray(v) || cJSON_IsObject(v))
		for (c = v->child; c != NULL; c = c->next) {
			if (cJSON_IsObject(v) && c->string != NULL)
				sz->bytes += strlen(c->string) + 1;
			measure(c, sz);
		}
}

struct fill {
	struct kc	*kc;
	uint32_t	 node;
	uint32_t	 off;
};

static uint32_t
put_string(struct fill *f, const char *s, uint32_t *len)
{
	size_t n = strlen(s);
	uint32_t off = f->off;

	memcpy(strings(f->kc) + off, s, n + 1);
	f->off += (uint32_t)n + 1;
	if (len != NULL)
		*len = (uint32_t)n;
	return off;
}

static void
fill(struct fill *f, const cJSON *v, const char *name)
{
	struct kc_node *n = &f->kc->nodes[f->node++];
	uint32_t self = (uint32_t)(n - f->kc->nodes);
	const cJSON *c;

	n->type = (uint8_t)(v->type & 0xff);
	n->name = KC_NONAME;
	if (name != NULL) {
		n->name = name_id(name, NULL);
		if (n->name == KC_NONAME)
			n->name = KC_NAME_INLINE | put_string(f, name, NULL);
	}
	switch (v->type & 0xff) {
	case cJSON_Number:
		n->u.num = v->valuedouble;
		break;
	case cJSON_String:
		n->u.s.off = put_string(f, v->valuestring != NULL ?
		    v->valuestring : "", &n->u.s.len);
		break;
	case cJSON_Array:
	case cJSON_Object:
		n->u.a.count = 0;
		for (c = v->child; c != NULL; c = c->next) {
			fill(f, c, cJSON_IsObject(v) ? (c->string != NULL ?
			    c->string : "") : NULL);
			f->kc->nodes[self].u.a.count++;
		}
		f->kc->nodes[self].u.a.span = f->node - self;
		break;
	default:
		/* false, true, null; raw and invalid do not come from parsing. */
		if ((v->type & 0xff) != cJSON_False &&
		    (v->type & 0xff) != cJSON_True)
			n->type = cJSON_NULL;
		break;
	}
}

struct kc *
kc_encode(const cJSON *root)
{
	struct sizes sz = { 0, 0 };
	struct fill f;

	if (root == NULL)
		return NULL;
	measure(root, &sz);
	if (sz.nodes >= KC_NAME_INLINE || sz.bytes >= KC_NAME_INLINE)
		return NULL;
	f.kc = ck_malloc(sizeof(struct kc) +
	    sz.nodes * sizeof(struct kc_node) + sz.bytes);
	f.kc->nnodes = (uint32_t)sz.nodes;
	f.kc->strbytes = (uint32_t)sz.bytes;
	memset(f.kc->nodes, 0, sz.nodes * sizeof(struct kc_node));
	f.node = 0;
	f.off = 0;
	fill(&f, root, NULL);
	return f.kc;
}

size_t
kc_bytes(const struct kc *kc)
{
	return sizeof(*kc) + kc->nnodes * sizeof(struct kc_node) +
	    kc->strbytes;
}

/* Reading */

const char *
kc_name(const struct kc *kc, const struct kc_node *n)
{
	if (n->name == KC_NONAME)
		return NULL;
	if (n->name & KC_NAME_INLINE)
		return strings(kc) + (n->name & ~KC_NAME_INLINE);
	return names[n->name / NAME_CHUNK][n->name % NAME_CHUNK];
}

const char *
kc_str(const struct kc *kc, const struct kc_node *n)
{
	return n != NULL && n->type == cJSON_String ?
	    strings(kc) + n->u.s.off : NULL;
}

const struct kc_node *
kc_first(const struct kc *kc, const struct kc_node *n)
{
	(void)kc;
	if (n == NULL || (n->type != cJSON_Array && n->type != cJSON_Object) ||
	    n->u.a.count == 0)
		return NULL;
	return n + 1;
}

const struct kc_node *
kc_next(const struct kc *kc, const struct kc_node *parent,
    const struct kc_node *child)
{
	const struct kc_node *next;

	(void)kc;
	next = child + (child->type == cJSON_Array ||
	    child->type == cJSON_Object ? child->u.a.span : 1);
	return next < parent + parent->u.a.span ? next : NULL;
}

const struct kc_node *
kc_member(const struct kc *kc, const struct kc_node *n, const char *name)
{
	const struct kc_node *c;

	if (n == NULL || n->type != cJSON_Object || name == NULL)
		return NULL;
	for (c = kc_first(kc, n); c != NULL; c = kc_next(kc, n, c))
		if (strcmp(kc_name(kc, c), name) == 0)
			return c;
	return NULL;
}

const struct kc_node *
kc_item(const struct kc *kc, const struct kc_node *n, int i)
{
	const struct kc_node *c;

	if (n == NULL || n->type != cJSON_Array || i < 0 ||
	    (uint32_t)i >= n->u.a.count)
		return NULL;
	for (c = kc_first(kc, n); c != NULL && i > 0; i--)
		c = kc_next(kc, n, c);
	return c;
}

static void
must_add(cJSON_bool ok)
{
	if (!ok) {
		log_error("kobj: out of memory decoding an object");
		abort();
	}
}

static cJSON *
must(cJSON *item)
{
	if (item == NULL) {
		log_error("kobj: out of memory decoding an object");
		abort();
	}
	return item;
}

cJSON *
kc_decode(const struct kc *kc, const struct kc_node *n, bool borrow)
{
	const struct kc_node *c;
	const char *s;
	cJSON *v, *item;

	switch (n->type) {
	case cJSON_False:
		return must(cJSON_CreateFalse());
	case cJSON_True:
		return must(cJSON_CreateTrue());
	case cJSON_Number:
		return must(cJSON_CreateNumber(n->u.num));
	case cJSON_String:
		s = kc_str(kc, n);
		return must(borrow ? cJSON_CreateStringReference(s) :
		    cJSON_CreateString(s));
	case cJSON_Array:
	case cJSON_Object:
		v = must(n->type == cJSON_Array ? cJSON_CreateArray() :
		    cJSON_CreateObject());
		for (c = kc_first(kc, n); c != NULL; c = kc_next(kc, n, c)) {
			item = kc_decode(kc, c, borrow);
			if (n->type == cJSON_Array)
				must_add(cJSON_AddItemToArray(v, item));
			else if (!(c->name & KC_NAME_INLINE))
				must_add(cJSON_AddItemToObjectCS(v,
				    kc_name(kc, c), item));
			else
				must_add(cJSON_AddItemToObject(v,
				    kc_name(kc, c), item));
		}
		return v;
	default:
		return must(cJSON_CreateNull());
	}
}
