/*
 * Unit tests for apiserver/table*.c: the pod STATUS algorithm of
 * semantics.md 0.3 (table_pod_status), label selector formatting, and the
 * column sets and cells of nodes, services, jobs, cronjobs and apiservices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "apiserver.h"
#include "table.h"

static cJSON *
parse(const char *s)
{
	cJSON *o = cJSON_Parse(s);

	assert_non_null(o);
	return o;
}

static void
expect_pod(const char *json, const char *reason, int ready, int total,
    int restarts)
{
	cJSON *pod = parse(json);
	struct pod_print pp;

	table_pod_status(pod, &pp);
	assert_string_equal(pp.reason, reason);
	assert_int_equal(pp.ready, ready);
	assert_int_equal(pp.total, total);
	assert_int_equal(pp.restarts, restarts);
	cJSON_Delete(pod);
}

#define SPEC2INIT "\"spec\":{\"initContainers\":[{\"name\":\"i1\"},{\"name\":\"i2\"}],\"containers\":[{\"name\":\"a\"}]}"

static void
test_pod_status_phases(void **state)
{
	(void)state;
	expect_pod("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
	    "\"status\":{\"phase\":\"Pending\"}}", "Pending", 0, 1, 0);
	expect_pod("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
	    "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{"
	    "\"name\":\"a\",\"ready\":true,\"restartCount\":2,"
	    "\"state\":{\"running\":{}}}]}}", "Running", 1, 1, 2);
	expect_pod("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
	    "\"status\":{\"phase\":\"Pending\",\"containerStatuses\":[{"
	    "\"name\":\"a\",\"state\":{\"waiting\":{\"reason\":"
	    "\"ContainerCreating\"}}}]}}", "ContainerCreating", 0, 1, 0);
	expect_pod("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
	    "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{"
	    "\"name\":\"a\",\"restartCount\":4,\"state\":{\"waiting\":{"
	    "\"reason\":\"CrashLoopBackOff\"}}}]}}", "CrashLoopBackOff", 0, 1,
	    4);
	expect_pod("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
	    "\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\":[{"
	    "\"name\":\"a\",\"state\":{\"terminated\":{\"exitCode\":0,"
	    "\"reason\":\"Completed\"}}}]}}", "Completed", 0, 1, 0);
	expect_pod("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
	    "\"status\":{\"phase\":\"Failed\",\"containerStatuses\":[{"
	    "\"name\":\"a\",\"state\":{\"terminated\":{\"exitCode\":137,"
	    "\"signal\":9}}}]}}", "Signal:9", 0, 1, 0);
	expect_pod("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
	    "\"status\":{\"phase\":\"Failed\",\"containerStatuses\":[{"
	    "\"name\":\"a\",\"state\":{\"terminated\":{\"exitCode\":3}}}]}}",
	    "ExitCode:3", 0, 1, 0);
	expect_pod("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
	    "\"status\":{\"phase\":\"Failed\",\"reason\":\"Evicted\"}}",
	    "Evicted", 0, 1, 0);
}

static void
test_pod_status_two_containers(void **state)
{
	(void)state;
	/* Completed + still running: Running when a Ready condition exists. */
	expect_pod("{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":"
	    "\"b\"}]},\"status\":{\"phase\":\"Running\",\"conditions\":[{"
	    "\"type\":\"Ready\",\"status\":\"False\"}],\"containerStatuses\":"
	    "[{\"name\":\"a\",\"ready\":true,\"state\":{\"running\":{}}},{"
	    "\"name\":\"b\",\"state\":{\"terminated\":{\"exitCode\":0,"
	    "\"reason\":\"Completed\"}}}]}}", "Running", 1, 2, 0);
	expect_pod("{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":"
	    "\"b\"}]},\"status\":{\"phase\":\"Running\",\"containerStatuses\":"
	    "[{\"name\":\"a\",\"ready\":true,\"state\":{\"running\":{}}},{"
	    "\"name\":\"b\",\"state\":{\"terminated\":{\"exitCode\":0,"
	    "\"reason\":\"Completed\"}}}]}}", "NotReady", 1, 2, 0);
}

static void
test_pod_status_init(void **state)
{
	(void)state;
	expect_pod("{" SPEC2INIT ",\"status\":{\"phase\":\"Pending\","
	    "\"initContainerStatuses\":[{\"name\":\"i1\",\"state\":{"
	    "\"running\":{}}},{\"name\":\"i2\",\"state\":{\"waiting\":{"
	    "\"reason\":\"PodInitializing\"}}}]}}", "Init:0/2", 0, 1, 0);
	expect_pod("{" SPEC2INIT ",\"status\":{\"phase\":\"Pending\","
	    "\"initContainerStatuses\":[{\"name\":\"i1\",\"state\":{"
	    "\"terminated\":{\"exitCode\":0,\"reason\":\"Completed\"}}},{"
	    "\"name\":\"i2\",\"state\":{\"running\":{}}}]}}", "Init:1/2", 0, 1,
	    0);
	expect_pod("{" SPEC2INIT ",\"status\":{\"phase\":\"Pending\","
	    "\"initContainerStatuses\":[{\"name\":\"i1\",\"restartCount\":3,"
	    "\"state\":{\"waiting\":{\"reason\":\"CrashLoopBackOff\"}}}]}}",
	    "Init:CrashLoopBackOff", 0, 1, 3);
	expect_pod("{" SPEC2INIT ",\"status\":{\"phase\":\"Failed\","
	    "\"initContainerStatuses\":[{\"name\":\"i1\",\"state\":{"
	    "\"terminated\":{\"exitCode\":1,\"reason\":\"Error\"}}}]}}",
	    "Init:Error", 0, 1, 0);
	expect_pod("{" SPEC2INIT ",\"status\":{\"phase\":\"Pending\","
	    "\"initContainerStatuses\":[{\"name\":\"i1\",\"state\":{"
	    "\"terminated\":{\"exitCode\":2}}}]}}", "Init:ExitCode:2", 0, 1, 0);
	/* Init done, app waiting PodInitializing. */
	expect_pod("{" SPEC2INIT ",\"status\":{\"phase\":\"Pending\","
	    "\"initContainerStatuses\":[{\"name\":\"i1\",\"state\":{"
	    "\"terminated\":{\"exitCode\":0}}},{\"name\":\"i2\",\"state\":{"
	    "\"terminated\":{\"exitCode\":0}}}],\"containerStatuses\":[{"
	    "\"name\":\"a\",\"state\":{\"waiting\":{\"reason\":"
	    "\"PodInitializing\"}}}]}}", "PodInitializing", 0, 1, 0);
}

static void
test_pod_status_deleting(void **state)
{
	(void)state;
	expect_pod("{\"metadata\":{\"deletionTimestamp\":"
	    "\"2024-01-01T00:00:00Z\"},\"spec\":{\"containers\":[{\"name\":"
	    "\"a\"}]},\"status\":{\"phase\":\"Running\",\"containerStatuses\":"
	    "[{\"name\":\"a\",\"ready\":true,\"state\":{\"running\":{}}}]}}",
	    "Terminating", 1, 1, 0);
	expect_pod("{\"metadata\":{\"deletionTimestamp\":"
	    "\"2024-01-01T00:00:00Z\"},\"spec\":{\"containers\":[{\"name\":"
	    "\"a\"}]},\"status\":{\"phase\":\"Running\",\"reason\":"
	    "\"NodeLost\"}}", "Unknown", 0, 1, 0);
	/* A finished pod being deleted keeps its terminal status. */
	expect_pod("{\"metadata\":{\"deletionTimestamp\":"
	    "\"2024-01-01T00:00:00Z\"},\"spec\":{\"containers\":[{\"name\":"
	    "\"a\"}]},\"status\":{\"phase\":\"Succeeded\",\"containerStatuses\""
	    ":[{\"name\":\"a\",\"state\":{\"terminated\":{\"exitCode\":0,"
	    "\"reason\":\"Completed\"}}}]}}", "Completed", 0, 1, 0);
}

static void
test_pod_restarts_ago(void **state)
{
	cJSON *pod = parse("{\"spec\":{\"containers\":[{\"name\":\"a\"}]},"
	    "\"status\":{\"phase\":\"Running\",\"containerStatuses\":[{"
	    "\"name\":\"a\",\"ready\":true,\"restartCount\":2,\"lastState\":{"
	    "\"terminated\":{\"finishedAt\":\"2024-01-01T00:00:00Z\"}},"
	    "\"state\":{\"running\":{}}}]}}");
	struct pod_print pp;

	(void)state;
	table_pod_status(pod, &pp);
	assert_int_equal(pp.restarts, 2);
	assert_true(pp.last_restart > 0);
	cJSON_Delete(pod);
}

static void
expect_selector(const char *json, const char *want)
{
	cJSON *sel = parse(json);
	char *s = table_format_selector(sel);

	assert_string_equal(s, want);
	free(s);
	cJSON_Delete(sel);
}

static void
test_selector_format(void **state)
{
	(void)state;
	expect_selector("{}", "<none>");
	expect_selector("{\"matchLabels\":{\"b\":\"2\",\"a\":\"1\"}}",
	    "a=1,b=2");
	expect_selector("{\"matchLabels\":{\"app\":\"x\"},\"matchExpressions\":"
	    "[{\"key\":\"tier\",\"operator\":\"In\",\"values\":[\"a\",\"b\"]},"
	    "{\"key\":\"env\",\"operator\":\"DoesNotExist\"},{\"key\":\"z\","
	    "\"operator\":\"Exists\"}]}", "app=x,!env,tier in (a,b),z");
}

/* The cells of the one row of a table built for resource over json. */
static cJSON *
row_of(const char *resource, const char *json, cJSON **table)
{
	struct api_resource r = { .group = "", .version = "v1",
		.resource = resource, .kind = "X" };
	cJSON *obj = parse(json);

	*table = table_build(&r, &obj, 1, "7", false, true);
	cJSON_Delete(obj);
	return cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(
	    *table, "rows"), 0), "cells");
}

static const char *
cell(const cJSON *cells, int i)
{
	const cJSON *c = cJSON_GetArrayItem(cells, i);

	assert_non_null(c);
	return cJSON_IsString(c) ? c->valuestring : "";
}

static void
test_node_cells(void **state)
{
	cJSON *t, *cells;

	(void)state;
	cells = row_of("nodes", "{\"metadata\":{\"name\":\"n1\",\"labels\":{"
	    "\"node-role.kubernetes.io/control-plane\":\"\"}},\"spec\":{"
	    "\"unschedulable\":true},\"status\":{\"conditions\":[{\"type\":"
	    "\"Ready\",\"status\":\"True\"}],\"nodeInfo\":{\"kubeletVersion\":"
	    "\"v1.3.0\"},\"addresses\":[{\"type\":\"InternalIP\",\"address\":"
	    "\"10.0.0.1\"}]}}", &t);
	assert_int_equal(cJSON_GetArraySize(cells), 10);
	assert_string_equal(cell(cells, 1), "Ready,SchedulingDisabled");
	assert_string_equal(cell(cells, 2), "control-plane");
	assert_string_equal(cell(cells, 4), "v1.3.0");
	assert_string_equal(cell(cells, 5), "10.0.0.1");
	assert_string_equal(cell(cells, 6), "<none>");
	cJSON_Delete(t);
	cells = row_of("nodes", "{\"metadata\":{\"name\":\"n2\"},\"status\":{"
	    "\"conditions\":[{\"type\":\"Ready\",\"status\":\"Unknown\"}]}}",
	    &t);
	assert_string_equal(cell(cells, 1), "NotReady");
	assert_string_equal(cell(cells, 2), "<none>");
	cJSON_Delete(t);
	cells = row_of("nodes", "{\"metadata\":{\"name\":\"n3\"}}", &t);
	assert_string_equal(cell(cells, 1), "Unknown");
	cJSON_Delete(t);
}

static void
test_service_cells(void **state)
{
	cJSON *t, *cells;

	(void)state;
	cells = row_of("services", "{\"metadata\":{\"name\":\"s\"},\"spec\":{"
	    "\"type\":\"NodePort\",\"clusterIP\":\"10.96.0.5\",\"ports\":[{"
	    "\"port\":80,\"nodePort\":30080,\"protocol\":\"TCP\"},{\"port\":53,"
	    "\"protocol\":\"UDP\"}],\"selector\":{\"app\":\"web\"}}}", &t);
	assert_string_equal(cell(cells, 1), "NodePort");
	assert_string_equal(cell(cells, 2), "10.96.0.5");
	assert_string_equal(cell(cells, 3), "<none>");
	assert_string_equal(cell(cells, 4), "80:30080/TCP,53/UDP");
	assert_string_equal(cell(cells, 6), "app=web");
	cJSON_Delete(t);
	cells = row_of("services", "{\"metadata\":{\"name\":\"lb\"},\"spec\":{"
	    "\"type\":\"LoadBalancer\",\"clusterIP\":\"10.96.0.6\"}}", &t);
	assert_string_equal(cell(cells, 3), "<pending>");
	assert_string_equal(cell(cells, 4), "<none>");
	cJSON_Delete(t);
}

/* formatDiscoveryPorts / formatDiscoveryEndpoints: 3, then "+ N more...". */
static void
test_endpointslice_cells(void **state)
{
	cJSON *t, *cells;

	(void)state;
	cells = row_of("endpointslices", "{\"metadata\":{\"name\":\"web-x\"},"
	    "\"addressType\":\"IPv4\",\"ports\":[{\"name\":\"\",\"port\":80},"
	    "{\"name\":\"b\"}],\"endpoints\":[{\"addresses\":[\"10.0.0.1\"]},"
	    "{\"addresses\":[\"10.0.0.2\"]},{\"addresses\":[\"10.0.0.3\"]},"
	    "{\"addresses\":[\"10.0.0.4\"]},{\"addresses\":[\"10.0.0.5\"]}]}",
	    &t);
	assert_string_equal(cell(cells, 0), "web-x");
	assert_string_equal(cell(cells, 1), "IPv4");
	assert_string_equal(cell(cells, 2), "80,b");
	assert_string_equal(cell(cells, 3),
	    "10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...");
	cJSON_Delete(t);
	cells = row_of("endpointslices", "{\"metadata\":{\"name\":\"e\"},"
	    "\"addressType\":\"IPv4\"}", &t);
	assert_string_equal(cell(cells, 2), "<unset>");
	assert_string_equal(cell(cells, 3), "<unset>");
	cJSON_Delete(t);
}

/* kube-aggregator: SERVICE ns/name or Local; AVAILABLE "False (Reason)". */
static void
test_apiservice_cells(void **state)
{
	cJSON *t, *cells;

	(void)state;
	cells = row_of("apiservices", "{\"metadata\":{\"name\":\"v1.m.io\"},"
	    "\"spec\":{\"service\":{\"namespace\":\"kube-system\",\"name\":"
	    "\"ms\"}},\"status\":{\"conditions\":[{\"type\":\"Available\","
	    "\"status\":\"False\",\"reason\":\"MissingEndpoints\"}]}}", &t);
	assert_string_equal(cell(cells, 1), "kube-system/ms");
	assert_string_equal(cell(cells, 2), "False (MissingEndpoints)");
	cJSON_Delete(t);
	cells = row_of("apiservices", "{\"metadata\":{\"name\":\"v1.apps\"},"
	    "\"status\":{\"conditions\":[{\"type\":\"Available\","
	    "\"status\":\"True\",\"reason\":\"Local\"}]}}", &t);
	assert_string_equal(cell(cells, 1), "Local");
	assert_string_equal(cell(cells, 2), "True");
	cJSON_Delete(t);
	cells = row_of("apiservices", "{\"metadata\":{\"name\":\"v1.x\"}}",
	    &t);
	assert_string_equal(cell(cells, 2), "Unknown");
	cJSON_Delete(t);
}

static void
test_batch_cells(void **state)
{
	cJSON *t, *cells;

	(void)state;
	cells = row_of("jobs", "{\"metadata\":{\"name\":\"j\"},\"spec\":{"
	    "\"completions\":3,\"template\":{\"spec\":{\"containers\":[{"
	    "\"name\":\"c\",\"image\":\"busybox\"}]}}},\"status\":{"
	    "\"succeeded\":3,\"startTime\":\"2024-01-01T00:00:00Z\","
	    "\"completionTime\":\"2024-01-01T00:00:42Z\",\"conditions\":[{"
	    "\"type\":\"Complete\",\"status\":\"True\"}]}}", &t);
	assert_string_equal(cell(cells, 1), "Complete");
	assert_string_equal(cell(cells, 2), "3/3");
	assert_string_equal(cell(cells, 3), "42s");
	assert_string_equal(cell(cells, 5), "c");
	assert_string_equal(cell(cells, 6), "busybox");
	cJSON_Delete(t);
	cells = row_of("scheduledjobs", "{\"metadata\":{\"name\":\"cj\"},"
	    "\"spec\":{\"schedule\":\"*/1 * * * *\",\"suspend\":false}}", &t);
	assert_int_equal(cJSON_GetArraySize(cells), 10);
	assert_string_equal(cell(cells, 1), "*/1 * * * *");
	assert_string_equal(cell(cells, 2), "<none>");
	assert_string_equal(cell(cells, 3), "False");
	assert_string_equal(cell(cells, 5), "<none>");
	cJSON_Delete(t);
}

/* printPodTemplate: NAME CONTAINERS IMAGES POD LABELS, no AGE. */
static void
test_podtemplate_cells(void **state)
{
	cJSON *t, *cells, *cols;

	(void)state;
	cells = row_of("podtemplates", "{\"metadata\":{\"name\":\"pt\"},"
	    "\"template\":{\"metadata\":{\"labels\":{\"b\":\"2\","
	    "\"a\":\"1\"}},\"spec\":{\"containers\":[{\"name\":\"web\","
	    "\"image\":\"nginx\"},{\"name\":\"log\",\"image\":"
	    "\"busybox\"}]}}}", &t);
	cols = cJSON_GetObjectItem(t, "columnDefinitions");
	assert_int_equal(cJSON_GetArraySize(cols), 4);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(cols, 3),
	    "name")->valuestring, "Pod Labels");
	assert_string_equal(cell(cells, 0), "pt");
	assert_string_equal(cell(cells, 1), "web,log");
	assert_string_equal(cell(cells, 2), "nginx,busybox");
	assert_string_equal(cell(cells, 3), "a=1,b=2");
	cJSON_Delete(t);
	cells = row_of("podtemplates", "{\"metadata\":{\"name\":\"e\"}}",
	    &t);
	assert_string_equal(cell(cells, 3), "<none>");
	cJSON_Delete(t);
}

static void
test_every_printer_matches_its_columns(void **state)
{
	static const char *const res[] = { "pods", "nodes", "services",
		"endpoints", "namespaces", "configmaps", "secrets", "events",
		"serviceaccounts", "persistentvolumes", "podtemplates",
		"persistentvolumeclaims", "deployments", "replicasets",
		"replicationcontrollers", "statefulsets", "daemonsets",
		"controllerrevisions", "jobs", "cronjobs",
		"poddisruptionbudgets", "networkpolicies", "leases", "roles",
		"rolebindings", "clusterroles", "clusterrolebindings",
		"priorityclasses", "petsets", "widgets" };
	cJSON *t, *cells;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
		cells = row_of(res[i], "{\"metadata\":{\"name\":\"x\"}}", &t);
		assert_int_equal(cJSON_GetArraySize(cells),
		    cJSON_GetArraySize(cJSON_GetObjectItem(t,
			"columnDefinitions")));
		cJSON_Delete(t);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_status_phases),
		cmocka_unit_test(test_pod_status_two_containers),
		cmocka_unit_test(test_pod_status_init),
		cmocka_unit_test(test_pod_status_deleting),
		cmocka_unit_test(test_pod_restarts_ago),
		cmocka_unit_test(test_selector_format),
		cmocka_unit_test(test_node_cells),
		cmocka_unit_test(test_service_cells),
		cmocka_unit_test(test_endpointslice_cells),
		cmocka_unit_test(test_apiservice_cells),
		cmocka_unit_test(test_batch_cells),
		cmocka_unit_test(test_podtemplate_cells),
		cmocka_unit_test(test_every_printer_matches_its_columns),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
