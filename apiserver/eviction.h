/*
 * eviction.h: the pure half of pods/eviction (eviction_policy.c): which
 * budgets cover a pod, what an eviction of it may do (Kubernetes'
 * EvictionREST: canIgnorePDB, the unhealthy-pod policy, checkAndDecrement),
 * the budget's new status when it is consumed and the words of a refusal.
 * No store, no request: unit-tested on JSON alone.
 */
#ifndef CKUBE_APISERVER_EVICTION_H
#define CKUBE_APISERVER_EVICTION_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

/* More entries than this in status.disruptedPods: refuse (403). */
#define EVICT_MAX_DISRUPTED	2000
/* Retry-After of a 429 refusal, in seconds. */
#define EVICT_RETRY_AFTER_S	10

enum evict_verdict {
	EVICT_PLAIN,		/* delete; no budget concerned (or none applies) */
	EVICT_UNHEALTHY,	/* delete with a resourceVersion precondition, budget untouched */
	EVICT_CONSUME,		/* decrement the budget, record the pod, delete */
	EVICT_DENY_STALE,	/* 429: observedGeneration < generation */
	EVICT_DENY_BUDGET,	/* 429: disruptionsAllowed == 0 */
	EVICT_DENY_NEGATIVE,	/* 403: disruptionsAllowed < 0 */
	EVICT_DENY_TOOMANY,	/* 403: disruptedPods too big */
	EVICT_MULTIPLE,		/* 500: more than one budget covers the pod */
};

/* The pod's Ready condition is True. */
bool	evict_pod_ready(const struct cJSON *pod);
/* Succeeded, Failed, Pending or terminating: it counts for no budget. */
bool	evict_pod_ignores_budgets(const struct cJSON *pod);
/*
 * Whether budget pdb covers pod (same namespace assumed): its spec.selector
 * matches the pod's labels; a null or malformed selector covers nothing,
 * {} every pod (the policy/v1 contract).
 */
bool	evict_budget_covers(const struct cJSON *pdb, const struct cJSON *pod);
/* What evicting pod may do, given the npdbs budgets that cover it. */
enum evict_verdict evict_decide(const struct cJSON *pod,
	    const struct cJSON *const *pdbs, size_t npdbs);
/*
 * Consume one disruption of pdb (edited in place) for pod name at now_ts
 * (RFC 3339): disruptionsAllowed - 1, disruptedPods[name] = now_ts, and the
 * DisruptionAllowed condition turned False when none is left.
 */
void	evict_consume(struct cJSON *pdb, const char *name, const char *now_ts);
/* The DisruptionBudget cause of a refusal by pdb (Kubernetes' wording). */
void	evict_denied_message(const struct cJSON *pdb, char *buf, size_t size);

#endif
