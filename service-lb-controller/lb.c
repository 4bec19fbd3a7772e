/*
 * lb.c: lb_reconcile(), the allocator loop of MetalLB's controller
 * (controller/service.go: convergeBalancer) for a cluster without a
 * cloud: a Service of type LoadBalancer of our class keeps the address it
 * holds, gets spec.loadBalancerIP when that is free and in the pool, or
 * else the lowest free one; the address shows in status.loadBalancer
 * (kubectl's EXTERNAL-IP). Deletion, another type or another class
 * releases it; a release wakes the Services still <pending>.
 * NodePorts are the apiserver's (service_alloc.c), as in Kubernetes.
 */
#include "lb.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#define SVC_RES		"services"
#define REASON_FAILED	"AllocationFailed"

/* Whether svc is a LoadBalancer this controller serves. */
static bool
is_ours(const struct lb_state *s, const struct kobj *svc)
{
	const char *type = kobj_get_str(svc, "spec.type");
	const char *cls = kobj_get_str(svc, "spec.loadBalancerClass");
	const char *want = s->lb_class != NULL ? s->lb_class : "";

	if (type == NULL || strcmp(type, "LoadBalancer") != 0)
		return false;
	return strcmp(cls != NULL ? cls : "", want) == 0;
}

/* The first ingress IP svc shows, or NULL. */
static const char *
status_ip(const struct kobj *svc)
{
	const cJSON *ing = kobj_get(svc, "status.loadBalancer.ingress");
	const cJSON *ip = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(ing, 0), "ip");

	return cJSON_IsString(ip) ? ip->valuestring : NULL;
}

/* Whether status.loadBalancer.ingress is exactly [{ip: ip}] (ip NULL: empty). */
static bool
status_is(const struct kobj *svc, const char *ip)
{
	const cJSON *ing = kobj_get(svc, "status.loadBalancer.ingress");
	const cJSON *hn = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(ing, 0), "hostname");
	int n = cJSON_IsArray(ing) ? cJSON_GetArraySize(ing) : 0;
	const char *got = status_ip(svc);

	if (ip == NULL)
		return n == 0;
	return n == 1 && hn == NULL && got != NULL && strcmp(got, ip) == 0;
}

void
lb_map_service(struct controller *c, const struct kobj *svc)
{
	struct lb_state *s = controller_data(c);
	const char *ip = status_ip(svc);
	char held[LBPOOL_IP_LEN];

	/*
	 * The first LIST rebuilds the pool from what Services show, before
	 * any worker runs; later events only queue (a stale old object must
	 * not take back an address a reconcile released).
	 */
	if (!controller_watches_synced(c) && ip != NULL && is_ours(s, svc) &&
	    !lbpool_lookup(s->pool, kobj_key(svc), held) &&
	    lbpool_claim(s->pool, kobj_key(svc), ip, NULL, 0) == 0)
		log_v(4, "lb %s: keeps %s", kobj_key(svc), ip);
	controller_enqueue(c, kobj_key(svc));
}

/*
 * Queue every other Service of ours that holds no address: one may be
 * free now.
 */
static void
wake_pending(struct controller *c, const struct lb_state *s, const char *key)
{
	struct kobj **list;
	char ip[LBPOOL_IP_LEN];
	size_t i, n;

	list = cache_list(controller_cache(c, SVC_RES), &n);
	for (i = 0; i < n; i++)
		if (strcmp(kobj_key(list[i]), key) != 0 && is_ours(s, list[i]) &&
		    !lbpool_lookup(s->pool, kobj_key(list[i]), ip))
			controller_enqueue(c, kobj_key(list[i]));
	cache_list_free(list, n);
}

/* Write status.loadBalancer: ingress [{ip}] or nothing (ip NULL). */
static int
write_status(struct controller *c, const struct kobj *svc, const char *ip)
{
	struct kobj *copy = kobj_copy(svc);
	cJSON *lb = cJSON_CreateObject(), *ing, *one;
	struct ck_status st;
	int rc;

	if (ip != NULL) {
		ing = cJSON_AddArrayToObject(lb, "ingress");
		one = cJSON_CreateObject();
		cJSON_AddStringToObject(one, "ip", ip);
		cJSON_AddItemToArray(ing, one);
	}
	rc = kobj_set_json(copy, "status.loadBalancer", lb);
	if (rc == 0)
		rc = controller_update_status(c, copy, NULL, &st);
	if (rc == CK_ENOTFOUND)
		rc = 0;			/* deleted meanwhile: its event comes */
	else if (rc < 0 && rc != CK_ECONFLICT)
		log_warn("lb %s: status: %s", kobj_key(svc), ck_strerror(rc));
	kobj_unref(copy);
	return rc;
}

/*
 * The address svc should show into ip, or false (<pending>): the requested
 * one if free and ours, else the one it holds or shows, else a free one.
 */
static bool
choose(struct controller *c, const struct lb_state *s,
    const struct kobj *svc, char *ip)
{
	const char *key = kobj_key(svc);
	const char *req = kobj_get_str(svc, "spec.loadBalancerIP");
	const char *shown = status_ip(svc);
	char owner[512];
	int rc;

	if (req != NULL && req[0] != '\0') {
		rc = lbpool_claim(s->pool, key, req, owner, sizeof(owner));
		if (rc == 0) {
			ck_strlcpy(ip, req, LBPOOL_IP_LEN);
			return true;
		}
		lbpool_release(s->pool, key);
		if (rc == CK_EEXIST)
			controller_event(c, svc, "Warning", REASON_FAILED,
			    "Failed to allocate IP for \"%s\": \"%s\" is "
			    "already in use by \"%s\"", key, req, owner);
		else
			controller_event(c, svc, "Warning", REASON_FAILED,
			    "Failed to allocate IP for \"%s\": \"%s\" is not "
			    "in the pool (--lb-ip-range)", key, req);
		return false;
	}
	if (lbpool_lookup(s->pool, key, ip))
		return true;
	/* Shown but not held: a relist after a watch gap. Keep it if free. */
	if (shown != NULL && lbpool_claim(s->pool, key, shown, NULL, 0) == 0) {
		ck_strlcpy(ip, shown, LBPOOL_IP_LEN);
		return true;
	}
	if (lbpool_alloc(s->pool, key, ip) == 0)
		return true;
	controller_event(c, svc, "Warning", REASON_FAILED,
	    "Failed to allocate IP for \"%s\": no available IPs", key);
	return false;
}

int
lb_reconcile(struct controller *c, const char *key)
{
	struct lb_state *s = controller_data(c);
	struct kobj *svc;
	char before[LBPOOL_IP_LEN], ip[LBPOOL_IP_LEN];
	bool had = lbpool_lookup(s->pool, key, before), has = false;
	const char *type;
	int rc = 0;

	svc = cache_get(controller_cache(c, SVC_RES), key);
	if (svc == NULL) {
		lbpool_release(s->pool, key);
		goto out;
	}
	if (!is_ours(s, svc)) {
		lbpool_release(s->pool, key);
		/*
		 * Not a LoadBalancer any more: our address leaves its status
		 * (another class's status is its own controller's).
		 */
		type = kobj_get_str(svc, "spec.type");
		if ((type == NULL || strcmp(type, "LoadBalancer") != 0) &&
		    !status_is(svc, NULL) &&
		    (had || lbpool_contains(s->pool, status_ip(svc))))
			rc = write_status(c, svc, NULL);
		goto out;
	}
	has = choose(c, s, svc, ip);
	if (status_is(svc, has ? ip : NULL))
		goto out;
	rc = write_status(c, svc, has ? ip : NULL);
	if (rc == 0 && has) {
		log_info("lb %s: assigned %s", key, ip);
		controller_event(c, svc, "Normal", "IPAllocated",
		    "Assigned IP [\"%s\"]", ip);
	} else if (rc == 0)
		log_info("lb %s: no address (pending)", key);
out:
	if (had && !(has && strcmp(before, ip) == 0))
		wake_pending(c, s, key);
	log_v(2, "lb %s: %s", key, has ? ip : "no address");
	kobj_unref(svc);
	return rc;
}
