/* endpoints.h: the map header of ckube-endpoints-controller. */
#ifndef ENDPOINTS_H
#define ENDPOINTS_H

struct controller;
struct kobj;
struct cJSON;

/* endpoints.c: the algorithm. key is the Service's "ns/name". */
int	endpoints_reconcile(struct controller *c, const char *key);
/* Pod handler: enqueue every Service of its namespace that selects it. */
void	endpoints_map_pod(struct controller *c, const struct kobj *pod);

/*
 * endpoints_ports.c (pure): the EndpointPort of service port sp for pod,
 * with a named targetPort looked up in the pod's container ports. NULL when
 * the pod has no such named port.
 */
struct cJSON *endpoints_port_for(const struct cJSON *sp,
	    const struct kobj *pod);

#endif
