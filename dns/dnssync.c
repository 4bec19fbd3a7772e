/*
 * dnssync.c: the reconcile of ckube-dns. Its "world" is the record table:
 * a Service key (Services and Endpoints share "ns/name") rebuilds that
 * Service's records from the two caches, as kube-dns's service and
 * endpoints handlers did. No writes to the API. The federation hook reads
 * the same caches (and the nodes') at query time.
 */
#include "dns.h"

#include <stdio.h>
#include <string.h>

#include "ckube/cache.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/informer.h"
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

/*
 * The federation hook (dns_answer_cfg.federation), on the server thread:
 * local when the Service is here with a ready address, else the zone of
 * the nodes (kube-dns Records + federationRecords).
 */
int
dns_federation_target(void *arg, const char *name, char *target,
    size_t size)
{
	struct controller *c = arg;
	struct dns_state *st = controller_data(c);
	const char *zone = dnstable_zone(st->table);
	struct dnsfed_query q;
	struct kobj *svc, *ep = NULL, **nodes = NULL;
	char key[2 * DNS_LABEL_MAX + 2], z[DNS_NAME_MAX], r[DNS_NAME_MAX];
	const char *type;
	bool local = false, known = false;
	size_t n = 0;
	int rc;

	if (!dnsfed_match(st->feds, zone, name, &q))
		return 0;
	snprintf(key, sizeof(key), "%s/%s", q.ns, q.svc);
	svc = cache_get(controller_cache(c, "services"), key);
	if (svc != NULL) {
		type = kobj_get_str(svc, "spec.type");
		ep = cache_get(controller_cache(c, "endpoints"), key);
		local = (type == NULL || strcmp(type, "ExternalName") != 0) &&
		    dnsfed_has_ready(ep);
	}
	if (!local) {
		nodes = cache_list(controller_cache(c, "nodes"), &n);
		known = dnsfed_zone_region(nodes, n, z, sizeof(z), r,
		    sizeof(r));
	}
	rc = dnsfed_target(&q, zone, local, known ? z : NULL,
	    known ? r : NULL, target, size);
	if (rc == CK_ENOTFOUND)
		log_v(2, "dns: %s: no node has zone and region labels: "
		    "SERVFAIL", name);
	log_v(4, "dns: federation %s -> %s", name, rc == 0 ? target : "-");
	cache_list_free(nodes, n);
	kobj_unref(ep);
	kobj_unref(svc);
	return rc < 0 ? rc : 1;
}

/*
 * Authoritative mode (--dnsrecords-source): a DNSRecord key ("ns/name")
 * makes that object's records the table's owner "dnsrecord/ns/name"; a
 * deleted object removes them.
 */
int
dns_reconcile_record(struct controller *c, const char *key)
{
	struct dns_state *st = controller_data(c);
	struct kobj *rec;
	struct dns_rrs rrs = { 0 };
	char owner[512];

	snprintf(owner, sizeof(owner), "dnsrecord/%s", key);
	rec = cache_get(controller_cache(c, DNS_RECORDS_RES), key);
	if (rec != NULL)
		dnsrec_dnsrecord(rec, dnstable_zone(st->table), &rrs);
	log_v(4, "dns: dnsrecord %s: %zu records", key, rrs.n);
	dnstable_replace(st->table, owner, &rrs);
	kobj_unref(rec);
	return 0;
}

static void
record_added(const struct kobj *obj, void *arg)
{
	controller_enqueue(arg, kobj_key(obj));
}

static void
record_updated(const struct kobj *old_obj, const struct kobj *new_obj,
    void *arg)
{
	(void)old_obj;
	controller_enqueue(arg, kobj_key(new_obj));
}

int
dns_watch_records(struct controller *c)
{
	static const struct client_gvr gvr = {
		.group = "federation.ckube.io", .version = "v1",
		.resource = "dnsrecords",
	};
	struct informer_handlers h = {
		.on_add = record_added, .on_update = record_updated,
		.on_delete = record_added, .arg = c,
	};

	return controller_watch_gvr(c, DNS_RECORDS_RES, &gvr, &h);
}
