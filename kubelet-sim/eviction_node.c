/*
 * The eviction manager wired into ckube-kubelet-sim: the flags checked at
 * start, a housekeeping timer (--housekeeping-interval) running the pure
 * pass of eviction.c over every node's simulated usage and pods, and its
 * verdicts applied: pressure conditions posted at once, node-level GC of
 * dead containers and unused images, one pod evicted per node and pass
 * (none while an earlier victim still stops), EvictionThresholdMet on the
 * node. Plus the admission of new pods under pressure.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/events.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "pod.h"

#define TAINT_MEMORY_PRESSURE	"node.kubernetes.io/memory-pressure"
#define CRITICAL_PRIORITY	2000000000LL

bool
eviction_setup(struct ksim *ks, char *err, size_t len)
{
	struct evict_config *c = &ks->evc;
	const char *r = ks->f.eviction_ranking;

	if (evict_config_parse(c, ks->f.eviction_hard, ks->f.eviction_soft,
	    ks->f.eviction_soft_grace, ks->f.eviction_min_reclaim, err,
	    len) != 0)
		return false;
	if (r == NULL || strcmp(r, "priority") == 0) {
		c->ranking = EV_RANK_PRIORITY;
	} else if (strcmp(r, "qos") == 0) {
		c->ranking = EV_RANK_QOS;
	} else {
		snprintf(err, len, "--eviction-ranking must be qos or priority, "
		    "not \"%s\"", r);
		return false;
	}
	if (ks->f.eviction_max_pod_grace_s < 0) {
		snprintf(err, len, "--eviction-max-pod-grace-period must not be "
		    "negative");
		return false;
	}
	c->max_pod_grace_s = ks->f.eviction_max_pod_grace_s;
	c->transition_ms = ks->f.eviction_transition_ms;
	if (ks->f.housekeeping_ms <= 0)
		ks->f.housekeeping_ms = 10000;
	return true;
}

/* The pod's priority and whether it is critical (never evicted). */
static bool
pod_critical(const struct kobj *obj, int64_t *prio)
{
	const char *pc = kobj_get_str(obj, "spec.priorityClassName");

	*prio = kobj_get_int_or(obj, "spec.priority", 0);
	return *prio >= CRITICAL_PRIORITY || (pc != NULL &&
	    (strcmp(pc, "system-node-critical") == 0 ||
	    strcmp(pc, "system-cluster-critical") == 0));
}

static enum pod_qos
pod_qos(const struct kobj *obj)
{
	return evict_qos_parse(kobj_get_str(obj, "status.qosClass"));
}

static bool
tolerates_memory_pressure(const struct kobj *obj)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, kobj_get(obj, "spec.tolerations")) {
		const char *key = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(t, "key"));
		const char *op = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(t, "operator"));
		const char *eff = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(t, "effect"));
		bool any_key = (key == NULL || *key == '\0') && op != NULL &&
		    strcmp(op, "Exists") == 0;

		if ((any_key || (key != NULL &&
		    strcmp(key, TAINT_MEMORY_PRESSURE) == 0)) &&
		    (eff == NULL || *eff == '\0' ||
		    strcmp(eff, "NoSchedule") == 0))
			return true;
	}
	return false;
}

void
eviction_pod_rank(const struct kobj *pod, int *qos, bool *critical,
    int64_t *priority)
{
	*qos = (int)pod_qos(pod);
	*critical = pod_critical(pod, priority);
}

const char *
eviction_admit(struct sim_node *n, const struct kobj *pod, char *msg,
    size_t len)
{
	int64_t prio;
	bool crit = pod_critical(pod, &prio);

	if (evict_admit(&n->ev, pod_qos(pod), crit,
	    tolerates_memory_pressure(pod), msg, len))
		return NULL;
	return msg;
}

/* --- one pass ------------------------------------------------------- */

/* The pods of the nodes that need them, bucketed by node. */
struct collect {
	struct ksim		*ks;
	struct bucket {
		bool			need;
		bool			waiting;	/* a victim still stops */
		struct evict_pod	*pods;
		size_t			n, cap;
	}			*b;
};

static void
collect_pod(const struct sim_pod *p, void *arg)
{
	struct collect *c = arg;
	struct bucket *b = &c->b[p->node - c->ks->nodes];

	if (!b->need || p->gone)
		return;
	if (pod_evicting(p))
		b->waiting = true;
	if (!p->counted || p->deleting || p->evicted ||
	    p->reject_reason != NULL)
		return;
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 8;
		b->pods = ck_reallocarray(b->pods, b->cap, sizeof(*b->pods));
	}
	b->pods[b->n++] = (struct evict_pod){ .arg = (void *)(uintptr_t)p };
}

/* The pod's ranking inputs, and its app containers for the message. */
static void
fill_pod(struct evict_pod *e)
{
	const struct sim_pod *p = e->arg;
	struct evict_ctr *ctrs;
	size_t i, n = p->ps.napp;

	e->ns = p->ns;
	e->name = p->name;
	e->qos = (enum pod_qos)p->qos;
	e->critical = p->critical;
	e->priority = p->priority;
	e->grace_s = p->grace_s;
	e->usage[EV_RES_MEMORY] = p->use.memory_bytes;
	e->usage[EV_RES_DISK] = p->use.disk_bytes;
	e->usage[EV_RES_INODES] = p->use.inodes;
	e->request[EV_RES_MEMORY] = p->req.memory;
	ctrs = ck_calloc(n + 1, sizeof(*ctrs));
	for (i = 0; i < n; i++) {
		ctrs[i].name = p->app_names[i];
		ctrs[i].usage[EV_RES_MEMORY] = p->res[i].usage[0];
		ctrs[i].usage[EV_RES_DISK] = p->res[i].usage[1];
		ctrs[i].usage[EV_RES_INODES] = p->res[i].usage[2];
		ctrs[i].request[EV_RES_MEMORY] = p->res[i].req_memory;
		ctrs[i].request[EV_RES_DISK] = p->res[i].req_disk;
		e->request[EV_RES_DISK] += ctrs[i].request[EV_RES_DISK];
	}
	e->ctrs = ctrs;
	e->nctrs = n;
}

static void
usage_of(const struct ksim *ks, const struct sim_node *n,
    struct evict_usage *u)
{
	*u = (struct evict_usage){
		.mem_capacity = ks->cap.memory, .mem_pods = n->mem_usage,
		.mem_system = ks->f.system_memory,
		.fs_capacity = ks->ephemeral, .fs_pods = n->disk_usage,
		.fs_system = ks->f.system_disk, .fs_dead = n->fs_dead,
		.inodes_capacity = ks->f.node_inodes,
		.inodes_pods = n->inodes_usage,
		.inodes_system = ks->f.system_inodes,
		.imagefs_capacity = ks->f.imagefs_capacity,
		.images_used = ks->f.images_used,
		.images_unused = n->images_unused,
	};
}

static const char *const res_names[EV_RES_COUNT] = {
	"memory", "ephemeral-storage", "inodes"
};

/* A Node object for events about n (kind, name: all an Event needs). */
static struct kobj *
node_ref(const struct sim_node *n)
{
	struct kobj *o = kobj_new("v1", "Node");

	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(
	    kobj_json_mut(o), "metadata"), "name", n->name);
	kobj_touch(o);
	return o;
}

/* The kubelet's node status events when a pressure condition flips. */
static void
condition_events(struct ksim *ks, const struct sim_node *n, const bool *was)
{
	static const char *const reasons[EV_COND_COUNT][2] = {
		{ "NodeHasSufficientMemory", "NodeHasInsufficientMemory" },
		{ "NodeHasNoDiskPressure", "NodeHasDiskPressure" },
	};
	struct kobj *o = node_ref(n);
	const char *r;
	size_t i;

	for (i = 0; i < EV_COND_COUNT; i++) {
		if (was[i] == n->ev.pressure[i])
			continue;
		r = reasons[i][n->ev.pressure[i]];
		events_record(ks->ev, o, "Normal", r, "Node %s status is now: %s",
		    n->name, r);
	}
	kobj_unref(o);
}

static void
node_pass(struct ksim *ks, struct sim_node *n, struct bucket *b,
    struct evict_usage *u, int64_t now)
{
	bool was[EV_COND_COUNT];
	struct evict_result r;
	struct kobj *nobj;
	size_t i;

	for (i = 0; i < EV_COND_COUNT; i++)
		was[i] = n->ev.pressure[i];
	for (i = 0; i < b->n; i++)
		fill_pod(&b->pods[i]);
	/* Wait for the last victim to stop before choosing another. */
	evict_pass(&ks->evc, &n->ev, now, u, b->pods, b->waiting ? 0 : b->n,
	    &r);
	n->fs_dead = u->fs_dead;
	n->images_unused = u->images_unused;
	if (r.changed) {
		for (i = 0; i < EV_COND_COUNT; i++)
			if (was[i] != n->ev.pressure[i])
				rfc3339_now(n->pressure_since[i]);
		log_info("node %s: MemoryPressure=%s DiskPressure=%s", n->name,
		    n->ev.pressure[EV_COND_MEMORY] ? "True" : "False",
		    n->ev.pressure[EV_COND_DISK] ? "True" : "False");
		node_status_now(ks, n, now);
		condition_events(ks, n, was);
	}
	if (r.threshold >= 0) {
		nobj = node_ref(n);
		events_record(ks->ev, nobj, "Warning", "EvictionThresholdMet",
		    "Attempting to reclaim %s", res_names[r.resource]);
		kobj_unref(nobj);
	}
	if (r.reclaimed_dead > 0 || r.reclaimed_images > 0)
		log_info("node %s: reclaimed %lld bytes of dead containers and "
		    "%lld of unused images", n->name,
		    (long long)r.reclaimed_dead, (long long)r.reclaimed_images);
	if (r.victim != NULL) {
		log_info("node %s: evicting pod %s/%s (grace %llds): %s",
		    n->name, r.victim->ns, r.victim->name,
		    (long long)r.grace_s, r.message);
		pod_evict((struct sim_pod *)r.victim->arg, r.grace_s, r.message,
		    now);
	}
	for (i = 0; i < b->n; i++)
		free((void *)(uintptr_t)b->pods[i].ctrs);	/* fill_pod's */
	free(b->pods);
}

static void
on_housekeeping(struct timer *t, int64_t now)
{
	struct ksim *ks = container_of(t, struct ksim, housekeeping);
	struct collect c = { .ks = ks };
	struct evict_usage u;
	bool any = false;
	size_t i;

	c.b = ck_calloc(ks->nnodes + 1, sizeof(*c.b));
	/* Pods are looked at only for nodes with a threshold met. */
	for (i = 0; i < ks->nnodes; i++) {
		usage_of(ks, &ks->nodes[i], &u);
		c.b[i].need = ks->nodes[i].registered &&
		    evict_any_met(&ks->evc, &ks->nodes[i].ev, &u);
		any = any || c.b[i].need;
	}
	if (any) {
		pod_lock();
		pod_foreach(collect_pod, &c);
		pod_unlock();
	}
	for (i = 0; i < ks->nnodes; i++) {
		if (!ks->nodes[i].registered)
			continue;
		usage_of(ks, &ks->nodes[i], &u);
		node_pass(ks, &ks->nodes[i], &c.b[i], &u, now);
	}
	free(c.b);
	timers_arm(&ks->timers, t, now + ks->f.housekeeping_ms);
}

void
eviction_start(struct ksim *ks, int64_t now)
{
	size_t i;

	for (i = 0; i < ks->nnodes; i++) {
		evict_state_init(&ks->nodes[i].ev);
		ks->nodes[i].fs_dead = ks->f.dead_containers;
		ks->nodes[i].images_unused = ks->f.images_unused;
	}
	if (ks->evc.nth == 0)
		return;		/* no thresholds: nothing to watch */
	timer_init(&ks->housekeeping, on_housekeeping);
	timers_arm(&ks->timers, &ks->housekeeping, now + ks->f.housekeeping_ms);
}
