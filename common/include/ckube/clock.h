/*
 * clock.h: the one source of time for libckube. Monotonic milliseconds for
 * deadlines and backoff, wall-clock microseconds for timestamps, and a
 * process-wide fake clock so tests drive time by hand and never sleep
 * (client-go's clock.FakeClock). Condition-variable waits go through
 * clock_cond_timedwait() so they obey the fake clock too.
 */
#ifndef CKUBE_CLOCK_H
#define CKUBE_CLOCK_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ckube/ck.h"

/* A deadline that never comes: clock_cond_timedwait() then waits untimed. */
#define CLOCK_NEVER	UINT64_MAX

/*
 * Milliseconds on CLOCK_MONOTONIC (arbitrary origin), or the fake time when
 * the fake clock is on. Thread-safe.
 */
uint64_t	 ck_now_ms(void);

/* As ck_now_ms(), in microseconds (fake time * 1000 under the fake clock). */
uint64_t	 ck_now_us(void);

/*
 * Microseconds since the Unix epoch (CLOCK_REALTIME), for timestamps. Under
 * the fake clock: the fake time * 1000, so clock_set_fake(1700000000000)
 * reads as 2023-11-14T22:13:20Z. Thread-safe.
 */
int64_t		 ck_wall_us(void);

/*
 * Switch the whole process to the fake clock, reading ms from now on (time
 * moves only by clock_advance_fake()/clock_set_fake()). Wakes every
 * clock_cond_timedwait() so waiters re-check their deadlines. Thread-safe;
 * meant for tests.
 */
void		 clock_set_fake(uint64_t ms);

/*
 * Move the fake clock forward by ms and wake every thread sleeping in
 * clock_cond_timedwait(), so those whose deadline has passed return
 * CK_ETIMEDOUT. Turns the fake clock on (at 0 + ms) if it was off.
 * Thread-safe; safe to call while holding no lock that a waiter's mutex
 * is ordered after.
 */
void		 clock_advance_fake(uint64_t ms);

/* Back to the real clocks (and wake every waiter). Thread-safe. */
void		 clock_use_real(void);

/* Whether the fake clock is on. */
bool		 clock_is_fake(void);

/*
 * Initialise cond for clock_cond_timedwait(): its real-time waits measure
 * CLOCK_MONOTONIC, so wall-clock jumps do not shorten or stretch them.
 * Returns 0 or a negative errno. Destroy it with pthread_cond_destroy().
 */
int		 clock_cond_init(pthread_cond_t *cond) CK_MUST_CHECK;

/*
 * pthread_cond_timedwait against a ck_now_ms() deadline. mutex must be held
 * and is held again on return. Returns CK_ETIMEDOUT when ck_now_ms() >=
 * deadline_ms (at once if it already is), else 0 after a wake-up, which may
 * be spurious: callers re-check their condition in a loop, as with any
 * condition variable. CLOCK_NEVER waits without a deadline. Under the fake
 * clock the wait ends when clock_advance_fake() moves time past the deadline
 * (no real time passes). cond must come from clock_cond_init(). Thread-safe;
 * the cond and mutex must outlive the call.
 */
int		 clock_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
		    uint64_t deadline_ms);

#endif
