/*
 * sched_bench.c: the scheduling algorithm in-process (no apiserver, no
 * network): N simulated nodes in 4 zones, then P pods from 100 owners
 * (ReplicaSet-like), each parsed (sched_pod_new), placed (sched_find) and
 * assumed (cluster_pod_add), as the daemon's worker does per pod. Prints
 * CPU µs per pod (thread CPU time) and pods/s on one core for each node
 * count with the adaptive --percentage-of-nodes-to-score and with 100 %.
 *
 * Usage: sched_bench [--pods N] [--nodes N]...   (defaults: 5000 pods; 1000
 * and 5000 nodes); the last line is JSON for bench/run.sh. `make
 * sched-bench` builds it in release mode and runs it; `make bench` too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ckube/ck.h"
#include "ckube/kobj.h"
#include "ckube/strbuf.h"

#include "sched_model.h"

/*
 * The thread's CPU time: on a shared machine wall time also counts the
 * time other processes hold the core; CPU time is the cost of the work.
 */
static uint64_t
cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static struct kobj *
make_node(int i)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Node\","
	    "\"metadata\":{\"name\":\"node-%05d\",\"resourceVersion\":\"1\","
	    "\"labels\":{\"kubernetes.io/hostname\":\"node-%05d\","
	    "\"kubernetes.io/os\":\"linux\",\"kubernetes.io/arch\":\"amd64\","
	    "\"topology.kubernetes.io/zone\":\"zone-%d\","
	    "\"node.kubernetes.io/instance-type\":\"sim\"}},"
	    "\"spec\":{\"podCIDR\":\"10.%d.%d.0/24\"},"
	    "\"status\":{\"allocatable\":{\"cpu\":\"32\",\"memory\":\"128Gi\","
	    "\"pods\":\"110\",\"ephemeral-storage\":\"100Gi\"},"
	    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},"
	    "{\"type\":\"MemoryPressure\",\"status\":\"False\"},"
	    "{\"type\":\"DiskPressure\",\"status\":\"False\"}]}}",
	    i, i, i % 4, i / 256, i % 256);
	return kobj_parse(buf, strlen(buf));
}

static struct kobj *
make_pod(int i)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"pod-%06d\",\"namespace\":\"bench\","
	    "\"uid\":\"uid-%06d\",\"resourceVersion\":\"1\","
	    "\"labels\":{\"app\":\"app-%d\"},"
	    "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\","
	    "\"kind\":\"ReplicaSet\",\"name\":\"rs-%d\",\"uid\":\"rs-uid-%d\","
	    "\"controller\":true}]},"
	    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\","
	    "\"resources\":{\"requests\":{\"cpu\":\"100m\","
	    "\"memory\":\"128Mi\"}}}]}}", i, i, i % 100, i % 100, i % 100);
	return kobj_parse(buf, strlen(buf));
}

/* Place npods on a fresh cluster of nnodes; returns µs per pod. */
static double
run(int nnodes, int npods, int percentage, size_t *evaluated)
{
	struct kobj **pods = calloc((size_t)npods, sizeof(*pods));
	struct sched_result res;
	struct sched_pod *p;
	struct cluster cl;
	struct kobj *n;
	uint64_t t0, t;
	int i, unplaced = 0;

	cluster_init(&cl, 12345);
	for (i = 0; i < nnodes; i++) {
		n = make_node(i);
		(void)cluster_node_set(&cl, n);
		kobj_unref(n);
	}
	for (i = 0; i < npods; i++)
		pods[i] = make_pod(i);
	*evaluated = 0;
	t0 = cpu_us();
	for (i = 0; i < npods; i++) {
		p = sched_pod_new(pods[i]);
		sched_find(&cl, p, percentage, &res);
		*evaluated += res.evaluated;
		if (res.node < 0) {
			unplaced++;
			sched_pod_free(p);
			continue;
		}
		cluster_pod_add(&cl, p, res.node, true);
	}
	t = cpu_us() - t0;
	if (unplaced > 0)
		fprintf(stderr, "sched-bench: %d pods fit nowhere\n", unplaced);
	for (i = 0; i < npods; i++)
		kobj_unref(pods[i]);
	free(pods);
	cluster_fini(&cl);
	return (double)t / npods;
}

static void
usage(void)
{
	fprintf(stderr, "usage: sched_bench [--pods N] [--nodes N]...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	int npods = 5000, nodes[16], nn = 0, i, k;
	int pcts[] = { 0, 100 };
	double us[2] = { 0, 0 };
	size_t evaluated;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--pods") == 0)
			npods = (int)strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--nodes") == 0 &&
		    nn < (int)ARRAY_SIZE(nodes))
			nodes[nn++] = (int)strtol(argv[++i], NULL, 10);
		else
			usage();
	}
	if (npods <= 0)
		usage();
	if (nn == 0) {
		nodes[nn++] = 1000;
		nodes[nn++] = 5000;
	}
	printf("%-7s %-12s %8s %10s %12s %10s\n", "nodes", "percentage",
	    "pods", "us/pod", "pods/s", "nodes/pod");
	for (i = 0; i < nn; i++)
		for (k = 0; k < 2; k++) {
			us[k] = run(nodes[i], npods, pcts[k], &evaluated);
			printf("%-7d %-12s %8d %10.1f %12.0f %10zu\n", nodes[i],
			    pcts[k] == 0 ? "adaptive" : "100", npods, us[k],
			    us[k] > 0 ? 1e6 / us[k] : 0,
			    evaluated / (size_t)npods);
		}
	/* The last line, for bench/run.sh: the last node count. */
	printf("{\"nodes\":%d,\"pods\":%d,\"us_per_pod\":%.1f,"
	    "\"per_s\":%.0f,\"us_per_pod_all_nodes\":%.1f,"
	    "\"per_s_all_nodes\":%.0f}\n", nodes[nn - 1], npods, us[0],
	    us[0] > 0 ? 1e6 / us[0] : 0, us[1], us[1] > 0 ? 1e6 / us[1] : 0);
	return 0;
}
