/*
 * Pods of ckube-kubelet-sim: the pod informer's events for pods bound to our
 * nodes are queued to the main loop, which admits each new pod against its
 * node's allocatable, runs its podsim state machine on a timer, records the
 * kubelet's Events, writes status (pod_status.c) and finishes graceful
 * deletion with a grace-0 delete once every container has stopped.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/cache.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/daemon.h"
#include "ckube/err.h"
#include "ckube/events.h"
#include "ckube/informer.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"
#include "ckube/strmap.h"
#include "intern.h"
#include "pod.h"

#define ANN_INIT_ALPHA	"pod.alpha.kubernetes.io/init-containers"
#define ANN_INIT_BETA	"pod.beta.kubernetes.io/init-containers"

struct pod_ev {
	struct pod_ev	*next;
	struct kobj	*obj;
	bool		deleted;
};

static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static struct pod_ev *ev_head, **ev_tail = &ev_head;
static pthread_mutex_t pod_mu = PTHREAD_MUTEX_INITIALIZER;
static struct strmap *pods;	/* "ns/name" -> sim_pod (under pod_mu) */

/* strmap_foreach adapter of pod_foreach. */
static void
each_pod(const char *key, void *value, void *arg)
{
	struct {
		void	(*fn)(const struct sim_pod *p, void *arg);
		void	*arg;
	} *c = arg;

	(void)key;
	c->fn(value, c->arg);
}

void
pod_lock(void)
{
	pthread_mutex_lock(&pod_mu);
}

void
pod_unlock(void)
{
	pthread_mutex_unlock(&pod_mu);
}

void
pod_foreach(void (*fn)(const struct sim_pod *p, void *arg), void *arg)
{
	struct {
		void	(*fn)(const struct sim_pod *p, void *arg);
		void	*arg;
	} c = { fn, arg };

	if (pods != NULL)
		strmap_foreach(pods, each_pod, &c);
}

void
pod_foreach_on_node(const struct sim_node *n,
    void (*fn)(const struct sim_pod *p, void *arg), void *arg)
{
	struct sim_pod *p;

	for (p = n->pods; p != NULL; p = p->node_next)
		fn(p, arg);
}

/* Link p into its node's list, or out of it (pod lock held). */
static void
node_link(struct sim_pod *p)
{
	if (p->node == NULL)
		return;
	p->node_next = p->node->pods;
	if (p->node_next != NULL)
		p->node_next->node_pprev = &p->node_next;
	p->node->pods = p;
	p->node_pprev = &p->node->pods;
}

static void
node_unlink(struct sim_pod *p)
{
	if (p == NULL || p->node_pprev == NULL)
		return;
	*p->node_pprev = p->node_next;
	if (p->node_next != NULL)
		p->node_next->node_pprev = p->node_pprev;
	p->node_next = NULL;
	p->node_pprev = NULL;
}

struct sim_pod *
pod_find(const char *ns, const char *name)
{
	char key[2 * CK_NAME_MAX + 2];

	if (pods == NULL)
		return NULL;
	snprintf(key, sizeof(key), "%s/%s", ns, name);
	return strmap_get(pods, key);
}

int
pod_container_index(const struct sim_pod *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->ps.ninit; i++)
		if (strcmp(p->init_names[i], name) == 0)
			return (int)i;
	for (i = 0; i < p->ps.napp; i++)
		if (strcmp(p->app_names[i], name) == 0)
			return (int)(p->ps.ninit + i);
	return -1;
}

int64_t
pod_wall_ms(int64_t mono_ms)
{
	/*
	 * One offset for the process: converting each time drifts by a
	 * millisecond between calls, which could order a container's last
	 * echo after its exit (and cut it from the log).
	 */
	static _Atomic int64_t offset;
	static atomic_bool have;
	int64_t off;

	if (clock_is_fake())
		return ck_wall_us() / 1000 - (int64_t)ck_now_ms() + mono_ms;
	if (!atomic_load(&have)) {
		atomic_store(&offset, ck_wall_us() / 1000 - (int64_t)ck_now_ms());
		atomic_store(&have, true);
	}
	off = atomic_load(&offset);
	return off + mono_ms;
}

struct sim_node *
pod_node_find(struct ksim *ks, const char *name)
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
	const char *node = kobj_get_str(obj, "spec.nodeName");

	/* A relist's deletes carry the cache's stub (no node): queued. */
	if (pod_node_find(ks, node) == NULL && !(deleted && node == NULL))
		return;
	e = ck_calloc(1, sizeof(*e));
	e->obj = kobj_ref(obj);
	e->deleted = deleted;
	pthread_mutex_lock(&ev_mu);
	*ev_tail = e;
	ev_tail = &e->next;
	pthread_mutex_unlock(&ev_mu);
	daemon_wake(ks->d);	/* the main loop applies it now */
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

void
pod_event(const struct sim_pod *p, const char *type, const char *reason,
    const char *fmt, ...)
{
	cJSON *root, *meta;
	struct kobj *ref;
	va_list ap;

	if (p->ks->ev == NULL)
		return;
	/* The involved object: the pod's identity is all an Event needs. */
	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "apiVersion", "v1");
	cJSON_AddStringToObject(root, "kind", "Pod");
	meta = cJSON_AddObjectToObject(root, "metadata");
	cJSON_AddStringToObject(meta, "name", p->name);
	cJSON_AddStringToObject(meta, "namespace", p->ns);
	cJSON_AddStringToObject(meta, "uid", p->uid);
	ref = kobj_new_take(root);
	va_start(ap, fmt);
	events_recordv(p->ks->ev, ref, type, reason, fmt, ap);
	va_end(ap);
	kobj_unref(ref);
}

/* What the container does, and what its echo commands print. */
static void
outcome_of(struct sim_pod *p, const struct kobj *obj, const cJSON *c,
    bool is_init, struct sim_outcome *out, char **echo)
{
	char *resolv = NULL;
	const char *argv[32];
	size_t n = 0;
	const cJSON *arr, *it;
	struct strbuf sb;
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
		return;
	}
	/* Only a script that names the file pays for its text. */
	for (k = 0; k < (int)n && resolv == NULL; k++)
		if (strstr(argv[k], "/etc/resolv.conf") != NULL)
			resolv = resolv_pod_text(&p->ks->dns,
			    kobj_get(obj, "spec"), p->ns);
	strbuf_init(&sb);
	if (sim_spec_output(argv, n, resolv, &sb) == 0 && sb.len > 0)
		*echo = strbuf_detach(&sb, NULL);
	else
		strbuf_fini(&sb);
	free(resolv);
}

/* Add (sign 1) or remove (-1) p's requests and usage on its node. */
static void
account(struct sim_pod *p, int sign)
{
	struct sim_node *n = p->node;

	if ((sign > 0) == p->counted)
		return;
	pod_lock();	/* /stats/summary reads the sums */
	p->counted = sign > 0;
	n->used.pods += sign * p->req.pods;
	n->used.cpu_milli += sign * p->req.cpu_milli;
	n->used.memory += sign * p->req.memory;
	if (p->use.memory_bytes || p->use.disk_bytes || p->use.inodes) {
		n->mem_usage += sign * p->use.memory_bytes;
		n->disk_usage += sign * p->use.disk_bytes;
		n->inodes_usage += sign * p->use.inodes;
	}
	pod_unlock();
	if (p->use.memory_bytes || p->use.disk_bytes || p->use.inodes)
		node_usage_changed(p->ks, n);
}

static void
pod_free(void *v)
{
	struct sim_pod *p = v;
	size_t i, n;

	if (p == NULL)
		return;
	account(p, -1);
	timers_cancel(&p->ks->timers, &p->timer);
	n = p->ps.ninit + p->ps.napp;
	for (i = 0; i < n; i++) {
		intern_put(p->images[i]);
		intern_put(p->init_names[i]);	/* init then app names */
		if (p->echo != NULL)
			free(p->echo[i]);
		ctr_log_free(&p->logs[i]);
	}
	free(p->echo);
	free(p->logs);
	free(p->init_names);	/* with app_names and images */
	free(p->ctrs);
	free(p->probes);
	free(p->res);
	free(p->claims);
	free(p->resolv);
	free(p->ns);		/* with name, key, uid and hostname */
	free(p->reject_msg);
	free(p->evict_msg);
	free(p);
}

/* The kubelet's last word on a pod: delete with grace 0. */
static int
delete_now(struct ksim *ks, const char *ns, const char *name)
{
	struct client_delete_opts o = { .grace_period_seconds = 0 };
	struct ck_status st = { 0 };
	int rc;

	rc = client_delete(ks->cl, &CLIENT_GVR_PODS, ns, name, &o, NULL, &st);
	if (rc != 0 && rc != CK_ENOTFOUND)
		log_warn("delete pod %s/%s: %s", ns, name, st.message);
	ck_status_clear(&st);
	return rc == CK_ENOTFOUND ? 0 : rc;
}

/* false: the delete failed, try again later (the pod stays Terminating). */
static bool
final_delete(struct sim_pod *p)
{
	if (delete_now(p->ks, p->ns, p->name) != 0)
		return false;
	p->gone = true;
	return true;
}

void
pod_start_time(const struct sim_pod *p, char buf[RFC3339_MAX])
{
	if (rfc3339_format((time_t)p->start_s, buf, RFC3339_MAX) != 0)
		ck_strlcpy(buf, "1970-01-01T00:00:00Z", RFC3339_MAX);
}

void
pod_started_line(const void *arg, int restarts, struct strbuf *sb)
{
	const struct pod_ctr_ref *r = arg;
	const struct sim_pod *p = r->p;

	strbuf_addf(sb, "[ckube-sim] started container %s (image %s, hostname "
	    "%s, restart %d)", p->init_names[r->ci], p->images[r->ci],
	    p->hostname, restarts);
}

/* Queue the echo lines of a starting container at their times. */
static void
log_echo(struct log_inst *li, const char *echo, int64_t start_wall)
{
	const char *line = echo, *sp, *nl;
	int64_t off;

	while (line != NULL && *line != '\0') {
		nl = strchr(line, '\n');
		sp = strchr(line, ' ');
		if (nl == NULL || sp == NULL || sp > nl)
			break;
		if (ck_parse_int64n(line, (size_t)(sp - line), &off) == 0)
			ctr_log_add(li, start_wall + off, "%.*s",
			    (int)(nl - sp - 1), sp + 1);
		line = nl + 1;
	}
}

/* The simulated log lines of what happened to a container. */
static void
note_log(struct sim_pod *p, const struct podsim_note_info *n,
    const char *name)
{
	size_t ci = n->init ? n->idx : p->ps.ninit + n->idx;
	struct ctr_log *l = &p->logs[ci];
	const struct ctr_sim *c = &p->ctrs[ci];
	int64_t t = pod_wall_ms(n->t_ms);

	switch (n->kind) {
	case NOTE_STARTED:
		if (l->cur.n > 0)
			ctr_log_rotate(l);
		ctr_log_add_started(&l->cur, t, c->restarts);
		if (p->echo != NULL && p->echo[ci] != NULL)
			log_echo(&l->cur, p->echo[ci], t);
		break;
	case NOTE_EXITED:
		ctr_log_cut(&l->cur, t);
		ctr_log_add(&l->cur, t, "[ckube-sim] container %s exited with "
		    "code %d", name, c->exit_code);
		break;
	case NOTE_PROBE_FAILED:
		ctr_log_add(&l->cur, t, "[ckube-sim] %s probe failed: %s",
		    probe_type_name(n->probe), n->why != NULL ? n->why : "");
		break;
	case NOTE_KILLING:
		ctr_log_add(&l->cur, t, "[ckube-sim] killing container %s: "
		    "failed %s probe, will be restarted", name,
		    n->probe == PROBE_STARTUP ? "startup" : "liveness");
		break;
	case NOTE_BACKOFF:
		ctr_log_add(&l->cur, t, "[ckube-sim] back-off %llds restarting "
		    "failed container %s", (long long)((c->restart_at_ms -
		    c->finished_ms) / 1000), name);
		break;
	case NOTE_PULL_FAILED:
	case NOTE_CONFIG_ERROR:
		break;
	}
}

/* The kubelet's Events for what happened to a container. */
static void
on_note(const struct podsim_note_info *n, void *arg)
{
	struct sim_pod *p = arg;
	const char *name = n->init ? p->init_names[n->idx] :
	    p->app_names[n->idx];
	const char *image = p->images[n->init ? n->idx : p->ps.ninit + n->idx];
	const struct ctr_sim *c;

	note_log(p, n, name);
	switch (n->kind) {
	case NOTE_PULL_FAILED:
		pod_event(p, "Warning", "Failed",
		    "Failed to pull image \"%s\": simulated pull failure "
		    "(sim.ckube.io/image-pull-fail)", image);
		break;
	case NOTE_CONFIG_ERROR:
		c = n->init ? &p->ps.init[n->idx] : &p->ps.app[n->idx];
		pod_event(p, "Warning", "Failed",
		    "Error: %s (pod: \"%s_%s(%s)\", container: %s)",
		    c->config_err, p->name, p->ns, p->uid, name);
		break;
	case NOTE_BACKOFF:
		pod_event(p, "Warning", "BackOff",
		    "Back-off restarting failed container %s in pod %s_%s(%s)",
		    name, p->name, p->ns, p->uid);
		break;
	case NOTE_PROBE_FAILED:
		pod_event(p, "Warning", "Unhealthy",
		    "%s probe failed: %s", probe_type_name(n->probe),
		    n->why != NULL ? n->why : "");
		break;
	case NOTE_KILLING:
		pod_event(p, "Normal", "Killing",
		    "Container %s failed %s probe, will be restarted", name,
		    n->probe == PROBE_STARTUP ? "startup" : "liveness");
		break;
	case NOTE_STARTED:
	case NOTE_EXITED:
		break;
	}
}

/*
 * Whether every persistentVolumeClaim volume of p is Bound. A kubelet
 * cannot mount an unbound claim: the containers stay in ContainerCreating
 * and a FailedMount event says why (every 30 s, as the kubelet's retries).
 */
static bool
claims_mounted(struct sim_pod *p, int64_t now)
{
	struct strbuf vols = STRBUF_INIT, bad = STRBUF_INIT;
	struct kobj *pvc;
	const char *phase, *v, *claim;
	size_t i;
	bool ok = true;

	for (v = p->claims; v != NULL && *v == '+'; v = claim +
	    strlen(claim) + 1) {
		v++;
		claim = v + strlen(v) + 1;
		if (p->ks->claims == NULL)
			continue;
		pvc = cache_get_by_name(p->ks->claims, p->ns, claim);
		phase = pvc != NULL ? kobj_get_str(pvc, "status.phase") : NULL;
		if (phase == NULL || strcmp(phase, "Bound") != 0) {
			ok = false;
			strbuf_addf(&vols, "%s%s", strbuf_str(&vols)[0] ?
			    " " : "", v);
			strbuf_addf(&bad, "%spersistentvolumeclaim \"%s\" %s",
			    strbuf_str(&bad)[0] ? ", " : "", claim,
			    pvc == NULL ? "not found" : "is not bound");
		}
		kobj_unref(pvc);
	}
	if (!ok) {
		for (i = p->ps.ninit; i < p->ps.ninit + p->ps.napp; i++)
			if (p->ps.ninit == 0)
				p->ctrs[i].reason = "ContainerCreating";
		if (p->mount_warned_ms == 0 ||
		    now - p->mount_warned_ms >= 30000) {
			p->mount_warned_ms = now;
			pod_event(p, "Warning", "FailedMount", "Unable to "
			    "attach or mount volumes: unmounted volumes=[%s]: "
			    "%s", strbuf_str(&vols),
			    strbuf_str(&bad));
		}
	}
	strbuf_fini(&vols);
	strbuf_fini(&bad);
	return ok;
}

static void
on_pod_timer(struct timer *t, int64_t now)
{
	struct sim_pod *p = container_of(t, struct sim_pod, timer);
	int64_t next;

	if (p->gone)
		return;
	if (p->deleting && (p->reject_reason != NULL ||
	    podsim_stopped(&p->ps))) {
		/* A final delete that failed, again. */
		if (!final_delete(p))
			timers_arm(&p->ks->timers, t, now + 1000);
		return;
	}
	if (p->reject_reason != NULL) {
		pod_write_status(p);
		return;
	}
	if (!p->mounted) {
		pod_lock();
		p->mounted = claims_mounted(p, now);
		pod_unlock();
		if (!p->mounted) {
			pod_write_status(p);
			timers_arm(&p->ks->timers, t, now + 1000);
			return;
		}
		p->ps.start_ms = now;	/* containers start from here */
	}
	pod_lock();
	next = podsim_step(&p->ps, now);
	pod_unlock();
	if (p->ps.phase == PH_SUCCEEDED || p->ps.phase == PH_FAILED ||
	    (p->evicted && podsim_stopped(&p->ps)))
		account(p, -1);		/* a finished pod frees its room */
	pod_write_status(p);
	if (p->deleting && podsim_stopped(&p->ps)) {
		if (!final_delete(p))
			timers_arm(&p->ks->timers, t, now + 1000);
		return;
	}
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

/* Container names, images and simulated outcomes of one list. */
static void
read_containers(struct sim_pod *p, const struct kobj *obj, const cJSON *list,
    size_t n, bool init, const char **names, const char **images,
    struct ctr_sim *ctrs, char **echo)
{
	const cJSON *c, *nm, *im;
	size_t i = 0;

	cJSON_ArrayForEach(c, list) {
		if (i >= n)
			break;
		nm = cJSON_GetObjectItemCaseSensitive(c, "name");
		im = cJSON_GetObjectItemCaseSensitive(c, "image");
		names[i] = intern_get(cJSON_IsString(nm) ? nm->valuestring :
		    "");
		images[i] = intern_get(cJSON_IsString(im) ? im->valuestring :
		    "");
		outcome_of(p, obj, c, init, &ctrs[i].out, &echo[i]);
		i++;
	}
}

/* Probes of the app containers (none of init containers: 1(d)). */
static void
read_probes(struct sim_pod *p, const cJSON *app)
{
	static const char *const keys[3] = {
		"livenessProbe", "readinessProbe", "startupProbe"
	};
	struct ctr_sim *c;
	const cJSON *it;
	size_t i = 0, n = 0, used = 0;
	int k;

	/* As many specs as there are probes: most containers have none. */
	cJSON_ArrayForEach(it, app)
		for (k = 0; k < 3; k++)
			if (cJSON_GetObjectItemCaseSensitive(it, keys[k]))
				n++;
	if (n == 0)
		return;
	p->probes = ck_calloc(n, sizeof(*p->probes));
	cJSON_ArrayForEach(it, app) {
		if (i >= p->ps.napp)
			break;
		c = &p->ps.app[i];
		for (k = 0; k < 3; k++) {
			const cJSON *pr = cJSON_GetObjectItemCaseSensitive(it,
			    keys[k]);

			if (pr == NULL || used == n)
				continue;
			if (podspec_probe(pr, &p->probes[used].spec))
				c->probe[k] = &p->probes[used++];
		}
		i++;
	}
}

/*
 * p's ns, name, "ns/name" key, uid and hostname (spec.hostname, else the
 * name, at most 63 bytes as a kubelet cuts it; the name itself when it
 * fits), in one allocation.
 */
static void
set_names(struct sim_pod *p, const char *ns, const char *name,
    const char *uid, const char *hostname)
{
	size_t a = strlen(ns), b = strlen(name), c = strlen(uid), d = 0;
	char *buf;

	if (hostname == NULL || *hostname == '\0')
		hostname = name;
	d = strnlen(hostname, 63);
	if (hostname == name && d == b)
		hostname = NULL;	/* the name itself */
	else
		d++;
	buf = ck_malloc(2 * (a + b + 2) + c + 1 + d);
	memcpy(buf, ns, a + 1);
	memcpy(buf + a + 1, name, b + 1);
	snprintf(buf + a + b + 2, a + b + 2, "%s/%s", ns, name);
	memcpy(buf + 2 * (a + b + 2), uid, c + 1);
	p->ns = buf;
	p->name = buf + a + 1;
	p->key = buf + a + b + 2;
	p->uid = buf + 2 * (a + b + 2);
	p->hostname = p->name;
	if (hostname != NULL) {
		p->hostname = p->uid + c + 1;
		memcpy(p->hostname, hostname, d - 1);
		p->hostname[d - 1] = '\0';
	}
}

/* runAsNonRoot as the kubelet checks it before creating a container. */
static void
read_security(struct sim_pod *p, const struct kobj *obj)
{
	static const char *const keys[] = { "spec.initContainers",
		"spec.containers" };
	const cJSON *pod_sc = kobj_get(obj, "spec.securityContext"), *c;
	size_t k, i, base;

	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		base = k == 0 ? 0 : p->ps.ninit;
		i = 0;
		cJSON_ArrayForEach(c, kobj_get(obj, keys[k])) {
			if (i >= (k == 0 ? p->ps.ninit : p->ps.napp))
				break;
			p->ctrs[base + i++].config_err = podspec_nonroot_error(
			    pod_sc, cJSON_GetObjectItemCaseSensitive(c,
			    "securityContext"));
		}
	}
}

/* Apply the sim.ckube.io/ annotations; a bad value is a Warning Event. */
static void
read_annotations(struct sim_pod *p, const struct kobj *obj)
{
	struct sim_annotations a;
	char err[512];
	size_t i, n = p->ps.ninit + p->ps.napp;
	const char *name;

	if (podspec_annotations(kobj_get(obj, "metadata.annotations"),
	    &a, err, sizeof(err)) > 0) {
		log_warn("pod %s/%s: %s", p->ns, p->name, err);
		events_record(p->ks->ev, obj, "Warning", "InvalidAnnotation",
		    "ignored: %s", err);
	}
	for (i = 0; i < n; i++) {
		struct ctr_sim *c = &p->ctrs[i];

		name = i < p->ps.ninit ? p->init_names[i] :
		    p->app_names[i - p->ps.ninit];
		c->startup_delay_ms = a.startup_delay_ms;
		c->ready_after_ms = a.ready_after_ms;
		c->pull_fail = podspec_pull_fails(&a, name);
	}
	p->use.memory_bytes = a.memory_bytes;
	p->use.disk_bytes = a.disk_bytes;
	p->use.inodes = a.inodes;
}

static const cJSON *
init_list(struct sim_pod *p, const struct kobj *obj, cJSON **parsed)
{
	const cJSON *init = kobj_get(obj, "spec.initContainers");
	const char *ann, *key = ANN_INIT_BETA;

	*parsed = NULL;
	if (count(init) > 0)
		return init;
	ann = kobj_annotation(obj, ANN_INIT_BETA);
	if (ann == NULL) {
		ann = kobj_annotation(obj, ANN_INIT_ALPHA);
		key = ANN_INIT_ALPHA;
	}
	if (ann == NULL || (*parsed = cJSON_Parse(ann)) == NULL)
		return init;
	p->ann_key = strcmp(key, ANN_INIT_BETA) == 0 ?
	    "pod.beta.kubernetes.io/init-container-statuses" :
	    "pod.alpha.kubernetes.io/init-container-statuses";
	return *parsed;
}

static void
assign_ip(struct sim_pod *p, const struct kobj *obj)
{
	static unsigned seq;
	const char *ip = kobj_get_str(obj, "status.podIP");
	char pre[20], *dot;

	if (ip != NULL && *ip != '\0') {
		ck_strlcpy(p->ip, ip, sizeof(p->ip));
		return;
	}
	ck_strlcpy(pre, p->node->pod_cidr, sizeof(pre));
	dot = strrchr(pre, '.');
	if (dot != NULL)
		*dot = '\0';
	snprintf(p->ip, sizeof(p->ip), "%s.%u", pre, 2 + seq++ % 250);
}

/*
 * What /stats/summary and the eviction manager read of the app
 * containers (the usage annotations may change: called again then).
 */
static void
read_res(struct sim_pod *p, const struct kobj *obj)
{
	const cJSON *ann = kobj_get(obj, "metadata.annotations"), *c;
	struct ctr_res *r;
	size_t i = 0;

	cJSON_ArrayForEach(c, kobj_get(obj, "spec.containers")) {
		if (i >= p->ps.napp)
			break;
		r = &p->res[i];
		r->cpu_milli = podspec_container_cpu(ann, c, i == 0);
		podspec_container_usage(ann, p->app_names[i], i == 0,
		    r->usage);
		podspec_container_requests(c, &r->req_memory, &r->req_disk);
		i++;
	}
}

/* The persistentVolumeClaim volumes: "+volume\0claim\0" each, or NULL. */
static void
read_claims(struct sim_pod *p, const struct kobj *obj)
{
	struct strbuf sb = STRBUF_INIT;
	const cJSON *v;
	const char *claim, *vn;

	cJSON_ArrayForEach(v, kobj_get(obj, "spec.volumes")) {
		claim = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(v,
		    "persistentVolumeClaim"), "claimName"));
		if (claim == NULL)
			continue;
		vn = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v,
		    "name"));
		strbuf_addf(&sb, "+%s", vn != NULL ? vn : "");
		strbuf_add(&sb, "", 1);
		strbuf_adds(&sb, claim);
		strbuf_add(&sb, "", 1);
	}
	if (sb.len > 0)
		p->claims = strbuf_detach(&sb, NULL);
	else
		strbuf_fini(&sb);
}

/* The resolv.conf annotation to write once running, unless it is there. */
static void
read_resolv(struct sim_pod *p, const struct kobj *obj)
{
	const char *cur = kobj_annotation(obj, ANN_RESOLV_CONF);

	p->resolv = resolv_pod_text(&p->ks->dns, kobj_get(obj, "spec"),
	    p->ns);
	if (cur != NULL && strcmp(cur, p->resolv) == 0) {
		free(p->resolv);	/* written before a restart of ours */
		p->resolv = NULL;
	}
}

static struct sim_pod *
pod_new(struct ksim *ks, struct sim_node *node, const struct kobj *obj,
    int64_t now)
{
	struct sim_pod *p = ck_calloc(1, sizeof(*p));
	const cJSON *app = kobj_get(obj, "spec.containers"), *init;
	cJSON *parsed;
	const char *rp, *s;
	enum restart_policy pol = RP_ALWAYS;
	size_t ninit, napp, n, i;
	time_t st;
	int64_t dl;

	p->ks = ks;
	p->node = node;
	set_names(p, kobj_namespace(obj), kobj_name(obj),
	    kobj_uid(obj) ? kobj_uid(obj) : "",
	    kobj_get_str(obj, "spec.hostname"));
	/* A pod started in an earlier run of ours keeps its startTime. */
	s = kobj_get_str(obj, "status.startTime");
	if (s == NULL || *s == '\0' || rfc3339_parse(s, &st) != 0)
		st = time(NULL);
	p->start_s = (int64_t)st;
	init = init_list(p, obj, &parsed);
	ninit = count(init);
	napp = count(app);
	n = ninit + napp > 0 ? ninit + napp : 1;	/* never calloc(0) */
	p->ctrs = ck_calloc(n, sizeof(*p->ctrs));
	p->init_names = ck_calloc(2 * n, sizeof(char *));
	p->app_names = p->init_names + ninit;
	p->images = p->init_names + n;
	p->echo = ck_calloc(n, sizeof(char *));
	p->logs = ck_calloc(n, sizeof(*p->logs));
	read_containers(p, obj, init, ninit, true, p->init_names, p->images,
	    p->ctrs, p->echo);
	read_containers(p, obj, app, napp, false, p->app_names,
	    p->images + ninit, p->ctrs + ninit, p->echo + ninit);
	podspec_requests(init, app, &p->req);
	cJSON_Delete(parsed);
	for (i = 0; i < ninit + napp && p->echo[i] == NULL; i++)
		;
	if (i == ninit + napp) {	/* no container echoes: no array */
		free(p->echo);
		p->echo = NULL;
	}
	rp = kobj_get_str(obj, "spec.restartPolicy");
	if (rp != NULL && strcmp(rp, "Never") == 0)
		pol = RP_NEVER;
	else if (rp != NULL && strcmp(rp, "OnFailure") == 0)
		pol = RP_ONFAILURE;
	podsim_init(&p->ps, p->ctrs, ninit, p->ctrs + ninit, napp, pol, now);
	p->ps.backoff_base_ms = ks->f.crashloop_backoff_base_ms > 0 ?
	    ks->f.crashloop_backoff_base_ms : 10000;
	p->ps.note = on_note;
	p->ps.note_arg = p;
	if (kobj_get_int(obj, "spec.activeDeadlineSeconds", &dl) == 0 &&
	    dl > 0)
		p->ps.active_deadline_ms = dl * 1000;
	read_probes(p, app);
	read_security(p, obj);
	read_annotations(p, obj);
	p->res = ck_calloc(napp > 0 ? napp : 1, sizeof(*p->res));
	read_res(p, obj);
	read_claims(p, obj);
	read_resolv(p, obj);
	eviction_pod_rank(obj, &p->qos, &p->critical, &p->priority);
	dl = kobj_get_int_or(obj, "spec.terminationGracePeriodSeconds", 30);
	p->grace_s = (int32_t)(dl < 0 ? 0 : dl > INT32_MAX ? INT32_MAX : dl);
	assign_ip(p, obj);
	adopt_initialized(p, obj, now);
	/* A pod running before a restart of ours has its volumes. */
	s = kobj_get_str(obj, "status.phase");
	p->mounted = s != NULL && strcmp(s, "Pending") != 0;
	timer_init(&p->timer, on_pod_timer);
	return p;
}

/*
 * Admission of a new pod (a pod the kubelet already started in an earlier
 * run, with a startTime, is counted without a check).
 */
static void
admit(struct sim_pod *p, const struct kobj *obj)
{
	const char *reason;
	char msg[256];

	if (kobj_get_str(obj, "status.startTime") == NULL &&
	    eviction_admit(p->node, obj, msg, sizeof(msg)) != NULL) {
		p->reject_reason = "Evicted";
		free(p->reject_msg);
		p->reject_msg = ck_strdup(msg);
		events_record(p->ks->ev, obj, "Warning", "Evicted", "%s",
		    p->reject_msg);
		return;
	}
	if (kobj_get_str(obj, "status.startTime") == NULL) {
		reason = podspec_admit(&p->ks->alloc, &p->node->used, &p->req,
		    msg, sizeof(msg));
		if (reason != NULL) {
			p->reject_reason = reason;
			free(p->reject_msg);
			p->reject_msg = ck_strdup(msg);
			events_record(p->ks->ev, obj, "Warning", reason, "%s",
			    p->reject_msg);
			return;
		}
	}
	account(p, 1);
}

/*
 * The usage annotations may change at run time (kubectl annotate
 * --overwrite): the node's sums follow, so the next eviction pass sees them.
 */
static void
refresh_usage(struct sim_pod *p, const struct kobj *obj)
{
	struct sim_annotations a;
	char err[512];
	bool counted = p->counted;

	pod_lock();	/* /stats/summary reads them */
	read_res(p, obj);
	pod_unlock();
	(void)podspec_annotations(kobj_get(obj, "metadata.annotations"), &a,
	    err, sizeof(err));
	if (a.memory_bytes == p->use.memory_bytes &&
	    a.disk_bytes == p->use.disk_bytes && a.inodes == p->use.inodes)
		return;
	if (counted)
		account(p, -1);
	p->use.memory_bytes = a.memory_bytes;
	p->use.disk_bytes = a.disk_bytes;
	p->use.inodes = a.inodes;
	if (counted)
		account(p, 1);
}

bool
pod_evicting(const struct sim_pod *p)
{
	return p->evicted && !podsim_stopped(&p->ps);
}

void
pod_evict(struct sim_pod *p, int64_t grace_s, const char *msg, int64_t now)
{
	int64_t next;

	p->evicted = true;
	free(p->evict_msg);
	p->evict_msg = ck_strdup(msg);
	pod_event(p, "Warning", "Evicted", "%s", msg);
	pod_lock();
	next = podsim_stop(&p->ps, now, grace_s * 1000);
	pod_unlock();
	if (podsim_stopped(&p->ps))
		account(p, -1);
	pod_write_status(p);
	if (next != INT64_MAX)
		timers_arm(&p->ks->timers, &p->timer, next);
}

static void
start_delete(struct ksim *ks, struct sim_pod *p, const struct kobj *obj,
    int64_t now)
{
	int64_t grace = 30, next;

	p->deleting = true;
	if (kobj_get_int(obj, "metadata.deletionGracePeriodSeconds",
	    &grace) != 0)
		grace = kobj_get_int_or(obj,
		    "spec.terminationGracePeriodSeconds", 30);
	if (p->reject_reason != NULL) {
		if (!final_delete(p))
			timers_arm(&ks->timers, &p->timer, now + 1000);
		return;
	}
	pod_lock();
	next = podsim_stop(&p->ps, now, grace * 1000);
	pod_unlock();
	pod_write_status(p);
	if (podsim_stopped(&p->ps) && final_delete(p))
		return;
	timers_arm(&ks->timers, &p->timer, podsim_stopped(&p->ps) ?
	    now + 1000 : next);
}

static void
pod_remove(const char *key)
{
	struct sim_pod *p;

	pod_lock();
	p = strmap_remove(pods, key);
	node_unlink(p);
	pod_unlock();
	pod_free(p);
}

static void
handle(struct ksim *ks, struct pod_ev *e, int64_t now)
{
	const struct kobj *obj = e->obj;
	const char *key = kobj_key(obj), *phase;
	struct sim_pod *p = strmap_get(pods, key);
	struct sim_node *node;

	if (e->deleted) {
		if (p != NULL)
			pod_remove(key);
		return;
	}
	if (p != NULL && strcmp(p->uid, kobj_uid(obj) ? kobj_uid(obj) : "")) {
		pod_remove(key);
		p = NULL;
	}
	if (p == NULL) {
		phase = kobj_get_str(obj, "status.phase");
		if (kobj_get(obj, "metadata.deletionTimestamp") != NULL) {
			/* deleted while we were away: nothing runs */
			(void)delete_now(ks, kobj_namespace(obj),
			    kobj_name(obj));
			return;
		}
		if (phase != NULL && (strcmp(phase, "Succeeded") == 0 ||
		    strcmp(phase, "Failed") == 0))
			return;		/* finished in an earlier run */
		node = pod_node_find(ks, kobj_get_str(obj, "spec.nodeName"));
		p = pod_new(ks, node, obj, now);
		pod_lock();
		strmap_put(pods, p->key, p);
		node_link(p);
		pod_unlock();
		admit(p, obj);
		timers_arm(&ks->timers, &p->timer, now);
	} else {
		refresh_usage(p, obj);
		eviction_pod_rank(obj, &p->qos, &p->critical, &p->priority);
		if (!p->gone && !p->deleting && pod_ready_differs(p, obj)) {
			p->last_status = 0;
			pod_write_status(p);
		}
	}
	if (p->gone)
		return;
	if (kobj_get(obj, "metadata.deletionTimestamp") != NULL &&
	    !p->deleting)
		start_delete(ks, p, obj, now);
}

void
pod_drain(struct ksim *ks, int64_t now)
{
	struct pod_ev *e, *next;

	if (pods == NULL) {
		pod_lock();
		pods = strmap_new();
		pod_unlock();
	}
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
	struct strmap *all;
	size_t i;

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
	pod_lock();
	all = pods;
	pods = NULL;
	for (i = 0; i < ks->nnodes; i++)
		ks->nodes[i].pods = NULL;
	pod_unlock();
	strmap_free(all, pod_free);
}
