/*
 * watch.c: one HTTP watch stream. Starts from a revision (catching up from
 * the store's log) or from "now" (synthetic ADDED events for the current
 * objects), filters events by namespace, name and selectors (an object that
 * stops matching is sent as DELETED, one that starts matching as ADDED),
 * frames them as newline-delimited WatchEvents (or one-row Tables), and
 * queues the bytes for the HTTP layer, which sleeps while the queue is empty.
 */
#include "watch.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/fieldsel.h"
#include "ckube/log.h"
#include "ckube/selector.h"
#include "convert.h"
#include "store/store.h"

int64_t
watch_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
type_name(enum store_event_type t)
{
	switch (t) {
	case STORE_ADDED:
		return "ADDED";
	case STORE_MODIFIED:
		return "MODIFIED";
	default:
		return "DELETED";
	}
}

/* ---- the set of "ns/name" keys currently matching a filtered watch ---- */

static size_t
known_find(const struct watch *w, const char *key, bool *found)
{
	size_t lo = 0, hi = w->nknown, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(w->known[mid], key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

static bool
known_has(const struct watch *w, const char *key)
{
	bool f;

	(void)known_find(w, key, &f);
	return f;
}

static void
known_add(struct watch *w, const char *key)
{
	bool f;
	size_t at = known_find(w, key, &f);

	if (f)
		return;
	if (w->nknown == w->capknown) {
		w->capknown = w->capknown ? w->capknown * 2 : 16;
		w->known =
		    ck_reallocarray(w->known, w->capknown, sizeof(*w->known));
	}
	memmove(&w->known[at + 1], &w->known[at],
	    (w->nknown - at) * sizeof(*w->known));
	w->known[at] = ck_strdup(key);
	w->nknown++;
}

static void
known_del(struct watch *w, const char *key)
{
	bool f;
	size_t at = known_find(w, key, &f);

	if (!f)
		return;
	free(w->known[at]);
	memmove(&w->known[at], &w->known[at + 1],
	    (w->nknown - at - 1) * sizeof(*w->known));
	w->nknown--;
}

/* ---- framing and the memory budget ---- */

void
watch_account(struct watch *w)
{
	size_t q = w->buf.len - w->off;

	if (q != w->accounted && w->wl != NULL)
		atomic_fetch_add(&w->wl->queued,
		    (int64_t)q - (int64_t)w->accounted);
	w->accounted = q;
}

/*
 * Past the per-watch cap, or holding more than its share while every
 * watcher together is over --watch-queue-bytes: such a client does not
 * keep up, and its queue would only grow.
 */
static bool
too_slow(const struct watch *w)
{
	const struct watchlog *wl = w->wl;
	size_t q = w->buf.len - w->off, n;

	if (q > WATCH_MAX_QUEUE)
		return true;
	/* A page is only read for a client that took the last one. */
	if (w->paging || wl == NULL || wl->budget <= 0 ||
	    atomic_load(&wl->queued) <= wl->budget)
		return false;
	n = atomic_load(&wl->nwatches);
	return (int64_t)q > wl->budget / (int64_t)(n > 0 ? n : 1);
}

/*
 * End the stream with an ERROR event after what the client already has:
 * the rest of the event being sent is kept (never a cut line), the events
 * after it are dropped, so the memory goes back at once.
 */
static void
watch_fail(struct watch *w, int code, const char *reason, const char *msg)
{
	const char *nl;
	size_t keep;

	if (w->off > 0 && w->buf.buf[w->off - 1] != '\n') {
		nl = memchr(w->buf.buf + w->off, '\n', w->buf.len - w->off);
		keep = nl != NULL ? (size_t)(nl - w->buf.buf) + 1 : w->buf.len;
	} else
		keep = w->off;
	w->buf.len = keep;
	if (w->buf.buf != NULL)
		w->buf.buf[keep] = '\0';
	strbuf_addf(&w->buf, "{\"type\":\"ERROR\",\"object\":{"
	    "\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
	    "\"status\":\"Failure\",\"message\":\"%s\",\"reason\":\"%s\","
	    "\"code\":%d}}\n", msg, reason, code);
	w->ended = true;
	w->listing = false;
	watch_account(w);
}

static void
queue_event(struct watch *w, const char *type, const char *body, size_t len,
    const cJSON *obj, int64_t rv)
{
	cJSON *t, *ev;
	cJSON *objs[1];
	char rvs[32], *s;
	size_t slen;

	if (w->ended)
		return;
	if (too_slow(w)) {
		/* Never block the writer; 410 Expired tells clients to relist. */
		log_warn("watch %s: client too slow (%zu bytes queued), "
		    "ending the stream", w->res->qualified,
		    w->buf.len - w->off);
		if (w->wl != NULL)
			atomic_fetch_add(&w->wl->slow_ended, 1);
		watch_fail(w, 410, "Expired",
		    "the watch fell too far behind; relist");
		return;
	}
	if (w->table) {
		if (obj == NULL)
			return;
		objs[0] = (cJSON *)(uintptr_t)obj;
		snprintf(rvs, sizeof(rvs), "%lld", (long long)rv);
		t = table_build(w->res, objs, 1, rvs, false, !w->sent_columns);
		w->sent_columns = true;
		ev = cJSON_CreateObject();
		cJSON_AddStringToObject(ev, "type", type);
		cJSON_AddItemToObject(ev, "object", t);
		s = json_print(ev, &slen);
		strbuf_add(&w->buf, s, slen);
		strbuf_addc(&w->buf, '\n');
		cJSON_free(s);
		cJSON_Delete(ev);
	} else {
		/* A 1.3 name (convert.h) sees its own kind and version. */
		s = convert_out_text(w->res, body, len, &slen);
		strbuf_addf(&w->buf, "{\"type\":\"%s\",\"object\":", type);
		strbuf_add(&w->buf, s != NULL ? s : body, s != NULL ? slen :
		    len);
		strbuf_adds(&w->buf, "}\n");
		free(s);
	}
	w->last_write_ms = watch_now_ms();
	watch_account(w);
}

void
watch_wake(struct watch *w)
{
	if (w->suspended && w->resume != NULL) {
		w->suspended = false;
		w->resume(w->conn);
	}
}

/* While the initial list streams: (ns, name) is not listed yet. */
static bool
after_cursor(const struct watch *w, const char *ns, const char *name)
{
	int c;

	if (!w->listing)
		return false;
	if (!w->cursor_set)
		return true;
	c = strcmp(ns, w->cursor_ns);
	return c > 0 || (c == 0 && strcmp(name, w->cursor_name) > 0);
}

/* Match against the selectors; obj NULL never matches a filtered watch. */
static bool
obj_matches(const struct watch *w, const cJSON *obj)
{
	if (!w->filtered)
		return true;
	if (obj == NULL)
		return false;
	return selector_matches(w->lsel,
		   cJSON_GetObjectItemCaseSensitive(json_obj(obj, "metadata"),
		       "labels")) &&
	    fieldsel_matches(w->fsel, obj);
}

void
watch_mark_rv(struct watch *w, int64_t rv)
{
	w->last_rv = rv;
	w->rv_done = true;
	strbuf_reset(&w->rv_keys);
}

/*
 * Whether ev is new to w, and then note it. Events arrive in revision order
 * but one etcd txn's writes (a quota per namespace...) share a revision, so
 * at the last revision a different key is new, the same key a duplicate
 * (the catch-up and the hook both saw it).
 */
static bool
claim_event(struct watch *w, const struct store_event *ev)
{
	char key[2 * CK_NAME_MAX + 4];

	snprintf(key, sizeof(key), "\n%s/%s\n", ev->ns, ev->name);
	if (ev->rv < w->last_rv)
		return false;
	if (ev->rv == w->last_rv) {
		if (w->rv_done)
			return false;
		if (w->rv_keys.len > 0 &&
		    strstr(strbuf_str(&w->rv_keys), key) != NULL)
			return false;
	} else {
		w->last_rv = ev->rv;
		w->rv_done = false;
		strbuf_reset(&w->rv_keys);
	}
	if (w->rv_keys.len == 0)
		strbuf_addc(&w->rv_keys, '\n');
	strbuf_adds(&w->rv_keys, key + 1);
	return true;
}

void
watch_feed(struct watch *w, const struct store_event *ev, const cJSON *obj)
{
	char key[2 * CK_NAME_MAX + 2];
	const char *type = type_name(ev->type);
	bool match, known;

	if (!claim_event(w, ev))
		return;		/* already sent during the catch-up */
	if (w->ns[0] != '\0' && strcmp(w->ns, ev->ns) != 0)
		return;
	if (w->name[0] != '\0' && strcmp(w->name, ev->name) != 0)
		return;
	if (after_cursor(w, ev->ns, ev->name))
		return;		/* its page, read later, shows this change */
	if (w->filtered) {
		snprintf(key, sizeof(key), "%s/%s", ev->ns, ev->name);
		match = obj_matches(w, obj);
		known = known_has(w, key);
		if (ev->type == STORE_DELETED) {
			if (!known && !(match && !w->complete))
				return;
			known_del(w, key);
		} else if (match) {
			if (!known && (ev->type == STORE_ADDED || w->complete))
				type = "ADDED";
			known_add(w, key);
		} else {
			if (!known)
				return;
			known_del(w, key);
			type = "DELETED";	/* it stopped matching */
		}
	}
	queue_event(w, type, ev->body, ev->body_len, obj, ev->rv);
	watch_wake(w);
}

void
watch_heartbeat(struct watch *w, int64_t rv)
{
	char av[192];

	if (w->ended)
		return;
	/* No BOOKMARK before the initial list is out: it would be resumed
	 * from, skipping the objects not listed yet. */
	if (w->bookmarks && rv > 0 && !w->listing) {
		strbuf_addf(&w->buf,
		    "{\"type\":\"BOOKMARK\",\"object\":{\"kind\":\"%s\","
		    "\"apiVersion\":\"%s\","
		    "\"metadata\":{\"resourceVersion\":\"%lld\"}}}\n",
		    w->table ? "Table" : w->res->kind,
		    w->table ? "meta.k8s.io/v1"
			     : registry_api_version(w->res, av, sizeof(av)),
		    (long long)rv);
	} else
		strbuf_addc(&w->buf, '\n'); /* JSON decoders skip whitespace */
	w->last_write_ms = watch_now_ms();
	watch_account(w);
	watch_wake(w);
}

/* Queue one listed object as ADDED if it matches w. */
static void
list_item(struct watch *w, const struct store_item *it)
{
	char key[2 * CK_NAME_MAX + 2];
	cJSON *obj = NULL;

	if (w->name[0] != '\0' && strcmp(w->name, it->name) != 0)
		return;
	if (w->filtered || w->table)
		obj = cJSON_ParseWithLength(it->body, it->body_len);
	if (obj_matches(w, obj)) {
		if (w->filtered) {
			snprintf(key, sizeof(key), "%s/%s", it->ns, it->name);
			known_add(w, key);
		}
		queue_event(w, "ADDED", it->body, it->body_len, obj, it->rv);
	}
	cJSON_Delete(obj);
}

/*
 * The next page of the initial list, once the client took the last one.
 * Under both locks, so no commit hook runs meanwhile: every hooked change
 * of a key after the cursor was skipped (the page shows it), every change
 * of a listed key was queued. The page's snapshot may hold commits whose
 * hook has not run yet: those of already listed keys are queued from the
 * log now, the later hooks deduplicate by revision.
 */
static void
list_page(struct watch *w)
{
	struct watchlog *wl = w->wl;
	struct store_list l = { 0 };
	struct store_event *evs = NULL;
	size_t n = 0, i, limit = WATCH_PAGE_ITEMS;
	const struct store_item *last;
	int64_t since;
	cJSON *obj;
	int rc;

	if (wl->budget > 0 && atomic_load(&wl->queued) > wl->budget / 2)
		limit = WATCH_PAGE_SMALL;
	pthread_mutex_lock(&wl->mu);
	pthread_mutex_lock(&w->mu);
	if (!w->listing || w->ended)
		goto out;
	rc = store_list(wl->store, w->res->qualified, w->ns,
	    w->cursor_set ? w->cursor_ns : NULL,
	    w->cursor_set ? w->cursor_name : NULL, limit, &l);
	/* Not all of last_rv seen yet (a txn hooked in part): read it again. */
	since = w->rv_done || w->last_rv == 0 ? w->last_rv : w->last_rv - 1;
	if (rc >= 0 && l.rv > since)
		rc = store_events_since(wl->store, w->res->qualified,
		    since, 0, &evs, &n);
	if (rc == CK_EGONE) {
		watch_fail(w, 410, "Expired", "the initial list fell behind "
		    "the compacted log; relist");
		goto out;
	}
	if (rc < 0) {
		watch_fail(w, 500, "InternalError",
		    "Internal error occurred: storage read failed");
		goto out;
	}
	for (i = 0; i < n && evs[i].rv <= l.rv; i++) {
		obj = NULL;
		if (w->filtered || w->table)
			obj = cJSON_ParseWithLength(evs[i].body,
			    evs[i].body_len);
		watch_feed(w, &evs[i], obj);	/* skips unlisted keys */
		cJSON_Delete(obj);
	}
	if (l.rv >= w->last_rv)
		watch_mark_rv(w, l.rv);	/* the page shows all of l.rv */
	w->paging = true;
	for (i = 0; i < l.n; i++)
		list_item(w, &l.items[i]);
	w->paging = false;
	if (l.n > 0) {
		last = &l.items[l.n - 1];
		ck_strlcpy(w->cursor_ns, last->ns, sizeof(w->cursor_ns));
		ck_strlcpy(w->cursor_name, last->name, sizeof(w->cursor_name));
		w->cursor_set = true;
	}
	if (!l.more)
		w->listing = false;
out:
	pthread_mutex_unlock(&w->mu);
	pthread_mutex_unlock(&wl->mu);
	store_events_free(evs, n);
	store_list_fini(&l);
}

static int
gone(struct ck_status *st, struct store *s, int64_t from_rv)
{
	return ck_status_set(st, CK_EGONE,
	    "too old resource version: %lld (%lld)", (long long)from_rv,
	    (long long)store_compacted_revision(s));
}

/* Feed w the store's log after w->last_rv; needs no lock. */
static int
send_from_store(struct watch *w, struct store *s, struct ck_status *st)
{
	struct store_event *evs = NULL;
	cJSON *obj;
	size_t n = 0, i;
	int rc;

	if (w->last_rv < store_compacted_revision(s))
		return gone(st, s, w->last_rv);
	rc = store_events_since(s, w->res->qualified, w->last_rv, 0, &evs, &n);
	if (rc == CK_EGONE)
		return gone(st, s, w->last_rv);
	if (rc < 0) {
		ck_status_set(st, CK_EIO,
		    "Internal error occurred: storage: %s", ck_strerror(rc));
		return CK_EIO;
	}
	for (i = 0; i < n; i++) {
		obj = NULL;
		if (w->filtered || w->table)
			obj =
			    cJSON_ParseWithLength(evs[i].body, evs[i].body_len);
		watch_feed(w, &evs[i], obj);
		cJSON_Delete(obj);
	}
	store_events_free(evs, n);
	return 0;
}

/*
 * Under wl->mu: the events after w->last_rv that the unlocked phase could
 * not see, from the ring (the usual case) or the store. Every later commit
 * reaches w through the hook, which dedups by revision.
 */
static int
catch_up_locked(struct watch *w, struct store *s, struct ck_status *st)
{
	if (watchlog_replay(w->wl, w, w->last_rv))
		return 0;
	return send_from_store(w, s, st);
}

static void
watch_free(struct watch *w)
{
	size_t i;

	strbuf_fini(&w->buf);
	strbuf_fini(&w->rv_keys);
	w->off = 0;
	watch_account(w);	/* give its bytes back to the budget */
	for (i = 0; i < w->nknown; i++)
		free(w->known[i]);
	free(w->known);
	selector_free(w->lsel);
	fieldsel_free(w->fsel);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

int
watch_start(struct apiserver *srv, struct watch_params *p, struct watch **out,
    struct ck_status *st)
{
	struct watchlog *wl = srv->wl;
	struct watch *w;
	int64_t ring_floor;
	int rc;

	*out = NULL;
	w = ck_calloc(1, sizeof(*w));
	pthread_mutex_init(&w->mu, NULL);
	strbuf_init(&w->buf);
	strbuf_init(&w->rv_keys);
	w->res = p->res;
	ck_strlcpy(w->ns, p->ns, sizeof(w->ns));
	ck_strlcpy(w->name, p->name, sizeof(w->name));
	w->lsel = p->lsel;
	w->fsel = p->fsel;
	p->lsel = NULL;
	p->fsel = NULL;
	w->filtered =
	    !selector_is_empty(w->lsel) || !fieldsel_is_empty(w->fsel);
	w->table = p->table;
	w->bookmarks = p->bookmarks;
	w->last_write_ms = watch_now_ms();
	if (p->timeout_ms > 0)
		w->deadline_ms = w->last_write_ms + p->timeout_ms;
	w->wl = wl;

	/*
	 * The bulk of the work (the initial list, or a long replay from the
	 * store) runs before w is published, without the watchlog lock, so
	 * commits are not held up; the short tail is caught up under it.
	 */
	rc = 0;
	watch_mark_rv(w, p->from_rv);	/* the client has from_rv */
	if (p->from_rv == 0) {
		/* Streamed page by page as the client reads (list_page). */
		w->listing = true;
		w->complete = true;
	} else if (p->from_rv < store_compacted_revision(srv->store))
		rc = gone(st, srv->store, p->from_rv);
	else {
		pthread_mutex_lock(&wl->mu);
		ring_floor = wl->ring_floor;
		pthread_mutex_unlock(&wl->mu);
		if (p->from_rv < ring_floor)
			rc = send_from_store(w, srv->store, st);
	}
	pthread_mutex_lock(&wl->mu);
	pthread_mutex_lock(&w->mu);
	if (w->listing)
		watch_mark_rv(w, wl->rv); /* every page shows these */
	else if (rc == 0)
		rc = catch_up_locked(w, srv->store, st);
	/*
	 * A resumed watch that allows bookmarks gets one as soon as it has
	 * caught up (no commit can slip in: we hold the watchlog lock), so a
	 * client checking what it missed (the informers' verify) is done at
	 * once instead of at its timeout.
	 */
	if (rc == 0 && w->bookmarks && p->from_rv > 0 && !wl->stopping)
		watch_heartbeat(w, wl->rv > w->last_rv ? wl->rv : w->last_rv);
	if (wl->stopping)
		w->ended = true;
	pthread_mutex_unlock(&w->mu);
	if (rc == 0)
		watchlog_link(wl, w);
	pthread_mutex_unlock(&wl->mu);
	if (rc < 0) {
		watch_free(w);
		return rc;
	}
	log_v(4, "watch %s ns=%s name=%s from %lld", w->res->qualified, w->ns,
	    w->name, (long long)p->from_rv);
	*out = w;
	return 0;
}

void
watch_attach(struct watch *w, void *conn, void (*resume)(void *conn))
{
	pthread_mutex_lock(&w->mu);
	w->conn = conn;
	w->resume = resume;
	pthread_mutex_unlock(&w->mu);
}

void
watch_set_probe(struct watch *w, bool (*peer_gone)(void *conn))
{
	pthread_mutex_lock(&w->mu);
	w->peer_gone = peer_gone;
	pthread_mutex_unlock(&w->mu);
}

ssize_t
watch_read(struct watch *w, char *buf, size_t max, void (*suspend)(void *conn))
{
	size_t n;

	pthread_mutex_lock(&w->mu);
	while (w->off == w->buf.len && w->listing && !w->ended) {
		pthread_mutex_unlock(&w->mu);
		list_page(w);
		pthread_mutex_lock(&w->mu);
	}
	if (w->off < w->buf.len) {
		n = w->buf.len - w->off;
		if (n > max)
			n = max;
		memcpy(buf, w->buf.buf + w->off, n);
		w->off += n;
		if (w->off == w->buf.len) {
			if (w->buf.cap > WATCH_BUF_KEEP) {
				strbuf_fini(&w->buf);
				strbuf_init(&w->buf);
			} else
				strbuf_reset(&w->buf);
			w->off = 0;
		}
		watch_account(w);
		pthread_mutex_unlock(&w->mu);
		return (ssize_t)n;
	}
	if (w->ended) {
		pthread_mutex_unlock(&w->mu);
		return -1;
	}
	/* Suspend under the lock, so a wake-up cannot come before it. */
	w->suspended = true;
	suspend(w->conn);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

void
watch_release(struct watch *w)
{
	struct watchlog *wl;

	if (w == NULL)
		return;
	wl = w->wl;
	pthread_mutex_lock(&wl->mu);
	if (w->listed) {
		if (w->prev != NULL)
			w->prev->next = w->next;
		else
			wl->head = w->next;
		if (w->next != NULL)
			w->next->prev = w->prev;
		wl->nwatches--;
		w->listed = false;
	}
	pthread_mutex_unlock(&wl->mu);
	log_v(4, "watch %s ended", w->res->qualified);
	watch_free(w);
}
