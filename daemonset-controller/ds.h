/*
 * ds.h: the map header of ckube-daemonset-controller (DaemonSets of apps/v1
 * and extensions/v1beta1, one stored object): one pod per eligible node,
 * pinned to it by a required node affinity on metadata.name and left to the
 * scheduler; ControllerRevisions, RollingUpdate and OnDelete; the status
 * counts. Queue keys are "ns/name".
 */
#ifndef DS_H
#define DS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct controller;
struct kobj;
struct strbuf;

#define DS_RES			"daemonsets.apps"
#define DS_REV_RES		"controllerrevisions.apps"
#define DS_LABEL_HASH		"controller-revision-hash"
#define DS_LABEL_GENERATION	"pod-template-generation"

/* ds.c: the algorithm. */
int	ds_reconcile(struct controller *c, const char *key);
/* Watch handler of nodes: every set may gain or lose a node. */
void	ds_map_node(struct controller *c, const struct kobj *node);

/* ds_place.c: pure placement (Kubernetes' NodeShouldRunDaemonPod). */
/*
 * Add to pod_spec the tolerations every daemon pod gets (not-ready and
 * unreachable NoExecute without tolerationSeconds; disk-, memory- and
 * pid-pressure and unschedulable NoSchedule; network-unavailable
 * NoSchedule for hostNetwork pods), unless one with that key and effect is
 * there.
 */
void	ds_add_tolerations(struct cJSON *pod_spec);
/*
 * Whether a daemon pod of pod_spec (tolerations added) should run on node
 * (*should_run) and, if it runs there already, may stay (*should_continue:
 * false when the node no longer matches, or has an untolerated NoExecute
 * taint; an untolerated NoSchedule taint only stops new pods).
 */
void	ds_node_placement(const struct cJSON *pod_spec, const struct kobj *node,
	    bool *should_run, bool *should_continue);
/*
 * Pin pod_spec to node: its required node affinity becomes the one term
 * matchFields metadata.name In [node] (ReplaceDaemonSetPodNodeNameNodeAffinity).
 */
void	ds_pin_to_node(struct cJSON *pod_spec, const char *node);
/* The node pod runs on or is pinned to (spec.nodeName, else the term), or NULL. */
const char *ds_pod_node(const struct kobj *pod);

/* ds_rolling.c: pure rolling-update step choice. */
/* One node that should run the daemon, as the rolling update sees it. */
struct ds_node_state {
	bool	ok;		/* at most one old and one new pod */
	bool	has_old, old_available;
	bool	has_new, new_available;
};

enum ds_action {
	DS_KEEP,
	DS_DELETE_OLD,		/* delete the node's old pod */
	DS_CREATE_NEW,		/* surge: create a new pod beside the old one */
};

/*
 * An IntOrString (maxUnavailable, maxSurge) against total nodes: an int
 * as is, a percent of total rounded up (the daemon util's UnavailableCount
 * and SurgeCount both round up). Absent or invalid: 0.
 */
int64_t	ds_int_or_percent(const struct cJSON *v, int64_t total);
/*
 * The step of a rolling update over n nodes (Kubernetes' rollingUpdate):
 * without surge, delete old pods while fewer than max_unavailable nodes
 * are unavailable (an old pod that is not available is replaced at once);
 * with surge, create new pods beside available old ones up to max_surge,
 * and delete an old pod once its node's new one is available. Fills
 * actions[i] for every i and returns how many are not DS_KEEP.
 */
size_t	ds_rolling_plan(const struct ds_node_state *nodes, size_t n,
	    int64_t max_unavailable, int64_t max_surge,
	    enum ds_action *actions);

#endif
