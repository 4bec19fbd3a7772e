/*
 * Unit tests for watch_feed's deduplication (apiserver/watch.c): one etcd
 * txn's writes share a revision, so an event at the last revision with
 * another key is delivered; the same key at that revision, an older
 * revision, or a revision marked as seen (a list, a resume) are not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "apiserver.h"
#include "store/store.h"
#include "watch.h"

static struct watch *
watch_new_test(void)
{
	struct watch *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	pthread_mutex_init(&w->mu, NULL);
	strbuf_init(&w->buf);
	strbuf_init(&w->rv_keys);
	w->res = registry_find("", "v1", "configmaps");
	assert_non_null(w->res);
	return w;
}

static void
watch_free_test(struct watch *w)
{
	strbuf_fini(&w->buf);
	strbuf_fini(&w->rv_keys);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static void
feed(struct watch *w, int64_t rv, const char *name)
{
	char body[256], res[] = "configmaps", ns[] = "default", nm[64];
	struct store_event ev = {
		.rv = rv, .type = STORE_MODIFIED, .resource = res,
		.ns = ns, .name = nm, .body = body,
	};

	snprintf(nm, sizeof(nm), "%s", name);

	ev.body_len = (size_t)snprintf(body, sizeof(body),
	    "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":"
	    "{\"name\":\"%s\",\"namespace\":\"default\","
	    "\"resourceVersion\":\"%lld\"}}", name, (long long)rv);
	watch_feed(w, &ev, NULL);
}

/* How many events w queued. */
static int
queued(const struct watch *w)
{
	const char *p = strbuf_str(&w->buf);
	int n = 0;

	while ((p = strstr(p, "\"type\":")) != NULL) {
		n++;
		p++;
	}
	return n;
}

static void
test_watch_feed_same_revision_other_key(void **state)
{
	struct watch *w = watch_new_test();

	(void)state;
	watch_mark_rv(w, 10);
	feed(w, 11, "quota-a");
	feed(w, 11, "quota-b");		/* same txn, another key */
	feed(w, 11, "quota-c");
	assert_int_equal(queued(w), 3);
	assert_non_null(strstr(strbuf_str(&w->buf), "quota-b"));
	assert_non_null(strstr(strbuf_str(&w->buf), "quota-c"));
	assert_int_equal(w->last_rv, 11);
	watch_free_test(w);
}

static void
test_watch_feed_drops_duplicates(void **state)
{
	struct watch *w = watch_new_test();

	(void)state;
	watch_mark_rv(w, 10);
	feed(w, 10, "seen");		/* the resume point: the client has it */
	feed(w, 9, "old");
	assert_int_equal(queued(w), 0);
	feed(w, 11, "a");
	feed(w, 11, "b");
	feed(w, 11, "a");		/* catch-up and hook both saw it */
	feed(w, 11, "b");
	assert_int_equal(queued(w), 2);
	feed(w, 12, "a");
	feed(w, 11, "c");		/* older than the last revision */
	assert_int_equal(queued(w), 3);
	/* A page listed at 12 shows every key's state at 12. */
	watch_mark_rv(w, 12);
	feed(w, 12, "b");
	assert_int_equal(queued(w), 3);
	feed(w, 13, "b");
	assert_int_equal(queued(w), 4);
	watch_free_test(w);
}

/* A key that is a prefix or suffix of another is still another key. */
static void
test_watch_feed_keys_are_exact(void **state)
{
	struct watch *w = watch_new_test();

	(void)state;
	watch_mark_rv(w, 1);
	feed(w, 2, "ab");
	feed(w, 2, "a");
	feed(w, 2, "b");
	feed(w, 2, "abc");
	assert_int_equal(queued(w), 4);
	watch_free_test(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_watch_feed_same_revision_other_key),
		cmocka_unit_test(test_watch_feed_drops_duplicates),
		cmocka_unit_test(test_watch_feed_keys_are_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
