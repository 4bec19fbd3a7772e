/*
 * fake_api.c: the in-memory API of controller unit tests (fake_api.h): a
 * controller_backend whose caches are filled by the test and whose writes
 * are recorded (and optionally applied to the caches).
 */
#include "fake_api.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/strbuf.h"

#define FAKE_RESOURCES_MAX	32

struct fake_fail {
	char	verb[16];
	char	resource[128];
	int	rc;
	int	count;
};

struct fake_api {
	pthread_mutex_t		 mu;
	char			*names[FAKE_RESOURCES_MAX];
	struct cache		*caches[FAKE_RESOURCES_MAX];
	size_t			 ncaches;
	struct fake_action	*actions;
	size_t			 nactions, cap;
	struct fake_fail	 fails[8];
	size_t			 nfails;
	int			 tracking;
	int64_t			 rv;
	uint64_t		 uid;
};

struct fake_api *
fake_api_new(void)
{
	struct fake_api *fa = ck_calloc(1, sizeof(*fa));

	pthread_mutex_init(&fa->mu, NULL);
	fa->rv = 1000;
	return fa;
}

void
fake_api_clear(struct fake_api *fa)
{
	size_t i;

	pthread_mutex_lock(&fa->mu);
	for (i = 0; i < fa->nactions; i++)
		kobj_unref(fa->actions[i].obj);
	fa->nactions = 0;
	pthread_mutex_unlock(&fa->mu);
}

void
fake_api_free(struct fake_api *fa)
{
	size_t i;

	if (fa == NULL)
		return;
	fake_api_clear(fa);
	free(fa->actions);
	for (i = 0; i < fa->ncaches; i++) {
		cache_free(fa->caches[i]);
		free(fa->names[i]);
	}
	pthread_mutex_destroy(&fa->mu);
	free(fa);
}

static struct cache *
cache_locked(struct fake_api *fa, const char *resource)
{
	size_t i;

	for (i = 0; i < fa->ncaches; i++)
		if (strcmp(fa->names[i], resource) == 0)
			return fa->caches[i];
	if (fa->ncaches == FAKE_RESOURCES_MAX)
		abort();
	fa->names[fa->ncaches] = ck_strdup(resource);
	fa->caches[fa->ncaches] = cache_new(resource);
	/* As controller_main registers it on WATCH_OWNED caches. */
	if (cache_add_index(fa->caches[fa->ncaches],
	    CACHE_INDEX_CONTROLLER_UID, cache_index_controller_uid) < 0)
		abort();
	return fa->caches[fa->ncaches++];
}

struct cache *
fake_api_cache(struct fake_api *fa, const char *resource)
{
	struct cache *c;

	pthread_mutex_lock(&fa->mu);
	c = cache_locked(fa, resource);
	pthread_mutex_unlock(&fa->mu);
	return c;
}

void
fake_api_add(struct fake_api *fa, const char *resource, struct kobj *obj)
{
	struct kobj *copy = kobj_ref(obj);

	kobj_unref(cache_put(fake_api_cache(fa, resource), copy));
	kobj_unref(copy);
}

void
fake_api_set_tracking(struct fake_api *fa, int on)
{
	pthread_mutex_lock(&fa->mu);
	fa->tracking = on;
	pthread_mutex_unlock(&fa->mu);
}

void
fake_api_fail(struct fake_api *fa, const char *verb, const char *resource,
    int rc, int count)
{
	struct fake_fail *f;

	pthread_mutex_lock(&fa->mu);
	if (fa->nfails < ARRAY_SIZE(fa->fails)) {
		f = &fa->fails[fa->nfails++];
		ck_strlcpy(f->verb, verb, sizeof(f->verb));
		ck_strlcpy(f->resource, resource != NULL ? resource : "",
		    sizeof(f->resource));
		f->rc = rc;
		f->count = count;
	}
	pthread_mutex_unlock(&fa->mu);
}

size_t
fake_api_nactions(struct fake_api *fa)
{
	size_t n;

	pthread_mutex_lock(&fa->mu);
	n = fa->nactions;
	pthread_mutex_unlock(&fa->mu);
	return n;
}

const struct fake_action *
fake_api_action(struct fake_api *fa, size_t i)
{
	const struct fake_action *a = NULL;

	pthread_mutex_lock(&fa->mu);
	if (i < fa->nactions)
		a = &fa->actions[i];
	pthread_mutex_unlock(&fa->mu);
	return a;
}

size_t
fake_api_count(struct fake_api *fa, const char *verb, const char *resource)
{
	size_t i, n = 0;

	pthread_mutex_lock(&fa->mu);
	for (i = 0; i < fa->nactions; i++)
		if ((verb == NULL || strcmp(fa->actions[i].verb, verb) == 0) &&
		    (resource == NULL ||
		    strcmp(fa->actions[i].resource, resource) == 0))
			n++;
	pthread_mutex_unlock(&fa->mu);
	return n;
}

/* "plural" or "plural.group" from a gvr. */
static void
gvr_name(const struct client_gvr *gvr, char *buf, size_t size)
{
	if (gvr->group != NULL && gvr->group[0] != '\0')
		snprintf(buf, size, "%s.%s", gvr->resource, gvr->group);
	else
		snprintf(buf, size, "%s", gvr->resource);
}

static int
obj_resource(const struct kobj *obj, char *buf, size_t size,
    struct ck_status *st)
{
	char group[128], version[32], res[128];
	struct client_gvr gvr = { group, version, res };
	int rc;

	rc = client_gvr_of(kobj_json(obj), group, sizeof(group), version,
	    sizeof(version), res, sizeof(res), st);
	if (rc == 0)
		gvr_name(&gvr, buf, size);
	return rc;
}

/* Record a call; returns the injected failure or 0 (mu held). */
/* An injected failure of verb on resource (fa->mu held), else 0. */
static int
take_fail(struct fake_api *fa, const char *verb, const char *resource,
    struct ck_status *st)
{
	struct fake_fail *f;
	size_t i;

	ck_status_clear(st);
	for (i = 0; i < fa->nfails; i++) {
		f = &fa->fails[i];
		if (f->count <= 0 || strcmp(f->verb, verb) != 0 ||
		    (f->resource[0] != '\0' &&
		    strcmp(f->resource, resource) != 0))
			continue;
		f->count--;
		return ck_status_set(st, f->rc, "fake_api: injected %s",
		    ck_strerror(f->rc));
	}
	return 0;
}

static int
record(struct fake_api *fa, const char *verb, const char *resource,
    const char *ns, const char *name, const char *sub,
    const struct kobj *obj, struct ck_status *st)
{
	struct fake_action *a;

	if (fa->nactions == fa->cap) {
		fa->cap = fa->cap ? fa->cap * 2 : 16;
		fa->actions = ck_reallocarray(fa->actions, fa->cap,
		    sizeof(*fa->actions));
	}
	a = &fa->actions[fa->nactions++];
	memset(a, 0, sizeof(*a));
	ck_strlcpy(a->verb, verb, sizeof(a->verb));
	ck_strlcpy(a->resource, resource, sizeof(a->resource));
	ck_strlcpy(a->ns, ns != NULL ? ns : "", sizeof(a->ns));
	ck_strlcpy(a->name, name != NULL ? name : "", sizeof(a->name));
	ck_strlcpy(a->subresource, sub != NULL ? sub : "",
	    sizeof(a->subresource));
	if (obj != NULL)
		a->obj = kobj_freeze(kobj_copy(obj));
	return take_fail(fa, verb, resource, st);
}

/* The object as the server would return it: uid and a new revision. */
static struct kobj *
stored(struct fake_api *fa, const struct kobj *obj, int create)
{
	struct kobj *o = kobj_copy(obj);
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRId64, ++fa->rv);
	if (kobj_set_str(o, "metadata.resourceVersion", buf) < 0)
		abort();
	if (create && kobj_uid(o)[0] == '\0') {
		snprintf(buf, sizeof(buf), "fake-uid-%" PRIu64, ++fa->uid);
		if (kobj_set_str(o, "metadata.uid", buf) < 0)
			abort();
	}
	/* generateName: the server's random suffix, here a counter. */
	if (create && kobj_name(o)[0] == '\0' &&
	    kobj_get_str(o, "metadata.generateName") != NULL) {
		char name[300];

		snprintf(name, sizeof(name), "%sg%" PRIu64,
		    kobj_get_str(o, "metadata.generateName"), fa->rv);
		if (kobj_set_str(o, "metadata.name", name) < 0)
			abort();
	}
	return o;
}

static int
write_obj(struct fake_api *fa, const char *verb, const struct kobj *obj,
    struct kobj **out, struct ck_status *st)
{
	struct kobj *o = NULL;
	char resource[256];
	int rc, create = strcmp(verb, "create") == 0;

	if (out != NULL)
		*out = NULL;
	rc = obj_resource(obj, resource, sizeof(resource), st);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&fa->mu);
	rc = record(fa, verb, resource, kobj_namespace(obj), kobj_name(obj),
	    strcmp(verb, "update_status") == 0 ? "status" : NULL, obj, st);
	if (rc == 0) {
		o = stored(fa, obj, create);
		if (fa->tracking)
			kobj_unref(cache_put(cache_locked(fa, resource), o));
	}
	pthread_mutex_unlock(&fa->mu);
	if (out != NULL)
		*out = o;
	else
		kobj_unref(o);
	return rc;
}

static int
fake_create(void *arg, const struct kobj *obj, struct kobj **out,
    struct ck_status *st)
{
	return write_obj(arg, "create", obj, out, st);
}

static int
fake_update(void *arg, const struct kobj *obj, struct kobj **out,
    struct ck_status *st)
{
	return write_obj(arg, "update", obj, out, st);
}

static int
fake_update_status(void *arg, const struct kobj *obj, struct kobj **out,
    struct ck_status *st)
{
	return write_obj(arg, "update_status", obj, out, st);
}

static int
fake_patch(void *arg, const struct client_gvr *gvr, const char *ns,
    const char *name, const char *sub, enum client_patch_type type,
    const struct cJSON *patch, struct kobj **out, struct ck_status *st)
{
	struct fake_api *fa = arg;
	struct kobj *p;
	char resource[256];
	cJSON *root;
	int rc;

	(void)type;
	if (out != NULL)
		*out = NULL;
	root = cJSON_Duplicate(patch, 1);
	if (cJSON_IsArray(root)) {
		cJSON *wrap = cJSON_CreateObject();

		cJSON_AddItemToObject(wrap, "patch", root);
		root = wrap;
	}
	p = kobj_new_take(root);
	gvr_name(gvr, resource, sizeof(resource));
	pthread_mutex_lock(&fa->mu);
	rc = record(fa, "patch", resource, ns, name, sub, p, st);
	pthread_mutex_unlock(&fa->mu);
	kobj_unref(p);
	return rc;
}

static int
fake_delete(void *arg, const struct client_gvr *gvr, const char *ns,
    const char *name, const struct client_delete_opts *opts,
    struct ck_status *st)
{
	struct fake_api *fa = arg;
	struct strbuf key = STRBUF_INIT;
	char resource[256];
	int rc;

	gvr_name(gvr, resource, sizeof(resource));
	pthread_mutex_lock(&fa->mu);
	rc = record(fa, "delete", resource, ns, name, NULL, NULL, st);
	if (opts != NULL && opts->propagation_policy != NULL)
		ck_strlcpy(fa->actions[fa->nactions - 1].policy,
		    opts->propagation_policy,
		    sizeof(fa->actions[fa->nactions - 1].policy));
	if (rc == 0 && fa->tracking) {
		if (ns != NULL && ns[0] != '\0')
			strbuf_addf(&key, "%s/%s", ns, name);
		else
			strbuf_addf(&key, "%s", name);
		kobj_unref(cache_remove(cache_locked(fa, resource),
		    strbuf_str(&key)));
	}
	pthread_mutex_unlock(&fa->mu);
	strbuf_fini(&key);
	return rc;
}

/* Reads are not recorded: a GET answers from the cache of its resource. */
static int
fake_get(void *arg, const struct client_gvr *gvr, const char *ns,
    const char *name, struct kobj **out, struct ck_status *st)
{
	struct fake_api *fa = arg;
	struct strbuf key = STRBUF_INIT;
	char resource[256];
	struct kobj *o;
	int rc;

	gvr_name(gvr, resource, sizeof(resource));
	if (ns != NULL && ns[0] != '\0')
		strbuf_addf(&key, "%s/%s", ns, name);
	else
		strbuf_addf(&key, "%s", name);
	pthread_mutex_lock(&fa->mu);
	rc = take_fail(fa, "get", resource, st);
	o = rc == 0 ? cache_get(cache_locked(fa, resource),
	    strbuf_str(&key)) : NULL;
	pthread_mutex_unlock(&fa->mu);
	strbuf_fini(&key);
	if (rc < 0)
		return rc;
	*out = o != NULL ? kobj_copy(o) : NULL;
	kobj_unref(o);
	if (*out == NULL)
		return ck_status_set(st, CK_ENOTFOUND,
		    "%s \"%s\" not found", resource, name);
	ck_status_clear(st);
	return 0;
}

static struct cache *
fake_cache(void *arg, const char *resource)
{
	return fake_api_cache(arg, resource);
}

static void
fake_event(void *arg, const struct kobj *obj, const char *type,
    const char *reason, const char *message)
{
	struct fake_api *fa = arg;
	struct fake_action *a;
	struct ck_status st;

	pthread_mutex_lock(&fa->mu);
	(void)record(fa, "event", "events", kobj_namespace(obj),
	    kobj_name(obj), NULL, NULL, &st);
	a = &fa->actions[fa->nactions - 1];
	ck_strlcpy(a->event_type, type, sizeof(a->event_type));
	ck_strlcpy(a->reason, reason, sizeof(a->reason));
	ck_strlcpy(a->message, message, sizeof(a->message));
	pthread_mutex_unlock(&fa->mu);
}

static const struct controller_backend fake_backend = {
	.create = fake_create,
	.update = fake_update,
	.update_status = fake_update_status,
	.patch = fake_patch,
	.del = fake_delete,
	.get = fake_get,
	.cache = fake_cache,
	.event = fake_event,
};

struct controller *
fake_api_controller(struct fake_api *fa, const struct controller_def *def)
{
	return controller_new_test(def, &fake_backend, fa);
}
