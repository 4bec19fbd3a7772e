/*
 * namespace.c: the namespace controller's reconcile (Kubernetes'
 * NamespaceController, semantics.md 5(e)): a namespace the apiserver marked
 * Terminating (deletionTimestamp, phase Terminating, spec.finalizers
 * ["kubernetes"]) is emptied of every object, whatever its owners; once
 * nothing is left its "kubernetes" finalizer is removed through
 * PUT namespaces/NAME/finalize, and the apiserver removes it.
 */
#include "namespace.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"

#define RECHECK_MS	1000	/* some objects remain: look again */

static bool
has_ns_finalizer(const struct kobj *ns)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, kobj_get(ns, "spec.finalizers"))
		if (cJSON_IsString(f) && strcmp(f->valuestring, NS_FINALIZER) ==
		    0)
			return true;
	return false;
}

/* PUT .../finalize with spec.finalizers minus "kubernetes". */
static int
remove_ns_finalizer(struct controller *c, const struct kobj *ns)
{
	struct ck_status st;
	cJSON *obj, *spec, *fins, *f, *next;
	int rc;

	obj = cJSON_Duplicate(kobj_json(ns), 1);
	spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	fins = cJSON_GetObjectItemCaseSensitive(spec, "finalizers");
	for (f = fins != NULL ? fins->child : NULL; f != NULL; f = next) {
		next = f->next;
		if (cJSON_IsString(f) && strcmp(f->valuestring, NS_FINALIZER) ==
		    0)
			cJSON_Delete(cJSON_DetachItemViaPointer(fins, f));
	}
	rc = client_update_subresource(controller_client(c), "finalize", obj,
	    NULL, &st);
	cJSON_Delete(obj);
	if (rc == CK_ENOTFOUND)
		return 0;
	if (rc < 0 && rc != CK_ECONFLICT)
		log_error("namespace %s: finalize: %s", kobj_name(ns),
		    st.message);
	return rc;
}

int
namespace_reconcile(struct controller *c, const char *key)
{
	struct kobj *ns;
	size_t remaining = 0;
	int rc = 0;

	ns = cache_get(controller_cache(c, "namespaces"), key);
	if (ns == NULL)
		return 0;	/* gone */
	if (kobj_get_str(ns, "metadata.deletionTimestamp") == NULL ||
	    !has_ns_finalizer(ns))
		goto out;	/* not terminating, or emptied already */
	rc = ns_content_delete(c, key, &remaining);
	if (rc < 0)
		goto out;
	if (remaining > 0) {
		log_v(2, "namespace %s: %zu objects still being deleted", key,
		    remaining);
		controller_requeue_after(c, key, RECHECK_MS);
		goto out;
	}
	log_info("namespace %s: empty; removing the %s finalizer", key,
	    NS_FINALIZER);
	rc = remove_ns_finalizer(c, ns);
out:
	kobj_unref(ns);
	return rc;
}
