/*
 * Unit tests for common/bus.c over a real ipc:// socket in a temp dir:
 * ordering, topic filtering, large payloads, gap and epoch detection.
 */
#include <inttypes.h>
#include <nanomsg/nn.h>
#include <nanomsg/pubsub.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ckube/alloc.h"
#include "ckube/bus.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

struct fixture {
	char	dir[64];
	char	url[128];
};

static int
setup(void **state)
{
	struct fixture *f = ck_calloc(1, sizeof(*f));

	ck_strlcpy(f->dir, "/tmp/ckube-bus-XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->url, sizeof(f->url), "ipc://%s/bus", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char path[128];

	snprintf(path, sizeof(path), "%s/bus", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static int64_t
ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * PUB/SUB loses what is sent before the subscription connects: publish
 * probes on "probe/" until one arrives (5 s deadline), then drain them.
 */
static void
wait_connected(struct bus *pub, struct bus *sub)
{
	struct bus_msg m;
	int64_t deadline = ms_now() + 5000;

	for (;;) {
		assert_int_equal(bus_publish(pub, "probe/", 0, "p", 1), 0);
		if (bus_recv(sub, &m, 20) == 0 &&
		    strcmp(m.topic, "probe/") == 0)
			break;
		assert_true(ms_now() < deadline);
	}
	while (bus_recv(sub, &m, 50) == 0)
		;
}

static void
test_bus_order_and_filter(void **state)
{
	struct fixture *f = *state;
	struct bus *pub, *sub;
	struct bus_msg m;
	char body[32];
	int i;

	assert_int_equal(bus_open_pub(f->url, &pub), 0);
	assert_int_equal(bus_open_sub(f->url, &sub), 0);
	assert_true(bus_fd(sub) >= 0);
	assert_int_equal(bus_fd(pub), -1);
	assert_int_equal(bus_subscribe(sub, "probe/"), 0);
	assert_int_equal(bus_subscribe(sub, "pods/"), 0);
	wait_connected(pub, sub);

	for (i = 1; i <= 20; i++) {
		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		assert_int_equal(bus_publish(pub, i % 2 ? "pods/" : "nodes/",
		    100 + i, body, strlen(body)), 0);
	}
	for (i = 1; i <= 20; i += 2) {
		assert_int_equal(bus_recv(sub, &m, 2000), 0);
		assert_string_equal(m.topic, "pods/");
		assert_int_equal(m.seq, (uint64_t)(i + 1) / 2);
		assert_int_equal(m.rv, 100 + i);
		assert_int_equal(m.gap, 0);
		snprintf(body, sizeof(body), "{\"n\":%d}", i);
		assert_int_equal(m.payload_len, strlen(body));
		assert_memory_equal(m.payload, body, m.payload_len);
	}
	/* nodes/ was filtered out */
	assert_int_equal(bus_recv(sub, &m, 0), CK_EAGAIN);
	assert_int_equal(bus_recv(sub, &m, 30), CK_EAGAIN);

	/* bad topics are refused */
	assert_int_equal(bus_publish(pub, "", 1, "x", 1), CK_EINVALID);
	assert_int_equal(bus_publish(pub, "a\nb", 1, "x", 1), CK_EINVALID);
	assert_int_equal(bus_publish(sub, "pods/", 1, "x", 1), CK_EINVALID);
	bus_close(sub);
	bus_close(pub);
}

#define LEASES	"leases.coordination.k8s.io/"

#define EVENTS	"events/"

/* The topics of test_bus_classes, one of each class. */
static const char *const class_topics[] = { "pods/", LEASES, EVENTS,
    "configmaps/" };
#define NTOPICS	(sizeof(class_topics) / sizeof(class_topics[0]))

/* Count the records of each class topic sub gets within 300 ms of quiet. */
static void
count_recv(struct bus *sub, int got[NTOPICS])
{
	struct bus_msg m;
	uint64_t seq[NTOPICS] = { 0 };
	size_t t;

	memset(got, 0, NTOPICS * sizeof(got[0]));
	while (bus_recv(sub, &m, 300) == 0) {
		assert_int_equal(m.gap, 0);
		for (t = 0; t < NTOPICS; t++)
			if (strcmp(m.topic, class_topics[t]) == 0) {
				assert_int_equal(m.seq, ++seq[t]);
				got[t]++;
			}
	}
}

/*
 * Pods, Events and Leases travel in batches of their own: a subscriber of
 * pods gets none of the others, one of Leases none of the pods, one of
 * everything all of them, each topic in order; and a raw subscriber of the
 * main batches ("*\n") sees no record of those three classes.
 */
static void
test_bus_classes(void **state)
{
	struct fixture *f = *state;
	struct bus *pub, *s_pods, *s_leases, *s_all;
	int i, got[NTOPICS];

	assert_int_equal(bus_open_pub(f->url, &pub), 0);
	assert_int_equal(bus_open_sub(f->url, &s_pods), 0);
	assert_int_equal(bus_open_sub(f->url, &s_leases), 0);
	assert_int_equal(bus_open_sub(f->url, &s_all), 0);
	assert_int_equal(bus_subscribe(s_pods, "probe/"), 0);
	assert_int_equal(bus_subscribe(s_pods, "pods/"), 0);
	assert_int_equal(bus_subscribe(s_leases, "probe/"), 0);
	assert_int_equal(bus_subscribe(s_leases, LEASES), 0);
	assert_int_equal(bus_subscribe(s_all, ""), 0);
	wait_connected(pub, s_pods);
	wait_connected(pub, s_leases);
	wait_connected(pub, s_all);
	for (i = 0; i < 80; i++)
		assert_int_equal(bus_publish(pub, class_topics[i % NTOPICS],
		    i + 1, "{}", 2), 0);
	count_recv(s_pods, got);
	assert_int_equal(got[0], 20);
	assert_int_equal(got[1] + got[2] + got[3], 0);
	count_recv(s_leases, got);
	assert_int_equal(got[1], 20);
	assert_int_equal(got[0] + got[2] + got[3], 0);
	count_recv(s_all, got);
	for (i = 0; i < (int)NTOPICS; i++)
		assert_int_equal(got[i], 20);
	bus_close(s_all);
	bus_close(s_leases);
	bus_close(s_pods);
	/* What nanomsg itself hands a subscriber of the main batches. */
	{
		int raw = nn_socket(AF_SP, NN_SUB), seen = 0, n;
		int64_t deadline = ms_now() + 5000;
		char *buf;
		size_t t;

		assert_true(raw >= 0);
		assert_true(nn_setsockopt(raw, NN_SUB, NN_SUB_SUBSCRIBE, "*\n",
		    2) == 0);
		assert_true(nn_connect(raw, f->url) >= 0);
		while (!seen) {	/* connected: a ConfigMap comes through */
			assert_true(ms_now() < deadline);
			for (t = 0; t < NTOPICS; t++)
				assert_int_equal(bus_publish(pub,
				    class_topics[t], 1, "{}", 2), 0);
			while ((n = nn_recv(raw, &buf, NN_MSG, NN_DONTWAIT)) >= 0) {
				for (t = 0; t + 1 < NTOPICS; t++)
					assert_null(memmem(buf, (size_t)n,
					    class_topics[t],
					    strlen(class_topics[t])));
				seen = memmem(buf, (size_t)n, "configmaps/",
				    11) != NULL;
				nn_freemsg(buf);
			}
			usleep(20000);
		}
		nn_close(raw);
	}
	bus_close(pub);
}

static void
test_bus_large_payload(void **state)
{
	struct fixture *f = *state;
	struct bus *pub, *sub;
	struct bus_msg m;
	size_t len = 2 * 1000 * 1000, i;
	char *big = ck_malloc(len);

	for (i = 0; i < len; i++)
		big[i] = (char)('a' + i % 26);
	assert_int_equal(bus_open_pub(f->url, &pub), 0);
	assert_int_equal(bus_open_sub(f->url, &sub), 0);
	assert_int_equal(bus_subscribe(sub, ""), 0);
	wait_connected(pub, sub);
	assert_int_equal(bus_publish(pub, "configmaps/", 7, big, len), 0);
	assert_int_equal(bus_publish(pub, "configmaps/", 8, "", 0), 0);
	assert_int_equal(bus_recv(sub, &m, 5000), 0);
	assert_string_equal(m.topic, "configmaps/");
	assert_int_equal(m.payload_len, len);
	assert_memory_equal(m.payload, big, len);
	assert_int_equal(bus_recv(sub, &m, 5000), 0);
	assert_int_equal(m.rv, 8);
	assert_int_equal(m.payload_len, 0);
	assert_int_equal(m.gap, 0);
	free(big);
	bus_close(sub);
	bus_close(pub);
}

/* Raw nanomsg publisher: lets the test send any seq and epoch it likes. */
static void
raw_send(int sock, const char *text)
{
	assert_int_equal(nn_send(sock, text, strlen(text), 0), (int)strlen(text));
}

/* A raw publisher bound at f->url and a subscriber to everything that hears it. */
static int
raw_pub_connected(struct fixture *f, struct bus **sub)
{
	int64_t deadline = ms_now() + 5000;
	struct bus_msg m;
	char text[64];
	int raw, i;

	raw = nn_socket(AF_SP, NN_PUB);
	assert_true(raw >= 0);
	assert_true(nn_bind(raw, f->url) >= 0);
	assert_int_equal(bus_open_sub(f->url, sub), 0);
	assert_int_equal(bus_subscribe(*sub, ""), 0);
	for (i = 1;; i++) {
		snprintf(text, sizeof(text), "probe/\n9 %d 0\n", i);
		raw_send(raw, text);
		if (bus_recv(*sub, &m, 20) == 0)
			break;
		assert_true(ms_now() < deadline);
	}
	while (bus_recv(*sub, &m, 50) == 0)
		;
	return raw;
}

static void
test_bus_gap_detection(void **state)
{
	struct fixture *f = *state;
	struct bus *sub;
	struct bus_msg m;
	int raw;

	raw = raw_pub_connected(f, &sub);

	raw_send(raw, "pods/\n7 1 10\nA");
	raw_send(raw, "pods/\n7 2 11\nB");
	raw_send(raw, "junk without framing");
	raw_send(raw, "pods/\n7 x 11\nmalformed");
	raw_send(raw, "nodes/\n7 5 12\n");		/* first on its topic */
	raw_send(raw, "pods/\n7 4 13\nD");		/* 3 was lost */
	raw_send(raw, "pods/\n7 5 14\nE");
	raw_send(raw, "pods/\n8 1 15\nF");		/* new epoch */
	raw_send(raw, "nodes/\n7 6 16\n");

	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.gap, 0);
	assert_memory_equal(m.payload, "A", 1);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_int_equal(m.seq, 2);
	assert_int_equal(m.gap, 0);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);	/* junk skipped */
	assert_string_equal(m.topic, "nodes/");
	assert_int_equal(m.gap, 0);
	assert_int_equal(m.epoch, 7);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_string_equal(m.topic, "pods/");
	assert_int_equal(m.seq, 4);
	assert_int_equal(m.rv, 13);
	assert_int_equal(m.gap, 1);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_int_equal(m.seq, 5);
	assert_int_equal(m.gap, 0);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_int_equal(m.epoch, 8);
	assert_int_equal(m.gap, 1);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_string_equal(m.topic, "nodes/");
	assert_int_equal(m.gap, 0);
	bus_close(sub);
	nn_close(raw);
}

static void
test_bus_new_epoch_after_restart(void **state)
{
	struct fixture *f = *state;
	struct bus *pub, *sub;
	struct bus_msg m;
	uint64_t epoch1;
	int64_t deadline = ms_now() + 5000;

	assert_int_equal(bus_open_pub(f->url, &pub), 0);
	assert_int_equal(bus_open_sub(f->url, &sub), 0);
	assert_int_equal(bus_subscribe(sub, "probe/"), 0);
	assert_int_equal(bus_subscribe(sub, "pods/"), 0);
	wait_connected(pub, sub);
	assert_int_equal(bus_publish(pub, "pods/", 1, "a", 1), 0);
	assert_int_equal(bus_publish(pub, "pods/", 2, "b", 1), 0);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_int_equal(m.seq, 2);
	assert_int_equal(m.gap, 0);
	epoch1 = m.epoch;

	/*
	 * The publisher restarts: seq starts over under a new epoch. Pods have
	 * an endpoint of their own, which reconnects on its own time: what is
	 * published before it does is lost, and the first pod that arrives
	 * reports the gap.
	 */
	bus_close(pub);
	assert_int_equal(bus_open_pub(f->url, &pub), 0);
	wait_connected(pub, sub);
	for (;;) {
		assert_int_equal(bus_publish(pub, "pods/", 3, "c", 1), 0);
		if (bus_recv(sub, &m, 20) == 0)
			break;
		assert_true(ms_now() < deadline);
	}
	assert_string_equal(m.topic, "pods/");
	assert_true(m.epoch != epoch1);
	assert_int_equal(m.gap, 1);
	bus_close(sub);
	bus_close(pub);
}

static void
test_bus_bad_url(void **state)
{
	struct bus *b = (struct bus *)1;
	char url[200];

	(void)state;

	assert_int_equal(bus_open_pub("nosuch://x", &b), CK_EIO);
	assert_null(b);
	/* nanomsg itself would abort the process on this one */
	snprintf(url, sizeof(url), "ipc:///tmp/%0150d", 0);
	assert_int_equal(bus_open_pub(url, &b), CK_EINVALID);
	assert_null(b);
	assert_int_equal(bus_open_sub(url, &b), CK_EINVALID);
	assert_null(b);
	bus_close(NULL);
}

/*
 * A burst is sent in batches (several records per nanomsg message): every
 * record still arrives, in order per topic, without a gap.
 */
static void
test_bus_batches_a_burst(void **state)
{
	struct fixture *f = *state;
	struct bus *pub, *sub;
	struct bus_msg m;
	uint64_t last[2] = { 0, 0 };
	char payload[32];
	int i, got = 0, t;

	assert_int_equal(bus_open_pub(f->url, &pub), 0);
	assert_int_equal(bus_open_sub(f->url, &sub), 0);
	assert_int_equal(bus_subscribe(sub, "probe/"), 0);
	assert_int_equal(bus_subscribe(sub, "pods/"), 0);
	assert_int_equal(bus_subscribe(sub, "nodes/"), 0);
	wait_connected(pub, sub);
	for (i = 0; i < 2000; i++) {
		snprintf(payload, sizeof(payload), "p%d", i);
		assert_int_equal(bus_publish(pub, i % 3 ? "pods/" : "nodes/",
		    i + 1, payload, strlen(payload)), 0);
	}
	while (got < 2000) {
		assert_int_equal(bus_recv(sub, &m, 5000), 0);
		t = strcmp(m.topic, "pods/") == 0;
		assert_int_equal(m.gap, 0);
		assert_int_equal(m.seq, last[t] + 1);
		last[t] = m.seq;
		snprintf(payload, sizeof(payload), "p%lld", (long long)m.rv - 1);
		assert_int_equal(m.payload_len, strlen(payload));
		assert_memory_equal(m.payload, payload, m.payload_len);
		got++;
	}
	assert_int_equal(last[0] + last[1], 2000);
	bus_close(sub);
	bus_close(pub);
}

/* Records framed with a length, several per message, from a raw sender. */
static void
test_bus_multi_record_message(void **state)
{
	struct fixture *f = *state;
	struct bus *sub;
	struct bus_msg m;
	int raw;

	raw = raw_pub_connected(f, &sub);
	raw_send(raw, "pods/\n7 1 10 2\nAB7 2 11 0\n7 3 12 1\nC");
	raw_send(raw, "pods/\n7 4 13 9\nshort");	/* length past the end */
	raw_send(raw, "pods/\n7 5 14 1\nD");
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_int_equal(m.seq, 1);
	assert_int_equal(m.payload_len, 2);
	assert_memory_equal(m.payload, "AB", 2);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_int_equal(m.seq, 2);
	assert_int_equal(m.payload_len, 0);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_int_equal(m.seq, 3);
	assert_int_equal(m.rv, 12);
	assert_memory_equal(m.payload, "C", 1);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);	/* seq 4 dropped */
	assert_int_equal(m.seq, 5);
	assert_int_equal(m.gap, 1);
	bus_close(sub);
	nn_close(raw);
}

/* Count the records of topic in what raw receives until want arrived. */
static int
raw_count(int raw, const char *topic, int want, int *msgs)
{
	int64_t deadline = ms_now() + 10000;
	int got = 0, n, c;
	size_t tlen = strlen(topic);
	char *buf, *p;

	*msgs = 0;
	while (got < want) {
		assert_true(ms_now() < deadline);
		n = nn_recv(raw, &buf, NN_MSG, NN_DONTWAIT);
		if (n < 0) {
			usleep(5000);
			continue;
		}
		for (c = 0, p = buf; (p = memmem(p, (size_t)n - (size_t)(p - buf),
		    topic, tlen)) != NULL; p += tlen)
			c++;
		got += c;
		*msgs += c > 0;
		nn_freemsg(buf);
	}
	return got;
}

/*
 * A raw nanomsg subscriber of prefix ("*\n": the main batches, "*": all)
 * on the bus at url, once a probe from pub came through it.
 */
static int
raw_sub_connected(const char *url, struct bus *pub, const char *prefix)
{
	int64_t deadline = ms_now() + 5000;
	int raw, got = 0;
	char *buf;

	raw = nn_socket(AF_SP, NN_SUB);
	assert_true(raw >= 0);
	assert_true(nn_setsockopt(raw, NN_SUB, NN_SUB_SUBSCRIBE, prefix,
	    strlen(prefix)) == 0);
	assert_true(nn_connect(raw, url) >= 0);
	while (!got) {
		assert_true(ms_now() < deadline);
		assert_int_equal(bus_publish(pub, "probe/", 1, "{}", 2), 0);
		usleep(20000);
		while (nn_recv(raw, &buf, NN_MSG, NN_DONTWAIT) >= 0) {
			got = 1;
			nn_freemsg(buf);
		}
	}
	return raw;
}

/*
 * A busy publisher holds records for its linger: five published 20 ms
 * apart right after a send reach a raw subscriber in one nanomsg message
 * with a 1 s linger (two if the first found the last send a linger old;
 * five with the default 5 ms). The linger is checked.
 */
static void
test_bus_linger(void **state)
{
	struct fixture *f = *state;
	struct bus *pub, *sub;
	int raw, msgs, i;

	assert_int_equal(bus_open_pub(f->url, &pub), 0);
	assert_int_equal(bus_set_linger(pub, -1), CK_EINVALID);
	assert_int_equal(bus_set_linger(pub, BUS_LINGER_MAX_MS + 1), CK_EINVALID);
	assert_int_equal(bus_open_sub(f->url, &sub), 0);
	assert_int_equal(bus_set_linger(sub, 5), CK_EINVALID);
	bus_close(sub);
	raw = raw_sub_connected(f->url, pub, "*\n");
	assert_int_equal(bus_set_linger(pub, BUS_LINGER_MAX_MS), 0);
	assert_int_equal(bus_publish(pub, "probe/", 2, "{}", 2), 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(bus_publish(pub, "configmaps/", 10 + i, "{}",
		    2), 0);
		usleep(20000);
	}
	assert_int_equal(raw_count(raw, "configmaps/ ", 5, &msgs), 5);
	assert_true(msgs >= 1 && msgs <= 2);
	nn_close(raw);
	bus_close(pub);
}

/*
 * Lease records linger BUS_QUIET_LINGER_MS (100 ms) even with no linger
 * for the rest: five renewals 20 ms apart come in one or two messages, and
 * a ConfigMap published while a renewal waits goes out before it.
 */
static void
test_bus_quiet_linger(void **state)
{
	struct fixture *f = *state;
	struct bus *pub;
	int raw, got = 0, n, msgs, i;
	int64_t deadline = ms_now() + 5000;
	char *buf, *lease, *pod;

	assert_int_equal(bus_open_pub(f->url, &pub), 0);
	assert_int_equal(bus_set_linger(pub, 0), 0);
	raw = raw_sub_connected(f->url, pub, "*");
	for (i = 0; i < 5; i++) {
		assert_int_equal(bus_publish(pub, LEASES, 10 + i, "{}", 2), 0);
		usleep(20000);
	}
	assert_int_equal(raw_count(raw, LEASES " ", 5, &msgs), 5);
	assert_true(msgs >= 1 && msgs <= 2);

	/* A renewal is sent; the next one waits; a pod does not. */
	assert_int_equal(bus_publish(pub, LEASES, 20, "{}", 2), 0);
	assert_int_equal(raw_count(raw, LEASES " ", 1, &msgs), 1);
	assert_int_equal(bus_publish(pub, LEASES, 21, "second", 6), 0);
	assert_int_equal(bus_publish(pub, "configmaps/", 22, "{}", 2), 0);
	for (got = 0; got < 2;) {
		assert_true(ms_now() < deadline + 10000);
		n = nn_recv(raw, &buf, NN_MSG, NN_DONTWAIT);
		if (n < 0) {
			usleep(2000);
			continue;
		}
		lease = memmem(buf, (size_t)n, "second", 6);
		pod = memmem(buf, (size_t)n, "configmaps/ ", 12);
		assert_true(got == 1 || lease == NULL);	/* the pod first */
		got += (lease != NULL) + (pod != NULL);
		nn_freemsg(buf);
	}
	nn_close(raw);
	bus_close(pub);
}

/*
 * A bus path that fits a socket address while the path plus ".pods" does
 * not (like a tcp:// bus): pods and events travel folded into the main
 * batches, not in batches of their own there, and a subscriber of pods
 * still gets them.
 */
static void
test_bus_long_path(void **state)
{
	struct fixture *f = *state;
	struct bus *pub, *sub;
	struct bus_msg m;
	char dir[200], url[256], *buf;
	size_t n;
	int raw, got, found;
	int64_t deadline = ms_now() + 10000;

	ck_strlcpy(dir, f->dir, sizeof(dir));
	n = strlen(dir);
	/* sun_path holds 107 bytes: the dir + "/bus" takes 104 of them */
	dir[n++] = '/';
	while (n < 100)
		dir[n++] = 'd';
	dir[n] = '\0';
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(url, sizeof(url), "ipc://%s/bus", dir);
	assert_int_equal(bus_open_pub(url, &pub), 0);
	assert_int_equal(bus_open_sub(url, &sub), 0);
	assert_int_equal(bus_subscribe(sub, "probe/"), 0);
	assert_int_equal(bus_subscribe(sub, "pods/"), 0);
	assert_int_equal(bus_subscribe(sub, EVENTS), 0);
	wait_connected(pub, sub);
	assert_int_equal(bus_publish(pub, "pods/", 1, "a", 1), 0);
	assert_int_equal(bus_publish(pub, EVENTS, 2, "b", 1), 0);
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_string_equal(m.topic, "pods/");
	assert_int_equal(bus_recv(sub, &m, 2000), 0);
	assert_string_equal(m.topic, EVENTS);
	bus_close(sub);
	/* folded, not batches of their own: one message carries all three */
	raw = raw_sub_connected(url, pub, "*\n");
	assert_int_equal(bus_set_linger(pub, BUS_LINGER_MAX_MS), 0);
	assert_int_equal(bus_publish(pub, "probe/", 3, "{}", 2), 0);
	assert_int_equal(bus_publish(pub, "configmaps/", 4, "{}", 2), 0);
	assert_int_equal(bus_publish(pub, "pods/", 5, "{}", 2), 0);
	assert_int_equal(bus_publish(pub, EVENTS, 6, "{}", 2), 0);
	for (;;) {
		assert_true(ms_now() < deadline);
		got = nn_recv(raw, &buf, NN_MSG, NN_DONTWAIT);
		if (got < 0) {
			usleep(5000);
			continue;
		}
		found = memmem(buf, (size_t)got, "configmaps/ ", 12) != NULL;
		if (found) {
			assert_non_null(memmem(buf, (size_t)got, "pods/ ", 6));
			assert_non_null(memmem(buf, (size_t)got, EVENTS " ", 8));
		}
		nn_freemsg(buf);	/* else a probe's batch */
		if (found)
			break;
	}
	nn_close(raw);
	bus_close(pub);
	snprintf(url, sizeof(url), "%s/bus", dir);
	unlink(url);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bus_order_and_filter, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bus_long_path, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bus_classes, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bus_large_payload, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bus_gap_detection, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bus_new_epoch_after_restart,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bus_batches_a_burst, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_bus_multi_record_message,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bus_linger, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bus_quiet_linger, setup,
		    teardown),
		cmocka_unit_test(test_bus_bad_url),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
