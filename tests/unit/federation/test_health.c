/*
 * test_health.c: Cluster conditions from /healthz (semantics.md 8(b)):
 * each probe result's types, statuses, reasons and messages, and
 * lastTransitionTime kept while a condition's status does not change.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "health.h"

static const char *
field(const cJSON *arr, int i, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(arr, i), key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void
test_health_reply(void **state)
{
	(void)state;
	assert_int_equal(health_of_reply(NULL), HEALTH_UNREACHABLE);
	assert_int_equal(health_of_reply("ok"), HEALTH_OK);
	assert_int_equal(health_of_reply("OK\n"), HEALTH_OK);
	assert_int_equal(health_of_reply("not ok"), HEALTH_NOT_OK);
	assert_int_equal(health_of_reply(""), HEALTH_NOT_OK);
	assert_int_equal(health_of_reply("oks"), HEALTH_NOT_OK);
}

static void
test_health_conditions_each_probe(void **state)
{
	cJSON *c;

	(void)state;
	c = health_conditions(HEALTH_UNREACHABLE, NULL, "T1");
	assert_int_equal(cJSON_GetArraySize(c), 1);
	assert_string_equal(field(c, 0, "type"), "Offline");
	assert_string_equal(field(c, 0, "status"), "True");
	assert_string_equal(field(c, 0, "reason"), "ClusterNotReachable");
	assert_string_equal(field(c, 0, "message"),
	    "cluster is not reachable");
	cJSON_Delete(c);
	c = health_conditions(HEALTH_OK, NULL, "T1");
	assert_int_equal(cJSON_GetArraySize(c), 1);
	assert_string_equal(field(c, 0, "type"), "Ready");
	assert_string_equal(field(c, 0, "status"), "True");
	assert_string_equal(field(c, 0, "reason"), "ClusterReady");
	assert_string_equal(field(c, 0, "message"),
	    "/healthz responded with ok");
	cJSON_Delete(c);
	c = health_conditions(HEALTH_NOT_OK, NULL, "T1");
	assert_int_equal(cJSON_GetArraySize(c), 2);
	assert_string_equal(field(c, 0, "type"), "Ready");
	assert_string_equal(field(c, 0, "status"), "False");
	assert_string_equal(field(c, 0, "reason"), "ClusterNotReady");
	assert_string_equal(field(c, 1, "type"), "Offline");
	assert_string_equal(field(c, 1, "status"), "False");
	assert_string_equal(field(c, 1, "reason"), "ClusterReachable");
	assert_string_equal(field(c, 1, "lastProbeTime"), "T1");
	cJSON_Delete(c);
}

static void
test_health_transition_times(void **state)
{
	cJSON *a, *b, *d;

	(void)state;
	a = health_conditions(HEALTH_OK, NULL, "T1");
	b = health_conditions(HEALTH_OK, a, "T2");
	assert_string_equal(field(b, 0, "lastProbeTime"), "T2");
	assert_string_equal(field(b, 0, "lastTransitionTime"), "T1");
	d = health_conditions(HEALTH_NOT_OK, b, "T3");
	assert_string_equal(field(d, 0, "lastTransitionTime"), "T3");
	cJSON_Delete(a);
	a = health_conditions(HEALTH_NOT_OK, d, "T4");
	assert_string_equal(field(a, 0, "lastTransitionTime"), "T3");
	assert_string_equal(field(a, 1, "lastTransitionTime"), "T3");
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_health_reply),
		cmocka_unit_test(test_health_conditions_each_probe),
		cmocka_unit_test(test_health_transition_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
