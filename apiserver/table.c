/*
 * table.c: server-side printing for `kubectl get` (meta.k8s.io/v1 Table).
 * The printer is looked up by resource name in the per-group lists of
 * table_core.c, table_apps.c, table_batch.c and table_misc.c; a resource
 * without one gets the generic [Name, Created At] table. Rows carry
 * PartialObjectMetadata (or the full object for includeObject=Object), which
 * kubectl needs for -A, --show-labels and -L.
 */
#include "apiserver.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"

static const struct table_col cols_generic[] = {
	{ "Name", "string", "name", 0 },
	{ "Created At", "date", "", 0 },
};

/* The 1.3 names print as the kinds they convert to. */
static const struct {
	const char	*alias;
	const char	*resource;
} table_aliases[] = {
	{ "petsets", "statefulsets" },
	{ "scheduledjobs", "cronjobs" },
};

void
table_add_str(cJSON *cells, const char *s)
{
	cJSON_AddItemToArray(cells, cJSON_CreateString(s != NULL ? s : ""));
}

void
table_add_int(cJSON *cells, int64_t v)
{
	cJSON_AddItemToArray(cells, cJSON_CreateNumber((double)v));
}

void
table_add_name(cJSON *cells, const cJSON *obj)
{
	table_add_str(cells, json_str(json_obj(obj, "metadata"), "name"));
}

void
table_age(const char *ts, time_t now, char *buf, size_t len)
{
	time_t t;

	if (ts == NULL || ts[0] == '\0' || rfc3339_parse(ts, &t) < 0) {
		snprintf(buf, len, "<unknown>");
		return;
	}
	rfc3339_human_duration((int64_t)(now - t), buf, len);
}

void
table_add_age(cJSON *cells, const char *ts, time_t now)
{
	char age[32];

	table_age(ts, now, age, sizeof(age));
	table_add_str(cells, age);
}

void
table_add_obj_age(cJSON *cells, const cJSON *obj, time_t now)
{
	table_add_age(cells, json_str(json_obj(obj, "metadata"),
	    "creationTimestamp"), now);
}

int64_t
table_int(const cJSON *o, const char *key, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def;
}

struct sel_req {
	const char	*key;
	char		*text;	/* malloc'd */
};

static int
sel_req_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sel_req *)a)->key,
	    ((const struct sel_req *)b)->key);
}

/* "a,b" of the string values of arr. */
static void
join_values(struct strbuf *sb, const cJSON *arr)
{
	const cJSON *it;
	bool first = true;

	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it))
			continue;
		strbuf_addf(sb, "%s%s", first ? "" : ",", it->valuestring);
		first = false;
	}
}

/*
 * labels.Selector.String() of a LabelSelector: requirements sorted by key;
 * matchLabels as k=v, In/NotIn as `k in (a,b)`, Exists as k, DoesNotExist
 * as !k.
 */
char *
table_format_selector(const cJSON *sel)
{
	const cJSON *ml = json_obj(sel, "matchLabels"), *it;
	const cJSON *me = cJSON_GetObjectItemCaseSensitive(sel,
	    "matchExpressions");
	struct sel_req *reqs;
	struct strbuf sb = STRBUF_INIT, one = STRBUF_INIT;
	size_t n = 0, cap, i;
	const char *op, *key;

	cap = (size_t)cJSON_GetArraySize(ml) + (size_t)cJSON_GetArraySize(me) +
	    1;
	reqs = ck_calloc(cap, sizeof(*reqs));
	cJSON_ArrayForEach(it, ml) {
		if (!cJSON_IsString(it) || n >= cap)
			continue;
		strbuf_reset(&one);
		strbuf_addf(&one, "%s=%s", it->string, it->valuestring);
		reqs[n].key = it->string;
		reqs[n++].text = strbuf_detach(&one, NULL);
	}
	cJSON_ArrayForEach(it, me) {
		key = json_str(it, "key");
		op = json_str(it, "operator");
		if (key == NULL || op == NULL || n >= cap)
			continue;
		strbuf_reset(&one);
		if (strcmp(op, "In") == 0 || strcmp(op, "NotIn") == 0) {
			strbuf_addf(&one, "%s %s (", key,
			    op[0] == 'I' ? "in" : "notin");
			join_values(&one, cJSON_GetObjectItemCaseSensitive(it,
			    "values"));
			strbuf_addc(&one, ')');
		} else if (strcmp(op, "Exists") == 0)
			strbuf_adds(&one, key);
		else if (strcmp(op, "DoesNotExist") == 0)
			strbuf_addf(&one, "!%s", key);
		else
			continue;
		reqs[n].key = key;
		reqs[n++].text = strbuf_detach(&one, NULL);
	}
	qsort(reqs, n, sizeof(*reqs), sel_req_cmp);
	for (i = 0; i < n; i++) {
		strbuf_addf(&sb, "%s%s", i ? "," : "", reqs[i].text);
		free(reqs[i].text);
	}
	free(reqs);
	strbuf_fini(&one);
	if (sb.len == 0)
		strbuf_adds(&sb, "<none>");
	return strbuf_detach(&sb, NULL);
}

char *
table_format_labels(const cJSON *map)
{
	cJSON *sel = cJSON_CreateObject();
	char *s;

	if (cJSON_IsObject(map))
		cJSON_AddItemToObject(sel, "matchLabels",
		    cJSON_Duplicate(map, 1));
	s = table_format_selector(sel);
	cJSON_Delete(sel);
	return s;
}

void
table_add_containers(cJSON *cells, const cJSON *ctrs)
{
	struct strbuf names = STRBUF_INIT, images = STRBUF_INIT;
	const cJSON *it;

	cJSON_ArrayForEach(it, ctrs) {
		strbuf_addf(&names, "%s%s", names.len ? "," : "",
		    json_str(it, "name") ? json_str(it, "name") : "");
		strbuf_addf(&images, "%s%s", images.len ? "," : "",
		    json_str(it, "image") ? json_str(it, "image") : "");
	}
	table_add_str(cells, strbuf_str(&names));
	table_add_str(cells, strbuf_str(&images));
	strbuf_fini(&names);
	strbuf_fini(&images);
}

const cJSON *
table_template_containers(const cJSON *spec)
{
	return cJSON_GetObjectItemCaseSensitive(json_obj(json_obj(spec,
	    "template"), "spec"), "containers");
}

static void
cells_generic(const cJSON *obj, cJSON *cells, time_t now)
{
	(void)now;
	table_add_name(cells, obj);
	table_add_str(cells, json_str(json_obj(obj, "metadata"),
	    "creationTimestamp"));
}

static const struct table_printer generic_printer =
    TABLE_PRINTER("", cols_generic, cells_generic);

const struct table_printer *
table_printer_find(const char *resource)
{
	static const struct table_printer *const lists[] = {
		table_core_printers, table_apps_printers,
		table_batch_printers, table_misc_printers,
	};
	const struct table_printer *p;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(table_aliases); i++)
		if (strcmp(table_aliases[i].alias, resource) == 0)
			resource = table_aliases[i].resource;
	if (strcmp(resource, table_pod_printer.resource) == 0)
		return &table_pod_printer;
	if (strcmp(resource, table_hpa_printer.resource) == 0)
		return &table_hpa_printer;
	for (i = 0; i < ARRAY_SIZE(lists); i++)
		for (p = lists[i]; p->resource != NULL; p++)
			if (strcmp(p->resource, resource) == 0)
				return p;
	return NULL;
}

/* obj's metadata as a PartialObjectMetadata: moved out of obj if take. */
static cJSON *
partial_meta(cJSON *obj, bool take)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *meta = json_obj(obj, "metadata");

	cJSON_AddStringToObject(o, "kind", "PartialObjectMetadata");
	cJSON_AddStringToObject(o, "apiVersion", "meta.k8s.io/v1");
	if (meta != NULL && take)
		cJSON_DetachItemViaPointer(obj, meta);
	else if (meta != NULL)
		meta = cJSON_Duplicate(meta, 1);
	cJSON_AddItemToObject(o, "metadata", meta ? meta :
	    cJSON_CreateObject());
	return o;
}

/* Succeeded and Failed pods carry a row condition, as printPod sets. */
static void
row_conditions(const struct api_resource *r, const cJSON *obj, cJSON *row)
{
	const char *phase;
	cJSON *conds, *c;

	if (strcmp(r->resource, "pods") != 0)
		return;
	phase = json_str(json_obj(obj, "status"), "phase");
	if (phase == NULL || (strcmp(phase, "Succeeded") != 0 &&
	    strcmp(phase, "Failed") != 0))
		return;
	conds = cJSON_AddArrayToObject(row, "conditions");
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "type", "Completed");
	cJSON_AddStringToObject(c, "status", phase[0] == 'S' ? "True" :
	    "False");
	cJSON_AddStringToObject(c, "reason", phase);
	cJSON_AddStringToObject(c, "message", phase[0] == 'S' ?
	    "The pod has completed successfully." :
	    "The pod failed.");
	cJSON_AddItemToArray(conds, c);
}

/*
 * One row of obj. With take, obj's metadata moves into it, or, with
 * include_object, obj itself (the caller no longer owns it).
 */
static cJSON *
row_of(const struct api_resource *r, const struct table_printer *p,
    cJSON *obj, bool include_object, time_t now, bool take)
{
	cJSON *row = cJSON_CreateObject(), *cells;

	cells = cJSON_AddArrayToObject(row, "cells");
	p->cells(obj, cells, now);
	row_conditions(r, obj, row);
	if (include_object)
		cJSON_AddItemToObject(row, "object", take ? obj :
		    cJSON_Duplicate(obj, 1));
	else
		cJSON_AddItemToObject(row, "object", partial_meta(obj, take));
	return row;
}

cJSON *
table_build(const struct api_resource *r, cJSON *const *objs, size_t n,
    const char *list_rv, bool include_object, bool with_columns)
{
	const struct table_printer *p = table_printer_find(r->resource);
	time_t now = time(NULL);
	size_t i;
	cJSON *t, *meta, *defs, *d, *rows;

	if (p == NULL)
		p = &generic_printer;
	t = cJSON_CreateObject();
	cJSON_AddStringToObject(t, "kind", "Table");
	cJSON_AddStringToObject(t, "apiVersion", "meta.k8s.io/v1");
	meta = cJSON_AddObjectToObject(t, "metadata");
	if (list_rv != NULL)
		cJSON_AddStringToObject(meta, "resourceVersion", list_rv);
	if (with_columns) {
		defs = cJSON_AddArrayToObject(t, "columnDefinitions");
		for (i = 0; i < p->ncols; i++) {
			d = cJSON_CreateObject();
			cJSON_AddStringToObject(d, "name", p->cols[i].name);
			cJSON_AddStringToObject(d, "type", p->cols[i].type);
			cJSON_AddStringToObject(d, "format",
			    p->cols[i].format);
			cJSON_AddStringToObject(d, "description", "");
			cJSON_AddNumberToObject(d, "priority",
			    p->cols[i].priority);
			cJSON_AddItemToArray(defs, d);
		}
	} else
		cJSON_AddNullToObject(t, "columnDefinitions");
	rows = cJSON_AddArrayToObject(t, "rows");
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(rows, row_of(r, p, objs[i],
		    include_object, now, false));
	return t;
}

cJSON *
table_row(const struct api_resource *r, cJSON **obj, bool include_object,
    time_t now)
{
	const struct table_printer *p = table_printer_find(r->resource);
	cJSON *row = row_of(r, p != NULL ? p : &generic_printer, *obj,
	    include_object, now, true);

	if (include_object)
		*obj = NULL;	/* it is the row's now */
	return row;
}
