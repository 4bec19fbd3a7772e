/*
 * events.c: the Event recorder (events.h). Callers fill a bounded ring of
 * records under a mutex; one sender thread turns each into a created Event
 * or, for a repeat, a merge PATCH of count and lastTimestamp. The
 * aggregation table is the sender's alone, so it needs no lock.
 */
#include "ckube/events.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"

#define EVENTS_AGG_MAX	4096

struct record {
	char	*kind, *ns, *name, *uid, *api_version, *rv;
	char	*type, *reason, *message;
};

/* An Event written before, by aggregation key. */
struct written {
	char	 event_name[CK_NAME_MAX];
	char	 ns[CK_NAME_MAX];
	int64_t	 count;
	char	 key[];
};

struct events {
	struct client		*cl;
	char			*component;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cond;	/* records queued, stopping */
	pthread_cond_t		 idle;	/* the queue went empty */
	struct record		*ring;
	size_t			 cap, head, len;
	int			 sending;
	int			 stopping;
	int			 started;
	pthread_t		 thread;
	struct events_stats	 stats;
	struct strmap		*agg;	/* sender thread only */
	uint64_t		 seq;	/* sender thread only */
};

struct events *
events_new(struct client *cl, const char *component, size_t queue_max)
{
	struct events *ev = ck_calloc(1, sizeof(*ev));

	ev->cl = cl;
	ev->component = ck_strdup(component != NULL ? component : "ckube");
	ev->cap = queue_max > 0 ? queue_max : EVENTS_QUEUE_MAX;
	ev->ring = ck_calloc(ev->cap, sizeof(*ev->ring));
	pthread_mutex_init(&ev->mu, NULL);
	if (clock_cond_init(&ev->cond) != 0 || clock_cond_init(&ev->idle) != 0)
		fatalx("events: cond init");
	ev->agg = strmap_new();
	return ev;
}

static void
record_fini(struct record *r)
{
	free(r->kind);
	free(r->ns);
	free(r->name);
	free(r->uid);
	free(r->api_version);
	free(r->rv);
	free(r->type);
	free(r->reason);
	free(r->message);
	memset(r, 0, sizeof(*r));
}

void
events_recordv(struct events *ev, const struct kobj *obj, const char *type,
    const char *reason, const char *fmt, va_list ap)
{
	struct strbuf msg = STRBUF_INIT;
	struct record *r;

	if (ev == NULL || obj == NULL)
		return;
	pthread_mutex_lock(&ev->mu);
	if (ev->len == ev->cap || ev->stopping) {
		ev->stats.dropped++;
		pthread_mutex_unlock(&ev->mu);
		log_v(2, "events: dropped %s %s for %s (queue full)", type,
		    reason, kobj_key(obj));
		return;
	}
	pthread_mutex_unlock(&ev->mu);
	strbuf_vaddf(&msg, fmt, ap);
	pthread_mutex_lock(&ev->mu);
	if (ev->len == ev->cap) {
		ev->stats.dropped++;
		pthread_mutex_unlock(&ev->mu);
		strbuf_fini(&msg);
		return;
	}
	r = &ev->ring[(ev->head + ev->len) % ev->cap];
	r->kind = ck_strdup(kobj_kind(obj));
	r->ns = ck_strdup(kobj_namespace(obj));
	r->name = ck_strdup(kobj_name(obj));
	r->uid = ck_strdup(kobj_uid(obj));
	r->api_version = ck_strdup(kobj_api_version(obj));
	r->rv = ck_strdup(kobj_resource_version(obj));
	r->type = ck_strdup(type != NULL ? type : "Normal");
	r->reason = ck_strdup(reason != NULL ? reason : "");
	r->message = strbuf_detach(&msg, NULL);
	ev->len++;
	pthread_cond_signal(&ev->cond);
	pthread_mutex_unlock(&ev->mu);
}

void
events_record(struct events *ev, const struct kobj *obj, const char *type,
    const char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	events_recordv(ev, obj, type, reason, fmt, ap);
	va_end(ap);
}

static void
add_str(cJSON *o, const char *k, const char *v)
{
	if (v != NULL && v[0] != '\0' &&
	    cJSON_AddStringToObject(o, k, v) == NULL)
		fatalx("events: out of memory");
}

static cJSON *
event_json(struct events *ev, const struct record *r, const char *name,
    const char *ns, const char *now)
{
	cJSON *e, *meta, *io, *src;

	e = cJSON_CreateObject();
	meta = cJSON_CreateObject();
	io = cJSON_CreateObject();
	src = cJSON_CreateObject();
	if (e == NULL || meta == NULL || io == NULL || src == NULL)
		fatalx("events: out of memory");
	add_str(e, "apiVersion", "v1");
	add_str(e, "kind", "Event");
	add_str(meta, "name", name);
	add_str(meta, "namespace", ns);
	cJSON_AddItemToObject(e, "metadata", meta);
	add_str(io, "kind", r->kind);
	add_str(io, "namespace", r->ns);
	add_str(io, "name", r->name);
	add_str(io, "uid", r->uid);
	add_str(io, "apiVersion", r->api_version);
	add_str(io, "resourceVersion", r->rv);
	cJSON_AddItemToObject(e, "involvedObject", io);
	add_str(e, "reason", r->reason);
	add_str(e, "message", r->message);
	add_str(e, "type", r->type);
	add_str(src, "component", ev->component);
	cJSON_AddItemToObject(e, "source", src);
	add_str(e, "reportingComponent", ev->component);
	if (cJSON_AddNumberToObject(e, "count", 1) == NULL)
		fatalx("events: out of memory");
	add_str(e, "firstTimestamp", now);
	add_str(e, "lastTimestamp", now);
	return e;
}

static int
patch_repeat(struct events *ev, struct written *w, const struct record *r,
    const char *now)
{
	struct ck_status st;
	cJSON *p;
	int rc;

	p = cJSON_CreateObject();
	if (p == NULL || cJSON_AddNumberToObject(p, "count",
	    (double)(w->count + 1)) == NULL)
		fatalx("events: out of memory");
	add_str(p, "lastTimestamp", now);
	add_str(p, "message", r->message);
	rc = client_patch(ev->cl, &CLIENT_GVR_EVENTS, w->ns, w->event_name,
	    NULL, CLIENT_PATCH_MERGE, p, NULL, &st);
	cJSON_Delete(p);
	if (rc == 0)
		w->count++;
	else if (rc != CK_ENOTFOUND)
		log_warn("events: patch %s/%s: %s", w->ns, w->event_name,
		    st.message);
	return rc;
}

static void
agg_clear(struct events *ev)
{
	strmap_free(ev->agg, free);
	ev->agg = strmap_new();
}

/* Write one record: a new Event, or a repeat of one. */
static void
send_record(struct events *ev, const struct record *r)
{
	struct strbuf key = STRBUF_INIT;
	struct written *w;
	struct ck_status st;
	char now[RFC3339_MAX], name[CK_NAME_MAX];
	const char *ns;
	cJSON *e;
	int rc, n;

	rfc3339_now(now);
	strbuf_addf(&key, "%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s\x1f%s", r->kind,
	    r->ns, r->name, r->uid, r->type, r->reason, r->message);
	w = strmap_get(ev->agg, strbuf_str(&key));
	if (w != NULL) {
		rc = patch_repeat(ev, w, r, now);
		pthread_mutex_lock(&ev->mu);
		if (rc == 0)
			ev->stats.patched++;
		else if (rc != CK_ENOTFOUND)
			ev->stats.failed++;
		pthread_mutex_unlock(&ev->mu);
		if (rc != CK_ENOTFOUND)
			goto out;
		/* The Event expired or was deleted: write a new one. */
		free(strmap_remove(ev->agg, strbuf_str(&key)));
	}
	ns = r->ns[0] != '\0' ? r->ns : "default";
	n = snprintf(name, sizeof(name), "%.200s.%016" PRIx64, r->name,
	    (uint64_t)ck_wall_us() * 1000 + (ev->seq++ % 1000));
	if (n < 0 || (size_t)n >= sizeof(name))
		goto out;
	e = event_json(ev, r, name, ns, now);
	rc = client_create(ev->cl, e, NULL, &st);
	cJSON_Delete(e);
	pthread_mutex_lock(&ev->mu);
	if (rc == 0)
		ev->stats.created++;
	else
		ev->stats.failed++;
	pthread_mutex_unlock(&ev->mu);
	if (rc < 0) {
		if (rc != CK_ESHUTDOWN)
			log_warn("events: %s %s for %s/%s: %s", r->type,
			    r->reason, r->ns, r->name, st.message);
		goto out;
	}
	if (strmap_len(ev->agg) >= EVENTS_AGG_MAX)
		agg_clear(ev);
	w = ck_calloc(1, sizeof(*w) + key.len + 1);
	memcpy(w->key, strbuf_str(&key), key.len + 1);
	ck_strlcpy(w->event_name, name, sizeof(w->event_name));
	ck_strlcpy(w->ns, ns, sizeof(w->ns));
	w->count = 1;
	(void)strmap_put(ev->agg, w->key, w);
out:
	strbuf_fini(&key);
}

static void *
sender_main(void *arg)
{
	struct events *ev = arg;
	struct record r;

	pthread_mutex_lock(&ev->mu);
	for (;;) {
		if (ev->len == 0) {
			pthread_cond_broadcast(&ev->idle);
			if (ev->stopping)
				break;
			(void)clock_cond_timedwait(&ev->cond, &ev->mu,
			    CLOCK_NEVER);
			continue;
		}
		r = ev->ring[ev->head];
		memset(&ev->ring[ev->head], 0, sizeof(r));
		ev->head = (ev->head + 1) % ev->cap;
		ev->len--;
		ev->sending = 1;
		pthread_mutex_unlock(&ev->mu);
		send_record(ev, &r);
		record_fini(&r);
		pthread_mutex_lock(&ev->mu);
		ev->sending = 0;
	}
	pthread_mutex_unlock(&ev->mu);
	return NULL;
}

int
events_start(struct events *ev)
{
	if (pthread_create(&ev->thread, NULL, sender_main, ev) != 0) {
		log_error("events: cannot start the sender thread");
		return CK_EIO;
	}
	ev->started = 1;
	return 0;
}

int
events_flush(struct events *ev, uint64_t deadline_ms)
{
	int rc = 0;

	pthread_mutex_lock(&ev->mu);
	while (ev->len > 0 || ev->sending) {
		if (clock_cond_timedwait(&ev->idle, &ev->mu, deadline_ms) ==
		    CK_ETIMEDOUT) {
			rc = CK_ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&ev->mu);
	return rc;
}

void
events_get_stats(struct events *ev, struct events_stats *out)
{
	pthread_mutex_lock(&ev->mu);
	*out = ev->stats;
	pthread_mutex_unlock(&ev->mu);
}

void
events_free(struct events *ev)
{
	size_t i;

	if (ev == NULL)
		return;
	pthread_mutex_lock(&ev->mu);
	ev->stopping = 1;
	pthread_cond_broadcast(&ev->cond);
	pthread_mutex_unlock(&ev->mu);
	if (ev->started)
		pthread_join(ev->thread, NULL);
	for (i = 0; i < ev->len; i++)
		record_fini(&ev->ring[(ev->head + i) % ev->cap]);
	free(ev->ring);
	strmap_free(ev->agg, free);
	pthread_cond_destroy(&ev->cond);
	pthread_cond_destroy(&ev->idle);
	pthread_mutex_destroy(&ev->mu);
	free(ev->component);
	free(ev);
}
