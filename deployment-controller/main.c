/* main.c: wiring only. The algorithm is in deployment.c. */
#include "ckube/controller.h"

#include "deployment.h"

/*
 * Recreate waits for old pods to finish: only their phase and controller
 * are read.
 */
static const char *const pod_fields[] = { "metadata.ownerReferences",
	"status.phase", NULL };

static const struct watch_spec deployment_watches[] = {
	{ .resource = "deployments.apps", .role = WATCH_PRIMARY,
	  .written_back = true },
	{ .resource = "replicasets.apps", .role = WATCH_OWNED,
	  .owner_kind = "Deployment", .written_back = true },
	/* Only pods of ReplicaSets matter (bare pods are no Deployment's). */
	{ .resource = "pods", .role = WATCH_MAPPED,
	  .map = deployment_map_pod, .keep = pod_fields,
	  .owner_kind = "ReplicaSet", .owned_only = true },
};

static const struct controller_def deployment_def = {
	.name		= "deployment-controller",
	.watches	= deployment_watches,
	.nwatches	= ARRAY_SIZE(deployment_watches),
	.init		= deployment_init,
	.reconcile	= deployment_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&deployment_def, argc, argv);
}
