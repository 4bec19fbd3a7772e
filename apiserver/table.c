/*
 * table.c: server-side printing for `kubectl get` (meta.k8s.io/v1 Table).
 * Each registry row names its column set; this issue serves the generic
 * [Name, Created At] table and the namespaces table [Name, Status, Age].
 * Adding a kind's columns is one column list and one cells function.
 */
#include "apiserver.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"

struct table_col {
	const char	*name;
	const char	*type;
	const char	*format;
	int		 priority;	/* 1: only with -o wide */
};

static const struct table_col cols_generic[] = {
	{ "Name", "string", "name", 0 },
	{ "Created At", "date", "", 0 },
};

static const struct table_col cols_namespaces[] = {
	{ "Name", "string", "name", 0 },
	{ "Status", "string", "", 0 },
	{ "Age", "string", "", 0 },
};

/* As Kubernetes' printers for apps/v1 (pkg/printers/internalversion). */
static const struct table_col cols_deployments[] = {
	{ "Name", "string", "name", 0 },
	{ "Ready", "string", "", 0 },
	{ "Up-to-date", "integer", "", 0 },
	{ "Available", "integer", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Containers", "string", "", 1 },
	{ "Images", "string", "", 1 },
	{ "Selector", "string", "", 1 },
};

static const struct table_col cols_replicasets[] = {
	{ "Name", "string", "name", 0 },
	{ "Desired", "integer", "", 0 },
	{ "Current", "integer", "", 0 },
	{ "Ready", "integer", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Containers", "string", "", 1 },
	{ "Images", "string", "", 1 },
	{ "Selector", "string", "", 1 },
};

static void
age_of(const cJSON *meta, char *buf, size_t len)
{
	const char *ts = json_str(meta, "creationTimestamp");
	time_t t;

	if (ts == NULL || rfc3339_parse(ts, &t) < 0) {
		snprintf(buf, len, "<unknown>");
		return;
	}
	rfc3339_human_duration((int64_t)(time(NULL) - t), buf, len);
}

static void
cells_generic(const cJSON *obj, cJSON *cells)
{
	const cJSON *meta = json_obj(obj, "metadata");
	const char *ts = json_str(meta, "creationTimestamp");

	cJSON_AddItemToArray(cells, cJSON_CreateString(json_str(meta, "name") ?
	    json_str(meta, "name") : ""));
	cJSON_AddItemToArray(cells, cJSON_CreateString(ts ? ts : ""));
}

static void
cells_namespaces(const cJSON *obj, cJSON *cells)
{
	const cJSON *meta = json_obj(obj, "metadata");
	const char *phase = json_str(json_obj(obj, "status"), "phase");
	char age[32];

	cJSON_AddItemToArray(cells, cJSON_CreateString(json_str(meta, "name") ?
	    json_str(meta, "name") : ""));
	cJSON_AddItemToArray(cells, cJSON_CreateString(phase ? phase : ""));
	age_of(meta, age, sizeof(age));
	cJSON_AddItemToArray(cells, cJSON_CreateString(age));
}

static int64_t
int_at(const cJSON *o, const char *key, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def;
}

/* Containers, Images (comma-joined) and Selector ("k=v,..."), for -o wide. */
static void
cells_wide(const cJSON *spec, cJSON *cells)
{
	const cJSON *cs = cJSON_GetObjectItemCaseSensitive(json_obj(json_obj(
	    spec, "template"), "spec"), "containers"), *it, *ml;
	struct strbuf names = STRBUF_INIT, images = STRBUF_INIT;
	struct strbuf sel = STRBUF_INIT;

	cJSON_ArrayForEach(it, cs) {
		strbuf_addf(&names, "%s%s", names.len ? "," : "",
		    json_str(it, "name") ? json_str(it, "name") : "");
		strbuf_addf(&images, "%s%s", images.len ? "," : "",
		    json_str(it, "image") ? json_str(it, "image") : "");
	}
	ml = json_obj(json_obj(spec, "selector"), "matchLabels");
	cJSON_ArrayForEach(it, ml)
		if (cJSON_IsString(it))
			strbuf_addf(&sel, "%s%s=%s", sel.len ? "," : "",
			    it->string, it->valuestring);
	cJSON_AddItemToArray(cells, cJSON_CreateString(strbuf_str(&names)));
	cJSON_AddItemToArray(cells, cJSON_CreateString(strbuf_str(&images)));
	cJSON_AddItemToArray(cells, cJSON_CreateString(strbuf_str(&sel)));
	strbuf_fini(&names);
	strbuf_fini(&images);
	strbuf_fini(&sel);
}

static void
cells_apps(const cJSON *obj, cJSON *cells, bool deployment)
{
	const cJSON *meta = json_obj(obj, "metadata");
	const cJSON *spec = json_obj(obj, "spec");
	const cJSON *st = json_obj(obj, "status");
	int64_t want = int_at(spec, "replicas", 1);
	char buf[48], age[32];

	cJSON_AddItemToArray(cells, cJSON_CreateString(json_str(meta, "name") ?
	    json_str(meta, "name") : ""));
	if (deployment) {
		snprintf(buf, sizeof(buf), "%lld/%lld",
		    (long long)int_at(st, "readyReplicas", 0), (long long)want);
		cJSON_AddItemToArray(cells, cJSON_CreateString(buf));
		cJSON_AddItemToArray(cells, cJSON_CreateNumber(
		    (double)int_at(st, "updatedReplicas", 0)));
		cJSON_AddItemToArray(cells, cJSON_CreateNumber(
		    (double)int_at(st, "availableReplicas", 0)));
	} else {
		cJSON_AddItemToArray(cells, cJSON_CreateNumber((double)want));
		cJSON_AddItemToArray(cells, cJSON_CreateNumber(
		    (double)int_at(st, "replicas", 0)));
		cJSON_AddItemToArray(cells, cJSON_CreateNumber(
		    (double)int_at(st, "readyReplicas", 0)));
	}
	age_of(meta, age, sizeof(age));
	cJSON_AddItemToArray(cells, cJSON_CreateString(age));
	cells_wide(spec, cells);
}

static cJSON *
partial_meta(const cJSON *obj)
{
	cJSON *o = cJSON_CreateObject();
	const cJSON *meta = json_obj(obj, "metadata");

	cJSON_AddStringToObject(o, "kind", "PartialObjectMetadata");
	cJSON_AddStringToObject(o, "apiVersion", "meta.k8s.io/v1");
	cJSON_AddItemToObject(o, "metadata", meta ? cJSON_Duplicate(meta, 1) :
	    cJSON_CreateObject());
	return o;
}

cJSON *
table_build(const struct api_resource *r, cJSON *const *objs, size_t n,
    const char *list_rv, bool include_object, bool with_columns)
{
	const struct table_col *cols;
	size_t ncols, i;
	cJSON *t, *meta, *defs, *d, *rows, *row, *cells;

	if (r->table == API_TABLE_NAMESPACES) {
		cols = cols_namespaces;
		ncols = ARRAY_SIZE(cols_namespaces);
	} else if (r->table == API_TABLE_DEPLOYMENTS) {
		cols = cols_deployments;
		ncols = ARRAY_SIZE(cols_deployments);
	} else if (r->table == API_TABLE_REPLICASETS) {
		cols = cols_replicasets;
		ncols = ARRAY_SIZE(cols_replicasets);
	} else {
		cols = cols_generic;
		ncols = ARRAY_SIZE(cols_generic);
	}
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "kind", "Table");
	cJSON_AddStringToObject(t, "apiVersion", "meta.k8s.io/v1");
	meta = cJSON_AddObjectToObject(t, "metadata");
	if (list_rv != NULL)
		cJSON_AddStringToObject(meta, "resourceVersion", list_rv);
	if (with_columns) {
		defs = cJSON_AddArrayToObject(t, "columnDefinitions");
		for (i = 0; i < ncols; i++) {
			d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "name", cols[i].name);
			cJSON_AddStringToObject(d, "type", cols[i].type);
			cJSON_AddStringToObject(d, "format", cols[i].format);
			cJSON_AddStringToObject(d, "description", "");
			cJSON_AddNumberToObject(d, "priority",
			    cols[i].priority);
			cJSON_AddItemToArray(defs, d);
		}
	} else
		cJSON_AddNullToObject(t, "columnDefinitions");
	rows = cJSON_AddArrayToObject(t, "rows");
	for (i = 0; i < n; i++) {
		row = cJSON_CreateObject();
		cells = cJSON_AddArrayToObject(row, "cells");
		if (r->table == API_TABLE_NAMESPACES)
			cells_namespaces(objs[i], cells);
		else if (r->table == API_TABLE_DEPLOYMENTS ||
		    r->table == API_TABLE_REPLICASETS)
			cells_apps(objs[i], cells,
			    r->table == API_TABLE_DEPLOYMENTS);
		else
			cells_generic(objs[i], cells);
		cJSON_AddItemToObject(row, "object", include_object ?
		    cJSON_Duplicate(objs[i], 1) : partial_meta(objs[i]));
		cJSON_AddItemToArray(rows, row);
	}
	return t;
}
