/*
 * toy_controller.c: the framework's example controller (toy_controller.h).
 * It reads like any controller should: cache reads, one decision, one
 * write through controller_create/update, no locks or JSON text.
 */
#include "toy_controller.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

static pthread_mutex_t toy_mu = PTHREAD_MUTEX_INITIALIZER;
static int toy_calls;
static char toy_key[512];

static const struct watch_spec toy_watches[] = {
	{ .resource = "configmaps", .role = WATCH_PRIMARY },
	{ .resource = "configmaps", .role = WATCH_OWNED,
	  .owner_kind = "ConfigMap" },
};

const struct controller_def toy_def = {
	.name		= "toy-controller",
	.watches	= toy_watches,
	.nwatches	= ARRAY_SIZE(toy_watches),
	.reconcile	= toy_reconcile,
};

int
toy_reconciles(void)
{
	int n;

	pthread_mutex_lock(&toy_mu);
	n = toy_calls;
	pthread_mutex_unlock(&toy_mu);
	return n;
}

void
toy_last_key(char *buf, unsigned long size)
{
	pthread_mutex_lock(&toy_mu);
	ck_strlcpy(buf, toy_key, size);
	pthread_mutex_unlock(&toy_mu);
}

void
toy_reset(void)
{
	pthread_mutex_lock(&toy_mu);
	toy_calls = 0;
	toy_key[0] = '\0';
	pthread_mutex_unlock(&toy_mu);
}

static struct kobj *
mirror_new(const struct kobj *cm, const char *name)
{
	struct kobj *m = kobj_new("v1", "ConfigMap");
	cJSON *refs, *ref;
	const cJSON *data;

	if (kobj_set_str(m, "metadata.name", name) < 0 ||
	    kobj_set_str(m, "metadata.namespace", kobj_namespace(cm)) < 0)
		goto fail;
	refs = cJSON_CreateArray();
	ref = cJSON_CreateObject();
	cJSON_AddStringToObject(ref, "apiVersion", "v1");
	cJSON_AddStringToObject(ref, "kind", "ConfigMap");
	cJSON_AddStringToObject(ref, "name", kobj_name(cm));
	cJSON_AddStringToObject(ref, "uid", kobj_uid(cm));
	cJSON_AddBoolToObject(ref, "controller", 1);
	cJSON_AddItemToArray(refs, ref);
	if (kobj_set_json(m, "metadata.ownerReferences", refs) < 0)
		goto fail;
	data = kobj_get(cm, "data");
	if (data != NULL &&
	    kobj_set_json(m, "data", cJSON_Duplicate(data, 1)) < 0)
		goto fail;
	kobj_touch(m);
	return m;
fail:
	kobj_unref(m);
	return NULL;
}

/*
 * Make "<name>-mirror" exist with the data of a toy=1 ConfigMap. Deleting
 * the source leaves the mirror to the garbage collector (its owner ref).
 */
int
toy_reconcile(struct controller *c, const char *key)
{
	struct cache *cms = controller_cache(c, "configmaps");
	struct kobj *cm = NULL, *mirror = NULL, *want = NULL;
	struct strbuf name = STRBUF_INIT;
	struct ck_status st;
	const char *toy;
	int rc = 0;

	pthread_mutex_lock(&toy_mu);
	toy_calls++;
	ck_strlcpy(toy_key, key, sizeof(toy_key));
	pthread_mutex_unlock(&toy_mu);

	cm = cache_get(cms, key);
	toy = cm != NULL ? kobj_label(cm, "toy") : NULL;
	if (toy == NULL || strcmp(toy, "1") != 0)
		goto out;		/* gone, or not ours */
	strbuf_addf(&name, "%s-mirror", kobj_name(cm));
	want = mirror_new(cm, strbuf_str(&name));
	if (want == NULL) {
		rc = CK_EINVALID;
		goto out;
	}
	mirror = cache_get_by_name(cms, kobj_namespace(cm), strbuf_str(&name));
	if (mirror == NULL) {
		rc = controller_create(c, want, NULL, &st);
		if (rc == CK_EEXIST)
			rc = 0;		/* our cache is behind */
		else if (rc == 0) {
			log_info("toy %s: created %s", key, strbuf_str(&name));
			controller_event(c, cm, "Normal", "Mirrored",
			    "created mirror %s", strbuf_str(&name));
		}
		goto out;
	}
	if ((kobj_get(mirror, "data") == NULL && kobj_get(want, "data") ==
	    NULL) || cJSON_Compare(kobj_get(mirror, "data"),
	    kobj_get(want, "data"), 1))
		goto out;		/* in sync */
	rc = kobj_set_str(want, "metadata.resourceVersion",
	    kobj_resource_version(mirror));
	if (rc == 0)
		rc = controller_update(c, want, NULL, &st);
out:
	strbuf_fini(&name);
	kobj_unref(want);
	kobj_unref(mirror);
	kobj_unref(cm);
	return rc;
}
