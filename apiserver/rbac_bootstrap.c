/*
 * rbac_bootstrap.c: the default ClusterRoles and ClusterRoleBindings
 * (Kubernetes' bootstrappolicy), created at start when missing and never
 * changed after, each labelled kubernetes.io/bootstrapping=rbac-defaults
 * and annotated rbac.authorization.kubernetes.io/autoupdate=true.
 *
 * Rules are written one a line as "groups|resources|verbs" (comma lists; an
 * empty group is the core group), or "@|urls|verbs" for nonResourceURLs.
 * The ckube daemons' identities: the scheduler is User system:kube-scheduler,
 * kubelet-sim Group system:nodes, any other daemon D User system:ckube:D
 * with ClusterRole and ClusterRoleBinding system:controller:D: what D
 * watches (read) and writes, read from its watch table and writes.
 */
#include "rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "apiserver.h"

#define RO	"get,list,watch"
#define W	"create,delete,deletecollection,patch,update"
#define RW	"create,delete,deletecollection,get,list,patch,update,watch"
#define EVENTS	"|events|create,patch,update", \
	"events.k8s.io|events|create,patch,update"
#define LEASES	"coordination.k8s.io|leases|create,get,list,watch,update,patch"
#define AGG	"rbac.authorization.k8s.io/aggregate-to-"

#define RULES_MAX	24

struct boot_role {
	const char	*name;
	const char	*labels[3];	/* aggregate-to-* keys set "true" */
	const char	*aggregate;	/* aggregationRule matchLabels key */
	const char	*rules[RULES_MAX];
};

struct boot_binding {
	const char	*name;
	const char	*role;
	const char	*subjects[3];	/* "User:x", "Group:y" */
};

/* A controller daemon: its role, binding and user are derived. */
struct boot_daemon {
	const char	*daemon;
	const char	*rules[RULES_MAX];
};

static const struct boot_role roles[] = {
	{ "cluster-admin", { NULL }, NULL, { "*|*|*", "@|*|*" } },
	{ "admin", { NULL }, AGG "admin", { NULL } },
	{ "edit", { AGG "admin" }, AGG "edit", { NULL } },
	{ "view", { AGG "edit" }, AGG "view", { NULL } },
	{ "system:aggregate-to-admin", { AGG "admin" }, NULL, {
	    "authorization.k8s.io|localsubjectaccessreviews|create",
	    "rbac.authorization.k8s.io|rolebindings,roles|" RW } },
	{ "system:aggregate-to-edit", { AGG "admin", AGG "edit" }, NULL, {
	    "|pods/attach,pods/exec,pods/portforward,pods/proxy,secrets,"
	    "services/proxy|" RO,
	    "|serviceaccounts|impersonate",
	    "|pods,pods/attach,pods/exec,pods/portforward,pods/proxy|" W,
	    "|pods/eviction|create",
	    "|configmaps,events,persistentvolumeclaims,replicationcontrollers,"
	    "replicationcontrollers/scale,secrets,serviceaccounts,services,"
	    "services/proxy|" W,
	    "|serviceaccounts/token|create",
	    "apps|daemonsets,deployments,deployments/rollback,"
	    "deployments/scale,replicasets,replicasets/scale,statefulsets,"
	    "statefulsets/scale,petsets|" W,
	    "autoscaling|horizontalpodautoscalers|" W,
	    "batch|cronjobs,jobs,scheduledjobs|" W,
	    "extensions|daemonsets,deployments,deployments/rollback,"
	    "deployments/scale,ingresses,networkpolicies,replicasets,"
	    "replicasets/scale,replicationcontrollers/scale|" W,
	    "policy|poddisruptionbudgets|" W,
	    "networking.k8s.io|ingresses,networkpolicies|" W } },
	{ "system:aggregate-to-view",
	    { AGG "admin", AGG "edit", AGG "view" }, NULL, {
	    "|pods,replicationcontrollers,replicationcontrollers/scale,"
	    "serviceaccounts,services,services/status,endpoints,"
	    "persistentvolumeclaims,persistentvolumeclaims/status,"
	    "configmaps|" RO,
	    "|bindings,events,limitranges,namespaces/status,pods/log,"
	    "pods/status,replicationcontrollers/status,resourcequotas,"
	    "resourcequotas/status|" RO,
	    "|namespaces|" RO,
	    "discovery.k8s.io|endpointslices|" RO,
	    "apps|controllerrevisions,daemonsets,daemonsets/status,deployments,"
	    "deployments/scale,deployments/status,replicasets,"
	    "replicasets/scale,replicasets/status,statefulsets,"
	    "statefulsets/scale,statefulsets/status,petsets,"
	    "petsets/status|" RO,
	    "autoscaling|horizontalpodautoscalers,"
	    "horizontalpodautoscalers/status|" RO,
	    "batch|cronjobs,cronjobs/status,jobs,jobs/status,scheduledjobs,"
	    "scheduledjobs/status|" RO,
	    "extensions|daemonsets,daemonsets/status,deployments,"
	    "deployments/scale,deployments/status,ingresses,ingresses/status,"
	    "networkpolicies,replicasets,replicasets/scale,replicasets/status,"
	    "replicationcontrollers/scale|" RO,
	    "policy|poddisruptionbudgets,poddisruptionbudgets/status|" RO,
	    "networking.k8s.io|ingresses,ingresses/status,"
	    "networkpolicies|" RO } },
	/* metrics-server's own, as its manifests ship it. */
	{ "system:aggregated-metrics-reader",
	    { AGG "admin", AGG "edit", AGG "view" }, NULL, {
	    "metrics.k8s.io|nodes,pods|" RO } },
	{ "system:discovery", { NULL }, NULL, {
	    "@|/api,/api/*,/apis,/apis/*,/healthz,/livez,/openapi,/openapi/*,"
	    "/readyz,/version,/version/|get" } },
	{ "system:basic-user", { NULL }, NULL, {
	    "authorization.k8s.io|selfsubjectaccessreviews,"
	    "selfsubjectrulesreviews|create",
	    "authentication.k8s.io|selfsubjectreviews|create" } },
	{ "system:public-info-viewer", { NULL }, NULL, {
	    "@|/healthz,/livez,/readyz,/version,/version/|get" } },
	{ "system:auth-delegator", { NULL }, NULL, {
	    "authentication.k8s.io|tokenreviews|create",
	    "authorization.k8s.io|subjectaccessreviews|create" } },
	{ "system:kube-scheduler", { NULL }, NULL, {
	    EVENTS, LEASES,
	    "|nodes|" RO,
	    "|pods|get,list,watch,delete",
	    "|bindings,pods/binding|create",
	    "|pods/status|patch,update",
	    "|namespaces,replicationcontrollers,services|" RO,
	    "apps,extensions|replicasets,statefulsets|" RO,
	    "policy|poddisruptionbudgets|" RO,
	    "|persistentvolumeclaims,persistentvolumes|" RO,
	    "storage.k8s.io|storageclasses,csinodes,csidrivers|" RO,
	    "scheduling.k8s.io|priorityclasses|" RO,
	    "authentication.k8s.io|tokenreviews|create",
	    "authorization.k8s.io|subjectaccessreviews|create" } },
	{ "system:node", { NULL }, NULL, {
	    "authentication.k8s.io|tokenreviews|create",
	    "authorization.k8s.io|subjectaccessreviews,"
	    "localsubjectaccessreviews|create",
	    "|services,endpoints|" RO,
	    "|nodes|create,delete,get,list,patch,update,watch",
	    "|nodes/status|patch,update",
	    EVENTS,
	    "|pods|create,delete,get,list,watch",
	    "|pods/status|patch,update",
	    "|pods/eviction|create",
	    "|configmaps,secrets|" RO,
	    "|persistentvolumeclaims,persistentvolumes|" RO,
	    "|persistentvolumeclaims/status|get,patch,update",
	    "|serviceaccounts/token|create",
	    "coordination.k8s.io|leases|create,delete,get,patch,update",
	    "storage.k8s.io|csidrivers,csinodes,volumeattachments|" RO } },
};

static const struct boot_binding bindings[] = {
	{ "cluster-admin", "cluster-admin", { "Group:system:masters" } },
	{ "system:discovery", "system:discovery",
	    { "Group:system:authenticated" } },
	{ "system:basic-user", "system:basic-user",
	    { "Group:system:authenticated" } },
	{ "system:public-info-viewer", "system:public-info-viewer",
	    { "Group:system:authenticated", "Group:system:unauthenticated" } },
	{ "system:kube-scheduler", "system:kube-scheduler",
	    { "User:system:kube-scheduler" } },
	{ "system:node", "system:node", { "Group:system:nodes" } },
	/* The aggregated metrics API checks its callers through us. */
	{ "metrics-server:system:auth-delegator", "system:auth-delegator",
	    { "User:system:ckube:metrics-server" } },
};

static const struct boot_daemon daemons[] = {
	{ "daemonset-controller", {
	    "apps,extensions|daemonsets,daemonsets/status,"
	    "daemonsets/finalizers|" RW,
	    "apps|controllerrevisions|" RW,
	    "|pods,pods/binding|" RW, "|nodes|" RO } },
	{ "deployment-controller", {
	    "apps,extensions|deployments,deployments/status,"
	    "deployments/finalizers|" RW,
	    "apps,extensions|replicasets|" RW, "|pods|" RO } },
	{ "disruption-controller", {
	    "policy|poddisruptionbudgets,poddisruptionbudgets/status|" RW,
	    "|pods,replicationcontrollers,replicationcontrollers/scale|" RO,
	    "apps,extensions|deployments,deployments/scale,replicasets,"
	    "replicasets/scale,statefulsets,statefulsets/scale|" RO } },
	{ "dns", { "|endpoints,namespaces,nodes,pods,services|" RO,
	    "discovery.k8s.io|endpointslices|" RO } },
	{ "endpoints-controller", { "|endpoints|" RW,
	    "discovery.k8s.io|endpointslices|" RW, "|pods,services|" RO } },
	/* Every kind: it deletes dependents and orphans them (patch). */
	{ "gc-controller", { "*|*|get,list,watch,patch,update,delete" } },
	{ "hpa-controller", {
	    "autoscaling|horizontalpodautoscalers,"
	    "horizontalpodautoscalers/status|" RW,
	    "*|*/scale|get,patch,update",
	    "|pods,replicationcontrollers|" RO,
	    "apps,extensions|deployments,replicasets,statefulsets|" RO,
	    "metrics.k8s.io|pods|" RO } },
	{ "ingress-controller", {
	    "networking.k8s.io,extensions|ingresses|" RO,
	    "networking.k8s.io,extensions|ingresses/status|patch,update",
	    "networking.k8s.io|ingressclasses|" RO,
	    "|endpoints,services|" RO } },
	{ "job-controller", {
	    "batch|jobs,jobs/status,jobs/finalizers|" RW, "|pods|" RW } },
	/* It registers its own Service, Endpoints and APIService. */
	{ "metrics-server", {
	    "|endpoints,services|" RW, "|namespaces,nodes,pods|" RO,
	    "|nodes/metrics,nodes/proxy,nodes/stats|get",
	    "apiregistration.k8s.io|apiservices,apiservices/status|" RW } },
	/* It empties a namespace of every kind before removing it. */
	{ "namespace-controller", {
	    "*|*|get,list,watch,delete,deletecollection",
	    "|namespaces,namespaces/finalize,namespaces/status|" RW } },
	{ "netpol", { "networking.k8s.io,extensions|networkpolicies|" RO,
	    "|namespaces,pods|" RO } },
	{ "node-controller", {
	    "|nodes,nodes/status|" RW,
	    "|pods|get,list,watch,delete",
	    "|pods/status|patch,update", "|pods/eviction|create",
	    "coordination.k8s.io|leases|" RO } },
	{ "petset-controller", {
	    "apps|statefulsets,statefulsets/status,statefulsets/finalizers,"
	    "petsets,petsets/status|" RW,
	    "apps|controllerrevisions|" RW,
	    "|pods,persistentvolumeclaims|" RW } },
	{ "replicaset-controller", {
	    "apps,extensions|replicasets,replicasets/status,"
	    "replicasets/finalizers|" RW,
	    "|replicationcontrollers,replicationcontrollers/status,"
	    "replicationcontrollers/finalizers|" RW,
	    "|pods|" RW } },
	/* It counts every kind a quota may name. */
	{ "resourcequota-controller", {
	    "|resourcequotas,resourcequotas/status|" RW,
	    "*|*|list,watch" } },
	{ "scheduledjob-controller", {
	    "batch|cronjobs,cronjobs/status,cronjobs/finalizers,"
	    "scheduledjobs,scheduledjobs/status|" RW,
	    "batch|jobs|" RW, "|pods|get,list,watch,delete" } },
	{ "service-lb-controller", {
	    "|services|" RO, "|services/status|patch,update" } },
	{ "serviceaccount-controller", {
	    "|serviceaccounts|" RW, "|namespaces|" RO } },
	{ "volume-controller", {
	    "|persistentvolumes,persistentvolumes/status,"
	    "persistentvolumeclaims,persistentvolumeclaims/status|" RW,
	    /* it creates the default StorageClass "standard" */
	    "storage.k8s.io|storageclasses|create," RO, "|pods|" RO } },
};

/* Every controller also records events and holds a leader Lease. */
static const char *const daemon_common[] = { EVENTS, LEASES };

static cJSON *
split_list(const char *s, size_t n)
{
	cJSON *a = cJSON_CreateArray();
	char item[256];
	const char *end, *stop = s + n;
	size_t len;

	for (;;) {
		end = memchr(s, ',', (size_t)(stop - s));
		if (end == NULL)
			end = stop;
		len = (size_t)(end - s);
		if (len >= sizeof(item))
			len = sizeof(item) - 1;
		memcpy(item, s, len);
		item[len] = '\0';
		cJSON_AddItemToArray(a, cJSON_CreateString(item));
		if (end == stop)
			break;
		s = end + 1;
	}
	return a;
}

/* "groups|resources|verbs" or "@|urls|verbs" into a PolicyRule. */
static cJSON *
parse_rule(const char *line)
{
	const char *p1 = strchr(line, '|'), *p2;
	cJSON *r = cJSON_CreateObject();

	if (p1 == NULL || (p2 = strchr(p1 + 1, '|')) == NULL)
		return r;	/* not reached: the tables are fixed */
	if (p1 - line == 1 && line[0] == '@') {
		cJSON_AddItemToObject(r, "verbs",
		    split_list(p2 + 1, strlen(p2 + 1)));
		cJSON_AddItemToObject(r, "nonResourceURLs",
		    split_list(p1 + 1, (size_t)(p2 - p1 - 1)));
		return r;
	}
	cJSON_AddItemToObject(r, "verbs", split_list(p2 + 1, strlen(p2 + 1)));
	cJSON_AddItemToObject(r, "apiGroups",
	    split_list(line, (size_t)(p1 - line)));
	cJSON_AddItemToObject(r, "resources",
	    split_list(p1 + 1, (size_t)(p2 - p1 - 1)));
	return r;
}

static cJSON *
new_meta(cJSON *obj, const char *kind, const char *name)
{
	cJSON *meta, *labels;

	cJSON_AddStringToObject(obj, "apiVersion",
	    "rbac.authorization.k8s.io/v1");
	cJSON_AddStringToObject(obj, "kind", kind);
	meta = cJSON_AddObjectToObject(obj, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	labels = cJSON_AddObjectToObject(meta, "labels");
	cJSON_AddStringToObject(labels, "kubernetes.io/bootstrapping",
	    "rbac-defaults");
	cJSON_AddStringToObject(cJSON_AddObjectToObject(meta, "annotations"),
	    "rbac.authorization.kubernetes.io/autoupdate", "true");
	return labels;
}

static cJSON *
role_object(const char *name, const char *const *labels, size_t nlabels,
    const char *aggregate, const char *const *lines, size_t nlines,
    bool common)
{
	cJSON *obj = cJSON_CreateObject(), *lab, *rules, *sel, *ml;
	size_t i;

	lab = new_meta(obj, "ClusterRole", name);
	for (i = 0; i < nlabels && labels[i] != NULL; i++)
		cJSON_AddStringToObject(lab, labels[i], "true");
	if (aggregate != NULL) {
		sel = cJSON_AddArrayToObject(cJSON_AddObjectToObject(obj,
		    "aggregationRule"), "clusterRoleSelectors");
		ml = cJSON_CreateObject();
		cJSON_AddStringToObject(cJSON_AddObjectToObject(ml,
		    "matchLabels"), aggregate, "true");
		cJSON_AddItemToArray(sel, ml);
	}
	rules = cJSON_AddArrayToObject(obj, "rules");
	for (i = 0; i < nlines && lines[i] != NULL; i++)
		cJSON_AddItemToArray(rules, parse_rule(lines[i]));
	for (i = 0; common && i < ARRAY_SIZE(daemon_common); i++)
		cJSON_AddItemToArray(rules, parse_rule(daemon_common[i]));
	return obj;
}

static cJSON *
binding_object(const char *name, const char *role,
    const char *const *subjects, size_t n)
{
	cJSON *obj = cJSON_CreateObject(), *ref, *subs, *s;
	const char *colon;
	char kind[16];
	size_t i;

	new_meta(obj, "ClusterRoleBinding", name);
	ref = cJSON_AddObjectToObject(obj, "roleRef");
	cJSON_AddStringToObject(ref, "apiGroup", "rbac.authorization.k8s.io");
	cJSON_AddStringToObject(ref, "kind", "ClusterRole");
	cJSON_AddStringToObject(ref, "name", role);
	subs = cJSON_AddArrayToObject(obj, "subjects");
	for (i = 0; i < n && subjects[i] != NULL; i++) {
		colon = strchr(subjects[i], ':');
		snprintf(kind, sizeof(kind), "%.*s", (int)(colon -
		    subjects[i]), subjects[i]);
		s = cJSON_CreateObject();
		cJSON_AddStringToObject(s, "kind", kind);
		cJSON_AddStringToObject(s, "apiGroup",
		    "rbac.authorization.k8s.io");
		cJSON_AddStringToObject(s, "name", colon + 1);
		cJSON_AddItemToArray(subs, s);
	}
	return obj;
}

size_t
rbac_bootstrap_count(void)
{
	return ARRAY_SIZE(roles) + ARRAY_SIZE(bindings) +
	    2 * ARRAY_SIZE(daemons);
}

cJSON *
rbac_bootstrap_object(size_t i, const char **resource)
{
	const struct boot_daemon *d;
	const char *subj[2];
	char name[128], user[128];

	if (i < ARRAY_SIZE(roles)) {
		*resource = "clusterroles";
		return role_object(roles[i].name, roles[i].labels,
		    ARRAY_SIZE(roles[i].labels), roles[i].aggregate,
		    roles[i].rules, RULES_MAX, false);
	}
	i -= ARRAY_SIZE(roles);
	if (i < ARRAY_SIZE(bindings)) {
		*resource = "clusterrolebindings";
		return binding_object(bindings[i].name, bindings[i].role,
		    bindings[i].subjects, ARRAY_SIZE(bindings[i].subjects));
	}
	i -= ARRAY_SIZE(bindings);
	d = &daemons[i / 2];
	snprintf(name, sizeof(name), "system:controller:%s", d->daemon);
	if (i % 2 == 0) {
		*resource = "clusterroles";
		return role_object(name, NULL, 0, NULL, d->rules, RULES_MAX,
		    true);
	}
	snprintf(user, sizeof(user), "User:system:ckube:%s", d->daemon);
	subj[0] = user;
	subj[1] = NULL;
	*resource = "clusterrolebindings";
	return binding_object(name, name, subj, 1);
}

int
rbac_bootstrap(struct apiserver *srv)
{
	const char *resource = NULL;
	cJSON *obj;
	size_t i;
	int rc;

	for (i = 0; i < rbac_bootstrap_count(); i++) {
		obj = rbac_bootstrap_object(i, &resource);
		/* Taken; created only when no object of its name exists. */
		rc = crud_ensure_object(srv, "rbac.authorization.k8s.io",
		    resource, "", obj);
		if (rc < 0)
			return rc;
	}
	return 0;
}
