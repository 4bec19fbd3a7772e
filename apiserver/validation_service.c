/*
 * validation_service.c: Service validation (type, ports, node ports,
 * clusterIP immutability), the shape of RBAC rules and bindings, and the
 * PersistentVolumeClaim spec (required fields, immutable after creation),
 * NetworkPolicy peers, ports and policy types.
 */
#include "apiserver.h"
#include "validation_kind.h"

#include <arpa/inet.h>
#include <stdint.h>
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

/* "a.b.c.d/n" with host bits allowed (Kubernetes accepts them). */
static bool
parse_cidr(const char *s, uint32_t *net, int *bits)
{
	char addr[32];
	const char *slash = s != NULL ? strchr(s, '/') : NULL;
	struct in_addr in;
	char *end;
	long b;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(addr))
		return false;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	b = strtol(slash + 1, &end, 10);
	if (*end != '\0' || slash[1] == '\0' || b < 0 || b > 32 ||
	    inet_pton(AF_INET, addr, &in) != 1)
		return false;
	*bits = (int)b;
	*net = ntohl(in.s_addr) & (b == 0 ? 0 : ~0u << (32 - b));
	return true;
}

static void
check_peer(const cJSON *peer, const char *f, struct ck_status *st)
{
	const cJSON *ip = json_obj(peer, "ipBlock"), *ex;
	char g[160];
	uint32_t net, enet;
	int bits, ebits, k = 0;

	if (ip == NULL && json_obj(peer, "podSelector") == NULL &&
	    json_obj(peer, "namespaceSelector") == NULL) {
		ck_status_add_cause(st, f, "FieldValueRequired",
		    "Required value: must specify a peer");
		return;
	}
	if (ip == NULL)
		return;
	if (json_obj(peer, "podSelector") != NULL ||
	    json_obj(peer, "namespaceSelector") != NULL)
		vk_forbidden(st, f, "may not specify more than 1 peer type");
	snprintf(g, sizeof(g), "%.100s.ipBlock.cidr", f);
	if (!parse_cidr(json_str(ip, "cidr"), &net, &bits)) {
		vk_invalid_str(st, g, json_str(ip, "cidr"),
		    "must be a valid CIDR value, (e.g. 10.9.8.0/24 or "
		    "2001:db8::/64)");
		return;
	}
	cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(ip,
	    "except")) {
		snprintf(g, sizeof(g), "%.100s.ipBlock.except[%d]", f, k++);
		if (!cJSON_IsString(ex) || !parse_cidr(ex->valuestring, &enet,
		    &ebits))
			vk_invalid(st, g, ex, "must be a valid CIDR value");
		else if (ebits <= bits || (bits > 0 &&
		    (enet & (~0u << (32 - bits))) != net))
			vk_invalid(st, g, ex,
			    "must be a strict subset of `cidr`");
	}
}

static void
check_np_ports(const cJSON *rule, const char *f, struct ck_status *st)
{
	const cJSON *p, *port, *end;
	const char *proto;
	char g[160];
	int k = 0;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(rule,
	    "ports")) {
		proto = json_str(p, "protocol");
		snprintf(g, sizeof(g), "%.100s.ports[%d].protocol", f, k);
		if (proto != NULL && strcmp(proto, "TCP") != 0 &&
		    strcmp(proto, "UDP") != 0 && strcmp(proto, "SCTP") != 0)
			vk_not_supported(st, g, proto, (const char *const[]){
			    "SCTP", "TCP", "UDP", NULL });
		port = cJSON_GetObjectItemCaseSensitive(p, "port");
		end = cJSON_GetObjectItemCaseSensitive(p, "endPort");
		snprintf(g, sizeof(g), "%.100s.ports[%d].port", f, k);
		if (cJSON_IsNumber(port) && !port_ok(port))
			vk_invalid(st, g, port,
			    "must be between 1 and 65535, inclusive");
		snprintf(g, sizeof(g), "%.100s.ports[%d].endPort", f, k);
		if (end != NULL && !cJSON_IsNull(end)) {
			if (!cJSON_IsNumber(port))
				vk_invalid(st, g, end, "may not be specified "
				    "when `port` is non-numeric");
			else if (!cJSON_IsNumber(end) ||
			    end->valuedouble < port->valuedouble)
				vk_invalid(st, g, end, "must be greater than "
				    "or equal to `port`");
		}
		k++;
	}
}

void
validation_networkpolicy(const cJSON *obj, struct ck_status *st)
{
	static const char *const dirs[][2] = { { "ingress", "from" },
		{ "egress", "to" } };
	static const char *const types[] = { "Ingress", "Egress", NULL };
	const cJSON *spec = json_obj(obj, "spec"), *rule, *peer, *t;
	char f[128], g[160];
	size_t d;
	int i, k;

	for (d = 0; d < ARRAY_SIZE(dirs); d++) {
		i = 0;
		cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(spec,
		    dirs[d][0])) {
			snprintf(f, sizeof(f), "spec.%s[%d]", dirs[d][0], i++);
			check_np_ports(rule, f, st);
			k = 0;
			cJSON_ArrayForEach(peer,
			    cJSON_GetObjectItemCaseSensitive(rule,
			    dirs[d][1])) {
				snprintf(g, sizeof(g), "%.100s.%s[%d]", f,
				    dirs[d][1], k++);
				check_peer(peer, g, st);
			}
		}
	}
	k = 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(spec,
	    "policyTypes")) {
		snprintf(f, sizeof(f), "spec.policyTypes[%d]", k++);
		if (!cJSON_IsString(t) || (strcmp(t->valuestring, "Ingress") &&
		    strcmp(t->valuestring, "Egress")))
			vk_not_supported(st, f, cJSON_IsString(t) ?
			    t->valuestring : "", types);
	}
}
