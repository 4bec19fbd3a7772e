/*
 * Simulated nodes of ckube-kubelet-sim: names, /24 podCIDRs carved from
 * --node-cidr, registration (or re-adoption after a restart) with labels,
 * taints, capacity, addresses, nodeInfo and conditions; a Lease per node in
 * kube-node-lease renewed on a timer; node status reported periodically.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/quantity.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"
#include "kubelet_sim.h"

/* Split "k=v,k2=v2" into obj as string members. */
static void
add_kv_list(cJSON *obj, const char *list)
{
	char *dup, *p, *next, *eq;

	if (list == NULL || *list == '\0')
		return;
	dup = ck_strdup(list);
	for (p = dup; p != NULL; p = next) {
		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		if (*p == '\0')
			continue;
		eq = strchr(p, '=');
		if (eq != NULL)
			*eq++ = '\0';
		cJSON_DeleteItemFromObjectCaseSensitive(obj, p);
		cJSON_AddStringToObject(obj, p, eq != NULL ? eq : "");
	}
	free(dup);
}

/* "key=value:Effect" or "key:Effect" entries, comma separated. */
static cJSON *
taints_json(const char *list)
{
	cJSON *arr = cJSON_CreateArray(), *t;
	char *dup, *p, *next, *colon, *eq;

	if (list == NULL || *list == '\0')
		return arr;
	dup = ck_strdup(list);
	for (p = dup; p != NULL; p = next) {
		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		colon = strrchr(p, ':');
		if (*p == '\0' || colon == NULL)
			continue;
		*colon++ = '\0';
		eq = strchr(p, '=');
		if (eq != NULL)
			*eq++ = '\0';
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "key", p);
		if (eq != NULL)
			cJSON_AddStringToObject(t, "value", eq);
		cJSON_AddStringToObject(t, "effect", colon);
		cJSON_AddItemToArray(arr, t);
	}
	free(dup);
	return arr;
}

static cJSON *
node_object(const struct ksim *ks, const struct sim_node *n)
{
	cJSON *o = cJSON_CreateObject(), *md, *labels, *spec;

	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "kind", "Node");
	md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", n->name);
	cJSON_AddStringToObject(cJSON_AddObjectToObject(md, "annotations"),
	    ANN_KUBELET_URL, ks->url);
	labels = cJSON_AddObjectToObject(md, "labels");
	cJSON_AddStringToObject(labels, "kubernetes.io/hostname", n->name);
	cJSON_AddStringToObject(labels, "kubernetes.io/os", "linux");
	cJSON_AddStringToObject(labels, "kubernetes.io/arch", "amd64");
	cJSON_AddStringToObject(labels, "beta.kubernetes.io/os", "linux");
	cJSON_AddStringToObject(labels, "beta.kubernetes.io/arch", "amd64");
	if (ks->f.zone != NULL && *ks->f.zone != '\0') {
		cJSON_AddStringToObject(labels,
		    "failure-domain.beta.kubernetes.io/zone", ks->f.zone);
		cJSON_AddStringToObject(labels,
		    "topology.kubernetes.io/zone", ks->f.zone);
	}
	if (ks->f.region != NULL && *ks->f.region != '\0') {
		cJSON_AddStringToObject(labels,
		    "failure-domain.beta.kubernetes.io/region", ks->f.region);
		cJSON_AddStringToObject(labels,
		    "topology.kubernetes.io/region", ks->f.region);
	}
	add_kv_list(labels, ks->f.node_labels);
	spec = cJSON_AddObjectToObject(o, "spec");
	cJSON_AddStringToObject(spec, "podCIDR", n->pod_cidr);
	cJSON_AddStringToObject(spec, "externalID", n->name);
	cJSON_AddItemToObject(spec, "taints", taints_json(ks->f.node_taints));
	return o;
}

static void
add_condition_since(cJSON *arr, const char *type, const char *status,
    const char *reason, const char *msg, const char *now, const char *since)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddStringToObject(c, "lastHeartbeatTime", now);
	cJSON_AddStringToObject(c, "lastTransitionTime",
	    since != NULL && *since != '\0' ? since : now);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", msg);
	cJSON_AddItemToArray(arr, c);
}

static void
add_condition(cJSON *arr, const char *type, const char *status,
    const char *reason, const char *msg, const char *now)
{
	add_condition_since(arr, type, status, reason, msg, now, NULL);
}

/* status.allocatable: capacity's strings unless something is reserved. */
static cJSON *
allocatable_json(const struct ksim *ks, const cJSON *cap)
{
	char buf[QUANTITY_STR_MAX + 1];
	cJSON *a = cJSON_Duplicate(cap, 1);

	if (ks->alloc.cpu_milli != ks->cap.cpu_milli &&
	    quantity_format_milli(ks->alloc.cpu_milli, QUANTITY_DECIMAL_SI, buf,
	    sizeof(buf)) == 0)
		cJSON_ReplaceItemInObjectCaseSensitive(a, "cpu",
		    cJSON_CreateString(buf));
	if (ks->alloc.memory != ks->cap.memory &&
	    quantity_format_value(ks->alloc.memory, QUANTITY_BINARY_SI, buf,
	    sizeof(buf)) == 0)
		cJSON_ReplaceItemInObjectCaseSensitive(a, "memory",
		    cJSON_CreateString(buf));
	if (ks->ephemeral_alloc != ks->ephemeral &&
	    quantity_format_value(ks->ephemeral_alloc, QUANTITY_BINARY_SI, buf,
	    sizeof(buf)) == 0)
		cJSON_ReplaceItemInObjectCaseSensitive(a, "ephemeral-storage",
		    cJSON_CreateString(buf));
	return a;
}

static cJSON *
node_status_patch(const struct ksim *ks, const struct sim_node *n)
{
	cJSON *o = cJSON_CreateObject(), *st, *cap, *conds, *addrs, *a, *info;
	char now[RFC3339_MAX];

	rfc3339_now(now);
	st = cJSON_AddObjectToObject(o, "status");
	cap = cJSON_AddObjectToObject(st, "capacity");
	cJSON_AddStringToObject(cap, "cpu", ks->f.node_cpu);
	cJSON_AddStringToObject(cap, "memory", ks->f.node_memory);
	cJSON_AddStringToObject(cap, "pods", ks->f.node_pods);
	cJSON_AddStringToObject(cap, "ephemeral-storage",
	    ks->f.node_ephemeral_storage);
	cJSON_AddItemToObject(st, "allocatable", allocatable_json(ks, cap));
	conds = cJSON_AddArrayToObject(st, "conditions");
	/* The kubelet's reasons and messages (semantics.md 6(b)). */
	if (n->ev.pressure[EV_COND_MEMORY])
		add_condition_since(conds, "MemoryPressure", "True",
		    "KubeletHasInsufficientMemory",
		    "kubelet has insufficient memory available", now,
		    n->pressure_since[EV_COND_MEMORY]);
	else
		add_condition_since(conds, "MemoryPressure", "False",
		    "KubeletHasSufficientMemory",
		    "kubelet has sufficient memory available", now,
		    n->pressure_since[EV_COND_MEMORY]);
	if (n->ev.pressure[EV_COND_DISK])
		add_condition_since(conds, "DiskPressure", "True",
		    "KubeletHasDiskPressure", "kubelet has disk pressure", now,
		    n->pressure_since[EV_COND_DISK]);
	else
		add_condition_since(conds, "DiskPressure", "False",
		    "KubeletHasNoDiskPressure", "kubelet has no disk pressure",
		    now, n->pressure_since[EV_COND_DISK]);
	add_condition(conds, "PIDPressure", "False",
	    "KubeletHasSufficientPID", "kubelet has sufficient PID available",
	    now);
	add_condition(conds, "Ready", "True", "KubeletReady",
	    "kubelet is posting ready status", now);
	addrs = cJSON_AddArrayToObject(st, "addresses");
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "type", "InternalIP");
	cJSON_AddStringToObject(a, "address", n->ip);
	cJSON_AddItemToArray(addrs, a);
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "type", "Hostname");
	cJSON_AddStringToObject(a, "address", n->name);
	cJSON_AddItemToArray(addrs, a);
	cJSON_AddNumberToObject(cJSON_AddObjectToObject(
	    cJSON_AddObjectToObject(st, "daemonEndpoints"), "kubeletEndpoint"),
	    "Port", ks->port);
	info = cJSON_AddObjectToObject(st, "nodeInfo");
	cJSON_AddStringToObject(info, "kubeletVersion", "v1.3.0");
	cJSON_AddStringToObject(info, "kubeProxyVersion", "v1.3.0");
	cJSON_AddStringToObject(info, "operatingSystem", "linux");
	cJSON_AddStringToObject(info, "architecture", "amd64");
	cJSON_AddStringToObject(info, "containerRuntimeVersion", "sim://1.0");
	cJSON_AddStringToObject(info, "osImage", "ckube simulated node");
	cJSON_AddStringToObject(info, "kernelVersion", "sim");
	cJSON_AddStringToObject(info, "machineID", n->name);
	cJSON_AddStringToObject(info, "systemUUID", n->name);
	cJSON_AddStringToObject(info, "bootID", n->name);
	return o;
}

static int
node_register(struct ksim *ks, struct sim_node *n)
{
	struct ck_status st = { 0 };
	cJSON *obj = node_object(ks, n);
	int rc;

	rc = client_create(ks->cl, obj, NULL, &st);
	cJSON_Delete(obj);
	if (rc == CK_EEXIST) {
		/* re-adopt a node of an earlier run: our URL changed */
		ck_status_clear(&st);
		obj = cJSON_CreateObject();
		cJSON_AddStringToObject(cJSON_AddObjectToObject(
		    cJSON_AddObjectToObject(obj, "metadata"), "annotations"),
		    ANN_KUBELET_URL, ks->url);
		rc = client_patch(ks->cl, &CLIENT_GVR_NODES, NULL, n->name,
		    NULL, CLIENT_PATCH_MERGE, obj, NULL, &st);
		cJSON_Delete(obj);
	}
	if (rc != 0)
		log_warn("register node %s: %s", n->name, st.message);
	ck_status_clear(&st);
	return rc;
}

static int
node_report_status(struct ksim *ks, struct sim_node *n)
{
	struct ck_status st = { 0 };
	cJSON *p = node_status_patch(ks, n);
	int rc;

	rc = client_patch(ks->cl, &CLIENT_GVR_NODES, NULL, n->name, "status",
	    CLIENT_PATCH_MERGE, p, NULL, &st);
	cJSON_Delete(p);
	if (rc != 0)
		log_warn("node %s status: %s", n->name, st.message);
	ck_status_clear(&st);
	return rc;
}

static int
node_renew_lease(struct ksim *ks, struct sim_node *n)
{
	struct ck_status st = { 0 };
	char now[RFC3339_MAX];
	cJSON *o, *md, *spec;
	int rc;

	if (rfc3339_format_micro(ck_wall_us(), now, sizeof(now)) != 0)
		rfc3339_now(now);
	o = cJSON_CreateObject();
	spec = cJSON_AddObjectToObject(o, "spec");
	cJSON_AddStringToObject(spec, "renewTime", now);
	rc = client_patch(ks->cl, &CLIENT_GVR_LEASES, "kube-node-lease",
	    n->name, NULL, CLIENT_PATCH_MERGE, o, NULL, &st);
	if (rc == CK_ENOTFOUND) {
		ck_status_clear(&st);
		cJSON_AddStringToObject(o, "apiVersion",
		    "coordination.k8s.io/v1");
		cJSON_AddStringToObject(o, "kind", "Lease");
		md = cJSON_AddObjectToObject(o, "metadata");
		cJSON_AddStringToObject(md, "name", n->name);
		cJSON_AddStringToObject(md, "namespace", "kube-node-lease");
		cJSON_AddStringToObject(spec, "holderIdentity", n->name);
		cJSON_AddNumberToObject(spec, "leaseDurationSeconds", 40);
		rc = client_create(ks->cl, o, NULL, &st);
	}
	cJSON_Delete(o);
	if (rc != 0)
		log_warn("node %s lease: %s", n->name, st.message);
	ck_status_clear(&st);
	return rc;
}

#define NODE_PHASED_STATUS	1
#define NODE_PHASED_LEASE	2

/*
 * The delay to a node's next periodic write. The first one after
 * registration also moves the node to its own slot of the period: nodes
 * registered together would otherwise renew together forever, and 5,000
 * synchronous writes in one burst stall the pods' events for seconds.
 */
static int64_t
next_delay(struct ksim *ks, struct sim_node *n, int64_t period, int bit)
{
	int64_t slot;

	if (n->phased & bit || ks->nnodes < 2)
		return period;
	n->phased |= bit;
	slot = (int64_t)(n - ks->nodes) * period / (int64_t)ks->nnodes;
	return period + slot;
}

static void
on_status(struct timer *t, int64_t now)
{
	struct sim_node *n = container_of(t, struct sim_node, status_timer);
	struct ksim *ks = n->ks;

	if (!n->registered && node_register(ks, n) == 0)
		n->registered = 1;
	if (n->registered && node_report_status(ks, n) == 0) {
		timers_arm(&ks->timers, t, now + next_delay(ks, n,
		    ks->f.status_report_ms, NODE_PHASED_STATUS));
		return;
	}
	timers_arm(&ks->timers, t, now + 1000);	/* retry */
}

static void
on_lease(struct timer *t, int64_t now)
{
	struct sim_node *n = container_of(t, struct sim_node, lease_timer);
	struct ksim *ks = n->ks;

	if (n->registered)
		(void)node_renew_lease(ks, n);
	timers_arm(&ks->timers, t, now + (n->registered ? next_delay(ks, n,
	    ks->f.lease_renew_ms, NODE_PHASED_LEASE) : 200));
}

static void
ensure_namespace(struct ksim *ks)
{
	struct ck_status st = { 0 };
	cJSON *o = cJSON_CreateObject(), *md;
	int rc;

	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "kind", "Namespace");
	md = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(md, "name", "kube-node-lease");
	rc = client_create(ks->cl, o, NULL, &st);
	/* The apiserver makes it too; a node identity may not (403). */
	if (rc != 0 && rc != CK_EEXIST && rc != CK_EPERM)
		log_warn("namespace kube-node-lease: %s", st.message);
	cJSON_Delete(o);
	ck_status_clear(&st);
}

void
node_status_now(struct ksim *ks, struct sim_node *n, int64_t now)
{
	if (n->registered)
		timers_arm(&ks->timers, &n->status_timer, now);
}

void
node_usage_changed(struct ksim *ks, struct sim_node *n)
{
	(void)ks;
	/* The eviction pass reads the sums on its housekeeping timer. */
	log_v(4, "node %s usage: memory %lld disk %lld inodes %lld", n->name,
	    (long long)n->mem_usage, (long long)n->disk_usage,
	    (long long)n->inodes_usage);
}

/*
 * --system-reserved / --kube-reserved ("cpu=100m,memory=100Mi,
 * ephemeral-storage=1Gi") subtracted from r (cpu, memory) and *eph.
 */
static int
subtract_reserved(const char *flag, const char *list, struct res_list *r,
    int64_t *eph)
{
	char buf[256], *p, *next, *eq;
	int64_t v;
	int rc = 0;

	if (list == NULL || *list == '\0')
		return 0;
	if (ck_strlcpy(buf, list, sizeof(buf)) >= sizeof(buf))
		goto bad;
	for (p = buf; p != NULL && rc == 0; p = next) {
		next = strchr(p, ',');
		if (next != NULL)
			*next++ = '\0';
		if (*p == '\0')
			continue;
		eq = strchr(p, '=');
		if (eq == NULL)
			goto bad;
		*eq++ = '\0';
		if (strcmp(p, "cpu") == 0 &&
		    quantity_parse_milli(eq, &v, NULL) == 0 && v >= 0)
			r->cpu_milli -= v;
		else if (strcmp(p, "memory") == 0 &&
		    quantity_parse_value(eq, &v, NULL) == 0 && v >= 0)
			r->memory -= v;
		else if (strcmp(p, "ephemeral-storage") == 0 &&
		    quantity_parse_value(eq, &v, NULL) == 0 && v >= 0)
			*eph -= v;
		else if (strcmp(p, "pid") != 0)	/* pids are not simulated */
			goto bad;
	}
	return 0;
bad:
	log_error("invalid %s \"%s\": want cpu=100m,memory=100Mi,"
	    "ephemeral-storage=1Gi", flag, list);
	return CK_EINVALID;
}

/*
 * Capacity from the flags; allocatable = capacity - --system-reserved -
 * --kube-reserved - the hard eviction thresholds of memory.available and
 * nodefs.available (the kubelet's node allocatable).
 */
static int
parse_alloc(struct ksim *ks)
{
	struct res_list *c = &ks->cap, *a = &ks->alloc;
	const struct evict_threshold *t;
	size_t i;

	if (quantity_parse_milli(ks->f.node_cpu, &c->cpu_milli, NULL) != 0 ||
	    quantity_parse_value(ks->f.node_memory, &c->memory, NULL) != 0 ||
	    quantity_parse_value(ks->f.node_pods, &c->pods, NULL) != 0 ||
	    quantity_parse_value(ks->f.node_ephemeral_storage, &ks->ephemeral,
	    NULL) != 0) {
		log_error("bad --node-cpu %s, --node-memory %s, --node-pods "
		    "%s or --node-ephemeral-storage %s", ks->f.node_cpu,
		    ks->f.node_memory, ks->f.node_pods,
		    ks->f.node_ephemeral_storage);
		return CK_EINVALID;
	}
	*a = *c;
	ks->ephemeral_alloc = ks->ephemeral;
	if (subtract_reserved("--system-reserved", ks->f.system_reserved, a,
	    &ks->ephemeral_alloc) != 0 || subtract_reserved("--kube-reserved",
	    ks->f.kube_reserved, a, &ks->ephemeral_alloc) != 0)
		return CK_EINVALID;
	for (i = 0; i < ks->evc.nth; i++) {
		t = &ks->evc.th[i];
		if (t->soft)
			continue;
		if (t->sig == EV_SIG_MEMORY)
			a->memory -= evict_quantity_value(&t->q, c->memory);
		else if (t->sig == EV_SIG_NODEFS)
			ks->ephemeral_alloc -= evict_quantity_value(&t->q,
			    ks->ephemeral);
	}
	if (a->cpu_milli < 0)
		a->cpu_milli = 0;
	if (a->memory < 0)
		a->memory = 0;
	if (ks->ephemeral_alloc < 0)
		ks->ephemeral_alloc = 0;
	return 0;
}

int
node_setup(struct ksim *ks, int64_t now_ms)
{
	char net[64], *slash;
	struct in_addr a;
	uint32_t base, bits = 16;
	int64_t v;
	size_t i;
	struct sim_node *n;

	if (parse_alloc(ks) != 0)
		return CK_EINVALID;
	ck_strlcpy(net, ks->f.node_cidr, sizeof(net));
	slash = strchr(net, '/');
	if (slash != NULL) {
		*slash++ = '\0';
		if (ck_parse_int64(slash, &v) != 0 || v < 0 || v > 24)
			return CK_EINVALID;
		bits = (uint32_t)v;
	}
	if (inet_pton(AF_INET, net, &a) != 1)
		return CK_EINVALID;
	base = ntohl(a.s_addr) & (bits == 0 ? 0 : ~0u << (32 - bits));
	if (ks->f.nodes < 0 || (uint64_t)ks->f.nodes > (1ull << (24 - bits)))
		return CK_EINVALID;
	ensure_namespace(ks);
	ks->nnodes = (size_t)ks->f.nodes;
	ks->nodes = ck_calloc(ks->nnodes ? ks->nnodes : 1, sizeof(*ks->nodes));
	for (i = 0; i < ks->nnodes; i++) {
		uint32_t sub = base + ((uint32_t)i << 8);

		n = &ks->nodes[i];
		n->ks = ks;
		snprintf(n->name, sizeof(n->name), "%s%zu", ks->f.node_prefix,
		    i);
		snprintf(n->pod_cidr, sizeof(n->pod_cidr), "%u.%u.%u.0/24",
		    sub >> 24, (sub >> 16) & 255, (sub >> 8) & 255);
		snprintf(n->ip, sizeof(n->ip), "10.%u.%u.%u",
		    (unsigned)(200 + (i >> 16) % 50), (unsigned)((i >> 8) & 255),
		    (unsigned)(i & 255));
		timer_init(&n->status_timer, on_status);
		timer_init(&n->lease_timer, on_lease);
		timers_arm(&ks->timers, &n->status_timer, now_ms);
		timers_arm(&ks->timers, &n->lease_timer, now_ms);
	}
	return 0;
}

void
node_teardown(struct ksim *ks)
{
	free(ks->nodes);
	ks->nodes = NULL;
	ks->nnodes = 0;
}
