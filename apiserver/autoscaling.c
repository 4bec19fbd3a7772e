/*
 * autoscaling.c: HorizontalPodAutoscaler, stored as autoscaling/v2 and
 * served as autoscaling/v1 too (convert_edge.c calls the hooks below):
 * v1's spec.targetCPUUtilizationPercentage is the v2 metric
 * {type: Resource, resource: {name: cpu, target: {type: Utilization,
 * averageUtilization: N}}} and status.currentCPUUtilizationPercentage its
 * current value; other v2 metrics, behavior and conditions do not show in
 * v1. Defaults and validation follow pkg/apis/autoscaling (v2 defaults:
 * minReplicas 1, the cpu 80% metric, and when behavior is given the
 * default scale-up and scale-down rules); the table is the one of
 * printers.go (Name, Reference, Targets, MinPods, MaxPods, Replicas, Age).
 */
#include "apiserver.h"
#include "convert.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "table.h"
#include "validation_kind.h"

/* ---- conversion ---- */

static cJSON *
cpu_metric(const char *key, double pct)
{
	cJSON *m = cJSON_CreateObject(), *r, *t;

	cJSON_AddStringToObject(m, "type", "Resource");
	r = cJSON_AddObjectToObject(m, "resource");
	cJSON_AddStringToObject(r, "name", "cpu");
	t = cJSON_AddObjectToObject(r, key);
	if (strcmp(key, "target") == 0)
		cJSON_AddStringToObject(t, "type", "Utilization");
	cJSON_AddNumberToObject(t, "averageUtilization", pct);
	return m;
}

/* The cpu Utilization entry of a metrics array (spec or status), or NULL. */
static const cJSON *
cpu_of(const cJSON *metrics, const char *key)
{
	const cJSON *m, *r, *v;

	cJSON_ArrayForEach(m, metrics) {
		r = json_obj(m, "resource");
		if (json_str(m, "type") == NULL ||
		    strcmp(json_str(m, "type"), "Resource") != 0 ||
		    json_str(r, "name") == NULL ||
		    strcmp(json_str(r, "name"), "cpu") != 0)
			continue;
		v = cJSON_GetObjectItemCaseSensitive(json_obj(r, key),
		    "averageUtilization");
		if (cJSON_IsNumber(v))
			return v;
	}
	return NULL;
}

void
convert_hpa_in(cJSON *obj)
{
	cJSON *spec = json_obj(obj, "spec"), *st = json_obj(obj, "status");
	const cJSON *v;
	cJSON *arr;

	v = cJSON_GetObjectItemCaseSensitive(spec,
	    "targetCPUUtilizationPercentage");
	if (spec != NULL && cJSON_IsNumber(v)) {
		arr = cJSON_CreateArray();
		cJSON_AddItemToArray(arr, cpu_metric("target", v->valuedouble));
		json_del(spec, "metrics");
		cJSON_AddItemToObject(spec, "metrics", arr);
	}
	json_del(spec, "targetCPUUtilizationPercentage");
	v = cJSON_GetObjectItemCaseSensitive(st,
	    "currentCPUUtilizationPercentage");
	if (st != NULL && cJSON_IsNumber(v)) {
		arr = cJSON_CreateArray();
		cJSON_AddItemToArray(arr, cpu_metric("current", v->valuedouble));
		json_del(st, "currentMetrics");
		cJSON_AddItemToObject(st, "currentMetrics", arr);
	}
	json_del(st, "currentCPUUtilizationPercentage");
}

void
convert_hpa_out(cJSON *obj)
{
	cJSON *spec = json_obj(obj, "spec"), *st = json_obj(obj, "status");
	const cJSON *v;

	v = cpu_of(cJSON_GetObjectItemCaseSensitive(spec, "metrics"),
	    "target");
	if (spec != NULL && v != NULL)
		cJSON_AddNumberToObject(spec, "targetCPUUtilizationPercentage",
		    v->valuedouble);
	json_del(spec, "metrics");
	json_del(spec, "behavior");
	v = cpu_of(cJSON_GetObjectItemCaseSensitive(st, "currentMetrics"),
	    "current");
	if (st != NULL && v != NULL)
		cJSON_AddNumberToObject(st, "currentCPUUtilizationPercentage",
		    v->valuedouble);
	json_del(st, "currentMetrics");
	json_del(st, "conditions");
}

/* ---- defaults ---- */

static cJSON *
policy(const char *type, int value, int period)
{
	cJSON *p = cJSON_CreateObject();

	cJSON_AddStringToObject(p, "type", type);
	cJSON_AddNumberToObject(p, "value", value);
	cJSON_AddNumberToObject(p, "periodSeconds", period);
	return p;
}

/* GenerateHPAScaleUpRules / GenerateHPAScaleDownRules. */
static void
default_rules(cJSON *behavior, const char *key, bool up)
{
	cJSON *r = json_ensure_obj(behavior, key), *ps;

	if (!cJSON_IsObject(r))
		return;
	json_default_num(r, "stabilizationWindowSeconds", up ? 0 : 300);
	json_default_str(r, "selectPolicy", "Max");
	ps = cJSON_GetObjectItemCaseSensitive(r, "policies");
	if (ps != NULL && cJSON_GetArraySize(ps) > 0)
		return;
	json_del(r, "policies");
	ps = cJSON_AddArrayToObject(r, "policies");
	if (up)
		cJSON_AddItemToArray(ps, policy("Pods", 4, 15));
	cJSON_AddItemToArray(ps, policy("Percent", 100, 15));
}

void
defaults_hpa(cJSON *obj)
{
	cJSON *spec = json_obj(obj, "spec"), *m, *b;

	if (!cJSON_IsObject(spec))
		return;
	json_default_num(spec, "minReplicas", 1);
	m = cJSON_GetObjectItemCaseSensitive(spec, "metrics");
	if (m == NULL || (cJSON_IsArray(m) && cJSON_GetArraySize(m) == 0)) {
		json_del(spec, "metrics");
		m = cJSON_AddArrayToObject(spec, "metrics");
		cJSON_AddItemToArray(m, cpu_metric("target", 80));
	}
	b = cJSON_GetObjectItemCaseSensitive(spec, "behavior");
	if (cJSON_IsObject(b)) {
		default_rules(b, "scaleUp", true);
		default_rules(b, "scaleDown", false);
	}
}

/* ---- validation ---- */

static const char *const target_types[] = { "Utilization", "Value",
	"AverageValue", NULL };
static const char *const policy_types[] = { "Pods", "Percent", NULL };
static const char *const select_policies[] = { "Max", "Min", "Disabled",
	NULL };
static const char *const metric_types[] = { "Object", "Pods", "Resource",
	"ContainerResource", "External", NULL };

static bool
one_of(const char *s, const char *const *set)
{
	for (; s != NULL && *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static void
check_rules(const cJSON *r, const char *path, struct ck_status *st)
{
	const cJSON *v, *p;
	char f[160];
	int i = 0;

	if (r == NULL)
		return;
	v = cJSON_GetObjectItemCaseSensitive(r, "stabilizationWindowSeconds");
	snprintf(f, sizeof(f), "%s.stabilizationWindowSeconds", path);
	if (v != NULL && (!cJSON_IsNumber(v) || v->valuedouble < 0))
		vk_invalid(st, f, v, "must be greater than or equal to zero");
	else if (v != NULL && v->valuedouble > 3600)
		vk_invalid(st, f, v, "must be less than or equal to 3600");
	snprintf(f, sizeof(f), "%s.selectPolicy", path);
	if (json_str(r, "selectPolicy") != NULL &&
	    !one_of(json_str(r, "selectPolicy"), select_policies))
		vk_not_supported(st, f, json_str(r, "selectPolicy"),
		    select_policies);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(r, "policies")) {
		snprintf(f, sizeof(f), "%s.policies[%d].type", path, i);
		if (!one_of(json_str(p, "type"), policy_types))
			vk_not_supported(st, f, json_str(p, "type") ?
			    json_str(p, "type") : "", policy_types);
		v = cJSON_GetObjectItemCaseSensitive(p, "value");
		snprintf(f, sizeof(f), "%s.policies[%d].value", path, i);
		if (!cJSON_IsNumber(v) || v->valuedouble <= 0)
			vk_invalid(st, f, v, "must be greater than zero");
		v = cJSON_GetObjectItemCaseSensitive(p, "periodSeconds");
		snprintf(f, sizeof(f), "%s.policies[%d].periodSeconds", path,
		    i);
		if (!cJSON_IsNumber(v) || v->valuedouble <= 0)
			vk_invalid(st, f, v, "must be greater than zero");
		else if (v->valuedouble > 1800)
			vk_invalid(st, f, v, "must be less than or equal to "
			    "1800");
		i++;
	}
}

static void
check_metric(const cJSON *m, int i, struct ck_status *st)
{
	const char *type = json_str(m, "type");
	const cJSON *r, *t, *v;
	char f[160];

	snprintf(f, sizeof(f), "spec.metrics[%d].type", i);
	if (type == NULL) {
		vk_required(st, f);
		return;
	}
	if (!one_of(type, metric_types)) {
		vk_not_supported(st, f, type, metric_types);
		return;
	}
	if (strcmp(type, "Resource") != 0)
		return;	/* accepted and stored; the controller reports it */
	r = json_obj(m, "resource");
	snprintf(f, sizeof(f), "spec.metrics[%d].resource", i);
	if (r == NULL) {
		vk_required(st, f);
		return;
	}
	snprintf(f, sizeof(f), "spec.metrics[%d].resource.name", i);
	if (json_str(r, "name") == NULL || json_str(r, "name")[0] == '\0')
		vk_required(st, f);
	t = json_obj(r, "target");
	snprintf(f, sizeof(f), "spec.metrics[%d].resource.target.type", i);
	if (!one_of(json_str(t, "type"), target_types)) {
		vk_not_supported(st, f, json_str(t, "type") ?
		    json_str(t, "type") : "", target_types);
		return;
	}
	v = cJSON_GetObjectItemCaseSensitive(t, "averageUtilization");
	snprintf(f, sizeof(f),
	    "spec.metrics[%d].resource.target.averageUtilization", i);
	if (strcmp(json_str(t, "type"), "Utilization") == 0 &&
	    (!cJSON_IsNumber(v) || v->valuedouble < 1))
		vk_invalid(st, f, v, "must be greater than 0");
}

void
validation_hpa(const struct api_resource *r, const cJSON *obj,
    const cJSON *old, struct ck_status *st)
{
	const cJSON *spec = json_obj(obj, "spec"), *ref, *v, *min, *max, *m;
	int i = 0;

	(void)r, (void)old;
	ref = json_obj(spec, "scaleTargetRef");
	if (json_str(ref, "kind") == NULL || json_str(ref, "kind")[0] == '\0')
		vk_required(st, "spec.scaleTargetRef.kind");
	if (json_str(ref, "name") == NULL || json_str(ref, "name")[0] == '\0')
		vk_required(st, "spec.scaleTargetRef.name");
	else if (strchr(json_str(ref, "name"), '/') != NULL ||
	    strcmp(json_str(ref, "name"), "..") == 0 ||
	    strcmp(json_str(ref, "name"), ".") == 0)
		vk_invalid_str(st, "spec.scaleTargetRef.name",
		    json_str(ref, "name"), "may not contain '/'");
	min = cJSON_GetObjectItemCaseSensitive(spec, "minReplicas");
	max = cJSON_GetObjectItemCaseSensitive(spec, "maxReplicas");
	if (min != NULL && (!cJSON_IsNumber(min) || min->valuedouble < 1))
		vk_invalid(st, "spec.minReplicas", min,
		    "must be greater than or equal to 1");
	if (!cJSON_IsNumber(max))
		vk_required(st, "spec.maxReplicas");
	else if (max->valuedouble < 1)
		vk_invalid(st, "spec.maxReplicas", max,
		    "must be greater than 0");
	else if (cJSON_IsNumber(min) && max->valuedouble < min->valuedouble)
		vk_invalid(st, "spec.maxReplicas", max,
		    "must be greater than or equal to `minReplicas`");
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(spec, "metrics"))
		check_metric(m, i++, st);
	v = json_obj(spec, "behavior");
	check_rules(json_obj(v, "scaleUp"), "spec.behavior.scaleUp", st);
	check_rules(json_obj(v, "scaleDown"), "spec.behavior.scaleDown", st);
}

/* ---- table ---- */

static const struct table_col cols_hpas[] = {
	{ "Name", "string", "name", 0 },
	{ "Reference", "string", "", 0 },
	{ "Targets", "string", "", 0 },
	{ "MinPods", "string", "", 0 },
	{ "MaxPods", "integer", "", 0 },
	{ "Replicas", "integer", "", 0 },
	{ "Age", "string", "", 0 },
};

/* The current value of spec metric m in status.currentMetrics, or NULL. */
static const cJSON *
current_of(const cJSON *m, const cJSON *current)
{
	const cJSON *c;
	const char *name = json_str(json_obj(m, "resource"), "name");

	cJSON_ArrayForEach(c, current)
		if (json_str(c, "type") != NULL && name != NULL &&
		    strcmp(json_str(c, "type"), "Resource") == 0 &&
		    json_str(json_obj(c, "resource"), "name") != NULL &&
		    strcmp(json_str(json_obj(c, "resource"), "name"), name) ==
		    0)
			return json_obj(json_obj(c, "resource"), "current");
	return NULL;
}

/* formatHPAMetrics: "cpu: 200%/50%", "<unknown>" for a missing current. */
static void
add_targets(cJSON *cells, const cJSON *obj)
{
	const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(
	    json_obj(obj, "spec"), "metrics");
	const cJSON *cur = cJSON_GetObjectItemCaseSensitive(json_obj(obj, "status"),
	    "currentMetrics");
	const cJSON *m, *t, *c, *v;
	struct strbuf sb = STRBUF_INIT;
	int n = 0, total = cJSON_GetArraySize(metrics);

	cJSON_ArrayForEach(m, metrics) {
		if (n == 3)
			break;
		if (n++ > 0)
			strbuf_adds(&sb, ", ");
		if (json_str(m, "type") == NULL ||
		    strcmp(json_str(m, "type"), "Resource") != 0) {
			strbuf_adds(&sb, "<unknown>/<unknown>");
			continue;
		}
		t = json_obj(json_obj(m, "resource"), "target");
		c = current_of(m, cur);
		strbuf_addf(&sb, "%s: ", json_str(json_obj(m, "resource"),
		    "name") ? json_str(json_obj(m, "resource"), "name") : "");
		v = cJSON_GetObjectItemCaseSensitive(c, "averageUtilization");
		if (json_str(t, "type") != NULL &&
		    strcmp(json_str(t, "type"), "Utilization") == 0) {
			if (cJSON_IsNumber(v))
				strbuf_addf(&sb, "%d%%", (int)v->valuedouble);
			else
				strbuf_adds(&sb, "<unknown>");
			strbuf_addf(&sb, "/%d%%", (int)table_int(t,
			    "averageUtilization", 0));
		} else {
			v = cJSON_GetObjectItemCaseSensitive(c, "averageValue");
			strbuf_addf(&sb, "%s/%s", cJSON_IsString(v) ?
			    v->valuestring : "<unknown>",
			    json_str(t, "averageValue") ?
			    json_str(t, "averageValue") : json_str(t,
			    "value") ? json_str(t, "value") : "<unknown>");
		}
	}
	if (total > 3)
		strbuf_addf(&sb, " + %d more...", total - 3);
	table_add_str(cells, total == 0 ? "<none>" : strbuf_str(&sb));
	strbuf_fini(&sb);
}

static void
cells_hpa(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *min;
	const cJSON *ref = json_obj(spec, "scaleTargetRef");
	char buf[600];

	table_add_name(cells, obj);
	snprintf(buf, sizeof(buf), "%s/%s", json_str(ref, "kind") ?
	    json_str(ref, "kind") : "", json_str(ref, "name") ?
	    json_str(ref, "name") : "");
	table_add_str(cells, buf);
	add_targets(cells, obj);
	min = cJSON_GetObjectItemCaseSensitive(spec, "minReplicas");
	if (cJSON_IsNumber(min)) {
		snprintf(buf, sizeof(buf), "%d", (int)min->valuedouble);
		table_add_str(cells, buf);
	} else
		table_add_str(cells, "<unset>");
	table_add_int(cells, table_int(spec, "maxReplicas", 0));
	table_add_int(cells, table_int(json_obj(obj, "status"),
	    "currentReplicas", 0));
	table_add_obj_age(cells, obj, now);
}

const struct table_printer table_hpa_printer =
    TABLE_PRINTER("horizontalpodautoscalers", cols_hpas, cells_hpa);
