/*
 * fake_api.h: an in-memory API for controller unit tests (Kubernetes
 * fakes.go): caches the test fills with objects, and a recorder of the
 * create/update/update_status/patch/delete calls and Events a reconcile
 * makes, for the test to assert on. fake_api_controller() gives a
 * controller (controller_new_test) whose caches and writes are these, so
 * def->reconcile(c, key) runs with no socket.
 *
 * Writes are recorded and answered with success (creates get a uid and a
 * resourceVersion); with fake_api_set_tracking(fa, 1) creates, updates,
 * status updates and deletes also change the caches, as a cluster would
 * (patches are only recorded). fake_api_fail() makes chosen calls fail
 * (writes, and "get": controller_get).
 * GETs (controller_get) answer from the caches and are not recorded.
 * Thread-safe (workers may call it).
 */
#ifndef CKUBE_FAKE_API_H
#define CKUBE_FAKE_API_H

#include <stddef.h>

struct cache;
struct controller;
struct controller_def;
struct fake_api;
struct kobj;

/* One recorded call. */
struct fake_action {
	char		 verb[16];	/* create update update_status patch delete event */
	char		 resource[128];	/* "pods", "replicasets.apps" */
	char		 ns[254];
	char		 name[254];
	char		 subresource[32];
	struct kobj	*obj;		/* create/update*: the object sent; patch: the patch (as an object, or {"patch": array}) */
	char		 event_type[16];	/* event: Normal, Warning */
	char		 reason[64];
	char		 message[512];
	char		 policy[16];	/* delete: propagationPolicy sent */
};

struct fake_api	*fake_api_new(void);
void		 fake_api_free(struct fake_api *fa);

/*
 * Put obj (borrowed; the cache keeps its own frozen reference) in the cache
 * of resource. The cache is made on first use.
 */
void		 fake_api_add(struct fake_api *fa, const char *resource,
		    struct kobj *obj);
/* The cache of resource (made on first use; lives as long as fa). */
struct cache	*fake_api_cache(struct fake_api *fa, const char *resource);

/* Whether writes change the caches (0: record only, the default). */
void		 fake_api_set_tracking(struct fake_api *fa, int on);

/*
 * Make the next count calls of verb on resource (NULL: any) fail with rc
 * (a CK_E*, e.g. CK_ECONFLICT).
 */
void		 fake_api_fail(struct fake_api *fa, const char *verb,
		    const char *resource, int rc, int count);

/* A controller running def over fa (controller_free it before fa). */
struct controller *fake_api_controller(struct fake_api *fa,
		    const struct controller_def *def);

/* Recorded calls, oldest first; the pointer lives until the next call. */
size_t		 fake_api_nactions(struct fake_api *fa);
const struct fake_action *fake_api_action(struct fake_api *fa, size_t i);
/* How many recorded calls match verb and resource (NULL: any). */
size_t		 fake_api_count(struct fake_api *fa, const char *verb,
		    const char *resource);
void		 fake_api_clear(struct fake_api *fa);

#endif
