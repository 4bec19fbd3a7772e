/*
 * kind_count.h: how many objects of a few resources exist, cluster-wide,
 * kept by the store's commit hook, so a create skips the admission reads
 * of ResourceQuotas and LimitRanges while there are none (in a cluster
 * without any, a store read per create for nothing). As Kubernetes' quota
 * admission reads its informer's cache, the count follows commits.
 */
#ifndef CKUBE_APISERVER_KIND_COUNT_H
#define CKUBE_APISERVER_KIND_COUNT_H

#include <stdbool.h>

struct kind_count;
struct store;
struct store_event;

/*
 * Count the tracked resources in s (before the commit hook is set, so no
 * commit is counted twice). NULL if the store cannot count: then
 * kind_count_none is always false (every read happens).
 */
struct kind_count *kind_count_new(struct store *s);
void	kind_count_free(struct kind_count *kc);
/* Commit hook part: an ADDED or DELETED of a tracked resource. */
void	kind_count_observe(struct kind_count *kc, const struct store_event *ev);
/* True if no object of resource (a tracked one) exists; kc may be NULL. */
bool	kind_count_none(const struct kind_count *kc, const char *resource);

#endif
