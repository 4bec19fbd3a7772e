/*
 * /stats/summary of ckube-kubelet-sim, in the kubelet's Summary API shape
 * (stats/v1alpha1): the node's memory and fs usage are the sums of its
 * pods' sim.ckube.io/memory-usage, disk-usage and inodes-usage, against
 * the node's memory and ephemeral-storage capacity; each pod reports its
 * own. CPU: each container's sim.ckube.io/cpu-usage (podspec.h), summed
 * per pod, and per node over its pods plus --node-system-cpu-usage; the
 * metrics-server scrapes it (usageNanoCores). A kubelet serves one node; this one serves all of its nodes, picked
 * with ?node= (the eviction issue's data source).
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/httpd.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"
#include "pod.h"
#include "podspec.h"
#include "stats.h"

struct pods_ctx {
	const struct sim_node	*node;
	cJSON			*arr;
	const char		*now;
	int64_t			cpu_milli;	/* summed over the pods */
};

/* {"time":..,"usageNanoCores":..,"usageCoreNanoSeconds":0} */
static void
add_cpu(cJSON *o, const char *now, int64_t milli)
{
	cJSON *cpu = cJSON_AddObjectToObject(o, "cpu");

	cJSON_AddStringToObject(cpu, "time", now);
	cJSON_AddNumberToObject(cpu, "usageNanoCores", (double)milli * 1e6);
}

/*
 * The pod's containers with their sim.ckube.io/cpu-usage (and memory
 * usage) into o's "containers"; returns the pod's cpu in milli-cores.
 */
static int64_t
add_containers(cJSON *o, const struct sim_pod *p, const char *now)
{
	cJSON *arr, *co, *m;
	char start[RFC3339_MAX];
	int64_t sum = 0;
	size_t i;

	pod_start_time(p, start);
	arr = cJSON_AddArrayToObject(o, "containers");
	for (i = 0; i < p->ps.napp; i++) {
		sum += p->res[i].cpu_milli;
		co = cJSON_CreateObject();
		cJSON_AddStringToObject(co, "name", p->app_names[i]);
		cJSON_AddStringToObject(co, "startTime", start);
		add_cpu(co, now, p->res[i].cpu_milli);
		m = cJSON_AddObjectToObject(co, "memory");
		cJSON_AddStringToObject(m, "time", now);
		cJSON_AddNumberToObject(m, "workingSetBytes",
		    (double)p->res[i].usage[0]);
		cJSON_AddItemToArray(arr, co);
	}
	return sum;
}

static void
add_pod(const struct sim_pod *p, void *arg)
{
	struct pods_ctx *c = arg;
	cJSON *o, *ref, *m, *fs;
	char start[RFC3339_MAX];
	int64_t cpu;

	if (!p->counted)
		return;
	pod_start_time(p, start);
	o = cJSON_CreateObject();
	ref = cJSON_AddObjectToObject(o, "podRef");
	cJSON_AddStringToObject(ref, "name", p->name);
	cJSON_AddStringToObject(ref, "namespace", p->ns);
	cJSON_AddStringToObject(ref, "uid", p->uid);
	cJSON_AddStringToObject(o, "startTime", start);
	cpu = add_containers(o, p, c->now);
	add_cpu(o, c->now, cpu);
	c->cpu_milli += cpu;
	m = cJSON_AddObjectToObject(o, "memory");
	cJSON_AddStringToObject(m, "time", c->now);
	cJSON_AddNumberToObject(m, "usageBytes", (double)p->use.memory_bytes);
	cJSON_AddNumberToObject(m, "workingSetBytes",
	    (double)p->use.memory_bytes);
	fs = cJSON_AddObjectToObject(o, "ephemeral-storage");
	cJSON_AddStringToObject(fs, "time", c->now);
	cJSON_AddNumberToObject(fs, "usedBytes", (double)p->use.disk_bytes);
	cJSON_AddNumberToObject(fs, "inodesUsed", (double)p->use.inodes);
	cJSON_AddItemToArray(c->arr, o);
}

void
stats_handle(const struct httpd_request *req, struct httpd_response *resp,
    void *arg)
{
	struct ksim *ks = arg;
	const char *want = httpd_query(req, "node");
	const struct sim_node *n;
	struct pods_ctx ctx;
	char now[RFC3339_MAX];
	cJSON *o, *node, *m, *fs;
	char *text;

	/* Asked once per node per scrape: no walk of the nodes. */
	n = want == NULL ? (ks->nnodes > 0 ? &ks->nodes[0] : NULL) :
	    pod_node_find(ks, want);
	if (n != NULL && want != NULL && strcmp(n->name, want) != 0)
		n = NULL;
	if (n == NULL) {
		resp->status = 404;
		strbuf_addf(&resp->body, "node \"%s\" not found",
		    want != NULL ? want : "");
		return;
	}
	rfc3339_now(now);
	o = cJSON_CreateObject();
	node = cJSON_AddObjectToObject(o, "node");
	cJSON_AddStringToObject(node, "nodeName", n->name);
	pod_lock();
	m = cJSON_AddObjectToObject(node, "memory");
	cJSON_AddStringToObject(m, "time", now);
	cJSON_AddNumberToObject(m, "availableBytes",
	    (double)(ks->cap.memory - n->mem_usage));
	cJSON_AddNumberToObject(m, "usageBytes", (double)n->mem_usage);
	cJSON_AddNumberToObject(m, "workingSetBytes", (double)n->mem_usage);
	fs = cJSON_AddObjectToObject(node, "fs");
	cJSON_AddStringToObject(fs, "time", now);
	cJSON_AddNumberToObject(fs, "availableBytes",
	    (double)(ks->ephemeral - n->disk_usage));
	cJSON_AddNumberToObject(fs, "capacityBytes", (double)ks->ephemeral);
	cJSON_AddNumberToObject(fs, "usedBytes", (double)n->disk_usage);
	cJSON_AddNumberToObject(fs, "inodesUsed", (double)n->inodes_usage);
	ctx.node = n;
	ctx.arr = cJSON_AddArrayToObject(o, "pods");
	ctx.now = now;
	ctx.cpu_milli = 0;
	pod_foreach_on_node(n, add_pod, &ctx);
	pod_unlock();
	add_cpu(node, now, ks->f.system_cpu_milli + ctx.cpu_milli);
	text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	resp->content_type = "application/json";
	strbuf_adds(&resp->body, text);
	cJSON_free(text);
}
