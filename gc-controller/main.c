/*
 * main.c: ckube-gc-controller, the garbage collector (semantics.md 5(c)):
 * wiring only. No static watches: discovery (monitors.c) adds one per
 * deletable resource; the algorithm is gc.c.
 */
#include "ckube/controller.h"
#include "ckube/flags.h"

#include "gc.h"



static const struct flag gc_flags[] = {
	{ "discovery-period", FLAG_DURATION, &gc_flag_discovery_period_ms,
	  "30s", "Garbage collector", "how often discovery is read again, so "
	  "that kinds served later are watched too (0: once)" },
};

/* What the graph and the deletion protocol read of metadata. */
static const char *const meta_fields[] = { "metadata.ownerReferences",
	"metadata.finalizers", "metadata.deletionTimestamp", NULL };

static const struct controller_def gc_def = {
	.name		= "gc-controller",
	.flags		= gc_flags,
	.nflags		= ARRAY_SIZE(gc_flags),
	.metadata_only	= true,	/* the graph needs nothing else */
	.metadata_keep	= meta_fields,
	.init		= gc_init,
	.fini		= gc_fini,
	.reconcile	= gc_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&gc_def, argc, argv);
}
