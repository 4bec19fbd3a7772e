/*
 * main.c: ckube-namespace-controller: wiring only (namespace.c has the
 * algorithm). Namespaces are its one watch; their content is found through
 * discovery when a namespace terminates.
 */
#include "ckube/controller.h"

#include "namespace.h"

static const struct watch_spec ns_watches[] = {
	{ .resource = "namespaces", .role = WATCH_PRIMARY },
};

static const struct controller_def ns_def = {
	.name		= "namespace-controller",
	.watches	= ns_watches,
	.nwatches	= ARRAY_SIZE(ns_watches),
	.reconcile	= namespace_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&ns_def, argc, argv);
}
