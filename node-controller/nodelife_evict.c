/*
 * nodelife_evict.c: taint-based eviction (Kubernetes' NoExecuteTaintManager).
 * A pod on a node tainted unreachable/not-ready NoExecute is deleted when
 * it stops tolerating the taint: at once if a matching toleration says
 * tolerationSeconds <= 0, after the smallest matching tolerationSeconds,
 * never if it tolerates without a limit. The apiserver's
 * DefaultTolerationSeconds admission gives every pod both tolerations (300 s
 * unless the pod has its own), so tolerationSeconds decides; only a pod
 * stored before that admission existed has no matching toleration and gets
 * --pod-eviction-timeout (the 1.3 rule) instead of upstream's eviction at
 * once.
 */
#include "nodelife.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"

static const char *
str_of(const cJSON *o, const char *key)
{
	const char *s = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(o, key));

	return s != NULL ? s : "";
}

/* Whether toleration tol tolerates the NoExecute taint with key. */
static bool
tolerates(const cJSON *tol, const char *key)
{
	const char *tkey = str_of(tol, "key"), *op = str_of(tol, "operator");
	const char *eff = str_of(tol, "effect");

	if (*eff != '\0' && strcmp(eff, "NoExecute") != 0)
		return false;
	if (*tkey == '\0')
		return strcmp(op, "Exists") == 0;
	if (strcmp(tkey, key) != 0)
		return false;
	if (strcmp(op, "Exists") == 0)
		return true;
	/* Equal (the default): our taints carry no value. */
	return (*op == '\0' || strcmp(op, "Equal") == 0) &&
	    *str_of(tol, "value") == '\0';
}

/* How long pod may stay (ms): -1 = forever. */
static int64_t
toleration_ms(const struct kobj *pod, const char *key)
{
	const cJSON *tol, *secs;
	bool matched = false;
	int64_t min_s = -1;

	cJSON_ArrayForEach(tol, kobj_get(pod, "spec.tolerations")) {
		if (!tolerates(tol, key))
			continue;
		matched = true;
		secs = cJSON_GetObjectItemCaseSensitive(tol,
		    "tolerationSeconds");
		if (!cJSON_IsNumber(secs))
			continue;
		if (secs->valuedouble <= 0)
			return 0;
		if (min_s < 0 || (int64_t)secs->valuedouble < min_s)
			min_s = (int64_t)secs->valuedouble;
	}
	if (!matched)
		return nodelife_cfg.eviction_timeout_ms;
	return min_s < 0 ? -1 : min_s * 1000;
}

/* Our NoExecute taint on node: its key and when it was added (us). */
static const char *
noexecute_taint(const struct kobj *node, int64_t now_us, int64_t *added_us)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, kobj_get(node, "spec.taints")) {
		const char *key = str_of(t, "key");

		if (strcmp(str_of(t, "effect"), "NoExecute") != 0 ||
		    (strcmp(key, TAINT_UNREACHABLE) != 0 &&
		    strcmp(key, TAINT_NOT_READY) != 0))
			continue;
		if (rfc3339_parse_micro(str_of(t, "timeAdded"), added_us) != 0)
			*added_us = now_us;
		return key;
	}
	return NULL;
}

static int
evict(struct controller *c, const struct kobj *pod, const char *taint)
{
	struct ck_status st = { 0 };
	int rc;

	rc = controller_delete(c, &CLIENT_GVR_PODS, kobj_namespace(pod),
	    kobj_name(pod), NULL, &st);
	if (rc == CK_ENOTFOUND)
		rc = 0;
	if (rc == 0) {
		log_info("node %s is tainted %s: deleting pod %s/%s",
		    kobj_get_str(pod, "spec.nodeName"), taint,
		    kobj_namespace(pod), kobj_name(pod));
		controller_event(c, pod, "Normal", "TaintManagerEviction",
		    "Marking for deletion Pod %s/%s", kobj_namespace(pod),
		    kobj_name(pod));
	} else {
		log_warn("evict pod %s/%s: %s", kobj_namespace(pod),
		    kobj_name(pod), st.message);
	}
	ck_status_clear(&st);
	return rc;
}

/* Ready=False in pod's conditions, the others kept: a merge patch of status. */
static int
mark_not_ready(struct controller *c, const struct kobj *pod, const char *now)
{
	struct ck_status st = { 0 };
	cJSON *patch, *conds, *cond;
	const cJSON *old;
	int rc;

	patch = cJSON_CreateObject();
	conds = cJSON_AddArrayToObject(cJSON_AddObjectToObject(patch,
	    "status"), "conditions");
	cJSON_ArrayForEach(old, kobj_get(pod, "status.conditions")) {
		cond = cJSON_Duplicate(old, 1);
		if (strcmp(str_of(cond, "type"), "Ready") == 0) {
			cJSON_ReplaceItemInObjectCaseSensitive(cond, "status",
			    cJSON_CreateString("False"));
			cJSON_DeleteItemFromObjectCaseSensitive(cond,
			    "lastTransitionTime");
			cJSON_AddStringToObject(cond, "lastTransitionTime", now);
		}
		cJSON_AddItemToArray(conds, cond);
	}
	rc = controller_patch(c, &CLIENT_GVR_PODS, kobj_namespace(pod),
	    kobj_name(pod), "status", CLIENT_PATCH_MERGE, patch, NULL, &st);
	cJSON_Delete(patch);
	if (rc == CK_ENOTFOUND)
		rc = 0;
	if (rc == 0)
		controller_event(c, pod, "Warning", "NodeNotReady",
		    "Node is not ready");
	else
		log_warn("mark pod %s/%s not ready: %s", kobj_namespace(pod),
		    kobj_name(pod), st.message);
	ck_status_clear(&st);
	return rc;
}

int
nodelife_mark_pods_not_ready(struct controller *c, const struct kobj *node,
    const char *now)
{
	struct cache *pods = controller_cache(c, "pods");
	struct kobj **list;
	const char *ready;
	size_t i, n;
	int rc = 0;

	if (pods == NULL)
		return 0;
	list = cache_list_by_index(pods, CACHE_INDEX_NODE_NAME, kobj_name(node),
	    &n);
	for (i = 0; i < n; i++) {
		ready = kobj_condition_status(list[i], "Ready");
		if (ready == NULL || strcmp(ready, "True") != 0 ||
		    kobj_get(list[i], "metadata.deletionTimestamp") != NULL)
			continue;
		if (mark_not_ready(c, list[i], now) < 0)
			rc = CK_EAGAIN;
	}
	cache_list_free(list, n);
	return rc;
}

int64_t
nodelife_evict_pods(struct controller *c, const struct kobj *node,
    int64_t now_us)
{
	struct cache *pods = controller_cache(c, "pods");
	struct kobj **list;
	const char *taint;
	int64_t added_us, next_ms = 0, limit, left;
	size_t i, n;
	int rc = 0;

	taint = noexecute_taint(node, now_us, &added_us);
	if (taint == NULL || pods == NULL)
		return 0;
	list = cache_list_by_index(pods, CACHE_INDEX_NODE_NAME, kobj_name(node),
	    &n);
	for (i = 0; i < n; i++) {
		if (kobj_get_str(list[i], "metadata.deletionTimestamp") != NULL)
			continue;	/* already going */
		limit = toleration_ms(list[i], taint);
		if (limit < 0)
			continue;
		left = limit - (now_us - added_us) / 1000;
		if (left > 0) {
			if (next_ms == 0 || left < next_ms)
				next_ms = left;
			continue;
		}
		if (evict(c, list[i], taint) < 0)
			rc = CK_EAGAIN;
	}
	cache_list_free(list, n);
	return rc < 0 ? rc : next_ms;
}
