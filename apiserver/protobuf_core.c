/*
 * protobuf_core.c: protobuf message tables of apimachinery's meta/v1
 * (ObjectMeta, LabelSelector, DeleteOptions) and core v1 (PodTemplateSpec
 * down to containers and volumes; ConfigMap, Secret, Namespace, Service,
 * ServiceAccount, ResourceQuota, Pod). Field numbers are those of
 * k8s.io/api/core/v1/generated.proto; fields no generator sends (probes,
 * security contexts, most volume sources) are left out and skipped.
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
#define MP(n, j, m)	{ n, j, PB_MSG, false, &m, true }
#define MR(n, j, m)	{ n, j, PB_MSG, true, &m, false }
#define MAP(n, j)	{ n, j, PB_MAP_STR, false, NULL, false }
#define INL(n, m)	{ n, "", PB_INLINE, false, &m, false }

/* ---- meta/v1 ---- */

static const struct pb_field f_owner_ref[] = {
	S(1, "kind"), S(3, "name"), S(4, "uid"), S(5, "apiVersion"),
	BP(6, "controller"), BP(7, "blockOwnerDeletion"),
};
static const struct pb_msg m_owner_ref = PB_MSG_OF(f_owner_ref);

static const struct pb_field f_meta[] = {
	S(1, "name"), S(2, "generateName"), S(3, "namespace"), S(5, "uid"),
	S(6, "resourceVersion"), I(7, "generation"),
	{ 8, "creationTimestamp", PB_TIME, false, NULL, false },
	MAP(11, "labels"), MAP(12, "annotations"),
	MR(13, "ownerReferences", m_owner_ref), SR(14, "finalizers"),
};
const struct pb_msg pb_m_object_meta = PB_MSG_OF(f_meta);

static const struct pb_field f_sel_req[] = {
	S(1, "key"), S(2, "operator"), SR(3, "values"),
};
static const struct pb_msg m_sel_req = PB_MSG_OF(f_sel_req);

static const struct pb_field f_label_selector[] = {
	MAP(1, "matchLabels"), MR(2, "matchExpressions", m_sel_req),
};
const struct pb_msg pb_m_label_selector = PB_MSG_OF(f_label_selector);

static const struct pb_field f_preconditions[] = {
	S(1, "uid"), S(2, "resourceVersion"),
};
static const struct pb_msg m_preconditions = PB_MSG_OF(f_preconditions);

static const struct pb_field f_delete_options[] = {
	IP(1, "gracePeriodSeconds"), M(2, "preconditions", m_preconditions),
	BP(3, "orphanDependents"), S(4, "propagationPolicy"),
	SR(5, "dryRun"),
};
const struct pb_msg pb_m_delete_options = PB_MSG_OF(f_delete_options);

/* ---- core/v1: containers ---- */

static const struct pb_field f_local_ref[] = { S(1, "name") };
const struct pb_msg pb_m_local_object_ref = PB_MSG_OF(f_local_ref);

static const struct pb_field f_container_port[] = {
	S(1, "name"), I(2, "hostPort"), I(3, "containerPort"),
	S(4, "protocol"), S(5, "hostIP"),
};
static const struct pb_msg m_container_port = PB_MSG_OF(f_container_port);

static const struct pb_field f_field_selector[] = {
	S(1, "apiVersion"), S(2, "fieldPath"),
};
static const struct pb_msg m_field_selector = PB_MSG_OF(f_field_selector);

static const struct pb_field f_key_selector[] = {
	INL(1, pb_m_local_object_ref), S(2, "key"), BP(3, "optional"),
};
static const struct pb_msg m_key_selector = PB_MSG_OF(f_key_selector);

static const struct pb_field f_resource_field[] = {
	S(1, "containerName"), S(2, "resource"),
	{ 3, "divisor", PB_QTY, false, NULL, false },
};
static const struct pb_msg m_resource_field = PB_MSG_OF(f_resource_field);

static const struct pb_field f_env_source[] = {
	M(1, "fieldRef", m_field_selector),
	M(2, "resourceFieldRef", m_resource_field),
	M(3, "configMapKeyRef", m_key_selector),
	M(4, "secretKeyRef", m_key_selector),
};
static const struct pb_msg m_env_source = PB_MSG_OF(f_env_source);

static const struct pb_field f_env[] = {
	S(1, "name"), S(2, "value"), M(3, "valueFrom", m_env_source),
};
static const struct pb_msg m_env = PB_MSG_OF(f_env);

static const struct pb_field f_env_ref[] = {
	INL(1, pb_m_local_object_ref), BP(2, "optional"),
};
static const struct pb_msg m_env_ref = PB_MSG_OF(f_env_ref);

static const struct pb_field f_env_from[] = {
	S(1, "prefix"), MP(2, "configMapRef", m_env_ref),
	MP(3, "secretRef", m_env_ref),
};
static const struct pb_msg m_env_from = PB_MSG_OF(f_env_from);

static const struct pb_field f_resources[] = {
	{ 1, "limits", PB_MAP_QTY, false, NULL, false },
	{ 2, "requests", PB_MAP_QTY, false, NULL, false },
};
static const struct pb_msg m_resources = PB_MSG_OF(f_resources);

static const struct pb_field f_volume_mount[] = {
	S(1, "name"), B(2, "readOnly"), S(3, "mountPath"), S(4, "subPath"),
	S(5, "mountPropagation"), S(6, "subPathExpr"),
};
static const struct pb_msg m_volume_mount = PB_MSG_OF(f_volume_mount);

/* Probes and lifecycle hooks: the handler message is inlined in JSON. */
static const struct pb_field f_exec[] = { SR(1, "command") };
static const struct pb_msg m_exec = PB_MSG_OF(f_exec);

static const struct pb_field f_http_header[] = {
	S(1, "name"), S(2, "value"),
};
static const struct pb_msg m_http_header = PB_MSG_OF(f_http_header);

static const struct pb_field f_http_get[] = {
	S(1, "path"), { 2, "port", PB_INTSTR, false, NULL, true },
	S(3, "host"), S(4, "scheme"), MR(5, "httpHeaders", m_http_header),
};
static const struct pb_msg m_http_get = PB_MSG_OF(f_http_get);

static const struct pb_field f_tcp_socket[] = {
	{ 1, "port", PB_INTSTR, false, NULL, true }, S(2, "host"),
};
static const struct pb_msg m_tcp_socket = PB_MSG_OF(f_tcp_socket);

static const struct pb_field f_grpc[] = {
	IP(1, "port"), { 2, "service", PB_STRING, false, NULL, true },
};
static const struct pb_msg m_grpc = PB_MSG_OF(f_grpc);

static const struct pb_field f_sleep[] = { IP(1, "seconds") };
static const struct pb_msg m_sleep = PB_MSG_OF(f_sleep);

static const struct pb_field f_handler[] = {
	MP(1, "exec", m_exec), MP(2, "httpGet", m_http_get),
	MP(3, "tcpSocket", m_tcp_socket), MP(4, "grpc", m_grpc),
};
static const struct pb_msg m_handler = PB_MSG_OF(f_handler);

static const struct pb_field f_probe[] = {
	INL(1, m_handler), I(2, "initialDelaySeconds"), I(3, "timeoutSeconds"),
	I(4, "periodSeconds"), I(5, "successThreshold"),
	I(6, "failureThreshold"), IP(7, "terminationGracePeriodSeconds"),
};
static const struct pb_msg m_probe = PB_MSG_OF(f_probe);

static const struct pb_field f_lifecycle_handler[] = {
	MP(1, "exec", m_exec), MP(2, "httpGet", m_http_get),
	MP(3, "tcpSocket", m_tcp_socket), MP(4, "sleep", m_sleep),
};
static const struct pb_msg m_lifecycle_handler = PB_MSG_OF(f_lifecycle_handler);

static const struct pb_field f_lifecycle[] = {
	MP(1, "postStart", m_lifecycle_handler),
	MP(2, "preStop", m_lifecycle_handler),
};
static const struct pb_msg m_lifecycle = PB_MSG_OF(f_lifecycle);

static const struct pb_field f_capabilities[] = {
	SR(1, "add"), SR(2, "drop"),
};
static const struct pb_msg m_capabilities = PB_MSG_OF(f_capabilities);

static const struct pb_field f_seccomp[] = {
	S(1, "type"), { 2, "localhostProfile", PB_STRING, false, NULL, true },
};
static const struct pb_msg m_seccomp = PB_MSG_OF(f_seccomp);

static const struct pb_field f_security_context[] = {
	MP(1, "capabilities", m_capabilities), BP(2, "privileged"),
	IP(4, "runAsUser"), BP(5, "runAsNonRoot"),
	BP(6, "readOnlyRootFilesystem"), BP(7, "allowPrivilegeEscalation"),
	IP(8, "runAsGroup"), { 9, "procMount", PB_STRING, false, NULL, true },
	MP(11, "seccompProfile", m_seccomp),
};
static const struct pb_msg m_security_context = PB_MSG_OF(f_security_context);

static const struct pb_field f_pod_security_context[] = {
	IP(2, "runAsUser"), BP(3, "runAsNonRoot"),
	{ 4, "supplementalGroups", PB_INT, true, NULL, false },
	IP(5, "fsGroup"), IP(6, "runAsGroup"),
	MP(10, "seccompProfile", m_seccomp),
};
static const struct pb_msg m_pod_security_context =
    PB_MSG_OF(f_pod_security_context);

static const struct pb_field f_container[] = {
	S(1, "name"), S(2, "image"), SR(3, "command"), SR(4, "args"),
	S(5, "workingDir"), MR(6, "ports", m_container_port),
	MR(7, "env", m_env), M(8, "resources", m_resources),
	MR(9, "volumeMounts", m_volume_mount), MP(10, "livenessProbe", m_probe),
	MP(11, "readinessProbe", m_probe), MP(12, "lifecycle", m_lifecycle),
	S(13, "terminationMessagePath"), S(14, "imagePullPolicy"),
	MP(15, "securityContext", m_security_context),
	B(16, "stdin"), B(17, "stdinOnce"), B(18, "tty"),
	MR(19, "envFrom", m_env_from), S(20, "terminationMessagePolicy"),
	MP(22, "startupProbe", m_probe), S(24, "restartPolicy"),
};
static const struct pb_msg m_container = PB_MSG_OF(f_container);

/* ---- core/v1: volumes ---- */

static const struct pb_field f_key_path[] = {
	S(1, "key"), S(2, "path"), IP(3, "mode"),
};
static const struct pb_msg m_key_path = PB_MSG_OF(f_key_path);

static const struct pb_field f_host_path[] = { S(1, "path"), S(2, "type") };
static const struct pb_msg m_host_path = PB_MSG_OF(f_host_path);

static const struct pb_field f_empty_dir[] = {
	S(1, "medium"), { 2, "sizeLimit", PB_QTY, false, NULL, false },
};
static const struct pb_msg m_empty_dir = PB_MSG_OF(f_empty_dir);

static const struct pb_field f_secret_vol[] = {
	S(1, "secretName"), MR(2, "items", m_key_path),
	IP(3, "defaultMode"), BP(4, "optional"),
};
static const struct pb_msg m_secret_vol = PB_MSG_OF(f_secret_vol);

static const struct pb_field f_configmap_vol[] = {
	INL(1, pb_m_local_object_ref), MR(2, "items", m_key_path),
	IP(3, "defaultMode"), BP(4, "optional"),
};
static const struct pb_msg m_configmap_vol = PB_MSG_OF(f_configmap_vol);

static const struct pb_field f_pvc_vol[] = {
	S(1, "claimName"), B(2, "readOnly"),
};
static const struct pb_msg m_pvc_vol = PB_MSG_OF(f_pvc_vol);

static const struct pb_field f_volume_source[] = {
	MP(1, "hostPath", m_host_path), MP(2, "emptyDir", m_empty_dir),
	MP(6, "secret", m_secret_vol), MP(10, "persistentVolumeClaim",
	    m_pvc_vol), MP(19, "configMap", m_configmap_vol),
};
static const struct pb_msg m_volume_source = PB_MSG_OF(f_volume_source);

static const struct pb_field f_volume[] = {
	S(1, "name"), INL(2, m_volume_source),
};
static const struct pb_msg m_volume = PB_MSG_OF(f_volume);

/* ---- core/v1: pods ---- */

static const struct pb_field f_toleration[] = {
	S(1, "key"), S(2, "operator"), S(3, "value"), S(4, "effect"),
	IP(5, "tolerationSeconds"),
};
static const struct pb_msg m_toleration = PB_MSG_OF(f_toleration);

static const struct pb_field f_pod_spec[] = {
	MR(1, "volumes", m_volume), MR(2, "containers", m_container),
	S(3, "restartPolicy"), IP(4, "terminationGracePeriodSeconds"),
	IP(5, "activeDeadlineSeconds"), S(6, "dnsPolicy"),
	MAP(7, "nodeSelector"), S(8, "serviceAccountName"),
	S(9, "serviceAccount"), S(10, "nodeName"), B(11, "hostNetwork"),
	B(12, "hostPID"), B(13, "hostIPC"),
	MP(14, "securityContext", m_pod_security_context),
	MR(15, "imagePullSecrets", pb_m_local_object_ref),
	S(16, "hostname"), S(17, "subdomain"), S(19, "schedulerName"),
	MR(20, "initContainers", m_container),
	BP(21, "automountServiceAccountToken"),
	MR(22, "tolerations", m_toleration), S(24, "priorityClassName"),
	IP(25, "priority"), BP(30, "enableServiceLinks"),
};
static const struct pb_msg m_pod_spec = PB_MSG_OF(f_pod_spec);

static const struct pb_field f_pod_template_spec[] = {
	M(1, "metadata", pb_m_object_meta), M(2, "spec", m_pod_spec),
};
const struct pb_msg pb_m_pod_template_spec = PB_MSG_OF(f_pod_template_spec);

static const struct pb_field f_pod[] = {
	M(1, "metadata", pb_m_object_meta), M(2, "spec", m_pod_spec),
};
static const struct pb_msg m_pod = PB_MSG_OF(f_pod);

/* ---- core/v1: configuration and services ---- */

static const struct pb_field f_configmap[] = {
	M(1, "metadata", pb_m_object_meta), MAP(2, "data"),
	{ 3, "binaryData", PB_MAP_BYTES, false, NULL, false },
	BP(4, "immutable"),
};
static const struct pb_msg m_configmap = PB_MSG_OF(f_configmap);

static const struct pb_field f_secret[] = {
	M(1, "metadata", pb_m_object_meta),
	{ 2, "data", PB_MAP_BYTES, false, NULL, false },
	S(3, "type"), MAP(4, "stringData"), BP(5, "immutable"),
};
static const struct pb_msg m_secret = PB_MSG_OF(f_secret);

static const struct pb_field f_ns_spec[] = { SR(1, "finalizers") };
static const struct pb_msg m_ns_spec = PB_MSG_OF(f_ns_spec);

static const struct pb_field f_namespace[] = {
	M(1, "metadata", pb_m_object_meta), M(2, "spec", m_ns_spec),
};
static const struct pb_msg m_namespace = PB_MSG_OF(f_namespace);

static const struct pb_field f_svc_port[] = {
	S(1, "name"), S(2, "protocol"), I(3, "port"),
	{ 4, "targetPort", PB_INTSTR, false, NULL, false },
	I(5, "nodePort"), S(6, "appProtocol"),
};
static const struct pb_msg m_svc_port = PB_MSG_OF(f_svc_port);

static const struct pb_field f_svc_spec[] = {
	MR(1, "ports", m_svc_port), MAP(2, "selector"), S(3, "clusterIP"),
	S(4, "type"), SR(5, "externalIPs"), S(7, "sessionAffinity"),
	S(8, "loadBalancerIP"), SR(9, "loadBalancerSourceRanges"),
	S(10, "externalName"), S(11, "externalTrafficPolicy"),
	I(12, "healthCheckNodePort"), B(13, "publishNotReadyAddresses"),
	SR(18, "clusterIPs"), SR(19, "ipFamilies"), S(20, "ipFamilyPolicy"),
	BP(21, "allocateLoadBalancerNodePorts"), S(22, "loadBalancerClass"),
	S(23, "internalTrafficPolicy"),
};
static const struct pb_msg m_svc_spec = PB_MSG_OF(f_svc_spec);

static const struct pb_field f_service[] = {
	M(1, "metadata", pb_m_object_meta), M(2, "spec", m_svc_spec),
};
static const struct pb_msg m_service = PB_MSG_OF(f_service);

static const struct pb_field f_object_ref[] = {
	S(1, "kind"), S(2, "namespace"), S(3, "name"), S(4, "uid"),
	S(5, "apiVersion"), S(6, "resourceVersion"), S(7, "fieldPath"),
};
static const struct pb_msg m_object_ref = PB_MSG_OF(f_object_ref);

static const struct pb_field f_service_account[] = {
	M(1, "metadata", pb_m_object_meta), MR(2, "secrets", m_object_ref),
	MR(3, "imagePullSecrets", pb_m_local_object_ref),
	BP(4, "automountServiceAccountToken"),
};
static const struct pb_msg m_service_account = PB_MSG_OF(f_service_account);

static const struct pb_field f_scoped_req[] = {
	S(1, "scopeName"), S(2, "operator"), SR(3, "values"),
};
static const struct pb_msg m_scoped_req = PB_MSG_OF(f_scoped_req);

static const struct pb_field f_scope_selector[] = {
	MR(1, "matchExpressions", m_scoped_req),
};
static const struct pb_msg m_scope_selector = PB_MSG_OF(f_scope_selector);

static const struct pb_field f_quota_spec[] = {
	{ 1, "hard", PB_MAP_QTY, false, NULL, false }, SR(2, "scopes"),
	M(3, "scopeSelector", m_scope_selector),
};
static const struct pb_msg m_quota_spec = PB_MSG_OF(f_quota_spec);

static const struct pb_field f_quota[] = {
	M(1, "metadata", pb_m_object_meta), M(2, "spec", m_quota_spec),
};
static const struct pb_msg m_quota = PB_MSG_OF(f_quota);

const struct pb_kind pb_core_kinds[] = {
	{ "v1", "ConfigMap", &m_configmap },
	{ "v1", "DeleteOptions", &pb_m_delete_options },
	{ "meta.k8s.io/v1", "DeleteOptions", &pb_m_delete_options },
	{ "v1", "Namespace", &m_namespace },
	{ "v1", "Pod", &m_pod },
	{ "v1", "ResourceQuota", &m_quota },
	{ "v1", "Secret", &m_secret },
	{ "v1", "Service", &m_service },
	{ "v1", "ServiceAccount", &m_service_account },
	{ NULL, NULL, NULL },
};
