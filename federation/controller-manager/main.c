/*
 * main.c: ckube-federation-controller-manager's wiring: the watches on the
 * federation apiserver, the flags, and the dispatch of queue keys to the
 * cluster (cluster.c), propagation (propagate.c), replica-spreading
 * (rs.c) and service (service.c) controllers.
 */
#include <stdio.h>
#include <string.h>

#include "ckube/controller.h"
#include "ckube/flags.h"
#include "ckube/kobj.h"

#include "fcm.h"

int64_t fcm_monitor_ms;
const char *fcm_federation_name;
const char *fcm_zone_name;

static const struct flag fcm_flags[] = {
	{ "cluster-monitor-period", FLAG_DURATION, &fcm_monitor_ms, "40s",
	    "Federation", "how often each member's /healthz is probed (and "
	    "every federated object checked in the Ready members)" },
	{ "federation-name", FLAG_STRING, &fcm_federation_name, "federation",
	    "Federation", "the federation's name (in DNS names)" },
	{ "zone-name", FLAG_STRING, &fcm_zone_name, "", "Federation",
	    "the managed DNS zone of federated services (e.g. example.com.): "
	    "their records are DNSRecord objects (\"\": none written)" },
};

static void
enqueue(struct controller *c, const char *prefix, const struct kobj *obj)
{
	char key[600];

	snprintf(key, sizeof(key), "%s/%s", prefix, kobj_key(obj));
	controller_enqueue(c, key);
}

void
fcm_map_cluster(struct controller *c, const struct kobj *obj)
{
	enqueue(c, "cluster", obj);
}

void
fcm_map_namespace(struct controller *c, const struct kobj *obj)
{
	enqueue(c, "ns", obj);
}

void
fcm_map_secret(struct controller *c, const struct kobj *obj)
{
	enqueue(c, "secret", obj);
}

void
fcm_map_configmap(struct controller *c, const struct kobj *obj)
{
	enqueue(c, "configmap", obj);
}

void
fcm_map_rs(struct controller *c, const struct kobj *obj)
{
	enqueue(c, "rs", obj);
}

void
fcm_map_deploy(struct controller *c, const struct kobj *obj)
{
	enqueue(c, "deploy", obj);
}

void
fcm_map_service(struct controller *c, const struct kobj *obj)
{
	enqueue(c, "svc", obj);
}

int
fcm_reconcile(struct controller *c, const char *key)
{
	const char *slash = strchr(key, '/');
	char kind[16];

	if (slash == NULL || (size_t)(slash - key) >= sizeof(kind))
		return 0;
	snprintf(kind, sizeof(kind), "%.*s", (int)(slash - key), key);
	if (strcmp(kind, "cluster") == 0)
		return cluster_reconcile(c, slash + 1);
	if (strcmp(kind, "svc") == 0)
		return service_reconcile(c, slash + 1);
	if (strcmp(kind, "rs") == 0 || strcmp(kind, "deploy") == 0)
		return rs_reconcile_kind(c, kind, slash + 1);
	return propagate_reconcile(c, kind, slash + 1);
}

static const struct watch_spec fcm_watches[] = {
	{ .resource = FCM_CLUSTERS, .role = WATCH_MAPPED,
	  .map = fcm_map_cluster },
	{ .resource = FCM_NAMESPACES, .role = WATCH_MAPPED,
	  .map = fcm_map_namespace },
	{ .resource = FCM_SECRETS, .role = WATCH_MAPPED,
	  .map = fcm_map_secret },
	{ .resource = FCM_CONFIGMAPS, .role = WATCH_MAPPED,
	  .map = fcm_map_configmap },
	{ .resource = FCM_RS, .role = WATCH_MAPPED, .map = fcm_map_rs },
	{ .resource = FCM_DEPLOY, .role = WATCH_MAPPED, .map = fcm_map_deploy },
	{ .resource = FCM_SERVICES, .role = WATCH_MAPPED,
	  .map = fcm_map_service },
};

static const struct controller_def fcm_def = {
	.name		= "federation-controller-manager",
	.summary	= "the ckube federation controller manager: member "
	    "cluster health; services (with DNS records), namespaces, secrets, "
	    "configmaps, replica sets and deployments over the Ready members",
	.watches	= fcm_watches,
	.nwatches	= ARRAY_SIZE(fcm_watches),
	.flags		= fcm_flags,
	.nflags		= ARRAY_SIZE(fcm_flags),
	/* Members answer slowly when they fail: let others go on. */
	.default_workers = 4,
	.init		= fcm_init,
	.fini		= fcm_fini,
	.reconcile	= fcm_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&fcm_def, argc, argv);
}
