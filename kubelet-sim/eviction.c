/*
 * One pass of the kubelet's eviction manager (semantics.md 6(c)), pure:
 * signals from a node's simulated usage, thresholds met (with minimum
 * reclaim holding a met threshold until observed >= quantity + reclaim),
 * pressure conditions that clear only after the transition period, soft
 * grace periods, node-level disk reclaim, the two rankings, the victim's
 * grace and the kubelet's status message; and admission under pressure.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/ck.h"
#include "eviction.h"

void
evict_observe(const struct evict_usage *u, struct evict_obs *o)
{
	int64_t fs_used = u->fs_pods + u->fs_system + u->fs_dead;

	o->capacity[EV_SIG_MEMORY] = u->mem_capacity;
	o->available[EV_SIG_MEMORY] = u->mem_capacity - u->mem_pods -
	    u->mem_system;
	if (u->imagefs_capacity <= 0)
		fs_used += u->images_used + u->images_unused;
	o->capacity[EV_SIG_NODEFS] = u->fs_capacity;
	o->available[EV_SIG_NODEFS] = u->fs_capacity - fs_used;
	o->capacity[EV_SIG_NODEFS_INODES] = u->inodes_capacity;
	o->available[EV_SIG_NODEFS_INODES] = u->inodes_capacity -
	    u->inodes_pods - u->inodes_system;
	if (u->imagefs_capacity <= 0) {
		/* No dedicated image filesystem: it is the nodefs. */
		o->capacity[EV_SIG_IMAGEFS] = o->capacity[EV_SIG_NODEFS];
		o->available[EV_SIG_IMAGEFS] = o->available[EV_SIG_NODEFS];
		o->capacity[EV_SIG_IMAGEFS_INODES] =
		    o->capacity[EV_SIG_NODEFS_INODES];
		o->available[EV_SIG_IMAGEFS_INODES] =
		    o->available[EV_SIG_NODEFS_INODES];
		return;
	}
	o->capacity[EV_SIG_IMAGEFS] = u->imagefs_capacity;
	o->available[EV_SIG_IMAGEFS] = u->imagefs_capacity - u->images_used -
	    u->images_unused;
	o->capacity[EV_SIG_IMAGEFS_INODES] = u->inodes_capacity;
	o->available[EV_SIG_IMAGEFS_INODES] = u->inodes_capacity;
}

int64_t
evict_quantity_value(const struct evict_quantity *q, int64_t capacity)
{
	if (!q->is_pct)
		return q->value;
	return (int64_t)((double)capacity * q->pct);
}

void
evict_state_init(struct evict_state *st)
{
	size_t i;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < EV_MAX_THRESHOLDS; i++)
		st->first_met_ms[i] = -1;
	for (i = 0; i < EV_COND_COUNT; i++)
		st->last_observed_ms[i] = -1;
}

/* Whether t is met; was_met asks for the minimum reclaim on top. */
static bool
is_met(const struct evict_threshold *t, const struct evict_obs *o,
    bool was_met)
{
	int64_t cap = o->capacity[t->sig];
	int64_t q = evict_quantity_value(&t->q, cap);

	if (was_met)
		q += evict_quantity_value(&t->min_reclaim, cap);
	return o->available[t->sig] < q;
}

bool
evict_any_met(const struct evict_config *cfg, const struct evict_state *st,
    const struct evict_usage *u)
{
	struct evict_obs o;
	size_t i;

	evict_observe(u, &o);
	for (i = 0; i < cfg->nth; i++)
		if (is_met(&cfg->th[i], &o, st->met[i]))
			return true;
	return false;
}

/* --- ranking ------------------------------------------------------- */

struct rank_ctx {
	enum evict_ranking	ranking;
	enum evict_res		res;
};

static int
cmp64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* <0: a is evicted before b. */
static int
rank_cmp(const struct rank_ctx *c, const struct evict_pod *a,
    const struct evict_pod *b)
{
	enum evict_res r = c->res;
	bool ea, eb;
	int d;

	if (c->ranking == EV_RANK_QOS) {
		if ((d = cmp64(a->qos, b->qos)) != 0)
			return d;	/* BestEffort first */
		if (r == EV_RES_MEMORY)
			return cmp64(b->usage[r] - b->request[r],
			    a->usage[r] - a->request[r]);
		return cmp64(b->usage[r], a->usage[r]);
	}
	ea = a->usage[r] > a->request[r];
	eb = b->usage[r] > b->request[r];
	if (ea != eb)
		return ea ? -1 : 1;
	if ((d = cmp64(a->priority, b->priority)) != 0)
		return d;
	return cmp64(b->usage[r] - b->request[r], a->usage[r] - a->request[r]);
}

void
evict_rank(enum evict_ranking ranking, enum evict_res r,
    const struct evict_pod **pods, size_t n)
{
	struct rank_ctx c = { ranking, r };
	const struct evict_pod *x;
	size_t i, j;

	/* Insertion sort: stable, and a node holds a handful of pods. */
	for (i = 1; i < n; i++) {
		x = pods[i];
		for (j = i; j > 0 && rank_cmp(&c, x, pods[j - 1]) < 0; j--)
			pods[j] = pods[j - 1];
		pods[j] = x;
	}
}

/* --- the message ---------------------------------------------------- */

static const char *const res_names[EV_RES_COUNT] = {
	[EV_RES_MEMORY] = "memory",
	[EV_RES_DISK] = "ephemeral-storage",
	[EV_RES_INODES] = "inodes",
};

static void
fmt_q(int64_t v, enum quantity_format f, char *buf, size_t len)
{
	if (v < 0) {
		/* The formatter takes magnitudes; Go prints "-100Mi". */
		buf[0] = '-';
		fmt_q(-v, f, buf + 1, len - 1);
		return;
	}
	if (quantity_format_value(v, f, buf, len) != 0)
		snprintf(buf, len, "%lld", (long long)v);
}

static void
add(char *buf, size_t len, size_t *off, const char *fmt, ...) CK_PRINTF(4, 5);

static void
add(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += (size_t)n;
}

/*
 * The modern kubelet's evictionMessage: the resource, the threshold and
 * what was available, then each container using more than its request.
 * 1.3 (QoS ranking) said only "The node was low on compute resources.".
 */
static void
victim_message(const struct evict_config *cfg, const struct evict_threshold *t,
    const struct evict_obs *o, const struct evict_pod *p, char *buf,
    size_t len)
{
	enum evict_res r = evict_signal_res(t->sig);
	enum quantity_format f = r == EV_RES_INODES ? QUANTITY_DECIMAL_SI :
	    QUANTITY_BINARY_SI;
	char q[QUANTITY_STR_MAX + 1], a[QUANTITY_STR_MAX + 1],
	    u[QUANTITY_STR_MAX + 1], rq[QUANTITY_STR_MAX + 1];
	size_t off = 0, i;

	buf[0] = '\0';
	if (cfg->ranking == EV_RANK_QOS) {
		add(buf, len, &off, "The node was low on compute resources.");
		return;
	}
	add(buf, len, &off, "The node was low on resource: %s. ", res_names[r]);
	fmt_q(evict_quantity_value(&t->q, o->capacity[t->sig]),
	    t->q.is_pct ? f : t->q.fmt, q, sizeof(q));
	fmt_q(o->available[t->sig], f, a, sizeof(a));
	add(buf, len, &off, "Threshold quantity: %s, available: %s. ", q, a);
	if (r == EV_RES_INODES)
		return;
	for (i = 0; i < p->nctrs; i++) {
		const struct evict_ctr *c = &p->ctrs[i];

		if (c->usage[r] <= c->request[r])
			continue;
		fmt_q(c->usage[r], QUANTITY_BINARY_SI, u, sizeof(u));
		fmt_q(c->request[r], QUANTITY_BINARY_SI, rq, sizeof(rq));
		add(buf, len, &off, "Container %s was using %s, request is %s, "
		    "has larger consumption of %s. ", c->name, u, rq,
		    res_names[r]);
	}
}

/* --- the pass -------------------------------------------------------- */

/* Conditions from the thresholds met this pass, and their hold-down. */
static void
update_conditions(const struct evict_config *cfg, struct evict_state *st,
    int64_t now, struct evict_result *out)
{
	bool seen[EV_COND_COUNT] = { false }, p;
	size_t i;

	for (i = 0; i < cfg->nth; i++)
		if (st->met[i])
			seen[evict_signal_cond(cfg->th[i].sig)] = true;
	for (i = 0; i < EV_COND_COUNT; i++) {
		if (seen[i])
			st->last_observed_ms[i] = now;
		p = seen[i] || (st->last_observed_ms[i] >= 0 &&
		    now - st->last_observed_ms[i] < cfg->transition_ms);
		if (p != st->pressure[i])
			out->changed = true;
		st->pressure[i] = p;
	}
}

/* Whether an actionable disk threshold is still met (with its reclaim). */
static bool
still_short(const struct evict_config *cfg, const struct evict_state *st,
    const bool *actionable, const struct evict_obs *o)
{
	size_t i;

	for (i = 0; i < cfg->nth; i++)
		if (actionable[i] &&
		    evict_signal_cond(cfg->th[i].sig) == EV_COND_DISK &&
		    is_met(&cfg->th[i], o, st->met[i]))
			return true;
	return false;
}

/*
 * Node-level reclaim (kubelet's reclaimNodeLevelResources): nodefs
 * pressure deletes dead containers (and unused images when they share the
 * nodefs), imagefs pressure deletes unused images.
 */
static void
reclaim_node(enum evict_signal sig, struct evict_usage *u,
    struct evict_result *out)
{
	bool nodefs = sig == EV_SIG_NODEFS || sig == EV_SIG_NODEFS_INODES;

	if (nodefs) {
		out->reclaimed_dead = u->fs_dead;
		u->fs_dead = 0;
	}
	if (!nodefs || u->imagefs_capacity <= 0) {
		out->reclaimed_images = u->images_unused;
		u->images_unused = 0;
	}
}

void
evict_pass(const struct evict_config *cfg, struct evict_state *st,
    int64_t now, struct evict_usage *u, const struct evict_pod *pods,
    size_t n, struct evict_result *out)
{
	bool actionable[EV_MAX_THRESHOLDS] = { false };
	const struct evict_threshold *t;
	const struct evict_pod **rank;
	struct evict_obs o;
	size_t i;
	int pick = -1;

	memset(out, 0, sizeof(*out));
	out->threshold = -1;
	evict_observe(u, &o);
	for (i = 0; i < cfg->nth; i++) {
		t = &cfg->th[i];
		st->met[i] = is_met(t, &o, st->met[i]);
		if (!st->met[i])
			st->first_met_ms[i] = -1;
		else if (st->first_met_ms[i] < 0)
			st->first_met_ms[i] = now;
		actionable[i] = st->met[i] &&
		    now - st->first_met_ms[i] >= t->grace_ms;
		/* Memory first, then the disk signals in their order. */
		if (actionable[i] && (pick < 0 || t->sig < cfg->th[pick].sig))
			pick = (int)i;
	}
	update_conditions(cfg, st, now, out);
	if (pick < 0)
		return;
	t = &cfg->th[pick];
	out->threshold = pick;
	out->resource = evict_signal_res(t->sig);
	if (evict_signal_cond(t->sig) == EV_COND_DISK) {
		reclaim_node(t->sig, u, out);
		evict_observe(u, &o);
		if (!still_short(cfg, st, actionable, &o))
			return;
	}
	if (n == 0)
		return;
	rank = ck_calloc(n, sizeof(*rank));
	for (i = 0; i < n; i++)
		rank[i] = &pods[i];
	evict_rank(cfg->ranking, out->resource, rank, n);
	for (i = 0; i < n && out->victim == NULL; i++)
		if (!rank[i]->critical)
			out->victim = rank[i];
	free(rank);
	if (out->victim == NULL)
		return;
	out->grace_s = 0;
	if (t->soft) {
		out->grace_s = out->victim->grace_s;
		if (out->grace_s > cfg->max_pod_grace_s)
			out->grace_s = cfg->max_pod_grace_s;
		if (out->grace_s < 0)
			out->grace_s = 0;
	}
	victim_message(cfg, t, &o, out->victim, out->message,
	    sizeof(out->message));
}

/* --- admission ------------------------------------------------------- */

bool
evict_admit(const struct evict_state *st, enum pod_qos qos, bool critical,
    bool tolerates_memory_pressure, char *msg, size_t len)
{
	bool mem = st->pressure[EV_COND_MEMORY], disk =
	    st->pressure[EV_COND_DISK];

	if (critical || (!mem && !disk))
		return true;
	if (mem && !disk && (qos != QOS_BEST_EFFORT ||
	    tolerates_memory_pressure))
		return true;
	/* Go's %v of the condition list: "[MemoryPressure DiskPressure]". */
	snprintf(msg, len, "The node had condition: [%s%s%s]. ",
	    mem ? "MemoryPressure" : "", mem && disk ? " " : "",
	    disk ? "DiskPressure" : "");
	return false;
}

enum pod_qos
evict_qos_parse(const char *s)
{
	if (s != NULL && strcmp(s, "Guaranteed") == 0)
		return QOS_GUARANTEED;
	if (s != NULL && strcmp(s, "Burstable") == 0)
		return QOS_BURSTABLE;
	return QOS_BEST_EFFORT;
}
