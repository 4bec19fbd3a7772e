/*
 * expectations.c: per-key counts of creations and deletions a controller
 * still awaits, with a TTL (Kubernetes pkg/controller ControllerExpectations).
 * Controllers decide what to expect; this file only keeps the counts.
 */
#include "ckube/expectations.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/clock.h"
#include "ckube/log.h"
#include "ckube/strmap.h"

struct expectation {
	int64_t		 add;
	int64_t		 del;
	uint64_t	 set_ms;	/* when it was last set */
	char		 key[];
};

struct expectations {
	pthread_mutex_t	 mu;
	uint64_t	 ttl_ms;
	struct strmap	*map;		/* key -> struct expectation */
};

struct expectations *
expectations_new(uint64_t ttl_ms)
{
	struct expectations *e = ck_calloc(1, sizeof(*e));

	pthread_mutex_init(&e->mu, NULL);
	e->ttl_ms = ttl_ms != 0 ? ttl_ms : EXPECTATIONS_TTL_MS;
	e->map = strmap_new();
	return e;
}

void
expectations_free(struct expectations *e)
{
	if (e == NULL)
		return;
	strmap_free(e->map, free);
	pthread_mutex_destroy(&e->mu);
	free(e);
}

static void
expect_set(struct expectations *e, const char *key, int64_t add, int64_t del)
{
	struct expectation *x;
	size_t len;

	pthread_mutex_lock(&e->mu);
	x = strmap_get(e->map, key);
	if (x == NULL) {
		len = strlen(key);
		x = ck_malloc(sizeof(*x) + len + 1);
		memcpy(x->key, key, len + 1);
		strmap_put(e->map, x->key, x);
	}
	x->add = add;
	x->del = del;
	x->set_ms = ck_now_ms();
	pthread_mutex_unlock(&e->mu);
}

void
expect_creations(struct expectations *e, const char *key, int64_t n)
{
	expect_set(e, key, n, 0);
}

void
expect_deletions(struct expectations *e, const char *key, int64_t n)
{
	expect_set(e, key, 0, n);
}

void
expect_raise(struct expectations *e, const char *key, int64_t add, int64_t del)
{
	struct expectation *x;

	pthread_mutex_lock(&e->mu);
	x = strmap_get(e->map, key);
	if (x != NULL) {
		x->add += add;
		x->del += del;
	}
	pthread_mutex_unlock(&e->mu);
}

void
expect_creation_observed(struct expectations *e, const char *key)
{
	expect_raise(e, key, -1, 0);
}

void
expect_deletion_observed(struct expectations *e, const char *key)
{
	expect_raise(e, key, 0, -1);
}

bool
expect_satisfied(struct expectations *e, const char *key)
{
	struct expectation *x;
	uint64_t now;
	bool ok = true;

	pthread_mutex_lock(&e->mu);
	x = strmap_get(e->map, key);
	if (x == NULL || (x->add <= 0 && x->del <= 0))
		goto out;
	now = ck_now_ms();
	if (now > x->set_ms && now - x->set_ms > e->ttl_ms) {
		log_v(4, "expectations %s: expired with %lld creations and "
		    "%lld deletions pending", key, (long long)x->add,
		    (long long)x->del);
		goto out;
	}
	ok = false;
out:
	pthread_mutex_unlock(&e->mu);
	return ok;
}

void
expect_delete(struct expectations *e, const char *key)
{
	pthread_mutex_lock(&e->mu);
	free(strmap_remove(e->map, key));
	pthread_mutex_unlock(&e->mu);
}

bool
expect_get(struct expectations *e, const char *key, int64_t *add, int64_t *del)
{
	struct expectation *x;

	pthread_mutex_lock(&e->mu);
	x = strmap_get(e->map, key);
	if (x != NULL) {
		if (add != NULL)
			*add = x->add;
		if (del != NULL)
			*del = x->del;
	}
	pthread_mutex_unlock(&e->mu);
	return x != NULL;
}
