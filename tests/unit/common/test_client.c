/*
 * Unit tests for common/client.c: paths and escaping, Status decoding, and
 * every verb against a small libmicrohttpd server started in the test (port
 * 0 on 127.0.0.1) that serves canned replies and records the requests.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>
#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "ckube/alloc.h"
#include "ckube/client.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/kubeconfig.h"
#include "ckube/strbuf.h"

#define MAX_CANNED	16
#define MAX_RECORDED	32
#define PODS		(&CLIENT_GVR_PODS)

/* One canned reply; status 0 hangs (suspends) the request, chunks streams. */
struct canned {
	int		 status;
	const char	*body;
	const char	*const *chunks;	/* NULL-terminated, for watches */
	const char	*retry_after;
};

struct recorded {
	char	 method[16];
	char	 uri[CLIENT_PATH_MAX];	/* raw, with the query */
	char	 ctype[128];
	char	 auth[256];
	char	*body;
};

struct srv {
	struct MHD_Daemon	*d;
	uint16_t		 port;
	pthread_mutex_t		 mu;
	struct canned		 replies[MAX_CANNED];
	int			 nreplies;
	int			 next;
	struct recorded		 reqs[MAX_RECORDED];
	int			 nreqs;
	int			 connections;
	struct MHD_Connection	*hung;
};

struct reqctx {
	char		*uri;
	int		 calls;
	int		 hung;
	struct strbuf	 body;
};

struct stream {
	const char *const	*chunks;
	int			 i;
};

struct fixture {
	struct srv	 srv;
	struct client	*cl;
	char		 url[64];
};

/* A self-signed P-256 certificate for IP 127.0.0.1 (valid until 2126), test only. */
static const char TLS_CERT[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBkDCCATagAwIBAgIUHm+zbWRa+2NPD+tLHxBfAeHloWkwCgYIKoZIzj0EAwIw\n"
    "FDESMBAGA1UEAwwJMTI3LjAuMC4xMCAXDTI2MTEyODE1MzA0MVoYDzIxMjYxMTA0\n"
    "MTUzMDQxWjAUMRIwEAYDVQQDDAkxMjcuMC4wLjEwWTATBgcqhkjOPQIBBggqhkjO\n"
    "PQMBBwNCAATB2FdpySBigJ23oO2y40yBouXftK6sWBAT8BaWODomudc8Xz1vTrjy\n"
    "FdFrIZg8lWH2ViuHnJTsxfzJCLWX4uvNo2QwYjAdBgNVHQ4EFgQUtDYFBFpNLLnC\n"
    "1c0PtIESVVfpMRcwHwYDVR0jBBgwFoAUtDYFBFpNLLnC1c0PtIESVVfpMRcwDwYD\n"
    "VR0TAQH/BAUwAwEB/zAPBgNVHREECDAGhwR/AAABMAoGCCqGSM49BAMCA0gAMEUC\n"
    "IQDkfizpvr4/4cbWVYZOHjaZ0lmxnbrC3oMkB+7pj74mEwIgZMP6aumJ1QAZ0xA2\n"
    "cUPQzbIesgiv2xzzLe7gg3Bz3HI=\n"
    "-----END CERTIFICATE-----\n";
static const char TLS_KEY[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgYuN/LJbWrmQmrkRo\n"
    "0H3qS+7Qowiidywwq19mX4knfZ+hRANCAATB2FdpySBigJ23oO2y40yBouXftK6s\n"
    "WBAT8BaWODomudc8Xz1vTrjyFdFrIZg8lWH2ViuHnJTsxfzJCLWX4uvN\n"
    "-----END PRIVATE KEY-----\n";

static void *
uri_log(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct reqctx *rc = ck_calloc(1, sizeof(*rc));

	(void)cls;
	(void)c;
	rc->uri = ck_strdup(uri);
	strbuf_init(&rc->body);
	return rc;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct reqctx *rc = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (rc == NULL)
		return;
	free(rc->uri);
	strbuf_fini(&rc->body);
	free(rc);
	*con_cls = NULL;
}

static void
notify_conn(void *cls, struct MHD_Connection *c, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct srv *s = cls;

	(void)c;
	(void)socket_context;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		pthread_mutex_lock(&s->mu);
		s->connections++;
		pthread_mutex_unlock(&s->mu);
	}
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	const char *p = st->chunks[st->i];
	size_t n;

	(void)pos;
	if (p == NULL)
		return MHD_CONTENT_READER_END_OF_STREAM;
	n = strlen(p);
	if (n > max)
		n = max;
	memcpy(buf, p, n);
	st->i++;
	return (ssize_t)n;
}

static void
stream_free(void *cls)
{
	free(cls);
}

static void
record(struct srv *s, struct MHD_Connection *c, const char *method,
    struct reqctx *rc)
{
	struct recorded *r;
	const char *v;

	if (s->nreqs >= MAX_RECORDED)
		return;
	r = &s->reqs[s->nreqs++];
	ck_strlcpy(r->method, method, sizeof(r->method));
	ck_strlcpy(r->uri, rc->uri, sizeof(r->uri));
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
	ck_strlcpy(r->ctype, v != NULL ? v : "", sizeof(r->ctype));
	v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
	ck_strlcpy(r->auth, v != NULL ? v : "", sizeof(r->auth));
	r->body = ck_strdup(strbuf_str(&rc->body));
}

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct srv *s = cls;
	struct reqctx *rc = *con_cls;
	struct MHD_Response *resp;
	struct canned cn = { 404, "{\"kind\":\"Status\",\"code\":404,"
	    "\"reason\":\"NotFound\",\"message\":\"no canned reply\"}", NULL, NULL };
	struct stream *stm;
	enum MHD_Result ret;

	(void)url;
	(void)version;
	/* Reply on the second call, or MHD closes the connection (libraries.md §3). */
	if (rc->calls++ == 0)
		return MHD_YES;
	if (*upload_size > 0) {
		strbuf_add(&rc->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&s->mu);
	if (rc->hung) {
		/* Resumed by the teardown: end it. */
		cn.status = 503;
		cn.body = "bye";
	} else {
		record(s, c, method, rc);
		if (s->next < s->nreplies)
			cn = s->replies[s->next++];
		if (cn.status == 0) {
			rc->hung = 1;
			s->hung = c;
			MHD_suspend_connection(c);
			pthread_mutex_unlock(&s->mu);
			return MHD_YES;
		}
	}
	pthread_mutex_unlock(&s->mu);
	if (cn.chunks != NULL) {
		stm = ck_calloc(1, sizeof(*stm));
		stm->chunks = cn.chunks;
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096,
		    stream_read, stm, stream_free);
	} else {
		resp = MHD_create_response_from_buffer(strlen(cn.body),
		    (void *)(uintptr_t)cn.body, MHD_RESPMEM_MUST_COPY);
	}
	MHD_add_response_header(resp, "Content-Type", "application/json");
	if (cn.retry_after != NULL)
		MHD_add_response_header(resp, "Retry-After", cn.retry_after);
	ret = MHD_queue_response(c, (unsigned int)cn.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static int
srv_start_tls(struct srv *s, int tls)
{
	struct sockaddr_in sa;
	const union MHD_DaemonInfo *info;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = 0;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pthread_mutex_init(&s->mu, NULL);
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_POLL | MHD_ALLOW_SUSPEND_RESUME | (tls ? MHD_USE_TLS : 0),
	    0, NULL, NULL, handler, s,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	    MHD_OPTION_HTTPS_MEM_KEY, tls ? TLS_KEY : NULL,
	    MHD_OPTION_HTTPS_MEM_CERT, tls ? TLS_CERT : NULL,
	    MHD_OPTION_URI_LOG_CALLBACK, uri_log, s,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, s,
	    MHD_OPTION_NOTIFY_CONNECTION, notify_conn, s,
	    MHD_OPTION_END);
	if (s->d == NULL)
		return -1;
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info->port;
	return 0;
}

static int
srv_start(struct srv *s)
{
	return srv_start_tls(s, 0);
}

static void
srv_stop(struct srv *s)
{
	int i;

	pthread_mutex_lock(&s->mu);
	if (s->hung != NULL)
		MHD_resume_connection(s->hung);
	pthread_mutex_unlock(&s->mu);
	MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->mu);
	for (i = 0; i < s->nreqs; i++)
		free(s->reqs[i].body);
}

static void
srv_reply(struct srv *s, int status, const char *body)
{
	pthread_mutex_lock(&s->mu);
	s->replies[s->nreplies].status = status;
	s->replies[s->nreplies].body = body;
	s->nreplies++;
	pthread_mutex_unlock(&s->mu);
}

/* Counters read under the lock: the server thread may still be writing. */
static int
srv_nreqs(struct srv *s)
{
	int n;

	pthread_mutex_lock(&s->mu);
	n = s->nreqs;
	pthread_mutex_unlock(&s->mu);
	return n;
}

static int
srv_connections(struct srv *s)
{
	int n;

	pthread_mutex_lock(&s->mu);
	n = s->connections;
	pthread_mutex_unlock(&s->mu);
	return n;
}

static struct client *
make_client(const char *url, int max_attempts, long timeout_ms)
{
	struct client_options opt = { .max_attempts = max_attempts,
	    .backoff_initial_ms = 1, .backoff_max_ms = 5,
	    .timeout_ms = timeout_ms };
	struct kubeconfig kc = { .server = (char *)(uintptr_t)url,
	    .token = (char *)(uintptr_t)"s3cret" };
	struct client *cl = NULL;
	struct ck_status st;

	assert_int_equal(client_new(&kc, &opt, &cl, &st), 0);
	return cl;
}

static int
setup(void **state)
{
	struct fixture *f = ck_calloc(1, sizeof(*f));

	if (srv_start(&f->srv) < 0) {
		free(f);
		return -1;
	}
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u/", f->srv.port);
	f->cl = make_client(f->url, 3, 2000);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	client_free(f->cl);
	srv_stop(&f->srv);
	free(f);
	return 0;
}

static const char POD[] = "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
    "\"metadata\":{\"name\":\"web-0\",\"namespace\":\"default\","
    "\"resourceVersion\":\"7\"}}";

/* ---- pure functions ---- */

static void
test_client_path_builds_and_escapes(void **state)
{
	static const struct client_gvr rbac = { "rbac.authorization.k8s.io",
	    "v1", "clusterroles" };
	char buf[CLIENT_PATH_MAX], small[24];
	struct ck_status st;

	(void)state;
	assert_int_equal(client_path(buf, sizeof(buf), PODS, "default",
	    "web-0", "status", &st), 0);
	assert_string_equal(buf,
	    "/api/v1/namespaces/default/pods/web-0/status");
	assert_int_equal(client_path(buf, sizeof(buf), PODS, NULL, NULL,
	    NULL, &st), 0);
	assert_string_equal(buf, "/api/v1/pods");
	assert_int_equal(client_path(buf, sizeof(buf), &CLIENT_GVR_DEPLOYMENTS,
	    "kube-system", NULL, NULL, &st), 0);
	assert_string_equal(buf,
	    "/apis/apps/v1/namespaces/kube-system/deployments");
	assert_int_equal(client_path(buf, sizeof(buf), &rbac, NULL,
	    "system:node a/b", NULL, &st), 0);
	assert_string_equal(buf,
	    "/apis/rbac.authorization.k8s.io/v1/clusterroles/"
	    "system:node%20a%2Fb");
	assert_int_equal(client_path(buf, sizeof(buf), PODS, "default",
	    "..", NULL, &st), CK_EINVALID);
	assert_non_null(strstr(st.message, "name \"..\""));
	assert_int_equal(client_path(buf, sizeof(buf), PODS, "", "x",
	    NULL, &st), CK_EINVALID);
	assert_int_equal(client_path(buf, sizeof(buf), PODS, "default",
	    NULL, "status", &st), CK_EINVALID);
	assert_int_equal(client_path(small, sizeof(small), PODS,
	    "default", "web-0", NULL, &st), CK_EINVALID);
	assert_non_null(strstr(st.message, "too long"));
	assert_string_equal(small, "");
}

static void
test_client_query_escapes_values(void **state)
{
	char buf[64] = "/api/v1/pods";
	char small[24] = "/api/v1/pods";

	(void)state;
	assert_int_equal(client_query_add(buf, sizeof(buf), "labelSelector",
	    "app in (a,b)"), 0);
	assert_int_equal(client_query_add(buf, sizeof(buf), "limit", "5"), 0);
	assert_string_equal(buf,
	    "/api/v1/pods?labelSelector=app%20in%20%28a%2Cb%29&limit=5");
	assert_int_equal(client_query_add(small, sizeof(small), "fieldSelector",
	    "spec.nodeName=n1"), CK_EINVALID);
	assert_string_equal(small, "/api/v1/pods");	/* unchanged */
}

static void
test_client_status_decode_status_body(void **state)
{
	static const char invalid[] = "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
	    "\"status\":\"Failure\",\"message\":\"Pod \\\"busy\\\" is invalid\","
	    "\"reason\":\"Invalid\",\"details\":{\"name\":\"busy\",\"kind\":\"Pod\","
	    "\"causes\":[{\"reason\":\"FieldValueRequired\",\"message\":\"Required value\","
	    "\"field\":\"spec.containers[0].image\"}]},\"code\":422}";
	static const char exists[] = "{\"kind\":\"Status\",\"reason\":\"AlreadyExists\","
	    "\"message\":\"pods \\\"busy\\\" already exists\",\"code\":409}";
	static const char conflict[] = "{\"kind\":\"Status\",\"reason\":\"Conflict\","
	    "\"message\":\"Operation cannot be fulfilled\",\"code\":409}";
	struct ck_status st;

	(void)state;
	assert_int_equal(client_status_decode(422, invalid, strlen(invalid),
	    NULL, &st), CK_EINVALID);
	assert_int_equal(st.code, 422);
	assert_string_equal(st.reason, "Invalid");
	assert_string_equal(st.message, "Pod \"busy\" is invalid");
	assert_string_equal(st.name, "busy");
	assert_string_equal(st.kind, "Pod");
	assert_int_equal(st.ncauses, 1);
	assert_string_equal(st.causes[0].field, "spec.containers[0].image");
	assert_string_equal(st.causes[0].reason, "FieldValueRequired");
	assert_string_equal(st.causes[0].message, "Required value");
	assert_int_equal(client_status_decode(409, exists, strlen(exists), NULL,
	    &st), CK_EEXIST);
	assert_int_equal(client_status_decode(409, conflict, strlen(conflict),
	    NULL, &st), CK_ECONFLICT);
	assert_string_equal(st.message, "Operation cannot be fulfilled");
	assert_int_equal(client_status_decode(409, conflict, strlen(conflict),
	    NULL, NULL), CK_ECONFLICT);
}

static void
test_client_status_decode_maps_codes(void **state)
{
	static const struct {
		long	code;
		int	err;
	} cases[] = {
		{ 400, CK_EBADREQ }, { 401, CK_EUNAUTH }, { 403, CK_EPERM },
		{ 404, CK_ENOTFOUND }, { 405, CK_ENOTSUP },
		{ 409, CK_ECONFLICT },
		{ 410, CK_EGONE }, { 413, CK_ETOOBIG }, { 415, CK_ENOTSUP },
		{ 422, CK_EINVALID }, { 429, CK_EAGAIN }, { 500, CK_EIO },
		{ 503, CK_EIO }, { 504, CK_EIO }, { 302, CK_EIO },
	};
	struct ck_status st;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(client_status_decode(cases[i].code, "", 0,
		    NULL, &st), cases[i].err);
		assert_int_equal(st.code, cases[i].code);
		assert_true(st.message[0] != '\0');
	}
}

static void
test_client_status_decode_plain_body(void **state)
{
	struct ck_status st;

	(void)state;
	assert_int_equal(client_status_decode(500, "oops\n", 5,
	    "get pods plain500", &st), CK_EIO);
	assert_string_equal(st.message, "an error on the server (\"oops\") has "
	    "prevented the request from succeeding (get pods plain500)");
	assert_string_equal(st.reason, "InternalError");
	assert_int_equal(client_status_decode(404, "404 page not found", 18,
	    "get pods x", &st), CK_ENOTFOUND);
	assert_string_equal(st.message,
	    "the server could not find the requested "
	    "resource (get pods x): 404 page not found");
	/* JSON that is not a Status is not trusted either. */
	assert_int_equal(client_status_decode(403, "{\"kind\":\"Pod\"}", 14,
	    NULL, &st), CK_EPERM);
	assert_string_equal(st.reason, "Forbidden");
	assert_int_equal(client_status_decode(502, "\x01\x02", 2, NULL, &st),
	    CK_EIO);
	assert_non_null(strstr(st.message, "(\"unknown\")"));
}

static void
test_client_gvr_of_kinds(void **state)
{
	static const struct {
		const char	*json;
		const char	*group, *version, *resource;
	} cases[] = {
		{ "{\"apiVersion\":\"v1\",\"kind\":\"Pod\"}", "", "v1",
		    "pods" },
		{ "{\"apiVersion\":\"v1\",\"kind\":\"Endpoints\"}", "", "v1",
		    "endpoints" },
		{ "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\"}",
		    "apps", "v1", "replicasets" },
		{ "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"Ingress\"}",
		    "networking.k8s.io", "v1", "ingresses" },
		{ "{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\"}",
		    "networking.k8s.io", "v1", "networkpolicies" },
		{ "{\"apiVersion\":\"v1\",\"kind\":\"ComponentStatus\"}", "",
		    "v1", "componentstatuses" },
		{ "{\"apiVersion\":\"coordination.k8s.io/v1\",\"kind\":\"Lease\"}",
		    "coordination.k8s.io", "v1", "leases" },
	};
	char g[128], v[64], r[128];
	struct ck_status st;
	cJSON *o;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		o = cJSON_Parse(cases[i].json);
		assert_int_equal(client_gvr_of(o, g, sizeof(g), v, sizeof(v), r,
		    sizeof(r), &st), 0);
		assert_string_equal(g, cases[i].group);
		assert_string_equal(v, cases[i].version);
		assert_string_equal(r, cases[i].resource);
		cJSON_Delete(o);
	}
	o = cJSON_Parse("{\"apiVersion\":\"/v1\",\"kind\":\"Pod\"}");
	assert_int_equal(client_gvr_of(o, g, sizeof(g), v, sizeof(v), r,
	    sizeof(r), &st), CK_EINVALID);
	cJSON_Delete(o);
	o = cJSON_Parse("{\"kind\":\"Pod\"}");
	assert_int_equal(client_gvr_of(o, g, sizeof(g), v, sizeof(v), r,
	    sizeof(r), &st), CK_EINVALID);
	assert_non_null(strstr(st.message, "apiVersion"));
	cJSON_Delete(o);
}

static void
test_client_new_rejects_bad_server(void **state)
{
	struct kubeconfig kc = { .server = (char *)(uintptr_t)"ftp://x" };
	struct client *cl = (struct client *)state;
	struct ck_status st;

	assert_int_equal(client_new(&kc, NULL, &cl, &st), CK_EINVALID);
	assert_null(cl);
	assert_non_null(strstr(st.message, "neither http nor https"));
	kc.server = NULL;
	assert_int_equal(client_new(&kc, NULL, &cl, &st), CK_EINVALID);
	kc.server = (char *)(uintptr_t)"127.0.0.1:8080";
	assert_int_equal(client_new(&kc, NULL, &cl, &st), 0);
	assert_string_equal(client_server(cl), "http://127.0.0.1:8080");
	client_free(cl);
	assert_int_equal(client_new_from_flags(NULL, "http://h:1///", NULL, &cl,
	    &st), 0);
	assert_string_equal(client_server(cl), "http://h:1");
	client_free(cl);
	assert_int_equal(client_new_from_flags("/nonexistent/kubeconfig", NULL,
	    NULL, &cl, &st), CK_ENOTFOUND);
	assert_null(cl);
	assert_non_null(strstr(st.message, "/nonexistent/kubeconfig"));
}

/* ---- against the test server ---- */

static void
test_client_get_sends_token_and_parses(void **state)
{
	struct fixture *f = *state;
	struct ck_status st;
	cJSON *pod = NULL;
	const cJSON *meta;

	srv_reply(&f->srv, 200, POD);
	assert_int_equal(client_get(f->cl, PODS, "default", "web-0", &pod,
	    &st), 0);
	meta = cJSON_GetObjectItemCaseSensitive(pod, "metadata");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(meta,
	    "name")->valuestring, "web-0");
	cJSON_Delete(pod);
	assert_int_equal(srv_nreqs(&f->srv), 1);
	assert_string_equal(f->srv.reqs[0].method, "GET");
	assert_string_equal(f->srv.reqs[0].uri,
	    "/api/v1/namespaces/default/pods/web-0");
	assert_string_equal(f->srv.reqs[0].auth, "Bearer s3cret");
	/* Not found: the Status comes back. */
	assert_int_equal(client_get(f->cl, PODS, "default", "nosuch", &pod,
	    &st), CK_ENOTFOUND);
	assert_null(pod);
	assert_string_equal(st.message, "no canned reply");
	/* A 200 that is not JSON. */
	srv_reply(&f->srv, 200, "<html>");
	assert_int_equal(client_get(f->cl, PODS, "default", "web-0", &pod,
	    &st), CK_EIO);
	assert_null(pod);
	assert_non_null(strstr(st.message, "not JSON"));
}

static void
test_client_verbs_and_content_types(void **state)
{
	struct fixture *f = *state;
	struct client_delete_opts del = { .propagation_policy = "Foreground",
	    .grace_period_seconds = 0, .precondition_uid = "u-1",
	    .precondition_rv = "7" };
	struct ck_status st;
	cJSON *pod, *out = NULL, *patch, *jp;
	const struct recorded *r;

	pod = cJSON_Parse(POD);
	patch = cJSON_Parse("{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
	jp = cJSON_Parse("[{\"op\":\"add\",\"path\":\"/metadata/labels/a\",\"value\":\"b\"}]");
	srv_reply(&f->srv, 201, POD);
	srv_reply(&f->srv, 200, POD);
	srv_reply(&f->srv, 200, POD);
	srv_reply(&f->srv, 200, POD);
	srv_reply(&f->srv, 200, POD);
	srv_reply(&f->srv, 200, POD);
	srv_reply(&f->srv, 200, "{\"kind\":\"Status\",\"status\":\"Success\"}");
	srv_reply(&f->srv, 200, POD);
	assert_int_equal(client_create(f->cl, pod, &out, &st), 0);
	assert_non_null(out);
	cJSON_Delete(out);
	assert_int_equal(client_update(f->cl, pod, NULL, &st), 0);
	assert_int_equal(client_update_status(f->cl, pod, NULL, &st), 0);
	assert_int_equal(client_patch(f->cl, PODS, "default", "web-0",
	    NULL, CLIENT_PATCH_MERGE, patch, NULL, &st), 0);
	assert_int_equal(client_patch(f->cl, PODS, "default", "web-0",
	    "status", CLIENT_PATCH_STRATEGIC, patch, NULL, &st), 0);
	assert_int_equal(client_patch(f->cl, PODS, "default", "web-0",
	    NULL, CLIENT_PATCH_JSON, jp, NULL, &st), 0);
	assert_int_equal(client_delete(f->cl, PODS, "default", "web-0",
	    &del, &out, &st), 0);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(out,
	    "status")->valuestring, "Success");
	cJSON_Delete(out);
	assert_int_equal(client_delete(f->cl, PODS, "default", "web-1",
	    NULL, NULL, &st), 0);
	assert_int_equal(srv_nreqs(&f->srv), 8);
	r = f->srv.reqs;
	assert_string_equal(r[0].method, "POST");
	assert_string_equal(r[0].uri, "/api/v1/namespaces/default/pods");
	assert_string_equal(r[0].ctype, "application/json");
	assert_non_null(strstr(r[0].body, "\"name\":\"web-0\""));
	assert_string_equal(r[1].method, "PUT");
	assert_string_equal(r[1].uri, "/api/v1/namespaces/default/pods/web-0");
	assert_string_equal(r[1].ctype, "application/json");
	assert_non_null(strstr(r[1].body, "\"resourceVersion\":\"7\""));
	assert_string_equal(r[2].method, "PUT");
	assert_string_equal(r[2].uri,
	    "/api/v1/namespaces/default/pods/web-0/status");
	assert_string_equal(r[3].method, "PATCH");
	assert_string_equal(r[3].ctype, "application/merge-patch+json");
	assert_string_equal(r[3].body,
	    "{\"metadata\":{\"labels\":{\"a\":\"b\"}}}");
	assert_string_equal(r[4].ctype,
	    "application/strategic-merge-patch+json");
	assert_string_equal(r[4].uri,
	    "/api/v1/namespaces/default/pods/web-0/status");
	assert_string_equal(r[5].ctype, "application/json-patch+json");
	assert_true(r[5].body[0] == '[');
	assert_string_equal(r[6].method, "DELETE");
	assert_string_equal(r[6].ctype, "application/json");
	assert_string_equal(r[6].body,
	    "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\","
	    "\"propagationPolicy\":\"Foreground\",\"gracePeriodSeconds\":0,"
	    "\"preconditions\":{\"uid\":\"u-1\",\"resourceVersion\":\"7\"}}");
	assert_string_equal(r[7].method, "DELETE");
	assert_string_equal(r[7].uri, "/api/v1/namespaces/default/pods/web-1");
	assert_string_equal(r[7].body, "");
	/* Wrong shapes are refused before any request. */
	assert_int_equal(client_patch(f->cl, PODS, "default", "web-0",
	    NULL, CLIENT_PATCH_JSON, patch, NULL, &st), CK_EINVALID);
	cJSON_Delete(jp);
	cJSON_Delete(patch);
	cJSON_Delete(pod);
	pod = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{}}");
	assert_int_equal(client_update(f->cl, pod, NULL, &st), CK_EINVALID);
	assert_non_null(strstr(st.message, "metadata.name"));
	cJSON_Delete(pod);
	assert_int_equal(srv_nreqs(&f->srv), 8);
}

static void
test_client_create_subresource_binding(void **state)
{
	struct fixture *f = *state;
	struct ck_status st;
	cJSON *b;

	b = cJSON_Parse("{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":"
	    "{\"name\":\"web-0\"},\"target\":{\"kind\":\"Node\",\"name\":\"n1\"}}");
	srv_reply(&f->srv, 201, "{\"kind\":\"Status\",\"status\":\"Success\"}");
	assert_int_equal(client_create_subresource(f->cl, PODS, "default",
	    "web-0", "binding", b, NULL, &st), 0);
	assert_string_equal(f->srv.reqs[0].method, "POST");
	assert_string_equal(f->srv.reqs[0].uri,
	    "/api/v1/namespaces/default/pods/web-0/binding");
	cJSON_Delete(b);
}

static void
test_client_list_with_continue(void **state)
{
	struct fixture *f = *state;
	struct client_list_opts o = { .label_selector = "app=web", .limit = 2 };
	struct client_list list;
	struct ck_status st;

	srv_reply(&f->srv, 200,
	    "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":"
	    "\"10\",\"continue\":\"abc/+=\"},\"items\":[{\"metadata\":{\"name\":\"a\"}},"
	    "{\"metadata\":{\"name\":\"b\"}}]}");
	srv_reply(&f->srv, 200,
	    "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":"
	    "\"11\"},\"items\":[{\"metadata\":{\"name\":\"c\"}}]}");
	srv_reply(&f->srv, 200,
	    "{\"kind\":\"PodList\",\"metadata\":{\"resourceVersion\":"
	    "\"12\"},\"items\":null}");
	srv_reply(&f->srv, 200, "{\"kind\":\"PodList\",\"items\":{}}");
	assert_int_equal(client_list_all(f->cl, PODS, "default", &o, &list,
	    &st), 0);
	assert_int_equal(cJSON_GetArraySize(list.items), 3);
	assert_string_equal(list.resource_version, "10");
	assert_null(list.continue_token);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(list.items, 2), "metadata"),
	    "name")->valuestring, "c");
	client_list_fini(&list);
	assert_int_equal(srv_nreqs(&f->srv), 2);
	assert_string_equal(f->srv.reqs[0].uri,
	    "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=2");
	assert_string_equal(f->srv.reqs[1].uri,
	    "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb&limit=2"
	    "&continue=abc%2F%2B%3D");
	/* null items is an empty list; items that are not an array are an error. */
	assert_int_equal(client_list(f->cl, &CLIENT_GVR_NODES, NULL, NULL,
	    &list, &st), 0);
	assert_int_equal(cJSON_GetArraySize(list.items), 0);
	assert_string_equal(list.resource_version, "12");
	client_list_fini(&list);
	assert_string_equal(f->srv.reqs[2].uri, "/api/v1/nodes");
	assert_int_equal(client_list(f->cl, &CLIENT_GVR_NODES, NULL, NULL,
	    &list, &st), CK_EIO);
	assert_null(list.items);
	client_list_fini(&list);
}

static void
test_client_conflict_is_econflict(void **state)
{
	struct fixture *f = *state;
	struct ck_status st;
	cJSON *pod = cJSON_Parse(POD);

	srv_reply(&f->srv, 409, "{\"kind\":\"Status\",\"apiVersion\":\"v1\","
	    "\"status\":\"Failure\",\"message\":\"Operation cannot be fulfilled on pods "
	    "\\\"web-0\\\": the object has been modified\",\"reason\":\"Conflict\","
	    "\"details\":{\"name\":\"web-0\",\"kind\":\"pods\"},\"code\":409}");
	srv_reply(&f->srv, 409,
	    "{\"kind\":\"Status\",\"reason\":\"AlreadyExists\","
	    "\"message\":\"pods \\\"web-0\\\" already exists\",\"code\":409}");
	assert_int_equal(client_update(f->cl, pod, NULL, &st), CK_ECONFLICT);
	assert_int_equal(st.code, 409);
	assert_string_equal(st.reason, "Conflict");
	assert_string_equal(st.message, "Operation cannot be fulfilled on pods "
	    "\"web-0\": the object has been modified");
	assert_string_equal(st.name, "web-0");
	assert_int_equal(client_create(f->cl, pod, NULL, &st), CK_EEXIST);
	assert_int_equal(srv_nreqs(&f->srv), 2);	/* neither is retried */
	cJSON_Delete(pod);
}

static void
test_client_retries_500_then_200(void **state)
{
	struct fixture *f = *state;
	struct ck_status st;
	cJSON *pod = NULL;

	srv_reply(&f->srv, 500, "oops");
	srv_reply(&f->srv, 200, POD);
	assert_int_equal(client_get(f->cl, PODS, "default", "web-0", &pod,
	    &st), 0);
	assert_non_null(pod);
	cJSON_Delete(pod);
	assert_int_equal(srv_nreqs(&f->srv), 2);
	assert_int_equal(st.code, 200);
	assert_string_equal(st.message, "");
	/* Three 503s with 3 attempts: give up with the last error. */
	srv_reply(&f->srv, 503, "busy");
	srv_reply(&f->srv, 503, "busy");
	srv_reply(&f->srv, 503, "still busy");
	assert_int_equal(client_get(f->cl, PODS, "default", "web-0", &pod,
	    &st), CK_EIO);
	assert_int_equal(srv_nreqs(&f->srv), 5);
	assert_int_equal(st.code, 503);
	assert_non_null(strstr(st.message, "(\"still busy\")"));
}

static void
test_client_create_retry_rules(void **state)
{
	struct fixture *f = *state;
	struct ck_status st;
	cJSON *pod = cJSON_Parse(POD);

	/* A 500 on create is not retried: the server may have acted. */
	srv_reply(&f->srv, 500, "{\"kind\":\"Status\",\"code\":500,"
	    "\"reason\":\"InternalError\",\"message\":\"etcd is sad\"}");
	assert_int_equal(client_create(f->cl, pod, NULL, &st), CK_EIO);
	assert_string_equal(st.message, "etcd is sad");
	assert_int_equal(srv_nreqs(&f->srv), 1);
	/* A 429 is: the server refused without acting. */
	pthread_mutex_lock(&f->srv.mu);
	f->srv.replies[f->srv.nreplies].status = 429;
	f->srv.replies[f->srv.nreplies].body = "{\"kind\":\"Status\",\"code\":429}";
	f->srv.replies[f->srv.nreplies].retry_after = "0";
	f->srv.nreplies++;
	pthread_mutex_unlock(&f->srv.mu);
	srv_reply(&f->srv, 201, POD);
	assert_int_equal(client_create(f->cl, pod, NULL, &st), 0);
	assert_int_equal(srv_nreqs(&f->srv), 3);
	/* An unconditional PUT (no resourceVersion) is not retried on 5xx. */
	cJSON_DeleteItemFromObjectCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(pod, "metadata"),
	    "resourceVersion");
	srv_reply(&f->srv, 502, "bad gateway");
	assert_int_equal(client_update(f->cl, pod, NULL, &st), CK_EIO);
	assert_int_equal(srv_nreqs(&f->srv), 4);
	cJSON_Delete(pod);
}

static void
test_client_create_timeout_not_retried(void **state)
{
	struct fixture *f = *state;
	struct client *cl = make_client(f->url, 3, 200);
	struct ck_status st;
	cJSON *pod = cJSON_Parse(POD);

	srv_reply(&f->srv, 0, NULL);		/* hang */
	assert_int_equal(client_create(cl, pod, NULL, &st), CK_ETIMEDOUT);
	assert_non_null(strstr(st.message, "may have acted"));
	assert_int_equal(srv_nreqs(&f->srv), 1);
	cJSON_Delete(pod);
	client_free(cl);
}

static void
test_client_connection_refused_retried(void **state)
{
	struct srv dead;
	struct client *cl;
	struct ck_status st;
	char url[64];
	cJSON *pod = cJSON_Parse(POD), *out = NULL;

	(void)state;
	memset(&dead, 0, sizeof(dead));
	assert_int_equal(srv_start(&dead), 0);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", dead.port);
	srv_stop(&dead);			/* nobody listens there now */
	cl = make_client(url, 3, 2000);
	assert_int_equal(client_get(cl, PODS, "default", "web-0", &out,
	    &st), CK_EIO);
	assert_non_null(strstr(st.message, url));
	/* A create that never reached the server does not claim it might have. */
	assert_int_equal(client_create(cl, pod, NULL, &st), CK_EIO);
	assert_null(strstr(st.message, "may have acted"));
	cJSON_Delete(pod);
	client_free(cl);
}

static void *
thread_gets(void *arg)
{
	struct fixture *f = arg;
	struct ck_status st;
	cJSON *pod = NULL;
	intptr_t ok = 1;
	int i;

	for (i = 0; i < 2; i++) {
		ok &= client_get(f->cl, PODS, "default", "web-0", &pod,
		    &st) == 0;
		cJSON_Delete(pod);
	}
	ok &= client_thread_connects(f->cl) == 1;
	return (void *)ok;
}

static void
test_client_reuses_connection(void **state)
{
	struct fixture *f = *state;
	struct ck_status st;
	pthread_t t;
	void *ok;
	cJSON *pod = NULL;
	int i;

	for (i = 0; i < 7; i++)
		srv_reply(&f->srv, 200, POD);
	for (i = 0; i < 5; i++) {
		assert_int_equal(client_get(f->cl, PODS, "default", "web-0",
		    &pod, &st), 0);
		cJSON_Delete(pod);
	}
	assert_int_equal(srv_connections(&f->srv), 1);
	assert_int_equal(client_thread_connects(f->cl), 1);
	/* Another thread has its own handle, hence its own connection. */
	assert_int_equal(pthread_create(&t, NULL, thread_gets, f), 0);
	assert_int_equal(pthread_join(t, &ok), 0);
	assert_true(ok == (void *)1);
	assert_int_equal(srv_connections(&f->srv), 2);
	assert_int_equal(srv_nreqs(&f->srv), 7);
}

struct events {
	char	 seen[16][64];
	int	 n;
	int	 stop_at;
};

static int
on_event(enum client_event_type type, cJSON *obj, void *arg)
{
	static const char *names[] = { "ADDED", "MODIFIED", "DELETED",
	    "BOOKMARK" };
	struct events *ev = arg;
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(meta, "name");
	const cJSON *rv = cJSON_GetObjectItemCaseSensitive(meta,
	    "resourceVersion");

	if (ev->n < 16)
		snprintf(ev->seen[ev->n], sizeof(ev->seen[0]), "%s %s",
		    names[type], cJSON_IsString(name) ? name->valuestring :
		    cJSON_IsString(rv) ? rv->valuestring : "?");
	ev->n++;
	cJSON_Delete(obj);
	return ev->stop_at != 0 && ev->n == ev->stop_at ? 42 : 0;
}

static void
srv_stream(struct srv *s, const char *const *chunks)
{
	pthread_mutex_lock(&s->mu);
	s->replies[s->nreplies].status = 200;
	s->replies[s->nreplies].chunks = chunks;
	s->nreplies++;
	pthread_mutex_unlock(&s->mu);
}

static void
test_client_watch_split_across_chunks(void **state)
{
	static const char *const chunks[] = {
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n{\"ty",
		"pe\":\"MODIFIED\",\"object\":{\"metadata\":{\"na",
		"me\":\"b\"}}}",
		"\n",
		"\n{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"c\"}}}\n"
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"d\"}}}\n",
		"{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"9\"}}}",
		NULL,
	};
	struct client_watch_opts o = { .resource_version = "5",
	    .label_selector = "app=web", .allow_bookmarks = 1 };
	struct fixture *f = *state;
	struct events ev = { .n = 0 };
	struct ck_status st;

	srv_stream(&f->srv, chunks);
	assert_int_equal(client_watch(f->cl, PODS, "default", &o,
	    on_event, &ev, &st), 0);
	assert_int_equal(ev.n, 5);
	assert_string_equal(ev.seen[0], "ADDED a");
	assert_string_equal(ev.seen[1], "MODIFIED b");
	assert_string_equal(ev.seen[2], "DELETED c");
	assert_string_equal(ev.seen[3], "ADDED d");
	assert_string_equal(ev.seen[4], "BOOKMARK 9");
	assert_string_equal(f->srv.reqs[0].uri,
	    "/api/v1/namespaces/default/pods?"
	    "watch=1&resourceVersion=5&labelSelector=app%3Dweb&allowWatchBookmarks=true");
}

static void
test_client_watch_callback_stops(void **state)
{
	static const char *const chunks[] = {
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n",
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"b\"}}}\n"
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"c\"}}}\n",
		NULL,
	};
	struct fixture *f = *state;
	struct events ev = { .stop_at = 2 };
	struct ck_status st;

	srv_stream(&f->srv, chunks);
	assert_int_equal(client_watch(f->cl, PODS, NULL, NULL, on_event,
	    &ev, &st), 42);
	assert_int_equal(ev.n, 2);
	assert_string_equal(f->srv.reqs[0].uri, "/api/v1/pods?watch=1");
}

static void
test_client_watch_errors(void **state)
{
	static const char *const gone[] = {
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n",
		"{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"code\":410,"
		"\"reason\":\"Expired\",\"message\":\"too old resource version: 5 (10)\"}}\n",
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"b\"}}}\n",
		NULL,
	};
	static const char *const junk[] = { "{\"type\":\"ADDED\"}\n", NULL };
	static const char *const odd[] = {
		"{\"type\":\"SURPRISE\",\"object\":{}}\n", NULL,
	};
	struct fixture *f = *state;
	struct events ev = { .n = 0 };
	struct ck_status st;

	srv_stream(&f->srv, gone);
	srv_reply(&f->srv, 403, "{\"kind\":\"Status\",\"code\":403,\"reason\":"
	    "\"Forbidden\",\"message\":\"pods is forbidden\"}");
	srv_stream(&f->srv, junk);
	srv_stream(&f->srv, odd);
	assert_int_equal(client_watch(f->cl, PODS, NULL, NULL, on_event,
	    &ev, &st), CK_EGONE);
	assert_int_equal(ev.n, 1);
	assert_int_equal(st.code, 410);
	assert_string_equal(st.message, "too old resource version: 5 (10)");
	assert_int_equal(client_watch(f->cl, PODS, NULL, NULL, on_event,
	    &ev, &st), CK_EPERM);
	assert_string_equal(st.message, "pods is forbidden");
	assert_int_equal(client_watch(f->cl, PODS, NULL, NULL, on_event,
	    &ev, &st), CK_EIO);
	assert_non_null(strstr(st.message, "malformed event"));
	assert_int_equal(client_watch(f->cl, PODS, NULL, NULL, on_event,
	    &ev, &st), CK_EIO);
	assert_non_null(strstr(st.message, "SURPRISE"));
	assert_int_equal(ev.n, 1);
	assert_int_equal(client_watch(f->cl, PODS, NULL, NULL, NULL,
	    &ev, &st), CK_EINVALID);
}

static int
on_kobj(enum client_event_type type, struct kobj *obj, void *arg)
{
	struct events *ev = arg;

	if (ev->n < 16)
		snprintf(ev->seen[ev->n], sizeof(ev->seen[0]), "%d %s",
		    (int)type, kobj_key(obj));
	ev->n++;
	kobj_unref(obj);
	return 0;
}

static void
test_client_kobj_forms(void **state)
{
	static const char *const chunks[] = {
		"{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\","
		"\"namespace\":\"default\"}}}\n",
		"{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"n1\"}}}\n",
		NULL,
	};
	struct fixture *f = *state;
	struct client_kobjs list;
	struct events ev = { .n = 0 };
	struct ck_status st;
	struct kobj *pod = NULL, *out = NULL;
	cJSON *patch = cJSON_Parse("{\"spec\":{}}");

	srv_reply(&f->srv, 200, POD);
	srv_reply(&f->srv, 201, POD);
	srv_reply(&f->srv, 200, POD);
	srv_reply(&f->srv, 200, "[1]");
	srv_reply(&f->srv, 200, "{\"kind\":\"PodList\",\"apiVersion\":\"v1\","
	    "\"metadata\":{\"resourceVersion\":\"21\"},\"items\":["
	    "{\"metadata\":{\"name\":\"a\",\"namespace\":\"default\"}},"
	    "{\"kind\":\"Odd\",\"metadata\":{\"name\":\"b\"}}]}");
	srv_stream(&f->srv, chunks);
	assert_int_equal(client_get_kobj(f->cl, PODS, "default",
	    "web-0", &pod, &st), 0);
	assert_string_equal(kobj_key(pod), "default/web-0");
	assert_false(kobj_is_frozen(pod));
	assert_int_equal(client_create_kobj(f->cl, pod, &out, &st), 0);
	assert_string_equal(kobj_resource_version(out), "7");
	kobj_unref(out);
	assert_int_equal(client_update_status_kobj(f->cl, pod, NULL, &st), 0);
	/* A 2xx reply that is not an object. */
	assert_int_equal(client_patch_kobj(f->cl, PODS, "default",
	    "web-0", NULL, CLIENT_PATCH_MERGE, patch, &out, &st), CK_EIO);
	assert_null(out);
	assert_int_equal(client_list_all_kobj(f->cl, PODS, NULL,
	    NULL, 1, &list, &st), 0);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.resource_version, "21");
	assert_true(kobj_is_frozen(list.items[0]));
	assert_string_equal(kobj_kind(list.items[0]), "Pod");
	assert_string_equal(kobj_api_version(list.items[0]), "v1");
	assert_string_equal(kobj_kind(list.items[1]), "Odd");
	client_kobjs_fini(&list);
	assert_int_equal(list.n, 0);
	assert_int_equal(client_watch_kobj(f->cl, PODS, NULL, NULL,
	    on_kobj, &ev, &st), 0);
	assert_int_equal(ev.n, 2);
	assert_string_equal(ev.seen[0], "0 default/a");
	assert_string_equal(ev.seen[1], "2 n1");
	assert_string_equal(f->srv.reqs[2].uri,
	    "/api/v1/namespaces/default/pods/web-0/status");
	kobj_unref(pod);
	cJSON_Delete(patch);
}

static void
test_client_watch_idle_ends_without_request_timeout(void **state)
{
	struct client_options opt = { .max_attempts = 1, .timeout_ms = 100,
	    .watch_idle_s = 1 };
	struct kubeconfig kc = { .server = NULL };
	struct fixture *f = *state;
	struct events ev = { .n = 0 };
	struct ck_status st;
	struct client *cl = NULL;
	struct timespec t0, t1;
	long ms;

	kc.server = f->url;
	assert_int_equal(client_new(&kc, &opt, &cl, &st), 0);
	srv_reply(&f->srv, 0, NULL);		/* the watch hangs */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(client_watch(cl, PODS, NULL, NULL,
	    on_event, &ev, &st), CK_ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	/* Ended by the 1 s idle limit, not by the 100 ms request timeout. */
	assert_true(ms >= 900);
	client_free(cl);
}

static void *
thread_shutdown(void *arg)
{
	struct fixture *f = arg;
	int hung = 0;

	/* Wait until the watch is parked on the server, then stop the client. */
	while (!hung) {
		pthread_mutex_lock(&f->srv.mu);
		hung = f->srv.hung != NULL;
		pthread_mutex_unlock(&f->srv.mu);
		if (!hung)
			sched_yield();
	}
	client_shutdown(f->cl);
	return NULL;
}

static void
test_client_shutdown_ends_watch(void **state)
{
	struct fixture *f = *state;
	struct events ev = { .n = 0 };
	struct ck_status st;
	cJSON *pod = NULL;
	pthread_t t;

	srv_reply(&f->srv, 0, NULL);		/* the watch hangs */
	assert_int_equal(pthread_create(&t, NULL, thread_shutdown, f), 0);
	assert_int_equal(client_watch(f->cl, PODS, NULL, NULL, on_event,
	    &ev, &st), CK_ESHUTDOWN);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(client_get(f->cl, PODS, "default", "web-0", &pod,
	    &st), CK_ESHUTDOWN);
	assert_null(pod);
}

static void
test_client_tls_with_ca_data(void **state)
{
	struct kubeconfig kc = { .token = (char *)(uintptr_t)"s3cret" };
	struct client *cl = NULL;
	struct ck_status st;
	struct srv s;
	char url[64];
	cJSON *pod = NULL;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(srv_start_tls(&s, 1), 0);
	snprintf(url, sizeof(url), "https://127.0.0.1:%u", s.port);
	kc.server = url;
	/* Trusting the server's certificate through certificate-authority-data. */
	kc.ca_data = (char *)(uintptr_t)TLS_CERT;
	kc.ca_data_len = strlen(TLS_CERT);
	assert_int_equal(client_new(&kc, NULL, &cl, &st), 0);
	srv_reply(&s, 200, POD);
	assert_int_equal(client_get(cl, PODS, "default", "web-0", &pod,
	    &st), 0);
	cJSON_Delete(pod);
	assert_string_equal(s.reqs[0].auth, "Bearer s3cret");
	client_free(cl);
	/* Without the CA the server is refused (and that is not retried away). */
	kc.ca_data = NULL;
	kc.ca_data_len = 0;
	assert_int_equal(client_new(&kc,
	    &(struct client_options){ .max_attempts = 1 }, &cl, &st), 0);
	assert_int_equal(client_get(cl, PODS, "default", "web-0", &pod,
	    &st), CK_EIO);
	assert_non_null(strstr(st.message, "certificate"));
	client_free(cl);
	/* insecure-skip-tls-verify accepts it. */
	kc.insecure_skip_tls_verify = 1;
	assert_int_equal(client_new(&kc, NULL, &cl, &st), 0);
	srv_reply(&s, 200, POD);
	assert_int_equal(client_get(cl, PODS, "default", "web-0", &pod,
	    &st), 0);
	cJSON_Delete(pod);
	client_free(cl);
	assert_int_equal(srv_nreqs(&s), 2);
	srv_stop(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_path_builds_and_escapes),
		cmocka_unit_test(test_client_query_escapes_values),
		cmocka_unit_test(test_client_status_decode_status_body),
		cmocka_unit_test(test_client_status_decode_maps_codes),
		cmocka_unit_test(test_client_status_decode_plain_body),
		cmocka_unit_test(test_client_gvr_of_kinds),
		cmocka_unit_test(test_client_new_rejects_bad_server),
		cmocka_unit_test_setup_teardown(test_client_get_sends_token_and_parses,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_verbs_and_content_types,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_create_subresource_binding,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_list_with_continue,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_conflict_is_econflict,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_retries_500_then_200,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_create_retry_rules,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_create_timeout_not_retried,
		    setup, teardown),
		cmocka_unit_test(test_client_connection_refused_retried),
		cmocka_unit_test(test_client_tls_with_ca_data),
		cmocka_unit_test_setup_teardown(test_client_reuses_connection,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_watch_split_across_chunks,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_watch_callback_stops,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_watch_errors,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_shutdown_ends_watch,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_kobj_forms,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_client_watch_idle_ends_without_request_timeout,
		    setup, teardown),
	};
	int rc;

	rc = cmocka_run_group_tests_name("client", tests, NULL, NULL);
	client_global_cleanup();
	return rc;
}
