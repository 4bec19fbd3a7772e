/*
 * cluster.c: the scheduler's view of the cluster, kept incrementally: each
 * node's allocatable and what its pods request, the pods on each node (for
 * host ports and pod affinity), per controller owner the pod count on each
 * node and zone (the spread score, without scanning pods), and the placed
 * pods that carry anti-affinity terms (checked against every new pod).
 *
 * A pod is accounted once, under its key. "Assume" accounts it on the
 * chosen node before the binding is sent, so the next pod already sees the
 * space taken; the informer later confirms it (bound there) or corrects it
 * (bound elsewhere, deleted); an assumed pod that is never confirmed
 * expires. Deleted nodes keep their slot (and name) so pods still on them
 * stay accounted and the node's return finds them.
 */
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/strmap.h"

#include "sched_model.h"

void
cluster_init(struct cluster *cl, uint64_t seed)
{
	memset(cl, 0, sizeof(*cl));
	cl->node_by_name = strmap_new();
	cl->pods = strmap_new();
	cl->owners = strmap_new();
	cl->rng = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
}

static void
free_pod(void *v)
{
	sched_pod_free(v);
}

static void
free_owner(void *v)
{
	struct sched_owner *o = v;

	free(o->per_node);
	free(o->per_zone);
	free(o->uid);
	free(o);
}

void
cluster_fini(struct cluster *cl)
{
	size_t i;

	strmap_free(cl->pods, free_pod);
	strmap_free(cl->owners, free_owner);
	strmap_free(cl->node_by_name, NULL);
	for (i = 0; i < cl->nnodes; i++) {
		sched_node_clear(cl->nodes[i]);
		free(cl->nodes[i]->pods);
		free(cl->nodes[i]->name);
		free(cl->nodes[i]);
	}
	free(cl->nodes);
	for (i = 0; i < cl->nzones; i++)
		free(cl->zones[i]);
	free(cl->zones);
	free(cl->anti);
	memset(cl, 0, sizeof(*cl));
}

int
cluster_zone(struct cluster *cl, const char *zone)
{
	size_t i;

	for (i = 0; i < cl->nzones; i++)
		if (strcmp(cl->zones[i], zone) == 0)
			return (int)i;
	cl->zones = ck_reallocarray(cl->zones, cl->nzones + 1, sizeof(char *));
	cl->zones[cl->nzones] = ck_strdup(zone);
	return (int)cl->nzones++;
}

int
cluster_node_index(struct cluster *cl, const char *name)
{
	struct sched_node *n = strmap_get(cl->node_by_name, name);

	return n != NULL ? n->idx : -1;
}

/* The slot of name, created when new. */
static int
node_slot(struct cluster *cl, const char *name)
{
	struct sched_node *n;
	int idx = cluster_node_index(cl, name);

	if (idx >= 0)
		return idx;
	if (cl->nnodes == cl->nodecap) {
		cl->nodecap = cl->nodecap ? cl->nodecap * 2 : 64;
		cl->nodes = ck_reallocarray(cl->nodes, cl->nodecap,
		    sizeof(*cl->nodes));
	}
	n = ck_calloc(1, sizeof(*n));
	n->name = ck_strdup(name);
	n->zone = -1;
	n->idx = (int)cl->nnodes;
	cl->nodes[cl->nnodes] = n;
	strmap_put(cl->node_by_name, n->name, n);
	return (int)cl->nnodes++;
}

static const char *
zone_label(const struct sched_node *n)
{
	const char *z = sched_node_label(n, "topology.kubernetes.io/zone");

	return z != NULL ? z :
	    sched_node_label(n, "failure-domain.beta.kubernetes.io/zone");
}

/* Move the owner counts of node idx's pods to zone to. */
static void
owner_move_zone(struct cluster *cl, int idx, int to);

bool
cluster_node_set(struct cluster *cl, const struct kobj *obj)
{
	int idx = node_slot(cl, kobj_name(obj));
	struct sched_node *n = cl->nodes[idx];
	uint64_t old_sig = n->sig;
	bool was = n->present;
	const char *z;
	int zone;

	sched_node_parse(n, obj);
	z = zone_label(n);
	zone = z != NULL ? cluster_zone(cl, z) : -1;
	if (zone != n->zone)
		owner_move_zone(cl, idx, zone);
	n->present = true;
	if (!was)
		cl->npresent++;
	return !was || old_sig != n->sig;
}

bool
cluster_node_delete(struct cluster *cl, const char *name)
{
	int idx = cluster_node_index(cl, name);
	struct sched_node *n;

	if (idx < 0 || !cl->nodes[idx]->present)
		return false;
	n = cl->nodes[idx];
	n->present = false;
	n->sig = 0;
	cl->npresent--;
	return true;
}

static struct sched_owner *
owner_get(struct cluster *cl, const char *uid, bool create)
{
	struct sched_owner *o = strmap_get(cl->owners, uid);

	if (o == NULL && create) {
		o = ck_calloc(1, sizeof(*o));
		o->uid = ck_strdup(uid);
		strmap_put(cl->owners, o->uid, o);
	}
	return o;
}

static void
owner_count(struct cluster *cl, const struct sched_pod *p, int delta)
{
	struct sched_owner *o;
	int zone = cl->nodes[p->node]->zone;
	size_t cap;

	if (p->owner_uid == NULL)
		return;
	o = owner_get(cl, p->owner_uid, true);
	if ((size_t)p->node >= o->nodecap) {
		cap = cl->nodecap > (size_t)p->node ? cl->nodecap :
		    (size_t)p->node + 1;
		o->per_node = ck_reallocarray(o->per_node, cap,
		    sizeof(int32_t));
		memset(o->per_node + o->nodecap, 0,
		    (cap - o->nodecap) * sizeof(int32_t));
		o->nodecap = cap;
	}
	o->per_node[p->node] += delta;
	if (zone >= 0) {
		if ((size_t)zone >= o->zonecap) {
			cap = (size_t)zone + 8;
			o->per_zone = ck_reallocarray(o->per_zone, cap,
			    sizeof(int32_t));
			memset(o->per_zone + o->zonecap, 0,
			    (cap - o->zonecap) * sizeof(int32_t));
			o->zonecap = cap;
		}
		o->per_zone[zone] += delta;
	}
	o->total += delta;
	if (o->total <= 0) {
		strmap_remove(cl->owners, o->uid);
		free_owner(o);
	}
}

static void
owner_move_zone(struct cluster *cl, int idx, int to)
{
	struct sched_node *n = cl->nodes[idx];
	size_t i;

	/* Take the node's pods out under the old zone, back in the new. */
	for (i = 0; i < n->npods; i++)
		owner_count(cl, n->pods[i], -1);
	n->zone = to;
	for (i = 0; i < n->npods; i++)
		owner_count(cl, n->pods[i], 1);
}

int32_t
cluster_owner_on_node(struct cluster *cl, const char *uid, int idx)
{
	struct sched_owner *o = uid != NULL ? strmap_get(cl->owners, uid) :
	    NULL;

	if (o == NULL || idx < 0 || (size_t)idx >= o->nodecap)
		return 0;
	return o->per_node[idx];
}

static void
node_add_pod(struct cluster *cl, struct sched_pod *p)
{
	struct sched_node *n = cl->nodes[p->node];

	if (n->npods == n->podcap) {
		n->podcap = n->podcap ? n->podcap * 2 : 16;
		n->pods = ck_reallocarray(n->pods, n->podcap,
		    sizeof(*n->pods));
	}
	p->slot = n->npods;
	n->pods[n->npods++] = p;
	n->req.cpu += p->req.cpu;
	n->req.mem += p->req.mem;
	n->req.eph += p->req.eph;
	n->req.pods += 1;
	n->nz_cpu += p->nz_cpu;
	n->nz_mem += p->nz_mem;
	owner_count(cl, p, 1);
	if (p->nanti > 0) {
		if (cl->nanti == cl->anticap) {
			cl->anticap = cl->anticap ? cl->anticap * 2 : 16;
			cl->anti = ck_reallocarray(cl->anti, cl->anticap,
			    sizeof(*cl->anti));
		}
		p->anti_slot = cl->nanti;
		cl->anti[cl->nanti++] = p;
	}
}

static bool
expiring(const struct sched_pod *p)
{
	return p->assumed && p->expire_ms != 0;
}

void
cluster_pod_expire_at(struct cluster *cl, struct sched_pod *p,
    uint64_t expire_ms)
{
	if (!p->assumed || expire_ms == 0)
		return;
	if (!expiring(p))
		cl->nexpiring++;
	p->expire_ms = expire_ms;
}

static void
node_remove_pod(struct cluster *cl, struct sched_pod *p)
{
	struct sched_node *n = cl->nodes[p->node];

	if (expiring(p))
		cl->nexpiring--;
	owner_count(cl, p, -1);
	n->pods[p->slot] = n->pods[--n->npods];
	n->pods[p->slot]->slot = p->slot;
	n->req.cpu -= p->req.cpu;
	n->req.mem -= p->req.mem;
	n->req.eph -= p->req.eph;
	n->req.pods -= 1;
	n->nz_cpu -= p->nz_cpu;
	n->nz_mem -= p->nz_mem;
	if (p->nanti > 0) {
		cl->anti[p->anti_slot] = cl->anti[--cl->nanti];
		cl->anti[p->anti_slot]->anti_slot = p->anti_slot;
	}
}

void
cluster_pod_add(struct cluster *cl, struct sched_pod *p, int idx,
    bool assumed)
{
	cluster_pod_remove(cl, p->key);
	p->node = idx;
	p->assumed = assumed;
	p->expire_ms = 0;
	strmap_put(cl->pods, p->key, p);
	node_add_pod(cl, p);
}

bool
cluster_pod_remove(struct cluster *cl, const char *key)
{
	struct sched_pod *p = strmap_remove(cl->pods, key);

	if (p == NULL)
		return false;
	node_remove_pod(cl, p);
	sched_pod_free(p);
	return true;
}

struct sched_pod *
cluster_pod_get(struct cluster *cl, const char *key)
{
	return strmap_get(cl->pods, key);
}

bool
cluster_pod_sync(struct cluster *cl, const char *key, const struct kobj *obj)
{
	struct sched_pod *p = strmap_get(cl->pods, key), *np;
	const char *node;
	bool freed;
	int idx;

	node = obj != NULL ? kobj_get_str(obj, "spec.nodeName") : NULL;
	if (obj == NULL || sched_pod_terminal(obj) || node == NULL ||
	    node[0] == '\0') {
		if (p == NULL)
			return false;
		/* Our binding is in flight: the pod is not bound yet. */
		if (obj != NULL && p->assumed &&
		    strcmp(p->uid, kobj_uid(obj)) == 0 &&
		    !sched_pod_terminal(obj))
			return false;
		cluster_pod_remove(cl, key);
		return true;
	}
	idx = node_slot(cl, node);
	if (p != NULL && p->node == idx && strcmp(p->uid, kobj_uid(obj)) == 0 &&
	    strcmp(p->rv, kobj_resource_version(obj)) == 0) {
		if (expiring(p))
			cl->nexpiring--;
		p->assumed = false;
		p->expire_ms = 0;
		return false;
	}
	/* Bound elsewhere than assumed (or moved): the old node is freed. */
	freed = p != NULL && p->node != idx;
	np = sched_pod_new(obj);
	cluster_pod_add(cl, np, idx, false);
	return freed;
}

size_t
cluster_expire(struct cluster *cl, uint64_t now_ms)
{
	struct sched_pod *victims[64];
	size_t n = 0, i, j, total = 0;
	struct sched_node *node;

	/* Rare (a binding whose pod never showed up bound): walk the nodes
	 * only when one is pending. */
	if (cl->nexpiring == 0)
		return 0;
	for (i = 0; i < cl->nnodes && n < ARRAY_SIZE(victims); i++) {
		node = cl->nodes[i];
		for (j = 0; j < node->npods && n < ARRAY_SIZE(victims); j++)
			if (node->pods[j]->assumed &&
			    node->pods[j]->expire_ms != 0 &&
			    node->pods[j]->expire_ms <= now_ms)
				victims[n++] = node->pods[j];
	}
	for (i = 0; i < n; i++) {
		log_warn("scheduler: assumed pod %s expired (binding never "
		    "seen)", victims[i]->key);
		cluster_pod_remove(cl, victims[i]->key);
		total++;
	}
	return total;
}
