/*
 * Pod spec reading of ckube-kubelet-sim: sim.ckube.io/ annotations (with
 * every bad value described, never fatal), probes with their Kubernetes
 * defaults, effective resource requests with the init-container rule, and
 * the kubelet's resource admission.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/ck.h"
#include "ckube/err.h"
#include "ckube/quantity.h"
#include "ckube/strbuf.h"
#include "podspec.h"

static void
add_err(char *err, size_t len, const char *key, const char *what,
    const char *val)
{
	size_t off = strlen(err);

	if (off >= len)
		return;
	snprintf(err + off, len - off, "%s%s: %s \"%s\"", off > 0 ? "; " : "",
	    key, what, val);
}

static bool
parse_quantity(const char *v, int64_t *out)
{
	int64_t x;

	if (quantity_parse_value(v, &x, NULL) != 0 || x < 0)
		return false;
	*out = x;
	return true;
}

static const char *const usage_keys[] = {
	"memory-usage", "disk-usage", "inodes-usage"
};

/* k is "<usage key>" or "<usage key>.<container>": its kind, or -1. */
static int
usage_kind(const char *k, const char **ctr)
{
	size_t i, n;

	for (i = 0; i < ARRAY_SIZE(usage_keys); i++) {
		n = strlen(usage_keys[i]);
		if (strncmp(k, usage_keys[i], n) != 0)
			continue;
		if (k[n] == '\0') {
			*ctr = NULL;
			return (int)i;
		}
		if (k[n] == '.' && k[n + 1] != '\0') {
			*ctr = k + n + 1;
			return (int)i;
		}
	}
	return -1;
}

static int64_t *
usage_slot(const char *k, struct sim_annotations *a)
{
	const char *ctr;

	switch (usage_kind(k, &ctr)) {
	case 0:
		return &a->memory_bytes;
	case 1:
		return &a->disk_bytes;
	case 2:
		return &a->inodes;
	default:
		return NULL;
	}
}

void
podspec_container_usage(const cJSON *annotations, const char *name,
    bool first, int64_t usage[3])
{
	const size_t plen = strlen(SIM_ANN_PREFIX);
	const cJSON *it;
	const char *ctr;
	int64_t x;
	int kind;

	usage[0] = usage[1] = usage[2] = 0;
	cJSON_ArrayForEach(it, annotations) {
		if (it->string == NULL || !cJSON_IsString(it) ||
		    strncmp(it->string, SIM_ANN_PREFIX, plen) != 0)
			continue;
		kind = usage_kind(it->string + plen, &ctr);
		if (kind < 0 || (ctr == NULL && !first) ||
		    (ctr != NULL && strcmp(ctr, name) != 0))
			continue;
		if (parse_quantity(it->valuestring, &x))
			usage[kind] += x;
	}
}

void
podspec_container_requests(const cJSON *c, int64_t *memory, int64_t *disk)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(c, "resources");
	const char *names[2] = { "memory", "ephemeral-storage" };
	int64_t *out[2] = { memory, disk }, x;
	const cJSON *v;
	size_t i;

	for (i = 0; i < 2; i++) {
		*out[i] = 0;
		v = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(res, "requests"), names[i]);
		if (!cJSON_IsString(v))	/* a limit alone defaults it */
			v = cJSON_GetObjectItemCaseSensitive(
			    cJSON_GetObjectItemCaseSensitive(res, "limits"),
			    names[i]);
		if (cJSON_IsString(v) && quantity_parse_value(v->valuestring,
		    &x, NULL) == 0 && x > 0)
			*out[i] = x;
	}
}

int
podspec_annotations(const cJSON *annotations, struct sim_annotations *out,
    char *err, size_t errlen)
{
	const size_t plen = strlen(SIM_ANN_PREFIX);
	const cJSON *it;
	const char *k, *v;
	int64_t *u, x;
	int bad = 0;

	memset(out, 0, sizeof(*out));
	if (errlen > 0)
		err[0] = '\0';
	cJSON_ArrayForEach(it, annotations) {
		k = it->string;
		if (k == NULL || strncmp(k, SIM_ANN_PREFIX, plen) != 0)
			continue;
		v = cJSON_IsString(it) ? it->valuestring : "";
		k += plen;
		if (strcmp(k, "startup-delay") == 0) {
			if (sim_parse_duration(v, &out->startup_delay_ms) != 0)
				goto bad_duration;
		} else if (strcmp(k, "ready-after") == 0) {
			if (sim_parse_duration(v, &out->ready_after_ms) != 0)
				goto bad_duration;
		} else if ((u = usage_slot(k, out)) != NULL) {
			/* pod-level and per-container values add up */
			if (!parse_quantity(v, &x))
				goto bad_quantity;
			*u += x;
		} else if (strcmp(k, "cpu-usage") == 0 ||
		    strncmp(k, "cpu-usage.", 10) == 0) {
			if (podspec_cpu_value(v, 1000, &x) != 0)
				goto bad_cpu;
		} else if (strcmp(k, "image-pull-fail") == 0) {
			if (*v == '\0' || strlen(v) >= sizeof(out->pull_fail)) {
				add_err(err, errlen, it->string,
				    "invalid container list", v);
				bad++;
			} else if (strcmp(v, "false") != 0) {
				ck_strlcpy(out->pull_fail, v,
				    sizeof(out->pull_fail));
			}
		} else if (strcmp(k, "kubelet-url") != 0) {
			add_err(err, errlen, it->string, "unknown annotation",
			    v);
			bad++;
		}
		continue;
bad_duration:
		add_err(err, errlen, it->string,
		    "invalid duration (want e.g. 500ms, 2s, 1m)", v);
		bad++;
		continue;
bad_quantity:
		add_err(err, errlen, it->string,
		    "invalid quantity (want e.g. 100Mi, 2Gi, 1000)", v);
		bad++;
		continue;
bad_cpu:
		add_err(err, errlen, it->string,
		    "invalid cpu usage (want e.g. 200m, 1.5 or 80%)", v);
		bad++;
	}
	return bad;
}

int
podspec_cpu_value(const char *v, int64_t request_milli, int64_t *out)
{
	char *end;
	long pct;
	size_t n = strlen(v);

	if (n > 1 && v[n - 1] == '%') {
		pct = strtol(v, &end, 10);
		if (end != v + n - 1 || pct < 0 || pct > 100000)
			return CK_EINVALID;
		*out = request_milli * pct / 100;
		return 0;
	}
	if (quantity_parse_milli(v, out, NULL) != 0 || *out < 0)
		return CK_EINVALID;
	return 0;
}

/* A container's cpu request in milli-cores (its limit when unset). */
static int64_t
container_cpu_request(const cJSON *c)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(c, "resources");
	const cJSON *v;
	int64_t x;

	v = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(res, "requests"), "cpu");
	if (!cJSON_IsString(v))
		v = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(res, "limits"), "cpu");
	if (cJSON_IsString(v) && quantity_parse_milli(v->valuestring, &x,
	    NULL) == 0 && x > 0)
		return x;
	return 0;
}

int64_t
podspec_container_cpu(const cJSON *annotations, const cJSON *c, bool first)
{
	const cJSON *own = NULL, *pod;
	const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
	const char *name = cJSON_IsString(nm) ? nm->valuestring : NULL;
	char key[320];
	int64_t x;
	size_t n;

	if (name != NULL) {
		snprintf(key, sizeof(key), SIM_ANN_PREFIX "cpu-usage.%s", name);
		own = cJSON_GetObjectItemCaseSensitive(annotations, key);
	}
	if (cJSON_IsString(own))
		return podspec_cpu_value(own->valuestring,
		    container_cpu_request(c), &x) == 0 ? x : 0;
	pod = cJSON_GetObjectItemCaseSensitive(annotations,
	    SIM_ANN_PREFIX "cpu-usage");
	if (!cJSON_IsString(pod))
		return 0;
	/* A percentage holds for every container, a quantity for the first. */
	n = strlen(pod->valuestring);
	if (!first && (n == 0 || pod->valuestring[n - 1] != '%'))
		return 0;
	return podspec_cpu_value(pod->valuestring, container_cpu_request(c),
	    &x) == 0 ? x : 0;
}

/* The container's value of key, else the pod's (NULL: neither). */
static const cJSON *
effective(const cJSON *pod_sc, const cJSON *ctr_sc, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ctr_sc, key);

	if (v == NULL || cJSON_IsNull(v))
		v = cJSON_GetObjectItemCaseSensitive(pod_sc, key);
	return v != NULL && !cJSON_IsNull(v) ? v : NULL;
}

const char *
podspec_nonroot_error(const cJSON *pod_sc, const cJSON *ctr_sc)
{
	const cJSON *nonroot = effective(pod_sc, ctr_sc, "runAsNonRoot");
	const cJSON *uid = effective(pod_sc, ctr_sc, "runAsUser");

	if (!cJSON_IsTrue(nonroot))
		return NULL;
	if (cJSON_IsNumber(uid))
		return uid->valuedouble == 0 ? "container's runAsUser breaks "
		    "non-root policy" : NULL;
	return "container has runAsNonRoot and image will run as root";
}

bool
podspec_pull_fails(const struct sim_annotations *a, const char *name)
{
	const char *p = a->pull_fail, *e;
	size_t n = strlen(name);

	if (*p == '\0')
		return false;
	if (strcmp(p, "true") == 0 || strcmp(p, "*") == 0)
		return true;
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		e = p;
		while (*e != '\0' && *e != ',' && *e != ' ')
			e++;
		if ((size_t)(e - p) == n && n > 0 && strncmp(p, name, n) == 0)
			return true;
		p = e;
	}
	return false;
}

static int64_t
num(const cJSON *o, const char *key, int64_t def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : def;
}

bool
podspec_probe(const cJSON *probe, struct probe_spec *s)
{
	const cJSON *exec, *cmd, *it;
	const char *argv[32];
	size_t n = 0;

	probe_spec_defaults(s);
	if (!cJSON_IsObject(probe))
		return false;
	exec = cJSON_GetObjectItemCaseSensitive(probe, "exec");
	if (cJSON_IsObject(exec)) {
		s->action = PROBE_EXEC;
		cmd = cJSON_GetObjectItemCaseSensitive(exec, "command");
		cJSON_ArrayForEach(it, cmd)
			if (cJSON_IsString(it) && n < ARRAY_SIZE(argv))
				argv[n++] = it->valuestring;
		/* a probe command runs to its end, as an init container */
		s->exec_bad = sim_spec_eval(argv, n, true, &s->exec) != 0;
	} else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(probe,
	    "httpGet"))) {
		s->action = PROBE_HTTP;
	} else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(probe,
	    "tcpSocket"))) {
		s->action = PROBE_TCP;
	} else if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(probe,
	    "grpc"))) {
		s->action = PROBE_GRPC;
	} else {
		return false;
	}
	s->initial_delay_ms = num(probe, "initialDelaySeconds", 0) * 1000;
	s->period_ms = num(probe, "periodSeconds", 10) * 1000;
	s->timeout_ms = num(probe, "timeoutSeconds", 1) * 1000;
	s->success_threshold = (int)num(probe, "successThreshold", 1);
	s->failure_threshold = (int)num(probe, "failureThreshold", 3);
	if (s->initial_delay_ms < 0)
		s->initial_delay_ms = 0;
	if (s->period_ms <= 0)
		s->period_ms = 10000;
	if (s->timeout_ms <= 0)
		s->timeout_ms = 1000;
	if (s->success_threshold <= 0)
		s->success_threshold = 1;
	if (s->failure_threshold <= 0)
		s->failure_threshold = 3;
	return true;
}

static void
ctr_requests(const cJSON *c, struct res_list *r)
{
	const cJSON *res, *req, *v;
	int64_t x;

	r->cpu_milli = r->memory = 0;
	res = cJSON_GetObjectItemCaseSensitive(c, "resources");
	req = cJSON_GetObjectItemCaseSensitive(res, "requests");
	if (req == NULL)	/* a limit alone defaults the request */
		req = cJSON_GetObjectItemCaseSensitive(res, "limits");
	v = cJSON_GetObjectItemCaseSensitive(req, "cpu");
	if (cJSON_IsString(v) && quantity_parse_milli(v->valuestring, &x,
	    NULL) == 0 && x > 0)
		r->cpu_milli = x;
	v = cJSON_GetObjectItemCaseSensitive(req, "memory");
	if (cJSON_IsString(v) && quantity_parse_value(v->valuestring, &x,
	    NULL) == 0 && x > 0)
		r->memory = x;
}

void
podspec_requests(const cJSON *init, const cJSON *app, struct res_list *out)
{
	struct res_list c, imax = { 0 }, sum = { 0 };
	const cJSON *it;

	cJSON_ArrayForEach(it, init) {
		ctr_requests(it, &c);
		if (c.cpu_milli > imax.cpu_milli)
			imax.cpu_milli = c.cpu_milli;
		if (c.memory > imax.memory)
			imax.memory = c.memory;
	}
	cJSON_ArrayForEach(it, app) {
		ctr_requests(it, &c);
		sum.cpu_milli += c.cpu_milli;
		sum.memory += c.memory;
	}
	out->cpu_milli = imax.cpu_milli > sum.cpu_milli ? imax.cpu_milli :
	    sum.cpu_milli;
	out->memory = imax.memory > sum.memory ? imax.memory : sum.memory;
	out->pods = 1;
}

const char *
podspec_admit(const struct res_list *alloc, const struct res_list *used,
    const struct res_list *req, char *msg, size_t len)
{
	const char *res, *reason;
	int64_t r, u, cap;

	if (used->pods + req->pods > alloc->pods) {
		res = "pods", reason = "OutOfpods";
		r = req->pods, u = used->pods, cap = alloc->pods;
	} else if (req->cpu_milli > 0 &&
	    used->cpu_milli + req->cpu_milli > alloc->cpu_milli) {
		res = "cpu", reason = "OutOfcpu";
		r = req->cpu_milli, u = used->cpu_milli, cap = alloc->cpu_milli;
	} else if (req->memory > 0 &&
	    used->memory + req->memory > alloc->memory) {
		res = "memory", reason = "OutOfmemory";
		r = req->memory, u = used->memory, cap = alloc->memory;
	} else {
		return NULL;
	}
	snprintf(msg, len, "Node didn't have enough resource: %s, requested: "
	    "%lld, used: %lld, capacity: %lld", res, (long long)r,
	    (long long)u, (long long)cap);
	return reason;
}
