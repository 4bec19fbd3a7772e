/* main.c: wiring only. The algorithm is in sj.c and sj_sched.c. */
#include "ckube/controller.h"

#include "sj.h"

/* What reconciling reads of a Job; the cache keeps only that. */
static const char *const job_fields[] = {
	"status.conditions", "status.startTime", "status.completionTime", NULL
};

static const struct watch_spec sj_watches[] = {
	{ .resource = "cronjobs.batch", .role = WATCH_PRIMARY },
	{ .resource = "jobs.batch", .role = WATCH_OWNED,
	  .owner_kind = "CronJob", .keep = job_fields },
};

static const struct controller_def sj_def = {
	.name		= "scheduledjob-controller",
	.watches	= sj_watches,
	.nwatches	= ARRAY_SIZE(sj_watches),
	.init		= sj_init,
	.fini		= sj_fini,
	.reconcile	= sj_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&sj_def, argc, argv);
}
