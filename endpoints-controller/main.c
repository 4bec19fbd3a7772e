/* main.c: wiring only. The algorithm is in endpoints.c and endpointslices.c. */
#include "ckube/controller.h"

#include "endpoints.h"

static const struct watch_spec endpoints_watches[] = {
	{ .resource = "services", .role = WATCH_PRIMARY },
	{ .resource = "endpoints", .role = WATCH_PRIMARY },
	{ .resource = "pods", .role = WATCH_MAPPED,
	  .map = endpoints_map_pod },
	{ .resource = ENDPOINTSLICE_RESOURCE, .role = WATCH_MAPPED,
	  .map = endpointslices_map },
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
