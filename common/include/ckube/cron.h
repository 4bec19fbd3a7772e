/*
 * cron.h: the cron schedules of CronJobs (robfig/cron v3 ParseStandard, as
 * Kubernetes uses it): five fields, names, ranges, lists, steps, `?`, the
 * @yearly .. @hourly descriptors and @every <duration>; the day-of-month /
 * day-of-week OR rule; next-time computation in an IANA time zone read
 * from the system tz database. Shared by the apiserver (validation) and
 * the scheduledjob-controller. Pure apart from the time zone lookups.
 */
#ifndef CKUBE_CRON_H
#define CKUBE_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

/* A parsed schedule: one bit per allowed value of each field. */
struct cron_schedule {
	uint64_t	minute;		/* bits 0..59 */
	uint32_t	hour;		/* bits 0..23 */
	uint32_t	dom;		/* bits 1..31 */
	uint32_t	month;		/* bits 1..12 */
	uint32_t	dow;		/* bits 0..6, 0 = Sunday */
	bool		dom_star;	/* `*` or `?` (AND rule applies) */
	bool		dow_star;
	int64_t		every_s;	/* @every: the period; else 0 */
};

/* Longest error text cron_parse() writes. */
#define CRON_ERR_MAX	256

/*
 * Parse spec into *out. Returns 0, or CK_EINVALID with a reason in err
 * (upstream's wording, e.g. "end of range (61) above maximum (59): 61";
 * err may be NULL). A schedule starting with TZ= or CRON_TZ= is refused
 * (Kubernetes wants spec.timeZone instead). Thread-safe.
 */
int		 cron_parse(const char *spec, struct cron_schedule *out,
		    char *err, size_t errlen) CK_MUST_CHECK;

/*
 * Whether tz names a zone of the system tz database ("Etc/UTC",
 * "America/New_York"); NULL and "" mean the process zone (true). Names
 * with "..", a leading '/' or odd characters are refused. Thread-safe.
 */
bool		 cron_tz_valid(const char *tz);

/*
 * The first time strictly after after_s (Unix seconds) that s fires,
 * evaluated in zone tz (NULL or "": the process zone), into *out_s. Wall
 * times that do not exist (a DST gap) are skipped; a wall time that occurs
 * twice (DST end) fires once, at its first occurrence. Returns 0,
 * CK_EINVALID for an unknown tz, or CK_ENOTFOUND when s never fires in
 * the next five years (e.g. "0 0 31 2 *"). Thread-safe: zone lookups are
 * serialised by one lock, as glibc keeps a single TZ per process.
 */
int		 cron_next(const struct cron_schedule *s, const char *tz,
		    int64_t after_s, int64_t *out_s) CK_MUST_CHECK;

/*
 * Put TZ into the environment now (as ":/etc/localtime" when unset, the
 * same zone), while the process has one thread: the zone switches of
 * cron_next() then never resize the environment under a concurrent
 * getenv(). Call it from a daemon's init; idempotent.
 */
void		 cron_tz_init(void);

/*
 * Format t as RFC 3339 in zone tz ("2024-03-10T03:00:00-04:00"; "Z" for
 * UTC offsets of zero). Returns 0 or CK_EINVALID (unknown zone, small buf).
 */
int		 cron_format_time(int64_t t, const char *tz, char *buf,
		    size_t len) CK_MUST_CHECK;

#endif
