/*
 * test_dnsrecord.c: the federation zone served from DNSRecord objects
 * (federation.ckube.io/v1, external-dns's DNSEndpoint schema) as the
 * federation's service controller writes them (spec 8(c) step 5): the
 * records of a fixture, then dns_answer() in the zone: A answers with the
 * recordTTL, a CNAME answer (chased inside the zone), NXDOMAIN with the SOA
 * for a missing name, REFUSED outside, SOA and NS at the apex, a record
 * replaced when its object changes, and the reconcile over fake_api.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <ldns/ldns.h>

#include "ckube/cache.h"
#include "ckube/ck.h"
#include "ckube/controller.h"
#include "ckube/kobj.h"
#include "dns.h"
#include "fake_api.h"

#define ZONE "example.com"
#define G "nginx.default.fed.svc." ZONE
#define R "nginx.default.fed.svc.europe-west1." ZONE
#define Z "nginx.default.fed.svc.europe-west1-b.europe-west1." ZONE

/* Scenario 4 of 8(g): pods only in c1; c2's zone and region CNAME upward. */
static const char fixture[] =
    "{\"apiVersion\":\"federation.ckube.io/v1\",\"kind\":\"DNSRecord\","
    "\"metadata\":{\"name\":\"nginx\",\"namespace\":\"default\"},"
    "\"spec\":{\"endpoints\":["
    "{\"dnsName\":\"" G "\",\"recordType\":\"A\","
    " \"targets\":[\"172.18.255.1\",\"172.18.255.9\"],\"recordTTL\":180},"
    "{\"dnsName\":\"" R ".\",\"recordType\":\"CNAME\","
    " \"targets\":[\"" G ".\"],\"recordTTL\":180},"
    "{\"dnsName\":\"" Z "\",\"recordType\":\"CNAME\","
    " \"targets\":[\"" R "\"],\"recordTTL\":180},"
    "{\"dnsName\":\"ext.Example.COM\",\"recordType\":\"CNAME\","
    " \"targets\":[\"lb.elsewhere.net\"]},"
    "{\"dnsName\":\"v6." ZONE "\",\"recordType\":\"AAAA\","
    " \"targets\":[\"fd00::1\",\"10.0.0.1\"]},"
    "{\"dnsName\":\"outside.org\",\"recordType\":\"A\",\"targets\":[\"10.0.0.1\"]},"
    "{\"dnsName\":\"bad." ZONE "\",\"recordType\":\"A\",\"targets\":[\"nope\"]},"
    "{\"dnsName\":\"mx." ZONE "\",\"recordType\":\"MX\",\"targets\":[\"x\"]}"
    "]}}";

static struct dnstable *table;
static struct dns_answer_cfg cfg = { .ttl_s = 30 };

static void
load(const char *json)
{
	struct kobj *o = kobj_parse(json, strlen(json));
	struct dns_rrs rrs = { 0 };

	assert_non_null(o);
	dnsrec_dnsrecord(o, ZONE, &rrs);
	dnstable_replace(table, "dnsrecord/default/nginx", &rrs);
	kobj_unref(o);
}

static int
setup(void **state)
{
	(void)state;
	table = dnstable_new(ZONE ".");
	cfg.table = table;
	load(fixture);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dnstable_free(table);
	return 0;
}

static void
test_dnsrecord_records(void **state)
{
	struct kobj *o = kobj_parse(fixture, strlen(fixture));
	struct dns_rrs rrs = { 0 };

	(void)state;
	/* 2 A, 2 zone CNAMEs, the outside CNAME target, 1 AAAA. */
	assert_int_equal(dnsrec_dnsrecord(o, ZONE, &rrs), 6);
	assert_string_equal(rrs.rr[0].name, G);
	assert_int_equal(rrs.rr[0].type, DNS_TYPE_A);
	assert_int_equal(rrs.rr[0].ttl_s, 180);
	assert_int_equal(rrs.rr[2].type, DNS_TYPE_CNAME);
	assert_string_equal(rrs.rr[2].name, R);	/* the final dot dropped */
	assert_string_equal(rrs.rr[2].target, G);
	assert_string_equal(rrs.rr[4].name, "ext." ZONE);
	assert_int_equal(rrs.rr[4].ttl_s, 0);	/* the server's */
	assert_int_equal(rrs.rr[5].type, DNS_TYPE_AAAA);
	dns_rrs_fini(&rrs);
	kobj_unref(o);
}

static ldns_pkt *
ask(const char *name, ldns_rr_type type)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	uint8_t *w = NULL, *r = NULL;
	size_t qlen, rlen;
	ldns_pkt *p = NULL;

	assert_int_equal(ldns_pkt2wire(&w, q, &qlen), LDNS_STATUS_OK);
	ldns_pkt_free(q);
	assert_int_equal(dns_answer(&cfg, w, qlen, 4096, &r, &rlen),
	    DNS_REPLY);
	assert_int_equal(ldns_wire2pkt(&p, r, rlen), LDNS_STATUS_OK);
	free(w);
	free(r);
	return p;
}

/* Record i of section sec as "owner ttl IN type rdata" (tabs as spaces). */
static const char *
text(ldns_pkt *p, ldns_pkt_section sec, size_t i)
{
	static char buf[512];
	ldns_rr_list *l = ldns_pkt_get_section_clone(p, sec);
	char *s = ldns_rr2str(ldns_rr_list_rr(l, i));
	size_t n;

	snprintf(buf, sizeof(buf), "%s", s != NULL ? s : "(none)");
	free(s);
	ldns_rr_list_deep_free(l);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	for (n = 0; buf[n] != '\0'; n++)
		if (buf[n] == '\t')
			buf[n] = ' ';
	return buf;
}

static void
test_dnsrecord_a_with_ttl(void **state)
{
	ldns_pkt *p = ask(G ".", LDNS_RR_TYPE_A);

	(void)state;
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_ancount(p), 2);
	assert_string_equal(text(p, LDNS_SECTION_ANSWER, 0),
	    G ". 180 IN A 172.18.255.1");
	assert_string_equal(text(p, LDNS_SECTION_ANSWER, 1),
	    G ". 180 IN A 172.18.255.9");
	ldns_pkt_free(p);
}

static void
test_dnsrecord_cname_chain(void **state)
{
	ldns_pkt *p = ask(Z ".", LDNS_RR_TYPE_A);

	(void)state;
	/* zone -> region (one step chased inside the zone). */
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_string_equal(text(p, LDNS_SECTION_ANSWER, 0),
	    Z ". 180 IN CNAME " R ".");
	ldns_pkt_free(p);
	p = ask(R ".", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_ancount(p), 3);
	assert_string_equal(text(p, LDNS_SECTION_ANSWER, 0),
	    R ". 180 IN CNAME " G ".");
	assert_string_equal(text(p, LDNS_SECTION_ANSWER, 1),
	    G ". 180 IN A 172.18.255.1");
	ldns_pkt_free(p);
	/* A CNAME out of the zone: the CNAME alone, the server's TTL. */
	p = ask("ext." ZONE ".", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_string_equal(text(p, LDNS_SECTION_ANSWER, 0),
	    "ext.example.com. 30 IN CNAME lb.elsewhere.net.");
	ldns_pkt_free(p);
	p = ask(R ".", LDNS_RR_TYPE_CNAME);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
}

static void
test_dnsrecord_nxdomain_and_outside(void **state)
{
	ldns_pkt *p = ask("nope.default.fed.svc." ZONE ".", LDNS_RR_TYPE_A);

	(void)state;
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_nscount(p), 1);	/* the SOA */
	ldns_pkt_free(p);
	p = ask("bad." ZONE ".", LDNS_RR_TYPE_A);	/* no valid target */
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	p = ask("outside.org.", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_REFUSED);
	ldns_pkt_free(p);
	p = ask(G ".", LDNS_RR_TYPE_AAAA);		/* the name, not the type */
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 0);
	ldns_pkt_free(p);
}

static void
test_dnsrecord_soa_ns(void **state)
{
	ldns_pkt *p = ask(ZONE ".", LDNS_RR_TYPE_SOA);

	(void)state;
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_non_null(strstr(text(p, LDNS_SECTION_ANSWER, 0),
	    "example.com. 30 IN SOA ns.dns.example.com. "
	    "hostmaster.example.com."));
	ldns_pkt_free(p);
	p = ask(ZONE ".", LDNS_RR_TYPE_NS);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_string_equal(text(p, LDNS_SECTION_ANSWER, 0),
	    "example.com. 30 IN NS ns.dns.example.com.");
	ldns_pkt_free(p);
}

static void
test_dnsrecord_replaced(void **state)
{
	ldns_pkt *p;

	(void)state;
	/* The pods left c1: the global name goes, nothing else. */
	load("{\"apiVersion\":\"federation.ckube.io/v1\",\"kind\":\"DNSRecord\","
	    "\"metadata\":{\"name\":\"nginx\",\"namespace\":\"default\"},"
	    "\"spec\":{\"endpoints\":[{\"dnsName\":\"" Z "\","
	    "\"recordType\":\"CNAME\",\"targets\":[\"" R "\"]}]}}");
	p = ask(G ".", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	p = ask(Z ".", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
}

/* The reconcile of authoritative mode over the fake API's cache. */
static void
test_dnsrecord_reconcile(void **state)
{
	static const struct controller_def def = {
		.name = "dns", .reconcile = dns_reconcile_record,
	};
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	struct dns_state st = { .table = dnstable_new(ZONE) };
	struct kobj *rec = kobj_parse(fixture, strlen(fixture));
	struct dns_rrs out = { 0 };

	(void)state;
	controller_set_data(c, &st);
	fake_api_add(fa, DNS_RECORDS_RES, rec);
	assert_int_equal(dns_reconcile_record(c, "default/nginx"), 0);
	assert_int_equal(dnstable_lookup(st.table, G, DNS_TYPE_A, &out),
	    DNSTABLE_FOUND);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.rr[0].ttl_s, 180);
	dns_rrs_fini(&out);
	kobj_unref(cache_remove(fake_api_cache(fa, DNS_RECORDS_RES),
	    "default/nginx"));
	assert_int_equal(dns_reconcile_record(c, "default/nginx"), 0);
	assert_int_equal(dnstable_lookup(st.table, G, DNS_TYPE_A, &out),
	    DNSTABLE_NXDOMAIN);
	assert_int_equal(dnstable_owners(st.table), 1);	/* the zone's */
	kobj_unref(rec);
	controller_free(c);
	fake_api_free(fa);
	dnstable_free(st.table);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_dnsrecord_records),
		T(test_dnsrecord_a_with_ttl),
		T(test_dnsrecord_cname_chain),
		T(test_dnsrecord_nxdomain_and_outside),
		T(test_dnsrecord_soa_ns),
		T(test_dnsrecord_replaced),
		cmocka_unit_test(test_dnsrecord_reconcile),
	};

	return cmocka_run_group_tests_name("dnsrecord", tests, NULL, NULL);
}
