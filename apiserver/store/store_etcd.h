/*
 * store_etcd.h: the etcd backend's state, shared by store_etcd.c (the ops)
 * and store_etcd_watch.c (the watch thread, history replay). Private to
 * store/.
 */
#ifndef CKUBE_APISERVER_STORE_ETCD_H
#define CKUBE_APISERVER_STORE_ETCD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "store.h"
#include "store_impl.h"

struct cJSON;
struct strbuf;

/* A write waits this long for the watch to deliver its event to the hook. */
#define ETCD_HOOK_WAIT_MS	10000

struct etcd_store {
	struct store		 base;		/* first: the ops */
	struct etcd_client	*cl;
	char			*prefix;	/* "/registry", no trailing '/' */

	pthread_mutex_t		 mu;		/* below, up to cv */
	pthread_cond_t		 cv;		/* delivered moved, or stopping */
	int64_t			 delivered;	/* every event <= it went to the hook */
	int64_t			 last_event;	/* the newest event the watch saw */
	store_commit_fn		 hook;
	void			*hook_arg;

	pthread_t		 thread;	/* the watch (store_etcd_watch.c) */
	bool			 thread_started;
	bool			 watch_on_hook;	/* started by set_commit_hook */
	atomic_int		 stop;
	atomic_int		 watch_ok;	/* the watch stream is up */
	_Atomic int64_t		 compacted;
	_Atomic int64_t		 compact_asked;	/* the last compaction sent */

	pthread_mutex_t		 hmu;		/* store_write_health's probe */
	int64_t			 probe_ms;
	int			 health_rc;
	char			 health_msg[256];
};

/* The thread running this store's commit hook, if any (writes refused). */
extern _Thread_local const struct etcd_store *etcd_hook_running;

/* prefix/resource/[ns/]name, or with name NULL the range prefix of a list. */
void	etcd_key(const struct etcd_store *s, struct strbuf *sb,
	    const char *resource, const char *ns, const char *name);
/* Split a stored key into resource, ns ("" if cluster-scoped), name. */
int	etcd_key_split(const struct etcd_store *s, const char *key,
	    char **resource, char **ns, char **name);
/* value (JSON) with metadata.resourceVersion = rv, malloc'd; NULL if bad. */
char	*etcd_body_with_rv(const char *value, size_t len, int64_t rv,
	    size_t *out_len);
/* Add "key" and "range_end" (everything under prefix p) to req. */
void	etcd_add_prefix_range(struct cJSON *req, const char *p, size_t len);

int	etcd_watch_start(struct etcd_store *s);
void	etcd_watch_stop(struct etcd_store *s);
/* etcd's revision now. */
int	etcd_current_revision(struct etcd_store *s, int64_t *rev);
int	etcd_events_since(struct store *base, const char *resource,
	    int64_t from_rv, size_t limit, struct store_event **out, size_t *n);
/* Raise the known compacted revision to c (watches from below it: 410). */
void	etcd_note_compacted(struct etcd_store *s, int64_t c);

#endif
