/* Unit tests of the kubelet-sim timer heap: order, re-arm, cancel, scale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/ck.h"
#include "timers.h"

struct owner {
	struct timer	t;
	int		id;
	int		fired;
};

static int order[16];
static size_t norder;
static struct timer_heap *cur;

static void
on_fire(struct timer *t, int64_t now)
{
	struct owner *o = container_of(t, struct owner, t);

	(void)now;
	o->fired++;
	if (norder < ARRAY_SIZE(order))
		order[norder++] = o->id;
}

static void
on_rearm(struct timer *t, int64_t now)
{
	struct owner *o = container_of(t, struct owner, t);

	o->fired++;
	if (o->fired < 3)
		timers_arm(cur, t, now + 10);
}

static void
test_order(void **state)
{
	struct timer_heap h;
	struct owner o[5];
	int64_t dl[5] = { 50, 10, 40, 20, 30 };
	int i;

	(void)state;
	timers_init(&h);
	norder = 0;
	assert_int_equal(timers_next(&h), INT64_MAX);
	for (i = 0; i < 5; i++) {
		o[i].id = i;
		o[i].fired = 0;
		timer_init(&o[i].t, on_fire);
		timers_arm(&h, &o[i].t, dl[i]);
	}
	assert_int_equal(timers_next(&h), 10);
	timers_cancel(&h, &o[2].t);	/* 40 */
	assert_false(timer_armed(&o[2].t));
	timers_arm(&h, &o[0].t, 5);	/* move 50 -> 5 */
	assert_int_equal(timers_run(&h, 4), 0);
	assert_int_equal(timers_run(&h, 25), 3);
	assert_int_equal(norder, 3);
	assert_int_equal(order[0], 0);
	assert_int_equal(order[1], 1);
	assert_int_equal(order[2], 3);
	assert_int_equal(timers_next(&h), 30);
	assert_int_equal(timers_run(&h, 1000), 1);
	assert_int_equal(o[2].fired, 0);
	assert_int_equal(timers_next(&h), INT64_MAX);
	timers_cancel(&h, &o[2].t);
	timers_free(&h);
}

static void
test_rearm_in_callback(void **state)
{
	struct timer_heap h;
	struct owner o = { .id = 1 };
	int64_t now;

	(void)state;
	timers_init(&h);
	cur = &h;
	timer_init(&o.t, on_rearm);
	timers_arm(&h, &o.t, 0);
	for (now = 0; now <= 100; now += 10)
		timers_run(&h, now);
	assert_int_equal(o.fired, 3);
	assert_false(timer_armed(&o.t));
	timers_free(&h);
}

static void
test_many(void **state)
{
	struct timer_heap h;
	struct owner *o;
	int64_t last = -1;
	size_t i, n = 20000;

	(void)state;
	o = calloc(n, sizeof(*o));
	assert_non_null(o);
	timers_init(&h);
	norder = ARRAY_SIZE(order);
	for (i = 0; i < n; i++) {
		timer_init(&o[i].t, on_fire);
		timers_arm(&h, &o[i].t, (int64_t)((i * 7919) % 10007));
	}
	for (i = 0; i < n; i += 3)
		timers_cancel(&h, &o[i].t);
	while (h.n > 0) {
		int64_t d = timers_next(&h);

		assert_true(d >= last);
		last = d;
		timers_run(&h, d);
	}
	for (i = 0; i < n; i++)
		assert_int_equal(o[i].fired, i % 3 == 0 ? 0 : 1);
	timers_free(&h);
	free(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_rearm_in_callback),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
