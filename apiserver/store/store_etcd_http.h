/*
 * store_etcd_http.h: a client of etcd's v3 JSON gateway (etcd 3.4: POST
 * /v3/kv/..., /v3/watch) over libcurl, failing over between members.
 */
#ifndef CKUBE_APISERVER_STORE_ETCD_HTTP_H
#define CKUBE_APISERVER_STORE_ETCD_HTTP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct cJSON;
struct ck_status;
struct etcd_client;

/* Connecting to one member gives up after this long (then the next one). */
#define ETCD_CONNECT_TIMEOUT_MS	1000
#define ETCD_REQUEST_TIMEOUT_MS	5000

/* servers: "http://h:p[,http://h:p...]" (at most 16). */
int	etcd_client_new(const char *servers, int timeout_ms,
	    struct etcd_client **out, struct ck_status *st) CK_MUST_CHECK;
void	etcd_client_free(struct etcd_client *c);

/*
 * POST body to path (e.g. "/v3/kv/range"); *out is the parsed answer (yours).
 * A member that cannot be reached, or answers "unavailable" (no leader), is
 * left for the next one. write: the request changes data, so a timeout
 * after it was sent is not retried elsewhere (its outcome is unknown).
 * Errors, worded by store_set_error: CK_EUNAVAIL (no member reachable or
 * every one unavailable), CK_ETIMEDOUT (a write's outcome is unknown),
 * CK_EGONE (etcd: the revision was compacted), CK_EIO (any other answer).
 */
int	etcd_post(struct etcd_client *c, const char *path, const char *body,
	    bool write, struct cJSON **out) CK_MUST_CHECK;

/*
 * One line (a JSON object) of a stream; return nonzero to end the stream.
 */
typedef int (*etcd_line_fn)(const char *line, size_t len, void *arg);

/*
 * POST body to path and hand each line of the answer to fn until fn says
 * stop, *stop becomes nonzero, timeout_ms passes (0: never) or the stream
 * ends. Returns 0 when fn or *stop ended it; CK_EUNAVAIL when no member
 * could be reached; CK_ETIMEDOUT; CK_EIO when the stream broke or ended.
 */
int	etcd_stream(struct etcd_client *c, const char *path, const char *body,
	    int timeout_ms, etcd_line_fn fn, void *arg, const atomic_int *stop)
	    CK_MUST_CHECK;

/* The URL of the member the last request went to (for logs). */
const char *etcd_client_member(struct etcd_client *c);

/* Helpers of the gateway's JSON: int64 fields come as strings. */
int64_t	etcd_json_i64(const struct cJSON *obj, const char *key);
/* base64-decoded string field key of obj, malloc'd; NULL if absent/bad. */
char	*etcd_json_bytes(const struct cJSON *obj, const char *key, size_t *len);
/* Add key: base64(data[0..len)) to obj. */
void	etcd_json_add_bytes(struct cJSON *obj, const char *key,
	    const char *data, size_t len);
void	etcd_json_add_i64(struct cJSON *obj, const char *key, int64_t v);

#endif
