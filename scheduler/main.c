/* main.c: wiring only. The controller is sched.c, the algorithm algo.c. */
#include "ckube/controller.h"

#include "scheduler.h"

/* Placement reads the spec; container statuses are never read. */
/* What sched_pod_new() and the filters read of a pod (pod.c, sched.c). */
static const char *const pod_fields[] = {
	"spec.nodeName", "spec.schedulerName", "spec.priority",
	"spec.preemptionPolicy", "spec.nodeSelector", "spec.affinity",
	"spec.tolerations", "spec.containers[].name",
	"spec.containers[].resources", "spec.containers[].ports",
	"spec.initContainers[].name", "spec.initContainers[].resources",
	"status.phase", "status.conditions", "status.nominatedNodeName", NULL
};

static const struct watch_spec sched_watches[] = {
	{ .resource = "nodes", .role = WATCH_MAPPED, .map = sched_map_node },
	{ .resource = "pods", .role = WATCH_MAPPED, .map = sched_map_pod,
	  .keep = pod_fields },
};

static const struct controller_def sched_def = {
	.name		= "scheduler",
	.watches	= sched_watches,
	.nwatches	= ARRAY_SIZE(sched_watches),
	.flags		= sched_flags,
	.nflags		= SCHED_NFLAGS,
	.init		= sched_init,
	.fini		= sched_fini,
	.reconcile	= sched_reconcile,
	/* A binding is a round trip: four in flight keep the pipeline full. */
	.default_workers = 4,
};

int
main(int argc, char *argv[])
{
	return controller_main(&sched_def, argc, argv);
}
