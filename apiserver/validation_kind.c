/*
 * validation_kind.c: the table of per-kind validation hooks crud.c calls
 * after ObjectMeta validation, and the field-cause helpers (worded as
 * apimachinery's field.Invalid, Required, Forbidden, NotSupported).
 */
#include "apiserver.h"
#include "validation_kind.h"
#include "admission.h"
#include "convert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"

void
vk_invalid(struct ck_status *st, const char *field, const cJSON *value,
    const char *detail)
{
	char *v = value != NULL ? cJSON_PrintUnformatted(value) : NULL;

	ck_status_add_cause(st, field, "FieldValueInvalid",
	    "Invalid value: %s: %s", v != NULL ? v : "null", detail);
	free(v);
}

void
vk_invalid_str(struct ck_status *st, const char *field, const char *value,
    const char *detail)
{
	cJSON *s = cJSON_CreateString(value != NULL ? value : "");

	vk_invalid(st, field, s, detail);
	cJSON_Delete(s);
}

void
vk_required(struct ck_status *st, const char *field)
{
	ck_status_add_cause(st, field, "FieldValueRequired", "Required value");
}

void
vk_forbidden(struct ck_status *st, const char *field, const char *detail)
{
	ck_status_add_cause(st, field, "FieldValueForbidden", "Forbidden: %s",
	    detail);
}

void
vk_not_supported(struct ck_status *st, const char *field, const char *value,
    const char *const *allowed)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	strbuf_addf(&sb, "Unsupported value: \"%s\": supported values: ",
	    value);
	for (i = 0; allowed[i] != NULL; i++)
		strbuf_addf(&sb, "%s\"%s\"", i > 0 ? ", " : "", allowed[i]);
	ck_status_add_cause(st, field, "FieldValueNotSupported", "%s",
	    strbuf_str(&sb));
	strbuf_fini(&sb);
}

void
vk_immutable(struct ck_status *st, const char *field, const cJSON *now,
    const cJSON *before)
{
	if (now == NULL && before == NULL)
		return;
	if (now != NULL && before != NULL && cJSON_Compare(now, before, 1))
		return;
	vk_invalid(st, field, now, "field is immutable");
}

/* Copy key of from into to when to lacks it (or has it empty). */
static void
keep_member(cJSON *to, const cJSON *from, const char *key)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(from, key);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(to, key);

	if (f == NULL || (t != NULL && !(cJSON_IsString(t) &&
	    t->valuestring[0] == '\0') && !(cJSON_IsNumber(t) &&
	    t->valuedouble == 0)))
		return;
	json_del(to, key);
	cJSON_AddItemToObject(to, key, cJSON_Duplicate(f, 1));
}

void
defaults_on_update(const struct api_resource *r, cJSON *obj, const cJSON *old)
{
	cJSON *spec = json_obj(obj, "spec"), *p;
	const cJSON *ospec = json_obj(old, "spec"), *op;
	const char *type;

	if (r->group[0] == '\0' && strcmp(r->kind, "Secret") == 0)
		defaults_secret(obj);
	if (convert_stored_row(r) != NULL)
		r = convert_stored_row(r);	/* extensions: the apps row */
	if (strcmp(r->kind, "Deployment") == 0) {
		defaults_deployment_spec(spec);
		return;
	}
	if (strcmp(r->kind, "ReplicaSet") == 0) {
		defaults_replicaset_spec(spec);
		return;
	}
	if (strcmp(r->kind, "DaemonSet") == 0) {
		defaults_daemonset_spec(spec);
		return;
	}
	if (r->group[0] == '\0' && strcmp(r->kind, "ReplicationController") ==
	    0) {
		defaults_rc(obj);
		return;
	}
	if (r->group[0] == '\0' && strcmp(r->kind, "PodTemplate") == 0) {
		defaults_podtemplate(obj);
		return;
	}
	if (r->group[0] != '\0' || spec == NULL)
		return;
	if (strcmp(r->kind, "Pod") == 0) {
		defaults_pod_spec(spec);
		return;
	}
	if (strcmp(r->kind, "Service") != 0)
		return;
	defaults_service_spec(spec);
	type = json_str(spec, "type");
	if (type != NULL && strcmp(type, "ExternalName") == 0)
		return;
	keep_member(spec, ospec, "clusterIP");
	keep_member(spec, ospec, "clusterIPs");
	if (type == NULL || (strcmp(type, "NodePort") != 0 &&
	    strcmp(type, "LoadBalancer") != 0))
		return;
	/* nodePorts by port number and protocol (patchAllocatedValues). */
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec, "ports"))
		cJSON_ArrayForEach(op, cJSON_GetObjectItemCaseSensitive(ospec,
		    "ports"))
			if (cJSON_Compare(cJSON_GetObjectItemCaseSensitive(p,
			    "port"), cJSON_GetObjectItemCaseSensitive(op,
			    "port"), 1))
				keep_member(p, op, "nodePort");
}

typedef void (*kind_fn)(const struct api_resource *r, const cJSON *obj,
    const cJSON *old, struct ck_status *st);

static void
kind_pod(const struct api_resource *r, const cJSON *obj, const cJSON *old,
    struct ck_status *st)
{
	(void)r;
	validation_pod(obj, old, st);
}

static void
kind_service(const struct api_resource *r, const cJSON *obj, const cJSON *old,
    struct ck_status *st)
{
	(void)r;
	validation_service(obj, old, st);
}

static void
kind_pvc(const struct api_resource *r, const cJSON *obj, const cJSON *old,
    struct ck_status *st)
{
	(void)r;
	validation_pvc(obj, old, st);
}

static void
kind_netpol(const struct api_resource *r, const cJSON *obj,
    const cJSON *old, struct ck_status *st)
{
	(void)r;
	(void)old;
	validation_networkpolicy(obj, st);
}

static void
kind_namespace(const struct api_resource *r, const cJSON *obj,
    const cJSON *old, struct ck_status *st)
{
	(void)r;
	(void)old;
	validation_namespace(obj, st);
	admission_podsecurity_namespace(obj, st);
}

static void
kind_rbac(const struct api_resource *r, const cJSON *obj, const cJSON *old,
    struct ck_status *st)
{
	(void)old;
	validation_rbac(r, obj, st);
	if (old != NULL && (strcmp(r->kind, "RoleBinding") == 0 ||
	    strcmp(r->kind, "ClusterRoleBinding") == 0) &&
	    !cJSON_Compare(json_obj(obj, "roleRef"), json_obj(old, "roleRef"),
	    1))
		vk_invalid(st, "roleRef", json_obj(obj, "roleRef"),
		    "cannot change roleRef");
}

static void
kind_quota(const struct api_resource *r, const cJSON *obj, const cJSON *old,
    struct ck_status *st)
{
	(void)r;
	(void)old;
	validation_resourcequota(obj, st);
}

static void
kind_limitrange(const struct api_resource *r, const cJSON *obj,
    const cJSON *old, struct ck_status *st)
{
	(void)r;
	(void)old;
	validation_limitrange(obj, st);
}

/* ValidatePriorityClass and ValidatePriorityClassUpdate. */
static void
kind_priorityclass(const struct api_resource *r, const cJSON *obj,
    const cJSON *old, struct ck_status *st)
{
	static const char *const policies[] = { "Never",
	    "PreemptLowerPriority", NULL };
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "value");
	const char *name = json_str(json_obj(obj, "metadata"), "name");
	const char *pp = json_str(obj, "preemptionPolicy"), *why;
	char buf[256], msg[384];
	double value = cJSON_IsNumber(v) ? v->valuedouble : 0;

	(void)r;
	if (name != NULL && strncmp(name, "system-", 7) == 0) {
		why = admission_system_class_error(name, (int64_t)value,
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj,
		    "globalDefault")), buf, sizeof(buf));
		if (why != NULL) {
			snprintf(msg, sizeof(msg), "priority class names with "
			    "'system-' prefix are reserved for system use only."
			    " error: %s", why);
			vk_forbidden(st, "metadata.name", msg);
		}
	} else if (value > 1000000000.0)
		vk_forbidden(st, "value", "maximum allowed value of a user "
		    "defined priority is 1000000000");
	if (pp != NULL && strcmp(pp, "Never") != 0 &&
	    strcmp(pp, "PreemptLowerPriority") != 0)
		vk_not_supported(st, "preemptionPolicy", pp, policies);
	if (old == NULL)
		return;
	if (!cJSON_Compare(v, cJSON_GetObjectItemCaseSensitive(old, "value"),
	    1))
		vk_forbidden(st, "value", "may not be changed in an update.");
	vk_immutable(st, "preemptionPolicy", cJSON_GetObjectItemCaseSensitive(
	    obj, "preemptionPolicy"), cJSON_GetObjectItemCaseSensitive(old,
	    "preemptionPolicy"));
}

static void
kind_ingress(const struct api_resource *r, const cJSON *obj,
    const cJSON *old, struct ck_status *st)
{
	(void)r;
	(void)old;
	validation_ingress(obj, st);
}

static void
kind_ingressclass(const struct api_resource *r, const cJSON *obj,
    const cJSON *old, struct ck_status *st)
{
	(void)r;
	validation_ingressclass(obj, old, st);
}

static const struct {
	const char	*group;
	const char	*kind;
	kind_fn		 fn;
} kinds[] = {
	{ "", "ConfigMap", validation_data },
	{ "", "Secret", validation_data },
	{ "", "Pod", kind_pod },
	{ "", "Namespace", kind_namespace },
	{ "", "ResourceQuota", kind_quota },
	{ "", "LimitRange", kind_limitrange },
	{ "", "Service", kind_service },
	{ "", "PersistentVolumeClaim", kind_pvc },
	{ "", "ReplicationController", validation_workload },
	{ "apps", "DaemonSet", validation_workload },
	{ "apps", "Deployment", validation_workload },
	{ "apps", "ReplicaSet", validation_workload },
	{ "apps", "StatefulSet", validation_workload },
	{ "autoscaling", "HorizontalPodAutoscaler", validation_hpa },
	{ "batch", "Job", validation_workload },
	{ "batch", "CronJob", validation_workload },
	{ "networking.k8s.io", "NetworkPolicy", kind_netpol },
	{ "networking.k8s.io", "Ingress", kind_ingress },
	{ "networking.k8s.io", "IngressClass", kind_ingressclass },
	{ "policy", "PodDisruptionBudget", validation_workload },
	{ "rbac.authorization.k8s.io", "Role", kind_rbac },
	{ "rbac.authorization.k8s.io", "ClusterRole", kind_rbac },
	{ "rbac.authorization.k8s.io", "RoleBinding", kind_rbac },
	{ "rbac.authorization.k8s.io", "ClusterRoleBinding", kind_rbac },
	{ "scheduling.k8s.io", "PriorityClass", kind_priorityclass },
};

int
validation_kind(const struct api_resource *r, const cJSON *obj,
    const cJSON *old, struct ck_status *st)
{
	int before = st->ncauses;
	size_t i;

	if (convert_stored_row(r) != NULL)
		r = convert_stored_row(r);	/* a 1.3 name */
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kinds[i].kind, r->kind) == 0 &&
		    strcmp(kinds[i].group, r->group) == 0) {
			kinds[i].fn(r, obj, old, st);
			break;
		}
	return st->ncauses > before ? CK_EINVALID : 0;
}
