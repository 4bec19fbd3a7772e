/*
 * Unit tests for apiserver/store_sqlite.c: CRUD with preconditions, paging,
 * the event log and its compaction, restart, commit hooks (also from two
 * writing threads) and clean failures on bad files. Each test gets a fresh
 * database in its own mkdtemp folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

#include "store/store.h"

struct hook_rec {
	int64_t			 rv;
	enum store_event_type	 type;
	char			 name[64];
	int			 body_rv_ok;	/* body's resourceVersion == rv */
};

struct fx {
	char		 dir[64];
	char		 path[128];
	struct store	*s;
	pthread_mutex_t	 mu;
	struct hook_rec	 hooks[512];
	size_t		 nhooks;
	int		 hook_order_ok;
};

static void
fx_path(const struct fx *f, const char *suffix, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s%s", f->path, suffix);

	assert_true(n > 0 && (size_t)n < size);
}

static int
setup(void **state)
{
	struct fx *f = ck_calloc(1, sizeof(*f));
	struct ck_status st;
	int n;

	ck_strlcpy(f->dir, "/tmp/ckube-store-XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	n = snprintf(f->path, sizeof(f->path), "%s/db.sqlite", f->dir);
	if (n < 0 || (size_t)n >= sizeof(f->path))
		return -1;
	pthread_mutex_init(&f->mu, NULL);
	f->hook_order_ok = 1;
	if (store_open(f->path, &f->s, &st) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char p[160];
	size_t i;

	store_close(f->s);
	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		fx_path(f, suffixes[i], p, sizeof(p));
		(void)unlink(p);
	}
	(void)rmdir(f->dir);
	pthread_mutex_destroy(&f->mu);
	free(f);
	return 0;
}

static cJSON *
new_obj(const char *ns, const char *name)
{
	cJSON *o = cJSON_CreateObject(), *meta;

	meta = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	if (ns != NULL && *ns != '\0')
		cJSON_AddStringToObject(meta, "namespace", ns);
	cJSON_AddObjectToObject(o, "spec");
	return o;
}

/* metadata.resourceVersion of a JSON object, as a number (-1 if absent or bad). */
static int64_t
obj_rv(const cJSON *o)
{
	const cJSON *meta, *v;
	int64_t rv;

	meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	v = cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion");
	if (!cJSON_IsString(v) || ck_parse_int64(v->valuestring, &rv) < 0)
		return -1;
	return rv;
}

static int64_t
body_rv(const char *body)
{
	cJSON *o = cJSON_Parse(body);
	int64_t rv = obj_rv(o);

	cJSON_Delete(o);
	return rv;
}

static int64_t
create(struct store *s, const char *res, const char *ns, const char *name)
{
	cJSON *o = new_obj(ns, name);
	int64_t rv = 0;

	assert_int_equal(store_create(s, res, ns, name, o, &rv), 0);
	assert_int_equal(obj_rv(o), rv);
	cJSON_Delete(o);
	return rv;
}

static size_t
count_events(struct store *s, const char *res, int64_t from)
{
	struct store_event *evs;
	size_t n;

	assert_int_equal(store_events_since(s, res, from, 0, &evs, &n), 0);
	store_events_free(evs, n);
	return n;
}

static void
record_hook(const struct store_event *ev, void *arg)
{
	struct fx *f = arg;
	struct hook_rec *h;

	pthread_mutex_lock(&f->mu);
	if (f->nhooks > 0 && ev->rv <= f->hooks[f->nhooks - 1].rv)
		f->hook_order_ok = 0;
	if (f->nhooks < ARRAY_SIZE(f->hooks)) {
		h = &f->hooks[f->nhooks];
		h->rv = ev->rv;
		h->type = ev->type;
		ck_strlcpy(h->name, ev->name, sizeof(h->name));
		h->body_rv_ok = body_rv(ev->body) == ev->rv &&
		    strlen(ev->body) == ev->body_len;
	}
	f->nhooks++;
	pthread_mutex_unlock(&f->mu);
}

static void
test_store_sqlite_create_get(void **state)
{
	struct fx *f = *state;
	struct store_item it;
	cJSON *o = new_obj("default", "web-1");
	int64_t rv = 0;

	assert_int_equal(store_revision(f->s), 0);
	assert_int_equal(store_create(f->s, "pods", "default", "web-1", o, &rv), 0);
	assert_int_equal(rv, 1);
	assert_int_equal(obj_rv(o), 1);
	assert_int_equal(store_revision(f->s), 1);

	assert_int_equal(store_get(f->s, "pods", "default", "web-1", &it), 0);
	assert_string_equal(it.ns, "default");
	assert_string_equal(it.name, "web-1");
	assert_int_equal(it.rv, 1);
	assert_int_equal(body_rv(it.body), 1);
	assert_int_equal(strlen(it.body), it.body_len);
	assert_null(strchr(it.body, '\n'));	/* stored unformatted */
	store_item_fini(&it);

	/* The key is (resource, namespace, name): each part matters. */
	assert_int_equal(store_get(f->s, "pods", "other", "web-1", &it), CK_ENOTFOUND);
	assert_int_equal(store_get(f->s, "services", "default", "web-1", &it),
	    CK_ENOTFOUND);
	assert_int_equal(store_get(f->s, "pods", "default", "web-2", &it), CK_ENOTFOUND);
	assert_null(it.body);
	cJSON_Delete(o);
}

static void
test_store_sqlite_create_exists(void **state)
{
	struct fx *f = *state;
	cJSON *o = new_obj("default", "a");
	int64_t rv = 0;

	create(f->s, "pods", "default", "a");
	assert_int_equal(store_create(f->s, "pods", "default", "a", o, &rv), CK_EEXIST);
	assert_int_equal(obj_rv(o), -1);	/* refused: obj untouched */
	assert_int_equal(store_revision(f->s), 1);
	assert_int_equal(count_events(f->s, NULL, 0), 1);
	/* Same name, other namespace or cluster scope: a different key. */
	assert_int_equal(store_create(f->s, "pods", "kube-system", "a", o, &rv), 0);
	assert_int_equal(rv, 2);
	assert_int_equal(store_create(f->s, "pods", NULL, "a", o, &rv), 0);
	assert_int_equal(rv, 3);
	cJSON_Delete(o);
}

static void
test_store_sqlite_create_sets_metadata(void **state)
{
	struct fx *f = *state;
	struct store_item it;
	cJSON *o = cJSON_CreateObject(), *bad;
	int64_t rv;

	/* No metadata at all: the store adds it to carry the resourceVersion. */
	cJSON_AddStringToObject(o, "kind", "Node");
	assert_int_equal(store_create(f->s, "nodes", "", "n1", o, &rv), 0);
	assert_int_equal(obj_rv(o), rv);
	assert_int_equal(store_get(f->s, "nodes", NULL, "n1", &it), 0);
	assert_int_equal(body_rv(it.body), rv);
	store_item_fini(&it);

	/* An existing resourceVersion is replaced, not duplicated. */
	assert_int_equal(store_update(f->s, "nodes", "", "n1", o, 0, &rv), 0);
	assert_int_equal(rv, 2);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o,
	    "metadata")), 1);
	cJSON_Delete(o);

	bad = cJSON_CreateObject();
	cJSON_AddStringToObject(bad, "metadata", "not an object");
	assert_int_equal(store_create(f->s, "nodes", "", "n2", bad, &rv), CK_EINVALID);
	cJSON_Delete(bad);
	bad = cJSON_CreateArray();
	assert_int_equal(store_create(f->s, "nodes", "", "n2", bad, &rv), CK_EINVALID);
	assert_int_equal(store_create(f->s, "nodes", "", "", o, &rv), CK_EINVALID);
	assert_int_equal(store_create(f->s, "", "", "n2", o, &rv), CK_EINVALID);
	cJSON_Delete(bad);
	assert_int_equal(store_revision(f->s), 2);
	assert_int_equal(count_events(f->s, NULL, 0), 2);
}

static void
test_store_sqlite_update(void **state)
{
	struct fx *f = *state;
	struct store_item it;
	cJSON *o = new_obj("default", "a");
	int64_t rv = 0;

	assert_int_equal(create(f->s, "pods", "default", "a"), 1);
	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(o, "spec"),
	    "nodeName", "n1");
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, 1, &rv), 0);
	assert_int_equal(rv, 2);
	assert_int_equal(obj_rv(o), 2);

	/* A stale precondition is refused and obj keeps its revision. */
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, 1, &rv),
	    CK_ECONFLICT);
	assert_int_equal(obj_rv(o), 2);
	assert_int_equal(store_revision(f->s), 2);

	/* 0: unconditional. */
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, 0, NULL), 0);
	assert_int_equal(store_revision(f->s), 3);

	assert_int_equal(store_update(f->s, "pods", "default", "nope", o, 0, &rv),
	    CK_ENOTFOUND);
	assert_int_equal(store_update(f->s, "pods", "default", "nope", o, 7, &rv),
	    CK_ENOTFOUND);

	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), 0);
	assert_int_equal(it.rv, 3);
	assert_non_null(strstr(it.body, "\"nodeName\":\"n1\""));
	assert_int_equal(body_rv(it.body), 3);
	store_item_fini(&it);
	assert_int_equal(count_events(f->s, NULL, 0), 3);
	cJSON_Delete(o);
}

static void
test_store_sqlite_delete(void **state)
{
	struct fx *f = *state;
	struct store_event *evs;
	struct store_item it;
	char *last = NULL;
	int64_t rv = 0;
	size_t n;

	create(f->s, "pods", "default", "a");
	assert_int_equal(store_delete(f->s, "pods", "default", "a", 5, &last, &rv),
	    CK_ECONFLICT);
	assert_null(last);
	assert_int_equal(store_delete(f->s, "pods", "default", "a", 1, &last, &rv), 0);
	assert_int_equal(rv, 2);
	assert_non_null(last);
	assert_int_equal(body_rv(last), 2);
	assert_non_null(strstr(last, "\"name\":\"a\""));
	free(last);
	last = NULL;
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), CK_ENOTFOUND);
	assert_int_equal(store_delete(f->s, "pods", "default", "a", 0, &last, &rv),
	    CK_ENOTFOUND);
	assert_null(last);

	assert_int_equal(store_events_since(f->s, "pods", 0, 0, &evs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(evs[0].type, STORE_ADDED);
	assert_int_equal(evs[1].type, STORE_DELETED);
	assert_int_equal(evs[1].rv, 2);
	assert_int_equal(body_rv(evs[1].body), 2);
	assert_string_equal(evs[1].ns, "default");
	assert_string_equal(evs[1].name, "a");
	store_events_free(evs, n);

	/* Recreate after delete: a fresh object at a new revision. */
	assert_int_equal(create(f->s, "pods", "default", "a"), 3);
	assert_int_equal(store_delete(f->s, "pods", "default", "a", 0, NULL, NULL), 0);
	assert_int_equal(store_revision(f->s), 4);
}

static void
test_store_sqlite_revisions_across_resources(void **state)
{
	static const char *const res[] = { "pods", "services", "nodes" };
	struct fx *f = *state;
	struct store_event *evs;
	char name[32];
	int64_t rv, prev = 0;
	size_t i, n;

	for (i = 0; i < 12; i++) {
		(void)snprintf(name, sizeof(name), "o%zu", i);
		rv = create(f->s, res[i % 3], i % 3 == 2 ? "" : "default", name);
		assert_true(rv > prev);
		prev = rv;
	}
	assert_int_equal(store_revision(f->s), 12);

	assert_int_equal(store_events_since(f->s, NULL, 0, 0, &evs, &n), 0);
	assert_int_equal(n, 12);
	for (i = 0; i < n; i++) {
		assert_int_equal(evs[i].rv, (int64_t)i + 1);
		assert_string_equal(evs[i].resource, res[i % 3]);
		assert_int_equal(evs[i].type, STORE_ADDED);
		assert_int_equal(body_rv(evs[i].body), evs[i].rv);
	}
	store_events_free(evs, n);

	/* Resource filter, order, from and limit. */
	assert_int_equal(store_events_since(f->s, "services", 0, 0, &evs, &n), 0);
	assert_int_equal(n, 4);
	for (i = 0; i < n; i++) {
		assert_string_equal(evs[i].resource, "services");
		assert_int_equal(evs[i].rv, (int64_t)(3 * i + 2));
	}
	store_events_free(evs, n);
	assert_int_equal(store_events_since(f->s, "services", 1, 2, &evs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(evs[0].rv, 2);
	assert_int_equal(evs[1].rv, 5);
	store_events_free(evs, n);
	assert_int_equal(store_events_since(f->s, "services", 5, 0, &evs, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(evs[0].rv, 8);
	store_events_free(evs, n);

	/* At or past the head: nothing, and no error. */
	assert_int_equal(count_events(f->s, NULL, 12), 0);
	assert_int_equal(count_events(f->s, NULL, 1000), 0);
	assert_int_equal(count_events(f->s, "secrets", 0), 0);
	assert_int_equal(store_events_since(f->s, NULL, -1, 0, &evs, &n), CK_EINVALID);
}

static void
test_store_sqlite_list_paging(void **state)
{
	static const char *const nss[] = { "ns-a", "ns-b", "ns-c" };
	struct fx *f = *state;
	struct store_list l;
	char name[32], prev[96] = "", cur[96];
	const char *after_ns = NULL, *after_name = NULL;
	char cont_ns[64], cont_name[64];
	size_t i, total = 0, pages = 0;
	int64_t count;

	/* Created out of order, so the order must come from the store. */
	for (i = 0; i < 25; i++) {
		(void)snprintf(name, sizeof(name), "obj-%02zu", (i * 7) % 25);
		create(f->s, "configmaps", nss[i % 3], name);
	}
	create(f->s, "secrets", "ns-a", "other");

	do {
		assert_int_equal(store_list(f->s, "configmaps", NULL, after_ns,
		    after_name, 10, &l), 0);
		assert_int_equal(l.rv, 26);
		assert_true(l.n <= 10);
		for (i = 0; i < l.n; i++) {
			(void)snprintf(cur, sizeof(cur), "%s/%s", l.items[i].ns,
			    l.items[i].name);
			assert_true(strcmp(prev, cur) < 0);
			ck_strlcpy(prev, cur, sizeof(prev));
			assert_int_equal(body_rv(l.items[i].body), l.items[i].rv);
		}
		total += l.n;
		pages++;
		assert_int_equal(l.more, pages < 3);
		if (l.n > 0) {
			ck_strlcpy(cont_ns, l.items[l.n - 1].ns, sizeof(cont_ns));
			ck_strlcpy(cont_name, l.items[l.n - 1].name, sizeof(cont_name));
			after_ns = cont_ns;
			after_name = cont_name;
		}
		store_list_fini(&l);
	} while (l.more || pages < 3);
	assert_int_equal(total, 25);
	assert_int_equal(pages, 3);

	/* No limit; an exact-fit limit has no "more". */
	assert_int_equal(store_list(f->s, "configmaps", "", NULL, NULL, 0, &l), 0);
	assert_int_equal(l.n, 25);
	assert_int_equal(l.more, 0);
	store_list_fini(&l);
	assert_int_equal(store_list(f->s, "configmaps", NULL, NULL, NULL, 25, &l), 0);
	assert_int_equal(l.n, 25);
	assert_int_equal(l.more, 0);
	store_list_fini(&l);

	/* Namespace filter, paged. */
	assert_int_equal(store_list(f->s, "configmaps", "ns-b", NULL, NULL, 5, &l), 0);
	assert_int_equal(l.n, 5);
	assert_int_equal(l.more, 1);
	for (i = 0; i < l.n; i++)
		assert_string_equal(l.items[i].ns, "ns-b");
	ck_strlcpy(cont_name, l.items[4].name, sizeof(cont_name));
	store_list_fini(&l);
	assert_int_equal(store_list(f->s, "configmaps", "ns-b", "ns-b", cont_name, 5,
	    &l), 0);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.more, 0);
	for (i = 0; i < l.n; i++) {
		assert_string_equal(l.items[i].ns, "ns-b");
		assert_true(strcmp(l.items[i].name, cont_name) > 0);
	}
	store_list_fini(&l);
	/* A cursor in an earlier namespace covers all of ns; a later one none. */
	assert_int_equal(store_list(f->s, "configmaps", "ns-b", "ns-a", "zzz", 0, &l), 0);
	assert_int_equal(l.n, 8);
	store_list_fini(&l);
	assert_int_equal(store_list(f->s, "configmaps", "ns-b", "ns-c", "", 0, &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(l.more, 0);
	assert_int_equal(l.rv, 26);
	store_list_fini(&l);

	assert_int_equal(store_count(f->s, "configmaps", "", &count), 0);
	assert_int_equal(count, 25);
	assert_int_equal(store_count(f->s, "configmaps", "ns-a", &count), 0);
	assert_int_equal(count, 9);
	assert_int_equal(store_count(f->s, "configmaps", "ns-z", &count), 0);
	assert_int_equal(count, 0);
	assert_int_equal(store_list(f->s, "secrets", NULL, NULL, NULL, 0, &l), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.items[0].name, "other");
	store_list_fini(&l);
}

static void
test_store_sqlite_compact(void **state)
{
	struct fx *f = *state;
	struct store_event *evs;
	struct ck_status st;
	char name[16];
	size_t n;
	int i;

	assert_int_equal(store_compact(f->s, 100), 0);	/* empty: a no-op */
	assert_int_equal(store_compacted_revision(f->s), 0);
	for (i = 1; i <= 10; i++) {
		(void)snprintf(name, sizeof(name), "p%d", i);
		create(f->s, "pods", "default", name);
	}
	assert_int_equal(store_compact(f->s, 5), 0);
	assert_int_equal(store_compacted_revision(f->s), 5);
	assert_int_equal(store_events_since(f->s, NULL, 4, 0, &evs, &n), CK_EGONE);
	assert_int_equal(store_events_since(f->s, "pods", 0, 0, &evs, &n), CK_EGONE);
	assert_null(evs);
	assert_int_equal(store_events_since(f->s, "pods", 5, 0, &evs, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(evs[0].rv, 6);
	store_events_free(evs, n);
	/* Compacting backwards changes nothing. */
	assert_int_equal(store_compact(f->s, 3), 0);
	assert_int_equal(store_compacted_revision(f->s), 5);

	/* Everything: the newest event stays and the revision is not lost. */
	assert_int_equal(store_compact(f->s, INT64_MAX), 0);
	assert_int_equal(store_compacted_revision(f->s), 9);
	assert_int_equal(store_revision(f->s), 10);
	assert_int_equal(count_events(f->s, NULL, 9), 1);
	assert_int_equal(count_events(f->s, NULL, 10), 0);
	assert_int_equal(store_events_since(f->s, NULL, 8, 0, &evs, &n), CK_EGONE);

	/* Objects are untouched by compaction. */
	assert_int_equal(store_count(f->s, "pods", NULL, &(int64_t){ 0 }), 0);

	store_close(f->s);
	f->s = NULL;
	assert_int_equal(store_open(f->path, &f->s, &st), 0);
	assert_int_equal(store_revision(f->s), 10);
	assert_int_equal(store_compacted_revision(f->s), 9);
	assert_int_equal(store_events_since(f->s, NULL, 8, 0, &evs, &n), CK_EGONE);
	assert_int_equal(create(f->s, "pods", "default", "after"), 11);
}

static void
test_store_sqlite_compact_large(void **state)
{
	struct fx *f = *state;
	cJSON *o = new_obj("default", "hb");
	int64_t rv = 0;
	int i, n = getenv("VALGRIND") != NULL ? 6000 : 12000;

	/* Heartbeats: one object rewritten; the log is what grows (> 1 batch). */
	assert_int_equal(store_create(f->s, "leases", "default", "hb", o, &rv), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(store_update(f->s, "leases", "default", "hb", o, rv,
		    &rv), 0);
	assert_int_equal(store_compact(f->s, rv - 10), 0);
	assert_int_equal(store_compacted_revision(f->s), rv - 10);
	assert_int_equal(count_events(f->s, "leases", rv - 10), 10);
	cJSON_Delete(o);
}

static void
test_store_sqlite_reopen(void **state)
{
	struct fx *f = *state;
	struct store_item it;
	struct ck_status st;
	cJSON *o = new_obj("default", "a");

	create(f->s, "pods", "default", "a");
	create(f->s, "pods", "default", "b");
	assert_int_equal(store_delete(f->s, "pods", "default", "b", 0, NULL, NULL), 0);
	store_close(f->s);
	f->s = NULL;

	assert_int_equal(store_open(f->path, &f->s, &st), 0);
	assert_int_equal(store_revision(f->s), 3);
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), 0);
	assert_int_equal(it.rv, 1);
	store_item_fini(&it);
	assert_int_equal(store_get(f->s, "pods", "default", "b", &it), CK_ENOTFOUND);
	assert_int_equal(count_events(f->s, NULL, 0), 3);
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, 1, NULL), 0);
	assert_int_equal(obj_rv(o), 4);
	cJSON_Delete(o);
}

static void
test_store_sqlite_commit_hook(void **state)
{
	struct fx *f = *state;
	cJSON *o = new_obj("default", "a"), *bad;
	int64_t rv;

	store_set_commit_hook(f->s, record_hook, f);
	create(f->s, "pods", "default", "a");
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, 1, &rv), 0);
	assert_int_equal(store_delete(f->s, "pods", "default", "a", 0, NULL, &rv), 0);
	assert_int_equal(f->nhooks, 3);
	assert_int_equal(f->hooks[0].type, STORE_ADDED);
	assert_int_equal(f->hooks[1].type, STORE_MODIFIED);
	assert_int_equal(f->hooks[2].type, STORE_DELETED);
	assert_int_equal(f->hooks[0].rv, 1);
	assert_int_equal(f->hooks[2].rv, 3);
	assert_string_equal(f->hooks[2].name, "a");
	assert_true(f->hooks[0].body_rv_ok && f->hooks[1].body_rv_ok &&
	    f->hooks[2].body_rv_ok);

	/* Refused and rolled-back writes: no hook, no event, no revision. */
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, 0, &rv),
	    CK_ENOTFOUND);
	create(f->s, "pods", "default", "b");
	assert_int_equal(store_create(f->s, "pods", "default", "b", o, &rv), CK_EEXIST);
	assert_int_equal(store_update(f->s, "pods", "default", "b", o, 1, &rv),
	    CK_ECONFLICT);
	bad = cJSON_CreateObject();
	cJSON_AddNumberToObject(bad, "metadata", 1);	/* fails inside the transaction */
	assert_int_equal(store_update(f->s, "pods", "default", "b", bad, 0, &rv),
	    CK_EINVALID);
	cJSON_Delete(bad);
	assert_int_equal(f->nhooks, 4);
	assert_int_equal(store_revision(f->s), 4);
	assert_int_equal(count_events(f->s, NULL, 0), 4);
	/* The next commit takes the next revision: nothing was consumed. */
	assert_int_equal(store_update(f->s, "pods", "default", "b", o, 4, &rv), 0);
	assert_int_equal(rv, 5);
	assert_int_equal(f->nhooks, 5);

	store_set_commit_hook(f->s, NULL, NULL);
	create(f->s, "pods", "default", "c");
	assert_int_equal(f->nhooks, 5);
	assert_true(f->hook_order_ok);
	cJSON_Delete(o);
}

struct writer_arg {
	struct store	*s;
	const char	*ns;
	int		 n;
	int		 failures;
};

static void *
writer_main(void *p)
{
	struct writer_arg *a = p;
	char name[32];
	cJSON *o;
	int64_t rv;
	int i;

	for (i = 0; i < a->n; i++) {
		(void)snprintf(name, sizeof(name), "w-%d", i);
		o = new_obj(a->ns, name);
		if (store_create(a->s, "pods", a->ns, name, o, &rv) != 0 ||
		    obj_rv(o) != rv)
			a->failures++;
		if (store_update(a->s, "pods", a->ns, name, o, rv, &rv) != 0)
			a->failures++;
		cJSON_Delete(o);
	}
	return NULL;
}

/* Lists while writers run: each list must be one snapshot. */
struct reader_arg {
	struct store	*s;
	atomic_int	*stop;
	int		 lists;
	int		 bad;
};

static void *
reader_main(void *p)
{
	struct reader_arg *a = p;
	struct store_list l;
	int64_t maxrv, count;
	size_t i;

	while (!atomic_load(a->stop) || a->lists == 0) {
		if (store_list(a->s, "pods", NULL, NULL, NULL, 0, &l) != 0) {
			a->bad++;
			break;
		}
		maxrv = 0;
		for (i = 0; i < l.n; i++)
			if (l.items[i].rv > maxrv)
				maxrv = l.items[i].rv;
		/* Every write so far is the newest one of its object or older. */
		if (maxrv > l.rv || (l.n > 0 && maxrv != l.rv))
			a->bad++;
		count = (int64_t)l.n;
		if (count > l.rv)
			a->bad++;
		store_list_fini(&l);
		a->lists++;
	}
	return NULL;
}

static void
test_store_sqlite_concurrent_writers(void **state)
{
	struct fx *f = *state;
	struct writer_arg wa[2] = {
		{ .s = f->s, .ns = "one", .n = 60 },
		{ .s = f->s, .ns = "two", .n = 60 },
	};
	atomic_int stop = 0;
	struct reader_arg ra[6];
	pthread_t wt[2], rt[6];
	size_t i;

	/* More readers than the pool has connections: some wait their turn. */
	store_set_commit_hook(f->s, record_hook, f);
	for (i = 0; i < ARRAY_SIZE(ra); i++) {
		ra[i] = (struct reader_arg){ .s = f->s, .stop = &stop };
		assert_int_equal(pthread_create(&rt[i], NULL, reader_main, &ra[i]), 0);
	}
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&wt[i], NULL, writer_main, &wa[i]), 0);
	for (i = 0; i < 2; i++)
		assert_int_equal(pthread_join(wt[i], NULL), 0);
	atomic_store(&stop, 1);
	for (i = 0; i < ARRAY_SIZE(ra); i++) {
		assert_int_equal(pthread_join(rt[i], NULL), 0);
		assert_int_equal(ra[i].bad, 0);
		assert_true(ra[i].lists > 0);
	}
	assert_int_equal(wa[0].failures + wa[1].failures, 0);
	assert_int_equal(store_revision(f->s), 240);
	assert_int_equal(f->nhooks, 240);
	assert_true(f->hook_order_ok);
	for (i = 0; i < f->nhooks; i++) {
		assert_int_equal(f->hooks[i].rv, (int64_t)i + 1);
		assert_true(f->hooks[i].body_rv_ok);
	}
}

static void
write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void
test_store_sqlite_open_bad_files(void **state)
{
	struct fx *f = *state;
	struct store *s = (struct store *)1;
	struct ck_status st;
	char path[160], garbage[8192];
	size_t i;

	for (i = 0; i < sizeof(garbage); i++)
		garbage[i] = (char)('a' + i % 26);
	fx_path(f, ".garbage", path, sizeof(path));
	write_file(path, garbage, sizeof(garbage));
	ck_status_clear(&st);
	assert_int_equal(store_open(path, &s, &st), CK_EIO);
	assert_null(s);
	assert_int_equal(st.code, 500);
	assert_non_null(strstr(st.message, "not a database"));
	(void)unlink(path);

	/* A folder that does not exist, a folder instead of a file, no path. */
	ck_status_clear(&st);
	assert_int_equal(store_open("/nonexistent-ckube/dir/db", &s, &st), CK_EIO);
	assert_null(s);
	assert_true(strlen(st.message) > 0);
	assert_int_equal(store_open(f->dir, &s, &st), CK_EIO);
	assert_null(s);
	assert_int_equal(store_open("", &s, &st), CK_EINVALID);
	assert_int_equal(store_open(path, &s, NULL), 0);	/* st is optional */
	store_close(s);
	fx_path(f, ".garbage-wal", path, sizeof(path));
	(void)unlink(path);
	fx_path(f, ".garbage-shm", path, sizeof(path));
	(void)unlink(path);
	fx_path(f, ".garbage", path, sizeof(path));
	(void)unlink(path);
}

/* Run SQL on the store's file through a second connection (fault injection). */
static void
exec_side(const struct fx *f, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void
test_store_sqlite_failure_rolls_back(void **state)
{
	struct fx *f = *state;
	struct store_item it;
	cJSON *o = new_obj("default", "boom");
	char *last = NULL;
	int64_t rv = 0;

	store_set_commit_hook(f->s, record_hook, f);
	create(f->s, "pods", "default", "ok");
	/* The event insert fails after the object row was written. */
	exec_side(f, "CREATE TRIGGER fail_boom BEFORE INSERT ON events "
	    "WHEN NEW.name = 'boom' BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	assert_int_equal(store_create(f->s, "pods", "default", "boom", o, &rv), CK_EIO);
	assert_int_equal(obj_rv(o), 2);		/* the attempted revision, documented */
	assert_int_equal(store_get(f->s, "pods", "default", "boom", &it), CK_ENOTFOUND);
	assert_int_equal(store_revision(f->s), 1);
	assert_int_equal(count_events(f->s, NULL, 0), 1);
	assert_int_equal(f->nhooks, 1);

	/* The same for an update and a delete of an existing object. */
	exec_side(f, "DROP TRIGGER fail_boom;"
	    "CREATE TRIGGER fail_ok BEFORE INSERT ON events "
	    "WHEN NEW.name = 'ok' BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	assert_int_equal(store_update(f->s, "pods", "default", "ok", o, 1, &rv), CK_EIO);
	assert_int_equal(store_delete(f->s, "pods", "default", "ok", 1, &last, &rv),
	    CK_EIO);
	assert_null(last);
	assert_int_equal(store_get(f->s, "pods", "default", "ok", &it), 0);
	assert_int_equal(it.rv, 1);
	assert_int_equal(body_rv(it.body), 1);
	store_item_fini(&it);
	assert_int_equal(f->nhooks, 1);

	/* Fault gone: the store carries on at the next revision. */
	exec_side(f, "DROP TRIGGER fail_ok;");
	assert_int_equal(store_update(f->s, "pods", "default", "ok", o, 1, &rv), 0);
	assert_int_equal(rv, 2);
	assert_int_equal(f->nhooks, 2);
	assert_true(f->hook_order_ok);
	cJSON_Delete(o);
}

static uint64_t
recent_hits(struct store *s)
{
	struct store_write_stats ws;

	store_write_stats(s, &ws);
	return ws.recent_hits;
}

/*
 * GETs of what was just written come from the recent writes, always the
 * newest committed state; a delete, a refused or failed write and a write
 * by another process never leave an old state to be read.
 */
static void
test_store_sqlite_recent(void **state)
{
	struct fx *f = *state;
	struct store_item it;
	cJSON *o = new_obj("default", "a");
	uint64_t hits;
	int64_t rv;

	create(f->s, "pods", "default", "a");
	hits = recent_hits(f->s);
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), 0);
	assert_int_equal(recent_hits(f->s), hits + 1);
	assert_int_equal(it.rv, 1);
	assert_int_equal(body_rv(it.body), 1);
	assert_int_equal(strlen(it.body), it.body_len);
	assert_string_equal(it.ns, "default");
	assert_string_equal(it.name, "a");
	store_item_fini(&it);

	/* An update replaces it; a refused one leaves it. */
	cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(o, "spec"),
	    "nodeName", "n1");
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, 1, &rv), 0);
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, 1, &rv),
	    CK_ECONFLICT);
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), 0);
	assert_int_equal(it.rv, 2);
	assert_non_null(strstr(it.body, "\"nodeName\":\"n1\""));
	store_item_fini(&it);

	/* A failed transaction leaves the committed state. */
	exec_side(f, "CREATE TRIGGER fail_a BEFORE INSERT ON events "
	    "WHEN NEW.name = 'a' BEGIN SELECT RAISE(ABORT, 'injected'); END;");
	assert_int_equal(store_update(f->s, "pods", "default", "a", o, 0, &rv),
	    CK_EIO);
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), 0);
	assert_int_equal(it.rv, 2);
	store_item_fini(&it);
	exec_side(f, "DROP TRIGGER fail_a;");

	/* Deleted: gone, and a new object of the same name is the new one. */
	assert_int_equal(store_delete(f->s, "pods", "default", "a", 0, NULL, NULL), 0);
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), CK_ENOTFOUND);
	assert_int_equal(create(f->s, "pods", "default", "a"), 4);
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), 0);
	assert_int_equal(it.rv, 4);
	store_item_fini(&it);

	/*
	 * Another process wrote the row (and the log): the next write sees a
	 * revision it did not make and forgets every recent write.
	 */
	exec_side(f, "UPDATE objects SET rv = 5, body = "
	    "'{\"metadata\":{\"name\":\"a\",\"resourceVersion\":\"5\"},"
	    "\"spec\":{\"side\":1}}' WHERE name = 'a';"
	    "INSERT INTO events(rv, resource, namespace, name, type, body) "
	    "SELECT 5, resource, namespace, name, 'MODIFIED', body FROM objects "
	    "WHERE name = 'a';");
	create(f->s, "pods", "default", "b");
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), 0);
	assert_int_equal(it.rv, 5);
	assert_non_null(strstr(it.body, "\"side\":1"));
	store_item_fini(&it);
	cJSON_Delete(o);
}

/*
 * A cursor reads store_list()'s rows, bodies included, from the snapshot it
 * opened at, whatever is written while it is open; at most
 * STORE_CURSORS_MAX are open at once.
 */
static void
test_store_sqlite_cursor(void **state)
{
	struct fx *f = *state;
	struct store_cursor *cur[STORE_CURSORS_MAX + 1];
	struct store_list l;
	const char *body;
	size_t len, i, n;
	int64_t rv, rv2;
	char name[16];

	for (i = 0; i < 30; i++) {
		snprintf(name, sizeof(name), "p%02zu", 29 - i);
		create(f->s, "pods", i % 3 == 0 ? "other" : "default", name);
	}
	create(f->s, "configmaps", "default", "c");
	assert_int_equal(store_list(f->s, "pods", "default", NULL, NULL, 0,
	    &l), 0);
	assert_int_equal(store_list_open(f->s, "pods", "default", &cur[0],
	    &rv), 0);
	assert_int_equal(rv, l.rv);
	/* Written while it is open: not in its snapshot. */
	create(f->s, "pods", "default", "p99");
	assert_int_equal(store_delete(f->s, "pods", "default", "p01", 0, NULL,
	    NULL), 0);
	for (n = 0; store_cursor_next(cur[0], &body, &len) == 1; n++) {
		assert_true(n < l.n);
		assert_int_equal(len, l.items[n].body_len);
		assert_memory_equal(body, l.items[n].body, len);
	}
	assert_int_equal(n, l.n);
	assert_int_equal(n, 20);
	assert_int_equal(store_cursor_next(cur[0], &body, &len), 0);
	store_cursor_close(cur[0]);
	store_list_fini(&l);

	/* Every namespace, in store_list's order; an empty one. */
	assert_int_equal(store_list(f->s, "pods", NULL, NULL, NULL, 0, &l), 0);
	assert_int_equal(store_list_open(f->s, "pods", "", &cur[0], &rv2), 0);
	assert_true(rv2 > rv);
	for (n = 0; store_cursor_next(cur[0], &body, &len) == 1; n++)
		assert_memory_equal(body, l.items[n].body, len);
	assert_int_equal(n, l.n);
	store_cursor_close(cur[0]);
	store_list_fini(&l);
	assert_int_equal(store_list_open(f->s, "pods", "nosuch", &cur[0], &rv),
	    0);
	assert_int_equal(store_cursor_next(cur[0], &body, &len), 0);
	store_cursor_close(cur[0]);
	store_cursor_close(NULL);
	assert_int_equal(store_list_open(f->s, "", "default", &cur[0], &rv),
	    CK_EINVALID);

	/* The bound, and a closed cursor making room. */
	for (i = 0; i < STORE_CURSORS_MAX; i++)
		assert_int_equal(store_list_open(f->s, "pods", "default",
		    &cur[i], &rv), 0);
	assert_int_equal(store_list_open(f->s, "pods", "default",
	    &cur[STORE_CURSORS_MAX], &rv), CK_ENOTSUP);
	assert_null(cur[STORE_CURSORS_MAX]);
	/* Writes and reads go on while they hold their snapshots. */
	create(f->s, "pods", "default", "p98");
	assert_int_equal(store_list(f->s, "pods", "default", NULL, NULL, 0,
	    &l), 0);
	assert_int_equal(l.n, 21);
	store_list_fini(&l);
	store_cursor_close(cur[0]);
	assert_int_equal(store_list_open(f->s, "pods", "default",
	    &cur[STORE_CURSORS_MAX], &rv), 0);
	for (i = 1; i <= STORE_CURSORS_MAX; i++)
		store_cursor_close(cur[i]);
}

static void
test_store_sqlite_bad_contents(void **state)
{
	struct fx *f = *state;
	struct store_event *evs;
	struct ck_status st;
	size_t n;

	create(f->s, "pods", "default", "a");
	create(f->s, "pods", "default", "b");
	/* A log row nobody could have written: an error, no partial result. */
	exec_side(f, "UPDATE events SET type = 'BOGUS' WHERE rv = 2;");
	assert_int_equal(store_events_since(f->s, NULL, 0, 0, &evs, &n), CK_EIO);
	assert_null(evs);
	assert_int_equal(n, 0);
	assert_int_equal(count_events(f->s, NULL, 2), 0);

	/* A database from a future build is refused, not misread. */
	exec_side(f, "UPDATE meta SET value = 99 WHERE key = 'schema_version';");
	store_close(f->s);
	f->s = NULL;
	ck_status_clear(&st);
	assert_int_equal(store_open(f->path, &f->s, &st), CK_EIO);
	assert_null(f->s);
	assert_non_null(strstr(st.message, "schema version 99"));
}

struct nested {
	struct store	*s;
	int		 calls;
	int		 write_rc;
	int		 read_rc;
};

static void
nested_hook(const struct store_event *ev, void *arg)
{
	struct nested *n = arg;
	struct store_item it;
	cJSON *o = new_obj("default", "nested");

	n->calls++;
	n->write_rc = store_create(n->s, "pods", "default", "nested", o, NULL);
	n->read_rc = store_get(n->s, ev->resource, ev->ns, ev->name, &it);
	store_item_fini(&it);
	cJSON_Delete(o);
}

static void
test_store_sqlite_hook_reads_not_writes(void **state)
{
	struct fx *f = *state;
	struct nested n = { .s = f->s };

	store_set_commit_hook(f->s, nested_hook, &n);
	create(f->s, "pods", "default", "a");
	assert_int_equal(n.calls, 1);
	assert_int_equal(n.write_rc, CK_EINVALID);
	assert_int_equal(n.read_rc, 0);
	assert_int_equal(store_revision(f->s), 1);
	/* Outside the hook, the same thread writes normally again. */
	store_set_commit_hook(f->s, NULL, NULL);
	assert_int_equal(create(f->s, "pods", "default", "b"), 2);
}

static void
test_store_sqlite_bench_creates(void **state)
{
	struct fx *f = *state;
	struct timespec t0, t1;
	char name[32];
	cJSON *o;
	double secs;
	int i, n = getenv("VALGRIND") != NULL ? 200 : 2000;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		(void)snprintf(name, sizeof(name), "bench-%d", i);
		o = new_obj("default", name);
		assert_int_equal(store_create(f->s, "pods", "default", name, o, NULL), 0);
		cJSON_Delete(o);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* A measurement to read, never an assertion. */
	printf("bench: %d creates in %.3f s (%.0f/s)\n", n, secs,
	    secs > 0 ? n / secs : 0.0);
	assert_int_equal(store_revision(f->s), n);
}

static void
test_store_sqlite_sync(void **state)
{
	struct fx *f = *state;

	assert_int_equal(store_set_sync(f->s, "full"), 0);
	create(f->s, "pods", "default", "a");
	assert_int_equal(store_set_sync(f->s, "normal"), 0);
	create(f->s, "pods", "default", "b");
	assert_int_equal(store_set_sync(f->s, "off"), CK_EINVALID);
	assert_int_equal(store_revision(f->s), 2);
}

/* A 1 MiB object: needs new pages whatever the free list holds. */
static cJSON *
big_obj(const char *name)
{
	cJSON *o = new_obj("default", name);
	char *v = ck_malloc(1 << 20);

	memset(v, 'x', (1 << 20) - 1);
	v[(1 << 20) - 1] = '\0';
	cJSON_AddStringToObject(cJSON_GetObjectItem(o, "spec"), "v", v);
	free(v);
	return o;
}

/* The disk fills (max_page_count), then space returns: no reopen. */
static void
test_store_sqlite_disk_full(void **state)
{
	struct fx *f = *state;
	struct ck_status st;
	struct store_item it;
	struct timespec ts = { 0, 50 * 1000000L };
	char full[160], msg[64] = "";
	cJSON *o;
	int i, rc;

	fx_path(f, ".full", full, sizeof(full));
	store_close(f->s);
	assert_int_equal(setenv("CKUBE_TEST_STORE_FULL_FILE", full, 1), 0);
	rc = store_open(f->path, &f->s, &st);
	unsetenv("CKUBE_TEST_STORE_FULL_FILE");
	assert_int_equal(rc, 0);
	create(f->s, "pods", "default", "a");
	assert_int_equal(store_write_health(f->s, msg, sizeof(msg)), 0);

	write_file(full, "full\n", 5);
	o = big_obj("big");
	assert_int_equal(store_create(f->s, "pods", "default", "big", o, NULL),
	    CK_ENOSPC);
	cJSON_Delete(o);
	assert_int_equal(store_get(f->s, "pods", "default", "big", &it),
	    CK_ENOTFOUND);
	assert_int_equal(store_write_health(f->s, msg, sizeof(msg)),
	    CK_ENOSPC);
	assert_string_equal(msg, "database or disk is full");
	assert_int_equal(store_revision(f->s), 1);

	write_file(full, "", 0);
	for (i = 0; i < 100 && store_write_health(f->s, msg,
	    sizeof(msg)) != 0; i++)
		nanosleep(&ts, NULL);
	assert_int_equal(store_write_health(f->s, msg, sizeof(msg)), 0);
	o = big_obj("big");
	assert_int_equal(store_create(f->s, "pods", "default", "big", o, NULL),
	    0);
	cJSON_Delete(o);
	assert_int_equal(store_revision(f->s), 2);
	(void)unlink(full);
}

/* store_txn: all or nothing, consecutive revisions, hooks in order. */
static void
test_store_sqlite_txn(void **state)
{
	struct fx *f = *state;
	struct store_op ops[2];
	struct store_item it;
	cJSON *pdb;
	size_t failed = 9;

	create(f->s, "pods", "default", "a");			/* rv 1 */
	create(f->s, "poddisruptionbudgets.policy", "default", "b"); /* rv 2 */
	store_set_commit_hook(f->s, record_hook, f);

	/* A stale budget refuses the pair: the pod stays, nothing written. */
	pdb = new_obj("default", "b");
	memset(ops, 0, sizeof(ops));
	ops[0] = (struct store_op){ .type = STORE_OP_UPDATE,
	    .resource = "poddisruptionbudgets.policy", .ns = "default",
	    .name = "b", .obj = pdb, .expect_rv = 1 };
	ops[1] = (struct store_op){ .type = STORE_OP_DELETE,
	    .resource = "pods", .ns = "default", .name = "a",
	    .expect_rv = 1 };
	assert_int_equal(store_txn(f->s, ops, 2, &failed), CK_ECONFLICT);
	assert_int_equal(failed, 0);
	assert_int_equal(obj_rv(pdb), -1);	/* untouched */
	assert_null(ops[1].last);
	assert_int_equal(store_revision(f->s), 2);
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it), 0);
	store_item_fini(&it);

	/* A refusal on the second write also undoes nothing done. */
	ops[0].expect_rv = 2;
	ops[1].expect_rv = 7;
	assert_int_equal(store_txn(f->s, ops, 2, &failed), CK_ECONFLICT);
	assert_int_equal(failed, 1);
	assert_int_equal(store_revision(f->s), 2);

	/* Both: revisions 3 and 4, two events, the hook twice in order. */
	ops[1].expect_rv = 1;
	assert_int_equal(store_txn(f->s, ops, 2, &failed), 0);
	assert_int_equal(ops[0].rv, 3);
	assert_int_equal(ops[1].rv, 4);
	assert_int_equal(obj_rv(pdb), 3);
	assert_non_null(ops[1].last);
	assert_int_equal(body_rv(ops[1].last), 4);
	free(ops[1].last);
	assert_int_equal(store_get(f->s, "pods", "default", "a", &it),
	    CK_ENOTFOUND);
	assert_int_equal(f->nhooks, 2);
	assert_int_equal(f->hooks[0].rv, 3);
	assert_int_equal(f->hooks[0].type, STORE_MODIFIED);
	assert_int_equal(f->hooks[1].rv, 4);
	assert_int_equal(f->hooks[1].type, STORE_DELETED);
	assert_true(f->hook_order_ok);
	assert_int_equal(count_events(f->s, NULL, 2), 2);

	/* The same object twice, or nothing at all, is refused. */
	ops[1] = ops[0];
	assert_int_equal(store_txn(f->s, ops, 2, &failed), CK_EINVALID);
	assert_int_equal(failed, 1);
	assert_int_equal(store_txn(f->s, ops, 0, NULL), CK_EINVALID);
	assert_int_equal(store_revision(f->s), 4);
	cJSON_Delete(pdb);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_sqlite_create_get),
		T(test_store_sqlite_create_exists),
		T(test_store_sqlite_create_sets_metadata),
		T(test_store_sqlite_update),
		T(test_store_sqlite_delete),
		T(test_store_sqlite_revisions_across_resources),
		T(test_store_sqlite_list_paging),
		T(test_store_sqlite_compact),
		T(test_store_sqlite_compact_large),
		T(test_store_sqlite_reopen),
		T(test_store_sqlite_commit_hook),
		T(test_store_sqlite_concurrent_writers),
		T(test_store_sqlite_open_bad_files),
		T(test_store_sqlite_failure_rolls_back),
		T(test_store_sqlite_recent),
		T(test_store_sqlite_cursor),
		T(test_store_sqlite_hook_reads_not_writes),
		T(test_store_sqlite_bad_contents),
		T(test_store_sqlite_txn),
		T(test_store_sqlite_bench_creates),
		T(test_store_sqlite_sync),
		T(test_store_sqlite_disk_full),
	};

	return cmocka_run_group_tests_name("store_sqlite", tests, NULL, NULL);
}
