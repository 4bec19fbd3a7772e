/*
 * dnssync.c: the reconcile of ckube-dns. Its "world" is the record table:
 * a Service key (Services and Endpoints share "ns/name") rebuilds that
 * Service's records from the two caches, as kube-dns's service and
 * endpoints handlers did. No writes to the API.
 */
#include "dns.h"

#include <stdio.h>

#include "ckube/cache.h"
#include "ckube/controller.h"
#include "ckube/kobj.h"
#include "ckube/log.h"

int
dns_reconcile(struct controller *c, const char *key)
{
	struct dns_state *st = controller_data(c);
	struct kobj *svc, *ep = NULL;
	struct dns_rrs rrs = { 0 };
	char owner[512];

	snprintf(owner, sizeof(owner), "svc/%s", key);
	svc = cache_get(controller_cache(c, "services"), key);
	if (svc != NULL) {
		ep = cache_get(controller_cache(c, "endpoints"), key);
		dnsrec_service(svc, ep, dnstable_zone(st->table), &rrs);
	}
	log_v(4, "dns: %s: %zu records", key, rrs.n);
	dnstable_replace(st->table, owner, &rrs);
	kobj_unref(ep);
	kobj_unref(svc);
	return 0;
}
