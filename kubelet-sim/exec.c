/*
 * exec.c: /exec/{ns}/{pod}/{container}, the kubelet's exec endpoint. The
 * checks the kubelet makes come first, as plain-text errors the apiserver
 * passes on ("pod does not exist", `container not found ("c")`); then a
 * WebSocket handshake (v5.channel.k8s.io preferred, v4 accepted: SPDY is
 * not spoken) and a session thread: every binary message starts with its
 * stream id (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize; v5: 255
 * closes a stream, {255, 0} is the end of stdin). The command runs in
 * exec_sim on a snapshot of the container (env, hostname, files) taken
 * under the pod lock; the result is a metav1.Status on stream 3, then a
 * close frame. Incoming frames are capped at EXEC_FRAME_MAX bytes.
 */
#include "exec.h"

#include <cJSON.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/httpd.h"
#include "ckube/kobj.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"
#include "ckube/ws.h"
#include "exec_sim.h"
#include "kubelet_sim.h"
#include "logs.h"
#include "pod.h"
#include "resolv.h"

#define EXEC_FRAME_MAX	(1 << 20)
#define EXEC_CHUNK	32768
#define EXEC_ARGS_MAX	64
#define EXEC_VARS_MAX	256
#define EXEC_SESSIONS_MAX	128	/* each holds a thread and a 1 MiB buffer */
#define EXEC_START_MS	100	/* a runtime starting the process (runc exec) */

static atomic_int sessions;

struct session {
	int		 fd;
	bool		 v5;
	bool		 has_stdin;
	bool		 stdin_eof, gone;
	unsigned char	*in;		/* received, not yet decoded */
	size_t		 in_len;
	struct strbuf	 stdin_buf;
	size_t		 stdin_off;
	/* the command and its container */
	char		*argv[EXEC_ARGS_MAX];
	size_t		 argc;
	char		*vars[EXEC_VARS_MAX];
	size_t		 nvars;
	struct exec_env	 env;
	char		 hostname[64];
	char		*resolv, *hosts;
	struct client	*cl;		/* the pod, the kubernetes Service */
	const struct resolv_cfg *dns;
	/* The pod and container, copied: the session outlives the lock. */
	char		 ns[CK_NAME_MAX], name[CK_NAME_MAX], ctr[CK_NAME_MAX];
	char		 uid[64], ip[48], node[CK_NAME_MAX];
};

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const cJSON *
jobj(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsObject(v) ? v : NULL;
}

static void
session_free(void *arg)
{
	struct session *s = arg;
	size_t i;

	for (i = 0; i < s->argc; i++)
		free(s->argv[i]);
	for (i = 0; i < s->nvars; i++)
		free(s->vars[i]);
	free(s->resolv);
	free(s->hosts);
	free(s->in);
	strbuf_fini(&s->stdin_buf);
	free(s);
	atomic_fetch_sub(&sessions, 1);
}

static void
send_all(struct session *s, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && !s->gone) {
		w = send(s->fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			s->gone = true;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void
send_frame(struct session *s, int op, const void *p, size_t n)
{
	struct strbuf b;

	strbuf_init(&b);
	ws_frame_encode(&b, op, p, n, NULL);
	send_all(s, b.buf, b.len);
	strbuf_fini(&b);
}

/* One message on stream id (a 1-byte prefix), in bounded chunks. */
static void
send_stream(struct session *s, int id, const char *p, size_t n)
{
	char buf[EXEC_CHUNK + 1];
	size_t k;

	do {
		k = n < EXEC_CHUNK ? n : EXEC_CHUNK;
		buf[0] = (char)id;
		memcpy(buf + 1, p, k);
		send_frame(s, WS_OP_BINARY, buf, k + 1);
		p += k;
		n -= k;
	} while (n > 0 && !s->gone);
}

/* A message from the client. */
static void
on_frame(struct session *s, const struct ws_frame *f)
{
	if (f->opcode == WS_OP_CLOSE) {
		send_frame(s, WS_OP_CLOSE, f->payload, f->len >= 2 ? 2 : 0);
		s->gone = true;
	} else if (f->opcode == WS_OP_PING) {
		send_frame(s, WS_OP_PONG, f->payload, f->len);
	} else if (f->opcode == WS_OP_BINARY && f->len > 0) {
		if (f->payload[0] == 0 && !s->stdin_eof)
			strbuf_add(&s->stdin_buf, (const char *)f->payload + 1,
			    f->len - 1);
		else if (f->payload[0] == 255 && s->v5 && f->len >= 2 &&
		    f->payload[1] == 0)
			s->stdin_eof = true;
		/* 4 (resize) and anything else: nothing to do */
	}
}

/*
 * Wait up to timeout_ms for the client and handle what it sent; false once
 * it is gone (closed, protocol error, oversized frame).
 */
static bool
pump(struct session *s, int timeout_ms)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	struct ws_frame f;
	ssize_t r;
	long n = 0;

	if (s->gone)
		return false;
	if (poll(&pfd, 1, timeout_ms) <= 0)
		return !s->gone;
	r = recv(s->fd, s->in + s->in_len, EXEC_FRAME_MAX + WS_HEADER_MAX -
	    s->in_len, 0);
	if (r <= 0) {
		if (r < 0 && errno == EINTR)
			return true;
		s->gone = true;
		return false;
	}
	s->in_len += (size_t)r;
	while (!s->gone && (n = ws_frame_decode(s->in, s->in_len,
	    EXEC_FRAME_MAX, &f)) > 0) {
		on_frame(s, &f);
		memmove(s->in, s->in + n, s->in_len - (size_t)n);
		s->in_len -= (size_t)n;
	}
	if (n < 0) {
		log_v(2, "exec: bad frame from the client (%ld)", n);
		s->gone = true;
	}
	return !s->gone;
}

static int
io_write(void *arg, int stream, const char *p, size_t n)
{
	struct session *s = arg;

	send_stream(s, stream, p, n);
	return s->gone ? -1 : 0;
}

static long
io_read(void *arg, char *buf, size_t max)
{
	struct session *s = arg;
	size_t n;

	if (!s->has_stdin)
		return 0;
	while (s->stdin_off == s->stdin_buf.len && !s->stdin_eof)
		if (!pump(s, 1000))
			return -1;
	n = s->stdin_buf.len - s->stdin_off;
	if (n == 0)
		return 0;
	if (n > max)
		n = max;
	memcpy(buf, s->stdin_buf.buf + s->stdin_off, n);
	s->stdin_off += n;
	if (s->stdin_off == s->stdin_buf.len) {
		strbuf_reset(&s->stdin_buf);
		s->stdin_off = 0;
	}
	return (long)n;
}

static int
io_sleep(void *arg, int64_t ms)
{
	struct session *s = arg;
	int64_t end = (int64_t)ck_now_ms() + ms, left;

	while ((left = end - (int64_t)ck_now_ms()) > 0)
		if (!pump(s, left > 1000 ? 1000 : (int)left))
			return -1;
	return 0;
}

static void
send_status(struct session *s, int code)
{
	struct strbuf b;
	size_t i;

	strbuf_init(&b);
	if (code == EXEC_NOT_SIMULATED) {
		/* a plain Failure: kubectl prints its message */
		strbuf_adds(&b, "{\"metadata\":{},\"status\":\"Failure\","
		    "\"message\":\"" EXEC_CP_MSG "\",\"reason\":"
		    "\"BadRequest\",\"code\":400}");
	} else if (code == 0) {
		strbuf_adds(&b, "{\"metadata\":{},\"status\":\"Success\"}");
	} else {
		strbuf_adds(&b, "{\"metadata\":{},\"status\":\"Failure\","
		    "\"message\":\"command terminated with non-zero exit code: "
		    "error executing command [");
		for (i = 0; i < s->argc; i++) {
			cJSON *str = cJSON_CreateString(s->argv[i]);
			char *q = cJSON_PrintUnformatted(str);
			size_t ql = q != NULL ? strlen(q) : 0;

			/* the JSON string's inside: the quotes dropped */
			if (ql >= 2)
				strbuf_addf(&b, "%s%.*s", i > 0 ? " " : "",
				    (int)(ql - 2), q + 1);
			free(q);
			cJSON_Delete(str);
		}
		strbuf_addf(&b, "], exit code %d\",\"reason\":"
		    "\"NonZeroExitCode\",\"details\":{\"causes\":[{\"reason\":"
		    "\"ExitCode\",\"message\":\"%d\"}]}}", code, code);
	}
	send_stream(s, 3, b.buf, b.len);
	strbuf_fini(&b);
}

static void add_var(struct session *s, const char *name,
    const char *value);
static void pod_env(struct session *s);

/*
 * The kubelet's variables of the default/kubernetes Service
 * (KUBERNETES_SERVICE_HOST, _PORT...), read on the session's thread: the
 * kubelet-sim keeps no Service informer for this one object.
 */
static void
kubernetes_vars(struct session *s)
{
	struct ck_status st;
	cJSON *svc = NULL;
	const cJSON *spec, *port;
	const char *ip;
	char v[96], k[64];
	int n;

	if (s->cl == NULL || client_get(s->cl, &CLIENT_GVR_SERVICES, "default",
	    "kubernetes", &svc, &st) != 0)
		return;
	spec = cJSON_GetObjectItemCaseSensitive(svc, "spec");
	ip = jstr(spec, "clusterIP");
	port = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(spec,
	    "ports"), 0);
	n = (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(port,
	    "port"));
	if (ip != NULL && ip[0] != '\0' && strcmp(ip, "None") != 0 &&
	    n > 0 && n < 65536) {
		add_var(s, "KUBERNETES_SERVICE_HOST", ip);
		snprintf(v, sizeof(v), "%d", n);
		add_var(s, "KUBERNETES_SERVICE_PORT", v);
		if (jstr(port, "name") != NULL && strcmp(jstr(port, "name"),
		    "https") == 0)
			add_var(s, "KUBERNETES_SERVICE_PORT_HTTPS", v);
		snprintf(v, sizeof(v), "tcp://%s:%d", ip, n);
		add_var(s, "KUBERNETES_PORT", v);
		snprintf(k, sizeof(k), "KUBERNETES_PORT_%d_TCP", n);
		add_var(s, k, v);
		snprintf(k, sizeof(k), "KUBERNETES_PORT_%d_TCP_PROTO", n);
		add_var(s, k, "tcp");
		snprintf(k, sizeof(k), "KUBERNETES_PORT_%d_TCP_PORT", n);
		snprintf(v, sizeof(v), "%d", n);
		add_var(s, k, v);
		snprintf(k, sizeof(k), "KUBERNETES_PORT_%d_TCP_ADDR", n);
		add_var(s, k, ip);
	}
	cJSON_Delete(svc);
}

static void
session_run(void *arg, int fd, const char *extra, size_t extra_len)
{
	struct session *s = arg;
	static const unsigned char bye[] = { 0x03, 0xe8 };	/* 1000 */
	struct exec_io io = { s, io_write, io_read, io_sleep };
	int code;

	s->fd = fd;
	pod_env(s);
	kubernetes_vars(s);
	add_var(s, "HOME", "/root");
	s->env.vars = (const char *const *)s->vars;
	s->env.nvars = s->nvars;
	s->in = ck_malloc(EXEC_FRAME_MAX + WS_HEADER_MAX);
	if (extra_len > 0 && extra_len <= EXEC_FRAME_MAX) {
		memcpy(s->in, extra, extra_len);
		s->in_len = extra_len;
		(void)pump(s, 0);
	}
	/*
	 * No output right behind the 101: a runtime takes tens of ms to start
	 * the process, and the real apiserver answers the client's 101 before
	 * it even dials the kubelet. kubectl 1.32 depends on that gap: it
	 * starts reading before it has created its streams and drops a message
	 * for a stream it does not know yet ("Unknown stream id 1, discarding
	 * message"; client-go before kubernetes#131203), so an instant echo
	 * lost its output now and then. Client frames are still read meanwhile.
	 */
	if (io_sleep(s, EXEC_START_MS) != 0)
		return;
	code = exec_sim_run(&s->env, (const char *const *)s->argv, s->argc,
	    &io);
	log_v(2, "exec: %s: exit %d", s->argc > 0 ? s->argv[0] : "", code);
	if (code == EXEC_GONE || s->gone)
		return;
	send_status(s, code);
	send_frame(s, WS_OP_CLOSE, bye, sizeof(bye));
	/* Let the client read it all and answer the close (bounded). */
	(void)shutdown(fd, SHUT_WR);
	while (pump(s, 2000))
		;
}

/* ---- the container snapshot ---- */

static const cJSON *
find_container(const cJSON *spec, const char *name)
{
	const char *lists[] = { "containers", "initContainers" };
	const cJSON *it;
	size_t k;

	for (k = 0; k < ARRAY_SIZE(lists); k++)
		cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(spec,
		    lists[k])) {
			const cJSON *n = cJSON_GetObjectItemCaseSensitive(it,
			    "name");

			if (cJSON_IsString(n) && strcmp(n->valuestring, name) ==
			    0)
				return it;
		}
	return NULL;
}

static void
add_var(struct session *s, const char *name, const char *value)
{
	struct strbuf b;
	size_t i, n = strlen(name);

	for (i = 0; i < s->nvars; i++)	/* a later one wins, in place */
		if (strncmp(s->vars[i], name, n) == 0 && s->vars[i][n] == '=')
			break;
	if (i == s->nvars && s->nvars == EXEC_VARS_MAX)
		return;
	strbuf_init(&b);
	strbuf_addf(&b, "%s=%s", name, value);
	if (i < s->nvars)
		free(s->vars[i]);
	else
		s->nvars++;
	s->vars[i] = strbuf_detach(&b, NULL);
}

/* $(VAR) of earlier variables, as the kubelet expands env values. */
static void
expand_value(const struct session *s, const char *v, struct strbuf *out)
{
	const char *e;
	size_t i, n;

	for (; *v != '\0'; v++) {
		if (v[0] == '$' && v[1] == '$') {
			strbuf_add(out, "$", 1);
			v++;
			continue;
		}
		if (v[0] == '$' && v[1] == '(' && (e = strchr(v, ')')) !=
		    NULL) {
			n = (size_t)(e - v - 2);
			for (i = 0; i < s->nvars; i++)
				if (strncmp(s->vars[i], v + 2, n) == 0 &&
				    s->vars[i][n] == '=')
					break;
			if (i < s->nvars) {
				strbuf_adds(out, s->vars[i] + n + 1);
				v = e;
				continue;
			}
		}
		strbuf_add(out, v, 1);
	}
}

/* valueFrom.fieldRef the kubelet-sim knows (pod: as fetched); or NULL. */
static const char *
field_ref(const struct session *s, const struct kobj *pod, const char *path)
{
	const cJSON *v = NULL;

	if (strcmp(path, "metadata.name") == 0)
		return s->name;
	if (strcmp(path, "metadata.namespace") == 0)
		return s->ns;
	if (strcmp(path, "metadata.uid") == 0)
		return s->uid;
	if (strcmp(path, "status.podIP") == 0)
		return s->ip;
	if (strcmp(path, "spec.nodeName") == 0)
		return s->node;
	if (strcmp(path, "spec.serviceAccountName") == 0)
		v = kobj_get(pod, path);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void
snapshot_env(struct session *s, const struct kobj *pod, const cJSON *ctr)
{
	const cJSON *it, *vf;
	const char *name, *val;
	struct strbuf b;

	strbuf_init(&b);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(ctr, "env")) {
		name = jstr(it, "name");
		if (name == NULL)
			continue;
		val = jstr(it, "value");
		vf = jobj(jobj(it, "valueFrom"), "fieldRef");
		if (val == NULL && vf != NULL && jstr(vf, "fieldPath"))
			val = field_ref(s, pod, jstr(vf, "fieldPath"));
		if (val == NULL && jobj(it, "valueFrom") != NULL)
			continue;	/* ConfigMap/Secret keys: not here */
		strbuf_reset(&b);
		expand_value(s, val != NULL ? val : "", &b);
		add_var(s, name, strbuf_str(&b));
	}
	strbuf_fini(&b);
}

/*
 * The container's env and the pod's resolv.conf, from the pod as stored:
 * the simulation keeps no spec. Read on the session's thread (a GET from
 * the HTTP thread would hold up every other request of this kubelet-sim).
 */
static void
pod_env(struct session *s)
{
	struct ck_status st = { 0 };
	struct kobj *pod = NULL;
	const cJSON *c = NULL;

	if (client_get_kobj(s->cl, &CLIENT_GVR_PODS, s->ns, s->name, &pod,
	    &st) == 0 && strcmp(kobj_uid(pod), s->uid) == 0)
		c = find_container(kobj_get(pod, "spec"), s->ctr);
	else {
		kobj_unref(pod);	/* replaced: not our pod */
		pod = NULL;
		log_warn("exec %s/%s: cannot read the pod (%s): no env",
		    s->ns, s->name, st.message != NULL ? st.message :
		    "replaced");
	}
	ck_status_clear(&st);
	add_var(s, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:"
	    "/usr/bin:/sbin:/bin");
	add_var(s, "HOSTNAME", s->hostname);
	if (c != NULL)
		snapshot_env(s, pod, c);
	s->resolv = resolv_pod_text(s->dns, pod != NULL ? kobj_get(pod,
	    "spec") : NULL, s->ns);
	s->env.resolv = s->resolv;
	kobj_unref(pod);
}

static void
fail(struct httpd_response *resp, int status, const char *msg)
{
	resp->status = status;
	strbuf_adds(&resp->body, msg);
}

/* The protocol to speak: the first of the client's that we know. */
static const char *
pick_protocol(const char *offered)
{
	static const char *const ours[] = { "v5.channel.k8s.io",
		"v4.channel.k8s.io" };
	const char *t = offered, *best = NULL;
	size_t n, k;

	while (t != NULL && *t != '\0') {
		t += strspn(t, " ,");
		n = strcspn(t, " ,");
		for (k = 0; k < ARRAY_SIZE(ours) && best == NULL; k++)
			if (n == strlen(ours[k]) && strncmp(t, ours[k], n) == 0)
				best = ours[k];
		t += n;
	}
	return best;
}

static bool
query_true(const struct httpd_request *req, const char *key)
{
	const char *v = httpd_query(req, key);

	return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

void
exec_handle(const struct httpd_request *req, struct httpd_response *resp,
    void *arg)
{
	char ns[CK_NAME_MAX], name[CK_NAME_MAX], ctr[CK_NAME_MAX];
	char accept[WS_ACCEPT_LEN + 1], msg[CK_NAME_MAX + 64];
	const char *words[EXEC_ARGS_MAX], *up, *proto;
	struct ksim *ks = arg;
	struct session *s = NULL;
	struct sim_pod *p;
	size_t i, n;
	int ci;

	if (!logs_split_path(req->path, EXEC_PREFIX, ns, name, ctr)) {
		fail(resp, 404, "404 page not found");
		return;
	}
	n = httpd_query_all(req, "command", words, ARRAY_SIZE(words));
	if (n == 0) {
		fail(resp, 400, "you must specify at least 1 command");
		return;
	}
	pod_lock();
	p = pod_find(ns, name);
	if (p == NULL || p->gone) {
		fail(resp, 404, "pod does not exist");
		goto out;
	}
	ci = pod_container_index(p, ctr);
	if (ci < 0 || p->ctrs[ci].state != CS_RUNNING) {
		snprintf(msg, sizeof(msg), "container not found (\"%s\")", ctr);
		fail(resp, 404, msg);
		goto out;
	}
	/* after the pod checks: kubectl's SPDY retry shows their errors */
	up = httpd_header(req, "Upgrade");
	proto = pick_protocol(httpd_header(req, "Sec-WebSocket-Protocol"));
	if (up == NULL || strcasecmp(up, "websocket") != 0 || proto == NULL ||
	    ws_accept_key(httpd_header(req, "Sec-WebSocket-Key"), accept) !=
	    0) {
		fail(resp, 400, "ckube-kubelet-sim serves exec over WebSocket "
		    "only (v5.channel.k8s.io or v4.channel.k8s.io), not SPDY");
		goto out;
	}
	if (atomic_fetch_add(&sessions, 1) >= EXEC_SESSIONS_MAX) {
		atomic_fetch_sub(&sessions, 1);
		fail(resp, 503, "too many exec sessions on this kubelet-sim "
		    "(at most 128 at once)");
		goto out;
	}
	s = ck_calloc(1, sizeof(*s));
	strbuf_init(&s->stdin_buf);
	s->v5 = strcmp(proto, "v5.channel.k8s.io") == 0;
	s->has_stdin = query_true(req, "stdin");
	for (i = 0; i < n; i++)
		s->argv[s->argc++] = ck_strdup(words[i]);
	ck_strlcpy(s->hostname, p->hostname, sizeof(s->hostname));
	ck_strlcpy(s->ns, ns, sizeof(s->ns));
	ck_strlcpy(s->name, name, sizeof(s->name));
	ck_strlcpy(s->ctr, ctr, sizeof(s->ctr));
	ck_strlcpy(s->uid, p->uid, sizeof(s->uid));
	ck_strlcpy(s->ip, p->ip, sizeof(s->ip));
	ck_strlcpy(s->node, p->node->name, sizeof(s->node));
	s->dns = &ks->dns;
	s->hosts = ck_malloc(256);
	snprintf(s->hosts, 256, "# Kubernetes-managed hosts file.\n"
	    "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
	    "ip6-loopback\n%s\t%s\n", p->ip[0] != '\0' ? p->ip : "127.0.0.1",
	    s->hostname);
	s->env.hostname = s->hostname;
	s->env.hosts = s->hosts;
	s->cl = ks->cl;
	strbuf_addf(&resp->body, "Upgrade: websocket\nConnection: Upgrade\n"
	    "Sec-WebSocket-Accept: %s\nSec-WebSocket-Protocol: %s\n", accept,
	    proto);
	resp->upgrade = session_run;
	resp->upgrade_arg = s;
	resp->upgrade_free = session_free;
out:
	pod_unlock();
}
