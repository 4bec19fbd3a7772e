/*
 * Unit tests for apiserver/admission_tolerations.c: DefaultTolerationSeconds
 * adds the not-ready / unreachable NoExecute tolerations a pod lacks.
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

/* The tolerations after admission of a pod with spec json, as text. */
static void
expect_tols(const char *spec, const char *want)
{
	cJSON *pod = cJSON_CreateObject(), *want_j;
	char *got;

	if (spec != NULL)
		cJSON_AddItemToObject(pod, "spec", cJSON_Parse(spec));
	admission_default_tolerations(pod);
	want_j = cJSON_Parse(want);
	got = cJSON_PrintUnformatted(cJSON_GetObjectItem(cJSON_GetObjectItem(
	    pod, "spec"), "tolerations"));
	if (!cJSON_Compare(cJSON_GetObjectItem(cJSON_GetObjectItem(pod,
	    "spec"), "tolerations"), want_j, 1))
		fail_msg("got %s, want %s", got, want);
	free(got);
	cJSON_Delete(want_j);
	cJSON_Delete(pod);
}

#define NR(s) "{\"key\":\"node.kubernetes.io/not-ready\",\"operator\":" \
	"\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":" #s "}"
#define UR(s) "{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":" \
	"\"Exists\",\"effect\":\"NoExecute\",\"tolerationSeconds\":" #s "}"

static void
test_adds_both(void **state)
{
	(void)state;
	expect_tols("{\"containers\":[]}", "[" NR(300) "," UR(300) "]");
	expect_tols("{\"tolerations\":null}", "[" NR(300) "," UR(300) "]");
	/* Another key or a NoSchedule effect does not count. */
	expect_tols("{\"tolerations\":[{\"key\":\"a\",\"operator\":\"Exists\"},"
	    "{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":"
	    "\"Exists\",\"effect\":\"NoSchedule\"}]}",
	    "[{\"key\":\"a\",\"operator\":\"Exists\"},{\"key\":"
	    "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
	    "\"effect\":\"NoSchedule\"}," NR(300) "," UR(300) "]");
}

static void
test_keeps_own(void **state)
{
	(void)state;
	/* Tolerating one key forever: only the other is added. */
	expect_tols("{\"tolerations\":[{\"key\":"
	    "\"node.kubernetes.io/unreachable\",\"operator\":\"Exists\","
	    "\"effect\":\"NoExecute\"}]}",
	    "[{\"key\":\"node.kubernetes.io/unreachable\",\"operator\":"
	    "\"Exists\",\"effect\":\"NoExecute\"}," NR(300) "]");
	/* An empty key with Exists tolerates everything: nothing added. */
	expect_tols("{\"tolerations\":[{\"operator\":\"Exists\"}]}",
	    "[{\"operator\":\"Exists\"}]");
	/* A pod's own tolerationSeconds stays. */
	expect_tols("{\"tolerations\":[" NR(5) "," UR(7) "]}",
	    "[" NR(5) "," UR(7) "]");
}

static void
test_flags_and_bad_input(void **state)
{
	cJSON *pod;

	(void)state;
	admission_not_ready_seconds = 30;
	admission_unreachable_seconds = 0;
	expect_tols("{}", "[" NR(30) "," UR(0) "]");
	admission_not_ready_seconds = 300;
	admission_unreachable_seconds = 300;
	/* No spec or tolerations of the wrong type: left to validation. */
	pod = cJSON_CreateObject();
	admission_default_tolerations(pod);
	assert_null(pod->child);
	cJSON_Delete(pod);
	expect_tols("{\"tolerations\":\"x\"}", "\"x\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adds_both),
		cmocka_unit_test(test_keeps_own),
		cmocka_unit_test(test_flags_and_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
