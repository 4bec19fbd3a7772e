/*
 * cluster.c: the cluster controller (semantics.md 8(b)). Every monitor
 * period each Cluster's /healthz is probed; its conditions (health.c), and
 * zones and region from the labels of its nodes, go to status. Then every
 * federated object is queued, so members that changed (joined, came back,
 * or had an object removed by hand) are brought up to date.
 */
#include "fcm.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"
#include "health.h"

/* The body of /healthz, at most a few bytes of it. */
struct probe_body {
	char	buf[64];
	size_t	len;
};

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct probe_body *b = arg;
	size_t n = size * nmemb, room = sizeof(b->buf) - 1 - b->len;

	memcpy(b->buf + b->len, data, n < room ? n : room);
	b->len += n < room ? n : room;
	b->buf[b->len] = '\0';
	return n;
}

/* GET url/healthz: the probe result (any HTTP reply is "reachable"). */
static enum health_probe
probe(const char *url)
{
	struct probe_body b = { .len = 0 };
	char full[600];
	CURL *e;
	CURLcode cc;

	snprintf(full, sizeof(full), "%s/healthz", url);
	e = curl_easy_init();
	if (e == NULL)
		return HEALTH_UNREACHABLE;
	curl_easy_setopt(e, CURLOPT_URL, full);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
	cc = curl_easy_perform(e);
	curl_easy_cleanup(e);
	return health_of_reply(cc == CURLE_OK ? b.buf : NULL);
}

static const char *
node_label(const cJSON *node, const char *modern, const char *beta)
{
	const cJSON *labels = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(node, "metadata"), "labels");
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(labels, modern);

	if (!cJSON_IsString(v))
		v = cJSON_GetObjectItemCaseSensitive(labels, beta);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool
has_string(const cJSON *arr, const char *s)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, arr)
		if (cJSON_IsString(v) && strcmp(v->valuestring, s) == 0)
			return true;
	return false;
}

/*
 * status.zones and status.region from the member's nodes (the beta labels
 * of 1.3 or today's topology ones). Failure leaves them out; the health
 * update goes on.
 */
static void
set_zones(struct controller *c, const struct kobj *cluster, cJSON *status)
{
	struct client_list list = { 0 };
	struct ck_status st;
	struct client *cl;
	const cJSON *node;
	const char *zone, *region = NULL;
	cJSON *zones;

	ck_status_clear(&st);
	if (members_client(c, cluster, &cl, &st) < 0 ||
	    client_list_all(cl, &CLIENT_GVR_NODES, NULL, NULL, &list,
	    &st) < 0) {
		log_v(1, "cluster %s: nodes: %s", kobj_name(cluster),
		    st.message);
		client_list_fini(&list);
		return;
	}
	zones = cJSON_AddArrayToObject(status, "zones");
	cJSON_ArrayForEach(node, list.items) {
		zone = node_label(node, "topology.kubernetes.io/zone",
		    "failure-domain.beta.kubernetes.io/zone");
		if (zone != NULL && !has_string(zones, zone))
			cJSON_AddItemToArray(zones, cJSON_CreateString(zone));
		if (region == NULL)
			region = node_label(node,
			    "topology.kubernetes.io/region",
			    "failure-domain.beta.kubernetes.io/region");
	}
	if (region != NULL)
		cJSON_AddStringToObject(status, "region", region);
	client_list_fini(&list);
}

int
cluster_reconcile(struct controller *c, const char *name)
{
	struct kobj *obj, *upd = NULL;
	struct ck_status st;
	enum health_probe p = HEALTH_UNREACHABLE;
	const char *was;
	char url[512], now[RFC3339_MAX];
	cJSON *status;
	int rc = 0;

	obj = cache_get(controller_cache(c, FCM_CLUSTERS), name);
	if (obj == NULL) {
		log_v(2, "cluster %s: not in the cache", name);
		return 0;	/* removed: no longer reconciled */
	}
	if (!members_probe_due(c, obj, ck_now_ms())) {
		log_v(4, "cluster %s: probed less than a period ago", name);
		kobj_unref(obj);
		return 0;	/* a requeue of the last probe is pending */
	}
	if (members_server_url(obj, url, sizeof(url)) == 0)
		p = probe(url);
	else if ((was = kobj_condition_status(obj, "Offline")) != NULL &&
	    strcmp(was, "True") == 0) {
		kobj_unref(obj);
		return 0;	/* no address: Offline until the spec has one */
	}
	rfc3339_now(now);
	status = cJSON_CreateObject();
	cJSON_AddItemToObject(status, "conditions", health_conditions(p,
	    kobj_get(obj, "status.conditions"), now));
	if (p != HEALTH_UNREACHABLE)
		set_zones(c, obj, status);
	else {
		/* Keep what was known while the member cannot be asked. */
		if (kobj_get(obj, "status.zones") != NULL)
			cJSON_AddItemToObject(status, "zones",
			    cJSON_Duplicate(kobj_get(obj, "status.zones"), 1));
		if (kobj_get_str(obj, "status.region") != NULL)
			cJSON_AddStringToObject(status, "region",
			    kobj_get_str(obj, "status.region"));
	}
	was = kobj_condition_status(obj, "Ready");
	if ((was != NULL && strcmp(was, "True") == 0) != (p == HEALTH_OK))
		log_info("cluster %s: %s", name, p == HEALTH_OK ? "Ready" :
		    p == HEALTH_NOT_OK ? "not Ready" : "Offline");
	upd = kobj_copy(obj);
	if (kobj_set_json(upd, "status", status) < 0) {
		rc = CK_EINVALID;
		goto out;
	}
	ck_status_clear(&st);
	rc = controller_update_status(c, upd, NULL, &st);
	if (rc < 0 && rc != CK_ECONFLICT)
		log_warn("cluster %s: status: %s", name, st.message);
	members_enqueue_all(c);
out:
	if (fcm_monitor_ms > 0) {
		char key[300];

		snprintf(key, sizeof(key), "cluster/%s", name);
		controller_requeue_after(c, key, (unsigned)fcm_monitor_ms);
	}
	kobj_unref(upd);
	kobj_unref(obj);
	return rc == CK_ECONFLICT ? 0 : rc;
}
