/* main.c: wiring only. The algorithm is in rs.c. */
#include "ckube/controller.h"
#include "ckube/nametrack.h"

#include "rs.h"

/* What counting and ranking pods read; the cache keeps only that. */
static const char *const pod_fields[] = {
	"spec.nodeName", "status.phase", "status.conditions[].type",
	"status.conditions[].status", "status.conditions[].lastTransitionTime",
	NULL
};

static const struct watch_spec rs_watches[] = {
	{ .resource = "replicasets.apps", .role = WATCH_MAPPED,
	  .map = rs_map_rs },
	{ .resource = "replicationcontrollers", .role = WATCH_MAPPED,
	  .map = rs_map_rc },
	{ .resource = "pods", .role = WATCH_MAPPED, .map = rs_map_pod,
	  .keep = pod_fields, .want = rs_want_pod },
};

static const struct controller_def rs_def = {
	.name		= "replicaset-controller",
	.watches	= rs_watches,
	.nwatches	= ARRAY_SIZE(rs_watches),
	.init		= nametrack_controller_init,
	.fini		= nametrack_controller_fini,
	.reconcile	= rs_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&rs_def, argc, argv);
}
