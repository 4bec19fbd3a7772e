/*
 * bus.h: the watch bus over nanomsg PUB/SUB. The publisher sends batches:
 *   "*\n" then records "<topic> <epoch> <seq> <rv> <len>\n<payload>"
 * in publish order ("*p\n", "*e\n", "*l\n" instead for the records of
 * Pods, Events and Leases, in batches of their own that only their
 * subscribers receive), where topic is a resource
 * ("pods/", "deployments.apps/"),
 * epoch identifies the publisher's run (changes when the apiserver
 * restarts), seq counts the messages of that topic (1, 2, 3, ... per epoch),
 * rv is the store revision and len the payload's bytes. Subscribers also
 * read single-topic messages "<topic>\n<epoch> <seq> <rv>\n<payload>" (any
 * other nanomsg publisher can speak it). PUB/SUB drops messages for slow
 * readers: subscribers detect a gap per topic (seq != last + 1, or a new
 * epoch) and recover from the apiserver. Sockets get 4 MiB buffers and no
 * receive size limit.
 */
#ifndef CKUBE_BUS_H
#define CKUBE_BUS_H

#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct bus;

struct bus_msg {
	char		 topic[256];	/* "pods/" */
	uint64_t	 epoch;
	uint64_t	 seq;
	int64_t		 rv;
	const char	*payload;	/* valid until the next bus_recv or bus_close */
	size_t		 payload_len;
	int		 gap;		/* 1: messages of this topic were lost before this one */
};

/* Bind a publisher at url ("ipc:///path/bus", "tcp://127.0.0.1:5555"). */
int	bus_open_pub(const char *url, struct bus **out) CK_MUST_CHECK;
/* Connect a subscriber to url (the publisher may start later). */
int	bus_open_sub(const char *url, struct bus **out) CK_MUST_CHECK;
/*
 * How long a busy publisher gathers records into one batch (default 5 ms;
 * 0 sends each at once). An idle bus sends at once whatever this is.
 * CK_EINVALID for a subscriber or outside 0..BUS_LINGER_MAX_MS.
 */
#define BUS_LINGER_MAX_MS	1000
int	bus_set_linger(struct bus *b, long ms) CK_MUST_CHECK;
/* Subscribe to a topic prefix ("pods/"; "" = everything). */
int	bus_subscribe(struct bus *b, const char *topic) CK_MUST_CHECK;
/*
 * Publish one message on topic (seq is assigned per topic). Thread-safe.
 * Never blocks on slow subscribers.
 */
int	bus_publish(struct bus *b, const char *topic, int64_t rv, const char *payload,
	    size_t len) CK_MUST_CHECK;
/*
 * Receive one message; timeout_ms < 0 waits forever, 0 does not wait.
 * Returns 0, CK_EAGAIN on timeout, or CK_EIO. Sets msg->gap per topic.
 */
int	bus_recv(struct bus *b, struct bus_msg *msg, int timeout_ms) CK_MUST_CHECK;
/* A file descriptor that polls readable while a message waits (never read it). */
int	bus_fd(struct bus *b);
void	bus_close(struct bus *b);

#endif
