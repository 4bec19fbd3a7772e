/*
 * validation_quota.c: defaults and validation of ResourceQuota and
 * LimitRange (Kubernetes' SetDefaults_LimitRangeItem,
 * ValidateResourceQuota, ValidateLimitRange), and the normalisation of
 * quantity maps written as JSON numbers ("cpu: 1" in YAML) into the
 * canonical strings the real server stores.
 */
#include "apiserver.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/quantity.h"
#include "ckube/strbuf.h"
#include "validation_kind.h"

void
defaults_quantity_map(cJSON *map)
{
	char num[64], canon[QUANTITY_STR_MAX];
	cJSON *it, *next, *str;

	/* Replacing frees the item: walk with its successor saved. */
	for (it = map != NULL ? map->child : NULL; it != NULL; it = next) {
		next = it->next;
		if (!cJSON_IsNumber(it))
			continue;
		snprintf(num, sizeof(num), "%.17g", it->valuedouble);
		if (quantity_canonical(num, canon, sizeof(canon)) < 0)
			continue;	/* validation reports it */
		str = cJSON_CreateString(canon);
		str->string = ck_strdup(it->string);
		cJSON_ReplaceItemViaPointer(map, it, str);
	}
}

/* Requests and limits of every container of a PodSpec. */
void
defaults_pod_quantities(cJSON *spec)
{
	static const char *const keys[] = { "containers", "initContainers" };
	cJSON *c, *res;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec,
		    keys[i])) {
			res = json_obj(c, "resources");
			defaults_quantity_map(json_obj(res, "requests"));
			defaults_quantity_map(json_obj(res, "limits"));
		}
	defaults_quantity_map(json_obj(spec, "overhead"));
}

/* A quota starts with an empty status: the controller fills it. */
void
defaults_resourcequota(cJSON *obj)
{
	json_del(obj, "status");
	defaults_quantity_map(json_obj(json_obj(obj, "spec"), "hard"));
}

/* Copy every item of from missing in the map key of item. */
static void
default_missing(cJSON *item, const char *key, const cJSON *from)
{
	const cJSON *it;
	cJSON *to;

	cJSON_ArrayForEach(it, from) {
		to = json_obj(item, key);
		if (to != NULL &&
		    cJSON_GetObjectItemCaseSensitive(to, it->string) != NULL)
			continue;
		to = json_ensure_obj(item, key);
		cJSON_AddItemToObject(to, it->string, cJSON_Duplicate(it, 1));
	}
}

void
defaults_limitrange(cJSON *obj)
{
	static const char *const maps[] = { "max", "min", "default",
		"defaultRequest", "maxLimitRequestRatio" };
	cJSON *item;
	const char *type;
	size_t i;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(
	    json_obj(obj, "spec"), "limits")) {
		for (i = 0; i < ARRAY_SIZE(maps); i++)
			defaults_quantity_map(json_obj(item, maps[i]));
		type = json_str(item, "type");
		if (type == NULL || strcmp(type, "Container") != 0)
			continue;
		default_missing(item, "default", json_obj(item, "max"));
		default_missing(item, "defaultRequest",
		    json_obj(item, "default"));
		default_missing(item, "defaultRequest", json_obj(item, "min"));
	}
}

/* ---- ResourceQuota ---- */

static bool
integer_resource(const char *name)
{
	static const char *const ints[] = { "pods", "services",
		"replicationcontrollers", "resourcequotas", "secrets",
		"configmaps", "persistentvolumeclaims", "services.nodeports",
		"services.loadbalancers", NULL };
	size_t i;

	if (strncmp(name, "count/", 6) == 0)
		return true;
	for (i = 0; ints[i] != NULL; i++)
		if (strcmp(name, ints[i]) == 0)
			return true;
	return false;
}

static void
quota_map(const cJSON *map, const char *field, struct ck_status *st)
{
	const cJSON *it;
	char f[384];
	int64_t milli;

	validation_resource_list(map, field, st);
	cJSON_ArrayForEach(it, map) {
		snprintf(f, sizeof(f), "%.100s[%.256s]", field, it->string);
		if (it->string[0] == '\0' || strlen(it->string) > 253)
			vk_invalid_str(st, f, it->string,
			    "must be a standard resource for quota");
		if (integer_resource(it->string) && cJSON_IsString(it) &&
		    quantity_parse_milli(it->valuestring, &milli, NULL) == 0 &&
		    milli % 1000 != 0)
			vk_invalid(st, f, it, "must be an integer");
	}
}

static const char *const quota_scopes[] = { "BestEffort", "NotBestEffort",
	"NotTerminating", "PriorityClass", "Terminating",
	"CrossNamespacePodAffinity", NULL };

static bool
known_scope(const char *s)
{
	size_t i;

	for (i = 0; quota_scopes[i] != NULL; i++)
		if (strcmp(quota_scopes[i], s) == 0)
			return true;
	return false;
}

void
validation_resourcequota(const cJSON *obj, struct ck_status *st)
{
	const cJSON *spec = json_obj(obj, "spec"), *s, *e;
	const char *name, *op;
	bool term = false, notterm = false, be = false, notbe = false;
	char f[64];
	int i = 0;

	quota_map(json_obj(spec, "hard"), "spec.hard", st);
	quota_map(json_obj(json_obj(obj, "status"), "hard"), "status.hard",
	    st);
	quota_map(json_obj(json_obj(obj, "status"), "used"), "status.used",
	    st);
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(spec,
	    "scopes")) {
		if (!cJSON_IsString(s) || !known_scope(s->valuestring)) {
			vk_invalid(st, "spec.scopes", s, "unsupported scope");
			continue;
		}
		term |= strcmp(s->valuestring, "Terminating") == 0;
		notterm |= strcmp(s->valuestring, "NotTerminating") == 0;
		be |= strcmp(s->valuestring, "BestEffort") == 0;
		notbe |= strcmp(s->valuestring, "NotBestEffort") == 0;
	}
	if ((term && notterm) || (be && notbe))
		vk_invalid(st, "spec.scopes",
		    cJSON_GetObjectItemCaseSensitive(spec, "scopes"),
		    "conflicting scopes");
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(json_obj(spec,
	    "scopeSelector"), "matchExpressions")) {
		name = json_str(e, "scopeName");
		op = json_str(e, "operator");
		snprintf(f, sizeof(f), "spec.scopeSelector.matchExpressions[%d]",
		    i++);
		if (name == NULL || !known_scope(name)) {
			char g[96];

			snprintf(g, sizeof(g), "%s.scopeName", f);
			vk_invalid_str(st, g, name, "unsupported scope");
		}
		if (op == NULL || (strcmp(op, "In") != 0 &&
		    strcmp(op, "NotIn") != 0 && strcmp(op, "Exists") != 0 &&
		    strcmp(op, "DoesNotExist") != 0)) {
			static const char *const ops[] = { "DoesNotExist",
				"Exists", "In", "NotIn", NULL };
			char g[96];

			snprintf(g, sizeof(g), "%s.operator", f);
			vk_not_supported(st, g, op ? op : "", ops);
		}
	}
}

/* ---- LimitRange ---- */

/* a > b as quantities (both present and valid). */
static bool
greater(const char *a, const char *b)
{
	int cmp;

	return a != NULL && b != NULL && quantity_compare(a, b, &cmp) == 0 &&
	    cmp > 0;
}

static void
limit_item(const cJSON *item, int idx, struct ck_status *st)
{
	static const char *const maps[] = { "max", "min", "default",
		"defaultRequest", "maxLimitRequestRatio" };
	const cJSON *mx = json_obj(item, "max"), *mn = json_obj(item, "min"),
		    *df = json_obj(item, "default"),
		    *dr = json_obj(item, "defaultRequest"),
		    *ratio = json_obj(item, "maxLimitRequestRatio"), *it;
	const char *type = json_str(item, "type"), *v;
	char f[96], g[384], msg[256];
	size_t i;

	snprintf(f, sizeof(f), "spec.limits[%d]", idx);
	if (type == NULL || type[0] == '\0') {
		snprintf(g, sizeof(g), "%s.type", f);
		vk_required(st, g);
	}
	for (i = 0; i < ARRAY_SIZE(maps); i++) {
		snprintf(g, sizeof(g), "%s.%s", f, maps[i]);
		validation_resource_list(json_obj(item, maps[i]), g, st);
	}
	if (type != NULL && strcmp(type, "Pod") == 0) {
		if (cJSON_GetArraySize(df) > 0) {
			snprintf(g, sizeof(g), "%s.default", f);
			vk_forbidden(st, g,
			    "may not be specified when `type` is 'Pod'");
		}
		if (cJSON_GetArraySize(dr) > 0) {
			snprintf(g, sizeof(g), "%s.defaultRequest", f);
			vk_forbidden(st, g,
			    "may not be specified when `type` is 'Pod'");
		}
	}
	cJSON_ArrayForEach(it, mn) {
		v = cJSON_IsString(it) ? it->valuestring : NULL;
		if (greater(v, json_str(mx, it->string))) {
			snprintf(g, sizeof(g), "%s.min[%.200s]", f, it->string);
			snprintf(msg, sizeof(msg), "min value %s is greater "
			    "than max value %s", v, json_str(mx, it->string));
			vk_invalid(st, g, it, msg);
		}
	}
	cJSON_ArrayForEach(it, df) {
		v = cJSON_IsString(it) ? it->valuestring : NULL;
		snprintf(g, sizeof(g), "%s.default[%.200s]", f, it->string);
		if (greater(json_str(mn, it->string), v)) {
			snprintf(msg, sizeof(msg), "min value %s is greater "
			    "than default value %s", json_str(mn, it->string),
			    v);
			vk_invalid(st, g, it, msg);
		}
		if (greater(v, json_str(mx, it->string))) {
			snprintf(msg, sizeof(msg), "default value %s is "
			    "greater than max value %s", v,
			    json_str(mx, it->string));
			vk_invalid(st, g, it, msg);
		}
	}
	cJSON_ArrayForEach(it, dr) {
		v = cJSON_IsString(it) ? it->valuestring : NULL;
		snprintf(g, sizeof(g), "%s.defaultRequest[%.200s]", f,
		    it->string);
		if (greater(json_str(mn, it->string), v)) {
			snprintf(msg, sizeof(msg), "min value %s is greater "
			    "than default request value %s",
			    json_str(mn, it->string), v);
			vk_invalid(st, g, it, msg);
		}
		if (greater(v, json_str(mx, it->string))) {
			snprintf(msg, sizeof(msg), "default request value %s "
			    "is greater than max value %s", v,
			    json_str(mx, it->string));
			vk_invalid(st, g, it, msg);
		}
		if (greater(v, json_str(df, it->string))) {
			snprintf(msg, sizeof(msg), "default request value %s "
			    "is greater than default limit value %s", v,
			    json_str(df, it->string));
			vk_invalid(st, g, it, msg);
		}
	}
	cJSON_ArrayForEach(it, ratio) {
		v = cJSON_IsString(it) ? it->valuestring : NULL;
		if (greater("1", v)) {
			snprintf(g, sizeof(g), "%s.maxLimitRequestRatio[%.200s]",
			    f, it->string);
			snprintf(msg, sizeof(msg), "ratio %s is less than 1", v);
			vk_invalid(st, g, it, msg);
		}
	}
}

void
validation_limitrange(const cJSON *obj, struct ck_status *st)
{
	const cJSON *item;
	int i = 0;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(
	    json_obj(obj, "spec"), "limits"))
		limit_item(item, i++, st);
}
