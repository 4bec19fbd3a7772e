/*
 * dnsrec.c: the records of one Service and its Endpoints (kube-dns
 * cmd/kube-dns/SPEC.md, schema 1.0.0; pkg/dns/dns.go generateRecordsFor*).
 * Pure: objects in, records out. The table and the wire are elsewhere.
 */
#include "dns.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/strmap.h"

void
dns_rrs_fini(struct dns_rrs *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->rr[i].name);
		free(l->rr[i].target);
	}
	free(l->rr);
	l->rr = NULL;
	l->n = l->cap = 0;
}

struct dns_rr *
dns_rrs_push(struct dns_rrs *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8;
		l->rr = ck_reallocarray(l->rr, l->cap, sizeof(*l->rr));
	}
	memset(&l->rr[l->n], 0, sizeof(l->rr[l->n]));
	return &l->rr[l->n++];
}

void
dns_rrs_add(struct dns_rrs *l, const struct dns_rr *rr)
{
	struct dns_rr *c = dns_rrs_push(l);

	*c = *rr;
	c->name = ck_strdup(rr->name);
	c->target = rr->target != NULL ? ck_strdup(rr->target) : NULL;
}

void
dnsrec_lower(char *s)
{
	for (; *s != '\0'; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

int
dnsrec_reverse_name(const char *ip, char *buf, size_t size, uint8_t addr[16],
    size_t *alen)
{
	static const char hex[] = "0123456789abcdef";
	size_t off = 0;
	int i, n;

	if (ip == NULL)
		return CK_EINVALID;
	if (inet_pton(AF_INET, ip, addr) == 1) {
		*alen = 4;
		n = snprintf(buf, size, "%u.%u.%u.%u.in-addr.arpa", addr[3],
		    addr[2], addr[1], addr[0]);
		return n < 0 || (size_t)n >= size ? CK_EINVALID : 0;
	}
	if (inet_pton(AF_INET6, ip, addr) != 1)
		return CK_EINVALID;
	*alen = 16;
	if (size < 16 * 4 + sizeof("ip6.arpa"))
		return CK_EINVALID;
	for (i = 15; i >= 0; i--) {
		buf[off++] = hex[addr[i] & 0xf];
		buf[off++] = '.';
		buf[off++] = hex[addr[i] >> 4];
		buf[off++] = '.';
	}
	memcpy(buf + off, "ip6.arpa", sizeof("ip6.arpa"));
	return 0;
}

/* Whether s is a DNS label a name may carry: [a-z0-9-], 1..63, no edge '-'. */
static bool
label_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > DNS_LABEL_MAX || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static struct dns_rr *
add_rr(struct dns_rrs *out, const char *name, uint16_t type,
    const char *target)
{
	struct dns_rr *rr = dns_rrs_push(out);

	rr->type = type;
	rr->name = ck_strdup(name);
	dnsrec_lower(rr->name);
	if (target != NULL) {
		rr->target = ck_strdup(target);
		if (type != DNS_TYPE_TXT)
			dnsrec_lower(rr->target);
	}
	return rr;
}

/* An A or AAAA record for ip at name, and the PTR of ip to ptr_target. */
static bool
add_address(struct dns_rrs *out, const char *name, const char *ip,
    const char *ptr_target)
{
	char rev[DNS_NAME_MAX + 1];
	uint8_t addr[16];
	size_t alen;

	if (dnsrec_reverse_name(ip, rev, sizeof(rev), addr, &alen) < 0)
		return false;
	memcpy(add_rr(out, name, alen == 4 ? DNS_TYPE_A : DNS_TYPE_AAAA,
	    NULL)->addr, addr, alen);
	if (ptr_target != NULL)
		add_rr(out, rev, DNS_TYPE_PTR, ptr_target);
	return true;
}

static void
add_srv(struct dns_rrs *out, const char *base, const char *port_name,
    const char *proto, int64_t port, const char *target)
{
	char name[DNS_NAME_MAX + 2];
	struct dns_rr *rr;
	int n;

	if (port_name == NULL || !label_ok(port_name) || port < 1 ||
	    port > 65535)
		return;				/* unnamed ports get no SRV */
	n = snprintf(name, sizeof(name), "_%s._%s.%s", port_name,
	    proto != NULL && proto[0] != '\0' ? proto : "tcp", base);
	if (n < 0 || (size_t)n > DNS_NAME_MAX)
		return;
	rr = add_rr(out, name, DNS_TYPE_SRV, target);
	rr->prio = 10;
	rr->weight = 100;
	rr->port = (uint16_t)port;
}

static int64_t
json_int(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

static const char *
json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static size_t
cluster_ip_records(const struct kobj *svc, const char *ip, const char *base,
    struct dns_rrs *out)
{
	const cJSON *p;
	size_t n0 = out->n;

	if (!add_address(out, base, ip, base))
		return 0;
	cJSON_ArrayForEach(p, kobj_get(svc, "spec.ports"))
		add_srv(out, base, json_str(p, "name"), json_str(p, "protocol"),
		    json_int(p, "port"), base);
	return out->n - n0;
}

/* The label of an address: its hostname, or kube-dns's hash of the IP. */
static void
address_label(const cJSON *a, char *buf, size_t size)
{
	const char *h = json_str(a, "hostname"), *ip = json_str(a, "ip");

	if (h != NULL && label_ok(h))
		snprintf(buf, size, "%s", h);
	else
		snprintf(buf, size, "%x",
		    (unsigned int)(strmap_hash(ip != NULL ? ip : "") &
		    0xffffffffu));
}

/* SRV weights: the records of one name share 100 (skydns). */
static void
share_weights(struct dns_rrs *out, size_t from)
{
	size_t i, j, n;

	for (i = from; i < out->n; i++) {
		if (out->rr[i].type != DNS_TYPE_SRV)
			continue;
		for (n = 0, j = from; j < out->n; j++)
			if (out->rr[j].type == DNS_TYPE_SRV &&
			    strcmp(out->rr[j].name, out->rr[i].name) == 0)
				n++;
		out->rr[i].weight = (uint16_t)(n > 100 ? 1 : 100 / n);
	}
}

static size_t
headless_records(const struct kobj *ep, const char *base, struct dns_rrs *out)
{
	const cJSON *s, *a, *p;
	char label[DNS_LABEL_MAX + 1], name[DNS_NAME_MAX + 2];
	size_t n0 = out->n;
	int n;

	if (ep == NULL)
		return 0;
	cJSON_ArrayForEach(s, kobj_get(ep, "subsets")) {
		cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(s,
		    "addresses")) {
			address_label(a, label, sizeof(label));
			n = snprintf(name, sizeof(name), "%s.%s", label, base);
			if (n < 0 || (size_t)n > DNS_NAME_MAX)
				continue;
			if (!add_address(out, base, json_str(a, "ip"), NULL))
				continue;
			add_address(out, name, json_str(a, "ip"), name);
			cJSON_ArrayForEach(p,
			    cJSON_GetObjectItemCaseSensitive(s, "ports"))
				add_srv(out, base, json_str(p, "name"),
				    json_str(p, "protocol"),
				    json_int(p, "port"), name);
		}
	}
	share_weights(out, n0);
	return out->n - n0;
}

size_t
dnsrec_service(const struct kobj *svc, const struct kobj *ep,
    const char *zone, struct dns_rrs *out)
{
	const char *ip = kobj_get_str(svc, "spec.clusterIP");
	char base[DNS_NAME_MAX + 2];
	int n;

	n = snprintf(base, sizeof(base), "%s.%s.svc.%s", kobj_name(svc),
	    kobj_namespace(svc), zone);
	if (n < 0 || (size_t)n > DNS_NAME_MAX)
		return 0;
	if (ip == NULL || ip[0] == '\0')
		return 0;			/* not allocated yet */
	if (strcmp(ip, "None") == 0)
		return headless_records(ep, base, out);
	return cluster_ip_records(svc, ip, base, out);
}

/* name (lowercase, no final dot) at or below zone. */
static bool
in_zone(const char *name, const char *zone)
{
	size_t n = strlen(name), z = strlen(zone);

	return n == z ? strcmp(name, zone) == 0 :
	    n > z && name[n - z - 1] == '.' && strcmp(name + n - z, zone) == 0;
}

/* A name from the object: lowercased, a final dot dropped; false if bad. */
static bool
record_name(const char *in, char *buf, size_t size)
{
	size_t n;

	if (in == NULL || (size_t)snprintf(buf, size, "%s", in) >= size)
		return false;
	n = strlen(buf);
	if (n > 1 && buf[n - 1] == '.')
		buf[--n] = '\0';
	dnsrec_lower(buf);
	return n > 0 && n <= DNS_NAME_MAX && buf[0] != '.' &&
	    strstr(buf, "..") == NULL;
}

size_t
dnsrec_dnsrecord(const struct kobj *rec, const char *zone,
    struct dns_rrs *out)
{
	const cJSON *eps = kobj_get(rec, "spec.endpoints"), *e, *t;
	char name[DNS_NAME_MAX + 2], target[DNS_NAME_MAX + 2];
	const char *type;
	size_t before = out->n, first, i;
	uint8_t addr[16];
	int64_t ttl;
	size_t alen;

	cJSON_ArrayForEach(e, eps) {
		type = json_str(e, "recordType");
		ttl = json_int(e, "recordTTL");
		if (!record_name(json_str(e, "dnsName"), name, sizeof(name)) ||
		    !in_zone(name, zone) || type == NULL)
			continue;
		first = out->n;
		cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(e,
		    "targets")) {
			if (!cJSON_IsString(t))
				continue;
			if (strcmp(type, "CNAME") == 0) {
				if (record_name(t->valuestring, target,
				    sizeof(target)))
					add_rr(out, name, DNS_TYPE_CNAME,
					    target);
				break;		/* one CNAME per name */
			}
			if ((strcmp(type, "A") == 0 ||
			    strcmp(type, "AAAA") == 0) &&
			    dnsrec_reverse_name(t->valuestring, target,
			    sizeof(target), addr, &alen) == 0 &&
			    (alen == 4) == (strcmp(type, "A") == 0))
				memcpy(add_rr(out, name, alen == 4 ?
				    DNS_TYPE_A : DNS_TYPE_AAAA, NULL)->addr,
				    addr, alen);
		}
		for (i = first; i < out->n; i++)
			out->rr[i].ttl_s = ttl > 0 && ttl <= INT32_MAX ?
			    (uint32_t)ttl : 0;
	}
	return out->n - before;
}

void
dnsrec_zone(const char *zone, struct dns_rrs *out)
{
	char name[DNS_NAME_MAX + 2];

	snprintf(name, sizeof(name), "dns-version.%s", zone);
	add_rr(out, name, DNS_TYPE_TXT, DNS_SCHEMA_VERSION);
}
