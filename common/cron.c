/*
 * cron.c: the cron parser and next-time search of cron.h (robfig/cron v3
 * ParseStandard, whose error wording we keep). Time zones come from the
 * system tz database through glibc: TZ is process-wide, so every zone
 * lookup runs under one lock with TZ set and then restored (only this file
 * touches TZ; no other ckube code reads local time).
 */
#include "ckube/cron.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ckube/rfc3339.h"

#include "ckube/alloc.h"
#include "ckube/err.h"

struct bounds {
	int			 min, max;
	const char *const	*names;		/* index = value - names_base */
	int			 names_base;
};

static const char *const month_names[] = { "jan", "feb", "mar", "apr",
	"may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", NULL };
static const char *const dow_names[] = { "sun", "mon", "tue", "wed", "thu",
	"fri", "sat", NULL };

static const struct bounds b_minute = { 0, 59, NULL, 0 };
static const struct bounds b_hour = { 0, 23, NULL, 0 };
static const struct bounds b_dom = { 1, 31, NULL, 0 };
static const struct bounds b_month = { 1, 12, month_names, 1 };
static const struct bounds b_dow = { 0, 6, dow_names, 0 };

static int
fail(char *err, size_t errlen, const char *fmt, ...) CK_PRINTF(3, 4);

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return CK_EINVALID;
}

/* A non-negative decimal (Go's strconv.Atoi on the piece). */
static int
parse_int(const char *s, size_t n, int *out, const char *expr, char *err,
    size_t errlen)
{
	long v = 0;
	size_t i = 0;
	bool neg = false;

	if (n > 0 && (s[0] == '-' || s[0] == '+')) {
		neg = s[0] == '-';
		i = 1;
	}
	if (i == n)
		return fail(err, errlen, "failed to parse int from %.*s: "
		    "invalid syntax", (int)n, s);
	for (; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return fail(err, errlen, "failed to parse int from "
			    "%.*s: invalid syntax", (int)n, s);
		if (v < 100000)
			v = v * 10 + (s[i] - '0');
	}
	if (neg)
		return fail(err, errlen, "negative number (-%ld) not allowed: "
		    "%s", v, expr);
	*out = (int)v;
	return 0;
}

static int
parse_int_or_name(const char *s, size_t n, const struct bounds *b, int *out,
    const char *expr, char *err, size_t errlen)
{
	size_t i;

	if (b->names != NULL)
		for (i = 0; b->names[i] != NULL; i++)
			if (strlen(b->names[i]) == n &&
			    strncasecmp(b->names[i], s, n) == 0) {
				*out = (int)i + b->names_base;
				return 0;
			}
	return parse_int(s, n, out, expr, err, errlen);
}

/* One comma-separated piece: `*`, `?`, n, a-b, with an optional /step. */
static int
parse_range(const char *expr, const struct bounds *b, uint64_t *bits,
    bool *star, char *err, size_t errlen)
{
	const char *slash = strchr(expr, '/'), *dash;
	size_t rlen = slash != NULL ? (size_t)(slash - expr) : strlen(expr);
	int start, end, step = 1, v, rc;
	bool single = true, is_star = false;

	if (slash != NULL && strchr(slash + 1, '/') != NULL)
		return fail(err, errlen, "too many slashes: %s", expr);
	dash = memchr(expr, '-', rlen);
	if ((rlen == 1 && (expr[0] == '*' || expr[0] == '?'))) {
		start = b->min;
		end = b->max;
		is_star = true;
	} else if (dash == NULL) {
		rc = parse_int_or_name(expr, rlen, b, &start, expr, err,
		    errlen);
		if (rc < 0)
			return rc;
		end = start;
	} else {
		single = false;
		if (memchr(dash + 1, '-', rlen - (size_t)(dash + 1 - expr)))
			return fail(err, errlen, "too many hyphens: %s", expr);
		rc = parse_int_or_name(expr, (size_t)(dash - expr), b, &start,
		    expr, err, errlen);
		if (rc == 0)
			rc = parse_int_or_name(dash + 1,
			    rlen - (size_t)(dash + 1 - expr), b, &end, expr,
			    err, errlen);
		if (rc < 0)
			return rc;
	}
	if (slash != NULL) {
		rc = parse_int(slash + 1, strlen(slash + 1), &step, expr, err,
		    errlen);
		if (rc < 0)
			return rc;
		if (single && !is_star)
			end = b->max;	/* "N/step" means "N-max/step" */
		if (step > 1)
			is_star = false;
	}
	if (start < b->min)
		return fail(err, errlen, "beginning of range (%d) below minimum "
		    "(%d): %s", start, b->min, expr);
	if (end > b->max)
		return fail(err, errlen, "end of range (%d) above maximum (%d): "
		    "%s", end, b->max, expr);
	if (start > end)
		return fail(err, errlen, "beginning of range (%d) beyond end of "
		    "range (%d): %s", start, end, expr);
	if (step == 0)
		return fail(err, errlen, "step of range should be a positive "
		    "number: %s", expr);
	for (v = start; v <= end; v += step)
		*bits |= (uint64_t)1 << v;
	if (is_star)
		*star = true;
	return 0;
}

static int
parse_field(const char *field, const struct bounds *b, uint64_t *bits,
    bool *star, char *err, size_t errlen)
{
	char *copy = ck_strdup(field), *p = copy, *comma;
	int rc = 0;

	*bits = 0;
	*star = false;
	for (;;) {
		comma = strchr(p, ',');
		if (comma != NULL)
			*comma = '\0';
		rc = parse_range(p, b, bits, star, err, errlen);
		if (rc < 0 || comma == NULL)
			break;
		p = comma + 1;
	}
	free(copy);
	return rc;
}

/* A Go duration of whole units ("1h30m", "90s", "1.5h"), to seconds. */
static int
parse_duration(const char *s, int64_t *out_s)
{
	static const struct { const char *u; double s; } units[] = {
		{ "ns", 1e-9 }, { "us", 1e-6 }, { "ms", 1e-3 }, { "s", 1 },
		{ "m", 60 }, { "h", 3600 },
	};
	double total = 0, v;
	char *end;
	size_t i, best;
	bool any = false;

	while (*s != '\0') {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return CK_EINVALID;
		errno = 0;
		v = strtod(s, &end);
		if (errno != 0 || end == s || v < 0)
			return CK_EINVALID;
		s = end;
		best = ARRAY_SIZE(units);
		for (i = 0; i < ARRAY_SIZE(units); i++)
			if (strncmp(s, units[i].u, strlen(units[i].u)) == 0 &&
			    (best == ARRAY_SIZE(units) ||
			    strlen(units[i].u) > strlen(units[best].u)))
				best = i;
		if (best == ARRAY_SIZE(units))
			return CK_EINVALID;
		s += strlen(units[best].u);
		total += v * units[best].s;
		any = true;
	}
	if (!any || total > 1e12)
		return CK_EINVALID;
	*out_s = (int64_t)total;
	if (*out_s < 1)
		*out_s = 1;	/* robfig: at least one second */
	return 0;
}

static int
parse_descriptor(const char *spec, struct cron_schedule *out, char *err,
    size_t errlen)
{
	static const struct { const char *name, *expr; } d[] = {
		{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" },
		{ "@monthly", "0 0 1 * *" }, { "@weekly", "0 0 * * 0" },
		{ "@daily", "0 0 * * *" }, { "@midnight", "0 0 * * *" },
		{ "@hourly", "0 * * * *" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(d); i++)
		if (strcmp(spec, d[i].name) == 0)
			return cron_parse(d[i].expr, out, err, errlen);
	if (strncmp(spec, "@every ", 7) == 0) {
		memset(out, 0, sizeof(*out));
		if (parse_duration(spec + 7, &out->every_s) < 0)
			return fail(err, errlen, "failed to parse duration %s: "
			    "time: invalid duration \"%s\"", spec, spec + 7);
		return 0;
	}
	return fail(err, errlen, "unrecognized descriptor: %s", spec);
}

int
cron_parse(const char *spec, struct cron_schedule *out, char *err,
    size_t errlen)
{
	const struct bounds *b[5] = { &b_minute, &b_hour, &b_dom, &b_month,
		&b_dow };
	char fields[5][128];
	const char *p, *s;
	uint64_t bits[5];
	bool star[5];
	size_t n = 0, len;
	int rc, i;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	if (spec == NULL || spec[0] == '\0')
		return fail(err, errlen, "empty spec string");
	if (strncmp(spec, "TZ=", 3) == 0 || strncmp(spec, "CRON_TZ=", 8) == 0)
		return fail(err, errlen, "cannot use TZ or CRON_TZ in schedule, "
		    "use timeZone field instead");
	if (spec[0] == '@')
		return parse_descriptor(spec, out, err, errlen);
	for (p = spec; *p != '\0';) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		s = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		len = (size_t)(p - s);
		if (n < 5 && len < sizeof(fields[0])) {
			memcpy(fields[n], s, len);
			fields[n][len] = '\0';
		} else if (n < 5)
			return fail(err, errlen, "field too long: %.*s",
			    (int)len, s);
		n++;
	}
	if (n != 5)
		return fail(err, errlen, "expected exactly 5 fields, found %zu: "
		    "[%s]", n, spec);
	for (i = 0; i < 5; i++) {
		rc = parse_field(fields[i], b[i], &bits[i], &star[i], err,
		    errlen);
		if (rc < 0)
			return rc;
	}
	out->minute = bits[0];
	out->hour = (uint32_t)bits[1];
	out->dom = (uint32_t)bits[2];
	out->dom_star = star[2];
	out->month = (uint32_t)bits[3];
	out->dow = (uint32_t)bits[4];
	out->dow_star = star[4];
	return 0;
}

/* --- Time zones: the tz database through glibc, under one lock. --- */

static pthread_mutex_t tz_mu = PTHREAD_MUTEX_INITIALIZER;

bool
cron_tz_valid(const char *tz)
{
	const char *dir = getenv("TZDIR");
	char path[512], magic[4];
	struct stat sb;
	FILE *f;
	size_t i;
	bool ok;
	int n;

	if (tz == NULL || tz[0] == '\0')
		return true;
	if (tz[0] == '/' || strstr(tz, "..") != NULL || strlen(tz) > 128)
		return false;
	for (i = 0; tz[i] != '\0'; i++)
		if (!isalnum((unsigned char)tz[i]) && strchr("/_-+",
		    tz[i]) == NULL)
			return false;
	n = snprintf(path, sizeof(path), "%s/%s", dir != NULL && dir[0] ?
	    dir : "/usr/share/zoneinfo", tz);
	if (n < 0 || (size_t)n >= sizeof(path) || stat(path, &sb) != 0 ||
	    !S_ISREG(sb.st_mode))
		return false;
	f = fopen(path, "re");
	if (f == NULL)
		return false;
	ok = fread(magic, 1, sizeof(magic), f) == sizeof(magic) &&
	    memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

/*
 * The process's own TZ, saved on first use. TZ then stays at the zone last
 * asked for, so glibc's tzset() re-reads nothing while one zone is used.
 * TZ is never unset: an unset TZ becomes ":/etc/localtime" (the same zone
 * to glibc), so after the first setenv() the environment array never
 * grows or shrinks again and a getenv() on another thread (libcurl reads
 * proxy variables) never reads a freed array; later setenv() calls only
 * swap the value pointer, and glibc keeps old values alive.
 */
static bool tz_saved;
static char *tz_orig;

#define TZ_LOCAL	":/etc/localtime"

/* Save TZ and make sure it is in the environment (tz_mu held). */
static void
tz_save_locked(void)
{
	const char *cur = getenv("TZ");

	if (tz_saved)
		return;
	tz_orig = ck_strdup(cur != NULL ? cur : TZ_LOCAL);
	tz_saved = true;
	if (cur == NULL)
		setenv("TZ", tz_orig, 1);
	tzset();
}

void
cron_tz_init(void)
{
	pthread_mutex_lock(&tz_mu);
	tz_save_locked();
	pthread_mutex_unlock(&tz_mu);
}

/* Lock and switch TZ to tz (NULL/"": the process zone); tz_leave() unlocks. */
static int
tz_enter(const char *tz)
{
	const char *cur;

	if (tz != NULL && tz[0] != '\0' && !cron_tz_valid(tz))
		return CK_EINVALID;
	pthread_mutex_lock(&tz_mu);
	tz_save_locked();
	if (tz == NULL || tz[0] == '\0')
		tz = tz_orig;
	cur = getenv("TZ");
	if (cur == NULL || strcmp(cur, tz) != 0) {
		setenv("TZ", tz, 1);
		tzset();
	}
	return 0;
}

static void
tz_leave(void)
{
	pthread_mutex_unlock(&tz_mu);
}

/* --- Calendar arithmetic on wall times (Howard Hinnant's algorithms). --- */

static bool
day_matches(const struct cron_schedule *s, int64_t days, int mday)
{
	int dow = (int)(((days % 7) + 11) % 7);	/* 1970-01-01 was Thursday */
	bool dm = s->dom & (1u << mday), wm = s->dow & (1u << dow);

	if (s->dom_star || s->dow_star)
		return dm && wm;
	return dm || wm;
}

static int64_t
utc_offset(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

/*
 * The instants (up to two, in a DST overlap) whose local wall time is
 * wall (seconds on the wall clock's own epoch); returns how many.
 */
static int
wall_instants(int64_t wall, int64_t t[2])
{
	int64_t days = wall >= 0 ? wall / 86400 : (wall - 86399) / 86400;
	int64_t y, sec = wall - days * 86400;
	int m, d, i, n = 0;
	struct tm tm, back;
	time_t r;

	rfc3339_civil_from_days(days, &y, &m, &d);
	for (i = 0; i < 2; i++) {
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = (int)(y - 1900);
		tm.tm_mon = m - 1;
		tm.tm_mday = d;
		tm.tm_hour = (int)(sec / 3600);
		tm.tm_min = (int)(sec % 3600 / 60);
		tm.tm_isdst = i;
		r = mktime(&tm);
		if (r == (time_t)-1 || localtime_r(&r, &back) == NULL)
			continue;
		if (back.tm_year != (int)(y - 1900) || back.tm_mon != m - 1 ||
		    back.tm_mday != d || back.tm_hour != (int)(sec / 3600) ||
		    back.tm_min != (int)(sec % 3600 / 60))
			continue;	/* in a gap, or the other DST side */
		if (n == 1 && t[0] == (int64_t)r)
			continue;
		t[n++] = (int64_t)r;
	}
	return n;
}

/* Five years of days: robfig's limit for a schedule that never fires. */
#define CRON_SEARCH_DAYS	(5 * 366)
/* The largest DST shift we plan for (Antarctica/Troll: 2 h). */
#define CRON_DST_SLACK_S	7200

/*
 * Scan wall times from wall_from on, in wall order, for the earliest
 * instant >= start. Wall order equals instant order except within
 * CRON_DST_SLACK_S of an offset change, so the scan goes on that far past
 * the first hit when one is near.
 */
static int
search(const struct cron_schedule *s, int64_t start, int64_t wall_from,
    int64_t *out)
{
	int64_t day0 = wall_from >= 0 ? wall_from / 86400 :
	    (wall_from - 86399) / 86400;
	int64_t days, y, best = INT64_MAX, best_wall = 0, wall, t[2];
	int m, d, h, mi, h0, mi0, n, i;
	bool first = true, near = false;

	for (days = day0; days < day0 + CRON_SEARCH_DAYS; days++, first = false) {
		if (best != INT64_MAX && (!near ||
		    days * 86400 > best_wall + CRON_DST_SLACK_S))
			break;
		rfc3339_civil_from_days(days, &y, &m, &d);
		if (!(s->month & (1u << m)) || !day_matches(s, days, d))
			continue;
		h0 = first ? (int)(wall_from - days * 86400) / 3600 : 0;
		for (h = h0; h < 24; h++) {
			if (!(s->hour & (1u << h)))
				continue;
			mi0 = first && h == h0 ?
			    (int)((wall_from - days * 86400) % 3600) / 60 : 0;
			for (mi = mi0; mi < 60; mi++) {
				if (!(s->minute & ((uint64_t)1 << mi)))
					continue;
				wall = days * 86400 + h * 3600 + mi * 60;
				if (best != INT64_MAX &&
				    wall > best_wall + CRON_DST_SLACK_S)
					goto done;
				n = wall_instants(wall, t);
				for (i = 0; i < n; i++) {
					if (t[i] < start || t[i] >= best)
						continue;
					best = t[i];
					best_wall = wall;
					near = utc_offset((time_t)(best -
					    CRON_DST_SLACK_S)) !=
					    utc_offset((time_t)(best +
					    CRON_DST_SLACK_S));
				}
				if (best != INT64_MAX && !near)
					goto done;
			}
		}
	}
done:
	if (best == INT64_MAX)
		return CK_ENOTFOUND;
	*out = best;
	return 0;
}

int
cron_next(const struct cron_schedule *s, const char *tz, int64_t after_s,
    int64_t *out_s)
{
	int64_t start, wall_from;
	int rc;

	if (s->every_s > 0) {
		*out_s = after_s + s->every_s;
		return 0;
	}
	start = (after_s >= 0 ? after_s / 60 : (after_s - 59) / 60) * 60 + 60;
	rc = tz_enter(tz);
	if (rc < 0)
		return rc;
	wall_from = start + utc_offset((time_t)start);
	/* A DST end just ahead repeats wall times we would scan past. */
	if (utc_offset((time_t)start) !=
	    utc_offset((time_t)(start + CRON_DST_SLACK_S)))
		wall_from -= CRON_DST_SLACK_S;
	rc = search(s, start, wall_from, out_s);
	tz_leave();
	return rc;
}

int
cron_format_time(int64_t t, const char *tz, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	bool ok;
	long off;
	int rc, n;

	rc = tz_enter(tz);
	if (rc < 0)
		return rc;
	ok = localtime_r(&tt, &tm) != NULL;
	tz_leave();
	if (!ok)
		return CK_EINVALID;
	off = tm.tm_gmtoff;
	if (off == 0)
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		    tm.tm_min, tm.tm_sec);
	else
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:"
		    "%02ld", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+',
		    labs(off) / 3600, labs(off) % 3600 / 60);
	return n < 0 || (size_t)n >= len ? CK_EINVALID : 0;
}
