/*
 * graph.c: the uid graph of owners and dependents (graph.h), after
 * Kubernetes' GraphBuilder.processGraphChanges: nodes for observed objects
 * and virtual nodes for owners not seen yet; edges from each owner to its
 * dependents; the transitions into orphaning and foreground deletion. No
 * I/O: the uids to look at are handed back in struct graph_actions.
 */
#include "graph.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/kobj.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"

#define FIN_ORPHAN	"orphan"
#define FIN_FOREGROUND	"foregroundDeletion"

struct ref {
	char	*api_version;
	char	*kind;
	char	*name;
	char	*uid;
	bool	 block;
};

struct node {
	struct graph_identity	 id;	/* id.uid is the map key */
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

	for (i = 0; i < n; i++) {
		free(r[i].api_version);
		free(r[i].kind);
		free(r[i].name);
		free(r[i].uid);
	}
	free(r);
}

static void
node_free(void *p)
{
	struct node *n = p;

	refs_free(n->owners, n->nowners);
	free(n->deps);
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
		out[k].api_version = ck_strdup(cJSON_IsString(av) ?
		    av->valuestring : "");
		out[k].kind = ck_strdup(cJSON_IsString(kind) ?
		    kind->valuestring : "");
		out[k].name = ck_strdup(cJSON_IsString(name) ?
		    name->valuestring : "");
		out[k].uid = ck_strdup(uid->valuestring);
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
		if (strcmp(refs[i].uid, uid) == 0)
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
identity_of(const struct kobj *obj, struct graph_identity *id)
{
	ck_strlcpy(id->api_version, kobj_api_version(obj),
	    sizeof(id->api_version));
	ck_strlcpy(id->kind, kobj_kind(obj), sizeof(id->kind));
	ck_strlcpy(id->ns, kobj_namespace(obj), sizeof(id->ns));
	ck_strlcpy(id->name, kobj_name(obj), sizeof(id->name));
	ck_strlcpy(id->uid, kobj_uid(obj), sizeof(id->uid));
}

static struct node *
node_insert(struct graph *g, const struct graph_identity *id, bool virtual)
{
	struct node *n = ck_calloc(1, sizeof(*n));

	n->id = *id;
	n->virtual = virtual;
	if (virtual)
		g->nvirtual++;
	strmap_put(g->nodes, n->id.uid, n);
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
	struct graph_identity id;
	struct node *owner;
	size_t i;

	for (i = 0; i < nrefs; i++) {
		owner = strmap_get(g->nodes, refs[i].uid);
		if (owner == NULL) {
			memset(&id, 0, sizeof(id));
			ck_strlcpy(id.api_version, refs[i].api_version,
			    sizeof(id.api_version));
			ck_strlcpy(id.kind, refs[i].kind, sizeof(id.kind));
			ck_strlcpy(id.ns, n->id.ns, sizeof(id.ns));
			ck_strlcpy(id.name, refs[i].name, sizeof(id.name));
			ck_strlcpy(id.uid, refs[i].uid, sizeof(id.uid));
			owner = node_insert(g, &id, true);
			uids_add(&a->attempt_to_delete, id.uid);
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
		if (ref_find(refs, nrefs, n->owners[i].uid) != NULL)
			continue;
		owner = strmap_get(g->nodes, n->owners[i].uid);
		if (owner != NULL)
			dep_remove(owner, n);
	}
	for (i = 0; i < nrefs; i++)
		if (ref_find(n->owners, n->nowners, refs[i].uid) == NULL)
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
		now = ref_find(cur, ncur, old[i].uid);
		if (now != NULL && now->block)
			continue;
		owner = strmap_get(g->nodes, old[i].uid);
		if (owner != NULL && owner->deleting_dependents)
			uids_add(&a->attempt_to_delete, owner->id.uid);
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
		uids_add(&a->attempt_to_orphan, n->id.uid);
		return;
	}
	if (being_deleted(obj) && has_finalizer(obj, FIN_FOREGROUND) &&
	    !(being_deleted(old_obj) &&
	    has_finalizer(old_obj, FIN_FOREGROUND))) {
		n->deleting_dependents = true;
		for (i = 0; i < n->ndeps; i++)
			uids_add(&a->attempt_to_delete, n->deps[i]->id.uid);
		uids_add(&a->attempt_to_delete, n->id.uid);
	}
}

/* Remove n: its dependents and the owners waiting for it get a look. */
static void
remove_node(struct graph *g, struct node *n, struct graph_actions *a)
{
	struct node *owner;
	size_t i;

	for (i = 0; i < n->ndeps; i++)
		uids_add(&a->attempt_to_delete, n->deps[i]->id.uid);
	for (i = 0; i < n->nowners; i++) {
		owner = strmap_get(g->nodes, n->owners[i].uid);
		if (owner == NULL)
			continue;
		dep_remove(owner, n);
		if (owner->deleting_dependents)
			uids_add(&a->attempt_to_delete, owner->id.uid);
	}
	/*
	 * A dependent still pointing here keeps its reference: when an
	 * object with this uid shows up again it is linked anew; meanwhile
	 * attemptToDelete finds the owner absent.
	 */
	strmap_remove(g->nodes, n->id.uid);
	if (n->virtual)
		g->nvirtual--;
	node_free(n);
}

/* Kubernetes' first observation of a node that was virtual. */
static void
observe_virtual(struct graph *g, struct node *n, const struct kobj *obj,
    struct graph_actions *a)
{
	struct graph_identity id;
	size_t i;

	identity_of(obj, &id);
	if (strcmp(id.ns, n->id.ns) != 0 || strcmp(id.kind, n->id.kind) != 0 ||
	    strcmp(id.name, n->id.name) != 0) {
		/* Dependents named it differently: let them be checked. */
		for (i = 0; i < n->ndeps; i++)
			uids_add(&a->attempt_to_delete, n->deps[i]->id.uid);
	}
	n->id = id;
	n->virtual = false;
	g->nvirtual--;
}

void
graph_observe(struct graph *g, enum graph_event ev, const struct kobj *old_obj,
    const struct kobj *obj, struct graph_actions *a)
{
	struct graph_identity id;
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
	out->id = n->id;
	out->virtual = n->virtual;
	out->being_deleted = n->being_deleted;
	out->deleting_dependents = n->deleting_dependents;
	out->ndeps = n->ndeps;
	out->deps = n->ndeps ? ck_calloc(n->ndeps, sizeof(*out->deps)) : NULL;
	for (i = 0; i < n->ndeps; i++) {
		ck_strlcpy(out->deps[i].uid, n->deps[i]->id.uid,
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
