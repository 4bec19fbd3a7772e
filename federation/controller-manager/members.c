/*
 * members.c: clients of the member clusters, one per Cluster and server
 * address, kept until the process ends (a changed address gets a new one;
 * the old one may still be in use by another worker), the list of Ready
 * clusters, and the queue keys of every federated object.
 */
#include "fcm.h"

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
#include "ckube/kubeconfig.h"
#include "ckube/strbuf.h"

struct member {
	char		*name;
	char		*url;
	struct client	*cl;
	uint64_t	 last_probe_ms;	/* 0: never */
};

struct members {
	pthread_mutex_t	 mu;
	struct member	*m;
	size_t		 n;
};

int
fcm_init(struct controller *c)
{
	struct members *ms = ck_calloc(1, sizeof(*ms));

	pthread_mutex_init(&ms->mu, NULL);
	controller_set_data(c, ms);
	return 0;
}

void
fcm_fini(struct controller *c)
{
	struct members *ms = controller_data(c);
	size_t i;

	if (ms == NULL)
		return;
	for (i = 0; i < ms->n; i++) {
		client_free(ms->m[i].cl);
		free(ms->m[i].name);
		free(ms->m[i].url);
	}
	free(ms->m);
	pthread_mutex_destroy(&ms->mu);
	free(ms);
}

int
members_server_url(const struct kobj *cluster, char *buf, size_t len)
{
	const cJSON *a = cJSON_GetArrayItem(kobj_get(cluster,
	    "spec.serverAddressByClientCIDRs"), 0);
	const cJSON *addr = cJSON_GetObjectItemCaseSensitive(a,
	    "serverAddress");
	int n;

	if (!cJSON_IsString(addr) || addr->valuestring[0] == '\0')
		return CK_EINVALID;
	if (strstr(addr->valuestring, "://") != NULL)
		n = snprintf(buf, len, "%s", addr->valuestring);
	else
		n = snprintf(buf, len, "http://%s", addr->valuestring);
	if (n < 0 || (size_t)n >= len)
		return CK_EINVALID;
	/* No trailing '/': paths are appended. */
	while (n > 0 && buf[n - 1] == '/')
		buf[--n] = '\0';
	return 0;
}

int
members_client(struct controller *c, const struct kobj *cluster,
    struct client **out, struct ck_status *st)
{
	/* Fail fast: an unreachable member must not stall the workers. */
	static const struct client_options opt = { .max_attempts = 2,
	    .backoff_initial_ms = 100, .backoff_max_ms = 200,
	    .timeout_ms = 10000, .connect_timeout_ms = 2000,
	    .user_agent = "ckube-federation-controller-manager" };
	struct members *ms = controller_data(c);
	struct kubeconfig *kc;
	struct client *cl = NULL;
	char url[512];
	size_t i;
	int rc;

	if (members_server_url(cluster, url, sizeof(url)) < 0) {
		ck_status_set(st, CK_EINVALID, "cluster %s has no "
		    "spec.serverAddressByClientCIDRs[0].serverAddress",
		    kobj_name(cluster));
		return CK_EINVALID;
	}
	pthread_mutex_lock(&ms->mu);
	for (i = 0; i < ms->n; i++)
		if (strcmp(ms->m[i].name, kobj_name(cluster)) == 0 &&
		    strcmp(ms->m[i].url, url) == 0) {
			*out = ms->m[i].cl;
			pthread_mutex_unlock(&ms->mu);
			return 0;
		}
	kc = kubeconfig_new_master(url);
	rc = client_new(kc, &opt, &cl, st);
	kubeconfig_free(kc);
	if (rc == 0) {
		ms->m = ck_reallocarray(ms->m, ms->n + 1, sizeof(*ms->m));
		memset(&ms->m[ms->n], 0, sizeof(ms->m[ms->n]));
		ms->m[ms->n].name = ck_strdup(kobj_name(cluster));
		ms->m[ms->n].url = ck_strdup(url);
		ms->m[ms->n].cl = cl;
		ms->n++;
		*out = cl;
	}
	pthread_mutex_unlock(&ms->mu);
	return rc;
}

bool
members_probe_due(struct controller *c, const struct kobj *cluster,
    uint64_t now_ms)
{
	struct members *ms = controller_data(c);
	struct ck_status st;
	struct client *cl;
	bool due = true;
	size_t i;

	ck_status_clear(&st);
	if (members_client(c, cluster, &cl, &st) < 0)
		return true;
	pthread_mutex_lock(&ms->mu);
	for (i = 0; i < ms->n; i++) {
		if (ms->m[i].cl != cl)
			continue;
		/* Status writes requeue the Cluster: probe once a period. */
		if (ms->m[i].last_probe_ms != 0 && now_ms <
		    ms->m[i].last_probe_ms + (uint64_t)fcm_monitor_ms * 9 / 10)
			due = false;
		else
			ms->m[i].last_probe_ms = now_ms;
	}
	pthread_mutex_unlock(&ms->mu);
	return due;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(kobj_name(*(struct kobj *const *)a),
	    kobj_name(*(struct kobj *const *)b));
}

struct kobj **
members_ready(struct controller *c, size_t *n)
{
	struct kobj **all;
	size_t i, k = 0, total;
	const char *s;

	all = cache_list(controller_cache(c, FCM_CLUSTERS), &total);
	for (i = 0; i < total; i++) {
		s = kobj_condition_status(all[i], "Ready");
		if (s != NULL && strcmp(s, "True") == 0 &&
		    kobj_get(all[i], "metadata.deletionTimestamp") == NULL)
			all[k++] = all[i];
		else
			kobj_unref(all[i]);
	}
	if (k > 1)
		qsort(all, k, sizeof(*all), by_name);
	*n = k;
	return all;
}

static void
enqueue_cache(struct controller *c, const char *resource, const char *prefix)
{
	struct kobj **objs;
	char key[600];
	size_t i, n;

	objs = cache_list(controller_cache(c, resource), &n);
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s/%s", prefix, kobj_key(objs[i]));
		controller_enqueue(c, key);
	}
	cache_list_free(objs, n);
}

void
members_enqueue_all(struct controller *c)
{
	enqueue_cache(c, FCM_NAMESPACES, "ns");
	enqueue_cache(c, FCM_SECRETS, "secret");
	enqueue_cache(c, FCM_CONFIGMAPS, "configmap");
	enqueue_cache(c, FCM_RS, "rs");
	enqueue_cache(c, FCM_DEPLOY, "deploy");
	enqueue_cache(c, FCM_SERVICES, "svc");
}

int
members_ensure_namespace(struct client *cl, const char *ns,
    struct ck_status *st)
{
	cJSON *o = cJSON_CreateObject(), *meta;
	int rc;

	cJSON_AddStringToObject(o, "apiVersion", "v1");
	cJSON_AddStringToObject(o, "kind", "Namespace");
	meta = cJSON_AddObjectToObject(o, "metadata");
	cJSON_AddStringToObject(meta, "name", ns);
	rc = client_create(cl, o, NULL, st);
	cJSON_Delete(o);
	return rc == CK_EEXIST ? 0 : rc;
}
