/*
 * test_ms_api.c: a kubelet Summary into the snapshot (NodeMetrics, one
 * PodMetrics per pod with its containers, nano-cores and bytes), and the
 * metrics.k8s.io answers: discovery, list and get of nodes and pods,
 * namespaces, 404 Status, 405, bad label selectors; a node summarized
 * twice in one pass is replaced, found through the pass's index or not.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "ckube/err.h"
#include "metrics_server.h"

static const char summary[] =
    "{\"node\":{\"nodeName\":\"sim-0\",\"cpu\":{\"usageNanoCores\":"
    "350000000},\"memory\":{\"workingSetBytes\":67108864}},\"pods\":["
    "{\"podRef\":{\"name\":\"web\",\"namespace\":\"default\"},"
    "\"containers\":[{\"name\":\"a\",\"cpu\":{\"usageNanoCores\":200000000},"
    "\"memory\":{\"workingSetBytes\":67108864}},{\"name\":\"b\",\"cpu\":"
    "{\"usageNanoCores\":100000000}}]},"
    "{\"podRef\":{\"name\":\"db\",\"namespace\":\"prod\"},\"containers\":"
    "[{\"name\":\"pg\",\"cpu\":{\"usageNanoCores\":0}}]}]}";

static struct ms_api api;

static int
setup(void **state)
{
	struct ms_snapshot *next = ms_snapshot_new("2026-01-01T00:00:00Z",
	    "15s");
	cJSON *doc = cJSON_Parse(summary);

	(void)state;
	api.store = ms_store_new();
	assert_int_equal(ms_snapshot_add_summary(next, doc), 0);
	cJSON_Delete(doc);
	ms_store_swap(api.store, next);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	ms_store_free(api.store);
	return 0;
}

/* GET path: the code, and the body parsed into *out. */
static int
get(const char *path, const char *sel, cJSON **out)
{
	char *body = NULL;
	int code = ms_api_answer(&api, "GET", path, sel, &body);

	*out = cJSON_Parse(body);
	free(body);
	return code;
}

static const char *
s(const cJSON *o, const char *path)
{
	char buf[256], *tok, *save = NULL;
	const cJSON *v = o;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok != NULL && v != NULL;
	    tok = strtok_r(NULL, ".", &save))
		v = (*tok >= '0' && *tok <= '9') ? cJSON_GetArrayItem(v,
		    (int)strtol(tok, NULL, 10)) :
		    cJSON_GetObjectItemCaseSensitive(v, tok);
	return cJSON_GetStringValue(v);
}

static void
test_discovery(void **state)
{
	cJSON *o;

	(void)state;
	assert_int_equal(get("/apis/metrics.k8s.io", NULL, &o), 200);
	assert_string_equal(s(o, "kind"), "APIGroup");
	assert_string_equal(s(o, "preferredVersion.groupVersion"),
	    "metrics.k8s.io/v1beta1");
	cJSON_Delete(o);
	assert_int_equal(get("/apis/metrics.k8s.io/v1beta1/", NULL, &o), 200);
	assert_string_equal(s(o, "resources.0.name"), "nodes");
	assert_string_equal(s(o, "resources.1.kind"), "PodMetrics");
	cJSON_Delete(o);
}

static void
test_nodes(void **state)
{
	cJSON *o;

	(void)state;
	assert_int_equal(get("/apis/metrics.k8s.io/v1beta1/nodes", NULL, &o),
	    200);
	assert_string_equal(s(o, "kind"), "NodeMetricsList");
	assert_string_equal(s(o, "items.0.metadata.name"), "sim-0");
	assert_string_equal(s(o, "items.0.usage.cpu"), "350000000n");
	assert_string_equal(s(o, "items.0.usage.memory"), "64Mi");
	assert_string_equal(s(o, "items.0.window"), "15s");
	cJSON_Delete(o);
	assert_int_equal(get("/apis/metrics.k8s.io/v1beta1/nodes/sim-0", NULL,
	    &o), 200);
	assert_string_equal(s(o, "kind"), "NodeMetrics");
	cJSON_Delete(o);
	assert_int_equal(get("/apis/metrics.k8s.io/v1beta1/nodes/x", NULL, &o),
	    404);
	assert_string_equal(s(o, "message"),
	    "nodes.metrics.k8s.io \"x\" not found");
	assert_string_equal(s(o, "reason"), "NotFound");
	cJSON_Delete(o);
}

static void
test_pods(void **state)
{
	char *body = NULL;
	cJSON *o;

	(void)state;
	assert_int_equal(get("/apis/metrics.k8s.io/v1beta1/pods", NULL, &o),
	    200);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o,
	    "items")), 2);
	cJSON_Delete(o);
	assert_int_equal(get("/apis/metrics.k8s.io/v1beta1/namespaces/default/"
	    "pods", NULL, &o), 200);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o,
	    "items")), 1);
	assert_string_equal(s(o, "items.0.containers.1.name"), "b");
	assert_string_equal(s(o, "items.0.containers.1.usage.cpu"),
	    "100000000n");
	cJSON_Delete(o);
	assert_int_equal(get("/apis/metrics.k8s.io/v1beta1/namespaces/prod/pods/"
	    "db", NULL, &o), 200);
	assert_string_equal(s(o, "metadata.namespace"), "prod");
	cJSON_Delete(o);
	assert_int_equal(get("/apis/metrics.k8s.io/v1beta1/namespaces/prod/pods/"
	    "web", NULL, &o), 404);
	cJSON_Delete(o);
	/* no label cache: a selector matches pods without labels only */
	assert_int_equal(get("/apis/metrics.k8s.io/v1beta1/pods", "app=web", &o),
	    200);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o,
	    "items")), 0);
	cJSON_Delete(o);
	assert_int_equal(get("/apis/metrics.k8s.io/v1beta1/pods", "a in (", &o),
	    400);
	cJSON_Delete(o);
	assert_int_equal(get("/apis/metrics.k8s.io/v1beta1/other", NULL, &o),
	    404);
	cJSON_Delete(o);
	assert_int_equal(ms_api_answer(&api, "POST",
	    "/apis/metrics.k8s.io/v1beta1/pods", NULL, &body), 405);
	free(body);
}

/* A summary of node name with cpu nano-cores. */
static cJSON *
node_summary(const char *name, const char *cpu)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "{\"node\":{\"nodeName\":\"%s\",\"cpu\":"
	    "{\"usageNanoCores\":%s}},\"pods\":[]}", name, cpu);
	return cJSON_Parse(buf);
}

/* The node names of snapshot next in order, "a,b,"; cpu of the one named. */
static void
nodes_of(const struct ms_snapshot *next, char *names, size_t len,
    const char *name, char *cpu, size_t cpulen)
{
	const struct ms_item *e;
	size_t used = 0, i;
	cJSON *o;

	names[0] = cpu[0] = '\0';
	for (i = 0; i < ms_snapshot_len(next, false); i++) {
		if ((e = ms_snapshot_at(next, false, i)) == NULL)
			continue;
		used += (size_t)snprintf(names + used, len - used, "%s,",
		    ms_item_key(e));
		assert_true(used < len);
		if (strcmp(ms_item_key(e), name) != 0)
			continue;
		o = ms_item_json(next, e, false);
		assert_string_equal(s(o, "metadata.name"), name);
		snprintf(cpu, cpulen, "%s", s(o, "usage.cpu"));
		cJSON_Delete(o);
	}
	assert_ptr_equal(ms_snapshot_find(next, false, name) != NULL, cpu[0] != 0);
}

/* A node named again in a pass replaces its record and moves to the end. */
static void
test_node_replaced(void **state)
{
	const char *order[] = { "n1", "n2", "n1", "n3", "n2" };
	const char *cpu[] = { "1", "2", "3", "4", "5" };
	struct ms_snapshot *next;
	char names[64], got[32];
	cJSON *doc;
	size_t i;

	(void)state;
	next = ms_snapshot_new("2026-01-01T00:00:00Z", "15s");
	for (i = 0; i < 5; i++) {
		doc = node_summary(order[i], cpu[i]);
		assert_int_equal(ms_snapshot_add_summary(next, doc), 0);
		cJSON_Delete(doc);
	}
	nodes_of(next, names, sizeof(names), "n1", got, sizeof(got));
	assert_string_equal(names, "n1,n3,n2,");
	assert_string_equal(got, "3n");
	nodes_of(next, names, sizeof(names), "n2", got, sizeof(got));
	assert_string_equal(got, "5n");
	ms_snapshot_free(next);
}

/*
 * What a kubelet may send that no real one does: no node name, a name
 * too long for a key, absurd and negative figures, containers without
 * names, pods without a podRef. Each is refused or clamped, none crashes.
 */
static void
test_odd_summaries(void **state)
{
	struct ms_snapshot *next = ms_snapshot_new("t", "15s");
	const struct ms_item *e;
	char big[700];
	cJSON *doc, *o;

	(void)state;
	doc = cJSON_Parse("{\"node\":{}}");
	assert_int_equal(ms_snapshot_add_summary(next, doc), CK_EINVALID);
	cJSON_Delete(doc);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	doc = node_summary(big, "1");
	assert_int_equal(ms_snapshot_add_summary(next, doc), CK_EINVALID);
	cJSON_Delete(doc);
	doc = cJSON_Parse("{\"node\":{\"nodeName\":\"n\",\"cpu\":"
	    "{\"usageNanoCores\":1e300},\"memory\":{\"workingSetBytes\":"
	    "-5}},\"pods\":[{\"podRef\":{\"name\":\"p\",\"namespace\":"
	    "\"ns\"},\"containers\":[{\"cpu\":{}},{\"name\":\"c\","
	    "\"memory\":{\"workingSetBytes\":1e30}}]},{\"containers\":[]},"
	    "7]}");
	assert_int_equal(ms_snapshot_add_summary(next, doc), 0);
	cJSON_Delete(doc);
	e = ms_snapshot_find(next, false, "n");
	assert_non_null(e);
	o = ms_item_json(next, e, false);
	assert_string_equal(s(o, "usage.cpu"), "18446744073709551615n");
	assert_string_equal(s(o, "usage.memory"), "0");
	cJSON_Delete(o);
	assert_int_equal(ms_snapshot_len(next, true), 1);
	e = ms_snapshot_find(next, true, "ns/p");
	assert_non_null(e);
	o = ms_item_json(next, e, true);
	assert_string_equal(s(o, "metadata.namespace"), "ns");
	assert_string_equal(s(o, "metadata.name"), "p");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(o,
	    "containers")), 1);
	assert_string_equal(s(o, "containers.0.name"), "c");
	assert_string_equal(s(o, "containers.0.usage.cpu"), "0n");
	assert_non_null(s(o, "containers.0.usage.memory"));
	cJSON_Delete(o);
	ms_snapshot_free(next);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_pods),
		cmocka_unit_test(test_node_replaced),
		cmocka_unit_test(test_odd_summaries),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
