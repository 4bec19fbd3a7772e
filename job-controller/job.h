/*
 * job.h: ckube-job-controller (Kubernetes' job controller, pkg/controller/
 * job): run a Job's pods to completion. Queue keys are "ns/name" of Jobs.
 */
#ifndef JOB_H
#define JOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct controller;
struct kobj;

/* Most pods created or deleted by one reconcile (burstReplicas). */
#define JOB_BURST	500

/* Flags (milliseconds), set by the flag table or by a test. */
struct job_config {
	int64_t	backoff_base_ms;	/* first replacement delay (10 s) */
	int64_t	backoff_max_ms;		/* its cap (6 min) */
};
extern struct job_config job_cfg;

/* job.c: the algorithm. */
int	job_reconcile(struct controller *c, const char *key);

/* job_status.c: pure helpers over a Job's pods and its status. */
struct job_counts {
	int64_t	active;		/* not terminal, not being deleted */
	int64_t	succeeded;
	int64_t	failed;		/* Failed pods plus container restarts */
	int64_t	ready;		/* active and Ready */
	int64_t	terminating;	/* being deleted, not terminal */
	int64_t	last_failure_s;	/* newest failure time (0: none) */
	uint64_t indexes_done[4];	/* Indexed: bit per succeeded index < 256 */
};
/* Count pods (owned by the job) at now_s. */
void	job_count_pods(struct kobj *const *pods, size_t n, int64_t now_s,
	    struct job_counts *out);
/* Whether pod is neither terminal nor being deleted. */
bool	job_pod_active(const struct kobj *pod);
/* The Job's Complete or Failed condition is True. */
bool	job_is_finished(const struct kobj *job, int64_t *finished_s);
/*
 * The replacement delay after failures failed pods: base doubled per
 * failure after the first, capped at max (all milliseconds; 0: none).
 */
int64_t	job_backoff_ms(int64_t failures, int64_t base_ms, int64_t max_ms);
/*
 * How many pods the job wants running: min(parallelism, completions -
 * succeeded), or in work-queue mode (completions unset) parallelism until
 * a pod succeeded, then no new ones.
 */
int64_t	job_want_active(const struct kobj *job, const struct job_counts *k);
/* Whether the job has succeeded (completions reached, or the work queue drained). */
bool	job_succeeded(const struct kobj *job, const struct job_counts *k);
/*
 * Set condition type of the status object to cstatus with reason and
 * message; lastTransitionTime moves only when the status changes. Returns
 * whether anything changed.
 */
bool	job_set_condition(struct cJSON *status, const char *type,
	    const char *cstatus, const char *reason, const char *message,
	    const char *now);
/* The lowest index in [0, completions) neither succeeded nor in use. */
int64_t	job_next_index(const struct job_counts *k, const uint64_t *in_use,
	    int64_t completions);

#endif
