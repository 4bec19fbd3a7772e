/*
 * Container probes of ckube-kubelet-sim (liveness, readiness, startup) as
 * the kubelet's prober workers run them: a first run after
 * initialDelaySeconds, then one every periodSeconds; successThreshold
 * consecutive successes or failureThreshold consecutive failures flip the
 * result. Pure: every call takes the probe time, so tests use a fake clock.
 */
#ifndef KUBELET_SIM_PROBE_H
#define KUBELET_SIM_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim_spec.h"

enum probe_type { PROBE_LIVENESS, PROBE_READINESS, PROBE_STARTUP };
enum probe_action { PROBE_EXEC, PROBE_HTTP, PROBE_TCP, PROBE_GRPC };
enum probe_result { PR_UNKNOWN, PR_SUCCESS, PR_FAILURE };

/* A probe from the pod spec (defaults: kubernetes v1 SetDefaults_Probe). */
struct probe_spec {
	enum probe_action action;
	struct sim_outcome exec;	/* PROBE_EXEC: what the command does */
	bool		exec_bad;	/* malformed command: always fails */
	int64_t		initial_delay_ms, period_ms, timeout_ms;
	int		success_threshold, failure_threshold;
};

/* One container's prober worker. */
struct probe_state {
	int64_t		next_ms;	/* time of the next run */
	int		successes, failures;	/* consecutive runs */
	enum probe_result result;
};

/* A container's probe: what it does, and where it stands. */
struct probe {
	struct probe_spec	spec;
	struct probe_state	st;
};

/* Kubernetes defaults: period 10 s, timeout 1 s, thresholds 1 / 3. */
void	probe_spec_defaults(struct probe_spec *s);

/*
 * Start the worker for a container started at started_ms. The initial
 * result is Failure for readiness, Success for liveness and Unknown for
 * startup, as the kubelet's results manager has them.
 */
void	probe_start(struct probe_state *st, const struct probe_spec *s,
	    enum probe_type type, int64_t started_ms);

/*
 * One check at its time: true on success. *why (static) says why it failed:
 * the command timed out, exited non-zero, or the container is gone.
 */
bool	probe_check(const struct probe_spec *s, bool running,
	    const char **why);

/*
 * Run the probe due at st->next_ms (the caller checks that it is due) and
 * move next_ms one period on. Returns true when the check failed (*why is
 * set); st->result changes once a threshold is crossed.
 */
bool	probe_run(struct probe_state *st, const struct probe_spec *s,
	    bool running, const char **why);

/* Skip the run due now without a check (startup not done yet). */
void	probe_skip(struct probe_state *st, const struct probe_spec *s);

/* "Liveness", "Readiness", "Startup". */
const char *probe_type_name(enum probe_type type);

#endif
