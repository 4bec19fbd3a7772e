/*
 * admission_storage.c: Kubernetes' DefaultStorageClass admission plugin:
 * a PersistentVolumeClaim created without spec.storageClassName gets the
 * class annotated storageclass.kubernetes.io/is-default-class=true (the
 * newest one when several are). No default class: the claim is left alone.
 */
#include "apiserver.h"
#include "store.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/strbuf.h"

#define ANN_DEFAULT_CLASS	"storageclass.kubernetes.io/is-default-class"

void
admission_default_storage_class(struct store *s, cJSON *pvc)
{
	struct store_list l = { 0 };
	cJSON *spec = json_ensure_obj(pvc, "spec"), *sc, *meta;
	const char *d, *ts, *name;
	char best[CK_NAME_MAX + 1] = "", best_ts[64] = "";
	size_t i;

	if (cJSON_GetObjectItemCaseSensitive(spec, "storageClassName") != NULL)
		return;		/* set, even to "": no class wanted */
	if (store_list(s, "storageclasses.storage.k8s.io", "", NULL, NULL, 0,
	    &l) < 0)
		return;
	for (i = 0; i < l.n; i++) {
		sc = cJSON_ParseWithLength(l.items[i].body,
		    l.items[i].body_len);
		meta = json_obj(sc, "metadata");
		d = json_str(json_obj(meta, "annotations"),
		    ANN_DEFAULT_CLASS);
		ts = json_str(meta, "creationTimestamp");
		name = json_str(meta, "name");
		if (ts == NULL)
			ts = "";
		/* RFC 3339 UTC stamps order as strings. */
		if (d != NULL && strcmp(d, "true") == 0 && name != NULL &&
		    (best[0] == '\0' || strcmp(ts, best_ts) > 0)) {
			ck_strlcpy(best, name, sizeof(best));
			ck_strlcpy(best_ts, ts, sizeof(best_ts));
		}
		cJSON_Delete(sc);
	}
	store_list_fini(&l);
	if (best[0] != '\0')
		json_set_str(spec, "storageClassName", best);
}
