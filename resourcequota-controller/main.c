/*
 * main.c: ckube-resourcequota-controller: wiring only (resourcequota.c has
 * the algorithm). Quotas are the primary watch; a change to any counted
 * object brings back every quota of its namespace.
 */
#include "ckube/controller.h"

#include "resourcequota.h"

/* What the pod accounting reads (quota.c). */
static const char *const pod_fields[] = { "spec.containers[].name",
	"spec.containers[].resources", "spec.initContainers[].name",
	"spec.initContainers[].resources", "spec.overhead",
	"spec.activeDeadlineSeconds", "spec.priorityClassName", "status.phase",
	"status.qosClass", "metadata.deletionTimestamp",
	"metadata.deletionGracePeriodSeconds", NULL };
static const char *const svc_fields[] = { "spec.type", "spec.ports",
	"spec.allocateLoadBalancerNodePorts", NULL };
static const char *const pvc_fields[] = { "spec.storageClassName",
	"spec.resources", NULL };
/* Object counts need the identity only. */
static const char *const no_fields[] = { "metadata.uid", NULL };

#define COUNTED(res, fields) \
	{ .resource = res, .role = WATCH_MAPPED, .map = rq_map_namespace, \
	  .keep = fields }

static const struct watch_spec rq_watches[] = {
	{ .resource = "resourcequotas", .role = WATCH_PRIMARY },
	{ .resource = "pods", .role = WATCH_MAPPED, .map = rq_map_namespace,
	  .keep = pod_fields, .want = rq_want_pod },
	COUNTED("services", svc_fields),
	COUNTED("persistentvolumeclaims", pvc_fields),
	COUNTED("configmaps", no_fields),
	COUNTED("secrets", no_fields),
	COUNTED("replicationcontrollers", no_fields),
	COUNTED("deployments.apps", no_fields),
	COUNTED("replicasets.apps", no_fields),
	COUNTED("statefulsets.apps", no_fields),
	COUNTED("jobs.batch", no_fields),
	COUNTED("cronjobs.batch", no_fields),
};

static const struct controller_def rq_def = {
	.name		= "resourcequota-controller",
	.summary	= "keeps ResourceQuota status.used current",
	.watches	= rq_watches,
	.nwatches	= ARRAY_SIZE(rq_watches),
	.reconcile	= rq_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&rq_def, argc, argv);
}
