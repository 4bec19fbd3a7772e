/*
 * controller_adopt.c: filtered caches. A daemon of its own would otherwise
 * cache every pod of the cluster to reconcile the few its objects concern.
 * An owned_only watch caches the objects its kind controls and the orphans
 * some object of its primary kind selects (no other orphan can become its
 * own, Kubernetes' ControllerRefManager); the first adoption pass of each
 * object LISTs the orphans older than it. A watch_spec.want filter caches
 * what its predicate accepts, and controller_fill_once() brings in what an
 * object newly wants (the pods a new PodDisruptionBudget selects).
 */
#include "ckube/controller.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/err.h"
#include "ckube/informer.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/selector.h"
#include "ckube/strmap.h"

#include "controller_int.h"

/*
 * c->fills' value: an object's last fill, by what it selected. It owns its
 * key (strmap keys are borrowed); c->listed's values are their keys.
 */
struct fill_state {
	char		*uid;
	uint64_t	 ticket;
	bool		 done;
	char		 what[];	/* "ns\nselector" */
};

static void
fill_state_free(void *p)
{
	struct fill_state *fs = p;

	if (fs != NULL)
		free(fs->uid);
	free(fs);
}

static const char *
primary_resource(const struct controller *c)
{
	size_t i;

	for (i = 0; i < c->def->nwatches; i++)
		if (c->def->watches[i].role == WATCH_PRIMARY)
			return c->def->watches[i].resource;
	return NULL;
}

/* spec.selector as a LabelSelector; an empty one selects nothing. */
static int
spec_selector(const struct kobj *o, struct label_selector **out)
{
	struct ck_status st;
	int rc;

	rc = selector_from_json(kobj_get(o, "spec.selector"), "spec.selector",
	    out, &st);
	if (rc == 0 && selector_is_empty(*out)) {
		selector_free(*out);
		return CK_ENOTFOUND;
	}
	return rc;
}

bool
controller_selected_by(struct controller *c, const char *res,
    const struct kobj *obj,
    int (*selector)(const struct kobj *o, struct label_selector **out))
{
	struct cache *pc = res != NULL ? controller_cache(c, res) : NULL;
	struct label_selector *sel;
	struct kobj **list;
	bool hit = false;
	size_t i, n;

	if (pc == NULL)
		return false;
	if (selector == NULL)
		selector = spec_selector;
	list = cache_list_by_index(pc, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(obj), &n);
	for (i = 0; i < n && !hit; i++) {
		if (selector(list[i], &sel) < 0)
			continue;
		hit = selector_matches_obj(sel, obj);
		selector_free(sel);
	}
	cache_list_free(list, n);
	return hit;
}

bool
controller_want_owned(const struct kobj *obj, void *arg)
{
	const struct controller_slot *s = arg;
	const char *kind;

	if (!kobj_has_controller_ref(obj))
		return controller_selected_by(s->c, primary_resource(s->c), obj,
		    NULL);
	kind = kobj_controller_ref_str(obj, "kind");
	return s->w->owner_kind == NULL ||
	    (kind != NULL && strcmp(kind, s->w->owner_kind) == 0);
}

void
controller_forget_adopter(struct controller *c, const struct kobj *obj)
{
	pthread_mutex_lock(&c->mu);
	if (c->listed != NULL)
		free(strmap_remove(c->listed, kobj_uid(obj)));
	if (c->fills != NULL)
		fill_state_free(strmap_remove(c->fills, kobj_uid(obj)));
	pthread_mutex_unlock(&c->mu);
}

void
controller_fills_free(struct controller *c)
{
	strmap_free(c->listed, free);
	strmap_free(c->fills, fill_state_free);
}

bool
controller_want_slot(const struct kobj *obj, void *arg)
{
	const struct controller_slot *s = arg;

	return s->w->want(s->c, obj);
}

int
controller_fill_once(struct controller *c, const char *resource,
    const struct kobj *obj, const char *ns, const char *selector)
{
	struct fill_state *fs, *old;
	struct informer *inf;
	size_t len;
	bool done;

	if (c->be != NULL || c->informers == NULL ||
	    (inf = informer_group_find(c->informers, resource)) == NULL)
		return 0;	/* tests: the fake cache holds every object */
	if (ns == NULL)
		ns = "";
	if (selector == NULL)
		selector = "";
	len = strlen(ns) + strlen(selector) + 2;
	fs = ck_malloc(sizeof(*fs) + len);
	snprintf(fs->what, len, "%s\n%s", ns, selector);
	pthread_mutex_lock(&c->mu);
	if (c->fills == NULL)
		c->fills = strmap_new();
	old = strmap_get(c->fills, kobj_uid(obj));
	/* A new object, or one whose selector changed: fill what it selects. */
	if (old != NULL && strcmp(old->what, fs->what) == 0) {
		free(fs);
		fs = old;
	} else {
		fs->uid = ck_strdup(kobj_uid(obj));
		fs->done = false;
		fs->ticket = informer_fill(inf, ns, selector);
		old = strmap_remove(c->fills, fs->uid);
		fill_state_free(old);
		strmap_put(c->fills, fs->uid, fs);
	}
	if (!fs->done && informer_fill_done(inf, fs->ticket))
		fs->done = true;
	done = fs->done;
	pthread_mutex_unlock(&c->mu);
	return done ? 0 : CK_EAGAIN;
}

int
controller_fill_selected(struct controller *c, const char *resource,
    const struct kobj *obj, const struct label_selector *sel)
{
	char *selstr;
	int rc;

	if (sel == NULL || selector_is_nothing(sel))
		return 0;
	selstr = selector_to_string(sel);
	rc = controller_fill_once(c, resource, obj, kobj_namespace(obj),
	    selstr);
	free(selstr);
	return rc;
}

/* The first adoption pass for obj (then marked): LIST its orphans too. */
static bool
first_pass(struct controller *c, const struct kobj *obj)
{
	bool first;

	if (c->be != NULL)
		return false;	/* tests: the fake cache holds every object */
	pthread_mutex_lock(&c->mu);
	if (c->listed == NULL)
		c->listed = strmap_new();
	first = strmap_get(c->listed, kobj_uid(obj)) == NULL;
	pthread_mutex_unlock(&c->mu);
	return first;
}

static void
mark_listed(struct controller *c, const struct kobj *obj)
{
	char *uid = ck_strdup(kobj_uid(obj));

	pthread_mutex_lock(&c->mu);
	free(strmap_remove(c->listed, uid));
	strmap_put(c->listed, uid, uid);
	pthread_mutex_unlock(&c->mu);
}

static bool
adoptable(const struct kobj *o, const struct label_selector *sel)
{
	return !kobj_has_controller_ref(o) &&
	    kobj_get_str(o, "metadata.deletionTimestamp") == NULL &&
	    selector_matches_obj(sel, o);
}

int
controller_list_orphans(struct controller *c, const char *resource,
    const struct client_gvr *gvr, const struct kobj *obj,
    const struct label_selector *sel, struct kobj ***out, size_t *nout)
{
	struct client_list_opts lo = { .limit = 500 };
	struct client_kobjs listed = { 0 };
	struct cache *cache = controller_cache(c, resource);
	struct strmap *seen = strmap_new();
	struct kobj **list = NULL;
	struct ck_status st;
	char *selstr = NULL;
	size_t i, n = 0, m = 0;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	if (selector_is_empty(sel) || selector_is_nothing(sel))
		goto out;
	if (first_pass(c, obj)) {
		selstr = selector_to_string(sel);
		lo.label_selector = selstr;
		rc = client_list_all_kobj(c->cl, gvr, kobj_namespace(obj), &lo,
		    1, &listed, &st);
		if (rc == 0)
			mark_listed(c, obj);
		else
			log_warn("%s: listing the orphans of %s: %s",
			    c->def->name, kobj_key(obj), st.message);
	}
	if (cache != NULL)
		list = cache_list_by_index(cache, CACHE_INDEX_NAMESPACE,
		    kobj_namespace(obj), &n);
	*out = ck_calloc(n + listed.n + 1, sizeof(**out));
	for (i = 0; i < n; i++)
		if (adoptable(list[i], sel)) {
			strmap_put(seen, kobj_key(list[i]), list[i]);
			(*out)[m++] = kobj_ref(list[i]);
		}
	for (i = 0; i < listed.n; i++)
		if (strmap_get(seen, kobj_key(listed.items[i])) == NULL &&
		    adoptable(listed.items[i], sel))
			(*out)[m++] = kobj_ref(listed.items[i]);
	*nout = m;
out:
	cache_list_free(list, n);
	client_kobjs_fini(&listed);
	strmap_free(seen, NULL);
	free(selstr);
	return rc;
}
