/*
 * validation_workload.c: validation of the kinds that own pods and of
 * disruption budgets: replicas >= 0, selectors that match the template
 * labels, immutable selectors (apps/v1 sets, jobs), the pod template,
 * StatefulSet and Job specifics, CronJob schedules, PDB exclusivity.
 */
#include "apiserver.h"
#include "validation_kind.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/cron.h"
#include "ckube/err.h"
#include "ckube/selector.h"

static size_t
name_len(const cJSON *obj)
{
	const char *n = json_str(json_obj(obj, "metadata"), "name");

	return n != NULL ? strlen(n) : 0;
}

static void
non_negative(const cJSON *spec, const char *key, const char *prefix,
    struct ck_status *st)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(spec, key);
	char f[128];

	if (v == NULL || cJSON_IsNull(v))
		return;
	snprintf(f, sizeof(f), "%s.%s", prefix, key);
	if (!cJSON_IsNumber(v) || v->valuedouble < 0)
		vk_invalid(st, f, v, "must be greater than or equal to 0");
}

/*
 * spec.selector (a LabelSelector, or a map for ReplicationControllers) must
 * be valid and match spec.template.metadata.labels.
 */
static void
check_selector(const cJSON *spec, const char *prefix, bool map_form,
    bool required, const char *what, struct ck_status *st)
{
	const cJSON *sel = cJSON_GetObjectItemCaseSensitive(spec, "selector");
	const cJSON *tmpl = json_obj(spec, "template");
	const cJSON *labels = json_obj(json_obj(tmpl, "metadata"), "labels");
	struct label_selector *ls = NULL;
	struct ck_status tmp;
	char f[128];
	int rc;

	snprintf(f, sizeof(f), "%s.selector", prefix);
	if (sel == NULL || cJSON_IsNull(sel)) {
		if (required)
			vk_required(st, f);
		return;
	}
	ck_status_clear(&tmp);
	rc = map_form ? selector_from_map(sel, f, &ls, &tmp) :
	    selector_from_json(sel, f, &ls, &tmp);
	if (rc < 0) {
		if (tmp.ncauses > 0)
			ck_status_add_cause(st, tmp.causes[0].field,
			    tmp.causes[0].reason, "%s", tmp.causes[0].message);
		else
			vk_invalid(st, f, sel, tmp.message);
		return;
	}
	if (!map_form && selector_is_empty(ls))
		vk_invalid(st, f, sel, strcmp(what, "daemonset") == 0 ?
		    "empty selector is invalid for daemonset" :
		    "empty selector is invalid for deployment");
	else if (tmpl != NULL && !selector_matches(ls, labels)) {
		snprintf(f, sizeof(f), "%s.template.metadata.labels", prefix);
		vk_invalid(st, f, labels, "`selector` does not match "
		    "template `labels`");
	}
	selector_free(ls);
}

static bool
in_list(const char *v, const char *const *allowed)
{
	for (; *allowed != NULL; allowed++)
		if (strcmp(*allowed, v) == 0)
			return true;
	return false;
}

static void
check_enum(const cJSON *obj, const char *key, const char *field,
    const char *const *allowed, struct ck_status *st)
{
	const char *v = json_str(obj, key);

	if (v != NULL && !in_list(v, allowed))
		vk_not_supported(st, field, v, allowed);
}

/* A job's pod template may not restart Always. */
static void
check_job_template(const cJSON *spec, const char *prefix,
    struct ck_status *st)
{
	const cJSON *pspec = json_obj(json_obj(spec, "template"), "spec");
	const char *rp = json_str(pspec, "restartPolicy");
	char f[128];

	snprintf(f, sizeof(f), "%s.template.spec", prefix);
	validation_pod_spec(pspec, f, st);
	snprintf(f, sizeof(f), "%s.template.spec.restartPolicy", prefix);
	if (rp == NULL || (strcmp(rp, "OnFailure") != 0 &&
	    strcmp(rp, "Never") != 0))
		ck_status_add_cause(st, f, "FieldValueRequired",
		    "Required value: valid values: \"OnFailure\", \"Never\"");
	non_negative(spec, "parallelism", prefix, st);
	non_negative(spec, "completions", prefix, st);
	non_negative(spec, "backoffLimit", prefix, st);
	snprintf(f, sizeof(f), "%s.completionMode", prefix);
	check_enum(spec, "completionMode", f,
	    (const char *const[]){ "NonIndexed", "Indexed", NULL }, st);
}

/* The schedule must parse with the controller's own parser (cron.h). */
static void
check_schedule(const char *sched, struct ck_status *st)
{
	struct cron_schedule cs;
	char err[CRON_ERR_MAX];

	if (sched == NULL || sched[0] == '\0') {
		vk_required(st, "spec.schedule");
		return;
	}
	if (cron_parse(sched, &cs, err, sizeof(err)) < 0)
		vk_invalid_str(st, "spec.schedule", sched, err);
}

static void
check_time_zone(const cJSON *spec, struct ck_status *st)
{
	const cJSON *tz = cJSON_GetObjectItemCaseSensitive(spec, "timeZone");

	if (tz == NULL || cJSON_IsNull(tz))
		return;
	if (!cJSON_IsString(tz) || tz->valuestring[0] == '\0' ||
	    !cron_tz_valid(tz->valuestring))
		vk_invalid(st, "spec.timeZone", tz, "unknown time zone");
}

/* The number before '%' (digits checked by the caller). */
static long
percent_of(const char *s)
{
	long v = 0;

	for (; *s >= '0' && *s <= '9' && v <= 1000; s++)
		v = v * 10 + (*s - '0');
	return v;
}

static void
check_pdb(const cJSON *spec, struct ck_status *st)
{
	static const char *const keys[] = { "minAvailable", "maxUnavailable" };
	const cJSON *v;
	char f[64];
	size_t i, len;

	if (cJSON_GetObjectItemCaseSensitive(spec, "minAvailable") != NULL &&
	    cJSON_GetObjectItemCaseSensitive(spec, "maxUnavailable") != NULL)
		vk_invalid(st, "spec", spec,
		    "minAvailable and maxUnavailable cannot be both set");
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		v = cJSON_GetObjectItemCaseSensitive(spec, keys[i]);
		snprintf(f, sizeof(f), "spec.%s", keys[i]);
		if (v == NULL || cJSON_IsNull(v))
			continue;
		if (cJSON_IsNumber(v)) {
			if (v->valuedouble < 0)
				vk_invalid(st, f, v, "must be greater than "
				    "or equal to 0");
			continue;
		}
		len = cJSON_IsString(v) ? strlen(v->valuestring) : 0;
		if (len < 2 || v->valuestring[len - 1] != '%' ||
		    strspn(v->valuestring, "0123456789") != len - 1 ||
		    percent_of(v->valuestring) > 100)
			vk_invalid(st, f, v, "a valid percent string must be "
			    "a numeric string followed by an ending '%' "
			    "(e.g. '1%',  or '93%', regex used for validation "
			    "is '[0-9]+%')");
	}
}

/*
 * An IntOrString of a rolling update (ValidatePositiveIntOrPercent and
 * IsNotMoreThan100Percent); its value, or -1 when invalid.
 */
static long
check_int_or_percent(const cJSON *v, const char *f, struct ck_status *st)
{
	size_t len;

	if (v == NULL || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble < 0) {
			vk_invalid(st, f, v, "must be greater than or equal "
			    "to 0");
			return -1;
		}
		return (long)v->valuedouble;
	}
	len = cJSON_IsString(v) ? strlen(v->valuestring) : 0;
	if (len < 2 || v->valuestring[len - 1] != '%' ||
	    strspn(v->valuestring, "0123456789") != len - 1) {
		vk_invalid(st, f, v, "a valid percent string must be a numeric "
		    "string followed by an ending '%' (e.g. '1%',  or '93%', "
		    "regex used for validation is '[0-9]+%')");
		return -1;
	}
	if (percent_of(v->valuestring) > 100) {
		vk_invalid(st, f, v, "must not be greater than 100%");
		return -1;
	}
	return percent_of(v->valuestring);
}

/* ValidateDaemonSetSpec's own checks (the common ones run before). */
static void
check_daemonset(const cJSON *spec, struct ck_status *st)
{
	const cJSON *us = json_obj(spec, "updateStrategy");
	const cJSON *ru = json_obj(us, "rollingUpdate");
	const cJSON *pspec = json_obj(json_obj(spec, "template"), "spec");
	const char *type = json_str(us, "type");
	long unavail, surge;

	if (cJSON_GetObjectItemCaseSensitive(pspec, "activeDeadlineSeconds") !=
	    NULL)
		vk_forbidden(st, "spec.template.spec.activeDeadlineSeconds",
		    "activeDeadlineSeconds in DaemonSet is not Supported");
	check_enum(us, "type", "spec.updateStrategy.type",
	    (const char *const[]){ "RollingUpdate", "OnDelete", NULL }, st);
	if (type == NULL || strcmp(type, "RollingUpdate") != 0)
		return;
	if (ru == NULL) {
		vk_required(st, "spec.updateStrategy.rollingUpdate");
		return;
	}
	unavail = check_int_or_percent(cJSON_GetObjectItemCaseSensitive(ru,
	    "maxUnavailable"), "spec.updateStrategy.rollingUpdate."
	    "maxUnavailable", st);
	surge = check_int_or_percent(cJSON_GetObjectItemCaseSensitive(ru,
	    "maxSurge"), "spec.updateStrategy.rollingUpdate.maxSurge", st);
	if (unavail < 0 || surge < 0)
		return;
	/* Exactly one of the two is non-zero. */
	if (unavail != 0 && surge != 0)
		vk_invalid(st, "spec.updateStrategy.rollingUpdate.maxSurge",
		    cJSON_GetObjectItemCaseSensitive(ru, "maxSurge"),
		    "may not be set when maxUnavailable is non-zero");
	else if (unavail == 0 && surge == 0)
		ck_status_add_cause(st,
		    "spec.updateStrategy.rollingUpdate.maxUnavailable",
		    "FieldValueRequired",
		    "Required value: cannot be 0 when maxSurge is 0");
}

/* StatefulSet updates may change these spec fields only. */
static void
check_sts_update(const cJSON *spec, const cJSON *ospec, struct ck_status *st)
{
	static const char *const mutable[] = { "replicas", "ordinals",
		"template", "updateStrategy",
		"persistentVolumeClaimRetentionPolicy", "minReadySeconds" };
	cJSON *a = cJSON_Duplicate(spec, 1), *b = cJSON_Duplicate(ospec, 1);
	size_t i;

	for (i = 0; i < ARRAY_SIZE(mutable); i++) {
		json_del(a, mutable[i]);
		json_del(b, mutable[i]);
	}
	if (!cJSON_Compare(a, b, 1))
		vk_forbidden(st, "spec", "updates to statefulset spec for "
		    "fields other than 'replicas', 'ordinals', 'template', "
		    "'updateStrategy', 'persistentVolumeClaimRetentionPolicy' "
		    "and 'minReadySeconds' are forbidden");
	cJSON_Delete(a);
	cJSON_Delete(b);
}

void
validation_workload(const struct api_resource *r, const cJSON *obj,
    const cJSON *old, struct ck_status *st)
{
	const cJSON *spec = json_obj(obj, "spec"), *ospec = json_obj(old,
	    "spec"), *jt;
	const char *k = r->kind;
	bool rc = strcmp(k, "ReplicationController") == 0;

	if (strcmp(k, "PodDisruptionBudget") == 0) {
		check_pdb(spec, st);
		if (cJSON_GetObjectItemCaseSensitive(spec, "selector") != NULL)
			check_selector(spec, "spec", false, false, "deployment", st);
		return;
	}
	if (strcmp(k, "CronJob") == 0) {
		/* Room for the 11-character suffix of its jobs' names. */
		if (name_len(obj) > 52)
			vk_invalid_str(st, "metadata.name",
			    json_str(json_obj(obj, "metadata"), "name"),
			    "must be no more than 52 characters");
		check_schedule(json_str(spec, "schedule"), st);
		check_time_zone(spec, st);
		check_enum(spec, "concurrencyPolicy", "spec.concurrencyPolicy",
		    (const char *const[]){ "Allow", "Forbid", "Replace",
			NULL }, st);
		non_negative(spec, "startingDeadlineSeconds", "spec", st);
		non_negative(spec, "successfulJobsHistoryLimit", "spec", st);
		non_negative(spec, "failedJobsHistoryLimit", "spec", st);
		jt = json_obj(json_obj(spec, "jobTemplate"), "spec");
		if (jt == NULL)
			vk_required(st, "spec.jobTemplate");
		else
			check_job_template(jt, "spec.jobTemplate.spec", st);
		return;
	}
	non_negative(spec, "replicas", "spec", st);
	non_negative(spec, "minReadySeconds", "spec", st);
	non_negative(spec, "revisionHistoryLimit", "spec", st);
	if (strcmp(k, "Job") == 0) {
		check_selector(spec, "spec", false, false, "deployment", st);
		check_job_template(spec, "spec", st);
	} else {
		check_selector(spec, "spec", rc, !rc,
		    strcmp(k, "DaemonSet") == 0 ? "daemonset" : "deployment",
		    st);
		if (!rc || json_obj(spec, "template") != NULL)
			validation_pod_spec(json_obj(json_obj(spec,
			    "template"), "spec"), "spec.template.spec", st);
		/* Pods of sets run forever. */
		check_enum(json_obj(json_obj(spec, "template"), "spec"),
		    "restartPolicy", "spec.template.spec.restartPolicy",
		    (const char *const[]){ "Always", NULL }, st);
	}
	if (strcmp(k, "StatefulSet") == 0) {
		check_enum(spec, "podManagementPolicy",
		    "spec.podManagementPolicy",
		    (const char *const[]){ "OrderedReady", "Parallel", NULL },
		    st);
		check_enum(json_obj(spec, "updateStrategy"), "type",
		    "spec.updateStrategy.type",
		    (const char *const[]){ "RollingUpdate", "OnDelete", NULL },
		    st);
	}
	if (strcmp(k, "DaemonSet") == 0)
		check_daemonset(spec, st);
	if (old == NULL || rc)
		return;
	vk_immutable(st, "spec.selector",
	    cJSON_GetObjectItemCaseSensitive(spec, "selector"),
	    cJSON_GetObjectItemCaseSensitive(ospec, "selector"));
	if (strcmp(k, "StatefulSet") == 0)
		check_sts_update(spec, ospec, st);
	if (strcmp(k, "Job") == 0) {
		vk_immutable(st, "spec.completions",
		    cJSON_GetObjectItemCaseSensitive(spec, "completions"),
		    cJSON_GetObjectItemCaseSensitive(ospec, "completions"));
		vk_immutable(st, "spec.template",
		    cJSON_GetObjectItemCaseSensitive(spec, "template"),
		    cJSON_GetObjectItemCaseSensitive(ospec, "template"));
	}
}
