/*
 * filter_node_affinity.c: spec.nodeSelector (every pair equal) and the
 * required node affinity (any one of its terms matches; an empty list of
 * terms matches nothing).
 */
#include <string.h>

#include "sched_model.h"

int
filter_node_affinity(const struct sched_cycle *cy, const struct sched_node *n,
    struct sched_reasons *rs)
{
	const struct sched_pod *p = cy->pod;
	const char *v;
	size_t i;

	for (i = 0; i < p->nsel; i++) {
		v = sched_node_label(n, p->sel_keys[i]);
		if (v == NULL || strcmp(v, p->sel_vals[i]) != 0)
			goto fail;
	}
	if (!p->has_required)
		return 0;
	for (i = 0; i < p->nterms; i++)
		if (sched_term_matches(&p->terms[i], n))
			return 0;
fail:
	sched_reason_add(rs, "node(s) didn't match Pod's node affinity/selector");
	return 1;
}
