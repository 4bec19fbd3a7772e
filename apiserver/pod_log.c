/*
 * pod_log.c: GET pods/<name>/log, proxied to the kubelet(-sim) of the pod's
 * node as the apiserver does (LogLocation): after the checks Kubernetes
 * makes here (the pod exists, the container belongs to it, a container is
 * named when there are several), the request goes to
 * <kubelet>/containerLogs/<ns>/<pod>/<container> with tailLines, previous,
 * timestamps, limitBytes, sinceSeconds and follow passed on. The kubelet is
 * found through the node's sim.ckube.io/kubelet-url annotation (simulated
 * nodes have unreachable InternalIPs), else InternalIP and
 * status.daemonEndpoints.kubeletEndpoint.Port. A kubelet error keeps its
 * code and text as a Status. A pod not bound yet has no logs: an empty 200.
 *
 * Without follow the answer is fetched at once (short timeout, loopback);
 * with follow a thread streams the kubelet's body through an api_stream,
 * after a first request without follow has shown the logs can be read.
 *
 * The node's address is untrusted: pod_log_check_url() (pod_log_addr.c)
 * admits only http(s) to an IP in --kubelet-address-allow; curl is held to
 * http/https without redirects. A transport failure answers a fixed text
 * (never the URL's content); a kubelet HTTP error keeps only its first line,
 * bounded and printable.
 */
#include "crud.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"
#include "store/store.h"

#define ANN_KUBELET_URL		"sim.ckube.io/kubelet-url"
#define LOG_FETCH_TIMEOUT_S	10L
#define LOG_FETCH_MAX		(64L << 20)	/* a non-follow answer */
#define KUBELET_MSG_MAX		256

/* container names of list into found (any match), first into *first. */
static bool
has_container(const cJSON *list, const char *name, const char **first,
    struct strbuf *names)
{
	const cJSON *it;
	const char *n;
	bool found = false;

	cJSON_ArrayForEach(it, list) {
		n = json_str(it, "name");
		if (n == NULL)
			continue;
		if (*first == NULL)
			*first = n;
		strbuf_addf(names, "%s%s", names->len > 0 ? " " : "", n);
		if (name != NULL && strcmp(n, name) == 0)
			found = true;
	}
	return found;
}

int
crud_kubelet_url(struct crud *c, const char *node, char *buf, size_t len)
{
	struct store_item it;
	cJSON *obj, *addrs, *a;
	const char *url, *ip = NULL;
	char base[POD_LOG_URL_MAX + 8];
	double port = 0;
	int rc;

	rc = store_get(c->srv->store, "nodes", "", node, &it);
	if (rc < 0)
		return crud_fail(c, CK_EIO, "nodes \"%s\" not found", node);
	obj = cJSON_ParseWithLength(it.body, it.body_len);
	store_item_fini(&it);
	url = json_str(json_obj(json_obj(obj, "metadata"), "annotations"),
	    ANN_KUBELET_URL);
	if (url != NULL) {
		rc = pod_log_check_url(url, buf, len);
		cJSON_Delete(obj);
		if (rc < 0)
			return crud_fail(c, CK_EIO, "the kubelet address of node "
			    "\"%s\" is not allowed (annotation %s: http or "
			    "https to an IP in --kubelet-address-allow)", node,
			    ANN_KUBELET_URL);
		return 0;
	}
	addrs = cJSON_GetObjectItemCaseSensitive(json_obj(obj, "status"),
	    "addresses");
	cJSON_ArrayForEach(a, addrs)
		if (ip == NULL && json_str(a, "type") != NULL &&
		    strcmp(json_str(a, "type"), "InternalIP") == 0)
			ip = json_str(a, "address");
	a = cJSON_GetObjectItemCaseSensitive(json_obj(json_obj(json_obj(obj,
	    "status"), "daemonEndpoints"), "kubeletEndpoint"), "Port");
	if (cJSON_IsNumber(a))
		port = a->valuedouble;
	rc = 0;
	if (ip == NULL || port <= 0)
		rc = crud_fail(c, CK_EIO, "no kubelet address for node \"%s\"",
		    node);
	else {
		snprintf(base, sizeof(base), "http://%.64s:%d", ip, (int)port);
		if (strchr(ip, ':') != NULL)
			snprintf(base, sizeof(base), "http://[%.64s]:%d", ip,
			    (int)port);
		if (pod_log_check_url(base, buf, len) < 0)
			rc = crud_fail(c, CK_EIO, "the kubelet address of "
			    "node \"%s\" is not allowed (InternalIP outside "
			    "--kubelet-address-allow)", node);
	}
	cJSON_Delete(obj);
	return rc;
}

static void
add_param(struct crud *c, struct strbuf *url, const char *key)
{
	const char *v = api_request_param(c->req, key);
	char *esc;

	if (v == NULL)
		return;
	esc = curl_easy_escape(NULL, v, 0);
	strbuf_addf(url, "%s%s=%s", strchr(url->buf, '?') ? "&" : "?", key,
	    esc != NULL ? esc : "");
	curl_free(esc);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
pod_log_curl_init(void)
{
	pthread_once(&curl_once, curl_init_once);
}

size_t
pod_log_collect(char *ptr, size_t size, size_t n, void *arg)
{
	struct strbuf *b = arg;

	if (b->len + size * n > (size_t)LOG_FETCH_MAX)
		return 0;	/* abort: CURLE_WRITE_ERROR */
	strbuf_add(b, ptr, size * n);
	return size * n;
}

/* The options every kubelet request has: http(s) only, no redirects. */
void
pod_log_setopt(void *curl, const char *url)
{
	CURL *h = curl;

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
}

/*
 * GET url into body; returns the HTTP code, or -1 with body replaced by a
 * fixed text (nothing the remote end sent).
 */
static long
fetch(const char *url, struct strbuf *body)
{
	CURL *h;
	CURLcode cc;
	long code = -1;

	pod_log_curl_init();
	h = curl_easy_init();
	if (h == NULL)
		return -1;
	pod_log_setopt(h, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, pod_log_collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, LOG_FETCH_TIMEOUT_S);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (code < 100) {
		strbuf_reset(body);
		strbuf_addf(body, "error fetching logs from the kubelet: %s",
		    cc == CURLE_OK ? "no HTTP answer" :
		    curl_easy_strerror(cc));
		code = -1;
	}
	curl_easy_cleanup(h);
	return code;
}

/* ---- follow: a thread streams the kubelet's body ---- */

struct log_stream {
	struct api_stream ops;
	pthread_mutex_t	mu;
	int		refs;		/* the thread and the HTTP layer */
	struct strbuf	buf;
	size_t		off;
	bool		ended, suspended, cancelled;
	void		*conn;
	void		(*resume)(void *conn);
	char		*url;
};

static void
ls_unref(struct log_stream *s)
{
	bool last;

	pthread_mutex_lock(&s->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&s->mu);
	if (!last)
		return;
	strbuf_fini(&s->buf);
	free(s->url);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* Wake the connection if it sleeps (mu held). */
static void
ls_wake(struct log_stream *s)
{
	if (s->suspended && s->resume != NULL && !s->cancelled) {
		s->suspended = false;
		s->resume(s->conn);
	}
}

static size_t
ls_write(char *ptr, size_t size, size_t n, void *arg)
{
	struct log_stream *s = arg;

	pthread_mutex_lock(&s->mu);
	if (s->cancelled) {
		pthread_mutex_unlock(&s->mu);
		return 0;	/* the client went away: abort */
	}
	strbuf_add(&s->buf, ptr, size * n);
	ls_wake(s);
	pthread_mutex_unlock(&s->mu);
	return size * n;
}

static int
ls_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c,
    curl_off_t d)
{
	struct log_stream *s = arg;
	int stop;

	(void)a, (void)b, (void)c, (void)d;
	pthread_mutex_lock(&s->mu);
	stop = s->cancelled;
	pthread_mutex_unlock(&s->mu);
	return stop;
}

static void *
ls_thread(void *arg)
{
	struct log_stream *s = arg;
	CURL *h = curl_easy_init();

	if (h != NULL) {
		pod_log_setopt(h, s->url);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ls_write);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, s);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, ls_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, s);
		(void)curl_easy_perform(h);
		curl_easy_cleanup(h);
	}
	pthread_mutex_lock(&s->mu);
	s->ended = true;
	ls_wake(s);
	pthread_mutex_unlock(&s->mu);
	ls_unref(s);
	return NULL;
}

static void
ls_attach(struct api_stream *as, void *conn, void (*resume)(void *conn))
{
	struct log_stream *s = (struct log_stream *)as;

	pthread_mutex_lock(&s->mu);
	s->conn = conn;
	s->resume = resume;
	pthread_mutex_unlock(&s->mu);
}

static long
ls_read(struct api_stream *as, char *buf, size_t max,
    void (*suspend)(void *conn))
{
	struct log_stream *s = (struct log_stream *)as;
	size_t n;

	pthread_mutex_lock(&s->mu);
	if (s->off < s->buf.len) {
		n = s->buf.len - s->off;
		if (n > max)
			n = max;
		memcpy(buf, s->buf.buf + s->off, n);
		s->off += n;
		if (s->off == s->buf.len) {
			strbuf_reset(&s->buf);
			s->off = 0;
		}
		pthread_mutex_unlock(&s->mu);
		return (long)n;
	}
	if (s->ended) {
		pthread_mutex_unlock(&s->mu);
		return -1;
	}
	s->suspended = true;	/* under the lock: no lost wake-up */
	suspend(s->conn);
	pthread_mutex_unlock(&s->mu);
	return 0;
}

static void
ls_release(struct api_stream *as)
{
	struct log_stream *s = (struct log_stream *)as;

	pthread_mutex_lock(&s->mu);
	s->cancelled = true;
	pthread_mutex_unlock(&s->mu);
	ls_unref(s);
}

static int
start_follow(struct crud *c, const char *url)
{
	struct log_stream *s = ck_calloc(1, sizeof(*s));
	pthread_t t;
	pthread_attr_t attr;
	int rc;

	s->ops.attach = ls_attach;
	s->ops.read = ls_read;
	s->ops.release = ls_release;
	pthread_mutex_init(&s->mu, NULL);
	strbuf_init(&s->buf);
	s->url = ck_strdup(url);
	s->refs = 2;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, ls_thread, s);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		s->refs = 1;
		ls_unref(s);
		return crud_fail(c, CK_EIO, "cannot start the log stream");
	}
	c->resp->code = 200;
	c->resp->content_type = "text/plain";
	c->resp->stream = &s->ops;
	return 0;
}

/*
 * The kubelet's error as a Status with its code: the first line of its
 * body, at most KUBELET_MSG_MAX bytes, anything not printable ASCII as '?'.
 */
static void
fail_from_kubelet(struct crud *c, long code, const struct strbuf *body)
{
	char msg[KUBELET_MSG_MAX + 1];
	size_t i, n = 0;
	int err = code == 404 ? CK_ENOTFOUND : code == 400 ? CK_EBADREQ :
	    CK_EIO;

	for (i = 0; i < body->len && n < KUBELET_MSG_MAX; i++) {
		if (body->buf[i] == '\n')
			break;
		msg[n++] = body->buf[i] >= ' ' && body->buf[i] <= '~' ?
		    body->buf[i] : '?';
	}
	msg[n] = '\0';
	crud_fail(c, err, "%s", n > 0 ? msg : "kubelet error");
}

void
crud_pod_log(struct crud *c)
{
	const char *want = api_request_param(c->req, "container");
	const char *first = NULL, *node;
	const cJSON *spec;
	cJSON *pod = NULL;
	struct strbuf names, inames, url, body;
	char base[POD_LOG_URL_MAX + 8], *esc[3], *text;
	size_t len;
	int64_t rv;
	long code;
	bool found, follow;

	strbuf_init(&names);
	strbuf_init(&inames);
	strbuf_init(&url);
	strbuf_init(&body);
	if (c->rt->verb != API_VERB_GET) {
		crud_fail(c, CK_ENOTSUP, "the server does not allow this "
		    "method on the requested resource");
		goto err;
	}
	if (crud_load(c, c->rt->ns, c->rt->name, &pod, &rv) < 0)
		goto err;
	spec = json_obj(pod, "spec");
	found = has_container(cJSON_GetObjectItemCaseSensitive(spec,
	    "containers"), want, &first, &names);
	found = has_container(cJSON_GetObjectItemCaseSensitive(spec,
	    "initContainers"), want, &first, &inames) || found;
	if (want != NULL && want[0] != '\0' && !found) {
		crud_fail(c, CK_EBADREQ, "container %s is not valid for pod %s",
		    want, c->rt->name);
		goto err;
	}
	if ((want == NULL || want[0] == '\0') &&
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(spec,
	    "containers")) > 1) {
		crud_fail(c, CK_EBADREQ, "a container name must be specified "
		    "for pod %s, choose one of: [%s]%s%s%s", c->rt->name,
		    strbuf_str(&names), inames.len > 0 ?
		    " or one of the init containers: [" : "",
		    strbuf_str(&inames), inames.len > 0 ? "]" : "");
		goto err;
	}
	if (want == NULL || want[0] == '\0')
		want = first != NULL ? first : "";
	node = json_str(spec, "nodeName");
	if (node == NULL || node[0] == '\0') {
		/* not bound yet: no location, an empty log (LogLocation) */
		api_response_take(c->resp, 200, "text/plain", ck_strdup(""), 0);
		goto out;
	}
	if (crud_kubelet_url(c, node, base, sizeof(base)) < 0)
		goto err;
	esc[0] = curl_easy_escape(NULL, c->rt->ns, 0);
	esc[1] = curl_easy_escape(NULL, c->rt->name, 0);
	esc[2] = curl_easy_escape(NULL, want, 0);
	strbuf_addf(&url, "%s/containerLogs/%s/%s/%s", base, esc[0], esc[1],
	    esc[2]);
	curl_free(esc[0]);
	curl_free(esc[1]);
	curl_free(esc[2]);
	add_param(c, &url, "tailLines");
	add_param(c, &url, "previous");
	add_param(c, &url, "timestamps");
	add_param(c, &url, "limitBytes");
	add_param(c, &url, "sinceSeconds");
	follow = api_request_flag(c->req, "follow");
	code = fetch(strbuf_str(&url), &body);
	if (code != 200) {
		fail_from_kubelet(c, code, &body);
		goto err;
	}
	if (!follow) {
		text = strbuf_detach(&body, &len);
		api_response_take(c->resp, 200, "text/plain",
		    text != NULL ? text : ck_strdup(""), len);
		goto out;
	}
	strbuf_addf(&url, "%sfollow=true", strchr(url.buf, '?') ? "&" : "?");
	if (start_follow(c, strbuf_str(&url)) < 0)
		goto err;
	goto out;
err:
	crud_reply_st(c);
out:
	cJSON_Delete(pod);
	strbuf_fini(&names);
	strbuf_fini(&inames);
	strbuf_fini(&url);
	strbuf_fini(&body);
}
