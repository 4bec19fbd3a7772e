/*
 * store.h: the apiserver's storage interface. Objects are JSON documents keyed
 * by (resource, namespace, name); every committed write gets the next global
 * revision, which is also the object's metadata.resourceVersion, and is
 * appended to a change log that watches resume from. SQLite (store_sqlite.c)
 * is the embedded implementation; nothing above this header may assume SQLite.
 *
 * Thread-safety: every function may be called from any thread. Writes are
 * serialised; a write returns only after its transaction committed. Writes
 * that arrive while another commits are committed together (group commit):
 * one transaction, each write checked against those before it in arrival
 * order, each with its own revision and its own answer; a refused write
 * fails alone, a failed transaction (a full disk, an I/O error at COMMIT)
 * fails every write of it and none of them is visible.
 */
#ifndef CKUBE_APISERVER_STORE_H
#define CKUBE_APISERVER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct cJSON;
struct ck_status;
struct store;

enum store_event_type {
	STORE_ADDED,
	STORE_MODIFIED,
	STORE_DELETED,
};

/* One committed change; strings are owned by the event. */
struct store_event {
	int64_t			 rv;		/* the revision of this change */
	enum store_event_type	 type;
	char			*resource;	/* "pods", "deployments.apps" */
	char			*ns;		/* "" for cluster-scoped */
	char			*name;
	char			*body;		/* JSON, resourceVersion == rv; DELETED: last state */
	size_t			 body_len;
};

/* An object read from the store. */
struct store_item {
	char	*ns;
	char	*name;
	char	*body;		/* JSON text, metadata.resourceVersion set */
	size_t	 body_len;
	int64_t	 rv;		/* revision of its last write */
};

struct store_list {
	struct store_item	*items;
	size_t			 n;
	int64_t			 rv;		/* store revision the list is consistent with */
	int			 more;		/* 1 if items remain after the last one */
};

/*
 * Called after every commit, once per committed write, in revision order,
 * on a writing thread (the one that led the write's group commit, not
 * necessarily the write's own), before the write returns, with no
 * store lock held. ev is valid only during the call. The hook may read the
 * store but not write to it (such a write fails with CK_EINVALID: its own hook
 * could only run after this one returns). A slow hook delays later writers'
 * returns, not their commits.
 */
typedef void (*store_commit_fn)(const struct store_event *ev, void *arg);

/* Open (creating if needed) the SQLite store in file path. */
int	store_open(const char *path, struct store **out, struct ck_status *st) CK_MUST_CHECK;

/* The etcd v3 backend (store_etcd.c): its own semantics are noted there. */
struct store_etcd_config {
	const char	*servers;	/* "http://h:p[,http://h:p...]" */
	const char	*prefix;	/* key prefix, "/registry" */
	int		 request_timeout_ms;	/* 0: the default (5 s) */
	/*
	 * The watch starts when a commit hook is installed, from the revision
	 * at open (store_revision until then): no event of another apiserver
	 * in between reaches no hook. Writes meanwhile do not wait for it.
	 */
	bool		 watch_on_hook;
};

int	store_open_etcd(const struct store_etcd_config *cfg, struct store **out,
	    struct ck_status *st) CK_MUST_CHECK;
void	store_close(struct store *s);
/* "sqlite" or "etcd3". */
const char *store_backend(const struct store *s);
/*
 * This thread's words on its last storage failure (a call that returned
 * CK_EIO, CK_EUNAVAIL or CK_ETIMEDOUT), "" if none: e.g. "etcd: no member
 * reachable (...)".
 */
const char *store_last_error(void);
/*
 * The writer's SQLite synchronous level: "normal" (the default: a process
 * kill loses no commit, an OS crash or power loss can lose the last ones,
 * never corrupting the file) or "full" (an fsync per commit: acknowledged
 * writes survive power loss too). CK_EINVALID for anything else.
 */
int	store_set_sync(struct store *s, const char *mode) CK_MUST_CHECK;
/*
 * At most this many bytes of the bodies it wrote last answer GETs without a
 * read (store_recent.h; 0 = none). SQLite only; other backends ignore it.
 */
void	store_set_recent_bytes(struct store *s, size_t bytes);
void	store_set_commit_hook(struct store *s, store_commit_fn fn, void *arg);

/*
 * 0 while writes commit; CK_ENOSPC (SQLITE_FULL) or CK_EIO (an I/O error)
 * since a write failed so, with msg set. While failing, a probe transaction
 * (a 64 KiB row, written then deleted) runs at most once a second, so the
 * store reports writable again once space returns, with no write needed.
 * Test hook: CKUBE_TEST_STORE_FULL_FILE names a file; while it holds "full",
 * the writer's PRAGMA max_page_count is the current size (the disk is full);
 * while it holds "eio", every transaction's COMMIT fails as an I/O error.
 */
int	store_write_health(struct store *s, char *msg, size_t len);

/* Group commit counters (for tests and metrics); never waits for a commit. */
struct store_write_stats {
	uint64_t	batches;	/* transactions run by the writers */
	uint64_t	writes;		/* units (writes, store_txn calls) in them */
	size_t		max_batch;	/* the most units one transaction took */
	size_t		queued;		/* units waiting now */
	int		leading;	/* 1 while a batch runs (has taken its units) */
	uint64_t	recent_hits;	/* GETs answered by the recent writes */
	uint64_t	recent_misses;	/* GETs that read the database */
};

void	store_write_stats(struct store *s, struct store_write_stats *out);
/*
 * 1 while a group commit runs: a write now would queue for the next one
 * (the HTTP layer hands such writes to threads that can wait).
 */
int	store_write_busy(struct store *s);

/* The revision of the newest committed change (0 for an empty store). */
int64_t	store_revision(struct store *s);
/* The highest revision removed by compaction (watches from below it get CK_EGONE). */
int64_t	store_compacted_revision(struct store *s);

/* Read one object. CK_ENOTFOUND if absent. *out is yours (store_item_fini). */
int	store_get(struct store *s, const char *resource, const char *ns,
	    const char *name, struct store_item *out) CK_MUST_CHECK;

/*
 * List objects of resource, in ns ("" or NULL = every namespace), ordered by
 * (namespace, name), starting strictly after (after_ns, after_name) when
 * after_name is non-NULL, at most limit items (0 = no limit). out is yours
 * (store_list_fini).
 */
int	store_list(struct store *s, const char *resource, const char *ns,
	    const char *after_ns, const char *after_name, size_t limit,
	    struct store_list *out) CK_MUST_CHECK;

/*
 * A whole list of resource in ns ("" or NULL = every namespace) read as it
 * is sent, from one read snapshot: store_list()'s order, no copy of the
 * bodies. *rv is the snapshot's revision. Until closed the cursor holds a
 * reader connection and its snapshot (SQLite's WAL cannot restart meanwhile),
 * so at most STORE_CURSORS_MAX are open at once. CK_ENOTSUP when that many
 * are, or when the backend has none (etcd): use store_list() then.
 */
struct store_cursor;
#define STORE_CURSORS_MAX	2
int	store_list_open(struct store *s, const char *resource, const char *ns,
	    struct store_cursor **out, int64_t *rv) CK_MUST_CHECK;
/*
 * 1 and the next object's body (*body, *len: valid until the next call),
 * 0 after the last one, < 0 (CK_EIO) on a read error.
 */
int	store_cursor_next(struct store_cursor *c, const char **body,
	    size_t *len);
/* Ends the snapshot and gives the connection back; NULL is fine. */
void	store_cursor_close(struct store_cursor *c);

/* Count objects of resource in ns ("" = all). */
int	store_count(struct store *s, const char *resource, const char *ns, int64_t *out) CK_MUST_CHECK;

/*
 * Create: obj's metadata.resourceVersion is set to the new revision (obj is
 * changed in place, not taken). CK_EEXIST if the key exists. *rv_out may be NULL.
 * A refused write (CK_EEXIST, CK_ECONFLICT, CK_ENOTFOUND, CK_EINVALID) leaves
 * obj untouched; after a storage failure (CK_EIO) obj may carry the attempted
 * revision although nothing was committed. The same holds for store_update.
 */
int	store_create(struct store *s, const char *resource, const char *ns,
	    const char *name, struct cJSON *obj, int64_t *rv_out) CK_MUST_CHECK;

/*
 * Replace the object if its current revision equals expect_rv (0: any).
 * metadata.resourceVersion of obj is set to the new revision.
 * CK_ENOTFOUND, CK_ECONFLICT.
 */
int	store_update(struct store *s, const char *resource, const char *ns,
	    const char *name, struct cJSON *obj, int64_t expect_rv,
	    int64_t *rv_out) CK_MUST_CHECK;

/*
 * Delete if the current revision equals expect_rv (0: any). The DELETED event
 * carries the last state with resourceVersion = the deletion revision; that
 * body is returned in *last_out (yours, free()) when last_out is non-NULL.
 * CK_ENOTFOUND, CK_ECONFLICT.
 */
int	store_delete(struct store *s, const char *resource, const char *ns,
	    const char *name, int64_t expect_rv, char **last_out,
	    int64_t *rv_out) CK_MUST_CHECK;

/* One write of store_txn(). */
enum store_op_type { STORE_OP_CREATE, STORE_OP_UPDATE, STORE_OP_DELETE };

struct store_op {
	enum store_op_type	 type;
	const char		*resource;
	const char		*ns;
	const char		*name;
	struct cJSON		*obj;		/* create/update: as store_create/update */
	int64_t			 expect_rv;	/* update/delete: 0 = any */
	int64_t			 rv;		/* out: the revision it got */
	char			*last;		/* out, delete: the last state (yours, free()) */
};

#define STORE_TXN_MAX	16

/*
 * Several writes (1..STORE_TXN_MAX, distinct objects) in one transaction:
 * all commit or none does. Each has store_create/update/delete's
 * precondition; the first refused one is *failed (may be NULL) and its
 * error is returned (CK_EEXIST, CK_ECONFLICT, CK_ENOTFOUND, CK_EINVALID),
 * leaving every obj untouched. They get consecutive revisions in order, and
 * their commit-hook events follow in that order. Used where one decision
 * spans two objects (an eviction: the pod's deletion and its budget).
 */
int	store_txn(struct store *s, struct store_op *ops, size_t n,
	    size_t *failed) CK_MUST_CHECK;

/*
 * Events with revision > from_rv for resource (NULL = every resource), in
 * order, at most limit (0 = all). CK_EGONE if from_rv < the compacted revision
 * (the events after it are no longer all there). Free with store_events_free.
 */
int	store_events_since(struct store *s, const char *resource, int64_t from_rv,
	    size_t limit, struct store_event **out, size_t *n) CK_MUST_CHECK;

/* Remove log entries with revision <= upto_rv (kept below the newest). */
int	store_compact(struct store *s, int64_t upto_rv) CK_MUST_CHECK;

void	store_item_fini(struct store_item *it);
void	store_list_fini(struct store_list *l);
void	store_event_fini(struct store_event *ev);
void	store_events_free(struct store_event *evs, size_t n);

#endif
