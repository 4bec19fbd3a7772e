/*
 * rbac_cache.c: the roles and bindings the RBAC authorizer reads, held in
 * memory. The store's commit hook bumps a generation when a Role,
 * ClusterRole, RoleBinding or ClusterRoleBinding is written; the next check
 * rebuilds the snapshot from the store (four lists) under the write lock,
 * every other check reads it under the read lock: no SQL on the hot path.
 *
 * Aggregation: a ClusterRole with an aggregationRule holds, in the
 * snapshot, the union of the rules of the ClusterRoles its selectors pick,
 * as Kubernetes' clusterrole-aggregation controller computes it; and a
 * thread (rbac_start) writes those rules into the stored ClusterRole, as
 * that controller does (docs/security.md).
 */
#include "rbac.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"
#include "apiserver.h"
#include "store/store.h"

#define Q_ROLES		"roles.rbac.authorization.k8s.io"
#define Q_CROLES	"clusterroles.rbac.authorization.k8s.io"
#define Q_RBS		"rolebindings.rbac.authorization.k8s.io"
#define Q_CRBS		"clusterrolebindings.rbac.authorization.k8s.io"

#define AGG_PASSES	8

struct rbac {
	struct store		*store;
	pthread_rwlock_t	 lock;
	/* the aggregation writer (rbac_start): woken by rbac_observe */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	pthread_t		 thread;
	bool			 running, stop;
	int64_t			 synced;	/* gen the writer last saw */
	int64_t			 gen;	/* bumped by rbac_observe (atomic) */
	int64_t			 built;	/* gen of the snapshot; -1: none */
	cJSON			*roles, *croles, *rbs, *crbs;
};

struct rbac *
rbac_new(struct store *s)
{
	struct rbac *rb = ck_calloc(1, sizeof(*rb));

	rb->store = s;
	pthread_rwlock_init(&rb->lock, NULL);
	pthread_mutex_init(&rb->mu, NULL);
	pthread_cond_init(&rb->cv, NULL);
	rb->synced = -1;
	rb->built = -1;
	return rb;
}

static void
snapshot_free(struct rbac *rb)
{
	cJSON_Delete(rb->roles);
	cJSON_Delete(rb->croles);
	cJSON_Delete(rb->rbs);
	cJSON_Delete(rb->crbs);
	rb->roles = rb->croles = rb->rbs = rb->crbs = NULL;
}

void
rbac_free(struct rbac *rb)
{
	if (rb == NULL)
		return;
	rbac_stop(rb);
	snapshot_free(rb);
	pthread_rwlock_destroy(&rb->lock);
	pthread_mutex_destroy(&rb->mu);
	pthread_cond_destroy(&rb->cv);
	free(rb);
}

void
rbac_observe(struct rbac *rb, const struct store_event *ev)
{
	if (rb == NULL)
		return;
	if (strcmp(ev->resource, Q_ROLES) == 0 ||
	    strcmp(ev->resource, Q_CROLES) == 0 ||
	    strcmp(ev->resource, Q_RBS) == 0 ||
	    strcmp(ev->resource, Q_CRBS) == 0) {
		__atomic_add_fetch(&rb->gen, 1, __ATOMIC_SEQ_CST);
		if (strcmp(ev->resource, Q_CROLES) == 0) {
			pthread_mutex_lock(&rb->mu);
			pthread_cond_signal(&rb->cv);
			pthread_mutex_unlock(&rb->mu);
		}
	}
}

static int
load(struct store *s, const char *resource, cJSON **out)
{
	struct store_list l;
	cJSON *a, *o;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = store_list(s, resource, "", NULL, NULL, 0, &l)) < 0)
		return rc;
	a = cJSON_CreateArray();
	for (i = 0; i < l.n; i++) {
		o = cJSON_ParseWithLength(l.items[i].body, l.items[i].body_len);
		if (o != NULL)
			cJSON_AddItemToArray(a, o);
	}
	store_list_fini(&l);
	*out = a;
	return 0;
}

static const cJSON *
find_named(const cJSON *objs, const char *ns, const char *name)
{
	const cJSON *o, *meta;

	cJSON_ArrayForEach(o, objs) {
		meta = json_obj(o, "metadata");
		if (strcmp(json_str(meta, "name") ? json_str(meta, "name") : "",
		    name) != 0)
			continue;
		if (ns == NULL || strcmp(json_str(meta, "namespace") ?
		    json_str(meta, "namespace") : "", ns) == 0)
			return o;
	}
	return NULL;
}

/* Two string arrays hold the same strings in the same order. */
static bool
list_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	for (x = a != NULL ? a->child : NULL, y = b != NULL ? b->child : NULL;
	    x != NULL && y != NULL; x = x->next, y = y->next)
		if (!cJSON_IsString(x) || !cJSON_IsString(y) ||
		    strcmp(x->valuestring, y->valuestring) != 0)
			return false;
	return x == NULL && y == NULL;
}

/*
 * The same PolicyRule: its five lists only (cJSON_Compare is exponential
 * in depth, and a rule may carry unknown members of any depth).
 */
static bool
rule_equal(const cJSON *a, const cJSON *b)
{
	static const char *const keys[] = { "verbs", "apiGroups", "resources",
		"resourceNames", "nonResourceURLs" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (!list_equal(rbac_json_arr(a, keys[i]),
		    rbac_json_arr(b, keys[i])))
			return false;
	return true;
}

static void
add_unique(cJSON *out, const cJSON *rules)
{
	const cJSON *r, *have;
	bool dup;

	cJSON_ArrayForEach(r, rules) {
		dup = false;
		cJSON_ArrayForEach(have, out)
			if (rule_equal(have, r)) {
				dup = true;
				break;
			}
		if (!dup)
			cJSON_AddItemToArray(out, cJSON_Duplicate(r, 1));
	}
}

cJSON *
rbac_aggregate(const cJSON *croles, const cJSON *agg, const char *self)
{
	cJSON *out = cJSON_CreateArray();
	const cJSON *sel, *cr;
	struct label_selector *ls;
	const char *name;

	cJSON_ArrayForEach(sel, rbac_json_arr(agg, "clusterRoleSelectors")) {
		if (selector_from_json(sel, "", &ls, NULL) < 0)
			continue;
		cJSON_ArrayForEach(cr, croles) {
			name = json_str(json_obj(cr, "metadata"), "name");
			if (name == NULL || (self != NULL &&
			    strcmp(name, self) == 0) ||
			    !selector_matches(ls, json_obj(json_obj(cr,
			    "metadata"), "labels")))
				continue;
			add_unique(out, rbac_json_arr(cr, "rules"));
		}
		selector_free(ls);
	}
	return out;
}

static bool
rules_equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	for (x = a != NULL ? a->child : NULL, y = b != NULL ? b->child : NULL;
	    x != NULL && y != NULL; x = x->next, y = y->next)
		if (!rule_equal(x, y))
			return false;
	return x == NULL && y == NULL;
}

/*
 * The clusterrole-aggregation controller, run to a fixed point: each pass
 * sets every aggregated ClusterRole's rules to the union of the current
 * rules of the ClusterRoles it selects (itself excepted), so view reaches
 * edit and edit admin in later passes. AGG_PASSES bounds the work whatever
 * the selectors are.
 */
static void
aggregate_all(cJSON *croles)
{
	cJSON *cr, *rules;
	const char *name;
	int pass;
	bool changed = true;

	for (pass = 0; pass < AGG_PASSES && changed; pass++) {
		changed = false;
		cJSON_ArrayForEach(cr, croles) {
			if (json_obj(cr, "aggregationRule") == NULL)
				continue;
			name = json_str(json_obj(cr, "metadata"), "name");
			rules = rbac_aggregate(croles, json_obj(cr,
			    "aggregationRule"), name);
			if (rules_equal(rules, rbac_json_arr(cr, "rules"))) {
				cJSON_Delete(rules);
				continue;
			}
			cJSON_DeleteItemFromObjectCaseSensitive(cr, "rules");
			cJSON_AddItemToObject(cr, "rules", rules);
			changed = true;
		}
	}
}

/* Under the write lock. */
static int
rebuild(struct rbac *rb)
{
	cJSON *roles = NULL, *croles = NULL, *rbs = NULL, *crbs = NULL;
	int64_t gen = __atomic_load_n(&rb->gen, __ATOMIC_SEQ_CST);
	int rc;

	if ((rc = load(rb->store, Q_ROLES, &roles)) < 0 ||
	    (rc = load(rb->store, Q_CROLES, &croles)) < 0 ||
	    (rc = load(rb->store, Q_RBS, &rbs)) < 0 ||
	    (rc = load(rb->store, Q_CRBS, &crbs)) < 0) {
		log_error("rbac: cannot read roles and bindings: %s",
		    ck_strerror(rc));
		cJSON_Delete(roles);
		cJSON_Delete(croles);
		cJSON_Delete(rbs);
		cJSON_Delete(crbs);
		return rc;
	}
	aggregate_all(croles);
	snapshot_free(rb);
	rb->roles = roles;
	rb->croles = croles;
	rb->rbs = rbs;
	rb->crbs = crbs;
	rb->built = gen;
	log_v(4, "rbac: %d roles, %d clusterroles, %d rolebindings, "
	    "%d clusterrolebindings (generation %lld)",
	    cJSON_GetArraySize(roles), cJSON_GetArraySize(croles),
	    cJSON_GetArraySize(rbs), cJSON_GetArraySize(crbs),
	    (long long)gen);
	return 0;
}

/*
 * Hold the read lock on a snapshot at least as new as the last observed
 * write (rebuilt once if not; under constant RBAC writes a check may see a
 * snapshot one write old, never an older one than when it started).
 */
static int
lock_fresh(struct rbac *rb)
{
	int tries, rc;

	for (tries = 0; tries < 2; tries++) {
		pthread_rwlock_rdlock(&rb->lock);
		if (rb->built == __atomic_load_n(&rb->gen, __ATOMIC_SEQ_CST))
			return 0;
		pthread_rwlock_unlock(&rb->lock);
		pthread_rwlock_wrlock(&rb->lock);
		rc = 0;
		if (rb->built != __atomic_load_n(&rb->gen, __ATOMIC_SEQ_CST))
			rc = rebuild(rb);
		pthread_rwlock_unlock(&rb->lock);
		if (rc < 0 && rb->built < 0)
			return rc;
	}
	pthread_rwlock_rdlock(&rb->lock);
	return 0;
}

/* ---- visiting the rules of a user ---- */

struct visit {
	const struct auth_user	*user;
	const struct auth_attrs	*attrs;	/* authorize: stop at a match */
	cJSON			*collect;	/* rules_for: every rule */
	struct strbuf		 errs;
	int			 nerrs;
	char			*why;
	size_t			 whylen;
	bool			 allowed;
};

static const cJSON *
role_rules(struct rbac *rb, const cJSON *ref, const char *ns,
    struct visit *v)
{
	const char *kind = json_str(ref, "kind"), *name = json_str(ref, "name");
	const cJSON *role = NULL;

	if (kind == NULL || name == NULL)
		return NULL;
	if (strcmp(kind, "ClusterRole") == 0)
		role = find_named(rb->croles, NULL, name);
	else if (strcmp(kind, "Role") == 0 && ns[0] != '\0')
		role = find_named(rb->roles, ns, name);
	if (role == NULL && v != NULL) {
		strbuf_addf(&v->errs, "%s%s.rbac.authorization.k8s.io \"%s\" "
		    "not found", v->nerrs > 0 ? ", " : "",
		    strcmp(kind, "ClusterRole") == 0 ? "clusterrole" : "role",
		    name);
		v->nerrs++;
	}
	return role != NULL ? rbac_json_arr(role, "rules") : NULL;
}

static void
describe_subject(const cJSON *s, char *buf, size_t len)
{
	const char *kind = json_str(s, "kind"), *ns = json_str(s, "namespace");

	if (kind != NULL && strcmp(kind, "ServiceAccount") == 0 && ns != NULL &&
	    ns[0] != '\0')
		snprintf(buf, len, "%s \"%s/%s\"", kind, ns,
		    json_str(s, "name") ? json_str(s, "name") : "");
	else
		snprintf(buf, len, "%s \"%s\"", kind ? kind : "",
		    json_str(s, "name") ? json_str(s, "name") : "");
}

/* One binding: true to stop visiting. */
static bool
visit_binding(struct rbac *rb, const cJSON *b, const char *ns,
    struct visit *v)
{
	const cJSON *s, *rules, *r, *ref = json_obj(b, "roleRef");
	const cJSON *match = NULL;
	char subj[AUTH_NAME_MAX + 64];

	cJSON_ArrayForEach(s, rbac_json_arr(b, "subjects"))
		if (rbac_subject_matches(s, v->user, ns)) {
			match = s;
			break;
		}
	if (match == NULL)
		return false;
	rules = role_rules(rb, ref, ns, v);
	if (v->collect != NULL) {
		cJSON_ArrayForEach(r, rules)
			cJSON_AddItemToArray(v->collect, cJSON_Duplicate(r, 1));
		return false;
	}
	cJSON_ArrayForEach(r, rules) {
		if (!rbac_rule_allows(r, v->attrs))
			continue;
		describe_subject(match, subj, sizeof(subj));
		if (ns[0] != '\0')
			snprintf(v->why, v->whylen, "RBAC: allowed by "
			    "RoleBinding \"%s/%s\" of %s \"%s\" to %s",
			    json_str(json_obj(b, "metadata"), "name"), ns,
			    json_str(ref, "kind"), json_str(ref, "name"), subj);
		else
			snprintf(v->why, v->whylen, "RBAC: allowed by "
			    "ClusterRoleBinding \"%s\" of %s \"%s\" to %s",
			    json_str(json_obj(b, "metadata"), "name"),
			    json_str(ref, "kind"), json_str(ref, "name"), subj);
		v->allowed = true;
		return true;
	}
	return false;
}

/* VisitRulesFor: ClusterRoleBindings, then the RoleBindings of ns. */
static void
visit(struct rbac *rb, const char *ns, struct visit *v)
{
	const cJSON *b;
	const char *bns;

	cJSON_ArrayForEach(b, rb->crbs)
		if (visit_binding(rb, b, "", v))
			return;
	if (ns == NULL || ns[0] == '\0')
		return;
	cJSON_ArrayForEach(b, rb->rbs) {
		bns = json_str(json_obj(b, "metadata"), "namespace");
		if (bns != NULL && strcmp(bns, ns) == 0 &&
		    visit_binding(rb, b, ns, v))
			return;
	}
}

int
rbac_authorize(struct rbac *rb, const struct auth_user *user,
    const struct auth_attrs *a, char *why, size_t whylen)
{
	struct visit v;
	char dummy[8];
	int rc;

	if (why == NULL || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	if ((rc = lock_fresh(rb)) < 0)
		return rc;
	memset(&v, 0, sizeof(v));
	v.user = user;
	v.attrs = a;
	v.why = why;
	v.whylen = whylen;
	strbuf_init(&v.errs);
	visit(rb, a->ns, &v);
	pthread_rwlock_unlock(&rb->lock);
	if (!v.allowed && v.nerrs == 1)
		snprintf(why, whylen, "RBAC: %s", strbuf_str(&v.errs));
	else if (!v.allowed && v.nerrs > 1)
		snprintf(why, whylen, "RBAC: [%s]", strbuf_str(&v.errs));
	strbuf_fini(&v.errs);
	return v.allowed ? 1 : 0;
}

int
rbac_rules_for(struct rbac *rb, const struct auth_user *user, const char *ns,
    cJSON **out)
{
	struct visit v;
	int rc;

	*out = NULL;
	if ((rc = lock_fresh(rb)) < 0)
		return rc;
	memset(&v, 0, sizeof(v));
	v.user = user;
	v.collect = cJSON_CreateArray();
	strbuf_init(&v.errs);
	visit(rb, ns, &v);
	pthread_rwlock_unlock(&rb->lock);
	strbuf_fini(&v.errs);
	*out = v.collect;
	return 0;
}

int
rbac_role_rules(struct rbac *rb, const cJSON *role_ref, const char *ns,
    cJSON **out)
{
	const char *kind = json_str(role_ref, "kind");
	const char *name = json_str(role_ref, "name");
	const cJSON *role = NULL, *rules;
	int rc;

	*out = NULL;
	if (kind == NULL || name == NULL)
		return CK_ENOTFOUND;
	if ((rc = lock_fresh(rb)) < 0)
		return rc;
	if (strcmp(kind, "ClusterRole") == 0)
		role = find_named(rb->croles, NULL, name);
	else if (strcmp(kind, "Role") == 0)
		role = find_named(rb->roles, ns ? ns : "", name);
	if (role != NULL) {
		rules = rbac_json_arr(role, "rules");
		*out = rules != NULL ? cJSON_Duplicate(rules, 1)
		    : cJSON_CreateArray();
	}
	pthread_rwlock_unlock(&rb->lock);
	return *out != NULL ? 0 : CK_ENOTFOUND;
}

/* ---- the clusterrole-aggregation writer ---- */

int
rbac_sync_aggregation(struct rbac *rb, int *written)
{
	cJSON *croles = NULL, *stored, *cr, *old;
	const char *name, *rvs;
	int64_t rv;
	int rc, n = 0;

	if (written != NULL)
		*written = 0;
	if ((rc = load(rb->store, Q_CROLES, &croles)) < 0)
		return rc;
	stored = cJSON_Duplicate(croles, 1);
	aggregate_all(croles);
	for (cr = croles->child, old = stored->child; cr != NULL && old != NULL;
	    cr = cr->next, old = old->next) {
		if (json_obj(cr, "aggregationRule") == NULL ||
		    rules_equal(rbac_json_arr(cr, "rules"),
		    rbac_json_arr(old, "rules")))
			continue;
		name = json_str(json_obj(cr, "metadata"), "name");
		rvs = json_str(json_obj(cr, "metadata"), "resourceVersion");
		if (name == NULL || rvs == NULL || ck_parse_int64(rvs, &rv) < 0)
			continue;
		/* The revision read: a writer in between wins, we redo. */
		rc = store_update(rb->store, Q_CROLES, "", name, cr, rv, NULL);
		if (rc == 0) {
			n++;
			log_v(2, "rbac: aggregated the rules of clusterrole %s",
			    name);
		} else if (rc != CK_ECONFLICT && rc != CK_ENOTFOUND)
			log_error("rbac: clusterrole %s: %s", name,
			    ck_strerror(rc));
	}
	cJSON_Delete(stored);
	cJSON_Delete(croles);
	if (written != NULL)
		*written = n;
	return 0;
}

static void *
writer_main(void *arg)
{
	struct rbac *rb = arg;
	int64_t gen;

	pthread_mutex_lock(&rb->mu);
	while (!rb->stop) {
		gen = __atomic_load_n(&rb->gen, __ATOMIC_SEQ_CST);
		if (gen == rb->synced) {
			pthread_cond_wait(&rb->cv, &rb->mu);
			continue;
		}
		rb->synced = gen;
		pthread_mutex_unlock(&rb->mu);
		/* A store error: retried at the next write. */
		if (rbac_sync_aggregation(rb, NULL) < 0)
			log_warn("rbac: the aggregated ClusterRoles are not "
			    "written yet");
		pthread_mutex_lock(&rb->mu);
	}
	pthread_mutex_unlock(&rb->mu);
	return NULL;
}

int
rbac_start(struct rbac *rb)
{
	if (pthread_create(&rb->thread, NULL, writer_main, rb) != 0)
		return CK_ENOMEM;
	rb->running = true;
	return 0;
}

void
rbac_stop(struct rbac *rb)
{
	if (!rb->running)
		return;
	pthread_mutex_lock(&rb->mu);
	rb->stop = true;
	pthread_cond_signal(&rb->cv);
	pthread_mutex_unlock(&rb->mu);
	pthread_join(rb->thread, NULL);
	rb->running = false;
}
