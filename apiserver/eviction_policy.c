/*
 * eviction_policy.c: the decisions of pods/eviction over JSON (eviction.h),
 * after Kubernetes' pkg/registry/core/pod/storage/eviction.go.
 */
#include "eviction.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "apiserver.h"
#include "ckube/err.h"
#include "ckube/selector.h"

static int64_t
num_or(const cJSON *obj, const char *key, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def;
}

/* The condition of type in obj.status.conditions, or NULL. */
static cJSON *
find_condition(const cJSON *obj, const char *type)
{
	cJSON *c;
	const char *t;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
	    json_obj(obj, "status"), "conditions")) {
		t = json_str(c, "type");
		if (t != NULL && strcmp(t, type) == 0)
			return c;
	}
	return NULL;
}

bool
evict_pod_ready(const cJSON *pod)
{
	const char *s = json_str(find_condition(pod, "Ready"), "status");

	return s != NULL && strcmp(s, "True") == 0;
}

bool
evict_pod_ignores_budgets(const cJSON *pod)
{
	const char *phase = json_str(json_obj(pod, "status"), "phase");

	if (json_str(json_obj(pod, "metadata"), "deletionTimestamp") != NULL)
		return true;
	/* An absent phase is Pending (the kubelet has not reported yet). */
	return phase == NULL || strcmp(phase, "Succeeded") == 0 ||
	    strcmp(phase, "Failed") == 0 || strcmp(phase, "Pending") == 0;
}

bool
evict_budget_covers(const cJSON *pdb, const cJSON *pod)
{
	struct label_selector *sel = NULL;
	struct ck_status st;
	const cJSON *s = json_obj(json_obj(pdb, "spec"), "selector");
	bool m;

	if (s == NULL || selector_from_json(s, "spec.selector", &sel, &st) < 0)
		return false;
	m = selector_matches(sel, json_obj(json_obj(pod, "metadata"),
	    "labels"));
	selector_free(sel);
	return m;
}

enum evict_verdict
evict_decide(const cJSON *pod, const cJSON *const *pdbs, size_t npdbs)
{
	const cJSON *b, *spec, *st, *dp;
	const char *policy;
	int64_t cur, want, allowed;

	if (evict_pod_ignores_budgets(pod) || npdbs == 0)
		return EVICT_PLAIN;
	if (npdbs > 1)
		return EVICT_MULTIPLE;
	b = pdbs[0];
	spec = json_obj(b, "spec");
	st = json_obj(b, "status");
	if (!evict_pod_ready(pod)) {
		/* Not contributing to availability: the policy says whether it may go. */
		policy = json_str(spec, "unhealthyPodEvictionPolicy");
		if (policy != NULL && strcmp(policy, "AlwaysAllow") == 0)
			return EVICT_UNHEALTHY;
		cur = num_or(st, "currentHealthy", 0);
		want = num_or(st, "desiredHealthy", 0);
		if (cur >= want && want > 0)
			return EVICT_UNHEALTHY;
	}
	if (num_or(st, "observedGeneration", 0) <
	    num_or(json_obj(b, "metadata"), "generation", 0))
		return EVICT_DENY_STALE;
	allowed = num_or(st, "disruptionsAllowed", 0);
	if (allowed < 0)
		return EVICT_DENY_NEGATIVE;
	dp = json_obj(st, "disruptedPods");
	if (dp != NULL && cJSON_GetArraySize(dp) > EVICT_MAX_DISRUPTED)
		return EVICT_DENY_TOOMANY;
	if (allowed == 0)
		return EVICT_DENY_BUDGET;
	return EVICT_CONSUME;
}

void
evict_consume(cJSON *pdb, const char *name, const char *now_ts)
{
	cJSON *st = json_ensure_obj(pdb, "status"), *dp, *cond, *conds;
	int64_t allowed = num_or(st, "disruptionsAllowed", 0) - 1;
	const char *old;

	json_set_num(st, "disruptionsAllowed", (double)allowed);
	dp = json_ensure_obj(st, "disruptedPods");
	json_set_str(dp, name, now_ts);
	if (allowed > 0)
		return;
	cond = find_condition(pdb, "DisruptionAllowed");
	if (cond == NULL) {
		conds = cJSON_GetObjectItemCaseSensitive(st, "conditions");
		if (!cJSON_IsArray(conds)) {
			json_del(st, "conditions");
			conds = cJSON_AddArrayToObject(st, "conditions");
		}
		cond = cJSON_CreateObject();
		cJSON_AddItemToArray(conds, cond);
		json_set_str(cond, "type", "DisruptionAllowed");
	}
	old = json_str(cond, "status");
	if (old == NULL || strcmp(old, "False") != 0)
		json_set_str(cond, "lastTransitionTime", now_ts);
	json_set_str(cond, "status", "False");
	json_set_str(cond, "reason", "InsufficientPods");
	if (json_str(cond, "message") == NULL)
		json_set_str(cond, "message", "");
	json_set_num(cond, "observedGeneration",
	    (double)num_or(st, "observedGeneration", 0));
}

void
evict_denied_message(const cJSON *pdb, char *buf, size_t size)
{
	const cJSON *st = json_obj(pdb, "status");
	const cJSON *cond = find_condition(pdb, "DisruptionAllowed");
	const char *name = json_str(json_obj(pdb, "metadata"), "name");
	const char *cs = json_str(cond, "status"), *reason = json_str(cond,
	    "reason"), *msg = json_str(cond, "message");
	bool cond_false = cs != NULL && strcmp(cs, "False") == 0 &&
	    msg != NULL && msg[0] != '\0';
	int64_t cur = num_or(st, "currentHealthy", 0);
	int64_t want = num_or(st, "desiredHealthy", 0);

	if (name == NULL)
		name = "";
	if (cond_false && reason != NULL && strcmp(reason, "SyncFailed") == 0)
		(void)snprintf(buf, size, "The disruption budget %s does not "
		    "allow evicting pods currently because it failed sync: %s",
		    name, msg);
	else if (cur <= want)
		(void)snprintf(buf, size, "The disruption budget %s needs %lld "
		    "healthy pods and has %lld currently", name,
		    (long long)want, (long long)cur);
	else if (cond_false)
		(void)snprintf(buf, size, "The disruption budget %s does not "
		    "allow evicting pods currently (%s): %s", name,
		    reason != NULL ? reason : "", msg);
	else
		(void)snprintf(buf, size, "The disruption budget %s does not "
		    "allow evicting pods currently", name);
}
