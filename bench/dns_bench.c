/*
 * dns_bench.c: ckube-dns's answer path in-process, without sockets: a
 * record table with --services ClusterIP Services (one named port each),
 * then dns_answer() over a query mix (A of every service, SRV of every
 * tenth, NXDOMAIN every twentieth) for --seconds on one thread. One JSON
 * line on stdout: {"services":N,"answers_per_s":X,"table_build_ms":Y}.
 *
 *   dns_bench [--services N] [--seconds S]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "ckube/alloc.h"
#include "ckube/clock.h"
#include "ckube/kobj.h"
#include "dns.h"

static uint8_t *
query(const char *name, ldns_rr_type type, size_t *len)
{
	ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), type,
	    LDNS_RR_CLASS_IN, LDNS_RD);
	uint8_t *w = NULL;

	if (ldns_pkt2wire(&w, q, len) != LDNS_STATUS_OK)
		abort();
	ldns_pkt_free(q);
	return w;
}

int
main(int argc, char *argv[])
{
	long services = 10000, seconds = 3, i, nq = 0, answered = 0;
	struct dns_answer_cfg cfg = { .ttl_s = 30 };
	uint8_t **qs, *r;
	size_t *qlen, rlen;
	uint64_t t0, build_ms, end;
	char buf[512];
	int a;

	for (a = 1; a + 1 < argc; a += 2) {
		if (strcmp(argv[a], "--services") == 0)
			services = strtol(argv[a + 1], NULL, 10);
		else if (strcmp(argv[a], "--seconds") == 0)
			seconds = strtol(argv[a + 1], NULL, 10);
	}
	if (services < 1 || seconds < 1) {
		fprintf(stderr, "usage: dns_bench [--services N] [--seconds S]\n");
		return 2;
	}
	cfg.table = dnstable_new("cluster.local");
	t0 = ck_now_ms();
	for (i = 0; i < services; i++) {
		struct dns_rrs rrs = { 0 };
		struct kobj *svc;

		snprintf(buf, sizeof(buf), "{\"kind\":\"Service\",\"metadata\":"
		    "{\"name\":\"svc-%ld\",\"namespace\":\"default\"},\"spec\":"
		    "{\"clusterIP\":\"10.%ld.%ld.%ld\",\"ports\":[{\"name\":"
		    "\"http\",\"port\":80}]}}", i, 96 + (i >> 16),
		    (i >> 8) & 255, i & 255);
		svc = kobj_parse(buf, strlen(buf));
		dnsrec_service(svc, NULL, "cluster.local", &rrs);
		snprintf(buf, sizeof(buf), "svc/%s", kobj_key(svc));
		dnstable_replace(cfg.table, buf, &rrs);
		kobj_unref(svc);
	}
	build_ms = ck_now_ms() - t0;
	qs = ck_calloc((size_t)services * 2, sizeof(*qs));
	qlen = ck_calloc((size_t)services * 2, sizeof(*qlen));
	for (i = 0; i < services; i++) {
		snprintf(buf, sizeof(buf), "svc-%ld.default.svc.cluster.local", i);
		qs[nq] = query(buf, LDNS_RR_TYPE_A, &qlen[nq]);
		nq++;
		if (i % 10 == 0) {
			snprintf(buf, sizeof(buf),
			    "_http._tcp.svc-%ld.default.svc.cluster.local", i);
			qs[nq] = query(buf, LDNS_RR_TYPE_SRV, &qlen[nq]);
			nq++;
		}
		if (i % 20 == 0) {
			snprintf(buf, sizeof(buf),
			    "nope-%ld.default.svc.cluster.local", i);
			qs[nq] = query(buf, LDNS_RR_TYPE_A, &qlen[nq]);
			nq++;
		}
	}
	end = ck_now_ms() + (uint64_t)seconds * 1000;
	t0 = ck_now_ms();
	while (ck_now_ms() < end) {
		for (i = 0; i < nq; i++) {
			if (dns_answer(&cfg, qs[i], qlen[i], 512, &r, &rlen) ==
			    DNS_REPLY)
				answered++;
			free(r);
		}
	}
	printf("{\"services\":%ld,\"answers_per_s\":%.0f,\"table_build_ms\":"
	    "%llu,\"table_names\":%zu}\n", services,
	    (double)answered * 1000.0 / (double)(ck_now_ms() - t0),
	    (unsigned long long)build_ms,
	    dnstable_names(cfg.table));
	for (i = 0; i < nq; i++)
		free(qs[i]);
	free(qs);
	free(qlen);
	dnstable_free(cfg.table);
	return 0;
}
