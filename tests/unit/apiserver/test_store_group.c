/*
 * Unit tests for the store's group commit (apiserver/store_sqlite.c):
 * concurrent writers with conflicting preconditions each get their own
 * answer, revisions and commit-hook events stay gap-free and in order, a
 * refused or failing write fails alone inside a batch, a failed COMMIT
 * fails only its batch, and a kill -9 between batches loses nothing that
 * was acknowledged. Batches are made deterministic by holding SQLite's
 * write lock from a second connection while writers queue up behind it.
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
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

#include "store/store.h"

#define HOOKS_MAX	4096

struct fx {
	char		 dir[64];
	char		 path[128];
	char		 hookfile[160];	/* CKUBE_TEST_STORE_FULL_FILE */
	struct store	*s;
	pthread_mutex_t	 mu;
	int64_t		 hook_rv[HOOKS_MAX];
	enum store_event_type hook_type[HOOKS_MAX];
	size_t		 nhooks;
	int		 hook_bad;	/* a body whose resourceVersion != rv */
	sqlite3		*side;		/* holds the write lock, or NULL */
};

static int
setup(void **state)
{
	struct fx *f = ck_calloc(1, sizeof(*f));
	struct ck_status st;
	int rc;

	ck_strlcpy(f->dir, "/tmp/ckube-group-XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return -1;
	(void)snprintf(f->path, sizeof(f->path), "%s/db.sqlite", f->dir);
	(void)snprintf(f->hookfile, sizeof(f->hookfile), "%s/hook", f->dir);
	pthread_mutex_init(&f->mu, NULL);
	if (setenv("CKUBE_TEST_STORE_FULL_FILE", f->hookfile, 1) < 0)
		return -1;
	rc = store_open(f->path, &f->s, &st);
	unsetenv("CKUBE_TEST_STORE_FULL_FILE");
	if (rc != 0)
		return -1;
	*state = f;
	return 0;
}

static void
rm_db(const char *path)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };
	char p[200];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(suffixes); i++) {
		(void)snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
		(void)unlink(p);
	}
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[200];

	if (f->side != NULL)
		sqlite3_close(f->side);
	store_close(f->s);
	rm_db(f->path);
	(void)snprintf(p, sizeof(p), "%s/crash.db", f->dir);
	rm_db(p);
	(void)unlink(f->hookfile);
	(void)rmdir(f->dir);
	pthread_mutex_destroy(&f->mu);
	free(f);
	return 0;
}

static cJSON *
new_obj(const char *name, const char *mark)
{
	cJSON *o = cJSON_CreateObject(), *meta;

	meta = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	cJSON_AddStringToObject(meta, "namespace", "default");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "spec"), "mark",
	    mark != NULL ? mark : "");
	return o;
}

static int64_t
obj_rv(const cJSON *o)
{
	const cJSON *v;
	int64_t rv;

	v = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "metadata"), "resourceVersion");
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

static void
record_hook(const struct store_event *ev, void *arg)
{
	struct fx *f = arg;

	pthread_mutex_lock(&f->mu);
	if (f->nhooks < HOOKS_MAX) {
		f->hook_rv[f->nhooks] = ev->rv;
		f->hook_type[f->nhooks] = ev->type;
	}
	if (body_rv(ev->body) != ev->rv)
		f->hook_bad++;
	f->nhooks++;
	pthread_mutex_unlock(&f->mu);
}

/* Every revision 1..store_revision exactly once, in order, in the hooks. */
static void
assert_hooks_gap_free(struct fx *f, int64_t first)
{
	int64_t rev = store_revision(f->s);
	size_t i;

	assert_int_equal(f->hook_bad, 0);
	assert_int_equal(f->nhooks, (size_t)(rev - first + 1));
	for (i = 0; i < f->nhooks && i < HOOKS_MAX; i++)
		assert_int_equal(f->hook_rv[i], first + (int64_t)i);
}

static int64_t
create(struct store *s, const char *name)
{
	cJSON *o = new_obj(name, NULL);
	int64_t rv = 0;

	assert_int_equal(store_create(s, "pods", "default", name, o, &rv), 0);
	cJSON_Delete(o);
	return rv;
}

static int64_t
current_rv(struct store *s, const char *name)
{
	struct store_item it;
	int64_t rv;

	if (store_get(s, "pods", "default", name, &it) != 0)
		return -1;
	rv = it.rv;
	store_item_fini(&it);
	return rv;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Poll (5 s deadline) until the store's queue and lead look like this. */
static void
wait_stats(struct store *s, size_t queued, int leading)
{
	struct store_write_stats ws;
	int i;

	for (i = 0; i < 5000; i++) {
		store_write_stats(s, &ws);
		if (ws.queued == queued && ws.leading == leading)
			return;
		sleep_ms(1);
	}
	fail_msg("store queue: %zu queued, leading %d; want %zu, %d",
	    ws.queued, ws.leading, queued, leading);
}

/* Take SQLite's write lock from a second connection: writers wait for it. */
static void
side_lock(struct fx *f)
{
	assert_int_equal(sqlite3_open(f->path, &f->side), SQLITE_OK);
	assert_int_equal(sqlite3_exec(f->side, "BEGIN IMMEDIATE", NULL, NULL,
	    NULL), SQLITE_OK);
}

static void
side_unlock(struct fx *f)
{
	assert_int_equal(sqlite3_exec(f->side, "COMMIT", NULL, NULL, NULL),
	    SQLITE_OK);
	sqlite3_close(f->side);
	f->side = NULL;
}

static void
write_hookfile(struct fx *f, const char *text)
{
	FILE *fp = fopen(f->hookfile, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

/* ---- 8 writers, one object, the same expected revision ---- */

#define RACERS	8
#define ROUNDS	25

struct race {
	struct store		*s;
	pthread_barrier_t	*bar;
	_Atomic int64_t		*expect;
	int			 id;
	int			 rc[ROUNDS];
	int64_t			 rv[ROUNDS];
	int			 untouched_ok;	/* refused objs kept no revision */
};

static void *
race_main(void *p)
{
	struct race *r = p;
	char mark[16];
	cJSON *o;
	int i;

	r->untouched_ok = 1;
	for (i = 0; i < ROUNDS; i++) {
		pthread_barrier_wait(r->bar);
		(void)snprintf(mark, sizeof(mark), "%d/%d", r->id, i);
		o = new_obj("x", mark);
		r->rv[i] = 0;
		r->rc[i] = store_update(r->s, "pods", "default", "x", o,
		    atomic_load(r->expect), &r->rv[i]);
		if (r->rc[i] != 0 && obj_rv(o) != -1)
			r->untouched_ok = 0;
		if (r->rc[i] == 0 && obj_rv(o) != r->rv[i])
			r->untouched_ok = 0;
		cJSON_Delete(o);
		pthread_barrier_wait(r->bar);
	}
	return NULL;
}

static void
test_store_group_conflicts(void **state)
{
	struct fx *f = *state;
	struct race r[RACERS];
	pthread_t t[RACERS];
	pthread_barrier_t bar;
	_Atomic int64_t expect;
	struct store_item it;
	char mark[16];
	int i, j, wins, winner;

	store_set_commit_hook(f->s, record_hook, f);
	atomic_store(&expect, create(f->s, "x"));
	assert_int_equal(pthread_barrier_init(&bar, NULL, RACERS + 1), 0);
	for (i = 0; i < RACERS; i++) {
		r[i] = (struct race){ .s = f->s, .bar = &bar, .expect = &expect,
		    .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, race_main, &r[i]), 0);
	}
	for (j = 0; j < ROUNDS; j++) {
		pthread_barrier_wait(&bar);	/* the round starts */
		pthread_barrier_wait(&bar);	/* every racer answered */
		wins = 0;
		winner = -1;
		for (i = 0; i < RACERS; i++) {
			if (r[i].rc[j] == 0) {
				wins++;
				winner = i;
			} else {
				assert_int_equal(r[i].rc[j], CK_ECONFLICT);
			}
		}
		assert_int_equal(wins, 1);
		assert_int_equal(r[winner].rv[j], atomic_load(&expect) + 1);
		/* The stored object is the winner's. */
		assert_int_equal(store_get(f->s, "pods", "default", "x", &it), 0);
		(void)snprintf(mark, sizeof(mark), "\"%d/%d\"", winner, j);
		assert_non_null(strstr(it.body, mark));
		assert_int_equal(it.rv, r[winner].rv[j]);
		store_item_fini(&it);
		atomic_store(&expect, r[winner].rv[j]);
	}
	for (i = 0; i < RACERS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_true(r[i].untouched_ok);
	}
	pthread_barrier_destroy(&bar);
	assert_int_equal(store_revision(f->s), 1 + ROUNDS);
	assert_hooks_gap_free(f, 1);
}

/* ---- many writers creating the same names: each made exactly once ---- */

#define CREATORS	8
#define NAMES		40

struct creator {
	struct store	*s;
	int		 made[NAMES];
	int		 bad;
};

static void *
creator_main(void *p)
{
	struct creator *c = p;
	char name[16];
	cJSON *o;
	int64_t rv;
	int i, rc;

	for (i = 0; i < NAMES; i++) {
		(void)snprintf(name, sizeof(name), "n-%d", i);
		o = new_obj(name, NULL);
		rc = store_create(c->s, "pods", "default", name, o, &rv);
		if (rc == 0)
			c->made[i] = 1;
		else if (rc != CK_EEXIST)
			c->bad++;
		cJSON_Delete(o);
	}
	return NULL;
}

static void
test_store_group_unique_creates(void **state)
{
	struct fx *f = *state;
	struct creator c[CREATORS];
	pthread_t t[CREATORS];
	int i, j, made;

	store_set_commit_hook(f->s, record_hook, f);
	memset(c, 0, sizeof(c));
	for (i = 0; i < CREATORS; i++) {
		c[i].s = f->s;
		assert_int_equal(pthread_create(&t[i], NULL, creator_main, &c[i]), 0);
	}
	for (i = 0; i < CREATORS; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(c[i].bad, 0);
	}
	for (j = 0; j < NAMES; j++) {
		for (made = 0, i = 0; i < CREATORS; i++)
			made += c[i].made[j];
		assert_int_equal(made, 1);
	}
	assert_int_equal(store_revision(f->s), NAMES);
	assert_hooks_gap_free(f, 1);
}

/* ---- one deterministic batch: each write its own answer ---- */

enum w_kind { W_CREATE, W_UPDATE, W_DELETE, W_TXN };

struct wjob {
	struct store	*s;
	enum w_kind	 kind;
	const char	*name;
	int64_t		 expect;
	int		 rc;
	int64_t		 rv;
	size_t		 failed;
	int64_t		 obj_rv;	/* the obj's resourceVersion after */
	pthread_t	 t;
};

static void *
wjob_main(void *p)
{
	struct wjob *w = p;
	struct store_op ops[2];
	cJSON *o = new_obj(w->name, NULL);

	switch (w->kind) {
	case W_CREATE:
		w->rc = store_create(w->s, "pods", "default", w->name, o, &w->rv);
		break;
	case W_UPDATE:
		w->rc = store_update(w->s, "pods", "default", w->name, o,
		    w->expect, &w->rv);
		break;
	case W_DELETE:
		w->rc = store_delete(w->s, "pods", "default", w->name,
		    w->expect, NULL, &w->rv);
		break;
	case W_TXN:
		/* Update name as of expect, delete "x" as of revision 1. */
		memset(ops, 0, sizeof(ops));
		ops[0] = (struct store_op){ .type = STORE_OP_UPDATE,
		    .resource = "pods", .ns = "default", .name = w->name,
		    .obj = o, .expect_rv = w->expect };
		ops[1] = (struct store_op){ .type = STORE_OP_DELETE,
		    .resource = "pods", .ns = "default", .name = "x",
		    .expect_rv = 1 };
		w->rc = store_txn(w->s, ops, 2, &w->failed);
		w->rv = ops[0].rv;
		free(ops[1].last);
		break;
	}
	w->obj_rv = obj_rv(o);
	cJSON_Delete(o);
	return NULL;
}

/* Start w and wait until it is queued as number queued (or leads: 0). */
static void
wjob_start(struct fx *f, struct wjob *w, size_t queued)
{
	w->s = f->s;
	assert_int_equal(pthread_create(&w->t, NULL, wjob_main, w), 0);
	wait_stats(f->s, queued, 1);
}

static void
test_store_group_batch_answers(void **state)
{
	struct fx *f = *state;
	struct store_write_stats ws;
	struct wjob lead = { .kind = W_CREATE, .name = "lead" };
	struct wjob w[] = {
		{ .kind = W_CREATE, .name = "p1" },			/* 4 */
		{ .kind = W_CREATE, .name = "p1" },			/* EEXIST */
		{ .kind = W_UPDATE, .name = "x", .expect = 1 },		/* 5 */
		{ .kind = W_UPDATE, .name = "x", .expect = 1 },		/* ECONFLICT */
		{ .kind = W_TXN, .name = "y", .expect = 2 },		/* ECONFLICT, 1 */
		{ .kind = W_CREATE, .name = "boom" },			/* EIO alone */
		{ .kind = W_DELETE, .name = "y", .expect = 2 },		/* 6 */
		{ .kind = W_UPDATE, .name = "gone", .expect = 0 },	/* ENOTFOUND */
		{ .kind = W_CREATE, .name = "p2" },			/* 7 */
	};
	const int want_rc[] = { 0, CK_EEXIST, 0, CK_ECONFLICT, CK_ECONFLICT,
	    CK_EIO, 0, CK_ENOTFOUND, 0 };
	const int64_t want_rv[] = { 4, 0, 5, 0, 0, 0, 6, 0, 7 };
	size_t i;

	create(f->s, "x");	/* 1 */
	create(f->s, "y");	/* 2 */
	/* A write of "boom" fails in SQLite, after its object row is in. */
	side_lock(f);
	assert_int_equal(sqlite3_exec(f->side, "CREATE TRIGGER boom BEFORE "
	    "INSERT ON events WHEN NEW.name = 'boom' BEGIN "
	    "SELECT RAISE(ABORT, 'injected'); END;", NULL, NULL, NULL), SQLITE_OK);
	store_set_commit_hook(f->s, record_hook, f);
	/* lead takes a batch of one and waits for the lock; the rest queue. */
	wjob_start(f, &lead, 0);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		wjob_start(f, &w[i], i + 1);
	side_unlock(f);
	assert_int_equal(pthread_join(lead.t, NULL), 0);
	assert_int_equal(lead.rc, 0);
	assert_int_equal(lead.rv, 3);
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		assert_int_equal(pthread_join(w[i].t, NULL), 0);
		if (w[i].rc != want_rc[i])
			fail_msg("write %zu (%s): %d, want %d", i, w[i].name,
			    w[i].rc, want_rc[i]);
		if (want_rc[i] == 0) {
			assert_int_equal(w[i].rv, want_rv[i]);
			if (w[i].kind != W_DELETE)
				assert_int_equal(w[i].obj_rv, want_rv[i]);
		} else if (w[i].rc != CK_EIO) {
			assert_int_equal(w[i].obj_rv, -1);	/* untouched */
		}
	}
	assert_int_equal(w[4].failed, 1);
	store_write_stats(f->s, &ws);
	assert_int_equal(ws.max_batch, ARRAY_SIZE(w));
	assert_int_equal(ws.queued, 0);

	/* What committed is there, what failed is not. */
	assert_int_equal(current_rv(f->s, "p1"), 4);
	assert_int_equal(current_rv(f->s, "x"), 5);
	assert_int_equal(current_rv(f->s, "y"), -1);
	assert_int_equal(current_rv(f->s, "boom"), -1);
	assert_int_equal(current_rv(f->s, "p2"), 7);
	assert_int_equal(store_revision(f->s), 7);
	assert_hooks_gap_free(f, 3);
	assert_int_equal(f->hook_type[0], STORE_ADDED);
	assert_int_equal(f->hook_type[2], STORE_MODIFIED);
	assert_int_equal(f->hook_type[3], STORE_DELETED);
}

/* ---- a batch whose COMMIT fails: only its writers fail ---- */

static void
test_store_group_batch_fails(void **state)
{
	struct fx *f = *state;
	struct wjob lead = { .kind = W_CREATE, .name = "lead" };
	struct wjob w[] = {
		{ .kind = W_CREATE, .name = "q1" },
		{ .kind = W_UPDATE, .name = "x", .expect = 1 },
		{ .kind = W_CREATE, .name = "x" },	/* would be refused */
		{ .kind = W_DELETE, .name = "x", .expect = 0 },
		{ .kind = W_CREATE, .name = "q2" },
	};
	size_t i;

	create(f->s, "x");	/* 1 */
	store_set_commit_hook(f->s, record_hook, f);
	side_lock(f);
	wjob_start(f, &lead, 0);
	for (i = 0; i < ARRAY_SIZE(w); i++)
		wjob_start(f, &w[i], i + 1);
	/* lead read the hook file before it waited: only the next batch fails. */
	write_hookfile(f, "eio\n");
	side_unlock(f);
	assert_int_equal(pthread_join(lead.t, NULL), 0);
	assert_int_equal(lead.rc, 0);
	assert_int_equal(lead.rv, 2);
	for (i = 0; i < ARRAY_SIZE(w); i++) {
		assert_int_equal(pthread_join(w[i].t, NULL), 0);
		assert_int_equal(w[i].rc, CK_EIO);
	}
	/* Nothing of the failed batch is visible; no hook ran for it. */
	assert_int_equal(store_revision(f->s), 2);
	assert_int_equal(current_rv(f->s, "q1"), -1);
	assert_int_equal(current_rv(f->s, "q2"), -1);
	assert_int_equal(current_rv(f->s, "x"), 1);
	assert_int_equal(f->nhooks, 1);

	/* The fault gone, the next write takes the next revision. */
	write_hookfile(f, "");
	assert_int_equal(create(f->s, "after"), 3);
	assert_hooks_gap_free(f, 2);
}

/* ---- kill -9 between batches loses nothing acknowledged ---- */

#define CRASH_THREADS	4

struct crash_arg {
	struct store	*s;
	int		 fd;
	int		 id;
};

static void *
crash_writer(void *p)
{
	struct crash_arg *a = p;
	char name[32], line[64];
	cJSON *o;
	int64_t rv;
	int i, n;

	for (i = 0;; i++) {
		(void)snprintf(name, sizeof(name), "t%d-%d", a->id, i);
		o = new_obj(name, NULL);
		if (store_create(a->s, "pods", "default", name, o, &rv) != 0)
			_exit(3);
		cJSON_Delete(o);
		/* One write(2) per line, under PIPE_BUF: lines never mix. */
		n = snprintf(line, sizeof(line), "%s %lld\n", name, (long long)rv);
		if (write(a->fd, line, (size_t)n) != n)
			_exit(4);
	}
	return NULL;
}

/* The child: writers acknowledging each commit on fd until killed. */
static void
crash_child(const char *path, const char *sync, int fd)
{
	struct crash_arg a[CRASH_THREADS];
	pthread_t t[CRASH_THREADS];
	struct store *s;
	int i;

	if (store_open(path, &s, NULL) != 0 || store_set_sync(s, sync) != 0)
		_exit(2);
	for (i = 0; i < CRASH_THREADS; i++) {
		a[i] = (struct crash_arg){ .s = s, .fd = fd, .id = i };
		if (pthread_create(&t[i], NULL, crash_writer, &a[i]) != 0)
			_exit(2);
	}
	for (;;)
		pause();
}

static void
crash_run(struct fx *f, const char *sync)
{
	char path[200], buf[65536], *line, *save;
	struct strbuf acks;
	struct store *s;
	struct store_event *evs;
	size_t nev;
	int p[2], status, nacks = 0;
	int64_t rv, maxrv = 0;
	ssize_t r;
	pid_t pid;

	(void)snprintf(path, sizeof(path), "%s/crash.db", f->dir);
	rm_db(path);
	strbuf_init(&acks);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		crash_child(path, sync, p[1]);
	}
	close(p[1]);
	/* Read acknowledgements until 400 whole lines, then kill -9. */
	while (nacks < 400 && (r = read(p[0], buf, sizeof(buf))) > 0) {
		strbuf_add(&acks, buf, (size_t)r);
		for (nacks = 0, line = acks.buf;
		    (line = strchr(line, '\n')) != NULL; line++)
			nacks++;
	}
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));	/* not an early _exit */
	/* Acks written before the kill are still in the pipe. */
	while ((r = read(p[0], buf, sizeof(buf))) > 0)
		strbuf_add(&acks, buf, (size_t)r);
	close(p[0]);

	assert_int_equal(store_open(path, &s, NULL), 0);
	nacks = 0;
	for (line = strtok_r(acks.buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');
		struct store_item it;

		assert_non_null(sp);
		*sp = '\0';
		assert_int_equal(ck_parse_int64(sp + 1, &rv), 0);
		if (store_get(s, "pods", "default", line, &it) != 0)
			fail_msg("%s: acknowledged %s (revision %lld) lost", sync,
			    line, (long long)rv);
		assert_int_equal(it.rv, rv);
		store_item_fini(&it);
		if (rv > maxrv)
			maxrv = rv;
		nacks++;
	}
	assert_true(nacks >= 400);
	/* A prefix of the commit order: every revision up to the newest is there. */
	assert_true(store_revision(s) >= maxrv);
	assert_int_equal(store_events_since(s, NULL, 0, 0, &evs, &nev), 0);
	assert_int_equal((int64_t)nev, store_revision(s));
	store_events_free(evs, nev);
	printf("# %s: %d acknowledged before kill -9, all there (revision %lld)\n",
	    sync, nacks, (long long)store_revision(s));
	store_close(s);
	strbuf_fini(&acks);
	rm_db(path);
}

static void
test_store_group_kill_loses_no_ack(void **state)
{
	struct fx *f = *state;

	crash_run(f, "normal");
	crash_run(f, "full");
}

/* ---- the byte bound: what is past 4 MiB waits for the next batch ---- */

struct bigjob {
	struct store	*s;
	char		 name[16];
	int		 rc;
	int64_t		 rv;
	pthread_t	 t;
};

static void *
bigjob_main(void *p)
{
	struct bigjob *b = p;
	cJSON *o = new_obj(b->name, NULL);
	char *v = ck_malloc(3 << 20);

	memset(v, 'x', (3 << 20) - 1);
	v[(3 << 20) - 1] = '\0';
	cJSON_AddStringToObject(cJSON_GetObjectItem(o, "spec"), "v", v);
	free(v);
	b->rc = store_create(b->s, "pods", "default", b->name, o, &b->rv);
	cJSON_Delete(o);
	return NULL;
}

static void
test_store_group_byte_bound(void **state)
{
	struct fx *f = *state;
	struct store_write_stats ws;
	struct wjob lead = { .kind = W_CREATE, .name = "lead" };
	struct bigjob b[3];
	size_t i;

	side_lock(f);
	wjob_start(f, &lead, 0);
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		b[i].s = f->s;
		(void)snprintf(b[i].name, sizeof(b[i].name), "big-%zu", i);
		assert_int_equal(pthread_create(&b[i].t, NULL, bigjob_main,
		    &b[i]), 0);
		wait_stats(f->s, i + 1, 1);
	}
	side_unlock(f);
	assert_int_equal(pthread_join(lead.t, NULL), 0);
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		assert_int_equal(pthread_join(b[i].t, NULL), 0);
		assert_int_equal(b[i].rc, 0);
		assert_int_equal(b[i].rv, (int64_t)i + 2);	/* in arrival order */
	}
	/* 3 MiB + 3 MiB reach the bound: the third waited for its own batch. */
	store_write_stats(f->s, &ws);
	assert_int_equal(ws.max_batch, 2);
	assert_int_equal(ws.batches, 3);
	assert_int_equal(ws.writes, 4);
	assert_int_equal(store_revision(f->s), 4);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_store_group_conflicts),
		T(test_store_group_unique_creates),
		T(test_store_group_batch_answers),
		T(test_store_group_batch_fails),
		T(test_store_group_byte_bound),
		T(test_store_group_kill_loses_no_ack),
	};

	return cmocka_run_group_tests_name("store_group", tests, NULL, NULL);
}
