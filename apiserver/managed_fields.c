/*
 * managed_fields.c: metadata.managedFields as far as kubectl shows them
 * (`kubectl get -o yaml --show-managed-fields`): a create or a server-side
 * apply records one entry for its fieldManager (operation Update or Apply,
 * apiVersion, time, FieldsV1 of the fields it set), replacing that
 * manager's earlier entry of the same operation. FieldsV1 follows the
 * structured-merge-diff encoding: "f:<field>" for members, "k:{key}" for
 * items of keyed lists, "v:<value>" for sets of scalars, "." for the item
 * itself. An apply whose value differs on a field another manager owns is
 * a 409 conflict (unless force=true, which moves the ownership), and fields
 * a manager applied before but no longer applies are removed unless
 * another manager owns them.
 */
#include "crud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"

/* Members the server owns: never part of a manager's fields. */
static const char *const server_meta[] = { "uid", "resourceVersion",
	"creationTimestamp", "generation", "deletionTimestamp",
	"deletionGracePeriodSeconds", "managedFields", "selfLink", "name",
	"namespace", NULL };

static bool
listed(const char *const *set, const char *s)
{
	for (; *set != NULL; set++)
		if (strcmp(*set, s) == 0)
			return true;
	return false;
}

static cJSON *fields_of(const cJSON *v, int depth);

/* The merge key of a list of objects, as Kubernetes' list-map keys. */
static cJSON *
item_key(const cJSON *item)
{
	static const char *const keys[] = { "name", "containerPort",
		"mountPath", "devicePath", "ip", "uid", "type", "key",
		"topologyKey", NULL };
	const cJSON *v;
	cJSON *k;
	size_t i;

	if (!cJSON_IsObject(item))
		return NULL;
	/* Service ports are keyed by port and protocol. */
	v = cJSON_GetObjectItemCaseSensitive(item, "port");
	if (cJSON_IsNumber(v) && cJSON_GetObjectItemCaseSensitive(item,
	    "name") == NULL) {
		k = cJSON_CreateObject();
		cJSON_AddNumberToObject(k, "port", v->valuedouble);
		cJSON_AddStringToObject(k, "protocol", json_str(item,
		    "protocol") ? json_str(item, "protocol") : "TCP");
		return k;
	}
	for (i = 0; keys[i] != NULL; i++) {
		v = cJSON_GetObjectItemCaseSensitive(item, keys[i]);
		if (cJSON_IsString(v) || cJSON_IsNumber(v)) {
			k = cJSON_CreateObject();
			cJSON_AddItemToObject(k, keys[i], cJSON_Duplicate(v, 1));
			return k;
		}
	}
	return NULL;
}

static cJSON *
list_fields(const cJSON *arr, int depth)
{
	cJSON *out = cJSON_CreateObject(), *k, *f;
	const cJSON *it;
	char *ks, name[1024];
	bool scalars = true;

	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsObject(it) || cJSON_IsArray(it))
			scalars = false;
	/* Scalar lists are atomic (command, args, ...) but for sets. */
	if (scalars && (arr->string == NULL ||
	    strcmp(arr->string, "finalizers") != 0))
		return out;
	cJSON_ArrayForEach(it, arr) {
		if (scalars) {
			ks = cJSON_PrintUnformatted(it);
			snprintf(name, sizeof(name), "v:%s", ks);
			free(ks);
			if (cJSON_GetObjectItemCaseSensitive(out, name) == NULL)
				cJSON_AddItemToObject(out, name,
				    cJSON_CreateObject());
			continue;
		}
		k = item_key(it);
		if (k == NULL) {
			/* An atomic list: owned as a whole. */
			cJSON_Delete(out);
			return cJSON_CreateObject();
		}
		ks = cJSON_PrintUnformatted(k);
		cJSON_Delete(k);
		snprintf(name, sizeof(name), "k:%s", ks);
		free(ks);
		f = fields_of(it, depth + 1);
		cJSON_AddItemToObject(f, ".", cJSON_CreateObject());
		cJSON_DeleteItemFromObjectCaseSensitive(out, name);
		cJSON_AddItemToObject(out, name, f);
	}
	return out;
}

static cJSON *
fields_of(const cJSON *v, int depth)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *it;
	char name[512];

	if (depth > 32)
		return out;
	if (cJSON_IsArray(v)) {
		cJSON_Delete(out);
		return list_fields(v, depth);
	}
	if (!cJSON_IsObject(v))
		return out;
	cJSON_ArrayForEach(it, v) {
		if (depth == 0 && (strcmp(it->string, "apiVersion") == 0 ||
		    strcmp(it->string, "kind") == 0 ||
		    strcmp(it->string, "status") == 0))
			continue;
		if (depth == 1 && listed(server_meta, it->string) &&
		    v->string != NULL && strcmp(v->string, "metadata") == 0)
			continue;
		if (cJSON_IsNull(it))
			continue;
		snprintf(name, sizeof(name), "f:%s", it->string);
		cJSON_AddItemToObject(out, name, fields_of(it, depth + 1));
	}
	return out;
}

/* Drop members that ended up empty where nothing was set (f:metadata {}). */
static void
prune_empty_meta(cJSON *fields)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(fields, "f:metadata");

	if (cJSON_IsObject(m) && m->child == NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(fields, "f:metadata");
}

void
crud_record_manager(const struct crud *c, cJSON *obj, const cJSON *set)
{
	const char *ct = c->req->content_type;
	const char *op = ct != NULL && strncmp(ct,
	    "application/apply-patch", 23) == 0 ? "Apply" : "Update";
	cJSON *meta, *mf, *e, *it, *next, *fields;
	char ts[RFC3339_MAX], av[192], mbuf[128];
	const char *manager = crud_field_manager(c, mbuf, sizeof(mbuf));

	if (manager == NULL || manager[0] == '\0' || !cJSON_IsObject(obj))
		return;
	meta = json_ensure_obj(obj, "metadata");
	mf = cJSON_GetObjectItemCaseSensitive(meta, "managedFields");
	if (!cJSON_IsArray(mf)) {
		json_del(meta, "managedFields");
		mf = cJSON_AddArrayToObject(meta, "managedFields");
	}
	for (it = mf->child; it != NULL; it = next) {
		next = it->next;
		if (json_str(it, "manager") != NULL && json_str(it, "operation")
		    != NULL && strcmp(json_str(it, "manager"), manager) == 0 &&
		    strcmp(json_str(it, "operation"), op) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(mf, it));
	}
	fields = fields_of(set, 0);
	prune_empty_meta(fields);
	crud_now_ts(ts, 0);
	registry_api_version(c->res, av, sizeof(av));
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "manager", manager);
	cJSON_AddStringToObject(e, "operation", op);
	cJSON_AddStringToObject(e, "apiVersion", av);
	cJSON_AddStringToObject(e, "time", ts);
	cJSON_AddStringToObject(e, "fieldsType", "FieldsV1");
	cJSON_AddItemToObject(e, "fieldsV1", fields);
	cJSON_AddItemToArray(mf, e);
}

/* ---- server-side apply: conflicts and fields no longer applied ---- */

#define FPATH_MAX	32

/* A leaf of a FieldsV1 set: its path elements ("f:spec", "k:{...}"). */
struct fpath {
	const char	*pe[FPATH_MAX];
	int		 n;
};

typedef void (*leaf_fn)(const struct fpath *p, void *arg);

static void
each_leaf(const cJSON *f, struct fpath *p, leaf_fn fn, void *arg)
{
	const cJSON *it;
	bool leaf = true;

	cJSON_ArrayForEach(it, f) {
		if (strcmp(it->string, ".") == 0)
			continue;
		leaf = false;
		if (p->n == FPATH_MAX)
			continue;
		p->pe[p->n++] = it->string;
		each_leaf(it, p, fn, arg);
		p->n--;
	}
	if (leaf && p->n > 0)
		fn(p, arg);
}

static bool
fields_have(const cJSON *f, const struct fpath *p, int n)
{
	int i;

	for (i = 0; i < n && f != NULL; i++)
		f = cJSON_GetObjectItemCaseSensitive(f, p->pe[i]);
	return f != NULL;
}

/* The item of list arr a "k:{...}" or "v:..." element names, or NULL. */
static cJSON *
list_item(cJSON *arr, const char *pe)
{
	cJSON *key, *it, *kv, *v;
	bool match;

	if (!cJSON_IsArray(arr))
		return NULL;
	key = cJSON_Parse(pe + 2);
	if (key == NULL)
		return NULL;
	cJSON_ArrayForEach(it, arr) {
		if (pe[0] == 'v') {
			if (cJSON_Compare(it, key, 1))
				break;
			continue;
		}
		match = cJSON_IsObject(it);
		cJSON_ArrayForEach(kv, key) {
			v = cJSON_GetObjectItemCaseSensitive(it, kv->string);
			if (v == NULL || !cJSON_Compare(v, kv, 1))
				match = false;
		}
		if (match)
			break;
	}
	cJSON_Delete(key);
	return it;
}

/* The value at p in obj (and its parent), or NULL. */
static cJSON *
value_at(cJSON *obj, const struct fpath *p, int n, cJSON **parent)
{
	cJSON *v = obj;
	int i;

	*parent = NULL;
	for (i = 0; i < n && v != NULL; i++) {
		*parent = v;
		if (strncmp(p->pe[i], "f:", 2) == 0)
			v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v,
			    p->pe[i] + 2) : NULL;
		else
			v = list_item(v, p->pe[i]);
	}
	return v;
}

/* `.spec.containers[name="c"].image`, as the apiserver words paths. */
static void
path_text(const struct fpath *p, struct strbuf *sb)
{
	cJSON *key, *kv;
	char *s;
	int i;

	for (i = 0; i < p->n; i++) {
		if (strncmp(p->pe[i], "f:", 2) == 0) {
			strbuf_addf(sb, ".%s", p->pe[i] + 2);
			continue;
		}
		key = cJSON_Parse(p->pe[i] + 2);
		strbuf_addc(sb, '[');
		if (cJSON_IsObject(key))
			cJSON_ArrayForEach(kv, key) {
				s = cJSON_PrintUnformatted(kv);
				strbuf_addf(sb, "%s%s=%s", kv != key->child ?
				    "," : "", kv->string, s);
				free(s);
			}
		else
			strbuf_addf(sb, "=%s", p->pe[i] + 2);
		strbuf_addc(sb, ']');
		cJSON_Delete(key);
	}
}

struct conflict_walk {
	cJSON		*live;
	cJSON		*applied;
	cJSON		*other;		/* the other manager's fieldsV1 */
	const char	*manager;
	const char	*api_version;
	bool		 force;
	struct ck_status *st;
	struct strbuf	*msg;
	int		 count;
};

static void
conflict_leaf(const struct fpath *p, void *arg)
{
	struct conflict_walk *w = arg;
	struct strbuf path = STRBUF_INIT;
	cJSON *a, *l, *parent;

	if (!fields_have(w->other, p, p->n))
		return;
	a = value_at(w->applied, p, p->n, &parent);
	l = value_at(w->live, p, p->n, &parent);
	if (a == NULL || l == NULL || cJSON_Compare(a, l, 1))
		return;
	w->count++;
	path_text(p, &path);
	strbuf_addf(w->msg, "%sconflict with \"%s\" using %s: %s",
	    w->msg->len ? "\n" : "", w->manager, w->api_version,
	    strbuf_str(&path));
	ck_status_add_cause(w->st, strbuf_str(&path), "FieldManagerConflict",
	    "conflict with another manager");
	strbuf_fini(&path);
}

/*
 * Drop p from the FieldsV1 tree f, and the members left empty on the way
 * (ownership moves on --force-conflicts).
 */
static void
fields_drop_at(cJSON *f, const struct fpath *p, int i)
{
	cJSON *child = cJSON_GetObjectItemCaseSensitive(f, p->pe[i]);

	if (child == NULL)
		return;
	if (i + 1 < p->n) {
		fields_drop_at(child, p, i + 1);
		if (child->child != NULL && !(child->child->next == NULL &&
		    strcmp(child->child->string, ".") == 0))
			return;
	}
	cJSON_Delete(cJSON_DetachItemViaPointer(f, child));
}

static void
fields_drop(cJSON *f, const struct fpath *p)
{
	if (p->n > 0)
		fields_drop_at(f, p, 0);
}

struct force_walk {
	cJSON	*other;
};

static void
force_leaf(const struct fpath *p, void *arg)
{
	fields_drop(((struct force_walk *)arg)->other, p);
}

struct removal_walk {
	const cJSON	*now;		/* the manager's new fieldsV1 */
	cJSON		*mf;		/* every entry */
	const cJSON	*self;		/* the manager's previous entry */
	cJSON		*target;
};

/* A field the manager applied before and not now, owned by no other. */
static void
removal_leaf(const struct fpath *p, void *arg)
{
	struct removal_walk *w = arg;
	cJSON *e, *v, *parent;
	int n;

	/* The shortest prefix no longer applied: a list item goes whole. */
	for (n = 1; n <= p->n && fields_have(w->now, p, n); n++)
		;
	if (n > p->n)
		return;
	cJSON_ArrayForEach(e, w->mf)
		if (e != w->self && fields_have(json_obj(e, "fieldsV1"), p, n))
			return;
	v = value_at(w->target, p, n, &parent);
	if (v != NULL && parent != NULL)
		cJSON_Delete(cJSON_DetachItemViaPointer(parent, v));
}

/*
 * Kubernetes' lastAppliedManager: an apply by "kubectl" whose conflicts are
 * all on fields the last-applied annotation holds with the live value (a
 * client-side-applied object moving to server-side apply) is forced.
 */
struct csa_walk {
	cJSON		*mf;
	const char	*manager;
	cJSON		*live;
	cJSON		*applied;
	cJSON		*la;		/* the last-applied object */
	cJSON		*la_fields;
	int		 conflicts;
	bool		 blocked;
};

static void
csa_leaf(const struct fpath *p, void *arg)
{
	struct csa_walk *w = arg;
	cJSON *e, *a, *l, *x, *parent;
	bool conflict = false;

	a = value_at(w->applied, p, p->n, &parent);
	l = value_at(w->live, p, p->n, &parent);
	if (a == NULL || l == NULL || cJSON_Compare(a, l, 1))
		return;
	cJSON_ArrayForEach(e, w->mf)
		if (json_str(e, "manager") != NULL &&
		    strcmp(json_str(e, "manager"), w->manager) != 0 &&
		    fields_have(json_obj(e, "fieldsV1"), p, p->n))
			conflict = true;
	if (!conflict)
		return;
	w->conflicts++;
	x = value_at(w->la, p, p->n, &parent);
	if (!fields_have(w->la_fields, p, p->n) || x == NULL ||
	    !cJSON_Compare(x, l, 1))
		w->blocked = true;
}

static bool
csa_upgrade(cJSON *live, cJSON *applied, cJSON *mf, const char *manager,
    const cJSON *now)
{
	const char *txt = json_str(json_obj(json_obj(live, "metadata"),
	    "annotations"), "kubectl.kubernetes.io/last-applied-configuration");
	struct csa_walk w;
	struct fpath p = { .n = 0 };

	if (strcmp(manager, "kubectl") != 0 || txt == NULL || mf == NULL)
		return false;
	memset(&w, 0, sizeof(w));
	w.la = cJSON_Parse(txt);
	if (!cJSON_IsObject(w.la)) {
		cJSON_Delete(w.la);
		return false;
	}
	w.la_fields = fields_of(w.la, 0);
	w.mf = mf;
	w.manager = manager;
	w.live = live;
	w.applied = applied;
	each_leaf(now, &p, csa_leaf, &w);
	cJSON_Delete(w.la);
	cJSON_Delete(w.la_fields);
	return w.conflicts > 0 && !w.blocked;
}

static cJSON *
apply_entry(cJSON *mf, const char *manager)
{
	cJSON *e;

	cJSON_ArrayForEach(e, mf)
		if (json_str(e, "manager") != NULL && json_str(e, "operation") &&
		    strcmp(json_str(e, "manager"), manager) == 0 &&
		    strcmp(json_str(e, "operation"), "Apply") == 0)
			return e;
	return NULL;
}

int
crud_apply_fields(struct crud *c, cJSON *live, cJSON *target,
    cJSON *applied)
{
	const char *manager = api_request_param(c->req, "fieldManager");
	cJSON *mf, *e, *next, *fv, *now, *self;
	struct conflict_walk cw;
	struct force_walk fw;
	struct removal_walk rw;
	struct strbuf msg = STRBUF_INIT;
	struct fpath p = { .n = 0 };
	char av[192];
	int rc = 0;

	if (manager == NULL || manager[0] == '\0')
		return crud_fail(c, CK_EBADREQ, "PatchOptions.meta.k8s.io "
		    "\"\" is invalid: fieldManager: Required value: is "
		    "required for apply patch");
	now = fields_of(applied, 0);
	prune_empty_meta(now);
	mf = cJSON_GetObjectItemCaseSensitive(json_obj(target, "metadata"),
	    "managedFields");
	memset(&cw, 0, sizeof(cw));
	cw.live = live;
	cw.applied = applied;
	cw.force = api_request_flag(c->req, "force") ||
	    csa_upgrade(live, applied, mf, manager, now);
	cw.st = &c->st;
	cw.msg = &msg;
	c->st.ncauses = 0;
	cJSON_ArrayForEach(e, mf) {
		if (json_str(e, "manager") != NULL &&
		    strcmp(json_str(e, "manager"), manager) == 0)
			continue;
		cw.other = json_obj(e, "fieldsV1");
		cw.manager = json_str(e, "manager") ? json_str(e, "manager") :
		    "";
		cw.api_version = json_str(e, "apiVersion") ?
		    json_str(e, "apiVersion") : "v1";
		if (cw.other == NULL)
			continue;
		if (cw.force) {
			fw.other = cw.other;
			each_leaf(now, &p, force_leaf, &fw);
			continue;
		}
		each_leaf(now, &p, conflict_leaf, &cw);
	}
	if (cw.count > 0) {
		registry_api_version(c->res, av, sizeof(av));
		crud_fail(c, CK_ECONFLICT, "Apply failed with %d conflict%s: "
		    "%s", cw.count, cw.count == 1 ? "" : "s",
		    strbuf_str(&msg));
		ck_status_set_details(&c->st, c->rt->name, c->res->group,
		    c->res->resource);
		rc = CK_ECONFLICT;
		goto out;
	}
	/* An entry that lost every field to a forced apply goes. */
	for (e = mf != NULL ? mf->child : NULL; e != NULL; e = next) {
		next = e->next;
		fv = json_obj(e, "fieldsV1");
		if (fv != NULL && fv->child == NULL)
			cJSON_Delete(cJSON_DetachItemViaPointer(mf, e));
	}
	/* What this manager applied before and dropped now is removed. */
	self = apply_entry(mf, manager);
	if (self != NULL && json_obj(self, "fieldsV1") != NULL) {
		rw.now = now;
		rw.mf = mf;
		rw.self = self;
		rw.target = target;
		each_leaf(json_obj(self, "fieldsV1"), &p, removal_leaf, &rw);
	}
	crud_record_manager(c, target, applied);
out:
	strbuf_fini(&msg);
	cJSON_Delete(now);
	return rc;
}

/* ---- Update entries of PUT and PATCH ---- */

/* The members of now that differ from before (objects recursed into). */
static cJSON *
changed_of(const cJSON *before, const cJSON *now, int depth)
{
	cJSON *out = cJSON_CreateObject(), *sub;
	const cJSON *it, *o;

	cJSON_ArrayForEach(it, now) {
		o = cJSON_GetObjectItemCaseSensitive(before, it->string);
		if (o != NULL && cJSON_Compare(o, it, 1))
			continue;
		if (o != NULL && cJSON_IsObject(o) && cJSON_IsObject(it) &&
		    depth < 32) {
			sub = changed_of(o, it, depth + 1);
			if (sub->child != NULL)
				cJSON_AddItemToObject(out, it->string, sub);
			else
				cJSON_Delete(sub);
			continue;
		}
		cJSON_AddItemToObject(out, it->string, cJSON_Duplicate(it, 1));
	}
	return out;
}

/* Add every member of add into base (FieldsV1 union). */
static void
fields_union(cJSON *base, const cJSON *add)
{
	const cJSON *it;
	cJSON *b;

	cJSON_ArrayForEach(it, add) {
		b = cJSON_GetObjectItemCaseSensitive(base, it->string);
		if (b == NULL)
			cJSON_AddItemToObject(base, it->string,
			    cJSON_Duplicate(it, 1));
		else
			fields_union(b, it);
	}
}

struct takeover_walk {
	cJSON		*mf;
	const cJSON	*self;
};

/* A field this update set now belongs to it alone. */
static void
takeover_leaf(const struct fpath *p, void *arg)
{
	struct takeover_walk *w = arg;
	cJSON *e;

	cJSON_ArrayForEach(e, w->mf)
		if (e != w->self && json_obj(e, "fieldsV1") != NULL)
			fields_drop(json_obj(e, "fieldsV1"), p);
}

const char *
crud_field_manager(const struct crud *c, char *buf, size_t len)
{
	const char *m = api_request_param(c->req, "fieldManager");
	const char *ua = c->req->user_agent;

	if (m != NULL && m[0] != '\0')
		return m;
	/* Kubernetes' prefixFromUserAgent: the agent up to its first '/'. */
	if (ua == NULL || ua[0] == '\0' || len == 0)
		return NULL;
	snprintf(buf, len, "%.*s", (int)strcspn(ua, "/"), ua);
	return buf[0] != '\0' ? buf : NULL;
}

/*
 * The subresource of e ("" for the object itself): entries of the same
 * manager and operation are kept apart per subresource, as upstream.
 */
static bool
same_sub(const cJSON *e, const char *sub)
{
	const char *s = json_str(e, "subresource");

	return strcmp(s != NULL ? s : "", sub) == 0;
}

void
crud_record_update(const struct crud *c, const cJSON *old, cJSON *result)
{
	const char *ct = c->req->content_type, *manager;
	cJSON *meta, *mf, *changed, *fields, *e, *self = NULL, *next, *st;
	struct takeover_walk tw;
	struct fpath p = { .n = 0 };
	char ts[RFC3339_MAX], av[192], mbuf[128];
	/* Only .../status writes own status fields (1.32: subresource). */
	const char *sub = strcmp(c->rt->sub, "status") == 0 ? "status" : "";

	if (ct != NULL && strncmp(ct, "application/apply-patch", 23) == 0)
		return;	/* crud_apply_fields recorded it */
	manager = crud_field_manager(c, mbuf, sizeof(mbuf));
	if (manager == NULL || !cJSON_IsObject(result))
		return;
	changed = changed_of(old, result, 0);
	fields = fields_of(changed, 0);
	st = cJSON_GetObjectItemCaseSensitive(changed, "status");
	if (sub[0] != '\0' && cJSON_IsObject(st))
		cJSON_AddItemToObject(fields, "f:status", fields_of(st, 1));
	cJSON_Delete(changed);
	prune_empty_meta(fields);
	if (fields->child == NULL) {
		cJSON_Delete(fields);
		return;
	}
	meta = json_ensure_obj(result, "metadata");
	mf = cJSON_GetObjectItemCaseSensitive(meta, "managedFields");
	if (!cJSON_IsArray(mf)) {
		json_del(meta, "managedFields");
		mf = cJSON_AddArrayToObject(meta, "managedFields");
	}
	cJSON_ArrayForEach(e, mf)
		if (json_str(e, "manager") != NULL && json_str(e, "operation") &&
		    strcmp(json_str(e, "manager"), manager) == 0 &&
		    strcmp(json_str(e, "operation"), "Update") == 0 &&
		    same_sub(e, sub))
			self = e;
	tw.mf = mf;
	tw.self = self;
	each_leaf(fields, &p, takeover_leaf, &tw);
	for (e = mf->child; e != NULL; e = next) {
		next = e->next;
		if (e != self && cJSON_IsObject(json_obj(e, "fieldsV1")) &&
		    json_obj(e, "fieldsV1")->child == NULL)
			cJSON_Delete(cJSON_DetachItemViaPointer(mf, e));
	}
	crud_now_ts(ts, 0);
	registry_api_version(c->res, av, sizeof(av));
	if (self == NULL) {
		self = cJSON_CreateObject();
		cJSON_AddStringToObject(self, "manager", manager);
		cJSON_AddStringToObject(self, "operation", "Update");
		cJSON_AddStringToObject(self, "apiVersion", av);
		cJSON_AddStringToObject(self, "time", ts);
		cJSON_AddStringToObject(self, "fieldsType", "FieldsV1");
		cJSON_AddItemToObject(self, "fieldsV1", fields);
		if (sub[0] != '\0')
			cJSON_AddStringToObject(self, "subresource", sub);
		cJSON_AddItemToArray(mf, self);
		return;
	}
	json_set_str(self, "apiVersion", av);
	json_set_str(self, "time", ts);
	if (!cJSON_IsObject(json_obj(self, "fieldsV1"))) {
		json_del(self, "fieldsV1");
		cJSON_AddObjectToObject(self, "fieldsV1");
	}
	fields_union(json_obj(self, "fieldsV1"), fields);
	cJSON_Delete(fields);
}
