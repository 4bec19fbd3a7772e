/* Unit tests for apiserver defaults_*.c and validation_*.c: pod defaults and
 * QoS, job selectors, cron schedules, PDBs, services, RBAC names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "apiserver.h"
#include "validation_kind.h"

#define CRON_JOB "{\"spec\":{\"schedule\":\"%s\",\"jobTemplate\":" \
	"{\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":\"Never\"," \
	"\"containers\":[{\"name\":\"a\",\"image\":\"x\"}]}}}}}}"

static struct ck_status st;

/* Validate JSON text as a new object of group/resource; rc, causes in st. */
static int
check(const char *group, const char *resource, const char *text)
{
	const struct api_resource *r = registry_find(group, "v1", resource);
	cJSON *obj = cJSON_Parse(text);
	int rc;

	assert_non_null(r);
	assert_non_null(obj);
	ck_status_clear(&st);
	if (r->prepare_create != NULL)
		r->prepare_create(obj);
	rc = validation_kind(r, obj, NULL, &st);
	cJSON_Delete(obj);
	return rc;
}

static const char *
qos(const char *spec_text)
{
	cJSON *spec = cJSON_Parse(spec_text);
	const char *q;

	assert_non_null(spec);
	defaults_pod_spec(spec);
	q = defaults_pod_qos(spec);
	cJSON_Delete(spec);
	return q;
}

static void
test_pod_qos(void **state)
{
	(void)state;
	assert_string_equal(qos("{\"containers\":[{\"name\":\"a\"}]}"),
	    "BestEffort");
	assert_string_equal(qos("{\"containers\":[{\"name\":\"a\",\"resources\":"
	    "{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"}}}]}"), "Guaranteed");
	assert_string_equal(qos("{\"containers\":[{\"name\":\"a\",\"resources\":"
	    "{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},\"requests\":"
	    "{\"cpu\":\"1000m\"}}}]}"), "Guaranteed");
	assert_string_equal(qos("{\"containers\":[{\"name\":\"a\",\"resources\":"
	    "{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},\"requests\":"
	    "{\"cpu\":\"500m\"}}}]}"), "Burstable");
	assert_string_equal(qos("{\"containers\":[{\"name\":\"a\",\"resources\":"
	    "{\"limits\":{\"cpu\":\"1\",\"memory\":\"1Gi\"}}}],"
	    "\"initContainers\":[{\"name\":\"i\",\"resources\":{\"requests\":"
	    "{\"memory\":\"1Mi\"}}}]}"), "Burstable");
	assert_string_equal(qos("{\"containers\":[{\"name\":\"a\"}],"
	    "\"initContainers\":[{\"name\":\"i\",\"resources\":{\"requests\":"
	    "{\"cpu\":\"1m\"}}}]}"), "Burstable");
}

static void
test_pod_pull_policy(void **state)
{
	cJSON *spec = cJSON_Parse("{\"containers\":[{\"image\":\"nginx\"},"
	    "{\"image\":\"nginx:latest\"},{\"image\":\"nginx:1.2\"},"
	    "{\"image\":\"reg:5000/nginx\"},{\"image\":\"a@sha256:00\"}]}");
	const char *want[] = { "Always", "Always", "IfNotPresent", "Always",
		"IfNotPresent" };
	int i;

	(void)state;
	defaults_pod_spec(spec);
	for (i = 0; i < 5; i++)
		assert_string_equal(json_str(cJSON_GetArrayItem(
		    cJSON_GetObjectItem(spec, "containers"), i),
		    "imagePullPolicy"), want[i]);
	assert_string_equal(json_str(spec, "restartPolicy"), "Always");
	cJSON_Delete(spec);
}

static void
test_pod_validation(void **state)
{
	(void)state;
	assert_int_equal(check("", "pods", "{\"spec\":{\"containers\":"
	    "[{\"name\":\"a\",\"image\":\"x\"}]}}"), 0);
	assert_int_equal(check("", "pods", "{\"spec\":{\"containers\":[]}}"),
	    CK_EINVALID);
	assert_string_equal(st.causes[0].field, "spec.containers");
	assert_int_equal(check("", "pods", "{\"spec\":{\"containers\":"
	    "[{\"name\":\"a\",\"image\":\"x\",\"ports\":[{\"containerPort\":0}]}]}}"),
	    CK_EINVALID);
	assert_string_equal(st.causes[0].field,
	    "spec.containers[0].ports[0].containerPort");
	assert_int_equal(check("", "pods", "{\"spec\":{\"containers\":"
	    "[{\"name\":\"a\",\"image\":\"x\"},{\"name\":\"a\",\"image\":\"y\"}]}}"),
	    CK_EINVALID);
	assert_string_equal(st.causes[0].reason, "FieldValueDuplicate");
}

static void
test_cron_schedule(void **state)
{
	const char *good[] = { "*/5 * * * *", "0 0 1 jan mon", "@hourly",
		"1-5,7 * ? * *" };
	const char *bad[] = { "* * * *", "* * * * * *", "@often", "* * * * $",
		"", "61 * * * *", "* * * FOO *", "TZ=UTC * * * * *",
		"CRON_TZ=Europe/Paris 0 * * * *", "0 0 1 1 8" };
	char buf[512];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		snprintf(buf, sizeof(buf), CRON_JOB, good[i]);
		assert_int_equal(check("batch", "cronjobs", buf), 0);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(buf, sizeof(buf), CRON_JOB, bad[i]);
		assert_int_equal(check("batch", "cronjobs", buf), CK_EINVALID);
		assert_string_equal(st.causes[0].field, "spec.schedule");
	}
	/* The parser's own words reach the user. */
	snprintf(buf, sizeof(buf), CRON_JOB, "61 * * * *");
	assert_int_equal(check("batch", "cronjobs", buf), CK_EINVALID);
	assert_non_null(strstr(st.causes[0].message,
	    "end of range (61) above maximum (59)"));
	/* timeZone must name a zone of the tz database. */
	assert_int_equal(check("batch", "cronjobs", "{\"spec\":{\"schedule\":"
	    "\"@daily\",\"timeZone\":\"Europe/Paris\",\"jobTemplate\":"
	    "{\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":"
	    "\"Never\",\"containers\":[{\"name\":\"a\",\"image\":"
	    "\"x\"}]}}}}}}"), 0);
	assert_int_equal(check("batch", "cronjobs", "{\"spec\":{\"schedule\":"
	    "\"@daily\",\"timeZone\":\"Mars/Base\",\"jobTemplate\":"
	    "{\"spec\":{\"template\":{\"spec\":{\"restartPolicy\":"
	    "\"Never\",\"containers\":[{\"name\":\"a\",\"image\":"
	    "\"x\"}]}}}}}}"), CK_EINVALID);
	assert_string_equal(st.causes[0].field, "spec.timeZone");
}

static void
test_job_selector(void **state)
{
	cJSON *job = cJSON_Parse("{\"metadata\":{\"name\":\"j\",\"uid\":\"u1\"},"
	    "\"spec\":{\"template\":{\"spec\":{}}}}");
	cJSON *ml;

	(void)state;
	defaults_job(job);
	ml = json_obj(json_obj(json_obj(job, "spec"), "selector"), "matchLabels");
	assert_string_equal(json_str(ml, "batch.kubernetes.io/controller-uid"),
	    "u1");
	assert_string_equal(json_str(json_obj(json_obj(json_obj(json_obj(job,
	    "spec"), "template"), "metadata"), "labels"), "job-name"), "j");
	assert_int_equal(cJSON_GetObjectItem(json_obj(job, "spec"),
	    "completions")->valueint, 1);
	cJSON_Delete(job);
	/* parallelism alone: a work queue, completions stay unset */
	job = cJSON_Parse("{\"spec\":{\"parallelism\":3}}");
	defaults_job(job);
	assert_null(cJSON_GetObjectItem(json_obj(job, "spec"), "completions"));
	cJSON_Delete(job);
}

static void
test_pdb_and_service(void **state)
{
	(void)state;
	assert_int_equal(check("policy", "poddisruptionbudgets",
	    "{\"spec\":{\"minAvailable\":\"50%\"}}"), 0);
	assert_int_equal(check("policy", "poddisruptionbudgets",
	    "{\"spec\":{\"minAvailable\":\"150%\"}}"), CK_EINVALID);
	assert_int_equal(check("policy", "poddisruptionbudgets",
	    "{\"spec\":{\"minAvailable\":1,\"maxUnavailable\":1}}"), CK_EINVALID);
	assert_int_equal(check("", "services",
	    "{\"spec\":{\"ports\":[{\"port\":80}]}}"), 0);
	assert_int_equal(check("", "services",
	    "{\"spec\":{\"ports\":[{\"port\":80},{\"port\":81}]}}"), CK_EINVALID);
	assert_string_equal(st.causes[0].field, "spec.ports[0].name");
	assert_int_equal(check("", "services",
	    "{\"spec\":{\"type\":\"Weird\",\"ports\":[{\"port\":80}]}}"),
	    CK_EINVALID);
	assert_string_equal(st.causes[0].reason, "FieldValueNotSupported");
}

static void
test_rbac_names(void **state)
{
	const struct api_resource *r = registry_find("rbac.authorization.k8s.io",
	    "v1", "clusterroles");
	cJSON *o = cJSON_Parse("{\"metadata\":{\"name\":\"system:controller:x\"}}");

	(void)state;
	ck_status_clear(&st);
	assert_int_equal(validate_object_meta(o, false, r->name_rule, &st), 0);
	cJSON_Delete(o);
	o = cJSON_Parse("{\"metadata\":{\"name\":\"a/b\"}}");
	assert_int_equal(validate_object_meta(o, false, r->name_rule, &st),
	    CK_EINVALID);
	cJSON_Delete(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_qos),
		cmocka_unit_test(test_pod_pull_policy),
		cmocka_unit_test(test_pod_validation),
		cmocka_unit_test(test_cron_schedule),
		cmocka_unit_test(test_job_selector),
		cmocka_unit_test(test_pdb_and_service),
		cmocka_unit_test(test_rbac_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
