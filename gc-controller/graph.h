/*
 * graph.h: the garbage collector's dependency graph (Kubernetes'
 * GraphBuilder uidToNode), pure data with no I/O so that it is unit-tested
 * on its own. A node per uid: the object's identity, its ownerReferences,
 * the nodes that name it as owner (dependents) and three flags: virtual (an
 * owner named by some dependent but not observed yet), beingDeleted and
 * deletingDependents (foreground deletion in progress).
 *
 * Observing a change updates the graph and says which uids the collector
 * must look at (semantics.md 5(c)): attemptToDelete and attemptToOrphan.
 * Not thread-safe: the caller serialises every call (gc.c holds a mutex).
 */
#ifndef CKUBE_GC_GRAPH_H
#define CKUBE_GC_GRAPH_H

#include <stdbool.h>
#include <stddef.h>

struct graph;
struct kobj;

/* A list of uids (strings owned by the list). */
struct graph_uids {
	char	**uid;
	size_t	  n;
	size_t	  cap;
};

/* What an observed change asks the collector to do. */
struct graph_actions {
	struct graph_uids	attempt_to_delete;
	struct graph_uids	attempt_to_orphan;
};

void	graph_actions_fini(struct graph_actions *a);

enum graph_event {
	GRAPH_ADD,
	GRAPH_UPDATE,
	GRAPH_DELETE,
};

struct graph	*graph_new(void);
void		 graph_free(struct graph *g);

/*
 * Apply one informer event. obj (borrowed) is the object added or updated,
 * or the last state of a deleted one; it needs metadata.uid, apiVersion and
 * kind. old_obj is the previous state of an update (may be NULL). Appends
 * to *a the uids to attempt to delete or orphan.
 */
void	graph_observe(struct graph *g, enum graph_event ev,
	    const struct kobj *old_obj, const struct kobj *obj,
	    struct graph_actions *a);

/*
 * The collector found that uid does not exist (404, or a different uid
 * under that name): remove its node as a delete event would, queueing its
 * dependents (and owners waiting for it). Nothing if uid is unknown.
 */
void	graph_absent(struct graph *g, const char *uid,
	    struct graph_actions *a);

/* An owner as the graph knows it. */
struct graph_identity {
	char	api_version[164];
	char	kind[128];
	char	ns[254];
	char	name[254];
	char	uid[64];
};

/* One dependent of a node, as attemptToDelete needs it. */
struct graph_dependent {
	char	uid[64];
	bool	deleting_dependents;
	bool	blocks;	/* its ref has blockOwnerDeletion */
};

/* A copy of one node, safe to use after the caller's lock is released. */
struct graph_snapshot {
	struct graph_identity	 id;
	bool			 virtual;
	bool			 being_deleted;
	bool			 deleting_dependents;
	struct graph_dependent	*deps;
	size_t			 ndeps;
};

/* Copy the node of uid into *out; false if there is none. */
bool	graph_snapshot(const struct graph *g, const char *uid,
	    struct graph_snapshot *out);
void	graph_snapshot_fini(struct graph_snapshot *s);

/* Nodes in the graph, and how many of them are virtual. */
size_t	graph_len(const struct graph *g);
size_t	graph_virtual_len(const struct graph *g);

#endif
