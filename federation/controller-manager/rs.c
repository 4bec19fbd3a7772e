/*
 * rs.c: the replicaset and deployment controllers (semantics.md 8(d)): the
 * planner (plan.c) spreads spec.replicas over the Ready members; each gets
 * an object of the same name with its share (0 included); the federated
 * status is the sum of the members'. Replicas of a member that is no
 * longer Ready are planned elsewhere.
 */
#include "fcm.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "plan.h"

struct rkind {
	const char		*kind;		/* key prefix */
	const char		*cache;
	const struct client_gvr	*gvr;
	const char		*api_version;
	const char		*object_kind;
	const char *const	*sums;		/* status counts summed */
};

static const char *const rs_sums[] = { "replicas", "fullyLabeledReplicas",
	"readyReplicas", "availableReplicas", NULL };
static const char *const deploy_sums[] = { "replicas", "updatedReplicas",
	"readyReplicas", "availableReplicas", "unavailableReplicas", NULL };

static const struct rkind rkinds[] = {
	{ "rs", FCM_RS, &CLIENT_GVR_REPLICASETS, "apps/v1", "ReplicaSet",
	    rs_sums },
	{ "deploy", FCM_DEPLOY, &CLIENT_GVR_DEPLOYMENTS, "apps/v1",
	    "Deployment", deploy_sums },
};

/* One member: its current object (NULL: none) and its share. */
struct share {
	struct kobj	*cluster;
	struct client	*cl;
	cJSON		*have;
};

static cJSON *
desired(const struct rkind *k, const struct kobj *fed, const cJSON *have,
    int64_t replicas)
{
	const cJSON *fmeta = kobj_get(fed, "metadata");
	cJSON *o, *meta, *spec;

	if (have != NULL) {
		o = cJSON_Duplicate(have, 1);
		cJSON_DeleteItemFromObjectCaseSensitive(o, "status");
	} else {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "apiVersion", k->api_version);
		cJSON_AddStringToObject(o, "kind", k->object_kind);
		meta = cJSON_AddObjectToObject(o, "metadata");
		cJSON_AddStringToObject(meta, "name", kobj_name(fed));
		cJSON_AddStringToObject(meta, "namespace",
		    kobj_namespace(fed));
	}
	meta = cJSON_GetObjectItemCaseSensitive(o, "metadata");
	cJSON_DeleteItemFromObjectCaseSensitive(meta, "labels");
	if (cJSON_GetObjectItemCaseSensitive(fmeta, "labels") != NULL)
		cJSON_AddItemToObject(meta, "labels", cJSON_Duplicate(
		    cJSON_GetObjectItemCaseSensitive(fmeta, "labels"), 1));
	spec = cJSON_Duplicate(kobj_get(fed, "spec"), 1);
	if (spec == NULL)
		spec = cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
	cJSON_AddNumberToObject(spec, "replicas", (double)replicas);
	cJSON_DeleteItemFromObjectCaseSensitive(o, "spec");
	cJSON_AddItemToObject(o, "spec", spec);
	return o;
}

static int64_t
json_int(const cJSON *o, const char *key, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def;
}

/* Create or update one member's object to its share. */
static int
apply_share(const struct rkind *k, const struct kobj *fed, struct share *s,
    int64_t replicas)
{
	struct ck_status st;
	const cJSON *have_spec;
	cJSON *want;
	int rc = 0;

	ck_status_clear(&st);
	want = desired(k, fed, s->have, replicas);
	have_spec = cJSON_GetObjectItemCaseSensitive(s->have, "spec");
	if (s->have == NULL) {
		rc = client_create(s->cl, want, NULL, &st);
		if (rc == CK_ENOTFOUND && (rc = members_ensure_namespace(s->cl,
		    kobj_namespace(fed), &st)) == 0)
			rc = client_create(s->cl, want, NULL, &st);
	} else if (!cJSON_Compare(have_spec, cJSON_GetObjectItemCaseSensitive(
	    want, "spec"), 1) || !cJSON_Compare(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    s->have, "metadata"), "labels"), kobj_get(fed, "metadata.labels"),
	    1))
		rc = client_update(s->cl, want, NULL, &st);
	if (rc < 0 && rc != CK_ECONFLICT)
		log_warn("cluster %s: %s %s: %s", kobj_name(s->cluster),
		    k->kind, kobj_key(fed), st.message);
	else if (s->have == NULL || json_int(have_spec, "replicas", -1) !=
	    replicas)
		log_info("cluster %s: %s %s: %lld replicas",
		    kobj_name(s->cluster), k->kind, kobj_key(fed),
		    (long long)replicas);
	cJSON_Delete(want);
	return rc;
}

/* The federated status: the members' counts summed. */
static int
write_status(struct controller *c, const struct rkind *k,
    const struct kobj *fed, const struct share *s, size_t n)
{
	struct ck_status st;
	struct kobj *upd;
	cJSON *status;
	int64_t sum;
	size_t i, j;
	int rc;

	status = cJSON_CreateObject();
	for (j = 0; k->sums[j] != NULL; j++) {
		sum = 0;
		for (i = 0; i < n; i++)
			sum += json_int(cJSON_GetObjectItemCaseSensitive(
			    s[i].have, "status"), k->sums[j], 0);
		if (sum > 0 || strcmp(k->sums[j], "replicas") == 0)
			cJSON_AddNumberToObject(status, k->sums[j],
			    (double)sum);
	}
	cJSON_AddNumberToObject(status, "observedGeneration",
	    (double)kobj_get_int_or(fed, "metadata.generation", 0));
	if (cJSON_Compare(status, kobj_get(fed, "status"), 1)) {
		cJSON_Delete(status);
		return 0;
	}
	upd = kobj_copy(fed);
	rc = kobj_set_json(upd, "status", status);
	ck_status_clear(&st);
	if (rc == 0)
		rc = controller_update_status(c, upd, NULL, &st);
	kobj_unref(upd);
	return rc;
}

int
rs_reconcile_kind(struct controller *c, const char *kind, const char *key)
{
	const struct rkind *k = NULL;
	struct kobj **ready, *fed;
	struct share *s;
	struct plan_cluster *pc;
	struct plan_prefs prefs;
	struct ck_status st;
	char err[160], ns[256];
	const char *slash, *name;
	size_t i, n;
	int rc = 0, r;

	for (i = 0; i < ARRAY_SIZE(rkinds); i++)
		if (strcmp(rkinds[i].kind, kind) == 0)
			k = &rkinds[i];
	if (k == NULL || (slash = strchr(key, '/')) == NULL ||
	    (size_t)(slash - key) >= sizeof(ns))
		return 0;
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - key), key);
	name = slash + 1;
	fed = cache_get(controller_cache(c, k->cache), key);
	ready = members_ready(c, &n);
	s = ck_calloc(n > 0 ? n : 1, sizeof(*s));
	pc = ck_calloc(n > 0 ? n : 1, sizeof(*pc));
	for (i = 0; i < n; i++) {
		s[i].cluster = ready[i];
		pc[i].name = kobj_name(ready[i]);
		pc[i].current = -1;
		ck_status_clear(&st);
		if ((r = members_client(c, ready[i], &s[i].cl, &st)) == 0)
			r = client_get(s[i].cl, k->gvr, ns, name, &s[i].have,
			    &st);
		if (r < 0 && r != CK_ENOTFOUND) {
			log_warn("cluster %s: %s %s: %s", pc[i].name, k->kind,
			    key, st.message);
			rc = r;
			goto out;
		}
		pc[i].current = json_int(cJSON_GetObjectItemCaseSensitive(
		    s[i].have, "spec"), "replicas", -1);
	}
	if (fed == NULL) {
		/* Deleted from the federation: deleted from the members. */
		for (i = 0; i < n; i++)
			if (s[i].have != NULL && (r = client_delete(s[i].cl,
			    k->gvr, ns, name, NULL, NULL, &st)) < 0 &&
			    r != CK_ENOTFOUND)
				rc = CK_EIO;
		goto out;
	}
	if (plan_prefs_parse(kobj_annotation(fed, PLAN_ANNOTATION), &prefs,
	    err, sizeof(err)) < 0) {
		controller_event(c, fed, "Warning", "InvalidPreferences",
		    "%s: %s", PLAN_ANNOTATION, err);
		plan_prefs_default(&prefs);
	}
	plan_replicas(&prefs, kobj_get_int_or(fed, "spec.replicas", 1), key,
	    pc, n);
	for (i = 0; i < n; i++)
		if (apply_share(k, fed, &s[i], pc[i].planned) < 0)
			rc = CK_EIO;
	if ((r = write_status(c, k, fed, s, n)) < 0 && rc == 0)
		rc = r;
out:
	for (i = 0; i < n; i++)
		cJSON_Delete(s[i].have);
	free(s);
	free(pc);
	cache_list_free(ready, n);
	kobj_unref(fed);
	return rc;
}
