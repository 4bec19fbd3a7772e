/*
 * test_quota.c: the ResourceQuota accounting of common/quota.c: resource
 * list sums and their printing, pod compute usage (init containers,
 * terminal pods, deletion grace), scopes and scopeSelector, services and
 * claims, object counts, and the "must specify" constraint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/quota.h"

static cJSON *
parse(const char *s)
{
	cJSON *o = cJSON_Parse(s);

	if (o == NULL)
		fail_msg("bad JSON: %s", s);
	return o;
}

/* The usage of obj printed as quota_list_pretty does. */
static void
assert_usage(const char *resource, const char *json, const char *want)
{
	struct quota_list l = { 0 };
	cJSON *o = parse(json);
	char buf[1024];

	quota_usage(resource, o, (int64_t)time(NULL), &l);
	quota_list_pretty(&l, buf, sizeof(buf));
	if (strcmp(buf, want) != 0)
		fail_msg("%s usage: got \"%s\", want \"%s\"", resource, buf,
		    want);
	quota_list_fini(&l);
	cJSON_Delete(o);
}

static void
test_quota_list_sums(void **state)
{
	struct quota_list l = { 0 }, m = { 0 };
	cJSON *a = parse("{\"cpu\":\"100m\",\"memory\":\"128Mi\"}");
	cJSON *b = parse("{\"cpu\":\"1.5\",\"memory\":\"128Mi\",\"pods\":\"2\"}");
	cJSON *bad = parse("{\"cpu\":\"1x\"}"), *j;
	char buf[256], name[QUOTA_NAME_MAX];

	(void)state;
	assert_int_equal(quota_list_from_json(a, &l, name, sizeof(name)), 0);
	assert_int_equal(quota_list_from_json(b, &l, name, sizeof(name)), 0);
	quota_list_pretty(&l, buf, sizeof(buf));
	assert_string_equal(buf, "cpu=1600m,memory=256Mi,pods=2");
	assert_int_equal(quota_list_from_json(bad, &m, name, sizeof(name)),
	    CK_EINVALID);
	assert_string_equal(name, "cpu");
	quota_list_fini(&m);
	quota_list_add(&m, "memory", 0, QUANTITY_DECIMAL_SI);
	quota_list_mask(&l, &m);
	j = quota_list_to_json(&l);
	assert_string_equal(cJSON_GetObjectItem(j, "memory")->valuestring,
	    "256Mi");
	assert_int_equal(cJSON_GetArraySize(j), 1);
	quota_list_max(&l, "memory", 1000, QUANTITY_DECIMAL_SI);
	assert_int_equal(quota_list_find(&l, "memory")->milli,
	    256LL * 1024 * 1024 * 1000);
	cJSON_Delete(j);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(bad);
	quota_list_fini(&l);
	quota_list_fini(&m);
}

static void
test_quota_pod_usage(void **state)
{
	(void)state;
	/* Two app containers summed, the init container's larger limit wins. */
	assert_usage("pods", "{\"spec\":{\"containers\":["
	    "{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"100m\","
	    "\"memory\":\"64Mi\"},\"limits\":{\"cpu\":\"200m\"}}},"
	    "{\"name\":\"b\",\"resources\":{\"requests\":{\"cpu\":\"150m\"},"
	    "\"limits\":{\"cpu\":\"300m\"}}}],\"initContainers\":["
	    "{\"name\":\"i\",\"resources\":{\"limits\":{\"cpu\":\"1\"},"
	    "\"requests\":{\"cpu\":\"50m\"}}}]}}",
	    "count/pods=1,cpu=250m,limits.cpu=1,memory=64Mi,pods=1,"
	    "requests.cpu=250m,requests.memory=64Mi");
	/* BestEffort: only the counts. */
	assert_usage("pods", "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
	    "count/pods=1,pods=1");
	/* Terminal pods keep only count/pods. */
	assert_usage("pods", "{\"spec\":{\"containers\":[{\"name\":\"a\","
	    "\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]},"
	    "\"status\":{\"phase\":\"Succeeded\"}}", "count/pods=1");
	assert_usage("pods", "{\"spec\":{},\"status\":{\"phase\":\"Failed\"}}",
	    "count/pods=1");
	/* Past its deletion grace: out; within it: still counted. */
	assert_usage("pods", "{\"metadata\":{\"deletionTimestamp\":"
	    "\"2000-01-01T00:00:00Z\",\"deletionGracePeriodSeconds\":30},"
	    "\"spec\":{}}", "count/pods=1");
	assert_usage("pods", "{\"metadata\":{\"deletionTimestamp\":"
	    "\"2999-01-01T00:00:00Z\",\"deletionGracePeriodSeconds\":30},"
	    "\"spec\":{}}", "count/pods=1,pods=1");
	/* Extended resources and hugepages. */
	assert_usage("pods", "{\"spec\":{\"containers\":[{\"name\":\"a\","
	    "\"resources\":{\"requests\":{\"example.com/gpu\":\"2\","
	    "\"hugepages-2Mi\":\"4Mi\"}}}]}}",
	    "count/pods=1,hugepages-2Mi=4Mi,pods=1,"
	    "requests.example.com/gpu=2,requests.hugepages-2Mi=4Mi");
}

static void
test_quota_other_kinds(void **state)
{
	(void)state;
	assert_usage("services", "{\"spec\":{\"type\":\"ClusterIP\","
	    "\"ports\":[{\"port\":80}]}}", "count/services=1,services=1");
	assert_usage("services", "{\"spec\":{\"type\":\"NodePort\","
	    "\"ports\":[{\"port\":80},{\"port\":81}]}}",
	    "count/services=1,services=1,services.nodeports=2");
	assert_usage("services", "{\"spec\":{\"type\":\"LoadBalancer\","
	    "\"ports\":[{\"port\":80}]}}", "count/services=1,services=1,"
	    "services.loadbalancers=1,services.nodeports=1");
	assert_usage("services", "{\"spec\":{\"type\":\"LoadBalancer\","
	    "\"allocateLoadBalancerNodePorts\":false,\"ports\":[{\"port\":80},"
	    "{\"port\":81,\"nodePort\":30001}]}}", "count/services=1,"
	    "services=1,services.loadbalancers=1,services.nodeports=1");
	assert_usage("persistentvolumeclaims", "{\"spec\":{"
	    "\"storageClassName\":\"fast\",\"resources\":{\"requests\":"
	    "{\"storage\":\"1Gi\"}}}}", "count/persistentvolumeclaims=1,"
	    "fast.storageclass.storage.k8s.io/persistentvolumeclaims=1,"
	    "fast.storageclass.storage.k8s.io/requests.storage=1Gi,"
	    "persistentvolumeclaims=1,requests.storage=1Gi");
	assert_usage("configmaps", "{}", "configmaps=1,count/configmaps=1");
	assert_usage("deployments.apps", "{}", "count/deployments.apps=1");
	assert_true(quota_name_tracks("pods", "requests.cpu"));
	assert_true(quota_name_tracks("pods", "count/pods"));
	assert_false(quota_name_tracks("pods", "requests.storage"));
	assert_true(quota_name_tracks("persistentvolumeclaims",
	    "requests.storage"));
	assert_true(quota_name_tracks("deployments.apps",
	    "count/deployments.apps"));
	assert_false(quota_name_tracks("services", "pods"));
}

static bool
matches(const char *quota, const char *resource, const char *obj)
{
	cJSON *q = parse(quota), *o = parse(obj);
	bool m = quota_matches(q, resource, o);

	cJSON_Delete(q);
	cJSON_Delete(o);
	return m;
}

static void
test_quota_scopes(void **state)
{
	const char *be = "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}";
	const char *burst = "{\"spec\":{\"activeDeadlineSeconds\":30,"
	    "\"priorityClassName\":\"high\",\"containers\":[{\"name\":\"a\","
	    "\"resources\":{\"requests\":{\"cpu\":\"1\"}}}]}}";
	const char *qos = "{\"spec\":{},\"status\":{\"qosClass\":\"Burstable\"}}";

	(void)state;
	assert_true(matches("{\"spec\":{}}", "services", "{}"));
	assert_true(matches("{\"spec\":{\"scopes\":[\"BestEffort\"]}}",
	    "pods", be));
	assert_false(matches("{\"spec\":{\"scopes\":[\"BestEffort\"]}}",
	    "pods", burst));
	assert_false(matches("{\"spec\":{\"scopes\":[\"BestEffort\"]}}",
	    "pods", qos));
	assert_true(matches("{\"spec\":{\"scopes\":[\"NotBestEffort\"]}}",
	    "pods", burst));
	assert_true(matches("{\"spec\":{\"scopes\":[\"Terminating\"]}}",
	    "pods", burst));
	assert_false(matches("{\"spec\":{\"scopes\":[\"Terminating\"]}}",
	    "pods", be));
	assert_true(matches("{\"spec\":{\"scopes\":[\"NotTerminating\","
	    "\"BestEffort\"]}}", "pods", be));
	/* A scoped quota never matches other kinds. */
	assert_false(matches("{\"spec\":{\"scopes\":[\"NotTerminating\"]}}",
	    "services", "{}"));
	assert_true(matches("{\"spec\":{\"scopeSelector\":{\"matchExpressions\":"
	    "[{\"scopeName\":\"PriorityClass\",\"operator\":\"In\","
	    "\"values\":[\"high\",\"mid\"]}]}}}", "pods", burst));
	assert_false(matches("{\"spec\":{\"scopeSelector\":{\"matchExpressions\":"
	    "[{\"scopeName\":\"PriorityClass\",\"operator\":\"In\","
	    "\"values\":[\"mid\"]}]}}}", "pods", burst));
	assert_true(matches("{\"spec\":{\"scopeSelector\":{\"matchExpressions\":"
	    "[{\"scopeName\":\"PriorityClass\",\"operator\":\"DoesNotExist\"}]}}}",
	    "pods", be));
	assert_true(matches("{\"spec\":{\"scopeSelector\":{\"matchExpressions\":"
	    "[{\"scopeName\":\"Terminating\",\"operator\":\"DoesNotExist\"}]}}}",
	    "pods", be));
}

static void
test_quota_constraints(void **state)
{
	struct quota_list hard = { 0 };
	cJSON *pod = parse("{\"spec\":{\"containers\":[{\"name\":\"b\"},"
	    "{\"name\":\"a\",\"resources\":{\"requests\":{\"cpu\":\"1\"}}}],"
	    "\"initContainers\":[{\"name\":\"i\",\"resources\":{\"limits\":"
	    "{\"cpu\":\"1\"},\"requests\":{\"cpu\":\"1\"}}}]}}");
	char msg[512];

	(void)state;
	quota_list_add(&hard, "pods", 10000, QUANTITY_DECIMAL_SI);
	assert_int_equal(quota_pod_constraints(pod, &hard, msg, sizeof(msg)),
	    0);
	quota_list_add(&hard, "limits.cpu", 1000, QUANTITY_DECIMAL_SI);
	quota_list_add(&hard, "requests.cpu", 1000, QUANTITY_DECIMAL_SI);
	assert_int_equal(quota_pod_constraints(pod, &hard, msg, sizeof(msg)),
	    CK_EPERM);
	assert_string_equal(msg, "must specify limits.cpu for: a,b; "
	    "requests.cpu for: b");
	quota_list_fini(&hard);
	cJSON_Delete(pod);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quota_list_sums),
		cmocka_unit_test(test_quota_pod_usage),
		cmocka_unit_test(test_quota_other_kinds),
		cmocka_unit_test(test_quota_scopes),
		cmocka_unit_test(test_quota_constraints),
	};

	return cmocka_run_group_tests_name("quota", tests, NULL, NULL);
}
