/*
 * Unit tests for apiserver/psa_checks.c and admission_podsecurity.c (the
 * Pod Security Standards checks, each level, each check and the combined
 * message in upstream words; namespace label parsing) and
 * validation_security.c (securityContext validation, --allow-privileged).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "apiserver.h"
#include "admission.h"
#include "validation_kind.h"

/* The violations of a pod {"metadata":..., "spec": spec} at level. */
static void
expect_psa_meta(enum psa_level level, const char *meta, const char *spec,
    const char *want)
{
	cJSON *m = meta != NULL ? cJSON_Parse(meta) : NULL;
	cJSON *s = cJSON_Parse(spec);
	struct strbuf out = STRBUF_INIT;
	int n;

	assert_non_null(s);
	n = psa_evaluate(level, m, s, &out);
	if (strcmp(strbuf_str(&out) != NULL ? strbuf_str(&out) : "",
	    want) != 0)
		fail_msg("level %d spec %s\n got: %s\nwant: %s", (int)level,
		    spec, strbuf_str(&out), want);
	assert_true((n == 0) == (want[0] == '\0'));
	strbuf_fini(&out);
	cJSON_Delete(m);
	cJSON_Delete(s);
}

static void
expect_psa(enum psa_level level, const char *spec, const char *want)
{
	expect_psa_meta(level, NULL, spec, want);
}

#define C(sc)	"{\"containers\":[{\"name\":\"c\",\"image\":\"x\"," \
	"\"securityContext\":" sc "}]}"
/* A container that passes restricted. */
#define GOOD_SC	"{\"allowPrivilegeEscalation\":false,\"capabilities\":" \
	"{\"drop\":[\"ALL\"]},\"runAsNonRoot\":true,\"seccompProfile\":" \
	"{\"type\":\"RuntimeDefault\"}"

static void
test_privileged_level_allows_all(void **state)
{
	(void)state;
	expect_psa(PSA_PRIVILEGED, "{\"hostNetwork\":true,\"containers\":"
	    "[{\"name\":\"c\",\"securityContext\":{\"privileged\":true}}]}",
	    "");
	expect_psa(PSA_BASELINE, C("{}"), "");
}

static void
test_baseline_checks(void **state)
{
	(void)state;
	expect_psa(PSA_BASELINE, C("{\"privileged\":true}"),
	    "privileged (container \"c\" must not set "
	    "securityContext.privileged=true)");
	expect_psa(PSA_BASELINE, "{\"initContainers\":[{\"name\":\"i\","
	    "\"securityContext\":{\"privileged\":true}}],\"containers\":["
	    "{\"name\":\"a\",\"securityContext\":{\"privileged\":true}},"
	    "{\"name\":\"b\",\"securityContext\":{\"privileged\":false}}]}",
	    "privileged (containers \"i\", \"a\" must not set "
	    "securityContext.privileged=true)");
	expect_psa(PSA_BASELINE, "{\"hostPID\":true,\"hostNetwork\":true,"
	    "\"hostIPC\":false,\"containers\":[]}",
	    "host namespaces (hostNetwork, hostPID)");
	expect_psa(PSA_BASELINE, "{\"containers\":[{\"name\":\"a\",\"ports\":"
	    "[{\"containerPort\":80,\"hostPort\":8080},{\"containerPort\":81,"
	    "\"hostPort\":0}]},{\"name\":\"b\",\"ports\":[{\"hostPort\":"
	    "443}]}]}", "hostPort (containers \"a\", \"b\" use hostPorts "
	    "443, 8080)");
	expect_psa(PSA_BASELINE, "{\"containers\":[{\"name\":\"a\",\"ports\":"
	    "[{\"hostPort\":80}]}]}",
	    "hostPort (container \"a\" uses hostPort 80)");
	expect_psa(PSA_BASELINE, C("{\"procMount\":\"Unmasked\"}"),
	    "procMount (container \"c\" must not set securityContext."
	    "procMount to \"Unmasked\")");
	expect_psa(PSA_BASELINE, C("{\"procMount\":\"Default\"}"), "");
	expect_psa(PSA_BASELINE, "{\"securityContext\":{\"seLinuxOptions\":"
	    "{\"type\":\"spc_t\",\"user\":\"u\"}},\"containers\":[{\"name\":"
	    "\"c\",\"securityContext\":{\"seLinuxOptions\":{\"role\":\"r\"}}}"
	    "]}", "seLinuxOptions (pod and container \"c\" set forbidden "
	    "securityContext.seLinuxOptions: type \"spc_t\"; user may not be "
	    "set; role may not be set)");
	expect_psa(PSA_BASELINE, C("{\"seLinuxOptions\":{\"type\":"
	    "\"container_t\",\"level\":\"s0:c1\"}}"), "");
	expect_psa(PSA_BASELINE, "{\"securityContext\":{\"sysctls\":["
	    "{\"name\":\"kernel.shm_rmid_forced\",\"value\":\"1\"},{\"name\":"
	    "\"net.core.somaxconn\",\"value\":\"1\"},{\"name\":\"kernel.msgmax\","
	    "\"value\":\"1\"}]},\"containers\":[]}",
	    "forbidden sysctls (net.core.somaxconn, kernel.msgmax)");
	expect_psa(PSA_BASELINE, C("{\"capabilities\":{\"add\":[\"SYS_TIME\","
	    "\"CHOWN\",\"NET_ADMIN\"]}}"), "non-default capabilities "
	    "(container \"c\" must not include \"NET_ADMIN\", \"SYS_TIME\" in "
	    "securityContext.capabilities.add)");
	expect_psa(PSA_BASELINE, C("{\"capabilities\":{\"add\":[\"KILL\","
	    "\"NET_BIND_SERVICE\"]}}"), "");
	expect_psa(PSA_BASELINE, "{\"containers\":[],\"volumes\":[{\"name\":"
	    "\"h\",\"hostPath\":{\"path\":\"/\"}},{\"name\":\"e\",\"emptyDir\":"
	    "{}},{\"name\":\"g\",\"hostPath\":{\"path\":\"/x\"}}]}",
	    "hostPath volumes (volumes \"h\", \"g\")");
	expect_psa(PSA_BASELINE, "{\"securityContext\":{\"seccompProfile\":"
	    "{\"type\":\"Unconfined\"}},\"containers\":[{\"name\":\"c\"}]}",
	    "seccompProfile (pod must not set securityContext.seccompProfile."
	    "type to \"Unconfined\")");
	/* baseline does not require a profile */
	expect_psa(PSA_BASELINE, C("{\"seccompProfile\":{\"type\":"
	    "\"Localhost\",\"localhostProfile\":\"p\"}}"), "");
}

static void
test_apparmor(void **state)
{
	(void)state;
	expect_psa_meta(PSA_BASELINE, "{\"annotations\":{"
	    "\"container.apparmor.security.beta.kubernetes.io/c\":"
	    "\"unconfined\",\"container.apparmor.security.beta.kubernetes.io/"
	    "d\":\"runtime/default\",\"other\":\"unconfined\"}}", C("{}"),
	    "forbidden AppArmor profile (container.apparmor.security.beta."
	    "kubernetes.io/c=\"unconfined\")");
	expect_psa_meta(PSA_BASELINE, "{\"annotations\":{"
	    "\"container.apparmor.security.beta.kubernetes.io/c\":"
	    "\"localhost/x\"}}", C("{}"), "");
}

static void
test_restricted_checks(void **state)
{
	(void)state;
	expect_psa(PSA_RESTRICTED, C(GOOD_SC "}"), "");
	/* pod-level runAsNonRoot and seccomp cover the containers */
	expect_psa(PSA_RESTRICTED, "{\"securityContext\":{\"runAsNonRoot\":"
	    "true,\"seccompProfile\":{\"type\":\"Localhost\"}},\"containers\":"
	    "[{\"name\":\"c\",\"securityContext\":{\"allowPrivilegeEscalation\":"
	    "false,\"capabilities\":{\"drop\":[\"ALL\"],\"add\":["
	    "\"NET_BIND_SERVICE\"]}}}],\"volumes\":[{\"name\":\"s\",\"secret\":"
	    "{\"secretName\":\"s\"}},{\"name\":\"p\",\"persistentVolumeClaim\":"
	    "{\"claimName\":\"p\"}}]}", "");
	expect_psa(PSA_RESTRICTED, C("{\"allowPrivilegeEscalation\":true,"
	    "\"capabilities\":{\"drop\":[\"ALL\"]},\"runAsNonRoot\":true,"
	    "\"seccompProfile\":{\"type\":\"RuntimeDefault\"}}"),
	    "allowPrivilegeEscalation != false (container \"c\" must set "
	    "securityContext.allowPrivilegeEscalation=false)");
	expect_psa(PSA_RESTRICTED, C("{\"allowPrivilegeEscalation\":false,"
	    "\"capabilities\":{\"drop\":[\"NET_RAW\"],\"add\":[\"SYS_ADMIN\","
	    "\"NET_BIND_SERVICE\",\"CHOWN\"]},\"runAsNonRoot\":true,"
	    "\"seccompProfile\":{\"type\":\"RuntimeDefault\"}}"),
	    "unrestricted capabilities (container \"c\" must set "
	    "securityContext.capabilities.drop=[\"ALL\"]; container \"c\" must "
	    "not include \"CHOWN\", \"SYS_ADMIN\" in securityContext."
	    "capabilities.add)");
	expect_psa(PSA_RESTRICTED, "{\"securityContext\":{\"runAsNonRoot\":"
	    "false,\"runAsUser\":0,\"seccompProfile\":{\"type\":"
	    "\"RuntimeDefault\"}},\"containers\":[{\"name\":\"c\","
	    "\"securityContext\":{\"allowPrivilegeEscalation\":false,"
	    "\"capabilities\":{\"drop\":[\"ALL\"]},\"runAsNonRoot\":false,"
	    "\"runAsUser\":0}}]}",
	    "runAsNonRoot != true (pod and container \"c\" must not set "
	    "securityContext.runAsNonRoot=false), runAsUser=0 (pod and "
	    "container \"c\" must not set runAsUser=0)");
	expect_psa(PSA_RESTRICTED, "{\"containers\":[],\"volumes\":[{\"name\":"
	    "\"h\",\"hostPath\":{\"path\":\"/\"}},{\"name\":\"n\",\"nfs\":"
	    "{\"server\":\"s\",\"path\":\"/\"}},{\"name\":\"c\",\"configMap\":"
	    "{\"name\":\"c\"}}]}", "restricted volume types (volumes \"h\", "
	    "\"n\" use restricted volume types \"hostPath\", \"nfs\")");
	expect_psa(PSA_RESTRICTED, C("{\"allowPrivilegeEscalation\":false,"
	    "\"capabilities\":{\"drop\":[\"ALL\"]},\"runAsNonRoot\":true,"
	    "\"seccompProfile\":{\"type\":\"Unconfined\"}}"),
	    "seccompProfile (container \"c\" must not set securityContext."
	    "seccompProfile.type to \"Unconfined\")");
}

/* A plain pod at restricted: the combined list in upstream order. */
static void
test_restricted_combined(void **state)
{
	(void)state;
	expect_psa(PSA_RESTRICTED, "{\"containers\":[{\"name\":\"c\","
	    "\"image\":\"nginx\"}]}",
	    "allowPrivilegeEscalation != false (container \"c\" must set "
	    "securityContext.allowPrivilegeEscalation=false), unrestricted "
	    "capabilities (container \"c\" must set securityContext."
	    "capabilities.drop=[\"ALL\"]), runAsNonRoot != true (pod or "
	    "container \"c\" must set securityContext.runAsNonRoot=true), "
	    "seccompProfile (pod or container \"c\" must set securityContext."
	    "seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
	/* baseline checks first; hostPath only once (restricted volumes) */
	expect_psa(PSA_RESTRICTED, "{\"hostNetwork\":true,\"containers\":["
	    "{\"name\":\"c\",\"securityContext\":{\"privileged\":true}}],"
	    "\"volumes\":[{\"name\":\"h\",\"hostPath\":{\"path\":\"/\"}}]}",
	    "host namespaces (hostNetwork), privileged (container \"c\" must "
	    "not set securityContext.privileged=true), allowPrivilegeEscalation"
	    " != false (container \"c\" must set securityContext."
	    "allowPrivilegeEscalation=false), unrestricted capabilities "
	    "(container \"c\" must set securityContext.capabilities.drop="
	    "[\"ALL\"]), restricted volume types (volume \"h\" uses restricted "
	    "volume type \"hostPath\"), runAsNonRoot != true (pod or container "
	    "\"c\" must set securityContext.runAsNonRoot=true), seccompProfile "
	    "(pod or container \"c\" must set securityContext.seccompProfile."
	    "type to \"RuntimeDefault\" or \"Localhost\")");
}

static void
test_labels(void **state)
{
	struct psa_policy p;
	struct ck_status st;
	cJSON *l;

	(void)state;
	assert_int_equal(psa_policy_from_labels(NULL, &p, NULL), 0);
	assert_int_equal(p.mode[PSA_ENFORCE].level, PSA_PRIVILEGED);
	assert_string_equal(p.mode[PSA_ENFORCE].version, "latest");
	l = cJSON_Parse("{\"pod-security.kubernetes.io/enforce\":\"baseline\","
	    "\"pod-security.kubernetes.io/enforce-version\":\"v1.32\","
	    "\"pod-security.kubernetes.io/warn\":\"restricted\"}");
	assert_int_equal(psa_policy_from_labels(l, &p, NULL), 0);
	assert_int_equal(p.mode[PSA_ENFORCE].level, PSA_BASELINE);
	assert_string_equal(p.mode[PSA_ENFORCE].version, "v1.32");
	assert_int_equal(p.mode[PSA_WARN].level, PSA_RESTRICTED);
	assert_int_equal(p.mode[PSA_AUDIT].level, PSA_PRIVILEGED);
	cJSON_Delete(l);
	/* Invalid: held to restricted, each a 422 cause. */
	l = cJSON_Parse("{\"pod-security.kubernetes.io/enforce\":\"strict\","
	    "\"pod-security.kubernetes.io/audit-version\":\"1.2\"}");
	ck_status_clear(&st);
	assert_int_equal(psa_policy_from_labels(l, &p, &st), 2);
	assert_int_equal(p.mode[PSA_ENFORCE].level, PSA_RESTRICTED);
	assert_int_equal(p.mode[PSA_AUDIT].level, PSA_RESTRICTED);
	assert_int_equal(st.ncauses, 2);
	assert_string_equal(st.causes[0].field,
	    "metadata.labels[pod-security.kubernetes.io/enforce]");
	assert_string_equal(st.causes[0].message, "Invalid value: \"strict\": "
	    "must be one of privileged, baseline, restricted");
	assert_string_equal(st.causes[1].message, "Invalid value: \"1.2\": "
	    "must be \"latest\" or \"v1.x\"");
	cJSON_Delete(l);
}

/* Validate a pod spec; the causes' "field: message" joined by "; ". */
static void
expect_valid(const char *spec, const char *want)
{
	struct ck_status st;
	cJSON *s = cJSON_Parse(spec);
	char got[4096] = "";
	size_t n = 0;
	int i;

	assert_non_null(s);
	ck_status_clear(&st);
	validation_pod_spec(s, "spec", &st);
	for (i = 0; i < st.ncauses && i < CK_STATUS_CAUSES; i++)
		n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%s: %s",
		    i ? "; " : "", st.causes[i].field, st.causes[i].message);
	if (strcmp(got, want) != 0)
		fail_msg("spec %s\n got: %s\nwant: %s", spec, got, want);
	cJSON_Delete(s);
}

#define CV(sc)	"{\"containers\":[{\"name\":\"c\",\"image\":\"x\"," \
	"\"securityContext\":" sc "}]}"

static void
test_validation(void **state)
{
	(void)state;
	validation_allow_privileged = false;
	expect_valid(CV("{\"privileged\":true}"),
	    "spec.containers[0].securityContext.privileged: Forbidden: "
	    "disallowed by cluster policy");
	validation_allow_privileged = true;
	expect_valid(CV("{\"privileged\":true}"), "");
	expect_valid(CV("{\"privileged\":true,\"allowPrivilegeEscalation\":"
	    "false}"), "spec.containers[0].securityContext: Invalid value: "
	    "{\"privileged\":true,\"allowPrivilegeEscalation\":false}: cannot "
	    "set `allowPrivilegeEscalation` to false and `privileged` to true");
	validation_allow_privileged = false;
	expect_valid(CV("{\"allowPrivilegeEscalation\":false,\"capabilities\":"
	    "{\"add\":[\"CAP_SYS_ADMIN\"]}}"), "spec.containers[0]."
	    "securityContext: Invalid value: {\"allowPrivilegeEscalation\":"
	    "false,\"capabilities\":{\"add\":[\"CAP_SYS_ADMIN\"]}}: cannot set "
	    "`allowPrivilegeEscalation` to false and `capabilities.Add` "
	    "CAP_SYS_ADMIN");
	expect_valid(CV("{\"runAsUser\":-1,\"runAsGroup\":2147483648}"),
	    "spec.containers[0].securityContext.runAsUser: Invalid value: -1: "
	    "must be between 0 and 2147483647, inclusive; spec.containers[0]."
	    "securityContext.runAsGroup: Invalid value: 2147483648: must be "
	    "between 0 and 2147483647, inclusive");
	expect_valid("{\"securityContext\":{\"runAsUser\":-2,\"fsGroup\":-1,"
	    "\"supplementalGroups\":[1,-3]},\"containers\":[{\"name\":\"c\","
	    "\"image\":\"x\"}]}", "spec.securityContext.runAsUser: Invalid "
	    "value: -2: must be between 0 and 2147483647, inclusive; "
	    "spec.securityContext.fsGroup: Invalid value: -1: must be between 0 "
	    "and 2147483647, inclusive; spec.securityContext."
	    "supplementalGroups[1]: Invalid value: -3: must be between 0 and "
	    "2147483647, inclusive");
	expect_valid(CV("{\"procMount\":\"Masked\"}"), "spec.containers[0]."
	    "securityContext.procMount: Unsupported value: \"Masked\": "
	    "supported values: \"Default\", \"Unmasked\"");
	expect_valid(CV("{\"seccompProfile\":{\"type\":\"Localhost\"}}"),
	    "spec.containers[0].securityContext.seccompProfile."
	    "localhostProfile: Required value: must be set when seccomp type "
	    "is Localhost");
	expect_valid(CV("{\"seccompProfile\":{\"type\":\"RuntimeDefault\","
	    "\"localhostProfile\":\"p\"}}"), "spec.containers[0]."
	    "securityContext.seccompProfile.localhostProfile: Invalid value: "
	    "\"p\": can only be set when seccomp type is Localhost");
	expect_valid(CV("{\"seccompProfile\":{}}"), "spec.containers[0]."
	    "securityContext.seccompProfile.type: Required value");
	/* Valid values, every field. */
	expect_valid("{\"securityContext\":{\"runAsUser\":0,\"runAsGroup\":0,"
	    "\"fsGroup\":2000,\"supplementalGroups\":[0,4000],\"runAsNonRoot\":"
	    "false,\"seLinuxOptions\":{\"level\":\"s0\"},\"seccompProfile\":"
	    "{\"type\":\"Unconfined\"}},\"containers\":[{\"name\":\"c\","
	    "\"image\":\"x\",\"securityContext\":{\"runAsUser\":2147483647,"
	    "\"readOnlyRootFilesystem\":true,\"capabilities\":{\"add\":["
	    "\"NET_ADMIN\"],\"drop\":[\"ALL\"]},\"procMount\":\"Default\"}}]}",
	    "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_privileged_level_allows_all),
		cmocka_unit_test(test_baseline_checks),
		cmocka_unit_test(test_apparmor),
		cmocka_unit_test(test_restricted_checks),
		cmocka_unit_test(test_restricted_combined),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_validation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
