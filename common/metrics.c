/*
 * metrics.c: the process-wide metric registry behind metrics.h. One mutex
 * guards the registry (registration and rendering are rare); each metric has
 * its own mutex for updates. Rendering follows the Prometheus text format.
 */
#include "ckube/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

struct metric {
	char		*name;		/* full: base + optional {labels} */
	size_t		 baselen;
	char		*help;
	enum metric_type type;
	pthread_mutex_t	 lock;
	double		 value;		/* counter, gauge; histogram: sum */
	double		*bounds;	/* histogram */
	unsigned long long *counts;	/* per bucket, not cumulative */
	size_t		 nbuckets;
	unsigned long long count;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct metric **reg;
static size_t nreg, capreg;

static const double default_buckets[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

static const char *const type_names[] = { "counter", "gauge", "histogram" };

/* Length of the base name, or 0 if name is malformed. */
static size_t
base_len(const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < n && name[i] != '{'; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || c == ':' || (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	if (i < n && (name[n - 1] != '}' || n - i < 3))
		return 0;	/* labels must look like {k="v"} */
	return i;
}

static struct metric *
lookup_or_add(const char *name, const char *help, enum metric_type type,
    const double *buckets, size_t nbuckets)
{
	struct metric *m = NULL;
	size_t i, bl = base_len(name);

	if (bl == 0)
		fatalx("metrics: malformed metric name \"%s\"", name);
	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < nreg; i++) {
		struct metric *r = reg[i];

		if (r->baselen == bl && strncmp(r->name, name, bl) == 0 &&
		    r->type != type)
			fatalx("metrics: %s registered as %s and %s", name,
			    type_names[r->type], type_names[type]);
		if (strcmp(r->name, name) == 0)
			m = r;
	}
	if (m != NULL)
		goto out;
	m = ck_calloc(1, sizeof(*m));
	m->name = ck_strdup(name);
	m->baselen = bl;
	m->help = ck_strdup(help ? help : "");
	m->type = type;
	pthread_mutex_init(&m->lock, NULL);
	if (type == METRIC_HISTOGRAM) {
		if (buckets == NULL) {
			buckets = default_buckets;
			nbuckets = ARRAY_SIZE(default_buckets);
		}
		m->nbuckets = nbuckets;
		m->bounds = ck_reallocarray(NULL, nbuckets + 1, sizeof(double));
		if (nbuckets > 0)
			memcpy(m->bounds, buckets, nbuckets * sizeof(double));
		m->counts = ck_calloc(nbuckets + 1, sizeof(*m->counts));
	}
	if (nreg == capreg) {
		capreg = capreg ? capreg * 2 : 32;
		reg = ck_reallocarray(reg, capreg, sizeof(*reg));
	}
	reg[nreg++] = m;
out:
	pthread_mutex_unlock(&reg_lock);
	return m;
}

struct metric *
metrics_counter(const char *name, const char *help)
{
	return lookup_or_add(name, help, METRIC_COUNTER, NULL, 0);
}

struct metric *
metrics_gauge(const char *name, const char *help)
{
	return lookup_or_add(name, help, METRIC_GAUGE, NULL, 0);
}

struct metric *
metrics_histogram(const char *name, const char *help, const double *buckets,
    size_t nbuckets)
{
	return lookup_or_add(name, help, METRIC_HISTOGRAM, buckets, nbuckets);
}

void
metrics_counter_add(struct metric *m, double v)
{
	if (!(v >= 0))
		return;
	pthread_mutex_lock(&m->lock);
	m->value += v;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_counter_inc(struct metric *m)
{
	metrics_counter_add(m, 1);
}

void
metrics_gauge_set(struct metric *m, double v)
{
	pthread_mutex_lock(&m->lock);
	m->value = v;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_gauge_add(struct metric *m, double v)
{
	pthread_mutex_lock(&m->lock);
	m->value += v;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_histogram_observe(struct metric *m, double v)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->nbuckets && v > m->bounds[i]; i++)
		;
	m->counts[i]++;		/* i == nbuckets: only +Inf */
	m->count++;
	m->value += v;
	pthread_mutex_unlock(&m->lock);
}

double
metrics_value(struct metric *m)
{
	double v;

	pthread_mutex_lock(&m->lock);
	v = m->type == METRIC_HISTOGRAM ? (double)m->count : m->value;
	pthread_mutex_unlock(&m->lock);
	return v;
}

/* The shortest text that reads back as v, in Prometheus' spelling. */
static void
fmt_double(char *buf, size_t size, double v)
{
	if (isnan(v))
		ck_strlcpy(buf, "NaN", size);
	else if (isinf(v))
		ck_strlcpy(buf, v > 0 ? "+Inf" : "-Inf", size);
	else if (v == floor(v) && fabs(v) < 1e15)
		snprintf(buf, size, "%.0f", v);
	else {
		snprintf(buf, size, "%.15g", v);
		if (strtod(buf, NULL) != v)
			snprintf(buf, size, "%.17g", v);
	}
}

static void
add_double(struct strbuf *out, double v)
{
	char buf[64];

	fmt_double(buf, sizeof(buf), v);
	strbuf_adds(out, buf);
}

/* HELP text escapes backslash and newline. */
static void
add_help(struct strbuf *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			strbuf_adds(out, "\\\\");
		else if (*s == '\n')
			strbuf_adds(out, "\\n");
		else
			strbuf_addc(out, *s);
	}
}

/* name_suffix{labels[,extra]} */
static void
add_series(struct strbuf *out, const struct metric *m, const char *suffix,
    const char *extra)
{
	const char *labels = m->name + m->baselen;	/* "" or "{...}" */
	size_t llen = strlen(labels);

	strbuf_add(out, m->name, m->baselen);
	strbuf_adds(out, suffix);
	if (llen > 0) {
		strbuf_add(out, labels, llen - 1);
		if (extra != NULL) {
			strbuf_addc(out, ',');
			strbuf_adds(out, extra);
		}
		strbuf_addc(out, '}');
	} else if (extra != NULL) {
		strbuf_addf(out, "{%s}", extra);
	}
	strbuf_addc(out, ' ');
}

static void
render_one(struct strbuf *out, struct metric *m)
{
	unsigned long long cum = 0;
	char le[80], num[64];
	size_t i;

	pthread_mutex_lock(&m->lock);
	if (m->type != METRIC_HISTOGRAM) {
		add_series(out, m, "", NULL);
		add_double(out, m->value);
		strbuf_addc(out, '\n');
		goto out;
	}
	for (i = 0; i <= m->nbuckets; i++) {
		cum += m->counts[i];
		fmt_double(num, sizeof(num), i < m->nbuckets ? m->bounds[i] :
		    INFINITY);
		snprintf(le, sizeof(le), "le=\"%s\"", num);
		add_series(out, m, "_bucket", le);
		strbuf_addf(out, "%llu\n", cum);
	}
	add_series(out, m, "_sum", NULL);
	add_double(out, m->value);
	strbuf_addc(out, '\n');
	add_series(out, m, "_count", NULL);
	strbuf_addf(out, "%llu\n", m->count);
out:
	pthread_mutex_unlock(&m->lock);
}

/* Sort by base name first, so all series of one family stay together. */
static int
cmp_metric(const void *a, const void *b)
{
	const struct metric *x = *(struct metric *const *)a;
	const struct metric *y = *(struct metric *const *)b;
	size_t n = x->baselen < y->baselen ? x->baselen : y->baselen;
	int c = strncmp(x->name, y->name, n);

	if (c != 0)
		return c;
	if (x->baselen != y->baselen)
		return x->baselen < y->baselen ? -1 : 1;
	return strcmp(x->name, y->name);
}

void
metrics_render(struct strbuf *out)
{
	struct metric **sorted;
	const struct metric *prev = NULL;
	size_t i;

	pthread_mutex_lock(&reg_lock);
	if (nreg == 0)
		goto out;
	sorted = ck_reallocarray(NULL, nreg, sizeof(*sorted));
	memcpy(sorted, reg, nreg * sizeof(*sorted));
	qsort(sorted, nreg, sizeof(*sorted), cmp_metric);
	for (i = 0; i < nreg; i++) {
		struct metric *m = sorted[i];

		if (prev == NULL || prev->baselen != m->baselen ||
		    strncmp(prev->name, m->name, m->baselen) != 0) {
			strbuf_adds(out, "# HELP ");
			strbuf_add(out, m->name, m->baselen);
			strbuf_addc(out, ' ');
			add_help(out, m->help);
			strbuf_adds(out, "\n# TYPE ");
			strbuf_add(out, m->name, m->baselen);
			strbuf_addf(out, " %s\n", type_names[m->type]);
		}
		render_one(out, m);
		prev = m;
	}
	free(sorted);
out:
	pthread_mutex_unlock(&reg_lock);
}

void
metrics_reset(void)
{
	size_t i;

	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < nreg; i++) {
		struct metric *m = reg[i];

		pthread_mutex_destroy(&m->lock);
		free(m->name);
		free(m->help);
		free(m->bounds);
		free(m->counts);
		free(m);
	}
	free(reg);
	reg = NULL;
	nreg = capreg = 0;
	pthread_mutex_unlock(&reg_lock);
}
