/*
 * test_dnstable.c: the records of ckube-dns without sockets: dnsrec_service
 * for ClusterIP and headless Services (pets, hash labels, SRV per named
 * port, PTR), and dnstable (lookup, empty non-terminals, replacement and
 * deletion), plus dns_reconcile over tests/lib/fake_api.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/ck.h"
#include "ckube/cache.h"
#include "ckube/controller.h"
#include "ckube/kobj.h"
#include "dns.h"
#include "fake_api.h"

#define ZONE "cluster.local"

static struct kobj *
parse(const char *s)
{
	struct kobj *o = kobj_parse(s, strlen(s));

	assert_non_null(o);
	return o;
}

static struct kobj *
service(const char *ns, const char *name, const char *ip, const char *ports)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Service\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},"
	    "\"spec\":{\"clusterIP\":\"%s\",\"ports\":%s}}", name, ns, ip,
	    ports);
	return parse(buf);
}

static struct kobj *
endpoints(const char *ns, const char *name, const char *subsets)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\","
	    "\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"%s\","
	    "\"namespace\":\"%s\"},\"subsets\":%s}", name, ns, subsets);
	return parse(buf);
}

static const char PETS[] = "[{\"addresses\":["
    "{\"ip\":\"10.244.0.2\",\"hostname\":\"web-0\"},"
    "{\"ip\":\"10.244.1.3\",\"hostname\":\"web-1\"}],"
    "\"notReadyAddresses\":[{\"ip\":\"10.244.2.9\",\"hostname\":\"web-2\"}],"
    "\"ports\":[{\"name\":\"web\",\"port\":80,\"protocol\":\"TCP\"},"
    "{\"port\":81}]}]";

/* The records of name and type, as text ("10.0.0.1", "10 50 80 x"...). */
static size_t
look(struct dnstable *t, const char *name, uint16_t type, char *buf,
    size_t size)
{
	struct dns_rrs rrs = { 0 };
	size_t i, off = 0, n;
	const uint8_t *a;

	buf[0] = '\0';
	if (dnstable_lookup(t, name, type, &rrs) == DNSTABLE_NXDOMAIN) {
		snprintf(buf, size, "NXDOMAIN");
		return 0;
	}
	for (i = 0; i < rrs.n && off < size; i++) {
		a = rrs.rr[i].addr;
		if (rrs.rr[i].type == DNS_TYPE_A)
			off += (size_t)snprintf(buf + off, size - off,
			    "%s%u.%u.%u.%u", i ? " " : "", a[0], a[1], a[2],
			    a[3]);
		else if (rrs.rr[i].type == DNS_TYPE_SRV)
			off += (size_t)snprintf(buf + off, size - off,
			    "%s%u %u %u %s", i ? " " : "", rrs.rr[i].prio,
			    rrs.rr[i].weight, rrs.rr[i].port,
			    rrs.rr[i].target);
		else
			off += (size_t)snprintf(buf + off, size - off, "%s%s",
			    i ? " " : "", rrs.rr[i].target != NULL ?
			    rrs.rr[i].target : "?");
	}
	n = rrs.n;
	dns_rrs_fini(&rrs);
	return n;
}

static void
set_service(struct dnstable *t, const struct kobj *svc, const struct kobj *ep)
{
	struct dns_rrs rrs = { 0 };
	char owner[256];

	snprintf(owner, sizeof(owner), "svc/%s", kobj_key(svc));
	dnsrec_service(svc, ep, ZONE, &rrs);
	dnstable_replace(t, owner, &rrs);
}

static void
test_cluster_ip(void **state)
{
	struct dnstable *t = dnstable_new("Cluster.Local.");
	struct kobj *svc = service("default", "Web", "10.96.0.10",
	    "[{\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\"},"
	    "{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\"},{\"port\":9}]");
	char buf[512];

	(void)state;
	assert_string_equal(dnstable_zone(t), ZONE);
	set_service(t, svc, NULL);
	assert_int_equal(look(t, "web.default.svc.cluster.local", DNS_TYPE_A,
	    buf, sizeof(buf)), 1);
	assert_string_equal(buf, "10.96.0.10");
	look(t, "_http._tcp.web.default.svc.cluster.local", DNS_TYPE_SRV, buf,
	    sizeof(buf));
	assert_string_equal(buf, "10 100 80 web.default.svc.cluster.local");
	look(t, "_dns._udp.web.default.svc.cluster.local", DNS_TYPE_SRV, buf,
	    sizeof(buf));
	assert_string_equal(buf, "10 100 53 web.default.svc.cluster.local");
	look(t, "10.0.96.10.in-addr.arpa", DNS_TYPE_PTR, buf, sizeof(buf));
	assert_string_equal(buf, "web.default.svc.cluster.local");
	look(t, "dns-version.cluster.local", DNS_TYPE_TXT, buf, sizeof(buf));
	assert_string_equal(buf, DNS_SCHEMA_VERSION);
	/* Known name, other type: found, nothing; parents exist (ENT). */
	assert_int_equal(look(t, "web.default.svc.cluster.local",
	    DNS_TYPE_AAAA, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	look(t, "default.svc.cluster.local", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "");
	look(t, "_tcp.web.default.svc.cluster.local", DNS_TYPE_A, buf,
	    sizeof(buf));
	assert_string_equal(buf, "");
	look(t, "nope.default.svc.cluster.local", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "NXDOMAIN");
	look(t, "web.other.svc.cluster.local", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "NXDOMAIN");
	kobj_unref(svc);
	dnstable_free(t);
}

static void
test_headless_pets(void **state)
{
	struct dnstable *t = dnstable_new(ZONE);
	struct kobj *svc = service("default", "nginx", "None",
	    "[{\"name\":\"web\",\"port\":80}]");
	struct kobj *ep = endpoints("default", "nginx", PETS);
	char buf[512];

	(void)state;
	set_service(t, svc, ep);
	assert_int_equal(look(t, "nginx.default.svc.cluster.local", DNS_TYPE_A,
	    buf, sizeof(buf)), 2);
	assert_string_equal(buf, "10.244.0.2 10.244.1.3");
	look(t, "web-0.nginx.default.svc.cluster.local", DNS_TYPE_A, buf,
	    sizeof(buf));
	assert_string_equal(buf, "10.244.0.2");
	look(t, "web-1.nginx.default.svc.cluster.local", DNS_TYPE_A, buf,
	    sizeof(buf));
	assert_string_equal(buf, "10.244.1.3");
	/* Not ready: no name at all. */
	look(t, "web-2.nginx.default.svc.cluster.local", DNS_TYPE_A, buf,
	    sizeof(buf));
	assert_string_equal(buf, "NXDOMAIN");
	/* SRV per pet for the named port only (the endpoint's port). */
	assert_int_equal(look(t, "_web._tcp.nginx.default.svc.cluster.local",
	    DNS_TYPE_SRV, buf, sizeof(buf)), 2);
	assert_string_equal(buf, "10 50 80 web-0.nginx.default.svc.cluster.local"
	    " 10 50 80 web-1.nginx.default.svc.cluster.local");
	look(t, "2.0.244.10.in-addr.arpa", DNS_TYPE_PTR, buf, sizeof(buf));
	assert_string_equal(buf, "web-0.nginx.default.svc.cluster.local");
	look(t, "9.2.244.10.in-addr.arpa", DNS_TYPE_PTR, buf, sizeof(buf));
	assert_string_equal(buf, "NXDOMAIN");
	kobj_unref(ep);
	kobj_unref(svc);
	dnstable_free(t);
}

static void
test_headless_hash_label(void **state)
{
	struct dnstable *t = dnstable_new(ZONE);
	struct kobj *svc = service("ns1", "db", "None", "[]");
	struct kobj *ep = endpoints("ns1", "db", "[{\"addresses\":["
	    "{\"ip\":\"10.1.0.7\"},{\"ip\":\"fd00::7\",\"hostname\":\"Bad_Name\"}],"
	    "\"ports\":[{\"name\":\"pg\",\"port\":5432}]}]");
	struct dns_rrs rrs = { 0 };
	char buf[512], name[512];
	size_t i;

	(void)state;
	set_service(t, svc, ep);
	/* The unnamed address gets a hash label; its PTR points there. */
	look(t, "7.0.1.10.in-addr.arpa", DNS_TYPE_PTR, buf, sizeof(buf));
	assert_non_null(strstr(buf, ".db.ns1.svc.cluster.local"));
	snprintf(name, sizeof(name), "%s", buf);
	look(t, name, DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "10.1.0.7");
	/* A bad hostname is not used as a label; IPv6 gives AAAA + ip6.arpa. */
	dnstable_lookup(t, "db.ns1.svc.cluster.local", DNS_TYPE_AAAA, &rrs);
	assert_int_equal(rrs.n, 1);
	assert_int_equal(rrs.rr[0].addr[0], 0xfd);
	assert_int_equal(rrs.rr[0].addr[15], 7);
	dns_rrs_fini(&rrs);
	look(t, "7.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f"
	    ".ip6.arpa", DNS_TYPE_PTR, buf, sizeof(buf));
	assert_null(strstr(buf, "bad_name"));
	assert_non_null(strstr(buf, ".db.ns1.svc.cluster.local"));
	assert_int_equal(look(t, "_pg._tcp.db.ns1.svc.cluster.local",
	    DNS_TYPE_SRV, buf, sizeof(buf)), 2);
	for (i = 0; buf[i] != '\0'; i++)
		assert_false(buf[i] >= 'A' && buf[i] <= 'Z');
	kobj_unref(ep);
	kobj_unref(svc);
	dnstable_free(t);
}

static void
test_update_and_delete(void **state)
{
	struct dnstable *t = dnstable_new(ZONE);
	struct kobj *svc = service("default", "nginx", "None", "[]");
	struct kobj *ep = endpoints("default", "nginx", PETS);
	struct kobj *ep2 = endpoints("default", "nginx", "[{\"addresses\":["
	    "{\"ip\":\"10.244.3.3\",\"hostname\":\"web-0\"}]}]");
	struct kobj *other = service("default", "web", "10.96.0.5", "[]");
	struct dns_rrs none = { 0 };
	size_t base;
	char buf[512];

	(void)state;
	base = dnstable_names(t);
	set_service(t, other, NULL);
	set_service(t, svc, ep);
	/* A pet recreated with a new IP: the name follows, web-1 is gone. */
	set_service(t, svc, ep2);
	look(t, "web-0.nginx.default.svc.cluster.local", DNS_TYPE_A, buf,
	    sizeof(buf));
	assert_string_equal(buf, "10.244.3.3");
	look(t, "web-1.nginx.default.svc.cluster.local", DNS_TYPE_A, buf,
	    sizeof(buf));
	assert_string_equal(buf, "NXDOMAIN");
	look(t, "2.0.244.10.in-addr.arpa", DNS_TYPE_PTR, buf, sizeof(buf));
	assert_string_equal(buf, "NXDOMAIN");
	look(t, "nginx.default.svc.cluster.local", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "10.244.3.3");
	/* Endpoints gone: the headless name goes, the other service stays. */
	set_service(t, svc, NULL);
	look(t, "nginx.default.svc.cluster.local", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "NXDOMAIN");
	look(t, "web.default.svc.cluster.local", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "10.96.0.5");
	assert_int_equal(dnstable_owners(t), 2);	/* zone + web */
	/* Deleting the last service leaves only the zone's own names. */
	dnstable_replace(t, "svc/default/web", &none);
	assert_int_equal(dnstable_owners(t), 1);
	assert_int_equal(dnstable_names(t), base);
	look(t, "default.svc.cluster.local", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "NXDOMAIN");
	look(t, "cluster.local", DNS_TYPE_A, buf, sizeof(buf));
	assert_string_equal(buf, "");
	kobj_unref(other);
	kobj_unref(ep2);
	kobj_unref(ep);
	kobj_unref(svc);
	dnstable_free(t);
}

static void
test_no_cluster_ip(void **state)
{
	struct kobj *svc = service("default", "x", "", "[]");
	struct kobj *bad = service("default", "y", "not-an-ip", "[]");
	struct dns_rrs rrs = { 0 };

	(void)state;
	assert_int_equal(dnsrec_service(svc, NULL, ZONE, &rrs), 0);
	assert_int_equal(dnsrec_service(bad, NULL, ZONE, &rrs), 0);
	assert_int_equal(rrs.n, 0);
	kobj_unref(bad);
	kobj_unref(svc);
}

/* dns_reconcile: the table follows the caches; a Service gone, its names. */
static const struct watch_spec watches[] = {
	{ .resource = "services", .role = WATCH_PRIMARY },
	{ .resource = "endpoints", .role = WATCH_PRIMARY },
};

static const struct controller_def def = {
	.name = "dns", .watches = watches, .nwatches = ARRAY_SIZE(watches),
	.reconcile = dns_reconcile,
};

static void
test_reconcile(void **state)
{
	struct fake_api *fa = fake_api_new();
	struct controller *c = fake_api_controller(fa, &def);
	struct dns_state st = { .table = dnstable_new(ZONE) };
	struct kobj *svc = service("default", "nginx", "None", "[]");
	struct kobj *ep = endpoints("default", "nginx", PETS), *gone;
	char buf[256];

	(void)state;
	controller_set_data(c, &st);
	fake_api_add(fa, "services", svc);
	fake_api_add(fa, "endpoints", ep);
	assert_int_equal(dns_reconcile(c, "default/nginx"), 0);
	look(st.table, "web-1.nginx.default.svc.cluster.local", DNS_TYPE_A,
	    buf, sizeof(buf));
	assert_string_equal(buf, "10.244.1.3");
	gone = cache_remove(fake_api_cache(fa, "services"), "default/nginx");
	kobj_unref(gone);
	assert_int_equal(dns_reconcile(c, "default/nginx"), 0);
	look(st.table, "web-1.nginx.default.svc.cluster.local", DNS_TYPE_A,
	    buf, sizeof(buf));
	assert_string_equal(buf, "NXDOMAIN");
	kobj_unref(ep);
	kobj_unref(svc);
	controller_free(c);
	fake_api_free(fa);
	dnstable_free(st.table);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cluster_ip),
		cmocka_unit_test(test_headless_pets),
		cmocka_unit_test(test_headless_hash_label),
		cmocka_unit_test(test_update_and_delete),
		cmocka_unit_test(test_no_cluster_ip),
		cmocka_unit_test(test_reconcile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
