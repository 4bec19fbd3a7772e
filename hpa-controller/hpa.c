/*
 * hpa.c: reconcile one HorizontalPodAutoscaler as upstream horizontal.go's
 * reconcileAutoscaler does: read the target's /scale, keep the replicas
 * within min/max, else measure every Resource Utilization metric
 * (hpa_metrics.c, replica_calc.c), take the highest proposal, normalize
 * it (behavior.c), write /scale when it changes (event SuccessfulRescale
 * "New size: N; reason: ..."), then status (currentReplicas,
 * desiredReplicas, currentMetrics, lastScaleTime) and the conditions
 * AbleToScale, ScalingActive and ScalingLimited. Every HPA is synced again
 * each --horizontal-pod-autoscaler-sync-period.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/quantity.h"
#include "ckube/rfc3339.h"
#include "ckube/strmap.h"
#include "hpa_int.h"

#define HPA_RESOURCE	"horizontalpodautoscalers.autoscaling"

struct hpa_config hpa_cfg;

struct hpa_state {
	pthread_mutex_t	 mu;
	struct strmap	*hist;		/* key -> struct hpa_history */
};

int
hpa_init(struct controller *c)
{
	struct hpa_state *s = ck_calloc(1, sizeof(*s));

	pthread_mutex_init(&s->mu, NULL);
	s->hist = strmap_new();
	controller_set_data(c, s);
	if (hpa_cfg.tolerance_text != NULL)
		hpa_cfg.tolerance = strtod(hpa_cfg.tolerance_text, NULL);
	if (hpa_cfg.tolerance < 0 || hpa_cfg.tolerance >= 1)
		hpa_cfg.tolerance = 0.1;
	if (hpa_cfg.sync_ms <= 0)
		hpa_cfg.sync_ms = 15000;
	return 0;
}

void
hpa_fini(struct controller *c)
{
	struct hpa_state *s = controller_data(c);

	if (s == NULL)
		return;
	strmap_free(s->hist, free);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* The history of key (created on first use); under s->mu. */
static struct hpa_history *
history(struct hpa_state *s, const char *key)
{
	struct hpa_history *h = strmap_get(s->hist, key);

	if (h == NULL) {
		h = ck_calloc(1, sizeof(*h));
		strmap_put(s->hist, key, h);
	}
	return h;
}

/* setCondition: lastTransitionTime moves only with the status. */
static void
set_cond(cJSON *status, const char *type, const char *st, const char *reason,
    const char *fmt, ...) CK_PRINTF(5, 6);

static void
set_cond(cJSON *status, const char *type, const char *st, const char *reason,
    const char *fmt, ...)
{
	cJSON *conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
	cJSON *c, *cur = NULL;
	char msg[1024], now[RFC3339_MAX];
	const char *old;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!cJSON_IsArray(conds)) {
		cJSON_DeleteItemFromObjectCaseSensitive(status, "conditions");
		conds = cJSON_AddArrayToObject(status, "conditions");
	}
	cJSON_ArrayForEach(c, conds)
		if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    c, "type")) ? cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(c, "type")) : "",
		    type) == 0)
			cur = c;
	if (cur == NULL) {
		cur = cJSON_CreateObject();
		cJSON_AddStringToObject(cur, "type", type);
		cJSON_AddItemToArray(conds, cur);
	}
	old = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cur,
	    "status"));
	if (old == NULL || strcmp(old, st) != 0) {
		rfc3339_now(now);
		cJSON_DeleteItemFromObjectCaseSensitive(cur,
		    "lastTransitionTime");
		cJSON_AddStringToObject(cur, "lastTransitionTime", now);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(cur, "status");
	cJSON_AddStringToObject(cur, "status", st);
	cJSON_DeleteItemFromObjectCaseSensitive(cur, "reason");
	cJSON_AddStringToObject(cur, "reason", reason);
	cJSON_DeleteItemFromObjectCaseSensitive(cur, "message");
	cJSON_AddStringToObject(cur, "message", msg);
}

static void
set_num(cJSON *o, const char *key, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(o, key);
	cJSON_AddNumberToObject(o, key, v);
}

static int32_t
num(const cJSON *o, const char *key, int32_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int32_t)v->valuedouble : def;
}

static const char *
str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The /scale path of the target, or NULL for an unknown kind. */
static bool
scale_path(const cJSON *ref, const char *ns, char *buf, size_t len,
    struct client_gvr *gvr)
{
	static const struct {
		const char *kind, *group, *resource;
	} kinds[] = {
		{ "Deployment", "apps", "deployments" },
		{ "ReplicaSet", "apps", "replicasets" },
		{ "StatefulSet", "apps", "statefulsets" },
		{ "ReplicationController", "", "replicationcontrollers" },
	};
	const char *kind = str(ref, "kind"), *name = str(ref, "name");
	size_t i;

	for (i = 0; kind != NULL && name != NULL && i < ARRAY_SIZE(kinds);
	    i++) {
		if (strcmp(kinds[i].kind, kind) != 0)
			continue;
		gvr->group = kinds[i].group;
		gvr->version = "v1";
		gvr->resource = kinds[i].resource;
		return client_path(buf, len, gvr, ns, name, "scale", NULL) == 0;
	}
	return false;
}

/* currentMetrics entry of a Resource Utilization metric. */
static cJSON *
current_metric(const char *res, const struct hpa_calc_result *r)
{
	cJSON *m = cJSON_CreateObject(), *rs, *cur;
	char q[64];

	cJSON_AddStringToObject(m, "type", "Resource");
	rs = cJSON_AddObjectToObject(m, "resource");
	cJSON_AddStringToObject(rs, "name", res);
	cur = cJSON_AddObjectToObject(rs, "current");
	cJSON_AddNumberToObject(cur, "averageUtilization", r->utilization);
	if (quantity_format_milli(r->raw_average_milli, strcmp(res, "cpu") == 0
	    ? QUANTITY_DECIMAL_SI : QUANTITY_BINARY_SI, q, sizeof(q)) == 0)
		cJSON_AddStringToObject(cur, "averageValue", q);
	return m;
}

/*
 * computeReplicasForMetrics: the highest proposal over spec.metrics into
 * *desired and the metric's name into name; -1 when none could be
 * computed (status and events then say why).
 */
static int
compute(struct controller *c, const struct kobj *hpa, cJSON *status,
    const char *ns, const char *selector, int32_t current,
    int32_t *desired, char *name, size_t nlen)
{
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(kobj_json(hpa),
	    "spec"), *m, *rs, *t;
	cJSON *cur = cJSON_CreateArray();
	struct hpa_measure meas;
	struct hpa_calc_result r;
	char err[512], first[768] = "", mname[160];
	const char *res;
	int valid = 0, invalid = 0, rc;

	*desired = -1;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(spec,
	    "metrics")) {
		rs = cJSON_GetObjectItemCaseSensitive(m, "resource");
		t = cJSON_GetObjectItemCaseSensitive(rs, "target");
		res = str(rs, "name");
		if (str(m, "type") == NULL || strcmp(str(m, "type"),
		    "Resource") != 0 || res == NULL || str(t, "type") == NULL ||
		    strcmp(str(t, "type"), "Utilization") != 0) {
			if (invalid++ == 0)
				snprintf(first, sizeof(first), "invalid metric "
				    "source type: only Resource metrics with "
				    "a Utilization target are supported");
			continue;
		}
		snprintf(mname, sizeof(mname), "%s resource utilization "
		    "(percentage of request)", res);
		rc = hpa_measure(c, ns, selector, res, &meas, err,
		    sizeof(err));
		if (rc == 0)
			rc = hpa_calc_replicas(meas.pods, meas.n, current,
			    num(t, "averageUtilization", 80),
			    hpa_cfg.tolerance, &r, err, sizeof(err));
		hpa_measure_fini(&meas);
		if (rc != 0) {
			if (invalid++ == 0)
				snprintf(first, sizeof(first), "failed to get "
				    "%s utilization: %s", res, err);
			controller_event(c, hpa, "Warning",
			    "FailedGetResourceMetric", "failed to get %s "
			    "utilization: %s", res, err);
			continue;
		}
		valid++;
		cJSON_AddItemToArray(cur, current_metric(res, &r));
		if (r.replicas > *desired) {
			*desired = r.replicas;
			snprintf(name, nlen, "%s", mname);
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(status, "currentMetrics");
	if (cJSON_GetArraySize(cur) > 0)
		cJSON_AddItemToObject(status, "currentMetrics", cur);
	else
		cJSON_Delete(cur);
	if (valid == 0 || (invalid > 0 && *desired < current)) {
		/* upstream: a scale-down needs every metric */
		set_cond(status, "ScalingActive", "False",
		    "FailedGetResourceMetric", "the HPA was unable to compute "
		    "the replica count: %s", first);
		controller_event(c, hpa, "Warning",
		    "FailedComputeMetricsReplicas", "invalid metrics (%d "
		    "invalid out of %d), first error is: %s", invalid,
		    invalid + valid, first);
		*desired = -1;
		return -1;
	}
	set_cond(status, "ScalingActive", "True", "ValidMetricFound",
	    "the HPA was able to successfully calculate a replica count from "
	    "%s", name);
	return 0;
}

/* Write status if it changed; 0 or the client's error. */
static int
write_status(struct controller *c, const struct kobj *hpa, cJSON *status)
{
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(kobj_json(hpa),
	    "status");
	struct kobj *cp;
	struct ck_status st;
	int rc;

	if (old != NULL && cJSON_Compare(old, status, 1))
		return 0;
	cp = kobj_copy(hpa);
	cJSON_DeleteItemFromObjectCaseSensitive(kobj_json_mut(cp), "status");
	cJSON_AddItemToObject(kobj_json_mut(cp), "status",
	    cJSON_Duplicate(status, 1));
	rc = controller_update_status(c, cp, NULL, &st);
	if (rc != 0 && rc != CK_ECONFLICT && rc != CK_ENOTFOUND)
		log_warn("hpa %s: status: %s", kobj_key(hpa), st.message);
	kobj_unref(cp);
	return rc == CK_ENOTFOUND ? 0 : rc;
}

int
hpa_reconcile(struct controller *c, const char *key)
{
	struct hpa_state *s = controller_data(c);
	struct kobj *hpa = cache_get(controller_cache(c, HPA_RESOURCE), key);
	const cJSON *spec, *ref, *behavior;
	cJSON *status = NULL, *scale = NULL, *patch;
	struct client_gvr gvr;
	struct ck_status st;
	struct hpa_rules up, down;
	struct hpa_normalized norm;
	struct hpa_history *h;
	char path[1024], reason[256] = "", mname[160] = "", now[RFC3339_MAX];
	const char *ns, *selector;
	int32_t current, desired = 0, min, max, metric_desired;
	bool rescale = true;
	int rc = 0;

	if (hpa == NULL) {
		pthread_mutex_lock(&s->mu);
		free(strmap_remove(s->hist, key));
		pthread_mutex_unlock(&s->mu);
		return 0;
	}
	ns = kobj_namespace(hpa);
	spec = cJSON_GetObjectItemCaseSensitive(kobj_json(hpa), "spec");
	ref = cJSON_GetObjectItemCaseSensitive(spec, "scaleTargetRef");
	behavior = cJSON_GetObjectItemCaseSensitive(spec, "behavior");
	status = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
	    kobj_json(hpa), "status"), 1);
	if (!cJSON_IsObject(status)) {
		cJSON_Delete(status);
		status = cJSON_CreateObject();
	}
	set_num(status, "observedGeneration", num(cJSON_GetObjectItemCaseSensitive(
	    kobj_json(hpa), "metadata"), "generation", 0));
	if (!scale_path(ref, ns, path, sizeof(path), &gvr)) {
		set_cond(status, "AbleToScale", "False", "FailedGetScale",
		    "the HPA controller was unable to get the target's current "
		    "scale: no scale subresource for kind %s",
		    str(ref, "kind") ? str(ref, "kind") : "");
		controller_event(c, hpa, "Warning", "FailedGetScale",
		    "no scale subresource for kind %s", str(ref, "kind") ?
		    str(ref, "kind") : "");
		goto status;
	}
	rc = client_get_path(controller_client(c), path, &scale, &st);
	if (rc != 0) {
		set_cond(status, "AbleToScale", "False", "FailedGetScale",
		    "the HPA controller was unable to get the target's current "
		    "scale: %s", st.message);
		controller_event(c, hpa, "Warning", "FailedGetScale", "%s",
		    st.message);
		rc = 0;
		goto status;
	}
	set_cond(status, "AbleToScale", "True", "SucceededGetScale",
	    "the HPA controller was able to get the target's current scale");
	current = num(cJSON_GetObjectItemCaseSensitive(scale, "spec"),
	    "replicas", 0);
	selector = str(cJSON_GetObjectItemCaseSensitive(scale, "status"),
	    "selector");
	min = num(spec, "minReplicas", 1);
	max = num(spec, "maxReplicas", 1);
	hpa_rules_from_behavior(behavior, (int32_t)(
	    hpa_cfg.downscale_window_ms / 1000), &up, &down);
	if (current == 0 && min != 0) {
		desired = 0;
		rescale = false;
		set_cond(status, "ScalingActive", "False", "ScalingDisabled",
		    "scaling is disabled since the replica count of the "
		    "target is zero");
	} else if (current > max) {
		snprintf(reason, sizeof(reason),
		    "Current number of replicas above Spec.MaxReplicas");
		desired = max;
	} else if (current < min) {
		snprintf(reason, sizeof(reason),
		    "Current number of replicas below Spec.MinReplicas");
		desired = min;
	} else {
		if (selector == NULL || selector[0] == '\0') {
			set_cond(status, "ScalingActive", "False",
			    "InvalidSelector", "the HPA target's scale is "
			    "missing a selector");
			controller_event(c, hpa, "Warning", "SelectorRequired",
			    "selector is required");
			goto status_replicas;
		}
		if (compute(c, hpa, status, ns, selector, current,
		    &metric_desired, mname, sizeof(mname)) < 0)
			goto status_replicas;
		desired = metric_desired;
		if (desired > current)
			snprintf(reason, sizeof(reason), "%s above target",
			    mname);
		else if (desired < current)
			snprintf(reason, sizeof(reason),
			    "All metrics below target");
		pthread_mutex_lock(&s->mu);
		h = history(s, key);
		if (behavior == NULL)
			hpa_normalize_legacy(h, (int32_t)(
			    hpa_cfg.downscale_window_ms / 1000), min, max,
			    current, desired, (int64_t)ck_now_ms(), &norm);
		else
			hpa_normalize_behavior(h, &up, &down, min, max,
			    current, desired, (int64_t)ck_now_ms(), &norm);
		pthread_mutex_unlock(&s->mu);
		set_cond(status, "AbleToScale", "True", norm.able_reason, "%s",
		    norm.able_message);
		set_cond(status, "ScalingLimited", norm.limited ? "True" :
		    "False", norm.limit_reason, "%s", norm.limit_message);
		desired = norm.replicas;
		rescale = desired != current;
	}
	if (rescale && desired != current) {
		patch = cJSON_CreateObject();
		cJSON_AddNumberToObject(cJSON_AddObjectToObject(patch, "spec"),
		    "replicas", desired);
		rc = controller_patch(c, &gvr, ns, str(ref, "name"), "scale",
		    CLIENT_PATCH_MERGE, patch, NULL, &st);
		cJSON_Delete(patch);
		if (rc != 0) {
			controller_event(c, hpa, "Warning", "FailedRescale",
			    "New size: %d; reason: %s; error: %s", desired,
			    reason, st.message);
			set_cond(status, "AbleToScale", "False",
			    "FailedUpdateScale", "the HPA controller was "
			    "unable to update the target scale: %s",
			    st.message);
			goto status_replicas;
		}
		set_cond(status, "AbleToScale", "True", "SucceededRescale",
		    "the HPA controller was able to update the target scale "
		    "to %d", desired);
		controller_event(c, hpa, "Normal", "SuccessfulRescale",
		    "New size: %d; reason: %s", desired, reason);
		log_info("hpa %s: rescaled %s %s from %d to %d: %s", key,
		    str(ref, "kind"), str(ref, "name"), current, desired,
		    reason);
		if (behavior != NULL) {
			pthread_mutex_lock(&s->mu);
			hpa_record_scale(history(s, key), &up, &down, current,
			    desired, (int64_t)ck_now_ms());
			pthread_mutex_unlock(&s->mu);
		}
		rfc3339_now(now);
		cJSON_DeleteItemFromObjectCaseSensitive(status,
		    "lastScaleTime");
		cJSON_AddStringToObject(status, "lastScaleTime", now);
	} else
		desired = current;
status_replicas:
	set_num(status, "currentReplicas", current);
	set_num(status, "desiredReplicas", desired < 0 ? current : desired);
status:
	if (write_status(c, hpa, status) == CK_ECONFLICT && rc == 0)
		rc = CK_ECONFLICT;
	cJSON_Delete(status);
	cJSON_Delete(scale);
	kobj_unref(hpa);
	controller_requeue_after(c, key, (unsigned)hpa_cfg.sync_ms);
	return rc;
}
