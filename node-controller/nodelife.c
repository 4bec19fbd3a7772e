/*
 * nodelife.c: nodelife_reconcile() (Kubernetes' NodeLifecycleController,
 * monitorNodeHealth + the taint passes). A node's heartbeat is the newest of
 * its Lease's renewTime, its Ready condition's lastHeartbeatTime and its
 * creation. Older than the grace period: every condition becomes Unknown
 * (NodeStatusUnknown) and the node is tainted unreachable (NoSchedule +
 * NoExecute). Fresh and Ready=False: tainted not-ready. Fresh and Ready=True:
 * untainted. One write per pass; its watch event brings the node back.
 */
#include "nodelife.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"

struct nodelife_cfg nodelife_cfg = {
	.grace_ms = 40000,
	.monitor_period_ms = 5000,
	.eviction_timeout_ms = 300000,
	.eviction_rate = 0.1,
	.secondary_eviction_rate = 0.01,
	.unhealthy_zone_threshold = 0.55,
	.large_cluster_size = 50,
};

#define LEASE_NAMESPACE	"kube-node-lease"

int
nodelife_init(struct controller *c)
{
	struct cache *pods = controller_cache(c, "pods");

	if (pods == NULL)
		return 0;
	return cache_add_index(pods, CACHE_INDEX_NODE_NAME,
	    cache_index_node_name);
}

/* Whether node carries a taint of ours, NoSchedule or NoExecute. */
static bool
has_our_taint(const struct kobj *node)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, kobj_get(node, "spec.taints")) {
		const char *key = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(t, "key"));

		if (key != NULL && (strcmp(key, TAINT_UNREACHABLE) == 0 ||
		    strcmp(key, TAINT_NOT_READY) == 0))
			return true;
	}
	return false;
}

/*
 * A renewal matters to a node that is not Ready=True or carries a taint of
 * ours (it may be coming back). A Ready, untainted node is looked at again
 * within the monitor period (or before its grace runs out) anyway and
 * reads its Lease then, as Kubernetes' monitorNodeHealth does: a pass per
 * renewal was 100 passes a second at 1,000 nodes, 500 at 5,000.
 */
void
nodelife_map_lease(struct controller *c, const struct kobj *lease)
{
	struct cache *nodes = controller_cache(c, "nodes");
	struct kobj *node;
	const char *ready;
	bool skip = false;

	if (strcmp(kobj_namespace(lease), LEASE_NAMESPACE) != 0)
		return;
	node = nodes != NULL ? cache_get(nodes, kobj_name(lease)) : NULL;
	if (node != NULL) {
		ready = kobj_condition_status(node, "Ready");
		skip = ready != NULL && strcmp(ready, "True") == 0 &&
		    !has_our_taint(node);
	}
	kobj_unref(node);
	if (!skip)
		controller_enqueue(c, kobj_name(lease));
}

/* Whether node carries a NoExecute taint of ours (pods may be due). */
static bool
has_noexecute(const struct kobj *node)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, kobj_get(node, "spec.taints")) {
		const char *key = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(t, "key"));
		const char *eff = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(t, "effect"));

		if (key != NULL && eff != NULL &&
		    strcmp(eff, "NoExecute") == 0 &&
		    (strcmp(key, TAINT_UNREACHABLE) == 0 ||
		    strcmp(key, TAINT_NOT_READY) == 0))
			return true;
	}
	return false;
}

void
nodelife_map_pod(struct controller *c, const struct kobj *pod)
{
	const char *node_name = kobj_get_str(pod, "spec.nodeName");
	struct cache *nodes = controller_cache(c, "nodes");
	struct kobj *node;

	/* Only pods on tainted nodes matter: spare the queue the rest. */
	if (node_name == NULL || *node_name == '\0' || nodes == NULL)
		return;
	node = cache_get(nodes, node_name);
	if (node != NULL && has_noexecute(node))
		controller_enqueue(c, node_name);
	kobj_unref(node);
}

static int64_t
time_us(const char *s)
{
	int64_t us;

	if (s == NULL || rfc3339_parse_micro(s, &us) != 0)
		return 0;
	return us;
}

static int64_t
heartbeat_us(struct controller *c, const struct kobj *node)
{
	struct cache *leases = controller_cache(c,
	    "leases.coordination.k8s.io");
	const cJSON *ready = kobj_condition(node, "Ready");
	struct kobj *lease;
	int64_t hb, t;

	hb = time_us(kobj_get_str(node, "metadata.creationTimestamp"));
	if (ready != NULL) {
		t = time_us(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    ready, "lastHeartbeatTime")));
		if (t > hb)
			hb = t;
	}
	lease = leases != NULL ?
	    cache_get_by_name(leases, LEASE_NAMESPACE, kobj_name(node)) : NULL;
	if (lease != NULL) {
		t = time_us(kobj_get_str(lease, "spec.renewTime"));
		if (t > hb)
			hb = t;
	}
	kobj_unref(lease);
	return hb;
}

static void
set_str(cJSON *o, const char *key, const char *val)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddStringToObject(o, key, val);
}

/* Every condition (and a missing Ready) becomes Unknown. */
static int
mark_unknown(struct controller *c, const struct kobj *node, const char *now)
{
	struct kobj *cp = kobj_copy(node);
	cJSON *root = kobj_json_mut(cp), *st, *conds, *cond;
	struct ck_status s = { 0 };
	bool have_ready = false;
	int rc;

	st = cJSON_GetObjectItemCaseSensitive(root, "status");
	if (st == NULL)
		st = cJSON_AddObjectToObject(root, "status");
	conds = cJSON_GetObjectItemCaseSensitive(st, "conditions");
	if (!cJSON_IsArray(conds)) {
		cJSON_DeleteItemFromObjectCaseSensitive(st, "conditions");
		conds = cJSON_AddArrayToObject(st, "conditions");
	}
	cJSON_ArrayForEach(cond, conds) {
		const char *type = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(cond, "type"));
		const char *status = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(cond, "status"));

		if (type != NULL && strcmp(type, "Ready") == 0)
			have_ready = true;
		if (status != NULL && strcmp(status, "Unknown") == 0)
			continue;
		set_str(cond, "status", "Unknown");
		set_str(cond, "reason", "NodeStatusUnknown");
		set_str(cond, "message", "Kubelet stopped posting node status.");
		set_str(cond, "lastTransitionTime", now);
	}
	if (!have_ready) {
		cond = cJSON_CreateObject();
		cJSON_AddStringToObject(cond, "type", "Ready");
		cJSON_AddStringToObject(cond, "status", "Unknown");
		cJSON_AddStringToObject(cond, "reason", "NodeStatusNeverUpdated");
		cJSON_AddStringToObject(cond, "message",
		    "Kubelet never posted node status.");
		cJSON_AddStringToObject(cond, "lastHeartbeatTime", now);
		cJSON_AddStringToObject(cond, "lastTransitionTime", now);
		cJSON_AddItemToArray(conds, cond);
	}
	kobj_touch(cp);
	rc = controller_update_status(c, cp, NULL, &s);
	if (rc == 0) {
		log_info("node %s: no heartbeat for the grace period: Unknown",
		    kobj_name(node));
		controller_event(c, node, "Normal", "NodeNotReady",
		    "Node %s status is now: NodeNotReady", kobj_name(node));
	} else if (rc != CK_ECONFLICT) {
		log_warn("node %s status: %s", kobj_name(node), s.message);
	}
	ck_status_clear(&s);
	kobj_unref(cp);
	return rc;
}

static bool
is_ours(const char *key)
{
	return key != NULL && (strcmp(key, TAINT_UNREACHABLE) == 0 ||
	    strcmp(key, TAINT_NOT_READY) == 0);
}

/*
 * The node's taints with ours replaced by want's pair (want NULL: none;
 * noexec false: its NoSchedule taint alone), or NULL if they already are as
 * wanted.
 */
static cJSON *
taints_wanted(const struct kobj *node, const char *want, bool noexec,
    const char *now)
{
	const cJSON *have = kobj_get(node, "spec.taints"), *t;
	cJSON *out = cJSON_CreateArray(), *nt;
	bool changed = false, have_ns = false, have_ne = false;

	cJSON_ArrayForEach(t, have) {
		const char *key = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(t, "key"));
		const char *eff = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(t, "effect"));

		if (is_ours(key)) {
			if (want == NULL || strcmp(key, want) != 0 ||
			    (!noexec && eff != NULL &&
			    strcmp(eff, "NoExecute") == 0)) {
				changed = true;
				continue;
			}
			if (eff != NULL && strcmp(eff, "NoSchedule") == 0)
				have_ns = true;
			if (eff != NULL && strcmp(eff, "NoExecute") == 0)
				have_ne = true;
		}
		cJSON_AddItemToArray(out, cJSON_Duplicate(t, 1));
	}
	if (want != NULL && !have_ns) {
		nt = cJSON_CreateObject();
		cJSON_AddStringToObject(nt, "key", want);
		cJSON_AddStringToObject(nt, "effect", "NoSchedule");
		cJSON_AddItemToArray(out, nt);
		changed = true;
	}
	if (want != NULL && noexec && !have_ne) {
		nt = cJSON_CreateObject();
		cJSON_AddStringToObject(nt, "key", want);
		cJSON_AddStringToObject(nt, "effect", "NoExecute");
		cJSON_AddStringToObject(nt, "timeAdded", now);
		cJSON_AddItemToArray(out, nt);
		changed = true;
	}
	if (!changed) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

/*
 * TaintNodesByCondition: a NoSchedule taint for each pressure condition
 * that is True, none otherwise; edits arr (the node's taints). Returns
 * whether it changed.
 */
static bool
pressure_taints(const struct kobj *node, cJSON *arr)
{
	static const struct {
		const char *cond, *key;
	} map[] = {
		{ "MemoryPressure", TAINT_MEMORY_PRESSURE },
		{ "DiskPressure", TAINT_DISK_PRESSURE },
		{ "PIDPressure", TAINT_PID_PRESSURE },
	};
	bool changed = false, want, have;
	const char *st;
	cJSON *t, *nt;
	size_t i;
	int k;

	for (i = 0; i < ARRAY_SIZE(map); i++) {
		st = kobj_condition_status(node, map[i].cond);
		want = st != NULL && strcmp(st, "True") == 0;
		have = false;
		for (k = cJSON_GetArraySize(arr) - 1; k >= 0; k--) {
			const char *key;

			t = cJSON_GetArrayItem(arr, k);
			key = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(t, "key"));
			if (key == NULL || strcmp(key, map[i].key) != 0)
				continue;
			if (want && !have) {
				have = true;
				continue;
			}
			cJSON_DeleteItemFromArray(arr, k);
			changed = true;
		}
		if (want && !have) {
			nt = cJSON_CreateObject();
			cJSON_AddStringToObject(nt, "key", map[i].key);
			cJSON_AddStringToObject(nt, "effect", "NoSchedule");
			cJSON_AddItemToArray(arr, nt);
			changed = true;
		}
	}
	return changed;
}

static int
set_taints(struct controller *c, const struct kobj *node, cJSON *taints)
{
	struct kobj *cp = kobj_copy(node);
	cJSON *spec = cJSON_GetObjectItemCaseSensitive(kobj_json_mut(cp), "spec");
	struct ck_status s = { 0 };
	int rc;

	if (spec == NULL)
		spec = cJSON_AddObjectToObject(kobj_json_mut(cp), "spec");
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "taints");
	cJSON_AddItemToObject(spec, "taints", taints);
	kobj_touch(cp);
	rc = controller_update(c, cp, NULL, &s);
	if (rc != 0 && rc != CK_ECONFLICT)
		log_warn("node %s taints: %s", kobj_name(node), s.message);
	ck_status_clear(&s);
	kobj_unref(cp);
	return rc;
}

static int64_t
min_pos(int64_t a, int64_t b)
{
	if (a <= 0)
		return b;
	if (b <= 0)
		return a;
	return a < b ? a : b;
}

/*
 * Whether node, due a NoExecute taint, may have it: never in master
 * disruption; if it has one of ours already (a swap), yes; else when its
 * zone's limiter grants it, the next try in *next_ms otherwise.
 */
static bool
noexec_allowed(struct controller *c, const struct kobj *node, int64_t *next_ms)
{
	const struct nodelife_cfg *cfg = &nodelife_cfg;
	uint64_t wait;
	int64_t again;

	if (nodelife_zone_master_disruption(c))
		return false;
	if (has_noexecute(node) || nodelife_zone_may_taint(c, node, &wait))
		return true;
	again = cfg->monitor_period_ms > 0 ? cfg->monitor_period_ms : 5000;
	if (wait < (uint64_t)again)
		again = (int64_t)wait;
	*next_ms = min_pos(*next_ms, again);
	return false;
}

int
nodelife_reconcile(struct controller *c, const char *key)
{
	struct cache *nodes = controller_cache(c, "nodes");
	struct kobj *node = nodes != NULL ? cache_get(nodes, key) : NULL;
	const struct nodelife_cfg *cfg = &nodelife_cfg;
	char now[RFC3339_MAX];
	const char *ready, *want;
	int64_t now_us, age_ms, next_ms = 0, due;
	cJSON *taints;
	bool changed, noexec = true;
	int rc = 0;

	if (node == NULL)
		return 0;	/* deleted: nothing to watch over */
	now_us = ck_wall_us();
	if (rfc3339_format_micro(now_us, now, sizeof(now)) != 0)
		goto out;
	age_ms = (now_us - heartbeat_us(c, node)) / 1000;
	ready = kobj_condition_status(node, "Ready");
	if (age_ms > cfg->grace_ms) {
		if (ready == NULL || strcmp(ready, "Unknown") != 0) {
			rc = mark_unknown(c, node, now);
			goto out;
		}
		want = TAINT_UNREACHABLE;
	} else {
		/* Look again when the heartbeat would run out. */
		next_ms = cfg->grace_ms - age_ms + 100;
		if (cfg->monitor_period_ms > 0 && next_ms > cfg->monitor_period_ms)
			next_ms = cfg->monitor_period_ms;
		if (ready != NULL && strcmp(ready, "True") == 0)
			want = NULL;
		else if (ready != NULL && strcmp(ready, "False") == 0)
			want = TAINT_NOT_READY;
		else	/* renewing again but no status yet: keep as is */
			want = kobj_condition(node, "Ready") != NULL &&
			    has_noexecute(node) ? TAINT_UNREACHABLE : NULL;
	}
	/*
	 * A node with our taints is looked at every monitor period too, as
	 * Kubernetes' monitorNodeHealth does: a zone's state may change (a
	 * NoExecute taint becomes due, or is lifted in master disruption)
	 * without an event of the node's own.
	 */
	if (want != NULL && cfg->monitor_period_ms > 0)
		next_ms = min_pos(next_ms, cfg->monitor_period_ms);
	if (want != NULL && !noexec_allowed(c, node, &next_ms))
		noexec = false;
	taints = taints_wanted(node, want, noexec, now);
	changed = taints != NULL;
	if (taints == NULL) {
		taints = cJSON_IsArray(kobj_get(node, "spec.taints")) ?
		    cJSON_Duplicate(kobj_get(node, "spec.taints"), 1) :
		    cJSON_CreateArray();
	}
	if (pressure_taints(node, taints))
		changed = true;
	if (changed) {
		rc = set_taints(c, node, taints);
		goto out;
	}
	cJSON_Delete(taints);
	ready = kobj_condition_status(node, "Ready");
	if (ready != NULL && strcmp(ready, "True") != 0 &&
	    (rc = nodelife_mark_pods_not_ready(c, node, now)) < 0)
		goto out;
	due = nodelife_evict_pods(c, node, now_us);
	if (due < 0)
		rc = (int)due;
	else
		next_ms = min_pos(next_ms, due);
out:
	if (rc == 0 && next_ms > 0)
		controller_requeue_after(c, key, (unsigned int)next_ms);
	kobj_unref(node);
	return rc;
}
