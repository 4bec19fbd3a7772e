/*
 * clock.c: monotonic and wall time, the process-wide fake clock, and
 * condition-variable waits that obey it. Every waiter registers itself so
 * that a change of time (fake advance, switching modes) can wake it; the
 * callers own their conditions and re-check them.
 */
#include "ckube/clock.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"

/*
 * A thread inside clock_cond_timedwait(). It lives on that thread's stack;
 * pins counts wakers that still hold a pointer to it, and the waiter does
 * not return before they let go.
 */
struct waiter {
	pthread_cond_t	*cond;
	pthread_mutex_t	*mutex;
	unsigned int	 pins;
	struct waiter	*prev;
	struct waiter	*next;
};

/*
 * Lock order: a waiter's own mutex, then reg_lock. A waker takes reg_lock
 * alone, drops it, then takes each waiter's mutex alone: never both.
 */
static pthread_mutex_t	 reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 reg_unpinned = PTHREAD_COND_INITIALIZER;
static struct waiter	*waiters;
static atomic_bool	 fake_on;
static _Atomic uint64_t	 fake_ms;

static uint64_t
real_ns(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		fatal("clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t
ck_now_ms(void)
{
	if (atomic_load(&fake_on))
		return atomic_load(&fake_ms);
	return real_ns(CLOCK_MONOTONIC) / 1000000u;
}

uint64_t
ck_now_us(void)
{
	if (atomic_load(&fake_on))
		return atomic_load(&fake_ms) * 1000u;
	return real_ns(CLOCK_MONOTONIC) / 1000u;
}

int64_t
ck_wall_us(void)
{
	if (atomic_load(&fake_on))
		return (int64_t)(atomic_load(&fake_ms) * 1000u);
	return (int64_t)(real_ns(CLOCK_REALTIME) / 1000u);
}

bool
clock_is_fake(void)
{
	return atomic_load(&fake_on);
}

/*
 * Broadcast every registered waiter's condition while holding its mutex, so
 * a waiter that read the old time under that mutex is already asleep and
 * cannot miss the wake-up. The time was changed under reg_lock before this
 * runs, and waiters read it under reg_lock when they register: a waiter
 * registered after our snapshot sees the new time.
 */
static void
wake_all(void)
{
	struct waiter **snap = NULL, *w;
	size_t n = 0, i;

	pthread_mutex_lock(&reg_lock);
	for (w = waiters; w != NULL; w = w->next)
		n++;
	if (n > 0) {
		snap = ck_reallocarray(NULL, n, sizeof(*snap));
		for (i = 0, w = waiters; w != NULL; w = w->next, i++) {
			w->pins++;
			snap[i] = w;
		}
	}
	pthread_mutex_unlock(&reg_lock);
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(snap[i]->mutex);
		pthread_cond_broadcast(snap[i]->cond);
		pthread_mutex_unlock(snap[i]->mutex);
	}
	if (n == 0)
		return;
	pthread_mutex_lock(&reg_lock);
	for (i = 0; i < n; i++)
		snap[i]->pins--;
	pthread_cond_broadcast(&reg_unpinned);
	pthread_mutex_unlock(&reg_lock);
	free(snap);
}

void
clock_set_fake(uint64_t ms)
{
	pthread_mutex_lock(&reg_lock);
	atomic_store(&fake_ms, ms);
	atomic_store(&fake_on, true);
	pthread_mutex_unlock(&reg_lock);
	wake_all();
}

void
clock_advance_fake(uint64_t ms)
{
	pthread_mutex_lock(&reg_lock);
	if (!atomic_load(&fake_on)) {
		atomic_store(&fake_ms, 0);
		atomic_store(&fake_on, true);
	}
	atomic_store(&fake_ms, atomic_load(&fake_ms) + ms);
	pthread_mutex_unlock(&reg_lock);
	wake_all();
}

void
clock_use_real(void)
{
	pthread_mutex_lock(&reg_lock);
	atomic_store(&fake_on, false);
	pthread_mutex_unlock(&reg_lock);
	wake_all();
}

int
clock_cond_init(pthread_cond_t *cond)
{
	pthread_condattr_t attr;
	int rc;

	rc = pthread_condattr_init(&attr);
	if (rc != 0)
		return -rc;
	rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	if (rc == 0)
		rc = pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
	return -rc;
}

/* Called with reg_lock held. */
static void
waiter_unlink(struct waiter *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		waiters = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	w->prev = w->next = NULL;
}

int
clock_cond_timedwait(pthread_cond_t *cond, pthread_mutex_t *mutex,
    uint64_t deadline_ms)
{
	struct waiter w = { .cond = cond, .mutex = mutex };
	struct timespec ts;
	bool fake;

	pthread_mutex_lock(&reg_lock);
	if (ck_now_ms() >= deadline_ms) {
		pthread_mutex_unlock(&reg_lock);
		return CK_ETIMEDOUT;
	}
	fake = atomic_load(&fake_on);
	w.next = waiters;
	if (waiters != NULL)
		waiters->prev = &w;
	waiters = &w;
	pthread_mutex_unlock(&reg_lock);

	if (fake || deadline_ms == CLOCK_NEVER) {
		pthread_cond_wait(cond, mutex);
	} else {
		ts.tv_sec = (time_t)(deadline_ms / 1000u);
		ts.tv_nsec = (long)(deadline_ms % 1000u) * 1000000L;
		(void)pthread_cond_timedwait(cond, mutex, &ts);
	}

	/*
	 * Unregister. A waker holding a pin may be blocked on our mutex: if
	 * so, let go of it while we wait for the pins to drop.
	 */
	pthread_mutex_lock(&reg_lock);
	waiter_unlink(&w);
	if (w.pins > 0) {
		pthread_mutex_unlock(mutex);
		while (w.pins > 0)
			pthread_cond_wait(&reg_unpinned, &reg_lock);
		pthread_mutex_unlock(&reg_lock);
		pthread_mutex_lock(mutex);
	} else {
		pthread_mutex_unlock(&reg_lock);
	}
	return ck_now_ms() >= deadline_ms ? CK_ETIMEDOUT : 0;
}
