/*
 * fuzz_dns.c: libFuzzer target for ckube-dns's packet path: every input is
 * one DNS message as the UDP socket (first byte even) or a TCP connection
 * (odd) would hand it to dns_answer(), against a table with a ClusterIP
 * service, pets and a large headless answer. A reply must parse back with
 * ldns, carry the query's ID and fit the transport.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "ckube/kobj.h"
#include "dns.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct dnstable *table;

static void
add(const char *svc_json, const char *ep_json)
{
	struct kobj *svc = kobj_parse(svc_json, strlen(svc_json));
	struct kobj *ep = ep_json != NULL ?
	    kobj_parse(ep_json, strlen(ep_json)) : NULL;
	struct dns_rrs rrs = { 0 };

	dnsrec_service(svc, ep, dnstable_zone(table), &rrs);
	dnstable_replace(table, kobj_key(svc), &rrs);
	kobj_unref(ep);
	kobj_unref(svc);
}

static void
init(void)
{
	table = dnstable_new("cluster.local");
	add("{\"kind\":\"Service\",\"metadata\":{\"name\":\"web\",\"namespace\":"
	    "\"default\"},\"spec\":{\"clusterIP\":\"10.96.0.10\",\"ports\":"
	    "[{\"name\":\"http\",\"port\":80}]}}", NULL);
	add("{\"kind\":\"Service\",\"metadata\":{\"name\":\"nginx\","
	    "\"namespace\":\"default\"},\"spec\":{\"clusterIP\":\"None\"}}",
	    "{\"kind\":\"Endpoints\",\"metadata\":{\"name\":\"nginx\","
	    "\"namespace\":\"default\"},\"subsets\":[{\"addresses\":["
	    "{\"ip\":\"10.244.0.2\",\"hostname\":\"web-0\"},{\"ip\":\"10.244.1.3\","
	    "\"hostname\":\"web-1\"},{\"ip\":\"fd00::9\"}],\"ports\":[{\"name\":"
	    "\"web\",\"port\":80}]}]}");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_answer_cfg cfg = { .ttl_s = 30 };
	size_t max, rlen = 0;
	uint8_t *r = NULL;
	ldns_pkt *p = NULL;

	if (table == NULL)
		init();
	if (size < 1)
		return 0;
	cfg.table = table;
	cfg.can_forward = (data[0] & 2) != 0;
	max = (data[0] & 1) ? 65535 : 512;
	if (dns_answer(&cfg, data + 1, size - 1, max, &r, &rlen) == DNS_REPLY) {
		if (rlen < 12 || rlen > 65535 || r[0] != data[1] ||
		    r[1] != data[2] || !(r[2] & 0x80))
			abort();
		if (rlen > 12 && ldns_wire2pkt(&p, r, rlen) != LDNS_STATUS_OK)
			abort();		/* we wrote something unreadable */
		if (max == 512 && rlen > 4096)
			abort();
		ldns_pkt_free(p);
	}
	free(r);
	return 0;
}
