/*
 * rfc3339.c: RFC 3339 timestamps as Kubernetes writes and reads them (Go's
 * time.RFC3339 and RFC3339Micro layouts), done with our own civil-date
 * arithmetic so no TZ or locale can leak in, and kubectl's HumanDuration.
 */
#include "ckube/rfc3339.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ckube/err.h"

#define US_PER_S	INT64_C(1000000)
#define S_PER_DAY	INT64_C(86400)

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
rfc3339_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t
floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Format whole seconds plus, when frac_us >= 0, six fractional digits. */
static int
format_parts(int64_t t, int64_t frac_us, char *buf, size_t len)
{
	int64_t days = floordiv(t, S_PER_DAY), secs = t - days * S_PER_DAY, y;
	int m, d, n, hh, mm, ss;

	rfc3339_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		return CK_EINVALID;	/* RFC 3339 has four-digit years only */
	hh = (int)(secs / 3600);
	mm = (int)(secs / 60 % 60);
	ss = (int)(secs % 60);
	if (frac_us >= 0)
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
		    (int)y, m, d, hh, mm, ss, (int)frac_us);
	else
		n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ",
		    (int)y, m, d, hh, mm, ss);
	if (n < 0 || (size_t)n >= len)
		return CK_EINVALID;
	return 0;
}

int
rfc3339_format(time_t t, char *buf, size_t len)
{
	return format_parts((int64_t)t, -1, buf, len);
}

int
rfc3339_format_micro(int64_t us, char *buf, size_t len)
{
	int64_t s = floordiv(us, US_PER_S);

	return format_parts(s, us - s * US_PER_S, buf, len);
}

/* Read exactly n digits at *p into *out and advance *p. */
static bool
digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool
expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static int
days_in_month(int y, int m)
{
	static const int dim[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
	};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : dim[m - 1];
}

int
rfc3339_parse_micro(const char *s, int64_t *out_us)
{
	const char *p = s;
	int y, mo, d, h, mi, sec, oh = 0, om = 0, sign = 0, ndig = 0;
	int64_t frac = 0, t;

	if (s == NULL)
		return CK_EINVALID;
	if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) ||
	    !expect(&p, '-') || !digits(&p, 2, &d) || !expect(&p, 'T') ||
	    !digits(&p, 2, &h) || !expect(&p, ':') || !digits(&p, 2, &mi) ||
	    !expect(&p, ':') || !digits(&p, 2, &sec))
		return CK_EINVALID;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 ||
	    mi > 59 || sec > 59)
		return CK_EINVALID;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (ndig < 6)
				frac = frac * 10 + (*p - '0');
			ndig++;
			p++;
		}
		if (ndig == 0)
			return CK_EINVALID;
		for (; ndig < 6; ndig++)
			frac *= 10;
	}
	if (*p == 'Z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		p++;
		if (!digits(&p, 2, &oh) || !expect(&p, ':') ||
		    !digits(&p, 2, &om) || oh > 23 || om > 59)
			return CK_EINVALID;
	} else {
		return CK_EINVALID;
	}
	if (*p != '\0')
		return CK_EINVALID;
	t = days_from_civil(y, mo, d) * S_PER_DAY + h * 3600 + mi * 60 + sec;
	t -= (int64_t)sign * (oh * 3600 + om * 60);
	*out_us = t * US_PER_S + frac;
	return 0;
}

int
rfc3339_parse(const char *s, time_t *out)
{
	int64_t us;
	int rc;

	if ((rc = rfc3339_parse_micro(s, &us)) < 0)
		return rc;
	*out = (time_t)floordiv(us, US_PER_S);
	return 0;
}

void
rfc3339_now(char buf[RFC3339_MAX])
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (rfc3339_format(ts.tv_sec, buf, RFC3339_MAX) < 0)
		buf[0] = '\0';
}

/*
 * Exactly apimachinery util/duration HumanDuration, so our columns (AGE...)
 * read like kubectl's. Up to one second in the future is "0s" (clock skew).
 */
void
rfc3339_human_duration(int64_t d_s, char *buf, size_t len)
{
	int64_t minutes, hours;

	if (len == 0)
		return;
	if (d_s < -1) {
		snprintf(buf, len, "<invalid>");
		return;
	}
	if (d_s < 0) {
		snprintf(buf, len, "0s");
		return;
	}
	if (d_s < 60 * 2) {
		snprintf(buf, len, "%" PRId64 "s", d_s);
		return;
	}
	minutes = d_s / 60;
	if (minutes < 10) {
		if (d_s % 60 == 0)
			snprintf(buf, len, "%" PRId64 "m", minutes);
		else
			snprintf(buf, len, "%" PRId64 "m%" PRId64 "s", minutes,
			    d_s % 60);
		return;
	}
	if (minutes < 60 * 3) {
		snprintf(buf, len, "%" PRId64 "m", minutes);
		return;
	}
	hours = d_s / 3600;
	if (hours < 8) {
		if (minutes % 60 == 0)
			snprintf(buf, len, "%" PRId64 "h", hours);
		else
			snprintf(buf, len, "%" PRId64 "h%" PRId64 "m", hours,
			    minutes % 60);
	} else if (hours < 48) {
		snprintf(buf, len, "%" PRId64 "h", hours);
	} else if (hours < 24 * 8) {
		if (hours % 24 == 0)
			snprintf(buf, len, "%" PRId64 "d", hours / 24);
		else
			snprintf(buf, len, "%" PRId64 "d%" PRId64 "h",
			    hours / 24, hours % 24);
	} else if (hours < 24 * 365 * 2) {
		snprintf(buf, len, "%" PRId64 "d", hours / 24);
	} else if (hours < 24 * 365 * 8) {
		if (hours / 24 % 365 == 0)
			snprintf(buf, len, "%" PRId64 "y", hours / 24 / 365);
		else
			snprintf(buf, len, "%" PRId64 "y%" PRId64 "d",
			    hours / 24 / 365, hours / 24 % 365);
	} else {
		snprintf(buf, len, "%" PRId64 "y", hours / 24 / 365);
	}
}
