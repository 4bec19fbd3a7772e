/*
 * ckube-metrics-server: wiring only. Scrapes every node's kubelet(-sim)
 * /stats/summary each --metric-resolution into the snapshot ms_api.c
 * serves under /apis/metrics.k8s.io, and registers itself as the backend
 * of APIService v1beta1.metrics.k8s.io (ms_register.c).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/daemon.h"
#include "ckube/err.h"
#include "ckube/flags.h"
#include "ckube/httpd.h"
#include "ckube/informer.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "metrics_server.h"

#define ANN_KUBELET_URL	"sim.ckube.io/kubelet-url"

static struct {
	int64_t		resolution_ms;
	int64_t		scrape_timeout_ms;
	int		 register_api;
	const char	*advertise_address;
	const char	*service_ns, *service_name;
} f;

static struct ms_api api;

static const struct flag ms_flags[] = {
	{ "metric-resolution", FLAG_DURATION, &f.resolution_ms, "15s",
	    "Metrics", "how often the kubelets are scraped (the metrics' "
	    "window)" },
	{ "kubelet-request-timeout", FLAG_DURATION, &f.scrape_timeout_ms,
	    "10s", "Metrics", "timeout of one kubelet scrape" },
	{ "register-apiservice", FLAG_BOOL, &f.register_api, "true",
	    "Metrics", "create the Service, Endpoints and APIService "
	    "v1beta1.metrics.k8s.io that route the aggregated API here" },
	{ "advertise-address", FLAG_STRING, &f.advertise_address, "127.0.0.1",
	    "Metrics", "address written into the Endpoints (the apiserver "
	    "dials it)" },
	{ "service-namespace", FLAG_STRING, &f.service_ns, "kube-system",
	    "Metrics", "namespace of the registered Service" },
	{ "service-name", FLAG_STRING, &f.service_name, "metrics-server",
	    "Metrics", "name of the registered Service and Endpoints" },
};

static const struct flag *const tables[] = { ms_flags };
static const size_t counts[] = { ARRAY_SIZE(ms_flags) };

static const struct httpd_route ms_routes[] = {
	{ NULL, "/apis/metrics.k8s.io", ms_api_handle, &api },
	{ NULL, "/apis/metrics.k8s.io/*", ms_api_handle, &api },
};

/* One pass over every node into a new snapshot. */
static void
scrape(void)
{
	struct ms_snapshot *next;
	struct kobj **nodes;
	cJSON *doc;
	char now[RFC3339_MAX], window[32], url[512];
	const char *base;
	size_t n, i;
	void *h;

	rfc3339_now(now);
	snprintf(window, sizeof(window), "%llds",
	    (long long)(f.resolution_ms + 999) / 1000);
	next = ms_snapshot_new(now, window);
	nodes = cache_list(api.nodes, &n);
	h = ms_fetch_begin((long)f.scrape_timeout_ms);
	for (i = 0; i < n; i++) {
		base = kobj_annotation(nodes[i], ANN_KUBELET_URL);
		if (base == NULL)
			continue;
		snprintf(url, sizeof(url), "%s/stats/summary?node=%s", base,
		    kobj_name(nodes[i]));
		doc = ms_fetch_json(h, url);
		if (doc != NULL && ms_snapshot_add_summary(next, doc) != 0)
			log_v(2, "scrape %s: no node in the summary", url);
		cJSON_Delete(doc);
	}
	ms_fetch_end(h);
	cache_list_free(nodes, n);
	ms_store_swap(api.store, next);
}

static int
ms_run(struct daemon *d, void *arg)
{
	/* Labels for selectors; a node's annotations name its kubelet. */
	static const char *const node_meta[] = { "metadata.labels",
	    "metadata.annotations", NULL };
	static const char *const pod_meta[] = { "metadata.labels", NULL };
	struct informer_group *g;
	struct informer *inf;
	struct client *cl, *icl;
	bool registered = false;
	int rc;

	(void)arg;
	if (f.resolution_ms <= 0)
		f.resolution_ms = 15000;
	if (daemon_client_new(d, &cl) != 0)
		return 1;
	if (daemon_client_new(d, &icl) != 0) {
		client_free(cl);
		return 1;
	}
	api.store = ms_store_new();
	g = informer_group_new(icl, &(struct informer_options){
	    .bus_url = daemon_watch_bus(d), .metadata_only = 1 });
	inf = informer_group_add(g, "nodes", NULL);
	informer_set_keep(inf, node_meta);
	api.nodes = informer_cache(inf);
	inf = informer_group_add(g, "pods", NULL);
	informer_set_keep(inf, pod_meta);
	api.pods = informer_cache(inf);
	if (informer_group_start(g) != 0) {
		rc = 1;
		goto out;
	}
	daemon_set_ready(d, 1);
	for (;;) {
		if (f.register_api && !registered)
			registered = ms_register(cl, f.service_ns,
			    f.service_name, f.advertise_address,
			    daemon_port(d)) == 0;
		if (informer_group_has_synced(g))
			scrape();
		rc = daemon_wait_stop(d, ck_now_ms() +
		    (uint64_t)f.resolution_ms);
		if (rc != CK_ETIMEDOUT && rc != CK_EAGAIN)
			break;
	}
	informer_group_stop(g);
	rc = daemon_exit_status(d);
out:
	informer_group_free(g);	/* and icl, which the group owns */
	ms_store_free(api.store);
	client_free(cl);
	return rc;
}

int
main(int argc, char *argv[])
{
	static const struct daemon_def def = {
		.name = "ckube-metrics-server",
		.summary = "metrics.k8s.io (NodeMetrics, PodMetrics) from the "
		    "kubelet-sim's simulated usage",
		.default_port = "10276",
		.flag_tables = tables,
		.flag_counts = counts,
		.nflag_tables = 1,
		.routes = ms_routes,
		.nroutes = ARRAY_SIZE(ms_routes),
		.run = ms_run,
	};

	return daemon_main(&def, argc, argv);
}
