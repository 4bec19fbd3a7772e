/*
 * dns.h: the map header of ckube-dns (cluster DNS, the kube-dns schema
 * 1.0.0). dnsrec.c turns a Service and its Endpoints into records,
 * dnstable.c keeps every record by name, dnsanswer.c answers one packet
 * from the table (ldns for the wire format), dnsserver.c owns the sockets
 * and dnssync.c is the reconcile that feeds the table from the informers.
 */
#ifndef CKUBE_DNS_DNS_H
#define CKUBE_DNS_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct controller;
struct kobj;

/* RR types and response codes (RFC 1035, 2782, 3596); ldns has the same. */
#define DNS_TYPE_A	1
#define DNS_TYPE_NS	2
#define DNS_TYPE_CNAME	5
#define DNS_TYPE_SOA	6
#define DNS_TYPE_PTR	12
#define DNS_TYPE_TXT	16
#define DNS_TYPE_AAAA	28
#define DNS_TYPE_SRV	33
#define DNS_TYPE_ANY	255

#define DNS_NAME_MAX	255	/* text form without the final dot */
#define DNS_LABEL_MAX	63

/* The schema version served as dns-version.<domain> TXT. */
#define DNS_SCHEMA_VERSION	"1.0.0"

/*
 * One record. Names are lowercase, absolute, without the final dot
 * ("web-0.nginx.default.svc.cluster.local"). The TTL is the server's.
 */
struct dns_rr {
	char		*name;		/* owner */
	uint16_t	 type;		/* DNS_TYPE_A, AAAA, SRV, PTR, TXT, CNAME */
	uint16_t	 prio, weight, port;	/* SRV */
	uint8_t		 addr[16];	/* A: 4 bytes, AAAA: 16 */
	char		*target;	/* SRV, PTR, CNAME: a name; TXT: the text */
	uint32_t	 ttl_s;		/* 0: the server's --ttl */
};

/* A growable array of records; every string is owned. */
struct dns_rrs {
	struct dns_rr	*rr;
	size_t		 n, cap;
};

/* dnsrec.c -------------------------------------------------------------- */

/* Release every record of l and its array; l can be reused. */
void		 dns_rrs_fini(struct dns_rrs *l);
/* Append a zeroed record and return it (valid until the next append). */
struct dns_rr	*dns_rrs_push(struct dns_rrs *l);
/* Append a copy of rr (its strings duplicated). */
void		 dns_rrs_add(struct dns_rrs *l, const struct dns_rr *rr);

/*
 * The records of Service svc with its Endpoints ep (NULL if none yet) in
 * zone (e.g. "cluster.local"), appended to out:
 *   ClusterIP: <svc>.<ns>.svc.<zone> A/AAAA the cluster IP, its PTR, and
 *     _<port>._<proto>.<svc>.<ns>.svc.<zone> SRV 10 100 <port> <svc name>
 *     for each named port;
 *   headless (clusterIP None): per ready endpoint address an A/AAAA on the
 *     service name and on <label>.<svc>.<ns>.svc.<zone>, where label is the
 *     address's hostname or else a hash of its IP (kube-dns), a PTR to that
 *     name, and per named endpoint port an SRV to that name (weights share
 *     100).
 * Names are lowercased; addresses that do not parse are skipped. Returns
 * the number of records added (0: e.g. no cluster IP yet).
 */
size_t		 dnsrec_service(const struct kobj *svc, const struct kobj *ep,
		    const char *zone, struct dns_rrs *out);

/*
 * The records of a DNSRecord object (federation.ckube.io/v1, external-dns's
 * DNSEndpoint schema: spec.endpoints[] {dnsName, recordType, targets[],
 * recordTTL}) that fall in zone, appended to out: A (IPv4 targets) and
 * AAAA (IPv6), or one CNAME (the first target); recordTTL as the TTL
 * (absent or 0: the server's). Names are lowercased without the final
 * dot; other types, names outside zone and targets that do not parse are
 * skipped. Returns the number of records added.
 */
size_t		 dnsrec_dnsrecord(const struct kobj *rec, const char *zone,
		    struct dns_rrs *out);

/* The records of the zone itself: dns-version.<zone> TXT. */
void		 dnsrec_zone(const char *zone, struct dns_rrs *out);

/*
 * The reverse name of a textual IPv4 or IPv6 address ("4.3.2.10.in-addr.arpa"
 * or the nibble form under ip6.arpa) into buf; its binary form into addr
 * (16 bytes), its length (4 or 16) into *alen. CK_EINVALID if ip is not an
 * address.
 */
int		 dnsrec_reverse_name(const char *ip, char *buf, size_t size,
		    uint8_t addr[16], size_t *alen) CK_MUST_CHECK;

/* Lowercase s in place; the ASCII letters only (DNS case rules). */
void		 dnsrec_lower(char *s);

/* dnsfed.c -------------------------------------------------------------- */

struct dnsfed;

/* A federation query, split: <svc>.<ns>.<fed>.svc.<cluster domain>. */
struct dnsfed_query {
	char		 svc[DNS_LABEL_MAX + 1];
	char		 ns[DNS_LABEL_MAX + 1];
	char		 fed[DNS_LABEL_MAX + 1];
	const char	*domain;	/* the federation's, borrowed */
};

/*
 * Parse --federations, "NAME=DOMAIN[,NAME=DOMAIN...]" (kube-dns's flag:
 * NAME a DNS-1123 label, DOMAIN a subdomain, a final dot dropped; "" is
 * none), into a new list. CK_EINVALID with a sentence in err, *out NULL.
 */
int		 dnsfed_parse(const char *spec, struct dnsfed **out, char *err,
		    size_t errsize) CK_MUST_CHECK;
void		 dnsfed_free(struct dnsfed *f);
/* The number of federations (NULL: 0). */
size_t		 dnsfed_count(const struct dnsfed *f);
/* The domain of federation name, or NULL. */
const char	*dnsfed_domain(const struct dnsfed *f, const char *name);

/*
 * Whether name (lowercase, no final dot) is a federation query in zone
 * (the cluster domain): svc a DNS-1035 label, ns and fed DNS-1123 labels,
 * then "svc" and zone, fed one of f's (kube-dns isFederationQuery). Fills q.
 */
bool		 dnsfed_match(const struct dnsfed *f, const char *zone,
		    const char *name, struct dnsfed_query *q);

/*
 * The cluster's zone and region: those of the first of nodes (n, in order)
 * that has both labels, topology.kubernetes.io/{zone,region} or else the
 * legacy failure-domain.beta.kubernetes.io/ ones, lowercased. false if none.
 */
bool		 dnsfed_zone_region(struct kobj *const *nodes, size_t n,
		    char *zone, size_t zsize, char *region, size_t rsize);

/* Whether Endpoints ep (NULL: none) has a ready address. */
bool		 dnsfed_has_ready(const struct kobj *ep);

/*
 * The CNAME target of q into buf: "<svc>.<ns>.svc.<cluster_zone>" when
 * local (the Service is here with ready endpoints), else
 * "<svc>.<ns>.<fed>.svc.<zone>.<region>.<domain>". CK_ENOTFOUND when that
 * needs a zone or region that is NULL (unlabelled nodes), CK_EINVALID when
 * the name is too long.
 */
int		 dnsfed_target(const struct dnsfed_query *q,
		    const char *cluster_zone, bool local, const char *zone,
		    const char *region, char *buf, size_t size) CK_MUST_CHECK;

/* dnstable.c ------------------------------------------------------------ */

struct dnstable;

/* A new table for zone (copied, lowercased, a final dot dropped). Never NULL. */
struct dnstable	*dnstable_new(const char *zone);
void		 dnstable_free(struct dnstable *t);
/* The zone (lowercase, no final dot). */
const char	*dnstable_zone(const struct dnstable *t);

/*
 * Make rrs (taken: emptied by the call) the records of owner (a source
 * such as "svc/default/web", copied), replacing what owner had; no records
 * removes owner. Names keep existing while any owner has a record at or
 * below them (empty non-terminals answer NOERROR). Thread-safe (write lock).
 */
void		 dnstable_replace(struct dnstable *t, const char *owner,
		    struct dns_rrs *rrs);

enum dnstable_found {
	DNSTABLE_NXDOMAIN,	/* no such name */
	DNSTABLE_FOUND,		/* the name exists; out has its records of the type */
};

/*
 * The records of name (lowercase, no final dot) of type (DNS_TYPE_ANY: all)
 * appended to out as copies. Thread-safe (read lock).
 */
enum dnstable_found dnstable_lookup(struct dnstable *t, const char *name,
		    uint16_t type, struct dns_rrs *out);

/* Counts for metrics and tests: names (with empty non-terminals), owners. */
size_t		 dnstable_names(struct dnstable *t);
size_t		 dnstable_owners(struct dnstable *t);

/* dnsanswer.c ----------------------------------------------------------- */

struct dns_answer_cfg {
	struct dnstable	*table;
	uint32_t	 ttl_s;
	bool		 can_forward;	/* an upstream exists */
	/* NULL, or whether the table is complete (else SERVFAIL in the zone). */
	bool		(*ready)(void *arg);
	void		*ready_arg;
	/*
	 * NULL, or for a name of the zone the table does not have: 1 with the
	 * CNAME target (lowercase, no final dot) in target when it is a
	 * federation query (dnsfed.c), 0 when it is not, a negative CK_E*
	 * for SERVFAIL (the cluster's zone is unknown). Called on the server
	 * thread.
	 */
	int		(*federation)(void *arg, const char *name, char *target,
			    size_t size);
	void		*federation_arg;
};

enum dns_verdict {
	DNS_DROP,	/* say nothing (a response, or too short for a header) */
	DNS_REPLY,	/* send *out */
	DNS_FORWARD,	/* not ours: send the query upstream */
};

/*
 * Answer query q (qlen bytes from the network). max_size: the largest
 * reply the transport carries (512 over UDP, raised by the query's EDNS
 * size; 65535 over TCP); a larger answer over UDP comes back truncated
 * (TC, no records) so the client retries over TCP. Bad packets get FORMERR,
 * other opcodes NOTIMP, classes other than IN REFUSED, names outside the
 * zone and the reverse zones REFUSED (DNS_FORWARD with can_forward). *out
 * (DNS_REPLY only) is malloc'ed: free() it. Never fails otherwise.
 */
enum dns_verdict dns_answer(const struct dns_answer_cfg *cfg,
		    const uint8_t *q, size_t qlen, size_t max_size,
		    uint8_t **out, size_t *outlen);

/* dnsserver.c ----------------------------------------------------------- */

struct dns_server;

struct dns_server_cfg {
	const char		*bind_address;	/* "127.0.0.1", "0.0.0.0", "::" */
	int			 port;		/* 0: a free one (UDP and TCP alike) */
	const char		*upstream;	/* NULL or "host[:port]" (an IP) */
	struct dns_answer_cfg	 answer;	/* can_forward is set from upstream */
};

/*
 * Bind UDP and TCP on one port and start the server thread. CK_EINVALID on
 * a bad address or upstream, CK_EIO when a socket cannot be bound (both
 * logged).
 */
int		 dns_server_start(const struct dns_server_cfg *cfg,
		    struct dns_server **out) CK_MUST_CHECK;
/* The bound port. */
int		 dns_server_port(const struct dns_server *s);
/* Stop the thread, close the sockets, free. NULL is fine. */
void		 dns_server_stop(struct dns_server *s);

/* dnssync.c ------------------------------------------------------------- */

/* What the reconcile needs (controller_data). */
struct dns_state {
	struct dnstable		*table;
	struct dns_server	*server;
	struct dnsfed		*feds;		/* --federations, or NULL */
};

/* The cache of DNSRecord objects (authoritative mode). */
#define DNS_RECORDS_RES	"dnsrecords.federation.ckube.io"

/*
 * Authoritative mode: the reconcile of a DNSRecord key ("ns/name"), and
 * the watch that feeds it (controller_watch_gvr on federation.ckube.io/v1
 * dnsrecords of the daemon's API server, e.g. the federation's).
 */
int		 dns_reconcile_record(struct controller *c, const char *key);
int		 dns_watch_records(struct controller *c) CK_MUST_CHECK;

/*
 * The federation hook of dns_answer_cfg over controller c's services,
 * endpoints and nodes caches (arg is c).
 */
int		 dns_federation_target(void *arg, const char *name,
		    char *target, size_t size);

/*
 * Rebuild the records of Service key ("ns/name") from the services and
 * endpoints caches; a Service gone removes them.
 */
int		 dns_reconcile(struct controller *c, const char *key);

#endif
