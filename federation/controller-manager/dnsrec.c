/*
 * dnsrec.c: the record hierarchy of Kubernetes 1.3's federated service
 * controller (federation/pkg/federation-controller/service/dns.go): A
 * records of the healthy shards at zone, region and global level, and a
 * CNAME one level up where a zone or region has none.
 */
#include "dnsrec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

bool
dnsrec_shard_healthy(const struct dnsrec_shard *s)
{
	return s->cluster_ready && s->nips > 0 && s->ready_endpoints > 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool
str_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* The sorted, distinct IPs of the healthy shards that match zone/region. */
static cJSON *
targets(const struct dnsrec_shard *s, size_t n, const char *zone,
    const char *region)
{
	const char **ips;
	size_t i, j, k = 0, total = 0;
	cJSON *arr;

	for (i = 0; i < n; i++)
		total += s[i].nips;
	ips = calloc(total > 0 ? total : 1, sizeof(*ips));
	if (ips == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (!dnsrec_shard_healthy(&s[i]) ||
		    (zone != NULL && !str_eq(s[i].zone, zone)) ||
		    (region != NULL && !str_eq(s[i].region, region)))
			continue;
		for (j = 0; j < s[i].nips; j++)
			ips[k++] = s[i].ips[j];
	}
	qsort(ips, k, sizeof(*ips), cmp_str);
	arr = cJSON_CreateArray();
	for (i = 0; i < k; i++)
		if (i == 0 || strcmp(ips[i], ips[i - 1]) != 0)
			cJSON_AddItemToArray(arr, cJSON_CreateString(ips[i]));
	free(ips);
	return arr;
}

static void
add(cJSON *eps, const char *name, const char *type, cJSON *tg)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddStringToObject(e, "dnsName", name);
	cJSON_AddStringToObject(e, "recordType", type);
	cJSON_AddItemToObject(e, "targets", tg);
	cJSON_AddNumberToObject(e, "recordTTL", DNSREC_TTL);
	cJSON_AddItemToArray(eps, e);
}

/* A records of tg, or a CNAME to up (tg empty). */
static void
add_level(cJSON *eps, const char *name, cJSON *tg, const char *up)
{
	if (cJSON_GetArraySize(tg) > 0) {
		add(eps, name, "A", tg);
		return;
	}
	cJSON_Delete(tg);
	tg = cJSON_CreateArray();
	cJSON_AddItemToArray(tg, cJSON_CreateString(up));
	add(eps, name, "CNAME", tg);
}

/* Whether an earlier shard has the same zone and region (or region). */
static bool
seen(const struct dnsrec_shard *s, size_t i, bool by_zone)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (str_eq(s[j].region, s[i].region) &&
		    (!by_zone || str_eq(s[j].zone, s[i].zone)))
			return true;
	return false;
}

static int
by_dns_name(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(cJSON_GetObjectItemCaseSensitive(x, "dnsName")->
	    valuestring, cJSON_GetObjectItemCaseSensitive(y, "dnsName")->
	    valuestring);
}

/* Sort the endpoints by name (stable output: updates only on change). */
static cJSON *
sorted(cJSON *eps)
{
	size_t i, n = (size_t)cJSON_GetArraySize(eps);
	cJSON **items, *out;

	items = calloc(n > 0 ? n : 1, sizeof(*items));
	if (items == NULL)
		return eps;
	for (i = 0; i < n; i++)
		items[i] = cJSON_DetachItemFromArray(eps, 0);
	qsort(items, n, sizeof(*items), by_dns_name);
	out = eps;
	for (i = 0; i < n; i++)
		cJSON_AddItemToArray(out, items[i]);
	free(items);
	return out;
}

cJSON *
dnsrec_endpoints(const char *svc, const char *ns, const char *fed,
    const char *dnszone, const struct dnsrec_shard *s, size_t n)
{
	char zone_dom[256], base[512], global[800], name[1100], up[1100];
	cJSON *eps = cJSON_CreateArray(), *tg;
	size_t i;
	int len;

	len = snprintf(zone_dom, sizeof(zone_dom), "%s", dnszone);
	while (len > 0 && zone_dom[len - 1] == '.')
		zone_dom[--len] = '\0';
	snprintf(base, sizeof(base), "%s.%s.%s.svc", svc, ns, fed);
	snprintf(global, sizeof(global), "%s.%s", base, zone_dom);
	for (i = 0; i < n; i++) {
		/* Shards of unknown zone or region only count globally. */
		if (s[i].zone == NULL || s[i].region == NULL)
			continue;
		if (!seen(s, i, true)) {
			snprintf(name, sizeof(name), "%s.%s.%s.%s", base,
			    s[i].zone, s[i].region, zone_dom);
			snprintf(up, sizeof(up), "%s.%s.%s", base,
			    s[i].region, zone_dom);
			add_level(eps, name, targets(s, n, s[i].zone,
			    s[i].region), up);
		}
		if (!seen(s, i, false)) {
			snprintf(name, sizeof(name), "%s.%s.%s", base,
			    s[i].region, zone_dom);
			add_level(eps, name, targets(s, n, NULL, s[i].region),
			    global);
		}
	}
	tg = targets(s, n, NULL, NULL);
	if (cJSON_GetArraySize(tg) > 0)
		add(eps, global, "A", tg);
	else
		cJSON_Delete(tg);
	return sorted(eps);
}
