/*
 * delete_options.c: DeleteOptions parsing and the mapping of the deletion
 * propagation policy onto the `orphan` and `foregroundDeletion` finalizers
 * (semantics.md 5(a), 5(b) step 1; Kubernetes' ValidateDeleteOptions and
 * deletionFinalizersForGarbageCollection). The store side is crud_delete.c.
 */
#include "delete_options.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "apiserver.h"

void
delete_opts_init(struct delete_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->grace = -1;
	o->policy = DELETE_POLICY_UNSET;
}

const char *
delete_policy_name(enum delete_policy p)
{
	switch (p) {
	case DELETE_POLICY_ORPHAN:
		return "Orphan";
	case DELETE_POLICY_BACKGROUND:
		return "Background";
	case DELETE_POLICY_FOREGROUND:
		return "Foreground";
	case DELETE_POLICY_UNSET:
		break;
	}
	return NULL;
}

/* The 422 Kubernetes returns for bad DeleteOptions (one cause). */
static int
invalid(struct ck_status *st, const char *value, const char *reason,
    const char *detail)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s: \"%s\": %s",
	    strcmp(reason, "FieldValueNotSupported") == 0 ?
	    "Unsupported value" : "Invalid value", value, detail);
	(void)ck_status_set(st, CK_EINVALID,
	    "DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: %s",
	    msg);
	ck_status_set_details(st, "", "meta.k8s.io", "DeleteOptions");
	ck_status_add_cause(st, "propagationPolicy", reason, "%s", msg);
	return CK_EINVALID;
}

int
delete_opts_set_propagation(struct delete_opts *o, const char *policy,
    const cJSON *orphan, struct ck_status *st)
{
	bool has_orphan = orphan != NULL && !cJSON_IsNull(orphan);

	if (has_orphan && !cJSON_IsBool(orphan)) {
		(void)ck_status_set(st, CK_EBADREQ,
		    "orphanDependents must be a boolean");
		return CK_EBADREQ;
	}
	if (policy != NULL && has_orphan)
		return invalid(st, policy, "FieldValueInvalid",
		    "orphanDependents and deletionPropagation cannot be "
		    "both set");
	if (policy != NULL) {
		if (strcmp(policy, "Orphan") == 0)
			o->policy = DELETE_POLICY_ORPHAN;
		else if (strcmp(policy, "Background") == 0)
			o->policy = DELETE_POLICY_BACKGROUND;
		else if (strcmp(policy, "Foreground") == 0)
			o->policy = DELETE_POLICY_FOREGROUND;
		else
			return invalid(st, policy, "FieldValueNotSupported",
			    "supported values: \"Foreground\", "
			    "\"Background\", \"Orphan\", \"nil\"");
	} else if (has_orphan) {
		o->policy = cJSON_IsTrue(orphan) ? DELETE_POLICY_ORPHAN :
		    DELETE_POLICY_BACKGROUND;
		o->orphan_false = !cJSON_IsTrue(orphan);
	}
	return 0;
}

int
delete_opts_from_json(const cJSON *body, struct delete_opts *o,
    struct ck_status *st)
{
	const cJSON *g, *pre, *pol;
	const char *policy = NULL;

	g = cJSON_GetObjectItemCaseSensitive(body, "gracePeriodSeconds");
	if (cJSON_IsNumber(g))
		o->grace = g->valuedouble < 0 ? 0 : (int64_t)g->valuedouble;
	cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(body, "dryRun"))
		if (cJSON_IsString(g) && strcmp(g->valuestring, "All") == 0)
			o->dry = true;
	pre = json_obj(body, "preconditions");
	if (json_str(pre, "uid") != NULL)
		ck_strlcpy(o->uid, json_str(pre, "uid"), sizeof(o->uid));
	if (json_str(pre, "resourceVersion") != NULL &&
	    ck_parse_int64(json_str(pre, "resourceVersion"), &o->rv) < 0)
		return ck_status_set(st, CK_EBADREQ,
		    "invalid preconditions.resourceVersion");
	pol = cJSON_GetObjectItemCaseSensitive(body, "propagationPolicy");
	if (pol != NULL && !cJSON_IsNull(pol)) {
		if (!cJSON_IsString(pol))
			return ck_status_set(st, CK_EBADREQ,
			    "propagationPolicy must be a string");
		policy = pol->valuestring;
	}
	return delete_opts_set_propagation(o, policy,
	    cJSON_GetObjectItemCaseSensitive(body, "orphanDependents"), st);
}

enum delete_policy
delete_default_policy(const char *group, const char *version,
    const char *resource)
{
	static const char *const sets[] = { "replicasets", "deployments",
		"daemonsets", "statefulsets" };
	size_t i;

	if (group[0] == '\0')
		return strcmp(resource, "replicationcontrollers") == 0 ?
		    DELETE_POLICY_ORPHAN : DELETE_POLICY_BACKGROUND;
	if (strcmp(group, "batch") == 0 && strcmp(version, "v1") == 0 &&
	    strcmp(resource, "jobs") == 0)
		return DELETE_POLICY_ORPHAN;
	if (!(strcmp(group, "extensions") == 0 &&
	    strcmp(version, "v1beta1") == 0) &&
	    !(strcmp(group, "apps") == 0 && (strcmp(version, "v1beta1") == 0 ||
	    strcmp(version, "v1beta2") == 0)))
		return DELETE_POLICY_BACKGROUND;
	for (i = 0; i < ARRAY_SIZE(sets); i++)
		if (strcmp(resource, sets[i]) == 0)
			return DELETE_POLICY_ORPHAN;
	return DELETE_POLICY_BACKGROUND;
}

bool
delete_has_finalizer(const cJSON *meta, const char *name)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(meta,
	    "finalizers"))
		if (cJSON_IsString(f) && strcmp(f->valuestring, name) == 0)
			return true;
	return false;
}

/* Drop every finalizer called name; true if one was there. */
static bool
drop(cJSON *fins, const char *name)
{
	cJSON *f, *next;
	bool changed = false;

	for (f = fins != NULL ? fins->child : NULL; f != NULL; f = next) {
		next = f->next;
		if (cJSON_IsString(f) && strcmp(f->valuestring, name) == 0) {
			cJSON_Delete(cJSON_DetachItemViaPointer(fins, f));
			changed = true;
		}
	}
	return changed;
}

static bool
ensure(cJSON *fins, const char *name)
{
	const cJSON *f;

	cJSON_ArrayForEach(f, fins)
		if (cJSON_IsString(f) && strcmp(f->valuestring, name) == 0)
			return false;
	cJSON_AddItemToArray(fins, cJSON_CreateString(name));
	return true;
}

bool
delete_apply_policy(cJSON *meta, enum delete_policy policy,
    enum delete_policy dflt)
{
	cJSON *fins = cJSON_GetObjectItemCaseSensitive(meta, "finalizers");
	bool changed = false;

	if (policy == DELETE_POLICY_UNSET) {
		if (delete_has_finalizer(meta, DELETE_FINALIZER_ORPHAN) ||
		    delete_has_finalizer(meta, DELETE_FINALIZER_FOREGROUND))
			return false;	/* an earlier choice stands */
		policy = dflt;
	}
	if (policy != DELETE_POLICY_ORPHAN &&
	    policy != DELETE_POLICY_FOREGROUND && !cJSON_IsArray(fins))
		return false;
	if (!cJSON_IsArray(fins)) {
		json_del(meta, "finalizers");
		fins = cJSON_AddArrayToObject(meta, "finalizers");
	}
	switch (policy) {
	case DELETE_POLICY_ORPHAN:
		changed |= drop(fins, DELETE_FINALIZER_FOREGROUND);
		changed |= ensure(fins, DELETE_FINALIZER_ORPHAN);
		break;
	case DELETE_POLICY_FOREGROUND:
		changed |= drop(fins, DELETE_FINALIZER_ORPHAN);
		changed |= ensure(fins, DELETE_FINALIZER_FOREGROUND);
		break;
	default:
		changed |= drop(fins, DELETE_FINALIZER_ORPHAN);
		changed |= drop(fins, DELETE_FINALIZER_FOREGROUND);
		break;
	}
	if (cJSON_GetArraySize(fins) == 0)
		json_del(meta, "finalizers");
	return changed;
}
