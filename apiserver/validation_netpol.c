/*
 * validation_netpol.c: NetworkPolicy validation (Kubernetes'
 * ValidateNetworkPolicySpec: selectors, peers, ipBlocks, ports, policy
 * types; plus spec 7(a)'s required podSelector) and the 1.3 namespace
 * annotation net.beta.kubernetes.io/network-policy. Addresses and the
 * annotation are parsed by libckube's engine (common/netpol_addr.c).
 */
#include "apiserver.h"
#include "validation_kind.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/netpol.h"
#include "ckube/selector.h"

#define CIDR_EXAMPLE	"must be a valid CIDR value, (e.g. 10.9.8.0/24 or " \
	"2001:db8::/64)"

/* A LabelSelector at field; absent (NULL/null) is the caller's business. */
static void
check_selector(const cJSON *sel, const char *field, struct ck_status *st)
{
	struct label_selector *ls = NULL;
	struct ck_status tmp;

	ck_status_clear(&tmp);
	if (selector_from_json(sel, field, &ls, &tmp) < 0) {
		if (tmp.ncauses > 0)
			ck_status_add_cause(st, tmp.causes[0].field,
			    tmp.causes[0].reason, "%s", tmp.causes[0].message);
		else
			vk_invalid(st, field, sel, tmp.message);
	}
	selector_free(ls);
}

static bool
present(const cJSON *v)
{
	return v != NULL && !cJSON_IsNull(v);
}

static void
check_ipblock(const cJSON *ip, const char *f, struct ck_status *st)
{
	const cJSON *cidr = cJSON_GetObjectItemCaseSensitive(ip, "cidr"), *ex;
	struct netpol_cidr net, enet;
	char g[192];
	int k = 0;

	snprintf(g, sizeof(g), "%.150s.ipBlock.cidr", f);
	if (!cJSON_IsString(cidr) || cidr->valuestring[0] == '\0') {
		vk_required(st, g);
		return;
	}
	if (netpol_cidr_parse(cidr->valuestring, &net) < 0) {
		vk_invalid(st, g, cidr, CIDR_EXAMPLE);
		return;
	}
	cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(ip,
	    "except")) {
		snprintf(g, sizeof(g), "%.150s.ipBlock.except[%d]", f, k++);
		if (!cJSON_IsString(ex) || netpol_cidr_parse(ex->valuestring,
		    &enet) < 0)
			vk_invalid(st, g, ex, CIDR_EXAMPLE);
		else if (enet.bits <= net.bits ||
		    !netpol_cidr_contains(&net, &enet))
			vk_invalid(st, g, ex,
			    "must be a strict subset of `cidr`");
	}
}

static void
check_peer(const cJSON *peer, const char *f, struct ck_status *st)
{
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(peer, "podSelector");
	const cJSON *ns = cJSON_GetObjectItemCaseSensitive(peer,
	    "namespaceSelector");
	const cJSON *ip = cJSON_GetObjectItemCaseSensitive(peer, "ipBlock");
	char g[192];
	int n = 0;

	if (present(ps)) {
		n++;
		snprintf(g, sizeof(g), "%.150s.podSelector", f);
		check_selector(ps, g, st);
	}
	if (present(ns)) {
		n++;
		snprintf(g, sizeof(g), "%.150s.namespaceSelector", f);
		check_selector(ns, g, st);
	}
	if (present(ip)) {
		n++;
		check_ipblock(ip, f, st);
	}
	if (n == 0)
		ck_status_add_cause(st, f, "FieldValueRequired",
		    "Required value: must specify a peer");
	else if (n > 1 && present(ip))
		vk_forbidden(st, f, "may not specify both ipBlock and another "
		    "peer");
}

/* validation.IsValidPortName (an IANA_SVC_NAME); NULL when valid. */
static const char *
port_name_problem(const char *s)
{
	size_t i, n = strlen(s);
	bool letter = false;

	if (n < 1 || n > 15)
		return "must be no more than 15 characters";
	for (i = 0; i < n; i++) {
		if (s[i] >= 'a' && s[i] <= 'z')
			letter = true;
		else if (!(s[i] >= '0' && s[i] <= '9') && s[i] != '-')
			return "must contain only alpha-numeric characters "
			    "(a-z, 0-9), and hyphens (-)";
		if (s[i] == '-' && i + 1 < n && s[i + 1] == '-')
			return "must not contain consecutive hyphens";
	}
	if (!letter)
		return "must contain at least one letter (a-z)";
	if (s[0] == '-' || s[n - 1] == '-')
		return "must not begin or end with a hyphen";
	return NULL;
}

static bool
port_num_ok(const cJSON *p)
{
	return cJSON_IsNumber(p) && p->valuedouble >= 1 &&
	    p->valuedouble <= 65535 &&
	    p->valuedouble == (double)(int)p->valuedouble;
}

static void
check_port(const cJSON *p, const char *f, struct ck_status *st)
{
	static const char *const protos[] = { "SCTP", "TCP", "UDP", NULL };
	const cJSON *proto = cJSON_GetObjectItemCaseSensitive(p, "protocol");
	const cJSON *port = cJSON_GetObjectItemCaseSensitive(p, "port");
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(p, "endPort");
	const char *why;
	char g[192];

	snprintf(g, sizeof(g), "%.150s.protocol", f);
	if (present(proto) && (!cJSON_IsString(proto) ||
	    (strcmp(proto->valuestring, "TCP") != 0 &&
	    strcmp(proto->valuestring, "UDP") != 0 &&
	    strcmp(proto->valuestring, "SCTP") != 0)))
		vk_not_supported(st, g, cJSON_IsString(proto) ?
		    proto->valuestring : "", protos);
	snprintf(g, sizeof(g), "%.150s.port", f);
	if (cJSON_IsString(port) &&
	    (why = port_name_problem(port->valuestring)) != NULL)
		vk_invalid(st, g, port, why);
	else if (present(port) && !cJSON_IsString(port) && !port_num_ok(port))
		vk_invalid(st, g, port, "must be between 1 and 65535, "
		    "inclusive");
	if (!present(end))
		return;
	snprintf(g, sizeof(g), "%.150s.endPort", f);
	if (!present(port))
		vk_invalid(st, g, end, "may not be specified when `port` is "
		    "not specified");
	else if (cJSON_IsString(port))
		vk_invalid(st, g, end, "may not be specified when `port` is "
		    "non-numeric");
	else if (!port_num_ok(end))
		vk_invalid(st, g, end, "must be between 1 and 65535, "
		    "inclusive");
	else if (cJSON_IsNumber(port) && end->valuedouble < port->valuedouble)
		vk_invalid(st, g, end, "must be greater than or equal to "
		    "`port`");
}

static void
check_rules(const cJSON *spec, const char *dir, const char *peers,
    struct ck_status *st)
{
	const cJSON *rule, *it;
	char f[96], g[160];
	int i = 0, k;

	cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(spec, dir)) {
		snprintf(f, sizeof(f), "spec.%s[%d]", dir, i++);
		k = 0;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rule,
		    "ports")) {
			snprintf(g, sizeof(g), "%s.ports[%d]", f, k++);
			check_port(it, g, st);
		}
		k = 0;
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(rule,
		    peers)) {
			snprintf(g, sizeof(g), "%s.%s[%d]", f, peers, k++);
			check_peer(it, g, st);
		}
	}
}

void
validation_networkpolicy(const cJSON *obj, struct ck_status *st)
{
	static const char *const types[] = { "Ingress", "Egress", NULL };
	const cJSON *spec = json_obj(obj, "spec"), *t, *pts, *sel;
	char f[64];
	int k = 0;

	sel = cJSON_GetObjectItemCaseSensitive(spec, "podSelector");
	if (!present(sel))
		vk_required(st, "spec.podSelector");	/* spec 7(a) */
	else
		check_selector(sel, "spec.podSelector", st);
	check_rules(spec, "ingress", "from", st);
	check_rules(spec, "egress", "to", st);
	pts = cJSON_GetObjectItemCaseSensitive(spec, "policyTypes");
	if (cJSON_GetArraySize(pts) > 2) {
		vk_invalid(st, "spec.policyTypes", pts, "may not specify more "
		    "than two policyTypes");
		return;
	}
	cJSON_ArrayForEach(t, pts) {
		snprintf(f, sizeof(f), "spec.policyTypes[%d]", k++);
		if (!cJSON_IsString(t) || (strcmp(t->valuestring, "Ingress") &&
		    strcmp(t->valuestring, "Egress")))
			vk_not_supported(st, f, cJSON_IsString(t) ?
			    t->valuestring : "", types);
	}
}

void
validation_namespace(const cJSON *obj, struct ck_status *st)
{
	const char *v = json_str(json_obj(json_obj(obj, "metadata"),
	    "annotations"), NETPOL_ANN_ISOLATION);
	struct ck_status why;
	bool deny;

	if (v == NULL)
		return;
	ck_status_clear(&why);
	if (netpol_isolation_parse(v, &deny, &why) < 0)
		vk_invalid_str(st, "metadata.annotations[" NETPOL_ANN_ISOLATION
		    "]", v, why.message);
}
