/*
 * Unit tests for apiserver/kind_count.c: the counts start from the store
 * and follow the commit hook (ADDED, DELETED; MODIFIED and other resources
 * change nothing), so a create skips the quota and LimitRange reads only
 * while there is none of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "kind_count.h"
#include "store/store.h"

struct fx {
	char		 dir[64];
	char		 path[128];
	struct store	*s;
};

static int
setup(void **state)
{
	struct fx *f = ck_calloc(1, sizeof(*f));
	struct ck_status st;

	ck_strlcpy(f->dir, "/tmp/ckube-kinds-XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/db.sqlite", f->dir);
	if (store_open(f->path, &f->s, &st) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	char p[160];
	size_t i;

	store_close(f->s);
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, suffixes[i]);
		(void)unlink(p);
	}
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static void
create(struct store *s, const char *res, const char *ns, const char *name)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "metadata"),
	    "name", name);
	assert_int_equal(store_create(s, res, ns, name, o, NULL), 0);
	cJSON_Delete(o);
}

static void
observe(struct kind_count *kc, enum store_event_type t, const char *res)
{
	struct store_event ev;
	char r[64], ns[] = "default", name[] = "x", body[] = "{}";

	ck_strlcpy(r, res, sizeof(r));
	memset(&ev, 0, sizeof(ev));
	ev.type = t;
	ev.resource = r;
	ev.ns = ns;
	ev.name = name;
	ev.body = body;
	ev.body_len = 2;
	kind_count_observe(kc, &ev);
}

static void
test_kind_count_follows_commits(void **state)
{
	struct fx *f = *state;
	struct kind_count *kc = kind_count_new(f->s);

	assert_non_null(kc);
	assert_true(kind_count_none(kc, "resourcequotas"));
	assert_true(kind_count_none(kc, "limitranges"));
	observe(kc, STORE_ADDED, "resourcequotas");
	assert_false(kind_count_none(kc, "resourcequotas"));
	assert_true(kind_count_none(kc, "limitranges"));
	observe(kc, STORE_MODIFIED, "resourcequotas");
	observe(kc, STORE_ADDED, "resourcequotas");
	observe(kc, STORE_DELETED, "resourcequotas");
	assert_false(kind_count_none(kc, "resourcequotas"));	/* one left */
	observe(kc, STORE_DELETED, "resourcequotas");
	assert_true(kind_count_none(kc, "resourcequotas"));
	observe(kc, STORE_ADDED, "configmaps");	/* not tracked */
	observe(kc, STORE_ADDED, "limitranges");
	assert_false(kind_count_none(kc, "limitranges"));
	kind_count_free(kc);
}

static void
test_kind_count_starts_from_the_store(void **state)
{
	struct fx *f = *state;
	struct kind_count *kc;

	create(f->s, "resourcequotas", "a", "q1");
	create(f->s, "resourcequotas", "b", "q2");
	create(f->s, "configmaps", "a", "c");
	kc = kind_count_new(f->s);
	assert_non_null(kc);
	assert_false(kind_count_none(kc, "resourcequotas"));
	assert_true(kind_count_none(kc, "limitranges"));
	observe(kc, STORE_DELETED, "resourcequotas");
	assert_false(kind_count_none(kc, "resourcequotas"));
	observe(kc, STORE_DELETED, "resourcequotas");
	assert_true(kind_count_none(kc, "resourcequotas"));
	kind_count_free(kc);
}

/* Without a count (NULL), or for an untracked resource: always read. */
static void
test_kind_count_unknown_reads(void **state)
{
	struct fx *f = *state;
	struct kind_count *kc = kind_count_new(f->s);

	assert_false(kind_count_none(NULL, "resourcequotas"));
	assert_false(kind_count_none(kc, "configmaps"));
	kind_count_observe(NULL, NULL);
	kind_count_free(kc);
	kind_count_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kind_count_follows_commits,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_kind_count_starts_from_the_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kind_count_unknown_reads,
		    setup, teardown),
	};

	return cmocka_run_group_tests_name("kind_count", tests, NULL, NULL);
}
