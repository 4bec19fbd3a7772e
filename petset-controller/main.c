/* main.c: wiring only. The algorithm is in petset.c. */
#include "ckube/controller.h"

#include "petset.h"

/* Health is phase and Ready; identity and revision are metadata. */
static const char *const pod_fields[] = {
	"status.phase", "status.conditions[].type", "status.conditions[].status",
	"status.conditions[].lastTransitionTime", NULL
};

static const struct watch_spec petset_watches[] = {
	{ .resource = PETSET_RES, .role = WATCH_PRIMARY },
	{ .resource = "pods", .role = WATCH_OWNED,
	  .owner_kind = "StatefulSet", .keep = pod_fields,
	  .owned_only = true },
	{ .resource = PETSET_REV_RES, .role = WATCH_OWNED,
	  .owner_kind = "StatefulSet", .written_back = true },
	{ .resource = PETSET_PVC_RES, .role = WATCH_CACHE_ONLY },
};

static const struct controller_def petset_def = {
	.name		= "petset-controller",
	.watches	= petset_watches,
	.nwatches	= ARRAY_SIZE(petset_watches),
	.init		= petset_init,
	.fini		= petset_fini,
	.reconcile	= petset_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&petset_def, argc, argv);
}
