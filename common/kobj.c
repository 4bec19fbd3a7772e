/*
 * kobj.c: the refcounted, freezable Kubernetes object over a cJSON root.
 * Owns path lookup and editing ("spec.containers[0].image") and the metadata
 * accessors every daemon uses; what an object means is the callers' business.
 */
#include "ckube/kobj.h"


#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strmap.h"

#include "kobj_int.h"

/* A subtree of a compact object decoded for a reader wanting cJSON. */
struct kdec {
	struct kdec	*next;
	uint32_t	 node;
	cJSON		*json;
};

struct kobj {
	atomic_int	 refs;
	bool		 frozen;
	cJSON		*root;		/* NULL in the compact form */
	char		*key;		/* "ns/name" or "name" */
	struct kc	*kc;		/* the compact form (kobj_int.h) */
	_Atomic(struct kdec *) dec;	/* pushed, never removed but by trim */
};

/* A place in an object: a compact node or a cJSON value, or nothing. */
struct cur {
	const struct kc_node	*n;
	const cJSON		*j;
};

#define PATH_STEPS_MAX	32
#define PATH_KEY_MAX	256

struct path_step {
	bool	is_index;
	int	index;
	char	key[PATH_KEY_MAX];
};

#define must(item)	kc_must(item)

static void
must_be_mutable(const struct kobj *obj)
{
	if (obj->frozen) {
		log_error("kobj %s: setter called on a frozen object",
		    obj->key);
		abort();
	}
}

static const cJSON *
field(const cJSON *obj, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(obj, name);
}

/* Cursors: one walk for both forms. */

static struct cur
cur_root(const struct kobj *obj)
{
	struct cur c = { NULL, NULL };

	if (obj->kc != NULL)
		c.n = &obj->kc->nodes[0];
	else
		c.j = obj->root;
	return c;
}

static const cJSON *
dec_find(const struct kobj *obj, uint32_t node)
{
	const struct kdec *d;

	d = atomic_load_explicit(&((struct kobj *)(uintptr_t)obj)->dec,
	    memory_order_acquire);
	for (; d != NULL; d = d->next)
		if (d->node == node)
			return d->json;
	return NULL;
}

/* A compact node already decoded is read from its cJSON (one copy). */
static struct cur
cur_norm(const struct kobj *obj, struct cur c)
{
	const cJSON *j;

	if (c.n != NULL && atomic_load_explicit(
	    &((struct kobj *)(uintptr_t)obj)->dec, memory_order_relaxed) !=
	    NULL && (j = dec_find(obj, (uint32_t)(c.n - obj->kc->nodes))) !=
	    NULL) {
		c.n = NULL;
		c.j = j;
	}
	return c;
}

static struct cur
cur_member(const struct kobj *obj, struct cur c, const char *name)
{
	c = cur_norm(obj, c);
	if (c.n != NULL)
		c.n = kc_member(obj->kc, c.n, name);
	else if (cJSON_IsObject(c.j))
		c.j = field(c.j, name);
	else
		c.j = NULL;
	return c;
}

static struct cur
cur_item(const struct kobj *obj, struct cur c, int i)
{
	c = cur_norm(obj, c);
	if (c.n != NULL)
		c.n = kc_item(obj->kc, c.n, i);
	else
		c.j = cJSON_IsArray(c.j) ? cJSON_GetArrayItem(c.j, i) : NULL;
	return c;
}

static int
cur_type(struct cur c)
{
	if (c.n != NULL)
		return kc_type(c.n);
	return c.j != NULL ? c.j->type & 0xff : cJSON_Invalid;
}

static const char *
cur_str(const struct kobj *obj, struct cur c)
{
	if (c.n != NULL)
		return kc_str(obj->kc, c.n);
	return cJSON_IsString(c.j) ? c.j->valuestring : NULL;
}

static double
cur_num(const struct kobj *obj, struct cur c)
{
	return c.n != NULL ? kc_num(obj->kc, c.n) : c.j->valuedouble;
}

/* Members of an object or items of an array, either form. */
struct iter {
	struct cur	parent;
	struct cur	at;
};

static struct cur
iter_first(const struct kobj *obj, struct iter *it, struct cur parent)
{
	it->parent = cur_norm(obj, parent);
	it->at.n = NULL;
	it->at.j = NULL;
	if (it->parent.n != NULL)
		it->at.n = kc_first(obj->kc, it->parent.n);
	else if (cJSON_IsArray(it->parent.j) || cJSON_IsObject(it->parent.j))
		it->at.j = it->parent.j->child;
	return it->at;
}

static struct cur
iter_next(const struct kobj *obj, struct iter *it)
{
	if (it->at.n != NULL)
		it->at.n = kc_next(obj->kc, it->parent.n, it->at.n);
	else if (it->at.j != NULL)
		it->at.j = it->at.j->next;
	return it->at;
}

static bool
cur_none(struct cur c)
{
	return c.n == NULL && c.j == NULL;
}

/*
 * The cJSON of a place. A compact node is decoded once and kept with the
 * object (borrowing its strings) until the object goes or is trimmed.
 */
static const cJSON *
cur_json(const struct kobj *obj, struct cur c)
{
	struct kobj *o = (struct kobj *)(uintptr_t)obj;
	struct kdec *d, *head;
	const struct kdec *e;
	const cJSON *found;
	uint32_t node;

	if (c.n == NULL)
		return c.j;
	node = (uint32_t)(c.n - obj->kc->nodes);
	if ((found = dec_find(obj, node)) != NULL)
		return found;
	d = ck_calloc(1, sizeof(*d));
	d->node = node;
	d->json = kc_decode(obj->kc, c.n, true);
	head = atomic_load_explicit(&o->dec, memory_order_acquire);
	for (;;) {
		/* Another reader may have pushed this very node meanwhile. */
		for (e = head; e != NULL; e = e->next)
			if (e->node == node) {
				cJSON_Delete(d->json);
				free(d);
				return e->json;
			}
		d->next = head;
		if (atomic_compare_exchange_weak_explicit(&o->dec, &head, d,
		    memory_order_acq_rel, memory_order_acquire))
			return d->json;
	}
}

static const char *
meta_str(const struct kobj *obj, const char *name)
{
	const char *s = cur_str(obj, cur_member(obj,
	    cur_member(obj, cur_root(obj), "metadata"), name));

	return s != NULL ? s : "";
}

static void
update_key(struct kobj *obj)
{
	const char *ns = meta_str(obj, "namespace");

	free(obj->key);
	if (ns[0] != '\0')
		obj->key = ck_asprintf("%s/%s", ns, meta_str(obj, "name"));
	else
		obj->key = ck_strdup(meta_str(obj, "name"));
}

struct kobj *
kobj_new_take(cJSON *root)
{
	struct kobj *obj;

	if (!cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return NULL;
	}
	obj = ck_calloc(1, sizeof(*obj));
	atomic_init(&obj->refs, 1);
	obj->root = root;
	update_key(obj);
	return obj;
}

struct kobj *
kobj_new(const char *api_version, const char *kind)
{
	cJSON *root = must(cJSON_CreateObject());

	if (api_version != NULL)
		must(cJSON_AddStringToObject(root, "apiVersion", api_version));
	if (kind != NULL)
		must(cJSON_AddStringToObject(root, "kind", kind));
	must(cJSON_AddObjectToObject(root, "metadata"));
	return kobj_new_take(root);
}

struct kobj *
kobj_parse(const char *json, size_t len)
{
	const char *end = NULL;
	cJSON *root;

	if (json == NULL || len == 0)
		return NULL;
	root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (root == NULL)
		return NULL;
	/* cJSON stops after the first value: only whitespace may follow. */
	for (; end != NULL && end < json + len; end++) {
		if (strchr(" \t\n\r", *end) == NULL || *end == '\0') {
			cJSON_Delete(root);
			return NULL;
		}
	}
	return kobj_new_take(root);
}

struct kobj *
kobj_ref(const struct kobj *cobj)
{
	/* The refcount lives outside the immutable value (see kobj.h). */
	struct kobj *obj = (struct kobj *)(uintptr_t)cobj;

	if (obj != NULL)
		atomic_fetch_add_explicit(&obj->refs, 1, memory_order_relaxed);
	return obj;
}

void
kobj_unref(const struct kobj *cobj)
{
	struct kobj *obj = (struct kobj *)(uintptr_t)cobj;
	int prev;

	if (obj == NULL)
		return;
	prev = atomic_fetch_sub_explicit(&obj->refs, 1, memory_order_acq_rel);
	if (prev > 1)
		return;
	if (prev < 1) {
		log_error("kobj %s: reference count underflow", obj->key);
		abort();
	}
	kobj_trim(obj);
	cJSON_Delete(obj->root);
	free(obj->kc);
	free(obj->key);
	free(obj);
}

/*
 * Member names of frozen objects are interned: caches hold every object of
 * a kind and their names repeat ("metadata", "name", label keys), so one
 * shared copy each instead of an allocation per member saves about a
 * quarter of a cached object's memory. cJSON leaves names flagged
 * cJSON_StringIsConst alone when it frees or duplicates. The table only
 * grows; it is bounded (kobj_compact.c), past which names stay copies.
 */
static const char *
intern(const char *s)
{
	return kc_intern(s);
}

static void
intern_keys(cJSON *node)
{
	cJSON *c;

	for (c = node != NULL ? node->child : NULL; c != NULL; c = c->next) {
		if (c->string != NULL && !(c->type & cJSON_StringIsConst)) {
			const char *k = intern(c->string);

			cJSON_free(c->string);
			c->string = (char *)(uintptr_t)k;
			c->type |= cJSON_StringIsConst;
		}
		intern_keys(c);
	}
}

struct kobj *
kobj_freeze(struct kobj *obj)
{
	if (!obj->frozen)
		intern_keys(obj->root);
	obj->frozen = true;
	return obj;
}

bool
kobj_is_frozen(const struct kobj *obj)
{
	return obj->frozen;
}

struct kobj *
kobj_copy(const struct kobj *obj)
{
	if (obj->kc != NULL)
		return kobj_new_take(kc_decode(obj->kc, &obj->kc->nodes[0],
		    false));
	return kobj_new_take(must(cJSON_Duplicate(obj->root, 1)));
}

/* CKUBE_KOBJ_COMPACT=0 keeps cached objects as cJSON (to compare). */
static bool
compact_enabled(void)
{
	static atomic_int enabled = -1;
	int e = atomic_load_explicit(&enabled, memory_order_relaxed);

	if (e < 0) {
		const char *v = getenv("CKUBE_KOBJ_COMPACT");

		e = v == NULL || strcmp(v, "0") != 0;
		atomic_store_explicit(&enabled, e, memory_order_relaxed);
	}
	return e;
}

struct kobj *
kobj_compact(const struct kobj *obj)
{
	struct kobj *c;
	struct kc *kc;

	if (obj->kc != NULL || !compact_enabled() ||
	    (kc = kc_encode(obj->root)) == NULL)
		return kobj_ref(obj);
	c = ck_calloc(1, sizeof(*c));
	atomic_init(&c->refs, 1);
	atomic_init(&c->dec, NULL);
	c->frozen = true;
	c->kc = kc;
	c->key = ck_strdup(obj->key);
	return c;
}

bool
kobj_is_compact(const struct kobj *obj)
{
	return obj->kc != NULL;
}

size_t
kobj_trim(const struct kobj *cobj)
{
	struct kobj *obj = (struct kobj *)(uintptr_t)cobj;
	struct kdec *d, *next;
	size_t n = 0;

	if (obj->kc == NULL ||
	    atomic_load_explicit(&obj->refs, memory_order_acquire) > 1)
		return 0;
	d = atomic_exchange_explicit(&obj->dec, NULL, memory_order_acq_rel);
	for (; d != NULL; d = next) {
		next = d->next;
		cJSON_Delete(d->json);
		free(d);
		n++;
	}
	return n;
}

const char *
kobj_name(const struct kobj *obj)
{
	return meta_str(obj, "name");
}

const char *
kobj_namespace(const struct kobj *obj)
{
	return meta_str(obj, "namespace");
}

const char *
kobj_uid(const struct kobj *obj)
{
	return meta_str(obj, "uid");
}

const char *
kobj_resource_version(const struct kobj *obj)
{
	return meta_str(obj, "resourceVersion");
}

static const char *
top_str(const struct kobj *obj, const char *name)
{
	const char *s = cur_str(obj, cur_member(obj, cur_root(obj), name));

	return s != NULL ? s : "";
}

const char *
kobj_kind(const struct kobj *obj)
{
	return top_str(obj, "kind");
}

const char *
kobj_api_version(const struct kobj *obj)
{
	return top_str(obj, "apiVersion");
}

const char *
kobj_key(const struct kobj *obj)
{
	return obj->key;
}

/*
 * Split "a.b[0][1].c" into steps. Returns the number of steps, or -1 for an
 * empty segment, a bad index, a key too long, or too many steps.
 */
static int
path_parse(const char *path, struct path_step *steps)
{
	const char *p = path;
	int n = 0;

	if (path == NULL || *path == '\0')
		return -1;
	for (;;) {
		size_t klen = strcspn(p, ".[");

		if (klen == 0 || klen >= PATH_KEY_MAX || n >= PATH_STEPS_MAX)
			return -1;
		steps[n].is_index = false;
		memcpy(steps[n].key, p, klen);
		steps[n].key[klen] = '\0';
		n++;
		p += klen;
		while (*p == '[') {
			long idx = 0;

			p++;
			if (*p < '0' || *p > '9' || n >= PATH_STEPS_MAX)
				return -1;
			for (; *p >= '0' && *p <= '9'; p++) {
				idx = idx * 10 + (*p - '0');
				if (idx > 1000000)
					return -1;
			}
			if (*p++ != ']')
				return -1;
			steps[n].is_index = true;
			steps[n].index = (int)idx;
			n++;
		}
		if (*p == '\0')
			return n;
		if (*p != '.')
			return -1;
		p++;
	}
}

static cJSON *
step_get(const cJSON *cur, const struct path_step *s)
{
	if (s->is_index)
		return cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, s->index) :
		    NULL;
	return cJSON_IsObject(cur) ?
	    cJSON_GetObjectItemCaseSensitive(cur, s->key) : NULL;
}

static struct cur
cur_path(const struct kobj *obj, const char *path)
{
	struct path_step steps[PATH_STEPS_MAX];
	struct cur cur = cur_root(obj), none = { NULL, NULL };
	int i, n = path_parse(path, steps);

	if (n <= 0)
		return none;
	for (i = 0; i < n && !cur_none(cur); i++)
		cur = steps[i].is_index ? cur_item(obj, cur, steps[i].index) :
		    cur_member(obj, cur, steps[i].key);
	return cur;
}

const cJSON *
kobj_get(const struct kobj *obj, const char *path)
{
	return cur_json(obj, cur_path(obj, path));
}

const char *
kobj_get_str(const struct kobj *obj, const char *path)
{
	return cur_str(obj, cur_path(obj, path));
}

int
kobj_get_int(const struct kobj *obj, const char *path, int64_t *out)
{
	struct cur v = cur_path(obj, path);
	double d;

	if (cur_none(v) || cur_type(v) == cJSON_NULL)
		return CK_ENOTFOUND;
	if (cur_type(v) != cJSON_Number)
		return CK_EINVALID;
	d = cur_num(obj, v);
	if (!isfinite(d) || d != floor(d) || fabs(d) > 9007199254740992.0)
		return CK_EINVALID;
	*out = (int64_t)d;
	return 0;
}

int64_t
kobj_get_int_or(const struct kobj *obj, const char *path, int64_t def)
{
	int64_t v;

	return kobj_get_int(obj, path, &v) == 0 ? v : def;
}

bool
kobj_get_bool(const struct kobj *obj, const char *path, bool def)
{
	int t = cur_type(cur_path(obj, path));

	return t == cJSON_True ? true : t == cJSON_False ? false : def;
}

const cJSON *
kobj_labels(const struct kobj *obj)
{
	struct cur c = cur_member(obj, cur_member(obj, cur_root(obj),
	    "metadata"), "labels");

	return cur_type(c) == cJSON_Object ? cur_json(obj, c) : NULL;
}

static const char *
meta_map_get(const struct kobj *obj, const char *map, const char *key)
{
	struct cur m = cur_member(obj, cur_member(obj, cur_root(obj),
	    "metadata"), map);

	if (cur_type(m) != cJSON_Object || key == NULL)
		return NULL;
	return cur_str(obj, cur_member(obj, m, key));
}

const char *
kobj_label(const struct kobj *obj, const char *key)
{
	return meta_map_get(obj, "labels", key);
}

const char *
kobj_annotation(const struct kobj *obj, const char *key)
{
	return meta_map_get(obj, "annotations", key);
}

static struct cur
controller_ref(const struct kobj *obj)
{
	struct cur refs = cur_path(obj, "metadata.ownerReferences"), r;
	struct cur none = { NULL, NULL };
	struct iter it;

	if (cur_type(refs) != cJSON_Array)
		return none;
	for (r = iter_first(obj, &it, refs); !cur_none(r);
	    r = iter_next(obj, &it))
		if (cur_type(cur_member(obj, r, "controller")) == cJSON_True)
			return r;
	return none;
}

const cJSON *
kobj_controller_ref(const struct kobj *obj)
{
	return cur_json(obj, controller_ref(obj));
}

bool
kobj_has_controller_ref(const struct kobj *obj)
{
	return !cur_none(controller_ref(obj));
}

const char *
kobj_controller_ref_str(const struct kobj *obj, const char *field)
{
	struct cur r = controller_ref(obj);

	return cur_none(r) ? NULL : cur_str(obj, cur_member(obj, r, field));
}

cJSON *
kobj_get_copy(const struct kobj *obj, const char *path)
{
	struct cur c = cur_path(obj, path);

	if (c.n != NULL)
		return kc_decode(obj->kc, c.n, false);
	return c.j != NULL ? must(cJSON_Duplicate(c.j, 1)) : NULL;
}

static struct cur
condition(const struct kobj *obj, const char *type)
{
	struct cur conds = cur_path(obj, "status.conditions"), c;
	struct cur none = { NULL, NULL };
	struct iter it;
	const char *t;

	if (cur_type(conds) != cJSON_Array || type == NULL)
		return none;
	for (c = iter_first(obj, &it, conds); !cur_none(c);
	    c = iter_next(obj, &it)) {
		t = cur_str(obj, cur_member(obj, c, "type"));
		if (t != NULL && strcmp(t, type) == 0)
			return c;
	}
	return none;
}

const cJSON *
kobj_condition(const struct kobj *obj, const char *type)
{
	return cur_json(obj, condition(obj, type));
}

const char *
kobj_condition_status(const struct kobj *obj, const char *type)
{
	struct cur c = condition(obj, type);

	return cur_none(c) ? NULL : cur_str(obj, cur_member(obj, c, "status"));
}

/*
 * Walk to the parent of the last step. With create, missing objects on the
 * way are made; without, the walk only checks that a create walk would
 * succeed (*parent is then NULL if something would have to be created).
 */
static int
walk_parent(cJSON *root, const struct path_step *steps, int n, bool create,
    cJSON **parent)
{
	cJSON *cur = root, *next;
	int i;

	for (i = 0; i < n - 1; i++) {
		next = step_get(cur, &steps[i]);
		if (next == NULL) {
			if (steps[i].is_index || !cJSON_IsObject(cur))
				return CK_EINVALID;
			if (!create) {
				/* The rest gets created: only keys can be. */
				for (; i < n; i++)
					if (steps[i].is_index)
						return CK_EINVALID;
				*parent = NULL;
				return 0;
			}
			next = must(cJSON_AddObjectToObject(cur, steps[i].key));
		}
		if (steps[i + 1].is_index ? !cJSON_IsArray(next) :
		    !cJSON_IsObject(next))
			return CK_EINVALID;
		cur = next;
	}
	*parent = cur;
	return 0;
}

static int
set_item(struct kobj *obj, const char *path, cJSON *item)
{
	struct path_step steps[PATH_STEPS_MAX];
	const struct path_step *last;
	cJSON *parent;
	int n, rc;

	must_be_mutable(obj);
	n = path_parse(path, steps);
	if (n <= 0) {
		rc = CK_EINVALID;
		goto fail;
	}
	if ((rc = walk_parent(obj->root, steps, n, false, &parent)) < 0)
		goto fail;
	last = &steps[n - 1];
	if (parent != NULL && last->is_index &&
	    last->index >= cJSON_GetArraySize(parent)) {
		rc = CK_EINVALID;
		goto fail;
	}
	if ((rc = walk_parent(obj->root, steps, n, true, &parent)) < 0)
		goto fail;	/* cannot happen after the check walk */
	if (last->is_index) {
		cJSON_ReplaceItemInArray(parent, last->index, item);
	} else if (field(parent, last->key) != NULL) {
		cJSON_ReplaceItemInObjectCaseSensitive(parent, last->key, item);
	} else if (!cJSON_AddItemToObject(parent, last->key, item)) {
		must(NULL);
	}
	update_key(obj);
	return 0;
fail:
	cJSON_Delete(item);
	return rc;
}

int
kobj_set_str(struct kobj *obj, const char *path, const char *value)
{
	must_be_mutable(obj);
	return set_item(obj, path,
	    must(cJSON_CreateString(value ? value : "")));
}

int
kobj_set_int(struct kobj *obj, const char *path, int64_t value)
{
	must_be_mutable(obj);
	return set_item(obj, path, must(cJSON_CreateNumber((double)value)));
}

int
kobj_set_bool(struct kobj *obj, const char *path, bool value)
{
	must_be_mutable(obj);
	return set_item(obj, path, must(cJSON_CreateBool(value)));
}

int
kobj_set_json(struct kobj *obj, const char *path, cJSON *item)
{
	if (item == NULL)
		return CK_EINVALID;
	if (obj->frozen)
		cJSON_Delete(item);
	must_be_mutable(obj);
	return set_item(obj, path, item);
}

int
kobj_delete(struct kobj *obj, const char *path)
{
	struct path_step steps[PATH_STEPS_MAX];
	const struct path_step *last;
	cJSON *parent;
	int n, rc;

	must_be_mutable(obj);
	n = path_parse(path, steps);
	if (n <= 0)
		return CK_EINVALID;
	rc = walk_parent(obj->root, steps, n, false, &parent);
	if (rc < 0 || parent == NULL)
		return rc;
	last = &steps[n - 1];
	if (last->is_index)
		cJSON_DeleteItemFromArray(parent, last->index);
	else
		cJSON_DeleteItemFromObjectCaseSensitive(parent, last->key);
	update_key(obj);
	return 0;
}

/* root.metadata.<map>, made (or made an object) if needed. */
static cJSON *
meta_map(struct kobj *obj, const char *map)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj->root, "metadata");
	cJSON *m;

	if (!cJSON_IsObject(md)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj->root, "metadata");
		md = must(cJSON_AddObjectToObject(obj->root, "metadata"));
	}
	m = cJSON_GetObjectItemCaseSensitive(md, map);
	if (!cJSON_IsObject(m)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, map);
		m = must(cJSON_AddObjectToObject(md, map));
	}
	return m;
}

static void
meta_map_set(struct kobj *obj, const char *map, const char *key,
    const char *value)
{
	cJSON *m;

	must_be_mutable(obj);
	if (key == NULL)
		return;
	if (value == NULL) {
		cJSON *md = cJSON_GetObjectItemCaseSensitive(obj->root,
		    "metadata");
		cJSON *cur = cJSON_GetObjectItemCaseSensitive(md, map);

		if (cJSON_IsObject(cur))
			cJSON_DeleteItemFromObjectCaseSensitive(cur, key);
		return;
	}
	m = meta_map(obj, map);
	if (field(m, key) != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(m, key,
		    must(cJSON_CreateString(value)));
	else
		must(cJSON_AddStringToObject(m, key, value));
	update_key(obj);
}

void
kobj_set_label(struct kobj *obj, const char *key, const char *value)
{
	meta_map_set(obj, "labels", key, value);
}

void
kobj_set_annotation(struct kobj *obj, const char *key, const char *value)
{
	meta_map_set(obj, "annotations", key, value);
}

const cJSON *
kobj_json(const struct kobj *obj)
{
	return cur_json(obj, cur_root(obj));
}

cJSON *
kobj_json_mut(struct kobj *obj)
{
	must_be_mutable(obj);
	return obj->root;
}

void
kobj_touch(struct kobj *obj)
{
	must_be_mutable(obj);
	update_key(obj);
}

char *
kobj_print(const struct kobj *obj)
{
	cJSON *tmp = obj->kc != NULL ?
	    kc_decode(obj->kc, &obj->kc->nodes[0], true) : NULL;
	char *js = cJSON_PrintUnformatted(tmp != NULL ? tmp : obj->root);
	char *s;

	cJSON_Delete(tmp);
	if (js == NULL) {
		log_error("kobj %s: out of memory printing JSON", obj->key);
		abort();
	}
	s = ck_strdup(js);
	cJSON_free(js);
	return s;
}

cJSON *
kobj_new_owner_ref(const struct kobj *owner, const char *api_version,
    const char *kind, bool controller)
{
	cJSON *ref = cJSON_CreateObject();

	cJSON_AddStringToObject(ref, "apiVersion", api_version);
	cJSON_AddStringToObject(ref, "kind", kind);
	cJSON_AddStringToObject(ref, "name", kobj_name(owner));
	cJSON_AddStringToObject(ref, "uid", kobj_uid(owner));
	cJSON_AddBoolToObject(ref, "controller", controller);
	cJSON_AddBoolToObject(ref, "blockOwnerDeletion", 1);
	return ref;
}
