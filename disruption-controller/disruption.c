/*
 * disruption.c: disruption_reconcile(), one PodDisruptionBudget's status
 * (Kubernetes' DisruptionController.sync): select its pods, find the scales
 * of their controllers, compute (pdb_status.c) and write the status when it
 * changed. Any error in that ("fail safe") writes disruptionsAllowed 0 with
 * the DisruptionAllowed condition False/SyncFailed, so that evictions are
 * refused rather than wrongly allowed.
 */
#include "disruption.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"

#define PDB_RES		"poddisruptionbudgets.policy"
#define RS_RES		"replicasets.apps"
#define DEP_RES		"deployments.apps"
#define RC_RES		"replicationcontrollers"
#define FILL_WAIT_MS	100	/* a new budget waits for its pods this often */
#define STS_RES		"statefulsets.apps"
#define ERR_MAX		(CK_STATUS_MSG_MAX + 256)

/* A list of uids. */
struct uids {
	char	(*v)[CK_NAME_MAX];
	size_t	  n;
};

static bool
uids_has(const struct uids *u, const char *uid)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (strcmp(u->v[i], uid) == 0)
			return true;
	return false;
}

static void
uids_add(struct uids *u, const char *uid)
{
	u->v = ck_reallocarray(u->v, u->n + 1, sizeof(*u->v));
	ck_strlcpy(u->v[u->n++], uid, sizeof(u->v[0]));
}

/* The controllers seen (pods' references) and counted (scale owners). */
struct scales {
	struct uids	seen;
	struct uids	counted;
	int64_t		sum;
};

/* The budget's selector; a null one selects nothing. */
static int
pdb_selector(const struct kobj *pdb, struct label_selector **out, char *err)
{
	struct ck_status st;
	int rc;

	rc = selector_from_json(kobj_get(pdb, "spec.selector"),
	    "spec.selector", out, &st);
	if (rc < 0)
		(void)snprintf(err, ERR_MAX, "invalid selector: %s",
		    st.message);
	return rc;
}

static int
budget_selector(const struct kobj *pdb, struct label_selector **out)
{
	char err[ERR_MAX];

	return pdb_selector(pdb, out, err);
}

/* The pods watch's filter: a budget of its namespace selects the pod. */
bool
disruption_want_pod(struct controller *c, const struct kobj *pod)
{
	return controller_selected_by(c, PDB_RES, pod, budget_selector);
}

/*
 * The pods the budget selects that the cache lacks (those older than it)
 * are filled before its first sync: CK_EAGAIN until they are in.
 */
static int
fill_pods(struct controller *c, const struct kobj *pdb)
{
	struct label_selector *sel;
	char err[ERR_MAX];
	int rc;

	if (pdb_selector(pdb, &sel, err) < 0)
		return 0;	/* the sync reports it */
	rc = controller_fill_selected(c, "pods", pdb, sel);
	selector_free(sel);
	return rc;
}

void
disruption_map_pdb(struct controller *c, const struct kobj *obj)
{
	controller_enqueue(c, kobj_key(obj));
}

void
disruption_map_pod(struct controller *c, const struct kobj *pod)
{
	struct cache *pdbs = controller_cache(c, PDB_RES);
	struct label_selector *sel;
	struct kobj **list;
	char err[ERR_MAX];
	const char *first = NULL;
	size_t i, n, matched = 0;

	if (pdbs == NULL)
		return;
	list = cache_list_by_index(pdbs, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(pod), &n);
	for (i = 0; i < n; i++) {
		if (pdb_selector(list[i], &sel, err) < 0)
			continue;
		if (selector_matches_obj(sel, pod)) {
			if (matched++ == 0)
				first = kobj_name(list[i]);
			controller_enqueue(c, kobj_key(list[i]));
		}
		selector_free(sel);
	}
	if (matched > 1)
		controller_event(c, pod, "Warning",
		    "MultiplePodDisruptionBudgets", "Pod \"%s\"/\"%s\" matches "
		    "multiple PodDisruptionBudgets.  Chose \"%s\" arbitrarily.",
		    kobj_namespace(pod), kobj_name(pod), first);
	cache_list_free(list, n);
}

void
disruption_map_owner(struct controller *c, const struct kobj *obj)
{
	struct cache *pdbs = controller_cache(c, PDB_RES);
	struct kobj **list;
	size_t i, n;

	if (pdbs == NULL)
		return;
	list = cache_list_by_index(pdbs, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(obj), &n);
	for (i = 0; i < n; i++)
		controller_enqueue(c, kobj_key(list[i]));
	cache_list_free(list, n);
}

static const char *
ref_str(const cJSON *ref, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ref, key);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* The cached owner named by ref in ns, if its uid is ref's. */
static struct kobj *
cached_owner(struct controller *c, const char *res, const char *ns,
    const char *name, const char *uid)
{
	struct cache *cc = controller_cache(c, res);
	struct kobj *o;

	if (cc == NULL || (o = cache_get_by_name(cc, ns, name)) == NULL)
		return NULL;
	if (uid[0] != '\0' && strcmp(kobj_uid(o), uid) != 0) {
		kobj_unref(o);
		return NULL;
	}
	return o;
}

/*
 * Any other kind: the object its ownerReference names, read live, and its
 * spec.replicas (what its /scale serves).
 */
static int
live_owner(struct controller *c, const char *ns, const cJSON *ref,
    struct kobj **out, char *err)
{
	char group[128], version[64], resource[128];
	struct client_gvr gvr = { group, version, resource };
	struct ck_status st;
	cJSON *tm;
	int rc;

	*out = NULL;
	tm = cJSON_CreateObject();
	cJSON_AddStringToObject(tm, "apiVersion", ref_str(ref, "apiVersion"));
	cJSON_AddStringToObject(tm, "kind", ref_str(ref, "kind"));
	rc = client_gvr_of(tm, group, sizeof(group), version, sizeof(version),
	    resource, sizeof(resource), &st);
	cJSON_Delete(tm);
	if (rc == 0)
		rc = controller_get(c, &gvr, ns, ref_str(ref, "name"), out,
		    &st);
	if (rc == CK_ENOTFOUND)
		return 0;
	if (rc < 0)
		(void)snprintf(err, ERR_MAX, "reading the scale of %s %s: %s",
		    ref_str(ref, "kind"), ref_str(ref, "name"), st.message);
	else if (strcmp(kobj_uid(*out), ref_str(ref, "uid")) != 0 &&
	    ref_str(ref, "uid")[0] != '\0') {
		kobj_unref(*out);
		*out = NULL;
	}
	return rc;
}

/*
 * The controller of pod whose scale counts (a ReplicaSet's Deployment,
 * else the controller itself), into *out; NULL when it is not found.
 */
static int
scale_owner(struct controller *c, const struct kobj *pod, const cJSON *ref,
    struct kobj **out, char *err)
{
	const char *kind = ref_str(ref, "kind"), *ns = kobj_namespace(pod);
	const char *name = ref_str(ref, "name"), *uid = ref_str(ref, "uid");
	const cJSON *dref;
	struct kobj *rs;

	*out = NULL;
	if (strcmp(kind, "ReplicaSet") == 0) {
		if ((rs = cached_owner(c, RS_RES, ns, name, uid)) == NULL)
			return 0;
		dref = kobj_controller_ref(rs);
		if (dref != NULL &&
		    strcmp(ref_str(dref, "kind"), "Deployment") == 0)
			*out = cached_owner(c, DEP_RES, ns,
			    ref_str(dref, "name"), ref_str(dref, "uid"));
		else
			*out = kobj_ref(rs);
		kobj_unref(rs);
		return 0;
	}
	if (strcmp(kind, "ReplicationController") == 0) {
		*out = cached_owner(c, RC_RES, ns, name, uid);
		return 0;
	}
	if (strcmp(kind, "StatefulSet") == 0) {
		*out = cached_owner(c, STS_RES, ns, name, uid);
		return 0;
	}
	return live_owner(c, ns, ref, out, err);
}

/* Count pod's controller into s (once per controller). */
static int
add_scale(struct controller *c, struct scales *s, const struct kobj *pod,
    const cJSON *ref, char *err)
{
	struct kobj *owner;
	int rc;

	if (uids_has(&s->seen, ref_str(ref, "uid")))
		return 0;
	if ((rc = scale_owner(c, pod, ref, &owner, err)) < 0)
		return rc;
	if (owner == NULL) {
		(void)snprintf(err, ERR_MAX, "found no controllers for pod "
		    "\"%s\"", kobj_name(pod));
		return CK_ENOTFOUND;
	}
	uids_add(&s->seen, ref_str(ref, "uid"));
	/* Two ReplicaSets of one Deployment count it once. */
	if (!uids_has(&s->counted, kobj_uid(owner))) {
		uids_add(&s->counted, kobj_uid(owner));
		s->sum += kobj_get_int_or(owner, "spec.replicas", 1);
	}
	kobj_unref(owner);
	return 0;
}

/* One sync's inputs, gathered from the caches. */
struct sync {
	struct controller	*c;
	const struct kobj	*pdb;
	struct kobj		**pods;		/* selected */
	size_t			 npods;
	struct pdb_pod		*pp;
	char			 err[ERR_MAX];
};

static void
select_pods(struct sync *s, const struct label_selector *sel)
{
	struct cache *pc = controller_cache(s->c, "pods");
	struct kobj **all;
	size_t i, n;

	all = pc != NULL ? cache_list_by_index(pc, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(s->pdb), &n) : NULL;
	if (all == NULL)
		n = 0;
	s->pods = n > 0 ? ck_calloc(n, sizeof(*s->pods)) : NULL;
	s->pp = ck_calloc(n + 1, sizeof(*s->pp));
	for (i = 0; i < n; i++) {
		if (!selector_matches_obj(sel, all[i]))
			continue;
		s->pp[s->npods].name = kobj_name(all[i]);
		s->pp[s->npods].ready = kobj_condition_status(all[i],
		    "Ready") != NULL && strcmp(kobj_condition_status(all[i],
		    "Ready"), "True") == 0;
		s->pp[s->npods].terminating = kobj_get(all[i],
		    "metadata.deletionTimestamp") != NULL;
		s->pods[s->npods++] = kobj_ref(all[i]);
	}
	cache_list_free(all, n);
}

static void
sync_fini(struct sync *s)
{
	cache_list_free(s->pods, s->npods);
	free(s->pp);
}

/* The expected count's scale part, with the UnmanagedPods event. */
static int
sum_scales(struct sync *s, int64_t *sum)
{
	struct scales sc;
	const cJSON *ref;
	const char *uid;
	char *selstr;
	size_t i, unmanaged = 0;
	int rc = 0;

	memset(&sc, 0, sizeof(sc));
	for (i = 0; i < s->npods && rc == 0; i++) {
		/*
		 * In place first: a decoded reference stays with the cached
		 * pod, so only the first pod of each controller decodes it.
		 */
		if (!kobj_has_controller_ref(s->pods[i])) {
			unmanaged++;
			continue;
		}
		uid = kobj_controller_ref_str(s->pods[i], "uid");
		if (uid != NULL && uids_has(&sc.seen, uid))
			continue;
		ref = kobj_controller_ref(s->pods[i]);
		rc = add_scale(s->c, &sc, s->pods[i], ref, s->err);
	}
	free(sc.seen.v);
	free(sc.counted.v);
	*sum = sc.sum;
	if (rc == 0 && unmanaged > 0) {
		selstr = cJSON_PrintUnformatted(kobj_get(s->pdb,
		    "spec.selector"));
		controller_event(s->c, s->pdb, "Warning", "UnmanagedPods",
		    "Pods selected by this PodDisruptionBudget (selector: %s) "
		    "were found to be unmanaged. As a result, the status of "
		    "the PDB cannot be calculated correctly, which may result "
		    "in undefined behavior. To account for these pods please "
		    "set \".spec.minAvailable\" field of the PDB to an integer "
		    "value.", selstr != NULL ? selstr : "nil");
		free(selstr);
	}
	return rc;
}

static void
on_expired(const char *name, void *arg)
{
	struct sync *s = arg;
	size_t i;

	for (i = 0; i < s->npods; i++)
		if (strcmp(kobj_name(s->pods[i]), name) == 0)
			controller_event(s->c, s->pods[i], "Warning",
			    "NotDeleted", "Pod was expected by PDB %s/%s to be "
			    "deleted but it wasn't", kobj_namespace(s->pdb),
			    kobj_name(s->pdb));
}

/* Write status st (taken) when it differs from the budget's. */
static int
write_status(struct controller *c, const struct kobj *pdb, cJSON *st)
{
	struct ck_status cst;
	struct kobj *cp;
	int rc;

	if (cJSON_Compare(kobj_get(pdb, "status"), st, true)) {
		cJSON_Delete(st);
		return 0;
	}
	cp = kobj_copy(pdb);
	rc = kobj_set_json(cp, "status", st);
	if (rc == 0)
		rc = controller_update_status(c, cp, NULL, &cst);
	if (rc < 0 && rc != CK_ECONFLICT && rc != CK_ENOTFOUND)
		log_warn("pdb %s: writing status: %s", kobj_key(pdb),
		    cst.message);
	if (rc == CK_ENOTFOUND)
		rc = 0;		/* deleted meanwhile */
	kobj_unref(cp);
	return rc;
}

/* Compute and write; errors before the write leave s->err set. */
static int
try_sync(struct sync *s, const char *key)
{
	struct label_selector *sel = NULL;
	struct pdb_spec spec;
	struct pdb_result r;
	char now_ts[RFC3339_MAX];
	time_t now = time(NULL), recheck;
	int64_t sum = 0;
	int rc;

	if ((rc = pdb_selector(s->pdb, &sel, s->err)) < 0)
		return rc;
	select_pods(s, sel);
	selector_free(sel);
	if (s->npods == 0)
		controller_event(s->c, s->pdb, "Normal", "NoPods",
		    "No matching pods found");
	if ((rc = pdb_spec_parse(kobj_get(s->pdb, "spec"), &spec, s->err,
	    sizeof(s->err))) < 0)
		return rc;
	if (pdb_spec_needs_scale(&spec) && (rc = sum_scales(s, &sum)) < 0) {
		controller_event(s->c, s->pdb, "Warning",
		    "CalculateExpectedPodCountFailed", "Failed to calculate "
		    "the number of expected pods: %s", s->err);
		return rc;
	}
	memset(&r, 0, sizeof(r));
	pdb_expected_desired(&spec, (int64_t)s->npods, sum, &r.expected,
	    &r.desired);
	r.disrupted = pdb_prune_disrupted(kobj_get(s->pdb,
	    "status.disruptedPods"), s->pp, s->npods, now, &recheck,
	    on_expired, s);
	r.current = pdb_current_healthy(s->pp, s->npods, r.disrupted);
	r.allowed = pdb_disruptions_allowed(r.current, r.desired, r.expected);
	r.generation = kobj_get_int_or(s->pdb, "metadata.generation", 0);
	rfc3339_now(now_ts);
	rc = write_status(s->c, s->pdb, pdb_status_build(kobj_get(s->pdb,
	    "status"), &r, now_ts));
	cJSON_Delete(r.disrupted);
	s->err[0] = '\0';	/* a write error is not a sync failure */
	if (rc == 0 && recheck != 0)
		controller_requeue_after(s->c, key,
		    (unsigned int)(recheck - now + 1) * 1000u);
	return rc;
}

int
disruption_reconcile(struct controller *c, const char *key)
{
	struct cache *pdbs = controller_cache(c, PDB_RES);
	struct sync s;
	char now_ts[RFC3339_MAX];
	int rc, frc;

	memset(&s, 0, sizeof(s));
	s.c = c;
	if (pdbs == NULL || (s.pdb = cache_get(pdbs, key)) == NULL)
		return 0;	/* deleted */
	if (fill_pods(c, s.pdb) == CK_EAGAIN) {
		controller_requeue_after(c, key, FILL_WAIT_MS);
		kobj_unref(s.pdb);
		return 0;
	}
	rc = try_sync(&s, key);
	if (rc < 0 && rc != CK_ECONFLICT && s.err[0] != '\0') {
		log_warn("pdb %s: %s", key, s.err);
		rfc3339_now(now_ts);
		frc = write_status(c, s.pdb, pdb_status_fail_safe(
		    kobj_get(s.pdb, "status"), s.err, now_ts));
		if (frc < 0)
			rc = frc;
	}
	sync_fini(&s);
	kobj_unref(s.pdb);
	return rc;
}
