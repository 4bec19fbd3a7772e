/* main.c: wiring only. The algorithm is in disruption.c and pdb_status.c. */
#include "ckube/controller.h"

#include "disruption.h"

/* Readiness and deletion are all a budget reads of a pod. */
static const char *const pod_fields[] = {
	"status.conditions[].type", "status.conditions[].status", NULL
};
/* A controller's scale. */
static const char *const owner_fields[] = { "spec.replicas", NULL };

static const struct watch_spec disruption_watches[] = {
	{ .resource = "poddisruptionbudgets.policy", .role = WATCH_MAPPED,
	  .map = disruption_map_pdb },
	{ .resource = "pods", .role = WATCH_MAPPED,
	  .map = disruption_map_pod, .keep = pod_fields,
	  .want = disruption_want_pod },
	{ .resource = "replicasets.apps", .role = WATCH_MAPPED,
	  .map = disruption_map_owner, .keep = owner_fields },
	{ .resource = "deployments.apps", .role = WATCH_MAPPED,
	  .map = disruption_map_owner, .keep = owner_fields },
	{ .resource = "replicationcontrollers", .role = WATCH_MAPPED,
	  .map = disruption_map_owner, .keep = owner_fields },
	{ .resource = "statefulsets.apps", .role = WATCH_MAPPED,
	  .map = disruption_map_owner, .keep = owner_fields },
};

static const struct controller_def disruption_def = {
	.name		= "disruption-controller",
	.watches	= disruption_watches,
	.nwatches	= ARRAY_SIZE(disruption_watches),
	.reconcile	= disruption_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&disruption_def, argc, argv);
}
