/*
 * client_kobj.c: the kobj forms of the client verbs, so controllers deal in
 * refcounted objects only. Each one wraps its cJSON twin in client.c or
 * client_watch.c; nothing here talks HTTP.
 */
#include "ckube/client.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/kobj.h"

/* Wrap a reply; a 2xx reply that is not an object is an error. */
static int
wrap(int rc, cJSON *json, struct kobj **out, const char *what,
    struct ck_status *st)
{
	if (out == NULL) {
		cJSON_Delete(json);
		return rc;
	}
	*out = NULL;
	if (rc < 0) {
		cJSON_Delete(json);
		return rc;
	}
	*out = kobj_new_take(json);
	if (*out == NULL)
		return ck_status_set(st, CK_EIO,
		    "client: %s: the reply is not an object", what);
	return 0;
}

int
client_get_kobj(struct client *cl, const struct client_gvr *gvr,
    const char *ns, const char *name, struct kobj **out, struct ck_status *st)
{
	cJSON *json = NULL;
	int rc;

	rc = client_get(cl, gvr, ns, name, &json, st);
	return wrap(rc, json, out, "get", st);
}

int
client_create_kobj(struct client *cl, const struct kobj *obj,
    struct kobj **out, struct ck_status *st)
{
	cJSON *json = NULL;
	int rc;

	rc = client_create(cl, kobj_json(obj), out != NULL ? &json : NULL, st);
	return wrap(rc, json, out, "create", st);
}

int
client_update_kobj(struct client *cl, const struct kobj *obj,
    struct kobj **out, struct ck_status *st)
{
	cJSON *json = NULL;
	int rc;

	rc = client_update(cl, kobj_json(obj), out != NULL ? &json : NULL, st);
	return wrap(rc, json, out, "update", st);
}

int
client_update_status_kobj(struct client *cl, const struct kobj *obj,
    struct kobj **out, struct ck_status *st)
{
	cJSON *json = NULL;
	int rc;

	rc = client_update_status(cl, kobj_json(obj),
	    out != NULL ? &json : NULL, st);
	return wrap(rc, json, out, "update status", st);
}

int
client_patch_kobj(struct client *cl, const struct client_gvr *gvr,
    const char *ns, const char *name, const char *subresource,
    enum client_patch_type type, const cJSON *patch, struct kobj **out,
    struct ck_status *st)
{
	cJSON *json = NULL;
	int rc;

	rc = client_patch(cl, gvr, ns, name, subresource, type, patch,
	    out != NULL ? &json : NULL, st);
	return wrap(rc, json, out, "patch", st);
}

void
client_kobjs_fini(struct client_kobjs *list)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < list->n; i++)
		kobj_unref(list->items[i]);
	free(list->items);
	memset(list, 0, sizeof(*list));
}

int
client_list_all_kobj(struct client *cl, const struct client_gvr *gvr,
    const char *ns, const struct client_list_opts *opts, int freeze,
    struct client_kobjs *out, struct ck_status *st)
{
	struct client_list list;
	struct kobj *k;
	cJSON *item;
	size_t cap;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = client_list_all(cl, gvr, ns, opts, &list, st);
	if (rc < 0)
		return rc;
	cap = (size_t)cJSON_GetArraySize(list.items);
	out->items = ck_calloc(cap > 0 ? cap : 1, sizeof(*out->items));
	while ((item = cJSON_DetachItemFromArray(list.items, 0)) != NULL) {
		k = kobj_new_take(item);
		if (k == NULL) {
			rc = ck_status_set(st, CK_EIO,
			    "client: list %s: an item is not an object",
			    gvr->resource);
			goto out;
		}
		out->items[out->n++] = freeze ? kobj_freeze(k) : k;
	}
	memcpy(out->resource_version, list.resource_version,
	    sizeof(out->resource_version));
out:
	if (rc < 0)
		client_kobjs_fini(out);
	client_list_fini(&list);
	return rc;
}

struct watch_adapter {
	client_watch_kobj_fn	 fn;
	void			*arg;
};

static int
watch_adapt(enum client_event_type type, cJSON *object, void *arg)
{
	struct watch_adapter *a = arg;

	/* client_watch hands over objects only, so this cannot be NULL. */
	return a->fn(type, kobj_new_take(object), a->arg);
}

int
client_watch_kobj(struct client *cl, const struct client_gvr *gvr,
    const char *ns, const struct client_watch_opts *opts,
    client_watch_kobj_fn fn, void *arg, struct ck_status *st)
{
	struct watch_adapter a = { .fn = fn, .arg = arg };

	if (fn == NULL)
		return ck_status_set(st, CK_EINVALID,
		    "client: watch without a callback");
	return client_watch(cl, gvr, ns, opts, watch_adapt, &a, st);
}
