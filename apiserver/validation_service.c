/*
 * validation_service.c: Service validation (type, ports, node ports,
 * clusterIP immutability), the shape of RBAC rules and bindings, and the
 * PersistentVolumeClaim spec (required fields, immutable after creation).
 * NetworkPolicy is validation_netpol.c.
 */
#include "apiserver.h"
#include "validation_kind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"

static bool
port_ok(const cJSON *p)
{
	return cJSON_IsNumber(p) && p->valuedouble >= 1 &&
	    p->valuedouble <= 65535 &&
	    p->valuedouble == (double)(int)p->valuedouble;
}

static void
check_service_port(const cJSON *p, int i, int nports, bool node_ports,
    struct ck_status *st)
{
	const cJSON *v;
	const char *name = json_str(p, "name"), *proto = json_str(p,
	    "protocol");
	char f[96];

	snprintf(f, sizeof(f), "spec.ports[%d].name", i);
	if (nports > 1 && (name == NULL || name[0] == '\0'))
		vk_required(st, f);
	snprintf(f, sizeof(f), "spec.ports[%d].port", i);
	v = cJSON_GetObjectItemCaseSensitive(p, "port");
	if (!port_ok(v))
		vk_invalid(st, f, v, "must be between 1 and 65535, inclusive");
	snprintf(f, sizeof(f), "spec.ports[%d].protocol", i);
	if (proto != NULL && strcmp(proto, "TCP") != 0 &&
	    strcmp(proto, "UDP") != 0 && strcmp(proto, "SCTP") != 0)
		vk_not_supported(st, f, proto,
		    (const char *const[]){ "SCTP", "TCP", "UDP", NULL });
	snprintf(f, sizeof(f), "spec.ports[%d].targetPort", i);
	v = cJSON_GetObjectItemCaseSensitive(p, "targetPort");
	if (v != NULL && cJSON_IsNumber(v) && !port_ok(v))
		vk_invalid(st, f, v, "must be between 1 and 65535, inclusive");
	snprintf(f, sizeof(f), "spec.ports[%d].nodePort", i);
	v = cJSON_GetObjectItemCaseSensitive(p, "nodePort");
	if (v != NULL && !(cJSON_IsNumber(v) && v->valuedouble == 0)) {
		if (!node_ports)
			vk_forbidden(st, f, "may not be used when `type` is "
			    "'ClusterIP'");
		else if (!cJSON_IsNumber(v) || v->valuedouble < 30000 ||
		    v->valuedouble > 32767)
			vk_invalid(st, f, v, "provided port is not in the "
			    "valid range. The range of valid ports is "
			    "30000-32767");
	}
}

void
validation_service(const cJSON *obj, const cJSON *old, struct ck_status *st)
{
	static const char *const types[] = { "ClusterIP", "ExternalName",
		"LoadBalancer", "NodePort", NULL };
	const cJSON *spec = json_obj(obj, "spec"), *ports, *p;
	const char *type = json_str(spec, "type"), *cip, *ocip;
	bool known = false, node_ports;
	size_t k;
	int i = 0, n;

	if (type == NULL)
		type = "ClusterIP";
	for (k = 0; types[k] != NULL; k++)
		known |= strcmp(types[k], type) == 0;
	if (!known) {
		vk_not_supported(st, "spec.type", type, types);
		return;
	}
	node_ports = strcmp(type, "NodePort") == 0 ||
	    strcmp(type, "LoadBalancer") == 0;
	cip = json_str(spec, "clusterIP");
	ports = cJSON_GetObjectItemCaseSensitive(spec, "ports");
	n = cJSON_GetArraySize(ports);
	if (strcmp(type, "ExternalName") == 0) {
		if (json_str(spec, "externalName") == NULL)
			vk_required(st, "spec.externalName");
	} else if (n == 0 && (cip == NULL || strcmp(cip, "None") != 0))
		vk_required(st, "spec.ports");
	if (node_ports && cip != NULL && strcmp(cip, "None") == 0)
		vk_invalid_str(st, "spec.clusterIPs[0]", cip,
		    "may not be set to 'None' for LoadBalancer services or "
		    "NodePort services");
	cJSON_ArrayForEach(p, ports)
		check_service_port(p, i++, n, node_ports, st);
	if (old == NULL)
		return;
	ocip = json_str(json_obj(old, "spec"), "clusterIP");
	if (ocip != NULL && ocip[0] != '\0' && strcmp(type, "ExternalName") &&
	    (cip == NULL || strcmp(cip, ocip) != 0))
		vk_invalid_str(st, "spec.clusterIPs[0]", cip,
		    "may not change once set");
}

static void
check_rule(const cJSON *rule, int i, bool namespaced, struct ck_status *st)
{
	const cJSON *nr = cJSON_GetObjectItemCaseSensitive(rule,
	    "nonResourceURLs");
	char f[64];

	snprintf(f, sizeof(f), "rules[%d].verbs", i);
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rule,
	    "verbs")) == 0)
		ck_status_add_cause(st, f, "FieldValueRequired",
		    "Required value: verbs must contain at least one value");
	if (cJSON_GetArraySize(nr) > 0) {
		snprintf(f, sizeof(f), "rules[%d].nonResourceURLs", i);
		if (namespaced)
			vk_invalid(st, f, nr, "namespaced rules cannot apply "
			    "to non-resource URLs");
		if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rule,
		    "apiGroups")) > 0 ||
		    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rule,
		    "resources")) > 0)
			vk_invalid(st, f, nr, "rules cannot apply to both "
			    "regular resources and non-resource URLs");
		return;
	}
	snprintf(f, sizeof(f), "rules[%d].apiGroups", i);
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rule,
	    "apiGroups")) == 0)
		ck_status_add_cause(st, f, "FieldValueRequired",
		    "Required value: resource rules must supply at least one "
		    "api group");
	snprintf(f, sizeof(f), "rules[%d].resources", i);
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(rule,
	    "resources")) == 0)
		ck_status_add_cause(st, f, "FieldValueRequired",
		    "Required value: resource rules must supply at least one "
		    "resource");
}

static void
check_binding(const cJSON *obj, bool cluster, struct ck_status *st)
{
	static const char *const kinds_ns[] = { "Role", "ClusterRole", NULL };
	static const char *const kinds_cl[] = { "ClusterRole", NULL };
	static const char *const subj[] = { "ServiceAccount", "User", "Group",
		NULL };
	const cJSON *ref = json_obj(obj, "roleRef"), *s;
	const char *kind = json_str(ref, "kind"), *name = json_str(ref,
	    "name"), *g = json_str(ref, "apiGroup"), *sk;
	char f[64];
	int i = 0;
	size_t k;
	bool ok;

	if (g != NULL && strcmp(g, "rbac.authorization.k8s.io") != 0)
		vk_not_supported(st, "roleRef.apiGroup", g,
		    (const char *const[]){ "rbac.authorization.k8s.io",
			NULL });
	if (kind == NULL || kind[0] == '\0')
		vk_required(st, "roleRef.kind");
	else {
		const char *const *allowed = cluster ? kinds_cl : kinds_ns;

		for (k = 0, ok = false; allowed[k] != NULL; k++)
			ok |= strcmp(allowed[k], kind) == 0;
		if (!ok)
			vk_not_supported(st, "roleRef.kind", kind, allowed);
	}
	if (name == NULL || name[0] == '\0')
		vk_required(st, "roleRef.name");
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(obj,
	    "subjects")) {
		sk = json_str(s, "kind");
		snprintf(f, sizeof(f), "subjects[%d].name", i);
		if (json_str(s, "name") == NULL || json_str(s, "name")[0] == 0)
			vk_required(st, f);
		snprintf(f, sizeof(f), "subjects[%d].kind", i);
		for (k = 0, ok = false; sk != NULL && subj[k] != NULL; k++)
			ok |= strcmp(subj[k], sk) == 0;
		if (!ok)
			vk_not_supported(st, f, sk != NULL ? sk : "", subj);
		i++;
	}
}

void
validation_rbac(const struct api_resource *r, const cJSON *obj,
    struct ck_status *st)
{
	const cJSON *rule;
	int i = 0;

	if (strcmp(r->kind, "RoleBinding") == 0 ||
	    strcmp(r->kind, "ClusterRoleBinding") == 0) {
		check_binding(obj, strcmp(r->kind, "ClusterRoleBinding") == 0,
		    st);
		return;
	}
	cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(obj,
	    "rules"))
		check_rule(rule, i++, r->namespaced, st);
}

void
validation_pvc(const cJSON *obj, const cJSON *old, struct ck_status *st)
{
	const cJSON *spec = json_obj(obj, "spec");
	cJSON *a, *b;

	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(spec,
	    "accessModes")) == 0)
		ck_status_add_cause(st, "spec.accessModes",
		    "FieldValueRequired",
		    "Required value: at least 1 access mode is required");
	if (json_str(json_obj(json_obj(spec, "resources"), "requests"),
	    "storage") == NULL)
		ck_status_add_cause(st, "spec.resources[storage]",
		    "FieldValueRequired", "Required value");
	validation_resource_list(json_obj(json_obj(spec, "resources"),
	    "requests"), "spec.resources.requests", st);
	if (old == NULL)
		return;
	/* Requests may grow and an unset volumeName may be bound. */
	a = cJSON_Duplicate(spec, 1);
	b = cJSON_Duplicate(json_obj(old, "spec"), 1);
	json_del(a, "resources");
	json_del(b, "resources");
	if (json_str(b, "volumeName") == NULL ||
	    json_str(b, "volumeName")[0] == '\0') {
		json_del(a, "volumeName");
		json_del(b, "volumeName");
	}
	if (!cJSON_Compare(a, b, 1))
		vk_forbidden(st, "spec", "spec is immutable after creation "
		    "except resources.requests and volumeAttributesClassName "
		    "for bound claims");
	cJSON_Delete(a);
	cJSON_Delete(b);
}

