/*
 * controller_main.c: the daemon around a controller (controller.h):
 * flags, the clients, informers, the event recorder, leader election,
 * periodic resync and the orderly shutdown. The queue, workers and
 * handlers are controller.c's.
 */
#include "ckube/controller.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/daemon.h"
#include "ckube/err.h"
#include "ckube/events.h"
#include "ckube/flags.h"
#include "ckube/informer.h"
#include "ckube/kobj.h"
#include "ckube/leader.h"
#include "ckube/log.h"

#include "controller_int.h"

#define SYNC_WAIT_MS		200	/* re-check stop while syncing */
#define LEADER_POLL_MS		100
#define DRAIN_MS		30000
#define EVENTS_FLUSH_MS		5000

struct run {
	const struct controller_def	*def;
	int64_t				 workers;
	int64_t				 resync_ms;
	struct leader_flags		 lf;
	struct controller		*c;
	struct daemon			*d;
	struct leader			*leader;
	atomic_int			 lead;	/* 1: start work */
	int				 working;
	int				 inited;	/* def->init succeeded */
};

static void
started_leading(void *arg)
{
	struct run *r = arg;

	atomic_store(&r->lead, 1);
}

static void
stopped_leading(void *arg)
{
	struct run *r = arg;

	if (!daemon_stopping(r->d)) {
		log_error("%s: lost the leader lease; stopping",
		    r->def->name);
		daemon_request_stop(r->d, 1);
	}
}

/* Enqueue every primary object (--resync-period). */
static void
resync(struct controller *c)
{
	struct kobj **objs;
	struct cache *cache;
	size_t i, j, n;

	for (i = 0; i < c->def->nwatches; i++) {
		if (c->def->watches[i].role != WATCH_PRIMARY)
			continue;
		cache = controller_cache(c, c->def->watches[i].resource);
		if (cache == NULL)
			continue;
		objs = cache_list(cache, &n);
		for (j = 0; j < n; j++)
			controller_enqueue(c, kobj_key(objs[j]));
		cache_list_free(objs, n);
		log_v(4, "%s: resync of %zu %s", c->def->name, n,
		    c->def->watches[i].resource);
	}
}

/* Informers, sync, then workers. 0, or CK_ESHUTDOWN / CK_EIO. */
static int
start_work(struct run *r)
{
	struct controller *c = r->c;
	int rc;

	rc = informer_group_start(c->informers);
	if (rc < 0)
		return rc;
	log_info("%s: waiting for %zu caches to sync", r->def->name,
	    r->def->nwatches);
	while ((rc = informer_group_wait_synced(c->informers,
	    ck_now_ms() + SYNC_WAIT_MS)) == CK_ETIMEDOUT)
		/* Signals are read here too: the apiserver may never come. */
		if (daemon_wait_stop(r->d, ck_now_ms()) == 0)
			return CK_ESHUTDOWN;
	if (rc < 0)
		return rc;
	rc = controller_start_workers(c, (int)r->workers);
	if (rc < 0)
		return rc;
	r->working = 1;
	log_info("%s: caches synced; %lld workers started", r->def->name,
	    (long long)r->workers);
	resync(c);
	daemon_set_ready(r->d, 1);
	return 0;
}

static int
setup(struct run *r)
{
	struct controller *c = r->c;
	struct informer_options io = { .bus_url = daemon_watch_bus(r->d),
	    .metadata_only = r->def->metadata_only,
	    .keep = r->def->metadata_keep };
	struct informer_handlers h;
	struct informer *inf;
	struct client *icl = NULL;
	struct leader_config lc = { 0 };
	size_t i;

	if (daemon_client_new(r->d, &c->cl) < 0 ||
	    daemon_client_new(r->d, &icl) < 0)
		return CK_EINVALID;
	c->informers = informer_group_new(icl, &io);
	for (i = 0; i < r->def->nwatches; i++) {
		controller_handlers(c, i, &h);
		inf = informer_group_add(c->informers,
		    r->def->watches[i].resource, &h);
		if (r->def->watches[i].keep != NULL)
			informer_set_keep(inf, r->def->watches[i].keep);
		if (r->def->watches[i].written_back)
			informer_set_written_back(inf);
		if (r->def->watches[i].owned_only)
			informer_set_filter(inf, controller_want_owned,
			    h.arg);
		else if (r->def->watches[i].want != NULL)
			informer_set_filter(inf, controller_want_slot, h.arg);
		/* CK_EEXIST: two watches on one resource share the cache. */
		if (r->def->watches[i].role == WATCH_OWNED &&
		    cache_add_index(informer_cache(inf),
		    CACHE_INDEX_CONTROLLER_UID,
		    cache_index_controller_uid) == CK_EINVALID)
			return CK_EINVALID;
	}
	c->events = events_new(c->cl, r->def->name, 0);
	if (events_start(c->events) < 0)
		return CK_EIO;
	if (!r->lf.enabled)
		return 0;
	lc.name = r->lf.resource_name != NULL ? r->lf.resource_name :
	    r->def->name;
	lc.ns = r->lf.resource_ns;
	lc.lease_duration_ms = (uint64_t)r->lf.lease_duration_ms;
	lc.renew_deadline_ms = (uint64_t)r->lf.renew_deadline_ms;
	lc.retry_period_ms = (uint64_t)r->lf.retry_period_ms;
	lc.release_on_stop = 1;
	lc.on_started_leading = started_leading;
	lc.on_stopped_leading = stopped_leading;
	lc.arg = r;
	r->leader = leader_new(c->cl, &lc);
	if (r->leader == NULL) {
		log_error("%s: --leader-elect-lease-duration must exceed "
		    "--leader-elect-renew-deadline, which must exceed "
		    "--leader-elect-retry-period", r->def->name);
		return CK_EINVALID;
	}
	return leader_start(r->leader);
}

static void
teardown(struct run *r)
{
	struct controller *c = r->c;

	if (c->informers != NULL)
		informer_group_stop(c->informers);
	/* After a lost lease another replica acts: stop at once, no drain. */
	controller_stop_workers(c, ck_now_ms() + (r->leader != NULL &&
	    leader_lost(r->leader) ? 0 : DRAIN_MS));
	/* Release the lease only now: a successor never overlaps our work. */
	leader_free(r->leader);
	if (c->events != NULL &&
	    events_flush(c->events, ck_now_ms() + EVENTS_FLUSH_MS) < 0)
		log_warn("%s: some events were not sent", r->def->name);
	if (r->inited && c->def->fini != NULL)
		c->def->fini(c);
	events_free(c->events);
	informer_group_free(c->informers);
	client_free(c->cl);
	controller_release(c);
}

static int
controller_run(struct daemon *d, void *arg)
{
	struct run *r = arg;
	uint64_t next_resync = CLOCK_NEVER, wait;
	int rc;

	if (r->workers < 1 || r->workers > CONTROLLER_WORKERS_MAX) {
		log_error("%s: --workers must be 1..%d", r->def->name,
		    CONTROLLER_WORKERS_MAX);
		return 2;
	}
	r->d = d;
	r->c = controller_alloc(r->def);
	r->c->daemon = d;
	rc = setup(r);
	if (rc == 0 && r->def->init != NULL)
		rc = r->def->init(r->c);
	if (rc < 0)
		goto out;
	r->inited = 1;
	if (!r->lf.enabled)
		atomic_store(&r->lead, 1);
	else {
		daemon_set_ready(d, 1);	/* a standby replica is healthy */
		log_info("%s: waiting to lead (lease %s/%s)", r->def->name,
		    r->lf.resource_ns, r->lf.resource_name != NULL ?
		    r->lf.resource_name : r->def->name);
	}
	for (;;) {
		if (!r->working && atomic_load(&r->lead) == 1) {
			rc = start_work(r);
			if (rc == CK_ESHUTDOWN)
				break;
			if (rc < 0)
				goto out;
			if (r->resync_ms > 0)
				next_resync = ck_now_ms() +
				    (uint64_t)r->resync_ms;
		}
		wait = r->working ? next_resync : ck_now_ms() + LEADER_POLL_MS;
		if (daemon_wait_stop(d, wait) == 0)
			break;
		if (r->working && ck_now_ms() >= next_resync) {
			resync(r->c);
			next_resync = ck_now_ms() + (uint64_t)r->resync_ms;
		}
	}
	rc = 0;
out:
	if (rc < 0)
		log_error("%s: %s", r->def->name, ck_strerror(rc));
	teardown(r);
	client_global_cleanup();
	return rc < 0 ? 1 : daemon_exit_status(d);
}

int
controller_main(const struct controller_def *def, int argc, char *argv[])
{
	struct run r = { .def = def };
	char workers_def[16];
	struct flag own[] = {
		{ "workers", FLAG_INT, &r.workers, workers_def, "Controller",
		  "how many keys are reconciled at once" },
		{ "resync-period", FLAG_DURATION, &r.resync_ms, "10m",
		  "Controller", "how often every object is queued again "
		  "(0: never)" },
	};
	struct flag lflags[LEADER_NFLAGS];
	const struct flag *tables[3];
	size_t counts[3], n = 0;
	char prog[128];
	struct daemon_def dd = {
		.name = prog,	/* the binary's name: ckube-<def->name> */
		.summary = "a ckube controller",
		.run = controller_run,
		.arg = &r,
	};

	snprintf(prog, sizeof(prog), "ckube-%s", def->name);
	if (def->summary != NULL)
		dd.summary = def->summary;
	snprintf(workers_def, sizeof(workers_def), "%d",
	    def->default_workers > 0 ? def->default_workers : 1);
	atomic_init(&r.lead, 0);
	leader_flags_table(&r.lf, lflags);
	tables[n] = own;
	counts[n++] = ARRAY_SIZE(own);
	tables[n] = lflags;
	counts[n++] = LEADER_NFLAGS;
	if (def->flags != NULL && def->nflags > 0) {
		tables[n] = def->flags;
		counts[n++] = def->nflags;
	}
	dd.flag_tables = tables;
	dd.flag_counts = counts;
	dd.nflag_tables = n;
	return daemon_main(&dd, argc, argv);
}
