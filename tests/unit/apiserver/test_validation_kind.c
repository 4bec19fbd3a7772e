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

/* A pod with spec members extra (JSON text without braces). */
static int
check_pod(const char *extra)
{
	char text[8192];

	snprintf(text, sizeof(text), "{\"spec\":{\"containers\":[{"
	    "\"name\":\"a\",\"image\":\"x\"}],%s}}", extra);
	return check("", "pods", text);
}

static void
test_pod_dns_config(void **state)
{
	char extra[6000];
	size_t n;
	int i;

	(void)state;
	assert_int_equal(check_pod("\"dnsPolicy\":\"None\",\"dnsConfig\":{"
	    "\"nameservers\":[\"1.1.1.1\",\"::1\"],\"searches\":["
	    "\"a.example.\"],\"options\":[{\"name\":\"ndots\",\"value\":"
	    "\"2\"}]}"), 0);
	assert_int_equal(check_pod("\"dnsPolicy\":\"None\""), CK_EINVALID);
	assert_string_equal(st.causes[0].field, "spec.dnsConfig");
	assert_non_null(strstr(st.causes[0].message, "when `dnsPolicy` is "
	    "None"));
	assert_int_equal(check_pod("\"dnsPolicy\":\"None\",\"dnsConfig\":"
	    "{}"), CK_EINVALID);
	assert_string_equal(st.causes[0].field, "spec.dnsConfig.nameservers");
	assert_int_equal(check_pod("\"dnsConfig\":{\"nameservers\":["
	    "\"1.1.1.1\",\"1.1.1.2\",\"1.1.1.3\",\"1.1.1.4\"]}"),
	    CK_EINVALID);
	assert_string_equal(st.causes[0].field, "spec.dnsConfig.nameservers");
	assert_non_null(strstr(st.causes[0].message, "more than 3"));
	assert_int_equal(check_pod("\"dnsConfig\":{\"nameservers\":["
	    "\"dns.example\"],\"searches\":[\"Bad_Name\"],\"options\":"
	    "[{\"value\":\"1\"}]}"), CK_EINVALID);
	assert_int_equal(st.ncauses, 3);
	assert_string_equal(st.causes[0].field,
	    "spec.dnsConfig.nameservers[0]");
	assert_string_equal(st.causes[1].field, "spec.dnsConfig.searches[0]");
	assert_string_equal(st.causes[2].field, "spec.dnsConfig.options[0]");
	/* 33 searches; then 20 long ones (over 2048 characters). */
	n = (size_t)snprintf(extra, sizeof(extra), "\"dnsConfig\":{"
	    "\"searches\":[");
	for (i = 0; i < 33; i++)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "%s\"s%d.example\"", i ? "," : "", i);
	snprintf(extra + n, sizeof(extra) - n, "]}");
	assert_int_equal(check_pod(extra), CK_EINVALID);
	assert_non_null(strstr(st.causes[0].message, "32 search paths"));
	n = (size_t)snprintf(extra, sizeof(extra), "\"dnsConfig\":{"
	    "\"searches\":[");
	for (i = 0; i < 20; i++)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    "%s\"%0120d.x\"", i ? "," : "", i);
	snprintf(extra + n, sizeof(extra) - n, "]}");
	assert_int_equal(check_pod(extra), CK_EINVALID);
	assert_non_null(strstr(st.causes[0].message, "2048 characters"));
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

/* The causes of the last check as "field:reason field:reason". */
static const char *
causes(void)
{
	static char buf[2048];
	size_t n = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < st.ncauses && i < CK_STATUS_CAUSES; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s:%s",
		    i ? " " : "", st.causes[i].field, st.causes[i].reason);
	return buf;
}

#define DS(extra, labels, rp) "{\"metadata\":{\"name\":\"ds\"}," \
	"\"spec\":{\"selector\":{\"matchLabels\":{\"app\":\"a\"}}" extra \
	",\"template\":{\"metadata\":{\"labels\":" labels "},\"spec\":" \
	"{\"restartPolicy\":\"" rp "\",\"containers\":[{\"name\":\"c\"," \
	"\"image\":\"i\"}]}}}}"

/* DaemonSet defaults (RollingUpdate 1/0, history 10) and validation. */
static void
test_daemonset(void **state)
{
	cJSON *ds = cJSON_Parse("{\"spec\":{\"template\":{\"spec\":{}}}}");
	cJSON *ru, *status;

	(void)state;
	defaults_daemonset(ds);
	ru = json_obj(json_obj(json_obj(ds, "spec"), "updateStrategy"),
	    "rollingUpdate");
	assert_string_equal(json_str(json_obj(json_obj(ds, "spec"),
	    "updateStrategy"), "type"), "RollingUpdate");
	assert_int_equal(cJSON_GetObjectItem(ru, "maxUnavailable")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(ru, "maxSurge")->valueint, 0);
	assert_int_equal(cJSON_GetObjectItem(json_obj(ds, "spec"),
	    "revisionHistoryLimit")->valueint, 10);
	assert_string_equal(json_str(json_obj(json_obj(json_obj(ds, "spec"),
	    "template"), "spec"), "dnsPolicy"), "ClusterFirst");
	status = json_obj(ds, "status");
	assert_int_equal(cJSON_GetObjectItem(status,
	    "desiredNumberScheduled")->valueint, 0);
	cJSON_Delete(ds);

	assert_int_equal(check("apps", "daemonsets", DS("", "{\"app\":\"a\"}",
	    "Always")), 0);
	assert_int_equal(check("apps", "daemonsets", DS("", "{\"app\":\"b\"}",
	    "Never")), CK_EINVALID);
	assert_string_equal(causes(), "spec.template.metadata.labels:"
	    "FieldValueInvalid spec.template.spec.restartPolicy:"
	    "FieldValueNotSupported");
	assert_non_null(strstr(st.causes[0].message,
	    "`selector` does not match template `labels`"));
	assert_int_equal(check("apps", "daemonsets", DS(",\"updateStrategy\":"
	    "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{\"maxSurge\":1}}",
	    "{\"app\":\"a\"}", "Always")), CK_EINVALID);
	assert_string_equal(causes(),
	    "spec.updateStrategy.rollingUpdate.maxSurge:FieldValueInvalid");
	assert_non_null(strstr(st.causes[0].message,
	    "may not be set when maxUnavailable is non-zero"));
	assert_int_equal(check("apps", "daemonsets", DS(",\"updateStrategy\":"
	    "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{"
	    "\"maxUnavailable\":0}}", "{\"app\":\"a\"}", "Always")),
	    CK_EINVALID);
	assert_string_equal(causes(), "spec.updateStrategy.rollingUpdate."
	    "maxUnavailable:FieldValueRequired");
	assert_int_equal(check("apps", "daemonsets", DS(",\"updateStrategy\":"
	    "{\"type\":\"RollingUpdate\",\"rollingUpdate\":{"
	    "\"maxUnavailable\":\"120%\"}}", "{\"app\":\"a\"}", "Always")),
	    CK_EINVALID);
	assert_int_equal(check("apps", "daemonsets", DS(",\"updateStrategy\":"
	    "{\"type\":\"Sometimes\"}", "{\"app\":\"a\"}", "Always")),
	    CK_EINVALID);
	assert_string_equal(causes(),
	    "spec.updateStrategy.type:FieldValueNotSupported");
	assert_int_equal(check("apps", "daemonsets", "{\"metadata\":{\"name\":"
	    "\"ds\"},\"spec\":{\"selector\":{},\"template\":{\"spec\":"
	    "{\"containers\":[{\"name\":\"c\",\"image\":\"i\"}]}}}}"),
	    CK_EINVALID);
	assert_non_null(strstr(st.causes[0].message,
	    "empty selector is invalid for daemonset"));
}

#define NP(spec) "{\"metadata\":{\"name\":\"np\"},\"spec\":" spec "}"

static void
test_networkpolicy(void **state)
{
	const struct api_resource *r;
	cJSON *obj;

	(void)state;
	assert_int_equal(check("networking.k8s.io", "networkpolicies",
	    NP("{\"podSelector\":{},\"ingress\":[{\"from\":[{\"ipBlock\":"
	    "{\"cidr\":\"2001:db8::/32\",\"except\":[\"2001:db8:1::/48\"]}},"
	    "{\"namespaceSelector\":{},\"podSelector\":{}}],\"ports\":["
	    "{\"port\":\"redis\"},{\"port\":80,\"endPort\":90},"
	    "{\"protocol\":\"SCTP\"}]}]}")), 0);
	/* spec 7(a): podSelector is required */
	assert_int_equal(check("networking.k8s.io", "networkpolicies",
	    NP("{}")), CK_EINVALID);
	assert_string_equal(causes(), "spec.podSelector:FieldValueRequired");
	assert_int_equal(check("networking.k8s.io", "networkpolicies",
	    NP("{\"podSelector\":{\"matchExpressions\":[{\"key\":\"a\","
	    "\"operator\":\"Near\"}]},\"ingress\":[{\"ports\":[{\"port\":"
	    "70000},{\"port\":\"Bad_Name\"},{\"port\":\"p\",\"endPort\":3},"
	    "{\"endPort\":3},{\"port\":5,\"endPort\":70000},{\"protocol\":"
	    "\"ICMP\"}]}]}")), CK_EINVALID);
	assert_string_equal(causes(), "spec.podSelector.matchExpressions[0]"
	    ".operator:FieldValueInvalid "
	    "spec.ingress[0].ports[0].port:FieldValueInvalid "
	    "spec.ingress[0].ports[1].port:FieldValueInvalid "
	    "spec.ingress[0].ports[2].endPort:FieldValueInvalid "
	    "spec.ingress[0].ports[3].endPort:FieldValueInvalid "
	    "spec.ingress[0].ports[4].endPort:FieldValueInvalid "
	    "spec.ingress[0].ports[5].protocol:FieldValueNotSupported");
	assert_non_null(strstr(st.causes[1].message,
	    "must be between 1 and 65535, inclusive"));
	assert_int_equal(check("networking.k8s.io", "networkpolicies",
	    NP("{\"podSelector\":{},\"egress\":[{\"to\":[{},{\"ipBlock\":"
	    "{\"cidr\":\"10.0.0.0/8\"},\"podSelector\":{}},{\"ipBlock\":"
	    "{\"cidr\":\"10.0.0.0/33\"}},{\"ipBlock\":{\"cidr\":\"10.0.0.0/8\","
	    "\"except\":[\"10.0.0.0/8\",\"11.0.0.0/16\",\"x\"]}},{\"ipBlock\":"
	    "{}},{\"namespaceSelector\":{\"matchLabels\":{\"a\":\"b c\"}}}]}]"
	    "}")), CK_EINVALID);
	assert_string_equal(causes(), "spec.egress[0].to[0]:FieldValueRequired "
	    "spec.egress[0].to[1]:FieldValueForbidden "
	    "spec.egress[0].to[2].ipBlock.cidr:FieldValueInvalid "
	    "spec.egress[0].to[3].ipBlock.except[0]:FieldValueInvalid "
	    "spec.egress[0].to[3].ipBlock.except[1]:FieldValueInvalid "
	    "spec.egress[0].to[3].ipBlock.except[2]:FieldValueInvalid "
	    "spec.egress[0].to[4].ipBlock.cidr:FieldValueRequired "
	    "spec.egress[0].to[5].namespaceSelector.matchLabels:"
	    "FieldValueInvalid");
	assert_int_equal(check("networking.k8s.io", "networkpolicies",
	    NP("{\"podSelector\":{},\"policyTypes\":[\"Sideways\"]}")),
	    CK_EINVALID);
	assert_string_equal(causes(), "spec.policyTypes[0]:FieldValueNotSupported");
	assert_int_equal(check("networking.k8s.io", "networkpolicies",
	    NP("{\"podSelector\":{},\"policyTypes\":[\"Ingress\",\"Egress\","
	    "\"Ingress\"]}")), CK_EINVALID);
	assert_string_equal(causes(), "spec.policyTypes:FieldValueInvalid");

	/* defaults: protocol TCP; Egress only when there are egress rules */
	r = registry_find("networking.k8s.io", "v1", "networkpolicies");
	obj = cJSON_Parse(NP("{\"podSelector\":{},\"egress\":[],"
	    "\"ingress\":[{\"ports\":[{\"port\":1}]}]}"));
	r->prepare_create(obj);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(json_obj(obj,
	    "spec"), "policyTypes")), 1);
	assert_string_equal(json_str(cJSON_GetArrayItem(cJSON_GetObjectItem(
	    cJSON_GetArrayItem(cJSON_GetObjectItem(json_obj(obj, "spec"),
	    "ingress"), 0), "ports"), 0), "protocol"), "TCP");
	cJSON_Delete(obj);

	/* the 1.3 namespace annotation */
	assert_int_equal(check("", "namespaces", "{\"metadata\":{\"name\":"
	    "\"a\",\"annotations\":{\"net.beta.kubernetes.io/network-policy\":"
	    "\"{\\\"ingress\\\":{\\\"isolation\\\":\\\"DefaultDeny\\\"}}\"}}}"), 0);
	assert_int_equal(check("", "namespaces", "{\"metadata\":{\"name\":"
	    "\"a\",\"annotations\":{\"net.beta.kubernetes.io/network-policy\":"
	    "\"DefaultDeny\"}}}"), CK_EINVALID);
	assert_string_equal(causes(), "metadata.annotations[net.beta.kubernetes"
	    ".io/network-policy]:FieldValueInvalid");
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
		cmocka_unit_test(test_pod_dns_config),
		cmocka_unit_test(test_cron_schedule),
		cmocka_unit_test(test_job_selector),
		cmocka_unit_test(test_pdb_and_service),
		cmocka_unit_test(test_daemonset),
		cmocka_unit_test(test_networkpolicy),
		cmocka_unit_test(test_rbac_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
