/*
 * Eviction flags of ckube-kubelet-sim: --eviction-hard / --eviction-soft
 * ("memory.available<500Mi,nodefs.available<10%"), --eviction-soft-grace-period
 * ("memory.available=1m30s") and --eviction-minimum-reclaim
 * ("nodefs.available=500Mi") parsed and checked as the kubelet's
 * ParseThresholdConfig does, with its error messages: a bad flag refuses
 * the start.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/ck.h"
#include "ckube/err.h"
#include "ckube/flags.h"
#include "ckube/strbuf.h"
#include "eviction.h"

static const char *const sig_names[EV_SIG_COUNT] = {
	[EV_SIG_MEMORY] = "memory.available",
	[EV_SIG_NODEFS] = "nodefs.available",
	[EV_SIG_NODEFS_INODES] = "nodefs.inodesFree",
	[EV_SIG_IMAGEFS] = "imagefs.available",
	[EV_SIG_IMAGEFS_INODES] = "imagefs.inodesFree",
};

const char *
evict_signal_name(enum evict_signal s)
{
	return (unsigned)s < EV_SIG_COUNT ? sig_names[s] : NULL;
}

int
evict_signal_parse(const char *name, size_t len)
{
	int i;

	for (i = 0; i < EV_SIG_COUNT; i++)
		if (strlen(sig_names[i]) == len &&
		    strncmp(sig_names[i], name, len) == 0)
			return i;
	return -1;
}

enum evict_cond
evict_signal_cond(enum evict_signal s)
{
	return s == EV_SIG_MEMORY ? EV_COND_MEMORY : EV_COND_DISK;
}

enum evict_res
evict_signal_res(enum evict_signal s)
{
	switch (s) {
	case EV_SIG_MEMORY:
		return EV_RES_MEMORY;
	case EV_SIG_NODEFS_INODES:
	case EV_SIG_IMAGEFS_INODES:
		return EV_RES_INODES;
	default:
		return EV_RES_DISK;
	}
}

static void CK_PRINTF(3, 4)
seterr(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/*
 * "500Mi" or "10%" into q. Returns 0, 1 for a 0%/100% threshold the
 * kubelet ignores, or CK_EINVALID (err set; what names the flag part).
 */
static int
parse_quantity(const char *sig, const char *v, bool threshold,
    struct evict_quantity *q, char *err, size_t len)
{
	size_t n = strlen(v);
	char *end;
	double d;

	memset(q, 0, sizeof(*q));
	if (n > 0 && v[n - 1] == '%') {
		if (threshold && (strcmp(v, "0%") == 0 ||
		    strcmp(v, "100%") == 0))
			return 1;
		d = strtod(v, &end);
		if (end == v || end != v + n - 1) {
			seterr(err, len, "invalid eviction percentage for %s: "
			    "\"%s\"", sig, v);
			return CK_EINVALID;
		}
		if (d < 0) {
			seterr(err, len, "eviction percentage threshold %s must "
			    "be >= 0%%: %s", sig, v);
			return CK_EINVALID;
		}
		if (d > 100) {
			seterr(err, len, "eviction percentage threshold %s must "
			    "be <= 100%%: %s", sig, v);
			return CK_EINVALID;
		}
		q->is_pct = true;
		q->pct = d / 100;
		return 0;
	}
	if (quantity_parse_value(v, &q->value, &q->fmt) != 0) {
		seterr(err, len, "eviction threshold %s: invalid quantity "
		    "\"%s\" (want e.g. 500Mi, 1Gi or 10%%)", sig, v);
		return CK_EINVALID;
	}
	if (q->value < 0 || (threshold && q->value == 0)) {
		seterr(err, len, "eviction threshold %s must be positive: %s",
		    sig, v);
		return CK_EINVALID;
	}
	return 0;
}

/* Next comma-separated item of *p into buf (trimmed); false at the end. */
static bool
next_item(const char **p, char *buf, size_t len)
{
	const char *s = *p, *e;
	size_t n;

	for (;;) {
		while (*s == ' ' || *s == ',')
			s++;
		if (*s == '\0')
			return false;
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		n = (size_t)(e - s);
		while (n > 0 && s[n - 1] == ' ')
			n--;
		*p = e;
		if (n == 0) {
			s = e;
			continue;
		}
		if (n >= len)
			n = len - 1;
		memcpy(buf, s, n);
		buf[n] = '\0';
		return true;
	}
}

static int
parse_thresholds(struct evict_config *cfg, const char *list, bool soft,
    char *err, size_t len)
{
	char item[256];
	const char *p = list;
	char *op;
	struct evict_threshold *t;
	int sig, rc;
	size_t i;

	while (p != NULL && next_item(&p, item, sizeof(item))) {
		op = strchr(item, '<');
		if (op == NULL || op == item || op[1] == '\0') {
			seterr(err, len, "invalid eviction threshold syntax %s, "
			    "expected <signal><operator><value>", item);
			return CK_EINVALID;
		}
		*op = '\0';
		sig = evict_signal_parse(item, strlen(item));
		if (sig < 0) {
			seterr(err, len, "unsupported eviction signal %s",
			    item);
			return CK_EINVALID;
		}
		for (i = 0; i < cfg->nth; i++)
			if (cfg->th[i].sig == (enum evict_signal)sig &&
			    cfg->th[i].soft == soft) {
				seterr(err, len, "found duplicate eviction "
				    "threshold for signal %s", item);
				return CK_EINVALID;
			}
		t = &cfg->th[cfg->nth];
		rc = parse_quantity(item, op + 1, true, &t->q, err, len);
		if (rc < 0)
			return rc;
		if (rc == 1)
			continue;
		t->sig = (enum evict_signal)sig;
		t->soft = soft;
		cfg->nth++;
	}
	return 0;
}

/*
 * "signal=value" lists: grace periods (durations) or minimum reclaims.
 * seen guards duplicates.
 */
static int
parse_pairs(struct evict_config *cfg, const char *list, bool grace,
    char *err, size_t len)
{
	const char *what = grace ? "grace period" : "minimum reclaim";
	bool seen[EV_SIG_COUNT] = { false };
	struct evict_quantity q;
	char item[256], *eq;
	const char *p = list;
	int64_t ms = 0;
	int sig;
	size_t i;

	while (p != NULL && next_item(&p, item, sizeof(item))) {
		eq = strchr(item, '=');
		if (eq == NULL || eq == item || eq[1] == '\0') {
			seterr(err, len, grace ? "invalid eviction grace period "
			    "syntax %s, expected <signal>=<duration>" :
			    "invalid eviction minimum reclaim syntax: %s, "
			    "expected <signal>=<value>", item);
			return CK_EINVALID;
		}
		*eq++ = '\0';
		sig = evict_signal_parse(item, strlen(item));
		if (sig < 0) {
			seterr(err, len, "unsupported eviction signal %s",
			    item);
			return CK_EINVALID;
		}
		if (seen[sig]) {
			seterr(err, len, "duplicate eviction %s specified for "
			    "%s", what, item);
			return CK_EINVALID;
		}
		seen[sig] = true;
		if (grace) {
			if (flags_parse_duration_ms(eq, &ms) != 0 || ms < 0) {
				seterr(err, len, "invalid eviction grace period "
				    "for %s: \"%s\" (want e.g. 30s, 1m30s)",
				    item, eq);
				return CK_EINVALID;
			}
		} else if (parse_quantity(item, eq, false, &q, err, len) != 0) {
			return CK_EINVALID;
		}
		for (i = 0; i < cfg->nth; i++) {
			if (cfg->th[i].sig != (enum evict_signal)sig)
				continue;
			if (grace && cfg->th[i].soft)
				cfg->th[i].grace_ms = ms;
			else if (!grace)
				cfg->th[i].min_reclaim = q;
		}
	}
	return 0;
}

int
evict_config_parse(struct evict_config *cfg, const char *hard,
    const char *soft, const char *grace, const char *min_reclaim,
    char *err, size_t errlen)
{
	size_t i;
	int rc;

	cfg->nth = 0;
	memset(cfg->th, 0, sizeof(cfg->th));
	if (errlen > 0)
		err[0] = '\0';
	if ((rc = parse_thresholds(cfg, hard, false, err, errlen)) != 0 ||
	    (rc = parse_thresholds(cfg, soft, true, err, errlen)) != 0)
		return rc;
	for (i = 0; i < cfg->nth; i++)
		cfg->th[i].grace_ms = -1;
	if ((rc = parse_pairs(cfg, grace, true, err, errlen)) != 0 ||
	    (rc = parse_pairs(cfg, min_reclaim, false, err, errlen)) != 0)
		return rc;
	for (i = 0; i < cfg->nth; i++) {
		if (!cfg->th[i].soft) {
			cfg->th[i].grace_ms = 0;
			continue;
		}
		if (cfg->th[i].grace_ms < 0) {
			seterr(err, errlen, "grace period must be specified for "
			    "the soft eviction threshold %s",
			    sig_names[cfg->th[i].sig]);
			return CK_EINVALID;
		}
	}
	return 0;
}
