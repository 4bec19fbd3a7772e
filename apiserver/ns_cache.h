/*
 * ns_cache.h: what the apiserver knows of each namespace's lifecycle, so a
 * create in a namespace needs no store read (it was 17% of a create's CPU).
 * Kept current by the store's commit hook (every namespace change, in
 * commit order); a namespace not seen since start is read from the store
 * once and remembered, unless a change of it was observed meanwhile.
 */
#ifndef CKUBE_APISERVER_NS_CACHE_H
#define CKUBE_APISERVER_NS_CACHE_H

#include <stdbool.h>
#include <stdint.h>

struct cJSON;
struct ns_cache;
struct store_event;

enum ns_state {
	NS_UNKNOWN,		/* not seen: ask the store */
	NS_ABSENT,		/* deleted since start */
	NS_ACTIVE,
	NS_TERMINATING,
};

struct ns_cache	*ns_cache_new(void);
void		 ns_cache_free(struct ns_cache *nc);
/* Commit hook part: record a namespaces event. Thread-safe. */
void		 ns_cache_observe(struct ns_cache *nc, const struct store_event *ev);
/* The state of ns. nc may be NULL (NS_UNKNOWN). Thread-safe. */
enum ns_state	 ns_cache_lookup(struct ns_cache *nc, const char *ns);
/*
 * Remember ns as read from the store (ACTIVE or TERMINATING), unless a
 * change of it was observed meanwhile. Thread-safe.
 */
void		 ns_cache_fill(struct ns_cache *nc, const char *ns,
		    enum ns_state state);

/*
 * The pod-security.kubernetes.io/ labels of ns (PodSecurity admission reads
 * them for every pod): 1 and *out (yours; NULL when it has none) if known,
 * 0 if not (read the store, then ns_cache_fill_psa). Thread-safe.
 */
int		 ns_cache_psa_labels(struct ns_cache *nc, const char *ns,
		    struct cJSON **out);
/*
 * Remember ns's labels as read from the store, if ns has an entry whose
 * labels no commit has given yet. Thread-safe.
 */
void		 ns_cache_fill_psa(struct ns_cache *nc, const char *ns,
		    const struct cJSON *labels);

#endif
