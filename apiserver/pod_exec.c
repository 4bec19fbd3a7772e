/*
 * pod_exec.c: GET/POST pods/<name>/exec, proxied to the kubelet(-sim) of
 * the pod's node as the apiserver does (ExecLocation, then an
 * upgrade-aware proxy). The checks Kubernetes makes here come first (the
 * pod exists, the container belongs to it, a container is named when
 * there are several, the pod is bound); then the request goes, with its
 * Upgrade and WebSocket headers, to <kubelet>/exec/<ns>/<pod>/<container>
 * (the address allow-list of pods/log, pod_log_addr.c). When the kubelet
 * answers 101 the client gets the same 101 (its Sec-WebSocket-Accept and
 * protocol) and a thread copies bytes both ways until either side closes;
 * the apiserver never reads the frames. Any other kubelet answer is passed
 * on with its code and (bounded, printable) text, as the Kubernetes proxy
 * passes it: kubectl then prints "unable to upgrade connection: <text>".
 */
#include "crud.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "ckube/alloc.h"
#include "ckube/clock.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#define EXEC_CONNECT_MS		5000
#define EXEC_HEAD_MS		10000
#define EXEC_HEAD_MAX		8192
#define EXEC_ERR_MAX		512
#define EXEC_PUMP_BLOCK		65536
#define EXEC_LINGER_MS		2000	/* per read while lingering */

/* The proxied connection, from the 101 until either side closes. */
struct exec_proxy {
	int	 kfd;		/* to the kubelet */
	char	*pending;	/* kubelet bytes read past its head */
	size_t	 pending_len;
};

static void
proxy_free(void *arg)
{
	struct exec_proxy *x = arg;

	if (x->kfd >= 0)
		close(x->kfd);
	free(x->pending);
	free(x);
}

static bool
write_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/*
 * The kubelet ended: send kubectl our FIN and read what it still sends
 * (its answer to the close frame) for a bounded time before the socket
 * closes. Closing with unread input would send a reset, and a reset can
 * make kubectl drop output it has not read yet (a lingering close).
 */
static void
linger_close(int cfd, char *buf)
{
	struct pollfd pfd = { .fd = cfd, .events = POLLIN };
	int n;

	(void)shutdown(cfd, SHUT_WR);
	for (n = 0; n < 64; n++) {
		if (poll(&pfd, 1, EXEC_LINGER_MS) != 1)
			return;
		if (recv(cfd, buf, EXEC_PUMP_BLOCK, 0) <= 0)
			return;
	}
}

/* Copy both ways until one side ends (the connection then closes). */
static void
proxy_run(void *arg, int cfd, const char *extra, size_t extra_len)
{
	struct exec_proxy *x = arg;
	struct pollfd pfd[2] = { { .fd = cfd, .events = POLLIN },
		{ .fd = x->kfd, .events = POLLIN } };
	char *buf;
	ssize_t r;
	int i = 0;

	if (!write_all(cfd, x->pending, x->pending_len) ||
	    !write_all(x->kfd, extra, extra_len))
		return;
	buf = ck_malloc(EXEC_PUMP_BLOCK);
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].revents == 0)
				continue;
			r = recv(pfd[i].fd, buf, EXEC_PUMP_BLOCK, 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0 || !write_all(pfd[1 - i].fd, buf, (size_t)r))
				goto out;
		}
	}
out:
	if (i == 1)
		linger_close(cfd, buf);
	free(buf);
	(void)shutdown(x->kfd, SHUT_RDWR);
}

/* Connect to http://host:port (an allowed, rebuilt URL) within a timeout. */
static int
kubelet_connect(const char *base)
{
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
		.ai_socktype = SOCK_STREAM }, *ai = NULL;
	struct pollfd pfd;
	char host[128], port[8] = "80";
	const char *h = base + strlen("http://"), *e;
	int fd = -1, err = 0;
	socklen_t elen = sizeof(err);
	size_t n;

	if (*h == '[') {
		e = strchr(++h, ']');
		if (e == NULL)
			return -1;
		n = (size_t)(e - h);
		e++;
	} else {
		n = strcspn(h, ":");
		e = h + n;
	}
	if (n == 0 || n >= sizeof(host))
		return -1;
	memcpy(host, h, n);
	host[n] = '\0';
	if (*e == ':')
		ck_strlcpy(port, e + 1, sizeof(port));
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd < 0)
		goto out;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 &&
	    errno != EINPROGRESS)
		goto fail;
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, EXEC_CONNECT_MS) != 1 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err != 0)
		goto fail;
	goto out;
fail:
	close(fd);
	fd = -1;
out:
	freeaddrinfo(ai);
	return fd;
}

/*
 * Read the kubelet's answer head into b within EXEC_HEAD_MS: the offset
 * past the head, or 0 on failure. With want > 0: read until b holds want
 * bytes (a body after the head), the end, or the deadline; b->len then.
 */
static size_t
read_head(int fd, struct strbuf *b, size_t want)
{
	bool whole = want > 0;

	int64_t end = (int64_t)ck_now_ms() + EXEC_HEAD_MS, left;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	char buf[4096];
	const char *e;
	ssize_t r;

	for (;;) {
		if (!whole && b->len > 0 &&
		    (e = strstr(b->buf, "\r\n\r\n")) != NULL)
			return (size_t)(e + 4 - b->buf);
		if (whole && b->len >= want)
			return b->len;
		if (b->len > EXEC_HEAD_MAX)
			return whole ? b->len : 0;
		left = end - (int64_t)ck_now_ms();
		if (left <= 0 || poll(&pfd, 1, (int)left) != 1)
			return whole ? b->len : 0;
		r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return whole ? b->len : 0;
		strbuf_add(b, buf, (size_t)r);
	}
}

/* The value of header name in head (case-insensitive), or "". */
static void
head_value(const char *head, size_t len, const char *name, char *out,
    size_t olen)
{
	size_t nl = strlen(name), n;
	const char *p = head, *end = head + len, *e;

	out[0] = '\0';
	while (p < end && (e = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p = e + 1;
		if ((size_t)(end - p) > nl && strncasecmp(p, name, nl) == 0 &&
		    p[nl] == ':') {
			p += nl + 1;
			p += strspn(p, " \t");
			n = strcspn(p, "\r\n");
			if (n >= olen)
				n = olen - 1;
			memcpy(out, p, n);
			out[n] = '\0';
			return;
		}
	}
}

static void
add_param(struct strbuf *url, const char *key, const char *v)
{
	char *esc = curl_easy_escape(NULL, v, 0);

	strbuf_addf(url, "%s%s=%s", strchr(url->buf, '?') ? "&" : "?", key,
	    esc != NULL ? esc : "");
	curl_free(esc);
}

/* The kubelet's non-101 answer, passed on as text with its code. */
static void
pass_error(struct crud *c, const struct strbuf *b, size_t body_off)
{
	char msg[EXEC_ERR_MAX + 1];
	int code = 0;
	size_t i, n = 0;

	if (sscanf(b->buf, "HTTP/1.%*d %d", &code) != 1 || code < 400 ||
	    code > 599)
		code = 502;
	for (i = body_off; i < b->len && n < EXEC_ERR_MAX; i++)
		if (b->buf[i] != '\n' || i + 1 < b->len)
			msg[n++] = b->buf[i] >= ' ' && b->buf[i] <= '~' ?
			    b->buf[i] : ' ';
	msg[n] = '\0';
	if (n == 0)
		snprintf(msg, sizeof(msg), "the kubelet answered HTTP %d",
		    code);
	api_response_take(c->resp, code, "text/plain", ck_strdup(msg),
	    strlen(msg));
}

/* Send the exec request to the kubelet and relay its answer. */
static void
proxy_to_kubelet(struct crud *c, const char *base, const char *ctr)
{
	struct strbuf req, head;
	struct exec_proxy *x;
	char *esc[3], accept[64], proto[128], upgrade[64], clen[24];
	const struct api_request *r = c->req;
	size_t i, off;
	int fd, code = 0;

	strbuf_init(&req);
	strbuf_init(&head);
	esc[0] = curl_easy_escape(NULL, c->rt->ns, 0);
	esc[1] = curl_easy_escape(NULL, c->rt->name, 0);
	esc[2] = curl_easy_escape(NULL, ctr, 0);
	strbuf_addf(&req, "GET /exec/%s/%s/%s", esc[0], esc[1], esc[2]);
	for (i = 0; i < 3; i++)
		curl_free(esc[i]);
	for (i = 0; i < r->nparams; i++)
		if (strcmp(r->params[i].key, "command") == 0 ||
		    strcmp(r->params[i].key, "stdin") == 0 ||
		    strcmp(r->params[i].key, "stdout") == 0 ||
		    strcmp(r->params[i].key, "stderr") == 0 ||
		    strcmp(r->params[i].key, "tty") == 0)
			add_param(&req, r->params[i].key, r->params[i].val);
	strbuf_addf(&req, " HTTP/1.1\r\nHost: %s\r\n", base + 7);
	if (r->upgrade != NULL && strcspn(r->upgrade, "\r\n") ==
	    strlen(r->upgrade))
		strbuf_addf(&req, "Connection: Upgrade\r\nUpgrade: %.64s\r\n",
		    r->upgrade);
	if (r->ws_key != NULL && strcspn(r->ws_key, "\r\n") ==
	    strlen(r->ws_key))
		strbuf_addf(&req, "Sec-WebSocket-Version: 13\r\n"
		    "Sec-WebSocket-Key: %.64s\r\n", r->ws_key);
	if (r->ws_protocol != NULL && strcspn(r->ws_protocol, "\r\n") ==
	    strlen(r->ws_protocol))
		strbuf_addf(&req, "Sec-WebSocket-Protocol: %.256s\r\n",
		    r->ws_protocol);
	strbuf_adds(&req, "\r\n");
	fd = kubelet_connect(base);
	if (fd < 0 || !write_all(fd, req.buf, req.len) ||
	    (off = read_head(fd, &head, 0)) == 0) {
		crud_fail(c, CK_EIO, "error dialing the kubelet of the pod's "
		    "node: no answer from %s", base);
		crud_reply_st(c);
		goto out;
	}
	(void)sscanf(head.buf, "HTTP/1.%*d %d", &code);
	if (code != 101) {
		head_value(head.buf, off, "Content-Length", clen, sizeof(clen));
		(void)read_head(fd, &head, off + (clen[0] != '\0' ?
		    strtoul(clen, NULL, 10) : EXEC_HEAD_MAX + 1));
		pass_error(c, &head, off);
		goto out;
	}
	head_value(head.buf, off, "Sec-WebSocket-Accept", accept,
	    sizeof(accept));
	head_value(head.buf, off, "Sec-WebSocket-Protocol", proto,
	    sizeof(proto));
	head_value(head.buf, off, "Upgrade", upgrade, sizeof(upgrade));
	x = ck_calloc(1, sizeof(*x));
	x->kfd = fd;
	fd = -1;
	x->pending_len = head.len - off;
	x->pending = ck_malloc(x->pending_len + 1);
	memcpy(x->pending, head.buf + off, x->pending_len);
	strbuf_reset(&req);
	strbuf_addf(&req, "Upgrade: %s\nConnection: Upgrade\n",
	    upgrade[0] != '\0' ? upgrade : "websocket");
	if (accept[0] != '\0')
		strbuf_addf(&req, "Sec-WebSocket-Accept: %s\n", accept);
	if (proto[0] != '\0')
		strbuf_addf(&req, "Sec-WebSocket-Protocol: %s\n", proto);
	c->resp->upgrade = proxy_run;
	c->resp->upgrade_arg = x;
	c->resp->upgrade_free = proxy_free;
	c->resp->upgrade_headers = strbuf_detach(&req, NULL);
out:
	if (fd >= 0)
		close(fd);
	strbuf_fini(&req);
	strbuf_fini(&head);
}

/* The container to use: the named one, or the only one; NULL with st set. */
static const char *
pick_container(struct crud *c, const cJSON *spec)
{
	const char *want = api_request_param(c->req, "container");
	const char *lists[] = { "containers", "initContainers",
		"ephemeralContainers" };
	const cJSON *it, *cs = cJSON_GetObjectItemCaseSensitive(spec,
	    "containers");
	struct strbuf names;
	size_t k;

	if (want != NULL && want[0] != '\0') {
		for (k = 0; k < ARRAY_SIZE(lists); k++)
			cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(
			    spec, lists[k]))
				if (json_str(it, "name") != NULL &&
				    strcmp(json_str(it, "name"), want) == 0)
					return want;
		crud_fail(c, CK_EBADREQ, "container %s is not valid for pod %s",
		    want, c->rt->name);
		return NULL;
	}
	if (cJSON_GetArraySize(cs) == 1 &&
	    json_str(cJSON_GetArrayItem(cs, 0), "name") != NULL)
		return json_str(cJSON_GetArrayItem(cs, 0), "name");
	strbuf_init(&names);
	cJSON_ArrayForEach(it, cs)
		if (json_str(it, "name") != NULL)
			strbuf_addf(&names, "%s%s", names.len > 0 ? " " : "",
			    json_str(it, "name"));
	crud_fail(c, CK_EBADREQ, "a container name must be specified for pod "
	    "%s, choose one of: [%s]", c->rt->name, strbuf_str(&names));
	strbuf_fini(&names);
	return NULL;
}

void
crud_pod_exec(struct crud *c)
{
	const char *ctr, *node;
	const cJSON *spec;
	cJSON *pod = NULL;
	char base[POD_LOG_URL_MAX + 8];
	int64_t rv;

	if (c->rt->verb != API_VERB_GET && c->rt->verb != API_VERB_CREATE) {
		crud_fail(c, CK_ENOTSUP, "the server does not allow this "
		    "method on the requested resource");
		goto err;
	}
	if (crud_load(c, c->rt->ns, c->rt->name, &pod, &rv) < 0)
		goto err;
	spec = json_obj(pod, "spec");
	if ((ctr = pick_container(c, spec)) == NULL)
		goto err;
	node = json_str(spec, "nodeName");
	if (node == NULL || node[0] == '\0') {
		crud_fail(c, CK_EBADREQ, "pod %s does not have a host assigned",
		    c->rt->name);
		goto err;
	}
	if (crud_kubelet_url(c, node, base, sizeof(base)) < 0)
		goto err;
	if (strncmp(base, "http://", 7) != 0) {
		crud_fail(c, CK_EIO, "ckube proxies exec to http kubelets "
		    "only, not %s", base);
		goto err;
	}
	proxy_to_kubelet(c, base, ctr);
	goto out;
err:
	crud_reply_st(c);
out:
	cJSON_Delete(pod);
}
