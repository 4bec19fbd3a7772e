/*
 * Timer heap of ckube-kubelet-sim: one min-heap of deadlines for every node
 * and pod timer; entries are embedded in their owner (no allocation per
 * timer) and driven by a single loop.
 */
#ifndef KUBELET_SIM_TIMERS_H
#define KUBELET_SIM_TIMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timer;
typedef void (*timer_fn)(struct timer *t, int64_t now_ms);

/* Embed in the owner; set fn with timer_init before use. */
struct timer {
	int64_t		deadline_ms;
	size_t		idx;		/* position in the heap; SIZE_MAX if idle */
	timer_fn	fn;
};

struct timer_heap {
	struct timer	**a;
	size_t		n, cap;
};

/* Prepare an idle timer that calls fn when due. */
void	timer_init(struct timer *t, timer_fn fn);
/* Whether t is armed. */
bool	timer_armed(const struct timer *t);

void	timers_init(struct timer_heap *h);
/* Free the heap storage (the entries belong to their owners). */
void	timers_free(struct timer_heap *h);
/* Arm t at deadline_ms, or move it there if armed. */
void	timers_arm(struct timer_heap *h, struct timer *t, int64_t deadline_ms);
/* Disarm t (no-op when idle). */
void	timers_cancel(struct timer_heap *h, struct timer *t);
/* Earliest deadline, or INT64_MAX when empty. */
int64_t	timers_next(const struct timer_heap *h);
/*
 * Pop and call every timer due at now_ms (deadline <= now), earliest first; a
 * callback may re-arm or cancel any timer. Returns how many ran.
 */
size_t	timers_run(struct timer_heap *h, int64_t now_ms);

#endif
