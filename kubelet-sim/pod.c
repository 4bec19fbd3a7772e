/*
 * Pods of ckube-kubelet-sim: the pod informer's events for pods bound to our
 * nodes are queued to the main loop, which runs each pod's podsim state
 * machine on a timer, writes status (status subresource, only on change)
 * and finishes graceful deletion with a grace-0 delete.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/informer.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"
#include "kubelet_sim.h"
#include "podsim.h"

#define ANN_INIT_ALPHA	"pod.alpha.kubernetes.io/init-containers"
#define ANN_INIT_BETA	"pod.beta.kubernetes.io/init-containers"

struct pod_ev {
	struct pod_ev	*next;
	struct kobj	*obj;
	bool		deleted;
};

struct sim_pod {
	struct timer	timer;
	struct ksim	*ks;
	struct sim_node	*node;
	char		ns[CK_NAME_MAX], name[CK_NAME_MAX], uid[64];
	char		key[2 * CK_NAME_MAX];	/* strmap key (borrowed by it) */
	char		ip[32];
	char		ann_key[64];	/* mirror annotation, or "" */
	char		**init_names, **app_names, **images;
	struct ctr_sim	*ctrs;		/* init then app */
	struct pod_sim	ps;
	char		*last_status;
	bool		deleting, gone;
	int64_t		delete_at_ms;
};

static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pod_ev *ev_head, **ev_tail = &ev_head;
static struct strmap *pods;	/* "ns/name" -> sim_pod (main thread) */

static struct sim_node *
find_node(struct ksim *ks, const char *name)
{
	size_t plen = strlen(ks->f.node_prefix);
	int64_t i;

	if (name == NULL || strncmp(name, ks->f.node_prefix, plen) != 0 ||
	    ck_parse_int64(name + plen, &i) != 0 || i < 0 ||
	    (size_t)i >= ks->nnodes)
		return NULL;
	return &ks->nodes[i];
}

static void
push(const struct kobj *obj, bool deleted, void *arg)
{
	struct ksim *ks = arg;
	struct pod_ev *e;

	if (find_node(ks, kobj_get_str(obj, "spec.nodeName")) == NULL)
		return;
	e = ck_calloc(1, sizeof(*e));
	e->obj = kobj_ref(obj);
	e->deleted = deleted;
	pthread_mutex_lock(&ev_mu);
	*ev_tail = e;
	ev_tail = &e->next;
	pthread_mutex_unlock(&ev_mu);
}

static void
on_add(const struct kobj *obj, void *arg)
{
	push(obj, false, arg);
}

static void
on_update(const struct kobj *old, const struct kobj *obj, void *arg)
{
	(void)old;
	push(obj, false, arg);
}

static void
on_delete(const struct kobj *obj, void *arg)
{
	push(obj, true, arg);
}

const struct informer_handlers *
pod_handlers(struct ksim *ks)
{
	static struct informer_handlers h = { on_add, on_update, on_delete,
	    NULL };

	h.arg = ks;
	return &h;
}

/* Wall-clock RFC 3339 for a monotonic ms time. */
static void
fmt_time(int64_t mono_ms, char *buf, size_t len)
{
	int64_t wall_ms = ck_wall_us() / 1000 - (int64_t)ck_now_ms() + mono_ms;

	if (rfc3339_format((time_t)(wall_ms / 1000), buf, len) != 0)
		ck_strlcpy(buf, "1970-01-01T00:00:00Z", len);
}

static void
outcome_of(const cJSON *c, bool is_init, struct sim_outcome *out)
{
	const char *argv[32];
	size_t n = 0;
	const cJSON *arr, *it;
	int k;

	for (k = 0; k < 2; k++) {
		arr = cJSON_GetObjectItemCaseSensitive(c,
		    k == 0 ? "command" : "args");
		cJSON_ArrayForEach(it, arr) {
			if (cJSON_IsString(it) && n < ARRAY_SIZE(argv))
				argv[n++] = it->valuestring;
		}
	}
	if (sim_spec_eval(argv, n, is_init, out) != 0) {
		out->forever = false;	/* malformed: fails at once */
		out->run_ms = 0;
		out->exit_code = 127;
	}
}

static cJSON *
state_json(const struct ctr_sim *c, bool last)
{
	cJSON *s = cJSON_CreateObject(), *in;
	char t[RFC3339_MAX];

	if (last) {
		in = cJSON_AddObjectToObject(s, "terminated");
		cJSON_AddNumberToObject(in, "exitCode", c->last_exit);
		cJSON_AddStringToObject(in, "reason",
		    c->last_exit == 0 ? "Completed" : "Error");
		fmt_time(c->last_started_ms, t, sizeof(t));
		cJSON_AddStringToObject(in, "startedAt", t);
		fmt_time(c->last_finished_ms, t, sizeof(t));
		cJSON_AddStringToObject(in, "finishedAt", t);
		return s;
	}
	switch (c->state) {
	case CS_WAITING:
		in = cJSON_AddObjectToObject(s, "waiting");
		if (c->reason != NULL)
			cJSON_AddStringToObject(in, "reason", c->reason);
		break;
	case CS_RUNNING:
		in = cJSON_AddObjectToObject(s, "running");
		fmt_time(c->started_ms, t, sizeof(t));
		cJSON_AddStringToObject(in, "startedAt", t);
		break;
	case CS_TERMINATED:
		in = cJSON_AddObjectToObject(s, "terminated");
		cJSON_AddNumberToObject(in, "exitCode", c->exit_code);
		cJSON_AddStringToObject(in, "reason", c->reason);
		fmt_time(c->started_ms, t, sizeof(t));
		cJSON_AddStringToObject(in, "startedAt", t);
		fmt_time(c->finished_ms, t, sizeof(t));
		cJSON_AddStringToObject(in, "finishedAt", t);
		break;
	}
	return s;
}

static cJSON *
statuses_json(const struct sim_pod *p, const struct ctr_sim *cs,
    char **names, char **images, size_t n, bool init)
{
	cJSON *arr = cJSON_CreateArray(), *o;
	char id[160];
	size_t i;

	for (i = 0; i < n; i++) {
		const struct ctr_sim *c = &cs[i];

		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", names[i]);
		cJSON_AddItemToObject(o, "state", state_json(c, false));
		cJSON_AddItemToObject(o, "lastState", c->has_last ?
		    state_json(c, true) : cJSON_CreateObject());
		cJSON_AddBoolToObject(o, "ready", init ?
		    (c->state == CS_TERMINATED && c->exit_code == 0) :
		    c->ready);
		cJSON_AddNumberToObject(o, "restartCount", c->restarts);
		cJSON_AddStringToObject(o, "image", images[i]);
		cJSON_AddStringToObject(o, "imageID", images[i]);
		if (c->state != CS_WAITING || c->has_last) {
			snprintf(id, sizeof(id), "sim://%s-%s-%d", p->uid,
			    names[i], c->restarts);
			cJSON_AddStringToObject(o, "containerID", id);
		}
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

static cJSON *
status_json(const struct sim_pod *p)
{
	static const char *const ph[] = {
		"Pending", "Running", "Succeeded", "Failed"
	};
	const struct pod_sim *ps = &p->ps;
	cJSON *st = cJSON_CreateObject(), *conds;
	char t[RFC3339_MAX], msg[512];
	bool ready = ps->napp > 0;
	size_t i, off;

	cJSON_AddStringToObject(st, "phase", ph[ps->phase]);
	if (ps->reason != NULL) {
		cJSON_AddStringToObject(st, "reason", ps->reason);
		cJSON_AddStringToObject(st, "message",
		    "Pod was active on the node longer than the specified deadline");
	}
	for (i = 0; i < ps->napp; i++)
		ready = ready && ps->app[i].ready;
	off = (size_t)snprintf(msg, sizeof(msg),
	    "containers with incomplete status: [");
	for (i = 0; i < ps->ninit; i++)
		if (!(ps->init[i].state == CS_TERMINATED &&
		    ps->init[i].exit_code == 0) && off < sizeof(msg))
			off += (size_t)snprintf(msg + off, sizeof(msg) - off,
			    "%s%s", off > 37 ? " " : "", p->init_names[i]);
	if (off < sizeof(msg))
		snprintf(msg + off, sizeof(msg) - off, "]");
	fmt_time(ps->start_ms, t, sizeof(t));
	conds = cJSON_AddArrayToObject(st, "conditions");
	add_cond(conds, "Initialized", ps->initialized,
	    "ContainersNotInitialized", msg, t);
	add_cond(conds, "Ready", ready, "ContainersNotReady",
	    "containers with unready status", t);
	add_cond(conds, "ContainersReady", ready, "ContainersNotReady",
	    "containers with unready status", t);
	add_cond(conds, "PodScheduled", true, NULL, NULL, t);
	cJSON_AddStringToObject(st, "hostIP", p->node->ip);
	cJSON_AddStringToObject(st, "podIP", p->ip);
	cJSON_AddStringToObject(st, "startTime", t);
	if (ps->ninit > 0)
		cJSON_AddItemToObject(st, "initContainerStatuses",
		    statuses_json(p, ps->init, p->init_names, p->images,
		    ps->ninit, true));
	cJSON_AddItemToObject(st, "containerStatuses", statuses_json(p,
	    ps->app, p->app_names, p->images + ps->ninit, ps->napp, false));
	return st;
}

static void
write_status(struct sim_pod *p)
{
	struct ck_status st = { 0 };
	cJSON *patch, *status, *md, *ann;
	char *text;
	int rc;

	status = status_json(p);
	text = cJSON_PrintUnformatted(status);
	if (p->last_status != NULL && strcmp(text, p->last_status) == 0) {
		free(text);
		cJSON_Delete(status);
		return;
	}
	patch = cJSON_CreateObject();
	if (p->ann_key[0] != '\0') {
		char *v = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(
		    status, "initContainerStatuses"));

		md = cJSON_AddObjectToObject(patch, "metadata");
		ann = cJSON_AddObjectToObject(md, "annotations");
		cJSON_AddStringToObject(ann, p->ann_key, v != NULL ? v : "[]");
		free(v);
	}
	cJSON_AddItemToObject(patch, "status", status);
	rc = client_patch(p->ks->cl, &CLIENT_GVR_PODS, p->ns, p->name,
	    "status", CLIENT_PATCH_MERGE, patch, NULL, &st);
	cJSON_Delete(patch);
	if (rc != 0) {
		log_warn("pod %s/%s status: %s", p->ns, p->name, st.message);
		free(text);
		ck_status_clear(&st);
		return;
	}
	free(p->last_status);
	p->last_status = text;
	ck_status_clear(&st);
}

static void
pod_free(void *v)
{
	struct sim_pod *p = v;
	size_t i, n;

	if (p == NULL)
		return;
	timers_cancel(&p->ks->timers, &p->timer);
	n = p->ps.ninit + p->ps.napp;
	for (i = 0; i < n; i++)
		free(p->images[i]);
	for (i = 0; i < p->ps.ninit; i++)
		free(p->init_names[i]);
	for (i = 0; i < p->ps.napp; i++)
		free(p->app_names[i]);
	free(p->images);
	free(p->init_names);
	free(p->app_names);
	free(p->ctrs);
	free(p->last_status);
	free(p);
}

static void
final_delete(struct sim_pod *p)
{
	struct client_delete_opts o = { .grace_period_seconds = 0 };
	struct ck_status st = { 0 };
	int rc;

	rc = client_delete(p->ks->cl, &CLIENT_GVR_PODS, p->ns, p->name, &o,
	    NULL, &st);
	if (rc != 0 && rc != CK_ENOTFOUND)
		log_warn("delete pod %s/%s: %s", p->ns, p->name, st.message);
	ck_status_clear(&st);
	p->gone = true;
}

static void
on_pod_timer(struct timer *t, int64_t now)
{
	struct sim_pod *p = container_of(t, struct sim_pod, timer);
	int64_t next;

	if (p->gone)
		return;
	if (p->deleting) {
		final_delete(p);
		return;
	}
	next = podsim_step(&p->ps, now);
	write_status(p);
	if (next != INT64_MAX)
		timers_arm(&p->ks->timers, t, next);
}

static size_t
count(const cJSON *a)
{
	return cJSON_IsArray(a) ? (size_t)cJSON_GetArraySize(a) : 0;
}

/*
 * A pod already initialized in an earlier run (status says Initialized=True)
 * does not run its init containers again: they are marked completed.
 */
static void
adopt_initialized(struct sim_pod *p, const struct kobj *obj, int64_t now)
{
	const char *s = kobj_condition_status(obj, "Initialized");
	size_t i;

	if (s == NULL || strcmp(s, "True") != 0 || p->ps.ninit == 0)
		return;
	for (i = 0; i < p->ps.ninit; i++) {
		struct ctr_sim *c = &p->ps.init[i];

		c->state = CS_TERMINATED;
		c->exit_code = 0;
		c->reason = "Completed";
		c->started_ms = c->finished_ms = now;
	}
	p->ps.next_init = p->ps.ninit;
	p->ps.initialized = true;
}

static struct sim_pod *
pod_new(struct ksim *ks, struct sim_node *node, const struct kobj *obj,
    int64_t now)
{
	struct sim_pod *p = ck_calloc(1, sizeof(*p));
	const cJSON *init = kobj_get(obj, "spec.initContainers");
	const cJSON *app = kobj_get(obj, "spec.containers"), *c;
	cJSON *parsed = NULL;
	const char *ann, *rp, *ip;
	enum restart_policy pol = RP_ALWAYS;
	size_t ninit, napp, i = 0;
	int64_t dl;
	static unsigned seq;

	p->ks = ks;
	p->node = node;
	ck_strlcpy(p->ns, kobj_namespace(obj), sizeof(p->ns));
	ck_strlcpy(p->name, kobj_name(obj), sizeof(p->name));
	ck_strlcpy(p->uid, kobj_uid(obj) ? kobj_uid(obj) : "", sizeof(p->uid));
	if (count(init) == 0) {
		const char *key = ANN_INIT_BETA;

		ann = kobj_annotation(obj, ANN_INIT_BETA);
		if (ann == NULL) {
			ann = kobj_annotation(obj, ANN_INIT_ALPHA);
			key = ANN_INIT_ALPHA;
		}
		if (ann != NULL && (parsed = cJSON_Parse(ann)) != NULL) {
			init = parsed;
			snprintf(p->ann_key, sizeof(p->ann_key), "%s",
			    strcmp(key, ANN_INIT_BETA) == 0 ?
			    "pod.beta.kubernetes.io/init-container-statuses" :
			    "pod.alpha.kubernetes.io/init-container-statuses");
		}
	}
	ninit = count(init);
	napp = count(app);
	p->ctrs = ck_calloc(ninit + napp + 1, sizeof(*p->ctrs));
	p->images = ck_calloc(ninit + napp + 1, sizeof(char *));
	p->init_names = ck_calloc(ninit + 1, sizeof(char *));
	p->app_names = ck_calloc(napp + 1, sizeof(char *));
	cJSON_ArrayForEach(c, init) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
		const cJSON *im = cJSON_GetObjectItemCaseSensitive(c, "image");

		if (i >= ninit)
			break;
		p->init_names[i] = ck_strdup(cJSON_IsString(nm) ?
		    nm->valuestring : "");
		p->images[i] = ck_strdup(cJSON_IsString(im) ?
		    im->valuestring : "");
		outcome_of(c, true, &p->ctrs[i].out);
		i++;
	}
	i = 0;
	cJSON_ArrayForEach(c, app) {
		const cJSON *nm = cJSON_GetObjectItemCaseSensitive(c, "name");
		const cJSON *im = cJSON_GetObjectItemCaseSensitive(c, "image");

		if (i >= napp)
			break;
		p->app_names[i] = ck_strdup(cJSON_IsString(nm) ?
		    nm->valuestring : "");
		p->images[ninit + i] = ck_strdup(cJSON_IsString(im) ?
		    im->valuestring : "");
		outcome_of(c, false, &p->ctrs[ninit + i].out);
		i++;
	}
	cJSON_Delete(parsed);
	rp = kobj_get_str(obj, "spec.restartPolicy");
	if (rp != NULL && strcmp(rp, "Never") == 0)
		pol = RP_NEVER;
	else if (rp != NULL && strcmp(rp, "OnFailure") == 0)
		pol = RP_ONFAILURE;
	podsim_init(&p->ps, p->ctrs, ninit, p->ctrs + ninit, napp, pol, now);
	p->ps.backoff_base_ms = ks->f.crashloop_backoff_base_ms > 0 ?
	    ks->f.crashloop_backoff_base_ms : 10000;
	if (kobj_get_int(obj, "spec.activeDeadlineSeconds", &dl) == 0 &&
	    dl > 0)
		p->ps.active_deadline_ms = dl * 1000;
	ip = kobj_get_str(obj, "status.podIP");
	if (ip != NULL && *ip != '\0') {
		ck_strlcpy(p->ip, ip, sizeof(p->ip));
	} else {
		char pre[20], *dot;

		ck_strlcpy(pre, node->pod_cidr, sizeof(pre));
		dot = strrchr(pre, '.');
		if (dot != NULL)
			*dot = '\0';
		snprintf(p->ip, sizeof(p->ip), "%s.%u", pre, 2 + seq++ % 250);
	}
	adopt_initialized(p, obj, now);
	timer_init(&p->timer, on_pod_timer);
	return p;
}

static void
handle(struct ksim *ks, struct pod_ev *e, int64_t now)
{
	const struct kobj *obj = e->obj;
	const char *key = kobj_key(obj), *phase;
	struct sim_pod *p = strmap_get(pods, key);
	struct sim_node *node;
	int64_t grace = 30;

	if (e->deleted) {
		if (p != NULL)
			pod_free(strmap_remove(pods, key));
		return;
	}
	if (p != NULL && strcmp(p->uid, kobj_uid(obj) ? kobj_uid(obj) : "")) {
		pod_free(strmap_remove(pods, key));
		p = NULL;
	}
	if (p == NULL) {
		phase = kobj_get_str(obj, "status.phase");
		if (phase != NULL && (strcmp(phase, "Succeeded") == 0 ||
		    strcmp(phase, "Failed") == 0) &&
		    kobj_get(obj, "metadata.deletionTimestamp") == NULL)
			return;		/* finished in an earlier run */
		node = find_node(ks, kobj_get_str(obj, "spec.nodeName"));
		p = pod_new(ks, node, obj, now);
		ck_strlcpy(p->key, key, sizeof(p->key));
		strmap_put(pods, p->key, p);
		timers_arm(&ks->timers, &p->timer, now);
	}
	if (p->gone)
		return;
	if (kobj_get(obj, "metadata.deletionTimestamp") != NULL &&
	    !p->deleting) {
		p->deleting = true;
		if (kobj_get_int(obj, "metadata.deletionGracePeriodSeconds",
		    &grace) != 0)
			grace = 30;
		podsim_stop(&p->ps, now);
		write_status(p);
		/* Every simulated container stops at once on SIGTERM. */
		(void)grace;
		timers_arm(&ks->timers, &p->timer, now);
	}
}

void
pod_drain(struct ksim *ks, int64_t now)
{
	struct pod_ev *e, *next;

	if (pods == NULL)
		pods = strmap_new();
	pthread_mutex_lock(&ev_mu);
	e = ev_head;
	ev_head = NULL;
	ev_tail = &ev_head;
	pthread_mutex_unlock(&ev_mu);
	for (; e != NULL; e = next) {
		next = e->next;
		handle(ks, e, now);
		kobj_unref(e->obj);
		free(e);
	}
}

void
pod_teardown(struct ksim *ks)
{
	struct pod_ev *e, *next;

	(void)ks;
	pthread_mutex_lock(&ev_mu);
	e = ev_head;
	ev_head = NULL;
	ev_tail = &ev_head;
	pthread_mutex_unlock(&ev_mu);
	for (; e != NULL; e = next) {	/* stopping: not applied */
		next = e->next;
		kobj_unref(e->obj);
		free(e);
	}
	strmap_free(pods, pod_free);
	pods = NULL;
}
