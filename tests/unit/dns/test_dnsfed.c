/*
 * test_dnsfed.c: kube-dns's federation names: parsing --federations, which
 * names are federation queries, the zone and region from node labels
 * (topology.kubernetes.io and the legacy failure-domain ones), ready
 * endpoints, the CNAME targets, and dns_answer() through the hook: the
 * local CNAME with the Service's A record, the federation CNAME alone,
 * SERVFAIL when the zone is unknown, and names that are not federation
 * queries left alone.
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
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "dns.h"

#define ZONE "cluster.local"

static struct dnsfed *
feds(const char *spec)
{
	struct dnsfed *f;
	char err[256];

	assert_int_equal(dnsfed_parse(spec, &f, err, sizeof(err)), 0);
	return f;
}

static void
bad(const char *spec, const char *want)
{
	struct dnsfed *f = (struct dnsfed *)1;
	char err[256];

	if (dnsfed_parse(spec, &f, err, sizeof(err)) != CK_EINVALID)
		fail_msg("%s: accepted", spec);
	assert_null(f);
	if (strstr(err, want) == NULL)
		fail_msg("%s: error \"%s\" lacks \"%s\"", spec, err, want);
}

static void
test_dnsfed_parse(void **state)
{
	struct dnsfed *f;

	(void)state;
	f = feds("");
	assert_int_equal(dnsfed_count(f), 0);
	dnsfed_free(f);
	f = feds("myfed=example.com,Other=Fed.Example.ORG.");
	assert_int_equal(dnsfed_count(f), 2);
	assert_string_equal(dnsfed_domain(f, "myfed"), "example.com");
	assert_string_equal(dnsfed_domain(f, "other"), "fed.example.org");
	assert_null(dnsfed_domain(f, "nope"));
	dnsfed_free(f);
	bad("myfed", "want NAME=DOMAIN");
	bad("myfed=", "DNS-1123 subdomain");
	bad("my.fed=example.com", "DNS-1123 label");
	bad("-x=example.com", "DNS-1123 label");
	bad("x=exa_mple.com", "DNS-1123 subdomain");
	bad("x=example..com", "DNS-1123 subdomain");
	bad("x=a.com,", "empty");
	bad("x=a.com,,y=b.com", "empty");
	bad("x=a.com,x=b.com", "named twice");
}

static void
test_dnsfed_match(void **state)
{
	struct dnsfed *f = feds("myfed=example.com");
	struct dnsfed_query q;

	(void)state;
	assert_true(dnsfed_match(f, ZONE, "web.default.myfed.svc." ZONE, &q));
	assert_string_equal(q.svc, "web");
	assert_string_equal(q.ns, "default");
	assert_string_equal(q.fed, "myfed");
	assert_string_equal(q.domain, "example.com");
	/* Not federation queries (kube-dns's seven conditions). */
	assert_false(dnsfed_match(f, ZONE, "web.default.other.svc." ZONE, &q));
	assert_false(dnsfed_match(f, ZONE, "web.default.svc." ZONE, &q));
	assert_false(dnsfed_match(f, ZONE, "x.web.default.myfed.svc." ZONE,
	    &q));
	assert_false(dnsfed_match(f, ZONE, "1web.default.myfed.svc." ZONE,
	    &q));				/* svc: a DNS-1035 label */
	assert_false(dnsfed_match(f, ZONE, "web.def_ault.myfed.svc." ZONE,
	    &q));
	assert_false(dnsfed_match(f, ZONE, "web.default.myfed.pod." ZONE,
	    &q));
	assert_false(dnsfed_match(f, ZONE, "web.default.myfed.svc.other.local",
	    &q));
	assert_false(dnsfed_match(f, ZONE, "*.default.myfed.svc." ZONE, &q));
	assert_false(dnsfed_match(NULL, ZONE, "web.default.myfed.svc." ZONE,
	    &q));
	dnsfed_free(f);
}

static struct kobj *
node(const char *name, const char *labels)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "{\"kind\":\"Node\",\"metadata\":{"
	    "\"name\":\"%s\",\"labels\":{%s}}}", name, labels);
	return kobj_parse(buf, strlen(buf));
}

static void
test_dnsfed_zone_region(void **state)
{
	struct kobj *n[3];
	char z[64], r[64];

	(void)state;
	n[0] = node("a", "\"topology.kubernetes.io/zone\":\"z0\"");
	n[1] = node("b", "\"failure-domain.beta.kubernetes.io/zone\":\"EU-1b\","
	    "\"failure-domain.beta.kubernetes.io/region\":\"eu-1\"");
	n[2] = node("c", "\"topology.kubernetes.io/zone\":\"us-a\","
	    "\"topology.kubernetes.io/region\":\"us\"");
	/* The first node with both labels: a has no region. */
	assert_true(dnsfed_zone_region(n, 3, z, sizeof(z), r, sizeof(r)));
	assert_string_equal(z, "eu-1b");
	assert_string_equal(r, "eu-1");
	assert_true(dnsfed_zone_region(n + 2, 1, z, sizeof(z), r, sizeof(r)));
	assert_string_equal(z, "us-a");
	assert_string_equal(r, "us");
	assert_false(dnsfed_zone_region(n, 1, z, sizeof(z), r, sizeof(r)));
	assert_false(dnsfed_zone_region(NULL, 0, z, sizeof(z), r, sizeof(r)));
	kobj_unref(n[0]);
	kobj_unref(n[1]);
	kobj_unref(n[2]);
}

static void
test_dnsfed_has_ready(void **state)
{
	static const char *const none =
	    "{\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"w\"},"
	    "\"subsets\":[{\"notReadyAddresses\":[{\"ip\":\"10.0.0.1\"}]}]}";
	static const char *const one =
	    "{\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"w\"},"
	    "\"subsets\":[{\"notReadyAddresses\":[{\"ip\":\"10.0.0.1\"}]},"
	    "{\"addresses\":[{\"ip\":\"10.0.0.2\"}]}]}";
	struct kobj *a = kobj_parse(none, strlen(none));
	struct kobj *b = kobj_parse(one, strlen(one));

	(void)state;
	assert_false(dnsfed_has_ready(NULL));
	assert_false(dnsfed_has_ready(a));
	assert_true(dnsfed_has_ready(b));
	kobj_unref(a);
	kobj_unref(b);
}

static void
test_dnsfed_target(void **state)
{
	struct dnsfed *f = feds("myfed=example.com");
	struct dnsfed_query q;
	char buf[DNS_NAME_MAX + 2];

	(void)state;
	assert_true(dnsfed_match(f, ZONE, "web.default.myfed.svc." ZONE, &q));
	assert_int_equal(dnsfed_target(&q, ZONE, true, NULL, NULL, buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "web.default.svc." ZONE);
	assert_int_equal(dnsfed_target(&q, ZONE, false, "us-a", "us", buf,
	    sizeof(buf)), 0);
	assert_string_equal(buf, "web.default.myfed.svc.us-a.us.example.com");
	assert_int_equal(dnsfed_target(&q, ZONE, false, NULL, NULL, buf,
	    sizeof(buf)), CK_ENOTFOUND);
	assert_int_equal(dnsfed_target(&q, ZONE, false, "us-a", "us", buf,
	    10), CK_EINVALID);
	dnsfed_free(f);
}

/* dns_answer() through the hook. -------------------------------------- */

static struct dnstable *table;
static struct dnsfed *fed_list;
static int hook_mode;	/* 0: local when "web", 1: unknown zone */

static int
hook(void *arg, const char *name, char *target, size_t size)
{
	struct dnsfed_query q;
	bool local;

	(void)arg;
	if (!dnsfed_match(fed_list, ZONE, name, &q))
		return 0;
	if (hook_mode == 1)
		return CK_ENOTFOUND;
	local = strcmp(q.svc, "web") == 0;
	return dnsfed_target(&q, ZONE, local, "us-a", "us", target, size) < 0 ?
	    CK_EINVALID : 1;
}

static struct dns_answer_cfg cfg = { .ttl_s = 7, .federation = hook };

static int
setup(void **state)
{
	static const char svc[] = "{\"kind\":\"Service\",\"metadata\":{"
	    "\"name\":\"web\",\"namespace\":\"default\"},\"spec\":{"
	    "\"clusterIP\":\"10.96.0.10\",\"ports\":[{\"port\":80}]}}";
	struct kobj *o = kobj_parse(svc, strlen(svc));
	struct dns_rrs rrs = { 0 };

	(void)state;
	table = dnstable_new(ZONE);
	cfg.table = table;
	dnsrec_service(o, NULL, ZONE, &rrs);
	dnstable_replace(table, "svc/default/web", &rrs);
	kobj_unref(o);
	fed_list = feds("myfed=example.com");
	hook_mode = 0;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dnstable_free(table);
	dnsfed_free(fed_list);
	return 0;
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
	assert_int_equal(dns_answer(&cfg, w, qlen, 512, &r, &rlen), DNS_REPLY);
	assert_int_equal(ldns_wire2pkt(&p, r, rlen), LDNS_STATUS_OK);
	free(w);
	free(r);
	return p;
}

/* Answer i of p as text ("owner ttl IN type rdata"), owned by a static. */
static const char *
answer(ldns_pkt *p, size_t i)
{
	static char buf[512];
	char *s = ldns_rr2str(ldns_rr_list_rr(ldns_pkt_answer(p), i));
	size_t n;

	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n'))
		buf[--n] = '\0';
	for (n = 0; buf[n] != '\0'; n++)
		if (buf[n] == '\t')
			buf[n] = ' ';
	return buf;
}

static void
test_dnsfed_answer_local(void **state)
{
	ldns_pkt *p = ask("web.default.myfed.svc." ZONE ".", LDNS_RR_TYPE_A);

	(void)state;
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_true(ldns_pkt_aa(p));
	assert_int_equal(ldns_pkt_ancount(p), 2);
	assert_string_equal(answer(p, 0), "web.default.myfed.svc.cluster.local. "
	    "7 IN CNAME web.default.svc.cluster.local.");
	assert_string_equal(answer(p, 1), "web.default.svc.cluster.local. 7 IN "
	    "A 10.96.0.10");
	ldns_pkt_free(p);
}

static void
test_dnsfed_answer_federation(void **state)
{
	ldns_pkt *p = ask("db.prod.myfed.svc." ZONE ".", LDNS_RR_TYPE_A);

	(void)state;
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	assert_string_equal(answer(p, 0), "db.prod.myfed.svc.cluster.local. 7 "
	    "IN CNAME db.prod.myfed.svc.us-a.us.example.com.");
	ldns_pkt_free(p);
	/* Other types get the CNAME too (RFC 1034 3.6.2). */
	p = ask("db.prod.myfed.svc." ZONE ".", LDNS_RR_TYPE_AAAA);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
}

static void
test_dnsfed_answer_unknown_zone(void **state)
{
	ldns_pkt *p;

	(void)state;
	hook_mode = 1;
	p = ask("db.prod.myfed.svc." ZONE ".", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_SERVFAIL);
	ldns_pkt_free(p);
}

static void
test_dnsfed_answer_not_federation(void **state)
{
	ldns_pkt *p = ask("db.prod.otherfed.svc." ZONE ".", LDNS_RR_TYPE_A);

	(void)state;
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
	ldns_pkt_free(p);
	p = ask("web.default.svc." ZONE ".", LDNS_RR_TYPE_A);
	assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
	assert_int_equal(ldns_pkt_ancount(p), 1);
	ldns_pkt_free(p);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dnsfed_parse),
		cmocka_unit_test(test_dnsfed_match),
		cmocka_unit_test(test_dnsfed_zone_region),
		cmocka_unit_test(test_dnsfed_has_ready),
		cmocka_unit_test(test_dnsfed_target),
		T(test_dnsfed_answer_local),
		T(test_dnsfed_answer_federation),
		T(test_dnsfed_answer_unknown_zone),
		T(test_dnsfed_answer_not_federation),
	};

	return cmocka_run_group_tests_name("dnsfed", tests, NULL, NULL);
}
