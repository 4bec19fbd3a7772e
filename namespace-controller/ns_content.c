/*
 * ns_content.c: what a terminating namespace holds, and its deletion
 * (Kubernetes' namespacedResourcesDeleter): each namespaced resource that
 * can be listed and deleted, found through discovery, is listed in the
 * namespace and every object is deleted with the Background policy, its
 * owners notwithstanding. Objects already terminating are only counted.
 */
#include "namespace.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/apidiscovery.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/log.h"

static int
delete_all_of(struct controller *c, const struct apidiscovery_resource *r,
    const char *ns, size_t *remaining)
{
	struct client_gvr gvr = { r->group, r->version, r->resource };
	struct client_delete_opts o = {
		.propagation_policy = "Background",
		.grace_period_seconds = CLIENT_GRACE_UNSET,
	};
	struct client_list list = { 0 };
	struct ck_status st;
	const cJSON *it, *meta;
	const char *name;
	int rc;

	rc = client_list_all(controller_client(c), &gvr, ns, NULL, &list, &st);
	if (rc < 0) {
		log_warn("namespace %s: list %s: %s", ns, r->qualified,
		    st.message);
		return rc;
	}
	cJSON_ArrayForEach(it, list.items) {
		meta = cJSON_GetObjectItemCaseSensitive(it, "metadata");
		name = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(meta, "name"));
		if (name == NULL)
			continue;
		(*remaining)++;
		if (cJSON_GetObjectItemCaseSensitive(meta,
		    "deletionTimestamp") != NULL)
			continue;	/* on its way */
		rc = controller_delete(c, &gvr, ns, name, &o, &st);
		if (rc < 0 && rc != CK_ENOTFOUND && rc != CK_ECONFLICT) {
			log_warn("namespace %s: delete %s %s: %s", ns,
			    r->qualified, name, st.message);
			goto out;
		}
		rc = 0;
	}
out:
	client_list_fini(&list);
	return rc;
}

int
ns_content_delete(struct controller *c, const char *ns, size_t *remaining)
{
	struct apidiscovery d;
	struct ck_status st;
	size_t i;
	int rc;

	*remaining = 0;
	rc = apidiscovery_fetch(controller_client(c), &d, &st);
	if (rc < 0) {
		log_warn("namespace %s: discovery: %s", ns, st.message);
		return rc;
	}
	for (i = 0; i < d.n && rc == 0; i++) {
		if (!d.items[i].namespaced ||
		    !apidiscovery_has_verbs(&d.items[i], APIDISCOVERY_LIST |
		    APIDISCOVERY_DELETE))
			continue;
		/* A kind served by extensions and a modern group: once. */
		if (strcmp(d.items[i].group, "extensions") == 0 &&
		    i + 1 < d.n + 1) {
			size_t k;
			int dup = 0;

			for (k = 0; k < d.n; k++)
				if (k != i && strcmp(d.items[k].resource,
				    d.items[i].resource) == 0 &&
				    strcmp(d.items[k].kind, d.items[i].kind) ==
				    0)
					dup = 1;
			if (dup)
				continue;
		}
		rc = delete_all_of(c, &d.items[i], ns, remaining);
	}
	apidiscovery_fini(&d);
	return rc;
}
