/*
 * kobj_compact.c: the compact form of frozen cached objects (kobj_int.h).
 * A cJSON tree costs a 64-byte heap block per value plus one per string;
 * caches hold every object of a kind in every daemon that watches it, so a
 * cached pod cost kilobytes. Here an object is one allocation: 8 bytes a
 * value, its own strings once, and the strings every object of a kind
 * repeats (member names, namespaces, node names, images, "True") shared
 * process-wide by id. Readers walk it in place; subtrees are decoded to
 * cJSON only for callers that want a cJSON pointer (kobj.c keeps those).
 */
#include "kobj_int.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/log.h"
#include "ckube/strmap.h"

/*
 * Interned strings, by id: chunks that never move, so readers need no lock
 * (an id reaches a reader inside an object published after the id's slot
 * was written). The table only grows, so it is bounded: past the bound,
 * strings are stored in their objects. Values that are unique per object
 * (uids, names, timestamps, IPs) are never interned.
 */
#define TABLE_CHUNK	4096u
#define TABLE_CHUNKS	64u	/* 262,144 strings */
#define VALUE_MAX	64	/* longer values are stored in the object */

static pthread_mutex_t table_mu = PTHREAD_MUTEX_INITIALIZER;
static struct strmap *table_by_str;	/* string -> id + 1 */
static const char **table[TABLE_CHUNKS];
static uint32_t table_n;

static const char *
table_str(uint32_t id)
{
	return table[id / TABLE_CHUNK][id % TABLE_CHUNK];
}

/* The id of s, interning it (table_mu held); UINT32_MAX when full. */
static uint32_t
table_id_locked(const char *s)
{
	uintptr_t v;
	uint32_t id;
	char *copy;

	if (table_by_str == NULL)
		table_by_str = strmap_new();
	v = (uintptr_t)strmap_get(table_by_str, s);
	if (v != 0)
		return (uint32_t)(v - 1);
	if (table_n >= TABLE_CHUNK * TABLE_CHUNKS)
		return UINT32_MAX;
	id = table_n++;
	if (table[id / TABLE_CHUNK] == NULL)
		table[id / TABLE_CHUNK] = ck_calloc(TABLE_CHUNK, sizeof(char *));
	copy = ck_strdup(s);
	table[id / TABLE_CHUNK][id % TABLE_CHUNK] = copy;
	(void)strmap_put(table_by_str, copy, (void *)(uintptr_t)(id + 1));
	return id;
}

const char *
kc_intern(const char *s)
{
	uint32_t id;

	pthread_mutex_lock(&table_mu);
	id = table_id_locked(s);
	pthread_mutex_unlock(&table_mu);
	/* A full table: one copy per caller, kept (rare; bounded by use). */
	return id != UINT32_MAX ? table_str(id) : ck_strdup(s);
}

static char *
strings(const struct kc *kc)
{
	return (char *)(uintptr_t)&kc->nodes[kc->nnodes];
}

static uint32_t
kind(const struct kc_node *n)
{
	return n->head & KC_T_MASK;
}

static uint32_t
span(const struct kc_node *n)
{
	return kind(n) == KC_T_ARRAY || kind(n) == KC_T_OBJECT ? n->val : 1;
}

/*
 * Whether a string value is worth sharing: not one that is unique to its
 * object (the object's own name, uids, versions, IPs, timestamps), and
 * short. parent is the name of the object the member is in.
 */
static bool
shareable(const char *parent, const char *member, const char *v)
{
	static const char *const unique[] = { "uid", "resourceVersion",
	    "podIP", "ip", "hostname", "clusterIP", "selfLink", NULL };
	size_t i, len = strlen(v);

	if (len > VALUE_MAX)
		return false;
	if (len == 20 && v[4] == '-' && v[10] == 'T' && v[19] == 'Z')
		return false;	/* a timestamp */
	if (member == NULL)
		return true;
	for (i = 0; unique[i] != NULL; i++)
		if (strcmp(member, unique[i]) == 0)
			return false;
	return !(parent != NULL && strcmp(parent, "metadata") == 0 &&
	    strcmp(member, "name") == 0);
}

/* Encoding: measure, then fill in preorder. table_mu is held for both. */

struct fill {
	struct kc	*kc;	/* NULL: measuring */
	size_t		 nodes;
	size_t		 bytes;
};

static uint32_t
put_bytes(struct fill *f, const void *p, size_t n)
{
	uint32_t off = (uint32_t)f->bytes;

	if (f->kc != NULL)
		memcpy(strings(f->kc) + off, p, n);
	f->bytes += n;
	return off;
}

static uint32_t
put_name(struct fill *f, const char *name)
{
	uint32_t id = table_id_locked(name);

	if (id != UINT32_MAX && id < KC_NONAME)
		return id << KC_NAME_SHIFT;
	return (put_bytes(f, name, strlen(name) + 1) << KC_NAME_SHIFT) |
	    KC_NAME_INLINE;
}

static uint32_t
put_value(struct fill *f, const char *parent, const char *member,
    const char *v)
{
	uint32_t id;

	if (shareable(parent, member, v)) {
		id = table_id_locked(v);
		if (id != UINT32_MAX)
			return id | KC_VAL_INTERNED;
	}
	return put_bytes(f, v, strlen(v) + 1);
}

static void
fill(struct fill *f, const cJSON *v, const char *parent, const char *name)
{
	size_t self = f->nodes++;
	struct kc_node n = { 0, 0 };
	const cJSON *c;
	double d;

	n.head = name != NULL ? put_name(f, name) :
	    KC_NONAME << KC_NAME_SHIFT;
	switch (v->type & 0xff) {
	case cJSON_False:
		n.head |= KC_T_FALSE;
		break;
	case cJSON_True:
		n.head |= KC_T_TRUE;
		break;
	case cJSON_Number:
		d = v->valuedouble;
		if (d >= INT32_MIN && d <= INT32_MAX && d == (int32_t)d &&
		    !(d == 0 && signbit(d))) {
			n.head |= KC_T_INT;
			n.val = (uint32_t)(int32_t)d;
		} else {
			n.head |= KC_T_DOUBLE;
			n.val = put_bytes(f, &d, sizeof(d));
		}
		break;
	case cJSON_String:
		n.head |= KC_T_STR;
		n.val = put_value(f, parent, name, v->valuestring != NULL ?
		    v->valuestring : "");
		break;
	case cJSON_Array:
	case cJSON_Object:
		n.head |= cJSON_IsArray(v) ? KC_T_ARRAY : KC_T_OBJECT;
		for (c = v->child; c != NULL; c = c->next)
			fill(f, c, name, cJSON_IsObject(v) ?
			    (c->string != NULL ? c->string : "") : NULL);
		n.val = (uint32_t)(f->nodes - self);
		break;
	default:
		/* null; raw and invalid do not come from parsing. */
		n.head |= KC_T_NULL;
		break;
	}
	if (f->kc != NULL)
		f->kc->nodes[self] = n;
}

struct kc *
kc_encode(const cJSON *root)
{
	struct fill f = { NULL, 0, 0 };

	if (root == NULL)
		return NULL;
	pthread_mutex_lock(&table_mu);
	fill(&f, root, NULL, NULL);
	if (f.nodes >= UINT32_MAX / 2 || f.bytes >= KC_NONAME) {
		pthread_mutex_unlock(&table_mu);
		return NULL;
	}
	f.kc = ck_malloc(sizeof(struct kc) +
	    f.nodes * sizeof(struct kc_node) + f.bytes);
	f.kc->nnodes = (uint32_t)f.nodes;
	f.kc->strbytes = (uint32_t)f.bytes;
	f.nodes = 0;
	f.bytes = 0;
	fill(&f, root, NULL, NULL);
	pthread_mutex_unlock(&table_mu);
	return f.kc;
}

size_t
kc_bytes(const struct kc *kc)
{
	return sizeof(*kc) + kc->nnodes * sizeof(struct kc_node) +
	    kc->strbytes;
}

/* Reading */

int
kc_type(const struct kc_node *n)
{
	static const int types[] = { cJSON_False, cJSON_True, cJSON_NULL,
	    cJSON_Number, cJSON_Number, cJSON_String, cJSON_Array,
	    cJSON_Object };

	return types[kind(n)];
}

double
kc_num(const struct kc *kc, const struct kc_node *n)
{
	double d;

	if (kind(n) == KC_T_INT)
		return (double)(int32_t)n->val;
	if (kind(n) != KC_T_DOUBLE)
		return 0;
	memcpy(&d, strings(kc) + n->val, sizeof(d));
	return d;
}

const char *
kc_name(const struct kc *kc, const struct kc_node *n)
{
	uint32_t name = n->head >> KC_NAME_SHIFT;

	if (n->head & KC_NAME_INLINE)
		return strings(kc) + name;
	return name != KC_NONAME ? table_str(name) : NULL;
}

const char *
kc_str(const struct kc *kc, const struct kc_node *n)
{
	if (n == NULL || kind(n) != KC_T_STR)
		return NULL;
	if (n->val & KC_VAL_INTERNED)
		return table_str(n->val & ~KC_VAL_INTERNED);
	return strings(kc) + n->val;
}

const struct kc_node *
kc_first(const struct kc *kc, const struct kc_node *n)
{
	(void)kc;
	if (n == NULL || (kind(n) != KC_T_ARRAY && kind(n) != KC_T_OBJECT) ||
	    n->val < 2)
		return NULL;
	return n + 1;
}

const struct kc_node *
kc_next(const struct kc *kc, const struct kc_node *parent,
    const struct kc_node *child)
{
	const struct kc_node *next = child + span(child);

	(void)kc;
	return next < parent + parent->val ? next : NULL;
}

const struct kc_node *
kc_member(const struct kc *kc, const struct kc_node *n, const char *name)
{
	const struct kc_node *c;

	if (n == NULL || kind(n) != KC_T_OBJECT || name == NULL)
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

	if (n == NULL || kind(n) != KC_T_ARRAY || i < 0)
		return NULL;
	for (c = kc_first(kc, n); c != NULL && i > 0; i--)
		c = kc_next(kc, n, c);
	return c;
}

/* cJSON fails only when out of memory: die as ck_malloc does. */
struct cJSON *
kc_must(struct cJSON *item)
{
	if (item == NULL) {
		log_error("kobj: out of memory building JSON");
		abort();
	}
	return item;
}

static void
must_add(cJSON_bool ok)
{
	if (!ok)
		(void)kc_must(NULL);
}

#define must(item)	kc_must(item)

cJSON *
kc_decode(const struct kc *kc, const struct kc_node *n, bool borrow)
{
	const struct kc_node *c;
	const char *s;
	cJSON *v, *item;

	switch (kind(n)) {
	case KC_T_FALSE:
		return must(cJSON_CreateFalse());
	case KC_T_TRUE:
		return must(cJSON_CreateTrue());
	case KC_T_INT:
	case KC_T_DOUBLE:
		return must(cJSON_CreateNumber(kc_num(kc, n)));
	case KC_T_STR:
		s = kc_str(kc, n);
		return must(borrow ? cJSON_CreateStringReference(s) :
		    cJSON_CreateString(s));
	case KC_T_ARRAY:
	case KC_T_OBJECT:
		v = must(kind(n) == KC_T_ARRAY ? cJSON_CreateArray() :
		    cJSON_CreateObject());
		for (c = kc_first(kc, n); c != NULL; c = kc_next(kc, n, c)) {
			item = kc_decode(kc, c, borrow);
			if (kind(n) == KC_T_ARRAY)
				must_add(cJSON_AddItemToArray(v, item));
			else if (!(c->head & KC_NAME_INLINE))
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
