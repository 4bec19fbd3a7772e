/*
 * ds.c: ds_reconcile(), the DaemonSet algorithm (Kubernetes'
 * DaemonSetsController.syncDaemonSet): sync the ControllerRevisions, then
 * under expectations create the pods of nodes that should run one and have
 * none, delete failed pods, surplus pods and pods of nodes that no longer
 * qualify, take one rolling-update step, and write the status.
 */
#include "ds.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/clock.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/expectations.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/nametrack.h"
#include "ckube/podutil.h"
#include "ckube/revision.h"
#include "ckube/strbuf.h"

/* Most pods created or deleted by one reconcile (burstReplicas). */
#define DS_BURST	250

static const struct client_gvr gvr_revisions = { "apps", "v1",
	"controllerrevisions" };

/* One set being reconciled. */
struct ds_set {
	const char		*key;
	const struct kobj	*obj;
	cJSON			*pod_spec;	/* template spec + tolerations */
	struct strbuf		 hash;		/* controller-revision-hash */
	int64_t			 generation;
	int64_t			 min_ready;
	bool			 rolling;	/* RollingUpdate */
};

/* A node and the set's pods aimed at it. */
struct ds_node {
	const char	*name;
	bool		 exists;	/* in the nodes cache */
	bool		 should_run, should_continue;
	struct kobj	**pods;		/* borrowed from the pods list */
	size_t		 npods;
};

struct ds_plan {
	struct ds_node	*nodes;
	size_t		 nnodes;
	const char	**create;	/* node names */
	size_t		 ncreate;
	const struct kobj **del;	/* pods */
	size_t		 ndel;
};

void
ds_map_node(struct controller *c, const struct kobj *node)
{
	struct cache *sets = controller_cache(c, DS_RES);
	struct kobj **list;
	size_t i, n;

	(void)node;
	list = cache_list(sets, &n);
	for (i = 0; i < n; i++)
		controller_enqueue(c, kobj_key(list[i]));
	cache_list_free(list, n);
}

static bool
pod_terminating(const struct kobj *pod)
{
	return kobj_get(pod, "metadata.deletionTimestamp") != NULL;
}

static bool
pod_phase_is(const struct kobj *pod, const char *phase)
{
	const char *p = kobj_get_str(pod, "status.phase");

	return p != NULL && strcmp(p, phase) == 0;
}

static bool
pod_updated(const struct ds_set *ds, const struct kobj *pod)
{
	const char *h = kobj_label(pod, DS_LABEL_HASH);

	return h != NULL && strcmp(h, strbuf_str(&ds->hash)) == 0;
}

/* Scheduled first, then oldest, then by name (podByCreationTimestampAndPhase). */
static int
pod_age_cmp(const void *a, const void *b)
{
	const struct kobj *p = *(struct kobj *const *)a;
	const struct kobj *q = *(struct kobj *const *)b;
	const char *np = kobj_get_str(p, "spec.nodeName");
	const char *nq = kobj_get_str(q, "spec.nodeName");
	const char *tp = kobj_get_str(p, "metadata.creationTimestamp");
	const char *tq = kobj_get_str(q, "metadata.creationTimestamp");
	int sp = np != NULL && np[0] != '\0', sq = nq != NULL && nq[0] != '\0';
	int c;

	if (sp != sq)
		return sq - sp;
	c = strcmp(tp != NULL ? tp : "", tq != NULL ? tq : "");
	return c != 0 ? c : strcmp(kobj_name(p), kobj_name(q));
}

static void
plan_free(struct ds_plan *p)
{
	size_t i;

	for (i = 0; i < p->nnodes; i++)
		free(p->nodes[i].pods);
	free(p->nodes);
	free(p->create);
	free(p->del);
	memset(p, 0, sizeof(*p));
}

static void
plan_delete(struct ds_plan *p, const struct kobj *pod)
{
	size_t i;

	for (i = 0; i < p->ndel; i++)
		if (p->del[i] == pod)
			return;
	p->del = ck_reallocarray(p->del, p->ndel + 1, sizeof(*p->del));
	p->del[p->ndel++] = pod;
}

static void
plan_create(struct ds_plan *p, const char *node)
{
	p->create = ck_reallocarray(p->create, p->ncreate + 1,
	    sizeof(*p->create));
	p->create[p->ncreate++] = node;
}

static struct ds_node *
node_find(struct ds_plan *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nnodes; i++)
		if (strcmp(p->nodes[i].name, name) == 0)
			return &p->nodes[i];
	p->nodes = ck_reallocarray(p->nodes, p->nnodes + 1, sizeof(*p->nodes));
	memset(&p->nodes[p->nnodes], 0, sizeof(*p->nodes));
	p->nodes[p->nnodes].name = name;
	return &p->nodes[p->nnodes++];
}

/* Every node with its placement, and the set's pods grouped by node. */
static void
plan_build(const struct ds_set *ds, struct kobj **nodes, size_t nn,
    struct kobj **pods, size_t np, struct ds_plan *p)
{
	struct ds_node *dn;
	const char *name;
	size_t i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < nn; i++) {
		dn = node_find(p, kobj_name(nodes[i]));
		dn->exists = true;
		ds_node_placement(ds->pod_spec, nodes[i], &dn->should_run,
		    &dn->should_continue);
	}
	for (i = 0; i < np; i++) {
		name = ds_pod_node(pods[i]);
		if (name == NULL)
			name = "";	/* aimed nowhere: deleted below */
		dn = node_find(p, name);
		dn->pods = ck_reallocarray(dn->pods, dn->npods + 1,
		    sizeof(*dn->pods));
		dn->pods[dn->npods++] = pods[i];
	}
	for (i = 0; i < p->nnodes; i++)
		if (p->nodes[i].npods > 1)
			qsort(p->nodes[i].pods, p->nodes[i].npods,
			    sizeof(*p->nodes[i].pods), pod_age_cmp);
}

/* The pods of one node that should keep running (podsShouldBeOnNode). */
static void
manage_node(struct controller *c, const struct ds_set *ds, bool surge,
    struct ds_plan *p, struct ds_node *dn)
{
	const struct kobj *pod, *keep_new = NULL, *keep_old = NULL;
	size_t i;

	if (dn->should_run && dn->npods == 0) {
		plan_create(p, dn->name);
		return;
	}
	if (!dn->should_continue) {
		for (i = 0; i < dn->npods; i++)
			if (!pod_terminating(dn->pods[i]))
				plan_delete(p, dn->pods[i]);
		return;
	}
	for (i = 0; i < dn->npods; i++) {
		pod = dn->pods[i];
		if (pod_terminating(pod))
			continue;
		if (pod_phase_is(pod, "Failed") ||
		    pod_phase_is(pod, "Succeeded")) {
			if (pod_phase_is(pod, "Failed"))
				controller_event(c, ds->obj, "Warning",
				    "FailedDaemonPod", "Found failed daemon "
				    "pod %s/%s on node %s, will try to kill it",
				    kobj_namespace(pod), kobj_name(pod),
				    dn->name);
			plan_delete(p, pod);
			continue;
		}
		/* Oldest first: keep the oldest (surge: of each revision). */
		if (!surge) {
			if (keep_old == NULL)
				keep_old = pod;
			else
				plan_delete(p, pod);
		} else if (pod_updated(ds, pod)) {
			if (keep_new == NULL)
				keep_new = pod;
			else
				plan_delete(p, pod);
		} else if (keep_old == NULL)
			keep_old = pod;
		else
			plan_delete(p, pod);
	}
}

static bool
planned_delete(const struct ds_plan *p, const struct kobj *pod)
{
	size_t i;

	for (i = 0; i < p->ndel; i++)
		if (p->del[i] == pod)
			return true;
	return false;
}

/* One rolling-update step over the nodes that should run the daemon. */
static void
rolling_step(const struct ds_set *ds, int64_t desired, struct ds_plan *p)
{
	const cJSON *ru = kobj_get(ds->obj, "spec.updateStrategy.rollingUpdate");
	struct ds_node_state *st;
	const struct kobj **olds;
	struct ds_node **map;
	enum ds_action *act;
	const struct kobj *pod;
	int64_t now = (int64_t)time(NULL), wait;
	size_t i, j, n = 0;

	st = ck_calloc(p->nnodes + 1, sizeof(*st));
	olds = ck_calloc(p->nnodes + 1, sizeof(*olds));
	map = ck_calloc(p->nnodes + 1, sizeof(*map));
	act = ck_calloc(p->nnodes + 1, sizeof(*act));
	for (i = 0; i < p->nnodes; i++) {
		struct ds_node *dn = &p->nodes[i];
		struct ds_node_state *s = &st[n];

		if (!dn->exists || !dn->should_run)
			continue;
		map[n] = dn;
		s->ok = true;
		for (j = 0; j < dn->npods; j++) {
			pod = dn->pods[j];
			if (pod_terminating(pod) || planned_delete(p, pod))
				continue;
			if (pod_updated(ds, pod)) {
				if (s->has_new)
					s->ok = false;
				s->has_new = true;
				s->new_available = pod_available(pod,
				    ds->min_ready, now, &wait);
			} else {
				if (s->has_old)
					s->ok = false;
				s->has_old = true;
				olds[n] = pod;
				s->old_available = pod_available(pod,
				    ds->min_ready, now, &wait);
			}
		}
		n++;
	}
	ds_rolling_plan(st, n, ds_int_or_percent(
	    cJSON_GetObjectItemCaseSensitive(ru, "maxUnavailable"), desired),
	    ds_int_or_percent(cJSON_GetObjectItemCaseSensitive(ru, "maxSurge"),
	    desired), act);
	for (i = 0; i < n; i++) {
		if (act[i] == DS_DELETE_OLD && olds[i] != NULL)
			plan_delete(p, olds[i]);
		else if (act[i] == DS_CREATE_NEW)
			plan_create(p, map[i]->name);
	}
	free(st);
	free(olds);
	free(map);
	free(act);
}

static struct kobj *
pod_new(const struct ds_set *ds, const char *node)
{
	struct kobj *pod = kobj_new("v1", "Pod");
	struct strbuf gen = STRBUF_INIT;
	const cJSON *v;
	cJSON *spec, *labels, *refs;
	int rc;

	strbuf_addf(&gen, "%s-", kobj_name(ds->obj));
	rc = kobj_set_str(pod, "metadata.generateName", strbuf_str(&gen));
	strbuf_fini(&gen);
	if (rc == 0)
		rc = kobj_set_str(pod, "metadata.namespace",
		    kobj_namespace(ds->obj));
	v = kobj_get(ds->obj, "spec.template.metadata.labels");
	labels = cJSON_IsObject(v) ? cJSON_Duplicate(v, 1) :
	    cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(labels, DS_LABEL_HASH);
	cJSON_AddStringToObject(labels, DS_LABEL_HASH, strbuf_str(&ds->hash));
	strbuf_init(&gen);
	strbuf_addf(&gen, "%lld", (long long)ds->generation);
	cJSON_DeleteItemFromObjectCaseSensitive(labels, DS_LABEL_GENERATION);
	cJSON_AddStringToObject(labels, DS_LABEL_GENERATION, strbuf_str(&gen));
	strbuf_fini(&gen);
	if (rc == 0)
		rc = kobj_set_json(pod, "metadata.labels", labels);
	else
		cJSON_Delete(labels);
	if (rc == 0 && (v = kobj_get(ds->obj,
	    "spec.template.metadata.annotations")) != NULL)
		rc = kobj_set_json(pod, "metadata.annotations",
		    cJSON_Duplicate(v, 1));
	if (rc == 0) {
		refs = cJSON_CreateArray();
		cJSON_AddItemToArray(refs, kobj_new_owner_ref(ds->obj,
		    "apps/v1", "DaemonSet", true));
		rc = kobj_set_json(pod, "metadata.ownerReferences", refs);
	}
	spec = cJSON_Duplicate(ds->pod_spec, 1);
	ds_pin_to_node(spec, node);
	if (rc == 0)
		rc = kobj_set_json(pod, "spec", spec);
	else
		cJSON_Delete(spec);
	if (rc < 0) {
		kobj_unref(pod);
		return NULL;
	}
	kobj_touch(pod);
	return pod;
}

/* Deletes, then creates (syncNodes), each recorded as an expectation. */
static int
plan_apply(struct controller *c, const struct ds_set *ds,
    const struct ds_plan *p)
{
	struct nametrack *t = controller_data(c);
	struct ck_status st;
	struct kobj *pod, *out;
	size_t i;
	int rc = 0, r;

	for (i = 0; i < p->ndel && i < DS_BURST; i++) {
		nametrack_expect(t, ds->key, kobj_name(p->del[i]), true);
		r = controller_delete(c, &CLIENT_GVR_PODS,
		    kobj_namespace(p->del[i]), kobj_name(p->del[i]), NULL, &st);
		if (r == CK_ENOTFOUND)
			r = 0;
		if (r < 0) {
			nametrack_forget(t, ds->key, kobj_name(p->del[i]), true);
			controller_event(c, ds->obj, "Warning", "FailedDelete",
			    "Error deleting: %s", st.message);
			rc = r;
			continue;
		}
		controller_event(c, ds->obj, "Normal", "SuccessfulDelete",
		    "Deleted pod: %s", kobj_name(p->del[i]));
	}
	for (i = 0; i < p->ncreate && i < DS_BURST; i++) {
		pod = pod_new(ds, p->create[i]);
		if (pod == NULL)
			return CK_EINVALID;
		out = NULL;
		r = controller_create(c, pod, &out, &st);
		kobj_unref(pod);
		if (r < 0) {
			controller_event(c, ds->obj, "Warning", "FailedCreate",
			    "Error creating: %s", st.message);
			rc = r;
			continue;
		}
		if (out != NULL) {
			/* Named by the server: expected once it is known. */
			nametrack_expect(t, ds->key, kobj_name(out), false);
			controller_event(c, ds->obj, "Normal",
			    "SuccessfulCreate", "Created pod: %s",
			    kobj_name(out));
			kobj_unref(out);
		}
	}
	return rc;
}

/* The ControllerRevision of a template: data as Kubernetes' getPatch. */
static struct kobj *
revision_new(const struct ds_set *ds, const char *name, int64_t number)
{
	const cJSON *labels = kobj_get(ds->obj, "spec.template.metadata.labels");
	const cJSON *tmpl = kobj_get(ds->obj, "spec.template");
	cJSON *root, *meta, *l, *t;

	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "apiVersion", "apps/v1");
	cJSON_AddStringToObject(root, "kind", "ControllerRevision");
	meta = cJSON_AddObjectToObject(root, "metadata");
	cJSON_AddStringToObject(meta, "name", name);
	cJSON_AddStringToObject(meta, "namespace", kobj_namespace(ds->obj));
	l = cJSON_IsObject(labels) ? cJSON_Duplicate(labels, 1) :
	    cJSON_CreateObject();
	cJSON_DeleteItemFromObjectCaseSensitive(l, DS_LABEL_HASH);
	cJSON_AddStringToObject(l, DS_LABEL_HASH, strbuf_str(&ds->hash));
	cJSON_AddItemToObject(meta, "labels", l);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(meta, "ownerReferences"),
	    kobj_new_owner_ref(ds->obj, "apps/v1", "DaemonSet", true));
	t = cJSON_Duplicate(tmpl, 1);
	cJSON_AddStringToObject(t, "$patch", "replace");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(cJSON_AddObjectToObject(
	    root, "data"), "spec"), "template", t);
	cJSON_AddNumberToObject(root, "revision", (double)number);
	return kobj_new_take(root);
}

/* The template a revision stores, without the patch directive. */
static bool
revision_holds(const struct kobj *rev, const cJSON *tmpl)
{
	cJSON *t = cJSON_Duplicate(kobj_get(rev, "data.spec.template"), 1);
	bool same;

	cJSON_DeleteItemFromObjectCaseSensitive(t, "$patch");
	same = t != NULL && cJSON_Compare(t, tmpl, 1);
	cJSON_Delete(t);
	return same;
}

static bool
revision_in_use(const struct kobj *rev, const struct ds_set *ds,
    struct kobj **pods, size_t np)
{
	const char *h = kobj_label(rev, DS_LABEL_HASH), *ph;
	size_t i;

	if (h == NULL)
		return false;
	if (strcmp(h, strbuf_str(&ds->hash)) == 0)
		return true;
	for (i = 0; i < np; i++)
		if ((ph = kobj_label(pods[i], DS_LABEL_HASH)) != NULL &&
		    strcmp(ph, h) == 0)
			return true;
	return false;
}

/*
 * Make the revision of the current template exist and be the newest; on a
 * hash collision bump status.collisionCount (CK_ECONFLICT: try again).
 * Then drop the oldest unused revisions beyond revisionHistoryLimit.
 */
static int
revisions_sync(struct controller *c, const struct ds_set *ds,
    struct kobj **pods, size_t np)
{
	const cJSON *tmpl = kobj_get(ds->obj, "spec.template");
	int64_t limit = kobj_get_int_or(ds->obj, "spec.revisionHistoryLimit",
	    10);
	struct strbuf name = STRBUF_INIT;
	struct kobj **list, *rev = NULL, *cp;
	struct ck_status st;
	int64_t max = 0;
	size_t i, n, unused = 0;
	int rc = 0, r;

	strbuf_addf(&name, "%s-%s", kobj_name(ds->obj), strbuf_str(&ds->hash));
	list = revision_list(controller_cache(c, DS_REV_RES),
	    kobj_uid(ds->obj), &n);
	if (n > 0)
		max = kobj_get_int_or(list[n - 1], "revision", 0);
	for (i = 0; i < n; i++)
		if (strcmp(kobj_name(list[i]), strbuf_str(&name)) == 0)
			rev = list[i];
	if (rev != NULL && !revision_holds(rev, tmpl)) {
		cp = kobj_copy(ds->obj);
		rc = kobj_set_int(cp, "status.collisionCount",
		    kobj_get_int_or(ds->obj, "status.collisionCount", 0) + 1);
		if (rc == 0)
			rc = controller_update_status(c, cp, NULL, &st);
		kobj_unref(cp);
		if (rc == 0)
			rc = CK_ECONFLICT;	/* again, with the new hash */
		goto out;
	}
	if (rev == NULL) {
		rev = revision_new(ds, strbuf_str(&name), max + 1);
		rc = controller_create(c, rev, NULL, &st);
		kobj_unref(rev);
		rev = NULL;
		if (rc == CK_EEXIST)
			rc = 0;		/* the cache is behind */
		if (rc < 0)
			log_warn("%s: creating revision %s: %s", ds->key,
			    strbuf_str(&name), st.message);
	} else if (kobj_get_int_or(rev, "revision", 0) < max) {
		/* A rollback to an older template: it becomes the newest. */
		cp = kobj_copy(rev);
		rc = kobj_set_int(cp, "revision", max + 1);
		if (rc == 0)
			rc = controller_update(c, cp, NULL, &st);
		kobj_unref(cp);
	}
	for (i = 0; i < n; i++)
		if (!revision_in_use(list[i], ds, pods, np))
			unused++;
	for (i = 0; i < n && (int64_t)unused > limit; i++) {
		if (revision_in_use(list[i], ds, pods, np))
			continue;
		r = controller_delete(c, &gvr_revisions, kobj_namespace(list[i]),
		    kobj_name(list[i]), NULL, &st);
		if (r < 0 && r != CK_ENOTFOUND && rc == 0)
			rc = r;
		unused--;
	}
out:
	cache_list_free(list, n);
	strbuf_fini(&name);
	return rc;
}

static bool
status_same(const struct kobj *o, const char *f, int64_t v)
{
	const cJSON *j = kobj_get(o, f);

	return cJSON_IsNumber(j) && (int64_t)j->valuedouble == v;
}

/* updateDaemonSetStatus: counted on each node's oldest pod. */
static int
status_update(struct controller *c, const struct ds_set *ds,
    const struct ds_plan *p, unsigned int *requeue_ms)
{
	static const char *const names[] = { "desiredNumberScheduled",
		"currentNumberScheduled", "numberMisscheduled", "numberReady",
		"numberAvailable", "numberUnavailable",
		"updatedNumberScheduled", "observedGeneration" };
	int64_t v[8] = { 0 }, now = (int64_t)time(NULL), wait, minwait = 0;
	struct strbuf path = STRBUF_INIT;
	const struct kobj *pod;
	struct ck_status st;
	struct kobj *cp;
	size_t i, j;
	bool same = true;
	int rc = 0;

	for (i = 0; i < p->nnodes; i++) {
		const struct ds_node *dn = &p->nodes[i];

		pod = NULL;
		for (j = 0; j < dn->npods && pod == NULL; j++)
			if (!(pod_terminating(dn->pods[j]) &&
			    (pod_phase_is(dn->pods[j], "Failed") ||
			    pod_phase_is(dn->pods[j], "Succeeded"))))
				pod = dn->pods[j];
		if (!dn->exists)
			continue;	/* not a node of the list */
		if (!dn->should_run) {
			if (pod != NULL)
				v[2]++;
			continue;
		}
		v[0]++;
		if (pod == NULL)
			continue;
		v[1]++;
		if (pod_ready(pod)) {
			v[3]++;
			if (pod_available(pod, ds->min_ready, now, &wait))
				v[4]++;
			else if (wait > 0 && (minwait == 0 || wait < minwait))
				minwait = wait;
		}
		if (pod_updated(ds, pod))
			v[6]++;
	}
	v[5] = v[0] - v[4];
	v[7] = ds->generation;
	*requeue_ms = (unsigned int)minwait * 1000u;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "status.%s", names[i]);
		if (!status_same(ds->obj, strbuf_str(&path), v[i]))
			same = false;
	}
	if (same)
		goto out;
	cp = kobj_copy(ds->obj);
	for (i = 0; i < ARRAY_SIZE(names) && rc == 0; i++) {
		strbuf_reset(&path);
		strbuf_addf(&path, "status.%s", names[i]);
		rc = kobj_set_int(cp, strbuf_str(&path), v[i]);
	}
	if (rc == 0)
		rc = controller_update_status(c, cp, NULL, &st);
	kobj_unref(cp);
out:
	strbuf_fini(&path);
	return rc;
}

static int
set_read(const struct kobj *obj, const char *key, struct ds_set *ds)
{
	const cJSON *spec = kobj_get(obj, "spec.template.spec");
	const char *type = kobj_get_str(obj, "spec.updateStrategy.type");

	memset(ds, 0, sizeof(*ds));
	strbuf_init(&ds->hash);
	ds->key = key;
	ds->obj = obj;
	if (!cJSON_IsObject(spec))
		return CK_EINVALID;
	ds->pod_spec = cJSON_Duplicate(spec, 1);
	ds_add_tolerations(ds->pod_spec);
	revision_hash(kobj_get(obj, "spec.template"), kobj_get_int_or(obj,
	    "status.collisionCount", 0), &ds->hash);
	ds->generation = kobj_get_int_or(obj, "metadata.generation", 1);
	ds->min_ready = kobj_get_int_or(obj, "spec.minReadySeconds", 0);
	ds->rolling = type == NULL || strcmp(type, "RollingUpdate") == 0;
	return 0;
}

int
ds_reconcile(struct controller *c, const char *key)
{
	struct nametrack *t = controller_data(c);
	struct cache *sets = controller_cache(c, DS_RES);
	struct cache *pods = controller_cache(c, "pods");
	struct cache *nodes = controller_cache(c, "nodes");
	struct kobj *obj, **nlist = NULL, **plist = NULL;
	struct ds_plan plan = { 0 };
	struct ds_set ds;
	unsigned int requeue_ms = 0;
	int64_t desired = 0;
	size_t i, nn = 0, np = 0;
	bool surge;
	int rc = 0, r;

	obj = sets != NULL ? cache_get(sets, key) : NULL;
	if (obj == NULL || pods == NULL || nodes == NULL) {
		nametrack_drop(t, key);
		kobj_unref(obj);
		return 0;
	}
	if (set_read(obj, key, &ds) < 0 ||
	    kobj_get(obj, "metadata.deletionTimestamp") != NULL)
		goto out;	/* invalid, or going: the gc takes the pods */
	nlist = cache_list(nodes, &nn);
	plist = cache_list_by_index(pods, CACHE_INDEX_CONTROLLER_UID,
	    kobj_uid(obj), &np);
	rc = revisions_sync(c, &ds, plist, np);
	if (rc < 0)
		goto out;
	plan_build(&ds, nlist, nn, plist, np, &plan);
	for (i = 0; i < plan.nnodes; i++)
		if (plan.nodes[i].exists && plan.nodes[i].should_run)
			desired++;
	surge = ds.rolling && ds_int_or_percent(kobj_get(obj,
	    "spec.updateStrategy.rollingUpdate.maxSurge"), desired) > 0;
	if (nametrack_observe(t, key, pods, ck_now_ms(),
	    EXPECTATIONS_TTL_MS) == 0) {
		for (i = 0; i < plan.nnodes; i++) {
			if (!plan.nodes[i].exists) {
				/* Its node is gone: nothing should stay. */
				plan.nodes[i].should_run = false;
				plan.nodes[i].should_continue = false;
			}
			manage_node(c, &ds, surge, &plan, &plan.nodes[i]);
		}
		if (ds.rolling)
			rolling_step(&ds, desired, &plan);
		rc = plan_apply(c, &ds, &plan);
	}
	r = status_update(c, &ds, &plan, &requeue_ms);
	if (r < 0 && rc == 0)
		rc = r;
	if (rc == 0 && requeue_ms > 0)
		controller_requeue_after(c, key, requeue_ms);
out:
	plan_free(&plan);
	cache_list_free(nlist, nn);
	cache_list_free(plist, np);
	cJSON_Delete(ds.pod_spec);
	strbuf_fini(&ds.hash);
	kobj_unref(obj);
	return rc;
}
