/*
 * quota.h: ResourceQuota accounting shared by the apiserver's admission
 * (which charges a create) and ckube-resourcequota-controller (which
 * recalculates status.used): the usage an object adds to a quota, scope
 * matching, and resource lists of quantities (Kubernetes'
 * pkg/quota/v1 and pkg/quota/v1/evaluator/core). Pure and thread-safe.
 *
 * Values are milli-units (quantity.h): "2" pods is 2000, "1Gi" is
 * 1073741824000; each item keeps the suffix family of its first value so
 * that a sum prints as Kubernetes prints it ("256Mi", "500m").
 */
#ifndef CKUBE_QUOTA_H
#define CKUBE_QUOTA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"
#include "ckube/quantity.h"

struct cJSON;

#define QUOTA_NAME_MAX	256

struct quota_item {
	char			 name[QUOTA_NAME_MAX];
	int64_t			 milli;
	enum quantity_format	 fmt;
};

/* A resource list (ResourceList): distinct names, unordered. */
struct quota_list {
	struct quota_item	*v;
	size_t			 n;
};

void	quota_list_fini(struct quota_list *l);
/* The item named name, or NULL. */
const struct quota_item *quota_list_find(const struct quota_list *l,
	    const char *name);
/* Add milli to name (created at 0 with format fmt when absent). */
void	quota_list_add(struct quota_list *l, const char *name, int64_t milli,
	    enum quantity_format fmt);
/* Set name to max(current, milli) (created when absent). */
void	quota_list_max(struct quota_list *l, const char *name, int64_t milli,
	    enum quantity_format fmt);
/* Add every item of b to a. */
void	quota_list_add_all(struct quota_list *a, const struct quota_list *b);
/*
 * Parse a JSON map of quantities (spec.hard, resources.requests) into *out
 * (added to what it holds). Non-string or malformed values: CK_EINVALID,
 * the name in bad (may be NULL) and nothing more read.
 */
int	quota_list_from_json(const struct cJSON *map, struct quota_list *out,
	    char *bad, size_t badlen);
/* A JSON map of canonical quantities (yours). */
struct cJSON *quota_list_to_json(const struct quota_list *l);
/* Keep only the items whose names are in mask's. */
void	quota_list_mask(struct quota_list *l, const struct quota_list *mask);
/* "k=v,k2=v2" sorted by name (Kubernetes' prettyPrint), in buf. */
void	quota_list_pretty(const struct quota_list *l, char *buf, size_t len);
/* Canonical text of one item's value. */
void	quota_item_format(const struct quota_item *it, char *buf, size_t len);

/*
 * Whether a store resource ("pods", "services", "deployments.apps") is
 * counted at all, and the usage one object of it adds (into *out):
 * "count/<resource>", the legacy core names (pods, services, configmaps,
 * secrets, persistentvolumeclaims, replicationcontrollers,
 * resourcequotas), services.loadbalancers/nodeports, requests.storage and
 * the per-StorageClass names of a claim, and a pod's compute (pods, cpu,
 * memory, requests.*, limits.*, ephemeral-storage; none once the pod is
 * Succeeded or Failed). now is the wall clock (a pod past its deletion
 * grace no longer counts).
 */
void	quota_usage(const char *resource, const struct cJSON *obj,
	    int64_t now, struct quota_list *out);

/*
 * A PodSpec's effective kind ("requests" or "limits") per resource:
 * max(sum over app containers, each init container) plus overhead.
 */
void	quota_pod_effective(const struct cJSON *pod_spec, const char *kind,
	    struct quota_list *out);
/* A pod's compute usage of its containers: the requests and limits sums. */
void	quota_pod_compute(const struct cJSON *pod_spec, struct quota_list *out);

/*
 * Whether quota (its JSON) applies to obj of resource: scopes and
 * scopeSelector (Terminating, NotTerminating, BestEffort, NotBestEffort
 * with Exists/DoesNotExist; PriorityClass with In/NotIn/Exists/
 * DoesNotExist) match pods only, an unscoped quota every object.
 */
bool	quota_matches(const struct cJSON *quota, const char *resource,
	    const struct cJSON *obj);

/*
 * The "must specify" constraint of a pod under the quota's hard names
 * (cpu/memory and their requests./limits. forms): every container must
 * set them. Writes "must specify limits.cpu for: c; requests.cpu for: c"
 * into msg and returns CK_EPERM, else 0.
 */
int	quota_pod_constraints(const struct cJSON *pod,
	    const struct quota_list *hard, char *msg, size_t len);

/* Whether a hard name concerns objects of resource (pods: cpu, ...). */
bool	quota_name_tracks(const char *resource, const char *name);

#endif
