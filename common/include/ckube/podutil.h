/*
 * podutil.h: pod predicates the controllers that own pods share
 * (Kubernetes' controller.IsPodActive and podutil.IsPodReady /
 * IsPodAvailable).
 */
#ifndef CKUBE_PODUTIL_H
#define CKUBE_PODUTIL_H

#include <stdbool.h>
#include <stdint.h>

struct kobj;

/* Not being deleted, not Succeeded or Failed (controller.IsPodActive). */
bool	pod_active(const struct kobj *pod);
/* The Ready condition is True. */
bool	pod_ready(const struct kobj *pod);
/*
 * Ready for min_ready_s seconds at now_s. *wait_s gets the seconds left
 * when it is ready but not yet available (else 0).
 */
bool	pod_available(const struct kobj *pod, int64_t min_ready_s,
	    int64_t now_s, int64_t *wait_s);

#endif
