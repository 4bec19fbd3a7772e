/*
 * dnstable.c: every record the server knows, by name, grouped by the
 * source that made it (an owner: "svc/<ns>/<name>", the zone's own; later
 * federation names), so a source's records are replaced as one. A name
 * exists while any record sits at or below it, which gives empty
 * non-terminals (default.svc.cluster.local) their NOERROR answer.
 * One read-write lock: the reconcile writes, the server thread reads.
 */
#include "dns.h"

#include <pthread.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/strmap.h"

struct owner {
	struct dns_rrs	 rrs;
	char		 key[];
};

struct ref {
	const struct dns_rr	*rr;
	const struct owner	*owner;
};

struct entry {
	struct ref	*refs;
	size_t		 n, cap;
	size_t		 children;	/* entries one label below */
	unsigned int	 pass;		/* last dnstable_replace that filtered it */
	char		 name[];
};

struct dnstable {
	pthread_rwlock_t lock;
	struct strmap	*names;		/* name -> struct entry */
	struct strmap	*owners;	/* owner key -> struct owner */
	unsigned int	 pass;
	char		*zone;
};

static void
owner_free(void *p)
{
	struct owner *o = p;

	if (o == NULL)
		return;
	dns_rrs_fini(&o->rrs);
	free(o);
}

static void
entry_free(void *p)
{
	struct entry *e = p;

	if (e == NULL)
		return;
	free(e->refs);
	free(e);
}

/* The entry of name, made (with its parents) when missing. */
static struct entry *
entry_get(struct dnstable *t, const char *name)
{
	struct entry *e = strmap_get(t->names, name), *p;
	const char *dot;
	size_t len;

	if (e != NULL)
		return e;
	len = strlen(name);
	e = ck_calloc(1, sizeof(*e) + len + 1);
	memcpy(e->name, name, len + 1);
	strmap_put(t->names, e->name, e);
	dot = strchr(name, '.');
	if (dot != NULL && dot[1] != '\0') {
		p = entry_get(t, dot + 1);
		p->children++;
	}
	return e;
}

/* Drop e, and then its parents, while they hold nothing. */
static void
entry_release(struct dnstable *t, struct entry *e)
{
	const char *dot;
	struct entry *p;

	while (e != NULL && e->n == 0 && e->children == 0) {
		strmap_remove(t->names, e->name);
		dot = strchr(e->name, '.');
		p = dot != NULL && dot[1] != '\0' ?
		    strmap_get(t->names, dot + 1) : NULL;
		entry_free(e);
		if (p != NULL)
			p->children--;
		e = p;
	}
}

static void
entry_push(struct entry *e, const struct dns_rr *rr, const struct owner *o)
{
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 4;
		e->refs = ck_reallocarray(e->refs, e->cap, sizeof(*e->refs));
	}
	e->refs[e->n].rr = rr;
	e->refs[e->n].owner = o;
	e->n++;
}

/* Remove the refs of o from e (once per pass: an entry can recur in o). */
static void
entry_filter(struct entry *e, const struct owner *o, unsigned int pass)
{
	size_t i, j;

	if (e->pass == pass)
		return;
	e->pass = pass;
	for (i = j = 0; i < e->n; i++)
		if (e->refs[i].owner != o)
			e->refs[j++] = e->refs[i];
	e->n = j;
}

struct dnstable *
dnstable_new(const char *zone)
{
	struct dnstable *t = ck_calloc(1, sizeof(*t));
	struct dns_rrs rrs = { 0 };
	size_t len;

	pthread_rwlock_init(&t->lock, NULL);
	t->names = strmap_new();
	t->owners = strmap_new();
	t->zone = ck_strdup(zone);
	dnsrec_lower(t->zone);
	len = strlen(t->zone);
	if (len > 1 && t->zone[len - 1] == '.')
		t->zone[len - 1] = '\0';	/* "cluster.local." is the same zone */
	dnsrec_zone(t->zone, &rrs);
	dnstable_replace(t, "zone", &rrs);
	return t;
}

void
dnstable_free(struct dnstable *t)
{
	if (t == NULL)
		return;
	strmap_free(t->names, entry_free);
	strmap_free(t->owners, owner_free);
	pthread_rwlock_destroy(&t->lock);
	free(t->zone);
	free(t);
}

const char *
dnstable_zone(const struct dnstable *t)
{
	return t->zone;
}

void
dnstable_replace(struct dnstable *t, const char *owner, struct dns_rrs *rrs)
{
	struct owner *old, *o = NULL;
	struct entry *e;
	size_t i, len = strlen(owner);

	if (rrs->n > 0) {
		o = ck_calloc(1, sizeof(*o) + len + 1);
		memcpy(o->key, owner, len + 1);
		o->rrs = *rrs;
		memset(rrs, 0, sizeof(*rrs));
	}
	pthread_rwlock_wrlock(&t->lock);
	old = strmap_remove(t->owners, owner);
	/* The new records first, so names that stay keep their entries. */
	if (o != NULL) {
		strmap_put(t->owners, o->key, o);
		for (i = 0; i < o->rrs.n; i++)
			entry_push(entry_get(t, o->rrs.rr[i].name),
			    &o->rrs.rr[i], o);
	}
	if (old != NULL) {
		t->pass++;
		for (i = 0; i < old->rrs.n; i++) {
			e = strmap_get(t->names, old->rrs.rr[i].name);
			if (e != NULL)
				entry_filter(e, old, t->pass);
		}
		for (i = 0; i < old->rrs.n; i++)
			entry_release(t, strmap_get(t->names,
			    old->rrs.rr[i].name));
	}
	pthread_rwlock_unlock(&t->lock);
	owner_free(old);
	dns_rrs_fini(rrs);
}

enum dnstable_found
dnstable_lookup(struct dnstable *t, const char *name, uint16_t type,
    struct dns_rrs *out)
{
	enum dnstable_found found = DNSTABLE_NXDOMAIN;
	struct entry *e;
	size_t i;

	pthread_rwlock_rdlock(&t->lock);
	e = strmap_get(t->names, name);
	if (e != NULL) {
		found = DNSTABLE_FOUND;
		for (i = 0; i < e->n; i++)
			if (type == DNS_TYPE_ANY || e->refs[i].rr->type == type)
				dns_rrs_add(out, e->refs[i].rr);
	}
	pthread_rwlock_unlock(&t->lock);
	return found;
}

size_t
dnstable_names(struct dnstable *t)
{
	size_t n;

	pthread_rwlock_rdlock(&t->lock);
	n = strmap_len(t->names);
	pthread_rwlock_unlock(&t->lock);
	return n;
}

size_t
dnstable_owners(struct dnstable *t)
{
	size_t n;

	pthread_rwlock_rdlock(&t->lock);
	n = strmap_len(t->owners);
	pthread_rwlock_unlock(&t->lock);
	return n;
}
