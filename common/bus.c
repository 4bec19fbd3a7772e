/*
 * bus.c: the watch bus over nanomsg PUB/SUB (framing in bus.h). The
 * publisher numbers messages per topic under one mutex, so seq order is send
 * order; the subscriber keeps (epoch, last seq) per topic in a small hash
 * table and flags gaps. Recovering from a gap is the caller's business.
 */
#include "ckube/bus.h"

#include <errno.h>
#include <inttypes.h>
#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <nanomsg/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#define BUS_BUF_BYTES	(4 * 1024 * 1024)
#define BUS_HDR_MAX	80	/* "<epoch> <seq> <rv>\n": three 20-digit numbers */

struct topic_ent {
	char		*topic;		/* NULL: free slot */
	uint64_t	 epoch;
	uint64_t	 seq;		/* pub: last assigned; sub: last seen */
};

struct topic_tab {
	struct topic_ent *ents;
	size_t		 cap;		/* power of two */
	size_t		 n;
};

struct bus {
	int		 sock;
	int		 is_pub;
	uint64_t	 epoch;		/* pub: this run's */
	pthread_mutex_t	 lock;		/* pub: seq assignment + send */
	struct topic_tab tab;
	void		*msg;		/* sub: last received nanomsg message */
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Find topic's entry; with create, add it (seq 0, epoch 0) when missing. */
static struct topic_ent *
tab_get(struct topic_tab *t, const char *topic, int create, int *created)
{
	struct topic_ent *old;
	size_t i, oldcap;

	*created = 0;
	if (create && (t->n + 1) * 2 > t->cap) {
		old = t->ents;
		oldcap = t->cap;
		t->cap = oldcap ? oldcap * 2 : 16;
		t->ents = ck_calloc(t->cap, sizeof(*t->ents));
		for (i = 0; i < oldcap; i++) {
			size_t j;

			if (old[i].topic == NULL)
				continue;
			j = hash_str(old[i].topic) & (t->cap - 1);
			while (t->ents[j].topic != NULL)
				j = (j + 1) & (t->cap - 1);
			t->ents[j] = old[i];
		}
		free(old);
	}
	if (t->cap == 0)
		return NULL;
	for (i = hash_str(topic) & (t->cap - 1); t->ents[i].topic != NULL;
	    i = (i + 1) & (t->cap - 1))
		if (strcmp(t->ents[i].topic, topic) == 0)
			return &t->ents[i];
	if (!create)
		return NULL;
	t->ents[i].topic = ck_strdup(topic);
	t->ents[i].epoch = 0;
	t->ents[i].seq = 0;
	t->n++;
	*created = 1;
	return &t->ents[i];
}

static void
tab_free(struct topic_tab *t)
{
	size_t i;

	for (i = 0; i < t->cap; i++)
		free(t->ents[i].topic);
	free(t->ents);
	memset(t, 0, sizeof(*t));
}

static int
set_opt(int sock, int level, int opt, int val, const char *name)
{
	if (nn_setsockopt(sock, level, opt, &val, sizeof(val)) < 0) {
		log_error("bus: setting %s: %s", name, nn_strerror(nn_errno()));
		return CK_EIO;
	}
	return 0;
}

static int
bus_open(const char *url, int is_pub, struct bus **out)
{
	struct bus *b;
	int sock, rc;

	*out = NULL;
	sock = nn_socket(AF_SP, is_pub ? NN_PUB : NN_SUB);
	if (sock < 0) {
		log_error("bus: nn_socket: %s", nn_strerror(nn_errno()));
		return CK_EIO;
	}
	rc = set_opt(sock, NN_SOL_SOCKET, NN_SNDBUF, BUS_BUF_BYTES, "NN_SNDBUF");
	if (rc == 0)
		rc = set_opt(sock, NN_SOL_SOCKET, NN_RCVBUF, BUS_BUF_BYTES,
		    "NN_RCVBUF");
	if (rc == 0 && !is_pub)
		/* the 1 MiB default silently drops bigger objects */
		rc = set_opt(sock, NN_SOL_SOCKET, NN_RCVMAXSIZE, -1,
		    "NN_RCVMAXSIZE");
	if (rc == 0 && strncmp(url, "tcp://", 6) == 0)
		rc = set_opt(sock, NN_TCP, NN_TCP_NODELAY, 1, "NN_TCP_NODELAY");
	if (rc == 0 && (is_pub ? nn_bind(sock, url) : nn_connect(sock, url)) < 0) {
		log_error("bus: %s %s: %s", is_pub ? "bind" : "connect", url,
		    nn_strerror(nn_errno()));
		rc = CK_EIO;
	}
	if (rc < 0) {
		nn_close(sock);
		return rc;
	}
	b = ck_calloc(1, sizeof(*b));
	b->sock = sock;
	b->is_pub = is_pub;
	pthread_mutex_init(&b->lock, NULL);
	if (is_pub) {
		/* a fresh random epoch per run tells subscribers we restarted */
		while (b->epoch == 0)
			if (getrandom(&b->epoch, sizeof(b->epoch), 0) !=
			    (ssize_t)sizeof(b->epoch))
				b->epoch = (uint64_t)time(NULL) ^
				    ((uint64_t)(uintptr_t)b << 16);
	}
	*out = b;
	return 0;
}

int
bus_open_pub(const char *url, struct bus **out)
{
	return bus_open(url, 1, out);
}

int
bus_open_sub(const char *url, struct bus **out)
{
	return bus_open(url, 0, out);
}

int
bus_subscribe(struct bus *b, const char *topic)
{
	if (b->is_pub)
		return CK_EINVALID;
	if (nn_setsockopt(b->sock, NN_SUB, NN_SUB_SUBSCRIBE, topic,
	    strlen(topic)) < 0) {
		log_error("bus: subscribe \"%s\": %s", topic,
		    nn_strerror(nn_errno()));
		return CK_EIO;
	}
	return 0;
}

int
bus_publish(struct bus *b, const char *topic, int64_t rv, const char *payload,
    size_t len)
{
	struct topic_ent *e;
	char hdr[BUS_HDR_MAX];
	size_t tlen = strlen(topic);
	void *msg;
	char *p;
	int hlen, created, rc = 0;

	if (!b->is_pub || tlen == 0 || tlen >= sizeof(((struct bus_msg *)0)->topic) ||
	    memchr(topic, '\n', tlen) != NULL)
		return CK_EINVALID;
	pthread_mutex_lock(&b->lock);
	e = tab_get(&b->tab, topic, 1, &created);
	e->seq++;
	hlen = snprintf(hdr, sizeof(hdr), "%" PRIu64 " %" PRIu64 " %" PRId64 "\n",
	    b->epoch, e->seq, rv);
	msg = nn_allocmsg(tlen + 1 + (size_t)hlen + len, 0);
	if (msg == NULL) {
		rc = CK_ENOMEM;
		goto out;
	}
	p = msg;
	memcpy(p, topic, tlen);
	p[tlen] = '\n';
	memcpy(p + tlen + 1, hdr, (size_t)hlen);
	if (len > 0)
		memcpy(p + tlen + 1 + hlen, payload, len);
	/* PUB never blocks: a slow subscriber loses messages instead */
	if (nn_send(b->sock, &msg, NN_MSG, 0) < 0) {
		log_warn("bus: send on %s: %s", topic, nn_strerror(nn_errno()));
		nn_freemsg(msg);
		rc = CK_EIO;
	}
out:
	pthread_mutex_unlock(&b->lock);
	return rc;
}

/* Split a received message into msg; -1 if it is not ours. */
static int
parse_msg(const char *buf, size_t n, struct bus_msg *msg)
{
	const char *nl, *hdr, *end;
	char line[BUS_HDR_MAX];
	size_t tlen, hlen;
	int used = 0;

	nl = memchr(buf, '\n', n < sizeof(msg->topic) ? n : sizeof(msg->topic));
	if (nl == NULL || nl == buf)
		return -1;
	tlen = (size_t)(nl - buf);
	hdr = nl + 1;
	end = memchr(hdr, '\n', (size_t)(buf + n - hdr) < sizeof(line) ?
	    (size_t)(buf + n - hdr) : sizeof(line));
	if (end == NULL)
		return -1;
	hlen = (size_t)(end - hdr);
	memcpy(line, hdr, hlen);
	line[hlen] = '\0';
	if (sscanf(line, "%" SCNu64 " %" SCNu64 " %" SCNd64 "%n", &msg->epoch,
	    &msg->seq, &msg->rv, &used) != 3 || (size_t)used != hlen)
		return -1;
	memcpy(msg->topic, buf, tlen);
	msg->topic[tlen] = '\0';
	msg->payload = end + 1;
	msg->payload_len = (size_t)(buf + n - (end + 1));
	return 0;
}

static void
track_gap(struct bus *b, struct bus_msg *msg)
{
	struct topic_ent *e;
	int created;

	e = tab_get(&b->tab, msg->topic, 1, &created);
	/* the first message seen on a topic is not a gap */
	msg->gap = !created && (e->epoch != msg->epoch || msg->seq != e->seq + 1);
	e->epoch = msg->epoch;
	e->seq = msg->seq;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
bus_recv(struct bus *b, struct bus_msg *msg, int timeout_ms)
{
	struct pollfd pfd;
	int64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	int64_t left;
	void *buf;
	int n;

	if (b->is_pub)
		return CK_EINVALID;
	if (b->msg != NULL) {
		nn_freemsg(b->msg);
		b->msg = NULL;
	}
	for (;;) {
		n = nn_recv(b->sock, &buf, NN_MSG, NN_DONTWAIT);
		if (n >= 0) {
			memset(msg, 0, sizeof(*msg));
			if (parse_msg(buf, (size_t)n, msg) == 0) {
				b->msg = buf;
				track_gap(b, msg);
				return 0;
			}
			log_v(1, "bus: dropped a malformed message (%d bytes)", n);
			nn_freemsg(buf);
			continue;
		}
		if (nn_errno() == EINTR)
			continue;
		if (nn_errno() != EAGAIN) {
			log_error("bus: recv: %s", nn_strerror(nn_errno()));
			return CK_EIO;
		}
		if (timeout_ms == 0)
			return CK_EAGAIN;
		left = timeout_ms < 0 ? -1 : deadline - now_ms();
		if (timeout_ms > 0 && left <= 0)
			return CK_EAGAIN;
		pfd.fd = bus_fd(b);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd < 0)
			return CK_EIO;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return CK_EIO;
	}
}

int
bus_fd(struct bus *b)
{
	size_t sz = sizeof(int);
	int fd;

	if (b->is_pub)
		return -1;
	if (nn_getsockopt(b->sock, NN_SOL_SOCKET, NN_RCVFD, &fd, &sz) < 0)
		return -1;
	return fd;
}

void
bus_close(struct bus *b)
{
	if (b == NULL)
		return;
	if (b->msg != NULL)
		nn_freemsg(b->msg);
	nn_close(b->sock);
	pthread_mutex_destroy(&b->lock);
	tab_free(&b->tab);
	free(b);
}
