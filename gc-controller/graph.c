/*
 * graph.c: the uid graph of owners and dependents (graph.h), after
 * Kubernetes' GraphBuilder.processGraphChanges: nodes for observed objects
 * and virtual nodes for owners not seen yet; edges from each owner to its
 * dependents; the transitions into orphaning and foreground deletion. No
 * I/O: the uids to look at are handed back in struct graph_actions.
 */
#include "graph.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/kobj.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"

#define FIN_ORPHAN	"orphan"
#define FIN_FOREGROUND	"foregroundDeletion"

/*
 * Strings live in one allocation per node and per reference, offsets into
 * it: a node used to embed struct graph_identity (864 bytes of fixed
 * buffers, ~1 KiB a pod with 150,000 pods) and a reference four strdups.
 */
struct ref {
	char	*s;		/* "apiVersion\0kind\0name\0uid\0" */
	uint16_t kind, name, uid;
	bool	 block;
};

struct nid {
	char	*s;		/* "apiVersion\0kind\0ns\0name\0uid\0" */
	uint16_t kind, ns, name, uid;
};

#define REF_AV(r)	((r)->s)
#define REF_KIND(r)	((r)->s + (r)->kind)
#define REF_NAME(r)	((r)->s + (r)->name)
#define REF_UID(r)	((r)->s + (r)->uid)
#define NID_AV(i)	((i)->s)
#define NID_KIND(i)	((i)->s + (i)->kind)
#define NID_NS(i)	((i)->s + (i)->ns)
#define NID_NAME(i)	((i)->s + (i)->name)
#define NID_UID(i)	((i)->s + (i)->uid)

struct node {
	struct nid		 id;	/* its uid is the map key */
	struct ref		*owners;
	size_t			 nowners;
	struct node		**deps;
	size_t			 ndeps;
	size_t			 cap;
	bool			 virtual;
	bool			 being_deleted;
	bool			 deleting_dependents;
};

struct graph {
	struct strmap	*nodes;
	size_t		 nvirtual;
};

/* Actions */

static void
uids_add(struct graph_uids *u, const char *uid)
{
	if (u->n == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 8;
		u->uid = ck_reallocarray(u->uid, u->cap, sizeof(*u->uid));
	}
	u->uid[u->n++] = ck_strdup(uid);
}

static void
uids_fini(struct graph_uids *u)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		free(u->uid[i]);
	free(u->uid);
	memset(u, 0, sizeof(*u));
}

void
graph_actions_fini(struct graph_actions *a)
{
	uids_fini(&a->attempt_to_delete);
	uids_fini(&a->attempt_to_orphan);
}

/* Nodes */

static void
refs_free(struct ref *r, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(r[i].s);
	free(r);
}

static void
node_free(void *p)
{
	struct node *n = p;

	refs_free(n->owners, n->nowners);
	free(n->deps);
	free(n->id.s);
	free(n);
}

struct graph *
graph_new(void)
{
	struct graph *g = ck_calloc(1, sizeof(*g));

	g->nodes = strmap_new();
	return g;
}

void
graph_free(struct graph *g)
{
	if (g == NULL)
		return;
	strmap_free(g->nodes, node_free);
	free(g);
}

size_t
graph_len(const struct graph *g)
{
	return strmap_len(g->nodes);
}

size_t
graph_virtual_len(const struct graph *g)
{
	return g->nvirtual;
}

static void
dep_add(struct node *owner, struct node *dep)
{
	size_t i;

	for (i = 0; i < owner->ndeps; i++)
		if (owner->deps[i] == dep)
			return;
	if (owner->ndeps == owner->cap) {
		owner->cap = owner->cap ? owner->cap * 2 : 4;
		owner->deps = ck_reallocarray(owner->deps, owner->cap,
		    sizeof(*owner->deps));
	}
	owner->deps[owner->ndeps++] = dep;
}

static void
dep_remove(struct node *owner, const struct node *dep)
{
	size_t i;

	for (i = 0; i < owner->ndeps; i++)
		if (owner->deps[i] == dep) {
			owner->deps[i] = owner->deps[--owner->ndeps];
			return;
		}
}

/*
 * Pack n strings, each cut to its limit (graph_identity's sizes), into one
 * allocation; off[i] is where string i starts (off[0] is 0).
 */
static char *
pack(const char *const *str, const size_t *max, size_t n, uint16_t *off)
{
	size_t len[5], total = 0, i;
	char *buf;

	for (i = 0; i < n; i++) {
		len[i] = strnlen(str[i], max[i] - 1);
		total += len[i] + 1;
	}
	buf = ck_malloc(total);
	for (i = 0, total = 0; i < n; i++) {
		off[i] = (uint16_t)total;
		memcpy(buf + total, str[i], len[i]);
		buf[total + len[i]] = '\0';
		total += len[i] + 1;
	}
	return buf;
}

static void
nid_make(struct nid *id, const char *av, const char *kind, const char *ns,
    const char *name, const char *uid)
{
	static const size_t max[] = {
		sizeof(((struct graph_identity *)0)->api_version),
		sizeof(((struct graph_identity *)0)->kind),
		sizeof(((struct graph_identity *)0)->ns),
		sizeof(((struct graph_identity *)0)->name),
		sizeof(((struct graph_identity *)0)->uid),
	};
	const char *str[] = { av, kind, ns, name, uid };
	uint16_t off[5];

	id->s = pack(str, max, 5, off);
	id->kind = off[1];
	id->ns = off[2];
	id->name = off[3];
	id->uid = off[4];
}

static void
ref_make(struct ref *r, const char *av, const char *kind, const char *name,
    const char *uid)
{
	static const size_t max[] = {
		sizeof(((struct graph_identity *)0)->api_version),
		sizeof(((struct graph_identity *)0)->kind),
		sizeof(((struct graph_identity *)0)->name),
		sizeof(((struct graph_identity *)0)->uid),
	};
	const char *str[] = { av, kind, name, uid };
	uint16_t off[4];

	r->s = pack(str, max, 4, off);
	r->kind = off[1];
	r->name = off[2];
	r->uid = off[3];
}

/* The ownerReferences of obj (an array owned by the caller). */
static struct ref *
refs_of(const struct kobj *obj, size_t *n)
{
	const cJSON *refs = kobj_get(obj, "metadata.ownerReferences"), *r;
	const cJSON *av, *kind, *name, *uid;
	struct ref *out;
	size_t k = 0;

	*n = 0;
	if (!cJSON_IsArray(refs) || cJSON_GetArraySize(refs) == 0)
		return NULL;
	out = ck_calloc((size_t)cJSON_GetArraySize(refs), sizeof(*out));
	cJSON_ArrayForEach(r, refs) {
		av = cJSON_GetObjectItemCaseSensitive(r, "apiVersion");
		kind = cJSON_GetObjectItemCaseSensitive(r, "kind");
		name = cJSON_GetObjectItemCaseSensitive(r, "name");
		uid = cJSON_GetObjectItemCaseSensitive(r, "uid");
		if (!cJSON_IsString(uid) || uid->valuestring[0] == '\0')
			continue;	/* the apiserver refuses these */
		ref_make(&out[k], cJSON_IsString(av) ? av->valuestring : "",
		    cJSON_IsString(kind) ? kind->valuestring : "",
		    cJSON_IsString(name) ? name->valuestring : "",
		    uid->valuestring);
		out[k].block = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r,
		    "blockOwnerDeletion"));
		k++;
	}
	*n = k;
	return out;
}

static const struct ref *
ref_find(const struct ref *refs, size_t n, const char *uid)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(REF_UID(&refs[i]), uid) == 0)
			return &refs[i];
	return NULL;
}

static bool
has_finalizer(const struct kobj *obj, const char *name)
{
	const cJSON *f;

	if (obj == NULL)
		return false;
	cJSON_ArrayForEach(f, kobj_get(obj, "metadata.finalizers"))
		if (cJSON_IsString(f) && strcmp(f->valuestring, name) == 0)
			return true;
	return false;
}

static bool
being_deleted(const struct kobj *obj)
{
	return obj != NULL &&
	    kobj_get_str(obj, "metadata.deletionTimestamp") != NULL;
}

static void
identity_of(const struct kobj *obj, struct nid *id)
{
	nid_make(id, kobj_api_version(obj), kobj_kind(obj),
	    kobj_namespace(obj), kobj_name(obj), kobj_uid(obj));
}

/* A node for id (taken). */
static struct node *
node_insert(struct graph *g, const struct nid *id, bool virtual)
{
	struct node *n = ck_calloc(1, sizeof(*n));

	n->id = *id;
	n->virtual = virtual;
	if (virtual)
		g->nvirtual++;
	strmap_put(g->nodes, NID_UID(&n->id), n);
	return n;
}

/*
 * Link n under each of refs[0..nrefs) (Kubernetes addDependentToOwners). An
 * owner never seen gets a virtual node, queued so the collector checks
 * whether it exists at all.
 */
static void
add_to_owners(struct graph *g, struct node *n, const struct ref *refs,
    size_t nrefs, struct graph_actions *a)
{
	struct nid id;
	struct node *owner;
	size_t i;

	for (i = 0; i < nrefs; i++) {
		owner = strmap_get(g->nodes, REF_UID(&refs[i]));
		if (owner == NULL) {
			nid_make(&id, REF_AV(&refs[i]), REF_KIND(&refs[i]),
			    NID_NS(&n->id), REF_NAME(&refs[i]),
			    REF_UID(&refs[i]));
			owner = node_insert(g, &id, true);
			uids_add(&a->attempt_to_delete, NID_UID(&owner->id));
		}
		dep_add(owner, n);
	}
}

/* Unlink n from owners it no longer names; link it under new ones. */
static void
move_edges(struct graph *g, struct node *n, const struct ref *refs,
    size_t nrefs, struct graph_actions *a)
{
	struct node *owner;
	size_t i;

	for (i = 0; i < n->nowners; i++) {
		if (ref_find(refs, nrefs, REF_UID(&n->owners[i])) != NULL)
			continue;
		owner = strmap_get(g->nodes, REF_UID(&n->owners[i]));
		if (owner != NULL)
			dep_remove(owner, n);
	}
	for (i = 0; i < nrefs; i++)
		if (ref_find(n->owners, n->nowners, REF_UID(&refs[i])) == NULL)
			add_to_owners(g, n, &refs[i], 1, a);
}

/*
 * A blocking reference went away (removed, or blockOwnerDeletion turned
 * off): an owner in foreground deletion may be free to go now.
 */
static void
queue_unblocked_owners(struct graph *g, const struct ref *old, size_t nold,
    const struct ref *cur, size_t ncur, struct graph_actions *a)
{
	const struct ref *now;
	struct node *owner;
	size_t i;

	for (i = 0; i < nold; i++) {
		if (!old[i].block)
			continue;
		now = ref_find(cur, ncur, REF_UID(&old[i]));
		if (now != NULL && now->block)
			continue;
		owner = strmap_get(g->nodes, REF_UID(&old[i]));
		if (owner != NULL && owner->deleting_dependents)
			uids_add(&a->attempt_to_delete, NID_UID(&owner->id));
	}
}

/* Kubernetes processTransitions: orphaning or foreground deletion starts. */
static void
process_transitions(const struct kobj *old_obj, const struct kobj *obj,
    struct node *n, struct graph_actions *a)
{
	size_t i;

	if (being_deleted(obj) && has_finalizer(obj, FIN_ORPHAN) &&
	    !(being_deleted(old_obj) && has_finalizer(old_obj, FIN_ORPHAN))) {
		uids_add(&a->attempt_to_orphan, NID_UID(&n->id));
		return;
	}
	if (being_deleted(obj) && has_finalizer(obj, FIN_FOREGROUND) &&
	    !(being_deleted(old_obj) &&
	    has_finalizer(old_obj, FIN_FOREGROUND))) {
		n->deleting_dependents = true;
		for (i = 0; i < n->ndeps; i++)
			uids_add(&a->attempt_to_delete, NID_UID(&n->deps[i]->id));
		uids_add(&a->attempt_to_delete, NID_UID(&n->id));
	}
}

/* Remove n: its dependents and the owners waiting for it get a look. */
static void
remove_node(struct graph *g, struct node *n, struct graph_actions *a)
{
	struct node *owner;
	size_t i;

	for (i = 0; i < n->ndeps; i++)
		uids_add(&a->attempt_to_delete, NID_UID(&n->deps[i]->id));
	for (i = 0; i < n->nowners; i++) {
		owner = strmap_get(g->nodes, REF_UID(&n->owners[i]));
		if (owner == NULL)
			continue;
		dep_remove(owner, n);
		if (owner->deleting_dependents)
			uids_add(&a->attempt_to_delete, NID_UID(&owner->id));
	}
	/*
	 * A dependent still pointing here keeps its reference: when an
	 * object with this uid shows up again it is linked anew; meanwhile
	 * attemptToDelete finds the owner absent.
	 */
	strmap_remove(g->nodes, NID_UID(&n->id));
	if (n->virtual)
		g->nvirtual--;
	node_free(n);
}

/* Kubernetes' first observation of a node that was virtual. */
static void
observe_virtual(struct graph *g, struct node *n, const struct kobj *obj,
    struct graph_actions *a)
{
	struct nid id;
	size_t i;

	identity_of(obj, &id);
	if (strcmp(NID_NS(&id), NID_NS(&n->id)) != 0 ||
	    strcmp(NID_KIND(&id), NID_KIND(&n->id)) != 0 ||
	    strcmp(NID_NAME(&id), NID_NAME(&n->id)) != 0) {
		/* Dependents named it differently: let them be checked. */
		for (i = 0; i < n->ndeps; i++)
			uids_add(&a->attempt_to_delete,
			    NID_UID(&n->deps[i]->id));
	}
	/* The map's key is the node's uid string: the same uid, re-keyed. */
	strmap_put(g->nodes, NID_UID(&id), n);
	free(n->id.s);
	n->id = id;
	n->virtual = false;
	g->nvirtual--;
}

void
graph_observe(struct graph *g, enum graph_event ev, const struct kobj *old_obj,
    const struct kobj *obj, struct graph_actions *a)
{
	struct nid id;
	struct node *n;
	struct ref *refs;
	size_t nrefs;

	if (kobj_uid(obj)[0] == '\0')
		return;
	n = strmap_get(g->nodes, kobj_uid(obj));
	if (ev == GRAPH_DELETE) {
		if (n != NULL)
			remove_node(g, n, a);
		return;
	}
	if (n != NULL && n->virtual)
		observe_virtual(g, n, obj, a);
	refs = refs_of(obj, &nrefs);
	if (n == NULL) {
		identity_of(obj, &id);
		n = node_insert(g, &id, false);
		n->owners = refs;
		n->nowners = nrefs;
		n->being_deleted = being_deleted(obj);
		n->deleting_dependents = being_deleted(obj) &&
		    has_finalizer(obj, FIN_FOREGROUND);
		add_to_owners(g, n, refs, nrefs, a);
		process_transitions(old_obj, obj, n, a);
		return;
	}
	/* Known node: move only the edges that changed (referencesDiffs). */
	queue_unblocked_owners(g, n->owners, n->nowners, refs, nrefs, a);
	move_edges(g, n, refs, nrefs, a);
	refs_free(n->owners, n->nowners);
	n->owners = refs;
	n->nowners = nrefs;
	if (being_deleted(obj))
		n->being_deleted = true;
	process_transitions(old_obj, obj, n, a);
}

void
graph_absent(struct graph *g, const char *uid, struct graph_actions *a)
{
	struct node *n = strmap_get(g->nodes, uid);

	if (n != NULL)
		remove_node(g, n, a);
}

bool
graph_snapshot(const struct graph *g, const char *uid,
    struct graph_snapshot *out)
{
	const struct node *n = strmap_get(g->nodes, uid);
	const struct ref *r;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n == NULL)
		return false;
	ck_strlcpy(out->id.api_version, NID_AV(&n->id),
	    sizeof(out->id.api_version));
	ck_strlcpy(out->id.kind, NID_KIND(&n->id), sizeof(out->id.kind));
	ck_strlcpy(out->id.ns, NID_NS(&n->id), sizeof(out->id.ns));
	ck_strlcpy(out->id.name, NID_NAME(&n->id), sizeof(out->id.name));
	ck_strlcpy(out->id.uid, NID_UID(&n->id), sizeof(out->id.uid));
	out->virtual = n->virtual;
	out->being_deleted = n->being_deleted;
	out->deleting_dependents = n->deleting_dependents;
	out->ndeps = n->ndeps;
	out->deps = n->ndeps ? ck_calloc(n->ndeps, sizeof(*out->deps)) : NULL;
	for (i = 0; i < n->ndeps; i++) {
		ck_strlcpy(out->deps[i].uid, NID_UID(&n->deps[i]->id),
		    sizeof(out->deps[i].uid));
		out->deps[i].deleting_dependents =
		    n->deps[i]->deleting_dependents;
		r = ref_find(n->deps[i]->owners, n->deps[i]->nowners, uid);
		out->deps[i].blocks = r != NULL && r->block;
	}
	return true;
}

void
graph_snapshot_fini(struct graph_snapshot *s)
{
	free(s->deps);
	memset(s, 0, sizeof(*s));
}
