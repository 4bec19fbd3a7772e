/*
 * http_guard.c: closes connections that hold a slot without sending a
 * request: one that started a request and has not completed its headers
 * within --request-header-timeout (a slowloris client trickling a byte a
 * second never looks idle to libmicrohttpd, whose timeout counts from the
 * last byte). Whether a connection between requests has sent anything is
 * read from the kernel (TCP_INFO's byte count), since MHD consumes the
 * bytes at once. A connection that sends nothing, or sent part of a
 * request and then nothing, is MHD's idle timeout's business; so is a whole
 * request waiting for a busy MHD thread (its byte count stopped moving).
 * Requests being served and watches are never touched.
 *
 * The socket is shut down, never closed, here: MHD then sees the end of
 * the stream and closes it itself. Trackers are unlinked (under mu) in
 * MHD's close notification, which runs before MHD closes the descriptor,
 * so the reaper never touches a reused descriptor.
 */
#include "http.h"

#include <netinet/in.h>
#include <linux/tcp.h>	/* tcpi_bytes_received: not in glibc's */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ckube/alloc.h"
#include "ckube/log.h"

#define GUARD_TICK_MS	250

struct guard_conn {
	int			 fd;
	bool			 busy;		/* headers complete: serving */
	uint64_t		 rx_mark;	/* bytes received at the mark */
	int64_t			 partial_ms;	/* first seen sending, or 0 */
	uint64_t		 rx_last;	/* bytes received at the last scan */
	int64_t			 change_ms;	/* when rx_last last moved */
	struct guard_conn	*prev, *next;
};

struct http_guard {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct guard_conn	*head;
	int64_t			 timeout_ms;
	bool			 stopping;
	pthread_t		 thread;
	_Atomic int64_t		 closed;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The bytes the kernel received on fd so far (0 if unknown). */
static uint64_t
rx_bytes(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return 0;
	return ti.tcpi_bytes_received;
}

static void
guard_scan(struct http_guard *g, int64_t now)
{
	struct guard_conn *c;
	uint64_t rx;

	for (c = g->head; c != NULL; c = c->next) {
		if (c->busy || c->fd < 0)
			continue;
		rx = rx_bytes(c->fd);
		if (rx == c->rx_mark)
			continue;		/* idle: MHD's timeout */
		if (rx != c->rx_last) {
			c->rx_last = rx;
			c->change_ms = now;
		}
		if (c->partial_ms == 0) {
			c->partial_ms = now;
			continue;
		}
		/*
		 * Still trickling in after the timeout. A request that arrived
		 * whole and waits for a busy MHD thread stopped moving: spared.
		 */
		if (now - c->partial_ms < g->timeout_ms ||
		    now - c->change_ms >= g->timeout_ms)
			continue;
		log_v(2, "http: closing a connection that sent no complete "
		    "request headers in %lld ms", (long long)g->timeout_ms);
		(void)shutdown(c->fd, SHUT_RDWR);
		c->fd = -1;		/* once */
		atomic_fetch_add(&g->closed, 1);
	}
}

static void *
guard_main(void *arg)
{
	struct http_guard *g = arg;
	struct timespec ts;

	pthread_mutex_lock(&g->mu);
	while (!g->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += GUARD_TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&g->cv, &g->mu, &ts);
		if (!g->stopping)
			guard_scan(g, now_ms());
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

struct http_guard *
http_guard_new(int64_t header_timeout_ms)
{
	struct http_guard *g = ck_calloc(1, sizeof(*g));
	pthread_condattr_t ca;

	pthread_mutex_init(&g->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&g->cv, &ca);
	pthread_condattr_destroy(&ca);
	g->timeout_ms = header_timeout_ms;
	if (header_timeout_ms > 0 &&
	    pthread_create(&g->thread, NULL, guard_main, g) != 0) {
		log_warn("http: no request header timeout (no thread)");
		g->timeout_ms = 0;
	}
	return g;
}

void
http_guard_free(struct http_guard *g)
{
	struct guard_conn *c;

	if (g == NULL)
		return;
	if (g->timeout_ms > 0) {
		pthread_mutex_lock(&g->mu);
		g->stopping = true;
		pthread_cond_broadcast(&g->cv);
		pthread_mutex_unlock(&g->mu);
		pthread_join(g->thread, NULL);
	}
	while ((c = g->head) != NULL) {
		g->head = c->next;
		free(c);
	}
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
	free(g);
}

struct guard_conn *
http_guard_open(struct http_guard *g, int fd)
{
	struct guard_conn *c = ck_calloc(1, sizeof(*c));

	c->fd = fd;
	pthread_mutex_lock(&g->mu);
	c->next = g->head;
	if (g->head != NULL)
		g->head->prev = c;
	g->head = c;
	pthread_mutex_unlock(&g->mu);
	return c;
}

void
http_guard_close(struct http_guard *g, struct guard_conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		g->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&g->mu);
	free(c);
}

void
http_guard_busy(struct http_guard *g, struct guard_conn *c, bool busy)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&g->mu);
	c->busy = busy;
	if (!busy && c->fd >= 0) {
		/* A new wait for headers starts from what arrived so far. */
		c->rx_mark = rx_bytes(c->fd);
		c->partial_ms = 0;
	}
	pthread_mutex_unlock(&g->mu);
}

int64_t
http_guard_closed(struct http_guard *g)
{
	return atomic_load(&g->closed);
}
