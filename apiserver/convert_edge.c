/*
 * convert_edge.c: the table of 1.3 names and where conversion happens at
 * the edge: kind and apiVersion swapped both ways, plus a per-kind field
 * hook (convert_13.c) for the fields that differ between the versions.
 */
#include "apiserver.h"
#include "convert.h"
#include "validation_kind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"

/* convert_13.c */
void	convert_13_selector_in(cJSON *obj);
void	convert_13_daemonset_in(cJSON *obj);
void	convert_13_petset_in(cJSON *obj);
void	convert_13_pdb_in(cJSON *obj);
void	convert_13_pdb_out(cJSON *obj);

static const struct {
	const char	*group;		/* the served (old) name */
	const char	*version;
	const char	*resource;
	const char	*stored_group;	/* the stored row */
	const char	*stored_resource;
	const char	*stored_version;	/* NULL: "v1" */
	void		(*in)(cJSON *obj);
	void		(*out)(cJSON *obj);
} conversions[] = {
	{ "apps", "v1alpha1", "petsets", "apps", "statefulsets", NULL,
	    convert_13_petset_in, NULL },
	{ "batch", "v2alpha1", "scheduledjobs", "batch", "cronjobs", NULL,
	    NULL, NULL },
	{ "batch", "v2alpha1", "cronjobs", "batch", "cronjobs", NULL, NULL,
	    NULL },
	{ "policy", "v1alpha1", "poddisruptionbudgets", "policy",
	    "poddisruptionbudgets", NULL, convert_13_pdb_in, convert_13_pdb_out },
	{ "extensions", "v1beta1", "daemonsets", "apps", "daemonsets", NULL,
	    convert_13_daemonset_in, NULL },
	{ "extensions", "v1beta1", "deployments", "apps", "deployments", NULL,
	    convert_13_selector_in, NULL },
	{ "extensions", "v1beta1", "replicasets", "apps", "replicasets", NULL,
	    convert_13_selector_in, NULL },
	{ "extensions", "v1beta1", "ingresses", "networking.k8s.io",
	    "ingresses", NULL, convert_ingress_in, convert_ingress_out },
	{ "extensions", "v1beta1", "networkpolicies", "networking.k8s.io",
	    "networkpolicies", NULL, NULL, NULL },
	{ "autoscaling", "v1", "horizontalpodautoscalers", "autoscaling",
	    "horizontalpodautoscalers", "v2", convert_hpa_in,
	    convert_hpa_out },
};

static int
conversion_of(const struct api_resource *r)
{
	size_t i;

	if (r == NULL)
		return -1;
	for (i = 0; i < ARRAY_SIZE(conversions); i++)
		if (strcmp(conversions[i].group, r->group) == 0 &&
		    strcmp(conversions[i].version, r->version) == 0 &&
		    strcmp(conversions[i].resource, r->resource) == 0)
			return (int)i;
	return -1;
}

const struct api_resource *
convert_stored_row(const struct api_resource *r)
{
	int i = conversion_of(r);

	if (i < 0)
		return NULL;
	return registry_find(conversions[i].stored_group,
	    conversions[i].stored_version != NULL ?
	    conversions[i].stored_version : "v1",
	    conversions[i].stored_resource);
}

/* kind and apiVersion first, as Kubernetes prints them. */
static void
set_type(cJSON *obj, const char *kind, const char *av)
{
	json_del(obj, "kind");
	json_del(obj, "apiVersion");
	cJSON_InsertItemInArray(obj, 0, cJSON_CreateString(av));
	cJSON_GetArrayItem(obj, 0)->string = ck_strdup("apiVersion");
	cJSON_InsertItemInArray(obj, 0, cJSON_CreateString(kind));
	cJSON_GetArrayItem(obj, 0)->string = ck_strdup("kind");
}

void
convert_in(const struct api_resource *r, cJSON *obj)
{
	const struct api_resource *s = convert_stored_row(r);
	int i = conversion_of(r);
	char av[192];

	if (s == NULL || !cJSON_IsObject(obj))
		return;
	if (conversions[i].in != NULL)
		conversions[i].in(obj);
	set_type(obj, s->kind, registry_api_version(s, av, sizeof(av)));
}

void
convert_out(const struct api_resource *r, cJSON *obj)
{
	const struct api_resource *s = convert_stored_row(r);
	int i = conversion_of(r);
	const char *k = json_str(obj, "kind");
	char av[192];

	if (s == NULL || !cJSON_IsObject(obj))
		return;
	/* Items of lists carry no kind; anything else is left alone. */
	if (k != NULL && strcmp(k, s->kind) != 0)
		return;
	if (conversions[i].out != NULL)
		conversions[i].out(obj);
	if (k != NULL)
		set_type(obj, r->kind, registry_api_version(r, av, sizeof(av)));
}

void
convert_response(const struct api_resource *r, struct api_response *resp)
{
	const struct api_resource *s = convert_stored_row(r);
	cJSON *o, *it, *rows;
	const char *k;
	char list[96], own[96], av[192];

	if (s == NULL || resp->watch != NULL || resp->body == NULL ||
	    resp->content_type == NULL ||
	    strncmp(resp->content_type, "application/json", 16) != 0)
		return;
	o = cJSON_ParseWithLength(resp->body, resp->body_len);
	if (o == NULL)
		return;
	k = json_str(o, "kind");
	snprintf(list, sizeof(list), "%sList", s->kind);
	snprintf(own, sizeof(own), "%sList", r->kind);
	/* crud_list.c already names the list after r; its items are stored. */
	if (k != NULL && (strcmp(k, list) == 0 || strcmp(k, own) == 0)) {
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o,
		    "items"))
			convert_out(r, it);
		snprintf(list, sizeof(list), "%sList", r->kind);
		set_type(o, list, registry_api_version(r, av, sizeof(av)));
	} else if (k != NULL && strcmp(k, "Table") == 0) {
		rows = cJSON_GetObjectItemCaseSensitive(o, "rows");
		cJSON_ArrayForEach(it, rows)
			convert_out(r, json_obj(it, "object"));
	} else if (k != NULL && strcmp(k, s->kind) == 0)
		convert_out(r, o);
	else {
		cJSON_Delete(o);
		return;
	}
	free(resp->body);
	resp->body = json_print(o, &resp->body_len);
	cJSON_Delete(o);
}

char *
convert_out_text(const struct api_resource *r, const char *body, size_t blen,
    size_t *len)
{
	cJSON *o;
	char *s;

	if (body == NULL || convert_stored_row(r) == NULL)
		return NULL;
	o = cJSON_ParseWithLength(body, blen);
	if (o == NULL)
		return NULL;
	convert_out(r, o);
	s = json_print(o, len);
	cJSON_Delete(o);
	return s;
}
