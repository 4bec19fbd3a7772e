/*
 * registry.c: the one table of resources the apiserver serves. Discovery,
 * routing, OpenAPI, tables, field selectors and the store keys all read it;
 * adding a kind is adding a row (plus its defaulting hook, if any).
 */
#include "apiserver.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "validation_kind.h"

static const char *const verbs_all[] = { "create", "delete", "deletecollection",
	"get", "list", "patch", "update", "watch", NULL };
static const char *const verbs_ns[] = { "create", "delete", "get", "list",
	"patch", "update", "watch", NULL };

static const char *const verbs_create[] = { "create", NULL };

static const char *const cat_all[] = { "all", NULL };

#define SHORT(...) ((const char *const[]){ __VA_ARGS__, NULL })

static const char *const fs_pods[] = { "spec.nodeName", "spec.restartPolicy",
	"spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
	"status.phase", "status.podIP", "status.nominatedNodeName", NULL };
static const char *const fs_nodes[] = { "spec.unschedulable", NULL };
static const char *const fs_namespaces[] = { "status.phase", NULL };
static const char *const fs_secrets[] = { "type", NULL };
static const char *const fs_events[] = { "involvedObject.kind",
	"involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
	"involvedObject.apiVersion", "involvedObject.resourceVersion",
	"involvedObject.fieldPath", "reason", "reportingComponent", "source",
	"type", NULL };
static const char *const fs_pvs[] = { "name", NULL };

static void
prepare_namespace(cJSON *obj)
{
	cJSON *spec, *status, *fin;

	spec = json_ensure_obj(obj, "spec");
	fin = cJSON_CreateStringArray((const char *[]){ "kubernetes" }, 1);
	if (cJSON_GetObjectItemCaseSensitive(spec, "finalizers") != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(spec, "finalizers", fin);
	else
		cJSON_AddItemToObject(spec, "finalizers", fin);
	status = json_ensure_obj(obj, "status");
	json_set_str(status, "phase", "Active");
}


static void
prepare_pvc(cJSON *obj)
{
	cJSON *status = json_ensure_obj(obj, "status");

	if (json_str(status, "phase") == NULL)
		json_set_str(status, "phase", "Pending");
}

static void
prepare_pv(cJSON *obj)
{
	cJSON *status = json_ensure_obj(obj, "status");

	if (json_str(status, "phase") == NULL)
		json_set_str(status, "phase", "Available");
}

/* The storage.k8s.io/v1 defaults of a StorageClass. */
static void
prepare_storageclass(cJSON *obj)
{
	json_default_str(obj, "reclaimPolicy", "Delete");
	json_default_str(obj, "volumeBindingMode", "Immediate");
}

/* scheduling.k8s.io/v1 defaults: preemptionPolicy PreemptLowerPriority. */
static void
prepare_priorityclass(cJSON *obj)
{
	json_default_str(obj, "preemptionPolicy", "PreemptLowerPriority");
}

#define CORE "", "v1"

static const struct api_resource registry[] = {
	{ CORE, "configmaps", "configmap", "ConfigMap", "configmaps", true,
	    SHORT("cm"), NULL, verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, NULL,
	    NULL, API_TABLE_GENERIC },
	{ CORE, "endpoints", "endpoints", "Endpoints", "endpoints", true,
	    SHORT("ep"), NULL, verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, NULL,
	    NULL, API_TABLE_GENERIC },
	{ CORE, "events", "event", "Event", "events", true, SHORT("ev"), NULL,
	    verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, fs_events, NULL,
	    API_TABLE_GENERIC },
	{ CORE, "limitranges", "limitrange", "LimitRange", "limitranges", true,
	    SHORT("limits"), NULL, verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_limitrange, API_TABLE_GENERIC },
	{ CORE, "namespaces", "namespace", "Namespace", "namespaces", false,
	    SHORT("ns"), NULL, verbs_ns, API_SUB_STATUS | API_SUB_FINALIZE,
	    VALIDATE_NAME_LABEL, fs_namespaces, prepare_namespace,
	    API_TABLE_NAMESPACES },
	{ CORE, "nodes", "node", "Node", "nodes", false, SHORT("no"), NULL,
	    verbs_all, API_SUB_STATUS, VALIDATE_NAME_SUBDOMAIN, fs_nodes, NULL,
	    API_TABLE_GENERIC },
	{ CORE, "persistentvolumeclaims", "persistentvolumeclaim",
	    "PersistentVolumeClaim", "persistentvolumeclaims", true,
	    SHORT("pvc"), NULL, verbs_all, API_SUB_STATUS,
	    VALIDATE_NAME_SUBDOMAIN, NULL, prepare_pvc, API_TABLE_GENERIC },
	{ CORE, "persistentvolumes", "persistentvolume", "PersistentVolume",
	    "persistentvolumes", false, SHORT("pv"), NULL, verbs_all,
	    API_SUB_STATUS, VALIDATE_NAME_SUBDOMAIN, fs_pvs, prepare_pv,
	    API_TABLE_GENERIC },
	{ CORE, "pods", "pod", "Pod", "pods", true, SHORT("po"), cat_all,
	    verbs_all, API_SUB_STATUS | API_SUB_BINDING | API_SUB_EVICTION,
	    VALIDATE_NAME_SUBDOMAIN, fs_pods, defaults_pod, API_TABLE_GENERIC },
	{ CORE, "podtemplates", "podtemplate", "PodTemplate", "podtemplates",
	    true, NULL, NULL, verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_podtemplate, API_TABLE_GENERIC },
	{ CORE, "replicationcontrollers", "replicationcontroller",
	    "ReplicationController", "replicationcontrollers", true,
	    SHORT("rc"), cat_all, verbs_all, API_SUB_STATUS | API_SUB_SCALE,
	    VALIDATE_NAME_SUBDOMAIN, NULL, defaults_rc, API_TABLE_REPLICASETS },
	{ CORE, "resourcequotas", "resourcequota", "ResourceQuota",
	    "resourcequotas", true, SHORT("quota"), NULL, verbs_all,
	    API_SUB_STATUS, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_resourcequota, API_TABLE_GENERIC },
	{ CORE, "secrets", "secret", "Secret", "secrets", true, NULL, NULL,
	    verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, fs_secrets, defaults_secret,
	    API_TABLE_GENERIC },
	{ CORE, "serviceaccounts", "serviceaccount", "ServiceAccount",
	    "serviceaccounts", true, SHORT("sa"), NULL, verbs_all, 0,
	    VALIDATE_NAME_SUBDOMAIN, NULL, NULL, API_TABLE_GENERIC },
	{ CORE, "services", "service", "Service", "services", true,
	    SHORT("svc"), cat_all, verbs_all, API_SUB_STATUS,
	    VALIDATE_NAME_1035_LABEL, NULL, defaults_service,
	    API_TABLE_GENERIC },
	{ "apps", "v1", "controllerrevisions", "controllerrevision",
	    "ControllerRevision", "controllerrevisions.apps", true, NULL, NULL,
	    verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, NULL, NULL,
	    API_TABLE_GENERIC },
	{ "apps", "v1", "daemonsets", "daemonset", "DaemonSet",
	    "daemonsets.apps", true, SHORT("ds"), cat_all, verbs_all,
	    API_SUB_STATUS, VALIDATE_NAME_SUBDOMAIN, NULL, defaults_daemonset,
	    API_TABLE_GENERIC },
	{ "apps", "v1", "deployments", "deployment", "Deployment",
	    "deployments.apps", true, SHORT("deploy"), cat_all, verbs_all,
	    API_SUB_STATUS | API_SUB_SCALE, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_deployment, API_TABLE_DEPLOYMENTS },
	{ "apps", "v1", "replicasets", "replicaset", "ReplicaSet",
	    "replicasets.apps", true, SHORT("rs"), cat_all, verbs_all,
	    API_SUB_STATUS | API_SUB_SCALE, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_replicaset, API_TABLE_REPLICASETS },
	{ "apps", "v1", "statefulsets", "statefulset", "StatefulSet",
	    "statefulsets.apps", true, SHORT("sts"), cat_all, verbs_all,
	    API_SUB_STATUS | API_SUB_SCALE, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_statefulset, API_TABLE_GENERIC },
	{ "apiregistration.k8s.io", "v1", "apiservices", "apiservice",
	    "APIService", "apiservices.apiregistration.k8s.io", false, NULL,
	    NULL, verbs_all, API_SUB_STATUS, VALIDATE_NAME_PATH_SEGMENT, NULL,
	    NULL, API_TABLE_GENERIC },
	{ "authentication.k8s.io", "v1", "selfsubjectreviews",
	    "selfsubjectreview", "SelfSubjectReview",
	    "selfsubjectreviews.authentication.k8s.io", false, NULL, NULL,
	    verbs_create, 0, VALIDATE_NAME_SUBDOMAIN, NULL, NULL,
	    API_TABLE_GENERIC },
	{ "authentication.k8s.io", "v1", "tokenreviews", "tokenreview",
	    "TokenReview", "tokenreviews.authentication.k8s.io", false, NULL,
	    NULL, verbs_create, 0, VALIDATE_NAME_SUBDOMAIN, NULL, NULL,
	    API_TABLE_GENERIC },
	{ "authorization.k8s.io", "v1", "selfsubjectaccessreviews",
	    "selfsubjectaccessreview", "SelfSubjectAccessReview",
	    "selfsubjectaccessreviews.authorization.k8s.io", false, NULL, NULL,
	    verbs_create, 0, VALIDATE_NAME_SUBDOMAIN, NULL, NULL,
	    API_TABLE_GENERIC },
	{ "autoscaling", "v2", "horizontalpodautoscalers",
	    "horizontalpodautoscaler", "HorizontalPodAutoscaler",
	    "horizontalpodautoscalers.autoscaling", true, SHORT("hpa"),
	    cat_all, verbs_all, API_SUB_STATUS, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_hpa, API_TABLE_GENERIC },
	{ "batch", "v1", "cronjobs", "cronjob", "CronJob", "cronjobs.batch",
	    true, SHORT("cj"), cat_all, verbs_all, API_SUB_STATUS,
	    VALIDATE_NAME_SUBDOMAIN, NULL, defaults_cronjob,
	    API_TABLE_GENERIC },
	{ "batch", "v1", "jobs", "job", "Job", "jobs.batch", true, NULL,
	    cat_all, verbs_all, API_SUB_STATUS, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_job, API_TABLE_GENERIC },
	{ "coordination.k8s.io", "v1", "leases", "lease", "Lease",
	    "leases.coordination.k8s.io", true, NULL, NULL, verbs_all, 0,
	    VALIDATE_NAME_SUBDOMAIN, NULL, NULL, API_TABLE_GENERIC },
	{ "discovery.k8s.io", "v1", "endpointslices", "endpointslice",
	    "EndpointSlice", "endpointslices.discovery.k8s.io", true, NULL,
	    NULL, verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, NULL, NULL,
	    API_TABLE_GENERIC },
	{ "events.k8s.io", "v1", "events", "event", "Event",
	    "events.events.k8s.io", true, SHORT("ev"), NULL, verbs_all, 0,
	    VALIDATE_NAME_SUBDOMAIN, NULL, NULL, API_TABLE_GENERIC },
	{ "networking.k8s.io", "v1", "ingressclasses", "ingressclass",
	    "IngressClass", "ingressclasses.networking.k8s.io", false, NULL,
	    NULL, verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, NULL, NULL,
	    API_TABLE_GENERIC },
	{ "networking.k8s.io", "v1", "ingresses", "ingress", "Ingress",
	    "ingresses.networking.k8s.io", true, SHORT("ing"), NULL,
	    verbs_all, API_SUB_STATUS, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_ingress, API_TABLE_GENERIC },
	{ "networking.k8s.io", "v1", "networkpolicies", "networkpolicy",
	    "NetworkPolicy", "networkpolicies.networking.k8s.io", true,
	    SHORT("netpol"), NULL, verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_networkpolicy, API_TABLE_GENERIC },
	{ "policy", "v1", "poddisruptionbudgets", "poddisruptionbudget",
	    "PodDisruptionBudget", "poddisruptionbudgets.policy", true,
	    SHORT("pdb"), NULL, verbs_all, API_SUB_STATUS,
	    VALIDATE_NAME_SUBDOMAIN, NULL, defaults_pdb, API_TABLE_GENERIC },
	{ "rbac.authorization.k8s.io", "v1", "clusterrolebindings",
	    "clusterrolebinding", "ClusterRoleBinding",
	    "clusterrolebindings.rbac.authorization.k8s.io", false, NULL, NULL,
	    verbs_all, 0, VALIDATE_NAME_PATH_SEGMENT, NULL, NULL,
	    API_TABLE_GENERIC },
	{ "rbac.authorization.k8s.io", "v1", "clusterroles", "clusterrole",
	    "ClusterRole", "clusterroles.rbac.authorization.k8s.io", false,
	    NULL, NULL, verbs_all, 0, VALIDATE_NAME_PATH_SEGMENT, NULL, NULL,
	    API_TABLE_GENERIC },
	{ "rbac.authorization.k8s.io", "v1", "rolebindings", "rolebinding",
	    "RoleBinding", "rolebindings.rbac.authorization.k8s.io", true, NULL,
	    NULL, verbs_all, 0, VALIDATE_NAME_PATH_SEGMENT, NULL, NULL,
	    API_TABLE_GENERIC },
	{ "rbac.authorization.k8s.io", "v1", "roles", "role", "Role",
	    "roles.rbac.authorization.k8s.io", true, NULL, NULL, verbs_all, 0,
	    VALIDATE_NAME_PATH_SEGMENT, NULL, NULL, API_TABLE_GENERIC },
	{ "scheduling.k8s.io", "v1", "priorityclasses", "priorityclass",
	    "PriorityClass", "priorityclasses.scheduling.k8s.io", false,
	    SHORT("pc"), NULL, verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, NULL,
	    prepare_priorityclass, API_TABLE_GENERIC },
	{ "storage.k8s.io", "v1", "storageclasses", "storageclass",
	    "StorageClass", "storageclasses.storage.k8s.io", false, SHORT("sc"),
	    NULL, verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, NULL,
	    prepare_storageclass, API_TABLE_GENERIC },
	/*
	 * The 1.3 names, over the stored rows above (same qualified key;
	 * convert.h converts at the edge). After the stored rows, so each
	 * group prefers its current version.
	 */
	{ "apps", "v1alpha1", "petsets", "petset", "PetSet",
	    "statefulsets.apps", true, NULL, NULL, verbs_all, API_SUB_STATUS,
	    VALIDATE_NAME_SUBDOMAIN, NULL, defaults_statefulset,
	    API_TABLE_GENERIC },
	{ "autoscaling", "v1", "horizontalpodautoscalers",
	    "horizontalpodautoscaler", "HorizontalPodAutoscaler",
	    "horizontalpodautoscalers.autoscaling", true, SHORT("hpa"),
	    cat_all, verbs_all, API_SUB_STATUS, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_hpa, API_TABLE_GENERIC },
	{ "batch", "v2alpha1", "cronjobs", "cronjob", "CronJob",
	    "cronjobs.batch", true, NULL, NULL, verbs_all, API_SUB_STATUS,
	    VALIDATE_NAME_SUBDOMAIN, NULL, defaults_scheduledjob,
	    API_TABLE_GENERIC },
	{ "batch", "v2alpha1", "scheduledjobs", "scheduledjob", "ScheduledJob",
	    "cronjobs.batch", true, NULL, NULL, verbs_all, API_SUB_STATUS,
	    VALIDATE_NAME_SUBDOMAIN, NULL, defaults_scheduledjob,
	    API_TABLE_GENERIC },
	{ "extensions", "v1beta1", "daemonsets", "daemonset", "DaemonSet",
	    "daemonsets.apps", true, NULL, NULL, verbs_all, API_SUB_STATUS,
	    VALIDATE_NAME_SUBDOMAIN, NULL, defaults_daemonset,
	    API_TABLE_GENERIC },
	{ "extensions", "v1beta1", "deployments", "deployment", "Deployment",
	    "deployments.apps", true, NULL, NULL, verbs_all, API_SUB_STATUS,
	    VALIDATE_NAME_SUBDOMAIN, NULL, defaults_deployment,
	    API_TABLE_DEPLOYMENTS },
	{ "extensions", "v1beta1", "ingresses", "ingress", "Ingress",
	    "ingresses.networking.k8s.io", true, NULL, NULL, verbs_all,
	    API_SUB_STATUS, VALIDATE_NAME_SUBDOMAIN, NULL, defaults_ingress,
	    API_TABLE_GENERIC },
	{ "extensions", "v1beta1", "networkpolicies", "networkpolicy",
	    "NetworkPolicy", "networkpolicies.networking.k8s.io", true, NULL,
	    NULL, verbs_all, 0, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_networkpolicy, API_TABLE_GENERIC },
	{ "extensions", "v1beta1", "replicasets", "replicaset", "ReplicaSet",
	    "replicasets.apps", true, NULL, NULL, verbs_all, API_SUB_STATUS,
	    VALIDATE_NAME_SUBDOMAIN, NULL, defaults_replicaset,
	    API_TABLE_REPLICASETS },
	{ "policy", "v1alpha1", "poddisruptionbudgets", "poddisruptionbudget",
	    "PodDisruptionBudget", "poddisruptionbudgets.policy", true, NULL,
	    NULL, verbs_all, API_SUB_STATUS, VALIDATE_NAME_SUBDOMAIN, NULL,
	    defaults_pdb, API_TABLE_GENERIC },
};

const struct api_resource *
registry_all(size_t *n)
{
	*n = ARRAY_SIZE(registry);
	return registry;
}

const struct api_resource *
registry_find(const char *group, const char *version, const char *resource)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(registry); i++)
		if (strcmp(registry[i].group, group) == 0 &&
		    strcmp(registry[i].version, version) == 0 &&
		    strcmp(registry[i].resource, resource) == 0)
			return &registry[i];
	return NULL;
}

bool
registry_has_group_version(const char *group, const char *version)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(registry); i++)
		if (strcmp(registry[i].group, group) == 0 &&
		    (version == NULL ||
			strcmp(registry[i].version, version) == 0))
			return true;
	return false;
}

const char *
registry_api_version(const struct api_resource *r, char *buf, size_t len)
{
	if (r->group[0] == '\0')
		snprintf(buf, len, "%s", r->version);
	else
		snprintf(buf, len, "%s/%s", r->group, r->version);
	return buf;
}

/*
 * Every kind allows metadata.name and metadata.namespace (Kubernetes'
 * DefaultClusterScopedAttr / DefaultNamespaceScopedAttr); rows add theirs.
 */
#define FS_MAX 24
static const char *fs_tables[ARRAY_SIZE(registry)][FS_MAX];
static pthread_once_t fs_once = PTHREAD_ONCE_INIT;

static void
fs_init(void)
{
	size_t i, k, n;

	for (i = 0; i < ARRAY_SIZE(registry); i++) {
		n = 0;
		fs_tables[i][n++] = "metadata.name";
		fs_tables[i][n++] = "metadata.namespace";
		for (k = 0; registry[i].field_selectors != NULL &&
		     registry[i].field_selectors[k] != NULL && n + 1 < FS_MAX;
		     k++)
			fs_tables[i][n++] = registry[i].field_selectors[k];
		fs_tables[i][n] = NULL;
	}
}

const char *const *
registry_field_selectors(const struct api_resource *r)
{
	pthread_once(&fs_once, fs_init);
	return fs_tables[r - registry];
}
