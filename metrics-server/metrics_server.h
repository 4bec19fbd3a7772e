/*
 * ckube-metrics-server: the metrics.k8s.io/v1beta1 API (NodeMetrics,
 * PodMetrics) over the usage the kubelet-sim reports in /stats/summary.
 * A scrape loop (ms_scrape.c) reads every node's summary each
 * --metric-resolution into a snapshot (ms_store.c); the HTTP routes
 * (ms_api.c) answer from the latest snapshot, filtered by namespace, name
 * and label selector (labels from metadata-only informers). The apiserver
 * reaches it as an aggregated API: ms_register.c keeps the Service,
 * Endpoints and APIService v1beta1.metrics.k8s.io that point at it.
 */
#ifndef METRICS_SERVER_H
#define METRICS_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct cJSON;
struct strmap;
struct cache;
struct client;
struct httpd_request;
struct httpd_response;

/* The latest metrics: replaced whole by each scrape (thread-safe). */
struct ms_store;

struct ms_store	*ms_store_new(void);
void		 ms_store_free(struct ms_store *s);

/*
 * Add one kubelet /stats/summary document (summary, borrowed) to the
 * snapshot being built in next: a NodeMetrics for its node (replacing one
 * of the same name), a PodMetrics per pod (cpu from usageNanoCores, memory
 * from workingSetBytes). now is the RFC 3339 scrape time, window e.g.
 * "15s". seen (a strmap kept by the caller for one pass, or NULL) maps the
 * node names added to next to their NodeMetrics: a pass over N nodes then
 * finds a replaced one without a walk of the N (an O(N^2) pass at 5,000
 * nodes). Returns 0 or CK_EINVALID (no node name).
 */
int	ms_snapshot_add_summary(struct cJSON *next, const struct cJSON *summary,
	    const char *now, const char *window, struct strmap *seen)
	    CK_MUST_CHECK;
/* An empty snapshot to fill: {"nodes":{},"pods":{}} (yours). */
struct cJSON	*ms_snapshot_new(void);
/* Publish next (taken) as the current snapshot. */
void	ms_store_swap(struct ms_store *s, struct cJSON *next);

/* Where the API handlers find labels (metadata-only caches; may be NULL). */
struct ms_api {
	struct ms_store	*store;
	struct cache	*nodes, *pods;
};

/*
 * Answer a GET under /apis/metrics.k8s.io: the group, the v1beta1
 * resource list, nodes[/NAME], pods, namespaces/NS/pods[/NAME], with
 * ?labelSelector=. Errors are Kubernetes Status objects. arg: ms_api.
 */
void	ms_api_handle(const struct httpd_request *req,
	    struct httpd_response *resp, void *arg);
/*
 * The same as a pure function: method, path and the labelSelector query
 * value (or NULL) in; HTTP code and body (yours) out.
 */
int	ms_api_answer(struct ms_api *api, const char *method, const char *path,
	    const char *label_selector, char **body);

/*
 * A scrape pass: ms_fetch_begin() a handle (NULL when out of memory; its
 * connections stay open across the pass), ms_fetch_json() each url (http
 * or https, the timeout, a size cap) into a parsed document (yours) or
 * NULL (logged at --v=2), ms_fetch_end().
 */
void		*ms_fetch_begin(long timeout_ms);
struct cJSON	*ms_fetch_json(void *h, const char *url);
void		 ms_fetch_end(void *h);

/*
 * Create or update Service and Endpoints ns/name (host:port) and the
 * APIService v1beta1.metrics.k8s.io that points at them. 0 or a CK_E*.
 */
int	ms_register(struct client *cl, const char *ns, const char *name,
	    const char *host, int port) CK_MUST_CHECK;

#endif
