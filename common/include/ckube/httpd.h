/*
 * httpd.h: the small embedded HTTP server of every daemon (health, metrics
 * and a few extra routes; not the apiserver's API). libmicrohttpd with one
 * internal epoll thread. Built in: GET /healthz ("ok"), GET /readyz (200 "ok"
 * after httpd_set_ready(h, 1), 503 before), GET /metrics (metrics.h).
 */
#ifndef CKUBE_HTTPD_H
#define CKUBE_HTTPD_H

#include <stddef.h>

#include "ckube/ck.h"
#include "ckube/strbuf.h"

struct httpd;

struct httpd_request {
	const char	*method;	/* "GET", "POST", ... */
	const char	*path;		/* without the query string */
	const char	*body;		/* NUL-terminated; "" when none */
	size_t		 body_len;
	void		*conn;		/* internal: for httpd_query() */
};

/*
 * A streamed response body (after body): called on the server thread with
 * room for max bytes; returns how many it wrote, 0 when it has nothing yet
 * (the connection then sleeps about 100 ms before the next call, so it must
 * not block), or -1 at the end of the stream. free(arg) runs once the
 * response is gone (also when the client went away or the server stops).
 */
typedef long (*httpd_stream_fn)(void *arg, char *buf, size_t max);

/*
 * After a 101 Switching Protocols: runs on a thread of its own with the
 * connection's socket (blocking) and the bytes the client sent past the
 * request head; the connection is closed when it returns. fd is MHD's:
 * never close(2) it.
 */
typedef void (*httpd_upgrade_fn)(void *arg, int fd, const char *extra,
    size_t extra_len);

struct httpd_response {
	int		 status;	/* preset 200 */
	const char	*content_type;	/* preset "text/plain; charset=utf-8"; must be static */
	struct strbuf	 body;		/* preset empty; freed by httpd */
	httpd_stream_fn	 stream;	/* preset NULL: body only */
	void		*stream_arg;
	void		(*stream_free)(void *arg);
	/*
	 * Set: answer 101 with the headers in body ("Name: value" lines,
	 * Upgrade among them), then upgrade(upgrade_arg, fd, ...) on a
	 * thread; upgrade_free(upgrade_arg) afterwards, or when the
	 * switch does not happen.
	 */
	httpd_upgrade_fn upgrade;
	void		*upgrade_arg;
	void		(*upgrade_free)(void *arg);
};

/*
 * A route handler: fill resp. Runs on the server thread, so it must be
 * quick and must not block. arg is the route's arg.
 */
typedef void (*httpd_handler_fn)(const struct httpd_request *req,
    struct httpd_response *resp, void *arg);

struct httpd_route {
	const char	*method;	/* NULL: any method */
	const char	*path;		/* exact; a final star: any path below */
	httpd_handler_fn fn;
	void		*arg;
};

struct httpd_config {
	const char	*bind_address;	/* numeric IPv4 or IPv6; NULL = "0.0.0.0" */
	int		 port;		/* 0: an ephemeral port (see httpd_port) */
	const char	*port_file;	/* if set, the bound port is written there atomically */
	const struct httpd_route *routes;	/* looked up before the built-ins */
	size_t		 nroutes;
	size_t		 max_body;	/* bytes; 0 = 1 MiB; larger bodies get 413 */
};

/*
 * Start serving in a background thread. cfg->routes must outlive the server.
 * Returns 0, CK_EINVALID (bad address), or CK_EIO (bind failed, port-file
 * not writable) with a log line.
 */
int	httpd_start(const struct httpd_config *cfg, struct httpd **out) CK_MUST_CHECK;

/* The port actually bound (useful with port 0). */
int	httpd_port(const struct httpd *h);

/*
 * Write "<port>\n" to path atomically (a temp file, then rename(2)), for
 * scripts waiting on a daemon's ephemeral port (--port-file and other
 * servers' port files). 0, or CK_EINVALID / CK_EIO with a log line.
 */
int	httpd_write_port_file(const char *path, int port) CK_MUST_CHECK;

/*
 * Why listening on IPv4 addr:port failed, found by binding a probe socket
 * (libmicrohttpd does not say): "bind: address already in use", or a
 * strerror text. Static storage; for the error message only.
 */
const char *httpd_listen_error(const char *addr, int port);

/* Flip /readyz between 503 (0, the initial state) and 200 (1). Thread-safe. */
void	httpd_set_ready(struct httpd *h, int ready);

/* A request header, or NULL. */
const char *httpd_header(const struct httpd_request *req, const char *name);
/* Up to max values of a repeated query argument, in order; the count. */
size_t	httpd_query_all(const struct httpd_request *req, const char *key,
	    const char **out, size_t max);
/*
 * Queue a 101 on the libmicrohttpd connection conn (any daemon started
 * with MHD_ALLOW_UPGRADE) with headers ("Name: value" lines), then fn as
 * httpd_upgrade_fn says. free_fn(arg) runs once fn returned, or at once
 * when nothing could be queued. Returns the MHD_Result of the queueing.
 */
int	httpd_queue_upgrade(void *conn, const char *headers,
	    httpd_upgrade_fn fn, void *arg, void (*free_fn)(void *arg));
/* A query-string argument of the request, or NULL. */
const char *httpd_query(const struct httpd_request *req, const char *key);

/* Stop the server, wait for its thread and free h. h may be NULL. */
void	httpd_stop(struct httpd *h);

#endif
