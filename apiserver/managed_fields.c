/*
 * managed_fields.c: metadata.managedFields as far as kubectl shows them
 * (`kubectl get -o yaml --show-managed-fields`): a create or a server-side
 * apply records one entry for its fieldManager (operation Update or Apply,
 * apiVersion, time, FieldsV1 of the fields it set), replacing that
 * manager's earlier entry of the same operation. FieldsV1 follows the
 * structured-merge-diff encoding: "f:<field>" for members, "k:{key}" for
 * items of keyed lists, "v:<value>" for sets of scalars, "." for the item
 * itself. Ownership is recorded, not enforced (no apply conflicts).
 */
#include "crud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/rfc3339.h"

/* Members the server owns: never part of a manager's fields. */
static const char *const server_meta[] = { "uid", "resourceVersion",
	"creationTimestamp", "generation", "deletionTimestamp",
	"deletionGracePeriodSeconds", "managedFields", "selfLink", "name",
	"namespace", NULL };

static bool
listed(const char *const *set, const char *s)
{
	for (; *set != NULL; set++)
		if (strcmp(*set, s) == 0)
			return true;
	return false;
}

static cJSON *fields_of(const cJSON *v, int depth);

/* The merge key of a list of objects, as Kubernetes' list-map keys. */
static cJSON *
item_key(const cJSON *item)
{
	static const char *const keys[] = { "name", "containerPort",
		"mountPath", "devicePath", "ip", "uid", "type", "key",
		"topologyKey", NULL };
	const cJSON *v;
	cJSON *k;
	size_t i;

	if (!cJSON_IsObject(item))
		return NULL;
	/* Service ports are keyed by port and protocol. */
	v = cJSON_GetObjectItemCaseSensitive(item, "port");
	if (cJSON_IsNumber(v) && cJSON_GetObjectItemCaseSensitive(item,
	    "name") == NULL) {
		k = cJSON_CreateObject();
		cJSON_AddNumberToObject(k, "port", v->valuedouble);
		cJSON_AddStringToObject(k, "protocol", json_str(item,
		    "protocol") ? json_str(item, "protocol") : "TCP");
		return k;
	}
	for (i = 0; keys[i] != NULL; i++) {
		v = cJSON_GetObjectItemCaseSensitive(item, keys[i]);
		if (cJSON_IsString(v) || cJSON_IsNumber(v)) {
			k = cJSON_CreateObject();
			cJSON_AddItemToObject(k, keys[i], cJSON_Duplicate(v, 1));
			return k;
		}
	}
	return NULL;
}

static cJSON *
list_fields(const cJSON *arr, int depth)
{
	cJSON *out = cJSON_CreateObject(), *k, *f;
	const cJSON *it;
	char *ks, name[1024];
	bool scalars = true;

	cJSON_ArrayForEach(it, arr)
		if (cJSON_IsObject(it) || cJSON_IsArray(it))
			scalars = false;
	cJSON_ArrayForEach(it, arr) {
		if (scalars) {
			ks = cJSON_PrintUnformatted(it);
			snprintf(name, sizeof(name), "v:%s", ks);
			free(ks);
			if (cJSON_GetObjectItemCaseSensitive(out, name) == NULL)
				cJSON_AddItemToObject(out, name,
				    cJSON_CreateObject());
			continue;
		}
		k = item_key(it);
		if (k == NULL) {
			/* An atomic list: owned as a whole. */
			cJSON_Delete(out);
			return cJSON_CreateObject();
		}
		ks = cJSON_PrintUnformatted(k);
		cJSON_Delete(k);
		snprintf(name, sizeof(name), "k:%s", ks);
		free(ks);
		f = fields_of(it, depth + 1);
		cJSON_AddItemToObject(f, ".", cJSON_CreateObject());
		cJSON_DeleteItemFromObjectCaseSensitive(out, name);
		cJSON_AddItemToObject(out, name, f);
	}
	return out;
}

static cJSON *
fields_of(const cJSON *v, int depth)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *it;
	char name[512];

	if (depth > 32)
		return out;
	if (cJSON_IsArray(v)) {
		cJSON_Delete(out);
		return list_fields(v, depth);
	}
	if (!cJSON_IsObject(v))
		return out;
	cJSON_ArrayForEach(it, v) {
		if (depth == 0 && (strcmp(it->string, "apiVersion") == 0 ||
		    strcmp(it->string, "kind") == 0 ||
		    strcmp(it->string, "status") == 0))
			continue;
		if (depth == 1 && listed(server_meta, it->string) &&
		    v->string != NULL && strcmp(v->string, "metadata") == 0)
			continue;
		if (cJSON_IsNull(it))
			continue;
		snprintf(name, sizeof(name), "f:%s", it->string);
		cJSON_AddItemToObject(out, name, fields_of(it, depth + 1));
	}
	return out;
}

/* Drop members that ended up empty where nothing was set (f:metadata {}). */
static void
prune_empty_meta(cJSON *fields)
{
	cJSON *m = cJSON_GetObjectItemCaseSensitive(fields, "f:metadata");

	if (cJSON_IsObject(m) && m->child == NULL)
		cJSON_DeleteItemFromObjectCaseSensitive(fields, "f:metadata");
}

void
crud_record_manager(const struct crud *c, cJSON *obj, const cJSON *set)
{
	const char *manager = api_request_param(c->req, "fieldManager");
	const char *ct = c->req->content_type;
	const char *op = ct != NULL && strncmp(ct,
	    "application/apply-patch", 23) == 0 ? "Apply" : "Update";
	cJSON *meta, *mf, *e, *it, *next, *fields;
	char ts[RFC3339_MAX], av[192];

	if (manager == NULL || manager[0] == '\0' || !cJSON_IsObject(obj))
		return;
	meta = json_ensure_obj(obj, "metadata");
	mf = cJSON_GetObjectItemCaseSensitive(meta, "managedFields");
	if (!cJSON_IsArray(mf)) {
		json_del(meta, "managedFields");
		mf = cJSON_AddArrayToObject(meta, "managedFields");
	}
	for (it = mf->child; it != NULL; it = next) {
		next = it->next;
		if (json_str(it, "manager") != NULL && json_str(it, "operation")
		    != NULL && strcmp(json_str(it, "manager"), manager) == 0 &&
		    strcmp(json_str(it, "operation"), op) == 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(mf, it));
	}
	fields = fields_of(set, 0);
	prune_empty_meta(fields);
	crud_now_ts(ts, 0);
	registry_api_version(c->res, av, sizeof(av));
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "manager", manager);
	cJSON_AddStringToObject(e, "operation", op);
	cJSON_AddStringToObject(e, "apiVersion", av);
	cJSON_AddStringToObject(e, "time", ts);
	cJSON_AddStringToObject(e, "fieldsType", "FieldsV1");
	cJSON_AddItemToObject(e, "fieldsV1", fields);
	cJSON_AddItemToArray(mf, e);
}
