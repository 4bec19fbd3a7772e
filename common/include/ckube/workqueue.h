/*
 * workqueue.h: the controllers' work queue, with client-go's semantics
 * (util/workqueue: Type, delaying and rate-limiting queues). Keys ("ns/name")
 * are de-duplicated while they wait; a key handed to a worker is in the
 * processing set, and adding it again marks it dirty, so it is queued once
 * more when the worker calls workqueue_done() and never goes to two workers
 * at once. Delayed and rate-limited adds wait in a timer heap. All functions
 * are thread-safe; time comes from clock.h.
 */
#ifndef CKUBE_WORKQUEUE_H
#define CKUBE_WORKQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "ckube/ck.h"

struct ratelimit;
struct workqueue;

/* A snapshot of a queue's counters (client-go's workqueue metrics). */
struct workqueue_metrics {
	uint64_t	depth;		/* keys ready and waiting for a worker */
	uint64_t	delayed;	/* keys waiting for an add_after deadline */
	uint64_t	processing;	/* keys handed out and not yet done */
	uint64_t	adds;		/* adds that queued a key (not de-duplicated ones) */
	uint64_t	retries;	/* workqueue_add_rate_limited() calls */
	uint64_t	gets;		/* keys handed to workers */
	uint64_t	queue_us_total;	/* summed time from add to get */
	uint64_t	queue_us_max;
	uint64_t	dones;		/* workqueue_done() calls */
	uint64_t	work_us_total;	/* summed time from get to done */
	uint64_t	work_us_max;
	uint64_t	unfinished_work_us;	/* summed age of keys still processing */
	uint64_t	longest_running_us;	/* age of the oldest of those */
};

/*
 * A new queue. name (copied) names it in logs and metrics. rl is taken: the
 * queue owns and frees it, even when NULL is passed, in which case the queue
 * makes the default controller limiter (ratelimit_new(NULL)). Never NULL.
 */
struct workqueue *workqueue_new(const char *name, struct ratelimit *rl);

/*
 * Free q and every key in it. No thread may be inside a workqueue call:
 * shut it down and join the workers first. Accepts NULL.
 */
void		 workqueue_free(struct workqueue *q);

/* The name given to workqueue_new(). */
const char	*workqueue_name(const struct workqueue *q);

/*
 * Queue key (copied) for a worker, unless it already waits (then nothing
 * changes) or the queue is shutting down (ignored). A key being processed is
 * marked dirty and queued again by workqueue_done().
 */
void		 workqueue_add(struct workqueue *q, const char *key);

/*
 * workqueue_add(key) once delay_ms has passed on ck_now_ms(); 0 adds at
 * once. If key already waits for a delay, the earlier deadline wins. Keys
 * whose deadlines come at the same time are queued in the order they were
 * added. Ignored while shutting down.
 */
void		 workqueue_add_after(struct workqueue *q, const char *key,
		    uint64_t delay_ms);

/*
 * workqueue_add_after(key, ratelimit_when(key)): retry key after its
 * backoff (5, 10, 20, ... ms by default) and the overall rate limit.
 * Counts a retry. Ignored while shutting down.
 */
void		 workqueue_add_rate_limited(struct workqueue *q, const char *key);

/* Reset key's backoff (after it was processed successfully). */
void		 workqueue_forget(struct workqueue *q, const char *key);

/* How many times key was added rate-limited since it was last forgotten. */
unsigned int	 workqueue_retries(struct workqueue *q, const char *key);

/*
 * Block until a key is ready, then move it to the processing set and set
 * *key to it. The string stays valid, and the key is not handed to anyone
 * else, until workqueue_done(q, *key). Returns 0, or CK_ESHUTDOWN once the
 * queue is shutting down and empty (after workqueue_shutdown()) or at once
 * (after workqueue_shutdown_now()); *key is then NULL.
 */
int		 workqueue_get(struct workqueue *q, const char **key) CK_MUST_CHECK;

/*
 * End the processing of key (a string from workqueue_get(), which is invalid
 * afterwards). If key was added meanwhile it is queued again. A key that is
 * not being processed is logged and ignored.
 */
void		 workqueue_done(struct workqueue *q, const char *key);

/* The number of keys ready for a worker (neither delayed nor processing). */
unsigned int	 workqueue_len(struct workqueue *q);

/*
 * Stop accepting adds and drop the delayed ones. Workers still get every
 * queued key, and dirty keys still come back after workqueue_done(); then
 * workqueue_get() returns CK_ESHUTDOWN, waking every blocked getter. Does
 * not block; see workqueue_drain().
 */
void		 workqueue_shutdown(struct workqueue *q);

/* As workqueue_shutdown(), but workqueue_get() returns CK_ESHUTDOWN at once. */
void		 workqueue_shutdown_now(struct workqueue *q);

/* Whether workqueue_shutdown() or workqueue_shutdown_now() was called. */
bool		 workqueue_is_shutting_down(struct workqueue *q);

/*
 * Wait until no key is queued (unless shut down now) or processing, or
 * until ck_now_ms() reaches deadline_ms (CLOCK_NEVER: no deadline). Returns
 * 0 or CK_ETIMEDOUT. Usually called after workqueue_shutdown(), so that
 * workers finish what is queued (client-go ShutDownWithDrain).
 */
int		 workqueue_drain(struct workqueue *q, uint64_t deadline_ms)
		    CK_MUST_CHECK;

/* Copy q's counters into *m. */
void		 workqueue_read_metrics(struct workqueue *q,
		    struct workqueue_metrics *m);

#endif
