/*
 * dnsserver.c: the sockets of ckube-dns. One thread polls the UDP socket,
 * the TCP listener and its connections (RFC 7766 length-prefixed
 * messages), and the upstream socket; each query is answered by
 * dns_answer(). Names outside the zone go to --upstream over UDP with an
 * ID of ours, and the reply is relayed back with the client's ID.
 */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ckube/alloc.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/metrics.h"

#define MAX_CONNS	64
#define CONN_IDLE_MS	10000	/* an idle TCP client is closed (RFC 7766 6.2.3) */
#define FWD_SLOTS	1024	/* queries waiting on the upstream */
#define FWD_TIMEOUT_MS	5000
#define MSG_MAX		65535
#define BIND_TRIES	20

struct conn {
	int		 fd;		/* -1: free */
	uint32_t	 gen;
	uint64_t	 last_ms;
	size_t		 inlen;
	uint8_t		*out;		/* pending reply (with its length) */
	size_t		 outlen, outoff;
	bool		 waiting;	/* a forwarded query is out */
	uint8_t		 in[2 + MSG_MAX];
};

struct fwd {
	bool			 used;
	uint16_t		 id;		/* ours, on the upstream */
	uint16_t		 client_id;
	uint64_t		 expires_ms;
	int			 conn;		/* -1: a UDP client */
	uint32_t		 conn_gen;
	struct sockaddr_storage	 addr;
	socklen_t		 alen;
};

struct dns_server {
	struct dns_answer_cfg	 acfg;
	int			 udp, tcp, wake, up;
	int			 port;
	pthread_t		 thread;
	uint32_t		 gen;
	uint16_t		 idseq;
	struct conn		*conns[MAX_CONNS];
	struct fwd		 fwd[FWD_SLOTS];
	uint8_t			 buf[MSG_MAX + 1];
	struct metric		*m_queries, *m_forwarded, *m_dropped;
};

static int
parse_addr(const char *host, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return 0;
	}
	return CK_EINVALID;
}

/* "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" (default port 53). */
static int
parse_upstream(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *end;
	long port = 53;
	char *ep;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (end == NULL || (size_t)(end - s - 1) >= sizeof(host))
			return CK_EINVALID;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] != '\0' && colon == NULL)
			return CK_EINVALID;
	} else if ((colon = strchr(s, ':')) != NULL && strchr(colon + 1, ':')
	    == NULL) {
		if ((size_t)(colon - s) >= sizeof(host))
			return CK_EINVALID;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	} else {
		colon = NULL;
		if (strlen(s) >= sizeof(host))
			return CK_EINVALID;
		snprintf(host, sizeof(host), "%s", s);
	}
	if (colon != NULL) {
		errno = 0;
		port = strtol(colon + 1, &ep, 10);
		if (errno != 0 || *ep != '\0' || port < 1 || port > 65535)
			return CK_EINVALID;
	}
	return parse_addr(host, (int)port, ss, len);
}

static int
socket_for(int family, int type)
{
	int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), on = 1;

	if (fd >= 0 && type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	return fd;
}

static int
bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	return ntohs(ss.ss_family == AF_INET ?
	    ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* UDP then TCP on the same port; with port 0, retry until both fit. */
static int
bind_both(struct dns_server *s, const char *address, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int try, p;

	if (parse_addr(address, port, &ss, &len) < 0) {
		log_error("dns: --dns-bind-address %s is not an IP address",
		    address);
		return CK_EINVALID;
	}
	for (try = 0; try < BIND_TRIES; try++) {
		s->udp = socket_for(ss.ss_family, SOCK_DGRAM);
		s->tcp = socket_for(ss.ss_family, SOCK_STREAM);
		if (s->udp < 0 || s->tcp < 0 ||
		    bind(s->udp, (struct sockaddr *)&ss, len) < 0)
			goto fail;
		p = bound_port(s->udp);
		parse_addr(address, p, &ss, &len);
		if (bind(s->tcp, (struct sockaddr *)&ss, len) == 0 &&
		    listen(s->tcp, 64) == 0) {
			s->port = p;
			return 0;
		}
		if (port != 0 || errno != EADDRINUSE)
			goto fail;
		close(s->udp);
		close(s->tcp);
		parse_addr(address, 0, &ss, &len);
	}
fail:
	log_error("dns: cannot serve on %s port %d: %s", address, port,
	    strerror(errno));
	return CK_EIO;
}

static void	conn_process(struct dns_server *s, int i);

static void
conn_close(struct dns_server *s, int i)
{
	struct conn *c = s->conns[i];

	if (c == NULL)
		return;
	close(c->fd);
	free(c->out);
	free(c);
	s->conns[i] = NULL;
}

/* Queue reply (len bytes) on connection i, behind its 2-byte length. */
static void
conn_reply(struct dns_server *s, int i, const uint8_t *reply, size_t len)
{
	struct conn *c = s->conns[i];
	ssize_t n;

	c->out = ck_malloc(len + 2);
	c->out[0] = (uint8_t)(len >> 8);
	c->out[1] = (uint8_t)len;
	memcpy(c->out + 2, reply, len);
	c->outlen = len + 2;
	c->outoff = 0;
	n = write(c->fd, c->out, c->outlen);
	if (n > 0)
		c->outoff = (size_t)n;
	if (c->outoff == c->outlen) {
		free(c->out);
		c->out = NULL;
	}
}

/* Send q to the upstream under a fresh ID; the client waits on slot. */
static void
forward(struct dns_server *s, const uint8_t *q, size_t len,
    const struct sockaddr_storage *from, socklen_t alen, int conn)
{
	struct fwd *f = NULL;
	uint8_t *copy;
	size_t i;

	for (i = 0; i < FWD_SLOTS; i++) {
		s->idseq++;
		if (!s->fwd[s->idseq % FWD_SLOTS].used) {
			f = &s->fwd[s->idseq % FWD_SLOTS];
			break;
		}
	}
	if (f == NULL || len < 2) {
		metrics_counter_inc(s->m_dropped);	/* every slot busy */
		return;
	}
	memset(f, 0, sizeof(*f));
	f->used = true;
	/* The slot in the low bits, a rolling sequence above them. */
	f->id = (uint16_t)((s->idseq % FWD_SLOTS) |
	    (((s->idseq / FWD_SLOTS) & 0x3f) << 10));
	f->client_id = (uint16_t)(q[0] << 8 | q[1]);
	f->expires_ms = ck_now_ms() + FWD_TIMEOUT_MS;
	f->conn = conn;
	if (conn >= 0) {
		f->conn_gen = s->conns[conn]->gen;
		s->conns[conn]->waiting = true;
	} else {
		memcpy(&f->addr, from, sizeof(*from));
		f->alen = alen;
	}
	copy = ck_malloc(len);
	memcpy(copy, q, len);
	copy[0] = (uint8_t)(f->id >> 8);
	copy[1] = (uint8_t)f->id;
	if (send(s->up, copy, len, 0) < 0)
		f->used = false;
	else
		metrics_counter_inc(s->m_forwarded);
	free(copy);
}

static void
upstream_read(struct dns_server *s)
{
	ssize_t n;
	uint16_t id;
	struct fwd *f;
	struct conn *c;

	while ((n = recv(s->up, s->buf, sizeof(s->buf), 0)) >= 12) {
		id = (uint16_t)(s->buf[0] << 8 | s->buf[1]);
		f = &s->fwd[id % FWD_SLOTS];
		if (!f->used || f->id != id)
			continue;		/* late or forged */
		f->used = false;
		s->buf[0] = (uint8_t)(f->client_id >> 8);
		s->buf[1] = (uint8_t)f->client_id;
		if (f->conn < 0) {
			sendto(s->udp, s->buf, (size_t)n, 0,
			    (struct sockaddr *)&f->addr, f->alen);
			continue;
		}
		c = s->conns[f->conn];
		if (c != NULL && c->gen == f->conn_gen) {
			c->waiting = false;
			conn_reply(s, f->conn, s->buf, (size_t)n);
			conn_process(s, f->conn);	/* what it pipelined */
		}
	}
}

/* Answer one message; conn -1 = UDP from (alen). */
static void
handle(struct dns_server *s, const uint8_t *q, size_t len, int conn,
    const struct sockaddr_storage *from, socklen_t alen)
{
	uint8_t *reply = NULL;
	size_t rlen = 0;

	metrics_counter_inc(s->m_queries);
	switch (dns_answer(&s->acfg, q, len, conn < 0 ? 512 : MSG_MAX,
	    &reply, &rlen)) {
	case DNS_REPLY:
		if (conn < 0)
			sendto(s->udp, reply, rlen, 0,
			    (const struct sockaddr *)from, alen);
		else
			conn_reply(s, conn, reply, rlen);
		break;
	case DNS_FORWARD:
		forward(s, q, len, from, alen, conn);
		break;
	case DNS_DROP:
		metrics_counter_inc(s->m_dropped);
		if (conn >= 0)
			conn_close(s, conn);	/* garbage on a stream */
		break;
	}
	free(reply);
}

static void
udp_read(struct dns_server *s)
{
	struct sockaddr_storage from;
	socklen_t alen;
	ssize_t n;
	int budget = 256;	/* then let the other sockets have a turn */

	while (budget-- > 0) {
		alen = sizeof(from);
		n = recvfrom(s->udp, s->buf, sizeof(s->buf), 0,
		    (struct sockaddr *)&from, &alen);
		if (n < 0)
			return;
		handle(s, s->buf, (size_t)n, -1, &from, alen);
	}
}

static void
tcp_accept(struct dns_server *s)
{
	int fd, i;

	while ((fd = accept4(s->tcp, NULL, NULL,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < MAX_CONNS && s->conns[i] != NULL; i++)
			;
		if (i == MAX_CONNS) {
			close(fd);		/* full: the client retries */
			continue;
		}
		s->conns[i] = ck_calloc(1, sizeof(struct conn));
		s->conns[i]->fd = fd;
		s->conns[i]->gen = ++s->gen;
		s->conns[i]->last_ms = ck_now_ms();
	}
}

/* Answer the complete messages buffered on connection i, one at a time. */
static void
conn_process(struct dns_server *s, int i)
{
	struct conn *c = s->conns[i];
	size_t mlen;

	while (s->conns[i] == c && c->out == NULL && !c->waiting &&
	    c->inlen >= 2) {
		mlen = (size_t)c->in[0] << 8 | c->in[1];
		if (c->inlen < 2 + mlen)
			break;
		memcpy(s->buf, c->in + 2, mlen);
		c->inlen -= 2 + mlen;
		memmove(c->in, c->in + 2 + mlen, c->inlen);
		handle(s, s->buf, mlen, i, NULL, 0);
	}
}

static void
conn_read(struct dns_server *s, int i)
{
	struct conn *c = s->conns[i];
	ssize_t n;

	if (c->inlen == sizeof(c->in))
		return;		/* a whole message waits for its turn */
	n = read(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		conn_close(s, i);
		return;
	}
	if (n > 0) {
		c->inlen += (size_t)n;
		c->last_ms = ck_now_ms();
	}
	conn_process(s, i);
}

static void
conn_write(struct dns_server *s, int i)
{
	struct conn *c = s->conns[i];
	ssize_t n;

	n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
	if (n < 0 && errno != EAGAIN && errno != EINTR) {
		conn_close(s, i);
		return;
	}
	if (n > 0)
		c->outoff += (size_t)n;
	c->last_ms = ck_now_ms();
	if (c->outoff == c->outlen) {
		free(c->out);
		c->out = NULL;
		conn_process(s, i);	/* a reply sent: what it pipelined */
	}
}

static void
expire(struct dns_server *s, uint64_t now)
{
	int i;

	for (i = 0; i < FWD_SLOTS; i++)
		if (s->fwd[i].used && now >= s->fwd[i].expires_ms) {
			s->fwd[i].used = false;	/* the client times out */
			if (s->fwd[i].conn >= 0 &&
			    s->conns[s->fwd[i].conn] != NULL &&
			    s->conns[s->fwd[i].conn]->gen ==
			    s->fwd[i].conn_gen)
				s->conns[s->fwd[i].conn]->waiting = false;
		}
	for (i = 0; i < MAX_CONNS; i++)
		if (s->conns[i] != NULL &&
		    now >= s->conns[i]->last_ms + CONN_IDLE_MS)
			conn_close(s, i);
}

static void *
server_thread(void *arg)
{
	struct dns_server *s = arg;
	struct pollfd pfd[4 + MAX_CONNS];
	int map[4 + MAX_CONNS];
	nfds_t n, k;
	int i;

	for (;;) {
		n = 0;
		pfd[n++] = (struct pollfd){ .fd = s->wake, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = s->udp, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = s->tcp, .events = POLLIN };
		pfd[n++] = (struct pollfd){ .fd = s->up, .events = POLLIN };
		for (i = 0; i < MAX_CONNS; i++) {
			if (s->conns[i] == NULL)
				continue;
			map[n] = i;
			/* A full buffer waits for its reply (or forward). */
			pfd[n++] = (struct pollfd){ .fd = s->conns[i]->fd,
			    .events = s->conns[i]->out != NULL ? POLLOUT :
			    s->conns[i]->inlen == sizeof(s->conns[i]->in) ? 0 :
			    POLLIN };
		}
		if (poll(pfd, n, 1000) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents != 0)
			break;
		if (pfd[1].revents & POLLIN)
			udp_read(s);
		if (pfd[2].revents & POLLIN)
			tcp_accept(s);
		if (pfd[3].revents & POLLIN)
			upstream_read(s);
		for (k = 4; k < n; k++) {
			i = map[k];
			if (s->conns[i] == NULL || pfd[k].revents == 0)
				continue;
			if (pfd[k].revents & POLLOUT)
				conn_write(s, i);
			else if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
				conn_read(s, i);
		}
		expire(s, ck_now_ms());
	}
	return NULL;
}

static void
server_close(struct dns_server *s)
{
	int i;

	for (i = 0; i < MAX_CONNS; i++)
		conn_close(s, i);
	if (s->udp >= 0)
		close(s->udp);
	if (s->tcp >= 0)
		close(s->tcp);
	if (s->up >= 0)
		close(s->up);
	if (s->wake >= 0)
		close(s->wake);
	free(s);
}

int
dns_server_start(const struct dns_server_cfg *cfg, struct dns_server **out)
{
	struct dns_server *s = ck_calloc(1, sizeof(*s));
	struct sockaddr_storage up;
	socklen_t uplen;
	int rc;

	s->udp = s->tcp = s->wake = s->up = -1;
	s->acfg = cfg->answer;
	s->acfg.can_forward = cfg->upstream != NULL && cfg->upstream[0] != '\0';
	s->m_queries = metrics_counter("ckube_dns_queries_total",
	    "DNS messages received (UDP and TCP).");
	s->m_forwarded = metrics_counter("ckube_dns_forwarded_total",
	    "Queries sent to --upstream.");
	s->m_dropped = metrics_counter("ckube_dns_dropped_total",
	    "Messages dropped unanswered (not a query, garbage, no slot).");
	if (s->acfg.can_forward) {
		if (parse_upstream(cfg->upstream, &up, &uplen) < 0) {
			log_error("dns: --upstream %s: want IP[:port] or "
			    "[IPv6]:port", cfg->upstream);
			rc = CK_EINVALID;
			goto fail;
		}
		s->up = socket_for(up.ss_family, SOCK_DGRAM);
		if (s->up < 0 ||
		    connect(s->up, (struct sockaddr *)&up, uplen) < 0) {
			log_error("dns: --upstream %s: %s", cfg->upstream,
			    strerror(errno));
			rc = CK_EIO;
			goto fail;
		}
	}
	rc = bind_both(s, cfg->bind_address, cfg->port);
	if (rc < 0)
		goto fail;
	s->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (s->wake < 0 ||
	    pthread_create(&s->thread, NULL, server_thread, s) != 0) {
		rc = CK_EIO;
		goto fail;
	}
	log_info("dns: serving %s on %s port %d (UDP and TCP)",
	    dnstable_zone(s->acfg.table), cfg->bind_address, s->port);
	*out = s;
	return 0;
fail:
	server_close(s);
	return rc;
}

int
dns_server_port(const struct dns_server *s)
{
	return s->port;
}

void
dns_server_stop(struct dns_server *s)
{
	uint64_t one = 1;

	if (s == NULL)
		return;
	if (write(s->wake, &one, sizeof(one)) < 0)
		log_warn("dns: cannot wake the server thread: %s",
		    strerror(errno));
	pthread_join(s->thread, NULL);
	server_close(s);
}
