/*
 * sched_bench.c: the scheduling algorithm in-process (no apiserver, no
 * network): N simulated nodes in 4 zones, then P pods from 100 owners
 * (ReplicaSet-like), each parsed (sched_pod_new), placed (sched_find) and
 * assumed (cluster_pod_add), as the daemon's worker does per pod. Prints
 * pods/s and µs per pod for each node count with the adaptive
 * --percentage-of-nodes-to-score and with 100 %.
 *
 * Usage: ckube-sched-bench [PODS [NODES...]]   (defaults: 5000 pods; 1000
 * and 5000 nodes). `make sched-bench` builds it in release mode and runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/clock.h"
#include "ckube/kobj.h"
#include "ckube/strbuf.h"

#include "sched.h"

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
	t0 = ck_now_us();
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
	t = ck_now_us() - t0;
	if (unplaced > 0)
		fprintf(stderr, "sched-bench: %d pods fit nowhere\n", unplaced);
	for (i = 0; i < npods; i++)
		kobj_unref(pods[i]);
	free(pods);
	cluster_fini(&cl);
	return (double)t / npods;
}

int
main(int argc, char *argv[])
{
	int npods = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 5000;
	int defaults[] = { 1000, 5000 }, *nodes = defaults, nn = 2, i, k;
	int pcts[] = { 0, 100 };
	size_t evaluated;
	double us;

	if (npods <= 0)
		npods = 5000;
	if (argc > 2) {
		nn = argc - 2;
		nodes = calloc((size_t)nn, sizeof(int));
		for (i = 0; i < nn; i++)
			nodes[i] = (int)strtol(argv[i + 2], NULL, 10);
	}
	printf("%-7s %-12s %8s %10s %12s %10s\n", "nodes", "percentage",
	    "pods", "us/pod", "pods/s", "nodes/pod");
	for (i = 0; i < nn; i++)
		for (k = 0; k < 2; k++) {
			us = run(nodes[i], npods, pcts[k], &evaluated);
			printf("%-7d %-12s %8d %10.1f %12.0f %10zu\n", nodes[i],
			    pcts[k] == 0 ? "adaptive" : "100", npods, us,
			    us > 0 ? 1e6 / us : 0, evaluated / (size_t)npods);
		}
	if (nodes != defaults)
		free(nodes);
	return 0;
}
