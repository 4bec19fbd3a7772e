/*
 * metrics.h: process-wide Prometheus metrics (counters, gauges, histograms)
 * registered by name, updated from any thread, rendered in the text
 * exposition format (version 0.0.4) by GET /metrics (httpd.h).
 * A name may carry constant labels: `ckube_requests_total{verb="GET"}`;
 * series sharing a base name share its help text and type.
 */
#ifndef CKUBE_METRICS_H
#define CKUBE_METRICS_H

#include <stddef.h>

#include "ckube/ck.h"

struct metric;
struct strbuf;

#define METRICS_CONTENT_TYPE	"text/plain; version=0.0.4; charset=utf-8"

/*
 * Register a metric, or return the one already registered under the same
 * full name. The pointer stays valid until metrics_reset(); keep it and
 * update through it. A malformed name, or a name already registered with
 * another type (or another base type for its labelled series), is a
 * programming error: the process logs it and exits (fatalx).
 */
struct metric	*metrics_counter(const char *name, const char *help);
struct metric	*metrics_gauge(const char *name, const char *help);
/*
 * buckets: nbuckets ascending upper bounds, +Inf implied; NULL uses
 * Prometheus' defaults (0.005 ... 10, for durations in seconds).
 */
struct metric	*metrics_histogram(const char *name, const char *help,
		    const double *buckets, size_t nbuckets);

/* Counters only go up: a negative v is ignored. */
void		 metrics_counter_inc(struct metric *m);
void		 metrics_counter_add(struct metric *m, double v);
void		 metrics_gauge_set(struct metric *m, double v);
void		 metrics_gauge_add(struct metric *m, double v);
void		 metrics_histogram_observe(struct metric *m, double v);

/* Counter or gauge value; a histogram's observation count. */
double		 metrics_value(struct metric *m);

/* Append every metric in text format, sorted by name. */
void		 metrics_render(struct strbuf *out);

/* Free every metric (tests, clean shutdown); earlier pointers die. */
void		 metrics_reset(void);

#endif
