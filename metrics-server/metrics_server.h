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

/*
 * A snapshot: a NodeMetrics per node and a PodMetrics per pod, each a
 * compact record (usage as integers, names in one allocation) rendered as
 * JSON when asked. Built by one scrape pass, then published whole.
 */
struct ms_snapshot;
struct ms_item;

/* An empty snapshot of a pass at now (RFC 3339) over window ("15s"). */
struct ms_snapshot	*ms_snapshot_new(const char *now, const char *window);
void			 ms_snapshot_free(struct ms_snapshot *s);
/*
 * Add one kubelet /stats/summary document (summary, borrowed): a
 * NodeMetrics for its node and a PodMetrics per pod (cpu from
 * usageNanoCores, memory from workingSetBytes), each replacing one of the
 * same key (a node named twice in a pass moves to the end). Returns 0 or
 * CK_EINVALID (no node name).
 */
int	ms_snapshot_add_summary(struct ms_snapshot *next,
	    const struct cJSON *summary) CK_MUST_CHECK;
/* Slots of the nodes or pods in scrape order; ms_snapshot_at() of a
 * replaced slot is NULL. */
size_t			 ms_snapshot_len(const struct ms_snapshot *s, bool pods);
const struct ms_item	*ms_snapshot_at(const struct ms_snapshot *s, bool pods,
			    size_t i);
/* By key: "name" for a node, "ns/name" for a pod; NULL when absent. */
const struct ms_item	*ms_snapshot_find(const struct ms_snapshot *s,
			    bool pods, const char *key);
const char		*ms_item_key(const struct ms_item *it);
/* The NodeMetrics or PodMetrics object of it (yours). */
struct cJSON		*ms_item_json(const struct ms_snapshot *s,
			    const struct ms_item *it, bool pod);

/* The latest snapshot: replaced whole by each scrape (thread-safe). */
struct ms_store;

struct ms_store	*ms_store_new(void);
void		 ms_store_free(struct ms_store *s);
/* Publish next (taken) as the current snapshot. */
void		 ms_store_swap(struct ms_store *s, struct ms_snapshot *next);
/* The current snapshot, valid until ms_store_unlock(). */
struct ms_snapshot *ms_store_lock(struct ms_store *s);
void		 ms_store_unlock(struct ms_store *s);

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
