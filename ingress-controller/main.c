/* main.c: ckube-ingress-controller, wiring only (ingress.c). */
#include "ckube/controller.h"

#include "ingress.h"

static const struct watch_spec ingress_watches[] = {
	{ .resource = INGRESS_RESOURCE, .role = WATCH_PRIMARY },
	{ .resource = INGRESSCLASS_RESOURCE, .role = WATCH_MAPPED,
	  .map = ingress_map_class },
};

static const struct controller_def ingress_def = {
	.name		= "ingress-controller",
	.summary	= "a simulated ingress controller: the address of "
			  "Ingresses of class ckube",
	.watches	= ingress_watches,
	.nwatches	= ARRAY_SIZE(ingress_watches),
	.flags		= ingress_flags,
	.nflags		= INGRESS_NFLAGS,
	.reconcile	= ingress_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&ingress_def, argc, argv);
}
