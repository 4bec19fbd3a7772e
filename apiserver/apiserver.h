/*
 * apiserver.h: the prototypes the apiserver's files share (OpenBSD "map"
 * header): the resource registry row, the socket-free request/response pair
 * every handler works on, and the entry points of route, crud, watch,
 * discovery, table and status. Only apiserver/ includes it.
 */
#ifndef CKUBE_APISERVER_APISERVER_H
#define CKUBE_APISERVER_APISERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ckube/ck.h"
#include "validation_meta.h"

struct cJSON;
struct ck_status;
struct store;
struct store_event;
struct pc_cache;
struct bus;
struct watch;
struct watchlog;
struct rbac;

/* ---- registry.c ---- */

enum api_sub {
	API_SUB_STATUS = 1 << 0,
	API_SUB_BINDING = 1 << 1,
	API_SUB_FINALIZE = 1 << 2,
	API_SUB_SCALE = 1 << 3,		/* autoscaling/v1 Scale of spec.replicas */
	API_SUB_EVICTION = 1 << 4,	/* pods/eviction (policy/v1 Eviction) */
};

enum api_table {
	API_TABLE_GENERIC,	/* Name, Created At */
	API_TABLE_NAMESPACES,	/* Name, Status, Age */
	API_TABLE_DEPLOYMENTS,	/* Name, Ready, Up-to-date, Available, Age, ... */
	API_TABLE_REPLICASETS,	/* Name, Desired, Current, Ready, Age, ... */
};

struct api_resource {
	const char		*group;		/* "" for the core group */
	const char		*version;	/* "v1" */
	const char		*resource;	/* plural: "pods" */
	const char		*singular;	/* "pod" */
	const char		*kind;		/* "Pod" */
	/* "pods", "leases.coordination.k8s.io": the store key and bus topic */
	const char		*qualified;
	bool			 namespaced;
	const char *const	*short_names;	/* NULL-terminated, or NULL */
	const char *const	*categories;	/* NULL-terminated, or NULL */
	const char *const	*verbs;		/* NULL-terminated */
	unsigned		 subresources;	/* enum api_sub bits */
	enum validate_name_rule	 name_rule;
	/* field selectors allowed besides metadata.name and .namespace */
	const char *const	*field_selectors;
	/* Kind-specific defaulting on create (may be NULL). */
	void			(*prepare_create)(struct cJSON *obj);
	enum api_table		 table;
};

/* The whole table, and its length. */
const struct api_resource	*registry_all(size_t *n);
/*
 * Serve the federation's resources (section 8(a)) instead of a cluster's:
 * call once at startup, before any other registry_* call.
 */
void	registry_use_federation(void);
/* Look up by group ("" core), version and plural; NULL if unknown. */
const struct api_resource *registry_find(const char *group, const char *version,
	    const char *resource);
/* True if some row serves group (and version, when non-NULL). */
bool	registry_has_group_version(const char *group, const char *version);
/* "v1" or "group/version" of a row, into buf. */
const char *registry_api_version(const struct api_resource *r, char *buf,
	    size_t len);
/* NULL-terminated allowed field-selector paths of r (static storage). */
const char *const *registry_field_selectors(const struct api_resource *r);

/* ---- requests (http.c builds them) and responses (handlers fill them) ---- */

#define API_MAX_PARAMS	32

struct api_kv {
	const char	*key;
	const char	*val;	/* "" for a bare "?watch" */
};

struct auth_user;

struct api_request {
	const char	*method;	/* "GET", "POST", ... */
	const char	*path;		/* decoded path, no query */
	struct api_kv	 params[API_MAX_PARAMS];
	size_t		 nparams;
	const char	*accept;	/* NULL if absent */
	const char	*content_type;	/* NULL if absent */
	const char	*user_agent;	/* NULL if absent */
	/* Upgrade and the WebSocket handshake headers (pods/exec), or NULL */
	const char	*upgrade;
	const char	*ws_key;
	const char	*ws_protocol;
	const char	*body;		/* not NUL-terminated */
	size_t		 body_len;
	/* Who sent it (auth.h); NULL on the insecure port: all allowed. */
	const struct auth_user *user;
};

/*
 * A streamed body that is not a watch (pods/log?follow=true), driven by the
 * HTTP layer exactly as a watch: attach() gives the connection and its
 * resume function before the response is queued; read() copies up to max
 * bytes, or returns 0 after calling suspend(conn) (the source calls resume
 * once it has more), or -1 at the end; release() when the response is gone.
 */
struct api_stream {
	void	(*attach)(struct api_stream *s, void *conn,
		    void (*resume)(void *conn));
	long	(*read)(struct api_stream *s, char *buf, size_t max,
		    void (*suspend)(void *conn));
	void	(*release)(struct api_stream *s);
	/* > 0: the stream's length (Content-Length); 0: chunked. */
	uint64_t size;
	/* Chunked: bytes asked of read() at once (0: the watch's 16 KiB). */
	size_t	block;
};

/* What read() returns when the stream failed midway: the reply is cut off. */
#define API_STREAM_ERROR	(-2)

struct api_response {
	int		 code;
	const char	*content_type;	/* static string */
	char		*body;		/* malloc'd, owned by the response */
	size_t		 body_len;
	struct watch	*watch;		/* non-NULL: stream this, not body */
	/* `Warning: 299 - "..."` headers, one per line (openapi.c fills). */
	char		 warnings[8192];
	struct api_stream *stream;	/* non-NULL: stream this, not body */
	int		 retry_after;	/* > 0: a Retry-After header, seconds */
	/*
	 * Write it as an HTTP-date instead: client-go retries a 429 itself
	 * only on delta-seconds, so the caller (kubectl drain) sees this one.
	 */
	bool		 retry_after_date;
	/*
	 * Non-NULL: answer 101 with upgrade_headers ("Name: value" lines,
	 * malloc'd) and hand the socket to upgrade(upgrade_arg, ...) on a
	 * thread (httpd_queue_upgrade); upgrade_free(upgrade_arg) after, or
	 * from api_response_fini when never queued. pods/exec.
	 */
	void		(*upgrade)(void *arg, int fd, const char *extra,
			    size_t extra_len);
	void		*upgrade_arg;
	void		(*upgrade_free)(void *arg);
	char		*upgrade_headers;
	char		 etag[40];	/* non-empty: an ETag header */
};

/* Add one Warning header text (dropped when the buffer is full). */
void	api_response_warn(struct api_response *resp, const char *text);

/* The query parameter key, or NULL when absent. */
const char	*api_request_param(const struct api_request *req,
		    const char *key);
/* True if param is "1" or "true". */
bool		 api_request_flag(const struct api_request *req,
		    const char *key);
/* The Accept header asks for a meta.k8s.io Table. */
bool		 api_request_wants_table(const struct api_request *req);

/* Take text (malloc'd) / print obj as the body. */
void	api_response_take(struct api_response *resp, int code,
	    const char *content_type, char *body, size_t len);
void	api_response_json(struct api_response *resp, int code,
	    const struct cJSON *obj);
void	api_response_text(struct api_response *resp, int code,
	    const char *text);
void	api_response_fini(struct api_response *resp);

/* ---- the server context ---- */

struct apiserver {
	struct store		*store;
	struct watchlog		*wl;
	struct ns_cache		*nsc;		/* may be NULL: ask the store */
	struct kind_count	*kinds;		/* may be NULL: always read */
	struct pc_cache		*pcc;		/* may be NULL: LIST the classes */
	int64_t			 max_body;	/* --max-request-bytes */
	int64_t			 heartbeat_ms;	/* --watch-heartbeat */
	bool			 federation;	/* no Service addresses */
	struct rbac		*rbac;		/* rbac.h; NULL: RBAC off */
};

/* What a binary built on the apiserver library serves (serve.c). */
struct apiserver_profile {
	const char	*name;		/* "ckube-apiserver" */
	const char	*summary;	/* --help's first line */
	bool		 federation;	/* registry_use_federation() */
};

extern const struct apiserver_profile apiserver_profile_cluster;

/* Parse flags, open the store, serve until SIGTERM/SIGINT; exit status. */
int	apiserver_main(const struct apiserver_profile *profile, int argc,
	    char *argv[]);

/* Handle one request (never blocks on the network). Fills resp. */
void	api_handle(struct apiserver *srv, const struct api_request *req,
	    struct api_response *resp);

/* ---- route.c ---- */

enum api_verb {
	API_VERB_GET, API_VERB_LIST, API_VERB_WATCH, API_VERB_CREATE,
	API_VERB_UPDATE, API_VERB_PATCH, API_VERB_DELETE,
	API_VERB_DELETECOLLECTION, API_VERB_OTHER,
};

struct api_route {
	char	group[128];
	char	version[32];
	char	resource[64];
	char	ns[CK_NAME_MAX];
	char	name[CK_NAME_MAX];
	char	sub[32];
	bool	has_ns;			/* path had namespaces/<ns>/ */
	bool	legacy_watch;		/* /api/v1/watch/... */
	enum api_verb verb;
	const struct api_resource *res;	/* NULL if the resource is unknown */
};

/*
 * Parse an API path (/api/v1/..., /apis/g/v/...) and method into rt.
 * Returns 0, CK_ENOTFOUND (not a resource path) or CK_EBADREQ.
 */
int	route_parse(const char *method, const char *path,
	    const struct api_request *req, struct api_route *rt) CK_MUST_CHECK;
const char *route_verb_name(enum api_verb v);

/* ---- status.c ---- */

/* Serialise st as a metav1.Status reply (code st->code). */
void	status_reply(struct api_response *resp, const struct ck_status *st);
/* Shorthand: set st from err and fmt, then reply. */
void	status_replyf(struct api_response *resp, int err, const char *fmt, ...)
	    CK_PRINTF(3, 4);
/* The metav1.Status object for st (yours). */
struct cJSON *status_to_json(const struct ck_status *st);
/*
 * Fill st with the Kubernetes wording for err about object name of r:
 * NotFound, AlreadyExists, Conflict; details {name, group, kind=plural}.
 * Returns err.
 */
int	status_set_object(struct ck_status *st, int err,
	    const struct api_resource *r, const char *name);
/* Turn st's causes into `Kind "name" is invalid: ...` (422); CK_EINVALID. */
int	status_set_invalid(struct ck_status *st, const struct api_resource *r,
	    const char *name);
/* The same for a kind outside the registry: `label "name" is invalid: ...`. */
int	status_set_invalid_kind(struct ck_status *st, const char *label,
	    const char *group, const char *kind, const char *name);

/* ---- discovery.c ---- */

/*
 * Serve /version, /api, /apis, /api/v1, /apis/g[/v], /openapi/..., health
 * and metrics. Returns 1 if it handled the request.
 */
/*
 * aggregator.c: requests under /apis/<group> of a group served by an
 * APIService (not the registry) are proxied to its backend: 1 when handled
 * (resp filled), 0 when the request is not aggregated.
 */
int	aggregator_handle(struct apiserver *srv, const struct api_request *req,
	    struct api_response *resp);
/* The APIServices' groups, appended to an APIGroupList's "groups". */
void	aggregator_add_groups(struct apiserver *srv, struct cJSON *groups);
/* Check every APIService once and update its Available condition. */
void	aggregator_check_all(struct apiserver *srv);
/* Start (period_ms > 0) and stop the availability thread. */
int	aggregator_start(struct apiserver *srv, int64_t period_ms)
	    CK_MUST_CHECK;
void	aggregator_stop(void);
int	discovery_handle(struct apiserver *srv, const struct api_request *req,
	    struct api_response *resp);

/* ---- openapi.c ---- */

/* Serve /openapi/v3, /openapi/v3/<group-version> and /openapi/v2. */
void	openapi_handle(const struct api_request *req, const char *path,
	    struct api_response *resp);
/*
 * fieldValidation of obj (a request body or a patch result) of r: with
 * Strict, unknown fields are CK_EBADREQ (400) with st set; with Warn they
 * are dropped with a Warning header each; with Ignore dropped silently;
 * without the parameter nothing happens. Returns 0 or CK_EBADREQ.
 */
int	openapi_check_fields(const struct api_resource *r, struct cJSON *obj,
	    const struct api_request *req, struct api_response *resp,
	    struct ck_status *st) CK_MUST_CHECK;
/*
 * Typed decoding of obj of r over the same schema table: a JSON value Go
 * could not decode into its field (a string where an int32 goes, an object
 * for a list...) is CK_EBADREQ with kube-apiserver's message, `<Kind> in
 * version "v1" cannot be handled as a <Kind>: json: cannot unmarshal
 * string into Go struct field Container.spec.containers.ports of type
 * []v1.ContainerPort`. Returns 0 or CK_EBADREQ.
 */
int	openapi_check_types(const struct api_resource *r,
	    const struct cJSON *obj, struct ck_status *st) CK_MUST_CHECK;

/* ---- table.c ---- */

/*
 * A meta.k8s.io/v1 Table (yours) of objs (borrowed). include_object: full
 * objects in rows, else PartialObjectMetadata; with_columns: add the
 * column definitions (else null, as in watch events after the first).
 */
struct cJSON *table_build(const struct api_resource *r,
	    struct cJSON *const *objs, size_t n, const char *list_rv,
	    bool include_object, bool with_columns);
/*
 * One row of a list's Table (its "cells", "object"), *obj's metadata (or
 * *obj, then set NULL) moved into it; now: the Age columns' clock.
 */
struct cJSON *table_row(const struct api_resource *r, struct cJSON **obj,
	    bool include_object, time_t now);

/* ---- crud.c ---- */

void	crud_handle(struct apiserver *srv, const struct api_request *req,
	    const struct api_route *rt, struct api_response *resp);
/*
 * Create obj (taken; a v1 object of resource in group) unless an object of
 * its name exists (startup: namespaces, the `kubernetes` service).
 */
int	crud_ensure_object(struct apiserver *srv, const char *group,
	    const char *resource, const char *ns, struct cJSON *obj)
	    CK_MUST_CHECK;
/* Create namespace name if missing (startup). */
int	crud_ensure_namespace(struct apiserver *srv, const char *name)
	    CK_MUST_CHECK;

/* ---- protobuf.c ---- */

/*
 * Decode a Kubernetes protobuf request body ("k8s\0" + runtime.Unknown) of a
 * kind with a field table (ConfigMap, Secret, Namespace, Service) into JSON
 * (*out is yours). CK_EBADREQ for malformed input, CK_ENOTSUP (415) for
 * other kinds, with st set.
 */
int	protobuf_decode(const char *buf, size_t len, struct cJSON **out,
	    struct ck_status *st) CK_MUST_CHECK;

/* ---- util.c ---- */

/* Random UUID v4 text (37 bytes with NUL). */
void	util_uuid4(char out[37]);
/* n random characters from Kubernetes' generateName alphabet. */
void	util_random_suffix(char *out, size_t n);
/* Base64 (standard, padded). Decode returns malloc'd NUL-terminated or NULL. */
char	*util_base64_encode(const char *in, size_t len);
char	*util_base64_decode(const char *in, size_t *len_out);
/* Go's name for the JSON type of v, as encoding/json reports it. */
const char *util_go_json_type(const struct cJSON *v);

/* ---- sha256.c ---- */
void	util_sha256(const void *data, size_t len, unsigned char out[32]);
/* base64 of sha256("group/version/kind")[:8], discovery's storageVersionHash. */
void	util_storage_version_hash(const char *group, const char *version,
	    const char *kind, char out[16]);
/* String member or NULL. */
const char *json_str(const struct cJSON *obj, const char *key);
/* Object member or NULL. */
struct cJSON *json_obj(const struct cJSON *obj, const char *key);
/* Get the object member key, creating it (replacing a non-object). */
struct cJSON *json_ensure_obj(struct cJSON *obj, const char *key);
void	json_set_str(struct cJSON *obj, const char *key, const char *val);
void	json_set_num(struct cJSON *obj, const char *key, double val);
/* Defaulting: set key unless it holds a non-empty string / a number. */
void	json_default_str(struct cJSON *obj, const char *key, const char *val);
void	json_default_num(struct cJSON *obj, const char *key, double val);
void	json_del(struct cJSON *obj, const char *key);
/* Print obj (unformatted) into a malloc'd string; *len may be NULL. */
char	*json_print(const struct cJSON *obj, size_t *len);

/* ---- admission_storage.c (StorageClass, IngressClass) ---- */
struct store;
/* DefaultStorageClass: a claim without storageClassName gets the default. */
void	admission_default_storage_class(struct store *s, struct cJSON *pvc);
/* DefaultIngressClass: an Ingress without a class gets the default. */
void	admission_default_ingress_class(struct store *s, struct cJSON *ing);

/* ---- admission_tolerations.c ---- */
/* --default-not-ready-toleration-seconds, --default-unreachable-... */
extern int64_t admission_not_ready_seconds;
extern int64_t admission_unreachable_seconds;
/*
 * DefaultTolerationSeconds: a pod that does not tolerate the not-ready /
 * unreachable NoExecute taints gets Exists tolerations with those seconds.
 */
void	admission_default_tolerations(struct cJSON *pod);
/* ---- admission_priority.c ---- */
/* The built-in PriorityClasses, created at start: count and i-th (yours). */
size_t	admission_system_priority_classes(void);
struct cJSON *admission_system_priority_class(size_t i);
/* IsKnownSystemPriorityClass: NULL if it is one, else why (in buf). */
const char *admission_system_class_error(const char *name, int64_t value,
	    bool global_default, char *buf, size_t len);
/* Only one globalDefault class: CK_EPERM (403) otherwise. */
int	admission_priority_class(struct store *s, const struct cJSON *pc,
	    struct ck_status *st);
/*
 * The PriorityClasses as pod admission reads them: a parsed LIST kept
 * until the commit hook (pc_cache_observe) sees a class change.
 */
struct pc_cache	*pc_cache_new(void);
void		 pc_cache_free(struct pc_cache *c);
void		 pc_cache_observe(struct pc_cache *c,
		    const struct store_event *ev);
/*
 * Pod create: priorityClassName -> priority, preemptionPolicy (or 403).
 * cache may be NULL: the classes are then LISTed from s.
 */
int	admission_pod_priority(struct store *s, struct pc_cache *cache,
	    struct cJSON *pod, struct ck_status *st);

/* ---- watch.c ---- */

struct watch_params {
	const struct api_resource *res;
	char	ns[CK_NAME_MAX];	/* "" = all */
	char	name[CK_NAME_MAX];	/* "" = all, else one object */
	struct label_selector *lsel;	/* taken */
	struct field_selector *fsel;	/* taken */
	int64_t	from_rv;		/* 0: ADDED for current objects first */
	bool	table;
	bool	bookmarks;
	int64_t	timeout_ms;		/* 0 = none */
};

/*
 * Start a watch: 410 (CK_EGONE) when from_rv is compacted. On success *out is
 * ready for the HTTP layer (watch.h). p's selectors are taken either way.
 */
int	watch_start(struct apiserver *srv, struct watch_params *p,
	    struct watch **out, struct ck_status *st) CK_MUST_CHECK;

#endif
