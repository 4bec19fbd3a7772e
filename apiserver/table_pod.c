/*
 * table_pod.c: the pod STATUS, READY and RESTARTS columns (semantics.md 0.3),
 * ported from Kubernetes' printPod: the phase or status.reason, then the
 * first unfinished init container (Init:1/2, Init:Error, Init:ExitCode:3,
 * Init:CrashLoopBackOff), else the app containers from last to first
 * (CrashLoopBackOff, ContainerCreating, Completed, Error, Signal:9), then
 * Terminating / Unknown for pods being deleted. Pure: only the object.
 */
#include "apiserver.h"
#include "table.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"

/* The lastState.terminated.finishedAt of a container status, or 0. */
static time_t
last_finished(const cJSON *cs)
{
	const char *ts = json_str(json_obj(json_obj(cs, "lastState"),
	    "terminated"), "finishedAt");
	time_t t;

	if (ts == NULL || rfc3339_parse(ts, &t) < 0)
		return 0;
	return t;
}

/* spec.initContainers[name].restartPolicy == Always (a sidecar). */
static bool
is_sidecar(const cJSON *spec, const char *name)
{
	const cJSON *it;
	const char *rp;

	if (name == NULL)
		return false;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(spec,
	    "initContainers")) {
		if (json_str(it, "name") == NULL ||
		    strcmp(json_str(it, "name"), name) != 0)
			continue;
		rp = json_str(it, "restartPolicy");
		return rp != NULL && strcmp(rp, "Always") == 0;
	}
	return false;
}

static bool
condition_true(const cJSON *status, const char *type)
{
	const cJSON *it;
	const char *t, *s;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(status,
	    "conditions")) {
		t = json_str(it, "type");
		s = json_str(it, "status");
		if (t != NULL && strcmp(t, type) == 0)
			return s != NULL && strcmp(s, "True") == 0;
	}
	return false;
}

static bool
has_condition(const cJSON *status, const char *type)
{
	const cJSON *it;
	const char *t;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(status,
	    "conditions")) {
		t = json_str(it, "type");
		if (t != NULL && strcmp(t, type) == 0)
			return true;
	}
	return false;
}

static bool
is_true(const cJSON *o, const char *key)
{
	return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* The failed-init reason of a terminated state. */
static void
terminated_reason(const cJSON *term, const char *prefix, char *buf,
    size_t len)
{
	const char *r = json_str(term, "reason");
	int64_t sig = table_int(term, "signal", 0);

	if (r != NULL && r[0] != '\0')
		snprintf(buf, len, "%s%s", prefix, r);
	else if (sig != 0)
		snprintf(buf, len, "%sSignal:%lld", prefix, (long long)sig);
	else
		snprintf(buf, len, "%sExitCode:%lld", prefix,
		    (long long)table_int(term, "exitCode", 0));
}

/* Walk the init container statuses; true while the pod is initializing. */
static bool
init_status(const cJSON *spec, const cJSON *status, struct pod_print *out,
    int *sidecar_restarts, time_t *sidecar_last)
{
	const cJSON *ics = cJSON_GetObjectItemCaseSensitive(status,
	    "initContainerStatuses"), *cs, *state, *term, *wait;
	int ninit = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(spec,
	    "initContainers"));
	int i = 0;
	const char *wr;
	bool side;
	time_t t;

	cJSON_ArrayForEach(cs, ics) {
		out->restarts += (int)table_int(cs, "restartCount", 0);
		t = last_finished(cs);
		if (t > out->last_restart)
			out->last_restart = t;
		side = is_sidecar(spec, json_str(cs, "name"));
		if (side) {
			*sidecar_restarts += (int)table_int(cs, "restartCount",
			    0);
			if (t > *sidecar_last)
				*sidecar_last = t;
		}
		state = json_obj(cs, "state");
		term = json_obj(state, "terminated");
		wait = json_obj(state, "waiting");
		wr = json_str(wait, "reason");
		if (term != NULL && table_int(term, "exitCode", 0) == 0) {
			i++;
			continue;
		}
		if (side && is_true(cs, "started")) {
			if (is_true(cs, "ready"))
				out->ready++;
			i++;
			continue;
		}
		if (term != NULL)
			terminated_reason(term, "Init:", out->reason,
			    sizeof(out->reason));
		else if (wr != NULL && wr[0] != '\0' &&
		    strcmp(wr, "PodInitializing") != 0)
			snprintf(out->reason, sizeof(out->reason), "Init:%s",
			    wr);
		else
			snprintf(out->reason, sizeof(out->reason), "Init:%d/%d",
			    i, ninit);
		return true;
	}
	return false;
}

void
table_pod_status(const cJSON *pod, struct pod_print *out)
{
	const cJSON *spec = json_obj(pod, "spec");
	const cJSON *status = json_obj(pod, "status");
	const cJSON *cs, *state, *term, *wait, *it, *ctrs;
	const char *phase = json_str(status, "phase");
	const char *sreason = json_str(status, "reason"), *wr, *tr;
	bool initializing, running = false;
	int sidecar_restarts = 0;
	time_t sidecar_last = 0, t;
	int n;

	memset(out, 0, sizeof(*out));
	if (phase == NULL)
		phase = "";
	snprintf(out->reason, sizeof(out->reason), "%s",
	    sreason != NULL && sreason[0] != '\0' ? sreason : phase);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(status,
	    "conditions")) {
		if (json_str(it, "type") != NULL && json_str(it, "reason") &&
		    strcmp(json_str(it, "type"), "PodScheduled") == 0 &&
		    strcmp(json_str(it, "reason"), "SchedulingGated") == 0)
			snprintf(out->reason, sizeof(out->reason),
			    "SchedulingGated");
	}
	out->completed = strcmp(phase, "Succeeded") == 0;
	out->failed = strcmp(phase, "Failed") == 0;
	out->total = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(spec,
	    "containers"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(spec,
	    "initContainers"))
		if (is_sidecar(spec, json_str(it, "name")))
			out->total++;

	initializing = init_status(spec, status, out, &sidecar_restarts,
	    &sidecar_last);
	if (!initializing || condition_true(status, "Initialized")) {
		out->restarts = sidecar_restarts;
		out->last_restart = sidecar_last;
		ctrs = cJSON_GetObjectItemCaseSensitive(status,
		    "containerStatuses");
		n = cJSON_GetArraySize(ctrs);
		while (n-- > 0) {
			cs = cJSON_GetArrayItem(ctrs, n);
			out->restarts += (int)table_int(cs, "restartCount", 0);
			t = last_finished(cs);
			if (t > out->last_restart)
				out->last_restart = t;
			state = json_obj(cs, "state");
			wait = json_obj(state, "waiting");
			term = json_obj(state, "terminated");
			wr = json_str(wait, "reason");
			tr = json_str(term, "reason");
			if (wr != NULL && wr[0] != '\0')
				snprintf(out->reason, sizeof(out->reason), "%s",
				    wr);
			else if (term != NULL && tr != NULL && tr[0] != '\0')
				snprintf(out->reason, sizeof(out->reason), "%s",
				    tr);
			else if (term != NULL)
				terminated_reason(term, "", out->reason,
				    sizeof(out->reason));
			else if (is_true(cs, "ready") &&
			    json_obj(state, "running") != NULL) {
				running = true;
				out->ready++;
			}
		}
		if (strcmp(out->reason, "Completed") == 0 && running)
			snprintf(out->reason, sizeof(out->reason), "%s",
			    has_condition(status, "Ready") ? "Running" :
			    "NotReady");
	}
	if (json_str(json_obj(pod, "metadata"), "deletionTimestamp") != NULL) {
		if (sreason != NULL && strcmp(sreason, "NodeLost") == 0)
			snprintf(out->reason, sizeof(out->reason), "Unknown");
		else if (!out->completed && !out->failed)
			snprintf(out->reason, sizeof(out->reason),
			    "Terminating");
	}
}

static const struct table_col cols_pods[] = {
	{ "Name", "string", "name", 0 },
	{ "Ready", "string", "", 0 },
	{ "Status", "string", "", 0 },
	{ "Restarts", "string", "", 0 },
	{ "Age", "string", "", 0 },
	{ "IP", "string", "", 1 },
	{ "Node", "string", "", 1 },
	{ "Nominated Node", "string", "", 1 },
	{ "Readiness Gates", "string", "", 1 },
};

static const char *
or_none(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "<none>";
}

static void
cells_pod(const cJSON *obj, cJSON *cells, time_t now)
{
	const cJSON *spec = json_obj(obj, "spec"), *st = json_obj(obj, "status");
	const cJSON *gates = cJSON_GetObjectItemCaseSensitive(spec,
	    "readinessGates"), *g, *ips;
	struct pod_print pp;
	char buf[64], age[32], ts[RFC3339_MAX];
	const char *ip;
	int ok = 0;

	table_pod_status(obj, &pp);
	table_add_name(cells, obj);
	snprintf(buf, sizeof(buf), "%d/%d", pp.ready, pp.total);
	table_add_str(cells, buf);
	table_add_str(cells, pp.reason);
	if (pp.restarts != 0 && pp.last_restart != 0 &&
	    rfc3339_format(pp.last_restart, ts, sizeof(ts)) == 0) {
		table_age(ts, now, age, sizeof(age));
		snprintf(buf, sizeof(buf), "%d (%s ago)", pp.restarts, age);
	} else
		snprintf(buf, sizeof(buf), "%d", pp.restarts);
	table_add_str(cells, buf);
	table_add_obj_age(cells, obj, now);
	ips = cJSON_GetObjectItemCaseSensitive(st, "podIPs");
	ip = json_str(cJSON_GetArrayItem(ips, 0), "ip");
	if (ip == NULL)
		ip = json_str(st, "podIP");
	table_add_str(cells, or_none(ip));
	table_add_str(cells, or_none(json_str(spec, "nodeName")));
	table_add_str(cells, or_none(json_str(st, "nominatedNodeName")));
	if (cJSON_GetArraySize(gates) == 0) {
		table_add_str(cells, "<none>");
		return;
	}
	cJSON_ArrayForEach(g, gates)
		if (json_str(g, "conditionType") != NULL &&
		    condition_true(st, json_str(g, "conditionType")))
			ok++;
	snprintf(buf, sizeof(buf), "%d/%d", ok, cJSON_GetArraySize(gates));
	table_add_str(cells, buf);
}

const struct table_printer table_pod_printer =
    TABLE_PRINTER("pods", cols_pods, cells_pod);
