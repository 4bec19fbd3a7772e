/*
 * What ckube-kubelet-sim reads from a pod spec besides the commands: the
 * sim.ckube.io/ annotations, container probes, resource requests and the
 * kubelet's admission against the node's allocatable. Pure functions over
 * cJSON, unit-tested without an apiserver.
 */
#ifndef KUBELET_SIM_PODSPEC_H
#define KUBELET_SIM_PODSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"
#include "probe.h"

struct cJSON;

#define SIM_ANN_PREFIX	"sim.ckube.io/"

/* The sim.ckube.io/ annotations of a pod (0 / "" when absent). */
struct sim_annotations {
	int64_t	startup_delay_ms;	/* startup-delay */
	int64_t	ready_after_ms;		/* ready-after */
	/* memory-usage, disk-usage, inodes-usage: the pod-level value plus
	 * the per-container ones (memory-usage.<container>...) */
	int64_t	memory_bytes;
	int64_t	disk_bytes;
	int64_t	inodes;
	char	pull_fail[256];		/* image-pull-fail: "true" or names */
};

/*
 * Read the sim.ckube.io/ annotations of annotations (a JSON object or
 * NULL). A bad value is ignored (the field stays 0) and described in err
 * ("sim.ckube.io/startup-delay: invalid duration \"x\"; ..."); unknown
 * sim.ckube.io/ keys are reported too. Returns how many were bad.
 */
int	podspec_annotations(const struct cJSON *annotations,
	    struct sim_annotations *out, char *err, size_t errlen);

/*
 * The usage annotations of container name: memory-usage.<name>,
 * disk-usage.<name>, inodes-usage.<name> into usage[0..2], plus the
 * pod-level values when first (they are counted on the first container).
 * Bad values count as 0 (podspec_annotations reports them).
 */
void	podspec_container_usage(const struct cJSON *annotations,
	    const char *name, bool first, int64_t usage[3]);

/*
 * A sim.ckube.io/cpu-usage value in milli-cores: a quantity ("200m",
 * "1.5") or a percentage of request_milli ("200%"). 0 or CK_EINVALID.
 */
int	podspec_cpu_value(const char *v, int64_t request_milli, int64_t *out)
	    CK_MUST_CHECK;

/*
 * The simulated cpu usage (milli-cores) of container c (its spec object):
 * sim.ckube.io/cpu-usage.<name> when set, else the pod-level
 * sim.ckube.io/cpu-usage: a percentage (of each container's cpu request,
 * or limit) holds for every container, a quantity for the first only
 * (first: c is the first app container). Bad values count as 0.
 */
int64_t	podspec_container_cpu(const struct cJSON *annotations,
	    const struct cJSON *c, bool first);

/* A container's memory and ephemeral-storage requests (limits if unset). */
void	podspec_container_requests(const struct cJSON *c, int64_t *memory,
	    int64_t *disk);

/*
 * The kubelet's verifyRunAsNonRoot for a container (its securityContext
 * over the pod's, pod_sc): NULL when it may start, else the static reason
 * it may not. Images are taken to run as root: the simulator knows no image
 * USER (most images, busybox's and nginx's among them, set none).
 */
const char *podspec_nonroot_error(const struct cJSON *pod_sc,
	    const struct cJSON *ctr_sc);

/* Whether the image pull of container name fails per a->pull_fail. */
bool	podspec_pull_fails(const struct sim_annotations *a, const char *name);

/*
 * A container's probe object (livenessProbe...) into s, with the Kubernetes
 * defaults. Returns false when probe is absent or has no handler.
 */
bool	podspec_probe(const struct cJSON *probe, struct probe_spec *s);

/* cpu in milli-cores, memory in bytes, and pods. */
struct res_list {
	int64_t	cpu_milli;
	int64_t	memory;
	int64_t	pods;
};

/*
 * The pod's effective requests (semantics 1(b)): per resource
 * max(max over init containers, sum over app containers); pods = 1.
 * Malformed quantities count as 0 (validation rejects them anyway).
 */
void	podspec_requests(const struct cJSON *init, const struct cJSON *app,
	    struct res_list *out);

/*
 * The kubelet's admission: whether req fits next to used within alloc,
 * checking pods, then cpu, then memory. On failure returns the reason
 * ("OutOfpods", "OutOfcpu", "OutOfmemory", static) and writes the
 * kubelet's message ("Node didn't have enough resource: cpu, requested:
 * 2000, used: 3500, capacity: 4000") into msg; NULL when it fits.
 */
const char *podspec_admit(const struct res_list *alloc,
	    const struct res_list *used, const struct res_list *req,
	    char *msg, size_t len);

#endif
