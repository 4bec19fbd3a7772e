/*
 * client.h: the synchronous REST client of every ckube daemon (libcurl).
 * Each thread that calls it gets its own reusable easy handle, so a worker
 * keeps one keep-alive connection to the apiserver. Objects travel as cJSON
 * (or as kobj through the *_kobj forms at the end).
 * Every non-2xx reply becomes a struct ck_status and a CK_E* code; idempotent
 * verbs are retried with exponential backoff on connection errors, 429 and 5xx.
 * Blocking is deliberate (STYLE §2.4): reconcile reads like its algorithm.
 */
#ifndef CKUBE_CLIENT_H
#define CKUBE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct cJSON;
struct ck_status;
struct client;
struct kobj;
struct kubeconfig;

/* Longest URL path plus query the client builds (longer: CK_EINVALID). */
#define CLIENT_PATH_MAX		2048

/* A resource: group ("" or NULL for the core group), version, plural name. */
struct client_gvr {
	const char	*group;
	const char	*version;
	const char	*resource;
};

/* Common resources, for `client_get(cl, &CLIENT_GVR_PODS, ...)`. */
extern const struct client_gvr CLIENT_GVR_PODS;
extern const struct client_gvr CLIENT_GVR_SERVICES;
extern const struct client_gvr CLIENT_GVR_ENDPOINTS;
extern const struct client_gvr CLIENT_GVR_NODES;
extern const struct client_gvr CLIENT_GVR_NAMESPACES;
extern const struct client_gvr CLIENT_GVR_EVENTS;
extern const struct client_gvr CLIENT_GVR_REPLICATIONCONTROLLERS;
extern const struct client_gvr CLIENT_GVR_REPLICASETS;
extern const struct client_gvr CLIENT_GVR_DEPLOYMENTS;
extern const struct client_gvr CLIENT_GVR_LEASES;

/* Tuning; a zero field takes the default shown. */
struct client_options {
	int		 max_attempts;		/* 5 tries in all */
	int		 backoff_initial_ms;	/* 100, doubled per retry */
	int		 backoff_max_ms;	/* 5000: longest wait */
	long		 timeout_ms;		/* 30000 (not watches) */
	long		 connect_timeout_ms;	/* 10000 */
	int		 watch_idle_s;		/* 90: silence ends a watch */
	const char	*user_agent;		/* "ckube/0.1" */
};

/*
 * Make a client for kc (its server, token and TLS files are copied, so kc may
 * be freed afterwards). opt may be NULL for the defaults. Initializes libcurl
 * once per process (thread-safe). Returns 0 and *out (client_free it), or
 * CK_EINVALID with st->message for an unusable server URL or TLS data.
 * A token goes in an Authorization: Bearer header on every request, plain
 * http included (client-go sends it over TLS only).
 */
int	client_new(const struct kubeconfig *kc,
	    const struct client_options *opt, struct client **out,
	    struct ck_status *st) CK_MUST_CHECK;

/*
 * The --kubeconfig/--master pair of every daemon: kubeconfig_load(path,
 * master) then client_new. Errors are those of both.
 */
int	client_new_from_flags(const char *kubeconfig_path, const char *master,
	    const struct client_options *opt, struct client **out,
	    struct ck_status *st) CK_MUST_CHECK;

/*
 * Free the client and every thread's easy handle. Call it only once no other
 * thread uses the client any more (stop the workers first). NULL is fine.
 */
void	client_free(struct client *cl);

/*
 * Make every running and future call on cl give up soon with CK_ESHUTDOWN:
 * watches end within about a second and backoff waits are cut short. Any
 * thread may call it (typically the signal handling thread).
 */
void	client_shutdown(struct client *cl);

/*
 * Release libcurl's global state at process exit, after every client was
 * freed (tests and valgrind want it; daemons may skip it).
 */
void	client_global_cleanup(void);

/* The server URL, without a trailing '/'. Lives as long as cl. */
const char *client_server(const struct client *cl);

/*
 * Connections opened by the calling thread's handle so far (a keep-alive
 * connection counts once). For tests and metrics.
 */
long	client_thread_connects(struct client *cl);

/*
 * Build "/api/v1/namespaces/ns/pods/name/sub" (core group) or
 * "/apis/group/version/..." into buf. ns, name and subresource may be NULL
 * (cluster scope or all namespaces / a collection / the object itself). Each
 * segment is percent-escaped; an empty, "." or ".." segment or a result
 * longer than size is CK_EINVALID (st says which).
 */
int	client_path(char *buf, size_t size, const struct client_gvr *gvr,
	    const char *ns, const char *name, const char *subresource,
	    struct ck_status *st) CK_MUST_CHECK;

/*
 * Append "sep key=escaped-value" to the NUL-terminated query in buf (sep is
 * '?' when buf has no '?' yet, else '&'). Values are percent-escaped (RFC
 * 3986 unreserved bytes stay). Returns 0, or CK_EINVALID if buf is too small.
 */
int	client_query_add(char *buf, size_t size, const char *key,
	    const char *value) CK_MUST_CHECK;

/*
 * Decode a non-2xx reply (body of len bytes, need not end in NUL) into st and
 * return the CK_E* code: 404 CK_ENOTFOUND, 409 CK_EEXIST (reason
 * AlreadyExists) or CK_ECONFLICT, 422 CK_EINVALID, 410 CK_EGONE, 429
 * CK_EAGAIN, 403 CK_EPERM, 401 CK_EUNAUTH, 400 CK_EBADREQ, 413 CK_ETOOBIG,
 * 405/415 CK_ENOTSUP, 5xx and others CK_EIO. A body that is not a Status gets
 * a message built from the code, a cleaned excerpt of the body and what (e.g.
 * "get pods web-0"; may be NULL). st may be NULL.
 */
int	client_status_decode(long http_code, const char *body, size_t len,
	    const char *what, struct ck_status *st) CK_MUST_CHECK;

/*
 * The resource an object belongs to, from its apiVersion and kind (a table of
 * the built-in kinds, else lower-case plural rules). Fills the group, version
 * and resource buffers (of sizes gsize, vsize, rsize). CK_EINVALID if obj has
 * no apiVersion or kind.
 */
int	client_gvr_of(const struct cJSON *obj, char *group, size_t gsize,
	    char *version, size_t vsize, char *resource, size_t rsize,
	    struct ck_status *st) CK_MUST_CHECK;

/*
 * GET one object into *out (yours, cJSON_Delete). Retried. Errors as in
 * client_status_decode, plus CK_EIO for connection failures and bad JSON,
 * CK_ETIMEDOUT, CK_ESHUTDOWN. Thread-safe (as is every call below).
 */
int	client_get(struct client *cl, const struct client_gvr *gvr,
	    const char *ns, const char *name, struct cJSON **out,
	    struct ck_status *st) CK_MUST_CHECK;

/*
 * GET an API path that is not an object ("/api", "/apis/apps/v1": the
 * discovery documents) into *out (yours). Retried; errors as client_get.
 */
int	client_get_path(struct client *cl, const char *path,
	    struct cJSON **out, struct ck_status *st) CK_MUST_CHECK;

struct client_list_opts {
	const char	*label_selector;	/* NULL: everything */
	const char	*field_selector;
	long		 limit;			/* 0: no limit */
	const char	*continue_token;	/* from a previous page */
	const char	*resource_version;	/* "0": any cached state */
};

struct client_list {
	struct cJSON	*items;			/* an array; yours */
	char		 resource_version[64];	/* the list's revision */
	char		*continue_token;	/* NULL on the last page */
};

/*
 * LIST one page (ns NULL: every namespace). opts may be NULL. On success the
 * result is list's (client_list_fini it); on failure list is empty. Retried.
 * Items without kind/apiVersion get the list's ("PodList" -> "Pod").
 */
int	client_list(struct client *cl, const struct client_gvr *gvr,
	    const char *ns, const struct client_list_opts *opts,
	    struct client_list *list, struct ck_status *st) CK_MUST_CHECK;

/*
 * LIST every page (following continue tokens, pages of opts->limit) and
 * return all items with the first page's resourceVersion (the snapshot the
 * continue tokens keep). A token that expired gives CK_EGONE: list again.
 */
int	client_list_all(struct client *cl, const struct client_gvr *gvr,
	    const char *ns, const struct client_list_opts *opts,
	    struct client_list *list, struct ck_status *st) CK_MUST_CHECK;

/* Free list's contents and reset it to empty. NULL is fine. */
void	client_list_fini(struct client_list *list);

/*
 * POST obj to its collection (resource from apiVersion/kind, namespace from
 * metadata.namespace; none: cluster-scoped). *out (may be NULL) gets the
 * created object. A create is retried only when the server surely did not
 * act on it (no connection made, 429); after a timeout or a connection lost
 * mid-request it is NOT retried and the result is CK_ETIMEDOUT or CK_EIO with
 * st->message saying the object may have been created: the caller's
 * expectations and a later GET or CK_EEXIST settle it.
 */
int	client_create(struct client *cl, const struct cJSON *obj,
	    struct cJSON **out, struct ck_status *st) CK_MUST_CHECK;

/*
 * POST obj to a subresource of the named object (a Binding to
 * pods/NAME/binding, an Eviction to pods/NAME/eviction). Retried as
 * client_create is.
 */
int	client_create_subresource(struct client *cl,
	    const struct client_gvr *gvr, const char *ns, const char *name,
	    const char *subresource, const struct cJSON *obj,
	    struct cJSON **out, struct ck_status *st) CK_MUST_CHECK;

/*
 * PUT obj over the stored object (name from metadata.name). With a
 * metadata.resourceVersion the update is conditional (stale: CK_ECONFLICT)
 * and so retried; without one it is not retried.
 */
int	client_update(struct client *cl, const struct cJSON *obj,
	    struct cJSON **out, struct ck_status *st) CK_MUST_CHECK;

/* The same as client_update on the "status" subresource. */
int	client_update_status(struct client *cl, const struct cJSON *obj,
	    struct cJSON **out, struct ck_status *st) CK_MUST_CHECK;

/*
 * The same on another subresource ("finalize": namespaces/NAME/finalize,
 * which changes only spec.finalizers).
 */
int	client_update_subresource(struct client *cl, const char *subresource,
	    const struct cJSON *obj, struct cJSON **out, struct ck_status *st)
	    CK_MUST_CHECK;

enum client_patch_type {
	CLIENT_PATCH_MERGE,		/* application/merge-patch+json */
	CLIENT_PATCH_JSON,		/* application/json-patch+json */
	CLIENT_PATCH_STRATEGIC,		/* ...strategic-merge-patch+json */
};

/* The Content-Type of a patch type. */
const char *client_patch_content_type(enum client_patch_type type);

/*
 * PATCH the object (subresource may be NULL or "status") with patch (an
 * object, or an array for CLIENT_PATCH_JSON). Not retried after a request
 * reached the server (a JSON patch may not be idempotent).
 */
int	client_patch(struct client *cl, const struct client_gvr *gvr,
	    const char *ns, const char *name, const char *subresource,
	    enum client_patch_type type, const struct cJSON *patch,
	    struct cJSON **out, struct ck_status *st) CK_MUST_CHECK;

struct client_delete_opts {
	const char	*propagation_policy;	/* Orphan, Background... */
	int64_t		 grace_period_seconds;	/* CLIENT_GRACE_UNSET: unset */
	const char	*precondition_uid;	/* NULL: none */
	const char	*precondition_rv;	/* NULL: none */
};
#define CLIENT_GRACE_UNSET	(-1)

/*
 * DELETE an object with DeleteOptions (opts may be NULL: no body). *out (may
 * be NULL) gets the reply: the object (still terminating, or as it was) or a
 * success Status. Retried; note a retry after a lost reply may see
 * CK_ENOTFOUND, which callers usually treat as done.
 */
int	client_delete(struct client *cl, const struct client_gvr *gvr,
	    const char *ns, const char *name,
	    const struct client_delete_opts *opts, struct cJSON **out,
	    struct ck_status *st) CK_MUST_CHECK;

enum client_event_type {
	CLIENT_EVENT_ADDED,
	CLIENT_EVENT_MODIFIED,
	CLIENT_EVENT_DELETED,
	CLIENT_EVENT_BOOKMARK,
};

/*
 * One watch event; object becomes the callback's (cJSON_Delete it). Return 0
 * to go on; any other value stops the watch and client_watch returns it.
 */
typedef int (*client_watch_fn)(enum client_event_type type,
	    struct cJSON *object, void *arg);

struct client_watch_opts {
	const char	*resource_version;	/* NULL: from now */
	const char	*label_selector;
	const char	*field_selector;
	long		 timeout_seconds;	/* > 0: server-side end */
	int		 allow_bookmarks;
};

/*
 * Stream ?watch=1 events to fn until the server ends the stream (returns 0:
 * watch again from the last revision seen), fn returns non-zero (that value),
 * an ERROR event arrives (its Status decoded into st: CK_EGONE for 410 "too
 * old resource version": relist), no byte came for watch_idle_s
 * (CK_ETIMEDOUT), client_shutdown (CK_ESHUTDOWN), or a failure (CK_EIO, or
 * the reply's Status). Not retried: reconnecting is the caller's choice.
 * Uses a connection of its own; fn may call the client (other verbs).
 */
int	client_watch(struct client *cl, const struct client_gvr *gvr,
	    const char *ns, const struct client_watch_opts *opts,
	    client_watch_fn fn, void *arg, struct ck_status *st) CK_MUST_CHECK;

/*
 * The kobj forms, for controllers (kobj.h). Objects passed in are borrowed;
 * every kobj handed out is new, unfrozen, with one reference (kobj_unref
 * it). out may be NULL except for client_get_kobj. Errors, retries and
 * thread-safety are those of the cJSON forms above.
 */
int	client_get_kobj(struct client *cl, const struct client_gvr *gvr,
	    const char *ns, const char *name, struct kobj **out,
	    struct ck_status *st) CK_MUST_CHECK;
int	client_create_kobj(struct client *cl, const struct kobj *obj,
	    struct kobj **out, struct ck_status *st) CK_MUST_CHECK;
int	client_update_kobj(struct client *cl, const struct kobj *obj,
	    struct kobj **out, struct ck_status *st) CK_MUST_CHECK;
int	client_update_status_kobj(struct client *cl, const struct kobj *obj,
	    struct kobj **out, struct ck_status *st) CK_MUST_CHECK;
int	client_patch_kobj(struct client *cl, const struct client_gvr *gvr,
	    const char *ns, const char *name, const char *subresource,
	    enum client_patch_type type, const struct cJSON *patch,
	    struct kobj **out, struct ck_status *st) CK_MUST_CHECK;

/* Every item of a list, as kobjs, with the list's resourceVersion. */
struct client_kobjs {
	struct kobj	**items;
	size_t		  n;
	char		  resource_version[64];
};

/*
 * client_list_all with kobj items (frozen already when freeze is true, as
 * a cache wants them). client_kobjs_fini releases them.
 */
int	client_list_all_kobj(struct client *cl, const struct client_gvr *gvr,
	    const char *ns, const struct client_list_opts *opts, int freeze,
	    struct client_kobjs *out, struct ck_status *st) CK_MUST_CHECK;
void	client_kobjs_fini(struct client_kobjs *list);

/* A watch event as a kobj; obj is the callback's (kobj_unref it). */
typedef int (*client_watch_kobj_fn)(enum client_event_type type,
	    struct kobj *obj, void *arg);

/* client_watch handing each object over as a kobj. */
int	client_watch_kobj(struct client *cl, const struct client_gvr *gvr,
	    const char *ns, const struct client_watch_opts *opts,
	    client_watch_kobj_fn fn, void *arg, struct ck_status *st)
	    CK_MUST_CHECK;

#endif
