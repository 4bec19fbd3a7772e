/*
 * bus_sub.c: a test subscriber of the apiserver's watch bus. Subscribes to
 * one topic, optionally stops reading for a while after the first message
 * (so the publisher overruns it), reads until a message whose payload names
 * the --until object arrives (or a timeout), and reports what it saw:
 *   done received=N gaps=G missed=M order=ok|bad
 * missed counts the sequence numbers that never arrived.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include "ckube/bus.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: bus_sub URL TOPIC [--until NAME] [--stall-ms N] "
	    "[--stall-until FILE] [--timeout-ms N]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct bus *b = NULL;
	struct bus_msg m;
	const char *url, *topic, *until = NULL, *stall_file = NULL;
	char needle[300];
	int64_t stall_ms = 0, timeout_ms = 20000, deadline, last_rv = 0;
	uint64_t last_seq = 0, received = 0, gaps = 0, missed = 0;
	int i, rc, order_ok = 1, stalled = 0;

	if (argc < 3)
		usage();
	url = argv[1];
	topic = argv[2];
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--until") == 0 && i + 1 < argc)
			until = argv[++i];
		else if (strcmp(argv[i], "--stall-until") == 0 &&
		    i + 1 < argc)
			stall_file = argv[++i];
		else if (strcmp(argv[i], "--stall-ms") == 0 && i + 1 < argc) {
			if (ck_parse_int64(argv[++i], &stall_ms) < 0)
				usage();
		} else if (strcmp(argv[i], "--timeout-ms") == 0 &&
		    i + 1 < argc) {
			if (ck_parse_int64(argv[++i], &timeout_ms) < 0)
				usage();
		} else
			usage();
	}
	if (until != NULL)
		snprintf(needle, sizeof(needle), "\"name\":\"%s\"", until);
	if ((rc = bus_open_sub(url, &b)) < 0 ||
	    (rc = bus_subscribe(b, topic)) < 0) {
		fprintf(stderr, "bus_sub: %s: %s\n", url, ck_strerror(rc));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	deadline = now_ms() + timeout_ms;
	for (;;) {
		if (now_ms() >= deadline) {
			printf("timeout\n");
			break;
		}
		rc = bus_recv(b, &m, 100);
		if (rc == CK_EAGAIN)
			continue;
		if (rc < 0) {
			fprintf(stderr, "bus_sub: recv: %s\n", ck_strerror(rc));
			break;
		}
		received++;
		if (m.gap) {
			gaps++;
			if (m.seq > last_seq + 1)
				missed += m.seq - last_seq - 1;
		}
		if (m.rv <= last_rv)
			order_ok = 0;
		last_rv = m.rv;
		last_seq = m.seq;
		if (received == 1) {
			printf("first rv=%lld\n", (long long)m.rv);
			fflush(stdout);
			if (stall_ms > 0 && !stalled) {
				/* Stop reading: the publisher must drop for us.
				 */
				struct timespec ts = { stall_ms / 1000,
					(long)(stall_ms % 1000) * 1000000L };

				int64_t cap = now_ms() + timeout_ms;

				stalled = 1;
				/* With a file: stall until the test has published
				 * all it wants us to miss (load-independent). */
				do
					nanosleep(&ts, NULL);
				while (stall_file != NULL &&
				    access(stall_file, F_OK) != 0 &&
				    now_ms() < cap);
				printf("resumed\n");
				fflush(stdout);
				deadline = now_ms() + timeout_ms;
			}
		}
		if (until != NULL && memmem(m.payload, m.payload_len, needle,
		    strlen(needle)) != NULL)
			break;
	}
	printf("done received=%llu gaps=%llu missed=%llu order=%s\n",
	    (unsigned long long)received, (unsigned long long)gaps,
	    (unsigned long long)missed, order_ok ? "ok" : "bad");
	bus_close(b);
	return 0;
}
