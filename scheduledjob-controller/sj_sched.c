/*
 * sj_sched.c: the pure parts of the CronJob controller: the most recent
 * missed schedule time (mostRecentScheduleTime of cronjob/utils.go, with
 * a search that stays exact for irregular schedules), the job name and
 * the finished test.
 */
#include "sj.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/cron.h"
#include "ckube/err.h"
#include "ckube/kobj.h"

/* The last schedule time in [from, now], stepping from from; 0: none. */
static int
last_in(const struct cron_schedule *s, const char *tz, int64_t from,
    int64_t now, int64_t *last, int64_t *after)
{
	int64_t t = from - 1, n;
	int rc;

	*last = 0;
	for (;;) {
		rc = cron_next(s, tz, t, &n);
		if (rc < 0)
			return rc;
		if (n > now) {
			*after = n;
			return 0;
		}
		*last = t = n;
	}
}

int
sj_most_recent(const struct cron_schedule *s, const char *tz,
    int64_t earliest, int64_t now, int64_t *scheduled, int64_t *missed,
    int64_t *next)
{
	int64_t t1, t2, interval, from, last = 0, back;
	int rc;

	*scheduled = 0;
	*missed = 0;
	rc = cron_next(s, tz, earliest, &t1);
	if (rc < 0)
		return rc;
	if (t1 > now) {
		*next = t1;
		return 0;
	}
	rc = cron_next(s, tz, t1, &t2);
	if (rc < 0)
		return rc;
	if (t2 > now) {
		*scheduled = t1;
		*missed = 1;
		*next = t2;
		return 0;
	}
	interval = t2 - t1 > 0 ? t2 - t1 : 1;
	*missed = (now - t1) / interval + 1;
	/*
	 * Upstream jumps to t1 + k * interval; that is only a schedule time
	 * for regular schedules. Search backwards from now in growing
	 * windows instead, so the answer is exact and the work small.
	 */
	for (back = 4 * interval; last == 0; back *= 2) {
		from = now - back;
		if (from <= t1)
			from = t1;
		rc = last_in(s, tz, from, now, &last, next);
		if (rc < 0)
			return rc;
		if (from == t1)
			break;
	}
	*scheduled = last != 0 ? last : t1;
	return 0;
}

int
sj_job_name(const char *cronjob, int64_t scheduled, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s-%lld", cronjob,
	    (long long)(scheduled / 60));

	return n < 0 || (size_t)n >= len ? CK_EINVALID : 0;
}

bool
sj_job_finished(const struct kobj *job, bool *ok)
{
	const char *s;

	s = kobj_condition_status(job, "Complete");
	if (s != NULL && strcmp(s, "True") == 0) {
		*ok = true;
		return true;
	}
	s = kobj_condition_status(job, "Failed");
	*ok = false;
	return s != NULL && strcmp(s, "True") == 0;
}

void
sj_rfc1123z(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%a, %d %b %Y %H:%M:%S +0000", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)t);
}
