/*
 * dnsanswer.c: one query packet in, one reply out (or nothing, or "ask
 * upstream"). ldns parses and writes the wire format; the records come
 * from dnstable. No sockets here: the fuzz target and the unit tests call
 * dns_answer() directly.
 */
#include "dns.h"

#include <stdio.h>
#include <string.h>

#include <ldns/ldns.h>

#define HDR_LEN		12
#define UDP_MIN		512
#define UDP_MAX		4096	/* what we offer in our OPT record */
#define SOA_REFRESH	28800
#define SOA_RETRY	7200
#define SOA_EXPIRE	604800

enum zone_kind { ZONE_OURS, ZONE_REVERSE, ZONE_OUTSIDE };

/*
 * The text of a wire name, lowercased, without the final dot. A label byte
 * that no record name can hold ('.', controls) becomes '?', so the name
 * keeps its place in the zone but never matches a record.
 */
static void
name_text(const ldns_rdf *dname, char *buf, size_t size)
{
	const uint8_t *d = ldns_rdf_data(dname);
	size_t len = ldns_rdf_size(dname), i = 0, off = 0, l, k;
	uint8_t c;

	while (i < len && d[i] != 0 && off + 1 < size) {
		l = d[i++];
		if (off > 0)
			buf[off++] = '.';
		for (k = 0; k < l && i < len && off + 1 < size; k++, i++) {
			c = d[i];
			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c - 'A' + 'a');
			else if (c <= ' ' || c == '.' || c >= 0x7f)
				c = '?';
			buf[off++] = (char)c;
		}
	}
	buf[off] = '\0';
}

static bool
ends_with(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	if (n == s)
		return strcmp(name, suffix) == 0;
	return n > s && name[n - s - 1] == '.' &&
	    strcmp(name + n - s, suffix) == 0;
}

static enum zone_kind
zone_of(const char *name, const char *zone)
{
	if (ends_with(name, zone))
		return ZONE_OURS;
	if (ends_with(name, "in-addr.arpa") || ends_with(name, "ip6.arpa"))
		return ZONE_REVERSE;
	return ZONE_OUTSIDE;
}

/* A reply header for a packet ldns could not read: FORMERR, no sections. */
static enum dns_verdict
formerr_raw(const uint8_t *q, uint8_t **out, size_t *outlen)
{
	uint8_t *r = calloc(1, HDR_LEN);

	if (r == NULL)
		return DNS_DROP;
	r[0] = q[0];
	r[1] = q[1];
	r[2] = (uint8_t)(0x80 | (q[2] & 0x79));	/* QR, opcode, RD */
	r[3] = LDNS_RCODE_FORMERR;
	*out = r;
	*outlen = HDR_LEN;
	return DNS_REPLY;
}

static ldns_rr *
rr_new(ldns_rdf *owner, uint16_t type, uint32_t ttl)
{
	ldns_rr *rr = ldns_rr_new();

	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_type(rr, (ldns_rr_type)type);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_set_ttl(rr, ttl);
	return rr;
}

/* Our record as an ldns one owned by owner (taken), or NULL. */
static ldns_rr *
rr_make(const struct dns_rr *r, ldns_rdf *owner, uint32_t ttl)
{
	ldns_rr *rr;
	ldns_rdf *f = NULL;

	rr = rr_new(owner, r->type, r->ttl_s != 0 ? r->ttl_s : ttl);
	switch (r->type) {
	case DNS_TYPE_A:
		f = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, r->addr);
		break;
	case DNS_TYPE_AAAA:
		f = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, r->addr);
		break;
	case DNS_TYPE_PTR:
	case DNS_TYPE_CNAME:
		f = ldns_dname_new_frm_str(r->target);
		break;
	case DNS_TYPE_TXT:
		f = ldns_rdf_new_frm_str(LDNS_RDF_TYPE_STR, r->target);
		break;
	case DNS_TYPE_SRV:
		ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16,
		    r->prio));
		ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16,
		    r->weight));
		ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16,
		    r->port));
		f = ldns_dname_new_frm_str(r->target);
		break;
	default:
		break;
	}
	if (f == NULL) {
		ldns_rr_free(rr);
		return NULL;
	}
	ldns_rr_push_rdf(rr, f);
	return rr;
}

static ldns_rr *
soa_make(const char *zone, uint32_t ttl)
{
	char buf[DNS_NAME_MAX + 32];
	ldns_rr *rr = rr_new(ldns_dname_new_frm_str(zone), DNS_TYPE_SOA, ttl);

	snprintf(buf, sizeof(buf), "ns.dns.%s", zone);
	ldns_rr_push_rdf(rr, ldns_dname_new_frm_str(buf));
	snprintf(buf, sizeof(buf), "hostmaster.%s", zone);
	ldns_rr_push_rdf(rr, ldns_dname_new_frm_str(buf));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, 1));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_PERIOD,
	    SOA_REFRESH));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_PERIOD,
	    SOA_RETRY));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_PERIOD,
	    SOA_EXPIRE));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_PERIOD, ttl));
	return rr;
}

/* The A/AAAA records of each SRV target, in the additional section. */
static void
add_srv_targets(const struct dns_answer_cfg *cfg, ldns_pkt *r,
    const struct dns_rrs *srv)
{
	struct dns_rrs addrs = { 0 };
	ldns_rr *rr;
	size_t i, j;

	for (i = 0; i < srv->n; i++) {
		if (srv->rr[i].type != DNS_TYPE_SRV ||
		    srv->rr[i].target == NULL)
			continue;
		/* One target per distinct name: SRVs often share one. */
		for (j = 0; j < i; j++)
			if (srv->rr[j].type == DNS_TYPE_SRV &&
			    strcmp(srv->rr[j].target, srv->rr[i].target) == 0)
				break;
		if (j < i)
			continue;
		dnstable_lookup(cfg->table, srv->rr[i].target, DNS_TYPE_A,
		    &addrs);
		dnstable_lookup(cfg->table, srv->rr[i].target, DNS_TYPE_AAAA,
		    &addrs);
	}
	for (i = 0; i < addrs.n; i++) {
		rr = rr_make(&addrs.rr[i], ldns_dname_new_frm_str(
		    addrs.rr[i].name), cfg->ttl_s);
		if (rr != NULL)
			ldns_pkt_push_rr(r, LDNS_SECTION_ADDITIONAL, rr);
	}
	dns_rrs_fini(&addrs);
}

/*
 * A CNAME answer: the CNAME, then, when its target is in our zone, the
 * target's records of the type asked, so a client gets the address in one
 * reply (the federation names of kube-dns, and CNAMEs of the federation
 * zone). A target outside is left to the client's resolver, as kube-dns
 * did.
 */
static void
answer_cname(const struct dns_answer_cfg *cfg, const ldns_rr *qrr,
    uint16_t type, const struct dns_rr *cname, ldns_pkt *r)
{
	struct dns_rrs rrs = { 0 };
	ldns_rr *rr;
	size_t i;

	ldns_pkt_set_aa(r, true);
	rr = rr_make(cname, ldns_rdf_clone(ldns_rr_owner(qrr)), cfg->ttl_s);
	if (rr == NULL)
		return;
	ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
	if (type == DNS_TYPE_CNAME ||
	    zone_of(cname->target, dnstable_zone(cfg->table)) != ZONE_OURS)
		return;
	dnstable_lookup(cfg->table, cname->target, type, &rrs);
	for (i = 0; i < rrs.n; i++) {
		rr = rr_make(&rrs.rr[i], ldns_dname_new_frm_str(cname->target),
		    cfg->ttl_s);
		if (rr != NULL)
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
	}
	dns_rrs_fini(&rrs);
}

static ldns_rr *
ns_make(const char *zone, uint32_t ttl)
{
	char buf[DNS_NAME_MAX + 32];
	ldns_rr *rr = rr_new(ldns_dname_new_frm_str(zone), DNS_TYPE_NS, ttl);

	snprintf(buf, sizeof(buf), "ns.dns.%s", zone);
	ldns_rr_push_rdf(rr, ldns_dname_new_frm_str(buf));
	return rr;
}

/*
 * Fill reply r for question qrr (name text in name). Returns DNS_REPLY, or
 * DNS_FORWARD when the name is not ours and an upstream can answer.
 */
static enum dns_verdict
resolve(const struct dns_answer_cfg *cfg, const ldns_rr *qrr,
    const char *name, ldns_pkt *r)
{
	const char *zone = dnstable_zone(cfg->table);
	uint16_t type = (uint16_t)ldns_rr_get_type(qrr);
	enum zone_kind kind = zone_of(name, zone);
	struct dns_rrs rrs = { 0 };
	enum dnstable_found found;
	char target[DNS_NAME_MAX + 2];
	struct dns_rr cname = { .type = DNS_TYPE_CNAME };
	ldns_rr *rr;
	size_t i;
	int fed;

	if (kind == ZONE_OUTSIDE) {
		if (cfg->can_forward)
			return DNS_FORWARD;
		ldns_pkt_set_rcode(r, LDNS_RCODE_REFUSED);
		return DNS_REPLY;
	}
	if (cfg->ready != NULL && !cfg->ready(cfg->ready_arg)) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_SERVFAIL);	/* not synced */
		return DNS_REPLY;
	}
	found = dnstable_lookup(cfg->table, name, type, &rrs);
	if (found == DNSTABLE_NXDOMAIN && kind == ZONE_OURS &&
	    cfg->federation != NULL) {
		fed = cfg->federation(cfg->federation_arg, name, target,
		    sizeof(target));
		if (fed < 0) {
			ldns_pkt_set_rcode(r, LDNS_RCODE_SERVFAIL);
			return DNS_REPLY;
		}
		if (fed > 0) {
			cname.target = target;
			answer_cname(cfg, qrr, type, &cname, r);
			return DNS_REPLY;
		}
	}
	/* A name that is a CNAME answers with it for every type. */
	if (found == DNSTABLE_FOUND && rrs.n == 0 && type != DNS_TYPE_CNAME &&
	    dnstable_lookup(cfg->table, name, DNS_TYPE_CNAME, &rrs) ==
	    DNSTABLE_FOUND && rrs.n > 0) {
		answer_cname(cfg, qrr, type, &rrs.rr[0], r);
		dns_rrs_fini(&rrs);
		return DNS_REPLY;
	}
	if (found == DNSTABLE_NXDOMAIN && kind == ZONE_REVERSE &&
	    cfg->can_forward) {
		dns_rrs_fini(&rrs);
		return DNS_FORWARD;
	}
	ldns_pkt_set_aa(r, found == DNSTABLE_FOUND || kind == ZONE_OURS);
	if (found == DNSTABLE_NXDOMAIN)
		ldns_pkt_set_rcode(r, LDNS_RCODE_NXDOMAIN);
	for (i = 0; i < rrs.n; i++) {
		rr = rr_make(&rrs.rr[i], ldns_rdf_clone(ldns_rr_owner(qrr)),
		    cfg->ttl_s);
		if (rr != NULL)
			ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER, rr);
	}
	if (kind == ZONE_OURS && strcmp(name, zone) == 0 &&
	    (type == DNS_TYPE_SOA || type == DNS_TYPE_ANY))
		ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER,
		    soa_make(zone, cfg->ttl_s));
	if (kind == ZONE_OURS && strcmp(name, zone) == 0 &&
	    (type == DNS_TYPE_NS || type == DNS_TYPE_ANY))
		ldns_pkt_push_rr(r, LDNS_SECTION_ANSWER,
		    ns_make(zone, cfg->ttl_s));
	if (type == DNS_TYPE_SRV || type == DNS_TYPE_ANY)
		add_srv_targets(cfg, r, &rrs);
	/* Negative answers carry the SOA for caching (RFC 2308). */
	if (kind == ZONE_OURS && ldns_pkt_ancount(r) == 0)
		ldns_pkt_push_rr(r, LDNS_SECTION_AUTHORITY,
		    soa_make(zone, cfg->ttl_s));
	dns_rrs_fini(&rrs);
	return DNS_REPLY;
}

/* A reply skeleton: id, flags and the question of q. */
static ldns_pkt *
reply_new(const struct dns_answer_cfg *cfg, const ldns_pkt *q, bool edns)
{
	ldns_pkt *r = ldns_pkt_new();
	ldns_rr_list *ql = ldns_pkt_question(q);

	ldns_pkt_set_id(r, ldns_pkt_id(q));
	ldns_pkt_set_qr(r, true);
	ldns_pkt_set_opcode(r, ldns_pkt_get_opcode(q));
	ldns_pkt_set_rd(r, ldns_pkt_rd(q));
	ldns_pkt_set_cd(r, ldns_pkt_cd(q));
	ldns_pkt_set_ra(r, cfg->can_forward);
	if (ql != NULL && ldns_rr_list_rr_count(ql) == 1)
		ldns_pkt_push_rr(r, LDNS_SECTION_QUESTION,
		    ldns_rr_clone(ldns_rr_list_rr(ql, 0)));
	if (edns)
		ldns_pkt_set_edns_udp_size(r, UDP_MAX);
	return r;
}

static enum dns_verdict
wire(ldns_pkt *r, uint8_t **out, size_t *outlen)
{
	if (ldns_pkt2wire(out, r, outlen) != LDNS_STATUS_OK) {
		*out = NULL;
		return DNS_DROP;
	}
	return DNS_REPLY;
}

enum dns_verdict
dns_answer(const struct dns_answer_cfg *cfg, const uint8_t *q, size_t qlen,
    size_t max_size, uint8_t **out, size_t *outlen)
{
	enum dns_verdict v = DNS_DROP;
	ldns_pkt *qp = NULL, *r = NULL;
	const ldns_rr *qrr;
	char name[DNS_NAME_MAX + 2];
	size_t limit = max_size;
	bool edns;

	*out = NULL;
	*outlen = 0;
	if (q == NULL || qlen < HDR_LEN || qlen > 65535 || (q[2] & 0x80))
		return DNS_DROP;	/* no header, or a response: never answer */
	if (ldns_wire2pkt(&qp, q, qlen) != LDNS_STATUS_OK)
		return formerr_raw(q, out, outlen);
	edns = ldns_pkt_edns(qp);
	if (edns && limit <= UDP_MIN)
		limit = ldns_pkt_edns_udp_size(qp) < UDP_MIN ? UDP_MIN :
		    ldns_pkt_edns_udp_size(qp) > UDP_MAX ? UDP_MAX :
		    ldns_pkt_edns_udp_size(qp);
	r = reply_new(cfg, qp, edns);
	if (ldns_pkt_get_opcode(qp) != LDNS_PACKET_QUERY) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_NOTIMPL);
		goto reply;
	}
	if (ldns_pkt_qdcount(qp) != 1 || ldns_pkt_ancount(qp) != 0 ||
	    ldns_pkt_nscount(qp) != 0) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_FORMERR);
		goto reply;
	}
	qrr = ldns_rr_list_rr(ldns_pkt_question(qp), 0);
	if (ldns_rr_get_class(qrr) != LDNS_RR_CLASS_IN &&
	    ldns_rr_get_class(qrr) != LDNS_RR_CLASS_ANY) {
		ldns_pkt_set_rcode(r, LDNS_RCODE_REFUSED);
		goto reply;
	}
	name_text(ldns_rr_owner(qrr), name, sizeof(name));
	if (resolve(cfg, qrr, name, r) == DNS_FORWARD) {
		v = DNS_FORWARD;
		goto out;
	}
reply:
	v = wire(r, out, outlen);
	if (v == DNS_REPLY && *outlen > limit) {
		/* Too big for this transport: TC and no records (RFC 2181 9). */
		free(*out);
		ldns_pkt_free(r);
		r = reply_new(cfg, qp, edns);
		ldns_pkt_set_tc(r, true);
		ldns_pkt_set_aa(r, true);
		v = wire(r, out, outlen);
	}
out:
	ldns_pkt_free(r);
	ldns_pkt_free(qp);
	return v;
}
