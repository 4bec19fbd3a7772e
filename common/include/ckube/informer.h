/*
 * informer.h: keep caches of API resources current (client-go's reflector
 * and shared informer). Per resource: LIST (paged) into a cache.h cache,
 * then follow changes from the nanomsg watch bus (topic "<resource>/").
 * Nothing is silently missed:
 *   - the first bus message of a topic, a gap in its sequence numbers (or a
 *     new publisher epoch), and an unreadable message each make the informer
 *     catch up with the HTTP watch from the last revision it applied up to
 *     that message's revision;
 *   - a quiet period after bus traffic (the lost message may have been the
 *     last one) and a periodic timer run a short verifying HTTP watch from
 *     the last revision (it ends at the server's 1 s timeout or a
 *     bookmark; it then moves the revision to the store's, read before it
 *     started, so an idle resource does not fall behind compaction). The
 *     bus messages of that resource wait meanwhile, so its events may
 *     wait up to about a second;
 *   - a bus error, or no bus configured, switches the resource to a plain
 *     HTTP watch for good;
 *   - a 410 Gone (compacted revision) relists, and the relist's differences
 *     reach the handlers as adds, updates and deletes.
 * Events whose revision is not newer than the last applied one, or than the
 * cached object's, are ignored, so catching up never duplicates anything.
 *
 * Threads: one informer thread per group reads the group's one bus socket
 * (subscribed to every resource's topic: nanomsg filters at the subscriber,
 * so a socket per resource would receive every message once per resource)
 * and applies bus events; one helper thread per resource does that
 * resource's LISTs and HTTP watches (catch-up, verify, follow). While the
 * helper works on a resource its bus messages wait in a backlog in memory,
 * so one resource's events are applied by one thread at a time, in
 * revision order. Handlers run on those threads: they must be quick
 * (compute keys, workqueue_add) and must not block.
 */
#ifndef CKUBE_INFORMER_H
#define CKUBE_INFORMER_H

#include <stdbool.h>
#include <stdint.h>

#include "ckube/ck.h"

struct cache;
struct client;
struct client_gvr;
struct informer;
struct informer_group;
struct kobj;

/*
 * Callbacks for one informer (any may be NULL). Objects are frozen and lent
 * for the call (kobj_ref to keep one). on_delete gets the last state known:
 * the deleted object from the watch, or the cached one after a relist.
 */
struct informer_handlers {
	void	(*on_add)(const struct kobj *obj, void *arg);
	void	(*on_update)(const struct kobj *old_obj,
		    const struct kobj *new_obj, void *arg);
	void	(*on_delete)(const struct kobj *obj, void *arg);
	void	*arg;
};

/* Tuning; a zero field takes the default shown. */
struct informer_options {
	const char	*bus_url;	/* NULL: HTTP watches only */
	long		 page_size;	/* 500 objects per LIST page */
	uint64_t	 verify_quiet_ms;	/* 1000: verify after this quiet */
	uint64_t	 verify_period_ms;	/* 60000: verify at least this often */
	uint64_t	 retry_ms;	/* 1000: wait after a failed LIST/watch */
	/*
	 * Non-zero: objects keep only apiVersion, kind and metadata (less
	 * what transform.h drops) in the caches and handlers, as client-go's
	 * metadata informers (the garbage collector watches every kind).
	 */
	int		 metadata_only;
	/*
	 * NULL, or the paths (informer_set_keep()'s syntax) every informer
	 * of the group keeps unless informer_set_keep() gives its own; with
	 * metadata_only, paths inside metadata ("metadata.ownerReferences")
	 * trim metadata to them and the object's identity.
	 */
	const char *const *keep;
};

/*
 * A new group of informers that will use cl, which the group takes: it is
 * shut down by informer_group_stop() and freed by informer_group_free(), so
 * give the group a client of its own. opt may be NULL; bus_url is copied.
 */
struct informer_group *informer_group_new(struct client *cl,
		    const struct informer_options *opt);

/*
 * Every informer's objects lose metadata.managedFields and kubectl's
 * last-applied-configuration annotation before they are cached
 * (transform.h); handlers see the trimmed objects too.
 *
 * Cache only apiVersion, kind, metadata and these paths (transform.h's
 * syntax: "spec.nodeName", "status", "spec.containers[].ports";
 * NULL-terminated, kept by pointer) of inf's objects. Call before the
 * group starts.
 */
void		 informer_set_keep(struct informer *inf,
		    const char *const *paths);

/*
 * Handlers see what informer_set_keep() keeps, the cache only paths (a
 * narrower list in the same syntax; "metadata.uid" trims metadata too),
 * as a copy without apiVersion and kind: a daemon that turns each object
 * into its own record at once caches a stub of it. on_update's old object
 * and the object a relist deletes are the cache's. Call before the group
 * starts.
 */
void		 informer_set_cache_keep(struct informer *inf,
		    const char *const *paths);

/*
 * Cache (and hand to the handlers) only the objects want(obj, arg) accepts
 * (it reads an object as the watch delivered it, before any trimming): a
 * daemon that reconciles a few of the cluster's pods need not hold them
 * all. An object that stops being wanted leaves the cache as a delete (the
 * handlers get the cached state); a relist drops the unwanted. want runs
 * on the informer threads. Call before the group starts.
 */
void		 informer_set_filter(struct informer *inf,
		    bool (*want)(const struct kobj *obj, void *arg), void *arg);

/*
 * A filtered cache may lack objects its daemon starts to want (a Service
 * now selects pods that existed before it): LIST those of namespace ns
 * (NULL: all) that selector (a label selector string; NULL: all) selects,
 * and add the wanted ones the cache lacks, as adds to the handlers. Done
 * soon by the informer's helper, in order with the watch; any thread.
 * Returns a ticket for informer_fill_done() (the same fill still pending
 * gives the same ticket).
 */
uint64_t	 informer_fill(struct informer *inf, const char *ns,
		    const char *selector);
/* Whether the fill of ticket is done (its objects are in the cache). */
bool		 informer_fill_done(struct informer *inf, uint64_t ticket);

/*
 * The daemon PUTs whole copies of inf's cached objects: keep every
 * annotation (a PUT without last-applied-configuration would delete it).
 * Do not combine with informer_set_keep(). Call before the group starts.
 */
void		 informer_set_written_back(struct informer *inf);

/*
 * The informer of resource ("pods", "replicasets.apps",
 * "leases.coordination.k8s.io"; the version is v1 unless the group is a
 * known older one), created on first use. Adds handlers (may be NULL; up to
 * 8 sets per informer). Only before informer_group_start(). The informer
 * lives as long as the group.
 */
struct informer	*informer_group_add(struct informer_group *g,
		    const char *resource, const struct informer_handlers *h);

/*
 * An informer of resource (the cache name and bus topic: "pods",
 * "replicasets.apps") over an explicit group/version/plural, for resources
 * found by discovery; handlers h (may be NULL) are its only ones. Unlike
 * informer_group_add it may be called while the group runs: the informer
 * then starts at once (LIST, then follow). *out (may be NULL) gets it.
 * CK_EEXIST if resource already has an informer (*out is that one),
 * CK_ESHUTDOWN once stopping, CK_ENOMEM past the limit, CK_EIO.
 * Thread-safe.
 */
int		 informer_group_add_gvr(struct informer_group *g,
		    const char *resource, const struct client_gvr *gvr,
		    const struct informer_handlers *h, struct informer **out)
		    CK_MUST_CHECK;

/* The informer of resource, or NULL if none was added. */
struct informer	*informer_group_find(struct informer_group *g,
		    const char *resource);

/*
 * Start the threads: each informer lists, then follows. Returns 0, or
 * CK_EIO if a thread could not start. Call once.
 */
int		 informer_group_start(struct informer_group *g) CK_MUST_CHECK;

/* Whether every informer has completed its first LIST. Thread-safe. */
bool		 informer_group_has_synced(struct informer_group *g);

/*
 * Wait until informer_group_has_synced() or ck_now_ms() reaches
 * deadline_ms (clock.h; CLOCK_NEVER: no deadline). Returns 0,
 * CK_ETIMEDOUT, or CK_ESHUTDOWN once stopping.
 */
int		 informer_group_wait_synced(struct informer_group *g,
		    uint64_t deadline_ms) CK_MUST_CHECK;

/*
 * Stop every thread (the client is shut down, watches end within about a
 * second) and wait for them. Handlers are not called afterwards. Safe to
 * call twice, or without start.
 */
void		 informer_group_stop(struct informer_group *g);

/* Stop (if needed) and free the group, its informers, caches and client. */
void		 informer_group_free(struct informer_group *g);

/* The informer's cache (lives as long as the group). */
struct cache	*informer_cache(struct informer *inf);

/* The resource name given to informer_group_add(). */
const char	*informer_resource(const struct informer *inf);

/* Whether the informer completed its first LIST. Thread-safe. */
bool		 informer_has_synced(struct informer *inf);

/*
 * Counters for tests and metrics: bus events applied, catch-ups run (gaps
 * and first messages), verifies run, relists done (the first LIST counts).
 */
struct informer_stats {
	uint64_t	bus_events;
	uint64_t	catchups;
	uint64_t	verifies;
	uint64_t	relists;
};
void		 informer_get_stats(struct informer *inf,
		    struct informer_stats *out);

/*
 * Test hook: the informer thread discards every nth bus message it
 * receives (0: none) before looking at it, as a slow subscriber's drops.
 */
void		 informer_group_test_drop_every(struct informer_group *g,
		    unsigned int n);
/*
 * Test hook: hand inf a bus message (payload {"type":..,"object":..}) at
 * revision rv, as the next of its topic, from the caller's thread (inf idle,
 * bus_url set). False if inf handed it to its helper instead.
 */
bool		 informer_test_bus_event(struct informer *inf, int64_t rv,
		    const char *payload);

#endif
