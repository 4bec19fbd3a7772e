/*
 * monitors.c: the garbage collector's view of the cluster: periodic
 * discovery, one informer ("monitor") per resource that can be listed,
 * watched and deleted, and the informer events run through the graph under
 * the collector's mutex (Kubernetes' GraphBuilder), turning the uids the
 * graph names into work queue keys. Also the state, its metrics and the
 * bounded cache of owners known to be absent.
 */
#include "gc.h"

#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/informer.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/metrics.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"

#define ABSENT_MAX	65536	/* absent-owner uids remembered */
#define RETRY_MS	2000	/* discovery failed: try again */

int64_t gc_flag_discovery_period_ms = 30000;

/* A strmap used as a set: the value is the key's own copy. */
static void
set_add(struct strmap *m, const char *key)
{
	char *k;

	if (strmap_get(m, key) != NULL)
		return;
	k = ck_strdup(key);
	strmap_put(m, k, k);
}

static void
set_remove(struct strmap *m, const char *key)
{
	free(strmap_remove(m, key));
}

int
gc_init(struct controller *c)
{
	struct gc *gc = ck_calloc(1, sizeof(*gc));

	pthread_mutex_init(&gc->mu, NULL);
	gc->graph = graph_new();
	gc->absent = strmap_new();
	gc->queued_delete = strmap_new();
	gc->queued_orphan = strmap_new();
	gc->discovery_period_ms = gc_flag_discovery_period_ms;
	gc->m_nodes = metrics_gauge("ckube_gc_graph_nodes",
	    "Objects (and virtual owners) in the dependency graph.");
	gc->m_virtual = metrics_gauge("ckube_gc_graph_virtual_nodes",
	    "Owners named by dependents but not observed yet.");
	gc->m_monitors = metrics_gauge("ckube_gc_monitors",
	    "Resources watched (found by discovery).");
	gc->m_delete_depth = metrics_gauge("ckube_gc_attempt_to_delete_depth",
	    "Objects waiting in the attemptToDelete queue.");
	gc->m_orphan_depth = metrics_gauge("ckube_gc_attempt_to_orphan_depth",
	    "Owners waiting in the attemptToOrphan queue.");
	gc->m_deletions = metrics_counter("ckube_gc_deletions_total",
	    "Objects the collector deleted.");
	gc->m_orphanings = metrics_counter("ckube_gc_orphanings_total",
	    "Owners whose dependents the collector orphaned.");
	controller_set_data(c, gc);
	/* Workers start once leading; discovery is their first key. */
	controller_enqueue(c, GC_KEY_DISCOVERY);
	return 0;
}

void
gc_fini(struct controller *c)
{
	struct gc *gc = controller_data(c);

	if (gc == NULL)
		return;
	graph_free(gc->graph);
	apidiscovery_fini(&gc->disc);
	strmap_free(gc->absent, free);
	strmap_free(gc->queued_delete, free);
	strmap_free(gc->queued_orphan, free);
	pthread_mutex_destroy(&gc->mu);
	free(gc);
	controller_set_data(c, NULL);
}

/* Under gc->mu. */
static void
update_gauges(struct gc *gc)
{
	metrics_gauge_set(gc->m_nodes, (double)graph_len(gc->graph));
	metrics_gauge_set(gc->m_virtual,
	    (double)graph_virtual_len(gc->graph));
	metrics_gauge_set(gc->m_delete_depth,
	    (double)strmap_len(gc->queued_delete));
	metrics_gauge_set(gc->m_orphan_depth,
	    (double)strmap_len(gc->queued_orphan));
}

void
gc_enqueue_actions(struct controller *c, const struct graph_actions *a)
{
	struct gc *gc = controller_data(c);
	struct strbuf key = STRBUF_INIT;
	size_t i;

	pthread_mutex_lock(&gc->mu);
	for (i = 0; i < a->attempt_to_delete.n; i++)
		set_add(gc->queued_delete, a->attempt_to_delete.uid[i]);
	for (i = 0; i < a->attempt_to_orphan.n; i++)
		set_add(gc->queued_orphan, a->attempt_to_orphan.uid[i]);
	update_gauges(gc);
	pthread_mutex_unlock(&gc->mu);
	for (i = 0; i < a->attempt_to_orphan.n; i++) {
		strbuf_reset(&key);
		strbuf_addf(&key, "%s%s", GC_KEY_ORPHAN,
		    a->attempt_to_orphan.uid[i]);
		controller_enqueue(c, strbuf_str(&key));
	}
	for (i = 0; i < a->attempt_to_delete.n; i++) {
		strbuf_reset(&key);
		strbuf_addf(&key, "%s%s", GC_KEY_DELETE,
		    a->attempt_to_delete.uid[i]);
		controller_enqueue(c, strbuf_str(&key));
	}
	strbuf_fini(&key);
}

void
gc_enqueue_delete(struct controller *c, const char *uid)
{
	struct graph_actions a = { 0 };
	char *one[1] = { ck_strdup(uid) };

	a.attempt_to_delete.uid = one;
	a.attempt_to_delete.n = 1;
	gc_enqueue_actions(c, &a);
	free(one[0]);
}

void
gc_dequeued(struct controller *c, const char *key)
{
	struct gc *gc = controller_data(c);

	pthread_mutex_lock(&gc->mu);
	if (strncmp(key, GC_KEY_DELETE, strlen(GC_KEY_DELETE)) == 0)
		set_remove(gc->queued_delete, key + strlen(GC_KEY_DELETE));
	else if (strncmp(key, GC_KEY_ORPHAN, strlen(GC_KEY_ORPHAN)) == 0)
		set_remove(gc->queued_orphan, key + strlen(GC_KEY_ORPHAN));
	update_gauges(gc);
	pthread_mutex_unlock(&gc->mu);
}

void
gc_observe(struct controller *c, enum graph_event ev,
    const struct kobj *old_obj, const struct kobj *obj)
{
	struct gc *gc = controller_data(c);
	struct graph_actions a = { 0 };

	pthread_mutex_lock(&gc->mu);
	graph_observe(gc->graph, ev, old_obj, obj, &a);
	pthread_mutex_unlock(&gc->mu);
	gc_enqueue_actions(c, &a);
	graph_actions_fini(&a);
}

void
gc_absent(struct controller *c, const char *uid)
{
	struct gc *gc = controller_data(c);
	struct graph_actions a = { 0 };

	pthread_mutex_lock(&gc->mu);
	graph_absent(gc->graph, uid, &a);
	pthread_mutex_unlock(&gc->mu);
	gc_enqueue_actions(c, &a);
	graph_actions_fini(&a);
}

bool
gc_snapshot(struct controller *c, const char *uid, struct graph_snapshot *out)
{
	struct gc *gc = controller_data(c);
	bool found;

	pthread_mutex_lock(&gc->mu);
	found = graph_snapshot(gc->graph, uid, out);
	pthread_mutex_unlock(&gc->mu);
	return found;
}

bool
gc_absent_owner_known(struct controller *c, const char *uid)
{
	struct gc *gc = controller_data(c);
	bool known;

	pthread_mutex_lock(&gc->mu);
	known = strmap_get(gc->absent, uid) != NULL;
	pthread_mutex_unlock(&gc->mu);
	return known;
}

void
gc_absent_owner_add(struct controller *c, const char *uid)
{
	struct gc *gc = controller_data(c);

	pthread_mutex_lock(&gc->mu);
	if (strmap_len(gc->absent) >= ABSENT_MAX) {
		/* Uids never come back, so forgetting costs only a GET. */
		strmap_free(gc->absent, free);
		gc->absent = strmap_new();
	}
	set_add(gc->absent, uid);
	pthread_mutex_unlock(&gc->mu);
}

bool
gc_synced(struct controller *c)
{
	struct gc *gc = controller_data(c);
	bool discovered;

	pthread_mutex_lock(&gc->mu);
	discovered = gc->discovered;
	pthread_mutex_unlock(&gc->mu);
	return discovered && controller_watches_synced(c);
}

void
gc_set_discovery(struct controller *c, struct apidiscovery *d)
{
	struct gc *gc = controller_data(c);

	pthread_mutex_lock(&gc->mu);
	apidiscovery_fini(&gc->disc);
	gc->disc = *d;
	gc->discovered = true;
	pthread_mutex_unlock(&gc->mu);
	memset(d, 0, sizeof(*d));
}

/* Informer handlers: every watched resource feeds the one graph. */

static void
on_add(const struct kobj *obj, void *arg)
{
	gc_observe(arg, GRAPH_ADD, NULL, obj);
}

static void
on_update(const struct kobj *old_obj, const struct kobj *new_obj, void *arg)
{
	gc_observe(arg, GRAPH_UPDATE, old_obj, new_obj);
}

static void
on_delete(const struct kobj *obj, void *arg)
{
	gc_observe(arg, GRAPH_DELETE, NULL, obj);
}

/*
 * Whether the collector watches r: it must be listable, watchable and
 * deletable; events are left out as Kubernetes does; and a kind the
 * extensions group serves next to its modern group is watched once.
 */
static bool
monitored(const struct apidiscovery *d, const struct apidiscovery_resource *r)
{
	size_t i;

	if (!apidiscovery_has_verbs(r, APIDISCOVERY_LIST | APIDISCOVERY_WATCH |
	    APIDISCOVERY_DELETE | APIDISCOVERY_GET))
		return false;
	if (strcmp(r->resource, "events") == 0)
		return false;
	if (strcmp(r->group, "extensions") != 0)
		return true;
	for (i = 0; i < d->n; i++)
		if (&d->items[i] != r && strcmp(d->items[i].kind, r->kind) ==
		    0 && strcmp(d->items[i].resource, r->resource) == 0)
			return false;
	return true;
}

int
gc_discover(struct controller *c)
{
	struct gc *gc = controller_data(c);
	struct informer_handlers h = { on_add, on_update, on_delete, c };
	struct apidiscovery d;
	struct client_gvr gvr;
	struct ck_status st;
	size_t i, added = 0;
	int rc;

	if (controller_client(c) == NULL)
		return 0;	/* test backend: gc_set_discovery instead */
	rc = apidiscovery_fetch(controller_client(c), &d, &st);
	if (rc < 0) {
		log_warn("gc: discovery: %s; retrying", st.message);
		controller_requeue_after(c, GC_KEY_DISCOVERY, RETRY_MS);
		return 0;
	}
	for (i = 0; i < d.n; i++) {
		if (!monitored(&d, &d.items[i]))
			continue;
		gvr.group = d.items[i].group;
		gvr.version = d.items[i].version;
		gvr.resource = d.items[i].resource;
		rc = controller_watch_gvr(c, d.items[i].qualified, &gvr, &h);
		if (rc == 0) {
			added++;
			log_info("gc: watching %s (%s)", d.items[i].qualified,
			    d.items[i].api_version);
		} else if (rc != CK_EEXIST)
			log_warn("gc: cannot watch %s: %s",
			    d.items[i].qualified, ck_strerror(rc));
	}
	pthread_mutex_lock(&gc->mu);
	gc->nmonitors += added;
	metrics_gauge_set(gc->m_monitors, (double)gc->nmonitors);
	pthread_mutex_unlock(&gc->mu);
	gc_set_discovery(c, &d);
	log_v(2, "gc: discovery found %zu new resources to watch", added);
	if (gc->discovery_period_ms > 0)
		controller_requeue_after(c, GC_KEY_DISCOVERY,
		    (unsigned int)gc->discovery_period_ms);
	return 0;
}
