/*
 * scale.c: the scale subresource (autoscaling/v1 Scale) of the kinds with
 * spec.replicas: an object seen as a Scale (spec.replicas, status.replicas
 * and the selector as a string), and a Scale's spec.replicas put back into
 * the object. crud.c serves GET, PUT and PATCH on .../scale with these.
 */
#include "crud.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/selector.h"

static void
copy_str(cJSON *dst, const cJSON *src, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(src, key);

	if (cJSON_IsString(v))
		cJSON_AddStringToObject(dst, key, v->valuestring);
}

cJSON *
scale_from_object(const cJSON *obj)
{
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(obj, "status");
	const cJSON *sel = cJSON_GetObjectItemCaseSensitive(spec, "selector");
	cJSON *s = cJSON_CreateObject(), *m, *sp, *st;
	struct label_selector *ls = NULL;
	struct ck_status cs;
	char *str;
	int rc;

	cJSON_AddStringToObject(s, "kind", "Scale");
	cJSON_AddStringToObject(s, "apiVersion", "autoscaling/v1");
	m = cJSON_AddObjectToObject(s, "metadata");
	copy_str(m, meta, "name");
	copy_str(m, meta, "namespace");
	copy_str(m, meta, "uid");
	copy_str(m, meta, "resourceVersion");
	copy_str(m, meta, "creationTimestamp");
	sp = cJSON_AddObjectToObject(s, "spec");
	cJSON_AddNumberToObject(sp, "replicas",
	    (double)crud_json_int(spec, "replicas", 1));
	st = cJSON_AddObjectToObject(s, "status");
	cJSON_AddNumberToObject(st, "replicas",
	    (double)crud_json_int(status, "replicas", 0));
	/* A LabelSelector (apps), or the map form (ReplicationController). */
	if (cJSON_GetObjectItemCaseSensitive(sel, "matchLabels") != NULL ||
	    cJSON_GetObjectItemCaseSensitive(sel, "matchExpressions") != NULL)
		rc = selector_from_json(sel, "spec.selector", &ls, &cs);
	else if (cJSON_IsObject(sel))
		rc = selector_from_map(sel, "spec.selector", &ls, &cs);
	else
		rc = CK_ENOTFOUND;
	if (rc == 0) {
		str = selector_to_string(ls);
		if (str != NULL && str[0] != '\0')
			cJSON_AddStringToObject(st, "selector", str);
		free(str);
		selector_free(ls);
	}
	return s;
}

int
scale_to_object(struct crud *c, const cJSON *old, const cJSON *scale,
    cJSON **out)
{
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(scale, "spec"), "replicas");
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(scale, "metadata"),
	    "resourceVersion");
	cJSON *obj, *spec, *meta;

	*out = NULL;
	if (!cJSON_IsObject(scale))
		return crud_fail(c, CK_EBADREQ, "the body is not a Scale");
	if (r != NULL && (!cJSON_IsNumber(r) || r->valuedouble < 0 ||
	    r->valuedouble > 2147483647.0 ||
	    r->valuedouble != (double)(int64_t)r->valuedouble)) {
		crud_fail(c, CK_EINVALID, "Scale \"%s\" is invalid: "
		    "spec.replicas: Invalid value: must be greater than or "
		    "equal to 0", c->rt->name);
		ck_status_add_cause(&c->st, "spec.replicas",
		    "FieldValueInvalid", "must be greater than or equal to 0");
		return CK_EINVALID;
	}
	obj = cJSON_Duplicate(old, 1);
	spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	if (!cJSON_IsObject(spec)) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "spec");
		spec = cJSON_AddObjectToObject(obj, "spec");
	}
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
	cJSON_AddNumberToObject(spec, "replicas",
	    r != NULL ? r->valuedouble : 0);
	/* The Scale's resourceVersion is the precondition, if it has one. */
	meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	if (cJSON_IsObject(meta)) {
		cJSON_DeleteItemFromObjectCaseSensitive(meta,
		    "resourceVersion");
		if (cJSON_IsString(rv))
			cJSON_AddStringToObject(meta, "resourceVersion",
			    rv->valuestring);
	}
	*out = obj;
	return 0;
}
