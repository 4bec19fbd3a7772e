/*
 * watch.h: the watch stream and the revision log, shared by watch.c (one
 * HTTP watcher: filtering, framing, the byte queue the HTTP layer drains)
 * and watchlog.c (the store commit hook, the fan-out to every watcher, the
 * bus, heartbeats, timeouts and compaction).
 *
 * Locking: watchlog.mu guards the watcher list and is taken before any
 * watch.mu. The HTTP layer calls watch_read() with neither held.
 */
#ifndef CKUBE_APISERVER_WATCH_H
#define CKUBE_APISERVER_WATCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ckube/strbuf.h"
#include "apiserver.h"

struct store_event;
struct label_selector;
struct field_selector;

/* A watcher further behind than this is ended; the client relists. */
#define WATCH_MAX_QUEUE		(16u << 20)
/*
 * The initial list of a watch from "" or 0 is streamed: the next page of
 * at most this many objects is read from the store only once the client
 * has taken the previous one (WATCH_PAGE_SMALL while the watchers together
 * hold more than half of --watch-queue-bytes), so a watcher holds one page,
 * not a copy of the whole list.
 */
#define WATCH_PAGE_ITEMS	64
#define WATCH_PAGE_SMALL	4
/* A drained queue whose buffer grew past this gives the memory back. */
#define WATCH_BUF_KEEP		(64u << 10)

struct watch {
	pthread_mutex_t		 mu;
	struct strbuf		 buf;		/* framed events not yet sent */
	size_t			 off;		/* bytes of buf already sent */
	bool			 suspended;	/* the connection sleeps */
	bool			 ended;		/* no more events: end it */
	void			*conn;		/* HTTP layer's connection */
	void			(*resume)(void *conn);
	/* True if the client of the suspended conn went away (may be NULL). */
	bool			(*peer_gone)(void *conn);
	int64_t			 last_probe_ms;

	const struct api_resource *res;
	char			 ns[CK_NAME_MAX];
	char			 name[CK_NAME_MAX];
	struct label_selector	*lsel;
	struct field_selector	*fsel;
	bool			 filtered;	/* selectors are not empty */
	bool			 complete;	/* known[] has every match */
	char			**known;	/* sorted matching "ns/name" */
	size_t			 nknown, capknown;
	bool			 table;
	bool			 sent_columns;
	bool			 bookmarks;
	int64_t			 last_rv;	/* newest revision queued */
	/*
	 * One etcd txn's writes share a revision (store_txn): at last_rv,
	 * either every event is accounted for (rv_done: a list, a resume
	 * point) or rv_keys holds the "\nns/name\n" keys already queued.
	 */
	bool			 rv_done;
	struct strbuf		 rv_keys;
	int64_t			 deadline_ms;	/* 0 = none */
	int64_t			 last_write_ms;
	/* The initial list still streams: keys after the cursor are unsent. */
	bool			 listing;
	bool			 paging;	/* list_page is queueing a page */
	bool			 cursor_set;
	char			 cursor_ns[CK_NAME_MAX];
	char			 cursor_name[CK_NAME_MAX];
	size_t			 accounted;	/* bytes counted in wl->queued */

	struct watchlog		*wl;
	struct watch		*prev, *next;	/* under wl->mu */
	bool			 listed;
};

/* Recent events kept in memory, so most watch resumes never read the store. */
#define WATCHLOG_RING_EVENTS	4096
#define WATCHLOG_RING_BYTES	(32u << 20)

struct watchlog {
	pthread_mutex_t		 mu;
	struct store_event	*ring;		/* WATCHLOG_RING_EVENTS slots */
	size_t			 ring_head;	/* index of the oldest */
	size_t			 ring_n;
	size_t			 ring_bytes;
	int64_t			 ring_floor;	/* all events after it are in */
	pthread_cond_t		 cond;
	struct store		*store;
	struct bus		*bus;		/* NULL: no bus */
	struct watch		*head;
	_Atomic size_t		 nwatches;
	/*
	 * Bytes queued by every watcher together, and their budget
	 * (--watch-queue-bytes): past it, a watcher holding more than its
	 * share (budget / watchers) is ended as too slow (410, relist).
	 */
	_Atomic int64_t		 queued;
	int64_t			 budget;
	_Atomic int64_t		 slow_ended;	/* watchers ended as too slow */
	int64_t			 trim_peak;	/* ticker: queued since trim */
	size_t			 trim_peak_watches;
	int64_t			 rv;		/* newest revision seen */
	int64_t			 heartbeat_ms;
	int64_t			 compact_ms;	/* 0 = never */
	bool			 stopping;
	bool			 thread_started;
	pthread_t		 thread;
};

int64_t	watch_now_ms(void);

/* Every event through rv is accounted for (sent or listed); w->mu held. */
void	watch_mark_rv(struct watch *w, int64_t rv);
/* Queue ev for w (obj: its parsed body, or NULL); w->mu held. */
void	watch_feed(struct watch *w, const struct store_event *ev,
	    const struct cJSON *obj);
/* Queue a keepalive (BOOKMARK if asked, else a newline); w->mu held. */
void	watch_heartbeat(struct watch *w, int64_t rv);
/* Wake the HTTP layer if it sleeps; w->mu held. */
void	watch_wake(struct watch *w);

/*
 * For the HTTP layer. watch_attach sets the connection and its resume
 * function before the response is queued. watch_read copies up to max bytes
 * and returns their number; returns 0 after calling suspend(conn) (under the
 * watch lock) when there is nothing to send; -1 at the end of the stream.
 * watch_release unlinks and frees w (the response is gone).
 */
void	watch_attach(struct watch *w, void *conn, void (*resume)(void *conn));
/*
 * How the ticker asks, about once a WATCH_PROBE_MS, whether the client of a
 * sleeping connection closed it: MHD notices nothing while a connection is
 * suspended, so a closed watch held its buffers until the next heartbeat.
 */
#define WATCH_PROBE_MS	1000
void	watch_set_probe(struct watch *w, bool (*peer_gone)(void *conn));
ssize_t	watch_read(struct watch *w, char *buf, size_t max,
	    void (*suspend)(void *conn));
void	watch_release(struct watch *w);

/* watchlog.c */
struct watchlog *watchlog_new(struct store *s, struct bus *bus,
	    int64_t heartbeat_ms, int64_t compact_ms);
/* --watch-queue-bytes (0 = no global budget; the per-watch cap remains). */
#define WATCH_QUEUE_BUDGET_DEFAULT	"256Mi"
void	watchlog_set_budget(struct watchlog *wl, int64_t bytes);
/* Queued bytes of every watcher, and watchers ended as too slow. */
int64_t	watchlog_queued(struct watchlog *wl);
int64_t	watchlog_slow_ended(struct watchlog *wl);
/* Keep wl->queued in step with w's queue (w->mu held). */
void	watch_account(struct watch *w);
/* The store commit hook (arg = the watchlog). */
void	watchlog_commit(const struct store_event *ev, void *arg);
/* Start the heartbeat/timeout/compaction thread. */
int	watchlog_start(struct watchlog *wl) CK_MUST_CHECK;
/* End every watch and wake its connection (before stopping HTTP). */
void	watchlog_shutdown(struct watchlog *wl);
/* Stop the thread and free (every watch must be released). */
void	watchlog_free(struct watchlog *wl);
size_t	watchlog_count(struct watchlog *wl);
/*
 * Feed w every ring event of its resource after from_rv (wl->mu held).
 * Returns false, doing nothing, when the ring does not reach back that far.
 */
bool	watchlog_replay(struct watchlog *wl, struct watch *w, int64_t from_rv);
/* Link w (wl->mu held). */
void	watchlog_link(struct watchlog *wl, struct watch *w);

#endif
