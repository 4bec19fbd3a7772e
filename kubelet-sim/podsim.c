/*
 * Pod state machine of ckube-kubelet-sim: init containers strictly in order,
 * then all app containers; restart policies with crash-loop backoff (base
 * doubling to a cap); phases, activeDeadlineSeconds; the STATUS column as
 * kubectl computes it. Pure: every transition takes the current time.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ckube/ck.h"
#include "podsim.h"

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
}

void
podsim_init(struct pod_sim *p, struct ctr_sim *init, size_t ninit,
    struct ctr_sim *app, size_t napp, enum restart_policy policy,
    int64_t now_ms)
{
	size_t i;

	p->init = init;
	p->ninit = ninit;
	p->app = app;
	p->napp = napp;
	p->policy = policy;
	p->phase = PH_PENDING;
	p->reason = NULL;
	p->start_ms = now_ms;
	p->active_deadline_ms = 0;
	p->backoff_base_ms = 10000;
	p->backoff_max_ms = 300000;
	p->next_init = 0;
	p->initialized = ninit == 0;
	for (i = 0; i < ninit; i++)
		ctr_reset(&init[i]);
	for (i = 0; i < napp; i++)
		ctr_reset(&app[i]);
}

static void
ctr_start(struct ctr_sim *c, int64_t t)
{
	c->state = CS_RUNNING;
	c->reason = NULL;
	c->started_ms = t;
	c->ready = false;
}

static void
ctr_finish(struct ctr_sim *c, int64_t t, int code)
{
	c->state = CS_TERMINATED;
	c->exit_code = code;
	c->reason = code == 0 ? "Completed" : "Error";
	c->finished_ms = t;
	c->ready = false;
}

/* Schedule a restart with backoff: base * 2^restarts, capped. */
static void
ctr_backoff(const struct pod_sim *p, struct ctr_sim *c)
{
	int64_t d = p->backoff_base_ms;
	int i;

	for (i = 0; i < c->restarts && d < p->backoff_max_ms; i++)
		d *= 2;
	if (d > p->backoff_max_ms)
		d = p->backoff_max_ms;
	c->has_last = true;
	c->last_exit = c->exit_code;
	c->last_started_ms = c->started_ms;
	c->last_finished_ms = c->finished_ms;
	c->restarts++;
	c->state = CS_WAITING;
	c->reason = "CrashLoopBackOff";
	c->restart_at_ms = c->finished_ms + d;
}

/* Move a running container on; returns its next event time. */
static int64_t
ctr_run(struct ctr_sim *c, int64_t now)
{
	int64_t end;

	if (c->state != CS_RUNNING || c->out.forever)
		return INT64_MAX;
	end = c->started_ms + c->out.run_ms;
	if (now < end)
		return end;
	ctr_finish(c, end, c->out.exit_code);
	return now;
}

static int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static void
pod_fail_deadline(struct pod_sim *p, int64_t now)
{
	size_t i;

	for (i = 0; i < p->ninit; i++)
		if (p->init[i].state == CS_RUNNING)
			ctr_finish(&p->init[i], now, 137);
	for (i = 0; i < p->napp; i++)
		if (p->app[i].state == CS_RUNNING)
			ctr_finish(&p->app[i], now, 137);
	p->phase = PH_FAILED;
	p->reason = "DeadlineExceeded";
}

static int64_t
step_init(struct pod_sim *p, int64_t now)
{
	struct ctr_sim *c;
	int64_t t;

	while (p->next_init < p->ninit) {
		c = &p->init[p->next_init];
		switch (c->state) {
		case CS_WAITING:
			if (c->reason != NULL &&
			    strcmp(c->reason, "CrashLoopBackOff") == 0) {
				if (now < c->restart_at_ms)
					return c->restart_at_ms;
				ctr_start(c, c->restart_at_ms);
			} else {
				ctr_start(c, now);
			}
			break;
		case CS_RUNNING:
			t = ctr_run(c, now);
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
	return p->policy == RP_ALWAYS ||
	    (p->policy == RP_ONFAILURE && c->exit_code != 0);
}

static int64_t
step_app(struct pod_sim *p, int64_t now)
{
	struct ctr_sim *c;
	int64_t next = INT64_MAX, t;
	size_t i, done = 0, failed = 0;
	bool changed = true;

	while (changed) {
		changed = false;
		for (i = 0; i < p->napp; i++) {
			c = &p->app[i];
			if (c->state == CS_WAITING) {
				if (c->restarts > 0 && now < c->restart_at_ms)
					continue;
				ctr_start(c, c->restarts > 0 ?
				    c->restart_at_ms : now);
				c->ready = true;
				changed = true;
			} else if (c->state == CS_RUNNING) {
				ctr_run(c, now);
				if (c->state == CS_TERMINATED)
					changed = true;
			} else if (app_restarts(p, c)) {
				ctr_backoff(p, c);
				changed = true;
			}
		}
	}
	for (i = 0; i < p->napp; i++) {
		c = &p->app[i];
		if (c->state == CS_TERMINATED) {
			done++;
			failed += c->exit_code != 0;
		} else if (c->state == CS_RUNNING) {
			t = ctr_run(c, now);
			next = min64(next, t);
		} else {
			next = min64(next, c->restart_at_ms);
		}
	}
	if (p->napp > 0 && done == p->napp)
		p->phase = failed > 0 ? PH_FAILED : PH_SUCCEEDED;
	else
		p->phase = PH_RUNNING;
	return next;
}

int64_t
podsim_step(struct pod_sim *p, int64_t now)
{
	int64_t next, dl = INT64_MAX;

	if (p->phase == PH_SUCCEEDED || p->phase == PH_FAILED)
		return INT64_MAX;
	if (p->active_deadline_ms > 0) {
		dl = p->start_ms + p->active_deadline_ms;
		if (now >= dl) {
			pod_fail_deadline(p, now);
			return INT64_MAX;
		}
	}
	if (!p->initialized) {
		next = step_init(p, now);
		if (!p->initialized)
			return p->phase == PH_FAILED ? INT64_MAX : min64(next, dl);
	}
	next = step_app(p, now);
	if (p->phase == PH_SUCCEEDED || p->phase == PH_FAILED)
		return INT64_MAX;
	return min64(next, dl);
}

bool
podsim_stop(struct pod_sim *p, int64_t now)
{
	size_t i;

	for (i = 0; i < p->ninit; i++)
		if (p->init[i].state == CS_RUNNING)
			ctr_finish(&p->init[i], now, 0);
	for (i = 0; i < p->napp; i++)
		if (p->app[i].state == CS_RUNNING)
			ctr_finish(&p->app[i], now, 0);
	return true;
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
