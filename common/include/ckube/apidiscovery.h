/*
 * apidiscovery.h: what resources an apiserver serves, read from the
 * discovery documents (/api, /api/v1, /apis, /apis/<group>/<version>), as
 * client-go's ServerPreferredResources: one version per group (the
 * preferred one), subresources left out. The garbage collector and the
 * namespace controller use it to find every kind they must watch or empty.
 */
#ifndef CKUBE_APIDISCOVERY_H
#define CKUBE_APIDISCOVERY_H

#include <stdbool.h>
#include <stddef.h>

#include "ckube/ck.h"

struct client;
struct ck_status;

enum apidiscovery_verb {
	APIDISCOVERY_GET = 1 << 0,
	APIDISCOVERY_LIST = 1 << 1,
	APIDISCOVERY_WATCH = 1 << 2,
	APIDISCOVERY_DELETE = 1 << 3,
	APIDISCOVERY_DELETECOLLECTION = 1 << 4,
	APIDISCOVERY_CREATE = 1 << 5,
	APIDISCOVERY_UPDATE = 1 << 6,
	APIDISCOVERY_PATCH = 1 << 7,
};

struct apidiscovery_resource {
	char		group[128];	/* "" for the core group */
	char		version[32];
	char		resource[128];	/* plural: "replicasets" */
	char		kind[128];
	char		qualified[260];	/* "replicasets.apps" */
	char		api_version[164];	/* "apps/v1", "v1" */
	bool		namespaced;
	unsigned	verbs;		/* enum apidiscovery_verb bits */
};

struct apidiscovery {
	struct apidiscovery_resource	*items;
	size_t				 n;
	size_t				 unavailable;	/* group versions skipped */
};

/*
 * Read every group's preferred version from the server into *out (freed by
 * apidiscovery_fini; empty on failure). A group version whose document
 * cannot be read fails the whole call (the caller retries later), except
 * a 503 (an aggregated API whose backend is down, e.g. metrics.k8s.io):
 * it is skipped and counted in out->unavailable, as client-go's partial
 * discovery results are.
 */
int	apidiscovery_fetch(struct client *cl, struct apidiscovery *out,
	    struct ck_status *st) CK_MUST_CHECK;

void	apidiscovery_fini(struct apidiscovery *d);

/* Whether r has every verb in mask. */
bool	apidiscovery_has_verbs(const struct apidiscovery_resource *r,
	    unsigned mask);

/*
 * The resource serving kind in api_version ("apps/v1", "v1"), or NULL.
 * When that exact version is not the preferred one, the same group and
 * kind in another version matches (an owner reference may name any served
 * version).
 */
const struct apidiscovery_resource *apidiscovery_find_kind(
	    const struct apidiscovery *d, const char *api_version,
	    const char *kind);

#endif
