/* main.c: wiring only. The algorithm is in volume.c. */
#include "ckube/controller.h"

#include "volume.h"

static const struct watch_spec volume_watches[] = {
	{ .resource = VOL_PVC_RES, .role = WATCH_MAPPED,
	  .map = volume_map_pvc, .written_back = true },
	{ .resource = VOL_PV_RES, .role = WATCH_MAPPED, .map = volume_map_pv,
	  .written_back = true },
	{ .resource = VOL_SC_RES, .role = WATCH_CACHE_ONLY },
};

static const struct controller_def volume_def = {
	.name		= "volume-controller",
	.watches	= volume_watches,
	.nwatches	= ARRAY_SIZE(volume_watches),
	.init		= volume_init,
	.reconcile	= volume_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&volume_def, argc, argv);
}
