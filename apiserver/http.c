/*
 * http.c: libmicrohttpd glue only. Turns MHD's access-handler calls into a
 * struct api_request (headers, query, the whole body), runs api_handle(),
 * and turns the struct api_response back into an MHD response: a buffer, or
 * a chunked watch stream whose connection is suspended while it has nothing
 * to send. Enforces --max-request-bytes (early 413 on Content-Length).
 */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/httpd.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"
#include "watch.h"

#define WATCH_BLOCK	16384

struct http_server {
	struct MHD_Daemon	*d;
	struct apiserver	*srv;
	uint16_t		 port;
};

struct conn_state {
	struct strbuf	 body;
	bool		 too_big;
	bool		 started;
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
	char line[2200];
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

/* A non-watch stream (pods/log?follow=true), chunked as watches are. */
static enum MHD_Result
queue_stream(struct MHD_Connection *c, struct api_response *resp)
{
	struct api_stream *s = resp->stream;
	struct MHD_Response *r;
	enum MHD_Result ret;

	resp->stream = NULL;
	s->attach(s, c, conn_resume);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, WATCH_BLOCK,
	    any_stream_read, s, any_stream_free);
	if (r == NULL) {
		s->release(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    resp->content_type != NULL ? resp->content_type : "text/plain");
	ret = MHD_queue_response(c, (unsigned)resp->code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct http_server *hs = cls;
	struct conn_state *cs = *con_cls;
	struct api_request req;
	struct api_response resp;
	const char *cl;
	int64_t len;
	enum MHD_Result ret;

	(void)version;
	if (cs == NULL) {
		/*
		 * First call: headers only. Reject an announced oversized body
		 * now (no upload); otherwise answer on a later call, or MHD
		 * 0.9.75 drops keep-alive.
		 */
		cs = ck_calloc(1, sizeof(*cs));
		strbuf_init(&cs->body);
		*con_cls = cs;
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

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = url;
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_param,
	    &req);
	req.accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_ACCEPT);
	req.content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	req.user_agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_USER_AGENT);
	req.body = cs->body.buf ? cs->body.buf : "";
	req.body_len = cs->body.len;
	api_handle(hs->srv, &req, &resp);
	if (resp.watch != NULL)
		ret = queue_watch(c, &resp);
	else if (resp.stream != NULL)
		ret = queue_stream(c, &resp);
	else
		ret = queue(c, &resp);
	api_response_fini(&resp);
	return ret;
}

static void
completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn_state *cs = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cs == NULL)
		return;
	strbuf_fini(&cs->body);
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
    struct http_server **out)
{
	struct http_server *hs;
	struct sockaddr_in sa;
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
	hs->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
		MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG,
	    port, NULL, NULL, access_cb, hs, MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log, hs, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)2,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)4000,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)300,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_NOTIFY_COMPLETED, completed_cb, hs,
	    MHD_OPTION_UNESCAPE_CALLBACK, unescape_cb, hs, MHD_OPTION_END);
	if (hs->d == NULL) {
		log_error("cannot listen on %s:%u: %s", bind_address, port,
		    httpd_listen_error(bind_address, port));
		free(hs);
		return CK_EIO;
	}
	info = MHD_get_daemon_info(hs->d, MHD_DAEMON_INFO_BIND_PORT);
	hs->port = info != NULL ? info->port : port;
	*out = hs;
	return 0;
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
	MHD_stop_daemon(hs->d);
	free(hs);
}
