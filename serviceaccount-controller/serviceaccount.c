/*
 * serviceaccount.c: the service account controller's reconcile
 * (Kubernetes' ServiceAccountsController): every namespace that is not
 * terminating has a ServiceAccount named "default"; one deleted by a user
 * comes back. Tokens are not simulated (no token controller).
 */
#include "serviceaccount.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"

void
serviceaccount_map(struct controller *c, const struct kobj *sa)
{
	if (strcmp(kobj_name(sa), SA_DEFAULT) == 0 &&
	    kobj_namespace(sa)[0] != '\0')
		controller_enqueue(c, kobj_namespace(sa));
}

int
serviceaccount_reconcile(struct controller *c, const char *key)
{
	struct kobj *ns, *sa, *obj = NULL;
	struct ck_status st;
	int rc = 0;

	ns = cache_get(controller_cache(c, "namespaces"), key);
	if (ns == NULL)
		return 0;	/* gone */
	if (kobj_get_str(ns, "metadata.deletionTimestamp") != NULL)
		goto out;	/* terminating: creates are refused */
	sa = cache_get_by_name(controller_cache(c, "serviceaccounts"), key,
	    SA_DEFAULT);
	if (sa != NULL) {
		kobj_unref(sa);
		goto out;
	}
	obj = kobj_new("v1", "ServiceAccount");
	if (kobj_set_str(obj, "metadata.name", SA_DEFAULT) < 0 ||
	    kobj_set_str(obj, "metadata.namespace", key) < 0) {
		rc = CK_ENOMEM;
		goto out;
	}
	ck_status_clear(&st);
	rc = controller_create(c, obj, NULL, &st);
	if (rc == CK_EEXIST || rc == CK_EPERM || rc == CK_ENOTFOUND)
		rc = 0;	/* there already, or the namespace is going */
	else if (rc < 0)
		log_error("namespace %s: create serviceaccount %s: %s", key,
		    SA_DEFAULT, st.message);
	else
		log_v(2, "namespace %s: created serviceaccount %s", key,
		    SA_DEFAULT);
out:
	kobj_unref(obj);
	kobj_unref(ns);
	return rc;
}
