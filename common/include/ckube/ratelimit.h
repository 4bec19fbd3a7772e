/*
 * ratelimit.h: how long a failed key waits before its next try. Per-key
 * exponential backoff (base * 2^failures, capped) and an overall token
 * bucket, combined as the larger of the two: client-go's
 * DefaultControllerRateLimiter (ItemExponentialFailureRateLimiter 5 ms ..
 * 1000 s, max'ed with a BucketRateLimiter of 10 qps, burst 100). Time comes
 * from clock.h, so tests drive it with the fake clock.
 */
#ifndef CKUBE_RATELIMIT_H
#define CKUBE_RATELIMIT_H

#include <stdint.h>

#include "ckube/ck.h"

#define RATELIMIT_BASE_DELAY_MS	5u
#define RATELIMIT_MAX_DELAY_MS	(1000u * 1000u)		/* 1000 s */
#define RATELIMIT_QPS		10.0
#define RATELIMIT_BURST		100u

struct ratelimit_config {
	uint64_t	base_delay_ms;	/* first backoff; 0 turns per-key backoff off */
	uint64_t	max_delay_ms;	/* backoff cap (>= base_delay_ms) */
	double		qps;		/* bucket refill per second; 0 turns the bucket off */
	unsigned int	burst;		/* bucket size (>= 1 when qps > 0) */
};

struct ratelimit;

/* Fill cfg with the defaults above (both limiters on). */
void		 ratelimit_config_default(struct ratelimit_config *cfg);

/*
 * A new limiter for cfg (copied), or for the defaults when cfg is NULL.
 * Returns NULL only when cfg is invalid: qps negative or not finite, qps > 0
 * with burst 0, or max_delay_ms < base_delay_ms. The bucket starts full.
 * Free with ratelimit_free().
 */
struct ratelimit *ratelimit_new(const struct ratelimit_config *cfg);

/* Free rl and its per-key state. Accepts NULL. */
void		 ratelimit_free(struct ratelimit *rl);

/*
 * Record one more failure of key and return how long it should wait, in ms:
 * the larger of its backoff (base, 2*base, 4*base, ... up to max: 5, 10, 20,
 * ... ms by default) and the bucket's delay (0 while tokens remain; each call
 * takes a token, even one the bucket only owes). Thread-safe.
 */
uint64_t	 ratelimit_when(struct ratelimit *rl, const char *key);

/*
 * The bucket alone, as client-go's flowcontrol TryAccept: take a token if
 * one is there now and return 0, or return the ms until one will be (taking
 * nothing). A bucket with qps 0 never has one: UINT64_MAX. Thread-safe.
 */
uint64_t	 ratelimit_try(struct ratelimit *rl);

/*
 * Change the bucket's rate (qps >= 0 and finite; else ignored), keeping the
 * tokens it has (the node controller's SwapLimiter). Thread-safe.
 */
void		 ratelimit_set_qps(struct ratelimit *rl, double qps);

/* Forget key's failures: its next ratelimit_when() starts at base. Thread-safe. */
void		 ratelimit_forget(struct ratelimit *rl, const char *key);

/*
 * How many failures of key were recorded since it was last forgotten
 * (client-go NumRequeues). Thread-safe.
 */
unsigned int	 ratelimit_retries(struct ratelimit *rl, const char *key);

#endif
