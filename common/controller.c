/*
 * controller.c: the controller skeleton's inner part: the work queue and
 * its workers, the watch handlers that turn changes into keys, the writes
 * (real client or test backend), events and metrics. The daemon around it
 * (flags, informers, leader election, resync, shutdown) is
 * controller_main.c.
 */
#include "ckube/controller.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/events.h"
#include "ckube/informer.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/metrics.h"
#include "ckube/strbuf.h"
#include "ckube/workqueue.h"

#include "controller_int.h"

static struct metric *
labelled(struct metric *(*make)(const char *, const char *),
    const char *base, const char *name, const char *help)
{
	struct strbuf sb = STRBUF_INIT;
	struct metric *m;

	strbuf_addf(&sb, "%s{name=\"%s\"}", base, name);
	m = make(strbuf_str(&sb), help);
	strbuf_fini(&sb);
	return m;
}

struct controller *
controller_alloc(const struct controller_def *def)
{
	struct controller *c = ck_calloc(1, sizeof(*c));
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	c->def = def;
	pthread_mutex_init(&c->mu, NULL);
	c->queue = workqueue_new(def->name, NULL);
	c->slots = ck_calloc(def->nwatches + 1, sizeof(*c->slots));
	for (i = 0; i < def->nwatches; i++) {
		c->slots[i].c = c;
		c->slots[i].w = &def->watches[i];
	}
	c->m_depth = labelled(metrics_gauge, "ckube_workqueue_depth",
	    def->name, "Keys waiting for a worker.");
	c->m_adds = labelled(metrics_counter, "ckube_workqueue_adds_total",
	    def->name, "Keys queued (not counting de-duplicated adds).");
	c->m_retries = labelled(metrics_counter,
	    "ckube_workqueue_retries_total", def->name,
	    "Rate-limited requeues after a failed reconcile.");
	c->m_errors = labelled(metrics_counter,
	    "ckube_reconcile_errors_total", def->name,
	    "Reconciles that failed (conflicts included).");
	strbuf_addf(&sb, "ckube_reconcile_duration_seconds{name=\"%s\"}",
	    def->name);
	c->m_duration = metrics_histogram(strbuf_str(&sb),
	    "How long reconcile took.", NULL, 0);
	strbuf_fini(&sb);
	return c;
}

const struct controller_def *
controller_def(const struct controller *c)
{
	return c->def;
}

void
controller_set_data(struct controller *c, void *data)
{
	c->data = data;
}

void *
controller_data(const struct controller *c)
{
	return c->data;
}

struct client *
controller_client(struct controller *c)
{
	return c->cl;
}

struct cache *
controller_cache(struct controller *c, const char *resource)
{
	struct informer *inf;

	if (c->be != NULL)
		return c->be->cache(c->be_arg, resource);
	inf = c->informers != NULL ?
	    informer_group_find(c->informers, resource) : NULL;
	if (inf == NULL) {
		log_error("%s: no watch on %s", c->def->name, resource);
		return NULL;
	}
	return informer_cache(inf);
}

/* Bring the queue's counters into the metrics (deltas under c->mu). */
static void
refresh_metrics(struct controller *c)
{
	struct workqueue_metrics m;

	workqueue_read_metrics(c->queue, &m);
	pthread_mutex_lock(&c->mu);
	metrics_gauge_set(c->m_depth, (double)m.depth);
	if (m.adds > c->seen_adds)
		metrics_counter_add(c->m_adds, (double)(m.adds - c->seen_adds));
	if (m.retries > c->seen_retries)
		metrics_counter_add(c->m_retries,
		    (double)(m.retries - c->seen_retries));
	c->seen_adds = m.adds;
	c->seen_retries = m.retries;
	pthread_mutex_unlock(&c->mu);
}

void
controller_enqueue(struct controller *c, const char *key)
{
	if (key == NULL || key[0] == '\0')
		return;
	workqueue_add(c->queue, key);
	pthread_mutex_lock(&c->mu);
	c->stats.enqueues++;
	pthread_mutex_unlock(&c->mu);
	refresh_metrics(c);
}

void
controller_requeue_after(struct controller *c, const char *key,
    unsigned int delay_ms)
{
	workqueue_add_after(c->queue, key, delay_ms);
}

void
controller_event(struct controller *c, const struct kobj *obj,
    const char *type, const char *reason, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	if (c->be != NULL) {
		strbuf_vaddf(&msg, fmt, ap);
		if (c->be->event != NULL)
			c->be->event(c->be_arg, obj, type, reason,
			    strbuf_str(&msg));
		strbuf_fini(&msg);
	} else
		events_recordv(c->events, obj, type, reason, fmt, ap);
	va_end(ap);
}

int
controller_create(struct controller *c, const struct kobj *obj,
    struct kobj **out, struct ck_status *st)
{
	if (c->be != NULL)
		return c->be->create(c->be_arg, obj, out, st);
	return client_create_kobj(c->cl, obj, out, st);
}

int
controller_update(struct controller *c, const struct kobj *obj,
    struct kobj **out, struct ck_status *st)
{
	if (c->be != NULL)
		return c->be->update(c->be_arg, obj, out, st);
	return client_update_kobj(c->cl, obj, out, st);
}

int
controller_update_status(struct controller *c, const struct kobj *obj,
    struct kobj **out, struct ck_status *st)
{
	if (c->be != NULL)
		return c->be->update_status(c->be_arg, obj, out, st);
	return client_update_status_kobj(c->cl, obj, out, st);
}

int
controller_patch(struct controller *c, const struct client_gvr *gvr,
    const char *ns, const char *name, const char *subresource,
    enum client_patch_type type, const struct cJSON *patch,
    struct kobj **out, struct ck_status *st)
{
	if (c->be != NULL)
		return c->be->patch(c->be_arg, gvr, ns, name, subresource,
		    type, patch, out, st);
	return client_patch_kobj(c->cl, gvr, ns, name, subresource, type,
	    patch, out, st);
}

int
controller_delete(struct controller *c, const struct client_gvr *gvr,
    const char *ns, const char *name, const struct client_delete_opts *opts,
    struct ck_status *st)
{
	if (c->be != NULL)
		return c->be->del(c->be_arg, gvr, ns, name, opts, st);
	return client_delete(c->cl, gvr, ns, name, opts, NULL, st);
}

int
controller_get(struct controller *c, const struct client_gvr *gvr,
    const char *ns, const char *name, struct kobj **out, struct ck_status *st)
{
	*out = NULL;
	if (c->be != NULL)
		return c->be->get != NULL ?
		    c->be->get(c->be_arg, gvr, ns, name, out, st) :
		    ck_status_set(st, CK_ENOTSUP, "no get in this backend");
	return client_get_kobj(c->cl, gvr, ns, name, out, st);
}

int
controller_watch_gvr(struct controller *c, const char *resource,
    const struct client_gvr *gvr, const struct informer_handlers *h)
{
	if (c->be != NULL || c->informers == NULL)
		return CK_ENOTSUP;
	return informer_group_add_gvr(c->informers, resource, gvr, h, NULL);
}

bool
controller_watches_synced(struct controller *c)
{
	if (c->be != NULL || c->informers == NULL)
		return true;
	return informer_group_has_synced(c->informers);
}

/* Watch handlers: they only compute keys. */

static void
enqueue_owner(struct controller *c, const struct watch_spec *w,
    const struct kobj *obj)
{
	const char *kind = kobj_controller_ref_str(obj, "kind");
	const char *name = kobj_controller_ref_str(obj, "name");
	struct strbuf key = STRBUF_INIT;

	if (kind == NULL || name == NULL ||
	    (w->owner_kind != NULL && strcmp(kind, w->owner_kind) != 0))
		return;
	if (kobj_namespace(obj)[0] != '\0')
		strbuf_addf(&key, "%s/%s", kobj_namespace(obj),
		    name);
	else
		strbuf_addf(&key, "%s", name);
	controller_enqueue(c, strbuf_str(&key));
	strbuf_fini(&key);
}

static void
handle(struct controller_slot *s, const struct kobj *obj)
{
	switch (s->w->role) {
	case WATCH_PRIMARY:
		controller_enqueue(s->c, kobj_key(obj));
		break;
	case WATCH_OWNED:
		enqueue_owner(s->c, s->w, obj);
		break;
	case WATCH_MAPPED:
		if (s->w->map != NULL)
			s->w->map(s->c, obj);
		break;
	case WATCH_CACHE_ONLY:
		break;
	}
}

static void
on_add(const struct kobj *obj, void *arg)
{
	handle(arg, obj);
}

static void
on_update(const struct kobj *old_obj, const struct kobj *new_obj, void *arg)
{
	struct controller_slot *s = arg;

	handle(s, new_obj);
	/* A new owner (or a map that changed) must not strand the old one. */
	if (s->w->role != WATCH_PRIMARY && old_obj != NULL)
		handle(s, old_obj);
}

static void
on_delete(const struct kobj *obj, void *arg)
{
	struct controller_slot *s = arg;

	controller_forget_adopter(s->c, obj);
	handle(s, obj);
}

void
controller_handlers(struct controller *c, size_t i,
    struct informer_handlers *h)
{
	h->on_add = on_add;
	h->on_update = on_update;
	h->on_delete = on_delete;
	h->arg = &c->slots[i];
}

void
controller_notify(struct controller *c, const char *resource,
    const struct kobj *old_obj, const struct kobj *new_obj)
{
	size_t i;

	for (i = 0; i < c->def->nwatches; i++) {
		if (strcmp(c->def->watches[i].resource, resource) != 0)
			continue;
		if (old_obj == NULL)
			on_add(new_obj, &c->slots[i]);
		else if (new_obj == NULL)
			on_delete(old_obj, &c->slots[i]);
		else
			on_update(old_obj, new_obj, &c->slots[i]);
	}
}

/* Workers */

static void
reconcile_one(struct controller *c, const char *key)
{
	uint64_t t0 = ck_now_us();
	int rc;

	rc = c->def->reconcile(c, key);
	metrics_histogram_observe(c->m_duration,
	    (double)(ck_now_us() - t0) / 1e6);
	pthread_mutex_lock(&c->mu);
	c->stats.reconciles++;
	if (rc == CK_ECONFLICT)
		c->stats.conflicts++;
	else if (rc < 0)
		c->stats.errors++;
	if (rc < 0)
		c->stats.requeues++;
	pthread_mutex_unlock(&c->mu);
	if (rc == 0) {
		workqueue_forget(c->queue, key);
		log_v(2, "%s %s: synced in %.3f ms", c->def->name, key,
		    (double)(ck_now_us() - t0) / 1e3);
	} else {
		metrics_counter_inc(c->m_errors);
		if (rc == CK_ECONFLICT || rc == CK_ESHUTDOWN)
			log_v(2, "%s %s: %s; retrying", c->def->name, key,
			    ck_strerror(rc));
		else
			log_error("%s %s: sync failed: %s; retrying",
			    c->def->name, key, ck_strerror(rc));
		workqueue_add_rate_limited(c->queue, key);
	}
}

static void *
worker_main(void *arg)
{
	struct controller *c = arg;
	const char *key;

	while (workqueue_get(c->queue, &key) == 0) {
		refresh_metrics(c);
		reconcile_one(c, key);
		workqueue_done(c->queue, key);
		refresh_metrics(c);
	}
	return NULL;
}

int
controller_start_workers(struct controller *c, int n)
{
	while (c->nworkers < n && c->nworkers < CONTROLLER_WORKERS_MAX) {
		if (pthread_create(&c->workers[c->nworkers], NULL, worker_main,
		    c) != 0) {
			log_error("%s: cannot start a worker", c->def->name);
			return CK_EIO;
		}
		c->nworkers++;
	}
	return 0;
}

int
controller_wait_idle(struct controller *c, uint64_t deadline_ms)
{
	return workqueue_drain(c->queue, deadline_ms);
}

void
controller_stop_workers(struct controller *c, uint64_t deadline_ms)
{
	int i;

	workqueue_shutdown(c->queue);
	if (workqueue_drain(c->queue, deadline_ms) < 0) {
		log_warn("%s: queue not drained in time; stopping now",
		    c->def->name);
		workqueue_shutdown_now(c->queue);
	}
	for (i = 0; i < c->nworkers; i++)
		pthread_join(c->workers[i], NULL);
	c->nworkers = 0;
}

void
controller_get_stats(struct controller *c, struct controller_stats *out)
{
	pthread_mutex_lock(&c->mu);
	*out = c->stats;
	pthread_mutex_unlock(&c->mu);
}

void
controller_release(struct controller *c)
{
	workqueue_free(c->queue);
	free(c->slots);
	controller_fills_free(c);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

struct controller *
controller_new_test(const struct controller_def *def,
    const struct controller_backend *be, void *arg)
{
	struct controller *c = controller_alloc(def);

	c->be = be;
	c->be_arg = arg;
	if (def->init != NULL && def->init(c) < 0) {
		controller_release(c);
		return NULL;
	}
	return c;
}

void
controller_free(struct controller *c)
{
	if (c == NULL)
		return;
	controller_stop_workers(c, ck_now_ms() + 30000);
	if (c->def->fini != NULL)
		c->def->fini(c);
	controller_release(c);
}
