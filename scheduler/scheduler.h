/*
 * scheduler.h: ckube-scheduler on the controller framework (sched.c, the
 * writes in bind.c). The informers' handlers keep struct cluster current;
 * the queue holds the keys ("ns/name") of pending pods to place.
 */
#ifndef CKUBE_SCHEDULER_H
#define CKUBE_SCHEDULER_H

#include <stdint.h>

#include "ckube/ck.h"
#include "ckube/flags.h"

struct controller;
struct kobj;

/* The flags main.c adds to the framework's. */
#define SCHED_NFLAGS	2
extern const struct flag sched_flags[SCHED_NFLAGS];

int	sched_init(struct controller *c);
void	sched_fini(struct controller *c);
void	sched_map_pod(struct controller *c, const struct kobj *obj);
void	sched_map_node(struct controller *c, const struct kobj *obj);
int	sched_reconcile(struct controller *c, const char *key);

/* bind.c: POST pods/NAME/binding. 0 or a negative CK_E*. */
int	bind_pod(struct controller *c, const struct kobj *pod,
	    const char *node) CK_MUST_CHECK;
/* PodScheduled=False (Unschedulable, msg) unless already so, and the
 * FailedScheduling event. */
void	bind_record_failure(struct controller *c, const struct kobj *pod,
	    const char *msg);

#endif
