/*
 * Prober of ckube-kubelet-sim: the timing and threshold logic of the
 * kubelet's prober workers, with the check itself simulated: an exec probe
 * runs its command through the command simulator (a `sleep` longer than
 * timeoutSeconds or a command that never ends times out); httpGet,
 * tcpSocket and grpc succeed while the container runs.
 */
#include "probe.h"

void
probe_spec_defaults(struct probe_spec *s)
{
	s->action = PROBE_TCP;
	s->exec.forever = false;
	s->exec.run_ms = 0;
	s->exec.exit_code = 0;
	s->exec_bad = false;
	s->initial_delay_ms = 0;
	s->period_ms = 10000;
	s->timeout_ms = 1000;
	s->success_threshold = 1;
	s->failure_threshold = 3;
}

void
probe_start(struct probe_state *st, const struct probe_spec *s,
    enum probe_type type, int64_t started_ms)
{
	st->next_ms = started_ms + s->initial_delay_ms;
	st->successes = st->failures = 0;
	switch (type) {
	case PROBE_READINESS:
		st->result = PR_FAILURE;
		break;
	case PROBE_LIVENESS:
		st->result = PR_SUCCESS;
		break;
	case PROBE_STARTUP:
		st->result = PR_UNKNOWN;
		break;
	}
}

bool
probe_check(const struct probe_spec *s, bool running, const char **why)
{
	*why = NULL;
	if (!running) {
		*why = "container is not running";
		return false;
	}
	if (s->action != PROBE_EXEC)
		return true;
	if (s->exec_bad) {
		*why = "command could not be run";
		return false;
	}
	if (s->exec.forever || s->exec.run_ms > s->timeout_ms) {
		*why = "command timed out";
		return false;
	}
	if (s->exec.exit_code != 0) {
		*why = "command exited with a non-zero status";
		return false;
	}
	return true;
}

static void
probe_advance(struct probe_state *st, const struct probe_spec *s)
{
	st->next_ms += s->period_ms > 0 ? s->period_ms : 1000;
}

bool
probe_run(struct probe_state *st, const struct probe_spec *s, bool running,
    const char **why)
{
	bool ok = probe_check(s, running, why);

	probe_advance(st, s);
	if (ok) {
		st->failures = 0;
		if (++st->successes >= s->success_threshold)
			st->result = PR_SUCCESS;
	} else {
		st->successes = 0;
		if (++st->failures >= s->failure_threshold)
			st->result = PR_FAILURE;
	}
	return !ok;
}

void
probe_skip(struct probe_state *st, const struct probe_spec *s)
{
	probe_advance(st, s);
}

const char *
probe_type_name(enum probe_type type)
{
	switch (type) {
	case PROBE_LIVENESS:
		return "Liveness";
	case PROBE_READINESS:
		return "Readiness";
	case PROBE_STARTUP:
		return "Startup";
	}
	return "";
}
