/*
 * ingress.c: ckube-ingress-controller, a simulated ingress controller:
 * Ingresses of the IngressClass "ckube" (controller ckube.io/ingress-
 * controller; made if missing) get status.loadBalancer.ingress[0].ip set to
 * --ingress-ip, as a real controller publishes its address. Nothing routes
 * traffic. Written only when the status differs.
 */
#include "ingress.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"

#define ANN_CLASS	"kubernetes.io/ingress.class"
#define ANN_DEFAULT	"ingressclass.kubernetes.io/is-default-class"

static const char *flag_ip;

const struct flag ingress_flags[INGRESS_NFLAGS] = {
	{ "ingress-ip", FLAG_STRING, &flag_ip, "127.0.0.1", "Ingress",
	  "the address published in status.loadBalancer of our Ingresses" },
};

void
ingress_map_class(struct controller *c, const struct kobj *cls)
{
	struct cache *ings = controller_cache(c, INGRESS_RESOURCE);
	struct kobj **list;
	size_t i, n;

	(void)cls;
	if (ings == NULL)
		return;
	list = cache_list(ings, &n);
	for (i = 0; i < n; i++)
		controller_enqueue(c, kobj_key(list[i]));
	cache_list_free(list, n);
}

const char *
ingress_class_of(const struct kobj *ing, struct kobj *const *classes,
    size_t n)
{
	const char *name = kobj_get_str(ing, "spec.ingressClassName");
	const char *d;
	size_t i;

	if (name != NULL && name[0] != '\0')
		return name;
	name = kobj_annotation(ing, ANN_CLASS);
	if (name != NULL && name[0] != '\0')
		return name;
	for (i = 0; i < n; i++) {
		d = kobj_annotation(classes[i], ANN_DEFAULT);
		if (d != NULL && strcmp(d, "true") == 0)
			return kobj_name(classes[i]);
	}
	return NULL;
}

/* Our IngressClass, created once when the cache has none. */
static int
ensure_class(struct controller *c, struct cache *classes)
{
	struct kobj *cls = cache_get(classes, INGRESS_CLASS_NAME), *obj;
	struct ck_status st;
	int rc;

	if (cls != NULL) {
		kobj_unref(cls);
		return 0;
	}
	obj = kobj_new("networking.k8s.io/v1", "IngressClass");
	rc = kobj_set_str(obj, "metadata.name", INGRESS_CLASS_NAME);
	kobj_touch(obj);
	if (rc == 0)
		rc = kobj_set_str(obj, "spec.controller", INGRESS_CONTROLLER);
	if (rc == 0)
		rc = controller_create(c, obj, NULL, &st);
	kobj_unref(obj);
	return rc == CK_EEXIST ? 0 : rc;
}

static bool
ours(const struct kobj *ing, struct cache *classes)
{
	struct kobj **list, *cls;
	const char *name, *ctl;
	size_t n;
	bool r = false;

	list = cache_list(classes, &n);
	name = ingress_class_of(ing, list, n);
	cls = name != NULL ? cache_get(classes, name) : NULL;
	ctl = cls != NULL ? kobj_get_str(cls, "spec.controller") : NULL;
	r = ctl != NULL && strcmp(ctl, INGRESS_CONTROLLER) == 0;
	kobj_unref(cls);
	cache_list_free(list, n);
	return r;
}

int
ingress_reconcile(struct controller *c, const char *key)
{
	struct cache *ings = controller_cache(c, INGRESS_RESOURCE);
	struct cache *classes = controller_cache(c, INGRESSCLASS_RESOURCE);
	struct kobj *ing = NULL, *obj = NULL;
	struct ck_status st;
	cJSON *lb, *arr, *e;
	int rc;

	if (ings == NULL || classes == NULL)
		return 0;
	if ((rc = ensure_class(c, classes)) < 0)
		return rc;
	ing = cache_get(ings, key);
	if (ing == NULL || !ours(ing, classes))
		goto out;
	lb = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(lb, "ingress");
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "ip", flag_ip != NULL ? flag_ip :
	    "127.0.0.1");
	cJSON_AddItemToArray(arr, e);
	if (cJSON_Compare(kobj_get(ing, "status.loadBalancer"), lb, 1)) {
		cJSON_Delete(lb);
		goto out;	/* in sync */
	}
	obj = kobj_copy(ing);
	rc = kobj_set_json(obj, "status.loadBalancer", lb);
	if (rc == 0)
		rc = controller_update_status(c, obj, NULL, &st);
	if (rc == 0)
		log_v(2, "ingress %s: address %s", key, flag_ip);
out:
	kobj_unref(obj);
	kobj_unref(ing);
	return rc;
}
