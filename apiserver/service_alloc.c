/*
 * service_alloc.c: Service ClusterIPs from --service-cluster-ip-range and
 * NodePorts from 30000-32767. What is allocated is what the stored Services
 * hold, so allocations survive restarts and a delete releases them; one
 * mutex spans the pick and the store write (the caller holds it through
 * service_alloc_lock/unlock), so two creates never get the same address.
 */
#include "apiserver.h"
#include "validation_kind.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "store/store.h"

#define NODEPORT_MIN	30000
#define NODEPORT_MAX	32767
#define NODEPORT_N	(NODEPORT_MAX - NODEPORT_MIN + 1)

static pthread_mutex_t alloc_mu = PTHREAD_MUTEX_INITIALIZER;
static uint32_t net_base = 0x0a600000u;	/* 10.96.0.0 */
static uint32_t net_size = 1u << 20;	/* /12 */
static char net_text[64] = "10.96.0.0/12";

/* What the other services hold (the service being updated excluded). */
struct used {
	uint32_t	*ips;
	size_t		 nips;
	unsigned char	 ports[NODEPORT_N];
};

int
service_alloc_config(const char *cidr)
{
	char addr[32];
	const char *slash = strchr(cidr, '/');
	struct in_addr in;
	long bits;
	char *end;

	if (slash == NULL || (size_t)(slash - cidr) >= sizeof(addr))
		return CK_EINVALID;
	memcpy(addr, cidr, (size_t)(slash - cidr));
	addr[slash - cidr] = '\0';
	bits = strtol(slash + 1, &end, 10);
	/* Kubernetes refuses ranges smaller than a /29's 8 addresses... */
	if (*end != '\0' || bits < 8 || bits > 29 ||
	    inet_pton(AF_INET, addr, &in) != 1)
		return CK_EINVALID;
	net_size = 1u << (32 - bits);
	net_base = ntohl(in.s_addr) & ~(net_size - 1);
	snprintf(net_text, sizeof(net_text), "%s", cidr);
	return 0;
}

void
service_alloc_lock(void)
{
	pthread_mutex_lock(&alloc_mu);
}

void
service_alloc_unlock(void)
{
	pthread_mutex_unlock(&alloc_mu);
}

static bool
parse_ip(const char *s, uint32_t *out)
{
	struct in_addr in;

	if (s == NULL || inet_pton(AF_INET, s, &in) != 1)
		return false;
	*out = ntohl(in.s_addr);
	return true;
}

static void
format_ip(uint32_t ip, char *buf, size_t len)
{
	struct in_addr in = { .s_addr = htonl(ip) };

	if (inet_ntop(AF_INET, &in, buf, (socklen_t)len) == NULL)
		buf[0] = '\0';
}

/* The first usable address (network+1): the `kubernetes` service's. */
void
service_alloc_first_ip(char *buf, size_t len)
{
	format_ip(net_base + 1, buf, len);
}

static bool
ip_in_range(uint32_t ip)
{
	/* Neither the network nor the broadcast address. */
	return ip > net_base && ip < net_base + net_size - 1;
}

static bool
ip_used(const struct used *u, uint32_t ip)
{
	size_t i;

	for (i = 0; i < u->nips; i++)
		if (u->ips[i] == ip)
			return true;
	return false;
}

static int
load_used(struct store *s, const char *ns, const char *name, struct used *u)
{
	struct store_list l = { 0 };
	const cJSON *p;
	cJSON *o;
	uint32_t ip;
	size_t i;
	int rc, np;

	memset(u, 0, sizeof(*u));
	rc = store_list(s, "services", "", NULL, NULL, 0, &l);
	if (rc < 0)
		return rc;
	u->ips = calloc(l.n + 1, sizeof(*u->ips));
	if (u->ips == NULL) {
		store_list_fini(&l);
		return CK_ENOMEM;
	}
	for (i = 0; i < l.n; i++) {
		if (name != NULL && strcmp(l.items[i].ns, ns) == 0 &&
		    strcmp(l.items[i].name, name) == 0)
			continue;
		o = cJSON_ParseWithLength(l.items[i].body, l.items[i].body_len);
		if (parse_ip(json_str(json_obj(o, "spec"), "clusterIP"), &ip))
			u->ips[u->nips++] = ip;
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(
		    json_obj(o, "spec"), "ports")) {
			np = (int)cJSON_GetNumberValue(
			    cJSON_GetObjectItemCaseSensitive(p, "nodePort"));
			if (np >= NODEPORT_MIN && np <= NODEPORT_MAX)
				u->ports[np - NODEPORT_MIN] = 1;
		}
		cJSON_Delete(o);
	}
	store_list_fini(&l);
	return 0;
}

static void
set_cluster_ips(cJSON *spec, const char *ip_in)
{
	char ip[64];
	cJSON *a;

	/* ip_in may be spec's own clusterIP string, freed by the set below. */
	ck_strlcpy(ip, ip_in, sizeof(ip));
	json_set_str(spec, "clusterIP", ip);
	json_del(spec, "clusterIPs");
	a = cJSON_AddArrayToObject(spec, "clusterIPs");
	cJSON_AddItemToArray(a, cJSON_CreateString(ip));
	if (strcmp(ip, "None") == 0 && json_str(spec, "ipFamilyPolicy") ==
	    NULL)
		return;
	if (cJSON_GetObjectItemCaseSensitive(spec, "ipFamilies") == NULL) {
		a = cJSON_AddArrayToObject(spec, "ipFamilies");
		cJSON_AddItemToArray(a, cJSON_CreateString("IPv4"));
	}
	if (json_str(spec, "ipFamilyPolicy") == NULL)
		json_set_str(spec, "ipFamilyPolicy", "SingleStack");
}

static int
assign_ip(cJSON *spec, const cJSON *old, struct used *u, struct ck_status *st)
{
	const char *want = json_str(spec, "clusterIP");
	char buf[INET_ADDRSTRLEN];
	uint32_t ip, i, start;

	if (want != NULL && strcmp(want, "None") == 0) {
		set_cluster_ips(spec, "None");
		return 0;
	}
	if (want != NULL && want[0] != '\0') {
		if (old != NULL && json_str(json_obj(old, "spec"),
		    "clusterIP") != NULL && strcmp(want, json_str(json_obj(old,
		    "spec"), "clusterIP")) == 0) {
			set_cluster_ips(spec, want);
			return 0;	/* its own, kept */
		}
		if (!parse_ip(want, &ip)) {
			vk_invalid_str(st, "spec.clusterIPs[0]", want,
			    "must be a valid IP address, (e.g. 10.9.8.7 or "
			    "2001:db8::ffff)");
			return CK_EINVALID;
		}
		if (!ip_in_range(ip)) {
			char msg[160];

			snprintf(msg, sizeof(msg), "failed to allocate IP %s: "
			    "the provided IP (%s) is not in the valid range. "
			    "The range of valid IPs is %s", want, want,
			    net_text);
			vk_invalid_str(st, "spec.clusterIPs", want, msg);
			return CK_EINVALID;
		}
		if (ip_used(u, ip)) {
			char msg[160];

			snprintf(msg, sizeof(msg), "failed to allocate IP %s: "
			    "provided IP is already allocated", want);
			vk_invalid_str(st, "spec.clusterIPs", want, msg);
			return CK_EINVALID;
		}
		set_cluster_ips(spec, want);
		return 0;
	}
	/* From a random offset, the first free address. */
	start = (uint32_t)random() % (net_size - 2);
	for (i = 0; i < net_size - 2; i++) {
		ip = net_base + 2 + (start + i) % (net_size - 2);
		if (ip_in_range(ip) && !ip_used(u, ip)) {
			format_ip(ip, buf, sizeof(buf));
			set_cluster_ips(spec, buf);
			u->ips[u->nips++] = ip;
			return 0;
		}
	}
	ck_status_add_cause(st, "spec.clusterIPs", "FieldValueInvalid",
	    "Internal error: range is full");
	return CK_EINVALID;
}

static int
assign_ports(cJSON *spec, struct used *u, struct ck_status *st)
{
	cJSON *p;
	char f[64];
	int i = 0, np, k, start, bad = 0;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec, "ports")) {
		np = (int)cJSON_GetNumberValue(
		    cJSON_GetObjectItemCaseSensitive(p, "nodePort"));
		if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p,
		    "nodePort")) && np != 0) {
			snprintf(f, sizeof(f), "spec.ports[%d].nodePort", i);
			if (np >= NODEPORT_MIN && np <= NODEPORT_MAX) {
				if (u->ports[np - NODEPORT_MIN]) {
					char msg[96];

					snprintf(msg, sizeof(msg), "provided "
					    "port is already allocated");
					vk_invalid(st, f,
					    cJSON_GetObjectItemCaseSensitive(p,
						"nodePort"), msg);
					bad = 1;
				}
				u->ports[np - NODEPORT_MIN] = 1;
			}
			i++;
			continue;
		}
		start = (int)((unsigned)random() % NODEPORT_N);
		for (k = 0; k < NODEPORT_N; k++)
			if (!u->ports[(start + k) % NODEPORT_N])
				break;
		if (k == NODEPORT_N) {
			snprintf(f, sizeof(f), "spec.ports[%d].nodePort", i);
			ck_status_add_cause(st, f, "FieldValueInvalid",
			    "Internal error: range is full");
			return CK_EINVALID;
		}
		u->ports[(start + k) % NODEPORT_N] = 1;
		json_del(p, "nodePort");
		cJSON_AddNumberToObject(p, "nodePort",
		    NODEPORT_MIN + (start + k) % NODEPORT_N);
		i++;
	}
	return bad ? CK_EINVALID : 0;
}

static bool
needs_node_ports(const char *type)
{
	return type != NULL && (strcmp(type, "NodePort") == 0 ||
	    strcmp(type, "LoadBalancer") == 0);
}

/* The sorted nodePorts of spec's ports, into out (at most max); the count. */
static size_t
node_ports(const cJSON *spec, int *out, size_t max)
{
	const cJSON *p, *np;
	size_t n = 0, i, j;
	int v;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec, "ports")) {
		np = cJSON_GetObjectItemCaseSensitive(p, "nodePort");
		v = cJSON_IsNumber(np) ? np->valueint : 0;
		if (v == 0 || n == max)
			continue;
		for (i = 0; i < n && out[i] < v; i++)
			;
		for (j = n; j > i; j--)
			out[j] = out[j - 1];
		out[i] = v;
		n++;
	}
	return n;
}

/*
 * Kubernetes' dropTypeDependentFields: a Service leaving NodePort or
 * LoadBalancer with its node ports unchanged (a patch of the type alone)
 * drops them, and one leaving LoadBalancer drops its class, instead of
 * failing validation.
 */
static void
drop_type_dependent(cJSON *spec, const cJSON *old)
{
	const cJSON *ospec = json_obj(old, "spec");
	const char *type = json_str(spec, "type");
	const char *otype = json_str(ospec, "type");
	int a[64], b[64];
	size_t na, nb;
	cJSON *p;

	if (ospec == NULL || !needs_node_ports(otype) ||
	    needs_node_ports(type))
		return;
	na = node_ports(spec, a, ARRAY_SIZE(a));
	nb = node_ports(ospec, b, ARRAY_SIZE(b));
	if (na == nb && memcmp(a, b, na * sizeof(a[0])) == 0)
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec,
		    "ports"))
			json_del(p, "nodePort");
	if (strcmp(otype, "LoadBalancer") == 0) {
		json_del(spec, "loadBalancerClass");
		json_del(spec, "allocateLoadBalancerNodePorts");
	}
}

int
service_alloc_assign(struct store *s, cJSON *svc, const cJSON *old,
    struct ck_status *st)
{
	cJSON *spec = json_ensure_obj(svc, "spec"), *p;
	const cJSON *meta = json_obj(svc, "metadata");
	const char *type = json_str(spec, "type");
	struct used u;
	int rc;

	if (old != NULL)
		drop_type_dependent(spec, old);
	if (type != NULL && strcmp(type, "ExternalName") == 0)
		return 0;
	rc = load_used(s, json_str(meta, "namespace"),
	    old != NULL ? json_str(meta, "name") : NULL, &u);
	if (rc < 0) {
		ck_status_add_cause(st, "spec.clusterIP", "FieldValueInvalid",
		    "Internal error: %s", ck_strerror(rc));
		return CK_EINVALID;
	}
	rc = assign_ip(spec, old, &u, st);
	if (rc == 0 && type != NULL && (strcmp(type, "NodePort") == 0 ||
	    strcmp(type, "LoadBalancer") == 0))
		rc = assign_ports(spec, &u, st);
	else if (rc == 0)
		/* A ClusterIP service holds no node ports. */
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec,
		    "ports"))
			if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p,
			    "nodePort")) && cJSON_GetObjectItemCaseSensitive(p,
			    "nodePort")->valuedouble == 0)
				json_del(p, "nodePort");
	free(u.ips);
	return rc;
}

cJSON *
service_alloc_kubernetes_service(void)
{
	cJSON *o = cJSON_CreateObject(), *meta, *labels, *spec, *ports, *p;
	char ip[INET_ADDRSTRLEN];

	meta = json_ensure_obj(o, "metadata");
	json_set_str(meta, "name", "kubernetes");
	json_set_str(meta, "namespace", "default");
	labels = json_ensure_obj(meta, "labels");
	json_set_str(labels, "component", "apiserver");
	json_set_str(labels, "provider", "kubernetes");
	spec = json_ensure_obj(o, "spec");
	service_alloc_first_ip(ip, sizeof(ip));
	json_set_str(spec, "clusterIP", ip);
	ports = cJSON_AddArrayToObject(spec, "ports");
	p = cJSON_CreateObject();
	json_set_str(p, "name", "https");
	json_set_str(p, "protocol", "TCP");
	json_set_num(p, "port", 443);
	json_set_num(p, "targetPort", 6443);
	cJSON_AddItemToArray(ports, p);
	return o;
}

/*
 * Across apiservers (etcd): every write that allocates changes one internal
 * object in its own txn, so of two apiservers allocating from the same scan
 * of Services one commits and the other's txn is refused and scans again.
 * Freeing needs nothing (a stale scan only skips a free address); old data
 * needs nothing (the object is created on first use).
 */
#define GUARD_RESOURCE	"serviceallocations"
#define GUARD_NAME	"cluster"

bool
service_alloc_changed(const cJSON *svc, const cJSON *old)
{
	const char *ip = json_str(json_obj(svc, "spec"), "clusterIP");
	const char *oip = json_str(json_obj(old, "spec"), "clusterIP");
	int np[64], onp[64];
	size_t n, on, i, j;

	if (ip != NULL && strcmp(ip, "None") != 0 &&
	    (oip == NULL || strcmp(ip, oip) != 0))
		return true;
	n = node_ports(json_obj(svc, "spec"), np, 64);
	on = node_ports(json_obj(old, "spec"), onp, 64);
	for (i = 0; i < n; i++) {
		for (j = 0; j < on && onp[j] != np[i]; j++)
			;
		if (j == on)
			return true;
	}
	return false;
}

int
service_alloc_guard_begin(struct store *s, struct service_alloc_guard *g)
{
	struct store_item it = { 0 };
	int rc;

	memset(g, 0, sizeof(*g));
	if (strcmp(store_backend(s), "etcd3") != 0)
		return 0;	/* one apiserver per SQLite file */
	g->obj = cJSON_CreateObject();
	cJSON_AddStringToObject(g->obj, "kind", "ServiceAllocation");
	cJSON_AddStringToObject(g->obj, "apiVersion", "v1");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(g->obj, "metadata"),
	    "name", GUARD_NAME);
	g->op.resource = GUARD_RESOURCE;
	g->op.ns = "";
	g->op.name = GUARD_NAME;
	g->op.obj = g->obj;
	rc = store_get(s, GUARD_RESOURCE, "", GUARD_NAME, &it);
	if (rc == CK_ENOTFOUND)
		g->op.type = STORE_OP_CREATE;
	else if (rc < 0) {
		service_alloc_guard_fini(g);
		return rc;
	} else {
		g->op.type = STORE_OP_UPDATE;
		g->op.expect_rv = it.rv;
		store_item_fini(&it);
	}
	g->active = true;
	return 0;
}

void
service_alloc_guard_fini(struct service_alloc_guard *g)
{
	cJSON_Delete(g->obj);
	free(g->op.last);
	memset(g, 0, sizeof(*g));
}
