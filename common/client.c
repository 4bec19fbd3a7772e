/*
 * client.c: the synchronous REST client over libcurl: the per-thread easy
 * handles (keep-alive), one request with retries and backoff, and the verbs.
 * Paths and Status decoding are in client_status.c, the watch stream in
 * client_watch.c, kubeconfig parsing in kubeconfig.c.
 */
#include "ckube/client.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/kubeconfig.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#include "client_int.h"

const struct client_gvr CLIENT_GVR_PODS = { "", "v1", "pods" };
const struct client_gvr CLIENT_GVR_SERVICES = { "", "v1", "services" };
const struct client_gvr CLIENT_GVR_ENDPOINTS = { "", "v1", "endpoints" };
const struct client_gvr CLIENT_GVR_NODES = { "", "v1", "nodes" };
const struct client_gvr CLIENT_GVR_NAMESPACES = { "", "v1", "namespaces" };
const struct client_gvr CLIENT_GVR_EVENTS = { "", "v1", "events" };
const struct client_gvr CLIENT_GVR_REPLICATIONCONTROLLERS =
    { "", "v1", "replicationcontrollers" };
const struct client_gvr CLIENT_GVR_REPLICASETS =
    { "apps", "v1", "replicasets" };
const struct client_gvr CLIENT_GVR_DEPLOYMENTS =
    { "apps", "v1", "deployments" };
const struct client_gvr CLIENT_GVR_LEASES =
    { "coordination.k8s.io", "v1", "leases" };

/* How a verb may be retried. */
enum retry_policy {
	RETRY_IDEMPOTENT,	/* connection errors, 429, 5xx */
	RETRY_UNSENT,		/* only if the server surely did not act */
};

struct request {
	const char		*method;
	const char		*path;		/* with the query */
	const char		*body;		/* NULL: none */
	size_t			 body_len;
	const char		*content_type;
	enum retry_policy	 retry;
	const char		*what;		/* "get pods web-0" */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void
global_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("client: curl_global_init failed");
}

void
client_global_cleanup(void)
{
	curl_global_cleanup();
}

/* ---- the client and its per-thread handles ---- */

static void
conn_unlink(struct client *cl, struct client_conn *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		cl->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
}

/* pthread key destructor: a thread that used the client exits. */
static void
conn_destroy(void *p)
{
	struct client_conn *c = p;

	pthread_mutex_lock(&c->cl->mu);
	conn_unlink(c->cl, c);
	pthread_mutex_unlock(&c->cl->mu);
	curl_easy_cleanup(c->easy);
	free(c);
}

static struct client_conn *
conn_get(struct client *cl)
{
	struct client_conn *c;

	c = pthread_getspecific(cl->key);
	if (c != NULL)
		return c;
	c = ck_calloc(1, sizeof(*c));
	c->cl = cl;
	c->easy = curl_easy_init();
	if (c->easy == NULL)
		fatalx("client: curl_easy_init failed");
	pthread_mutex_lock(&cl->mu);
	c->next = cl->conns;
	if (cl->conns != NULL)
		cl->conns->prev = c;
	cl->conns = c;
	pthread_mutex_unlock(&cl->mu);
	if (pthread_setspecific(cl->key, c) != 0)
		fatalx("client: pthread_setspecific failed");
	return c;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? ck_strdup(s) : NULL;
}

static char *
dup_bytes(const char *p, size_t len)
{
	char *d;

	if (p == NULL)
		return NULL;
	d = ck_malloc(len + 1);
	memcpy(d, p, len);
	d[len] = '\0';
	return d;
}

int
client_new(const struct kubeconfig *kc, const struct client_options *opt,
    struct client **out, struct ck_status *st)
{
	struct client *cl;
	pthread_condattr_t ca;
	const char *server;
	size_t n;

	*out = NULL;
	server = kc != NULL ? kc->server : NULL;
	if (server == NULL || server[0] == '\0')
		return ck_status_set(st, CK_EINVALID, "client: no server URL");
	if (strstr(server, "://") != NULL &&
	    !ck_str_has_prefix(server, "http://") &&
	    !ck_str_has_prefix(server, "https://"))
		return ck_status_set(st, CK_EINVALID, "client: server URL "
		    "\"%.200s\" is neither http nor https", server);
	pthread_once(&global_once, global_init);
	cl = ck_calloc(1, sizeof(*cl));
	/* A bare host:port means plain HTTP (`--master=127.0.0.1:8080`). */
	if (strstr(server, "://") == NULL)
		cl->server = ck_asprintf("http://%s", server);
	else
		cl->server = ck_strdup(server);
	n = strlen(cl->server);
	while (n > 0 && cl->server[n - 1] == '/')
		cl->server[--n] = '\0';
	if (kc->token != NULL && kc->token[0] != '\0')
		cl->auth_header = ck_asprintf("Authorization: Bearer %s",
		    kc->token);
	cl->ca_file = dup_or_null(kc->ca_file);
	cl->ca_data = dup_bytes(kc->ca_data, kc->ca_data_len);
	cl->ca_data_len = kc->ca_data_len;
	cl->cert_file = dup_or_null(kc->cert_file);
	cl->cert_data = dup_bytes(kc->cert_data, kc->cert_data_len);
	cl->cert_data_len = kc->cert_data_len;
	cl->key_file = dup_or_null(kc->key_file);
	cl->key_data = dup_bytes(kc->key_data, kc->key_data_len);
	cl->key_data_len = kc->key_data_len;
	cl->insecure = kc->insecure_skip_tls_verify;
	if (opt != NULL)
		cl->opt = *opt;
	if (cl->opt.max_attempts <= 0)
		cl->opt.max_attempts = 5;
	if (cl->opt.backoff_initial_ms <= 0)
		cl->opt.backoff_initial_ms = 100;
	if (cl->opt.backoff_max_ms <= 0)
		cl->opt.backoff_max_ms = 5000;
	if (cl->opt.timeout_ms <= 0)
		cl->opt.timeout_ms = 30000;
	if (cl->opt.connect_timeout_ms <= 0)
		cl->opt.connect_timeout_ms = 10000;
	if (cl->opt.watch_idle_s <= 0)
		cl->opt.watch_idle_s = 90;
	cl->user_agent = ck_strdup(cl->opt.user_agent != NULL ?
	    cl->opt.user_agent : "ckube/0.1");
	cl->opt.user_agent = cl->user_agent;
	if (pthread_key_create(&cl->key, conn_destroy) != 0)
		fatalx("client: pthread_key_create failed");
	pthread_mutex_init(&cl->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cl->cv, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&cl->shutdown, 0);
	*out = cl;
	return 0;
}

int
client_new_from_flags(const char *kubeconfig_path, const char *master,
    const struct client_options *opt, struct client **out, struct ck_status *st)
{
	struct kubeconfig *kc = NULL;
	int rc;

	*out = NULL;
	rc = kubeconfig_load(kubeconfig_path, master, &kc, st);
	if (rc == 0)
		rc = client_new(kc, opt, out, st);
	kubeconfig_free(kc);
	return rc;
}

void
client_free(struct client *cl)
{
	struct client_conn *c, *next;

	if (cl == NULL)
		return;
	/* The calling thread's destructor would not run after key_delete. */
	pthread_setspecific(cl->key, NULL);
	pthread_key_delete(cl->key);
	for (c = cl->conns; c != NULL; c = next) {
		next = c->next;
		curl_easy_cleanup(c->easy);
		free(c);
	}
	pthread_cond_destroy(&cl->cv);
	pthread_mutex_destroy(&cl->mu);
	free(cl->server);
	free(cl->auth_header);
	free(cl->ca_file);
	free(cl->ca_data);
	free(cl->cert_file);
	free(cl->cert_data);
	free(cl->key_file);
	free(cl->key_data);
	free(cl->user_agent);
	free(cl);
}

void
client_shutdown(struct client *cl)
{
	pthread_mutex_lock(&cl->mu);
	atomic_store(&cl->shutdown, 1);
	pthread_cond_broadcast(&cl->cv);
	pthread_mutex_unlock(&cl->mu);
}

const char *
client_server(const struct client *cl)
{
	return cl->server;
}

long
client_thread_connects(struct client *cl)
{
	struct client_conn *c = pthread_getspecific(cl->key);

	return c != NULL ? c->connects : 0;
}

/* ---- one HTTP exchange ---- */

struct reply {
	struct strbuf	 body;
	long		 retry_after_s;	/* from Retry-After, -1 if none */
	int		 too_big;
};

static size_t
reply_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct reply *r = arg;
	size_t n = size * nmemb;

	if (r->body.len + n > CLIENT_MAX_REPLY) {
		r->too_big = 1;
		return 0;
	}
	strbuf_add(&r->body, ptr, n);
	return n;
}

static size_t
reply_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	static const char name[] = "retry-after:";
	struct reply *r = arg;
	size_t n = size * nmemb, i;
	int64_t v;
	char num[24];
	size_t k = 0;

	if (n > sizeof(name) - 1 &&
	    strncasecmp(ptr, name, sizeof(name) - 1) == 0) {
		for (i = sizeof(name) - 1; i < n && k < sizeof(num) - 1; i++)
			if (!isspace((unsigned char)ptr[i]))
				num[k++] = ptr[i];
		num[k] = '\0';
		/* An HTTP date instead of seconds is ignored. */
		if (ck_parse_int64(num, &v) == 0 && v >= 0)
			r->retry_after_s = v > 86400 ? 86400 : (long)v;
	}
	return n;
}

static struct curl_slist *
slist_add(struct curl_slist *l, const char *s)
{
	struct curl_slist *n = curl_slist_append(l, s);

	if (n == NULL)
		fatalx("client: out of memory (curl_slist_append)");
	return n;
}

static int
progress_cb(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
    curl_off_t ulnow)
{
	struct client *cl = arg;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return atomic_load(&cl->shutdown) ? 1 : 0;
}

/* The options every request shares: TLS, identity, signals, shutdown. */
void
client_setup_common(struct client *cl, CURL *e, char *errbuf)
{
	struct curl_blob blob;

	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, cl->user_agent);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    cl->opt.connect_timeout_ms);
	curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, progress_cb);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, cl);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	if (cl->ca_file != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, cl->ca_file);
	if (cl->ca_data != NULL) {
		blob.data = cl->ca_data;
		blob.len = cl->ca_data_len;
		blob.flags = CURL_BLOB_NOCOPY;
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &blob);
	}
	if (cl->cert_file != NULL)
		curl_easy_setopt(e, CURLOPT_SSLCERT, cl->cert_file);
	if (cl->cert_data != NULL) {
		blob.data = cl->cert_data;
		blob.len = cl->cert_data_len;
		blob.flags = CURL_BLOB_NOCOPY;
		curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &blob);
		curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
	}
	if (cl->key_file != NULL)
		curl_easy_setopt(e, CURLOPT_SSLKEY, cl->key_file);
	if (cl->key_data != NULL) {
		blob.data = cl->key_data;
		blob.len = cl->key_data_len;
		blob.flags = CURL_BLOB_NOCOPY;
		curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &blob);
		curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (cl->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

struct curl_slist *
client_common_headers(struct client *cl, const char *content_type)
{
	struct curl_slist *h = NULL;
	char line[128];

	h = slist_add(h, "Accept: application/json");
	/* Never wait for "100 Continue" before sending a large body. */
	h = slist_add(h, "Expect:");
	if (content_type != NULL) {
		snprintf(line, sizeof(line), "Content-Type: %s", content_type);
		h = slist_add(h, line);
	}
	if (cl->auth_header != NULL)
		h = slist_add(h, cl->auth_header);
	return h;
}

int
client_curl_err(CURLcode cc)
{
	switch (cc) {
	case CURLE_OPERATION_TIMEDOUT:
		return CK_ETIMEDOUT;
	case CURLE_ABORTED_BY_CALLBACK:
		return CK_ESHUTDOWN;
	default:
		return CK_EIO;
	}
}

/* Errors where the request surely never reached the server. */
static int
curl_unsent(CURLcode cc)
{
	return cc == CURLE_COULDNT_CONNECT ||
	    cc == CURLE_COULDNT_RESOLVE_HOST ||
	    cc == CURLE_COULDNT_RESOLVE_PROXY;
}

/*
 * One exchange on the thread's handle. Returns the curl code; *code is the
 * HTTP status (0 if none came).
 */
static CURLcode
perform_once(struct client *cl, struct client_conn *c, const struct request *rq,
    const char *url, struct reply *r, long *code, char *errbuf)
{
	struct curl_slist *h;
	CURL *e = c->easy;
	CURLcode cc;
	long nc = 0;

	/* reset keeps the live connections; every option is set anew. */
	curl_easy_reset(e);
	errbuf[0] = '\0';
	client_setup_common(cl, e, errbuf);
	h = client_common_headers(cl,
	    rq->body != NULL ? rq->content_type : NULL);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, cl->opt.timeout_ms);
	if (rq->body != NULL) {
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)rq->body_len);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body);
	}
	if (strcmp(rq->method, "GET") == 0)
		curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
	else if (strcmp(rq->method, "POST") != 0 || rq->body == NULL)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, rq->method);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, reply_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, reply_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	cc = curl_easy_perform(e);
	*code = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, code);
	if (curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &nc) == CURLE_OK)
		c->connects += nc;
	/* The list is referenced by the handle until the next reset. */
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(h);
	return cc;
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms, or less if client_shutdown is called. Returns CK_ESHUTDOWN then. */
static int
backoff_wait(struct client *cl, long ms)
{
	struct timespec ts;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&cl->mu);
	while (!atomic_load(&cl->shutdown))
		if (pthread_cond_timedwait(&cl->cv, &cl->mu, &ts) != 0)
			break;
	if (atomic_load(&cl->shutdown))
		rc = CK_ESHUTDOWN;
	pthread_mutex_unlock(&cl->mu);
	return rc;
}

/*
 * Run rq with retries. On 2xx, *out (if out is not NULL) gets the parsed
 * body (NULL for an empty body). Otherwise the decoded error.
 */
static int
do_request(struct client *cl, const struct request *rq, cJSON **out,
    struct ck_status *st)
{
	struct client_conn *c;
	struct reply r;
	char errbuf[CURL_ERROR_SIZE];
	char *url;
	long code, wait_ms, t0;
	CURLcode cc;
	int attempt, rc, retry;

	if (out != NULL)
		*out = NULL;
	ck_status_clear(st);
	c = conn_get(cl);
	url = ck_asprintf("%s%s", cl->server, rq->path);
	strbuf_init(&r.body);
	for (attempt = 1;; attempt++) {
		if (atomic_load(&cl->shutdown)) {
			rc = ck_status_set(st, CK_ESHUTDOWN,
			    "client: shutting down");
			break;
		}
		strbuf_reset(&r.body);
		r.retry_after_s = -1;
		r.too_big = 0;
		t0 = now_ms();
		cc = perform_once(cl, c, rq, url, &r, &code, errbuf);
		log_v(6, "client: %s %s -> %ld (%ld ms)", rq->method, url, code,
		    now_ms() - t0);
		if (cc == CURLE_OK && code >= 200 && code < 300) {
			ck_status_clear(st);	/* forget failed attempts */
			rc = 0;
			break;
		}
		if (cc != CURLE_OK) {
			if (r.too_big) {
				rc = ck_status_set(st, CK_ETOOBIG,
				    "client: %s: reply larger than %u bytes",
				    rq->what, CLIENT_MAX_REPLY);
				break;
			}
			rc = client_curl_err(cc);
			retry = rc != CK_ESHUTDOWN &&
			    (rq->retry == RETRY_IDEMPOTENT || curl_unsent(cc));
			ck_status_set(st, rc, "client: %s %s: %s%s", rq->method,
			    url, errbuf[0] != '\0' ? errbuf :
			    curl_easy_strerror(cc),
			    rq->retry == RETRY_UNSENT && !curl_unsent(cc) ?
			    " (the server may have acted on the request)" : "");
		} else {
			rc = client_status_decode(code, r.body.buf, r.body.len,
			    rq->what, st);
			retry = code == 429 ||
			    (code >= 500 && rq->retry == RETRY_IDEMPOTENT);
		}
		if (!retry || attempt >= cl->opt.max_attempts)
			break;
		wait_ms = (long)cl->opt.backoff_initial_ms <<
		    (attempt - 1 < 20 ? attempt - 1 : 20);
		if (r.retry_after_s >= 0 && r.retry_after_s * 1000 > wait_ms)
			wait_ms = r.retry_after_s * 1000;
		if (wait_ms > cl->opt.backoff_max_ms)
			wait_ms = cl->opt.backoff_max_ms;
		log_v(4, "client: %s %s: %s; retry %d/%d in %ld ms", rq->method,
		    url, st != NULL ? st->message : ck_strerror(rc), attempt,
		    cl->opt.max_attempts - 1, wait_ms);
		if (backoff_wait(cl, wait_ms) < 0) {
			rc = ck_status_set(st, CK_ESHUTDOWN,
			    "client: shutting down");
			break;
		}
	}
	if (rc == 0 && out != NULL && r.body.len > 0) {
		*out = cJSON_ParseWithLength(r.body.buf, r.body.len);
		if (*out == NULL)
			rc = ck_status_set(st, CK_EIO,
			    "client: %s: the reply is not JSON", rq->what);
	}
	strbuf_fini(&r.body);
	free(url);
	return rc;
}

/* ---- verbs ---- */

static char *
print_json(const cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);

	if (s == NULL)
		fatalx("client: out of memory (cJSON_PrintUnformatted)");
	return s;
}

static const char *
gvr_group(const struct client_gvr *gvr)
{
	return gvr->group != NULL ? gvr->group : "";
}

/* "get pods web-0" / "list deployments.apps" for messages. */
void
client_what_of(char *buf, size_t size, const char *verb,
    const struct client_gvr *gvr, const char *name)
{
	const char *g = gvr != NULL ? gvr_group(gvr) : "";

	snprintf(buf, size, "%s %s%s%s%s%s", verb,
	    gvr != NULL && gvr->resource != NULL ? gvr->resource : "?",
	    g[0] != '\0' ? "." : "", g, name != NULL ? " " : "",
	    name != NULL ? name : "");
}

int
client_get(struct client *cl, const struct client_gvr *gvr, const char *ns,
    const char *name, cJSON **out, struct ck_status *st)
{
	struct request rq = { .method = "GET", .retry = RETRY_IDEMPOTENT };
	char path[CLIENT_PATH_MAX], what[256];
	int rc;

	*out = NULL;
	if (name == NULL)
		return ck_status_set(st, CK_EINVALID,
		    "client: get without a name");
	rc = client_path(path, sizeof(path), gvr, ns, name, NULL, st);
	if (rc < 0)
		return rc;
	client_what_of(what, sizeof(what), "get", gvr, name);
	rq.path = path;
	rq.what = what;
	rc = do_request(cl, &rq, out, st);
	if (rc == 0 && *out == NULL)
		rc = ck_status_set(st, CK_EIO, "client: %s: empty reply", what);
	return rc;
}

int
client_get_path(struct client *cl, const char *path, cJSON **out,
    struct ck_status *st)
{
	struct request rq = { .method = "GET", .retry = RETRY_IDEMPOTENT };
	char what[CLIENT_PATH_MAX + 8];
	int rc;

	*out = NULL;
	if (path == NULL || path[0] != '/' ||
	    strlen(path) >= CLIENT_PATH_MAX)
		return ck_status_set(st, CK_EINVALID,
		    "client: bad path for get");
	snprintf(what, sizeof(what), "get %s", path);
	rq.path = path;
	rq.what = what;
	rc = do_request(cl, &rq, out, st);
	if (rc == 0 && *out == NULL)
		rc = ck_status_set(st, CK_EIO, "client: %s: empty reply", what);
	return rc;
}

static int
list_query(char *path, size_t size, const struct client_list_opts *o,
    struct ck_status *st)
{
	char num[24];
	int rc = 0;

	if (o == NULL)
		return 0;
	if (o->label_selector != NULL && o->label_selector[0] != '\0')
		rc |= client_query_add(path, size, "labelSelector",
		    o->label_selector);
	if (o->field_selector != NULL && o->field_selector[0] != '\0')
		rc |= client_query_add(path, size, "fieldSelector",
		    o->field_selector);
	if (o->limit > 0) {
		snprintf(num, sizeof(num), "%ld", o->limit);
		rc |= client_query_add(path, size, "limit", num);
	}
	if (o->continue_token != NULL && o->continue_token[0] != '\0')
		rc |= client_query_add(path, size, "continue",
		    o->continue_token);
	else if (o->resource_version != NULL && o->resource_version[0] != '\0')
		rc |= client_query_add(path, size, "resourceVersion",
		    o->resource_version);
	if (rc != 0)
		return ck_status_set(st, CK_EINVALID, "client: query too long");
	return 0;
}

/*
 * List items come without kind and apiVersion; give them the list's
 * ("PodList" -> "Pod"), as client-go's decoder does, so each item stands
 * alone in a cache.
 */
static void
list_fill_kinds(const cJSON *doc, cJSON *items)
{
	const char *kind, *av;
	char item_kind[128];
	size_t n;
	cJSON *it;

	kind = client_json_str(doc, "kind");
	av = client_json_str(doc, "apiVersion");
	if (kind == NULL || av == NULL || !ck_str_has_suffix(kind, "List"))
		return;
	n = strlen(kind) - 4;
	if (n == 0 || n >= sizeof(item_kind))
		return;
	memcpy(item_kind, kind, n);
	item_kind[n] = '\0';
	cJSON_ArrayForEach(it, items) {
		if (!cJSON_IsObject(it))
			continue;
		if (cJSON_GetObjectItemCaseSensitive(it, "kind") == NULL &&
		    cJSON_AddStringToObject(it, "kind", item_kind) == NULL)
			fatalx("client: out of memory (cJSON)");
		if (cJSON_GetObjectItemCaseSensitive(it, "apiVersion") ==
		    NULL && cJSON_AddStringToObject(it, "apiVersion", av) ==
		    NULL)
			fatalx("client: out of memory (cJSON)");
	}
}

void
client_list_fini(struct client_list *list)
{
	if (list == NULL)
		return;
	cJSON_Delete(list->items);
	free(list->continue_token);
	memset(list, 0, sizeof(*list));
}

int
client_list(struct client *cl, const struct client_gvr *gvr, const char *ns,
    const struct client_list_opts *opts, struct client_list *list,
    struct ck_status *st)
{
	struct request rq = { .method = "GET", .retry = RETRY_IDEMPOTENT };
	char path[CLIENT_PATH_MAX], what[256];
	const cJSON *meta;
	const char *rv, *cont;
	cJSON *doc = NULL;
	int rc;

	memset(list, 0, sizeof(*list));
	rc = client_path(path, sizeof(path), gvr, ns, NULL, NULL, st);
	if (rc < 0)
		return rc;
	rc = list_query(path, sizeof(path), opts, st);
	if (rc < 0)
		return rc;
	client_what_of(what, sizeof(what), "list", gvr, NULL);
	rq.path = path;
	rq.what = what;
	rc = do_request(cl, &rq, &doc, st);
	if (rc < 0)
		goto out;
	if (!cJSON_IsObject(doc)) {
		rc = ck_status_set(st, CK_EIO,
		    "client: %s: the reply is not a list", what);
		goto out;
	}
	list->items = cJSON_DetachItemFromObjectCaseSensitive(doc, "items");
	if (cJSON_IsNull(list->items)) {
		cJSON_Delete(list->items);
		list->items = NULL;
	}
	if (list->items != NULL && !cJSON_IsArray(list->items)) {
		rc = ck_status_set(st, CK_EIO,
		    "client: %s: items is not an array", what);
		goto out;
	}
	if (list->items == NULL)
		list->items = cJSON_CreateArray();
	if (list->items == NULL)
		fatalx("client: out of memory (cJSON_CreateArray)");
	list_fill_kinds(doc, list->items);
	meta = cJSON_GetObjectItemCaseSensitive(doc, "metadata");
	rv = client_json_str(meta, "resourceVersion");
	cont = client_json_str(meta, "continue");
	if (rv != NULL && ck_strlcpy(list->resource_version, rv,
	    sizeof(list->resource_version)) >= sizeof(list->resource_version)) {
		rc = ck_status_set(st, CK_EIO,
		    "client: %s: resourceVersion too long", what);
		goto out;
	}
	if (cont != NULL && cont[0] != '\0')
		list->continue_token = ck_strdup(cont);
out:
	if (rc < 0)
		client_list_fini(list);
	cJSON_Delete(doc);
	return rc;
}

int
client_list_all(struct client *cl, const struct client_gvr *gvr, const char *ns,
    const struct client_list_opts *opts, struct client_list *list,
    struct ck_status *st)
{
	struct client_list_opts o = { 0 };
	struct client_list page;
	cJSON *item;
	int rc;

	if (opts != NULL)
		o = *opts;
	rc = client_list(cl, gvr, ns, &o, list, st);
	while (rc == 0 && list->continue_token != NULL) {
		o.continue_token = list->continue_token;
		rc = client_list(cl, gvr, ns, &o, &page, st);
		if (rc < 0)
			break;
		while ((item = cJSON_DetachItemFromArray(page.items, 0)) !=
		    NULL)
			cJSON_AddItemToArray(list->items, item);
		free(list->continue_token);
		list->continue_token = page.continue_token;
		page.continue_token = NULL;
		client_list_fini(&page);
	}
	if (rc < 0)
		client_list_fini(list);
	return rc;
}

const char *
client_patch_content_type(enum client_patch_type type)
{
	switch (type) {
	case CLIENT_PATCH_JSON:
		return "application/json-patch+json";
	case CLIENT_PATCH_STRATEGIC:
		return "application/strategic-merge-patch+json";
	case CLIENT_PATCH_MERGE:
	default:
		return "application/merge-patch+json";
	}
}

/* POST or PUT a whole object to the path its apiVersion/kind/metadata give. */
static int
send_object(struct client *cl, const char *method, const char *subresource,
    const cJSON *obj, cJSON **out, struct ck_status *st)
{
	struct request rq = { .method = method,
	    .content_type = "application/json" };
	struct client_gvr gvr;
	char group[128], version[64], resource[128];
	char path[CLIENT_PATH_MAX], what[256];
	const cJSON *meta;
	const char *ns, *name, *rv;
	char *body = NULL;
	int rc, is_put = strcmp(method, "PUT") == 0;

	if (out != NULL)
		*out = NULL;
	rc = client_gvr_of(obj, group, sizeof(group), version, sizeof(version),
	    resource, sizeof(resource), st);
	if (rc < 0)
		return rc;
	gvr.group = group;
	gvr.version = version;
	gvr.resource = resource;
	meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	ns = client_json_str(meta, "namespace");
	if (ns != NULL && ns[0] == '\0')
		ns = NULL;
	name = client_json_str(meta, "name");
	rv = client_json_str(meta, "resourceVersion");
	if (is_put && (name == NULL || name[0] == '\0'))
		return ck_status_set(st, CK_EINVALID,
		    "client: update of %s without metadata.name", resource);
	rc = client_path(path, sizeof(path), &gvr, ns, is_put ? name : NULL,
	    is_put ? subresource : NULL, st);
	if (rc < 0)
		return rc;
	client_what_of(what, sizeof(what), is_put ? "update" : "create", &gvr,
	    name != NULL && name[0] != '\0' ? name : NULL);
	/* A conditional PUT cannot apply twice; a blind one might clobber. */
	rq.retry = is_put && rv != NULL && rv[0] != '\0' ? RETRY_IDEMPOTENT :
	    RETRY_UNSENT;
	body = print_json(obj);
	rq.path = path;
	rq.what = what;
	rq.body = body;
	rq.body_len = strlen(body);
	rc = do_request(cl, &rq, out, st);
	cJSON_free(body);
	return rc;
}

int
client_create(struct client *cl, const cJSON *obj, cJSON **out,
    struct ck_status *st)
{
	return send_object(cl, "POST", NULL, obj, out, st);
}

int
client_update(struct client *cl, const cJSON *obj, cJSON **out,
    struct ck_status *st)
{
	return send_object(cl, "PUT", NULL, obj, out, st);
}

int
client_update_status(struct client *cl, const cJSON *obj, cJSON **out,
    struct ck_status *st)
{
	return send_object(cl, "PUT", "status", obj, out, st);
}

int
client_update_subresource(struct client *cl, const char *subresource,
    const cJSON *obj, cJSON **out, struct ck_status *st)
{
	return send_object(cl, "PUT", subresource, obj, out, st);
}

int
client_patch(struct client *cl, const struct client_gvr *gvr, const char *ns,
    const char *name, const char *subresource, enum client_patch_type type,
    const cJSON *patch, cJSON **out, struct ck_status *st)
{
	struct request rq = { .method = "PATCH", .retry = RETRY_UNSENT };
	char path[CLIENT_PATH_MAX], what[256];
	char *body;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (name == NULL)
		return ck_status_set(st, CK_EINVALID,
		    "client: patch without a name");
	if (patch == NULL || (type == CLIENT_PATCH_JSON ?
	    !cJSON_IsArray(patch) : !cJSON_IsObject(patch)))
		return ck_status_set(st, CK_EINVALID,
		    "client: a %s patch must be %s",
		    type == CLIENT_PATCH_JSON ? "JSON" : "merge",
		    type == CLIENT_PATCH_JSON ? "an array" : "an object");
	rc = client_path(path, sizeof(path), gvr, ns, name, subresource, st);
	if (rc < 0)
		return rc;
	client_what_of(what, sizeof(what), "patch", gvr, name);
	body = print_json(patch);
	rq.path = path;
	rq.what = what;
	rq.body = body;
	rq.body_len = strlen(body);
	rq.content_type = client_patch_content_type(type);
	rc = do_request(cl, &rq, out, st);
	cJSON_free(body);
	return rc;
}

static void
add_str(cJSON *obj, const char *name, const char *value)
{
	if (cJSON_AddStringToObject(obj, name, value) == NULL)
		fatalx("client: out of memory (cJSON)");
}

static char *
delete_body(const struct client_delete_opts *o)
{
	cJSON *d, *pre;
	char *s;

	d = cJSON_CreateObject();
	if (d == NULL)
		fatalx("client: out of memory (cJSON)");
	add_str(d, "kind", "DeleteOptions");
	add_str(d, "apiVersion", "v1");
	if (o->propagation_policy != NULL)
		add_str(d, "propagationPolicy", o->propagation_policy);
	if (o->grace_period_seconds >= 0 &&
	    cJSON_AddNumberToObject(d, "gracePeriodSeconds",
	    (double)o->grace_period_seconds) == NULL)
		fatalx("client: out of memory (cJSON)");
	if (o->precondition_uid != NULL || o->precondition_rv != NULL) {
		pre = cJSON_AddObjectToObject(d, "preconditions");
		if (pre == NULL)
			fatalx("client: out of memory (cJSON)");
		if (o->precondition_uid != NULL)
			add_str(pre, "uid", o->precondition_uid);
		if (o->precondition_rv != NULL)
			add_str(pre, "resourceVersion", o->precondition_rv);
	}
	s = print_json(d);
	cJSON_Delete(d);
	return s;
}

int
client_delete(struct client *cl, const struct client_gvr *gvr, const char *ns,
    const char *name, const struct client_delete_opts *opts, cJSON **out,
    struct ck_status *st)
{
	struct request rq = { .method = "DELETE", .retry = RETRY_IDEMPOTENT };
	char path[CLIENT_PATH_MAX], what[256];
	char *body = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (name == NULL)
		return ck_status_set(st, CK_EINVALID,
		    "client: delete without a name");
	rc = client_path(path, sizeof(path), gvr, ns, name, NULL, st);
	if (rc < 0)
		return rc;
	client_what_of(what, sizeof(what), "delete", gvr, name);
	rq.path = path;
	rq.what = what;
	if (opts != NULL) {
		body = delete_body(opts);
		rq.body = body;
		rq.body_len = strlen(body);
		rq.content_type = "application/json";
	}
	rc = do_request(cl, &rq, out, st);
	cJSON_free(body);
	return rc;
}

int
client_create_subresource(struct client *cl, const struct client_gvr *gvr,
    const char *ns, const char *name, const char *subresource, const cJSON *obj,
    cJSON **out, struct ck_status *st)
{
	struct request rq = { .method = "POST", .retry = RETRY_UNSENT,
	    .content_type = "application/json" };
	char path[CLIENT_PATH_MAX], what[256];
	char *body;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (name == NULL || subresource == NULL || obj == NULL)
		return ck_status_set(st, CK_EINVALID,
		    "client: subresource create needs a name, a subresource "
		    "and an object");
	rc = client_path(path, sizeof(path), gvr, ns, name, subresource, st);
	if (rc < 0)
		return rc;
	client_what_of(what, sizeof(what), "create", gvr, name);
	body = print_json(obj);
	rq.path = path;
	rq.what = what;
	rq.body = body;
	rq.body_len = strlen(body);
	rc = do_request(cl, &rq, out, st);
	cJSON_free(body);
	return rc;
}
