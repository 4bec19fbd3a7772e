/*
 * http.h: the HTTP listener of the apiserver (libmicrohttpd), which hands
 * each request to api_handle() (apiserver.h).
 */
#ifndef CKUBE_APISERVER_HTTP_H
#define CKUBE_APISERVER_HTTP_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>

#include "apiserver.h"

struct http_server;
struct http_pool;

/* How connections are served (main.c's flags). */
struct http_config {
	int		 threads;		/* --http-threads: long handlers */
	unsigned	 max_connections;	/* --max-connections */
	unsigned	 idle_timeout_s;	/* --idle-connection-timeout */
	int64_t		 header_timeout_ms;	/* --request-header-timeout */
	/*
	 * PEM text of --tls-cert-file and --tls-private-key-file: non-NULL
	 * serves HTTPS (TLS 1.2+ only) and authenticates every request but
	 * /healthz, /livez and /readyz (auth.h); client_ca (--client-ca-file,
	 * may be NULL) asks for client certificates signed by it.
	 */
	const char	*tls_cert;
	const char	*tls_key;
	const char	*client_ca;
};

/* Listen on bind_address:port (0 = ephemeral). */
int		 http_start(struct apiserver *srv, const char *bind_address,
		    uint16_t port, const struct http_config *cfg,
		    struct http_server **out) CK_MUST_CHECK;
/* Connections closed for not sending their request headers in time. */
int64_t		 http_header_timeouts(struct http_server *hs);

/*
 * http_pool.c: nthreads handler threads running submitted jobs in order.
 * http_pool_stop runs the jobs still queued and joins the threads; a job
 * submitted after it runs at once on the caller. http_pool_free stops, frees.
 */
struct http_pool *http_pool_new(int nthreads);
void		 http_pool_submit(struct http_pool *p, void (*fn)(void *arg),
		    void *arg);
void		 http_pool_stop(struct http_pool *p);
void		 http_pool_free(struct http_pool *p);

/*
 * http_guard.c: a connection that started a request and has not completed
 * its headers within header_timeout_ms (0 = never) is shut down. open at
 * MHD's connection start, close at its close notification; busy while a
 * request is served (headers complete until the request completed).
 */
struct http_guard;
struct guard_conn;
struct http_guard *http_guard_new(int64_t header_timeout_ms);
void		 http_guard_free(struct http_guard *g);
struct guard_conn *http_guard_open(struct http_guard *g, int fd);
void		 http_guard_close(struct http_guard *g, struct guard_conn *c);
void		 http_guard_busy(struct http_guard *g, struct guard_conn *c,
		    bool busy);
int64_t		 http_guard_closed(struct http_guard *g);
/*
 * --max-requests-inflight / --max-mutating-requests-inflight (0 = no
 * limit): a request over its limit gets 429 TooManyRequests with
 * Retry-After: 1, as in Kubernetes. Long-running requests (watches, log
 * follow) and /healthz, /readyz, /livez, /metrics are never limited.
 */
void		 http_set_inflight(struct http_server *hs, int64_t readonly,
		    int64_t mutating);
/* The port actually bound. */
uint16_t	 http_port(const struct http_server *hs);
/* Stop listening and close every connection (watches must be ended first). */
void		 http_stop(struct http_server *hs);

#endif
