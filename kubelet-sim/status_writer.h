/*
 * status_writer.h: the kubelet-sim's pod status writes, off the main loop.
 * The main thread hands over the newest patches of a pod; a few sender
 * threads PATCH pods/status with them (annotations and status in one write).
 * A pod is never sent by two threads at once, and patches queued for a pod
 * while an older one is being sent replace each other: only the newest
 * state goes out, in order. One synchronous round trip per pod change on
 * the main loop was what limited a whole cluster's pods/s.
 */
#ifndef CKUBE_KUBELET_SIM_STATUS_WRITER_H
#define CKUBE_KUBELET_SIM_STATUS_WRITER_H

#include <cJSON.h>

struct client;

/* Start nthreads senders writing through cl. */
void	status_writer_start(struct client *cl, int nthreads);
/*
 * Queue pod ns/name's patches (taken; mirror may be NULL): a merge patch of
 * the pod's metadata (annotations), and a merge patch of its status; both
 * go in one pods/status merge patch.
 */
void	status_writer_put(const char *ns, const char *name, cJSON *mirror,
	    cJSON *status);
/* Send what is queued, then stop the senders. */
void	status_writer_stop(void);

#endif
