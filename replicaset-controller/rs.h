/*
 * rs.h: the map header of ckube-replicaset-controller (ReplicaSets of
 * apps/v1 and ReplicationControllers of v1, one algorithm). Queue keys carry
 * the kind: "rs:ns/name" or "rc:ns/name".
 */
#ifndef RS_H
#define RS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct controller;
struct kobj;
struct cache;

/* Most pods created or deleted by one reconcile (Kubernetes' burstReplicas). */
#define RS_BURST	500

/* rs.c: the algorithm. */
int	rs_reconcile(struct controller *c, const char *key);
/* Watch handlers: enqueue the owner, or every matching owner of an orphan. */
void	rs_map_rs(struct controller *c, const struct kobj *obj);
void	rs_map_rc(struct controller *c, const struct kobj *obj);
void	rs_map_pod(struct controller *c, const struct kobj *obj);
/*
 * The pods the cache keeps: those a ReplicaSet or ReplicationController
 * controls, and the orphans one of them selects (it may adopt only those).
 */
bool	rs_want_pod(struct controller *c, const struct kobj *pod);

/* rs_pods.c: the delete order. */
/*
 * Sort pods so that the first ones are the best to delete: unscheduled,
 * then Pending, Unknown, Running; not ready before ready; newest first.
 */
void	rs_sort_for_delete(struct kobj **pods, size_t n);

#endif
