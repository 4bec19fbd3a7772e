/*
 * table_batch.c: Table printers of batch/v1 jobs (Status, Completions,
 * Duration) and cronjobs (Schedule, Timezone, Suspend, Active, Last
 * Schedule), as Kubernetes' printers.go prints them.
 */
#include "apiserver.h"
#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/rfc3339.h"

static void
add_owned(cJSON *cells, char *s)
{
	table_add_str(cells, s);
	free(s);
}

static const struct table_col cols_jobs[] = {
	{ "Name", "string", "name", 0 },
	{ "Status", "string", "", 0 },
	{ "Completions", "string", "", 0 },
	{ "Duration", "string", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Containers", "string", "", 1 },
	{ "Images", "string", "", 1 },
	{ "Selector", "string", "", 1 },
};

static bool
job_condition(const cJSON *st, const char *type)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(st,
	    "conditions"))
		if (json_str(it, "type") != NULL &&
		    strcmp(json_str(it, "type"), type) == 0 &&
		    json_str(it, "status") != NULL &&
		    strcmp(json_str(it, "status"), "True") == 0)
			return true;
	return false;
}

static void
cells_job(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *st = json_obj(obj, "status");
	const cJSON *comp = cJSON_GetObjectItemCaseSensitive(spec,
	    "completions");
	int64_t succeeded = table_int(st, "succeeded", 0);
	int64_t par = table_int(spec, "parallelism", 0);
	const char *start = json_str(st, "startTime"), *end, *status;
	char buf[64], dur[32] = "";
	time_t ts, te;

	if (cJSON_IsNumber(comp))
		snprintf(buf, sizeof(buf), "%lld/%lld", (long long)succeeded,
		    (long long)comp->valuedouble);
	else if (par > 1)
		snprintf(buf, sizeof(buf), "%lld/1 of %lld",
		    (long long)succeeded, (long long)par);
	else
		snprintf(buf, sizeof(buf), "%lld/1", (long long)succeeded);
	end = json_str(st, "completionTime");
	if (start != NULL && rfc3339_parse(start, &ts) == 0) {
		if (end != NULL && rfc3339_parse(end, &te) == 0)
			rfc3339_human_duration((int64_t)(te - ts), dur,
			    sizeof(dur));
		else
			rfc3339_human_duration((int64_t)(now - ts), dur,
			    sizeof(dur));
	}
	if (job_condition(st, "Complete"))
		status = "Complete";
	else if (job_condition(st, "Failed"))
		status = "Failed";
	else if (json_str(json_obj(obj, "metadata"), "deletionTimestamp"))
		status = "Terminating";
	else if (job_condition(st, "Suspended"))
		status = "Suspended";
	else if (job_condition(st, "FailureTarget"))
		status = "FailureTarget";
	else if (job_condition(st, "SuccessCriteriaMet"))
		status = "SuccessCriteriaMet";
	else
		status = "Running";
	table_add_name(cells, obj);
	table_add_str(cells, status);
	table_add_str(cells, buf);
	table_add_str(cells, dur);
	table_add_obj_age(cells, obj, now);
	table_add_containers(cells, table_template_containers(spec));
	add_owned(cells, table_format_selector(json_obj(spec, "selector")));
}

static const struct table_col cols_cronjobs[] = {
	{ "Name", "string", "name", 0 },
	{ "Schedule", "string", "", 0 },
	{ "Timezone", "string", "", 0 },
	{ "Suspend", "boolean", "", 0 },
	{ "Active", "integer", "", 0 },
	{ "Last Schedule", "string", "", 0 },
	{ "Age", "string", "", 0 },
	{ "Containers", "string", "", 1 },
	{ "Images", "string", "", 1 },
	{ "Selector", "string", "", 1 },
};

static void
cells_cronjob(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *st = json_obj(obj, "status");
	const cJSON *jspec = json_obj(json_obj(spec, "jobTemplate"), "spec");
	const cJSON *susp = cJSON_GetObjectItemCaseSensitive(spec, "suspend");
	const char *tz = json_str(spec, "timeZone");
	const char *last = json_str(st, "lastScheduleTime");

	table_add_name(cells, obj);
	table_add_str(cells, json_str(spec, "schedule"));
	table_add_str(cells, tz != NULL ? tz : "<none>");
	table_add_str(cells, !cJSON_IsBool(susp) ? "<unset>" :
	    cJSON_IsTrue(susp) ? "True" : "False");
	table_add_int(cells, cJSON_GetArraySize(
	    cJSON_GetObjectItemCaseSensitive(st, "active")));
	if (last != NULL)
		table_add_age(cells, last, now);
	else
		table_add_str(cells, "<none>");
	table_add_obj_age(cells, obj, now);
	table_add_containers(cells, table_template_containers(jspec));
	add_owned(cells, table_format_selector(json_obj(jspec, "selector")));
}

const struct table_printer table_batch_printers[] = {
	TABLE_PRINTER("cronjobs", cols_cronjobs, cells_cronjob),
	TABLE_PRINTER("jobs", cols_jobs, cells_job),
	{ NULL, NULL, 0, NULL },
};
