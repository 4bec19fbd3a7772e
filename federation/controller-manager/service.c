/*
 * service.c: the federated service controller (semantics.md 8(c)): the
 * service in every Ready member (a same-named one is adopted and brought
 * to the federated spec; member-assigned clusterIP and nodePorts are
 * kept), the members' load-balancer ingress in the federated status, and
 * the DNS records of dnsrec.c in a DNSRecord of the service's name and
 * namespace. Deleting the federated service deletes the member services
 * and the record.
 */
#include "fcm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "dnsrec.h"

static const struct client_gvr gvr_dnsrecords = { "federation.ckube.io",
	"v1", "dnsrecords" };

/* What a member learned about its copy. */
struct svc_member {
	struct kobj	*cluster;
	struct client	*cl;
	cJSON		*have;		/* the member's service, or NULL */
	int		 ready_endpoints;
};

static void
copy_item(cJSON *dst, const cJSON *src, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, key);

	cJSON_DeleteItemFromObjectCaseSensitive(dst, key);
	if (v != NULL)
		cJSON_AddItemToObject(dst, key, cJSON_Duplicate(v, 1));
}

/* The federated spec with the member's own addresses (nodePorts by port). */
static cJSON *
desired(const struct kobj *fed, const cJSON *have)
{
	const cJSON *hspec = cJSON_GetObjectItemCaseSensitive(have, "spec");
	const cJSON *hp, *np;
	cJSON *o, *meta, *spec, *p;

	o = have != NULL ? cJSON_Duplicate(have, 1) : cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(o, "status");
	if (have == NULL) {
		cJSON_AddStringToObject(o, "apiVersion", "v1");
		cJSON_AddStringToObject(o, "kind", "Service");
		meta = cJSON_AddObjectToObject(o, "metadata");
		cJSON_AddStringToObject(meta, "name", kobj_name(fed));
		cJSON_AddStringToObject(meta, "namespace",
		    kobj_namespace(fed));
	}
	meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	copy_item(meta, kobj_get(fed, "metadata"), "labels");
	spec = cJSON_Duplicate(kobj_get(fed, "spec"), 1);
	if (spec == NULL)
		spec = cJSON_CreateObject();
	copy_item(spec, hspec, "clusterIP");
	copy_item(spec, hspec, "clusterIPs");
	copy_item(spec, hspec, "healthCheckNodePort");
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec, "ports")) {
		cJSON_DeleteItemFromObjectCaseSensitive(p, "nodePort");
		cJSON_ArrayForEach(hp, cJSON_GetObjectItemCaseSensitive(hspec,
		    "ports")) {
			np = cJSON_GetObjectItemCaseSensitive(hp, "nodePort");
			if (np != NULL && cJSON_Compare(
			    cJSON_GetObjectItemCaseSensitive(hp, "port"),
			    cJSON_GetObjectItemCaseSensitive(p, "port"), 1))
				cJSON_AddItemToObject(p, "nodePort",
				    cJSON_Duplicate(np, 1));
		}
	}
	cJSON_DeleteItemFromObjectCaseSensitive(o, "spec");
	cJSON_AddItemToObject(o, "spec", spec);
	return o;
}

static int
ready_endpoints(struct client *cl, const char *ns, const char *name)
{
	struct ck_status st;
	const cJSON *sub;
	cJSON *ep = NULL;
	int n = 0;

	ck_status_clear(&st);
	if (client_get(cl, &CLIENT_GVR_ENDPOINTS, ns, name, &ep, &st) < 0)
		return 0;
	cJSON_ArrayForEach(sub, cJSON_GetObjectItemCaseSensitive(ep,
	    "subsets"))
		n += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(sub,
		    "addresses"));
	cJSON_Delete(ep);
	return n;
}

/* Create or update the member's copy; learn its ingress and endpoints. */
static int
sync_member(const struct kobj *fed, struct svc_member *m)
{
	struct ck_status st;
	cJSON *want, *out = NULL;
	int rc = 0;

	ck_status_clear(&st);
	want = desired(fed, m->have);
	if (m->have == NULL) {
		rc = client_create(m->cl, want, &out, &st);
		if (rc == CK_ENOTFOUND && (rc = members_ensure_namespace(m->cl,
		    kobj_namespace(fed), &st)) == 0)
			rc = client_create(m->cl, want, &out, &st);
	} else if (!cJSON_Compare(cJSON_GetObjectItemCaseSensitive(m->have,
	    "spec"), cJSON_GetObjectItemCaseSensitive(want, "spec"), 1) ||
	    !cJSON_Compare(kobj_get(fed, "metadata.labels"),
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    m->have, "metadata"), "labels"), 1))
		rc = client_update(m->cl, want, NULL, &st);
	if (rc < 0 && rc != CK_ECONFLICT)
		log_warn("cluster %s: service %s: %s", kobj_name(m->cluster),
		    kobj_key(fed), st.message);
	if (out != NULL) {
		cJSON_Delete(m->have);
		m->have = out;
	}
	cJSON_Delete(want);
	m->ready_endpoints = ready_endpoints(m->cl, kobj_namespace(fed),
	    kobj_name(fed));
	return rc;
}

/* The union of the members' status.loadBalancer.ingress entries. */
static cJSON *
ingress_union(const struct svc_member *m, size_t n)
{
	cJSON *all = cJSON_CreateArray(), *e;
	const cJSON *have;
	size_t i;
	bool dup;

	for (i = 0; i < n; i++) {
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(m[i].have, "status"),
		    "loadBalancer"), "ingress")) {
			dup = false;
			cJSON_ArrayForEach(have, all)
				if (cJSON_Compare(have, e, 1))
					dup = true;
			if (!dup)
				cJSON_AddItemToArray(all,
				    cJSON_Duplicate(e, 1));
		}
	}
	return all;
}

static int
write_status(struct controller *c, const struct kobj *fed, cJSON *ingress)
{
	struct ck_status st;
	struct kobj *upd;
	cJSON *status, *lb;
	int rc;

	status = cJSON_CreateObject();
	lb = cJSON_AddObjectToObject(status, "loadBalancer");
	if (cJSON_GetArraySize(ingress) > 0)
		cJSON_AddItemToObject(lb, "ingress", ingress);
	else
		cJSON_Delete(ingress);
	if (cJSON_Compare(status, kobj_get(fed, "status"), 1)) {
		cJSON_Delete(status);
		return 0;
	}
	upd = kobj_copy(fed);
	rc = kobj_set_json(upd, "status", status);
	ck_status_clear(&st);
	if (rc == 0)
		rc = controller_update_status(c, upd, NULL, &st);
	kobj_unref(upd);
	return rc;
}

/* The member's IPs of one ingress list (hostnames are not resolved yet). */
static size_t
ingress_ips(const cJSON *have, const char **ips, size_t max)
{
	const cJSON *e, *ip;
	size_t n = 0;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    have, "status"), "loadBalancer"), "ingress")) {
		ip = cJSON_GetObjectItemCaseSensitive(e, "ip");
		if (cJSON_IsString(ip) && n < max)
			ips[n++] = ip->valuestring;
	}
	return n;
}

#define SVC_MAX_IPS	16

/* Write (or delete, endpoints NULL) the DNSRecord of the service. */
static int
write_record(struct controller *c, const char *ns, const char *name,
    cJSON *endpoints)
{
	struct ck_status st;
	struct kobj *have = NULL, *want;
	int rc;

	ck_status_clear(&st);
	rc = controller_get(c, &gvr_dnsrecords, ns, name, &have, &st);
	if (rc < 0 && rc != CK_ENOTFOUND)
		goto out;
	if (endpoints == NULL) {
		rc = have == NULL ? 0 : controller_delete(c, &gvr_dnsrecords,
		    ns, name, NULL, &st);
		goto out;
	}
	if (have != NULL && cJSON_Compare(kobj_get(have, "spec.endpoints"),
	    endpoints, 1)) {
		rc = 0;
		goto out;
	}
	want = have != NULL ? kobj_copy(have) :
	    kobj_new("federation.ckube.io/v1", "DNSRecord");
	if (have == NULL && (kobj_set_str(want, "metadata.name", name) < 0 ||
	    kobj_set_str(want, "metadata.namespace", ns) < 0))
		rc = CK_EINVALID;
	else
		rc = kobj_set_json(want, "spec.endpoints",
		    cJSON_Duplicate(endpoints, 1));
	if (rc == 0)
		rc = have != NULL ? controller_update(c, want, NULL, &st) :
		    controller_create(c, want, NULL, &st);
	kobj_unref(want);
out:
	if (rc < 0 && rc != CK_ECONFLICT)
		log_warn("dnsrecord %s/%s: %s", ns, name, st.message);
	kobj_unref(have);
	return rc == CK_ENOTFOUND ? 0 : rc;
}

/* The shards of every Cluster (Ready or not), one per zone. */
static cJSON *
records(struct controller *c, const char *ns, const char *name,
    const struct svc_member *m, size_t nm)
{
	struct dnsrec_shard *sh;
	struct kobj **all;
	const char ***lists;
	const cJSON *zones, *z;
	size_t i, j, n, k = 0, cap = 0;
	cJSON *eps;

	all = cache_list(controller_cache(c, FCM_CLUSTERS), &n);
	for (i = 0; i < n; i++)
		cap += (size_t)cJSON_GetArraySize(kobj_get(all[i],
		    "status.zones")) + 1;
	sh = ck_calloc(cap > 0 ? cap : 1, sizeof(*sh));
	lists = ck_calloc(n > 0 ? n : 1, sizeof(*lists));
	/* One IP list per member; its shards borrow it. */
	for (i = 0; i < n; i++) {
		const struct svc_member *mm = NULL;
		const char **mine = ck_calloc(SVC_MAX_IPS, sizeof(*mine));
		size_t nips = 0;

		lists[i] = mine;
		for (j = 0; j < nm; j++)
			if (strcmp(kobj_name(m[j].cluster),
			    kobj_name(all[i])) == 0)
				mm = &m[j];
		if (mm != NULL)
			nips = ingress_ips(mm->have, mine, SVC_MAX_IPS);
		zones = kobj_get(all[i], "status.zones");
		if (cJSON_GetArraySize(zones) == 0)
			zones = NULL;
		for (z = zones ? zones->child : NULL; ; z = z->next) {
			sh[k].zone = z != NULL && cJSON_IsString(z) ?
			    z->valuestring : NULL;
			sh[k].region = kobj_get_str(all[i], "status.region");
			sh[k].ips = mine;
			sh[k].nips = nips;
			sh[k].ready_endpoints = mm ? mm->ready_endpoints : 0;
			sh[k].cluster_ready = mm != NULL;
			k++;
			if (z == NULL || z->next == NULL)
				break;
		}
	}
	eps = dnsrec_endpoints(name, ns, fcm_federation_name, fcm_zone_name,
	    sh, k);
	for (i = 0; i < n; i++)
		free(lists[i]);
	free(lists);
	free(sh);
	cache_list_free(all, n);
	return eps;
}

int
service_reconcile(struct controller *c, const char *key)
{
	struct kobj **ready, *fed;
	struct svc_member *m;
	struct ck_status st;
	const char *slash = strchr(key, '/'), *name;
	char ns[256];
	size_t i, n;
	int rc = 0, r;
	cJSON *eps;

	if (slash == NULL || (size_t)(slash - key) >= sizeof(ns))
		return 0;
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	name = slash + 1;
	fed = cache_get(controller_cache(c, FCM_SERVICES), key);
	ready = members_ready(c, &n);
	m = ck_calloc(n > 0 ? n : 1, sizeof(*m));
	for (i = 0; i < n; i++) {
		m[i].cluster = ready[i];
		ck_status_clear(&st);
		r = members_client(c, ready[i], &m[i].cl, &st);
		if (r == 0)
			r = client_get(m[i].cl, &CLIENT_GVR_SERVICES, ns, name,
			    &m[i].have, &st);
		if (r < 0 && r != CK_ENOTFOUND) {
			log_warn("cluster %s: service %s: %s",
			    kobj_name(ready[i]), key, st.message);
			rc = r;
			goto out;
		}
	}
	if (fed == NULL) {
		for (i = 0; i < n; i++)
			if (m[i].have != NULL && (r = client_delete(m[i].cl,
			    &CLIENT_GVR_SERVICES, ns, name, NULL, NULL,
			    &st)) < 0 && r != CK_ENOTFOUND)
				rc = r;
		if (fcm_zone_name[0] != '\0' &&
		    (r = write_record(c, ns, name, NULL)) < 0)
			rc = r;
		goto out;
	}
	for (i = 0; i < n; i++)
		if ((r = sync_member(fed, &m[i])) < 0)
			rc = r;
	if ((r = write_status(c, fed, ingress_union(m, n))) < 0 && rc == 0)
		rc = r;
	if (fcm_zone_name[0] != '\0') {
		eps = records(c, ns, name, m, n);
		if ((r = write_record(c, ns, name, eps)) < 0 && rc == 0)
			rc = r;
		cJSON_Delete(eps);
	}
out:
	for (i = 0; i < n; i++)
		cJSON_Delete(m[i].have);
	free(m);
	cache_list_free(ready, n);
	kobj_unref(fed);
	return rc;
}
