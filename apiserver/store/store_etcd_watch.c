/*
 * store_etcd_watch.c: the etcd backend's one watch of the whole prefix (a
 * thread reading /v3/watch from the revision after the last delivered one,
 * with prev_kv) that runs the commit hook for every event, this apiserver's
 * writes and its peers' alike, and wakes the writers waiting for their
 * revision. A broken stream is reopened (on the next member if need be)
 * from delivered + 1; if etcd compacted that revision meanwhile, the events
 * in between cannot be had: logged, and the compacted revision raised so
 * watches from below it get 410. Also the history replay of
 * store_events_since (a second, short watch).
 */
#include "store_etcd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#include "store_etcd_http.h"

/* A history replay gives up after this long. */
#define ETCD_REPLAY_TIMEOUT_MS	10000
/* Pause between two attempts to reopen the watch. */
#define ETCD_REWATCH_MS		200

/*
 * The body of a watch from rev of everything under the prefix, or with
 * all_keys of the whole keyspace (every revision has an event there).
 */
static char *
watch_body(const struct etcd_store *s, int64_t rev, bool all_keys)
{
	struct strbuf p = STRBUF_INIT;
	cJSON *req, *cr;
	char *body;

	strbuf_addf(&p, "%s/", s->prefix);
	req = cJSON_CreateObject();
	cr = cJSON_AddObjectToObject(req, "create_request");
	if (req == NULL || cr == NULL)
		abort();
	if (all_keys) {
		etcd_json_add_bytes(cr, "key", "", 1);
		etcd_json_add_bytes(cr, "range_end", "", 1);
	} else
		etcd_add_prefix_range(cr, p.buf, p.len);
	etcd_json_add_i64(cr, "start_revision", rev);
	cJSON_AddBoolToObject(cr, "prev_kv", 1);
	cJSON_AddBoolToObject(cr, "progress_notify", 1);
	body = cJSON_PrintUnformatted(req);
	if (body == NULL)
		abort();
	cJSON_Delete(req);
	strbuf_fini(&p);
	return body;
}

/* One watch event as a store_event. */
static int
event_of(const struct etcd_store *s, const cJSON *e, struct store_event *ev)
{
	const cJSON *kv = cJSON_GetObjectItemCaseSensitive(e, "kv");
	const cJSON *prev = cJSON_GetObjectItemCaseSensitive(e, "prev_kv");
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(e, "type");
	char *key = NULL, *value = NULL;
	size_t len = 0;
	int rc = CK_EIO;

	memset(ev, 0, sizeof(*ev));
	key = etcd_json_bytes(kv, "key", NULL);
	if (key == NULL ||
	    etcd_key_split(s, key, &ev->resource, &ev->ns, &ev->name) < 0)
		goto out;
	ev->rv = etcd_json_i64(kv, "mod_revision");
	if (cJSON_IsString(type) && strcmp(type->valuestring, "DELETE") == 0) {
		ev->type = STORE_DELETED;
		value = etcd_json_bytes(prev, "value", &len);
	} else {
		ev->type = etcd_json_i64(kv, "create_revision") == ev->rv ?
		    STORE_ADDED : STORE_MODIFIED;
		value = etcd_json_bytes(kv, "value", &len);
	}
	if (value != NULL)
		ev->body = etcd_body_with_rv(value, len, ev->rv, &ev->body_len);
	if (ev->body == NULL && ev->type == STORE_DELETED) {
		/* no previous value (compacted away): name the object only */
		struct strbuf sb = STRBUF_INIT;

		strbuf_addf(&sb, "{\"metadata\":{\"name\":\"%s\",%s%s%s"
		    "\"resourceVersion\":\"%lld\"}}", ev->name,
		    *ev->ns ? "\"namespace\":\"" : "", ev->ns,
		    *ev->ns ? "\"," : "", (long long)ev->rv);
		ev->body = strbuf_detach(&sb, &ev->body_len);
	}
	if (ev->body != NULL)
		rc = 0;
out:
	if (rc < 0) {
		log_error("store: etcd: watch event on %s: not an object of "
		    "this store; skipped", key ? key : "?");
		store_event_fini(ev);
	}
	free(key);
	free(value);
	return rc;
}

/* Run the hook of one event (no lock held). */
static void
deliver(struct etcd_store *s, const struct store_event *ev)
{
	store_commit_fn fn;
	void *arg;

	pthread_mutex_lock(&s->mu);
	fn = s->hook;
	arg = s->hook_arg;
	pthread_mutex_unlock(&s->mu);
	if (fn != NULL) {
		etcd_hook_running = s;
		fn(ev, arg);
		etcd_hook_running = NULL;
	}
}

static void
advance(struct etcd_store *s, int64_t rev, int64_t last_event)
{
	pthread_mutex_lock(&s->mu);
	if (rev > s->delivered)
		s->delivered = rev;
	if (last_event > s->last_event)
		s->last_event = last_event;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* The events of one watch answer, in order; then its revision is done. */
static int
on_watch_line(const char *line, size_t len, void *arg)
{
	struct etcd_store *s = arg;
	const cJSON *res, *e, *hdr;
	struct store_event ev;
	int64_t c, rev, last = 0;
	cJSON *j;
	int stop = 0;

	j = cJSON_ParseWithLength(line, len);
	res = cJSON_GetObjectItemCaseSensitive(j, "result");
	if (!cJSON_IsObject(res)) {
		log_warn("store: etcd watch: %.*s", (int)(len > 200 ? 200 : len),
		    line);
		stop = 1;
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "canceled"))) {
		c = etcd_json_i64(res, "compact_revision");
		if (c > 0) {
			pthread_mutex_lock(&s->mu);
			rev = s->delivered;
			pthread_mutex_unlock(&s->mu);
			log_error("store: etcd: the watch cannot resume after "
			    "revision %lld: compacted at %lld; the changes in "
			    "between are lost to this apiserver's watchers",
			    (long long)rev, (long long)c);
			etcd_note_compacted(s, c - 1);
			advance(s, c - 1, 0);
		}
		stop = 1;
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "created"))) {
		/* its header is now, not what was delivered: wait for events */
		atomic_store(&s->watch_ok, 1);
		goto out;
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "events")) {
		if (event_of(s, e, &ev) < 0)
			continue;
		deliver(s, &ev);
		last = ev.rv;
		store_event_fini(&ev);
		advance(s, last - 1, last);
	}
	hdr = cJSON_GetObjectItemCaseSensitive(res, "header");
	rev = etcd_json_i64(hdr, "revision");
	advance(s, rev > last ? rev : last, last);
out:
	cJSON_Delete(j);
	return stop;
}

static void
pause_unless_stopping(struct etcd_store *s, int ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_nsec += (long)ms * 1000000L;
	ts.tv_sec += ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	pthread_mutex_lock(&s->mu);
	if (!atomic_load(&s->stop))
		(void)pthread_cond_timedwait(&s->cv, &s->mu, &ts);
	pthread_mutex_unlock(&s->mu);
}

static void *
watch_main(void *arg)
{
	struct etcd_store *s = arg;
	int64_t from;
	char *body;
	bool warned = false;
	int rc;

	while (!atomic_load(&s->stop)) {
		pthread_mutex_lock(&s->mu);
		from = s->delivered + 1;
		pthread_mutex_unlock(&s->mu);
		body = watch_body(s, from, false);
		rc = etcd_stream(s->cl, "/v3/watch", body, 0, on_watch_line, s,
		    &s->stop);
		free(body);
		atomic_store(&s->watch_ok, 0);
		if (atomic_load(&s->stop))
			break;
		if (!warned || rc != CK_EUNAVAIL)
			log_warn("store: etcd watch from revision %lld: %s; "
			    "reopening", (long long)from, rc < 0 ?
			    store_last_error() : "ended");
		warned = rc == CK_EUNAVAIL;
		pause_unless_stopping(s, ETCD_REWATCH_MS);
	}
	return NULL;
}

int
etcd_watch_start(struct etcd_store *s)
{
	if (pthread_create(&s->thread, NULL, watch_main, s) != 0)
		return CK_EIO;
	s->thread_started = true;
	return 0;
}

void
etcd_watch_stop(struct etcd_store *s)
{
	if (!s->thread_started)
		return;
	pthread_mutex_lock(&s->mu);
	atomic_store(&s->stop, 1);
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	pthread_join(s->thread, NULL);
	s->thread_started = false;
}

/* ---- history ---- */

struct replay {
	const struct etcd_store	*s;
	const char		*resource;	/* NULL: all */
	int64_t			 until;		/* stop at an event >= it */
	size_t			 limit;
	struct store_event	*evs;
	size_t			 n, cap;
	int64_t			 compacted;	/* canceled: compacted at */
	bool			 done;
};

/* Whether kv's key is under the prefix (the replay sees every key). */
static bool
under_prefix(const struct etcd_store *s, const cJSON *kv)
{
	size_t plen = strlen(s->prefix), len = 0;
	char *key = etcd_json_bytes(kv, "key", &len);
	bool in;

	in = key != NULL && len > plen && memcmp(key, s->prefix, plen) == 0 &&
	    key[plen] == '/';
	free(key);
	return in;
}

static int
on_replay_line(const char *line, size_t len, void *arg)
{
	struct replay *r = arg;
	const cJSON *res, *e, *kv;
	struct store_event ev;
	cJSON *j;
	int stop = 0;

	j = cJSON_ParseWithLength(line, len);
	res = cJSON_GetObjectItemCaseSensitive(j, "result");
	if (!cJSON_IsObject(res)) {
		stop = 1;
		goto out;
	}
	if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(res, "canceled"))) {
		r->compacted = etcd_json_i64(res, "compact_revision");
		stop = 1;
		goto out;
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "events")) {
		kv = cJSON_GetObjectItemCaseSensitive(e, "kv");
		if (etcd_json_i64(kv, "mod_revision") >= r->until)
			r->done = true;
		if (!under_prefix(r->s, kv) || event_of(r->s, e, &ev) < 0)
			continue;
		if (ev.rv > r->until || (r->resource != NULL &&
		    strcmp(ev.resource, r->resource) != 0) ||
		    (r->limit > 0 && r->n == r->limit)) {
			store_event_fini(&ev);
			continue;
		}
		if (r->n == r->cap) {
			r->cap = r->cap ? 2 * r->cap : 16;
			r->evs = ck_realloc(r->evs, r->cap * sizeof(*r->evs));
		}
		r->evs[r->n++] = ev;
	}
	if (r->done || (r->limit > 0 && r->n == r->limit)) {
		r->done = true;
		stop = 1;
	}
out:
	cJSON_Delete(j);
	return stop;
}

/*
 * etcd's history from from_rv + 1 up to etcd's revision now, so it covers
 * any list read before (a watch's initial page reads etcd, which may be
 * ahead of the watch thread): a watch of the whole keyspace, where every
 * revision has an event, read until the event at that revision comes,
 * then dropped; the events under the prefix are kept.
 */
int
etcd_events_since(struct store *base, const char *resource, int64_t from_rv,
    size_t limit, struct store_event **out, size_t *n)
{
	struct etcd_store *s = (struct etcd_store *)base;
	struct replay r;
	char *body;
	int rc;

	*out = NULL;
	*n = 0;
	if (from_rv < atomic_load(&s->compacted))
		return CK_EGONE;
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.resource = resource;
	r.limit = limit;
	if ((rc = etcd_current_revision(s, &r.until)) < 0)
		return rc;
	if (r.until <= from_rv)
		return 0;
	body = watch_body(s, from_rv + 1, true);
	rc = etcd_stream(s->cl, "/v3/watch", body, ETCD_REPLAY_TIMEOUT_MS,
	    on_replay_line, &r, &s->stop);
	free(body);
	if (r.compacted > 0) {
		etcd_note_compacted(s, r.compacted - 1);
		rc = CK_EGONE;
	} else if (rc == 0 && !r.done)
		rc = CK_ESHUTDOWN;
	if (rc < 0) {
		store_events_free(r.evs, r.n);
		return rc;
	}
	*out = r.evs;
	*n = r.n;
	return 0;
}
