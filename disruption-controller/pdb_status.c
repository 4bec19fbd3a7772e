/*
 * pdb_status.c: the status of a PodDisruptionBudget from its spec, its
 * pods and their controllers' scales (semantics.md 4(b); Kubernetes'
 * getExpectedPodCount, buildDisruptedPodMap, countHealthyPods,
 * updatePdbStatus and failSafe). Pure: no cache, no client, no clock.
 */
#include "disruption.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/rfc3339.h"

static int
intstr_parse(const cJSON *v, const char *field, struct pdb_intstr *out,
    char *err, size_t errsize)
{
	const char *s;
	char *end;
	long n;

	memset(out, 0, sizeof(*out));
	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v) && v->valuedouble >= 0 &&
	    v->valuedouble == (double)(int64_t)v->valuedouble &&
	    v->valuedouble <= 2147483647.0) {
		out->set = true;
		out->val = (int64_t)v->valuedouble;
		return 0;
	}
	if (cJSON_IsString(v)) {
		s = v->valuestring;
		n = strtol(s, &end, 10);
		if (end != s && s[0] >= '0' && s[0] <= '9' &&
		    strcmp(end, "%") == 0 && n >= 0 && n <= 100) {
			out->set = true;
			out->pct = true;
			out->val = n;
			return 0;
		}
	}
	(void)snprintf(err, errsize, "invalid value for IntOrString: "
	    "invalid type: %s is neither an integer nor a percent "
	    "between 0%% and 100%%", field);
	return CK_EINVALID;
}

int
pdb_spec_parse(const cJSON *spec, struct pdb_spec *out, char *err,
    size_t errsize)
{
	int rc;

	rc = intstr_parse(cJSON_GetObjectItemCaseSensitive(spec,
	    "minAvailable"), "spec.minAvailable", &out->min_available, err,
	    errsize);
	if (rc == 0)
		rc = intstr_parse(cJSON_GetObjectItemCaseSensitive(spec,
		    "maxUnavailable"), "spec.maxUnavailable",
		    &out->max_unavailable, err, errsize);
	return rc;
}

bool
pdb_spec_needs_scale(const struct pdb_spec *s)
{
	return s->max_unavailable.set ||
	    (s->min_available.set && s->min_available.pct);
}

int64_t
pdb_scaled(const struct pdb_intstr *v, int64_t total)
{
	if (!v->pct)
		return v->val;
	return (v->val * total + 99) / 100;	/* rounded up */
}

void
pdb_expected_desired(const struct pdb_spec *s, int64_t npods,
    int64_t scale_sum, int64_t *expected, int64_t *desired)
{
	*expected = 0;
	*desired = 0;
	if (s->max_unavailable.set) {
		*expected = scale_sum;
		*desired = scale_sum - pdb_scaled(&s->max_unavailable,
		    scale_sum);
		if (*desired < 0)
			*desired = 0;
	} else if (s->min_available.set && !s->min_available.pct) {
		*desired = s->min_available.val;
		*expected = npods;
	} else if (s->min_available.set) {
		*expected = scale_sum;
		*desired = pdb_scaled(&s->min_available, scale_sum);
	}
}

cJSON *
pdb_prune_disrupted(const cJSON *old, const struct pdb_pod *pods, size_t n,
    time_t now, time_t *recheck, void (*expired)(const char *, void *),
    void *arg)
{
	cJSON *out = cJSON_CreateObject();
	const cJSON *e;
	time_t t, due;
	size_t i;

	*recheck = 0;
	for (i = 0; i < n; i++) {
		if (pods[i].terminating)
			continue;	/* its deletion was observed */
		e = cJSON_GetObjectItemCaseSensitive(old, pods[i].name);
		if (!cJSON_IsString(e) || rfc3339_parse(e->valuestring, &t) < 0)
			continue;
		due = t + PDB_DELETION_TIMEOUT_S;
		if (due < now) {
			if (expired != NULL)
				expired(pods[i].name, arg);
			continue;
		}
		if (*recheck == 0 || due < *recheck)
			*recheck = due;
		cJSON_AddStringToObject(out, pods[i].name, e->valuestring);
	}
	return out;
}

int64_t
pdb_current_healthy(const struct pdb_pod *pods, size_t n,
    const cJSON *disrupted)
{
	int64_t cur = 0;
	size_t i;

	for (i = 0; i < n; i++)
		if (pods[i].ready && !pods[i].terminating &&
		    cJSON_GetObjectItemCaseSensitive(disrupted,
		    pods[i].name) == NULL)
			cur++;
	return cur;
}

int64_t
pdb_disruptions_allowed(int64_t current, int64_t desired, int64_t expected)
{
	if (expected <= 0 || current - desired <= 0)
		return 0;
	return current - desired;
}

/* Copy of old (or a new object), without the fields the caller rewrites. */
static cJSON *
status_base(const cJSON *old_status)
{
	cJSON *st = cJSON_IsObject(old_status) ?
	    cJSON_Duplicate(old_status, 1) : cJSON_CreateObject();

	return st;
}

static void
set_num(cJSON *obj, const char *key, int64_t v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddNumberToObject(obj, key, (double)v);
}

static void
set_str(cJSON *obj, const char *key, const char *v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
	cJSON_AddStringToObject(obj, key, v);
}

/* Set the DisruptionAllowed condition of st (Kubernetes' SetStatusCondition). */
static void
set_condition(cJSON *st, bool allowed, const char *reason, const char *msg,
    int64_t gen, const char *now_ts)
{
	cJSON *conds = cJSON_GetObjectItemCaseSensitive(st, "conditions"), *c;
	const cJSON *t, *s;
	const char *want = allowed ? "True" : "False";

	if (!cJSON_IsArray(conds)) {
		cJSON_DeleteItemFromObjectCaseSensitive(st, "conditions");
		conds = cJSON_AddArrayToObject(st, "conditions");
	}
	cJSON_ArrayForEach(c, conds) {
		t = cJSON_GetObjectItemCaseSensitive(c, "type");
		if (cJSON_IsString(t) &&
		    strcmp(t->valuestring, "DisruptionAllowed") == 0)
			break;
	}
	if (c == NULL) {
		c = cJSON_CreateObject();
		cJSON_AddItemToArray(conds, c);
		set_str(c, "type", "DisruptionAllowed");
	}
	s = cJSON_GetObjectItemCaseSensitive(c, "status");
	if (!cJSON_IsString(s) || strcmp(s->valuestring, want) != 0 ||
	    cJSON_GetObjectItemCaseSensitive(c, "lastTransitionTime") == NULL)
		set_str(c, "lastTransitionTime", now_ts);
	set_str(c, "status", want);
	set_str(c, "reason", reason);
	set_str(c, "message", msg);
	set_num(c, "observedGeneration", gen);
}

cJSON *
pdb_status_build(const cJSON *old_status, const struct pdb_result *r,
    const char *now_ts)
{
	cJSON *st = status_base(old_status);

	set_num(st, "currentHealthy", r->current);
	set_num(st, "desiredHealthy", r->desired);
	set_num(st, "expectedPods", r->expected);
	set_num(st, "disruptionsAllowed", r->allowed);
	set_num(st, "observedGeneration", r->generation);
	cJSON_DeleteItemFromObjectCaseSensitive(st, "disruptedPods");
	if (r->disrupted != NULL && cJSON_GetArraySize(r->disrupted) > 0)
		cJSON_AddItemToObject(st, "disruptedPods",
		    cJSON_Duplicate(r->disrupted, 1));
	set_condition(st, r->allowed > 0, r->allowed > 0 ? "SufficientPods" :
	    "InsufficientPods", "", r->generation, now_ts);
	return st;
}

cJSON *
pdb_status_fail_safe(const cJSON *old_status, const char *msg,
    const char *now_ts)
{
	cJSON *st = status_base(old_status);
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(st,
	    "observedGeneration");

	set_num(st, "disruptionsAllowed", 0);
	set_condition(st, false, "SyncFailed", msg,
	    cJSON_IsNumber(g) ? (int64_t)g->valuedouble : 0, now_ts);
	return st;
}
