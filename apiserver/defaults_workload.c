/*
 * defaults_workload.c: defaulting of the workload and policy kinds as
 * Kubernetes' SetDefaults_* functions and create strategies do:
 * StatefulSet, DaemonSet, Job (with the generated controller-uid selector), CronJob,
 * PodDisruptionBudget, NetworkPolicy, and the Service's spec defaults.
 */
#include "apiserver.h"
#include "validation_kind.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

static void
set_default_bool(cJSON *obj, const char *key, bool val)
{
	if (!cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(obj, key))) {
		json_del(obj, key);
		cJSON_AddBoolToObject(obj, key, val);
	}
}

/* The pod template of spec (spec.template.spec) gets PodSpec defaults. */
static void
default_template(cJSON *spec)
{
	cJSON *tmpl = json_obj(spec, "template");

	if (tmpl != NULL)
		defaults_pod_spec(json_obj(tmpl, "spec"));
}

void
defaults_template_of(cJSON *obj)
{
	default_template(json_obj(obj, "spec"));
}

/* Labels of the pod template of spec, or NULL. */
static const cJSON *
template_labels(const cJSON *spec)
{
	const cJSON *l = cJSON_GetObjectItemCaseSensitive(
	    json_obj(json_obj(spec, "template"), "metadata"), "labels");

	return cJSON_IsObject(l) && l->child != NULL ? l : NULL;
}

void
defaults_deployment_spec(cJSON *spec)
{
	cJSON *st, *ru;

	if (!cJSON_IsObject(spec))
		return;
	json_default_num(spec, "replicas", 1);
	st = json_ensure_obj(spec, "strategy");
	json_default_str(st, "type", "RollingUpdate");
	if (strcmp(json_str(st, "type"), "RollingUpdate") == 0) {
		ru = json_ensure_obj(st, "rollingUpdate");
		if (cJSON_GetObjectItemCaseSensitive(ru, "maxUnavailable") ==
		    NULL)
			json_set_str(ru, "maxUnavailable", "25%");
		if (cJSON_GetObjectItemCaseSensitive(ru, "maxSurge") == NULL)
			json_set_str(ru, "maxSurge", "25%");
	}
	json_default_num(spec, "revisionHistoryLimit", 10);
	json_default_num(spec, "progressDeadlineSeconds", 600);
	default_template(spec);
}

void
defaults_deployment(cJSON *obj)
{
	defaults_deployment_spec(json_ensure_obj(obj, "spec"));
}

void
defaults_replicaset_spec(cJSON *spec)
{
	if (!cJSON_IsObject(spec))
		return;
	json_default_num(spec, "replicas", 1);
	default_template(spec);
}

void
defaults_replicaset(cJSON *obj)
{
	defaults_replicaset_spec(json_ensure_obj(obj, "spec"));
}

/*
 * ReplicationController (SetDefaults_ReplicationController): the selector
 * and the object's labels come from the template's labels when unset.
 */
void
defaults_rc(cJSON *obj)
{
	cJSON *spec = json_ensure_obj(obj, "spec"), *meta, *sel;
	const cJSON *tl = template_labels(spec);

	defaults_replicaset_spec(spec);
	if (tl == NULL)
		return;
	sel = cJSON_GetObjectItemCaseSensitive(spec, "selector");
	if (!cJSON_IsObject(sel) || sel->child == NULL) {
		json_del(spec, "selector");
		cJSON_AddItemToObject(spec, "selector", cJSON_Duplicate(tl, 1));
	}
	meta = json_ensure_obj(obj, "metadata");
	sel = cJSON_GetObjectItemCaseSensitive(meta, "labels");
	if (!cJSON_IsObject(sel) || sel->child == NULL) {
		json_del(meta, "labels");
		cJSON_AddItemToObject(meta, "labels", cJSON_Duplicate(tl, 1));
	}
}

/* PodTemplate: .template is a PodTemplateSpec. */
void
defaults_podtemplate(cJSON *obj)
{
	defaults_pod_spec(json_obj(json_obj(obj, "template"), "spec"));
}

void
defaults_statefulset(cJSON *obj)
{
	cJSON *spec = json_ensure_obj(obj, "spec"), *us, *ru;

	json_default_num(spec, "replicas", 1);
	json_default_str(spec, "podManagementPolicy", "OrderedReady");
	json_default_num(spec, "revisionHistoryLimit", 10);
	us = json_ensure_obj(spec, "updateStrategy");
	json_default_str(us, "type", "RollingUpdate");
	if (strcmp(json_str(us, "type"), "RollingUpdate") == 0) {
		ru = json_ensure_obj(us, "rollingUpdate");
		json_default_num(ru, "partition", 0);
	}
	default_template(spec);
	json_del(obj, "status");
	json_set_num(json_ensure_obj(obj, "status"), "replicas", 0);
}

/*
 * DaemonSet (apps/v1 SetDefaults_DaemonSet): RollingUpdate with
 * maxUnavailable 1 and maxSurge 0, a history of 10, the template's PodSpec
 * defaults. Also on updates, so that the template (and its hash) does not
 * change when a client sends it undefaulted.
 */
void
defaults_daemonset_spec(cJSON *spec)
{
	cJSON *us, *ru;

	if (!cJSON_IsObject(spec))
		return;
	us = json_ensure_obj(spec, "updateStrategy");
	json_default_str(us, "type", "RollingUpdate");
	if (strcmp(json_str(us, "type"), "RollingUpdate") == 0) {
		ru = json_ensure_obj(us, "rollingUpdate");
		if (cJSON_GetObjectItemCaseSensitive(ru, "maxUnavailable") ==
		    NULL)
			json_set_num(ru, "maxUnavailable", 1);
		if (cJSON_GetObjectItemCaseSensitive(ru, "maxSurge") == NULL)
			json_set_num(ru, "maxSurge", 0);
	}
	json_default_num(spec, "revisionHistoryLimit", 10);
	default_template(spec);
}

void
defaults_daemonset(cJSON *obj)
{
	cJSON *st;

	defaults_daemonset_spec(json_ensure_obj(obj, "spec"));
	/* A new set starts with the zero status (these four are not omitempty). */
	json_del(obj, "status");
	st = json_ensure_obj(obj, "status");
	json_set_num(st, "currentNumberScheduled", 0);
	json_set_num(st, "numberMisscheduled", 0);
	json_set_num(st, "desiredNumberScheduled", 0);
	json_set_num(st, "numberReady", 0);
}

/*
 * Job spec defaults and, unless manualSelector, the selector on the job's
 * own uid with the matching template labels (the job strategy's
 * generateSelector).
 */
static void
default_job_spec(cJSON *spec, const char *uid, const char *name)
{
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(spec,
	    "manualSelector");
	cJSON *sel, *ml, *tmeta, *labels;

	/* Both unset: one pod; parallelism alone: a work queue. */
	if (cJSON_GetObjectItemCaseSensitive(spec, "completions") == NULL &&
	    cJSON_GetObjectItemCaseSensitive(spec, "parallelism") == NULL)
		json_default_num(spec, "completions", 1);
	json_default_num(spec, "parallelism", 1);
	json_default_num(spec, "backoffLimit", 6);
	json_default_str(spec, "completionMode", "NonIndexed");
	set_default_bool(spec, "suspend", false);
	default_template(spec);
	if (cJSON_IsTrue(ms) || uid == NULL)
		return;
	sel = json_ensure_obj(spec, "selector");
	ml = json_ensure_obj(sel, "matchLabels");
	json_default_str(ml, "batch.kubernetes.io/controller-uid", uid);
	tmeta = json_ensure_obj(json_ensure_obj(spec, "template"), "metadata");
	labels = json_ensure_obj(tmeta, "labels");
	json_default_str(labels, "batch.kubernetes.io/controller-uid", uid);
	json_default_str(labels, "controller-uid", uid);
	if (name != NULL) {
		json_default_str(labels, "batch.kubernetes.io/job-name", name);
		json_default_str(labels, "job-name", name);
	}
}

void
defaults_job(cJSON *obj)
{
	cJSON *meta = json_obj(obj, "metadata");

	default_job_spec(json_ensure_obj(obj, "spec"), json_str(meta, "uid"),
	    json_str(meta, "name"));
	json_del(obj, "status");
	json_ensure_obj(obj, "status");
}

void
defaults_cronjob(cJSON *obj)
{
	cJSON *spec = json_ensure_obj(obj, "spec"), *jt;

	json_default_str(spec, "concurrencyPolicy", "Allow");
	set_default_bool(spec, "suspend", false);
	json_default_num(spec, "successfulJobsHistoryLimit", 3);
	json_default_num(spec, "failedJobsHistoryLimit", 1);
	/* The job template: spec defaults without a generated selector. */
	jt = json_obj(spec, "jobTemplate");
	if (jt != NULL) {
		spec = json_ensure_obj(jt, "spec");
		json_default_num(spec, "backoffLimit", 6);
		json_default_str(spec, "completionMode", "NonIndexed");
		set_default_bool(spec, "suspend", false);
		default_template(spec);
	}
	json_del(obj, "status");
	json_ensure_obj(obj, "status");
}

/* batch/v2alpha1: no history limits by default (unset = keep all). */
void
defaults_scheduledjob(cJSON *obj)
{
	cJSON *spec = json_ensure_obj(obj, "spec");
	bool s = cJSON_GetObjectItemCaseSensitive(spec,
	    "successfulJobsHistoryLimit") != NULL, f =
	    cJSON_GetObjectItemCaseSensitive(spec,
	    "failedJobsHistoryLimit") != NULL;

	defaults_cronjob(obj);
	if (!s)
		json_del(spec, "successfulJobsHistoryLimit");
	if (!f)
		json_del(spec, "failedJobsHistoryLimit");
}

void
defaults_pdb(cJSON *obj)
{
	cJSON *spec = json_ensure_obj(obj, "spec"), *status;

	/* policy/v1: an absent selector selects nothing; keep what we got. */
	(void)spec;
	json_del(obj, "status");
	status = json_ensure_obj(obj, "status");
	json_set_num(status, "disruptionsAllowed", 0);
	json_set_num(status, "currentHealthy", 0);
	json_set_num(status, "desiredHealthy", 0);
	json_set_num(status, "expectedPods", 0);
}

/*
 * policyTypes: Ingress, plus Egress when there are egress rules; every
 * port's protocol TCP (SetDefaults_NetworkPolicySpec / _Port). A missing
 * podSelector is left for validation to refuse (spec 7(a)).
 */
void
defaults_networkpolicy(cJSON *obj)
{
	static const char *const dirs[] = { "ingress", "egress" };
	cJSON *spec = json_ensure_obj(obj, "spec"), *pt, *rule, *port;
	size_t d;

	for (d = 0; d < ARRAY_SIZE(dirs); d++)
		cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(spec,
		    dirs[d]))
			cJSON_ArrayForEach(port,
			    cJSON_GetObjectItemCaseSensitive(rule, "ports"))
				if (cJSON_IsObject(port))
					json_default_str(port, "protocol",
					    "TCP");
	pt = cJSON_GetObjectItemCaseSensitive(spec, "policyTypes");
	if (cJSON_IsArray(pt) && cJSON_GetArraySize(pt) > 0)
		return;
	json_del(spec, "policyTypes");
	pt = cJSON_AddArrayToObject(spec, "policyTypes");
	cJSON_AddItemToArray(pt, cJSON_CreateString("Ingress"));
	if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(spec,
	    "egress")) > 0)
		cJSON_AddItemToArray(pt, cJSON_CreateString("Egress"));
}

void
defaults_service_spec(cJSON *spec)
{
	cJSON *p, *tp;

	json_default_str(spec, "type", "ClusterIP");
	json_default_str(spec, "sessionAffinity", "None");
	if (strcmp(json_str(spec, "type"), "ExternalName") != 0)
		json_default_str(spec, "internalTrafficPolicy", "Cluster");
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(spec, "ports")) {
		if (!cJSON_IsObject(p))
			continue;
		json_default_str(p, "protocol", "TCP");
		tp = cJSON_GetObjectItemCaseSensitive(p, "targetPort");
		if ((tp == NULL || (cJSON_IsNumber(tp) && tp->valuedouble ==
		    0) || (cJSON_IsString(tp) && tp->valuestring[0] == '\0')) &&
		    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p,
		    "port"))) {
			json_del(p, "targetPort");
			cJSON_AddNumberToObject(p, "targetPort",
			    cJSON_GetObjectItemCaseSensitive(p,
				"port")->valuedouble);
		}
	}
}

void
defaults_service(cJSON *obj)
{
	cJSON *status;

	defaults_service_spec(json_ensure_obj(obj, "spec"));
	/* As the service strategy does: load-balancer status is ours. */
	json_del(obj, "status");
	status = json_ensure_obj(obj, "status");
	json_ensure_obj(status, "loadBalancer");
}
