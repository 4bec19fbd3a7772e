/*
 * admission_storage.c: Kubernetes' DefaultStorageClass and
 * DefaultIngressClass admission plugins, on create: a PersistentVolumeClaim
 * without spec.storageClassName gets the StorageClass annotated
 * storageclass.kubernetes.io/is-default-class=true; an Ingress without
 * spec.ingressClassName nor the kubernetes.io/ingress.class annotation gets
 * the IngressClass annotated ingressclass.kubernetes.io/is-default-class=
 * true. Several defaults: the newest (same age: the first name). None: the
 * object is left alone.
 */
#include "apiserver.h"
#include "store/store.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/strbuf.h"

#define ANN_DEFAULT_SC		"storageclass.kubernetes.io/is-default-class"
#define ANN_DEFAULT_IC		"ingressclass.kubernetes.io/is-default-class"
#define ANN_INGRESS_CLASS	"kubernetes.io/ingress.class"

/* The newest class of resource annotated ann="true" into best, or "". */
static void
default_class(struct store *s, const char *resource, const char *ann,
    char *best, size_t len)
{
	struct store_list l = { 0 };
	cJSON *c, *meta;
	const char *d, *ts, *name;
	char best_ts[64] = "";
	size_t i;

	best[0] = '\0';
	if (store_list(s, resource, "", NULL, NULL, 0, &l) < 0)
		return;
	/* Listed by name: a strict > keeps the first name on equal stamps. */
	for (i = 0; i < l.n; i++) {
		c = cJSON_ParseWithLength(l.items[i].body,
		    l.items[i].body_len);
		meta = json_obj(c, "metadata");
		d = json_str(json_obj(meta, "annotations"), ann);
		ts = json_str(meta, "creationTimestamp");
		name = json_str(meta, "name");
		if (ts == NULL)
			ts = "";
		/* RFC 3339 UTC stamps order as strings. */
		if (d != NULL && strcmp(d, "true") == 0 && name != NULL &&
		    (best[0] == '\0' || strcmp(ts, best_ts) > 0)) {
			ck_strlcpy(best, name, len);
			ck_strlcpy(best_ts, ts, sizeof(best_ts));
		}
		cJSON_Delete(c);
	}
	store_list_fini(&l);
}

void
admission_default_storage_class(struct store *s, cJSON *pvc)
{
	cJSON *spec = json_ensure_obj(pvc, "spec");
	char best[CK_NAME_MAX + 1];

	if (cJSON_GetObjectItemCaseSensitive(spec, "storageClassName") != NULL)
		return;		/* set, even to "": no class wanted */
	default_class(s, "storageclasses.storage.k8s.io", ANN_DEFAULT_SC,
	    best, sizeof(best));
	if (best[0] != '\0')
		json_set_str(spec, "storageClassName", best);
}

void
admission_default_ingress_class(struct store *s, cJSON *ing)
{
	cJSON *spec = json_ensure_obj(ing, "spec");
	char best[CK_NAME_MAX + 1];

	if (cJSON_GetObjectItemCaseSensitive(spec, "ingressClassName") !=
	    NULL || cJSON_GetObjectItemCaseSensitive(json_obj(json_obj(ing,
	    "metadata"), "annotations"), ANN_INGRESS_CLASS) != NULL)
		return;
	default_class(s, "ingressclasses.networking.k8s.io", ANN_DEFAULT_IC,
	    best, sizeof(best));
	if (best[0] != '\0')
		json_set_str(spec, "ingressClassName", best);
}
