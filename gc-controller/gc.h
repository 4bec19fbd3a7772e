/*
 * gc.h: what the garbage collector's files share (OpenBSD "map" header).
 *   main.c       the controller definition and flags;
 *   graph.c      the uid graph (pure, graph.h);
 *   monitors.c   discovery, one informer per deletable resource, events into
 *                the graph under the collector's mutex, metrics;
 *   gc.c         reconcile: attemptToDelete and attemptToOrphan, the algorithm;
 *   gc_control.c the reads and writes those make (GET, PATCH, DELETE).
 * Work queue keys: GC_KEY_DISCOVERY, "delete/<uid>", "orphan/<uid>".
 */
#ifndef CKUBE_GC_GC_H
#define CKUBE_GC_GC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ckube/apidiscovery.h"
#include "ckube/ck.h"
#include "graph.h"

struct controller;
struct ck_status;
struct kobj;
struct metric;
struct strmap;

#define GC_KEY_DISCOVERY	"discovery"
#define GC_KEY_DELETE		"delete/"
#define GC_KEY_ORPHAN		"orphan/"

#define GC_FIN_ORPHAN		"orphan"
#define GC_FIN_FOREGROUND	"foregroundDeletion"

/* The collector's state (controller_data). */
struct gc {
	pthread_mutex_t		 mu;
	/* Under mu. */
	struct graph		*graph;
	struct apidiscovery	 disc;		/* last discovery */
	bool			 discovered;	/* disc was read once */
	size_t			 nmonitors;
	struct strmap		*absent;	/* uids known absent */
	struct strmap		*queued_delete;	/* uids queued */
	struct strmap		*queued_orphan;
	/* Set once (flags). */
	int64_t			 discovery_period_ms;
	/* Metrics. */
	struct metric		*m_nodes;
	struct metric		*m_virtual;
	struct metric		*m_monitors;
	struct metric		*m_delete_depth;
	struct metric		*m_orphan_depth;
	struct metric		*m_deletions;
	struct metric		*m_orphanings;
};

/* main.c's flag values. */
extern int64_t gc_flag_discovery_period_ms;

/* ---- monitors.c ---- */

/* Make the state, queue the first discovery. */
int	gc_init(struct controller *c);
void	gc_fini(struct controller *c);
/*
 * Discovery: watch every resource that can be listed, watched and deleted
 * (events excepted, as Kubernetes does), then come back after the period.
 */
int	gc_discover(struct controller *c);
/* Queue uids of a graph_actions (and count them for the depth gauges). */
void	gc_enqueue_actions(struct controller *c,
	    const struct graph_actions *a);
/* Run one informer event through the graph (also used by unit tests). */
void	gc_observe(struct controller *c, enum graph_event ev,
	    const struct kobj *old_obj, const struct kobj *obj);
/* The node of uid, copied under the lock; false if there is none. */
bool	gc_snapshot(struct controller *c, const char *uid,
	    struct graph_snapshot *out);
/* The collector found uid absent: drop its node as a delete event would. */
void	gc_absent(struct controller *c, const char *uid);
/* Queue one uid on attemptToDelete. */
void	gc_enqueue_delete(struct controller *c, const char *uid);
/* A queued key leaves the queue (depth gauges). */
void	gc_dequeued(struct controller *c, const char *key);
/* Whether discovery ran and every monitor has listed once. */
bool	gc_synced(struct controller *c);
/* Absent-owner cache (bounded). */
bool	gc_absent_owner_known(struct controller *c, const char *uid);
void	gc_absent_owner_add(struct controller *c, const char *uid);
/* Tests: set the discovery result without a server (taken). */
void	gc_set_discovery(struct controller *c, struct apidiscovery *d);

/* ---- gc.c ---- */

int	gc_reconcile(struct controller *c, const char *key);
int	gc_attempt_to_delete(struct controller *c, const char *uid);
int	gc_attempt_to_orphan(struct controller *c, const char *uid);

/* ---- gc_control.c ---- */

/* Where an (apiVersion, kind) is served; the gvr strings point into r. */
struct gc_target {
	struct apidiscovery_resource	 r;
	char				 ns[254];
	char				 name[254];
};

/*
 * Resolve apiVersion/kind through discovery, with ns for namespaced kinds
 * (a namespaced owner of a cluster-scoped dependent: CK_EINVALID, treated
 * as absent). CK_EAGAIN when the kind is not served (retry later).
 */
int	gc_resolve(struct controller *c, const char *api_version,
	    const char *kind, const char *ns, const char *name,
	    struct gc_target *out) CK_MUST_CHECK;
/* GET the object of id live; CK_ENOTFOUND also when its uid differs. */
int	gc_get_live(struct controller *c, const struct graph_identity *id,
	    struct kobj **out) CK_MUST_CHECK;
/* DELETE id with preconditions.uid and policy; 404/409 count as done. */
int	gc_delete_object(struct controller *c,
	    const struct graph_identity *id, const char *policy)
	    CK_MUST_CHECK;
/*
 * Drop from latest (id's live object) the owner references whose uid is in
 * uids[0..n) (a merge patch with resourceVersion and uid preconditions).
 */
int	gc_remove_owner_refs(struct controller *c,
	    const struct graph_identity *id, const struct kobj *latest,
	    const char *const *uids, size_t n) CK_MUST_CHECK;
/* Turn blockOwnerDeletion off on every reference of latest. */
int	gc_unblock_owner_refs(struct controller *c,
	    const struct graph_identity *id, const struct kobj *latest)
	    CK_MUST_CHECK;
/* Remove finalizer from id's live object (GET, then a guarded patch). */
int	gc_remove_finalizer(struct controller *c,
	    const struct graph_identity *id, const char *finalizer)
	    CK_MUST_CHECK;
bool	gc_has_finalizer(const struct kobj *obj, const char *name);

#endif
