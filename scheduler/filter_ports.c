/*
 * filter_ports.c: a host port (with its protocol) may be taken once per
 * node and address; 0.0.0.0 (or no hostIP) conflicts with every address.
 * Only the pods on this node are looked at.
 */
#include <string.h>

#include "sched_model.h"

static bool
wildcard(const char *ip)
{
	return ip[0] == '\0' || strcmp(ip, "0.0.0.0") == 0;
}

static bool
conflict(const struct sched_port *a, const struct sched_port *b)
{
	return a->port == b->port && strcmp(a->proto, b->proto) == 0 &&
	    (wildcard(a->ip) || wildcard(b->ip) || strcmp(a->ip, b->ip) == 0);
}

int
filter_ports(const struct sched_cycle *cy, const struct sched_node *n,
    struct sched_reasons *rs)
{
	const struct sched_pod *p = cy->pod, *o;
	size_t i, j, k;

	for (i = 0; i < p->nports; i++)
		for (j = 0; j < n->npods; j++) {
			o = n->pods[j];
			for (k = 0; k < o->nports; k++)
				if (conflict(&p->ports[i], &o->ports[k]))
					goto fail;
		}
	return 0;
fail:
	sched_reason_add(rs,
	    "node(s) didn't have free ports for the requested pod ports");
	return 1;
}
