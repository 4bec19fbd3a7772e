/*
 * filter_pod_affinity.c: required pod affinity and anti-affinity on any
 * topology key (kubernetes.io/hostname, the zone labels, ...). Before the
 * nodes are filtered, one pass over the placed pods collects, per term of
 * the new pod, the topology values (label values of their nodes) where a
 * matching pod runs; and, for the placed pods with anti-affinity terms
 * (kept in a list by cluster.c), the values where the new pod would break
 * them. Each node then costs a few lookups. Only pods with terms, or a
 * cluster with anti-affinity pods, pay for the pass.
 *
 * As in Kubernetes, a pod whose affinity term matches no pod anywhere may
 * still go anywhere if it matches its own term (the first of a group).
 */
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/selector.h"
#include "ckube/strmap.h"

#include "sched_model.h"

#define PRESENT	((void *)1)

bool
pod_term_matches(const struct sched_podterm *t, const char *term_ns,
    const struct sched_pod *other)
{
	size_t i;
	bool ns_ok = t->nns == 0 && strcmp(term_ns, other->ns) == 0;

	for (i = 0; !ns_ok && i < t->nns; i++)
		ns_ok = strcmp(t->namespaces[i], other->ns) == 0;
	return ns_ok && t->sel != NULL && selector_matches_obj(t->sel,
	    other->obj);
}

static void
add_value(struct strmap *m, const struct sched_node *n, const char *key)
{
	const char *v = sched_node_label(n, key);

	if (v != NULL)
		strmap_put(m, v, PRESENT);
}

static struct strmap *
sym_set(struct sched_cycle *cy, const char *key)
{
	size_t i;

	for (i = 0; i < cy->nsym; i++)
		if (strcmp(cy->sym_keys[i], key) == 0)
			return cy->sym_vals[i];
	cy->sym_keys = ck_reallocarray(cy->sym_keys, cy->nsym + 1,
	    sizeof(char *));
	cy->sym_vals = ck_reallocarray(cy->sym_vals, cy->nsym + 1,
	    sizeof(struct strmap *));
	cy->sym_keys[cy->nsym] = ck_strdup(key);
	cy->sym_vals[cy->nsym] = strmap_new();
	return cy->sym_vals[cy->nsym++];
}

void
pod_affinity_prepare(struct sched_cycle *cy)
{
	const struct sched_pod *p = cy->pod, *o;
	const struct sched_podterm *t;
	struct cluster *cl = cy->cl;
	const struct sched_node *n;
	size_t i, j, k;

	if (p->naff > 0 || p->nanti > 0) {
		cy->aff_vals = ck_calloc(p->naff + 1, sizeof(*cy->aff_vals));
		cy->aff_any = ck_calloc(p->naff + 1, sizeof(*cy->aff_any));
		cy->anti_vals = ck_calloc(p->nanti + 1,
		    sizeof(*cy->anti_vals));
		for (k = 0; k < p->naff; k++)
			cy->aff_vals[k] = strmap_new();
		for (k = 0; k < p->nanti; k++)
			cy->anti_vals[k] = strmap_new();
		for (i = 0; i < cl->nnodes; i++) {
			n = cl->nodes[i];
			for (j = 0; j < n->npods; j++) {
				o = n->pods[j];
				if (strcmp(o->key, p->key) == 0)
					continue;
				for (k = 0; k < p->naff; k++)
					if (pod_term_matches(&p->aff[k], p->ns,
					    o)) {
						cy->aff_any[k] = true;
						add_value(cy->aff_vals[k], n,
						    p->aff[k].topology_key);
					}
				for (k = 0; k < p->nanti; k++)
					if (pod_term_matches(&p->anti[k], p->ns,
					    o))
						add_value(cy->anti_vals[k], n,
						    p->anti[k].topology_key);
			}
		}
	}
	for (i = 0; i < cl->nanti; i++) {
		o = cl->anti[i];
		if (strcmp(o->key, p->key) == 0 || o->node < 0)
			continue;
		for (k = 0; k < o->nanti; k++) {
			t = &o->anti[k];
			if (pod_term_matches(t, o->ns, p))
				add_value(sym_set(cy, t->topology_key),
				    cl->nodes[o->node], t->topology_key);
		}
	}
}

void
pod_affinity_release(struct sched_cycle *cy)
{
	size_t k;

	for (k = 0; cy->aff_vals != NULL && k < cy->pod->naff; k++)
		strmap_free(cy->aff_vals[k], NULL);
	for (k = 0; cy->anti_vals != NULL && k < cy->pod->nanti; k++)
		strmap_free(cy->anti_vals[k], NULL);
	free(cy->aff_vals);
	free(cy->aff_any);
	free(cy->anti_vals);
	for (k = 0; k < cy->nsym; k++) {
		free(cy->sym_keys[k]);
		strmap_free(cy->sym_vals[k], NULL);
	}
	free(cy->sym_keys);
	free(cy->sym_vals);
	cy->aff_vals = NULL;
	cy->anti_vals = NULL;
	cy->aff_any = NULL;
	cy->sym_keys = NULL;
	cy->sym_vals = NULL;
	cy->nsym = 0;
}

int
filter_pod_affinity(const struct sched_cycle *cy, const struct sched_node *n,
    struct sched_reasons *rs)
{
	const struct sched_pod *p = cy->pod;
	const char *v;
	size_t k;

	for (k = 0; k < p->naff; k++) {
		v = sched_node_label(n, p->aff[k].topology_key);
		if (v != NULL && strmap_get(cy->aff_vals[k], v) != NULL)
			continue;
		if (v != NULL && !cy->aff_any[k] &&
		    pod_term_matches(&p->aff[k], p->ns, p))
			continue;
		sched_reason_add(rs, "node(s) didn't match pod affinity rules");
		return 1;
	}
	for (k = 0; k < p->nanti; k++) {
		v = sched_node_label(n, p->anti[k].topology_key);
		if (v != NULL && strmap_get(cy->anti_vals[k], v) != NULL) {
			sched_reason_add(rs,
			    "node(s) didn't match pod anti-affinity rules");
			return 1;
		}
	}
	for (k = 0; k < cy->nsym; k++) {
		v = sched_node_label(n, cy->sym_keys[k]);
		if (v != NULL && strmap_get(cy->sym_vals[k], v) != NULL) {
			sched_reason_add(rs, "node(s) didn't satisfy existing "
			    "pods anti-affinity rules");
			return 1;
		}
	}
	return 0;
}
