/* main.c: wiring only. The algorithm is in endpoints.c and endpointslices.c. */
#include "ckube/controller.h"

#include "endpoints.h"

/*
 * What an address is made of (endpoints.c, endpointslices.c,
 * endpoints_ports.c); the metadata is kept whole (labels, uid, the
 * hostname annotations, deletionTimestamp).
 */
static const char *const pod_fields[] = {
	"spec.nodeName", "spec.hostname", "spec.subdomain",
	"spec.containers[].ports", "status.phase", "status.podIP",
	"status.podIPs", "status.conditions[].type",
	"status.conditions[].status", NULL
};

/* Endpoints and slices are written back as updated copies of the cache's. */
static const struct watch_spec endpoints_watches[] = {
	{ .resource = "services", .role = WATCH_PRIMARY },
	{ .resource = "endpoints", .role = WATCH_PRIMARY,
	  .written_back = true },
	{ .resource = "pods", .role = WATCH_MAPPED,
	  .map = endpoints_map_pod, .keep = pod_fields,
	  .want = endpoints_want_pod },
	{ .resource = ENDPOINTSLICE_RESOURCE, .role = WATCH_MAPPED,
	  .map = endpointslices_map, .written_back = true },
};

static const struct controller_def endpoints_def = {
	.name		= "endpoints-controller",
	.watches	= endpoints_watches,
	.nwatches	= ARRAY_SIZE(endpoints_watches),
	.init		= endpointslices_init,
	.fini		= endpointslices_fini,
	.reconcile	= endpoints_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&endpoints_def, argc, argv);
}
