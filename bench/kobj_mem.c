/*
 * kobj_mem.c: what one cached object costs, and where. Reads one object
 * (JSON, e.g. a pod saved by bench/mem_pods.sh with SAMPLE=FILE), trims it
 * as the informers do for a few of the daemons' keep lists, freezes it
 * (interned keys) and prints per variant: its JSON bytes, cJSON nodes, heap
 * blocks (nodes, string values, keys not interned) and their usable bytes,
 * and the heap in use per object over 10,000 copies (mallinfo2: glibc's
 * allocator, so run the debug build's binary), and the same in the compact
 * form the informers' caches keep (kobj_compact).
 *
 *   ckube-kobj-mem pod.json
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/kobj.h"
#include "ckube/transform.h"

#define COPIES	10000

struct tally {
	size_t	nodes;
	size_t	blocks;
	size_t	node_bytes;
	size_t	value_bytes;
	size_t	key_bytes;
};

static void
walk(const cJSON *n, struct tally *t)
{
	for (; n != NULL; n = n->next) {
		t->nodes++;
		t->blocks++;
		t->node_bytes += malloc_usable_size((void *)(uintptr_t)n);
		if (n->valuestring != NULL) {
			t->blocks++;
			t->value_bytes += malloc_usable_size(n->valuestring);
		}
		if (n->string != NULL && !(n->type & cJSON_StringIsConst)) {
			t->blocks++;
			t->key_bytes += malloc_usable_size(n->string);
		}
		walk(n->child, t);
	}
}

static struct kobj *
make(const char *json, size_t len, const char *const *keep, unsigned int fl,
    int trim)
{
	struct kobj *o = kobj_parse(json, len);

	if (o == NULL)
		return NULL;
	if (trim)
		transform_object(kobj_json_mut(o), keep, fl);
	return kobj_freeze(o);
}

static void
variant(const char *name, const char *json, size_t len,
    const char *const *keep, unsigned int fl, int trim)
{
	struct kobj **objs = calloc(COPIES, sizeof(*objs));
	struct kobj *o = make(json, len, keep, fl, trim);
	struct mallinfo2 a, b;
	struct tally t = { 0 };
	char *text;
	size_t i;

	if (o == NULL || objs == NULL) {
		fprintf(stderr, "kobj_mem: not a JSON object\n");
		exit(1);
	}
	walk(kobj_json(o), &t);
	text = kobj_print(o);
	a = mallinfo2();
	for (i = 0; i < COPIES; i++)
		objs[i] = make(json, len, keep, fl, trim);
	b = mallinfo2();
	/* Under jemalloc (release) glibc's counters stay still: "-". */
	printf("%-22s %6zu JSON bytes %4zu nodes %4zu blocks: nodes %6zu + "
	    "values %5zu + keys %4zu = %6zu usable bytes; in use per object ",
	    name, strlen(text), t.nodes, t.blocks, t.node_bytes,
	    t.value_bytes, t.key_bytes,
	    t.node_bytes + t.value_bytes + t.key_bytes);
	if (b.uordblks > a.uordblks)
		printf("%6zu", (size_t)(b.uordblks - a.uordblks) / COPIES);
	else
		printf("     -");
	for (i = 0; i < COPIES; i++)
		kobj_unref(objs[i]);
	/* The compact form caches hold (kobj_compact). */
	a = mallinfo2();
	for (i = 0; i < COPIES; i++) {
		struct kobj *full = make(json, len, keep, fl, trim);

		objs[i] = kobj_compact(full);
		kobj_unref(full);
	}
	b = mallinfo2();
	if (b.uordblks > a.uordblks)
		printf("; compact %6zu\n",
		    (size_t)(b.uordblks - a.uordblks) / COPIES);
	else
		printf("; compact      -\n");
	for (i = 0; i < COPIES; i++)
		kobj_unref(objs[i]);
	free(objs);
	free(text);
	kobj_unref(o);
}

int
main(int argc, char *argv[])
{
	static const char *const endpoints[] = {
		"spec.nodeName", "spec.hostname", "spec.subdomain",
		"spec.containers[].ports", "status.phase", "status.podIP",
		"status.podIPs", "status.conditions[].type",
		"status.conditions[].status", NULL
	};
	static const char *const scheduler[] = {
		"spec.nodeName", "spec.schedulerName", "spec.priority",
		"spec.preemptionPolicy", "spec.nodeSelector", "spec.affinity",
		"spec.tolerations", "spec.containers[].name",
		"spec.containers[].resources", "spec.containers[].ports",
		"spec.initContainers[].name", "spec.initContainers[].resources",
		"status.phase", "status.conditions", "status.nominatedNodeName",
		NULL
	};
	static const char *const kubelet[] = {
		"spec", "status.phase", "status.podIP", "status.startTime",
		"status.conditions", "status.qosClass", NULL
	};
	static char buf[1 << 20];
	size_t len;
	FILE *f;

	if (argc != 2 || (f = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: ckube-kobj-mem FILE.json\n");
		return 2;
	}
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	variant("as stored", buf, len, NULL, 0, 0);
	variant("default transform", buf, len, NULL, 0, 1);
	variant("metadata only", buf, len, NULL, TRANSFORM_METADATA_ONLY, 1);
	variant("kubelet-sim keep", buf, len, kubelet, 0, 1);
	variant("scheduler keep", buf, len, scheduler, 0, 1);
	variant("endpoints keep", buf, len, endpoints, 0, 1);
	return 0;
}
