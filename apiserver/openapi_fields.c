/*
 * openapi_fields.c: the known JSON fields of the v1 kinds, for
 * fieldValidation (openapi.c). Lists are complete for Kubernetes 1.32 where
 * a message is modelled (ObjectMeta, PodTemplateSpec, PodSpec, Container,
 * the workload, job and Service specs); deeper or rarer messages, and kinds
 * not listed, are left open.
 */
#include "apiserver.h"
#include "openapi.h"

#include <string.h>

#define MSG(f)		{ f, ARRAY_SIZE(f) }
#define LEAF(n)		{ n, NULL }
#define SUB(n, m)	{ n, &m }

static const struct openapi_field f_meta[] = {
	LEAF("name"), LEAF("generateName"), LEAF("namespace"),
	LEAF("selfLink"), LEAF("uid"), LEAF("resourceVersion"),
	LEAF("generation"), LEAF("creationTimestamp"),
	LEAF("deletionTimestamp"), LEAF("deletionGracePeriodSeconds"),
	LEAF("labels"), LEAF("annotations"), LEAF("ownerReferences"),
	LEAF("finalizers"), LEAF("managedFields"),
};
static const struct openapi_msg m_meta = MSG(f_meta);

static const struct openapi_field f_container_port[] = {
	LEAF("name"), LEAF("hostPort"), LEAF("containerPort"),
	LEAF("protocol"), LEAF("hostIP"),
};
static const struct openapi_msg m_container_port = MSG(f_container_port);

static const struct openapi_field f_env[] = {
	LEAF("name"), LEAF("value"), LEAF("valueFrom"),
};
static const struct openapi_msg m_env = MSG(f_env);

static const struct openapi_field f_volume_mount[] = {
	LEAF("name"), LEAF("readOnly"), LEAF("recursiveReadOnly"),
	LEAF("mountPath"), LEAF("subPath"), LEAF("mountPropagation"),
	LEAF("subPathExpr"),
};
static const struct openapi_msg m_volume_mount = MSG(f_volume_mount);

static const struct openapi_field f_resources[] = {
	LEAF("limits"), LEAF("requests"), LEAF("claims"),
};
static const struct openapi_msg m_resources = MSG(f_resources);

static const struct openapi_field f_container[] = {
	LEAF("name"), LEAF("image"), LEAF("command"), LEAF("args"),
	LEAF("workingDir"), SUB("ports", m_container_port), LEAF("envFrom"),
	SUB("env", m_env), SUB("resources", m_resources),
	LEAF("resizePolicy"), LEAF("restartPolicy"),
	SUB("volumeMounts", m_volume_mount), LEAF("volumeDevices"),
	LEAF("livenessProbe"), LEAF("readinessProbe"), LEAF("startupProbe"),
	LEAF("lifecycle"), LEAF("terminationMessagePath"),
	LEAF("terminationMessagePolicy"), LEAF("imagePullPolicy"),
	LEAF("securityContext"), LEAF("stdin"), LEAF("stdinOnce"),
	LEAF("tty"),
};
static const struct openapi_msg m_container = MSG(f_container);

static const struct openapi_field f_pod_spec[] = {
	LEAF("volumes"), SUB("initContainers", m_container),
	SUB("containers", m_container), LEAF("ephemeralContainers"),
	LEAF("restartPolicy"), LEAF("terminationGracePeriodSeconds"),
	LEAF("activeDeadlineSeconds"), LEAF("dnsPolicy"),
	LEAF("nodeSelector"), LEAF("serviceAccountName"),
	LEAF("serviceAccount"), LEAF("automountServiceAccountToken"),
	LEAF("nodeName"), LEAF("hostNetwork"), LEAF("hostPID"),
	LEAF("hostIPC"), LEAF("shareProcessNamespace"),
	LEAF("securityContext"), LEAF("imagePullSecrets"), LEAF("hostname"),
	LEAF("subdomain"), LEAF("affinity"), LEAF("schedulerName"),
	LEAF("tolerations"), LEAF("hostAliases"), LEAF("priorityClassName"),
	LEAF("priority"), LEAF("dnsConfig"), LEAF("readinessGates"),
	LEAF("runtimeClassName"), LEAF("enableServiceLinks"),
	LEAF("preemptionPolicy"), LEAF("overhead"),
	LEAF("topologySpreadConstraints"), LEAF("setHostnameAsFQDN"),
	LEAF("os"), LEAF("hostUsers"), LEAF("schedulingGates"),
	LEAF("resourceClaims"), LEAF("resources"),
};
static const struct openapi_msg m_pod_spec = MSG(f_pod_spec);

static const struct openapi_field f_template[] = {
	SUB("metadata", m_meta), SUB("spec", m_pod_spec),
};
static const struct openapi_msg m_template = MSG(f_template);

static const struct openapi_field f_deployment_spec[] = {
	LEAF("replicas"), LEAF("selector"), SUB("template", m_template),
	LEAF("strategy"), LEAF("minReadySeconds"),
	LEAF("revisionHistoryLimit"), LEAF("paused"),
	LEAF("progressDeadlineSeconds"),
};
static const struct openapi_msg m_deployment_spec = MSG(f_deployment_spec);

static const struct openapi_field f_replicaset_spec[] = {
	LEAF("replicas"), LEAF("minReadySeconds"), LEAF("selector"),
	SUB("template", m_template),
};
static const struct openapi_msg m_replicaset_spec = MSG(f_replicaset_spec);

static const struct openapi_field f_statefulset_spec[] = {
	LEAF("replicas"), LEAF("selector"), SUB("template", m_template),
	LEAF("volumeClaimTemplates"), LEAF("serviceName"),
	LEAF("podManagementPolicy"), LEAF("updateStrategy"),
	LEAF("revisionHistoryLimit"), LEAF("minReadySeconds"),
	LEAF("persistentVolumeClaimRetentionPolicy"), LEAF("ordinals"),
};
static const struct openapi_msg m_statefulset_spec = MSG(f_statefulset_spec);

static const struct openapi_field f_daemonset_spec[] = {
	LEAF("selector"), SUB("template", m_template), LEAF("updateStrategy"),
	LEAF("minReadySeconds"), LEAF("revisionHistoryLimit"),
};
static const struct openapi_msg m_daemonset_spec = MSG(f_daemonset_spec);

static const struct openapi_field f_job_spec[] = {
	LEAF("parallelism"), LEAF("completions"),
	LEAF("activeDeadlineSeconds"), LEAF("podFailurePolicy"),
	LEAF("successPolicy"), LEAF("backoffLimit"),
	LEAF("backoffLimitPerIndex"), LEAF("maxFailedIndexes"),
	LEAF("selector"), LEAF("manualSelector"), SUB("template", m_template),
	LEAF("ttlSecondsAfterFinished"), LEAF("completionMode"),
	LEAF("suspend"), LEAF("podReplacementPolicy"), LEAF("managedBy"),
};
static const struct openapi_msg m_job_spec = MSG(f_job_spec);

static const struct openapi_field f_job_template[] = {
	SUB("metadata", m_meta), SUB("spec", m_job_spec),
};
static const struct openapi_msg m_job_template = MSG(f_job_template);

static const struct openapi_field f_cronjob_spec[] = {
	LEAF("schedule"), LEAF("timeZone"), LEAF("startingDeadlineSeconds"),
	LEAF("concurrencyPolicy"), LEAF("suspend"),
	SUB("jobTemplate", m_job_template),
	LEAF("successfulJobsHistoryLimit"), LEAF("failedJobsHistoryLimit"),
};
static const struct openapi_msg m_cronjob_spec = MSG(f_cronjob_spec);

static const struct openapi_field f_service_port[] = {
	LEAF("name"), LEAF("protocol"), LEAF("appProtocol"), LEAF("port"),
	LEAF("targetPort"), LEAF("nodePort"),
};
static const struct openapi_msg m_service_port = MSG(f_service_port);

static const struct openapi_field f_service_spec[] = {
	SUB("ports", m_service_port), LEAF("selector"), LEAF("clusterIP"),
	LEAF("clusterIPs"), LEAF("type"), LEAF("externalIPs"),
	LEAF("sessionAffinity"), LEAF("loadBalancerIP"),
	LEAF("loadBalancerSourceRanges"), LEAF("externalName"),
	LEAF("externalTrafficPolicy"), LEAF("healthCheckNodePort"),
	LEAF("publishNotReadyAddresses"), LEAF("sessionAffinityConfig"),
	LEAF("ipFamilies"), LEAF("ipFamilyPolicy"),
	LEAF("allocateLoadBalancerNodePorts"), LEAF("loadBalancerClass"),
	LEAF("internalTrafficPolicy"), LEAF("trafficDistribution"),
};
static const struct openapi_msg m_service_spec = MSG(f_service_spec);

/* Top-level messages. */
#define TOP_COMMON	LEAF("apiVersion"), LEAF("kind"), SUB("metadata", m_meta)

static const struct openapi_field f_generic[] = {
	TOP_COMMON, LEAF("spec"), LEAF("status"),
};
static const struct openapi_field f_pod[] = {
	TOP_COMMON, SUB("spec", m_pod_spec), LEAF("status"),
};
static const struct openapi_field f_pod_template[] = {
	TOP_COMMON, SUB("template", m_template),
};
static const struct openapi_field f_deployment[] = {
	TOP_COMMON, SUB("spec", m_deployment_spec), LEAF("status"),
};
static const struct openapi_field f_replicaset[] = {
	TOP_COMMON, SUB("spec", m_replicaset_spec), LEAF("status"),
};
static const struct openapi_field f_statefulset[] = {
	TOP_COMMON, SUB("spec", m_statefulset_spec), LEAF("status"),
};
static const struct openapi_field f_daemonset[] = {
	TOP_COMMON, SUB("spec", m_daemonset_spec), LEAF("status"),
};
static const struct openapi_field f_job[] = {
	TOP_COMMON, SUB("spec", m_job_spec), LEAF("status"),
};
static const struct openapi_field f_cronjob[] = {
	TOP_COMMON, SUB("spec", m_cronjob_spec), LEAF("status"),
};
static const struct openapi_field f_service[] = {
	TOP_COMMON, SUB("spec", m_service_spec), LEAF("status"),
};
static const struct openapi_field f_configmap[] = {
	TOP_COMMON, LEAF("data"), LEAF("binaryData"), LEAF("immutable"),
};
static const struct openapi_field f_secret[] = {
	TOP_COMMON, LEAF("data"), LEAF("stringData"), LEAF("type"),
	LEAF("immutable"),
};
static const struct openapi_field f_service_account[] = {
	TOP_COMMON, LEAF("secrets"), LEAF("imagePullSecrets"),
	LEAF("automountServiceAccountToken"),
};
static const struct openapi_field f_endpoints[] = {
	TOP_COMMON, LEAF("subsets"),
};
static const struct openapi_field f_role[] = {
	TOP_COMMON, LEAF("rules"), LEAF("aggregationRule"),
};
static const struct openapi_field f_binding[] = {
	TOP_COMMON, LEAF("subjects"), LEAF("roleRef"),
};
static const struct openapi_field f_priority_class[] = {
	TOP_COMMON, LEAF("value"), LEAF("globalDefault"), LEAF("description"),
	LEAF("preemptionPolicy"),
};

static const struct {
	const char		*kind;
	struct openapi_msg	 msg;
} kinds[] = {
	{ "ClusterRole", MSG(f_role) },
	{ "ClusterRoleBinding", MSG(f_binding) },
	{ "ConfigMap", MSG(f_configmap) },
	{ "CronJob", MSG(f_cronjob) },
	{ "DaemonSet", MSG(f_daemonset) },
	{ "Deployment", MSG(f_deployment) },
	{ "Endpoints", MSG(f_endpoints) },
	{ "Job", MSG(f_job) },
	{ "Pod", MSG(f_pod) },
	{ "PodTemplate", MSG(f_pod_template) },
	{ "PriorityClass", MSG(f_priority_class) },
	{ "ReplicaSet", MSG(f_replicaset) },
	/* Its selector is a map, its field names a ReplicaSet's. */
	{ "ReplicationController", MSG(f_replicaset) },
	{ "Role", MSG(f_role) },
	{ "RoleBinding", MSG(f_binding) },
	{ "Secret", MSG(f_secret) },
	{ "Service", MSG(f_service) },
	{ "ServiceAccount", MSG(f_service_account) },
	{ "StatefulSet", MSG(f_statefulset) },
	/* Kinds of apiVersion, kind, metadata, spec and status only. */
	{ "HorizontalPodAutoscaler", MSG(f_generic) },
	{ "Ingress", MSG(f_generic) },
	{ "Lease", MSG(f_generic) },
	{ "Namespace", MSG(f_generic) },
	{ "NetworkPolicy", MSG(f_generic) },
	{ "Node", MSG(f_generic) },
	{ "PersistentVolume", MSG(f_generic) },
	{ "PersistentVolumeClaim", MSG(f_generic) },
	{ "PodDisruptionBudget", MSG(f_generic) },
	{ "ResourceQuota", MSG(f_generic) },
};

const struct openapi_msg *
openapi_kind_schema(const struct api_resource *r)
{
	size_t i;

	/* Older versions (extensions/v1beta1, ...) have other fields. */
	if (strcmp(r->version, "v1") != 0)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strcmp(kinds[i].kind, r->kind) == 0)
			return &kinds[i].msg;
	/* Any other kind (Event, Binding, Eviction, reviews, ...) is open. */
	return NULL;
}
