/* main.c: wiring only. The algorithm is in ds.c. */
#include "ckube/controller.h"
#include "ckube/nametrack.h"

#include "ds.h"

/* What ds.c and ds_place.c read of a pod (the hash is a label). */
static const char *const pod_fields[] = {
	"spec.nodeName", "spec.affinity", "status.phase",
	"status.conditions[].type", "status.conditions[].status",
	"status.conditions[].lastTransitionTime", NULL
};

static const struct watch_spec ds_watches[] = {
	{ .resource = DS_RES, .role = WATCH_PRIMARY },
	{ .resource = "pods", .role = WATCH_OWNED, .owner_kind = "DaemonSet",
	  .keep = pod_fields, .owned_only = true },
	{ .resource = DS_REV_RES, .role = WATCH_OWNED,
	  .owner_kind = "DaemonSet", .written_back = true },
	{ .resource = "nodes", .role = WATCH_MAPPED, .map = ds_map_node },
};

static const struct controller_def ds_def = {
	.name		= "daemonset-controller",
	.summary	= "runs a copy of a pod on every eligible node (DaemonSets)",
	.watches	= ds_watches,
	.nwatches	= ARRAY_SIZE(ds_watches),
	.init		= nametrack_controller_init,
	.fini		= nametrack_controller_fini,
	.reconcile	= ds_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&ds_def, argc, argv);
}
