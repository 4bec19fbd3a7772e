/*
 * test_dnsanswer.c: dns_answer() on packets made with ldns, no sockets:
 * answers and flags, NXDOMAIN and empty NOERROR with the SOA, case, TTL,
 * REFUSED or forward outside the zone, SERVFAIL before the sync, FORMERR
 * and drops for bad packets (short, responses, compression loops), and
 * truncation over UDP with the full answer over TCP.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "ckube/ck.h"
#include "ckube/kobj.h"
#include "dns.h"

#define ZONE "cluster.local"

static struct dnstable *table;
static bool synced = true;

static bool
is_synced(void *arg)
{
	(void)arg;
	return synced;
}

static struct dns_answer_cfg cfg = { .ttl_s = 7, .ready = is_synced };

static void
add_service(const char *json)
{
	struct kobj *svc = kobj_parse(json, strlen(json));
	struct dns_rrs rrs = { 0 };
	char owner[256];

	assert_non_null(svc);
	snprintf(owner, sizeof(owner), "svc/%s", kobj_key(svc));
	dnsrec_service(svc, NULL, ZONE, &rrs);
	dnstable_replace(table, owner, &rrs);
	kobj_unref(svc);
}

/* n pets behind headless service "big": a large answer. */
static void
add_big(int n)
{
	struct dns_rrs rrs = { 0 };
	struct dns_rr *rr;
	int i;

	for (i = 0; i < n; i++) {
		rr = dns_rrs_push(&rrs);
		rr->type = DNS_TYPE_A;
		rr->name = strdup("big.default.svc." ZONE);
		rr->addr[0] = 10;
		rr->addr[2] = (uint8_t)(i >> 8);
		rr->addr[3] = (uint8_t)i;
	}
	dnstable_replace(table, "svc/default/big", &rrs);
}

static int
setup(void **state)
{
	(void)state;
	table = dnstable_new(ZONE);
	cfg.table = table;
	add_service("{\"kind\":\"Service\",\"metadata\":{\"name\":\"web\","
	    "\"namespace\":\"default\"},\"spec\":{\"clusterIP\":\"10.96.0.10\","
	    "\"ports\":[{\"name\":\"http\",\"port\":80}]}}");
	add_big(200);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dnstable_free(table);
	return 0;
}

static uint8_t *
query(const char *name, ldns_rr_type type, bool edns, size_t *len)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	uint8_t *w = NULL;

	ldns_pkt_set_id(q, 0x1234);
	if (edns)
		ldns_pkt_set_edns_udp_size(q, 4096);
	assert_int_equal(ldns_pkt2wire(&w, q, len), LDNS_STATUS_OK);
	ldns_pkt_free(q);
	return w;
}

/* Ask and parse the reply (NULL when dropped or forwarded: *v says). */
static ldns_pkt *
ask_full(const char *name, ldns_rr_type type, size_t max, bool edns,
    enum dns_verdict *v)
{
	size_t qlen, rlen;
	uint8_t *q = query(name, type, edns, &qlen), *r = NULL;
	ldns_pkt *p = NULL;

	*v = dns_answer(&cfg, q, qlen, max, &r, &rlen);
	if (*v == DNS_REPLY) {
		assert_true(rlen <= (edns && max <= 512 ? 4096 : max));
		assert_int_equal(ldns_wire2pkt(&p, r, rlen), LDNS_STATUS_OK);
		assert_int_equal(ldns_pkt_id(p), 0x1234);
		assert_true(ldns_pkt_qr(p));
		assert_true(ldns_pkt_rd(p));
	} else
		assert_null(r);
	free(r);
	free(q);
	return p;
}

static ldns_pkt *
ask(const char *name, ldns_rr_type type)
{
	enum dns_verdict v;
	ldns_pkt *p = ask_full(name, type, 512, false, &v);

	assert_int_equal(v, DNS_REPLY);
	return p;
}

static void
test_a_and_flags(void **state)
{
	ldns_pkt *p = ask("WeB.Default.svc.cluster.local.", LDNS_RR_TYPE_A);
	ldns_rr *rr;
	char *s;

	(void)state;
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_true(ldns_pkt_aa(p));
	assert_false(ldns_pkt_ra(p));
	assert_int_equal(ldns_pkt_ancount(p), 1);
	rr = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
	assert_int_equal(ldns_rr_ttl(rr), 7);
	s = ldns_rdf2str(ldns_rr_rdf(rr, 0));
	assert_string_equal(s, "10.96.0.10");
	free(s);
	/* The owner echoes the asked case (0x20-randomising resolvers). */
	s = ldns_rdf2str(ldns_rr_owner(rr));
	assert_string_equal(s, "WeB.Default.svc.cluster.local.");
	free(s);
	ldns_pkt_free(p);
}

static void
test_srv_additional(void **state)
{
	ldns_pkt *p = ask("_http._tcp.web.default.svc.cluster.local.",
	    LDNS_RR_TYPE_SRV);
	char *s;

	(void)state;
	assert_int_equal(ldns_pkt_ancount(p), 1);
	s = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_answer(p), 0));
	assert_non_null(strstr(s, "10 100 80 web.default.svc.cluster.local."));
	free(s);
	assert_int_equal(ldns_pkt_arcount(p), 1);
	ldns_pkt_free(p);
}

static void
test_negative(void **state)
{
	ldns_pkt *p;

	(void)state;
	p = ask("nope.default.svc.cluster.local.", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_nscount(p), 1);
	assert_int_equal(ldns_rr_get_type(ldns_rr_list_rr(
	    ldns_pkt_authority(p), 0)), LDNS_RR_TYPE_SOA);
	ldns_pkt_free(p);
	/* Known name without the type; an empty non-terminal. */
	p = ask("web.default.svc.cluster.local.", LDNS_RR_TYPE_AAAA);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_nscount(p), 1);
	ldns_pkt_free(p);
	p = ask("svc.cluster.local.", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	ldns_pkt_free(p);
	p = ask("cluster.local.", LDNS_RR_TYPE_SOA);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	p = ask("dns-version.cluster.local.", LDNS_RR_TYPE_TXT);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	/* PTR of an unknown IP, no upstream: NXDOMAIN, not REFUSED. */
	p = ask("9.9.9.9.in-addr.arpa.", LDNS_RR_TYPE_PTR);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
}

static void
test_outside_zone(void **state)
{
	enum dns_verdict v;
	ldns_pkt *p;

	(void)state;
	p = ask("example.com.", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	ldns_pkt_free(p);
	p = ask("xcluster.local.", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	ldns_pkt_free(p);
	cfg.can_forward = true;
	assert_null(ask_full("example.com.", LDNS_RR_TYPE_A, 512, false, &v));
	assert_int_equal(v, DNS_FORWARD);
	assert_null(ask_full("9.9.9.9.in-addr.arpa.", LDNS_RR_TYPE_PTR, 512,
	    false, &v));
	assert_int_equal(v, DNS_FORWARD);
	p = ask("web.default.svc.cluster.local.", LDNS_RR_TYPE_A);
	assert_true(ldns_pkt_ra(p));
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
	cfg.can_forward = false;
}

static void
test_not_synced(void **state)
{
	ldns_pkt *p;

	(void)state;
	synced = false;
	p = ask("web.default.svc.cluster.local.", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ldns_pkt_free(p);
	synced = true;
}

static void
test_truncation(void **state)
{
	enum dns_verdict v;
	ldns_pkt *p;

	(void)state;
	/* 200 A records: 3.2 KB. UDP 512 truncates; EDNS 4096 fits; TCP fits. */
	p = ask_full("big.default.svc.cluster.local.", LDNS_RR_TYPE_A, 512,
	    false, &v);
	assert_true(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 0);
	assert_int_equal(ldns_pkt_qdcount(p), 1);
	ldns_pkt_free(p);
	p = ask_full("big.default.svc.cluster.local.", LDNS_RR_TYPE_A, 512,
	    true, &v);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 200);
	ldns_pkt_free(p);
	p = ask_full("big.default.svc.cluster.local.", LDNS_RR_TYPE_A, 65535,
	    false, &v);
	assert_false(ldns_pkt_tc(p));
	assert_int_equal(ldns_pkt_ancount(p), 200);
	ldns_pkt_free(p);
}

static enum dns_verdict
raw(const uint8_t *q, size_t len, ldns_pkt_rcode *rcode)
{
	uint8_t *r = NULL;
	size_t rlen = 0;
	enum dns_verdict v = dns_answer(&cfg, q, len, 512, &r, &rlen);

	if (v == DNS_REPLY) {
		assert_true(rlen >= 12);
		assert_int_equal(r[0], q[0]);
		assert_int_equal(r[1], q[1]);
		assert_true(r[2] & 0x80);
		*rcode = (ldns_pkt_rcode)(r[3] & 0xf);
	}
	free(r);
	return v;
}

static void
test_hostile(void **state)
{
	/* A question whose name points at itself (a compression loop). */
	static const uint8_t loop[] = { 0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0,
	    0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
	/* A label running past the end. */
	static const uint8_t past[] = { 0xab, 0xcd, 0x01, 0x00, 0, 1, 0, 0,
	    0, 0, 0, 0, 60, 'a', 'b' };
	/* No question at all; two questions. */
	static const uint8_t none[] = { 0xab, 0xcd, 0x01, 0x00, 0, 0, 0, 0,
	    0, 0, 0, 0 };
	static const uint8_t resp[] = { 0xab, 0xcd, 0x81, 0x80, 0, 0, 0, 0,
	    0, 0, 0, 0 };
	static const uint8_t notify[] = { 0xab, 0xcd, 0x20, 0x00, 0, 0, 0, 0,
	    0, 0, 0, 0 };
	ldns_pkt_rcode rc = LDNS_RCODE_NOERROR;
	uint8_t big[70000];

	(void)state;
	assert_int_equal(raw(loop, sizeof(loop), &rc), DNS_REPLY);
	assert_int_equal(rc, LDNS_RCODE_FORMERR);
	assert_int_equal(raw(past, sizeof(past), &rc), DNS_REPLY);
	assert_int_equal(rc, LDNS_RCODE_FORMERR);
	assert_int_equal(raw(none, sizeof(none), &rc), DNS_REPLY);
	assert_int_equal(rc, LDNS_RCODE_FORMERR);
	assert_int_equal(raw(notify, sizeof(notify), &rc), DNS_REPLY);
	assert_int_equal(rc, LDNS_RCODE_NOTIMPL);
	assert_int_equal(raw(resp, sizeof(resp), &rc), DNS_DROP);
	assert_int_equal(raw(loop, 11, &rc), DNS_DROP);
	assert_int_equal(raw(NULL, 0, &rc), DNS_DROP);
	memset(big, 0, sizeof(big));
	assert_int_equal(raw(big, sizeof(big), &rc), DNS_DROP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_and_flags),
		cmocka_unit_test(test_srv_additional),
		cmocka_unit_test(test_negative),
		cmocka_unit_test(test_outside_zone),
		cmocka_unit_test(test_not_synced),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_hostile),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
