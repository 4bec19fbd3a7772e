/*
 * bind.c: the scheduler's writes. A Binding POSTed to pods/NAME/binding
 * (the apiserver sets spec.nodeName once and PodScheduled=True); for a pod
 * that fits nowhere, the PodScheduled=False condition (reason
 * Unschedulable) through pods/status, written only when it changes, and a
 * FailedScheduling event (aggregated by the recorder when repeated).
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"

#include "scheduler.h"

int
bind_pod(struct controller *c, const struct kobj *pod, const char *node)
{
	struct client *cl = controller_client(c);
	struct ck_status st = { 0 };
	cJSON *b, *md, *target;
	int rc;

	if (cl == NULL)
		return CK_EIO;
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "apiVersion", "v1");
	cJSON_AddStringToObject(b, "kind", "Binding");
	md = cJSON_AddObjectToObject(b, "metadata");
	cJSON_AddStringToObject(md, "name", kobj_name(pod));
	cJSON_AddStringToObject(md, "namespace", kobj_namespace(pod));
	cJSON_AddStringToObject(md, "uid", kobj_uid(pod));
	target = cJSON_AddObjectToObject(b, "target");
	cJSON_AddStringToObject(target, "apiVersion", "v1");
	cJSON_AddStringToObject(target, "kind", "Node");
	cJSON_AddStringToObject(target, "name", node);
	rc = client_create_subresource(cl, &CLIENT_GVR_PODS,
	    kobj_namespace(pod), kobj_name(pod), "binding", b, NULL, &st);
	cJSON_Delete(b);
	if (rc < 0)
		log_warn("scheduler: binding %s to %s: %s", kobj_key(pod), node,
		    st.message);
	return rc;
}

void
bind_record_failure(struct controller *c, const struct kobj *pod,
    const char *msg)
{
	const cJSON *cond = kobj_condition(pod, "PodScheduled");
	const cJSON *status = cJSON_GetObjectItemCaseSensitive(cond, "status");
	const cJSON *old = cJSON_GetObjectItemCaseSensitive(cond, "message");
	struct ck_status st = { 0 };
	char now[RFC3339_MAX];
	cJSON *patch, *conds, *cd;
	int rc;

	controller_event(c, pod, "Warning", "FailedScheduling", "%s", msg);
	if (cJSON_IsString(status) && strcmp(status->valuestring, "False") == 0
	    && cJSON_IsString(old) && strcmp(old->valuestring, msg) == 0)
		return;
	rfc3339_now(now);
	patch = cJSON_CreateObject();
	conds = cJSON_AddArrayToObject(cJSON_AddObjectToObject(patch,
	    "status"), "conditions");
	cd = cJSON_CreateObject();
	cJSON_AddStringToObject(cd, "type", "PodScheduled");
	cJSON_AddStringToObject(cd, "status", "False");
	cJSON_AddNullToObject(cd, "lastProbeTime");
	cJSON_AddStringToObject(cd, "lastTransitionTime", now);
	cJSON_AddStringToObject(cd, "reason", "Unschedulable");
	cJSON_AddStringToObject(cd, "message", msg);
	cJSON_AddItemToArray(conds, cd);
	/* A pending pod has no other condition: a merge patch may replace
	 * the list. */
	rc = controller_patch(c, &CLIENT_GVR_PODS, kobj_namespace(pod),
	    kobj_name(pod), "status", CLIENT_PATCH_MERGE, patch, NULL, &st);
	if (rc < 0)
		log_warn("scheduler: condition of %s: %s", kobj_key(pod),
		    st.message);
	cJSON_Delete(patch);
}
