/*
 * Pure pod state machine of ckube-kubelet-sim (semantics.md section 1): init
 * containers one at a time, then all app containers, restart policies,
 * crash-loop backoff, phases and activeDeadlineSeconds, driven by explicit
 * times (no clock, no I/O) so tests use a fake clock.
 */
#ifndef KUBELET_SIM_PODSIM_H
#define KUBELET_SIM_PODSIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_spec.h"

enum ctr_state { CS_WAITING, CS_RUNNING, CS_TERMINATED };
enum restart_policy { RP_ALWAYS, RP_ONFAILURE, RP_NEVER };
enum pod_phase { PH_PENDING, PH_RUNNING, PH_SUCCEEDED, PH_FAILED };

struct ctr_sim {
	struct sim_outcome out;		/* what the container does */
	enum ctr_state	state;
	const char	*reason;	/* static string: waiting/terminated reason */
	int		exit_code;
	int64_t		started_ms, finished_ms;
	int64_t		restart_at_ms;	/* when waiting in CrashLoopBackOff */
	int		restarts;
	bool		ready;
	bool		has_last;	/* lastState.terminated */
	int		last_exit;
	int64_t		last_started_ms, last_finished_ms;
};

struct pod_sim {
	struct ctr_sim	*init;
	size_t		ninit;
	struct ctr_sim	*app;
	size_t		napp;
	enum restart_policy policy;
	enum pod_phase	phase;
	const char	*reason;	/* status.reason (DeadlineExceeded) */
	int64_t		start_ms;
	int64_t		active_deadline_ms;	/* 0: none */
	int64_t		backoff_base_ms, backoff_max_ms;
	size_t		next_init;
	bool		initialized;
};

/*
 * Prepare p for ninit init and napp app containers (arrays owned by the
 * caller, outcomes filled in), started at now_ms. Backoff base/max default to
 * 10 s / 5 min when 0. All containers wait with reason PodInitializing.
 */
void	podsim_init(struct pod_sim *p, struct ctr_sim *init, size_t ninit,
	    struct ctr_sim *app, size_t napp, enum restart_policy policy,
	    int64_t now_ms);
/*
 * Advance the pod to now_ms. Returns the next time something happens
 * (INT64_MAX when nothing is scheduled).
 */
int64_t	podsim_step(struct pod_sim *p, int64_t now_ms);
/* Stop every running container at now_ms (graceful delete); returns true. */
bool	podsim_stop(struct pod_sim *p, int64_t now_ms);
/*
 * The kubectl STATUS column (semantics 0.3) for p into buf; also sets
 * *ready (ready app containers) and *restarts.
 */
void	podsim_status_str(const struct pod_sim *p, char *buf, size_t len,
	    int *ready, int *restarts);

#endif
