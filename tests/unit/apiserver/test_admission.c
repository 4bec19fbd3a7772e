/*
 * test_admission.c: the LimitRanger and ResourceQuota admission plugins'
 * pure parts: LimitRange item defaults, container defaults and the
 * limit-ranger annotation, min/max/ratio checks per Container, Pod and
 * PersistentVolumeClaim in upstream words, and quota_admit's decisions
 * (charge, exceeded, must specify, status unknown, scopes, several quotas).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "apiserver.h"
#include "admission.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "validation_kind.h"

static cJSON *
parse(const char *s)
{
	cJSON *o = cJSON_Parse(s);

	if (o == NULL)
		fail_msg("bad JSON: %s", s);
	return o;
}

static const char *
path_str(const cJSON *o, const char *a, const char *b, const char *c)
{
	const cJSON *it = cJSON_GetObjectItem(o, a);

	if (b != NULL)
		it = cJSON_GetObjectItem(it, b);
	if (c != NULL)
		it = cJSON_GetObjectItem(it, c);
	return cJSON_IsString(it) ? it->valuestring : NULL;
}

static void
test_limitrange_item_defaults(void **state)
{
	cJSON *lr = parse("{\"spec\":{\"limits\":[{\"type\":\"Container\","
	    "\"max\":{\"cpu\":\"1\",\"memory\":\"1Gi\"},\"default\":{\"cpu\":"
	    "\"500m\"},\"min\":{\"cpu\":\"10m\",\"ephemeral-storage\":1}},"
	    "{\"type\":\"Pod\",\"max\":{\"cpu\":\"2\"}}]}}");
	const cJSON *c, *p;

	(void)state;
	defaults_limitrange(lr);
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(lr,
	    "spec"), "limits"), 0);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(cJSON_GetObjectItem(lr,
	    "spec"), "limits"), 1);
	assert_string_equal(path_str(c, "default", "cpu", NULL), "500m");
	assert_string_equal(path_str(c, "default", "memory", NULL), "1Gi");
	assert_string_equal(path_str(c, "defaultRequest", "cpu", NULL),
	    "500m");
	assert_string_equal(path_str(c, "defaultRequest", "memory", NULL),
	    "1Gi");
	/* A number became a canonical string, then the request's default. */
	assert_string_equal(path_str(c, "min", "ephemeral-storage", NULL),
	    "1");
	assert_string_equal(path_str(c, "defaultRequest", "ephemeral-storage",
	    NULL), "1");
	assert_null(cJSON_GetObjectItem(p, "default"));
	cJSON_Delete(lr);
}

static void
test_limitrange_pod_defaults(void **state)
{
	cJSON *lr = parse("{\"spec\":{\"limits\":[{\"type\":\"Container\","
	    "\"default\":{\"memory\":\"256Mi\",\"cpu\":\"500m\"},"
	    "\"defaultRequest\":{\"cpu\":\"100m\"}}]}}");
	cJSON *pod = parse("{\"metadata\":{\"name\":\"p\"},\"spec\":{"
	    "\"containers\":[{\"name\":\"a\"},{\"name\":\"b\",\"resources\":"
	    "{\"limits\":{\"cpu\":\"2\"},\"requests\":{\"cpu\":\"2\"}}}],"
	    "\"initContainers\":[{\"name\":\"i\"}]}}");
	const cJSON *ctrs = cJSON_GetObjectItem(cJSON_GetObjectItem(pod,
	    "spec"), "containers"), *a = cJSON_GetArrayItem(ctrs, 0),
	    *b = cJSON_GetArrayItem(ctrs, 1);

	(void)state;
	limitrange_default_pod(lr, pod);
	assert_string_equal(path_str(cJSON_GetObjectItem(a, "resources"),
	    "limits", "cpu", NULL), "500m");
	assert_string_equal(path_str(cJSON_GetObjectItem(a, "resources"),
	    "limits", "memory", NULL), "256Mi");
	assert_string_equal(path_str(cJSON_GetObjectItem(a, "resources"),
	    "requests", "cpu", NULL), "100m");
	assert_string_equal(path_str(cJSON_GetObjectItem(b, "resources"),
	    "limits", "cpu", NULL), "2");
	assert_string_equal(path_str(cJSON_GetObjectItem(b, "resources"),
	    "requests", "cpu", NULL), "2");
	assert_string_equal(path_str(pod, "metadata", "annotations",
	    LIMITRANGER_ANNOTATION), "LimitRanger plugin set: cpu request "
	    "for container a; cpu, memory limit for container a; memory "
	    "limit for container b; cpu request for init container i; cpu, "
	    "memory limit for init container i");
	cJSON_Delete(lr);
	cJSON_Delete(pod);
}

/* The aggregate message of obj against lr. */
static void
assert_check(const char *lr_json, const char *resource, const char *obj,
    const char *want)
{
	cJSON *lr = parse(lr_json), *o = parse(obj), *msgs;
	struct strbuf sb = STRBUF_INIT;

	msgs = cJSON_CreateArray();
	defaults_limitrange(lr);
	limitrange_check(lr, resource, o, msgs);
	limitrange_aggregate(msgs, &sb);
	if (strcmp(strbuf_str(&sb), want) != 0)
		fail_msg("got \"%s\", want \"%s\"", strbuf_str(&sb), want);
	strbuf_fini(&sb);
	cJSON_Delete(msgs);
	cJSON_Delete(lr);
	cJSON_Delete(o);
}

#define CTR(res) "{\"spec\":{\"containers\":[{\"name\":\"c\"," \
	"\"resources\":" res "}]}}"

static void
test_limitrange_checks(void **state)
{
	const char *minmax = "{\"spec\":{\"limits\":[{\"type\":\"Container\","
	    "\"min\":{\"cpu\":\"100m\"},\"max\":{\"cpu\":\"1\"}}]}}";
	const char *ratio = "{\"spec\":{\"limits\":[{\"type\":\"Container\","
	    "\"maxLimitRequestRatio\":{\"cpu\":\"2\"}}]}}";
	const char *podmax = "{\"spec\":{\"limits\":[{\"type\":\"Pod\","
	    "\"max\":{\"memory\":\"1Gi\"}}]}}";
	const char *pvc = "{\"spec\":{\"limits\":[{\"type\":"
	    "\"PersistentVolumeClaim\",\"min\":{\"storage\":\"1Gi\"},"
	    "\"max\":{\"storage\":\"10Gi\"}}]}}";

	(void)state;
	assert_check(minmax, "pods", CTR("{\"requests\":{\"cpu\":\"200m\"},"
	    "\"limits\":{\"cpu\":\"500m\"}}"), "");
	assert_check(minmax, "pods", CTR("{\"requests\":{\"cpu\":\"50m\"},"
	    "\"limits\":{\"cpu\":\"500m\"}}"), "minimum cpu usage per "
	    "Container is 100m, but request is 50m");
	assert_check(minmax, "pods", CTR("{}"), "[minimum cpu usage per "
	    "Container is 100m.  No request is specified, maximum cpu usage "
	    "per Container is 1.  No limit is specified]");
	assert_check(minmax, "pods", CTR("{\"requests\":{\"cpu\":\"0.2\"},"
	    "\"limits\":{\"cpu\":\"1500m\"}}"), "maximum cpu usage per "
	    "Container is 1, but limit is 1500m");
	assert_check(ratio, "pods", CTR("{\"requests\":{\"cpu\":\"100m\"},"
	    "\"limits\":{\"cpu\":\"300m\"}}"), "cpu max limit to request "
	    "ratio per Container is 2, but provided ratio is 3.000000");
	assert_check(ratio, "pods", CTR("{\"limits\":{\"cpu\":\"300m\"}}"),
	    "cpu max limit to request ratio per Container is 2, but no "
	    "request is specified or request is 0");
	assert_check(ratio, "pods", CTR("{\"requests\":{\"cpu\":\"100m\"},"
	    "\"limits\":{\"cpu\":\"200m\"}}"), "");
	/* Pod type: the effective limits of all containers. */
	assert_check(podmax, "pods", "{\"spec\":{\"containers\":["
	    "{\"name\":\"a\",\"resources\":{\"limits\":{\"memory\":\"600Mi\"}}},"
	    "{\"name\":\"b\",\"resources\":{\"limits\":{\"memory\":\"600Mi\"}}}"
	    "]}}", "maximum memory usage per Pod is 1Gi, but limit is 1200Mi");
	assert_check(pvc, "persistentvolumeclaims", "{\"spec\":{\"resources\":"
	    "{\"requests\":{\"storage\":\"500Mi\"}}}}", "minimum storage usage "
	    "per PersistentVolumeClaim is 1Gi, but request is 500Mi");
	assert_check(pvc, "persistentvolumeclaims", "{\"spec\":{\"resources\":"
	    "{\"requests\":{\"storage\":\"20Gi\"}}}}", "maximum storage usage "
	    "per PersistentVolumeClaim is 10Gi, but request is 20Gi");
	/* Other kinds are not LimitRanger's. */
	assert_check(pvc, "services", "{}", "");
}

static void
test_limitrange_validation(void **state)
{
	struct ck_status st;
	cJSON *lr = parse("{\"spec\":{\"limits\":[{\"type\":\"Container\","
	    "\"min\":{\"cpu\":\"2\"},\"max\":{\"cpu\":\"1\"},"
	    "\"maxLimitRequestRatio\":{\"cpu\":\"500m\"}},{\"type\":\"Pod\","
	    "\"default\":{\"cpu\":\"1\"}},{}]}}");

	(void)state;
	ck_status_clear(&st);
	validation_limitrange(lr, &st);
	/* min > max, ratio < 1, Pod default, type required. */
	assert_int_equal(st.ncauses, 4);
	assert_string_equal(st.causes[0].field, "spec.limits[0].min[cpu]");
	assert_string_equal(st.causes[0].message, "Invalid value: \"2\": "
	    "min value 2 is greater than max value 1");
	cJSON_Delete(lr);
}

/* quota_admit of obj (of resource) against the quotas JSON array. */
static int
admit(const char *resource, const char *obj, const char *quotas,
    char *msg, size_t len, cJSON **charged0)
{
	const struct api_resource *r = registry_find("", "v1", resource);
	cJSON *o = parse(obj), *qa = parse(quotas), *qs[4], *ch[4];
	size_t n = 0, i;
	int rc;

	assert_non_null(r);
	for (i = 0; i < 4 && cJSON_GetArrayItem(qa, (int)i) != NULL; i++)
		qs[n++] = cJSON_GetArrayItem(qa, (int)i);
	msg[0] = '\0';
	rc = quota_admit(r, o, qs, n, ch, msg, len);
	for (i = 0; i < n; i++) {
		if (i == 0 && charged0 != NULL)
			*charged0 = ch[i];
		else
			cJSON_Delete(ch[i]);
	}
	cJSON_Delete(o);
	cJSON_Delete(qa);
	return rc;
}

#define Q(name, spec, hard, used) "{\"metadata\":{\"name\":\"" name "\"}," \
	"\"spec\":{" spec "},\"status\":{\"hard\":" hard ",\"used\":" used "}}"
#define POD "{\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":[" \
	"{\"name\":\"c\",\"resources\":{\"requests\":{\"cpu\":\"600m\"}," \
	"\"limits\":{\"cpu\":\"600m\"}}}]}}"

static void
test_quota_admit(void **state)
{
	char msg[512];
	cJSON *ch = NULL;

	(void)state;
	/* Charged: the new used of the quota. */
	assert_int_equal(admit("pods", POD, "[" Q("q", "", "{\"pods\":\"2\","
	    "\"requests.cpu\":\"1\"}", "{\"pods\":\"1\",\"requests.cpu\":"
	    "\"0\"}") "]", msg, sizeof(msg), &ch), 0);
	assert_non_null(ch);
	assert_string_equal(path_str(ch, "status", "used", "pods"), "2");
	assert_string_equal(path_str(ch, "status", "used", "requests.cpu"),
	    "600m");
	cJSON_Delete(ch);
	/* Exceeded. */
	assert_int_equal(admit("pods", POD, "[" Q("q", "", "{\"pods\":\"2\"}",
	    "{\"pods\":\"2\"}") "]", msg, sizeof(msg), NULL), CK_EPERM);
	assert_string_equal(msg, "exceeded quota: q, requested: pods=1, "
	    "used: pods=2, limited: pods=2");
	assert_int_equal(admit("pods", POD, "[" Q("cq", "",
	    "{\"limits.cpu\":\"1\",\"requests.cpu\":\"1\",\"pods\":\"9\"}",
	    "{\"limits.cpu\":\"600m\",\"requests.cpu\":\"600m\",\"pods\":"
	    "\"1\"}") "]", msg, sizeof(msg), NULL), CK_EPERM);
	assert_string_equal(msg, "exceeded quota: cq, requested: "
	    "limits.cpu=600m,requests.cpu=600m, used: limits.cpu=600m,"
	    "requests.cpu=600m, limited: limits.cpu=1,requests.cpu=1");
	/* Must specify. */
	assert_int_equal(admit("pods", "{\"metadata\":{\"name\":\"p\"},"
	    "\"spec\":{\"containers\":[{\"name\":\"c\"}]}}", "[" Q("cq", "",
	    "{\"limits.memory\":\"1Gi\"}", "{\"limits.memory\":\"0\"}") "]",
	    msg, sizeof(msg), NULL), CK_EPERM);
	assert_string_equal(msg, "failed quota: cq: must specify "
	    "limits.memory for: c");
	/* Status unknown: used lacks a hard name. */
	assert_int_equal(admit("pods", POD, "[" Q("q", "", "{\"pods\":\"2\"}",
	    "{}") "]", msg, sizeof(msg), NULL), CK_EPERM);
	assert_string_equal(msg, "status unknown for quota: q, resources: "
	    "pods");
	/* No status.hard yet, a scope that does not match, another kind. */
	assert_int_equal(admit("pods", POD, "[{\"metadata\":{\"name\":\"q\"},"
	    "\"spec\":{\"hard\":{\"pods\":\"0\"}}}]", msg, sizeof(msg), NULL),
	    0);
	assert_int_equal(admit("pods", POD, "[" Q("be",
	    "\"scopes\":[\"BestEffort\"]", "{\"pods\":\"0\"}",
	    "{\"pods\":\"0\"}") "]", msg, sizeof(msg), NULL), 0);
	assert_int_equal(admit("configmaps", "{\"metadata\":{\"name\":"
	    "\"cm\"}}", "[" Q("q", "", "{\"pods\":\"0\"}", "{\"pods\":\"0\"}")
	    "]", msg, sizeof(msg), NULL), 0);
	/* count/ names and the second of two quotas. */
	assert_int_equal(admit("configmaps", "{\"metadata\":{\"name\":"
	    "\"cm\"}}", "[" Q("a", "", "{\"pods\":\"0\"}", "{\"pods\":\"0\"}")
	    "," Q("b", "", "{\"count/configmaps\":\"1\"}",
	    "{\"count/configmaps\":\"1\"}") "]", msg, sizeof(msg), NULL),
	    CK_EPERM);
	assert_string_equal(msg, "exceeded quota: b, requested: "
	    "count/configmaps=1, used: count/configmaps=1, limited: "
	    "count/configmaps=1");
}

static void
test_quota_validation(void **state)
{
	struct ck_status st;
	cJSON *q = parse("{\"spec\":{\"hard\":{\"pods\":\"1.5\",\"cpu\":"
	    "\"-1\"},\"scopes\":[\"Terminating\",\"NotTerminating\","
	    "\"Nope\"]}}");

	(void)state;
	ck_status_clear(&st);
	validation_resourcequota(q, &st);
	assert_int_equal(st.ncauses, 4);
	cJSON_Delete(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limitrange_item_defaults),
		cmocka_unit_test(test_limitrange_pod_defaults),
		cmocka_unit_test(test_limitrange_checks),
		cmocka_unit_test(test_limitrange_validation),
		cmocka_unit_test(test_quota_admit),
		cmocka_unit_test(test_quota_validation),
	};

	return cmocka_run_group_tests_name("admission", tests, NULL, NULL);
}
