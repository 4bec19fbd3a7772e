/*
 * pet_revision.c: the ControllerRevisions of a set (Kubernetes' history
 * package as the StatefulSet controller uses it). A revision named
 * "<set>-<hash of spec.template>" stores that template under data.spec;
 * the pods carry the name in their controller-revision-hash label. The
 * update revision is the set's template; the current one is what
 * status.currentRevision names, until a rolling update completes.
 */
#include "petset.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/revision.h"
#include "ckube/strbuf.h"

static const struct client_gvr gvr_revisions = { "apps", "v1",
	"controllerrevisions" };

void
pet_revisions_fini(struct pet_revisions *rv)
{
	free(rv->current);
	free(rv->update);
	cJSON_Delete(rv->current_template);
	cJSON_Delete(rv->update_template);
	memset(rv, 0, sizeof(*rv));
}

/* The set's revisions (owned by its uid), oldest revision first. */
static struct kobj **
list_revisions(struct controller *c, const struct pet_set *ps, size_t *n)
{
	return revision_list(controller_cache(c, PETSET_REV_RES),
	    kobj_uid(ps->obj), n);
}

static struct kobj *
revision_new(const struct pet_set *ps, const char *name,
    const cJSON *template, int64_t number)
{
	const cJSON *labels = kobj_get(ps->obj, "spec.template.metadata.labels");
	cJSON *root, *meta, *refs, *ref, *data;

	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "apiVersion", "apps/v1");
	cJSON_AddStringToObject(root, "kind", "ControllerRevision");
	meta = cJSON_AddObjectToObject(root, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	cJSON_AddStringToObject(meta, "namespace", kobj_namespace(ps->obj));
	cJSON_AddItemToObject(meta, "labels", cJSON_IsObject(labels) ?
	    cJSON_Duplicate(labels, 1) : cJSON_CreateObject());
	refs = cJSON_AddArrayToObject(meta, "ownerReferences");
	ref = kobj_new_owner_ref(ps->obj, "apps/v1", "StatefulSet", true);
	cJSON_AddItemToArray(refs, ref);
	data = cJSON_AddObjectToObject(root, "data");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(data, "spec"),
	    "template", cJSON_Duplicate(template, 1));
	cJSON_AddNumberToObject(root, "revision", (double)number);
	return kobj_new_take(root);
}

int
pet_revisions_sync(struct controller *c, const struct pet_set *ps,
    struct pet_revisions *rv)
{
	const cJSON *tmpl = kobj_get(ps->obj, "spec.template");
	const char *cur = kobj_get_str(ps->obj, "status.currentRevision");
	int64_t coll = kobj_get_int_or(ps->obj, "status.collisionCount", 0);
	struct strbuf name = STRBUF_INIT;
	struct kobj **list, *rev, *cp;
	struct ck_status st;
	int64_t max = 0;
	size_t i, n;
	int rc = 0;

	memset(rv, 0, sizeof(*rv));
	if (!cJSON_IsObject(tmpl))
		return CK_EINVALID;
	rv->update_template = cJSON_Duplicate(tmpl, 1);
	pet_revision_name(kobj_name(ps->obj), tmpl, coll, &name);
	rv->update = ck_strdup(strbuf_str(&name));
	list = list_revisions(c, ps, &n);
	if (n > 0)
		max = kobj_get_int_or(list[n - 1], "revision", 0);
	rev = NULL;
	for (i = 0; i < n; i++)
		if (strcmp(kobj_name(list[i]), rv->update) == 0)
			rev = list[i];
	if (rev == NULL) {
		rev = revision_new(ps, rv->update, tmpl, max + 1);
		rc = controller_create(c, rev, NULL, &st);
		kobj_unref(rev);
		if (rc == CK_EEXIST)
			rc = 0;		/* the cache is behind */
		if (rc < 0)
			log_warn("%s: creating revision %s: %s", ps->key,
			    rv->update, st.message);
	} else if (kobj_get_int_or(rev, "revision", 0) < max) {
		/* A rollback to an older template: it becomes the newest. */
		cp = kobj_copy(rev);
		rc = kobj_set_int(cp, "revision", max + 1);
		if (rc == 0)
			rc = controller_update(c, cp, NULL, &st);
		kobj_unref(cp);
	}
	/* The current revision, while a rolling update is under way. */
	if (cur != NULL && strcmp(cur, rv->update) != 0)
		for (i = 0; i < n; i++)
			if (strcmp(kobj_name(list[i]), cur) == 0 &&
			    kobj_get(list[i], "data.spec.template") != NULL) {
				rv->current = ck_strdup(cur);
				rv->current_template = cJSON_Duplicate(
				    kobj_get(list[i], "data.spec.template"), 1);
			}
	if (rv->current == NULL) {
		rv->current = ck_strdup(rv->update);
		rv->current_template = cJSON_Duplicate(tmpl, 1);
	}
	cache_list_free(list, n);
	strbuf_fini(&name);
	return rc;
}

static bool
in_use(const char *name, const struct pet_revisions *rv, struct kobj **pods,
    size_t npods)
{
	const char *h;
	size_t i;

	if (strcmp(name, rv->current) == 0 || strcmp(name, rv->update) == 0)
		return true;
	for (i = 0; i < npods; i++)
		if ((h = kobj_label(pods[i], LABEL_REV_HASH)) != NULL &&
		    strcmp(h, name) == 0)
			return true;
	return false;
}

int
pet_revisions_truncate(struct controller *c, const struct pet_set *ps,
    const struct pet_revisions *rv, struct kobj **pods, size_t npods)
{
	int64_t limit = kobj_get_int_or(ps->obj, "spec.revisionHistoryLimit",
	    10);
	struct kobj **list;
	struct ck_status st;
	size_t i, n, unused = 0;
	int rc = 0, r;

	list = list_revisions(c, ps, &n);
	for (i = 0; i < n; i++)
		if (!in_use(kobj_name(list[i]), rv, pods, npods))
			unused++;
	for (i = 0; i < n && (int64_t)unused > limit; i++) {
		if (in_use(kobj_name(list[i]), rv, pods, npods))
			continue;
		r = controller_delete(c, &gvr_revisions, kobj_namespace(list[i]),
		    kobj_name(list[i]), NULL, &st);
		if (r < 0 && r != CK_ENOTFOUND)
			rc = r;
		unused--;
	}
	cache_list_free(list, n);
	return rc;
}
