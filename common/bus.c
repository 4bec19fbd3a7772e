/*
 * bus.c: the watch bus over nanomsg PUB/SUB (framing in bus.h). The
 * publisher numbers messages per topic under one mutex, so seq order is send
 * order; the subscriber keeps (epoch, last seq) per topic in a small hash
 * table and flags gaps. Recovering from a gap is the caller's business.
 *
 * Publishing only queues: a sender thread sends what is queued as one
 * nanomsg message (topic "*", records in publish order, each naming its
 * topic). It sends at once when the previous send is older than
 * the linger (BUS_LINGER_MS), else waits for that much to pass first, so an idle bus
 * adds one thread hand-off of latency and a busy one sends batches.
 * nanomsg filters at the subscriber anyway (every subscriber receives every
 * message) and each message costs every subscriber a few thread wake-ups,
 * so under load this divides the whole cluster's bus cost by the batch
 * size. Subscribers filter the records of a batch by their own topics.
 * Pods, Events and Leases go in batches of their own (bus_classes below).
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
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"

#define BUS_BUF_BYTES	(4 * 1024 * 1024)
#define BUS_HDR_MAX	100	/* "<epoch> <seq> <rv> <len>\n": four 20-digit numbers */
/*
 * A busy bus batches this much time. Each batch wakes every subscriber's
 * nanomsg and reader threads (a context switch costs ~10 us on this kind
 * of VM): 1 ms cost the cluster ~20% more CPU per pod than 5 (issue 26).
 */
#define BUS_LINGER_MS	5
#define BUS_BATCH_BYTES	(1024 * 1024)	/* ... or this much data */

/*
 * Batch classes: the records of each go in batches of their own.
 *  - Leases are renewed by every node every few seconds (500 a second at
 *    5,000 nodes) and read by two daemons; nobody waits on a renewal (the
 *    node-controller's grace is 40 s). Their batches linger longer and have
 *    a nanomsg topic of their own ("*l\n"), so nanomsg drops them before a
 *    subscriber's reader thread wakes unless it asked for Leases.
 *  - Pods and Events carry most of a busy cluster's writes, and about half
 *    the daemons read neither. Filtering by topic is not enough for them:
 *    nanomsg hands every message to every subscriber's I/O thread, and
 *    that wake-up is most of a message's cost (a second batch a linger
 *    cost the daemons that read no pods 1.7x the context switches). On an
 *    ipc:// bus they get a publisher socket each, at the bus path plus a
 *    suffix, which a subscriber connects to when it subscribes to them;
 *    elsewhere (tcp://) they travel in the main batches.
 * Each topic is in exactly one class, so a topic's records keep their order.
 */
struct bus_class {
	const char	*batch;		/* the nanomsg topic of its batches */
	const char	*prefix;	/* the topics it carries; NULL: the rest */
	long		 min_linger_ms;
	const char	*suffix;	/* its own socket at the ipc path + this */
};

static const struct bus_class bus_classes[] = {
	{ "*\n", NULL, 0, NULL },	/* records carry their topics */
	{ "*l\n", "leases.coordination.k8s.io/", 100, NULL },
	{ "*\n", "pods/", 0, ".pods" },
	{ "*\n", "events/", 0, ".events" },
};
#define CLASSES		(sizeof(bus_classes) / sizeof(bus_classes[0]))
#define CLASS_MAIN	0

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
	int		 sock;		/* the main socket */
	int		 is_pub;
	char		*url;
	/*
	 * pub: each class's socket (sock, or its own); < 0: the class has no
	 * endpoint of its own and its topics go in the main class. sub: the
	 * endpoint id of sock's connection to the class's own endpoint, or -1.
	 */
	int		 csock[CLASSES];
	uint64_t	 epoch;		/* pub: this run's */
	pthread_mutex_t	 lock;		/* pub: seq assignment + queue */
	struct topic_tab tab;
	/* pub: the queue and its sender thread */
	pthread_cond_t	 cv;
	pthread_t	 sender;
	int		 sender_started;
	int		 closing;
	int		 idle;		/* the sender waits for work: signal it */
	int		 wait_class;	/* ... waits for this class's linger, or -1 */
	struct strbuf	 pend[CLASSES];	/* the class's batch topic, records; or empty */
	struct timespec	 last_send[CLASSES];
	long		 linger_ms;	/* BUS_LINGER_MS or bus_set_linger() */
	/* sub: the message being read and where its next record starts */
	void		*msg;
	const char	*cur, *end;
	int		 batch;		/* records carry their topics */
	char		 topic[sizeof(((struct bus_msg *)0)->topic)];
	char		**subs;		/* subscribed prefixes, under lock */
	size_t		 nsubs;
};

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
			j = strmap_hash(old[i].topic) & (t->cap - 1);
			while (t->ents[j].topic != NULL)
				j = (j + 1) & (t->cap - 1);
			t->ents[j] = old[i];
		}
		free(old);
	}
	if (t->cap == 0)
		return NULL;
	for (i = strmap_hash(topic) & (t->cap - 1); t->ents[i].topic != NULL;
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

static void
ts_add_ms(struct timespec *ts, long ms)
{
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int
ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* Send one batch of class c (sender thread, unlocked). */
static void
send_batch(struct bus *b, size_t c, struct strbuf *sb)
{
	void *msg = nn_allocmsg(sb->len, 0);

	if (msg == NULL) {
		log_warn("bus: no memory for a batch of %zu bytes", sb->len);
		return;
	}
	memcpy(msg, sb->buf, sb->len);
	/* PUB never blocks: a slow subscriber loses messages instead */
	if (nn_send(b->csock[c], &msg, NN_MSG, 0) < 0) {
		log_warn("bus: send: %s", nn_strerror(nn_errno()));
		nn_freemsg(msg);
	}
}

/* The class of a published topic: the main one if its own is not open. */
static size_t
class_of(const struct bus *b, const char *topic)
{
	size_t c;

	for (c = CLASS_MAIN + 1; c < CLASSES; c++)
		if (strncmp(topic, bus_classes[c].prefix,
		    strlen(bus_classes[c].prefix)) == 0)
			return b->csock[c] >= 0 ? c : CLASS_MAIN;
	return CLASS_MAIN;
}

/* Whether a subscription to prefix may match topics of class c. */
static int
class_overlaps(size_t c, const char *prefix)
{
	const char *q = bus_classes[c].prefix;
	size_t n = strlen(prefix), m = strlen(q);

	return c == CLASS_MAIN || strncmp(prefix, q, n < m ? n : m) == 0;
}

static size_t
pending(const struct bus *b)
{
	size_t c, n = 0;

	for (c = 0; c < CLASSES; c++)
		n += b->pend[c].len;
	return n;
}

/* When class c's batch is due: a linger after its last send. */
static struct timespec
due_time(const struct bus *b, size_t c)
{
	struct timespec due = b->last_send[c];

	ts_add_ms(&due, b->linger_ms < bus_classes[c].min_linger_ms ?
	    bus_classes[c].min_linger_ms : b->linger_ms);
	return due;
}

static void *
sender_main(void *arg)
{
	struct bus *b = arg;
	struct timespec now, due, d;
	struct strbuf batch[CLASSES];
	size_t c;
	int ready;

	pthread_mutex_lock(&b->lock);
	for (;;) {
		while (pending(b) == 0 && !b->closing) {
			b->idle = 1;
			pthread_cond_wait(&b->cv, &b->lock);
		}
		b->idle = 0;
		if (pending(b) == 0)
			break;		/* closing, and everything is sent */
		clock_gettime(CLOCK_MONOTONIC, &now);
		due = now;
		ready = 0;
		b->wait_class = -1;
		for (c = 0; c < CLASSES; c++) {
			batch[c] = (struct strbuf){ 0 };
			if (b->pend[c].len == 0)
				continue;
			d = due_time(b, c);
			if (b->closing || b->pend[c].len >= BUS_BATCH_BYTES ||
			    !ts_before(&now, &d)) {
				batch[c] = b->pend[c];
				strbuf_init(&b->pend[c]);
				ready = 1;
			} else if (b->wait_class < 0 || ts_before(&d, &due)) {
				due = d;
				b->wait_class = (int)c;
			}
		}
		if (!ready) {
			(void)pthread_cond_timedwait(&b->cv, &b->lock, &due);
			continue;
		}
		b->wait_class = -1;
		pthread_mutex_unlock(&b->lock);
		for (c = 0; c < CLASSES; c++)
			if (batch[c].len > 0)
				send_batch(b, c, &batch[c]);
		pthread_mutex_lock(&b->lock);
		clock_gettime(CLOCK_MONOTONIC, &now);
		for (c = 0; c < CLASSES; c++) {
			if (batch[c].len > 0)
				b->last_send[c] = now;
			strbuf_fini(&batch[c]);
		}
	}
	pthread_mutex_unlock(&b->lock);
	return NULL;
}

static int
sender_start(struct bus *b)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&b->sender, NULL, sender_main, b) != 0) {
		log_error("bus: cannot start the sender thread");
		pthread_cond_destroy(&b->cv);
		return -1;
	}
	b->sender_started = 1;
	return 0;
}

/*
 * Whether url names an ipc socket path too long for a socket address:
 * nanomsg aborts the process on one, in its I/O thread.
 */
static int
ipc_too_long(const char *url)
{
	return strncmp(url, "ipc://", 6) == 0 &&
	    strlen(url + 6) >= sizeof(((struct sockaddr_un *)0)->sun_path);
}

/* A nanomsg socket with the bus's options, bound (pub) or connected. */
static int
sock_open(const char *url, int is_pub)
{
	int sock, rc;

	if (ipc_too_long(url)) {
		log_error("bus: %s: the path is longer than a socket address "
		    "holds (%zu bytes)",
		    url, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		return CK_EINVALID;
	}
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
	/*
	 * The bus carries every object, Secrets included, to anyone who
	 * connects: an ipc socket is connectable by its owner only (nanomsg
	 * creates it with the umask's mode).
	 */
	if (is_pub && strncmp(url, "ipc://", 6) == 0 && chmod(url + 6, 0600) < 0)
		log_warn("bus: chmod 0600 %s: %s", url + 6, strerror(errno));
	return sock;
}

/* Class c's own endpoint (url + suffix) into buf; 0 if it has none. */
static int
class_url(const struct bus *b, size_t c, char *buf, size_t len)
{
	if (bus_classes[c].suffix == NULL || strncmp(b->url, "ipc://", 6) != 0)
		return 0;
	return snprintf(buf, len, "%s%s", b->url, bus_classes[c].suffix) <
	    (int)len && !ipc_too_long(buf);
}

/* The publisher's own socket for each class that has one. */
static void
classes_open_pub(struct bus *b)
{
	char url[512];
	size_t c;

	for (c = 0; c < CLASSES; c++) {
		if (bus_classes[c].suffix == NULL) {
			b->csock[c] = b->sock;
			continue;
		}
		/*
		 * Without an endpoint of its own a class is folded into the
		 * main batches: batches of its own on the main endpoint would
		 * wake every subscriber once more per linger.
		 */
		b->csock[c] = -1;
		if (!class_url(b, c, url, sizeof(url)))
			continue;
		b->csock[c] = sock_open(url, 1);
		if (b->csock[c] < 0)
			log_warn("bus: %s records go in the main batches",
			    bus_classes[c].prefix);
	}
}

static int
bus_open(const char *url, int is_pub, struct bus **out)
{
	struct bus *b;
	size_t c;
	int sock;

	*out = NULL;
	sock = sock_open(url, is_pub);
	if (sock < 0)
		return sock;
	b = ck_calloc(1, sizeof(*b));
	b->sock = sock;
	b->is_pub = is_pub;
	b->url = ck_strdup(url);
	b->linger_ms = BUS_LINGER_MS;
	b->wait_class = -1;
	pthread_mutex_init(&b->lock, NULL);
	for (c = 0; c < CLASSES; c++) {
		strbuf_init(&b->pend[c]);
		b->csock[c] = -1;
	}
	if (is_pub)
		classes_open_pub(b);
	if (!is_pub && nn_setsockopt(sock, NN_SUB, NN_SUB_SUBSCRIBE,
	    bus_classes[CLASS_MAIN].batch,
	    strlen(bus_classes[CLASS_MAIN].batch)) < 0) {
		log_error("bus: subscribe to batches: %s",
		    nn_strerror(nn_errno()));
		bus_close(b);
		return CK_EIO;
	}
	if (is_pub) {
		/* a fresh random epoch per run tells subscribers we restarted */
		while (b->epoch == 0)
			if (getrandom(&b->epoch, sizeof(b->epoch), 0) !=
			    (ssize_t)sizeof(b->epoch))
				b->epoch = (uint64_t)time(NULL) ^
				    ((uint64_t)(uintptr_t)b << 16);
	}
	if (is_pub && sender_start(b) != 0) {
		bus_close(b);
		return CK_EIO;
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
bus_set_linger(struct bus *b, long ms)
{
	if (!b->is_pub || ms < 0 || ms > BUS_LINGER_MAX_MS)
		return CK_EINVALID;
	pthread_mutex_lock(&b->lock);
	b->linger_ms = ms;
	pthread_mutex_unlock(&b->lock);
	return 0;
}

int
bus_subscribe(struct bus *b, const char *topic)
{
	char url[512];
	size_t c;
	int ep;

	if (b->is_pub)
		return CK_EINVALID;
	if (nn_setsockopt(b->sock, NN_SUB, NN_SUB_SUBSCRIBE, topic,
	    strlen(topic)) < 0)
		goto fail;
	for (c = CLASS_MAIN + 1; c < CLASSES; c++) {
		if (!class_overlaps(c, topic))
			continue;
		if (strcmp(bus_classes[c].batch,
		    bus_classes[CLASS_MAIN].batch) != 0 &&
		    nn_setsockopt(b->sock, NN_SUB, NN_SUB_SUBSCRIBE,
		    bus_classes[c].batch, strlen(bus_classes[c].batch)) < 0)
			goto fail;
		if (b->csock[c] >= 0 || !class_url(b, c, url, sizeof(url)))
			continue;
		/*
		 * One socket, several endpoints: nanomsg queues them fairly.
		 * A path too long for a socket fails the publisher's bind too,
		 * which then sends the class in the main batches.
		 */
		if ((ep = nn_connect(b->sock, url)) < 0)
			log_v(1, "bus: connect %s: %s; expecting %s in the main "
			    "batches", url, nn_strerror(nn_errno()),
			    bus_classes[c].prefix);
		b->csock[c] = ep;
	}
	pthread_mutex_lock(&b->lock);
	b->subs = ck_reallocarray(b->subs, b->nsubs + 1, sizeof(*b->subs));
	b->subs[b->nsubs++] = ck_strdup(topic);
	pthread_mutex_unlock(&b->lock);
	return 0;
fail:
	log_error("bus: subscribe \"%s\": %s", topic, nn_strerror(nn_errno()));
	return CK_EIO;
}

/* Whether a batch record of topic is for us. */
static int
subscribed(struct bus *b, const char *topic)
{
	size_t i;
	int yes = 0;

	pthread_mutex_lock(&b->lock);
	for (i = 0; i < b->nsubs && !yes; i++)
		yes = strncmp(topic, b->subs[i], strlen(b->subs[i])) == 0;
	pthread_mutex_unlock(&b->lock);
	return yes;
}

int
bus_publish(struct bus *b, const char *topic, int64_t rv, const char *payload,
    size_t len)
{
	struct topic_ent *e;
	struct strbuf *q;
	size_t c, tlen = strlen(topic);
	int created, wake;

	if (!b->is_pub || tlen == 0 || tlen >= sizeof(((struct bus_msg *)0)->topic) ||
	    strpbrk(topic, " \n") != NULL || topic[0] == '*')
		return CK_EINVALID;
	pthread_mutex_lock(&b->lock);
	e = tab_get(&b->tab, topic, 1, &created);
	e->seq++;
	c = class_of(b, topic);
	q = &b->pend[c];
	/* The sender lingering for another class may send this one first. */
	wake = b->idle || (q->len == 0 && b->wait_class >= 0 &&
	    (size_t)b->wait_class != c);
	if (q->len == 0)
		strbuf_adds(q, bus_classes[c].batch);
	strbuf_addf(q, "%s %" PRIu64 " %" PRIu64 " %" PRId64 " %zu\n",
	    topic, b->epoch, e->seq, rv, len);
	if (len > 0)
		strbuf_add(q, payload, len);
	/* A lingering sender wakes by itself: one signal per batch at most. */
	if (wake || q->len >= BUS_BATCH_BYTES)
		pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->lock);
	return 0;
}

/*
 * The next record of the current message (b->cur .. b->end) into msg; -1
 * when it is malformed. In a batch a header is "<topic> <epoch> <seq> <rv>
 * <len>". Otherwise the message's topic line names the topic and a header
 * of three numbers ("<epoch> <seq> <rv>") takes the rest of the message as
 * its payload; one of four ("... <len>") takes len bytes, and another
 * record may follow.
 */
static int
parse_record(struct bus *b, struct bus_msg *msg)
{
	const char *hdr = b->cur, *end, *nums;
	char line[BUS_HDR_MAX + sizeof(msg->topic)];
	size_t hlen, tlen = 0, avail = (size_t)(b->end - hdr), len = 0;
	int used = 0, nf;

	end = memchr(hdr, '\n', avail < sizeof(line) ? avail : sizeof(line));
	if (end == NULL)
		return -1;
	hlen = (size_t)(end - hdr);
	memcpy(line, hdr, hlen);
	line[hlen] = '\0';
	memset(msg, 0, sizeof(*msg));
	nums = line;
	if (b->batch) {
		nums = strchr(line, ' ');
		if (nums == NULL || nums == line ||
		    (tlen = (size_t)(nums - line)) >= sizeof(msg->topic))
			return -1;
		nums++;
	}
	nf = sscanf(nums, "%" SCNu64 " %" SCNu64 " %" SCNd64 " %zu%n",
	    &msg->epoch, &msg->seq, &msg->rv, &len, &used);
	if (nf != 4 && !b->batch) {
		used = 0;
		nf = sscanf(nums, "%" SCNu64 " %" SCNu64 " %" SCNd64 "%n",
		    &msg->epoch, &msg->seq, &msg->rv, &used);
		if (nf != 3)
			return -1;
		len = (size_t)(b->end - (end + 1));
	} else if (nf != 4) {
		return -1;
	}
	if ((size_t)used != hlen - (size_t)(nums - line) ||
	    len > (size_t)(b->end - (end + 1)))
		return -1;
	if (b->batch) {
		memcpy(msg->topic, line, tlen);
		msg->topic[tlen] = '\0';
	} else {
		memcpy(msg->topic, b->topic, sizeof(msg->topic));
	}
	msg->payload = end + 1;
	msg->payload_len = len;
	b->cur = end + 1 + len;
	return 0;
}

/* Take buf as the current message: its topic line; -1 if it is not ours. */
static int
start_msg(struct bus *b, const char *buf, size_t n)
{
	const char *nl;
	size_t tlen;

	nl = memchr(buf, '\n', n < sizeof(b->topic) ? n : sizeof(b->topic));
	if (nl == NULL || nl == buf || (size_t)(nl - buf) + 1 >= n)
		return -1;
	tlen = (size_t)(nl - buf);
	memcpy(b->topic, buf, tlen);
	b->topic[tlen] = '\0';
	b->batch = b->topic[0] == '*';
	b->cur = nl + 1;
	b->end = buf + n;
	return 0;
}

static void
drop_msg(struct bus *b)
{
	if (b->msg != NULL)
		nn_freemsg(b->msg);
	b->msg = NULL;
	b->cur = b->end = NULL;
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
	for (;;) {
		if (b->msg != NULL && b->cur < b->end) {
			if (parse_record(b, msg) == 0) {
				if (b->batch && !subscribed(b, msg->topic))
					continue;
				track_gap(b, msg);
				return 0;
			}
			log_v(1, "bus: dropped a malformed message on %s",
			    b->topic);
		}
		drop_msg(b);
		n = nn_recv(b->sock, &buf, NN_MSG, NN_DONTWAIT);
		if (n >= 0) {
			b->msg = buf;
			if (start_msg(b, buf, (size_t)n) != 0) {
				log_v(1, "bus: dropped a malformed message "
				    "(%d bytes)", n);
				drop_msg(b);
			}
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
	size_t c;

	if (b == NULL)
		return;
	if (b->is_pub && b->sender_started) {
		pthread_mutex_lock(&b->lock);
		b->closing = 1;
		pthread_cond_signal(&b->cv);
		pthread_mutex_unlock(&b->lock);
		pthread_join(b->sender, NULL);	/* it sends what is queued */
		pthread_cond_destroy(&b->cv);
	}
	drop_msg(b);
	for (c = 0; c < CLASSES && b->is_pub; c++)
		if (b->csock[c] >= 0 && b->csock[c] != b->sock)
			nn_close(b->csock[c]);
	nn_close(b->sock);
	free(b->url);
	for (c = 0; c < CLASSES; c++)
		strbuf_fini(&b->pend[c]);
	while (b->nsubs > 0)
		free(b->subs[--b->nsubs]);
	free(b->subs);
	pthread_mutex_destroy(&b->lock);
	tab_free(&b->tab);
	free(b);
}
