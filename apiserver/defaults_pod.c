/*
 * defaults_pod.c: Pod and PodSpec defaulting as Kubernetes' SetDefaults_Pod
 * and SetDefaults_PodSpec, and the QoS class the pod strategy stores in
 * status.qosClass on create.
 */
#include "apiserver.h"
#include "validation_kind.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/quantity.h"

/* ":latest" or no tag (a digest counts as a tag) pulls Always. */
static const char *
pull_policy(const char *image)
{
	const char *slash, *colon;

	if (image == NULL)
		return "IfNotPresent";
	if (strchr(image, '@') != NULL)
		return "IfNotPresent";
	slash = strrchr(image, '/');
	colon = strrchr(slash != NULL ? slash : image, ':');
	if (colon == NULL || strcmp(colon, ":latest") == 0)
		return "Always";
	return "IfNotPresent";
}

/* Requests default to limits where only the limit is given. */
static void
default_requests(cJSON *ctr)
{
	cJSON *res, *lim, *req, *it;

	res = cJSON_GetObjectItemCaseSensitive(ctr, "resources");
	if (!cJSON_IsObject(res)) {
		json_ensure_obj(ctr, "resources");
		return;
	}
	lim = cJSON_GetObjectItemCaseSensitive(res, "limits");
	if (!cJSON_IsObject(lim) || cJSON_GetArraySize(lim) == 0)
		return;
	req = json_ensure_obj(res, "requests");
	cJSON_ArrayForEach(it, lim)
		if (cJSON_GetObjectItemCaseSensitive(req, it->string) == NULL)
			cJSON_AddItemToObject(req, it->string,
			    cJSON_Duplicate(it, 1));
}

static void
default_containers(cJSON *spec, const char *key)
{
	cJSON *arr = cJSON_GetObjectItemCaseSensitive(spec, key), *c, *ports,
	      *p;

	cJSON_ArrayForEach(c, arr) {
		if (!cJSON_IsObject(c))
			continue;
		json_default_str(c, "imagePullPolicy",
		    pull_policy(json_str(c, "image")));
		json_default_str(c, "terminationMessagePath",
		    "/dev/termination-log");
		json_default_str(c, "terminationMessagePolicy", "File");
		default_requests(c);
		ports = cJSON_GetObjectItemCaseSensitive(c, "ports");
		cJSON_ArrayForEach(p, ports)
			if (cJSON_IsObject(p))
				json_default_str(p, "protocol", "TCP");
	}
}

/* env[].valueFrom.fieldRef.apiVersion defaults to v1 (SetDefaults_ObjectFieldSelector). */
static void
default_field_refs(cJSON *spec, const char *key)
{
	cJSON *c, *e, *ref;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, key))
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c,
		    "env")) {
			ref = json_obj(json_obj(e, "valueFrom"), "fieldRef");
			if (cJSON_IsObject(ref))
				json_default_str(ref, "apiVersion", "v1");
		}
}

/*
 * A volume with no source is an emptyDir (SetDefaults_Volume); downward API
 * items' fieldRefs get apiVersion v1.
 */
static void
default_volumes(cJSON *spec)
{
	cJSON *v, *it, *ref;
	const cJSON *f;
	bool has_source;

	cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(spec,
	    "volumes")) {
		if (!cJSON_IsObject(v))
			continue;
		has_source = false;
		cJSON_ArrayForEach(f, v)
			if (strcmp(f->string, "name") != 0)
				has_source = true;
		if (!has_source)
			cJSON_AddObjectToObject(v, "emptyDir");
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(
		    json_obj(v, "downwardAPI"), "items")) {
			ref = json_obj(it, "fieldRef");
			if (cJSON_IsObject(ref))
				json_default_str(ref, "apiVersion", "v1");
		}
	}
}

void
defaults_pod_spec(cJSON *spec)
{
	if (!cJSON_IsObject(spec))
		return;
	default_volumes(spec);
	default_field_refs(spec, "initContainers");
	default_field_refs(spec, "containers");
	json_default_str(spec, "restartPolicy", "Always");
	json_default_str(spec, "dnsPolicy", "ClusterFirst");
	json_default_str(spec, "schedulerName", "default-scheduler");
	json_default_num(spec, "terminationGracePeriodSeconds", 30);
	json_ensure_obj(spec, "securityContext");
	default_containers(spec, "initContainers");
	default_containers(spec, "containers");
}

/* Adds a container's view of resource name to the qos tally. */
static void
qos_container(const cJSON *c, bool *any, bool *guaranteed)
{
	static const char *const names[] = { "cpu", "memory" };
	const cJSON *res = json_obj(c, "resources");
	const cJSON *req = json_obj(res, "requests"), *lim = json_obj(res,
	    "limits"), *it;
	const char *r, *l;
	size_t i;
	int cmp;

	cJSON_ArrayForEach(it, req)
		if (strcmp(it->string, "cpu") == 0 ||
		    strcmp(it->string, "memory") == 0)
			*any = true;
	cJSON_ArrayForEach(it, lim)
		if (strcmp(it->string, "cpu") == 0 ||
		    strcmp(it->string, "memory") == 0)
			*any = true;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		l = json_str(lim, names[i]);
		r = json_str(req, names[i]);
		if (l == NULL) {
			*guaranteed = false;
			continue;
		}
		if (r != NULL && (quantity_compare(r, l, &cmp) < 0 ||
		    cmp != 0))
			*guaranteed = false;
	}
}

const char *
defaults_pod_qos(const cJSON *spec)
{
	static const char *const keys[] = { "initContainers", "containers" };
	const cJSON *c;
	bool any = false, guaranteed = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec,
		    keys[i]))
			qos_container(c, &any, &guaranteed);
	if (!any)
		return "BestEffort";
	return guaranteed ? "Guaranteed" : "Burstable";
}

/*
 * The 1.3/1.4 annotations carrying init containers (JSON arrays of
 * Containers) fill an absent spec.initContainers, the beta spelling first
 * (validation_pod.c refuses annotations that disagree with the field).
 */
static void
init_containers_from_annotations(cJSON *obj, cJSON *spec)
{
	static const char *const keys[] = { ANN_INIT_BETA, ANN_INIT_ALPHA };
	const cJSON *ann = json_obj(json_obj(obj, "metadata"), "annotations");
	const cJSON *ic = cJSON_GetObjectItemCaseSensitive(spec,
	    "initContainers");
	const char *v;
	cJSON *arr;
	size_t i;

	if (cJSON_IsArray(ic) && cJSON_GetArraySize(ic) > 0)
		return;
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		v = json_str(ann, keys[i]);
		if (v == NULL || (arr = cJSON_Parse(v)) == NULL)
			continue;
		if (!cJSON_IsArray(arr)) {
			cJSON_Delete(arr);
			continue;
		}
		json_del(spec, "initContainers");
		cJSON_AddItemToObject(spec, "initContainers", arr);
		return;
	}
}

void
defaults_pod(cJSON *obj)
{
	cJSON *spec = json_ensure_obj(obj, "spec"), *status;

	init_containers_from_annotations(obj, spec);
	defaults_pod_spec(spec);
	/* Status is the kubelet's; phase and QoS class are set here. */
	status = json_ensure_obj(obj, "status");
	json_set_str(status, "phase", "Pending");
	json_set_str(status, "qosClass", defaults_pod_qos(spec));
}

/*
 * A pod created with the 1.3/1.4 init-containers annotation also gets its
 * init container statuses mirrored into the matching statuses annotation
 * whenever its status is written (semantics.md 1(a)).
 */
void
defaults_on_status(const struct api_resource *r, cJSON *obj)
{
	cJSON *meta = json_obj(obj, "metadata"), *ann;
	const cJSON *ics;
	const char *key;
	char *text;

	if (r->group[0] != '\0' || strcmp(r->kind, "Pod") != 0)
		return;
	ann = json_obj(meta, "annotations");
	if (json_str(ann, ANN_INIT_BETA) != NULL)
		key = "pod.beta.kubernetes.io/init-container-statuses";
	else if (json_str(ann, ANN_INIT_ALPHA) != NULL)
		key = "pod.alpha.kubernetes.io/init-container-statuses";
	else
		return;
	ics = cJSON_GetObjectItemCaseSensitive(json_obj(obj, "status"),
	    "initContainerStatuses");
	if (!cJSON_IsArray(ics))
		return;
	text = json_print(ics, NULL);
	json_set_str(ann, key, text);
	free(text);
}
