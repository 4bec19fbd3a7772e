/*
 * sched_fixture.h: hand-built nodes and pods for the scheduler's unit
 * tests (header-only: each test binary includes it once).
 */
#ifndef SCHED_FIXTURE_H
#define SCHED_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "ckube/kobj.h"

#include "sched_model.h"

/*
 * A node: cpu and memory as quantities, pods count, extra labels (JSON
 * members, "" for none), taints (a JSON array, "" for none), conditions
 * (JSON array members after Ready, "" for none), ready "True"/"False".
 */
static inline struct kobj *
fx_node(const char *name, const char *cpu, const char *mem, int pods,
    const char *labels, const char *taints, const char *ready,
    const char *conds, int unschedulable)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Node\","
	    "\"metadata\":{\"name\":\"%s\",\"resourceVersion\":\"1\","
	    "\"labels\":{\"kubernetes.io/hostname\":\"%s\"%s%s}},"
	    "\"spec\":{\"unschedulable\":%s%s%s},"
	    "\"status\":{\"allocatable\":{\"cpu\":\"%s\",\"memory\":\"%s\","
	    "\"pods\":\"%d\",\"ephemeral-storage\":\"100Gi\"},"
	    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"%s\"}%s%s]}}",
	    name, name, labels[0] ? "," : "", labels,
	    unschedulable ? "true" : "false", taints[0] ? ",\"taints\":" : "",
	    taints, cpu, mem, pods, ready, conds[0] ? "," : "", conds);
	return kobj_parse(buf, strlen(buf));
}

/* A simple Ready node with 4 cpu, 8Gi, 110 pods. */
static inline struct kobj *
fx_simple_node(const char *name, const char *labels)
{
	return fx_node(name, "4", "8Gi", 110, labels, "", "True", "", 0);
}

/*
 * A pod: spec members as JSON text (e.g. "\"containers\":[...]"), extra
 * metadata members ("" for none).
 */
static inline struct kobj *
fx_pod(const char *name, const char *meta, const char *spec)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"default\","
	    "\"uid\":\"uid-%s\",\"resourceVersion\":\"1\"%s%s},"
	    "\"spec\":{%s}}", name, name, meta[0] ? "," : "", meta, spec);
	return kobj_parse(buf, strlen(buf));
}

/* A container requesting cpu and memory (NULL: no request). */
static inline const char *
fx_container(char *buf, size_t len, const char *name, const char *cpu,
    const char *mem)
{
	char req[128] = "";

	if (cpu != NULL || mem != NULL)
		snprintf(req, sizeof(req), ",\"resources\":{\"requests\":{"
		    "%s%s%s%s%s%s%s}}", cpu ? "\"cpu\":\"" : "",
		    cpu ? cpu : "", cpu ? "\"" : "", cpu && mem ? "," : "",
		    mem ? "\"memory\":\"" : "", mem ? mem : "", mem ? "\"" : "");
	snprintf(buf, len, "{\"name\":\"%s\",\"image\":\"i\"%s}", name, req);
	return buf;
}

/* Add a node object to the cluster (reference dropped). */
static inline int
fx_add_node(struct cluster *cl, struct kobj *n)
{
	int idx;

	(void)cluster_node_set(cl, n);
	idx = cluster_node_index(cl, kobj_name(n));
	kobj_unref(n);
	return idx;
}

/* Place a pod object on node idx as bound (reference dropped). */
static inline void
fx_place(struct cluster *cl, struct kobj *pod, int idx)
{
	cluster_pod_add(cl, sched_pod_new(pod), idx, false);
	kobj_unref(pod);
}

#endif
