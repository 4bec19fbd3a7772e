/*
 * apidiscovery.c: the client side of API discovery (apidiscovery.h): walk
 * /api and /apis, read each group's preferred version document, keep the
 * top-level resources with their verbs and scope.
 */
#include "ckube/apidiscovery.h"
#include "ckube/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"

static const struct {
	const char	*name;
	unsigned	 bit;
} verb_names[] = {
	{ "get", APIDISCOVERY_GET },
	{ "list", APIDISCOVERY_LIST },
	{ "watch", APIDISCOVERY_WATCH },
	{ "delete", APIDISCOVERY_DELETE },
	{ "deletecollection", APIDISCOVERY_DELETECOLLECTION },
	{ "create", APIDISCOVERY_CREATE },
	{ "update", APIDISCOVERY_UPDATE },
	{ "patch", APIDISCOVERY_PATCH },
};

static const char *
str(const cJSON *obj, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static unsigned
verbs_of(const cJSON *verbs)
{
	const cJSON *v;
	unsigned bits = 0;
	size_t i;

	cJSON_ArrayForEach(v, verbs) {
		if (!cJSON_IsString(v))
			continue;
		for (i = 0; i < ARRAY_SIZE(verb_names); i++)
			if (strcmp(v->valuestring, verb_names[i].name) == 0)
				bits |= verb_names[i].bit;
	}
	return bits;
}

/* Add the resources of one APIResourceList document. */
static void
add_list(struct apidiscovery *d, size_t *cap, const char *group,
    const char *version, const cJSON *doc)
{
	struct apidiscovery_resource *r;
	const cJSON *it;
	const char *name, *kind;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc,
	    "resources")) {
		name = str(it, "name");
		kind = str(it, "kind");
		if (name == NULL || kind == NULL || strchr(name, '/') != NULL)
			continue;
		if (d->n == *cap) {
			*cap = *cap ? *cap * 2 : 32;
			d->items = ck_reallocarray(d->items, *cap,
			    sizeof(*d->items));
		}
		r = &d->items[d->n++];
		memset(r, 0, sizeof(*r));
		ck_strlcpy(r->group, group, sizeof(r->group));
		ck_strlcpy(r->version, version, sizeof(r->version));
		ck_strlcpy(r->resource, name, sizeof(r->resource));
		ck_strlcpy(r->kind, kind, sizeof(r->kind));
		if (group[0] == '\0') {
			ck_strlcpy(r->qualified, name, sizeof(r->qualified));
			ck_strlcpy(r->api_version, version,
			    sizeof(r->api_version));
		} else {
			snprintf(r->qualified, sizeof(r->qualified), "%s.%s",
			    name, group);
			snprintf(r->api_version, sizeof(r->api_version),
			    "%s/%s", group, version);
		}
		r->namespaced = cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(it, "namespaced"));
		r->verbs = verbs_of(cJSON_GetObjectItemCaseSensitive(it,
		    "verbs"));
	}
}

static int
fetch_group_version(struct client *cl, struct apidiscovery *d, size_t *cap,
    const char *group, const char *version, struct ck_status *st)
{
	char path[512];
	cJSON *doc = NULL;
	int rc;

	if (group[0] == '\0')
		snprintf(path, sizeof(path), "/api/%s", version);
	else
		snprintf(path, sizeof(path), "/apis/%s/%s", group, version);
	rc = client_get_path(cl, path, &doc, st);
	if (rc == 0)
		add_list(d, cap, group, version, doc);
	cJSON_Delete(doc);
	return rc;
}

int
apidiscovery_fetch(struct client *cl, struct apidiscovery *out,
    struct ck_status *st)
{
	cJSON *api = NULL, *apis = NULL;
	struct ck_status lst, *gst = st != NULL ? st : &lst;
	const cJSON *g, *v, *pref;
	const char *group, *version;
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = client_get_path(cl, "/api", &api, st)) < 0)
		goto out;
	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(api,
	    "versions")) {
		/* The core group has one version (v1). */
		if (cJSON_IsString(v) && (rc = fetch_group_version(cl, out,
		    &cap, "", v->valuestring, st)) < 0)
			goto out;
		break;
	}
	if ((rc = client_get_path(cl, "/apis", &apis, st)) < 0)
		goto out;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(apis,
	    "groups")) {
		group = str(g, "name");
		pref = cJSON_GetObjectItemCaseSensitive(g, "preferredVersion");
		version = str(pref, "version");
		if (version == NULL) {
			v = cJSON_GetArrayItem(
			    cJSON_GetObjectItemCaseSensitive(g, "versions"), 0);
			version = str(v, "version");
		}
		if (group == NULL || version == NULL)
			continue;
		rc = fetch_group_version(cl, out, &cap, group, version, gst);
		if (rc < 0 && gst->code == 503) {
			log_v(2, "discovery: %s/%s unavailable: %s", group,
			    version, gst->message);
			out->unavailable++;
			rc = 0;
			continue;
		}
		if (rc < 0)
			goto out;
	}
out:
	if (rc < 0)
		apidiscovery_fini(out);
	cJSON_Delete(api);
	cJSON_Delete(apis);
	return rc;
}

void
apidiscovery_fini(struct apidiscovery *d)
{
	if (d == NULL)
		return;
	free(d->items);
	d->items = NULL;
	d->n = 0;
}

bool
apidiscovery_has_verbs(const struct apidiscovery_resource *r, unsigned mask)
{
	return (r->verbs & mask) == mask;
}

const struct apidiscovery_resource *
apidiscovery_find_kind(const struct apidiscovery *d, const char *api_version,
    const char *kind)
{
	const char *slash = strchr(api_version, '/');
	size_t glen = slash != NULL ? (size_t)(slash - api_version) : 0;
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->items[i].api_version, api_version) == 0 &&
		    strcmp(d->items[i].kind, kind) == 0)
			return &d->items[i];
	for (i = 0; i < d->n; i++)
		if (strlen(d->items[i].group) == glen &&
		    strncmp(d->items[i].group, api_version, glen) == 0 &&
		    strcmp(d->items[i].kind, kind) == 0)
			return &d->items[i];
	return NULL;
}
