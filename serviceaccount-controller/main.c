/*
 * main.c: ckube-serviceaccount-controller: wiring only (serviceaccount.c
 * has the algorithm). Namespaces are the primary watch; a "default"
 * ServiceAccount that changes or goes brings its namespace back.
 */
#include "ckube/controller.h"

#include "serviceaccount.h"

static const struct watch_spec sa_watches[] = {
	{ .resource = "namespaces", .role = WATCH_PRIMARY },
	{ .resource = "serviceaccounts", .role = WATCH_MAPPED,
	    .map = serviceaccount_map },
};

static const struct controller_def sa_def = {
	.name		= "serviceaccount-controller",
	.watches	= sa_watches,
	.nwatches	= ARRAY_SIZE(sa_watches),
	.reconcile	= serviceaccount_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&sa_def, argc, argv);
}
