/*
 * gc.c: the garbage collector's reconcile, read as semantics.md 5(c) and
 * Kubernetes' attemptToDeleteItem / orphanDependents: a key is
 * "delete/<uid>" (is this object garbage?) or "orphan/<uid>" (release the
 * dependents of an owner deleted with the Orphan policy), or the periodic
 * discovery. Reads and writes are gc_control.c's; the graph is graph.c's.
 */
#include "gc.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/metrics.h"

/* Foreground release and orphaning wait this long for the graph to fill. */
#define SYNC_WAIT_MS	1000

enum owner_state {
	OWNER_SOLID,	/* exists, not waiting for its dependents */
	OWNER_DANGLING,	/* 404, or another object under that name */
	OWNER_WAITING,	/* exists, deleting its dependents first */
};

struct classified {
	char	**dangling;	/* uids */
	size_t	  ndangling;
	char	**waiting;
	size_t	  nwaiting;
	size_t	  nsolid;
};

static void
classified_fini(struct classified *cl)
{
	size_t i;

	for (i = 0; i < cl->ndangling; i++)
		free(cl->dangling[i]);
	for (i = 0; i < cl->nwaiting; i++)
		free(cl->waiting[i]);
	free(cl->dangling);
	free(cl->waiting);
}

/*
 * Kubernetes isDangling plus the waiting check: GET the owner named by ref
 * (namespace of the dependent for namespaced kinds) and compare uids.
 */
static int
classify_owner(struct controller *c, const struct graph_identity *item,
    const struct kobj *latest, const cJSON *ref, enum owner_state *state)
{
	const char *av, *kind, *name, *uid;
	struct graph_identity owner;
	struct gc_target t;
	struct kobj *live = NULL;
	int rc;

	av = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ref,
	    "apiVersion"));
	kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ref,
	    "kind"));
	name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ref,
	    "name"));
	uid = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ref,
	    "uid"));
	if (av == NULL || kind == NULL || name == NULL || uid == NULL)
		return CK_EINVALID;
	*state = OWNER_DANGLING;
	if (gc_absent_owner_known(c, uid))
		return 0;
	rc = gc_resolve(c, av, kind, item->ns, name, &t);
	if (rc == CK_EINVALID) {
		/* A namespaced owner of a cluster-scoped object: absent. */
		controller_event(c, latest, "Warning",
		    "OwnerRefInvalidNamespace",
		    "ownerRef [%s/%s, namespace: , name: %s, uid: %s] does not "
		    "exist in namespace \"\"", av, kind, name, uid);
		return 0;
	}
	if (rc < 0)
		return rc;	/* kind not served: cannot tell; retry */
	memset(&owner, 0, sizeof(owner));
	ck_strlcpy(owner.api_version, av, sizeof(owner.api_version));
	ck_strlcpy(owner.kind, kind, sizeof(owner.kind));
	ck_strlcpy(owner.ns, t.ns, sizeof(owner.ns));
	ck_strlcpy(owner.name, name, sizeof(owner.name));
	ck_strlcpy(owner.uid, uid, sizeof(owner.uid));
	rc = gc_get_live(c, &owner, &live);
	if (rc == CK_ENOTFOUND) {
		gc_absent_owner_add(c, uid);
		return 0;
	}
	if (rc < 0)
		return rc;
	if (kobj_get_str(live, "metadata.deletionTimestamp") != NULL &&
	    gc_has_finalizer(live, GC_FIN_FOREGROUND))
		*state = OWNER_WAITING;
	else
		*state = OWNER_SOLID;
	kobj_unref(live);
	return 0;
}

static int
classify_owners(struct controller *c, const struct graph_identity *item,
    const struct kobj *latest, const cJSON *refs, struct classified *out)
{
	const cJSON *ref;
	enum owner_state st;
	size_t n = (size_t)cJSON_GetArraySize(refs);
	int rc;

	memset(out, 0, sizeof(*out));
	out->dangling = ck_calloc(n + 1, sizeof(char *));
	out->waiting = ck_calloc(n + 1, sizeof(char *));
	cJSON_ArrayForEach(ref, refs) {
		if ((rc = classify_owner(c, item, latest, ref, &st)) < 0)
			return rc;
		if (st == OWNER_SOLID)
			out->nsolid++;
		else if (st == OWNER_DANGLING)
			out->dangling[out->ndangling++] = ck_strdup(
			    cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(ref, "uid")));
		else
			out->waiting[out->nwaiting++] = ck_strdup(
			    cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(ref, "uid")));
	}
	return 0;
}

/*
 * An owner in foreground deletion: it may go (its foregroundDeletion
 * finalizer removed) once no dependent blocks it; until then make sure the
 * blocking dependents are being deleted.
 */
static int
process_deleting_dependents(struct controller *c,
    const struct graph_snapshot *item)
{
	size_t i, blocking = 0;

	if (!gc_synced(c))
		return CK_EAGAIN;	/* an unlisted dependent is missed */
	for (i = 0; i < item->ndeps; i++) {
		if (!item->deps[i].blocks)
			continue;
		blocking++;
		if (!item->deps[i].deleting_dependents)
			gc_enqueue_delete(c, item->deps[i].uid);
	}
	if (blocking > 0) {
		log_v(4, "gc %s %s/%s: waiting for %zu blocking dependents",
		    item->id.kind, item->id.ns, item->id.name, blocking);
		return 0;
	}
	log_info("gc %s %s/%s: dependents gone; removing %s",
	    item->id.kind, item->id.ns, item->id.name, GC_FIN_FOREGROUND);
	return gc_remove_finalizer(c, &item->id, GC_FIN_FOREGROUND);
}

/* Any dependent of item in foreground deletion itself: a possible cycle. */
static bool
has_deleting_dependent(const struct graph_snapshot *item)
{
	size_t i;

	for (i = 0; i < item->ndeps; i++)
		if (item->deps[i].deleting_dependents)
			return true;
	return false;
}

int
gc_attempt_to_delete(struct controller *c, const char *uid)
{
	struct graph_snapshot item;
	struct classified cl = { 0 };
	struct kobj *latest = NULL;
	const cJSON *refs;
	const char *policy;
	int rc = 0;

	if (!gc_snapshot(c, uid, &item))
		return 0;	/* no longer in the graph */
	/* "Being deleted" is a one-way trip: its delete event comes. */
	if (item.being_deleted && !item.deleting_dependents)
		goto out;
	rc = gc_get_live(c, &item.id, &latest);
	if (rc == CK_ENOTFOUND) {
		/* Absent (or another uid): its dependents get a look. */
		gc_absent(c, uid);
		rc = 0;
		goto out;
	}
	if (rc < 0)
		goto out;
	if (item.deleting_dependents) {
		rc = process_deleting_dependents(c, &item);
		goto out;
	}
	if (item.virtual)
		goto out;	/* it exists; its informer will show it */
	refs = kobj_get(latest, "metadata.ownerReferences");
	if (!cJSON_IsArray(refs) || cJSON_GetArraySize(refs) == 0)
		goto out;	/* no owners: never garbage */
	if ((rc = classify_owners(c, &item.id, latest, refs, &cl)) < 0)
		goto out;
	if (cl.nsolid > 0) {
		/* Lives on; forget the owners that are gone or going. */
		if (cl.ndangling + cl.nwaiting == 0)
			goto out;
		if (cl.nwaiting > 0) {
			memcpy(cl.dangling + cl.ndangling, cl.waiting,
			    cl.nwaiting * sizeof(char *));
			cl.ndangling += cl.nwaiting;
			cl.nwaiting = 0;
		}
		log_info("gc %s %s/%s: has a live owner; dropping %zu "
		    "references to owners that are gone", item.id.kind,
		    item.id.ns, item.id.name, cl.ndangling);
		rc = gc_remove_owner_refs(c, &item.id, latest,
		    (const char *const *)cl.dangling, cl.ndangling);
		goto out;
	}
	if (cl.nwaiting > 0 && item.ndeps > 0) {
		/*
		 * Owners wait for it, and it has dependents of its own: it
		 * goes in foreground too. A dependent that also waits may
		 * close a cycle, so stop blocking our owners first.
		 */
		if (has_deleting_dependent(&item) &&
		    (rc = gc_unblock_owner_refs(c, &item.id, latest)) < 0)
			goto out;
		policy = "Foreground";
	} else if (gc_has_finalizer(latest, GC_FIN_ORPHAN))
		policy = "Orphan";
	else if (gc_has_finalizer(latest, GC_FIN_FOREGROUND))
		policy = "Foreground";
	else
		policy = "Background";
	log_info("gc %s %s/%s: no live owner; deleting (%s)", item.id.kind,
	    item.id.ns, item.id.name, policy);
	rc = gc_delete_object(c, &item.id, policy);
out:
	classified_fini(&cl);
	kobj_unref(latest);
	graph_snapshot_fini(&item);
	return rc;
}

/*
 * An owner deleted with the Orphan policy: every dependent loses its
 * reference to the owner, then the owner loses its `orphan` finalizer (and
 * so goes).
 */
int
gc_attempt_to_orphan(struct controller *c, const char *uid)
{
	struct graph_snapshot owner, dep;
	struct kobj *latest;
	const char *uids[1] = { uid };
	size_t i;
	int rc = 0;

	if (!gc_synced(c))
		return CK_EAGAIN;	/* unlisted ones keep the ref */
	if (!gc_snapshot(c, uid, &owner))
		return 0;
	for (i = 0; i < owner.ndeps && rc == 0; i++) {
		if (!gc_snapshot(c, owner.deps[i].uid, &dep))
			continue;
		rc = gc_get_live(c, &dep.id, &latest);
		if (rc == 0) {
			rc = gc_remove_owner_refs(c, &dep.id, latest, uids, 1);
			kobj_unref(latest);
		} else if (rc == CK_ENOTFOUND)
			rc = 0;
		graph_snapshot_fini(&dep);
	}
	if (rc == 0) {
		log_info("gc %s %s/%s: %zu dependents orphaned; removing %s",
		    owner.id.kind, owner.id.ns, owner.id.name, owner.ndeps,
		    GC_FIN_ORPHAN);
		rc = gc_remove_finalizer(c, &owner.id, GC_FIN_ORPHAN);
		if (rc == 0)
			metrics_counter_inc(((struct gc *)controller_data(c))->
			    m_orphanings);
	}
	graph_snapshot_fini(&owner);
	return rc;
}

int
gc_reconcile(struct controller *c, const char *key)
{
	int rc;

	if (strcmp(key, GC_KEY_DISCOVERY) == 0)
		return gc_discover(c);
	gc_dequeued(c, key);
	if (strncmp(key, GC_KEY_DELETE, strlen(GC_KEY_DELETE)) == 0)
		rc = gc_attempt_to_delete(c, key + strlen(GC_KEY_DELETE));
	else if (strncmp(key, GC_KEY_ORPHAN, strlen(GC_KEY_ORPHAN)) == 0)
		rc = gc_attempt_to_orphan(c, key + strlen(GC_KEY_ORPHAN));
	else {
		log_warn("gc: unknown key %s", key);
		return 0;
	}
	if (rc == CK_EAGAIN) {
		/* Not every monitor has listed yet: come back shortly. */
		controller_requeue_after(c, key, SYNC_WAIT_MS);
		rc = 0;
	}
	return rc;
}
