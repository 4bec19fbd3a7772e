/*
 * httpd.c: libmicrohttpd glue for the per-daemon health/metrics server
 * (httpd.h). Requests are answered on the second access-handler call, never
 * the first, or MHD 0.9.75 closes the connection after every response and
 * keep-alive is lost. Handlers get whole bodies, collected up to max_body.
 * A streamed response (resp->stream) whose source has nothing to send
 * suspends its connection; a small resumer thread wakes the suspended ones
 * every 100 ms, so a slow stream never blocks the server thread.
 */
#include "ckube/httpd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/metrics.h"

#define HTTPD_DEFAULT_MAX_BODY	(1024 * 1024)
#define HTTPD_TEXT		"text/plain; charset=utf-8"
#define HTTPD_STREAM_BLOCK	16384
#define HTTPD_RESUME_MS		100

struct stream;

struct httpd {
	struct MHD_Daemon	*mhd;
	const struct httpd_route *routes;
	size_t			 nroutes;
	size_t			 max_body;
	int			 port;
	atomic_int		 ready;
	/* Streams whose connection sleeps, woken by the resumer thread. */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cond;
	struct stream		*sleeping;
	bool			 stopping;
	bool			 resumer_started;
	pthread_t		 resumer;
};

/* A streamed response: the preset body first, then the source. */
struct stream {
	struct httpd		*h;
	struct MHD_Connection	*c;
	char			*head;
	size_t			 head_len, head_off;
	httpd_stream_fn		 fn;
	void			*arg;
	void			(*free_fn)(void *arg);
	struct stream		*next;	/* in h->sleeping */
	bool			 asleep;
};

/* Per-request state, from the first handler call to NOTIFY_COMPLETED. */
struct conn {
	struct strbuf	 body;
	int		 too_big;
};

static void
builtin_healthz(const struct httpd_request *req, struct httpd_response *resp,
    void *arg)
{
	(void)req;
	(void)arg;
	strbuf_adds(&resp->body, "ok");
}

static void
builtin_readyz(const struct httpd_request *req, struct httpd_response *resp,
    void *arg)
{
	struct httpd *h = arg;

	(void)req;
	if (atomic_load(&h->ready)) {
		strbuf_adds(&resp->body, "ok");
	} else {
		resp->status = 503;
		strbuf_adds(&resp->body, "not ready");
	}
}

static void
builtin_metrics(const struct httpd_request *req, struct httpd_response *resp,
    void *arg)
{
	(void)req;
	(void)arg;
	resp->content_type = METRICS_CONTENT_TYPE;
	metrics_render(&resp->body);
}

static const struct httpd_route builtin_routes[] = {
	{ "GET", "/healthz", builtin_healthz, NULL },
	{ "GET", "/readyz", builtin_readyz, NULL },
	{ "GET", "/metrics", builtin_metrics, NULL },
};

static int
method_matches(const char *want, const char *method)
{
	return want == NULL || strcmp(want, method) == 0 ||
	    (strcmp(want, "GET") == 0 && strcmp(method, "HEAD") == 0);
}

/* Exact, or a prefix when the route ends in a slash and a star. */
static int
path_matches(const char *route, const char *path)
{
	size_t n = strlen(route);

	if (n >= 2 && route[n - 1] == '*' && route[n - 2] == '/')
		return strncmp(route, path, n - 1) == 0;
	return strcmp(route, path) == 0;
}

/*
 * Find the route for (method, path): *path_known tells a 405 from a 404.
 * *arg gets the route's arg (the server itself for built-ins).
 */
static httpd_handler_fn
find_route(struct httpd *h, const char *method, const char *path,
    int *path_known, void **arg)
{
	size_t i;

	*path_known = 0;
	for (i = 0; i < h->nroutes; i++) {
		if (!path_matches(h->routes[i].path, path))
			continue;
		*path_known = 1;
		if (method_matches(h->routes[i].method, method)) {
			*arg = h->routes[i].arg;
			return h->routes[i].fn;
		}
	}
	for (i = 0; i < ARRAY_SIZE(builtin_routes); i++) {
		if (strcmp(builtin_routes[i].path, path) != 0)
			continue;
		*path_known = 1;
		if (method_matches(builtin_routes[i].method, method)) {
			*arg = h;
			return builtin_routes[i].fn;
		}
	}
	return NULL;
}

static enum MHD_Result
send_response(struct MHD_Connection *c, struct httpd_response *resp)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t len;
	char *body;

	body = strbuf_detach(&resp->body, &len);
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    resp->content_type ? resp->content_type : HTTPD_TEXT);
	ret = MHD_queue_response(c, (unsigned int)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	struct httpd *h = s->h;
	size_t n;
	long got;

	(void)pos;
	if (s->head_off < s->head_len) {
		n = s->head_len - s->head_off;
		if (n > max)
			n = max;
		memcpy(buf, s->head + s->head_off, n);
		s->head_off += n;
		return (ssize_t)n;
	}
	pthread_mutex_lock(&h->mu);
	if (h->stopping) {
		pthread_mutex_unlock(&h->mu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	pthread_mutex_unlock(&h->mu);
	got = s->fn(s->arg, buf, max);
	if (got < 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (got > 0)
		return (ssize_t)got;
	/* Nothing yet: sleep until the resumer's next round. */
	pthread_mutex_lock(&h->mu);
	if (h->stopping) {
		pthread_mutex_unlock(&h->mu);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	s->asleep = true;
	s->next = h->sleeping;
	if (h->sleeping == NULL)	/* the resumer waits for a first one */
		pthread_cond_signal(&h->cond);
	h->sleeping = s;
	MHD_suspend_connection(s->c);
	pthread_mutex_unlock(&h->mu);
	return 0;
}

static void
stream_free(void *cls)
{
	struct stream *s = cls;

	if (s->free_fn != NULL)
		s->free_fn(s->arg);
	free(s->head);
	free(s);
}

/* Wake every sleeping stream (all of them at once when stopping). */
static void *
resumer_main(void *arg)
{
	struct httpd *h = arg;
	struct stream *s;
	struct timespec ts;

	pthread_mutex_lock(&h->mu);
	while (!h->stopping) {
		if (h->sleeping == NULL) {
			pthread_cond_wait(&h->cond, &h->mu);
			continue;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += HTTPD_RESUME_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		(void)pthread_cond_timedwait(&h->cond, &h->mu, &ts);
		if (h->stopping)
			break;
		while ((s = h->sleeping) != NULL) {
			h->sleeping = s->next;
			s->asleep = false;
			MHD_resume_connection(s->c);
		}
	}
	while ((s = h->sleeping) != NULL) {
		h->sleeping = s->next;
		s->asleep = false;
		MHD_resume_connection(s->c);
	}
	pthread_mutex_unlock(&h->mu);
	return NULL;
}

static enum MHD_Result
send_stream(struct httpd *h, struct MHD_Connection *c,
    struct httpd_response *resp)
{
	struct MHD_Response *r;
	struct stream *s;
	enum MHD_Result ret;

	s = ck_calloc(1, sizeof(*s));
	s->h = h;
	s->c = c;
	s->head = strbuf_detach(&resp->body, &s->head_len);
	s->fn = resp->stream;
	s->arg = resp->stream_arg;
	s->free_fn = resp->stream_free;
	pthread_mutex_lock(&h->mu);
	if (!h->resumer_started && !h->stopping &&
	    pthread_create(&h->resumer, NULL, resumer_main, h) == 0)
		h->resumer_started = true;
	pthread_mutex_unlock(&h->mu);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
	    HTTPD_STREAM_BLOCK, stream_read, s, stream_free);
	if (r == NULL) {
		stream_free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	    resp->content_type ? resp->content_type : HTTPD_TEXT);
	ret = MHD_queue_response(c, (unsigned int)resp->status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	struct httpd *h = cls;
	struct conn *cs = *con_cls;
	struct httpd_request req;
	struct httpd_response resp;
	httpd_handler_fn fn;
	int known;
	enum MHD_Result ret;
	void *arg = NULL;

	(void)version;
	if (cs == NULL) {
		/* first call: headers only; answering now would lose keep-alive */
		cs = ck_calloc(1, sizeof(*cs));
		*con_cls = cs;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (cs->body.len + *upload_data_size > h->max_body)
			cs->too_big = 1;	/* keep reading, answer 413 at the end */
		else
			strbuf_add(&cs->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}

	memset(&resp, 0, sizeof(resp));
	resp.status = 200;
	resp.content_type = HTTPD_TEXT;
	if (cs->too_big) {
		resp.status = 413;
		strbuf_addf(&resp.body, "request body larger than %zu bytes",
		    h->max_body);
		return send_response(c, &resp);
	}
	fn = find_route(h, method, url, &known, &arg);
	if (fn == NULL) {
		resp.status = known ? 405 : 404;
		strbuf_adds(&resp.body, known ? "method not allowed" :
		    "404 page not found");
		return send_response(c, &resp);
	}
	req.method = method;
	req.path = url;
	req.body = strbuf_str(&cs->body);
	req.body_len = cs->body.len;
	req.conn = c;
	fn(&req, &resp, arg);
	if (resp.upgrade != NULL) {
		ret = httpd_queue_upgrade(c, strbuf_str(&resp.body),
		    resp.upgrade, resp.upgrade_arg, resp.upgrade_free);
		strbuf_fini(&resp.body);
		return ret;
	}
	if (resp.stream != NULL)
		return send_stream(h, c, &resp);
	return send_response(c, &resp);
}

static void
request_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *cs = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (cs == NULL)
		return;
	strbuf_fini(&cs->body);
	free(cs);
	*con_cls = NULL;
}

static void
mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char buf[512];
	size_t n;

	(void)cls;
	if (log_verbosity < 2)
		return;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_v(2, "httpd: %s", buf);
}

int
httpd_write_port_file(const char *path, int port)
{
	char tmp[4096], text[16];
	int fd, n, rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp))
		return CK_EINVALID;
	n = snprintf(text, sizeof(text), "%d\n", port);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("port file %s: %s", tmp, strerror(errno));
		return CK_EIO;
	}
	if (write(fd, text, (size_t)n) != n || fsync(fd) < 0)
		rc = CK_EIO;
	if (close(fd) < 0)
		rc = CK_EIO;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = CK_EIO;
	if (rc < 0) {
		log_error("writing port file %s: %s", path, strerror(errno));
		unlink(tmp);
	}
	return rc;
}

int
httpd_start(const struct httpd_config *cfg, struct httpd **out)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	const char *addr = cfg->bind_address ? cfg->bind_address : "0.0.0.0";
	const union MHD_DaemonInfo *info;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	    MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE;
	struct httpd *h;
	int rc;

	*out = NULL;
	if (cfg->port < 0 || cfg->port > 65535) {
		log_error("httpd: bad port %d", cfg->port);
		return CK_EINVALID;
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)cfg->port);
	} else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)cfg->port);
		flags |= MHD_USE_IPv6;
	} else {
		log_error("httpd: bad bind address \"%s\"", addr);
		return CK_EINVALID;
	}

	h = ck_calloc(1, sizeof(*h));
	h->routes = cfg->routes;
	h->nroutes = cfg->routes ? cfg->nroutes : 0;
	h->max_body = cfg->max_body ? cfg->max_body : HTTPD_DEFAULT_MAX_BODY;
	atomic_init(&h->ready, 0);
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cond, NULL);
	h->mhd = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL,
	    access_handler, h,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_NOTIFY_COMPLETED, request_completed, h,
	    MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, h,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
	    MHD_OPTION_END);
	if (h->mhd == NULL) {
		log_error("httpd: cannot listen on %s:%d: %s", addr, cfg->port,
		    httpd_listen_error(addr, cfg->port));
		pthread_mutex_destroy(&h->mu);
		pthread_cond_destroy(&h->cond);
		free(h);
		return CK_EIO;
	}
	info = MHD_get_daemon_info(h->mhd, MHD_DAEMON_INFO_BIND_PORT);
	h->port = info != NULL ? info->port : cfg->port;
	if (cfg->port_file != NULL) {
		rc = httpd_write_port_file(cfg->port_file, h->port);
		if (rc < 0) {
			httpd_stop(h);
			return rc;
		}
	}
	log_v(1, "httpd: listening on %s port %d", addr, h->port);
	*out = h;
	return 0;
}

int
httpd_port(const struct httpd *h)
{
	return h->port;
}

void
httpd_set_ready(struct httpd *h, int ready)
{
	atomic_store(&h->ready, ready ? 1 : 0);
}

const char *
httpd_header(const struct httpd_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

struct query_all {
	const char	*key;
	const char	**out;
	size_t		 max, n;
};

static enum MHD_Result
query_one(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct query_all *q = cls;

	(void)kind;
	if (strcmp(key, q->key) == 0 && q->n < q->max)
		q->out[q->n++] = value != NULL ? value : "";
	return MHD_YES;
}

size_t
httpd_query_all(const struct httpd_request *req, const char *key,
    const char **out, size_t max)
{
	struct query_all q = { key, out, max, 0 };

	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND, query_one,
	    &q);
	return q.n;
}

/* ---- 101 Switching Protocols: the socket goes to a thread ---- */

struct upgrade {
	httpd_upgrade_fn fn;
	void		*arg;
	void		(*free_fn)(void *arg);
	int		 fd;
	char		*extra;
	size_t		 extra_len;
	struct MHD_UpgradeResponseHandle *urh;
};

static void *
upgrade_main(void *p)
{
	struct upgrade *u = p;
	int fl = fcntl(u->fd, F_GETFL);

	if (fl >= 0)
		(void)fcntl(u->fd, F_SETFL, fl & ~O_NONBLOCK);
	u->fn(u->arg, u->fd, u->extra, u->extra_len);
	if (u->free_fn != NULL)
		u->free_fn(u->arg);
	(void)MHD_upgrade_action(u->urh, MHD_UPGRADE_ACTION_CLOSE);
	free(u->extra);
	free(u);
	return NULL;
}

static void
upgrade_cb(void *cls, struct MHD_Connection *c, void *req_cls,
    const char *extra_in, size_t extra_in_size, MHD_socket sock,
    struct MHD_UpgradeResponseHandle *urh)
{
	struct upgrade *tmpl = cls, *u = ck_calloc(1, sizeof(*u));
	pthread_attr_t attr;
	pthread_t t;

	(void)c;
	(void)req_cls;
	*u = *tmpl;
	free(tmpl);
	u->fd = sock;
	u->urh = urh;
	u->extra = ck_malloc(extra_in_size + 1);
	memcpy(u->extra, extra_in, extra_in_size);
	u->extra_len = extra_in_size;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, upgrade_main, u) != 0) {
		log_warn("httpd: no thread for an upgraded connection");
		if (u->free_fn != NULL)
			u->free_fn(u->arg);
		(void)MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		free(u->extra);
		free(u);
	}
	pthread_attr_destroy(&attr);
}

int
httpd_queue_upgrade(void *conn, const char *headers, httpd_upgrade_fn fn,
    void *arg, void (*free_fn)(void *arg))
{
	struct upgrade *u = ck_calloc(1, sizeof(*u));
	struct MHD_Response *r;
	char name[128], value[512];
	const char *e, *colon;
	enum MHD_Result ret;
	size_t n;

	u->fn = fn;
	u->arg = arg;
	u->free_fn = free_fn;
	r = MHD_create_response_for_upgrade(upgrade_cb, u);
	if (r == NULL) {
		if (free_fn != NULL)
			free_fn(arg);
		free(u);
		return MHD_NO;
	}
	for (; headers != NULL && *headers != '\0'; headers = e +
	    (*e == '\n')) {
		e = headers + strcspn(headers, "\n");
		colon = memchr(headers, ':', (size_t)(e - headers));
		if (colon == NULL)
			continue;
		n = (size_t)(colon - headers);
		if (n >= sizeof(name))
			continue;
		memcpy(name, headers, n);
		name[n] = '\0';
		for (colon++; *colon == ' '; colon++)
			;
		n = (size_t)(e - colon);
		if (n > 0 && colon[n - 1] == '\r')
			n--;
		if (n >= sizeof(value))
			continue;
		memcpy(value, colon, n);
		value[n] = '\0';
		MHD_add_response_header(r, name, value);
	}
	/*
	 * Once queued, MHD calls upgrade_cb after sending the head, or never
	 * if the client goes away first: then u and arg are lost (rare).
	 */
	ret = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, r);
	MHD_destroy_response(r);
	if (ret != MHD_YES) {
		if (free_fn != NULL)
			free_fn(arg);
		free(u);
	}
	return ret;
}

const char *
httpd_query(const struct httpd_request *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

void
httpd_stop(struct httpd *h)
{
	if (h == NULL)
		return;
	/* Sleeping streams are woken (and end) before MHD stops. */
	pthread_mutex_lock(&h->mu);
	h->stopping = true;
	pthread_cond_broadcast(&h->cond);
	pthread_mutex_unlock(&h->mu);
	if (h->resumer_started)
		pthread_join(h->resumer, NULL);
	MHD_stop_daemon(h->mhd);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cond);
	free(h);
}

const char *
httpd_listen_error(const char *addr, int port)
{
	static _Thread_local char buf[128];
	struct sockaddr_in sa;
	int fd, one = 1, err = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		return "not an IPv4 address";
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err = errno;
	else {
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			err = errno;
		close(fd);
	}
	if (err == EADDRINUSE)
		return "bind: address already in use";
	snprintf(buf, sizeof(buf), "%s", err != 0 ? strerror(err) :
	    "the HTTP server did not start");
	return buf;
}
