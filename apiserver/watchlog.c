/*
 * watchlog.c: the revision log side of watching. The store commit hook fans
 * each committed change out to the HTTP watchers of its resource and
 * publishes it on the bus (topic "<resource>/"); a ticker thread sends
 * heartbeats, ends watches at their timeoutSeconds, and compacts the store's
 * log so it keeps about one --compaction-interval of history.
 */
#include "watch.h"

#include <errno.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/bus.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"
#include "store/store.h"

#define TICK_MS	200
/* Give freed memory back once the watchers' queues shrank by this much. */
#define TRIM_BYTES	(8 << 20)
#define TRIM_WATCHES	100	/* or this many watches closed */

struct watchlog *
watchlog_new(struct store *s, struct bus *bus, int64_t heartbeat_ms,
    int64_t compact_ms)
{
	struct watchlog *wl = ck_calloc(1, sizeof(*wl));
	pthread_condattr_t ca;

	pthread_mutex_init(&wl->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&wl->cond, &ca);
	pthread_condattr_destroy(&ca);
	wl->store = s;
	wl->bus = bus;
	wl->heartbeat_ms = heartbeat_ms;
	wl->compact_ms = compact_ms;
	wl->rv = store_revision(s);
	wl->ring = ck_calloc(WATCHLOG_RING_EVENTS, sizeof(*wl->ring));
	wl->ring_floor = wl->rv;
	return wl;
}

void
watchlog_link(struct watchlog *wl, struct watch *w)
{
	w->prev = NULL;
	w->next = wl->head;
	if (wl->head != NULL)
		wl->head->prev = w;
	wl->head = w;
	w->listed = true;
	wl->nwatches++;
}

size_t
watchlog_count(struct watchlog *wl)
{
	return atomic_load(&wl->nwatches);
}

void
watchlog_set_budget(struct watchlog *wl, int64_t bytes)
{
	pthread_mutex_lock(&wl->mu);
	wl->budget = bytes;
	pthread_mutex_unlock(&wl->mu);
}

int64_t
watchlog_queued(struct watchlog *wl)
{
	return atomic_load(&wl->queued);
}

int64_t
watchlog_slow_ended(struct watchlog *wl)
{
	return atomic_load(&wl->slow_ended);
}

/*
 * glibc keeps freed memory in its arenas (one per thread that allocated):
 * after the queues shrank a lot (slow watchers ended, a burst drained),
 * hand it back, or the RSS stays at its peak.
 */
static void
trim_if_shrunk(struct watchlog *wl)
{
	int64_t q = atomic_load(&wl->queued);
	size_t n = atomic_load(&wl->nwatches);

	if (q > wl->trim_peak)
		wl->trim_peak = q;
	if (n > wl->trim_peak_watches)
		wl->trim_peak_watches = n;
	if (wl->trim_peak - q >= TRIM_BYTES ||
	    wl->trim_peak_watches - n >= TRIM_WATCHES) {
		malloc_trim(0);
		wl->trim_peak = q;
		wl->trim_peak_watches = n;
	}
}

static const char *
type_name(enum store_event_type t)
{
	return t == STORE_ADDED	  ? "ADDED"
	    : t == STORE_MODIFIED ? "MODIFIED"
				  : "DELETED";
}

static void
ring_push(struct watchlog *wl, const struct store_event *ev)
{
	struct store_event *e;

	while (wl->ring_n > 0 && (wl->ring_n == WATCHLOG_RING_EVENTS ||
	    wl->ring_bytes + ev->body_len > WATCHLOG_RING_BYTES)) {
		e = &wl->ring[wl->ring_head];
		wl->ring_floor = e->rv;
		wl->ring_bytes -= e->body_len;
		store_event_fini(e);
		wl->ring_head = (wl->ring_head + 1) % WATCHLOG_RING_EVENTS;
		wl->ring_n--;
	}
	if (ev->body_len > WATCHLOG_RING_BYTES) {
		wl->ring_floor =
		    ev->rv; /* too big to keep: resumes read the store */
		return;
	}
	e = &wl->ring[(wl->ring_head + wl->ring_n) % WATCHLOG_RING_EVENTS];
	e->rv = ev->rv;
	e->type = ev->type;
	e->resource = ck_strdup(ev->resource);
	e->ns = ck_strdup(ev->ns);
	e->name = ck_strdup(ev->name);
	e->body = ck_malloc(ev->body_len + 1);
	memcpy(e->body, ev->body, ev->body_len);
	e->body[ev->body_len] = '\0';
	e->body_len = ev->body_len;
	wl->ring_bytes += ev->body_len;
	wl->ring_n++;
}

bool
watchlog_replay(struct watchlog *wl, struct watch *w, int64_t from_rv)
{
	const struct store_event *e;
	cJSON *obj;
	size_t i;

	if (from_rv < wl->ring_floor)
		return false;
	watch_mark_rv(w, from_rv);
	for (i = 0; i < wl->ring_n; i++) {
		e = &wl->ring[(wl->ring_head + i) % WATCHLOG_RING_EVENTS];
		if (e->rv <= from_rv ||
		    strcmp(e->resource, w->res->qualified) != 0)
			continue;
		obj = NULL;
		if (w->filtered || w->table)
			obj = cJSON_ParseWithLength(e->body, e->body_len);
		watch_feed(w, e, obj);
		cJSON_Delete(obj);
	}
	return true;
}

static void
publish(struct watchlog *wl, const struct store_event *ev)
{
	struct strbuf sb = STRBUF_INIT, topic = STRBUF_INIT;
	int rc;

	strbuf_addf(&topic, "%s/", ev->resource);
	strbuf_addf(&sb, "{\"type\":\"%s\",\"object\":", type_name(ev->type));
	strbuf_add(&sb, ev->body, ev->body_len);
	strbuf_addc(&sb, '}');
	rc = bus_publish(wl->bus, strbuf_str(&topic), ev->rv, strbuf_str(&sb),
	    sb.len);
	if (rc < 0)
		log_warn("bus: publish %s rv %lld: %s", strbuf_str(&topic),
		    (long long)ev->rv, ck_strerror(rc));
	strbuf_fini(&sb);
	strbuf_fini(&topic);
}

void
watchlog_commit(const struct store_event *ev, void *arg)
{
	struct watchlog *wl = arg;
	struct watch *w;
	cJSON *obj = NULL;
	bool parsed = false;

	pthread_mutex_lock(&wl->mu);
	if (ev->rv > wl->rv)
		wl->rv = ev->rv;
	ring_push(wl, ev);
	for (w = wl->head; w != NULL; w = w->next) {
		if (strcmp(w->res->qualified, ev->resource) != 0)
			continue;
		if (!parsed && (w->filtered || w->table)) {
			obj = cJSON_ParseWithLength(ev->body, ev->body_len);
			parsed = true;
		}
		pthread_mutex_lock(&w->mu);
		watch_feed(w, ev, obj);
		pthread_mutex_unlock(&w->mu);
	}
	/* Under the lock, so bus messages leave in commit order. */
	if (wl->bus != NULL)
		publish(wl, ev);
	pthread_mutex_unlock(&wl->mu);
	cJSON_Delete(obj);
}

/* A sleeping watch whose client closed it (asked once a WATCH_PROBE_MS). */
static bool
client_gone(struct watch *w, int64_t now)
{
	if (!w->suspended || w->peer_gone == NULL ||
	    now - w->last_probe_ms < WATCH_PROBE_MS)
		return false;
	w->last_probe_ms = now;
	return w->peer_gone(w->conn);
}

static void
tick(struct watchlog *wl, int64_t now)
{
	struct watch *w;

	for (w = wl->head; w != NULL; w = w->next) {
		pthread_mutex_lock(&w->mu);
		if (w->deadline_ms > 0 && now >= w->deadline_ms && !w->ended) {
			w->ended = true;
			watch_wake(w);
		} else if (client_gone(w, now)) {
			/* The client closed it: drop what it will never read. */
			strbuf_fini(&w->buf);
			strbuf_init(&w->buf);
			w->off = 0;
			watch_account(w);
			w->ended = true;
			watch_wake(w);
		} else if (wl->heartbeat_ms > 0 &&
		    now - w->last_write_ms >= wl->heartbeat_ms)
			watch_heartbeat(w, wl->rv);
		pthread_mutex_unlock(&w->mu);
	}
}

static void *
ticker(void *arg)
{
	struct watchlog *wl = arg;
	struct timespec ts;
	int64_t now, next_compact, mark = 0, upto;
	int rc;

	now = watch_now_ms();
	next_compact = wl->compact_ms > 0 ? now + wl->compact_ms : 0;
	pthread_mutex_lock(&wl->mu);
	while (!wl->stopping) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += TICK_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&wl->cond, &wl->mu, &ts);
		if (wl->stopping)
			break;
		now = watch_now_ms();
		tick(wl, now);
		trim_if_shrunk(wl);
		if (next_compact > 0 && now >= next_compact) {
			/* Keep the events of the last interval, as Kubernetes
			 * does. */
			upto = mark;
			mark = wl->rv;
			next_compact = now + wl->compact_ms;
			if (upto > 0) {
				pthread_mutex_unlock(&wl->mu);
				rc = store_compact(wl->store, upto);
				if (rc < 0)
					log_warn("compaction up to %lld: %s",
					    (long long)upto, ck_strerror(rc));
				else
					log_v(2, "compacted the log up to "
					    "revision %lld", (long long)upto);
				pthread_mutex_lock(&wl->mu);
			}
		}
	}
	pthread_mutex_unlock(&wl->mu);
	return NULL;
}

int
watchlog_start(struct watchlog *wl)
{
	int rc;

	rc = pthread_create(&wl->thread, NULL, ticker, wl);
	if (rc != 0)
		return -rc;
	wl->thread_started = true;
	return 0;
}

void
watchlog_shutdown(struct watchlog *wl)
{
	struct watch *w;

	pthread_mutex_lock(&wl->mu);
	wl->stopping = true;
	pthread_cond_broadcast(&wl->cond);
	for (w = wl->head; w != NULL; w = w->next) {
		pthread_mutex_lock(&w->mu);
		w->ended = true;
		watch_wake(w);
		pthread_mutex_unlock(&w->mu);
	}
	pthread_mutex_unlock(&wl->mu);
	if (wl->thread_started) {
		pthread_join(wl->thread, NULL);
		wl->thread_started = false;
	}
}

void
watchlog_free(struct watchlog *wl)
{
	if (wl == NULL)
		return;
	if (wl->thread_started)
		watchlog_shutdown(wl);
	if (wl->nwatches > 0)
		log_warn("watchlog: %zu watches still open at exit",
		    wl->nwatches);
	while (wl->ring_n > 0) {
		store_event_fini(&wl->ring[wl->ring_head]);
		wl->ring_head = (wl->ring_head + 1) % WATCHLOG_RING_EVENTS;
		wl->ring_n--;
	}
	free(wl->ring);
	pthread_cond_destroy(&wl->cond);
	pthread_mutex_destroy(&wl->mu);
	free(wl);
}
