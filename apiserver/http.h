/*
 * http.h: the HTTP listener of the apiserver (libmicrohttpd), which hands
 * each request to api_handle() (apiserver.h).
 */
#ifndef CKUBE_APISERVER_HTTP_H
#define CKUBE_APISERVER_HTTP_H

#include <arpa/inet.h>
#include <stdint.h>

#include "apiserver.h"

struct http_server;

/* Listen on bind_address:port (0 = ephemeral). */
int		 http_start(struct apiserver *srv, const char *bind_address,
		    uint16_t port, struct http_server **out) CK_MUST_CHECK;
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
