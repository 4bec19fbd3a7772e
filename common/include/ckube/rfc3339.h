/*
 * rfc3339.h: RFC 3339 UTC timestamps as Kubernetes writes them
 * ("2024-05-01T10:00:00Z"; MicroTime "2024-05-01T10:00:00.123456Z").
 */
#ifndef CKUBE_RFC3339_H
#define CKUBE_RFC3339_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ckube/ck.h"

#define RFC3339_MAX	40

/* Format t (seconds since the epoch) into buf; returns 0 or CK_EINVALID if buf is too small. */
int	rfc3339_format(time_t t, char *buf, size_t len) CK_MUST_CHECK;
/* Format microseconds since the epoch with 6 fractional digits. */
int	rfc3339_format_micro(int64_t us, char *buf, size_t len) CK_MUST_CHECK;
/*
 * Parse "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)" into microseconds since
 * the epoch. Returns 0 or CK_EINVALID.
 */
int	rfc3339_parse_micro(const char *s, int64_t *out_us) CK_MUST_CHECK;
int	rfc3339_parse(const char *s, time_t *out) CK_MUST_CHECK;
/* Days since 1970-01-01 to a proleptic Gregorian year, month 1-12, day 1-31. */
void	rfc3339_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/* The current time, formatted. */
void	rfc3339_now(char buf[RFC3339_MAX]);
/* Kubernetes HumanDuration ("5s", "3m2s", "4h", "2d3h", "400d", "3y") of d seconds. */
void	rfc3339_human_duration(int64_t d_s, char *buf, size_t len);

#endif
