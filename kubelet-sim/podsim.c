/*
 * Pod state machine of ckube-kubelet-sim: init containers strictly in order,
 * then all app containers; image pulls that fail (ErrImagePull,
 * ImagePullBackOff), a first start delayed in ContainerCreating, probes
 * (probe.c) that gate readiness or kill the container, restart policies with
 * crash-loop backoff (base doubling to a cap); phases as the kubelet's
 * getPhase computes them, activeDeadlineSeconds, graceful termination; the
 * STATUS column as kubectl computes it. Pure: every transition takes the
 * current time and what happens is told through the note callback.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ckube/ck.h"
#include "podsim.h"

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static void
note(struct pod_sim *p, enum podsim_note kind, const struct ctr_sim *c,
    int64_t t, enum probe_type probe, const char *why)
{
	struct podsim_note_info n = { 0 };

	if (p->note == NULL)
		return;
	n.kind = kind;
	n.init = p->ninit > 0 && c >= p->init && c < p->init + p->ninit;
	n.idx = n.init ? (size_t)(c - p->init) : (size_t)(c - p->app);
	n.t_ms = t;
	n.probe = probe;
	n.why = why;
	p->note(&n, p->note_arg);
}

static void
ctr_reset(struct ctr_sim *c)
{
	c->state = CS_WAITING;
	c->reason = "PodInitializing";
	c->exit_code = 0;
	c->started_ms = c->finished_ms = c->restart_at_ms = 0;
	c->restarts = 0;
	c->ready = false;
	c->has_last = false;
	c->last_reason = NULL;
	c->created = false;
	c->create_until_ms = 0;
	c->pulling = false;
	c->config_noted = false;
	c->pull_attempts = 0;
	c->pull_err_until_ms = c->pull_next_ms = 0;
}

void
podsim_init(struct pod_sim *p, struct ctr_sim *init, size_t ninit,
    struct ctr_sim *app, size_t napp, enum restart_policy policy,
    int64_t now_ms)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->init = init;
	p->ninit = ninit;
	p->app = app;
	p->napp = napp;
	p->policy = policy;
	p->phase = PH_PENDING;
	p->start_ms = now_ms;
	p->backoff_base_ms = 10000;
	p->backoff_max_ms = 300000;
	p->initialized = ninit == 0;
	for (i = 0; i < ninit; i++)
		ctr_reset(&init[i]);
	for (i = 0; i < napp; i++)
		ctr_reset(&app[i]);
}

/* base * 2^n, capped. */
static int64_t
backoff_delay(const struct pod_sim *p, int n)
{
	int64_t d = p->backoff_base_ms;
	int i;

	for (i = 0; i < n && d < p->backoff_max_ms; i++)
		d *= 2;
	return d > p->backoff_max_ms ? p->backoff_max_ms : d;
}

static void
ctr_start(struct pod_sim *p, struct ctr_sim *c, int64_t t)
{
	int k;

	/* The count goes up when the new instance starts (the kubelet). */
	if (c->has_last)
		c->restarts++;
	c->state = CS_RUNNING;
	c->reason = NULL;
	c->started_ms = t;
	c->ready = false;
	for (k = 0; k < 3; k++)
		if (c->probe[k] != NULL)
			probe_start(&c->probe[k]->st, &c->probe[k]->spec,
			    (enum probe_type)k, t);
	note(p, NOTE_STARTED, c, t, PROBE_LIVENESS, NULL);
}

static void
ctr_finish(struct pod_sim *p, struct ctr_sim *c, int64_t t, int code)
{
	c->state = CS_TERMINATED;
	c->exit_code = code;
	c->reason = code == 0 ? "Completed" : "Error";
	c->finished_ms = t;
	c->ready = false;
	note(p, NOTE_EXITED, c, t, PROBE_LIVENESS, NULL);
}

/*
 * Schedule a restart with backoff: base * 2^restarts, capped. restartCount
 * stays until the new instance starts (ctr_start), as the kubelet's does.
 */
static void
ctr_backoff(struct pod_sim *p, struct ctr_sim *c)
{
	c->has_last = true;
	c->last_exit = c->exit_code;
	c->last_reason = c->reason;
	c->last_started_ms = c->started_ms;
	c->last_finished_ms = c->finished_ms;
	c->restart_at_ms = c->finished_ms + backoff_delay(p, c->restarts);
	c->state = CS_WAITING;
	c->reason = "CrashLoopBackOff";
	note(p, NOTE_BACKOFF, c, c->finished_ms, PROBE_LIVENESS, NULL);
}

/*
 * Try to start a waiting container at t (<= now): a failing image pull
 * cycles ErrImagePull / ImagePullBackOff with backoff and never starts; a
 * startup delay keeps the first start in ContainerCreating. Returns when to
 * look again; the container runs when its state says so.
 */
static int64_t
ctr_launch(struct pod_sim *p, struct ctr_sim *c, int64_t now, int64_t t,
    bool is_init)
{
	int64_t d;

	/* CreateContainerConfigError: it never starts, said once. */
	if (c->config_err != NULL) {
		c->reason = "CreateContainerConfigError";
		if (!c->config_noted) {
			c->config_noted = true;
			note(p, NOTE_CONFIG_ERROR, c, t, PROBE_LIVENESS, NULL);
		}
		return INT64_MAX;
	}
	if (c->pull_fail) {
		if (!c->pulling) {
			c->pulling = true;
			c->pull_next_ms = t;
		}
		while (c->pull_next_ms <= now) {
			d = backoff_delay(p, c->pull_attempts++);
			c->pull_err_until_ms = c->pull_next_ms +
			    min64(1000, d / 2);
			note(p, NOTE_PULL_FAILED, c, c->pull_next_ms,
			    PROBE_LIVENESS, NULL);
			c->pull_next_ms += d;
		}
		if (now < c->pull_err_until_ms) {
			c->reason = "ErrImagePull";
			return c->pull_err_until_ms;
		}
		c->reason = "ImagePullBackOff";
		return c->pull_next_ms;
	}
	if (!c->created && c->startup_delay_ms > 0) {
		if (c->create_until_ms == 0)
			c->create_until_ms = t + c->startup_delay_ms;
		if (now < c->create_until_ms) {
			/* kubectl shows Init:i/N while an init is created */
			c->reason = is_init ? "PodInitializing" :
			    "ContainerCreating";
			return c->create_until_ms;
		}
		t = c->create_until_ms;
	}
	c->created = true;
	ctr_start(p, c, t);
	return t;
}

/* When a waiting container needs a look (it was not started). */
static int64_t
ctr_wait_next(const struct ctr_sim *c, int64_t now)
{
	if (c->has_last)
		return c->restart_at_ms;
	if (c->pulling)
		return now < c->pull_err_until_ms ? c->pull_err_until_ms :
		    c->pull_next_ms;
	if (!c->created && c->create_until_ms > now)
		return c->create_until_ms;
	return INT64_MAX;
}

/* Move a running container on; returns its next event time. */
static int64_t
ctr_run(struct pod_sim *p, struct ctr_sim *c, int64_t now)
{
	int64_t end;

	if (c->state != CS_RUNNING || c->out.forever)
		return INT64_MAX;
	end = c->started_ms + c->out.run_ms;
	if (now < end)
		return end;
	ctr_finish(p, c, end, c->out.exit_code);
	return now;
}

/*
 * Run the probes of a running container due up to now (and before it
 * exits by itself), earliest first. Liveness and readiness wait for the
 * startup probe to succeed; a liveness or startup probe reaching its
 * failure threshold kills the container (137). Returns the next probe time.
 */
static int64_t
ctr_probes(struct pod_sim *p, struct ctr_sim *c, int64_t now)
{
	const struct probe_spec *s;
	struct probe_state *st;
	const struct probe *sup = c->probe[PROBE_STARTUP];
	int64_t end, bt;
	const char *why;
	int k, best;

	end = c->out.forever ? INT64_MAX : c->started_ms + c->out.run_ms;
	for (;;) {
		best = -1;
		bt = INT64_MAX;
		for (k = 0; k < 3; k++) {
			if (c->probe[k] == NULL || c->probe[k]->st.next_ms >= bt)
				continue;
			best = k;
			bt = c->probe[k]->st.next_ms;
		}
		if (best < 0 || bt > now || bt >= end)
			return bt;
		st = &c->probe[best]->st;
		s = &c->probe[best]->spec;
		if (best == PROBE_STARTUP && st->result == PR_SUCCESS) {
			st->next_ms = INT64_MAX;	/* done for good */
			continue;
		}
		if (best != PROBE_STARTUP && sup != NULL &&
		    sup->st.result != PR_SUCCESS) {
			probe_skip(st, s);
			continue;
		}
		if (probe_run(st, s, true, &why))
			note(p, NOTE_PROBE_FAILED, c, bt,
			    (enum probe_type)best, why);
		if (best != PROBE_READINESS && st->result == PR_FAILURE) {
			note(p, NOTE_KILLING, c, bt, (enum probe_type)best,
			    NULL);
			ctr_finish(p, c, bt, 137);
			return bt;
		}
	}
}

/* Whether a running app container is ready; *next: when that may change. */
static bool
ctr_ready(const struct ctr_sim *c, int64_t now, int64_t *next)
{
	int64_t at;

	if (c->state != CS_RUNNING)
		return false;
	if (c->probe[PROBE_STARTUP] != NULL &&
	    c->probe[PROBE_STARTUP]->st.result != PR_SUCCESS)
		return false;
	if (c->probe[PROBE_READINESS] != NULL)
		return c->probe[PROBE_READINESS]->st.result == PR_SUCCESS;
	at = c->started_ms + c->ready_after_ms;
	if (now < at) {
		*next = min64(*next, at);
		return false;
	}
	return true;
}

static void
kill_running(struct pod_sim *p, int64_t t, int code)
{
	size_t i;

	for (i = 0; i < p->ninit; i++)
		if (p->init[i].state == CS_RUNNING)
			ctr_finish(p, &p->init[i], t, code);
	for (i = 0; i < p->napp; i++)
		if (p->app[i].state == CS_RUNNING)
			ctr_finish(p, &p->app[i], t, code);
}

static int64_t
step_init(struct pod_sim *p, int64_t now)
{
	struct ctr_sim *c;
	int64_t t, t0;

	while (p->next_init < p->ninit) {
		c = &p->init[p->next_init];
		switch (c->state) {
		case CS_WAITING:
			if (p->stopping)
				return INT64_MAX;
			t0 = now;
			if (c->has_last) {
				if (now < c->restart_at_ms)
					return c->restart_at_ms;
				t0 = c->restart_at_ms;
			}
			t = ctr_launch(p, c, now, t0, true);
			if (c->state != CS_RUNNING)
				return t;
			break;
		case CS_RUNNING:
			t = ctr_run(p, c, now);
			if (c->state == CS_RUNNING)
				return t;
			break;
		case CS_TERMINATED:
			if (c->exit_code == 0) {
				p->next_init++;
				break;
			}
			if (p->policy == RP_NEVER) {
				p->phase = PH_FAILED;
				return INT64_MAX;
			}
			if (p->stopping)
				return INT64_MAX;
			ctr_backoff(p, c);
			break;
		}
	}
	p->initialized = true;
	return now;
}

static bool
app_restarts(const struct pod_sim *p, const struct ctr_sim *c)
{
	return !p->stopping && (p->policy == RP_ALWAYS ||
	    (p->policy == RP_ONFAILURE && c->exit_code != 0));
}

/* Start, run, probe and restart the app containers until nothing moves. */
static void
app_advance(struct pod_sim *p, int64_t now)
{
	struct ctr_sim *c;
	bool changed = true;
	int64_t t0;
	size_t i;

	while (changed) {
		changed = false;
		for (i = 0; i < p->napp; i++) {
			c = &p->app[i];
			if (c->state == CS_WAITING) {
				if (p->stopping)
					continue;
				t0 = now;
				if (c->has_last) {
					if (now < c->restart_at_ms)
						continue;
					t0 = c->restart_at_ms;
				}
				(void)ctr_launch(p, c, now, t0, false);
				changed = c->state == CS_RUNNING || changed;
			} else if (c->state == CS_RUNNING) {
				(void)ctr_probes(p, c, now);
				if (c->state == CS_RUNNING)
					(void)ctr_run(p, c, now);
				changed = c->state != CS_RUNNING || changed;
			} else if (app_restarts(p, c)) {
				ctr_backoff(p, c);
				changed = true;
			}
		}
	}
}

/* The kubelet's getPhase over the app containers. */
static int64_t
step_app(struct pod_sim *p, int64_t now)
{
	struct ctr_sim *c;
	int64_t next = INT64_MAX;
	size_t i, first_wait = 0, restarting = 0, running = 0, failed = 0;

	app_advance(p, now);
	for (i = 0; i < p->napp; i++) {
		c = &p->app[i];
		c->ready = ctr_ready(c, now, &next);
		switch (c->state) {
		case CS_WAITING:
			if (c->has_last)
				restarting++;
			else
				first_wait++;
			if (!p->stopping)
				next = min64(next, ctr_wait_next(c, now));
			break;
		case CS_RUNNING:
			running++;
			next = min64(next, ctr_run(p, c, now));
			next = min64(next, ctr_probes(p, c, now));
			break;
		case CS_TERMINATED:
			failed += c->exit_code != 0;
			break;
		}
	}
	if (first_wait > 0 && !p->stopping)
		p->phase = PH_PENDING;
	else if (running > 0 || restarting > 0)
		p->phase = PH_RUNNING;
	else
		p->phase = failed > 0 ? PH_FAILED : PH_SUCCEEDED;
	return next;
}

static int64_t
step(struct pod_sim *p, int64_t now)
{
	int64_t next, dl = INT64_MAX;

	if (p->phase == PH_SUCCEEDED || p->phase == PH_FAILED)
		return INT64_MAX;
	if (p->active_deadline_ms > 0 && !p->stopping) {
		dl = p->start_ms + p->active_deadline_ms;
		if (now >= dl) {
			kill_running(p, now, 137);
			p->phase = PH_FAILED;
			p->reason = "DeadlineExceeded";
			return INT64_MAX;
		}
	}
	if (!p->initialized) {
		next = step_init(p, now);
		if (!p->initialized) {
			if (p->stopping && !podsim_stopped(p))
				return next;
			if (p->stopping)
				p->phase = PH_FAILED;
			return p->phase == PH_FAILED ? INT64_MAX :
			    min64(next, dl);
		}
	}
	next = step_app(p, now);
	if (p->phase == PH_SUCCEEDED || p->phase == PH_FAILED)
		return INT64_MAX;
	return min64(next, dl);
}

int64_t
podsim_step(struct pod_sim *p, int64_t now)
{
	int64_t next;

	if (!p->stopping)
		return step(p, now);
	if (now < p->kill_at_ms) {
		next = step(p, now);
		return podsim_stopped(p) ? INT64_MAX :
		    min64(next, p->kill_at_ms);
	}
	/* Grace is over: what ended by itself first, then SIGKILL. */
	(void)step(p, p->kill_at_ms);
	kill_running(p, p->kill_at_ms, 137);
	next = step(p, now);
	return podsim_stopped(p) ? INT64_MAX : next;
}

int64_t
podsim_stop(struct pod_sim *p, int64_t now, int64_t grace_ms)
{
	size_t i;
	int64_t next;

	if (p->stopping)
		return podsim_stopped(p) ? INT64_MAX : p->kill_at_ms;
	(void)podsim_step(p, now);
	p->stopping = true;
	p->kill_at_ms = now + (grace_ms > 0 ? grace_ms : 0);
	/* A process without a simulated step honours SIGTERM at once. */
	for (i = 0; i < p->ninit; i++)
		if (p->init[i].state == CS_RUNNING && p->init[i].out.forever)
			ctr_finish(p, &p->init[i], now, 0);
	for (i = 0; i < p->napp; i++)
		if (p->app[i].state == CS_RUNNING && p->app[i].out.forever)
			ctr_finish(p, &p->app[i], now, 0);
	next = podsim_step(p, now);
	return podsim_stopped(p) ? INT64_MAX : next;
}

bool
podsim_stopped(const struct pod_sim *p)
{
	size_t i;

	for (i = 0; i < p->ninit; i++)
		if (p->init[i].state == CS_RUNNING)
			return false;
	for (i = 0; i < p->napp; i++)
		if (p->app[i].state == CS_RUNNING)
			return false;
	return p->stopping || p->phase == PH_SUCCEEDED ||
	    p->phase == PH_FAILED;
}

void
podsim_status_str(const struct pod_sim *p, char *buf, size_t len,
    int *ready, int *restarts)
{
	static const char *const ph[] = {
		"Pending", "Running", "Succeeded", "Failed"
	};
	const struct ctr_sim *c;
	const char *reason = p->reason != NULL ? p->reason : ph[p->phase];
	bool running = false;
	size_t i;

	*ready = *restarts = 0;
	for (i = 0; i < p->ninit; i++) {
		c = &p->init[i];
		*restarts += c->restarts;
		if (c->state == CS_TERMINATED && c->exit_code == 0)
			continue;
		if (c->state == CS_TERMINATED)
			snprintf(buf, len, "Init:%s", c->reason);
		else if (c->state == CS_WAITING && c->reason != NULL &&
		    strcmp(c->reason, "PodInitializing") != 0)
			snprintf(buf, len, "Init:%s", c->reason);
		else
			snprintf(buf, len, "Init:%zu/%zu", i, p->ninit);
		return;
	}
	*restarts = 0;
	for (i = p->napp; i-- > 0;) {
		c = &p->app[i];
		*restarts += c->restarts;
		if (c->state == CS_WAITING && c->reason != NULL)
			reason = c->reason;
		else if (c->state == CS_TERMINATED)
			reason = c->reason;
		else if (c->state == CS_RUNNING) {
			running = true;
			if (c->ready)
				(*ready)++;
		}
	}
	if (strcmp(reason, "Completed") == 0 && running)
		reason = "Running";
	snprintf(buf, len, "%s", reason);
}
