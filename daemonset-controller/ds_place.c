/*
 * ds_place.c: where daemon pods go, pure (Kubernetes'
 * NodeShouldRunDaemonPod, AddOrUpdateDaemonPodTolerations and
 * ReplaceDaemonSetPodNodeNameNodeAffinity). The node's unschedulable flag
 * is not read: daemon pods tolerate node.kubernetes.io/unschedulable.
 */
#include "ds.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/kobj.h"
#include "ckube/nodematch.h"

static const struct {
	const char	*key;
	const char	*effect;
	bool		 host_network_only;
} daemon_tolerations[] = {
	{ "node.kubernetes.io/not-ready", "NoExecute", false },
	{ "node.kubernetes.io/unreachable", "NoExecute", false },
	{ "node.kubernetes.io/disk-pressure", "NoSchedule", false },
	{ "node.kubernetes.io/memory-pressure", "NoSchedule", false },
	{ "node.kubernetes.io/pid-pressure", "NoSchedule", false },
	{ "node.kubernetes.io/unschedulable", "NoSchedule", false },
	{ "node.kubernetes.io/network-unavailable", "NoSchedule", true },
};

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static bool
has_toleration(const cJSON *tols, const char *key, const char *effect)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, tols)
		if (strcmp(jstr(t, "key"), key) == 0 &&
		    strcmp(jstr(t, "effect"), effect) == 0)
			return true;
	return false;
}

void
ds_add_tolerations(cJSON *pod_spec)
{
	bool host = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pod_spec,
	    "hostNetwork"));
	cJSON *tols, *t;
	size_t i;

	tols = cJSON_GetObjectItemCaseSensitive(pod_spec, "tolerations");
	if (!cJSON_IsArray(tols)) {
		cJSON_DeleteItemFromObjectCaseSensitive(pod_spec, "tolerations");
		tols = cJSON_AddArrayToObject(pod_spec, "tolerations");
	}
	for (i = 0; i < sizeof(daemon_tolerations) /
	    sizeof(daemon_tolerations[0]); i++) {
		if (daemon_tolerations[i].host_network_only && !host)
			continue;
		if (has_toleration(tols, daemon_tolerations[i].key,
		    daemon_tolerations[i].effect))
			continue;
		t = cJSON_CreateObject();
		cJSON_AddStringToObject(t, "key", daemon_tolerations[i].key);
		cJSON_AddStringToObject(t, "operator", "Exists");
		cJSON_AddStringToObject(t, "effect",
		    daemon_tolerations[i].effect);
		cJSON_AddItemToArray(tols, t);
	}
}

void
ds_node_placement(const cJSON *pod_spec, const struct kobj *node,
    bool *should_run, bool *should_continue)
{
	static const char *const hard[] = { "NoSchedule", "NoExecute", NULL };
	static const char *const evict[] = { "NoExecute", NULL };
	const cJSON *tols = cJSON_GetObjectItemCaseSensitive(pod_spec,
	    "tolerations");
	const char *want = jstr(pod_spec, "nodeName");

	*should_run = *should_continue = false;
	if (want[0] != '\0' && strcmp(want, kobj_name(node)) != 0)
		return;
	if (!nodematch_affinity(pod_spec, node))
		return;
	*should_continue = nodematch_untolerated(node, tols, evict) == NULL;
	*should_run = nodematch_untolerated(node, tols, hard) == NULL;
}

void
ds_pin_to_node(cJSON *pod_spec, const char *node)
{
	cJSON *aff, *na, *req, *terms, *term, *fields, *r, *vals;

	aff = cJSON_GetObjectItemCaseSensitive(pod_spec, "affinity");
	if (!cJSON_IsObject(aff)) {
		cJSON_DeleteItemFromObjectCaseSensitive(pod_spec, "affinity");
		aff = cJSON_AddObjectToObject(pod_spec, "affinity");
	}
	na = cJSON_GetObjectItemCaseSensitive(aff, "nodeAffinity");
	if (!cJSON_IsObject(na)) {
		cJSON_DeleteItemFromObjectCaseSensitive(aff, "nodeAffinity");
		na = cJSON_AddObjectToObject(aff, "nodeAffinity");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(na,
	    "requiredDuringSchedulingIgnoredDuringExecution");
	req = cJSON_AddObjectToObject(na,
	    "requiredDuringSchedulingIgnoredDuringExecution");
	terms = cJSON_AddArrayToObject(req, "nodeSelectorTerms");
	term = cJSON_CreateObject();
	cJSON_AddItemToArray(terms, term);
	fields = cJSON_AddArrayToObject(term, "matchFields");
	r = cJSON_CreateObject();
	cJSON_AddItemToArray(fields, r);
	cJSON_AddStringToObject(r, "key", "metadata.name");
	cJSON_AddStringToObject(r, "operator", "In");
	vals = cJSON_AddArrayToObject(r, "values");
	cJSON_AddItemToArray(vals, cJSON_CreateString(node));
}

const char *
ds_pod_node(const struct kobj *pod)
{
	const char *n = kobj_get_str(pod, "spec.nodeName");
	const cJSON *terms, *t, *f, *v;

	if (n != NULL && n[0] != '\0')
		return n;
	terms = kobj_get(pod, "spec.affinity.nodeAffinity."
	    "requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms");
	cJSON_ArrayForEach(t, terms)
		cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(t,
		    "matchFields")) {
			v = cJSON_GetObjectItemCaseSensitive(f, "values");
			if (strcmp(jstr(f, "key"), "metadata.name") == 0 &&
			    strcmp(jstr(f, "operator"), "In") == 0 &&
			    cJSON_GetArraySize(v) == 1 &&
			    cJSON_IsString(v->child))
				return v->child->valuestring;
		}
	return NULL;
}
