/*
 * revision.h: the pieces of Kubernetes' controller history package that
 * the controllers keeping ControllerRevisions share (the petset- and
 * daemonset-controllers): the template hash and the owner's revisions in
 * order.
 */
#ifndef CKUBE_REVISION_H
#define CKUBE_REVISION_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct cache;
struct kobj;
struct strbuf;

/*
 * Append to out the 10-character hash of template with collisions mixed
 * in (the SafeEncodeString alphabet: no vowels, no look-alikes).
 */
void	revision_hash(const struct cJSON *tmpl, int64_t collisions,
	    struct strbuf *out);

/*
 * The revisions in revs whose controller is owner_uid, lowest .revision
 * first (cache_list_free them). revs may be NULL (then NULL, *n 0).
 */
struct kobj **revision_list(struct cache *revs, const char *owner_uid,
	    size_t *n);

#endif
