/* main.c: wiring only. The algorithm is in nodelife.c and nodelife_evict.c. */
#include "ckube/controller.h"
#include "ckube/flags.h"

#include "nodelife.h"

static const struct flag nodelife_flags[] = {
	{ "node-monitor-grace-period", FLAG_DURATION, &nodelife_cfg.grace_ms,
	  "40s", "Node lifecycle",
	  "how long a node's Lease and status may go unrenewed before it is Unknown" },
	{ "node-monitor-period", FLAG_DURATION, &nodelife_cfg.monitor_period_ms,
	  "5s", "Node lifecycle",
	  "how often a healthy node is looked at again" },
	{ "pod-eviction-timeout", FLAG_DURATION,
	  &nodelife_cfg.eviction_timeout_ms, "5m", "Node lifecycle",
	  "how long a pod with no matching toleration (stored before the apiserver's "
	  "DefaultTolerationSeconds admission) stays on an unreachable or not-ready node" },
	{ "node-eviction-rate", FLAG_FLOAT, &nodelife_cfg.eviction_rate, "0.1",
	  "Node lifecycle",
	  "nodes per second whose pods start being evicted (NoExecute taint) in a "
	  "healthy zone, or a fully disrupted one while others are not" },
	{ "secondary-node-eviction-rate", FLAG_FLOAT,
	  &nodelife_cfg.secondary_eviction_rate, "0.01", "Node lifecycle",
	  "the same in a zone with --unhealthy-zone-threshold of its nodes not "
	  "Ready (0 when the zone has at most --large-cluster-size-threshold nodes)" },
	{ "unhealthy-zone-threshold", FLAG_FLOAT,
	  &nodelife_cfg.unhealthy_zone_threshold, "0.55", "Node lifecycle",
	  "the share of not-Ready nodes (more than 2) that puts a zone in "
	  "partial disruption" },
	{ "large-cluster-size-threshold", FLAG_INT,
	  &nodelife_cfg.large_cluster_size, "50", "Node lifecycle",
	  "zones with more nodes keep evicting at the secondary rate when "
	  "partly disrupted" },
};

/* What eviction reads of a pod; the cache keeps only that. */
static const char *const pod_fields[] = {
	"metadata.deletionTimestamp", "spec.nodeName", "spec.tolerations",
	"status.conditions", NULL
};

static const struct watch_spec nodelife_watches[] = {
	{ .resource = "nodes", .role = WATCH_PRIMARY, .written_back = true },
	{ .resource = "leases.coordination.k8s.io", .role = WATCH_MAPPED,
	  .map = nodelife_map_lease },
	{ .resource = "pods", .role = WATCH_MAPPED, .map = nodelife_map_pod,
	  .keep = pod_fields },
};

static const struct controller_def nodelife_def = {
	.name		= "node-controller",
	.watches	= nodelife_watches,
	.nwatches	= ARRAY_SIZE(nodelife_watches),
	.flags		= nodelife_flags,
	.nflags		= ARRAY_SIZE(nodelife_flags),
	.init		= nodelife_init,
	.reconcile	= nodelife_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&nodelife_def, argc, argv);
}
