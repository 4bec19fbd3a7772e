/*
 * hpa.h: the map header of ckube-hpa-controller. The algorithm of
 * Kubernetes' pkg/controller/podautoscaler in three parts:
 * - replica_calc.c (pure): GetResourceReplicas, the replica count one
 *   resource-utilization metric asks for, with the tolerance, missing
 *   metrics and unready pods handled as upstream;
 * - behavior.c (pure, fed a clock): the per-HPA history of
 *   recommendations and scale events, the stabilization windows and the
 *   scaling policies (normalizeDesiredReplicas[WithBehaviors]);
 * - hpa.c: reconcile: the target's /scale, the pods (cache), the metrics
 *   (metrics.k8s.io through the apiserver), the /scale update, status,
 *   conditions and events.
 */
#ifndef HPA_CONTROLLER_HPA_H
#define HPA_CONTROLLER_HPA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct cJSON;
struct controller;

/* ---- replica_calc.c ---- */

/* How a pod counts (upstream groupPods). */
enum hpa_pod_state {
	HPA_POD_READY,		/* counted with its metric */
	HPA_POD_UNREADY,	/* cpu: not ready yet, or its sample is too early */
	HPA_POD_MISSING,	/* running, no metric */
	HPA_POD_IGNORED,	/* deleted, failed or pending */
};

struct hpa_pod {
	const char		*name;
	enum hpa_pod_state	 state;
	int64_t			 request_milli;	/* sum of its containers' */
	int64_t			 usage_milli;	/* when it has a metric */
};

struct hpa_calc_result {
	int32_t	replicas;
	int32_t	utilization;		/* percent of request, ready pods */
	int64_t	raw_average_milli;	/* average usage of those pods */
};

/*
 * The replica count a Utilization target asks for (upstream
 * GetResourceReplicas after groupPods): pods[0..n) classified, current the
 * scale's replicas, target the averageUtilization, tolerance e.g. 0.1.
 * Returns 0, or CK_EINVALID with err set ("no pods returned by selector
 * while calculating replica count", "did not receive metrics for targeted
 * pods (pods might be unready)", "missing request for cpu in ...").
 */
int	hpa_calc_replicas(const struct hpa_pod *pods, size_t n,
	    int32_t current, int32_t target, double tolerance,
	    struct hpa_calc_result *out, char *err, size_t errlen)
	    CK_MUST_CHECK;

/*
 * upstream groupPods for cpu: a pod's state from its phase, deletion,
 * Ready condition and start time (unix ms, 0: none), its metric's
 * timestamp and window, the cpu initialization period and the initial
 * readiness delay. has_metric false gives MISSING (or IGNORED).
 */
enum hpa_pod_state hpa_pod_classify(const char *phase, bool deleting,
	    const char *ready_status, int64_t ready_transition_ms,
	    int64_t start_ms, bool has_metric, int64_t metric_ms,
	    int64_t window_ms, int64_t now_ms, int64_t cpu_init_ms,
	    int64_t readiness_delay_ms);

/* ---- behavior.c ---- */

#define HPA_HISTORY_MAX	64

struct hpa_rec {
	int64_t	at_ms;
	int32_t	replicas;
};

struct hpa_event {
	int64_t	at_ms;
	int32_t	change;
};

/* What one HPA remembers between syncs (upstream's per-key maps). */
struct hpa_history {
	struct hpa_rec		recs[HPA_HISTORY_MAX];
	size_t			nrecs;
	struct hpa_event	up[HPA_HISTORY_MAX], down[HPA_HISTORY_MAX];
	size_t			nup, ndown;
};

enum hpa_select { HPA_SELECT_MAX, HPA_SELECT_MIN, HPA_SELECT_DISABLED };

struct hpa_policy {
	bool	percent;	/* Percent, else Pods */
	int32_t	value;
	int32_t	period_s;
};

struct hpa_rules {
	int32_t			window_s;	/* stabilizationWindowSeconds */
	enum hpa_select		select;
	struct hpa_policy	policies[8];
	size_t			npolicies;
};

/* The outcome of normalization: replicas and two conditions' reasons. */
struct hpa_normalized {
	int32_t		replicas;
	const char	*able_reason, *able_message;	/* AbleToScale True */
	bool		limited;			/* ScalingLimited */
	const char	*limit_reason, *limit_message;
};

/*
 * spec.behavior (NULL or absent parts: the defaults) into up and down
 * rules: scale-up window 0, Pods 4 and Percent 100 per 15 s; scale-down
 * window default_down_s, Percent 100 per 15 s; selectPolicy Max.
 */
void	hpa_rules_from_behavior(const struct cJSON *behavior,
	    int32_t default_down_s, struct hpa_rules *up,
	    struct hpa_rules *down);

/*
 * normalizeDesiredReplicasWithBehaviors: stabilize desired over h's
 * recommendations within the windows (recording desired), then bound it
 * by the policies' rates (h's scale events) and min/max.
 */
void	hpa_normalize_behavior(struct hpa_history *h, const struct hpa_rules *up,
	    const struct hpa_rules *down, int32_t min, int32_t max,
	    int32_t current, int32_t desired, int64_t now_ms,
	    struct hpa_normalized *out);

/*
 * normalizeDesiredReplicas (no spec.behavior): the highest recommendation
 * of the last window_s (the downscale stabilization), then the legacy
 * rules: at most max(2 * current, 4), within min and max.
 */
void	hpa_normalize_legacy(struct hpa_history *h, int32_t window_s,
	    int32_t min, int32_t max, int32_t current, int32_t desired,
	    int64_t now_ms, struct hpa_normalized *out);

/* A rescale from prev to next happened at now_ms (storeScaleEvent). */
void	hpa_record_scale(struct hpa_history *h, const struct hpa_rules *up,
	    const struct hpa_rules *down, int32_t prev, int32_t next,
	    int64_t now_ms);

/* ---- hpa.c ---- */

struct hpa_config {
	int64_t	sync_ms;		/* --horizontal-pod-autoscaler-sync-period */
	double	tolerance;		/* --horizontal-pod-autoscaler-tolerance */
	int64_t	downscale_window_ms;	/* ...-downscale-stabilization */
	int64_t	cpu_init_ms;		/* ...-cpu-initialization-period */
	int64_t	readiness_delay_ms;	/* ...-initial-readiness-delay */
	const char *tolerance_text;
};
extern struct hpa_config hpa_cfg;

int	hpa_init(struct controller *c);
void	hpa_fini(struct controller *c);
int	hpa_reconcile(struct controller *c, const char *key);

#endif
