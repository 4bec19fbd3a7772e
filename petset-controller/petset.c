/*
 * petset.c: petset_reconcile(), the StatefulSet algorithm (Kubernetes'
 * defaultStatefulSetControl.updateStatefulSet, which grew out of the 1.3
 * PetSet controller): claim the member pods, sort them into one slot per
 * ordinal and the condemned (ordinals outside the set, highest first),
 * then per slot in ascending order replace a finished pet, create a
 * missing one with its claims, and under OrderedReady stop at the first
 * pet that is missing, terminating or not Running and Ready; delete the
 * condemned one at a time from the highest, only once every pet is
 * healthy; then roll pets onto the update revision from the highest
 * ordinal down to the partition. Per-pet expectations (expectations.h,
 * keyed "ns/set/pet") keep a stale pod cache from causing a second create
 * or delete.
 */
#include "petset.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/controller.h"
#include "ckube/err.h"
#include "ckube/expectations.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"

/* One reconcile's view of a set and its pets. */
struct pet_state {
	struct controller	*c;
	struct pet_set		 ps;
	struct pet_revisions	 rv;
	struct kobj		**all;		/* every member pod (references) */
	size_t			 nall;
	struct kobj		**slots;	/* [replicas]: pod or NULL (borrowed) */
	struct kobj		**condemned;	/* highest ordinal first (borrowed) */
	size_t			 ncondemned;
	int64_t			 now_s;
	int64_t			 wait_s;	/* minReadySeconds left, to requeue */
};

int
petset_init(struct controller *c)
{
	controller_set_data(c, expectations_new(0));
	return 0;
}

void
petset_fini(struct controller *c)
{
	expectations_free(controller_data(c));
	controller_set_data(c, NULL);
}

static void
pet_key(const struct pet_set *ps, const char *pet, struct strbuf *out)
{
	strbuf_reset(out);
	strbuf_addf(out, "%s/%s", ps->key, pet);
}

static void
expect_pet(struct pet_state *s, const char *pet, bool del)
{
	struct strbuf k = STRBUF_INIT;

	pet_key(&s->ps, pet, &k);
	if (del)
		expect_deletions(controller_data(s->c), strbuf_str(&k), 1);
	else
		expect_creations(controller_data(s->c), strbuf_str(&k), 1);
	strbuf_fini(&k);
}

static void
forget_pet(struct pet_state *s, const char *pet)
{
	struct strbuf k = STRBUF_INIT;

	pet_key(&s->ps, pet, &k);
	expect_delete(controller_data(s->c), strbuf_str(&k));
	strbuf_fini(&k);
}

/* Highest ordinal first (few pods: insertion sort). */
static void
sort_condemned(struct pet_state *s)
{
	const char *set = kobj_name(s->ps.obj);
	struct kobj *t;
	size_t i, j;

	for (i = 1; i < s->ncondemned; i++)
		for (j = i; j > 0 && pet_ordinal(set,
		    kobj_name(s->condemned[j - 1])) < pet_ordinal(set,
		    kobj_name(s->condemned[j])); j--) {
			t = s->condemned[j];
			s->condemned[j] = s->condemned[j - 1];
			s->condemned[j - 1] = t;
		}
}

/* pod (a member of ordinal ord) joins the state, in its slot or condemned. */
static void
add_pet(struct pet_state *s, struct kobj *pod, int64_t ord)
{
	s->all[s->nall++] = kobj_ref(pod);
	if (ord >= s->ps.start && ord < s->ps.start + s->ps.replicas)
		s->slots[ord - s->ps.start] = s->all[s->nall - 1];
	else
		s->condemned[s->ncondemned++] = s->all[s->nall - 1];
}

/* The member pods: ours by controllerRef, or matching orphans (adopted). */
static int
claim_pets(struct pet_state *s)
{
	struct cache *pods = controller_cache(s->c, "pods");
	const struct kobj *set = s->ps.obj;
	struct kobj **list, **orphans = NULL;
	size_t i, n, norphans = 0;
	int64_t ord;
	int rc = 0;

	list = cache_list_by_index(pods, CACHE_INDEX_CONTROLLER_UID,
	    kobj_uid(set), &n);
	if (kobj_get(set, "metadata.deletionTimestamp") == NULL &&
	    controller_list_orphans(s->c, "pods", &CLIENT_GVR_PODS, set,
	    s->ps.sel, &orphans, &norphans) < 0)
		rc = CK_EAGAIN;
	s->all = ck_calloc(n + norphans + 1, sizeof(*s->all));
	s->condemned = ck_calloc(n + norphans + 1, sizeof(*s->condemned));
	s->slots = ck_calloc((size_t)s->ps.replicas + 1, sizeof(*s->slots));
	for (i = 0; i < n; i++) {
		ord = pet_ordinal(kobj_name(set), kobj_name(list[i]));
		if (ord >= 0 && selector_matches_obj(s->ps.sel, list[i]))
			add_pet(s, list[i], ord);
	}
	for (i = 0; i < norphans; i++) {
		ord = pet_ordinal(kobj_name(set), kobj_name(orphans[i]));
		if (ord < 0 || pet_terminating(orphans[i]))
			continue;
		if (pet_control_adopt(s->c, &s->ps, orphans[i]) < 0) {
			rc = CK_EAGAIN;
			continue;
		}
		add_pet(s, orphans[i], ord);
	}
	cache_list_free(orphans, norphans);
	cache_list_free(list, n);
	sort_condemned(s);
	return rc;
}

/*
 * Mark the expectations the cache now fulfils (a created pet present, a
 * deleted one gone or terminating); true when none is pending.
 */
static bool
pets_settled(struct pet_state *s)
{
	struct expectations *e = controller_data(s->c);
	struct cache *pods = controller_cache(s->c, "pods");
	struct strbuf name = STRBUF_INIT, k = STRBUF_INIT;
	int64_t lo = s->ps.start, hi = s->ps.start + s->ps.replicas;
	int64_t ord, add, del;
	struct kobj *pod;
	bool settled = true;
	size_t i;

	for (i = 0; i < s->nall; i++) {
		ord = pet_ordinal(kobj_name(s->ps.obj), kobj_name(s->all[i]));
		if (ord < lo)
			lo = ord;
		if (ord >= hi)
			hi = ord + 1;
	}
	/* Pets created before a scale-down may not be in the cache yet. */
	hi += 1 + kobj_get_int_or(s->ps.obj, "status.replicas", 0);
	for (ord = lo; ord < hi; ord++) {
		pet_name(kobj_name(s->ps.obj), ord, &name);
		pet_key(&s->ps, strbuf_str(&name), &k);
		if (!expect_get(e, strbuf_str(&k), &add, &del))
			continue;
		pod = cache_get_by_name(pods, kobj_namespace(s->ps.obj),
		    strbuf_str(&name));
		if (add > 0 && pod != NULL)
			expect_creation_observed(e, strbuf_str(&k));
		if (del > 0 && (pod == NULL || pet_terminating(pod)))
			expect_deletion_observed(e, strbuf_str(&k));
		kobj_unref(pod);
		if (expect_satisfied(e, strbuf_str(&k)))
			expect_delete(e, strbuf_str(&k));
		else
			settled = false;
	}
	strbuf_fini(&name);
	strbuf_fini(&k);
	return settled;
}

static bool
healthy(struct pet_state *s, const struct kobj *pod)
{
	int64_t wait;

	if (pod == NULL || pet_terminating(pod))
		return false;
	if (pet_available(&s->ps, pod, s->now_s, &wait))
		return true;
	if (wait > 0 && (s->wait_s == 0 || wait < s->wait_s))
		s->wait_s = wait;
	return false;
}

static int
delete_pet(struct pet_state *s, const struct kobj *pod)
{
	int rc;

	expect_pet(s, kobj_name(pod), true);
	rc = pet_control_delete(s->c, &s->ps, pod);
	if (rc < 0)
		forget_pet(s, kobj_name(pod));
	return rc;
}

static int
create_pet(struct pet_state *s, int64_t ord)
{
	struct strbuf name = STRBUF_INIT;
	bool current = !s->ps.on_delete && ord < s->ps.partition;
	int rc;

	pet_name(kobj_name(s->ps.obj), ord, &name);
	expect_pet(s, strbuf_str(&name), false);
	rc = pet_control_create(s->c, &s->ps, current ?
	    s->rv.current_template : s->rv.update_template, ord,
	    current ? s->rv.current : s->rv.update);
	if (rc < 0 && rc != CK_EEXIST)
		forget_pet(s, strbuf_str(&name));
	strbuf_fini(&name);
	return rc == CK_EEXIST ? 0 : rc;
}

/* Delete the claims of condemned ordinals whose pets are gone. */
static int
delete_scaled_claims(struct pet_state *s)
{
	struct cache *pvcs = controller_cache(s->c, PETSET_PVC_RES);
	const cJSON *claims = kobj_get(s->ps.obj, "spec.volumeClaimTemplates");
	const cJSON *t, *n;
	struct kobj **list;
	size_t i, j, len, npvc;
	int64_t ord;
	bool alive;
	int rc = 0;

	if (pvcs == NULL || !s->ps.delete_on_scale)
		return 0;
	list = cache_list_by_index(pvcs, CACHE_INDEX_NAMESPACE,
	    kobj_namespace(s->ps.obj), &npvc);
	for (i = 0; i < npvc; i++) {
		cJSON_ArrayForEach(t, claims) {
			n = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(t, "metadata"),
			    "name");
			if (!cJSON_IsString(n))
				continue;
			len = strlen(n->valuestring);
			if (strncmp(kobj_name(list[i]), n->valuestring,
			    len) != 0 || kobj_name(list[i])[len] != '-')
				continue;
			ord = pet_ordinal(kobj_name(s->ps.obj),
			    kobj_name(list[i]) + len + 1);
			if (ord < 0 || (ord >= s->ps.start &&
			    ord < s->ps.start + s->ps.replicas))
				continue;
			alive = false;
			for (j = 0; j < s->nall; j++)
				if (pet_ordinal(kobj_name(s->ps.obj),
				    kobj_name(s->all[j])) == ord)
					alive = true;
			if (!alive && pet_control_delete_claims(s->c, &s->ps,
			    ord) < 0)
				rc = CK_EAGAIN;
		}
	}
	cache_list_free(list, npvc);
	return rc;
}

/* The first unhealthy pet: the only condemned one deleted while unhealthy. */
static const struct kobj *
first_unhealthy(struct pet_state *s)
{
	size_t i;

	for (i = 0; i < (size_t)s->ps.replicas; i++)
		if (s->slots[i] != NULL && !healthy(s, s->slots[i]))
			return s->slots[i];
	for (i = 0; i < s->ncondemned; i++)
		if (!healthy(s, s->condemned[i]))
			return s->condemned[i];
	return NULL;
}

/* Roll pets onto the update revision, highest ordinal first. */
static int
roll_pets(struct pet_state *s)
{
	const struct kobj *pod;
	const char *rev;
	int64_t i;

	if (s->ps.on_delete)
		return 0;
	for (i = s->ps.replicas - 1; i >= 0; i--) {
		if (s->ps.start + i < s->ps.partition)
			break;
		pod = s->slots[i];
		if (pod == NULL)
			return 0;
		rev = kobj_label(pod, LABEL_REV_HASH);
		if ((rev == NULL || strcmp(rev, s->rv.update) != 0) &&
		    !pet_terminating(pod))
			return delete_pet(s, pod);
		if (!healthy(s, pod))
			return 0;	/* wait for the replacement */
	}
	return 0;
}

static int
sync_pets(struct pet_state *s)
{
	bool mono = !s->ps.parallel;
	const struct kobj *unhealthy = first_unhealthy(s);
	struct kobj *pod;
	int64_t i;
	size_t j;
	int rc;

	for (i = 0; i < s->ps.replicas; i++) {
		pod = s->slots[i];
		if (pod != NULL && pet_finished(pod)) {
			/* Recreated once the old object is gone. */
			if (!pet_terminating(pod) &&
			    (rc = delete_pet(s, pod)) < 0)
				return rc;
			if (mono)
				return 0;
			continue;
		}
		if (pod == NULL) {
			if ((rc = create_pet(s, s->ps.start + i)) < 0)
				return rc;
			if (mono)
				return 0;
			continue;
		}
		if (!healthy(s, pod)) {
			if (mono)
				return 0;
			continue;
		}
		if (!pet_identity_matches(&s->ps, pod) &&
		    (rc = pet_control_fix_identity(s->c, &s->ps, pod)) < 0)
			return rc;
	}
	/* In OrderedReady every pet is healthy here: scale down. */
	for (j = 0; j < s->ncondemned; j++) {
		pod = s->condemned[j];
		if (pet_terminating(pod)) {
			if (mono)
				return 0;
			continue;
		}
		if (mono && pod != unhealthy && !healthy(s, pod))
			return 0;
		if ((rc = delete_pet(s, pod)) < 0)
			return rc;
		if (mono)
			return 0;
	}
	if ((rc = delete_scaled_claims(s)) < 0)
		return rc;
	return roll_pets(s);
}

static int
update_status(struct pet_state *s)
{
	const struct kobj *set = s->ps.obj;
	int64_t replicas = 0, ready = 0, avail = 0, cur = 0, upd = 0;
	const char *rev, *current = s->rv.current;
	struct ck_status st;
	struct kobj *cp;
	size_t i;
	int rc;

	for (i = 0; i < s->nall; i++) {
		replicas++;
		if (pet_running_ready(&s->ps, s->all[i])) {
			ready++;
			if (healthy(s, s->all[i]))	/* notes the wait */
				avail++;
		}
		if (pet_terminating(s->all[i]))
			continue;
		rev = kobj_label(s->all[i], LABEL_REV_HASH);
		if (rev != NULL && strcmp(rev, s->rv.current) == 0)
			cur++;
		if (rev != NULL && strcmp(rev, s->rv.update) == 0)
			upd++;
	}
	/* A finished rolling update: the update revision becomes current. */
	if (upd == replicas && ready == replicas &&
	    replicas == s->ps.replicas) {
		current = s->rv.update;
		cur = upd;
	}
	if (kobj_get_int_or(set, "status.replicas", -1) == replicas &&
	    kobj_get_int_or(set, "status.readyReplicas", 0) == ready &&
	    kobj_get_int_or(set, "status.availableReplicas", 0) == avail &&
	    kobj_get_int_or(set, "status.currentReplicas", 0) == cur &&
	    kobj_get_int_or(set, "status.updatedReplicas", 0) == upd &&
	    kobj_get_str(set, "status.currentRevision") != NULL &&
	    strcmp(kobj_get_str(set, "status.currentRevision"), current) == 0 &&
	    kobj_get_str(set, "status.updateRevision") != NULL &&
	    strcmp(kobj_get_str(set, "status.updateRevision"),
	    s->rv.update) == 0 &&
	    kobj_get_int_or(set, "status.observedGeneration", 0) ==
	    kobj_get_int_or(set, "metadata.generation", 0))
		return 0;
	cp = kobj_copy(set);
	rc = kobj_set_int(cp, "status.replicas", replicas);
	if (rc == 0)
		rc = kobj_set_int(cp, "status.readyReplicas", ready);
	if (rc == 0)
		rc = kobj_set_int(cp, "status.availableReplicas", avail);
	if (rc == 0)
		rc = kobj_set_int(cp, "status.currentReplicas", cur);
	if (rc == 0)
		rc = kobj_set_int(cp, "status.updatedReplicas", upd);
	if (rc == 0)
		rc = kobj_set_str(cp, "status.currentRevision", current);
	if (rc == 0)
		rc = kobj_set_str(cp, "status.updateRevision", s->rv.update);
	if (rc == 0)
		rc = kobj_set_int(cp, "status.collisionCount",
		    kobj_get_int_or(set, "status.collisionCount", 0));
	if (rc == 0)
		rc = kobj_set_int(cp, "status.observedGeneration",
		    kobj_get_int_or(set, "metadata.generation", 0));
	if (rc == 0)
		rc = controller_update_status(s->c, cp, NULL, &st);
	kobj_unref(cp);
	return rc;
}

int
petset_reconcile(struct controller *c, const char *key)
{
	struct cache *sets = controller_cache(c, PETSET_RES);
	struct cache *pods = controller_cache(c, "pods");
	struct pet_state s = { .c = c };
	struct kobj *set = NULL;
	int rc = 0, r;

	if (sets != NULL)
		set = cache_get(sets, key);
	if (set == NULL || pods == NULL)
		goto out;
	if (pet_set_read(set, key, &s.ps) < 0) {
		log_warn("%s: invalid selector; skipped", key);
		goto out;
	}
	s.now_s = (int64_t)time(NULL);
	rc = claim_pets(&s);
	if ((r = pet_revisions_sync(c, &s.ps, &s.rv)) < 0) {
		rc = r;
		goto out;
	}
	if (pets_settled(&s) &&
	    kobj_get(set, "metadata.deletionTimestamp") == NULL) {
		r = sync_pets(&s);
		if (r < 0 && rc == 0)
			rc = r;
	}
	r = update_status(&s);
	if (r < 0 && rc == 0)
		rc = r;
	r = pet_revisions_truncate(c, &s.ps, &s.rv, s.all, s.nall);
	if (r < 0 && rc == 0)
		rc = r;
	if (rc == 0 && s.wait_s > 0)
		controller_requeue_after(c, key, (unsigned int)s.wait_s * 1000u);
out:
	pet_revisions_fini(&s.rv);
	free(s.slots);
	free(s.condemned);
	cache_list_free(s.all, s.nall);
	selector_free(s.ps.sel);
	kobj_unref(set);
	return rc;
}
