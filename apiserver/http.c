/*
 * http.c: libmicrohttpd glue only. Turns MHD's access-handler calls into a
 * struct api_request (headers, query, the whole body), runs api_handle(),
 * and turns the struct api_response back into an MHD response: a buffer, or
 * a chunked watch stream whose connection is suspended while it has nothing
 * to send. Enforces --max-request-bytes (early 413 on Content-Length).
 *
 * A request line with more than HTTP_MAX_QUERY_PARAMS parameters or longer
 * than HTTP_MAX_URI is answered 414 by us: MHD 0.9.75 stores each query
 * parameter in the connection's memory pool and, when that runs out, queues
 * its 431 and then overwrites the connection's state, so the client waited
 * for the 300 s timeout with no answer (about 1,000 parameters in 7 KB).
 */
#include "http.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <time.h>

#include <microhttpd.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/httpd.h"
#include "ckube/log.h"
#include "ckube/metrics.h"
#include "ckube/strbuf.h"
#include "auth.h"
#include "store/store.h"
#include "watch.h"

#define WATCH_BLOCK	16384
/* A stream of known size (a large list): fewer, larger writes. */
#define SIZED_BLOCK	(128 * 1024)
#define HTTP_MEMORY_LIMIT	(64 * 1024)
/* Both far below what fills HTTP_MEMORY_LIMIT (about 56 B a parameter). */
#define HTTP_MAX_QUERY_PARAMS	256
#define HTTP_MAX_URI		(16 * 1024)
/*
 * Threads that wait in the store's group commit queue for writes handed
 * off while a commit runs (mostly asleep: their work is the leader's).
 */
#define HTTP_WRITE_THREADS	32
/* TLS 1.2 and 1.3 only (GnuTLS priority string). */
#define HTTP_TLS_PRIORITIES	"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"

struct http_server {
	struct MHD_Daemon	*d;
	struct apiserver	*srv;
	struct http_pool	*pool;		/* lists, watches, logs */
	struct http_pool	*wpool;		/* writes queued behind a commit */
	struct http_guard	*guard;
	uint16_t		 port;
	bool			 secure;	/* TLS: authenticate */
	bool			 client_certs;	/* --client-ca-file */
	_Atomic int64_t		 max_inflight[2];	/* enum flight */
	_Atomic int64_t		 inflight[2];
	_Atomic int64_t		 writes;	/* mutating handlers running */
	int64_t			 test_delay_ms;	/* CKUBE_TEST_HANDLER_DELAY_MS */
	const char		*test_delay_ua;	/* ..._DELAY_UA: only these */
};

enum flight { FLIGHT_READONLY, FLIGHT_MUTATING, FLIGHT_EXEMPT };

struct conn_state {
	struct strbuf	 body;
	bool		 too_big;
	bool		 started;	/* the first access call was seen */
	bool		 uri_too_long;	/* see uri_cb */
	/* A request handed to the pool: the connection sleeps meanwhile. */
	struct http_server	*hs;
	struct MHD_Connection	*c;
	enum flight		 flight;
	struct api_request	 req;
	struct api_response	 resp;
	_Atomic bool		 handled;	/* resp is ready to queue */
	struct auth_user	*user;		/* secure port: who asks */
};

struct param_ctx {
	struct api_request	*req;
};

static enum MHD_Result
collect_param(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct api_request *req = cls;

	(void)kind;
	if (req->nparams < API_MAX_PARAMS) {
		req->params[req->nparams].key = key;
		req->params[req->nparams].val = value ? value : "";
		req->nparams++;
	}
	return MHD_YES;
}

/* One `Warning: 299 - "text"` header per line, text quoted (RFC 7234). */
static void
add_warnings(struct MHD_Response *r, const char *warnings)
{
	char line[4200];
	size_t n;

	while (warnings[0] != '\0') {
		n = 0;
		n += (size_t)snprintf(line, sizeof(line), "299 - \"");
		for (; *warnings != '\0' && *warnings != '\n'; warnings++) {
			if (n + 4 >= sizeof(line))
				continue;
			if (*warnings == '"' || *warnings == '\\')
				line[n++] = '\\';
			line[n++] = *warnings;
		}
		line[n++] = '"';
		line[n] = '\0';
		MHD_add_response_header(r, "Warning", line);
		if (*warnings == '\n')
			warnings++;
	}
}

/* Retry-After: delta-seconds, or the HTTP-date that far ahead. */
static void
add_retry_after(struct MHD_Response *r, const struct api_response *resp)
{
	char ra[64];
	time_t t;
	struct tm tm;

	if (resp->retry_after_date) {
		t = time(NULL) + resp->retry_after;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(ra, sizeof(ra), "%a, %d %b %Y %H:%M:%S GMT",
		    &tm) == 0)
			return;
	} else
		(void)snprintf(ra, sizeof(ra), "%d", resp->retry_after);
	MHD_add_response_header(r, "Retry-After", ra);
}

static enum MHD_Result
queue(struct MHD_Connection *c, struct api_response *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(resp->body_len, resp->body,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		api_response_fini(resp);
		return MHD_NO;
	}
	resp->body = NULL;
	if (resp->content_type != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
		    resp->content_type);
	add_warnings(r, resp->warnings);
	if (resp->retry_after > 0)
		add_retry_after(r, resp);
	if (resp->etag[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, resp->etag);
	ret = MHD_queue_response(c, (unsigned)resp->code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
reply_too_big(struct MHD_Connection *c, struct apiserver *srv)
{
	struct api_response resp = { 0 };

	status_replyf(&resp, CK_ETOOBIG,
	    "Request entity too large: limit is %lld",
	    (long long)srv->max_body);
	return queue(c, &resp);
}

static enum MHD_Result
reply_uri_too_long(struct MHD_Connection *c)
{
	struct api_response resp = { 0 };
	struct ck_status st;

	ck_status_clear(&st);
	st.code = 414;
	snprintf(st.reason, sizeof(st.reason), "RequestURITooLong");
	snprintf(st.message, sizeof(st.message), "the request URI is too "
	    "long (at most %d bytes and %d query parameters)", HTTP_MAX_URI,
	    HTTP_MAX_QUERY_PARAMS);
	status_reply(&resp, &st);
	return queue(c, &resp);
}

/*
 * MHD's URI log callback: runs on the raw request line before MHD splits
 * the query. A query over the limits is emptied in place (MHD then parses
 * nothing) and the request marked for a 414. Its return value becomes the
 * connection's con_cls.
 */
static void *
uri_cb(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct conn_state *cs;
	char *q;
	size_t n = 1;

	(void)cls;
	(void)c;
	cs = ck_calloc(1, sizeof(*cs));
	strbuf_init(&cs->body);
	if (uri == NULL)
		return cs;
	q = strchr(uri, '?');
	if (q != NULL)
		for (const char *p = q; *p != '\0'; p++)
			n += *p == '&';
	if (strlen(uri) > HTTP_MAX_URI || n > HTTP_MAX_QUERY_PARAMS) {
		cs->uri_too_long = true;
		if (q != NULL)
			q[1] = '\0';	/* the line's own buffer */
	}
	return cs;
}

/* Health and metrics: answered at once on MHD's thread, never limited. */
static bool
is_health(const struct api_request *req)
{
	static const char *const paths[] = { "/healthz", "/readyz",
		"/livez", "/metrics" };
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		n = strlen(paths[i]);
		if (strncmp(req->path, paths[i], n) == 0 &&
		    (req->path[n] == '\0' || req->path[n] == '/'))
			return true;
	}
	return false;
}

/*
 * Paths the secure port answers without authentication (auth.h): the
 * probes, which tell nothing but "up" (Kubernetes lets them to
 * system:unauthenticated through system:public-info-viewer).
 */
static bool
is_public(const char *path)
{
	static const char *const paths[] = { "/healthz", "/readyz", "/livez" };
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		n = strlen(paths[i]);
		if (strncmp(path, paths[i], n) == 0 &&
		    (path[n] == '\0' || path[n] == '/'))
			return true;
	}
	return false;
}

static enum MHD_Result
collect_impersonation(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct authn_impersonation *imp = cls;

	(void)kind;
	if (value == NULL)
		return MHD_YES;
	if (strcasecmp(key, "Impersonate-User") == 0)
		imp->user = value;
	else if (strcasecmp(key, "Impersonate-Uid") == 0)
		imp->uid = value;
	else if (strcasecmp(key, "Impersonate-Group") == 0) {
		/* room for the service account and authenticated groups */
		if (imp->ngroups + 3 > AUTH_GROUPS_MAX)
			imp->too_many = true;
		else
			imp->groups[imp->ngroups++] = value;
	}
	return MHD_YES;
}

/*
 * Who sent the request on c (secure port): the client certificate, the
 * bearer token, anonymous; then impersonation. 0 and *user, or an error
 * with st set (401 Unauthorized, 403, 400).
 */
static int
authenticate(struct http_server *hs, struct MHD_Connection *c,
    struct auth_user *user, struct ck_status *st)
{
	const union MHD_ConnectionInfo *ci;
	struct auth_user cert, requester;
	struct authn_impersonation imp;
	enum authn_cert_state cs = AUTHN_CERT_NONE;
	int rc;

	memset(&cert, 0, sizeof(cert));
	if (hs->client_certs) {
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_GNUTLS_SESSION);
		if (ci != NULL)
			cs = authn_tls_peer(ci->tls_session, &cert);
	}
	rc = authn_request(hs->srv, cs, &cert, MHD_lookup_connection_value(c,
	    MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION), &requester);
	if (rc < 0)
		return ck_status_set(st, CK_EUNAUTH, "Unauthorized");
	memset(&imp, 0, sizeof(imp));
	MHD_get_connection_values(c, MHD_HEADER_KIND, collect_impersonation,
	    &imp);
	rc = authn_impersonate(hs->srv, &requester, &imp, user, st);
	if (rc == 0 && imp.user != NULL)
		log_v(4, "%s is acting as %s", requester.name, user->name);
	return rc;
}

static enum MHD_Result
reply_status(struct MHD_Connection *c, const struct ck_status *st)
{
	struct api_response resp = { 0 };

	status_reply(&resp, st);
	return queue(c, &resp);
}

/*
 * Work that can take long (a whole collection, a watch's catch-up, a
 * kubelet fetch): run on its own threads, so it never holds up reads of
 * single objects and writes.
 */
static bool
is_long(const struct api_request *req)
{
	struct api_route rt;

	if (route_parse(req->method, req->path, req, &rt) < 0)
		return false;	/* discovery, or an error answered at once */
	return rt.verb == API_VERB_LIST || rt.verb == API_VERB_WATCH ||
	    rt.verb == API_VERB_DELETECOLLECTION ||
	    strcmp(rt.sub, "log") == 0;
}

/* Which in-flight limit req counts against. */
static enum flight
flight_of(const struct api_request *req)
{
	if (is_health(req))
		return FLIGHT_EXEMPT;
	if (api_request_flag(req, "watch") || api_request_flag(req, "follow")
	    || strstr(req->path, "/watch/") != NULL)
		return FLIGHT_EXEMPT;	/* long-running, as in Kubernetes */
	if (strcmp(req->method, "GET") == 0 ||
	    strcmp(req->method, "HEAD") == 0 ||
	    strcmp(req->method, "OPTIONS") == 0)
		return FLIGHT_READONLY;
	return FLIGHT_MUTATING;
}

/* Kubernetes' gauge of the requests being served, by limit. */
static struct metric *
flight_gauge(enum flight f)
{
	return metrics_gauge(f == FLIGHT_MUTATING ?
	    "apiserver_current_inflight_requests{request_kind=\"mutating\"}" :
	    "apiserver_current_inflight_requests{request_kind=\"readOnly\"}",
	    "Requests being served, by in-flight limit.");
}

/* Take an in-flight slot of f; false (nothing taken) when all are busy. */
static bool
flight_enter(struct http_server *hs, enum flight f)
{
	int64_t max;

	if (f == FLIGHT_EXEMPT || (max = atomic_load(&hs->max_inflight[f])) <= 0)
		return true;
	if (atomic_fetch_add(&hs->inflight[f], 1) < max) {
		metrics_gauge_add(flight_gauge(f), 1);
		return true;
	}
	atomic_fetch_sub(&hs->inflight[f], 1);
	return false;
}

static void
flight_leave(struct http_server *hs, enum flight f)
{
	if (f != FLIGHT_EXEMPT && atomic_load(&hs->max_inflight[f]) > 0) {
		atomic_fetch_sub(&hs->inflight[f], 1);
		metrics_gauge_add(flight_gauge(f), -1);
	}
}

static enum MHD_Result
reply_too_many(struct MHD_Connection *c)
{
	struct api_response resp = { 0 };
	struct MHD_Response *r;
	enum MHD_Result ret;

	status_replyf(&resp, CK_EAGAIN,
	    "Too many requests, please try again later.");
	r = MHD_create_response_from_buffer(resp.body_len, resp.body,
	    MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		api_response_fini(&resp);
		return MHD_NO;
	}
	resp.body = NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	ret = MHD_queue_response(c, 429, r);
	MHD_destroy_response(r);
	return ret;
}

static void
conn_resume(void *conn)
{
	MHD_resume_connection(conn);
}

static void
conn_suspend(void *conn)
{
	MHD_suspend_connection(conn);
}

/*
 * A suspended connection whose client closed it (EOF or an error on a
 * non-blocking peek). Only called while conn is suspended, so MHD neither
 * reads nor closes the socket meanwhile.
 */
static bool
conn_peer_gone(void *conn)
{
	const union MHD_ConnectionInfo *ci;
	char c;
	ssize_t n;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return false;
	n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR);
}

struct stream {
	struct watch		*w;
	struct MHD_Connection	*c;
};

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	ssize_t n;

	(void)pos;
	n = watch_read(s->w, buf, max, conn_suspend);
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return n;
}

static void
stream_free(void *cls)
{
	struct stream *s = cls;

	watch_release(s->w);
	free(s);
}

static enum MHD_Result
queue_watch(struct MHD_Connection *c, struct api_response *resp)
{
	struct MHD_Response *r;
	struct stream *s;
	enum MHD_Result ret;

	s = ck_calloc(1, sizeof(*s));
	s->w = resp->watch;
	s->c = c;
	resp->watch = NULL;
	watch_attach(s->w, c, conn_resume);
	watch_set_probe(s->w, conn_peer_gone);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, WATCH_BLOCK,
	    stream_read, s, stream_free);
	if (r == NULL) {
		stream_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    "application/json");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static ssize_t
any_stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct api_stream *s = cls;
	long n;

	(void)pos;
	n = s->read(s, buf, max, conn_suspend);
	if (n == API_STREAM_ERROR)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (n < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	return (ssize_t)n;
}

static void
any_stream_free(void *cls)
{
	struct api_stream *s = cls;

	s->release(s);
}

/*
 * A non-watch stream: pods/log?follow=true, chunked as watches are; a large
 * list read as it is sent (list_stream.c), chunked; or a reply of known size
 * (a large list, list_reply.c) with its Content-Length.
 */
static enum MHD_Result
queue_stream(struct MHD_Connection *c, struct api_response *resp)
{
	struct api_stream *s = resp->stream;
	struct MHD_Response *r;
	enum MHD_Result ret;

	resp->stream = NULL;
	s->attach(s, c, conn_resume);
	r = MHD_create_response_from_callback(s->size > 0 ? s->size :
	    MHD_SIZE_UNKNOWN, s->size > 0 ? SIZED_BLOCK :
	    s->block > 0 ? s->block : WATCH_BLOCK,
	    any_stream_read, s, any_stream_free);
	if (r == NULL) {
		s->release(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    resp->content_type != NULL ? resp->content_type : "text/plain");
	/* The headers a buffer reply has (queue()): a list may warn. */
	add_warnings(r, resp->warnings);
	if (resp->retry_after > 0)
		add_retry_after(r, resp);
	if (resp->etag[0] != '\0')
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, resp->etag);
	ret = MHD_queue_response(c, (unsigned)resp->code, r);
	MHD_destroy_response(r);
	return ret;
}

/* Queue resp (an upgrade, a buffer, a watch or a stream); free the rest. */
static enum MHD_Result
queue_response(struct MHD_Connection *c, struct api_response *resp)
{
	enum MHD_Result ret;

	if (resp->upgrade != NULL) {
		ret = (enum MHD_Result)httpd_queue_upgrade(c,
		    resp->upgrade_headers, resp->upgrade, resp->upgrade_arg,
		    resp->upgrade_free);
		resp->upgrade_arg = NULL;	/* httpd_queue_upgrade owns it */
	} else if (resp->watch != NULL)
		ret = queue_watch(c, resp);
	else if (resp->stream != NULL)
		ret = queue_stream(c, resp);
	else
		ret = queue(c, resp);
	api_response_fini(resp);
	return ret;
}

static void
run_handler(struct conn_state *cs)
{
	struct http_server *hs = cs->hs;

	if (hs->test_delay_ms > 0 && cs->flight != FLIGHT_EXEMPT &&
	    (hs->test_delay_ua == NULL || (cs->req.user_agent != NULL &&
	    strstr(cs->req.user_agent, hs->test_delay_ua) != NULL)))
		usleep((useconds_t)(hs->test_delay_ms * 1000));
	api_handle(hs->srv, &cs->req, &cs->resp);
	if (cs->flight == FLIGHT_MUTATING)
		atomic_fetch_sub(&hs->writes, 1);
	flight_leave(hs, cs->flight);
}

/* On a pool thread: run the handler, then wake the connection. */
static void
handle_job(void *arg)
{
	struct conn_state *cs = arg;

	run_handler(cs);
	atomic_store(&cs->handled, true);
	MHD_resume_connection(cs->c);
}

/* The guard's tracker of c (http_guard.c), or NULL. */
static struct guard_conn *
conn_guard(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci != NULL ? ci->socket_context : NULL;
}

static void
notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *hs = cls;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = ci != NULL ?
		    http_guard_open(hs->guard, ci->connect_fd) : NULL;
	} else {
		http_guard_close(hs->guard, *socket_context);
		*socket_context = NULL;
	}
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *hs = cls;
	struct conn_state *cs = *con_cls;
	struct api_request *req;
	const char *cl;
	struct ck_status st;
	int64_t len;

	(void)version;
	if (cs == NULL) {	/* uri_cb always sets one; be safe */
		cs = ck_calloc(1, sizeof(*cs));
		strbuf_init(&cs->body);
		*con_cls = cs;
	}
	if (!cs->started) {
		/*
		 * First call: headers only. Reject an oversized URI or an
		 * announced oversized body now (no upload); otherwise answer
		 * on a later call, or MHD 0.9.75 drops keep-alive.
		 */
		cs->started = true;
		http_guard_busy(hs->guard, conn_guard(c), true);
		if (cs->uri_too_long)
			return reply_uri_too_long(c);
		/* before the body: an unauthenticated upload is not read */
		if (hs->secure && !is_public(url)) {
			cs->user = ck_malloc(sizeof(*cs->user));
			ck_status_clear(&st);
			if (authenticate(hs, c, cs->user, &st) < 0)
				return reply_status(c, &st);
		}
		/*
		 * An announced oversized body is drained, not stored, and
		 * answered once read: a client still writing would see a
		 * broken pipe instead of the 413.
		 */
		cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && ck_parse_int64(cl, &len) == 0 &&
		    len > hs->srv->max_body)
			cs->too_big = true;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!cs->too_big) {
			if (cs->body.len + *upload_data_size >
			    (size_t)hs->srv->max_body) {
				cs->too_big = true;
				strbuf_fini(&cs->body);
			} else
				strbuf_add(&cs->body, upload_data,
				    *upload_data_size);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cs->too_big)
		return reply_too_big(c, hs->srv);

	if (atomic_load(&cs->handled)) {
		/* Resumed: the pool ran the handler. */
		atomic_store(&cs->handled, false);
		return queue_response(c, &cs->resp);
	}
	req = &cs->req;
	memset(req, 0, sizeof(*req));
	req->method = method;
	req->path = url;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_param,
	    req);
	req->accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT);
	req->content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	req->user_agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);
	req->upgrade = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_UPGRADE);
	req->ws_key = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Sec-WebSocket-Key");
	req->ws_protocol = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    "Sec-WebSocket-Protocol");
	req->body = cs->body.buf ? cs->body.buf : "";
	req->body_len = cs->body.len;
	req->user = cs->user;
	if (is_health(req)) {
		memset(&cs->resp, 0, sizeof(cs->resp));
		api_handle(hs->srv, req, &cs->resp);
		return queue_response(c, &cs->resp);
	}
	cs->flight = flight_of(req);
	if (!flight_enter(hs, cs->flight))
		return reply_too_many(c);
	cs->hs = hs;
	cs->c = c;
	memset(&cs->resp, 0, sizeof(cs->resp));
	if (cs->flight == FLIGHT_MUTATING &&
	    (atomic_fetch_add(&hs->writes, 1) > 0 ||
	    store_write_busy(hs->srv->store)) && req->upgrade == NULL &&
	    !is_long(req)) {
		/*
		 * Another write runs: this one would wait for its commit here,
		 * holding up every connection of this thread. On the write
		 * pool it queues for the next group commit instead, and this
		 * thread reads the next writes that will join it. A lone
		 * write runs here at once; upgrades (exec, attach) stay here.
		 */
		MHD_suspend_connection(c);
		http_pool_submit(hs->wpool, handle_job, cs);
		return MHD_YES;
	}
	if (!is_long(req)) {
		/* One object or a lone write: here, a hand-off costs more. */
		run_handler(cs);
		return queue_response(c, &cs->resp);
	}
	/*
	 * Long work runs on the pool, the connection asleep meanwhile (its
	 * request strings stay in MHD's connection pool): it no longer
	 * stalls the connections sharing this thread.
	 */
	MHD_suspend_connection(c);
	http_pool_submit(hs->pool, handle_job, cs);
	return MHD_YES;
}

static void
completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_server *hs = cls;
	struct conn_state *cs = *con_cls;

	(void)toe;
	http_guard_busy(hs->guard, conn_guard(c), false);
	if (cs == NULL)
		return;
	if (atomic_load(&cs->handled)) {
		/* Handled by the pool, never queued (the daemon is stopping). */
		watch_release(cs->resp.watch);
		api_response_fini(&cs->resp);
	}
	strbuf_fini(&cs->body);
	free(cs->user);
	free(cs);
	*con_cls = NULL;
}

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[512];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	/* Mostly clients that went away mid-stream: debug level. */
	log_v(4, "httpd: %s", buf);
}


static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decode in place, as MHD's default does, except that "%00" stays
 * as it is: a decoded NUL would cut the path or value short (".../pods/%00x"
 * would turn into a list request). Keeping the text makes it an invalid name.
 */
static size_t
unescape_cb(void *cls, struct MHD_Connection *c, char *s)
{
	char *r = s, *w = s;
	int hi, lo;

	(void)cls;
	(void)c;
	while (*r != '\0') {
		if (r[0] == '%' && (hi = hexval(r[1])) >= 0 &&
		    (lo = hexval(r[2])) >= 0 && (hi | lo) != 0) {
			*w++ = (char)(hi * 16 + lo);
			r += 3;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

int
http_start(struct apiserver *srv, const char *bind_address, uint16_t port,
    const struct http_config *cfg, struct http_server **out)
{
	struct http_server *hs;
	struct sockaddr_in sa;
	struct MHD_OptionItem tls[5];
	const union MHD_DaemonInfo *info;

	*out = NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, bind_address, &sa.sin_addr) != 1) {
		log_error("--bind-address %s: not an IPv4 address",
		    bind_address);
		return CK_EINVALID;
	}
	hs = ck_calloc(1, sizeof(*hs));
	hs->srv = srv;
	/* Test hook: hold every limited request this long (in-flight tests). */
	if (getenv("CKUBE_TEST_HANDLER_DELAY_MS") != NULL &&
	    ck_parse_int64(getenv("CKUBE_TEST_HANDLER_DELAY_MS"),
	    &hs->test_delay_ms) < 0)
		hs->test_delay_ms = 0;
	hs->test_delay_ua = getenv("CKUBE_TEST_HANDLER_DELAY_UA");
	hs->pool = http_pool_new(cfg->threads);
	hs->wpool = hs->pool != NULL ? http_pool_new(HTTP_WRITE_THREADS) : NULL;
	if (hs->wpool == NULL) {
		log_error("cannot start the HTTP handler threads");
		http_pool_free(hs->pool);
		free(hs);
		return CK_EIO;
	}
	hs->guard = http_guard_new(cfg->header_timeout_ms);
	hs->secure = cfg->tls_cert != NULL;
	hs->client_certs = hs->secure && cfg->client_ca != NULL;
	/* MHD ignores an option whose value is NULL: none when plain */
	tls[0] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	if (hs->secure) {
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0,
		    (void *)(uintptr_t)cfg->tls_cert };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0,
		    (void *)(uintptr_t)cfg->tls_key };
		tls[2] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES,
		    0, (void *)(uintptr_t)HTTP_TLS_PRIORITIES };
		tls[3] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
		if (hs->client_certs) {
			tls[3] = (struct MHD_OptionItem){
			    MHD_OPTION_HTTPS_MEM_TRUST, 0,
			    (void *)(uintptr_t)cfg->client_ca };
			tls[4] = (struct MHD_OptionItem){ MHD_OPTION_END, 0,
			    NULL };
		}
	}
	hs->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG |
		MHD_ALLOW_UPGRADE | (hs->secure ? MHD_USE_TLS : 0),
	    port, NULL, NULL, access_cb, hs, MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log, hs, MHD_OPTION_ARRAY, tls,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)2,
	    MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
	    MHD_OPTION_CONNECTION_TIMEOUT, cfg->idle_timeout_s,
	    MHD_OPTION_NOTIFY_CONNECTION, notify_conn, hs,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_MEMORY_LIMIT,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_cb, hs,
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, hs,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, hs, MHD_OPTION_END);
	if (hs->d == NULL) {
		log_error("cannot listen on %s:%u: %s", bind_address, port,
		    httpd_listen_error(bind_address, port));
		http_pool_free(hs->pool);
		http_pool_free(hs->wpool);
		http_guard_free(hs->guard);
		free(hs);
		return CK_EIO;
	}
	info = MHD_get_daemon_info(hs->d, MHD_DAEMON_INFO_BIND_PORT);
	hs->port = info != NULL ? info->port : port;
	*out = hs;
	return 0;
}

void
http_set_inflight(struct http_server *hs, int64_t readonly,
    int64_t mutating)
{
	atomic_store(&hs->max_inflight[FLIGHT_READONLY], readonly);
	atomic_store(&hs->max_inflight[FLIGHT_MUTATING], mutating);
}

int64_t
http_header_timeouts(struct http_server *hs)
{
	return http_guard_closed(hs->guard);
}

uint16_t
http_port(const struct http_server *hs)
{
	return hs->port;
}

void
http_stop(struct http_server *hs)
{
	if (hs == NULL)
		return;
	/* Runs the queued handlers, which resume their connections. */
	http_pool_stop(hs->pool);
	http_pool_stop(hs->wpool);
	MHD_stop_daemon(hs->d);
	http_pool_free(hs->pool);
	http_pool_free(hs->wpool);
	http_guard_free(hs->guard);
	free(hs);
}
