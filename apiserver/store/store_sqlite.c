/*
 * store_sqlite.c: the store.h interface over one SQLite file in WAL mode.
 * One writer connection (behind wmu) runs the writes as BEGIN IMMEDIATE
 * transactions that append to the events log and update the objects table;
 * writers that arrive while one commits queue up and the next leader commits
 * them together (group commit: one transaction, one WAL append, one fsync
 * with --storage-sync=full). Reads use a small pool of read-only
 * connections, each read in one snapshot. Commit hooks run after the write
 * lock is released, in commit order.
 */
#include "store.h"
#include "store_impl.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <sqlite3.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#include "store_recent.h"
#include "store_sqlite_sql.h"

#define STORE_READERS_MAX	4
#define STORE_BUSY_TIMEOUT_MS	5000
/* Compaction deletes at most this many events per transaction. */
#define STORE_COMPACT_BATCH	5000
/* A group commit takes at most this many queued units (writes or txns)... */
#define STORE_BATCH_MAX		256
/* ...and stops taking more once their bodies reach this many bytes. */
#define STORE_BATCH_BYTES	(4u << 20)
/* The bodies of the objects written last that GETs find without a read
 * (until store_set_recent_bytes: --storage-recent-bytes). */
#define STORE_RECENT_BYTES	(16u << 20)

static const char *const event_type_names[] = {
	[STORE_ADDED] = "ADDED",
	[STORE_MODIFIED] = "MODIFIED",
	[STORE_DELETED] = "DELETED",
};

struct conn {
	sqlite3		*db;
	int		 last_err;	/* the last failed SQLite result */
	sqlite3_stmt	*stmt[ST_MAX];
	struct conn	*next;		/* in the idle reader list */
};

struct sqlite_store {
	struct store	 base;		/* first: the backend's ops */

	char		*path;

	pthread_mutex_t	 wmu;		/* the writer and the commit tickets */
	struct conn	*writer;
	uint64_t	 next_ticket;	/* handed to each commit, under wmu */

	pthread_mutex_t	 qmu;		/* the group commit queue, its counters */
	struct wunit	*qhead, *qtail;
	size_t		 nqueued;
	bool		 leading;	/* a writer is running a batch */
	_Atomic int	 busy;		/* leading, read without qmu */
	uint64_t	 batches;	/* store_write_stats */
	uint64_t	 writes;
	size_t		 max_batch;

	pthread_mutex_t	 pool_mu;	/* the reader pool */
	pthread_cond_t	 pool_cv;
	struct conn	*idle;
	int		 nreaders;	/* open readers, idle or not */

	pthread_mutex_t	 hook_mu;	/* hook, hook_arg, hook_turn */
	pthread_cond_t	 hook_cv;
	store_commit_fn	 hook;
	void		*hook_arg;
	uint64_t	 hook_turn;	/* the ticket whose hook runs next */

	_Atomic int	 write_err;	/* store_write_health */
	int64_t		 probe_ms;	/* last probe, under wmu */
	char		*full_file;	/* the test hook, or NULL */
	bool		 full;		/* the hook's state, under wmu */
	bool		 fail_commit;	/* the hook's "eio", under wmu */

	_Atomic int64_t	 rev;		/* cached; the database is the truth */
	struct store_recent *recent;	/* filled under wmu, in commit order */
	_Atomic int64_t	 compacted;
	_Atomic int	 cursors;	/* open store_cursors */
};

/* A list read as it is sent (store_list_open). */
struct sq_cursor {
	struct store_cursor	 base;
	struct sqlite_store	*s;
	struct conn		*c;
	sqlite3_stmt		*stmt;	/* NULL once done */
};

static const struct store_ops sqlite_ops;
static void sq_close(struct store *base);

static struct sqlite_store *
sq_of(struct store *base)
{
	return (struct sqlite_store *)base;
}

/* Map a SQLite result to a CK_E* code (busy/locked: retryable). */
static int
sql_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return CK_EAGAIN;
	case SQLITE_NOMEM:
		return CK_ENOMEM;
	case SQLITE_FULL:
		return CK_ENOSPC;
	default:
		return CK_EIO;
	}
}

static int
sql_fail(struct conn *c, const char *what, int rc)
{
	log_error("store: %s: %s (%d)", what, sqlite3_errmsg(c->db), rc);
	c->last_err = rc;
	return sql_err(rc);
}

static void
conn_close(struct conn *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < ST_MAX; i++)
		sqlite3_finalize(c->stmt[i]);
	sqlite3_close(c->db);
	free(c);
}

/*
 * The connection's statement id, ready to bind (every user ends with
 * stmt_done). NULL (logged) only if it cannot be prepared.
 */
static sqlite3_stmt *
conn_stmt(struct conn *c, enum stmt_id id)
{
	int rc;

	if (c->stmt[id] != NULL)
		return c->stmt[id];
	rc = sqlite3_prepare_v3(c->db, store_sqlite_sql[id], -1,
	    SQLITE_PREPARE_PERSISTENT, &c->stmt[id], NULL);
	if (rc != SQLITE_OK) {
		log_error("store: prepare \"%s\": %s", store_sqlite_sql[id],
		    sqlite3_errmsg(c->db));
		c->stmt[id] = NULL;
		return NULL;
	}
	return c->stmt[id];
}

/* Make a statement reusable; drop bindings that may point at our buffers. */
static void
stmt_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

/* Bind an object key to parameters ?1, ?2, ?3 (valid until stmt_done). */
static void
bind_key(sqlite3_stmt *stmt, const char *resource, const char *ns,
    const char *name)
{
	sqlite3_bind_text(stmt, 1, resource, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, name, -1, SQLITE_STATIC);
}

/* Run a statement that takes no parameters and returns no rows. */
static int
conn_exec(struct conn *c, enum stmt_id id)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = conn_stmt(c, id)) == NULL)
		return CK_EIO;
	rc = sqlite3_step(stmt);
	stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return sql_fail(c, store_sqlite_sql[id], rc);
	return 0;
}

/* Undo the open transaction, if any (the caller reports its own error). */
static void
conn_rollback(struct conn *c)
{
	if (!sqlite3_get_autocommit(c->db))
		(void)conn_exec(c, ST_ROLLBACK);
}

/* The current revision (the events sequence) as seen by c's transaction. */
static int
conn_revision(struct conn *c, int64_t *out)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = conn_stmt(c, ST_SEQ)) == NULL)
		return CK_EIO;
	rc = sqlite3_step(stmt);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	stmt_done(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_fail(c, "read revision", rc);
	return 0;
}

static int
conn_meta_get(struct conn *c, const char *key, int64_t *out)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = conn_stmt(c, ST_META_GET)) == NULL)
		return CK_EIO;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	stmt_done(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sql_fail(c, "read meta", rc);
	return 0;
}

static int
conn_meta_set(struct conn *c, const char *key, int64_t value)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = conn_stmt(c, ST_META_SET)) == NULL)
		return CK_EIO;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, value);
	rc = sqlite3_step(stmt);
	stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return sql_fail(c, "write meta", rc);
	return 0;
}

/* Open one connection with the per-connection settings. */
static int
conn_open(const char *path, int readonly, struct conn **out,
    struct ck_status *st)
{
	struct conn *c;
	int flags, rc;

	c = ck_calloc(1, sizeof(*c));
	flags = SQLITE_OPEN_NOMUTEX | (readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	rc = sqlite3_open_v2(path, &c->db, flags, NULL);
	if (rc != SQLITE_OK) {
		rc = ck_status_set(st, CK_EIO, "store %s: cannot open: %s",
		    path, c->db != NULL ? sqlite3_errmsg(c->db) :
		    sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, STORE_BUSY_TIMEOUT_MS);
	rc = sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = ck_status_set(st, CK_EIO, "store %s: %s", path,
		    sqlite3_errmsg(c->db));
		goto fail;
	}
	*out = c;
	return 0;
fail:
	conn_close(c);
	return rc;
}

/* Check or create the schema on the writer, and load the cached revisions. */
static int
sq_init_schema(struct sqlite_store *s, struct ck_status *st)
{
	struct conn *w = s->writer;
	sqlite3_stmt *stmt;
	const char *mode;
	int64_t version, rev, compacted;
	int rc;
	size_t i;

	/* Fails with "file is not a database" for anything but SQLite. */
	rc = sqlite3_prepare_v2(w->db, "PRAGMA journal_mode=WAL", -1, &stmt,
	    NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(stmt);
		mode = (const char *)sqlite3_column_text(stmt, 0);
		if (rc == SQLITE_ROW && mode != NULL &&
		    strcmp(mode, "wal") != 0)
			log_warn("store %s: journal mode is %s, not wal: "
			    "readers may wait for writers", s->path, mode);
		rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
		sqlite3_finalize(stmt);
	}
	if (rc != SQLITE_OK)
		goto sqlfail;
	rc = sqlite3_exec(w->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		goto sqlfail;
	rc = sqlite3_exec(w->db, store_sqlite_schema, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(w->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = ck_status_set(st, CK_EIO,
		    "store %s: cannot create schema: %s", s->path,
		    sqlite3_errmsg(w->db));
		conn_rollback(w);
		return rc;
	}
	/* Someone else's tables show up here: statements that won't prepare. */
	for (i = 0; i < ST_MAX; i++)
		if (conn_stmt(w, (enum stmt_id)i) == NULL)
			goto sqlfail;
	if (conn_meta_get(w, "schema_version", &version) < 0 ||
	    conn_meta_get(w, "compacted_rv", &compacted) < 0 ||
	    conn_revision(w, &rev) < 0)
		goto sqlfail;
	if (version != STORE_SCHEMA_VERSION)
		return ck_status_set(st, CK_EIO, "store %s: schema version "
		    "%lld, this build supports %d", s->path, (long long)version,
		    STORE_SCHEMA_VERSION);
	atomic_store(&s->rev, rev);
	atomic_store(&s->compacted, compacted);
	return 0;
sqlfail:
	return ck_status_set(st, CK_EIO, "store %s: %s", s->path,
	    sqlite3_errmsg(w->db));
}

int
store_open(const char *path, struct store **out, struct ck_status *st)
{
	struct sqlite_store *s;
	int rc;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return ck_status_set(st, CK_EINVALID,
		    "store: no database path");
	s = ck_calloc(1, sizeof(*s));
	s->base.ops = &sqlite_ops;
	s->path = ck_strdup(path);
	pthread_mutex_init(&s->wmu, NULL);
	pthread_mutex_init(&s->qmu, NULL);
	pthread_mutex_init(&s->pool_mu, NULL);
	pthread_cond_init(&s->pool_cv, NULL);
	pthread_mutex_init(&s->hook_mu, NULL);
	pthread_cond_init(&s->hook_cv, NULL);
	s->recent = store_recent_new(STORE_RECENT_BYTES);
	if ((rc = conn_open(path, 0, &s->writer, st)) < 0)
		goto fail;
	if ((rc = sq_init_schema(s, st)) < 0)
		goto fail;
	if (getenv("CKUBE_TEST_STORE_FULL_FILE") != NULL)
		s->full_file = ck_strdup(getenv("CKUBE_TEST_STORE_FULL_FILE"));
	log_v(2, "store %s: opened at revision %lld (compacted %lld)", path,
	    (long long)atomic_load(&s->rev),
	    (long long)atomic_load(&s->compacted));
	*out = &s->base;
	return 0;
fail:
	sq_close(&s->base);
	return rc;
}

static void
sq_close(struct store *base)
{
	struct sqlite_store *s = sq_of(base);
	struct conn *c;

	if (s == NULL)
		return;
	while ((c = s->idle) != NULL) {
		s->idle = c->next;
		conn_close(c);
		s->nreaders--;
	}
	if (s->nreaders != 0)
		log_error("store %s: closed with %d reads in progress", s->path,
		    s->nreaders);
	conn_close(s->writer);
	pthread_mutex_destroy(&s->wmu);
	pthread_mutex_destroy(&s->qmu);
	pthread_mutex_destroy(&s->pool_mu);
	pthread_cond_destroy(&s->pool_cv);
	pthread_mutex_destroy(&s->hook_mu);
	pthread_cond_destroy(&s->hook_cv);
	store_recent_free(s->recent);
	free(s->path);
	free(s->full_file);
	free(s);
}

static void
sq_set_commit_hook(struct store *base, store_commit_fn fn, void *arg)
{
	struct sqlite_store *s = sq_of(base);
	pthread_mutex_lock(&s->hook_mu);
	s->hook = fn;
	s->hook_arg = arg;
	pthread_mutex_unlock(&s->hook_mu);
}

static int64_t
sq_revision(struct store *base)
{
	struct sqlite_store *s = sq_of(base);
	return atomic_load(&s->rev);
}

static int64_t
sq_compacted_revision(struct store *base)
{
	struct sqlite_store *s = sq_of(base);
	return atomic_load(&s->compacted);
}

/* ---- reads ---- */

/* Take an idle reader connection, opening one if the pool is not full. */
static int
reader_get(struct sqlite_store *s, struct conn **out)
{
	struct conn *c;
	int rc;

	pthread_mutex_lock(&s->pool_mu);
	while (s->idle == NULL && s->nreaders >= STORE_READERS_MAX)
		pthread_cond_wait(&s->pool_cv, &s->pool_mu);
	if ((c = s->idle) != NULL) {
		s->idle = c->next;
		pthread_mutex_unlock(&s->pool_mu);
		*out = c;
		return 0;
	}
	s->nreaders++;
	pthread_mutex_unlock(&s->pool_mu);
	rc = conn_open(s->path, 1, &c, NULL);
	if (rc < 0) {
		log_error("store %s: cannot open a reader connection", s->path);
		pthread_mutex_lock(&s->pool_mu);
		s->nreaders--;
		pthread_cond_signal(&s->pool_cv);
		pthread_mutex_unlock(&s->pool_mu);
		return rc;
	}
	*out = c;
	return 0;
}

/* Return a reader to the pool, ending any read transaction it still has. */
static void
reader_put(struct sqlite_store *s, struct conn *c)
{
	conn_rollback(c);
	pthread_mutex_lock(&s->pool_mu);
	c->next = s->idle;
	s->idle = c;
	pthread_cond_signal(&s->pool_cv);
	pthread_mutex_unlock(&s->pool_mu);
}

static char *
column_dup(sqlite3_stmt *stmt, int col, size_t *len_out)
{
	const unsigned char *p = sqlite3_column_text(stmt, col);
	size_t len = (size_t)sqlite3_column_bytes(stmt, col);
	char *s;

	s = ck_malloc(len + 1);
	if (len > 0)
		memcpy(s, p, len);
	s[len] = '\0';
	if (len_out != NULL)
		*len_out = len;
	return s;
}

static int
check_key(const char *resource, const char *name)
{
	if (resource == NULL || *resource == '\0' || name == NULL ||
	    *name == '\0')
		return CK_EINVALID;
	return 0;
}

static int
sq_get(struct store *base, const char *resource, const char *ns,
    const char *name, struct store_item *out)
{
	struct sqlite_store *s = sq_of(base);
	struct conn *c = NULL;
	sqlite3_stmt *stmt;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_key(resource, name)) < 0)
		return rc;
	if (ns == NULL)
		ns = "";
	if (store_recent_get(s->recent, resource, ns, name, &out->rv,
	    &out->body, &out->body_len) == 0) {
		out->ns = ck_strdup(ns);
		out->name = ck_strdup(name);
		return 0;
	}
	if ((rc = reader_get(s, &c)) < 0)
		return rc;
	if ((stmt = conn_stmt(c, ST_OBJ_GET)) == NULL) {
		rc = CK_EIO;
		goto out;
	}
	bind_key(stmt, resource, ns, name);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		out->rv = sqlite3_column_int64(stmt, 0);
		out->body = column_dup(stmt, 1, &out->body_len);
		out->ns = ck_strdup(ns);
		out->name = ck_strdup(name);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = CK_ENOTFOUND;
	} else {
		rc = sql_fail(c, "get", rc);
	}
	stmt_done(stmt);
out:
	reader_put(s, c);
	return rc;
}

/* Bind limit + extra, where a limit of 0 means none (-1 to SQLite). */
static void
bind_limit(sqlite3_stmt *stmt, int idx, size_t limit, size_t extra)
{
	if (limit == 0 || limit > (size_t)INT64_MAX - extra)
		sqlite3_bind_int64(stmt, idx, -1);
	else
		sqlite3_bind_int64(stmt, idx, (int64_t)(limit + extra));
}

/* Read a list statement's rows into out; a row past limit sets more. */
static int
list_rows(struct conn *c, sqlite3_stmt *stmt, size_t limit,
    struct store_list *out)
{
	size_t cap = 0;
	struct store_item *it;
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (limit > 0 && out->n == limit) {
			out->more = 1;
			rc = SQLITE_DONE;
			break;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 16;
			out->items = ck_reallocarray(out->items, cap,
			    sizeof(*out->items));
		}
		it = &out->items[out->n++];
		it->ns = column_dup(stmt, 0, NULL);
		it->name = column_dup(stmt, 1, NULL);
		it->rv = sqlite3_column_int64(stmt, 2);
		it->body = column_dup(stmt, 3, &it->body_len);
	}
	stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return sql_fail(c, "list", rc);
	return 0;
}

static int
sq_list(struct store *base, const char *resource, const char *ns,
    const char *after_ns, const char *after_name, size_t limit,
    struct store_list *out)
{
	struct sqlite_store *s = sq_of(base);
	struct conn *c = NULL;
	sqlite3_stmt *stmt;
	enum stmt_id id;
	int rc, cmp = -1;

	memset(out, 0, sizeof(*out));
	if (resource == NULL || *resource == '\0')
		return CK_EINVALID;
	if (ns != NULL && *ns == '\0')
		ns = NULL;
	if (after_name != NULL && after_ns == NULL)
		after_ns = "";
	if (ns == NULL)
		id = after_name != NULL ? ST_LIST_ALL_AFTER : ST_LIST_ALL;
	else {
		/* A cursor in an earlier namespace: all of ns; later: none. */
		if (after_name != NULL)
			cmp = strcmp(after_ns, ns);
		id = cmp == 0 ? ST_LIST_NS_AFTER : ST_LIST_NS;
	}
	if ((rc = reader_get(s, &c)) < 0)
		return rc;
	if ((rc = conn_exec(c, ST_BEGIN)) < 0)
		goto out;
	if (cmp <= 0) {
		if ((stmt = conn_stmt(c, id)) == NULL) {
			rc = CK_EIO;
			goto out;
		}
		sqlite3_bind_text(stmt, 1, resource, -1, SQLITE_STATIC);
		bind_limit(stmt, 2, limit, 1);
		if (ns != NULL)
			sqlite3_bind_text(stmt, 3, ns, -1, SQLITE_STATIC);
		else if (after_name != NULL)
			sqlite3_bind_text(stmt, 3, after_ns, -1, SQLITE_STATIC);
		if (id == ST_LIST_ALL_AFTER || id == ST_LIST_NS_AFTER)
			sqlite3_bind_text(stmt, 4, after_name, -1,
			    SQLITE_STATIC);
		if ((rc = list_rows(c, stmt, limit, out)) < 0)
			goto out;
	}
	if ((rc = conn_revision(c, &out->rv)) < 0)
		goto out;
	rc = conn_exec(c, ST_COMMIT);
out:
	reader_put(s, c);
	if (rc < 0)
		store_list_fini(out);
	return rc;
}

static int
cursor_next(struct store_cursor *base, const char **body, size_t *len)
{
	struct sq_cursor *cur = (struct sq_cursor *)base;
	int rc;

	if (cur->stmt == NULL)
		return 0;
	rc = sqlite3_step(cur->stmt);
	if (rc == SQLITE_ROW) {
		*body = (const char *)sqlite3_column_text(cur->stmt, 3);
		*len = (size_t)sqlite3_column_bytes(cur->stmt, 3);
		if (*body == NULL)
			*body = "";
		return 1;
	}
	stmt_done(cur->stmt);
	cur->stmt = NULL;
	if (rc != SQLITE_DONE)
		return sql_fail(cur->c, "list", rc);
	return 0;
}

static void
cursor_close(struct store_cursor *base)
{
	struct sq_cursor *cur = (struct sq_cursor *)base;

	if (cur->stmt != NULL)
		stmt_done(cur->stmt);
	reader_put(cur->s, cur->c);	/* ends the snapshot */
	atomic_fetch_sub(&cur->s->cursors, 1);
	free(cur);
}

/* store_list's ST_LIST_NS or ST_LIST_ALL, stepped by the caller. */
static int
sq_list_open(struct store *base, const char *resource, const char *ns,
    struct store_cursor **out, int64_t *rv)
{
	struct sqlite_store *s = sq_of(base);
	struct sq_cursor *cur;
	int rc;

	if (resource == NULL || *resource == '\0')
		return CK_EINVALID;
	if (ns != NULL && *ns == '\0')
		ns = NULL;
	if (atomic_fetch_add(&s->cursors, 1) >= STORE_CURSORS_MAX) {
		atomic_fetch_sub(&s->cursors, 1);
		return CK_ENOTSUP;
	}
	cur = ck_calloc(1, sizeof(*cur));
	cur->base.next = cursor_next;
	cur->base.close = cursor_close;
	cur->s = s;
	if ((rc = reader_get(s, &cur->c)) < 0) {
		atomic_fetch_sub(&s->cursors, 1);
		free(cur);
		return rc;
	}
	/* The revision is read first: it starts the snapshot the rows share. */
	if ((rc = conn_exec(cur->c, ST_BEGIN)) < 0 ||
	    (rc = conn_revision(cur->c, rv)) < 0)
		goto fail;
	cur->stmt = conn_stmt(cur->c, ns != NULL ? ST_LIST_NS : ST_LIST_ALL);
	if (cur->stmt == NULL) {
		rc = CK_EIO;
		goto fail;
	}
	sqlite3_bind_text(cur->stmt, 1, resource, -1, SQLITE_TRANSIENT);
	bind_limit(cur->stmt, 2, 0, 0);
	if (ns != NULL)
		sqlite3_bind_text(cur->stmt, 3, ns, -1, SQLITE_TRANSIENT);
	*out = &cur->base;
	return 0;
fail:
	cursor_close(&cur->base);
	return rc;
}

static int
sq_count(struct store *base, const char *resource, const char *ns, int64_t *out)
{
	struct sqlite_store *s = sq_of(base);
	struct conn *c = NULL;
	sqlite3_stmt *stmt;
	int rc;

	*out = 0;
	if (resource == NULL || *resource == '\0')
		return CK_EINVALID;
	if (ns != NULL && *ns == '\0')
		ns = NULL;
	if ((rc = reader_get(s, &c)) < 0)
		return rc;
	stmt = conn_stmt(c, ns != NULL ? ST_COUNT_NS : ST_COUNT_ALL);
	if (stmt == NULL) {
		rc = CK_EIO;
		goto out;
	}
	sqlite3_bind_text(stmt, 1, resource, -1, SQLITE_STATIC);
	if (ns != NULL)
		sqlite3_bind_text(stmt, 2, ns, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(stmt, 0);
		rc = 0;
	} else {
		rc = sql_fail(c, "count", rc);
	}
	stmt_done(stmt);
out:
	reader_put(s, c);
	return rc;
}

static int
event_type_parse(const char *s, enum store_event_type *out)
{
	size_t i;

	if (s == NULL)
		return CK_EIO;
	for (i = 0; i < ARRAY_SIZE(event_type_names); i++) {
		if (strcmp(s, event_type_names[i]) == 0) {
			*out = (enum store_event_type)i;
			return 0;
		}
	}
	return CK_EIO;
}

static int
sq_events_since(struct store *base, const char *resource, int64_t from_rv,
    size_t limit, struct store_event **out, size_t *n)
{
	struct sqlite_store *s = sq_of(base);
	struct conn *c = NULL;
	struct store_event *evs = NULL, *ev;
	sqlite3_stmt *stmt;
	size_t cap = 0, count = 0;
	int64_t compacted;
	int rc;

	*out = NULL;
	*n = 0;
	if (from_rv < 0 || (resource != NULL && *resource == '\0'))
		return CK_EINVALID;
	if ((rc = reader_get(s, &c)) < 0)
		return rc;
	/* The compaction point and the events come from one snapshot. */
	if ((rc = conn_exec(c, ST_BEGIN)) < 0)
		goto out;
	if ((rc = conn_meta_get(c, "compacted_rv", &compacted)) < 0)
		goto out;
	if (from_rv < compacted) {
		rc = CK_EGONE;
		goto out;
	}
	stmt = conn_stmt(c, resource ? ST_EV_SINCE_RES : ST_EV_SINCE_ALL);
	if (stmt == NULL) {
		rc = CK_EIO;
		goto out;
	}
	sqlite3_bind_int64(stmt, 1, from_rv);
	bind_limit(stmt, 2, limit, 0);
	if (resource != NULL)
		sqlite3_bind_text(stmt, 3, resource, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			evs = ck_reallocarray(evs, cap, sizeof(*evs));
		}
		ev = &evs[count];
		memset(ev, 0, sizeof(*ev));
		if (event_type_parse((const char *)sqlite3_column_text(stmt, 1),
		    &ev->type) < 0) {
			log_error("store: event %lld has an unknown type",
			    (long long)sqlite3_column_int64(stmt, 0));
			rc = SQLITE_CORRUPT;
			break;
		}
		count++;
		ev->rv = sqlite3_column_int64(stmt, 0);
		ev->resource = column_dup(stmt, 2, NULL);
		ev->ns = column_dup(stmt, 3, NULL);
		ev->name = column_dup(stmt, 4, NULL);
		ev->body = column_dup(stmt, 5, &ev->body_len);
	}
	stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		rc = rc == SQLITE_CORRUPT ? CK_EIO :
		    sql_fail(c, "events since", rc);
		goto out;
	}
	rc = conn_exec(c, ST_COMMIT);
out:
	reader_put(s, c);
	if (rc < 0) {
		store_events_free(evs, count);
		return rc;
	}
	*out = evs;
	*n = count;
	return 0;
}

/* ---- writes ---- */

enum write_op { OP_CREATE, OP_UPDATE, OP_DELETE };

static const enum store_event_type op_event_type[] = {
	[OP_CREATE] = STORE_ADDED,
	[OP_UPDATE] = STORE_MODIFIED,
	[OP_DELETE] = STORE_DELETED,
};

struct write_req {
	enum write_op	 op;
	const char	*resource;
	const char	*ns;
	const char	*name;
	cJSON		*obj;		/* create/update: the new state */
	int64_t		 expect_rv;	/* update/delete: 0 = any */
	char		*body;		/* printed obj, or the last state */
	int64_t		 rv;		/* the revision this write gets */
};

/*
 * A unit of group commit: one write, or a store_txn's writes (all or
 * none). It lives on its writer's stack while the writer waits; the
 * leader fills rc, failed and each rs[].rv, then sets done (under qmu).
 */
struct wunit {
	struct write_req	*rs;
	size_t			 n;
	size_t			 failed;	/* the refused write, if rc < 0 */
	int			 rc;
	bool			 done;
	pthread_cond_t		 cv;		/* done, or the lead is free */
	struct wunit		*next;		/* in the queue */
};

/* The object's revision and (if body_out) body, in the write transaction. */
static int
writer_lookup(struct conn *w, const struct write_req *r, int64_t *rv_out,
    char **body_out)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = conn_stmt(w, ST_OBJ_GET)) == NULL)
		return CK_EIO;
	bind_key(stmt, r->resource, r->ns, r->name);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*rv_out = sqlite3_column_int64(stmt, 0);
		if (body_out != NULL)
			*body_out = column_dup(stmt, 1, NULL);
		rc = 0;
	} else if (rc == SQLITE_DONE) {
		rc = CK_ENOTFOUND;
	} else {
		rc = sql_fail(w, "lookup", rc);
	}
	stmt_done(stmt);
	return rc;
}

/* Insert, update or delete r's objects row; cur_rv is the row's revision. */
static int
writer_put_object(struct conn *w, const struct write_req *r, int64_t cur_rv)
{
	static const enum stmt_id ids[] = {
		[OP_CREATE] = ST_OBJ_INSERT,
		[OP_UPDATE] = ST_OBJ_UPDATE,
		[OP_DELETE] = ST_OBJ_DELETE,
	};
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = conn_stmt(w, ids[r->op])) == NULL)
		return CK_EIO;
	bind_key(stmt, r->resource, r->ns, r->name);
	if (r->op == OP_DELETE) {
		sqlite3_bind_int64(stmt, 4, cur_rv);
	} else {
		sqlite3_bind_int64(stmt, 4, r->rv);
		sqlite3_bind_text(stmt, 5, r->body, -1, SQLITE_STATIC);
		if (r->op == OP_UPDATE)
			sqlite3_bind_int64(stmt, 6, cur_rv);
	}
	rc = sqlite3_step(stmt);
	stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return sql_fail(w, "write object", rc);
	/* The lookup in this transaction found the row: this cannot miss. */
	if (sqlite3_changes(w->db) != 1) {
		log_error("store: %s %s/%s: row changed under the write lock",
		    r->resource, r->ns, r->name);
		return CK_EIO;
	}
	return 0;
}

static int
writer_add_event(struct conn *w, const struct write_req *r)
{
	sqlite3_stmt *stmt;
	int rc;

	if ((stmt = conn_stmt(w, ST_EV_INSERT)) == NULL)
		return CK_EIO;
	bind_key(stmt, r->resource, r->ns, r->name);
	sqlite3_bind_int64(stmt, 4, r->rv);
	sqlite3_bind_text(stmt, 5, event_type_names[op_event_type[r->op]], -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 6, r->body, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return sql_fail(w, "append event", rc);
	return 0;
}

/* A DELETED event's body: the stored state, resourceVersion = r->rv. */
static int
delete_body(const struct write_req *r, const char *stored, char **out)
{
	cJSON *obj;
	int rc;

	obj = cJSON_Parse(stored);
	if (obj == NULL || !cJSON_IsObject(obj)) {
		log_error("store: %s %s/%s: stored body is not a JSON object",
		    r->resource, r->ns, r->name);
		cJSON_Delete(obj);
		return CK_EIO;
	}
	rc = store_obj_set_rv(obj, r->rv);
	if (rc == 0)
		*out = store_json_check(cJSON_PrintUnformatted(obj));
	cJSON_Delete(obj);
	return rc < 0 ? CK_EIO : 0;
}

/* The precondition of one write, against the row as the transaction sees it. */
static int
writer_check(struct conn *w, struct write_req *r, int64_t *cur_rv,
    char **stored)
{
	int rc;

	rc = writer_lookup(w, r, cur_rv, r->op == OP_DELETE ? stored : NULL);
	if (r->op == OP_CREATE) {
		if (rc == 0)
			rc = CK_EEXIST;
		else if (rc == CK_ENOTFOUND)
			rc = 0;
	} else if (rc == 0 && r->expect_rv != 0 && r->expect_rv != *cur_rv) {
		rc = CK_ECONFLICT;
	}
	return rc;
}

/* Apply one checked write as revision r->rv. */
static int
writer_apply(struct conn *w, struct write_req *r, int64_t cur_rv,
    const char *stored)
{
	int rc;

	if (r->op == OP_DELETE) {
		rc = delete_body(r, stored, &r->body);
	} else {
		rc = store_obj_set_rv(r->obj, r->rv);
		if (rc == 0)
			r->body = store_json_check(cJSON_PrintUnformatted(r->obj));
	}
	if (rc < 0)
		return rc;
	if ((rc = writer_put_object(w, r, cur_rv)) < 0)
		return rc;
	return writer_add_event(w, r);
}

/*
 * The store whose commit hook this thread is running, if any. A write from
 * inside a hook would wait for its own hook's turn, which comes only after
 * the running hook returns: refused instead of deadlocking.
 */
static _Thread_local const struct sqlite_store *hook_running;

/* Run the hook for the commit holding ticket, after all earlier ones. */
static void
run_hook(struct sqlite_store *s, uint64_t ticket, const struct store_event *ev)
{
	store_commit_fn fn;
	void *arg;

	pthread_mutex_lock(&s->hook_mu);
	while (s->hook_turn != ticket)
		pthread_cond_wait(&s->hook_cv, &s->hook_mu);
	fn = s->hook;
	arg = s->hook_arg;
	pthread_mutex_unlock(&s->hook_mu);
	if (fn != NULL) {
		hook_running = s;
		fn(ev, arg);
		hook_running = NULL;
	}
	pthread_mutex_lock(&s->hook_mu);
	s->hook_turn++;
	pthread_cond_broadcast(&s->hook_cv);
	pthread_mutex_unlock(&s->hook_mu);
}

/* The test hook: follow the file's "full" or "eio" (wmu held). */
static void
test_full_hook(struct sqlite_store *s)
{
	char buf[16] = "";
	FILE *f;
	bool full;

	if (s->full_file == NULL)
		return;
	f = fopen(s->full_file, "r");
	if (f != NULL) {
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
	}
	full = strncmp(buf, "full", 4) == 0;
	s->fail_commit = strncmp(buf, "eio", 3) == 0;
	if (full == s->full)
		return;
	s->full = full;
	/* max_page_count never goes below the current size: 1 = "no more". */
	(void)sqlite3_exec(s->writer->db, full ? "PRAGMA max_page_count=1" :
	    "PRAGMA max_page_count=1073741823", NULL, NULL, NULL);
}

/* Remember whether the writer's last transaction failed for space or I/O. */
static void
note_write(struct sqlite_store *s, int rc)
{
	int e = s->writer->last_err & 0xff;

	if (rc == 0)
		atomic_store(&s->write_err, 0);
	else if (e == SQLITE_FULL || e == SQLITE_IOERR)
		atomic_store(&s->write_err, sql_err(e));
}

/* Write and delete a 64 KiB row: can a transaction grow the file? */
static void
probe_write(struct sqlite_store *s)
{
	struct conn *w = s->writer;
	int rc;

	rc = sqlite3_exec(w->db, "BEGIN IMMEDIATE;"
	    "INSERT OR REPLACE INTO meta(key, value) "
	    "VALUES ('write_probe', zeroblob(65536));"
	    "COMMIT", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(w->db,
		    "DELETE FROM meta WHERE key = 'write_probe'", NULL, NULL,
		    NULL);
	if (rc != SQLITE_OK) {
		w->last_err = sqlite3_extended_errcode(w->db);
		conn_rollback(w);
	}
	note_write(s, rc == SQLITE_OK ? 0 : CK_EIO);
}

static int
sq_set_sync(struct store *base, const char *mode)
{
	struct sqlite_store *s = sq_of(base);
	const char *sql;
	int rc;

	if (strcmp(mode, "normal") == 0)
		sql = "PRAGMA synchronous=NORMAL";
	else if (strcmp(mode, "full") == 0)
		sql = "PRAGMA synchronous=FULL";
	else
		return CK_EINVALID;
	pthread_mutex_lock(&s->wmu);
	rc = sqlite3_exec(s->writer->db, sql, NULL, NULL, NULL);
	pthread_mutex_unlock(&s->wmu);
	return rc == SQLITE_OK ? 0 : CK_EIO;
}

static void
sq_write_stats(struct store *base, struct store_write_stats *out)
{
	struct sqlite_store *s = sq_of(base);
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&s->qmu);
	out->batches = s->batches;
	out->writes = s->writes;
	out->max_batch = s->max_batch;
	out->queued = s->nqueued;
	out->leading = s->leading;
	pthread_mutex_unlock(&s->qmu);
	store_recent_stats(s->recent, &out->recent_hits, &out->recent_misses);
}

static int
sq_write_busy(struct store *base)
{
	struct sqlite_store *s = sq_of(base);
	return atomic_load_explicit(&s->busy, memory_order_relaxed);
}

static int
sq_write_health(struct store *base, char *msg, size_t len)
{
	struct sqlite_store *s = sq_of(base);
	struct timespec ts;
	int64_t now;
	int rc;

	if (atomic_load(&s->write_err) == 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	pthread_mutex_lock(&s->wmu);
	if (atomic_load(&s->write_err) != 0 && now - s->probe_ms >= 1000) {
		s->probe_ms = now;
		test_full_hook(s);
		probe_write(s);
	}
	pthread_mutex_unlock(&s->wmu);
	rc = atomic_load(&s->write_err);
	if (rc < 0)
		snprintf(msg, len, "%s", rc == CK_ENOSPC ?
		    "database or disk is full" : "disk I/O error");
	return rc;
}

/* metadata, if there, is an object (where resourceVersion goes). */
static bool
meta_ok(const cJSON *obj)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

	return meta == NULL || cJSON_IsObject(meta);
}

/* Two writes of one transaction may not name the same object. */
static int
check_reqs(struct write_req *rs, size_t n, size_t *failed)
{
	size_t i, j;
	int rc;

	for (i = 0; i < n; i++) {
		*failed = i;
		if ((rc = check_key(rs[i].resource, rs[i].name)) < 0)
			return rc;
		if (rs[i].op != OP_DELETE && (!cJSON_IsObject(rs[i].obj) ||
		    !meta_ok(rs[i].obj)))
			return CK_EINVALID;
		if (rs[i].ns == NULL)
			rs[i].ns = "";
		for (j = 0; j < i; j++)
			if (strcmp(rs[i].resource, rs[j].resource) == 0 &&
			    strcmp(rs[i].ns, rs[j].ns) == 0 &&
			    strcmp(rs[i].name, rs[j].name) == 0)
				return CK_EINVALID;
	}
	return 0;
}

/* Run the hook of one committed write; a DELETE keeps its body in r. */
static void
write_notify(struct sqlite_store *s, uint64_t ticket, struct write_req *r)
{
	struct store_event ev;

	/* The event's strings are the hook's to read, never to free. */
	memset(&ev, 0, sizeof(ev));
	ev.rv = r->rv;
	ev.type = op_event_type[r->op];
	ev.resource = ck_strdup(r->resource);
	ev.ns = ck_strdup(r->ns);
	ev.name = ck_strdup(r->name);
	ev.body = r->body;
	ev.body_len = strlen(r->body);
	r->body = NULL;
	run_hook(s, ticket, &ev);
	if (r->op == OP_DELETE) {
		r->body = ev.body;	/* handed to the caller as last_out */
		ev.body = NULL;
	}
	store_event_fini(&ev);
}

/* ---- group commit ---- */

/*
 * The checks of one unit (a write, or a store_txn's writes) inside the
 * batch's transaction, before anything of it is written: a refused unit
 * leaves its objs untouched. cur_rv and stored get one slot per write.
 */
static int
unit_check(struct conn *w, struct wunit *u, int64_t *cur_rv, char **stored)
{
	size_t i;
	int rc;

	for (i = 0; i < u->n; i++) {
		if ((rc = writer_check(w, &u->rs[i], &cur_rv[i],
		    &stored[i])) < 0) {
			u->failed = i;
			return rc;
		}
	}
	return 0;
}

/* Apply a checked unit as revisions from next on; *bytes grows by its bodies. */
static int
unit_apply(struct conn *w, struct wunit *u, int64_t next,
    const int64_t *cur_rv, char *const *stored, size_t *bytes)
{
	size_t i;
	int rc;

	for (i = 0; i < u->n; i++) {
		u->rs[i].rv = next + (int64_t)i;
		if ((rc = writer_apply(w, &u->rs[i], cur_rv[i],
		    stored[i])) < 0) {
			u->failed = i;
			return rc;
		}
		*bytes += strlen(u->rs[i].body);
	}
	return 0;
}

static void
unit_free_bodies(struct wunit *u)
{
	size_t i;

	for (i = 0; i < u->n; i++) {
		free(u->rs[i].body);
		u->rs[i].body = NULL;
	}
}

/*
 * Can the batch go on after one unit failed with SQLite result e (0: not
 * SQLite's)? A statement's failure (a constraint, a trigger) is undone by
 * the unit's savepoint; space, I/O and memory failures, or SQLite having
 * rolled the transaction back itself, end the batch.
 */
static bool
batch_can_continue(struct conn *w, int e)
{
	if (sqlite3_get_autocommit(w->db))
		return false;
	switch (e & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_NOMEM:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return false;
	default:
		return true;
	}
}

/* A refusal by a precondition, not a failure. */
static bool
is_refusal(int rc)
{
	return rc == CK_ENOTFOUND || rc == CK_EEXIST || rc == CK_ECONFLICT;
}

/*
 * One unit of a batch: checked, then applied inside a savepoint when the
 * batch has others (multi), so its failure undoes only itself. Returns
 * the unit's own result in u->rc; < 0 only when the batch must fail.
 */
static int
batch_unit(struct conn *w, struct wunit *u, bool multi, int64_t *next,
    size_t *bytes)
{
	int64_t cur_rv[STORE_TXN_MAX];
	char *stored[STORE_TXN_MAX];
	size_t i;
	int rc;

	memset(stored, 0, sizeof(stored));
	w->last_err = 0;
	rc = unit_check(w, u, cur_rv, stored);
	if (rc == 0 && multi && (rc = conn_exec(w, ST_SAVEPOINT)) < 0)
		goto out;
	if (rc == 0) {
		rc = unit_apply(w, u, *next, cur_rv, stored, bytes);
		if (rc < 0 && multi && batch_can_continue(w, w->last_err)) {
			unit_free_bodies(u);
			u->rc = rc;
			if ((rc = conn_exec(w, ST_ROLLBACK_TO)) == 0)
				rc = conn_exec(w, ST_RELEASE);
			goto out;
		}
		if (rc == 0 && multi)
			rc = conn_exec(w, ST_RELEASE);
		if (rc == 0)
			*next += (int64_t)u->n;
		goto out;
	}
	/* Refused, or a failed read: nothing of the unit was written. */
	u->rc = rc;
	rc = is_refusal(rc) || (multi && batch_can_continue(w, w->last_err)) ?
	    0 : rc;
out:
	for (i = 0; i < u->n; i++)
		free(stored[i]);
	return rc;
}

/* The test hook's injected COMMIT failure (wmu held). */
static bool
test_fail_commit(struct sqlite_store *s)
{
	if (!s->fail_commit)
		return false;
	s->writer->last_err = SQLITE_IOERR_WRITE;
	log_error("store: COMMIT: injected I/O error (test hook)");
	return true;
}

/*
 * One transaction for units us[0..n), under wmu, in their order: each
 * unit's preconditions are checked against the writes before it, and a
 * refused or failing unit fails alone. *used: the units the batch took
 * (it stops at STORE_BATCH_BYTES; the rest wait for the next batch). If
 * the transaction itself fails (BEGIN, COMMIT, a full disk) every taken
 * unit fails with that error and nothing of them is visible: returned.
 */
static int
batch_run(struct sqlite_store *s, struct wunit **us, size_t n, size_t *used)
{
	struct conn *w = s->writer;
	int64_t seq, next;
	size_t i, bytes = 0;
	int rc;

	*used = n;
	for (i = 0; i < n; i++)
		us[i]->rc = 0;
	if ((rc = conn_exec(w, ST_BEGIN_IMMEDIATE)) < 0)
		goto fail;
	/* Read inside the transaction: right even if another process wrote. */
	if ((rc = conn_revision(w, &seq)) < 0)
		goto fail;
	if (seq != atomic_load(&s->rev)) {
		/* Written by another process: what GETs find here may be old. */
		log_info("store %s: revision %lld, %lld expected: written "
		    "elsewhere", s->path, (long long)seq,
		    (long long)atomic_load(&s->rev));
		store_recent_clear(s->recent);
		atomic_store(&s->rev, seq);
	}
	next = seq + 1;
	for (i = 0; i < n; i++) {
		if (i > 0 && bytes >= STORE_BATCH_BYTES) {
			*used = i;
			break;
		}
		if ((rc = batch_unit(w, us[i], n > 1, &next, &bytes)) < 0)
			goto fail;
	}
	if (next == seq + 1) {		/* every unit refused: nothing to commit */
		conn_rollback(w);
		return 0;
	}
	rc = test_fail_commit(s) ? CK_EIO : conn_exec(w, ST_COMMIT);
	if (rc < 0)
		goto fail;
	return 0;
fail:
	conn_rollback(w);
	for (i = 0; i < *used; i++) {
		us[i]->rc = rc;
		unit_free_bodies(us[i]);
	}
	return rc;
}

/* Take up to STORE_BATCH_MAX units from the queue's head (qmu held). */
static size_t
queue_take(struct sqlite_store *s, struct wunit **us)
{
	size_t n = 0;

	while (s->qhead != NULL && n < STORE_BATCH_MAX) {
		us[n++] = s->qhead;
		s->qhead = s->qhead->next;
		s->nqueued--;
	}
	if (s->qhead == NULL)
		s->qtail = NULL;
	return n;
}

/* Put units back at the queue's head, in their order (qmu held). */
static void
queue_unget(struct sqlite_store *s, struct wunit **us, size_t n)
{
	while (n > 0) {
		us[--n]->next = s->qhead;
		s->qhead = us[n];
		if (s->qtail == NULL)
			s->qtail = us[n];
		s->nqueued++;
	}
}

/* A committed write's object state for later GETs (wmu held). */
static void
recent_note(struct sqlite_store *s, const struct write_req *r)
{
	if (r->op == OP_DELETE)
		store_recent_drop(s->recent, r->resource, r->ns, r->name);
	else
		store_recent_put(s->recent, r->resource, r->ns, r->name, r->rv,
		    r->body, strlen(r->body));
}

/*
 * Run one batch as the leader: the transaction under wmu, tickets for the
 * committed writes in revision order. Returns how many units it took.
 */
static size_t
batch_lead(struct sqlite_store *s, struct wunit **us, size_t n, uint64_t *ticket)
{
	size_t i, j, used;
	int rc;

	pthread_mutex_lock(&s->wmu);
	test_full_hook(s);
	s->writer->last_err = 0;
	rc = batch_run(s, us, n, &used);
	note_write(s, rc);
	*ticket = s->next_ticket;
	for (i = 0; rc == 0 && i < used; i++) {
		if (us[i]->rc < 0)
			continue;
		for (j = 0; j < us[i]->n; j++) {
			recent_note(s, &us[i]->rs[j]);
			atomic_store(&s->rev, us[i]->rs[j].rv);
		}
		s->next_ticket += us[i]->n;
	}
	pthread_mutex_unlock(&s->wmu);
	return used;
}

/*
 * Queue u and wait for its result. The first writer to find no leader
 * leads: it takes every queued unit (up to STORE_BATCH_MAX) into one
 * transaction, hands the lead on to the next queued writer as soon as it
 * committed, then runs the batch's commit hooks in revision order and
 * wakes each writer of the batch with its own result. A lone writer leads
 * a batch of one at once: nothing waits for a batch to fill.
 */
static void
group_submit(struct sqlite_store *s, struct wunit *u)
{
	struct wunit *us[STORE_BATCH_MAX];
	uint64_t ticket;
	size_t i, j, taken, used;

	pthread_mutex_lock(&s->qmu);
	u->next = NULL;
	if (s->qtail != NULL)
		s->qtail->next = u;
	else
		s->qhead = u;
	s->qtail = u;
	s->nqueued++;
	for (;;) {
		while (!u->done && s->leading)
			pthread_cond_wait(&u->cv, &s->qmu);
		if (u->done)
			break;
		s->leading = true;
		atomic_store_explicit(&s->busy, 1, memory_order_relaxed);
		taken = queue_take(s, us);
		pthread_mutex_unlock(&s->qmu);
		used = batch_lead(s, us, taken, &ticket);
		pthread_mutex_lock(&s->qmu);
		/* Those past the byte bound go first next time; the lead passes on. */
		queue_unget(s, us + used, taken - used);
		s->batches++;
		s->writes += used;
		if (used > s->max_batch)
			s->max_batch = used;
		s->leading = false;
		atomic_store_explicit(&s->busy, 0, memory_order_relaxed);
		if (s->qhead != NULL)
			pthread_cond_signal(&s->qhead->cv);
		pthread_mutex_unlock(&s->qmu);
		for (i = 0; i < used; i++) {
			if (us[i]->rc < 0)
				continue;
			for (j = 0; j < us[i]->n; j++)
				write_notify(s, ticket++, &us[i]->rs[j]);
		}
		pthread_mutex_lock(&s->qmu);
		for (i = 0; i < used; i++) {
			us[i]->done = true;
			if (us[i] != u)
				pthread_cond_signal(&us[i]->cv);
		}
	}
	pthread_mutex_unlock(&s->qmu);
}

/* n writes in one transaction; *failed: the index of a refused one. */
static int
sq_write_many(struct sqlite_store *s, struct write_req *rs, size_t n,
    size_t *failed)
{
	struct wunit u;

	if ((u.rc = check_reqs(rs, n, failed)) < 0)
		return u.rc;
	if (hook_running == s) {
		log_error("store: %s %s/%s: write from inside a commit hook "
		    "refused", rs[0].resource, rs[0].ns, rs[0].name);
		return CK_EINVALID;
	}
	memset(&u, 0, sizeof(u));
	u.rs = rs;
	u.n = n;
	pthread_cond_init(&u.cv, NULL);
	group_submit(s, &u);
	pthread_cond_destroy(&u.cv);
	*failed = u.failed;
	return u.rc;
}

static int
sq_write(struct sqlite_store *s, struct write_req *r, int64_t *rv_out)
{
	size_t failed;
	int rc;

	rc = sq_write_many(s, r, 1, &failed);
	if (rc == 0 && rv_out != NULL)
		*rv_out = r->rv;
	return rc;
}

static int
sq_create(struct store *base, const char *resource, const char *ns,
    const char *name, struct cJSON *obj, int64_t *rv_out)
{
	struct sqlite_store *s = sq_of(base);
	struct write_req r = {
		.op = OP_CREATE, .resource = resource, .ns = ns, .name = name,
		.obj = obj,
	};

	return sq_write(s, &r, rv_out);
}

static int
sq_update(struct store *base, const char *resource, const char *ns,
    const char *name, struct cJSON *obj, int64_t expect_rv, int64_t *rv_out)
{
	struct sqlite_store *s = sq_of(base);
	struct write_req r = {
		.op = OP_UPDATE, .resource = resource, .ns = ns, .name = name,
		.obj = obj, .expect_rv = expect_rv,
	};

	return sq_write(s, &r, rv_out);
}

static int
sq_delete(struct store *base, const char *resource, const char *ns,
    const char *name, int64_t expect_rv, char **last_out, int64_t *rv_out)
{
	struct sqlite_store *s = sq_of(base);
	struct write_req r = {
		.op = OP_DELETE, .resource = resource, .ns = ns, .name = name,
		.expect_rv = expect_rv,
	};
	int rc;

	if (last_out != NULL)
		*last_out = NULL;
	rc = sq_write(s, &r, rv_out);
	if (rc == 0 && last_out != NULL)
		*last_out = r.body;
	else
		free(r.body);
	return rc;
}

static int
sq_txn(struct store *base, struct store_op *ops, size_t n, size_t *failed)
{
	struct sqlite_store *s = sq_of(base);
	static const enum write_op op_of[] = {
		[STORE_OP_CREATE] = OP_CREATE,
		[STORE_OP_UPDATE] = OP_UPDATE,
		[STORE_OP_DELETE] = OP_DELETE,
	};
	struct write_req *rs;
	size_t i, dummy;
	int rc;

	if (failed == NULL)
		failed = &dummy;
	*failed = 0;
	if (n == 0 || n > STORE_TXN_MAX)
		return CK_EINVALID;
	rs = ck_calloc(n, sizeof(*rs));
	for (i = 0; i < n; i++) {
		ops[i].last = NULL;
		rs[i].op = op_of[ops[i].type];
		rs[i].resource = ops[i].resource;
		rs[i].ns = ops[i].ns;
		rs[i].name = ops[i].name;
		rs[i].obj = ops[i].obj;
		rs[i].expect_rv = ops[i].expect_rv;
	}
	rc = sq_write_many(s, rs, n, failed);
	for (i = 0; i < n; i++) {
		if (rc == 0) {
			ops[i].rv = rs[i].rv;
			if (rs[i].op == OP_DELETE)
				ops[i].last = rs[i].body;
			else
				free(rs[i].body);
		} else
			free(rs[i].body);
	}
	free(rs);
	return rc;
}

/*
 * One compaction batch: delete events in (compacted_rv, min(upto, batch end)].
 * *more is set when events up to upto_rv remain to delete.
 */
static int
compact_batch(struct sqlite_store *s, int64_t upto_rv, int *more)
{
	struct conn *w = s->writer;
	sqlite3_stmt *stmt;
	int64_t newest, done, next;
	int rc;

	*more = 0;
	if ((rc = conn_exec(w, ST_BEGIN_IMMEDIATE)) < 0)
		return rc;
	if ((rc = conn_revision(w, &newest)) < 0 ||
	    (rc = conn_meta_get(w, "compacted_rv", &done)) < 0)
		goto out;
	/* The newest event always stays, as the contract promises. */
	if (upto_rv > newest - 1)
		upto_rv = newest - 1;
	if (upto_rv <= done) {
		rc = conn_exec(w, ST_COMMIT);
		goto out;
	}
	next = upto_rv - done > STORE_COMPACT_BATCH ?
	    done + STORE_COMPACT_BATCH : upto_rv;
	if ((stmt = conn_stmt(w, ST_EV_DELETE_RANGE)) == NULL) {
		rc = CK_EIO;
		goto out;
	}
	sqlite3_bind_int64(stmt, 1, done);
	sqlite3_bind_int64(stmt, 2, next);
	rc = sqlite3_step(stmt);
	stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		rc = sql_fail(w, "compact", rc);
		goto out;
	}
	if ((rc = conn_meta_set(w, "compacted_rv", next)) < 0 ||
	    (rc = conn_exec(w, ST_COMMIT)) < 0)
		goto out;
	atomic_store(&s->compacted, next);
	*more = next < upto_rv;
	log_v(4, "store: compacted events up to %lld", (long long)next);
out:
	if (rc < 0)
		conn_rollback(w);
	return rc;
}

static void
sq_set_recent_bytes(struct store *base, size_t bytes)
{
	store_recent_set_max(sq_of(base)->recent, bytes);
}

/*
 * Batches keep each hold of the write lock short, so a large backlog never
 * stalls writers; readers keep their snapshots meanwhile (WAL).
 */
static int
sq_compact(struct store *base, int64_t upto_rv)
{
	struct sqlite_store *s = sq_of(base);
	int rc, more;

	do {
		pthread_mutex_lock(&s->wmu);
		rc = compact_batch(s, upto_rv, &more);
		pthread_mutex_unlock(&s->wmu);
	} while (rc == 0 && more);
	if (rc < 0)
		return rc;
	/* Move the WAL back into the file; PASSIVE never waits for readers. */
	pthread_mutex_lock(&s->wmu);
	rc = sqlite3_wal_checkpoint_v2(s->writer->db, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		log_warn("store %s: checkpoint: %s", s->path,
		    sqlite3_errmsg(s->writer->db));
	pthread_mutex_unlock(&s->wmu);
	return 0;
}

static const struct store_ops sqlite_ops = {
	.name = "sqlite",
	.close = sq_close,
	.set_sync = sq_set_sync,
	.set_recent_bytes = sq_set_recent_bytes,
	.set_commit_hook = sq_set_commit_hook,
	.write_health = sq_write_health,
	.write_stats = sq_write_stats,
	.write_busy = sq_write_busy,
	.revision = sq_revision,
	.compacted_revision = sq_compacted_revision,
	.get = sq_get,
	.list = sq_list,
	.list_open = sq_list_open,
	.count = sq_count,
	.create = sq_create,
	.update = sq_update,
	.delete = sq_delete,
	.txn = sq_txn,
	.events_since = sq_events_since,
	.compact = sq_compact,
};
