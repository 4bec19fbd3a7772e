/*
 * ratelimit.c: per-key exponential failure backoff and an overall token
 * bucket (golang.org/x/time/rate semantics: reservations may run the bucket
 * into debt, which later callers wait out). The work queue applies the
 * delays; this file only computes them.
 */
#include "ckube/ratelimit.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/clock.h"
#include "ckube/strmap.h"

struct failures {
	unsigned int	 count;
	char		 key[];
};

struct ratelimit {
	pthread_mutex_t		 mu;
	struct ratelimit_config	 cfg;
	struct strmap		*failures;	/* key -> struct failures */
	double			 tokens;	/* may be negative: owed */
	uint64_t		 last_ms;	/* when tokens was computed */
};

void
ratelimit_config_default(struct ratelimit_config *cfg)
{
	cfg->base_delay_ms = RATELIMIT_BASE_DELAY_MS;
	cfg->max_delay_ms = RATELIMIT_MAX_DELAY_MS;
	cfg->qps = RATELIMIT_QPS;
	cfg->burst = RATELIMIT_BURST;
}

struct ratelimit *
ratelimit_new(const struct ratelimit_config *cfg)
{
	struct ratelimit_config def;
	struct ratelimit *rl;

	if (cfg == NULL) {
		ratelimit_config_default(&def);
		cfg = &def;
	}
	if (!isfinite(cfg->qps) || cfg->qps < 0 ||
	    (cfg->qps > 0 && cfg->burst == 0) ||
	    cfg->max_delay_ms < cfg->base_delay_ms)
		return NULL;
	rl = ck_calloc(1, sizeof(*rl));
	pthread_mutex_init(&rl->mu, NULL);
	rl->cfg = *cfg;
	rl->failures = strmap_new();
	rl->tokens = cfg->burst;
	rl->last_ms = ck_now_ms();
	return rl;
}

void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	strmap_free(rl->failures, free);
	pthread_mutex_destroy(&rl->mu);
	free(rl);
}

/* base * 2^exp, capped at max without overflowing. */
static uint64_t
backoff_ms(const struct ratelimit_config *cfg, unsigned int exp)
{
	uint64_t d = cfg->base_delay_ms;

	if (d == 0)
		return 0;
	while (exp-- > 0 && d < cfg->max_delay_ms) {
		if (d > UINT64_MAX / 2)
			return cfg->max_delay_ms;
		d *= 2;
	}
	return d < cfg->max_delay_ms ? d : cfg->max_delay_ms;
}

/* Bring the bucket up to now (qps > 0). Locked. */
static void
bucket_refill(struct ratelimit *rl, uint64_t now)
{
	if (now > rl->last_ms) {
		rl->tokens += (double)(now - rl->last_ms) * rl->cfg.qps / 1000.0;
		if (rl->tokens > rl->cfg.burst)
			rl->tokens = rl->cfg.burst;
	}
	rl->last_ms = now;		/* also when the (fake) clock went back */
}

/* Take one token; return the wait in ms until it is really there. Locked. */
static uint64_t
bucket_take(struct ratelimit *rl)
{
	uint64_t now = ck_now_ms();
	double wait_ms;

	if (rl->cfg.qps == 0)
		return 0;
	bucket_refill(rl, now);
	rl->tokens -= 1;
	if (rl->tokens >= 0)
		return 0;
	/* The epsilon keeps 100.00000000001 from becoming 101. */
	wait_ms = ceil(-rl->tokens * 1000.0 / rl->cfg.qps - 1e-6);
	return wait_ms > 0 ? (uint64_t)wait_ms : 0;
}

uint64_t
ratelimit_try(struct ratelimit *rl)
{
	uint64_t wait = 0;
	double ms;

	pthread_mutex_lock(&rl->mu);
	if (rl->cfg.qps <= 0) {
		wait = UINT64_MAX;
		goto out;
	}
	bucket_refill(rl, ck_now_ms());
	if (rl->tokens >= 1) {
		rl->tokens -= 1;
		goto out;
	}
	ms = ceil((1 - rl->tokens) * 1000.0 / rl->cfg.qps - 1e-6);
	wait = ms > 1 ? (uint64_t)ms : 1;
out:
	pthread_mutex_unlock(&rl->mu);
	return wait;
}

void
ratelimit_set_qps(struct ratelimit *rl, double qps)
{
	if (!(qps >= 0) || !isfinite(qps))
		return;
	pthread_mutex_lock(&rl->mu);
	if (rl->cfg.qps > 0)
		bucket_refill(rl, ck_now_ms());
	else
		rl->last_ms = ck_now_ms();
	rl->cfg.qps = qps;
	if (rl->cfg.burst == 0)
		rl->cfg.burst = 1;
	pthread_mutex_unlock(&rl->mu);
}

uint64_t
ratelimit_when(struct ratelimit *rl, const char *key)
{
	struct failures *f;
	size_t len;
	uint64_t per_key, overall;

	pthread_mutex_lock(&rl->mu);
	f = strmap_get(rl->failures, key);
	if (f == NULL) {
		len = strlen(key);
		f = ck_malloc(sizeof(*f) + len + 1);
		f->count = 0;
		memcpy(f->key, key, len + 1);
		strmap_put(rl->failures, f->key, f);
	}
	per_key = backoff_ms(&rl->cfg, f->count);
	if (f->count < UINT32_MAX)
		f->count++;
	overall = bucket_take(rl);
	pthread_mutex_unlock(&rl->mu);
	return per_key > overall ? per_key : overall;
}

void
ratelimit_forget(struct ratelimit *rl, const char *key)
{
	pthread_mutex_lock(&rl->mu);
	free(strmap_remove(rl->failures, key));
	pthread_mutex_unlock(&rl->mu);
}

unsigned int
ratelimit_retries(struct ratelimit *rl, const char *key)
{
	struct failures *f;
	unsigned int n;

	pthread_mutex_lock(&rl->mu);
	f = strmap_get(rl->failures, key);
	n = f != NULL ? f->count : 0;
	pthread_mutex_unlock(&rl->mu);
	return n;
}
