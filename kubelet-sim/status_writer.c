/*
 * status_writer.c: pod status PATCHes from sender threads (status_writer.h).
 * A workqueue of pod keys gives the ordering (one sender per key at a time,
 * a key added while processing comes back after); the newest patches of
 * each key wait in a map beside it. A write that failed for a reason that
 * may pass (the apiserver unreachable, restarting or busy) is kept and
 * retried with the queue's per-key backoff, as the kubelet's status manager
 * does, unless a newer status for the pod came meanwhile: without it, a pod
 * whose write met an apiserver's death stayed Pending for good.
 */
#include "status_writer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strmap.h"
#include "ckube/workqueue.h"

#define SENDERS_MAX	16

struct pending {
	cJSON	*mirror;	/* or NULL */
	cJSON	*status;
	char	 key[];		/* "ns/name" */
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct strmap *pend;		/* key -> struct pending, under mu */
static struct workqueue *q;
static struct client *wcl;
static pthread_t senders[SENDERS_MAX];
static int nsenders;

static void
pending_free(void *v)
{
	struct pending *p = v;

	if (p == NULL)
		return;
	cJSON_Delete(p->mirror);
	cJSON_Delete(p->status);
	free(p);
}

static void merge_older(cJSON *newer, cJSON *older);

/* Whether a failed write may pass if tried again. */
static bool
retryable(int rc)
{
	return rc == CK_EIO || rc == CK_ETIMEDOUT || rc == CK_EAGAIN ||
	    rc == CK_EUNAVAIL || rc == CK_ENOSPC || rc == CK_ECONFLICT;
}

/* 0, or the CK_E* of a write worth trying again. */
static int
send_one(struct pending *p)
{
	struct ck_status st = { 0 };
	const cJSON *meta;
	char ns[256];
	const char *slash = strchr(p->key, '/'), *name;
	int rc;

	if (slash == NULL || (size_t)(slash - p->key) >= sizeof(ns))
		return 0;
	memcpy(ns, p->key, (size_t)(slash - p->key));
	ns[slash - p->key] = '\0';
	name = slash + 1;
	/*
	 * pods/status keeps the pod's annotations too (Kubernetes'
	 * podStatusStrategy resets only spec, deletionTimestamp and
	 * ownerReferences): the annotations ride in the one status write.
	 */
	if (p->mirror != NULL && (meta = cJSON_GetObjectItemCaseSensitive(
	    p->mirror, "metadata")) != NULL) {
		/* a copy: the mirror stays whole for a retry or a merge */
		cJSON_DeleteItemFromObjectCaseSensitive(p->status, "metadata");
		cJSON_AddItemToObject(p->status, "metadata",
		    cJSON_Duplicate(meta, 1));
	}
	rc = client_patch(wcl, &CLIENT_GVR_PODS, ns, name, "status",
	    CLIENT_PATCH_MERGE, p->status, NULL, &st);
	if (rc < 0 && rc != CK_ENOTFOUND)
		log_warn("pod %s status: %s%s", p->key, st.message,
		    retryable(rc) ? " (will retry)" : "");
	ck_status_clear(&st);
	return rc < 0 && retryable(rc) ? rc : 0;
}

/*
 * Keep p (taken) to be sent again, unless a newer status for its pod waits:
 * then the newer one takes p's annotations as status_writer_put() does.
 */
static void
keep_for_retry(struct pending *p)
{
	struct pending *newer;

	pthread_mutex_lock(&mu);
	newer = strmap_get(pend, p->key);
	if (newer == NULL) {
		(void)strmap_put(pend, p->key, p);
		p = NULL;
	} else if (newer->mirror == NULL) {
		newer->mirror = p->mirror;
		p->mirror = NULL;
	} else if (p->mirror != NULL)
		merge_older(newer->mirror, p->mirror);
	pthread_mutex_unlock(&mu);
	pending_free(p);
}

static void *
sender_main(void *arg)
{
	struct pending *p;
	const char *key;

	(void)arg;
	while (workqueue_get(q, &key) == 0) {
		pthread_mutex_lock(&mu);
		p = strmap_remove(pend, key);
		pthread_mutex_unlock(&mu);
		if (p != NULL && send_one(p) < 0) {
			keep_for_retry(p);
			workqueue_add_rate_limited(q, key);
		} else {
			pending_free(p);
			workqueue_forget(q, key);
		}
		workqueue_done(q, key);
	}
	return NULL;
}

void
status_writer_start(struct client *cl, int nthreads)
{
	wcl = cl;
	pend = strmap_new();
	q = workqueue_new("pod-status", NULL);
	for (nsenders = 0; nsenders < nthreads && nsenders < SENDERS_MAX;
	    nsenders++)
		if (pthread_create(&senders[nsenders], NULL, sender_main,
		    NULL) != 0)
			fatalx("kubelet-sim: cannot start a status sender");
}

/*
 * Annotations of an older metadata patch that the newer one lacks (the
 * once-only resolv-conf beside a newer init-container mirror) still go.
 */
static void
merge_older(cJSON *newer, cJSON *older)
{
	cJSON *nann, *oann, *it, *next;
	char *key;

	oann = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(older, "metadata"), "annotations");
	nann = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(newer, "metadata"), "annotations");
	if (oann == NULL || nann == NULL)
		return;
	for (it = oann->child; it != NULL; it = next) {
		next = it->next;
		if (cJSON_GetObjectItemCaseSensitive(nann, it->string) !=
		    NULL)
			continue;
		key = ck_strdup(it->string);
		cJSON_AddItemToObject(nann, key,
		    cJSON_DetachItemViaPointer(oann, it));
		free(key);
	}
}

void
status_writer_put(const char *ns, const char *name, cJSON *mirror,
    cJSON *status)
{
	struct pending *p, *old;
	char key[512];
	size_t len;

	snprintf(key, sizeof(key), "%s/%s", ns, name);
	len = strlen(key);
	p = ck_malloc(sizeof(*p) + len + 1);
	memcpy(p->key, key, len + 1);
	p->mirror = mirror;
	p->status = status;
	pthread_mutex_lock(&mu);
	old = strmap_remove(pend, key);
	if (old != NULL && p->mirror == NULL) {
		/* The annotation an older state wanted still has to go. */
		p->mirror = old->mirror;
		old->mirror = NULL;
	} else if (old != NULL && old->mirror != NULL)
		merge_older(p->mirror, old->mirror);
	pending_free(old);
	(void)strmap_put(pend, p->key, p);
	pthread_mutex_unlock(&mu);
	workqueue_add(q, key);	/* p may be sent and gone already */
}

void
status_writer_stop(void)
{
	int i;

	if (q == NULL)
		return;
	workqueue_shutdown(q);		/* drains what is queued */
	for (i = 0; i < nsenders; i++)
		pthread_join(senders[i], NULL);
	nsenders = 0;
	workqueue_free(q);
	q = NULL;
	strmap_free(pend, pending_free);
	pend = NULL;
}
