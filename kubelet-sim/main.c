/*
 * ckube-kubelet-sim: simulated nodes (registration, leases, status) driven
 * by one timer heap on the main thread, inside the common daemon frame.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/daemon.h"
#include "ckube/err.h"
#include "ckube/events.h"
#include "ckube/flags.h"
#include "ckube/httpd.h"
#include "ckube/informer.h"
#include "ckube/log.h"
#include "ckube/quantity.h"
#include "kubelet_sim.h"
#include "status_writer.h"
#include "exec.h"
#include "logs.h"
#include "stats.h"

/*
 * What the simulation reads of a pod: its spec, and the status of a pod it
 * takes over after a restart. Container statuses it writes, never reads.
 */
static const char *const pod_fields[] = {
	"spec", "status.phase", "status.podIP", "status.startTime",
	"status.conditions", "status.qosClass", NULL
};

/*
 * What the pod cache keeps: a stub (name, namespace, uid and
 * resourceVersion). Each pod becomes a compact sim_pod when its event is
 * applied; the cache only serves the informer's relists.
 */
static const char *const pod_cache_fields[] = { "metadata.uid", NULL };

/* Of a claim only whether it is Bound: a pod's mounts wait for that. */
static const char *const pvc_fields[] = { "status.phase", NULL };

static struct ksim ks;

static const struct flag ksim_flag_table[] = {
	{ "nodes", FLAG_INT, &ks.f.nodes, "1", "Simulation",
	    "number of simulated nodes" },
	{ "node-prefix", FLAG_STRING, &ks.f.node_prefix, "sim-", "Simulation",
	    "node name prefix (names are PREFIX0..PREFIXN-1)" },
	{ "node-cpu", FLAG_STRING, &ks.f.node_cpu, "4", "Simulation",
	    "cpu capacity of each node" },
	{ "node-memory", FLAG_STRING, &ks.f.node_memory, "8Gi", "Simulation",
	    "memory capacity of each node" },
	{ "node-pods", FLAG_STRING, &ks.f.node_pods, "110", "Simulation",
	    "pod capacity of each node" },
	{ "node-ephemeral-storage", FLAG_STRING,
	    &ks.f.node_ephemeral_storage, "100Gi", "Simulation",
	    "ephemeral-storage capacity of each node" },
	{ "node-labels", FLAG_STRING, &ks.f.node_labels, "", "Simulation",
	    "extra node labels k=v,k2=v2" },
	{ "node-taints", FLAG_STRING, &ks.f.node_taints, "", "Simulation",
	    "node taints key=value:Effect,..." },
	{ "node-cidr", FLAG_STRING, &ks.f.node_cidr, "10.244.0.0/16",
	    "Simulation", "each node gets a /24 podCIDR from this range" },
	{ "node-zone", FLAG_STRING, &ks.f.zone, "", "Simulation",
	    "zone label of the nodes" },
	{ "node-region", FLAG_STRING, &ks.f.region, "", "Simulation",
	    "region label of the nodes" },
	{ "node-lease-renew-interval", FLAG_DURATION, &ks.f.lease_renew_ms,
	    "10s", "Simulation", "how often each node renews its Lease" },
	{ "node-status-report-frequency", FLAG_DURATION,
	    &ks.f.status_report_ms, "1m", "Simulation",
	    "how often node status is posted when unchanged" },
	{ "crashloop-backoff-base", FLAG_DURATION,
	    &ks.f.crashloop_backoff_base_ms, "10s", "Simulation",
	    "first crash-loop restart delay (doubles to 5m)" },
	{ "advertise-address", FLAG_STRING, &ks.f.advertise_address,
	    "127.0.0.1", "Simulation",
	    "address the apiserver dials for container logs (node annotation "
	    ANN_KUBELET_URL ")" },
	{ "node-system-memory-usage", FLAG_SIZE, &ks.f.system_memory, "0",
	    "Simulation", "memory each node's system daemons use outside "
	    "the pods (lowers memory.available)" },
	{ "node-system-cpu-usage", FLAG_STRING, &ks.f.system_cpu, "50m",
	    "Simulation", "cpu each node's system daemons use outside the "
	    "pods (the node's usage in metrics.k8s.io adds its pods')" },
	{ "node-system-disk-usage", FLAG_SIZE, &ks.f.system_disk, "0",
	    "Simulation", "nodefs bytes used outside the pods" },
	{ "node-system-inodes-usage", FLAG_SIZE, &ks.f.system_inodes, "0",
	    "Simulation", "nodefs inodes used outside the pods" },
	{ "node-inodes", FLAG_SIZE, &ks.f.node_inodes, "1M", "Simulation",
	    "inode capacity of each node's filesystems" },
	{ "node-imagefs-capacity", FLAG_SIZE, &ks.f.imagefs_capacity, "0",
	    "Simulation", "size of a dedicated image filesystem (0: images "
	    "live on the nodefs and imagefs signals observe it)" },
	{ "node-image-disk-usage", FLAG_SIZE, &ks.f.images_used, "0",
	    "Simulation", "bytes of images in use on each node" },
	{ "node-unused-image-disk-usage", FLAG_SIZE, &ks.f.images_unused, "0",
	    "Simulation", "bytes of unused images on each node, deleted by "
	    "image GC under disk pressure" },
	{ "node-dead-container-disk-usage", FLAG_SIZE, &ks.f.dead_containers,
	    "0", "Simulation", "nodefs bytes of dead containers and logs on "
	    "each node, deleted by container GC under nodefs pressure" },
	{ "system-reserved", FLAG_STRING, &ks.f.system_reserved, "",
	    "Simulation", "resources reserved for the OS, e.g. cpu=100m,"
	    "memory=100Mi,ephemeral-storage=1Gi: allocatable = capacity - "
	    "reserved - hard eviction thresholds" },
	{ "kube-reserved", FLAG_STRING, &ks.f.kube_reserved, "",
	    "Simulation", "resources reserved for Kubernetes daemons (as "
	    "--system-reserved)" },
	{ "eviction-hard", FLAG_STRING, &ks.f.eviction_hard, "", "Eviction",
	    "hard thresholds, e.g. memory.available<500Mi,nodefs.available<10%"
	    " (signals memory.available, nodefs.available, nodefs.inodesFree, "
	    "imagefs.available, imagefs.inodesFree)" },
	{ "eviction-soft", FLAG_STRING, &ks.f.eviction_soft, "", "Eviction",
	    "soft thresholds, acted on after their grace period" },
	{ "eviction-soft-grace-period", FLAG_STRING, &ks.f.eviction_soft_grace,
	    "", "Eviction", "grace period of each soft threshold, e.g. "
	    "memory.available=1m30s" },
	{ "eviction-max-pod-grace-period", FLAG_INT,
	    &ks.f.eviction_max_pod_grace_s, "0", "Eviction",
	    "maximum termination grace (seconds) of a pod evicted by a soft "
	    "threshold" },
	{ "eviction-pressure-transition-period", FLAG_DURATION,
	    &ks.f.eviction_transition_ms, "5m", "Eviction",
	    "how long no threshold may be observed before a pressure "
	    "condition turns False" },
	{ "eviction-minimum-reclaim", FLAG_STRING, &ks.f.eviction_min_reclaim,
	    "", "Eviction", "what to reclaim beyond a threshold, e.g. "
	    "memory.available=0Mi,nodefs.available=500Mi" },
	{ "housekeeping-interval", FLAG_DURATION, &ks.f.housekeeping_ms, "10s",
	    "Eviction", "how often the eviction manager looks at the nodes" },
	{ "cluster-dns", FLAG_STRING, &ks.f.cluster_dns, "", "DNS",
	    "comma-separated cluster DNS server IPs, each IP or IP:PORT (a "
	    "loopback ckube-dns); pods with dnsPolicy ClusterFirst use them" },
	{ "cluster-domain", FLAG_STRING, &ks.f.cluster_domain, "cluster.local",
	    "DNS", "the cluster's DNS domain: pods' search path" },
	{ "resolv-conf", FLAG_STRING, &ks.f.resolv_conf, "/etc/resolv.conf",
	    "DNS", "the simulated node's resolv.conf: dnsPolicy Default, and "
	    "the search domains appended for ClusterFirst (\"\": none)" },
	{ "eviction-ranking", FLAG_STRING, &ks.f.eviction_ranking, "priority",
	    "Eviction", "pod ranking: priority (modern: over request, "
	    "priority, usage) or qos (1.3: BestEffort, Burstable, Guaranteed)" },
};

static const struct httpd_route ksim_routes[] = {
	{ "GET", LOGS_PREFIX "*", logs_handle, &ks },
	{ NULL, EXEC_PREFIX "*", exec_handle, &ks },
	{ "GET", "/stats/summary", stats_handle, &ks },
};

static const struct flag *const tables[] = { ksim_flag_table };
static const size_t counts[] = { ARRAY_SIZE(ksim_flag_table) };

/* The DNS flags into ks->dns; false (err set) on a bad --cluster-dns. */
static bool
dns_setup(struct ksim *k, char *err, size_t len)
{
	char *text = NULL;
	size_t n = 0;
	FILE *f;

	if (!resolv_parse_cluster_dns(k->f.cluster_dns, &k->dns.cluster, err,
	    len))
		return false;
	ck_strlcpy(k->dns.domain, k->f.cluster_domain, sizeof(k->dns.domain));
	if (k->f.resolv_conf[0] != '\0' &&
	    (f = fopen(k->f.resolv_conf, "r")) != NULL) {
		text = ck_malloc(65536);
		n = fread(text, 1, 65535, f);
		text[n] = '\0';
		fclose(f);
	} else if (k->f.resolv_conf[0] != '\0')
		log_warn("cannot read --resolv-conf %s: pods with dnsPolicy "
		    "Default get no nameserver", k->f.resolv_conf);
	resolv_parse_conf(text, &k->dns.host);
	free(text);
	return true;
}

static int
ksim_run(struct daemon *d, void *arg)
{
	struct informer_group *g;
	struct informer *pods, *pvcs;
	struct client *icl;
	int64_t next, now;
	char err[256];
	int rc;

	(void)arg;
	if (!eviction_setup(&ks, err, sizeof(err))) {
		log_error("invalid eviction configuration: %s", err);
		return 2;
	}
	if (!dns_setup(&ks, err, sizeof(err))) {
		log_error("invalid DNS configuration: %s", err);
		return 2;
	}
	if (quantity_parse_milli(ks.f.system_cpu, &ks.f.system_cpu_milli,
	    NULL) != 0 || ks.f.system_cpu_milli < 0) {
		log_error("invalid --node-system-cpu-usage \"%s\" (want e.g. "
		    "50m, 0.1)", ks.f.system_cpu);
		return 2;
	}
	if (daemon_client_new(d, &ks.cl) != 0)
		return 1;
	if (ks.f.lease_renew_ms <= 0)
		ks.f.lease_renew_ms = 10000;
	if (ks.f.status_report_ms <= 0)
		ks.f.status_report_ms = 60000;
	ks.port = daemon_port(d);
	snprintf(ks.url, sizeof(ks.url), "http://%s:%d",
	    ks.f.advertise_address, ks.port);
	ks.d = d;
	ks.ev = events_new(ks.cl, "kubelet", 0);
	if (events_start(ks.ev) != 0) {
		events_free(ks.ev);
		client_free(ks.cl);
		return 1;
	}
	timers_init(&ks.timers);
	if (node_setup(&ks, (int64_t)ck_now_ms()) != 0) {
		log_error("bad --node-cidr %s, --nodes %lld or node resources",
		    ks.f.node_cidr, (long long)ks.f.nodes);
		events_free(ks.ev);
		client_free(ks.cl);
		return 2;
	}
	eviction_start(&ks, (int64_t)ck_now_ms());
	if (daemon_client_new(d, &icl) != 0) {
		node_teardown(&ks);
		events_free(ks.ev);
		client_free(ks.cl);
		return 1;
	}
	g = informer_group_new(icl, &(struct informer_options){
	    .bus_url = daemon_watch_bus(d) });
	pods = informer_group_add(g, "pods", pod_handlers(&ks));
	informer_set_keep(pods, pod_fields);
	informer_set_cache_keep(pods, pod_cache_fields);
	pvcs = informer_group_add(g, "persistentvolumeclaims", NULL);
	informer_set_keep(pvcs, pvc_fields);
	ks.claims = informer_cache(pvcs);
	if (informer_group_start(g) != 0) {
		informer_group_free(g);
		node_teardown(&ks);
		events_free(ks.ev);
		client_free(ks.cl);
		return 1;
	}
	status_writer_start(ks.cl, 2);
	daemon_set_ready(d, 1);
	for (;;) {
		now = (int64_t)ck_now_ms();
		pod_drain(&ks, now);
		timers_run(&ks.timers, now);
		/* Pod events wake us (daemon_wake); timers by their deadline. */
		next = timers_next(&ks.timers);
		rc = daemon_wait_stop(d, (uint64_t)next);
		if (rc != CK_ETIMEDOUT && rc != CK_EAGAIN)
			break;
	}
	informer_group_stop(g);
	status_writer_stop();
	pod_teardown(&ks);
	informer_group_free(g);
	timers_free(&ks.timers);
	node_teardown(&ks);
	events_free(ks.ev);
	client_free(ks.cl);
	return daemon_exit_status(d);
}

int
main(int argc, char *argv[])
{
	static const struct daemon_def def = {
		.name = "ckube-kubelet-sim",
		.summary = "simulated kubelets: nodes, leases and pods",
		.flag_tables = tables,
		.flag_counts = counts,
		.nflag_tables = 1,
		.routes = ksim_routes,
		.nroutes = ARRAY_SIZE(ksim_routes),
		.run = ksim_run,
	};

	return daemon_main(&def, argc, argv);
}
