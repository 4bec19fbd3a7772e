/*
 * dnsfed.c: kube-dns's federation names (--federations=NAME=DOMAIN;
 * pkg/dns/dns.go isFederationQuery, federationRecords,
 * getClusterZoneAndRegion). A query for <svc>.<ns>.<fed>.svc.<cluster
 * domain> is answered with a CNAME: to the local <svc>.<ns>.svc.<cluster
 * domain> when that Service has ready endpoints here, else to the
 * federation's record for this cluster's zone,
 * <svc>.<ns>.<fed>.svc.<zone>.<region>.<domain>, which falls back up the
 * hierarchy in the federation's DNS. Pure: names and objects in, names out;
 * the caches are dnssync.c's, the wire dnsanswer.c's.
 */
#include "dns.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/kobj.h"

struct dnsfed_entry {
	char	*name;
	char	*domain;
};

struct dnsfed {
	struct dnsfed_entry	*e;
	size_t			 n;
};

static bool
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A DNS-1123 label (lowercase); rfc1035: must start with a letter too. */
static bool
label_ok(const char *s, size_t len, bool rfc1035)
{
	size_t i;

	if (len == 0 || len > DNS_LABEL_MAX || !is_alnum(s[0]) ||
	    !is_alnum(s[len - 1]) || (rfc1035 && !(s[0] >= 'a' && s[0] <= 'z')))
		return false;
	for (i = 0; i < len; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

/* A DNS-1123 subdomain: labels joined by dots, at most 253 characters. */
static bool
subdomain_ok(const char *s)
{
	const char *dot;
	size_t len = strlen(s);

	if (len == 0 || len > 253)
		return false;
	for (;;) {
		dot = strchr(s, '.');
		if (!label_ok(s, dot != NULL ? (size_t)(dot - s) : strlen(s),
		    false))
			return false;
		if (dot == NULL)
			return true;
		s = dot + 1;
	}
}

void
dnsfed_free(struct dnsfed *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++) {
		free(f->e[i].name);
		free(f->e[i].domain);
	}
	free(f->e);
	free(f);
}

size_t
dnsfed_count(const struct dnsfed *f)
{
	return f != NULL ? f->n : 0;
}

const char *
dnsfed_domain(const struct dnsfed *f, const char *name)
{
	size_t i;

	for (i = 0; f != NULL && i < f->n; i++)
		if (strcmp(f->e[i].name, name) == 0)
			return f->e[i].domain;
	return NULL;
}

/* One "name=domain" into f (lowercased, a final dot dropped). */
static int
entry_add(struct dnsfed *f, const char *part, size_t len, char *err,
    size_t errsize)
{
	char buf[DNS_NAME_MAX + 2], *eq, *dom;
	size_t dl, i;

	if (len == 0 || len >= sizeof(buf)) {
		snprintf(err, errsize, "%s", len == 0 ? "an empty entry" :
		    "an entry is too long");
		return CK_EINVALID;
	}
	memcpy(buf, part, len);
	buf[len] = '\0';
	dnsrec_lower(buf);
	eq = strchr(buf, '=');
	if (eq == NULL) {
		snprintf(err, errsize, "%s: want NAME=DOMAIN", buf);
		return CK_EINVALID;
	}
	*eq = '\0';
	dom = eq + 1;
	dl = strlen(dom);
	if (dl > 1 && dom[dl - 1] == '.')
		dom[dl - 1] = '\0';
	if (!label_ok(buf, strlen(buf), false)) {
		snprintf(err, errsize, "%s: the federation name must be a "
		    "DNS-1123 label", buf);
		return CK_EINVALID;
	}
	if (!subdomain_ok(dom)) {
		snprintf(err, errsize, "%s=%s: the domain must be a DNS-1123 "
		    "subdomain", buf, dom);
		return CK_EINVALID;
	}
	for (i = 0; i < f->n; i++)
		if (strcmp(f->e[i].name, buf) == 0) {
			snprintf(err, errsize, "%s: named twice", buf);
			return CK_EINVALID;
		}
	f->e = ck_reallocarray(f->e, f->n + 1, sizeof(*f->e));
	f->e[f->n].name = ck_strdup(buf);
	f->e[f->n].domain = ck_strdup(dom);
	f->n++;
	return 0;
}

int
dnsfed_parse(const char *spec, struct dnsfed **out, char *err,
    size_t errsize)
{
	struct dnsfed *f = ck_calloc(1, sizeof(*f));
	const char *s = spec != NULL ? spec : "", *comma;
	int rc = 0;

	*out = NULL;
	err[0] = '\0';
	while (*s != '\0') {
		comma = strchr(s, ',');
		rc = entry_add(f, s, comma != NULL ? (size_t)(comma - s) :
		    strlen(s), err, errsize);
		if (rc < 0)
			goto out;
		if (comma == NULL)
			break;
		s = comma + 1;
		if (*s == '\0') {
			snprintf(err, errsize, "an empty entry");
			rc = CK_EINVALID;
			goto out;
		}
	}
	*out = f;
	f = NULL;
out:
	dnsfed_free(f);
	return rc;
}

bool
dnsfed_match(const struct dnsfed *f, const char *zone, const char *name,
    struct dnsfed_query *q)
{
	const char *p = name, *dot;
	char *dst[3] = { q->svc, q->ns, q->fed };
	size_t len, i;

	for (i = 0; i < 3; i++) {
		dot = strchr(p, '.');
		if (dot == NULL)
			return false;
		len = (size_t)(dot - p);
		if (!label_ok(p, len, i == 0))
			return false;
		memcpy(dst[i], p, len);
		dst[i][len] = '\0';
		p = dot + 1;
	}
	if (strncmp(p, "svc.", 4) != 0 || strcmp(p + 4, zone) != 0)
		return false;
	q->domain = dnsfed_domain(f, q->fed);
	return q->domain != NULL;
}

/* The value of the first of two labels a node has, or NULL. */
static const char *
label2(const struct kobj *node, const char *a, const char *b)
{
	const char *v = kobj_label(node, a);

	if (v == NULL || v[0] == '\0')
		v = kobj_label(node, b);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

bool
dnsfed_zone_region(struct kobj *const *nodes, size_t n, char *zone,
    size_t zsize, char *region, size_t rsize)
{
	const char *z, *r;
	size_t i;

	for (i = 0; i < n; i++) {
		z = label2(nodes[i], "topology.kubernetes.io/zone",
		    "failure-domain.beta.kubernetes.io/zone");
		r = label2(nodes[i], "topology.kubernetes.io/region",
		    "failure-domain.beta.kubernetes.io/region");
		if (z == NULL || r == NULL)
			continue;
		if ((size_t)snprintf(zone, zsize, "%s", z) >= zsize ||
		    (size_t)snprintf(region, rsize, "%s", r) >= rsize)
			continue;
		dnsrec_lower(zone);
		dnsrec_lower(region);
		return true;
	}
	return false;
}

bool
dnsfed_has_ready(const struct kobj *ep)
{
	const cJSON *ss, *s, *a;

	if (ep == NULL)
		return false;
	ss = kobj_get(ep, "subsets");
	cJSON_ArrayForEach(s, ss) {
		a = cJSON_GetObjectItemCaseSensitive(s, "addresses");
		if (cJSON_IsArray(a) && cJSON_GetArraySize(a) > 0)
			return true;
	}
	return false;
}

int
dnsfed_target(const struct dnsfed_query *q, const char *cluster_zone,
    bool local, const char *zone, const char *region, char *buf,
    size_t size)
{
	int n;

	if (local)
		n = snprintf(buf, size, "%s.%s.svc.%s", q->svc, q->ns,
		    cluster_zone);
	else if (zone == NULL || region == NULL)
		return CK_ENOTFOUND;
	else
		n = snprintf(buf, size, "%s.%s.%s.svc.%s.%s.%s", q->svc, q->ns,
		    q->fed, zone, region, q->domain);
	if (n < 0 || (size_t)n >= size || (size_t)n > DNS_NAME_MAX)
		return CK_EINVALID;
	return 0;
}
