/*
 * protobuf_groups.c: protobuf message tables of the grouped kinds kubectl's
 * generators create: apps/v1 Deployment, batch/v1 Job and CronJob, policy/v1
 * PodDisruptionBudget, autoscaling/v1 and v2 HorizontalPodAutoscaler,
 * rbac.authorization.k8s.io/v1 roles and bindings,
 * authorization.k8s.io/v1 reviews, authentication.k8s.io/v1 TokenRequest,
 * TokenReview and SelfSubjectReview, scheduling.k8s.io/v1
 * PriorityClass. Field numbers are those of each group's generated.proto.
 */
#include "apiserver.h"
#include "protobuf.h"

#define S(n, j)		{ n, j, PB_STRING, false, NULL, false }
#define SR(n, j)	{ n, j, PB_STRING, true, NULL, false }
#define I(n, j)		{ n, j, PB_INT, false, NULL, false }
#define IP(n, j)	{ n, j, PB_INT, false, NULL, true }
#define B(n, j)		{ n, j, PB_BOOL, false, NULL, false }
#define BP(n, j)	{ n, j, PB_BOOL, false, NULL, true }
#define M(n, j, m)	{ n, j, PB_MSG, false, &m, false }
#define INL(n, m)	{ n, "", PB_INLINE, false, &m, false }
#define MR(n, j, m)	{ n, j, PB_MSG, true, &m, false }
#define IS(n, j)	{ n, j, PB_INTSTR, false, NULL, false }
#define META		M(1, "metadata", pb_m_object_meta)

/* ---- apps/v1 ---- */

static const struct pb_field f_rolling_update[] = {
	IS(1, "maxUnavailable"), IS(2, "maxSurge"),
};
static const struct pb_msg m_rolling_update = PB_MSG_OF(f_rolling_update);

static const struct pb_field f_strategy[] = {
	S(1, "type"), M(2, "rollingUpdate", m_rolling_update),
};
static const struct pb_msg m_strategy = PB_MSG_OF(f_strategy);

static const struct pb_field f_deployment_spec[] = {
	IP(1, "replicas"), M(2, "selector", pb_m_label_selector),
	M(3, "template", pb_m_pod_template_spec), M(4, "strategy", m_strategy),
	I(5, "minReadySeconds"), IP(6, "revisionHistoryLimit"),
	B(7, "paused"), IP(9, "progressDeadlineSeconds"),
};
static const struct pb_msg m_deployment_spec = PB_MSG_OF(f_deployment_spec);

static const struct pb_field f_deployment[] = {
	META, M(2, "spec", m_deployment_spec),
};
static const struct pb_msg m_deployment = PB_MSG_OF(f_deployment);

/* ---- batch/v1 ---- */

static const struct pb_field f_job_spec[] = {
	IP(1, "parallelism"), IP(2, "completions"),
	IP(3, "activeDeadlineSeconds"), M(4, "selector", pb_m_label_selector),
	BP(5, "manualSelector"), M(6, "template", pb_m_pod_template_spec),
	IP(7, "backoffLimit"), IP(8, "ttlSecondsAfterFinished"),
	S(9, "completionMode"), BP(10, "suspend"),
};
static const struct pb_msg m_job_spec = PB_MSG_OF(f_job_spec);

static const struct pb_field f_job[] = { META, M(2, "spec", m_job_spec) };
static const struct pb_msg m_job = PB_MSG_OF(f_job);

static const struct pb_field f_job_template[] = {
	META, M(2, "spec", m_job_spec),
};
static const struct pb_msg m_job_template = PB_MSG_OF(f_job_template);

static const struct pb_field f_cronjob_spec[] = {
	S(1, "schedule"), IP(2, "startingDeadlineSeconds"),
	S(3, "concurrencyPolicy"), BP(4, "suspend"),
	M(5, "jobTemplate", m_job_template),
	IP(6, "successfulJobsHistoryLimit"), IP(7, "failedJobsHistoryLimit"),
	S(8, "timeZone"),
};
static const struct pb_msg m_cronjob_spec = PB_MSG_OF(f_cronjob_spec);

static const struct pb_field f_cronjob[] = {
	META, M(2, "spec", m_cronjob_spec),
};
static const struct pb_msg m_cronjob = PB_MSG_OF(f_cronjob);

/* ---- policy/v1 ---- */

static const struct pb_field f_pdb_spec[] = {
	IS(1, "minAvailable"), M(2, "selector", pb_m_label_selector),
	IS(3, "maxUnavailable"), S(4, "unhealthyPodEvictionPolicy"),
};
static const struct pb_msg m_pdb_spec = PB_MSG_OF(f_pdb_spec);

static const struct pb_field f_pdb[] = { META, M(2, "spec", m_pdb_spec) };
static const struct pb_msg m_pdb = PB_MSG_OF(f_pdb);

/* pods/eviction's body (policy/v1 and v1beta1 alike). */
static const struct pb_field f_eviction[] = {
	META, M(2, "deleteOptions", pb_m_delete_options),
};
static const struct pb_msg m_eviction = PB_MSG_OF(f_eviction);

/* ---- rbac.authorization.k8s.io/v1 ---- */

static const struct pb_field f_policy_rule[] = {
	SR(1, "verbs"), SR(2, "apiGroups"), SR(3, "resources"),
	SR(4, "resourceNames"), SR(5, "nonResourceURLs"),
};
static const struct pb_msg m_policy_rule = PB_MSG_OF(f_policy_rule);

static const struct pb_field f_aggregation[] = {
	MR(1, "clusterRoleSelectors", pb_m_label_selector),
};
static const struct pb_msg m_aggregation = PB_MSG_OF(f_aggregation);

static const struct pb_field f_role[] = {
	META, MR(2, "rules", m_policy_rule),
	M(3, "aggregationRule", m_aggregation),
};
static const struct pb_msg m_role = PB_MSG_OF(f_role);

static const struct pb_field f_subject[] = {
	S(1, "kind"), S(2, "apiGroup"), S(3, "name"), S(4, "namespace"),
};
static const struct pb_msg m_subject = PB_MSG_OF(f_subject);

static const struct pb_field f_role_ref[] = {
	S(1, "apiGroup"), S(2, "kind"), S(3, "name"),
};
static const struct pb_msg m_role_ref = PB_MSG_OF(f_role_ref);

static const struct pb_field f_binding[] = {
	META, MR(2, "subjects", m_subject), M(3, "roleRef", m_role_ref),
};
static const struct pb_msg m_binding = PB_MSG_OF(f_binding);

/* ---- authorization.k8s.io/v1 ---- */

static const struct pb_field f_resource_attrs[] = {
	S(1, "namespace"), S(2, "verb"), S(3, "group"), S(4, "version"),
	S(5, "resource"), S(6, "subresource"), S(7, "name"),
};
static const struct pb_msg m_resource_attrs = PB_MSG_OF(f_resource_attrs);

static const struct pb_field f_nonresource_attrs[] = {
	S(1, "path"), S(2, "verb"),
};
static const struct pb_msg m_nonresource_attrs =
    PB_MSG_OF(f_nonresource_attrs);

static const struct pb_field f_ssar_spec[] = {
	M(1, "resourceAttributes", m_resource_attrs),
	M(2, "nonResourceAttributes", m_nonresource_attrs),
};
static const struct pb_msg m_ssar_spec = PB_MSG_OF(f_ssar_spec);

static const struct pb_field f_ssar[] = { META, M(2, "spec", m_ssar_spec) };
static const struct pb_msg m_ssar = PB_MSG_OF(f_ssar);

/* SubjectAccessReviewSpec; 5 (extra) is skipped as unknown. */
static const struct pb_field f_sar_spec[] = {
	M(1, "resourceAttributes", m_resource_attrs),
	M(2, "nonResourceAttributes", m_nonresource_attrs),
	S(3, "user"), SR(4, "groups"), S(6, "uid"),
};
static const struct pb_msg m_sar_spec = PB_MSG_OF(f_sar_spec);

static const struct pb_field f_sar[] = { META, M(2, "spec", m_sar_spec) };
static const struct pb_msg m_sar = PB_MSG_OF(f_sar);

/* SelfSubjectRulesReview (kubectl auth can-i --list). */
static const struct pb_field f_ssrr_spec[] = { S(1, "namespace") };
static const struct pb_msg m_ssrr_spec = PB_MSG_OF(f_ssrr_spec);

static const struct pb_field f_ssrr[] = { META, M(2, "spec", m_ssrr_spec) };
static const struct pb_msg m_ssrr = PB_MSG_OF(f_ssrr);

/* ---- autoscaling/v1 and v2 (kubectl autoscale) ---- */

static const struct pb_field f_xref[] = {
	S(1, "kind"), S(2, "name"), S(3, "apiVersion"),
};
static const struct pb_msg m_xref = PB_MSG_OF(f_xref);

static const struct pb_field f_hpa1_spec[] = {
	M(1, "scaleTargetRef", m_xref), IP(2, "minReplicas"),
	I(3, "maxReplicas"), IP(4, "targetCPUUtilizationPercentage"),
};
static const struct pb_msg m_hpa1_spec = PB_MSG_OF(f_hpa1_spec);

static const struct pb_field f_hpa1[] = { META, M(2, "spec", m_hpa1_spec) };
static const struct pb_msg m_hpa1 = PB_MSG_OF(f_hpa1);

/* v2: resource metrics only (quantity targets are not decoded). */
static const struct pb_field f_metric_target[] = {
	S(1, "type"), IP(4, "averageUtilization"),
};
static const struct pb_msg m_metric_target = PB_MSG_OF(f_metric_target);

static const struct pb_field f_resource_metric[] = {
	S(1, "name"), M(2, "target", m_metric_target),
};
static const struct pb_msg m_resource_metric = PB_MSG_OF(f_resource_metric);

static const struct pb_field f_metric_spec[] = {
	S(1, "type"), M(4, "resource", m_resource_metric),
};
static const struct pb_msg m_metric_spec = PB_MSG_OF(f_metric_spec);

static const struct pb_field f_hpa2_spec[] = {
	M(1, "scaleTargetRef", m_xref), IP(2, "minReplicas"),
	I(3, "maxReplicas"), MR(4, "metrics", m_metric_spec),
};
static const struct pb_msg m_hpa2_spec = PB_MSG_OF(f_hpa2_spec);

static const struct pb_field f_hpa2[] = { META, M(2, "spec", m_hpa2_spec) };
static const struct pb_msg m_hpa2 = PB_MSG_OF(f_hpa2);
/* ---- networking.k8s.io/v1 ---- */

static const struct pb_field f_svc_port[] = { S(1, "name"), I(2, "number") };
static const struct pb_msg m_svc_port = PB_MSG_OF(f_svc_port);
static const struct pb_field f_ing_svc[] = {
	S(1, "name"), M(2, "port", m_svc_port),
};
static const struct pb_msg m_ing_svc = PB_MSG_OF(f_ing_svc);
static const struct pb_field f_typed_ref[] = {
	S(1, "apiGroup"), S(2, "kind"), S(3, "name"),
};
static const struct pb_msg m_typed_ref = PB_MSG_OF(f_typed_ref);
static const struct pb_field f_ing_backend[] = {
	M(3, "resource", m_typed_ref), M(4, "service", m_ing_svc),
};
static const struct pb_msg m_ing_backend = PB_MSG_OF(f_ing_backend);
static const struct pb_field f_http_path[] = {
	S(1, "path"), M(2, "backend", m_ing_backend), S(3, "pathType"),
};
static const struct pb_msg m_http_path = PB_MSG_OF(f_http_path);
static const struct pb_field f_http_rule[] = { MR(1, "paths", m_http_path) };
static const struct pb_msg m_http_rule = PB_MSG_OF(f_http_rule);
/* IngressRuleValue is inlined in JSON (strict validation sees "http"). */
static const struct pb_field f_rule_value[] = { M(1, "http", m_http_rule) };
static const struct pb_msg m_rule_value = PB_MSG_OF(f_rule_value);
static const struct pb_field f_ing_rule[] = {
	S(1, "host"), INL(2, m_rule_value),
};
static const struct pb_msg m_ing_rule = PB_MSG_OF(f_ing_rule);
static const struct pb_field f_ing_tls[] = { SR(1, "hosts"),
	S(2, "secretName") };
static const struct pb_msg m_ing_tls = PB_MSG_OF(f_ing_tls);
static const struct pb_field f_ing_spec[] = {
	M(1, "defaultBackend", m_ing_backend), MR(2, "tls", m_ing_tls),
	MR(3, "rules", m_ing_rule), S(4, "ingressClassName"),
};
static const struct pb_msg m_ing_spec = PB_MSG_OF(f_ing_spec);
static const struct pb_field f_ingress[] = { META, M(2, "spec", m_ing_spec) };
static const struct pb_msg m_ingress = PB_MSG_OF(f_ingress);

/* ---- authentication.k8s.io/v1 ---- */

static const struct pb_field f_bound_ref[] = {
	S(1, "kind"), S(2, "apiVersion"), S(3, "name"), S(4, "uid"),
};
static const struct pb_msg m_bound_ref = PB_MSG_OF(f_bound_ref);
static const struct pb_field f_token_req_spec[] = {
	SR(1, "audiences"), M(3, "boundObjectRef", m_bound_ref),
	IP(4, "expirationSeconds"),
};
static const struct pb_msg m_token_req_spec = PB_MSG_OF(f_token_req_spec);
static const struct pb_field f_token_req[] = {
	META, M(2, "spec", m_token_req_spec),
};
static const struct pb_msg m_token_req = PB_MSG_OF(f_token_req);
/* (status is the server's: not read) */

static const struct pb_field f_token_review_spec[] = {
	S(1, "token"), SR(2, "audiences"),
};
static const struct pb_msg m_token_review_spec =
    PB_MSG_OF(f_token_review_spec);
static const struct pb_field f_token_review[] = {
	META, M(2, "spec", m_token_review_spec),
};
static const struct pb_msg m_token_review = PB_MSG_OF(f_token_review);
static const struct pb_field f_self_subject_review[] = { META };
static const struct pb_msg m_self_subject_review =
    PB_MSG_OF(f_self_subject_review);

/* ---- scheduling.k8s.io/v1 ---- */

static const struct pb_field f_priority_class[] = {
	META, I(2, "value"), B(3, "globalDefault"), S(4, "description"),
	S(5, "preemptionPolicy"),
};
static const struct pb_msg m_priority_class = PB_MSG_OF(f_priority_class);

const struct pb_kind pb_group_kinds[] = {
	{ "apps/v1", "Deployment", &m_deployment },
	{ "authentication.k8s.io/v1", "TokenRequest", &m_token_req },
	{ "authentication.k8s.io/v1", "SelfSubjectReview",
	    &m_self_subject_review },
	{ "authentication.k8s.io/v1", "TokenReview", &m_token_review },
	{ "authorization.k8s.io/v1", "LocalSubjectAccessReview", &m_sar },
	{ "authorization.k8s.io/v1", "SelfSubjectAccessReview", &m_ssar },
	{ "authorization.k8s.io/v1", "SelfSubjectRulesReview", &m_ssrr },
	{ "authorization.k8s.io/v1", "SubjectAccessReview", &m_sar },
	{ "autoscaling/v1", "HorizontalPodAutoscaler", &m_hpa1 },
	{ "autoscaling/v2", "HorizontalPodAutoscaler", &m_hpa2 },
	{ "batch/v1", "CronJob", &m_cronjob },
	{ "batch/v1", "Job", &m_job },
	{ "networking.k8s.io/v1", "Ingress", &m_ingress },
	{ "policy/v1", "Eviction", &m_eviction },
	{ "policy/v1", "PodDisruptionBudget", &m_pdb },
	{ "policy/v1beta1", "Eviction", &m_eviction },
	{ "rbac.authorization.k8s.io/v1", "ClusterRole", &m_role },
	{ "rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &m_binding },
	{ "rbac.authorization.k8s.io/v1", "Role", &m_role },
	{ "rbac.authorization.k8s.io/v1", "RoleBinding", &m_binding },
	{ "scheduling.k8s.io/v1", "PriorityClass", &m_priority_class },
	{ NULL, NULL, NULL },
};
