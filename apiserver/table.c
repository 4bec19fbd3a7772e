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

struct table_col {
	const char	*name;
	const char	*type;
	const char	*format;
};

static const struct table_col cols_generic[] = {
	{ "Name", "string", "name" },
	{ "Created At", "date", "" },
};

static const struct table_col cols_namespaces[] = {
	{ "Name", "string", "name" },
	{ "Status", "string", "" },
	{ "Age", "string", "" },
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
			cJSON_AddNumberToObject(d, "priority", 0);
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
		else
			cells_generic(objs[i], cells);
		cJSON_AddItemToObject(row, "object", include_object ?
		    cJSON_Duplicate(objs[i], 1) : partial_meta(objs[i]));
		cJSON_AddItemToArray(rows, row);
	}
	return t;
}
