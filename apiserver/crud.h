/*
 * crud.h: what crud.c, crud_list.c and crud_delete.c share: the per-request
 * context and the helpers that fill its Status. Only those files include it.
 */
#ifndef CKUBE_APISERVER_CRUD_H
#define CKUBE_APISERVER_CRUD_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "ckube/err.h"
#include "apiserver.h"

struct cJSON;
struct strbuf;
struct label_selector;
struct field_selector;
struct store_op;

/* One request on one registry row. st collects the error to reply with. */
struct crud {
	struct apiserver		*srv;
	const struct api_request	*req;
	const struct api_route		*rt;
	const struct api_resource	*res;
	struct api_response		*resp;
	struct ck_status		 st;
	/*
	 * NULL, or a write that must commit in the same transaction as the
	 * request's own (an eviction's budget update, with its delete);
	 * with_failed tells that it was the one refused.
	 */
	struct store_op			*with;
	bool				 with_failed;
};

/* dryRun=All: validate and answer, but store nothing. */
bool	crud_dry_run(const struct crud *c);
/* Reply with c->st. */
void	crud_reply_st(struct crud *c);
/* Set c->st from err and a message; returns err. */
int	crud_fail(struct crud *c, int err, const char *fmt, ...)
	    CK_PRINTF(3, 4);
/* NotFound/AlreadyExists/Conflict about name, worded as Kubernetes does. */
int	crud_fail_object(struct crud *c, int err, const char *name);
/* A store error: the expected ones as crud_fail_object, others as 500. */
int	crud_fail_store(struct crud *c, int err, const char *name);
/* metadata.name of obj, or NULL. */
const char *crud_obj_name(const struct cJSON *obj);
/* Read and parse one object (*out yours) and its revision. */
int	crud_load(struct crud *c, const char *ns, const char *name,
	    struct cJSON **out, int64_t *rv) CK_MUST_CHECK;
/* Decode the request body by its Content-Type (*out yours). */
int	crud_decode_body(struct crud *c, int want_object, struct cJSON **out)
	    CK_MUST_CHECK;
/* Integer member key of obj, or def. */
int64_t	crud_json_int(const struct cJSON *obj, const char *key, int64_t def);
/* True if meta (or a spec) has no finalizers. */
bool	crud_finalizers_empty(const struct cJSON *meta);
/* now + offset_s as RFC 3339 into buf (RFC3339_MAX bytes). */
void	crud_now_ts(char *buf, time_t offset_s);
/* labelSelector and fieldSelector of the request (both yours). */
int	crud_parse_selectors(struct crud *c, struct label_selector **ls,
	    struct field_selector **fs) CK_MUST_CHECK;
bool	crud_matches(const struct label_selector *ls,
	    const struct field_selector *fs, const struct cJSON *obj);
/* `{"kind":"<Kind>List","apiVersion":..,"metadata":{..},"items":[` */
void	crud_list_prefix(struct crud *c, struct strbuf *sb, int64_t rv,
	    const char *cont);

/* The verbs (crud_list.c, crud_delete.c). Each replies. */
void	crud_list(struct crud *c);
void	crud_watch(struct crud *c);
void	crud_delete(struct crud *c);
void	crud_deletecollection(struct crud *c);
/*
 * managed_fields.c: record the request's fieldManager in obj's
 * metadata.managedFields (Apply for apply-patch bodies, else Update), owning
 * the fields of set (the applied configuration or the created object).
 */
void	crud_record_manager(const struct crud *c, struct cJSON *obj,
	    const struct cJSON *set);
/*
 * A PUT or PATCH (not apply): the fields it changed join its manager's
 * Update entry and leave every other entry (ownership moves, as in
 * Kubernetes). The manager is fieldManager, else the User-Agent's prefix.
 */
void	crud_record_update(const struct crud *c, const struct cJSON *old,
	    struct cJSON *result);
/* fieldManager, or the User-Agent up to '/' (in buf); NULL if neither. */
const char *crud_field_manager(const struct crud *c, char *buf, size_t len);
/*
 * Server-side apply on an existing object: target is live with applied
 * merged in. Conflicts with other managers' fields (409 unless force=true),
 * removal of the fields this manager no longer applies, then its Apply
 * entry. Returns 0 or the error with c->st set.
 */
int	crud_apply_fields(struct crud *c, struct cJSON *live,
	    struct cJSON *target, struct cJSON *applied) CK_MUST_CHECK;
/* pods/<name>/log (pod_log.c). */
void	crud_pod_log(struct crud *c);
/*
 * The allowed kubelet base URL ("http://ip:port") of node into buf, or -1
 * with c->st set (pod_log.c; pods/exec uses it too).
 */
int	crud_kubelet_url(struct crud *c, const char *node, char *buf,
	    size_t len) CK_MUST_CHECK;
/* pods/<name>/exec (pod_exec.c): proxied to the kubelet's /exec. */
void	crud_pod_exec(struct crud *c);
/* pod_log_addr.c: --kubelet-address-allow (comma-separated IPs/CIDRs). */
#define POD_LOG_URL_MAX	200
int	pod_log_config(const char *list) CK_MUST_CHECK;
/*
 * An allowed kubelet base URL ("scheme://ip[:port]") rebuilt from url into
 * out, or CK_EPERM (scheme, host, shape or length refused).
 */
int	pod_log_check_url(const char *url, char *out, size_t len)
	    CK_MUST_CHECK;
/*
 * The libcurl helpers of pods/log, shared with the aggregator's proxy:
 * curl_global_init once; a CURL handle (void *) held to http(s) without
 * redirects or signals; a write callback appending to a struct strbuf
 * (aborting past 64 MiB).
 */
void	pod_log_curl_init(void);
void	pod_log_setopt(void *curl, const char *url);
size_t	pod_log_collect(char *ptr, size_t size, size_t n, void *arg);

/* scale.c: obj as an autoscaling/v1 Scale (a new object). */
struct cJSON *scale_from_object(const struct cJSON *obj);
/*
 * old with spec.replicas (and the resourceVersion precondition) of scale,
 * into *out (yours). CK_EBADREQ/CK_EINVALID with c->st set.
 */
int	scale_to_object(struct crud *c, const struct cJSON *old,
	    const struct cJSON *scale, struct cJSON **out) CK_MUST_CHECK;

/* eviction.c: pods/eviction (policy/v1 Eviction). Replies. */
void	eviction_create(struct crud *c);
/* authn_review.c: a TokenReview or SelfSubjectReview. Replies. */
void	authn_review_create(struct crud *c);
/* review.c: a SelfSubjectAccessReview answered, not stored. Replies. */
void	review_create(struct crud *c);

#endif
