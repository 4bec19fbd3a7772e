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

#include "probe.h"
#include "sim_spec.h"

enum ctr_state { CS_WAITING, CS_RUNNING, CS_TERMINATED };
enum restart_policy { RP_ALWAYS, RP_ONFAILURE, RP_NEVER };
enum pod_phase { PH_PENDING, PH_RUNNING, PH_SUCCEEDED, PH_FAILED };

struct ctr_sim {
	/* Fields ordered by size: thousands of pods, two or so each. */
	struct sim_outcome out;		/* what the container does */
	/*
	 * Probes (app containers only), NULL when absent; owned by the
	 * caller (most containers have none: no state is kept for them).
	 */
	struct probe	*probe[3];	/* by enum probe_type */
	/* sim.ckube.io/ behaviour, set by the caller after podsim_init. */
	int64_t		startup_delay_ms;	/* ContainerCreating at first */
	int64_t		ready_after_ms;		/* without a readiness probe */
	/* Static: why the kubelet cannot create it (runAsNonRoot), or NULL. */
	const char	*config_err;
	int64_t		create_until_ms;
	int64_t		pull_err_until_ms, pull_next_ms;
	const char	*reason;	/* static string: waiting/terminated reason */
	int64_t		started_ms, finished_ms;
	int64_t		restart_at_ms;	/* when waiting in CrashLoopBackOff */
	const char	*last_reason;	/* static: lastState reason */
	int64_t		last_started_ms, last_finished_ms;
	enum ctr_state	state;
	int		pull_attempts;
	int		exit_code;
	int		restarts;
	int		last_exit;
	bool		pull_fail;	/* image pull never succeeds */
	bool		config_noted;
	bool		created;	/* past ContainerCreating */
	bool		pulling;	/* a pull cycle is going on */
	bool		ready;
	bool		has_last;	/* lastState.terminated */
};

/* What happened to a container, for events and its log. */
enum podsim_note {
	NOTE_STARTED,		/* the container runs */
	NOTE_EXITED,		/* it terminated (exit_code) */
	NOTE_PULL_FAILED,	/* its image pull failed (ErrImagePull) */
	NOTE_CONFIG_ERROR,	/* not created: config_err */
	NOTE_BACKOFF,		/* restart delayed (CrashLoopBackOff) */
	NOTE_PROBE_FAILED,	/* a probe run failed (Unhealthy) */
	NOTE_KILLING,		/* killed by a failed liveness/startup probe */
};

struct podsim_note_info {
	enum podsim_note kind;
	bool		init;		/* index into init[] or app[] */
	size_t		idx;
	int64_t		t_ms;
	enum probe_type	probe;		/* NOTE_PROBE_FAILED, NOTE_KILLING */
	const char	*why;		/* NOTE_PROBE_FAILED: static reason */
};

typedef void (*podsim_note_fn)(const struct podsim_note_info *n, void *arg);

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
	int64_t		kill_at_ms;	/* end of the grace period */
	podsim_note_fn	note;		/* may be NULL */
	void		*note_arg;
	bool		initialized;
	bool		stopping;	/* graceful termination going on */
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
/*
 * Graceful termination from now_ms with grace_ms: containers that run
 * until stopped (no simulated step) exit 0 on SIGTERM at once; a running
 * script runs on until it ends or the grace period is over (then it is
 * killed, 137). Nothing restarts or starts afterwards. Returns when to step
 * again, or INT64_MAX when every container has stopped.
 */
int64_t	podsim_stop(struct pod_sim *p, int64_t now_ms, int64_t grace_ms);
/* No container runs or will run (after podsim_stop or a final phase). */
bool	podsim_stopped(const struct pod_sim *p);
/*
 * The kubectl STATUS column (semantics 0.3) for p into buf; also sets
 * *ready (ready app containers) and *restarts.
 */
void	podsim_status_str(const struct pod_sim *p, char *buf, size_t len,
	    int *ready, int *restarts);

#endif
