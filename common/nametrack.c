/*
 * nametrack.c: expectations by object name (Kubernetes'
 * UIDTrackingControllerExpectations), as the replicaset- and
 * job-controllers use them: the pods a reconcile created or deleted and is
 * waiting to see in the cache. Until they show, reconcile does not create
 * or delete again, so a stale cache makes no duplicates.
 */
#include "ckube/nametrack.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"

struct nametrack_pending {
	struct nametrack_pending	*next;
	char			*key;
	char			*name;
	bool			 del;
	uint64_t		 at_ms;
};

struct nametrack {
	pthread_mutex_t		 mu;
	struct nametrack_pending	*head;
};

struct nametrack *
nametrack_new(void)
{
	struct nametrack *t = ck_calloc(1, sizeof(*t));

	pthread_mutex_init(&t->mu, NULL);
	return t;
}

static void
pending_free(struct nametrack_pending *p)
{
	free(p->key);
	free(p->name);
	free(p);
}

void
nametrack_free(struct nametrack *t)
{
	struct nametrack_pending *p, *next;

	if (t == NULL)
		return;
	for (p = t->head; p != NULL; p = next) {
		next = p->next;
		pending_free(p);
	}
	pthread_mutex_destroy(&t->mu);
	free(t);
}

void
nametrack_expect(struct nametrack *t, const char *key, const char *name,
    bool del)
{
	struct nametrack_pending *p = ck_calloc(1, sizeof(*p));

	p->key = ck_strdup(key);
	p->name = ck_strdup(name);
	p->del = del;
	p->at_ms = ck_now_ms();
	pthread_mutex_lock(&t->mu);
	p->next = t->head;
	t->head = p;
	pthread_mutex_unlock(&t->mu);
}

bool
nametrack_forget(struct nametrack *t, const char *key, const char *name,
    bool del)
{
	struct nametrack_pending **pp, *p;
	bool found = false;

	pthread_mutex_lock(&t->mu);
	for (pp = &t->head; (p = *pp) != NULL; pp = &p->next) {
		if (p->del == del && strcmp(p->key, key) == 0 &&
		    strcmp(p->name, name) == 0) {
			*pp = p->next;
			pending_free(p);
			found = true;
			break;
		}
	}
	pthread_mutex_unlock(&t->mu);
	return found;
}

static bool
fulfilled(const struct nametrack_pending *p, struct cache *pods, const char *ns)
{
	struct kobj *pod = cache_get_by_name(pods, ns, p->name);
	bool done;

	if (p->del)
		done = pod == NULL ||
		    kobj_get(pod, "metadata.deletionTimestamp") != NULL;
	else
		done = pod != NULL;
	kobj_unref(pod);
	return done;
}

size_t
nametrack_observe(struct nametrack *t, const char *key, struct cache *pods,
    uint64_t now_ms, uint64_t ttl_ms)
{
	struct nametrack_pending **pp, *p;
	const char *colon = strchr(key, ':');
	const char *slash;
	char ns[254];
	size_t left = 0, len;

	colon = colon != NULL ? colon + 1 : key;
	slash = strchr(colon, '/');
	len = slash != NULL ? (size_t)(slash - colon) : 0;
	if (len >= sizeof(ns))
		len = sizeof(ns) - 1;
	memcpy(ns, colon, len);
	ns[len] = '\0';
	pthread_mutex_lock(&t->mu);
	for (pp = &t->head; (p = *pp) != NULL;) {
		if (strcmp(p->key, key) != 0) {
			pp = &p->next;
			continue;
		}
		if (now_ms - p->at_ms >= ttl_ms || fulfilled(p, pods, ns)) {
			*pp = p->next;
			pending_free(p);
			continue;
		}
		left++;
		pp = &p->next;
	}
	pthread_mutex_unlock(&t->mu);
	return left;
}

void
nametrack_drop(struct nametrack *t, const char *key)
{
	struct nametrack_pending **pp, *p;

	pthread_mutex_lock(&t->mu);
	for (pp = &t->head; (p = *pp) != NULL;) {
		if (strcmp(p->key, key) == 0) {
			*pp = p->next;
			pending_free(p);
		} else
			pp = &p->next;
	}
	pthread_mutex_unlock(&t->mu);
}

int
nametrack_controller_init(struct controller *c)
{
	struct cache *pods = controller_cache(c, "pods");
	int rc = 0;

	if (pods != NULL)
		rc = cache_add_index(pods, CACHE_INDEX_CONTROLLER_UID,
		    cache_index_controller_uid);
	if (rc < 0 && rc != CK_EEXIST)
		return rc;
	controller_set_data(c, nametrack_new());
	return 0;
}

void
nametrack_controller_fini(struct controller *c)
{
	nametrack_free(controller_data(c));
	controller_set_data(c, NULL);
}
