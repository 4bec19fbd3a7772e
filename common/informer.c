/*
 * informer.c: LIST + watch bus + HTTP catch-up into caches (informer.h has
 * the recovery rules and the threads). The informer thread owns the bus
 * sockets; each resource's helper thread owns its LISTs and HTTP watches.
 * A resource is handed between the two under the group mutex (busy flag),
 * so its cache and last revision have one writer at a time.
 */
#include "ckube/informer.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/bus.h"
#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/metrics.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"
#include "ckube/transform.h"

#define INFORMER_HANDLERS_MAX	8
#define INFORMER_MAX		256

enum req {
	REQ_NONE,
	REQ_RELIST,
	REQ_CATCHUP,	/* HTTP watch until revision target */
	REQ_VERIFY,	/* short HTTP watch: anything missed? */
	REQ_FOLLOW,	/* HTTP watch for good (no bus) */
	REQ_FILL,	/* LIST what informer_fill() asked for into the cache */
};

/* An informer_fill() request. */
struct fill {
	struct fill	*next;
	uint64_t	 ticket;	/* informer_fill()'s return */
	char		*ns;		/* NULL: every namespace */
	char		*selector;	/* NULL: everything */
};

/* A copy of a bus message kept for a busy resource, in arrival order. */
struct backlog_msg {
	struct backlog_msg	*next;
	struct bus_msg		 msg;	/* payload points at data */
	char			 data[];
};

#define BACKLOG_BYTES_MAX	(256u << 20)	/* beyond: drop, the seq gap recovers */

struct informer {
	struct informer_group	*g;
	char			*resource;
	char			 group[128];
	char			 version[32];
	char			 plural[128];
	struct client_gvr	 gvr;
	struct cache		*cache;
	struct informer_handlers h[INFORMER_HANDLERS_MAX];
	size_t			 nh;
	const char *const	*keep;	/* NULL, or the paths its cache keeps */
	const char *const	*cache_keep;	/* fewer paths for the cache */
	int			 written_back;	/* keep every annotation */
	bool			(*want)(const struct kobj *obj, void *arg);
	void			*want_arg;	/* want(): NULL caches all */
	struct fill		*fills;		/* pending; under g->mu */
	uint64_t		 fill_next;	/* last ticket given; under g->mu */
	uint64_t		 fill_done;	/* last ticket done; under g->mu */

	/* Bus messages that arrived while the helper had the resource. */
	struct backlog_msg	*bl_head;
	struct backlog_msg	**bl_tail;
	size_t			 bl_bytes;

	/* Owned by the thread that has the resource (busy handoff). */
	int64_t			 rv;
	int			 on_bus;	/* 0: HTTP watch only (under g->mu) */
	int			 seen_msg;
	uint64_t		 epoch;
	uint64_t		 seq;
	int			 dirty;	/* bus traffic since the last verify */
	uint64_t		 last_msg_ms;
	uint64_t		 next_verify_ms;

	/* Under g->mu. */
	int			 busy;
	enum req		 req;
	int64_t			 target;
	int			 synced;
	struct informer_stats	 stats;
	pthread_cond_t		 cond;
	pthread_t		 thread;
	int			 thread_started;
};

struct informer_group {
	struct client		*cl;
	struct informer_options	 opt;
	char			*bus_url;
	struct bus		*bus;	/* one SUB socket for every resource */
	struct informer		*infs[INFORMER_MAX];
	size_t			 n;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cond;	/* synced changes */
	int			 evfd;	/* wakes the informer thread */
	pthread_t		 thread;
	int			 started;
	int			 stopping;	/* under mu */
	unsigned int		 drop_every;	/* under mu */
	unsigned int		 drop_count;
	uint64_t		 next_trim_ms;	/* informer thread */
	uint64_t		 trim_period_ms;
};

/*
 * How often the caches drop the cJSON copies readers decoded from compact
 * objects they no longer hold: a reconcile reads an object's subtrees, and
 * the copies would otherwise stay as long as the object.
 */
#define TRIM_PERIOD_MS	10000
#define FOLLOW_FILL_S	2	/* a filtered HTTP-only informer fills this often */

static const struct {
	const char	*group;
	const char	*version;
} group_versions[] = {
	{ "extensions", "v1beta1" },
	{ "autoscaling", "v2" },	/* the stored HorizontalPodAutoscaler */
	{ "federation", "v1beta1" },	/* ckube-federation-apiserver Clusters */
};

/*
 * Test hook CKUBE_TEST_CACHE_TRIM_MS=N: trim the caches every N ms instead
 * of TRIM_PERIOD_MS, so that sanitizer runs catch a reader using a decoded
 * copy without holding a reference.
 */
static void
test_trim_from_env(struct informer_group *g)
{
	const char *v = getenv("CKUBE_TEST_CACHE_TRIM_MS");
	int64_t n;

	g->trim_period_ms = TRIM_PERIOD_MS;
	if (v == NULL || v[0] == '\0')
		return;
	if (ck_parse_int64(v, &n) != 0 || n < 1 || n > 3600000) {
		log_warn("informer: CKUBE_TEST_CACHE_TRIM_MS=%s ignored", v);
		return;
	}
	g->trim_period_ms = (uint64_t)n;
}

/*
 * Test hook CKUBE_TEST_BUS_DROP_EVERY=N: every daemon's informers drop
 * every Nth bus message, as a slow subscriber would (inert when unset).
 */
static void
test_drop_from_env(struct informer_group *g)
{
	const char *v = getenv("CKUBE_TEST_BUS_DROP_EVERY");
	int64_t n;

	if (v == NULL || v[0] == '\0')
		return;
	if (ck_parse_int64(v, &n) != 0 || n < 0 || n > 1000000) {
		log_warn("informer: CKUBE_TEST_BUS_DROP_EVERY=%s ignored", v);
		return;
	}
	log_warn("informer: test hook: dropping every %lld bus message(s)",
	    (long long)n);
	g->drop_every = (unsigned int)n;
}

struct informer_group *
informer_group_new(struct client *cl, const struct informer_options *opt)
{
	struct informer_group *g = ck_calloc(1, sizeof(*g));

	g->cl = cl;
	if (opt != NULL)
		g->opt = *opt;
	if (g->opt.bus_url != NULL && g->opt.bus_url[0] != '\0')
		g->bus_url = ck_strdup(g->opt.bus_url);
	g->opt.bus_url = g->bus_url;
	if (g->opt.page_size <= 0)
		g->opt.page_size = 500;
	if (g->opt.verify_quiet_ms == 0)
		g->opt.verify_quiet_ms = 1000;
	if (g->opt.verify_period_ms == 0)
		g->opt.verify_period_ms = 60000;
	if (g->opt.retry_ms == 0)
		g->opt.retry_ms = 1000;
	pthread_mutex_init(&g->mu, NULL);
	if (clock_cond_init(&g->cond) != 0)
		fatalx("informer: cond init");
	g->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (g->evfd < 0)
		fatal("informer: eventfd");
	test_drop_from_env(g);
	test_trim_from_env(g);
	return g;
}

/* Under g->mu, or before start (no other thread yet). */
static struct informer *
find_locked(struct informer_group *g, const char *resource)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (strcmp(g->infs[i]->resource, resource) == 0)
			return g->infs[i];
	return NULL;
}

struct informer *
informer_group_find(struct informer_group *g, const char *resource)
{
	struct informer *inf;

	pthread_mutex_lock(&g->mu);
	inf = find_locked(g, resource);
	pthread_mutex_unlock(&g->mu);
	return inf;
}

static void
split_resource(struct informer *inf)
{
	const char *dot = strchr(inf->resource, '.');
	size_t i, len;

	len = dot != NULL ? (size_t)(dot - inf->resource) :
	    strlen(inf->resource);
	if (len >= sizeof(inf->plural))
		len = sizeof(inf->plural) - 1;
	memcpy(inf->plural, inf->resource, len);
	inf->plural[len] = '\0';
	ck_strlcpy(inf->group, dot != NULL ? dot + 1 : "", sizeof(inf->group));
	ck_strlcpy(inf->version, "v1", sizeof(inf->version));
	for (i = 0; i < ARRAY_SIZE(group_versions); i++)
		if (strcmp(inf->group, group_versions[i].group) == 0)
			ck_strlcpy(inf->version, group_versions[i].version,
			    sizeof(inf->version));
	inf->gvr.group = inf->group;
	inf->gvr.version = inf->version;
	inf->gvr.resource = inf->plural;
}

static struct informer *
informer_alloc(struct informer_group *g, const char *resource)
{
	struct informer *inf = ck_calloc(1, sizeof(*inf));

	inf->g = g;
	inf->resource = ck_strdup(resource);
	inf->cache = cache_new(resource);
	inf->bl_tail = &inf->bl_head;
	if (clock_cond_init(&inf->cond) != 0)
		fatalx("informer: cond init");
	return inf;
}

struct informer *
informer_group_add(struct informer_group *g, const char *resource,
    const struct informer_handlers *h)
{
	struct informer *inf;

	inf = find_locked(g, resource);
	if (inf == NULL) {
		if (g->n == INFORMER_MAX || g->started)
			fatalx("informer: cannot add %s", resource);
		inf = informer_alloc(g, resource);
		split_resource(inf);
		g->infs[g->n++] = inf;
	}
	if (h != NULL) {
		if (inf->nh == INFORMER_HANDLERS_MAX)
			fatalx("informer %s: too many handlers", resource);
		inf->h[inf->nh++] = *h;
	}
	return inf;
}

static int start_one(struct informer_group *g, struct informer *inf);
static void wake(struct informer_group *g);

int
informer_group_add_gvr(struct informer_group *g, const char *resource,
    const struct client_gvr *gvr, const struct informer_handlers *h,
    struct informer **out)
{
	struct informer *inf;
	int rc = 0, started;

	if (out != NULL)
		*out = NULL;
	/*
	 * All under the group mutex, so informer_group_stop either refuses
	 * this add or finds (and joins) the new helper. The helper itself
	 * waits for the mutex before it looks at anything.
	 */
	pthread_mutex_lock(&g->mu);
	inf = find_locked(g, resource);
	if (inf != NULL || g->stopping || g->n == INFORMER_MAX) {
		rc = inf != NULL ? CK_EEXIST : g->stopping ? CK_ESHUTDOWN :
		    CK_ENOMEM;
		goto out;
	}
	started = g->started;
	inf = informer_alloc(g, resource);
	ck_strlcpy(inf->group, gvr->group != NULL ? gvr->group : "",
	    sizeof(inf->group));
	ck_strlcpy(inf->version, gvr->version, sizeof(inf->version));
	ck_strlcpy(inf->plural, gvr->resource, sizeof(inf->plural));
	inf->gvr.group = inf->group;
	inf->gvr.version = inf->version;
	inf->gvr.resource = inf->plural;
	if (h != NULL)
		inf->h[inf->nh++] = *h;
	if (started && (rc = start_one(g, inf)) < 0) {
		cache_free(inf->cache);
		pthread_cond_destroy(&inf->cond);
		free(inf->resource);
		free(inf);
		inf = NULL;
		goto out;
	}
	g->infs[g->n++] = inf;
	if (started)
		wake(g);
out:
	pthread_mutex_unlock(&g->mu);
	if (out != NULL)
		*out = inf;
	return rc;
}

struct cache *
informer_cache(struct informer *inf)
{
	return inf->cache;
}

const char *
informer_resource(const struct informer *inf)
{
	return inf->resource;
}

bool
informer_has_synced(struct informer *inf)
{
	bool synced;

	pthread_mutex_lock(&inf->g->mu);
	synced = inf->synced != 0;
	pthread_mutex_unlock(&inf->g->mu);
	return synced;
}

void
informer_get_stats(struct informer *inf, struct informer_stats *out)
{
	pthread_mutex_lock(&inf->g->mu);
	*out = inf->stats;
	pthread_mutex_unlock(&inf->g->mu);
}

void
informer_group_test_drop_every(struct informer_group *g, unsigned int n)
{
	pthread_mutex_lock(&g->mu);
	g->drop_every = n;
	g->drop_count = 0;
	pthread_mutex_unlock(&g->mu);
}

static bool
stopping(struct informer_group *g)
{
	bool s;

	pthread_mutex_lock(&g->mu);
	s = g->stopping != 0;
	pthread_mutex_unlock(&g->mu);
	return s;
}

static void
wake(struct informer_group *g)
{
	uint64_t one = 1;

	if (write(g->evfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		log_warn("informer: eventfd write: %s", strerror(errno));
}

/* Calling handlers */

static void
notify(struct informer *inf, const struct kobj *old_obj,
    const struct kobj *new_obj)
{
	size_t i;

	for (i = 0; i < inf->nh; i++) {
		if (old_obj == NULL && inf->h[i].on_add != NULL)
			inf->h[i].on_add(new_obj, inf->h[i].arg);
		else if (new_obj == NULL && inf->h[i].on_delete != NULL)
			inf->h[i].on_delete(old_obj, inf->h[i].arg);
		else if (old_obj != NULL && new_obj != NULL &&
		    inf->h[i].on_update != NULL)
			inf->h[i].on_update(old_obj, new_obj, inf->h[i].arg);
	}
}

static void
relist_delta(const struct kobj *old_obj, const struct kobj *new_obj,
    void *arg)
{
	notify(arg, old_obj, new_obj);
}

/* A relist of a cache_keep informer: handlers get the listed objects. */
struct relist_wide {
	struct informer	*inf;
	struct strmap	*wide;	/* key -> listed object (borrowed) */
};

static void
relist_delta_wide(const struct kobj *old_obj, const struct kobj *new_obj,
    void *arg)
{
	struct relist_wide *rw = arg;
	const struct kobj *w = NULL;

	if (new_obj != NULL)
		w = strmap_get(rw->wide, kobj_key(new_obj));
	notify(rw->inf, old_obj, w != NULL ? w : new_obj);
}

static void
set_rv(struct informer *inf, int64_t rv)
{
	if (rv > inf->rv) {
		inf->rv = rv;
		cache_set_resource_version(inf->cache, rv);
	}
}

/*
 * Trim an unfrozen obj to what the daemon reads (transform.h): a controller
 * caching every pod needs a few of its fields, and caches are most of a
 * daemon's memory.
 */
static void
prune(struct informer *inf, struct kobj *obj)
{
	unsigned int flags = 0;

	if (inf->g->opt.metadata_only)
		flags |= TRANSFORM_METADATA_ONLY;
	if (inf->written_back)
		flags |= TRANSFORM_KEEP_ANNOTATIONS;
	transform_object(kobj_json_mut(obj),
	    inf->keep != NULL ? inf->keep : inf->g->opt.keep, flags);
}

void
informer_set_keep(struct informer *inf, const char *const *paths)
{
	inf->keep = paths;
}

void
informer_set_cache_keep(struct informer *inf, const char *const *paths)
{
	inf->cache_keep = paths;
}

/* obj (taken) in its compact form, for caches. */
static struct kobj *
swap_compact(struct kobj *obj)
{
	struct kobj *c = kobj_compact(obj);

	kobj_unref(obj);
	return c;
}

/*
 * What inf's cache holds of obj (frozen): obj itself, or a narrower copy
 * when the handlers see more than the cache keeps. A new reference.
 */
static struct kobj *
cached_form(struct informer *inf, struct kobj *obj)
{
	struct kobj *k;
	cJSON *stub;

	if (inf->cache_keep == NULL)
		return kobj_ref(obj);
	stub = transform_copy(kobj_json(obj), inf->cache_keep,
	    inf->written_back ? TRANSFORM_KEEP_ANNOTATIONS : 0);
	/* Every object of the cache has the same: two nodes saved each. */
	cJSON_DeleteItemFromObjectCaseSensitive(stub, "apiVersion");
	cJSON_DeleteItemFromObjectCaseSensitive(stub, "kind");
	k = kobj_new_take(stub);
	kobj_freeze(k);
	return swap_compact(k);
}

void
informer_set_filter(struct informer *inf,
    bool (*want)(const struct kobj *obj, void *arg), void *arg)
{
	inf->want = want;
	inf->want_arg = arg;
}

/* An object the daemon does not want is, to its cache, a deleted one. */
static bool
unwanted(struct informer *inf, enum client_event_type type,
    const struct kobj *obj)
{
	return type != CLIENT_EVENT_DELETED && inf->want != NULL &&
	    !inf->want(obj, inf->want_arg);
}

void
informer_set_written_back(struct informer *inf)
{
	inf->written_back = 1;
}

/*
 * Without a cache_keep, handlers see the object the cache holds: both get
 * its compact form.
 */
static struct kobj *
narrow_form(struct informer *inf, struct kobj *obj)
{
	return inf->cache_keep == NULL ? swap_compact(obj) : obj;
}

/*
 * Apply one watch event (obj taken). Events older than the last revision
 * applied, or not newer than the cached object, are duplicates. One etcd
 * txn's writes share a revision (the quotas of a namespace), so an event
 * at the last revision is applied unless its object already has it.
 */
static void
apply(struct informer *inf, enum client_event_type type, struct kobj *obj)
{
	struct kobj *old = NULL, *cached;
	int64_t rv;

	rv = cache_rv_parse(kobj_resource_version(obj));
	if (type == CLIENT_EVENT_BOOKMARK) {
		set_rv(inf, rv);
		goto out;
	}
	if (rv < inf->rv || kobj_key(obj)[0] == '\0')
		goto out;
	old = cache_get(inf->cache, kobj_key(obj));
	if (old != NULL &&
	    cache_rv_parse(kobj_resource_version(old)) >= rv)
		goto out;
	kobj_unref(old);
	old = NULL;
	if (unwanted(inf, type, obj)) {
		/* Handlers see the last state they were told of go. */
		old = cache_remove(inf->cache, kobj_key(obj));
		if (old != NULL)
			notify(inf, old, NULL);
		set_rv(inf, rv);
		goto out;
	}
	prune(inf, obj);
	kobj_freeze(obj);
	obj = narrow_form(inf, obj);
	if (type == CLIENT_EVENT_DELETED) {
		old = cache_remove(inf->cache, kobj_key(obj));
		if (old != NULL)
			notify(inf, obj, NULL);
	} else {
		cached = cached_form(inf, obj);
		old = cache_put(inf->cache, cached);
		kobj_unref(cached);
		notify(inf, old, obj);
	}
	set_rv(inf, rv);
out:
	kobj_unref(old);
	kobj_unref(obj);
}

/* The helper thread: LIST and HTTP watches */

/* cache_replace with the cache's forms; handlers see the listed objects. */
static void
replace_narrow(struct informer *inf, struct client_kobjs *list)
{
	struct relist_wide rw = { inf, strmap_new() };
	struct kobj **narrow;
	size_t i;

	narrow = ck_calloc(list->n + 1, sizeof(*narrow));
	for (i = 0; i < list->n; i++) {
		narrow[i] = cached_form(inf, list->items[i]);
		strmap_put(rw.wide, kobj_key(list->items[i]), list->items[i]);
	}
	cache_replace(inf->cache, narrow, list->n,
	    cache_rv_parse(list->resource_version), relist_delta_wide, &rw);
	for (i = 0; i < list->n; i++)
		kobj_unref(narrow[i]);
	free(narrow);
	strmap_free(rw.wide, NULL);
}

/* Drop the listed objects the daemon does not want (a relist deletes them). */
static void
keep_wanted(struct informer *inf, struct client_kobjs *list)
{
	size_t i, n = 0;

	for (i = 0; i < list->n; i++) {
		if (unwanted(inf, CLIENT_EVENT_ADDED, list->items[i]))
			kobj_unref(list->items[i]);
		else
			list->items[n++] = list->items[i];
	}
	list->n = n;
}

static int
relist(struct informer *inf)
{
	struct client_list_opts lo = { .limit = inf->g->opt.page_size };
	struct client_kobjs list = { 0 };
	struct ck_status st;
	size_t i;
	int rc;

	rc = client_list_all_kobj(inf->g->cl, &inf->gvr, NULL, &lo, 0,
	    &list, &st);
	if (rc < 0) {
		if (rc != CK_ESHUTDOWN)
			log_warn("informer %s: list: %s", inf->resource,
			    st.message);
		return rc;
	}
	keep_wanted(inf, &list);
	for (i = 0; i < list.n; i++) {
		prune(inf, list.items[i]);
		kobj_freeze(list.items[i]);
		list.items[i] = narrow_form(inf, list.items[i]);
	}
	if (inf->cache_keep != NULL)
		replace_narrow(inf, &list);
	else
		cache_replace(inf->cache, list.items, list.n,
		    cache_rv_parse(list.resource_version), relist_delta, inf);
	inf->rv = cache_rv_parse(list.resource_version);
	log_v(2, "informer %s: listed %zu objects at revision %lld",
	    inf->resource, list.n, (long long)inf->rv);
	client_kobjs_fini(&list);
	pthread_mutex_lock(&inf->g->mu);
	inf->stats.relists++;
	pthread_mutex_unlock(&inf->g->mu);
	return 0;
}

/*
 * Filled objects enter the cache like a watch's adds, unless the cache
 * holds them at their version or newer. The helper has the resource (bus
 * messages wait in the backlog), so a change after the LIST is applied
 * after it: the cache ends in the server's state either way.
 */
static void
fill_one(struct informer *inf, struct kobj *obj)
{
	struct kobj *old, *cached;

	old = cache_get(inf->cache, kobj_key(obj));
	if (unwanted(inf, CLIENT_EVENT_ADDED, obj) || (old != NULL &&
	    cache_rv_parse(kobj_resource_version(old)) >=
	    cache_rv_parse(kobj_resource_version(obj)))) {
		kobj_unref(old);
		kobj_unref(obj);
		return;
	}
	kobj_unref(old);
	prune(inf, obj);
	kobj_freeze(obj);
	obj = narrow_form(inf, obj);
	cached = cached_form(inf, obj);
	old = cache_put(inf->cache, cached);
	kobj_unref(cached);
	notify(inf, old, obj);
	kobj_unref(old);
	kobj_unref(obj);
}

static void
fill_free(struct fill *f)
{
	free(f->ns);
	free(f->selector);
	free(f);
}

/*
 * Whether a fill's LIST failed for good (the request itself is refused):
 * retrying it would hold the resource, and its bus messages, forever.
 */
static bool
fill_refused(int rc)
{
	return rc == CK_EINVALID || rc == CK_EBADREQ || rc == CK_EPERM ||
	    rc == CK_EUNAUTH || rc == CK_ENOTFOUND || rc == CK_ENOTSUP;
}

/*
 * Do every pending informer_fill(). A LIST that failed for a reason that
 * may pass stays pending (the helper retries); one refused is dropped,
 * counted done, so its waiter goes on with what the cache has.
 */
static int
fill_all(struct informer *inf)
{
	struct client_list_opts lo = { .limit = inf->g->opt.page_size };
	struct client_kobjs list = { 0 };
	struct ck_status st;
	struct fill *f;
	size_t i;
	int rc = 0;

	for (;;) {
		pthread_mutex_lock(&inf->g->mu);
		f = inf->fills;
		if (f != NULL)
			inf->fills = f->next;
		pthread_mutex_unlock(&inf->g->mu);
		if (f == NULL)
			return rc;
		lo.label_selector = f->selector;
		memset(&list, 0, sizeof(list));
		rc = client_list_all_kobj(inf->g->cl, &inf->gvr, f->ns, &lo, 0,
		    &list, &st);
		if (rc < 0 && fill_refused(rc)) {
			log_error("informer %s: fill of %s (%s) dropped: %s",
			    inf->resource, f->ns != NULL ? f->ns : "all",
			    f->selector != NULL ? f->selector : "all",
			    st.message);
			client_kobjs_fini(&list);
			memset(&list, 0, sizeof(list));
			rc = 0;
		} else if (rc < 0) {
			if (rc != CK_ESHUTDOWN)
				log_warn("informer %s: fill: %s", inf->resource,
				    st.message);
			pthread_mutex_lock(&inf->g->mu);
			f->next = inf->fills;
			inf->fills = f;
			pthread_mutex_unlock(&inf->g->mu);
			return rc;
		}
		for (i = 0; i < list.n; i++)
			fill_one(inf, list.items[i]);
		list.n = 0;	/* taken */
		client_kobjs_fini(&list);	/* (empty after a refusal) */
		pthread_mutex_lock(&inf->g->mu);
		inf->fill_done = f->ticket;	/* tickets go in order */
		pthread_mutex_unlock(&inf->g->mu);
		fill_free(f);
	}
}

uint64_t
informer_fill(struct informer *inf, const char *ns, const char *selector)
{
	struct fill *f = ck_calloc(1, sizeof(*f)), **p;
	uint64_t ticket;

	f->ns = ns != NULL && ns[0] != '\0' ? ck_strdup(ns) : NULL;
	f->selector = selector != NULL && selector[0] != '\0' ?
	    ck_strdup(selector) : NULL;
	pthread_mutex_lock(&inf->g->mu);
	for (p = &inf->fills; *p != NULL; p = &(*p)->next)
		if (strcmp((*p)->ns ? (*p)->ns : "", f->ns ? f->ns : "") == 0 &&
		    strcmp((*p)->selector ? (*p)->selector : "",
		    f->selector ? f->selector : "") == 0)
			break;
	if (*p == NULL) {
		f->ticket = ++inf->fill_next;
		*p = f;
		f = NULL;
	}
	ticket = (*p)->ticket;
	pthread_mutex_unlock(&inf->g->mu);
	if (f != NULL)
		fill_free(f);	/* the same one is pending */
	else
		wake(inf->g);
	return ticket;
}

bool
informer_fill_done(struct informer *inf, uint64_t ticket)
{
	bool done;

	pthread_mutex_lock(&inf->g->mu);
	done = inf->fill_done >= ticket;
	pthread_mutex_unlock(&inf->g->mu);
	return done;
}

struct watch_ctx {
	struct informer	*inf;
	enum req	 req;
	int64_t		 target;
};

#define WATCH_DONE	1

static int
watch_event(enum client_event_type type, struct kobj *obj, void *arg)
{
	struct watch_ctx *w = arg;
	struct informer *inf = w->inf;

	apply(inf, type, obj);
	if (stopping(inf->g))
		return CK_ESHUTDOWN;
	if (w->req == REQ_CATCHUP && inf->rv >= w->target)
		return WATCH_DONE;
	if (w->req == REQ_VERIFY && type == CLIENT_EVENT_BOOKMARK)
		return WATCH_DONE;
	return 0;
}

/*
 * The store's current revision (a one-item LIST), or 0. A verifying watch
 * that ran to its end has delivered every event up to it, so the informer
 * may move its revision there: an idle resource then never falls behind
 * the server's compaction (and never needs a relist for that).
 */
static int64_t
current_revision(struct informer *inf)
{
	struct client_list_opts lo = { .limit = 1 };
	struct client_list list = { 0 };
	struct ck_status st;
	int64_t rv = 0;

	if (client_list(inf->g->cl, &inf->gvr, NULL, &lo, &list, &st) == 0)
		rv = cache_rv_parse(list.resource_version);
	client_list_fini(&list);
	return rv;
}

static int
watch(struct informer *inf, enum req req, int64_t target)
{
	struct watch_ctx w = { inf, req, target };
	struct client_watch_opts wo = { .allow_bookmarks = 1 };
	struct ck_status st;
	int64_t now_rv = 0;
	char rv[32];
	int rc;

	if (req == REQ_VERIFY)
		now_rv = current_revision(inf);
	for (;;) {
		if (req == REQ_CATCHUP && inf->rv >= target)
			return 0;
		snprintf(rv, sizeof(rv), "%lld", (long long)inf->rv);
		wo.resource_version = rv;
		/* A filtered follow ends every FOLLOW_FILL_S to do its fills. */
		wo.timeout_seconds = req == REQ_VERIFY ? 1 :
		    req == REQ_CATCHUP ? 30 :
		    inf->want != NULL ? FOLLOW_FILL_S : 0;
		rc = client_watch_kobj(inf->g->cl, &inf->gvr, NULL, &wo,
		    watch_event, &w, &st);
		if (rc == WATCH_DONE)
			return 0;
		if (rc == 0 && req == REQ_VERIFY) {
			set_rv(inf, now_rv);
			return 0;
		}
		if (rc == 0 || (rc == CK_ETIMEDOUT && req == REQ_FOLLOW)) {
			if (req == REQ_FOLLOW && fill_all(inf) == CK_ESHUTDOWN)
				return CK_ESHUTDOWN;
			continue;	/* the server ended it: watch again */
		}
		if (rc != CK_ESHUTDOWN && rc != CK_EGONE)
			log_warn("informer %s: watch from %s: %s",
			    inf->resource, rv, st.message);
		return rc;
	}
}

static int
run(struct informer *inf, enum req req, int64_t target)
{
	switch (req) {
	case REQ_FILL:
		return fill_all(inf);
	case REQ_RELIST:
		return relist(inf);
	case REQ_CATCHUP:
	case REQ_VERIFY:
	case REQ_FOLLOW:
		return watch(inf, req, target);
	case REQ_NONE:
		break;
	}
	return 0;
}

/*
 * After a list or a verify the cache is the server's state at inf->rv:
 * its object count and digest (cache_digest()) as gauges, which tests
 * compare with a LIST's (the metric names carry the resource).
 */
static void
publish_cache(struct informer *inf)
{
	char name[384];
	uint64_t digest;
	size_t n;

	digest = cache_digest(inf->cache, &n);
	snprintf(name, sizeof(name),
	    "ckube_informer_cache_objects{resource=\"%s\"}", inf->resource);
	metrics_gauge_set(metrics_gauge(name, "Objects in an informer's cache "
	    "after its last list or verify."), (double)n);
	snprintf(name, sizeof(name),
	    "ckube_informer_cache_digest{resource=\"%s\"}", inf->resource);
	metrics_gauge_set(metrics_gauge(name, "Digest of an informer's cache "
	    "(namespace, name, resourceVersion) after its last list or "
	    "verify."), (double)digest);
}

static void *
helper_main(void *arg)
{
	struct informer *inf = arg;
	struct informer_group *g = inf->g;
	enum req req;
	int64_t target;
	int rc;

	pthread_mutex_lock(&g->mu);
	while (!g->stopping) {
		if (inf->req == REQ_NONE) {
			(void)clock_cond_timedwait(&inf->cond, &g->mu,
			    CLOCK_NEVER);
			continue;
		}
		req = inf->req;
		target = inf->target;
		if (req == REQ_CATCHUP)
			inf->stats.catchups++;
		else if (req == REQ_VERIFY)
			inf->stats.verifies++;
		pthread_mutex_unlock(&g->mu);
		rc = run(inf, req, target);
		if (rc == 0 && (req == REQ_RELIST || req == REQ_VERIFY))
			publish_cache(inf);
		pthread_mutex_lock(&g->mu);
		if (g->stopping || rc == CK_ESHUTDOWN)
			break;
		if (rc == CK_EGONE) {
			log_warn("informer %s: revision %lld is compacted; "
			    "relisting", inf->resource, (long long)inf->rv);
			inf->req = REQ_RELIST;
			continue;
		}
		if (rc < 0) {
			/* Retry the same request after a pause. */
			(void)clock_cond_timedwait(&inf->cond, &g->mu,
			    ck_now_ms() + g->opt.retry_ms);
			continue;
		}
		if (req == REQ_RELIST && !inf->synced) {
			inf->synced = 1;
			pthread_cond_broadcast(&g->cond);
		}
		if (!inf->on_bus) {
			inf->req = REQ_FOLLOW;
			continue;
		}
		if (req == REQ_RELIST) {
			/*
			 * The bus connection completes asynchronously: what
			 * changed between the LIST and then never reaches the
			 * socket, and if nothing follows, no gap reveals it.
			 * A verify after the quiet period closes that window.
			 */
			inf->dirty = 1;
			inf->last_msg_ms = ck_now_ms();
		}
		inf->req = REQ_NONE;
		inf->busy = 0;
		wake(g);
	}
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

/* The informer thread: bus sockets */

static bool
fills_pending(struct informer *inf)
{
	bool any;

	pthread_mutex_lock(&inf->g->mu);
	any = inf->fills != NULL;
	pthread_mutex_unlock(&inf->g->mu);
	return any;
}

/* Hand inf to its helper (informer thread only). */
static void
request(struct informer *inf, enum req req, int64_t target)
{
	pthread_mutex_lock(&inf->g->mu);
	inf->busy = 1;
	inf->req = req;
	inf->target = target;
	pthread_cond_signal(&inf->cond);
	pthread_mutex_unlock(&inf->g->mu);
}

static bool
drop_this(struct informer_group *g)
{
	bool drop = false;

	pthread_mutex_lock(&g->mu);
	if (g->drop_every > 0 && ++g->drop_count % g->drop_every == 0)
		drop = true;
	pthread_mutex_unlock(&g->mu);
	return drop;
}

/* Parse a bus payload {"type":..,"object":{..}}; NULL if malformed. */
static struct kobj *
parse_event(const struct bus_msg *msg, enum client_event_type *type)
{
	cJSON *root, *t, *obj;
	struct kobj *k = NULL;

	root = cJSON_ParseWithLength(msg->payload, msg->payload_len);
	if (root == NULL)
		return NULL;
	t = cJSON_GetObjectItemCaseSensitive(root, "type");
	if (!cJSON_IsString(t))
		goto out;
	if (strcmp(t->valuestring, "ADDED") == 0)
		*type = CLIENT_EVENT_ADDED;
	else if (strcmp(t->valuestring, "MODIFIED") == 0)
		*type = CLIENT_EVENT_MODIFIED;
	else if (strcmp(t->valuestring, "DELETED") == 0)
		*type = CLIENT_EVENT_DELETED;
	else
		goto out;
	obj = cJSON_DetachItemFromObjectCaseSensitive(root, "object");
	k = kobj_new_take(obj);
out:
	cJSON_Delete(root);
	return k;
}

static bool is_busy(struct informer *inf);

/*
 * Apply one bus message to inf (not busy). Returns false when inf was handed
 * to its helper (a gap or an unreadable message: catch up over HTTP first).
 */
static bool
handle_msg(struct informer *inf, const struct bus_msg *msg, uint64_t now)
{
	enum client_event_type type = CLIENT_EVENT_ADDED;
	struct kobj *obj;
	bool gap;

	gap = msg->gap || !inf->seen_msg || msg->epoch != inf->epoch ||
	    msg->seq != inf->seq + 1;
	if (gap && inf->seen_msg)
		log_v(1, "informer %s: bus gap before revision %lld",
		    inf->resource, (long long)msg->rv);
	inf->seen_msg = 1;
	inf->epoch = msg->epoch;
	inf->seq = msg->seq;
	inf->dirty = 1;
	inf->last_msg_ms = now;
	/*
	 * Older than what is applied: a duplicate. At the applied revision a
	 * contiguous message may be the next write of the same etcd txn
	 * (apply() drops it if its object has it); after a gap it is covered
	 * by the catch-up that reached this revision (as before the etcd
	 * backend: asking again made a catch-up per backlog message).
	 */
	if (msg->rv < inf->rv || (msg->rv == inf->rv && gap))
		return true;
	obj = gap ? NULL : parse_event(msg, &type);
	if (obj == NULL) {
		/* Fetch everything up to this message over HTTP. */
		request(inf, REQ_CATCHUP, msg->rv);
		return false;
	}
	apply(inf, type, obj);
	pthread_mutex_lock(&inf->g->mu);
	inf->stats.bus_events++;
	pthread_mutex_unlock(&inf->g->mu);
	return true;
}

/* Keep a copy of msg until the helper hands inf back. */
static void
backlog_push(struct informer *inf, const struct bus_msg *msg)
{
	struct backlog_msg *m;

	if (inf->bl_bytes + msg->payload_len > BACKLOG_BYTES_MAX)
		return;		/* the next message's seq shows the gap */
	m = ck_malloc(sizeof(*m) + msg->payload_len + 1);
	m->next = NULL;
	m->msg = *msg;
	memcpy(m->data, msg->payload, msg->payload_len);
	m->data[msg->payload_len] = '\0';
	m->msg.payload = m->data;
	*inf->bl_tail = m;
	inf->bl_tail = &m->next;
	inf->bl_bytes += msg->payload_len;
}

static void
backlog_free(struct informer *inf)
{
	struct backlog_msg *m;

	while ((m = inf->bl_head) != NULL) {
		inf->bl_head = m->next;
		free(m);
	}
	inf->bl_tail = &inf->bl_head;
	inf->bl_bytes = 0;
}

/* Apply what waited for inf (not busy), until it is empty or handed over. */
static void
backlog_drain(struct informer *inf, uint64_t now)
{
	struct backlog_msg *m;
	bool more = true;

	while (more && (m = inf->bl_head) != NULL) {
		inf->bl_head = m->next;
		if (inf->bl_head == NULL)
			inf->bl_tail = &inf->bl_head;
		inf->bl_bytes -= m->msg.payload_len;
		more = handle_msg(inf, &m->msg, now);
		free(m);
	}
}

/* The bus failed: every resource follows its HTTP watch from now on. */
static void
bus_lost(struct informer_group *g, int rc)
{
	struct informer *inf;
	struct bus *b;
	size_t i, n;

	log_warn("informer: bus lost (%s); following the HTTP watches instead",
	    ck_strerror(rc));
	pthread_mutex_lock(&g->mu);	/* start_one subscribes under it */
	b = g->bus;
	g->bus = NULL;
	n = g->n;
	pthread_mutex_unlock(&g->mu);
	bus_close(b);
	for (i = 0; i < n; i++) {
		inf = g->infs[i];
		pthread_mutex_lock(&g->mu);
		inf->on_bus = 0;
		pthread_mutex_unlock(&g->mu);
		if (!is_busy(inf)) {
			backlog_free(inf);
			request(inf, REQ_FOLLOW, 0);
		}
	}
}

/* The informer of a bus topic ("pods/"), or NULL. */
static struct informer *
topic_informer(struct informer_group *g, const char *topic, size_t n)
{
	struct informer *inf;
	size_t i, len = strlen(topic);

	if (len < 2 || topic[len - 1] != '/')
		return NULL;
	for (i = 0; i < n; i++) {
		inf = g->infs[i];
		if (strncmp(inf->resource, topic, len - 1) == 0 &&
		    inf->resource[len - 1] == '\0')
			return inf;
	}
	return NULL;
}

/*
 * Read what waits on the group's socket until it is empty. A busy
 * resource's messages wait in its backlog, so each resource's events are
 * still applied by one thread at a time, in order.
 */
static void
read_bus(struct informer_group *g, uint64_t now)
{
	struct informer *inf;
	struct bus_msg msg;
	bool busy;
	size_t n;
	int rc, on_bus;

	pthread_mutex_lock(&g->mu);
	n = g->n;
	pthread_mutex_unlock(&g->mu);
	for (;;) {
		rc = bus_recv(g->bus, &msg, 0);
		if (rc == CK_EAGAIN)
			return;
		if (rc < 0) {
			bus_lost(g, rc);
			return;
		}
		if (drop_this(g))
			continue;
		inf = topic_informer(g, msg.topic, n);
		if (inf == NULL)
			continue;
		pthread_mutex_lock(&g->mu);
		on_bus = inf->on_bus;
		busy = inf->busy != 0;
		pthread_mutex_unlock(&g->mu);
		if (!on_bus)
			continue;
		if (busy || inf->bl_head != NULL) {
			backlog_push(inf, &msg);
			continue;
		}
		(void)handle_msg(inf, &msg, now);
	}
}

static bool
is_busy(struct informer *inf)
{
	bool busy;

	pthread_mutex_lock(&inf->g->mu);
	busy = inf->busy != 0;
	pthread_mutex_unlock(&inf->g->mu);
	return busy;
}

static void
trim_caches(struct informer_group *g, uint64_t now, size_t n)
{
	size_t i;

	if (now < g->next_trim_ms)
		return;
	g->next_trim_ms = now + g->trim_period_ms;
	for (i = 0; i < n; i++)
		(void)cache_trim(g->infs[i]->cache);
}

static void *
informer_main(void *arg)
{
	struct informer_group *g = arg;
	struct pollfd pfd[2];
	struct informer *inf;
	uint64_t now, due, junk;
	size_t i, n;
	int timeout, on_bus;

	while (!stopping(g)) {
		now = ck_now_ms();
		due = now + 1000;
		pthread_mutex_lock(&g->mu);
		n = g->n;	/* informers may be added while running */
		pthread_mutex_unlock(&g->mu);
		for (i = 0; i < n; i++) {
			inf = g->infs[i];
			pthread_mutex_lock(&g->mu);
			on_bus = inf->on_bus;
			pthread_mutex_unlock(&g->mu);
			if (!on_bus || is_busy(inf))
				continue;
			backlog_drain(inf, now);
			if (is_busy(inf))
				continue;
			if (fills_pending(inf)) {
				request(inf, REQ_FILL, 0);
				continue;
			}
			if (inf->next_verify_ms == 0)
				inf->next_verify_ms = now +
				    g->opt.verify_period_ms;
			if ((inf->dirty && now >= inf->last_msg_ms +
			    g->opt.verify_quiet_ms) ||
			    now >= inf->next_verify_ms) {
				inf->dirty = 0;
				inf->next_verify_ms = now +
				    g->opt.verify_period_ms;
				request(inf, REQ_VERIFY, 0);
				continue;
			}
			if (inf->dirty && inf->last_msg_ms +
			    g->opt.verify_quiet_ms < due)
				due = inf->last_msg_ms +
				    g->opt.verify_quiet_ms;
			if (inf->next_verify_ms < due)
				due = inf->next_verify_ms;
		}
		trim_caches(g, now, n);
		if (g->next_trim_ms < due)
			due = g->next_trim_ms;
		pfd[0].fd = g->evfd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = g->bus != NULL ? bus_fd(g->bus) : -1;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		timeout = due > now ? (int)(due - now) : 0;
		if (poll(pfd, pfd[1].fd >= 0 ? 2 : 1, timeout) < 0) {
			if (errno != EINTR)
				log_warn("informer: poll: %s", strerror(errno));
			continue;
		}
		if (pfd[0].revents & POLLIN)
			(void)!read(g->evfd, &junk, sizeof(junk));
		if (g->bus != NULL &&
		    (pfd[1].revents & (POLLIN | POLLERR | POLLHUP)))
			read_bus(g, ck_now_ms());
	}
	return NULL;
}

/* Subscribe inf to the bus and start its helper with a first LIST. */
static int
start_one(struct informer_group *g, struct informer *inf)
{
	char topic[300];
	int rc;

	if (g->bus != NULL) {
		snprintf(topic, sizeof(topic), "%s/", inf->resource);
		rc = bus_subscribe(g->bus, topic);
		if (rc < 0)
			log_warn("informer %s: bus %s: %s; using the "
			    "HTTP watch", inf->resource, g->bus_url,
			    ck_strerror(rc));
		else
			inf->on_bus = 1;
	}
	/* Subscribed before the LIST, so no event falls between. */
	inf->busy = 1;
	inf->req = REQ_RELIST;
	if (pthread_create(&inf->thread, NULL, helper_main, inf) != 0) {
		log_error("informer %s: cannot start a thread",
		    inf->resource);
		return CK_EIO;
	}
	inf->thread_started = 1;
	return 0;
}

int
informer_group_start(struct informer_group *g)
{
	size_t i;
	int rc;

	if (g->bus_url != NULL && (rc = bus_open_sub(g->bus_url, &g->bus)) < 0)
		log_warn("informer: bus %s: %s; using HTTP watches",
		    g->bus_url, ck_strerror(rc));
	pthread_mutex_lock(&g->mu);
	g->started = 1;
	pthread_mutex_unlock(&g->mu);
	for (i = 0; i < g->n; i++)
		if ((rc = start_one(g, g->infs[i])) < 0)
			return rc;
	if (pthread_create(&g->thread, NULL, informer_main, g) != 0) {
		log_error("informer: cannot start the informer thread");
		return CK_EIO;
	}
	pthread_mutex_lock(&g->mu);
	g->started = 2;
	pthread_mutex_unlock(&g->mu);
	return 0;
}

bool
informer_group_has_synced(struct informer_group *g)
{
	bool synced = true;
	size_t i;

	pthread_mutex_lock(&g->mu);
	for (i = 0; i < g->n; i++)
		if (!g->infs[i]->synced)
			synced = false;
	pthread_mutex_unlock(&g->mu);
	return synced;
}

int
informer_group_wait_synced(struct informer_group *g, uint64_t deadline_ms)
{
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&g->mu);
	for (;;) {
		if (g->stopping) {
			rc = CK_ESHUTDOWN;
			break;
		}
		for (i = 0; i < g->n; i++)
			if (!g->infs[i]->synced)
				break;
		if (i == g->n)
			break;
		if (clock_cond_timedwait(&g->cond, &g->mu, deadline_ms) ==
		    CK_ETIMEDOUT) {
			rc = CK_ETIMEDOUT;
			break;
		}
	}
	pthread_mutex_unlock(&g->mu);
	return rc;
}

void
informer_group_stop(struct informer_group *g)
{
	size_t i;

	pthread_mutex_lock(&g->mu);
	if (g->stopping) {
		pthread_mutex_unlock(&g->mu);
		return;
	}
	g->stopping = 1;
	pthread_cond_broadcast(&g->cond);
	for (i = 0; i < g->n; i++)
		pthread_cond_broadcast(&g->infs[i]->cond);
	pthread_mutex_unlock(&g->mu);
	client_shutdown(g->cl);
	wake(g);
	if (g->started == 2)
		pthread_join(g->thread, NULL);
	for (i = 0; i < g->n; i++)
		if (g->infs[i]->thread_started) {
			pthread_join(g->infs[i]->thread, NULL);
			g->infs[i]->thread_started = 0;
		}
}

void
informer_group_free(struct informer_group *g)
{
	struct informer *inf;
	struct fill *f;
	size_t i;

	if (g == NULL)
		return;
	informer_group_stop(g);
	for (i = 0; i < g->n; i++) {
		inf = g->infs[i];
		backlog_free(inf);
		while ((f = inf->fills) != NULL) {
			inf->fills = f->next;
			fill_free(f);
		}
		cache_free(inf->cache);
		pthread_cond_destroy(&inf->cond);
		free(inf->resource);
		free(inf);
	}
	bus_close(g->bus);
	client_free(g->cl);
	close(g->evfd);
	pthread_cond_destroy(&g->cond);
	pthread_mutex_destroy(&g->mu);
	free(g->bus_url);
	free(g);
}

bool
informer_test_bus_event(struct informer *inf, int64_t rv, const char *payload)
{
	struct bus_msg msg = { .rv = rv, .payload = payload };

	msg.payload_len = strlen(payload);
	msg.epoch = inf->epoch;
	msg.seq = inf->seq + 1;
	inf->seen_msg = 1;
	return handle_msg(inf, &msg, ck_now_ms());
}
