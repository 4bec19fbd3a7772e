/*
 * lbpool.c: the address pool of ckube-service-lb-controller. The flag's
 * ranges become one flat table of addresses, each with the key of the
 * Service holding it (or NULL); a map gives each key its slot. The lowest
 * free address goes first, so assignments are predictable. One mutex: the
 * informer thread claims what Services show, workers allocate.
 */
#include "lb.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"

struct lbrange {
	uint32_t	 first, last;	/* host order, both included */
	size_t		 base;		/* slot of first */
};

struct lbpool {
	pthread_mutex_t	 lock;
	struct lbrange	*ranges;
	size_t		 nranges;
	size_t		 size, used;
	char		**owner;	/* slot -> key (owned) or NULL */
	struct strmap	*slots;		/* key (the owner string) -> slot + 1 */
};

static int
ip_parse(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return CK_EINVALID;
	*out = ntohl(a.s_addr);
	return 0;
}

static void
ip_format(uint32_t ip, char *buf)
{
	struct in_addr a = { .s_addr = htonl(ip) };

	inet_ntop(AF_INET, &a, buf, LBPOOL_IP_LEN);
}

/* One part of the flag, "a.b.c.d/n" or "a-b", into *r. */
static int
range_parse(const char *part, struct lbrange *r, char *err, size_t errsize)
{
	char buf[64], *sep;
	int64_t bits;
	uint32_t mask;

	if (ck_strlcpy(buf, part, sizeof(buf)) >= sizeof(buf)) {
		snprintf(err, errsize, "%.40s...: too long for an address range",
		    part);
		return CK_EINVALID;
	}
	if ((sep = strchr(buf, '/')) != NULL) {
		*sep++ = '\0';
		if (ip_parse(buf, &r->first) < 0 ||
		    ck_parse_int64(sep, &bits) < 0 || bits < 0 || bits > 32) {
			snprintf(err, errsize, "%s: not an IPv4 CIDR "
			    "(a.b.c.d/n)", part);
			return CK_EINVALID;
		}
		mask = bits == 0 ? 0 : ~(uint32_t)0 << (32 - bits);
		r->first &= mask;
		r->last = r->first | ~mask;
		if (bits < 31) {	/* network and broadcast are not hosts */
			r->first++;
			r->last--;
		}
		return 0;
	}
	if ((sep = strchr(buf, '-')) != NULL) {
		*sep++ = '\0';
		if (ip_parse(buf, &r->first) < 0 ||
		    ip_parse(sep, &r->last) < 0) {
			snprintf(err, errsize, "%s: not an IPv4 range "
			    "(a.b.c.d-e.f.g.h)", part);
			return CK_EINVALID;
		}
		if (r->first > r->last) {
			snprintf(err, errsize, "%s: the first address is "
			    "above the last", part);
			return CK_EINVALID;
		}
		return 0;
	}
	snprintf(err, errsize, "%s: want a CIDR (172.18.255.0/24) or a range "
	    "(172.18.255.1-172.18.255.50)", part);
	return CK_EINVALID;
}

static int
ranges_check(struct lbpool *p, char *err, size_t errsize)
{
	size_t i, j;
	uint64_t total = 0;

	for (i = 0; i < p->nranges; i++) {
		for (j = 0; j < i; j++)
			if (p->ranges[i].first <= p->ranges[j].last &&
			    p->ranges[j].first <= p->ranges[i].last) {
				snprintf(err, errsize, "address ranges %zu and "
				    "%zu overlap", j + 1, i + 1);
				return CK_EINVALID;
			}
		p->ranges[i].base = (size_t)total;
		total += (uint64_t)p->ranges[i].last - p->ranges[i].first + 1;
		if (total > LBPOOL_MAX) {
			snprintf(err, errsize, "more than %d addresses (a /16)",
			    LBPOOL_MAX);
			return CK_EINVALID;
		}
	}
	p->size = (size_t)total;
	return 0;
}

int
lbpool_parse(const char *spec, struct lbpool **out, char *err, size_t errsize)
{
	struct lbpool *p = ck_calloc(1, sizeof(*p));
	const char *s = spec != NULL ? spec : "", *comma;
	char part[128];
	size_t len;
	int rc = CK_EINVALID;

	*out = NULL;
	err[0] = '\0';
	pthread_mutex_init(&p->lock, NULL);
	p->slots = strmap_new();
	for (;;) {
		comma = strchr(s, ',');
		len = comma != NULL ? (size_t)(comma - s) : strlen(s);
		while (len > 0 && *s == ' ') {
			s++;
			len--;
		}
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len == 0 || len >= sizeof(part)) {
			snprintf(err, errsize, "%s", len == 0 ? "an empty "
			    "address range" : "an address range is too long");
			rc = CK_EINVALID;
			goto out;
		}
		memcpy(part, s, len);
		part[len] = '\0';
		p->ranges = ck_reallocarray(p->ranges, p->nranges + 1,
		    sizeof(*p->ranges));
		rc = range_parse(part, &p->ranges[p->nranges], err, errsize);
		if (rc < 0)
			goto out;
		p->nranges++;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	rc = ranges_check(p, err, errsize);
	if (rc < 0)
		goto out;
	p->owner = ck_calloc(p->size, sizeof(*p->owner));
	*out = p;
	p = NULL;
out:
	lbpool_free(p);
	return rc < 0 ? CK_EINVALID : 0;
}

void
lbpool_free(struct lbpool *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; p->owner != NULL && i < p->size; i++)
		free(p->owner[i]);
	free(p->owner);
	strmap_free(p->slots, NULL);
	free(p->ranges);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

size_t
lbpool_size(struct lbpool *p)
{
	return p->size;
}

size_t
lbpool_free_count(struct lbpool *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->size - p->used;
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* The slot of ip, or -1. */
static long
slot_of(const struct lbpool *p, const char *ip)
{
	uint32_t a;
	size_t i;

	if (ip == NULL || ip_parse(ip, &a) < 0)
		return -1;
	for (i = 0; i < p->nranges; i++)
		if (a >= p->ranges[i].first && a <= p->ranges[i].last)
			return (long)(p->ranges[i].base +
			    (a - p->ranges[i].first));
	return -1;
}

static uint32_t
addr_of(const struct lbpool *p, size_t slot)
{
	size_t i;

	for (i = 0; i + 1 < p->nranges && slot >= p->ranges[i + 1].base; i++)
		;
	return p->ranges[i].first + (uint32_t)(slot - p->ranges[i].base);
}

bool
lbpool_contains(struct lbpool *p, const char *ip)
{
	return slot_of(p, ip) >= 0;
}

/* The slot key holds, or -1. Locked. */
static long
held(const struct lbpool *p, const char *key)
{
	uintptr_t v = (uintptr_t)strmap_get(p->slots, key);

	return v == 0 ? -1 : (long)(v - 1);
}

static void
give(struct lbpool *p, const char *key, size_t slot)
{
	p->owner[slot] = ck_strdup(key);
	strmap_put(p->slots, p->owner[slot], (void *)(uintptr_t)(slot + 1));
	p->used++;
}

static bool
drop(struct lbpool *p, const char *key)
{
	long slot = held(p, key);

	if (slot < 0)
		return false;
	strmap_remove(p->slots, key);
	free(p->owner[slot]);
	p->owner[slot] = NULL;
	p->used--;
	return true;
}

int
lbpool_claim(struct lbpool *p, const char *key, const char *ip, char *owner,
    size_t owner_size)
{
	long slot = slot_of(p, ip);
	int rc = 0;

	if (slot < 0)
		return CK_EINVALID;
	pthread_mutex_lock(&p->lock);
	if (p->owner[slot] != NULL && strcmp(p->owner[slot], key) != 0) {
		if (owner != NULL)
			ck_strlcpy(owner, p->owner[slot], owner_size);
		rc = CK_EEXIST;
	} else if (p->owner[slot] == NULL) {
		drop(p, key);
		give(p, key, (size_t)slot);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int
lbpool_alloc(struct lbpool *p, const char *key, char *ip)
{
	long slot;
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	slot = held(p, key);
	for (i = 0; slot < 0 && i < p->size; i++)
		if (p->owner[i] == NULL) {
			give(p, key, i);
			slot = (long)i;
		}
	if (slot < 0)
		rc = CK_ENOSPC;
	else
		ip_format(addr_of(p, (size_t)slot), ip);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

bool
lbpool_lookup(struct lbpool *p, const char *key, char *ip)
{
	long slot;

	pthread_mutex_lock(&p->lock);
	slot = held(p, key);
	if (slot >= 0)
		ip_format(addr_of(p, (size_t)slot), ip);
	pthread_mutex_unlock(&p->lock);
	return slot >= 0;
}

bool
lbpool_release(struct lbpool *p, const char *key)
{
	bool had;

	pthread_mutex_lock(&p->lock);
	had = drop(p, key);
	pthread_mutex_unlock(&p->lock);
	return had;
}
