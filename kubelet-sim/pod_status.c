/*
 * Pod status of ckube-kubelet-sim: the v1 PodStatus built from the podsim
 * state (phase, conditions, container statuses with containerID/imageID
 * hashes, hostIP, podIP, startTime) and written with a merge patch of the
 * status subresource only when it changed, mirrored into the 1.3
 * init-container-statuses annotation for pods created in that form.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"
#include "pod.h"
#include "status_writer.h"

/* Wall-clock RFC 3339 for a monotonic ms time. */
static void
fmt_time(int64_t mono_ms, char *buf, size_t len)
{
	int64_t wall_ms = ck_wall_us() / 1000 - (int64_t)ck_now_ms() + mono_ms;

	if (rfc3339_format((time_t)(wall_ms / 1000), buf, len) != 0)
		ck_strlcpy(buf, "1970-01-01T00:00:00Z", len);
}

/* 64 hex digits derived from a and b (FNV-1a, four seeds). */
static void
hash_hex(const char *a, const char *b, int n, char out[65])
{
	uint64_t h;
	const char *s;
	int k, pass;

	for (k = 0; k < 4; k++) {
		h = 14695981039346656037ull ^
		    (uint64_t)(k * 0x9e3779b97f4a7c15ull);
		for (pass = 0; pass < 2; pass++)
			for (s = pass == 0 ? a : b; *s != '\0'; s++) {
				h ^= (unsigned char)*s;
				h *= 1099511628211ull;
			}
		h ^= (uint64_t)n;
		h *= 1099511628211ull;
		snprintf(out + 16 * k, 17, "%016llx", (unsigned long long)h);
	}
}

static cJSON *
terminated_json(int code, const char *reason, int64_t started,
    int64_t finished, const char *cid)
{
	cJSON *in = cJSON_CreateObject();
	char t[RFC3339_MAX];

	cJSON_AddNumberToObject(in, "exitCode", code);
	cJSON_AddStringToObject(in, "reason", reason);
	fmt_time(started, t, sizeof(t));
	cJSON_AddStringToObject(in, "startedAt", t);
	fmt_time(finished, t, sizeof(t));
	cJSON_AddStringToObject(in, "finishedAt", t);
	if (cid != NULL)
		cJSON_AddStringToObject(in, "containerID", cid);
	return in;
}

static void
container_id(const struct sim_pod *p, const char *name, int restarts,
    char *buf, size_t len)
{
	char h[65];

	hash_hex(p->uid, name, restarts, h);
	snprintf(buf, len, "sim://%s", h);
}

static cJSON *
state_json(const struct sim_pod *p, const struct ctr_sim *c,
    const char *name, const char *image, bool last)
{
	cJSON *s = cJSON_CreateObject(), *in;
	char t[RFC3339_MAX], cid[80], msg[1024];

	if (last) {
		/* Instance n has id n; a waiting one's last is the current. */
		container_id(p, name, c->state == CS_WAITING ? c->restarts :
		    c->restarts - 1, cid, sizeof(cid));
		cJSON_AddItemToObject(s, "terminated", terminated_json(
		    c->last_exit, c->last_reason != NULL ? c->last_reason :
		    (c->last_exit == 0 ? "Completed" : "Error"),
		    c->last_started_ms, c->last_finished_ms, cid));
		return s;
	}
	switch (c->state) {
	case CS_WAITING:
		in = cJSON_AddObjectToObject(s, "waiting");
		if (c->reason == NULL)
			break;
		cJSON_AddStringToObject(in, "reason", c->reason);
		msg[0] = '\0';
		if (strcmp(c->reason, "CrashLoopBackOff") == 0)
			snprintf(msg, sizeof(msg), "back-off %llds restarting "
			    "failed container=%s pod=%s_%s(%s)",
			    (long long)((c->restart_at_ms - c->last_finished_ms)
			    / 1000), name, p->name, p->ns, p->uid);
		else if (strcmp(c->reason, "ErrImagePull") == 0)
			snprintf(msg, sizeof(msg), "failed to pull image "
			    "\"%s\": simulated pull failure "
			    "(sim.ckube.io/image-pull-fail)", image);
		else if (strcmp(c->reason, "CreateContainerConfigError") ==
		    0 && c->config_err != NULL)
			snprintf(msg, sizeof(msg), "%s (pod: \"%s_%s(%s)\", "
			    "container: %s)", c->config_err, p->name, p->ns,
			    p->uid, name);
		else if (strcmp(c->reason, "ImagePullBackOff") == 0)
			snprintf(msg, sizeof(msg), "Back-off pulling image "
			    "\"%s\"", image);
		if (msg[0] != '\0')
			cJSON_AddStringToObject(in, "message", msg);
		break;
	case CS_RUNNING:
		in = cJSON_AddObjectToObject(s, "running");
		fmt_time(c->started_ms, t, sizeof(t));
		cJSON_AddStringToObject(in, "startedAt", t);
		break;
	case CS_TERMINATED:
		container_id(p, name, c->restarts, cid, sizeof(cid));
		cJSON_AddItemToObject(s, "terminated", terminated_json(
		    c->exit_code, c->reason, c->started_ms, c->finished_ms,
		    cid));
		break;
	}
	return s;
}

/* "nginx:1.25" -> "docker.io/library/nginx@sha256:<hash>". */
static void
image_id(const char *image, char *buf, size_t len)
{
	char name[256], h[65], *tag;
	int n;
	const char *slash = strchr(image, '/');

	ck_strlcpy(name, image, sizeof(name));
	tag = strrchr(name, ':');
	if (tag != NULL && strchr(tag, '/') == NULL)
		*tag = '\0';
	if ((tag = strchr(name, '@')) != NULL)
		*tag = '\0';
	hash_hex(image, "image", 0, h);
	/* An image name too long for buf gives a cut imageID: cosmetic. */
	if (slash == NULL)
		n = snprintf(buf, len, "docker.io/library/%s@sha256:%s", name, h);
	else if (strchr(name, '.') == NULL || strchr(name, '.') > strchr(name,
	    '/'))
		n = snprintf(buf, len, "docker.io/%s@sha256:%s", name, h);
	else
		n = snprintf(buf, len, "%s@sha256:%s", name, h);
	if (n < 0)
		buf[0] = '\0';
}

static cJSON *
statuses_json(const struct sim_pod *p, const struct ctr_sim *cs,
    const char *const *names, const char *const *images, size_t n, bool init)
{
	cJSON *arr = cJSON_CreateArray(), *o;
	char id[512];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct ctr_sim *c = &cs[i];
		bool started = c->state == CS_RUNNING;

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", names[i]);
		if (p->evicted && !init && c->state == CS_TERMINATED) {
			/*
			 * Killed by the eviction manager: the kill is the
			 * last state, as the 1.3 kubelet left it, so the
			 * STATUS column reads the pod's reason, Evicted.
			 */
			cJSON_AddItemToObject(o, "state", cJSON_CreateObject());
			cJSON_AddItemToObject(o, "lastState", state_json(p, c,
			    names[i], images[i], false));
		} else {
			cJSON_AddItemToObject(o, "state", state_json(p, c,
			    names[i], images[i], false));
			cJSON_AddItemToObject(o, "lastState", c->has_last ?
			    state_json(p, c, names[i], images[i], true) :
			    cJSON_CreateObject());
		}
		cJSON_AddBoolToObject(o, "ready", init ?
		    (c->state == CS_TERMINATED && c->exit_code == 0) :
		    c->ready);
		cJSON_AddNumberToObject(o, "restartCount", c->restarts);
		cJSON_AddStringToObject(o, "image", images[i]);
		if (c->state != CS_WAITING || c->has_last) {
			image_id(images[i], id, sizeof(id));
			cJSON_AddStringToObject(o, "imageID", id);
			container_id(p, names[i], c->restarts, id, sizeof(id));
			cJSON_AddStringToObject(o, "containerID", id);
		} else {
			cJSON_AddStringToObject(o, "imageID", "");
		}
		if (started && c->probe[PROBE_STARTUP] != NULL)
			started = c->probe[PROBE_STARTUP]->st.result ==
			    PR_SUCCESS;
		cJSON_AddBoolToObject(o, "started", started);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

static void
add_cond(cJSON *arr, const char *type, bool ok, const char *reason,
    const char *msg, const char *now)
{
	cJSON *c = cJSON_CreateObject();

	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", ok ? "True" : "False");
	cJSON_AddNullToObject(c, "lastProbeTime");
	cJSON_AddStringToObject(c, "lastTransitionTime", now);
	if (!ok && reason != NULL) {
		cJSON_AddStringToObject(c, "reason", reason);
		cJSON_AddStringToObject(c, "message", msg);
	}
	cJSON_AddItemToArray(arr, c);
}

/* "containers with incomplete status: [a b]" style lists. */
static void
list_names(char *msg, size_t len, const char *head, const char *const *names,
    const struct ctr_sim *cs, size_t n, bool init)
{
	size_t i, off;
	bool first = true, want;

	off = (size_t)snprintf(msg, len, "%s: [", head);
	for (i = 0; i < n && off < len; i++) {
		want = init ? !(cs[i].state == CS_TERMINATED &&
		    cs[i].exit_code == 0) : !cs[i].ready;
		if (!want)
			continue;
		off += (size_t)snprintf(msg + off, len - off, "%s%s",
		    first ? "" : " ", names[i]);
		first = false;
	}
	if (off < len)
		snprintf(msg + off, len - off, "]");
}

static void
add_ips(cJSON *st, const char *key, const char *list_key, const char *ip)
{
	cJSON *arr, *o;

	cJSON_AddStringToObject(st, key, ip);
	arr = cJSON_AddArrayToObject(st, list_key);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "ip", ip);
	cJSON_AddItemToArray(arr, o);
}

static cJSON *
status_json(const struct sim_pod *p)
{
	static const char *const ph[] = {
		"Pending", "Running", "Succeeded", "Failed"
	};
	const struct pod_sim *ps = &p->ps;
	cJSON *st = cJSON_CreateObject(), *conds;
	char t[RFC3339_MAX], msg[512], rmsg[512], start[RFC3339_MAX];
	bool ready = ps->napp > 0;
	size_t i;

	pod_start_time(p, start);
	if (p->reject_reason != NULL) {
		cJSON_AddStringToObject(st, "phase", "Failed");
		cJSON_AddStringToObject(st, "reason", p->reject_reason);
		snprintf(msg, sizeof(msg), "Pod was rejected: %s",
		    p->reject_msg);
		cJSON_AddStringToObject(st, "message", msg);
		add_ips(st, "hostIP", "hostIPs", p->node->ip);
		cJSON_AddStringToObject(st, "startTime", start);
		return st;
	}
	if (p->evicted) {
		/* The eviction manager's verdict: Failed, never restarted. */
		cJSON_AddStringToObject(st, "phase", "Failed");
		cJSON_AddStringToObject(st, "reason", "Evicted");
		cJSON_AddStringToObject(st, "message", p->evict_msg);
	} else {
		cJSON_AddStringToObject(st, "phase", ph[ps->phase]);
	}
	if (ps->reason != NULL && !p->evicted) {
		cJSON_AddStringToObject(st, "reason", ps->reason);
		cJSON_AddStringToObject(st, "message", "Pod was active on the "
		    "node longer than the specified deadline");
	}
	for (i = 0; i < ps->napp; i++)
		ready = ready && ps->app[i].ready;
	list_names(msg, sizeof(msg), "containers with incomplete status",
	    p->init_names, ps->init, ps->ninit, true);
	list_names(rmsg, sizeof(rmsg), "containers with unready status",
	    p->app_names, ps->app, ps->napp, false);
	fmt_time(ps->start_ms, t, sizeof(t));
	conds = cJSON_AddArrayToObject(st, "conditions");
	add_cond(conds, "Initialized", ps->initialized,
	    "ContainersNotInitialized", msg, t);
	add_cond(conds, "Ready", ready, ps->phase == PH_SUCCEEDED ||
	    ps->phase == PH_FAILED ? "PodCompleted" : "ContainersNotReady",
	    rmsg, t);
	add_cond(conds, "ContainersReady", ready, ps->phase == PH_SUCCEEDED ||
	    ps->phase == PH_FAILED ? "PodCompleted" : "ContainersNotReady",
	    rmsg, t);
	add_cond(conds, "PodScheduled", true, NULL, NULL, t);
	if (p->evicted) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "type", "DisruptionTarget");
		cJSON_AddStringToObject(c, "status", "True");
		cJSON_AddNullToObject(c, "lastProbeTime");
		cJSON_AddStringToObject(c, "lastTransitionTime", t);
		cJSON_AddStringToObject(c, "reason", "TerminationByKubelet");
		cJSON_AddStringToObject(c, "message", p->evict_msg);
		cJSON_AddItemToArray(conds, c);
	}
	add_ips(st, "hostIP", "hostIPs", p->node->ip);
	add_ips(st, "podIP", "podIPs", p->ip);
	cJSON_AddStringToObject(st, "startTime", start);
	if (ps->ninit > 0)
		cJSON_AddItemToObject(st, "initContainerStatuses",
		    statuses_json(p, ps->init, p->init_names, p->images,
		    ps->ninit, true));
	cJSON_AddItemToObject(st, "containerStatuses", statuses_json(p,
	    ps->app, p->app_names, p->images + ps->ninit, ps->napp, false));
	return st;
}

/*
 * What was last written is remembered as a 64-bit hash of its text
 * (0: nothing yet), not the text: thousands of pods per process.
 */
static uint64_t
text_hash(const char *s)
{
	uint64_t h = strmap_hash(s);

	return h != 0 ? h : 1;
}

/*
 * The 1.3 mirror annotation, when it changed: a metadata patch the status
 * writer sends in the same pods/status write (status_writer.c). Returns
 * that patch, or NULL when the annotation is current.
 */
static cJSON *
mirror_patch(struct sim_pod *p, const cJSON *status)
{
	cJSON *patch, *ann;
	char *v;

	v = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(status,
	    "initContainerStatuses"));
	if (v == NULL)
		v = ck_strdup("[]");
	if (p->last_mirror != 0 && text_hash(v) == p->last_mirror) {
		free(v);
		return NULL;
	}
	patch = cJSON_CreateObject();
	ann = cJSON_AddObjectToObject(cJSON_AddObjectToObject(patch,
	    "metadata"), "annotations");
	cJSON_AddStringToObject(ann, p->ann_key, v);
	p->last_mirror = text_hash(v);
	free(v);
	return patch;
}

/*
 * Another writer (the node controller's MarkPodsNotReady while this node
 * was unreachable) set the pod's Ready condition False: when ours says
 * otherwise, forget what was written so the next write sends it again, as
 * the kubelet's status manager corrects the server. True if it must.
 */
bool
pod_ready_differs(const struct sim_pod *p, const struct kobj *obj)
{
	const char *seen = kobj_condition_status(obj, "Ready");
	const cJSON *c, *conds;
	const char *mine = NULL;
	cJSON *status;
	bool differs;

	if (seen == NULL || strcmp(seen, "False") != 0 || p->last_status == 0)
		return false;
	status = status_json(p);
	conds = cJSON_GetObjectItemCaseSensitive(status, "conditions");
	cJSON_ArrayForEach(c, conds) {
		const char *t = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(c, "type"));

		if (t != NULL && strcmp(t, "Ready") == 0)
			mine = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(c, "status"));
	}
	differs = mine != NULL && strcmp(mine, seen) != 0;
	cJSON_Delete(status);
	return differs;
}

/*
 * The pod's resolv.conf as an annotation, once and only when the pod does
 * not carry it already, in the metadata of its first status write past
 * Pending (one write: pods/status keeps annotations).
 */
static cJSON *
resolv_patch(struct sim_pod *p, cJSON *mirror)
{
	cJSON *meta, *ann;

	if (p->resolv_done || p->deleting || p->reject_reason != NULL ||
	    p->ps.phase == PH_PENDING)
		return mirror;
	p->resolv_done = true;
	if (p->resolv == NULL)
		return mirror;	/* written before a restart of ours */
	if (mirror == NULL)
		mirror = cJSON_CreateObject();
	if ((meta = cJSON_GetObjectItemCaseSensitive(mirror, "metadata")) ==
	    NULL)
		meta = cJSON_AddObjectToObject(mirror, "metadata");
	if ((ann = cJSON_GetObjectItemCaseSensitive(meta, "annotations")) ==
	    NULL)
		ann = cJSON_AddObjectToObject(meta, "annotations");
	cJSON_AddStringToObject(ann, ANN_RESOLV_CONF, p->resolv);
	free(p->resolv);
	p->resolv = NULL;
	return mirror;
}

/* Sent by the status writer's threads, newest state only, in order. */
void
pod_write_status(struct sim_pod *p)
{
	cJSON *patch, *status, *mirror = NULL;
	char *text;

	status = status_json(p);
	text = cJSON_PrintUnformatted(status);
	if (p->last_status != 0 && text_hash(text) == p->last_status) {
		free(text);
		cJSON_Delete(status);
		return;
	}
	if (p->ann_key != NULL && !p->deleting)
		mirror = mirror_patch(p, status);
	mirror = resolv_patch(p, mirror);
	patch = cJSON_CreateObject();
	cJSON_AddItemToObject(patch, "status", status);
	status_writer_put(p->ns, p->name, mirror, patch);
	p->last_status = text_hash(text);
	free(text);
}
