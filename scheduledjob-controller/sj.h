/*
 * sj.h: ckube-scheduledjob-controller, the CronJob controller (Kubernetes'
 * cronjob_controllerv2.go) for batch/v1 CronJobs and their 1.3 name,
 * batch/v2alpha1 ScheduledJobs (one stored object). Queue keys are
 * "ns/name" of CronJobs.
 */
#ifndef SJ_H
#define SJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct controller;
struct cron_schedule;
struct kobj;

/* More missed start times than this: a TooManyMissedTimes warning. */
#define SJ_MAX_MISSED	100

/* sj.c: the algorithm. */
int	sj_init(struct controller *c);
void	sj_fini(struct controller *c);
int	sj_reconcile(struct controller *c, const char *key);

/* sj_sched.c: pure schedule arithmetic. */
/*
 * The most recent schedule time in (earliest, now] into *scheduled (0:
 * none due) and an estimate of how many were missed into *missed; *next
 * gets the first schedule time after now. Returns 0, CK_ENOTFOUND when
 * the schedule never fires, or CK_EINVALID for an unknown zone.
 */
int	sj_most_recent(const struct cron_schedule *s, const char *tz,
	    int64_t earliest, int64_t now, int64_t *scheduled, int64_t *missed,
	    int64_t *next);
/* "<cronjob>-<scheduled / 60>" into buf. Returns 0 or CK_EINVALID. */
int	sj_job_name(const char *cronjob, int64_t scheduled, char *buf,
	    size_t len);
/* The Job's Complete or Failed condition is True; *ok: Complete. */
bool	sj_job_finished(const struct kobj *job, bool *ok);
/* "Mon, 02 Jan 2006 15:04:05 -0700" (Go's RFC1123Z) of t in UTC. */
void	sj_rfc1123z(int64_t t, char *buf, size_t len);

#endif
