/*
 * dep_math.c: the pure arithmetic of rolling updates, as Kubernetes'
 * deployment/util computes it: IntOrString percentages, fenceposts, how far
 * the new ReplicaSet may grow and the old ones shrink, proportional scaling,
 * and the pod-template hash. No objects are written here.
 */
#include "deployment.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"

int
dep_scaled_value(const cJSON *v, int def_percent, int64_t total,
    bool round_up, int64_t *out)
{
	int64_t pct;
	size_t len;

	if (v == NULL || cJSON_IsNull(v)) {
		pct = def_percent;
	} else if (cJSON_IsNumber(v)) {
		if (v->valuedouble != (double)(int64_t)v->valuedouble ||
		    v->valuedouble < 0)
			return CK_EINVALID;
		*out = (int64_t)v->valuedouble;
		return 0;
	} else if (cJSON_IsString(v)) {
		len = strlen(v->valuestring);
		if (len < 2 || v->valuestring[len - 1] != '%' ||
		    ck_parse_int64n(v->valuestring, len - 1, &pct) < 0 ||
		    pct < 0)
			return CK_EINVALID;
	} else
		return CK_EINVALID;
	if (round_up)
		*out = (pct * total + 99) / 100;
	else
		*out = pct * total / 100;
	return 0;
}

int
dep_resolve_fenceposts(const cJSON *surge, const cJSON *unavail,
    int64_t desired, int64_t *max_surge, int64_t *max_unavail)
{
	int rc;

	rc = dep_scaled_value(surge, 25, desired, true, max_surge);
	if (rc == 0)
		rc = dep_scaled_value(unavail, 25, desired, false,
		    max_unavail);
	if (rc < 0)
		return rc;
	if (*max_surge == 0 && *max_unavail == 0)
		*max_unavail = 1;
	return 0;
}

int64_t
dep_rolling_new_replicas(int64_t desired, int64_t max_surge,
    int64_t total_replicas, int64_t new_replicas)
{
	int64_t max_total = desired + max_surge, up;

	if (total_replicas >= max_total)
		return new_replicas;
	up = max_total - total_replicas;
	if (up > desired - new_replicas)
		up = desired - new_replicas;
	return new_replicas + up;
}

int64_t
dep_max_scaled_down(int64_t all_replicas, int64_t desired,
    int64_t max_unavail, int64_t new_replicas, int64_t new_available)
{
	int64_t min_available = desired - max_unavail;

	return all_replicas - min_available - (new_replicas - new_available);
}

/* getReplicaSetFraction: this set's share of the change. */
static int64_t
rs_fraction(int64_t size, int64_t maxann, int64_t desired, int64_t max_surge,
    int64_t status_replicas)
{
	int64_t annotated = maxann >= 0 ? maxann : status_replicas;

	if (desired == 0)
		return -size;
	if (annotated == 0)
		return 0;
	return (int64_t)llround((double)(size * (desired + max_surge)) /
	    (double)annotated) - size;
}

void
dep_proportional(const int64_t *sizes, const int64_t *maxann, size_t n,
    int64_t desired, int64_t max_surge, int64_t status_replicas,
    int64_t *target)
{
	int64_t allowed, total = 0, to_add, added = 0, p;
	size_t i, j, first = 0;
	size_t *order;

	for (i = 0; i < n; i++) {
		total += sizes[i];
		target[i] = sizes[i];
	}
	allowed = desired > 0 ? desired + max_surge : 0;
	to_add = allowed - total;
	if (n == 0 || to_add == 0)
		return;
	/* Biggest first; ties: newer first when growing, older when not. */
	order = calloc(n, sizeof(*order));
	if (order == NULL)
		abort();
	for (i = 0; i < n; i++)
		order[i] = to_add > 0 ? n - 1 - i : i;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && sizes[order[j]] > sizes[order[j - 1]];
		    j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (i = 0; i < n; i++) {
		j = order[i];
		p = 0;
		if (sizes[j] != 0 && to_add != added) {
			p = rs_fraction(sizes[j], maxann[j], desired,
			    max_surge, status_replicas);
			if (to_add > 0 && p > to_add - added)
				p = to_add - added;
			if (to_add < 0 && p < to_add - added)
				p = to_add - added;
		}
		target[j] = sizes[j] + p;
		added += p;
	}
	first = order[0];
	target[first] += to_add - added;
	if (target[first] < 0)
		target[first] = 0;
	free(order);
}

static void
fnv(uint32_t *h, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		*h ^= p[i];
		*h *= 16777619u;
	}
}

static int
key_cmp(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string,
	    (*(const cJSON *const *)b)->string);
}

/* Hash v with object members in key order, so member order never counts. */
static void
hash_json(uint32_t *h, const cJSON *v)
{
	const cJSON *it, **kids;
	size_t n = 0, i;
	char tag;

	if (cJSON_IsObject(v)) {
		cJSON_ArrayForEach(it, v)
			n++;
		kids = calloc(n + 1, sizeof(*kids));
		if (kids == NULL)
			abort();
		i = 0;
		cJSON_ArrayForEach(it, v)
			kids[i++] = it;
		qsort(kids, n, sizeof(*kids), key_cmp);
		fnv(h, "{", 1);
		for (i = 0; i < n; i++) {
			fnv(h, kids[i]->string, strlen(kids[i]->string) + 1);
			hash_json(h, kids[i]);
		}
		fnv(h, "}", 1);
		free(kids);
	} else if (cJSON_IsArray(v)) {
		fnv(h, "[", 1);
		cJSON_ArrayForEach(it, v)
			hash_json(h, it);
		fnv(h, "]", 1);
	} else if (cJSON_IsString(v)) {
		fnv(h, "s", 1);
		fnv(h, v->valuestring, strlen(v->valuestring) + 1);
	} else if (cJSON_IsNumber(v)) {
		fnv(h, "n", 1);
		fnv(h, &v->valuedouble, sizeof(v->valuedouble));
	} else {
		tag = cJSON_IsTrue(v) ? 't' : cJSON_IsFalse(v) ? 'f' : '0';
		fnv(h, &tag, 1);
	}
}

/* Whether v carries nothing: null, or an object or array of nothing. */
static bool
json_blank(cJSON *v)
{
	cJSON *it, *next;

	if (cJSON_IsNull(v))
		return true;
	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return false;
	for (it = v->child; it != NULL; it = next) {
		next = it->next;
		if (cJSON_IsObject(v) && json_blank(it))
			cJSON_Delete(cJSON_DetachItemViaPointer(v, it));
	}
	if (cJSON_IsArray(v))
		cJSON_ArrayForEach(it, v)
			(void)json_blank(it);
	return v->child == NULL;
}

void
dep_template_normalize(cJSON *tmpl)
{
	cJSON *labels;

	(void)json_blank(tmpl);
	labels = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(tmpl, "metadata"), "labels");
	cJSON_DeleteItemFromObjectCaseSensitive(labels, DEP_LABEL_HASH);
}

uint32_t
dep_template_hash(const cJSON *tmpl, int64_t collisions)
{
	uint32_t h = 2166136261u;
	cJSON *copy = cJSON_Duplicate(tmpl, 1);

	/* Neither the hash label nor blank fields change the hash. */
	dep_template_normalize(copy);
	hash_json(&h, copy);
	cJSON_Delete(copy);
	if (collisions > 0)
		fnv(&h, &collisions, sizeof(collisions));
	return h;
}

void
dep_hash_string(uint32_t h, char *buf, size_t size)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	char dec[16];
	size_t i, n;

	n = (size_t)snprintf(dec, sizeof(dec), "%u", h);
	for (i = 0; i < n && i + 1 < size; i++)
		buf[i] = alphabet[(unsigned char)dec[i] %
		    (sizeof(alphabet) - 1)];
	if (size > 0)
		buf[i < size ? i : size - 1] = '\0';
}
