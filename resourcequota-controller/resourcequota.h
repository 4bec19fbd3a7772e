/*
 * resourcequota.h: ckube-resourcequota-controller, which keeps each
 * ResourceQuota's status current (Kubernetes' pkg/controller/resourcequota):
 * status.hard from spec.hard and status.used recalculated from the objects
 * of the namespace (common/quota.c does the accounting the apiserver's
 * admission shares). Admission only charges creates; this controller
 * frees what deletes and terminal pods no longer use. Queue keys are
 * quota keys "ns/name".
 */
#ifndef RESOURCEQUOTA_H
#define RESOURCEQUOTA_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;
struct controller;
struct kobj;
struct quota_list;

/* A counted kind the controller watches. */
struct rq_kind {
	const char	*resource;	/* cache name: "pods", "deployments.apps" */
	const char	*group;
	const char	*plural;
};

extern const struct rq_kind rq_kinds[];
extern const size_t rq_nkinds;

/*
 * The used list of quota (its JSON) over objs of one kind (n of them):
 * the usage of each matching object, masked by hard, added to used.
 */
void	rq_add_usage(const struct cJSON *quota, const char *resource,
	    const struct cJSON *const *objs, size_t n,
	    const struct quota_list *hard, struct quota_list *used);

/*
 * The new status of quota from used (every hard name gets a value; names
 * counted by no watched kind keep their old value, else 0). Yours.
 */
struct cJSON *rq_status_build(const struct cJSON *quota,
	    const struct quota_list *hard, const struct quota_list *used);

/* Whether any used value of new_st is below old_st's or new. */
bool	rq_status_lowers(const struct cJSON *old_st,
	    const struct cJSON *new_st);

int	rq_reconcile(struct controller *c, const char *key);
/* Every quota of the object's namespace. */
void	rq_map_namespace(struct controller *c, const struct kobj *obj);
/* Only the pods of namespaces with a quota are cached (watch_spec.want). */
bool	rq_want_pod(struct controller *c, const struct kobj *pod);

#endif
