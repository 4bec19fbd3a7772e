/*
 * hpa_metrics.c: one Resource metric of an HPA measured: the target's pods
 * (listed by the scale's selector at each measure, as Kubernetes 1.3's
 * metrics client did: a pod cache would hold every pod of the cluster in
 * this daemon for the few that HPAs target), their requests, and their
 * usage from metrics.k8s.io/v1beta1 PodMetrics read through the apiserver
 * (the aggregated path, as upstream's resource metrics client does), into
 * the hpa_pod array replica_calc.c works on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/flags.h"
#include "ckube/kobj.h"
#include "ckube/quantity.h"
#include "ckube/rfc3339.h"
#include "ckube/selector.h"
#include "hpa_int.h"

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static int64_t
wall_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static int64_t
ts_ms(const char *s)
{
	int64_t us;

	if (s == NULL || rfc3339_parse_micro(s, &us) != 0)
		return 0;
	return us / 1000;
}

/* Sum of resource name over containers' requests (or usage) maps. */
static int64_t
sum_containers(const cJSON *ctrs, const char *map_path, const char *res,
    bool *all)
{
	const cJSON *c, *m, *v;
	int64_t sum = 0, x;

	*all = true;
	cJSON_ArrayForEach(c, ctrs) {
		m = c;
		if (strcmp(map_path, "requests") == 0)
			m = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(c, "resources"),
			    "requests");
		else
			m = cJSON_GetObjectItemCaseSensitive(c, "usage");
		v = cJSON_GetObjectItemCaseSensitive(m, res);
		if (!cJSON_IsString(v) || quantity_parse_milli(v->valuestring,
		    &x, NULL) != 0) {
			*all = false;
			continue;
		}
		sum += x;
	}
	return sum;
}

/* GET the PodMetrics of ns matching selector (a List object, yours). */
static int
get_pod_metrics(struct controller *c, const char *ns, const char *selector,
    cJSON **out, char *err, size_t errlen)
{
	char path[1024];
	struct ck_status st;
	int rc;

	snprintf(path, sizeof(path),
	    "/apis/metrics.k8s.io/v1beta1/namespaces/%s/pods", ns);
	if (client_query_add(path, sizeof(path), "labelSelector",
	    selector) != 0) {
		snprintf(err, errlen, "selector too long");
		return CK_EINVALID;
	}
	rc = client_get_path(controller_client(c), path, out, &st);
	if (rc != 0)
		snprintf(err, errlen, "unable to fetch metrics from resource "
		    "metrics API: %s", st.message);
	return rc;
}

int
hpa_measure(struct controller *c, const char *ns, const char *selector,
    const char *resource, struct hpa_measure *m, char *err, size_t errlen)
{
	static const struct client_gvr pods_gvr = { "", "v1", "pods" };
	struct client_list_opts lo = { .label_selector = selector,
	    .limit = 500 };
	struct client_kobjs list = { 0 };
	struct label_selector *sel = NULL;
	struct kobj **pods;
	const cJSON *items, *pm, *ready;
	cJSON *metrics = NULL;
	struct ck_status st;
	size_t n = 0, i;
	int64_t now = wall_ms(), window, mts;
	const char *name;
	bool all, found;
	int rc;

	memset(m, 0, sizeof(*m));
	if ((rc = selector_parse(selector, &sel, &st)) != 0) {
		snprintf(err, errlen, "couldn't convert selector into a "
		    "corresponding internal selector object: %s", st.message);
		return rc;
	}
	rc = get_pod_metrics(c, ns, selector, &metrics, err, errlen);
	if (rc != 0)
		goto out;
	items = cJSON_GetObjectItemCaseSensitive(metrics, "items");
	if (cJSON_GetArraySize(items) == 0) {
		snprintf(err, errlen, "unable to get metrics for resource %s: "
		    "no metrics returned from resource metrics API", resource);
		rc = CK_ENOTFOUND;
		goto out;
	}
	rc = client_list_all_kobj(controller_client(c), &pods_gvr, ns, &lo, 1,
	    &list, &st);
	if (rc != 0) {
		snprintf(err, errlen, "unable to get pods while calculating "
		    "replica count: %s", st.message);
		goto out;
	}
	pods = list.items;
	n = list.n;
	m->pods = ck_calloc(n > 0 ? n : 1, sizeof(*m->pods));
	m->names = ck_calloc(n > 0 ? n : 1, sizeof(*m->names));
	for (i = 0; i < n; i++) {
		if (strcmp(kobj_namespace(pods[i]), ns) != 0 ||
		    !selector_matches_obj(sel, pods[i]))
			continue;
		name = kobj_name(pods[i]);
		found = false;
		window = 0;
		mts = 0;
		cJSON_ArrayForEach(pm, items) {
			if (name == NULL || strcmp(or_empty(
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(pm, "metadata"),
			    "name"))), name) != 0)
				continue;
			found = true;
			m->pods[m->n].usage_milli = sum_containers(
			    cJSON_GetObjectItemCaseSensitive(pm, "containers"),
			    "usage", resource, &all);
			mts = ts_ms(cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(pm, "timestamp")));
			if (flags_parse_duration_ms(or_empty(
			    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
			    pm, "window"))), &window) != 0)
				window = 0;
			break;
		}
		m->pods[m->n].request_milli = sum_containers(
		    kobj_get(pods[i], "spec.containers"), "requests",
		    resource, &all);
		if (!all)
			m->pods[m->n].request_milli = 0;
		ready = kobj_condition(pods[i], "Ready");
		m->pods[m->n].state = hpa_pod_classify(
		    kobj_get_str(pods[i], "status.phase"),
		    kobj_get_str(pods[i], "metadata.deletionTimestamp") != NULL,
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ready,
		    "status")), ts_ms(cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(ready,
		    "lastTransitionTime"))),
		    ts_ms(kobj_get_str(pods[i], "status.startTime")), found,
		    mts, window, now, hpa_cfg.cpu_init_ms,
		    hpa_cfg.readiness_delay_ms);
		if (strcmp(resource, "cpu") != 0 &&
		    m->pods[m->n].state == HPA_POD_UNREADY)
			m->pods[m->n].state = HPA_POD_READY;
		m->names[m->n] = ck_strdup(name);
		m->pods[m->n].name = m->names[m->n];
		m->n++;
	}
	rc = 0;
out:
	client_kobjs_fini(&list);
	cJSON_Delete(metrics);
	selector_free(sel);
	return rc;
}

void
hpa_measure_fini(struct hpa_measure *m)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		free(m->names[i]);
	free(m->names);
	free(m->pods);
	memset(m, 0, sizeof(*m));
}
