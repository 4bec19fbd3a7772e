/* main.c: wiring only. The algorithm is in job.c and job_status.c. */
#include "ckube/controller.h"
#include "ckube/nametrack.h"
#include "ckube/flags.h"

#include "job.h"

static const struct flag job_flags[] = {
	{ "job-backoff-base", FLAG_DURATION, &job_cfg.backoff_base_ms, "10s",
	  "Job", "delay before the first replacement of a failed pod; it doubles with each failure" },
	{ "job-backoff-max", FLAG_DURATION, &job_cfg.backoff_max_ms, "6m",
	  "Job", "longest delay before replacing a failed pod" },
};

/* What counting pods reads; the cache keeps only that. */
static const char *const pod_fields[] = {
	"status.phase", "status.conditions[].type", "status.conditions[].status",
	"status.containerStatuses[].state", "status.containerStatuses[].lastState",
	"status.containerStatuses[].restartCount", NULL
};

static const struct watch_spec job_watches[] = {
	{ .resource = "jobs.batch", .role = WATCH_PRIMARY },
	{ .resource = "pods", .role = WATCH_OWNED, .owner_kind = "Job", .owned_only = true,
	  .keep = pod_fields },
};

static const struct controller_def job_def = {
	.name		= "job-controller",
	.watches	= job_watches,
	.nwatches	= ARRAY_SIZE(job_watches),
	.flags		= job_flags,
	.nflags		= ARRAY_SIZE(job_flags),
	.init		= nametrack_controller_init,
	.fini		= nametrack_controller_fini,
	.reconcile	= job_reconcile,
};

int
main(int argc, char *argv[])
{
	return controller_main(&job_def, argc, argv);
}
