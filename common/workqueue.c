/*
 * workqueue.c: de-duplicating FIFO with a processing set, a timer heap for
 * delayed adds, rate-limited retries and drain-on-shutdown (client-go
 * util/workqueue). One mutex guards everything; delayed keys are promoted
 * lazily by getters, which sleep until the earliest deadline, so the queue
 * needs no thread of its own. Backoff arithmetic lives in ratelimit.c.
 */
#include "ckube/workqueue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "ckube/alloc.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/ratelimit.h"
#include "ckube/strmap.h"

#define NOT_DELAYED	SIZE_MAX

/*
 * One key's state; it exists while the key is dirty (waiting to be
 * processed, maybe also processing), processing, or delayed.
 */
struct item {
	TAILQ_ENTRY(item) link;		/* in q->fifo while queued */
	TAILQ_ENTRY(item) plink;	/* in q->running while processing */
	uint64_t	 add_us;	/* when it became dirty */
	uint64_t	 start_us;	/* when its processing began */
	uint64_t	 ready_ms;	/* delayed: when to add it */
	uint64_t	 seq;		/* delayed: order among equal ready_ms */
	size_t		 heap_idx;	/* in q->heap, or NOT_DELAYED */
	bool		 dirty;		/* added since it was last handed out */
	bool		 processing;
	bool		 queued;	/* in q->fifo (dirty and not processing) */
	char		 key[];
};

TAILQ_HEAD(item_fifo, item);

struct workqueue {
	pthread_mutex_t		 mu;
	pthread_cond_t		 ready;		/* a key was queued, or shutdown */
	pthread_cond_t		 idle;		/* for workqueue_drain() */
	char			*name;
	struct ratelimit	*rl;
	struct strmap		*items;		/* key -> struct item */
	struct item_fifo	 fifo;
	struct item_fifo	 running;	/* processing: metrics walk only these */
	unsigned int		 nqueued;
	unsigned int		 nprocessing;
	struct item		**heap;		/* min-heap on (ready_ms, seq) */
	size_t			 heap_len;
	size_t			 heap_cap;
	uint64_t		 next_seq;
	bool			 shutting_down;
	bool			 shut_now;
	struct workqueue_metrics m;
};

struct workqueue *
workqueue_new(const char *name, struct ratelimit *rl)
{
	struct workqueue *q = ck_calloc(1, sizeof(*q));

	pthread_mutex_init(&q->mu, NULL);
	if (clock_cond_init(&q->ready) != 0 || clock_cond_init(&q->idle) != 0)
		fatalx("workqueue %s: cannot initialise condition variables", name);
	q->name = ck_strdup(name);
	q->rl = rl != NULL ? rl : ratelimit_new(NULL);
	q->items = strmap_new();
	TAILQ_INIT(&q->fifo);
	TAILQ_INIT(&q->running);
	return q;
}

void
workqueue_free(struct workqueue *q)
{
	if (q == NULL)
		return;
	strmap_free(q->items, free);
	free(q->heap);
	ratelimit_free(q->rl);
	free(q->name);
	pthread_cond_destroy(&q->idle);
	pthread_cond_destroy(&q->ready);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

const char *
workqueue_name(const struct workqueue *q)
{
	return q->name;
}

/* The item for key, created idle when absent. Locked. */
static struct item *
item_get(struct workqueue *q, const char *key)
{
	struct item *it = strmap_get(q->items, key);
	size_t len;

	if (it != NULL)
		return it;
	len = strlen(key);
	it = ck_calloc(1, sizeof(*it) + len + 1);
	memcpy(it->key, key, len + 1);
	it->heap_idx = NOT_DELAYED;
	strmap_put(q->items, it->key, it);
	return it;
}

/* Free it when nothing refers to it any more. Locked. */
static void
item_release_if_idle(struct workqueue *q, struct item *it)
{
	if (it->dirty || it->processing || it->heap_idx != NOT_DELAYED)
		return;
	strmap_remove(q->items, it->key);
	free(it);
}

/* The timer heap, ordered by (ready_ms, seq). */
static bool
heap_less(const struct item *a, const struct item *b)
{
	if (a->ready_ms != b->ready_ms)
		return a->ready_ms < b->ready_ms;
	return a->seq < b->seq;
}

static void
heap_set(struct workqueue *q, size_t i, struct item *it)
{
	q->heap[i] = it;
	it->heap_idx = i;
}

static void
heap_up(struct workqueue *q, size_t i)
{
	struct item *it = q->heap[i];
	size_t parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (!heap_less(it, q->heap[parent]))
			break;
		heap_set(q, i, q->heap[parent]);
		i = parent;
	}
	heap_set(q, i, it);
}

static void
heap_down(struct workqueue *q, size_t i)
{
	struct item *it = q->heap[i];
	size_t child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= q->heap_len)
			break;
		if (child + 1 < q->heap_len &&
		    heap_less(q->heap[child + 1], q->heap[child]))
			child++;
		if (!heap_less(q->heap[child], it))
			break;
		heap_set(q, i, q->heap[child]);
		i = child;
	}
	heap_set(q, i, it);
}

static void
heap_push(struct workqueue *q, struct item *it)
{
	if (q->heap_len == q->heap_cap) {
		q->heap_cap = q->heap_cap ? q->heap_cap * 2 : 16;
		q->heap = ck_reallocarray(q->heap, q->heap_cap, sizeof(*q->heap));
	}
	q->heap[q->heap_len++] = it;
	heap_up(q, q->heap_len - 1);
}

static struct item *
heap_pop(struct workqueue *q)
{
	struct item *top = q->heap[0];

	q->heap_len--;
	if (q->heap_len > 0) {
		heap_set(q, 0, q->heap[q->heap_len]);
		heap_down(q, 0);
	}
	top->heap_idx = NOT_DELAYED;
	return top;
}

/* client-go Type.Add for an existing item. Locked. */
static void
add_item(struct workqueue *q, struct item *it)
{
	if (q->shutting_down || it->dirty)
		return;
	q->m.adds++;
	it->dirty = true;
	it->add_us = ck_now_us();
	if (it->processing)
		return;			/* workqueue_done() queues it */
	TAILQ_INSERT_TAIL(&q->fifo, it, link);
	it->queued = true;
	q->nqueued++;
	pthread_cond_signal(&q->ready);
}

/* Add every delayed item whose time has come, earliest first. Locked. */
static void
promote_ready(struct workqueue *q)
{
	uint64_t now = ck_now_ms();
	struct item *it;

	while (q->heap_len > 0 && q->heap[0]->ready_ms <= now) {
		it = heap_pop(q);
		add_item(q, it);
		item_release_if_idle(q, it);
	}
}

void
workqueue_add(struct workqueue *q, const char *key)
{
	struct item *it;

	pthread_mutex_lock(&q->mu);
	if (!q->shutting_down) {
		it = item_get(q, key);
		add_item(q, it);
	}
	pthread_mutex_unlock(&q->mu);
}

/* Locked. */
static void
add_after(struct workqueue *q, const char *key, uint64_t delay_ms)
{
	struct item *it;
	uint64_t now, ready;

	if (q->shutting_down)
		return;
	it = item_get(q, key);
	if (delay_ms == 0) {
		add_item(q, it);
		return;
	}
	now = ck_now_ms();
	ready = delay_ms > UINT64_MAX - 1 - now ? UINT64_MAX - 1 : now + delay_ms;
	if (it->heap_idx != NOT_DELAYED) {
		if (ready >= it->ready_ms)
			return;		/* the earlier deadline wins */
		it->ready_ms = ready;
		heap_up(q, it->heap_idx);
	} else {
		it->ready_ms = ready;
		it->seq = q->next_seq++;
		heap_push(q, it);
	}
	/* Getters sleep until the earliest deadline, which may be this one. */
	pthread_cond_broadcast(&q->ready);
}

void
workqueue_add_after(struct workqueue *q, const char *key, uint64_t delay_ms)
{
	pthread_mutex_lock(&q->mu);
	add_after(q, key, delay_ms);
	pthread_mutex_unlock(&q->mu);
}

void
workqueue_add_rate_limited(struct workqueue *q, const char *key)
{
	pthread_mutex_lock(&q->mu);
	if (!q->shutting_down) {
		q->m.retries++;
		add_after(q, key, ratelimit_when(q->rl, key));
	}
	pthread_mutex_unlock(&q->mu);
}

void
workqueue_forget(struct workqueue *q, const char *key)
{
	ratelimit_forget(q->rl, key);
}

unsigned int
workqueue_retries(struct workqueue *q, const char *key)
{
	return ratelimit_retries(q->rl, key);
}

/* Wake drainers when nothing is left to do. Locked. */
static void
check_idle(struct workqueue *q)
{
	if (q->nprocessing == 0 && (q->nqueued == 0 || q->shut_now))
		pthread_cond_broadcast(&q->idle);
}

int
workqueue_get(struct workqueue *q, const char **key)
{
	struct item *it;
	uint64_t now_us, waited_us;
	int rc = CK_ESHUTDOWN;

	*key = NULL;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		if (q->shut_now)
			goto out;
		promote_ready(q);
		if (!TAILQ_EMPTY(&q->fifo))
			break;
		if (q->shutting_down)
			goto out;
		(void)clock_cond_timedwait(&q->ready, &q->mu,
		    q->heap_len > 0 ? q->heap[0]->ready_ms : CLOCK_NEVER);
	}
	it = TAILQ_FIRST(&q->fifo);
	TAILQ_REMOVE(&q->fifo, it, link);
	it->queued = false;
	q->nqueued--;
	it->dirty = false;
	it->processing = true;
	TAILQ_INSERT_TAIL(&q->running, it, plink);
	q->nprocessing++;
	now_us = ck_now_us();
	it->start_us = now_us;
	waited_us = now_us > it->add_us ? now_us - it->add_us : 0;
	q->m.gets++;
	q->m.queue_us_total += waited_us;
	if (waited_us > q->m.queue_us_max)
		q->m.queue_us_max = waited_us;
	*key = it->key;
	rc = 0;
out:
	if (rc != 0)
		pthread_cond_signal(&q->ready);	/* pass the news on */
	pthread_mutex_unlock(&q->mu);
	return rc;
}

void
workqueue_done(struct workqueue *q, const char *key)
{
	struct item *it;
	uint64_t now_us, took_us;

	pthread_mutex_lock(&q->mu);
	it = strmap_get(q->items, key);
	if (it == NULL || !it->processing) {
		log_error("workqueue %s: done for %s, which is not being processed",
		    q->name, key);
		goto out;
	}
	it->processing = false;
	TAILQ_REMOVE(&q->running, it, plink);
	q->nprocessing--;
	now_us = ck_now_us();
	took_us = now_us > it->start_us ? now_us - it->start_us : 0;
	q->m.dones++;
	q->m.work_us_total += took_us;
	if (took_us > q->m.work_us_max)
		q->m.work_us_max = took_us;
	if (it->dirty) {
		TAILQ_INSERT_TAIL(&q->fifo, it, link);
		it->queued = true;
		q->nqueued++;
		pthread_cond_signal(&q->ready);
	} else {
		item_release_if_idle(q, it);
	}
	check_idle(q);
out:
	pthread_mutex_unlock(&q->mu);
}

unsigned int
workqueue_len(struct workqueue *q)
{
	unsigned int n;

	pthread_mutex_lock(&q->mu);
	promote_ready(q);
	n = q->nqueued;
	pthread_mutex_unlock(&q->mu);
	return n;
}

static void
queue_shutdown(struct workqueue *q, bool now)
{
	struct item *it;

	pthread_mutex_lock(&q->mu);
	q->shutting_down = true;
	if (now)
		q->shut_now = true;
	while (q->heap_len > 0) {
		it = heap_pop(q);
		item_release_if_idle(q, it);
	}
	pthread_cond_broadcast(&q->ready);
	check_idle(q);
	pthread_mutex_unlock(&q->mu);
}

void
workqueue_shutdown(struct workqueue *q)
{
	queue_shutdown(q, false);
}

void
workqueue_shutdown_now(struct workqueue *q)
{
	queue_shutdown(q, true);
}

bool
workqueue_is_shutting_down(struct workqueue *q)
{
	bool b;

	pthread_mutex_lock(&q->mu);
	b = q->shutting_down;
	pthread_mutex_unlock(&q->mu);
	return b;
}

int
workqueue_drain(struct workqueue *q, uint64_t deadline_ms)
{
	int rc = 0;

	pthread_mutex_lock(&q->mu);
	while (q->nprocessing > 0 || (q->nqueued > 0 && !q->shut_now)) {
		if (rc == CK_ETIMEDOUT)
			break;
		rc = clock_cond_timedwait(&q->idle, &q->mu, deadline_ms);
	}
	if (q->nprocessing == 0 && (q->nqueued == 0 || q->shut_now))
		rc = 0;
	pthread_mutex_unlock(&q->mu);
	return rc;
}

void
workqueue_read_metrics(struct workqueue *q, struct workqueue_metrics *m)
{
	struct item *it;
	uint64_t now_us, age;

	pthread_mutex_lock(&q->mu);
	promote_ready(q);
	q->m.depth = q->nqueued;
	q->m.delayed = q->heap_len;
	q->m.processing = q->nprocessing;
	q->m.unfinished_work_us = 0;
	q->m.longest_running_us = 0;
	/* Only the keys being processed (a few, one per worker): this runs on
	 * every enqueue, so it must not walk the whole queue. */
	now_us = ck_now_us();
	TAILQ_FOREACH(it, &q->running, plink) {
		age = now_us > it->start_us ? now_us - it->start_us : 0;
		q->m.unfinished_work_us += age;
		if (age > q->m.longest_running_us)
			q->m.longest_running_us = age;
	}
	*m = q->m;
	pthread_mutex_unlock(&q->mu);
}
