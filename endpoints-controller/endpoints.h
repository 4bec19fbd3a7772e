/* endpoints.h: the map header of ckube-endpoints-controller. */
#ifndef ENDPOINTS_H
#define ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>

struct controller;
struct kobj;
struct cJSON;

/* endpoints.c: the algorithm. key is the Service's "ns/name". */
int	endpoints_reconcile(struct controller *c, const char *key);
/* Pod handler: enqueue every Service of its namespace that selects it. */
void	endpoints_map_pod(struct controller *c, const struct kobj *pod);
/* The pods cache keeps the pods a Service selects (watch_spec.want). */
bool	endpoints_want_pod(struct controller *c, const struct kobj *pod);

/*
 * endpoints_ports.c (pure): the EndpointPort of service port sp for pod,
 * with a named targetPort looked up in the pod's container ports. NULL when
 * the pod has no such named port.
 */
struct cJSON *endpoints_port_for(const struct cJSON *sp,
	    const struct kobj *pod);

/*
 * endpointslices.c: the Service's discovery.k8s.io/v1 EndpointSlices.
 * endpointslices_desired (pure) returns [{ports, endpoints}, ...] for the
 * pods the Service selects; endpointslices_sync writes the slices of
 * ns/name (svc NULL: it is gone, delete them) from pods.
 */
#define ENDPOINTSLICE_RESOURCE		"endpointslices.discovery.k8s.io"
#define ENDPOINTSLICE_MAX_ENDPOINTS	100
#define ENDPOINTSLICE_LABEL_SERVICE	"kubernetes.io/service-name"
#define ENDPOINTSLICE_LABEL_MANAGED_BY	"endpointslice.kubernetes.io/managed-by"
#define ENDPOINTSLICE_MANAGER		"endpointslice-controller.k8s.io"

struct cJSON *endpointslices_desired(const struct kobj *svc,
	    struct kobj *const *pods, size_t n);
int	endpointslices_sync(struct controller *c, const char *ns,
	    const char *name, const struct kobj *svc,
	    struct kobj *const *pods, size_t npods);
/* Slice handler: enqueue its Service; forget it as pending. */
void	endpointslices_map(struct controller *c, const struct kobj *slice);
/* Controller init/fini: the tracker of created, not yet seen slices. */
int	endpointslices_init(struct controller *c);
void	endpointslices_fini(struct controller *c);

#endif
