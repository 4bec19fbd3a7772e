/*
 * controller.h: the controller skeleton (STYLE §2.5, sample-controller).
 * controller_main() owns flags, logging, signals, health and metrics, the
 * client, leader election, informers and their caches, the work queue, the
 * workers and shutdown; a controller supplies a watch table and one
 * reconcile(key) function.
 *
 * Threads: the informer threads run the watch handlers, which only compute
 * keys and enqueue them; --workers threads (default 1) take keys from the
 * queue and call reconcile, never two at once for one key; the main thread
 * handles signals, resync and shutdown; leader election has its own thread.
 *
 * Writes from reconcile go through controller_create/update/... so that a
 * unit test can run reconcile against tests/lib/fake_api.h (no sockets):
 * the controller's "backend" is then the fake instead of the client.
 */
#ifndef CKUBE_CONTROLLER_H
#define CKUBE_CONTROLLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"
#include "ckube/client.h"

struct cJSON;
struct cache;
struct ck_status;
struct controller;
struct flag;
struct kobj;

enum watch_role {
	WATCH_PRIMARY,		/* enqueue the object's own key */
	WATCH_OWNED,		/* enqueue the key of its controller owner (.owner_kind) */
	WATCH_MAPPED,		/* enqueue the keys .map() yields */
	WATCH_CACHE_ONLY,	/* keep a cache for reading; never enqueue */
};

struct watch_spec {
	const char	*resource;	/* "pods", "statefulsets.apps" */
	enum watch_role	 role;
	const char	*owner_kind;	/* WATCH_OWNED, owned_only */
	/* WATCH_MAPPED: call controller_enqueue() for each key obj maps to. */
	void		(*map)(struct controller *c, const struct kobj *obj);
	/*
	 * NULL, or the only paths (besides apiVersion, kind and metadata) the
	 * cache keeps of each object: informer_set_keep().
	 */
	const char *const *keep;
	/*
	 * reconcile PUTs whole copies of these cached objects (not only
	 * their status): keep every annotation. informer_set_written_back().
	 */
	bool		 written_back;
	/*
	 * Cache only objects whose controller is owner_kind, and orphans
	 * that an object of the primary watch selects (its
	 * spec.selector): those a reconcile may adopt, which it reads with
	 * controller_list_orphans(). A daemon of its own need not hold every
	 * pod of the cluster to reconcile a few of them.
	 */
	bool		 owned_only;
	/*
	 * NULL, or: cache only the objects want accepts (it runs on the
	 * informer threads: read caches only). Objects that an object newly
	 * wants are brought in by controller_fill_once().
	 */
	bool		(*want)(struct controller *c, const struct kobj *obj);
};

struct controller_def {
	const char		*name;		/* logs, Lease name, metrics label */
	const char		*summary;	/* --help line; NULL: "a ckube controller" */
	const struct watch_spec	*watches;
	size_t			 nwatches;
	const struct flag	*flags;		/* extra flags, or NULL */
	size_t			 nflags;
	/* Caches keep apiVersion, kind and metadata only (informer.h). */
	bool			 metadata_only;
	/*
	 * With metadata_only: NULL (all of metadata), or the paths inside
	 * metadata the caches keep besides the identity (informer.h).
	 */
	const char *const	*metadata_keep;
	/* --workers default (0: 1); more when reconcile waits on the network. */
	int			 default_workers;
	int			(*init)(struct controller *c);	/* optional */
	void			(*fini)(struct controller *c);	/* optional */
	/*
	 * Make the world match the object named by key ("ns/name"). Never
	 * called twice at once for one key. Read through the cache, write
	 * through controller_create() & co, never modify a cached object.
	 * Return 0 when done, or a negative CK_E* to be retried with per-key
	 * backoff (CK_ECONFLICT is retried without being logged as an error).
	 */
	int			(*reconcile)(struct controller *c, const char *key);
};

/*
 * The whole daemon: flags (the common ones of daemon.h, --workers,
 * --resync-period, --leader-elect*, and def->flags), then informers and
 * workers (only while leading with --leader-elect; losing the lease stops
 * the process with status 1), until SIGTERM: stop the informers, drain the
 * queue, exit 0. Returns the exit status for main().
 */
int		 controller_main(const struct controller_def *def, int argc,
		    char *argv[]);

/*
 * The cache of a watched resource (lives as long as c), or NULL if def
 * has no watch on it. Caches of WATCH_OWNED resources carry the
 * CACHE_INDEX_CONTROLLER_UID index; init may add more (cache_add_index).
 */
struct cache	*controller_cache(struct controller *c, const char *resource);

/* The synchronous client (NULL under a fake backend: use the calls below). */
struct client	*controller_client(struct controller *c);

/* The definition c runs. */
const struct controller_def *controller_def(const struct controller *c);

/* Private data of the controller (set in init, read in reconcile). */
void		 controller_set_data(struct controller *c, void *data);
void		*controller_data(const struct controller *c);

/* Queue key for reconcile (de-duplicated). Thread-safe. */
void		 controller_enqueue(struct controller *c, const char *key);

/* Queue key after delay_ms (e.g. minReadySeconds). Thread-safe. */
void		 controller_requeue_after(struct controller *c, const char *key,
		    unsigned int delay_ms);

/*
 * Record an Event about obj (asynchronous, aggregated; events.h). type is
 * "Normal" or "Warning".
 */
void		 controller_event(struct controller *c, const struct kobj *obj,
		    const char *type, const char *reason, const char *fmt, ...)
		    CK_PRINTF(5, 6);

/*
 * Writes, as the client_*_kobj calls (client.h) under the real backend.
 * out may be NULL; st may not. Thread-safe.
 */
int		 controller_create(struct controller *c, const struct kobj *obj,
		    struct kobj **out, struct ck_status *st) CK_MUST_CHECK;
int		 controller_update(struct controller *c, const struct kobj *obj,
		    struct kobj **out, struct ck_status *st) CK_MUST_CHECK;
int		 controller_update_status(struct controller *c,
		    const struct kobj *obj, struct kobj **out,
		    struct ck_status *st) CK_MUST_CHECK;
int		 controller_patch(struct controller *c,
		    const struct client_gvr *gvr, const char *ns,
		    const char *name, const char *subresource,
		    enum client_patch_type type, const struct cJSON *patch,
		    struct kobj **out, struct ck_status *st) CK_MUST_CHECK;
int		 controller_delete(struct controller *c,
		    const struct client_gvr *gvr, const char *ns,
		    const char *name, const struct client_delete_opts *opts,
		    struct ck_status *st) CK_MUST_CHECK;

/*
 * A live read, bypassing the caches (the garbage collector must see the
 * server's state, not a cache's): GET the object into *out (new, unfrozen;
 * kobj_unref it). Errors as client_get (CK_ENOTFOUND...). Thread-safe.
 */
int		 controller_get(struct controller *c,
		    const struct client_gvr *gvr, const char *ns,
		    const char *name, struct kobj **out, struct ck_status *st)
		    CK_MUST_CHECK;

/*
 * Watch a resource found at run time (discovery), with handlers of the
 * caller's own (they run on informer threads: be quick, only enqueue). The
 * informer starts at once when the controller already runs, else with the
 * others. resource is the cache name ("replicasets.apps"); CK_EEXIST if it
 * is watched already, CK_ENOTSUP under a test backend. Thread-safe.
 */
struct informer_handlers;
int		 controller_watch_gvr(struct controller *c, const char *resource,
		    const struct client_gvr *gvr,
		    const struct informer_handlers *h) CK_MUST_CHECK;

/* Whether every watch, static or added, has completed its first LIST. */
bool		 controller_watches_synced(struct controller *c);

/*
 * The orphans (no controller, not being deleted) of obj's namespace that
 * sel selects, for obj's reconcile to adopt: from resource's cache (an
 * owned_only watch) and, on obj's first call in this process, also from a
 * LIST of gvr by sel, since orphans older than obj are not cached. An
 * empty selector selects none. *out (cache_list_free) may hold some even
 * when the LIST failed (< 0: retry).
 */
struct label_selector;

/*
 * Whether an object of resource's cache in obj's namespace selects obj:
 * its selector as selector() parses it (< 0: none), or when NULL its
 * spec.selector as a LabelSelector (an empty one selects nothing).
 */
bool	controller_selected_by(struct controller *c, const char *resource,
	    const struct kobj *obj,
	    int (*selector)(const struct kobj *o, struct label_selector **out));

/*
 * A watch_spec.want cache may lack what obj (a new object) makes wanted:
 * on obj's first call, and when ns or selector changed since, ask
 * resource's informer to fill what selector (a label selector string,
 * NULL: all) selects in namespace ns (informer_fill()). 0 once that is in
 * the cache, CK_EAGAIN until then (requeue and come back: a reconcile must
 * not act on the partial cache).
 */
int	controller_fill_once(struct controller *c, const char *resource,
	    const struct kobj *obj, const char *ns, const char *selector);

/* controller_fill_once() of what sel selects in obj's namespace; 0 for a
 * selector that selects nothing. */
int	controller_fill_selected(struct controller *c, const char *resource,
	    const struct kobj *obj, const struct label_selector *sel);

int	controller_list_orphans(struct controller *c, const char *resource,
	    const struct client_gvr *gvr, const struct kobj *obj,
	    const struct label_selector *sel, struct kobj ***out,
	    size_t *nout);

/*
 * The test seam. A backend replaces the client, the informers' caches and
 * the event recorder (tests/lib/fake_api.c provides one).
 */
struct controller_backend {
	int	(*create)(void *arg, const struct kobj *obj, struct kobj **out,
		    struct ck_status *st);
	int	(*update)(void *arg, const struct kobj *obj, struct kobj **out,
		    struct ck_status *st);
	int	(*update_status)(void *arg, const struct kobj *obj,
		    struct kobj **out, struct ck_status *st);
	int	(*patch)(void *arg, const struct client_gvr *gvr,
		    const char *ns, const char *name, const char *subresource,
		    enum client_patch_type type, const struct cJSON *patch,
		    struct kobj **out, struct ck_status *st);
	int	(*del)(void *arg, const struct client_gvr *gvr, const char *ns,
		    const char *name, const struct client_delete_opts *opts,
		    struct ck_status *st);
	int	(*get)(void *arg, const struct client_gvr *gvr, const char *ns,
		    const char *name, struct kobj **out, struct ck_status *st);
	struct cache *(*cache)(void *arg, const char *resource);
	void	(*event)(void *arg, const struct kobj *obj, const char *type,
		    const char *reason, const char *message);
};

/*
 * A controller over a backend (be and arg borrowed), with its work queue
 * but no informers, workers or daemon: a test calls def->reconcile(c, key)
 * directly, or starts workers and feeds it through controller_notify().
 * def->init runs here (its failure: NULL). Free with controller_free().
 */
struct controller *controller_new_test(const struct controller_def *def,
		    const struct controller_backend *be, void *arg);

/* Start n worker threads (tests; controller_main does it itself). */
int		 controller_start_workers(struct controller *c, int n)
		    CK_MUST_CHECK;

/*
 * Run the watch handlers of resource for one change, as an informer would
 * (old_obj NULL: added; new_obj NULL: deleted). Thread-safe.
 */
void		 controller_notify(struct controller *c, const char *resource,
		    const struct kobj *old_obj, const struct kobj *new_obj);

/*
 * Wait until no key is queued or being reconciled (delayed keys aside), or
 * ck_now_ms() reaches deadline_ms. Returns 0 or CK_ETIMEDOUT.
 */
int		 controller_wait_idle(struct controller *c, uint64_t deadline_ms)
		    CK_MUST_CHECK;

/* Reconcile counters (also exported as metrics by controller_main). */
struct controller_stats {
	uint64_t	reconciles;	/* reconcile calls */
	uint64_t	errors;		/* returned an error other than conflict */
	uint64_t	conflicts;	/* returned CK_ECONFLICT */
	uint64_t	requeues;	/* rate-limited requeues */
	uint64_t	enqueues;	/* controller_enqueue and handler adds */
};
void		 controller_get_stats(struct controller *c,
		    struct controller_stats *out);

/* Shut the queue down, drain it, join the workers, run fini, free. */
void		 controller_free(struct controller *c);

#endif
