/*
 * Binary min-heap of struct timer keyed by deadline, with each entry's index
 * kept in the entry so arming again and cancelling are O(log n). One heap
 * serves all simulated nodes and pods.
 */
#include <stdint.h>
#include <stdlib.h>

#include "ckube/alloc.h"
#include "timers.h"

void
timer_init(struct timer *t, timer_fn fn)
{
	t->deadline_ms = 0;
	t->idx = SIZE_MAX;
	t->fn = fn;
}

bool
timer_armed(const struct timer *t)
{
	return t->idx != SIZE_MAX;
}

void
timers_init(struct timer_heap *h)
{
	h->a = NULL;
	h->n = 0;
	h->cap = 0;
}

void
timers_free(struct timer_heap *h)
{
	size_t i;

	for (i = 0; i < h->n; i++)
		h->a[i]->idx = SIZE_MAX;
	free(h->a);
	timers_init(h);
}

static void
heap_set(struct timer_heap *h, size_t i, struct timer *t)
{
	h->a[i] = t;
	t->idx = i;
}

static void
sift_up(struct timer_heap *h, size_t i)
{
	struct timer *t = h->a[i];

	while (i > 0 && h->a[(i - 1) / 2]->deadline_ms > t->deadline_ms) {
		heap_set(h, i, h->a[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(h, i, t);
}

static void
sift_down(struct timer_heap *h, size_t i)
{
	struct timer *t = h->a[i];
	size_t c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->a[c + 1]->deadline_ms < h->a[c]->deadline_ms)
			c++;
		if (h->a[c]->deadline_ms >= t->deadline_ms)
			break;
		heap_set(h, i, h->a[c]);
		i = c;
	}
	heap_set(h, i, t);
}

void
timers_cancel(struct timer_heap *h, struct timer *t)
{
	size_t i = t->idx;
	struct timer *last;

	if (i == SIZE_MAX)
		return;
	t->idx = SIZE_MAX;
	last = h->a[--h->n];
	if (i == h->n)
		return;
	heap_set(h, i, last);
	sift_up(h, i);
	sift_down(h, last->idx);
}

void
timers_arm(struct timer_heap *h, struct timer *t, int64_t deadline_ms)
{
	timers_cancel(h, t);
	t->deadline_ms = deadline_ms;
	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->a = ck_reallocarray(h->a, h->cap, sizeof(*h->a));
	}
	heap_set(h, h->n++, t);
	sift_up(h, t->idx);
}

int64_t
timers_next(const struct timer_heap *h)
{
	return h->n > 0 ? h->a[0]->deadline_ms : INT64_MAX;
}

size_t
timers_run(struct timer_heap *h, int64_t now_ms)
{
	struct timer *t;
	size_t ran = 0;

	while (h->n > 0 && h->a[0]->deadline_ms <= now_ms) {
		t = h->a[0];
		timers_cancel(h, t);
		t->fn(t, now_ms);
		ran++;
	}
	return ran;
}
