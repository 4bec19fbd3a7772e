/*
 * sched.c: ckube-scheduler's controller. The pod and node watches are
 * WATCH_MAPPED: their map functions read the informer's cache (already
 * updated when they run, so calling them again for the old object is
 * harmless) and bring struct cluster in line, under one mutex; a pending
 * pod of ours is queued. reconcile(key) places one pod: sched_find() under
 * the mutex, "assume" the pod on the chosen node, then the binding outside
 * the mutex. A pod that fits nowhere gets its condition and event, waits
 * in the unschedulable set until something changes that may let it fit
 * (a node changes in a way the filters read, a pod leaves or joins a
 * node); it is then retried once its backoff (1 s doubling to 10 s from
 * the failed attempt) has run out, so a storm of changes never retries it
 * more often than that. Without any change it is retried every 30 s.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/flags.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/metrics.h"
#include "ckube/strmap.h"

#include "sched_model.h"
#include "scheduler.h"

#define BACKOFF_INITIAL_MS	1000
#define BACKOFF_MAX_MS		10000
#define UNSCHEDULABLE_FLUSH_MS	30000	/* retried without a change */
#define ASSUME_TTL_MS		30000	/* bound but never seen: forget */
#define EXPIRE_EVERY_MS		1000

static const char *flag_name;
static int64_t flag_percentage;

const struct flag sched_flags[SCHED_NFLAGS] = {
	{ "scheduler-name", FLAG_STRING, &flag_name, "default-scheduler",
	  "Scheduler", "place only pods whose spec.schedulerName is this" },
	{ "percentage-of-nodes-to-score", FLAG_INT, &flag_percentage, "0",
	  "Scheduler", "stop filtering once this share of the nodes is "
	  "feasible (0: adaptive, 50% minus 1% per 125 nodes, at least 5%; "
	  "never fewer than 100 nodes)" },
};

struct pending {
	char		*key;
	unsigned	 attempts;
	bool		 waiting;	/* in the unschedulable set */
	bool		 woken;		/* a retry is queued for it */
	bool		 affinity;	/* has pod-affinity terms */
	uint64_t	 retry_ms;	/* its backoff ends */
};

struct sched {
	struct controller	*c;
	pthread_mutex_t		 mu;
	struct cluster		 cl;
	struct strmap		*pending;	/* key -> struct pending */
	uint64_t		 next_expire_ms;
	struct metric		*m_scheduled;
	struct metric		*m_latency;
	struct metric		*m_ok;
	struct metric		*m_unsched;
	struct metric		*m_error;
	struct metric		*m_waiting;
	size_t			 naffinity;	/* pending with affinity */
	uint64_t		 wakes;		/* wake_unschedulable() calls */
};

static void
free_pending(void *v)
{
	struct pending *p = v;

	free(p->key);
	free(p);
}

int
sched_init(struct controller *c)
{
	struct sched *s = ck_calloc(1, sizeof(*s));
	static const double buckets[] = { 0.0001, 0.00025, 0.0005, 0.001,
	    0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1 };

	if (flag_percentage < 0 || flag_percentage > 100) {
		log_error("scheduler: --percentage-of-nodes-to-score must be "
		    "0..100");
		free(s);
		return CK_EINVALID;
	}
	s->c = c;
	pthread_mutex_init(&s->mu, NULL);
	cluster_init(&s->cl, ck_now_us() ^ (uint64_t)(uintptr_t)s);
	s->pending = strmap_new();
	s->m_scheduled = metrics_counter("ckube_scheduler_pods_scheduled_total",
	    "Pods bound to a node.");
	s->m_latency = metrics_histogram(
	    "ckube_scheduler_scheduling_algorithm_duration_seconds",
	    "Time to filter and score the nodes for one pod.", buckets,
	    ARRAY_SIZE(buckets));
	s->m_ok = metrics_counter(
	    "ckube_scheduler_schedule_attempts_total{result=\"scheduled\"}",
	    "Scheduling attempts by result.");
	s->m_unsched = metrics_counter(
	    "ckube_scheduler_schedule_attempts_total{result=\"unschedulable\"}",
	    "Scheduling attempts by result.");
	s->m_error = metrics_counter(
	    "ckube_scheduler_schedule_attempts_total{result=\"error\"}",
	    "Scheduling attempts by result.");
	s->m_waiting = metrics_gauge("ckube_scheduler_pending_pods",
	    "Pods that fit no node, waiting for a change.");
	controller_set_data(c, s);
	log_info("scheduler: name %s, percentage of nodes to score %lld%s",
	    flag_name != NULL ? flag_name : "default-scheduler",
	    (long long)flag_percentage, flag_percentage == 0 ?
	    " (adaptive)" : "");
	return 0;
}

void
sched_fini(struct controller *c)
{
	struct sched *s = controller_data(c);

	if (s == NULL)
		return;
	cluster_fini(&s->cl);
	strmap_free(s->pending, free_pending);
	pthread_mutex_destroy(&s->mu);
	free(s);
	controller_set_data(c, NULL);
}

static const char *
our_name(void)
{
	return flag_name != NULL ? flag_name : "default-scheduler";
}

/* A pod that waits for us: unbound, ours, not terminal, not deleting. */
static bool
wants_us(const struct kobj *pod)
{
	const char *node = kobj_get_str(pod, "spec.nodeName");

	return (node == NULL || node[0] == '\0') &&
	    kobj_get(pod, "metadata.deletionTimestamp") == NULL &&
	    !sched_pod_terminal(pod) &&
	    strcmp(sched_pod_scheduler(pod), our_name()) == 0;
}

struct keys {
	char		**v;
	unsigned int	 *delay;
	size_t		  n;
	uint64_t	  now_ms;
};

static void
collect_key(const char *key, void *value, void *arg)
{
	struct pending *p = value;
	struct keys *out = arg;

	(void)key;
	/* Once per failed attempt; no sooner than its backoff allows. */
	if (p->waiting && !p->woken) {
		p->woken = true;
		out->v = ck_reallocarray(out->v, out->n + 1, sizeof(char *));
		out->delay = ck_reallocarray(out->delay, out->n + 1,
		    sizeof(*out->delay));
		out->delay[out->n] = p->retry_ms > out->now_ms ?
		    (unsigned int)(p->retry_ms - out->now_ms) : 0;
		out->v[out->n++] = ck_strdup(p->key);
	}
}

/* Something changed that may let unschedulable pods fit: retry them. */
static void
wake_unschedulable(struct sched *s)
{
	struct keys keys = { NULL, NULL, 0, ck_now_ms() };
	size_t i;

	pthread_mutex_lock(&s->mu);
	s->wakes++;
	strmap_foreach(s->pending, collect_key, &keys);
	pthread_mutex_unlock(&s->mu);
	if (keys.n > 0)
		log_v(4, "scheduler: %zu unschedulable pods retried", keys.n);
	/* Copies: a worker may forget an entry once the mutex is free. */
	for (i = 0; i < keys.n; i++) {
		if (keys.delay[i] == 0)
			controller_enqueue(s->c, keys.v[i]);
		else
			controller_requeue_after(s->c, keys.v[i],
			    keys.delay[i]);
		free(keys.v[i]);
	}
	free(keys.v);
	free(keys.delay);
}

void
sched_map_pod(struct controller *c, const struct kobj *obj)
{
	struct sched *s = controller_data(c);
	struct cache *cache = controller_cache(c, "pods");
	struct kobj *cur;
	struct pending *p;
	bool freed, queue = false;

	if (s == NULL || cache == NULL)
		return;
	cur = cache_get(cache, kobj_key(obj));
	pthread_mutex_lock(&s->mu);
	freed = cluster_pod_sync(&s->cl, kobj_key(obj), cur);
	if (cur != NULL && wants_us(cur)) {
		p = strmap_get(s->pending, kobj_key(cur));
		/* A waiting pod is retried by its backoff or a wake-up, not by
		 * its own updates (our condition patch among them). */
		queue = p == NULL || !p->waiting;
	}
	pthread_mutex_unlock(&s->mu);
	if (queue)
		controller_enqueue(c, kobj_key(cur));
	kobj_unref(cur);
	if (freed)
		wake_unschedulable(s);
}

void
sched_map_node(struct controller *c, const struct kobj *obj)
{
	struct sched *s = controller_data(c);
	struct cache *cache = controller_cache(c, "nodes");
	struct kobj *cur;
	bool changed;

	if (s == NULL || cache == NULL)
		return;
	cur = cache_get(cache, kobj_name(obj));
	pthread_mutex_lock(&s->mu);
	if (cur != NULL)
		changed = cluster_node_set(&s->cl, cur);
	else
		changed = cluster_node_delete(&s->cl, kobj_name(obj));
	pthread_mutex_unlock(&s->mu);
	kobj_unref(cur);
	if (changed)
		wake_unschedulable(s);
}

static void
forget_pending(struct sched *s, const char *key)
{
	struct pending *p = strmap_remove(s->pending, key);

	if (p == NULL)
		return;
	if (p->affinity)
		s->naffinity--;
	free_pending(p);
}

static void
update_waiting_gauge(struct sched *s)
{
	metrics_gauge_set(s->m_waiting, (double)strmap_len(s->pending));
}

/* After a failed binding: drop the assumption, re-read the cache. */
static void
undo_assume(struct sched *s, const char *key)
{
	struct cache *cache = controller_cache(s->c, "pods");
	struct kobj *cur = cache != NULL ? cache_get(cache, key) : NULL;
	struct sched_pod *ap;

	pthread_mutex_lock(&s->mu);
	ap = cluster_pod_get(&s->cl, key);
	if (ap != NULL && ap->assumed)
		cluster_pod_remove(&s->cl, key);
	(void)cluster_pod_sync(&s->cl, key, cur);
	pthread_mutex_unlock(&s->mu);
	kobj_unref(cur);
}

/*
 * Carry out a preemption: the Preempted event on each victim and its
 * graceful delete, then the preemptor's status.nominatedNodeName. It binds
 * on a later attempt, once the victims are gone (their removal wakes it).
 */
static void
preempt_victims(struct sched *s, const struct kobj *pod, const char *node,
    const struct sched_victims *v)
{
	struct cache *pods = controller_cache(s->c, "pods");
	struct kobj *victim;
	struct ck_status st;
	cJSON *patch;
	size_t i;
	int rc;

	for (i = 0; i < v->n; i++) {
		victim = cache_get(pods, v->keys[i]);
		if (victim == NULL)
			continue;
		controller_event(s->c, victim, "Normal", "Preempted",
		    "Preempted by pod %s on node %s", kobj_uid(pod), node);
		rc = controller_delete(s->c, &CLIENT_GVR_PODS,
		    kobj_namespace(victim), kobj_name(victim), NULL, &st);
		if (rc < 0 && rc != CK_ENOTFOUND)
			log_error("scheduler: preempting %s: %s", v->keys[i],
			    st.message);
		kobj_unref(victim);
	}
	log_info("scheduler: %s preempts %zu pod(s) on %s", kobj_key(pod),
	    v->n, node);
	if (strcmp(kobj_get_str(pod, "status.nominatedNodeName") != NULL ?
	    kobj_get_str(pod, "status.nominatedNodeName") : "", node) == 0)
		return;
	patch = cJSON_CreateObject();
	cJSON_AddStringToObject(cJSON_AddObjectToObject(patch, "status"),
	    "nominatedNodeName", node);
	rc = controller_patch(s->c, &CLIENT_GVR_PODS, kobj_namespace(pod),
	    kobj_name(pod), "status", CLIENT_PATCH_MERGE, patch, NULL, &st);
	if (rc < 0)
		log_error("scheduler: nominate %s: %s", kobj_key(pod),
		    st.message);
	cJSON_Delete(patch);
}

static int
place(struct sched *s, struct kobj *pod, const char *key)
{
	struct sched_result res;
	struct sched_pod *sp, *ap;
	struct sched_victims vic = { .node = -1 };
	struct pending *pe;
	char node[CK_NAME_MAX + 1] = "", nominated[CK_NAME_MAX + 1] = "";
	uint64_t t0, delay, wakes;
	bool has_affinity, wake;
	int rc;

	pthread_mutex_lock(&s->mu);
	wakes = s->wakes;
	ap = cluster_pod_get(&s->cl, key);
	if (ap != NULL && ap->assumed && strcmp(ap->uid, kobj_uid(pod)) == 0) {
		/* Bound (or binding) already; the informer will confirm. */
		pthread_mutex_unlock(&s->mu);
		return 0;
	}
	sp = sched_pod_new(pod);
	has_affinity = sp->naff > 0;
	t0 = ck_now_us();
	sched_find(&s->cl, sp, (int)flag_percentage, &res);
	metrics_histogram_observe(s->m_latency,
	    (double)(ck_now_us() - t0) / 1e6);
	if (res.node >= 0) {
		snprintf(node, sizeof(node), "%s", s->cl.nodes[res.node]->name);
		cluster_pod_add(&s->cl, sp, res.node, true);
		sp = NULL;
	} else if (sched_preempt(&s->cl, sp, kobj_get_str(pod,
	    "status.nominatedNodeName"), &vic))
		snprintf(nominated, sizeof(nominated), "%s",
		    s->cl.nodes[vic.node]->name);
	pthread_mutex_unlock(&s->mu);
	sched_pod_free(sp);
	if (node[0] == '\0') {
		log_v(2, "scheduler: %s: %s", key, res.message);
		metrics_counter_inc(s->m_unsched);
		bind_record_failure(s->c, pod, res.message);
		if (nominated[0] != '\0')
			preempt_victims(s, pod, nominated, &vic);
		sched_victims_fini(&vic);
		pthread_mutex_lock(&s->mu);
		pe = strmap_get(s->pending, key);
		if (pe == NULL) {
			pe = ck_calloc(1, sizeof(*pe));
			pe->key = ck_strdup(key);
			pe->affinity = has_affinity;
			if (has_affinity)
				s->naffinity++;
			strmap_put(s->pending, pe->key, pe);
		}
		pe->waiting = true;
		pe->woken = false;
		delay = BACKOFF_INITIAL_MS << (pe->attempts < 4 ?
		    pe->attempts : 4);
		if (delay > BACKOFF_MAX_MS)
			delay = BACKOFF_MAX_MS;
		pe->retry_ms = ck_now_ms() + delay;
		pe->attempts++;
		/*
		 * A change during this attempt (a node that registered while
		 * it ran) woke the waiting pods before this one was among
		 * them: retry after the backoff, as if woken (Kubernetes'
		 * moveRequestCycle).
		 */
		if (s->wakes != wakes)
			pe->woken = true;
		else
			delay = UNSCHEDULABLE_FLUSH_MS;
		update_waiting_gauge(s);
		pthread_mutex_unlock(&s->mu);
		/* Retried on a change (wake_unschedulable), else after the
		 * flush period, in case a change went unnoticed. */
		controller_requeue_after(s->c, key, (unsigned int)delay);
		return 0;
	}
	rc = bind_pod(s->c, pod, node);
	if (rc < 0) {
		undo_assume(s, key);
		if (rc == CK_ECONFLICT || rc == CK_ENOTFOUND)
			return 0;	/* bound elsewhere, or gone */
		metrics_counter_inc(s->m_error);
		return rc;
	}
	pthread_mutex_lock(&s->mu);
	ap = cluster_pod_get(&s->cl, key);
	if (ap != NULL)
		cluster_pod_expire_at(&s->cl, ap, ck_now_ms() + ASSUME_TTL_MS);
	forget_pending(s, key);
	update_waiting_gauge(s);
	/* A pod waiting for a pod like this one (affinity) may fit now. */
	wake = s->naffinity > 0;
	pthread_mutex_unlock(&s->mu);
	if (wake)
		wake_unschedulable(s);
	metrics_counter_inc(s->m_ok);
	metrics_counter_inc(s->m_scheduled);
	log_v(2, "scheduler: %s bound to %s (%zu/%zu nodes feasible)", key,
	    node, res.feasible, res.evaluated);
	controller_event(s->c, pod, "Normal", "Scheduled",
	    "Successfully assigned %s to %s", key, node);
	return 0;
}

int
sched_reconcile(struct controller *c, const char *key)
{
	struct sched *s = controller_data(c);
	struct cache *cache = controller_cache(c, "pods");
	struct kobj *pod;
	uint64_t now = ck_now_ms();
	size_t expired = 0;
	int rc = 0;

	if (s == NULL || cache == NULL)
		return 0;
	pthread_mutex_lock(&s->mu);
	if (now >= s->next_expire_ms) {
		expired = cluster_expire(&s->cl, now);
		s->next_expire_ms = now + EXPIRE_EVERY_MS;
	}
	pthread_mutex_unlock(&s->mu);
	if (expired > 0)
		wake_unschedulable(s);
	pod = cache_get(cache, key);
	if (pod == NULL || !wants_us(pod)) {
		pthread_mutex_lock(&s->mu);
		forget_pending(s, key);
		update_waiting_gauge(s);
		pthread_mutex_unlock(&s->mu);
		goto out;
	}
	rc = place(s, pod, key);
out:
	kobj_unref(pod);
	return rc;
}
