/*
 * nodematch.h: whether a pod spec fits a node by the rules that read only
 * the two objects: the nodeSelector, the required node affinity (a
 * NodeSelector: terms OR'ed, the requirements of a term AND'ed; In, NotIn,
 * Exists, DoesNotExist, Gt, Lt, and matchFields on metadata.name) and
 * taints against tolerations. For controllers that place pods themselves
 * (the daemonset-controller); the scheduler keeps its pre-parsed model.
 */
#ifndef CKUBE_NODEMATCH_H
#define CKUBE_NODEMATCH_H

#include <stdbool.h>

struct cJSON;
struct kobj;

/*
 * node_selector (a NodeSelector: {"nodeSelectorTerms": [...]}) matches
 * node. An empty term matches nothing; a selector without terms nothing.
 */
bool	nodematch_selector(const struct cJSON *node_selector,
	    const struct kobj *node);

/*
 * pod_spec's nodeSelector and required node affinity both match node (an
 * absent one matches).
 */
bool	nodematch_affinity(const struct cJSON *pod_spec,
	    const struct kobj *node);

/* Toleration tol tolerates taint (key, operator Exists/Equal, effect). */
bool	nodematch_tolerates(const struct cJSON *tol, const struct cJSON *taint);

/*
 * The first taint of node with an effect in effects (a NULL-terminated
 * list, e.g. { "NoSchedule", "NoExecute", NULL }) that no toleration of
 * tolerations (a JSON array, may be NULL) tolerates, or NULL.
 */
const struct cJSON *nodematch_untolerated(const struct kobj *node,
	    const struct cJSON *tolerations, const char *const *effects);

#endif
