/*
 * Unit tests for common/httpd.c: a real server on 127.0.0.1, port 0, driven
 * by libcurl (built-in endpoints, routes, errors, keep-alive, port file).
 */
#include <curl/curl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "ckube/err.h"
#include "ckube/httpd.h"
#include "ckube/metrics.h"
#include "ckube/strbuf.h"

struct reply {
	long		status;
	struct strbuf	body;
	char		ctype[128];
};

static size_t
on_data(char *p, size_t size, size_t n, void *arg)
{
	strbuf_add(arg, p, size * n);
	return size * n;
}

/* One request on a reused easy handle (keeps the connection alive). */
static void
request(CURL *curl, int port, const char *method, const char *path,
    const char *body, struct reply *r)
{
	char url[256];
	char *ct = NULL;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	strbuf_reset(&r->body);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r->body);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
	if (body != NULL) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	} else {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	}
	assert_int_equal(curl_easy_perform(curl), CURLE_OK);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
	snprintf(r->ctype, sizeof(r->ctype), "%s", ct ? ct : "");
}

static void
echo_handler(const struct httpd_request *req, struct httpd_response *resp,
    void *arg)
{
	const char *who = httpd_query(req, "who");

	resp->status = 201;
	resp->content_type = "application/json";
	strbuf_addf(&resp->body, "{\"tag\":\"%s\",\"method\":\"%s\",\"len\":%zu,"
	    "\"who\":\"%s\",\"body\":\"%s\"}", (const char *)arg, req->method,
	    req->body_len, who ? who : "", req->body);
}

static char tag_e[] = "E", tag_a[] = "A";

static const struct httpd_route routes[] = {
	{ "POST", "/echo", echo_handler, tag_e },
	{ NULL, "/any", echo_handler, tag_a },
};

static void
test_httpd_endpoints(void **state)
{
	struct httpd_config cfg;
	struct httpd *h;
	struct reply r;
	CURL *curl;
	long conns = 0;
	int port;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&r, 0, sizeof(r));
	cfg.bind_address = "127.0.0.1";
	cfg.routes = routes;
	cfg.nroutes = 2;
	cfg.max_body = 64;
	assert_int_equal(httpd_start(&cfg, &h), 0);
	port = httpd_port(h);
	assert_true(port > 0);
	metrics_counter_add(metrics_counter("test_things_total", "Things."), 3);

	curl = curl_easy_init();
	assert_non_null(curl);
	request(curl, port, "GET", "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(strbuf_str(&r.body), "ok");
	assert_string_equal(r.ctype, "text/plain; charset=utf-8");

	request(curl, port, "GET", "/readyz", NULL, &r);
	assert_int_equal(r.status, 503);
	httpd_set_ready(h, 1);
	request(curl, port, "GET", "/readyz", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(strbuf_str(&r.body), "ok");
	httpd_set_ready(h, 0);
	request(curl, port, "GET", "/readyz", NULL, &r);
	assert_int_equal(r.status, 503);

	request(curl, port, "GET", "/metrics", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.ctype, METRICS_CONTENT_TYPE);
	assert_non_null(strstr(strbuf_str(&r.body),
	    "# TYPE test_things_total counter\ntest_things_total 3\n"));

	request(curl, port, "GET", "/nosuch", NULL, &r);
	assert_int_equal(r.status, 404);
	request(curl, port, "POST", "/healthz", "x", &r);
	assert_int_equal(r.status, 405);
	request(curl, port, "GET", "/echo", NULL, &r);
	assert_int_equal(r.status, 405);

	request(curl, port, "POST", "/echo?who=me", "hello", &r);
	assert_int_equal(r.status, 201);
	assert_string_equal(r.ctype, "application/json");
	assert_string_equal(strbuf_str(&r.body), "{\"tag\":\"E\",\"method\":\"POST\","
	    "\"len\":5,\"who\":\"me\",\"body\":\"hello\"}");
	request(curl, port, "DELETE", "/any", NULL, &r);
	assert_int_equal(r.status, 201);
	assert_non_null(strstr(strbuf_str(&r.body), "\"method\":\"DELETE\""));

	request(curl, port, "POST", "/echo", "0123456789012345678901234567890123"
	    "4567890123456789012345678901234567890", &r);
	assert_int_equal(r.status, 413);

	/* every request above went over one kept-alive connection */
	curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &conns);
	request(curl, port, "GET", "/healthz", NULL, &r);
	curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &conns);
	assert_int_equal(conns, 0);

	curl_easy_cleanup(curl);
	httpd_stop(h);
	strbuf_fini(&r.body);
	metrics_reset();
}

/* A stream that has nothing on its first calls, then "a", "b", the end. */
struct slow {
	int	calls;
	int	*freed;
};

static long
slow_read(void *arg, char *buf, size_t max)
{
	struct slow *s = arg;

	(void)max;
	s->calls++;
	if (s->calls == 3 || s->calls == 5) {
		buf[0] = s->calls == 3 ? 'a' : 'b';
		return 1;
	}
	return s->calls > 5 ? -1 : 0;
}

static void
slow_free(void *arg)
{
	struct slow *s = arg;

	__atomic_add_fetch(s->freed, 1, __ATOMIC_SEQ_CST);
	free(s);
}

static int freed;

static void
stream_handler(const struct httpd_request *req, struct httpd_response *resp,
    void *arg)
{
	struct slow *s = calloc(1, sizeof(*s));

	(void)arg;
	s->freed = &freed;
	strbuf_addf(&resp->body, "%s:", req->path);
	resp->stream = slow_read;
	resp->stream_arg = s;
	resp->stream_free = slow_free;
}

static const struct httpd_route stream_routes[] = {
	{ "GET", "/logs/*", stream_handler, NULL },
};

static void
test_httpd_prefix_stream(void **state)
{
	struct httpd_config cfg;
	struct httpd *h;
	struct reply r;
	CURL *curl;
	int port, tries;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&r, 0, sizeof(r));
	cfg.bind_address = "127.0.0.1";
	cfg.routes = stream_routes;
	cfg.nroutes = 1;
	assert_int_equal(httpd_start(&cfg, &h), 0);
	port = httpd_port(h);
	curl = curl_easy_init();
	/* a prefix route; the body, then the stream's bytes as they come */
	request(curl, port, "GET", "/logs/ns/pod/c", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(strbuf_str(&r.body), "/logs/ns/pod/c:ab");
	/* the server frees the stream after the client has the last byte */
	for (tries = 0; __atomic_load_n(&freed, __ATOMIC_SEQ_CST) == 0 &&
	    tries < 500; tries++)
		usleep(10000);
	assert_int_equal(__atomic_load_n(&freed, __ATOMIC_SEQ_CST), 1);
	request(curl, port, "GET", "/logs", NULL, &r);
	assert_int_equal(r.status, 404);
	/* the server still answers while streams sleep */
	request(curl, port, "GET", "/healthz", NULL, &r);
	assert_int_equal(r.status, 200);
	curl_easy_cleanup(curl);
	httpd_stop(h);
	strbuf_fini(&r.body);
}

static void
test_httpd_port_file(void **state)
{
	struct httpd_config cfg;
	struct httpd *h;
	char dir[] = "/tmp/ckube-httpd-XXXXXX", path[128], buf[32], want[32];
	FILE *fp;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/port", dir);
	memset(&cfg, 0, sizeof(cfg));
	cfg.bind_address = "127.0.0.1";
	cfg.port_file = path;
	assert_int_equal(httpd_start(&cfg, &h), 0);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	snprintf(want, sizeof(want), "%d\n", httpd_port(h));
	assert_string_equal(buf, want);
	httpd_stop(h);
	unlink(path);

	/* a port file that cannot be written fails the start */
	snprintf(path, sizeof(path), "%s/nodir/port", dir);
	cfg.port_file = path;
	assert_int_equal(httpd_start(&cfg, &h), CK_EIO);
	assert_null(h);
	rmdir(dir);
}

static void
test_httpd_bad_config(void **state)
{
	struct httpd_config cfg;
	struct httpd *h, *h2;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.bind_address = "not-an-ip";
	assert_int_equal(httpd_start(&cfg, &h), CK_EINVALID);
	cfg.bind_address = "127.0.0.1";
	cfg.port = 70000;
	assert_int_equal(httpd_start(&cfg, &h), CK_EINVALID);
	/* the same port twice: the second bind fails */
	cfg.port = 0;
	assert_int_equal(httpd_start(&cfg, &h), 0);
	cfg.port = httpd_port(h);
	assert_int_equal(httpd_start(&cfg, &h2), CK_EIO);
	httpd_stop(h);
	httpd_stop(NULL);
	/* IPv6 loopback, if the machine has it */
	cfg.bind_address = "::1";
	cfg.port = 0;
	if (httpd_start(&cfg, &h) == 0) {
		assert_true(httpd_port(h) > 0);
		httpd_stop(h);
	}
}

/* ---- 101 Switching Protocols: the socket goes to a thread ---- */

static int upg_freed;

static void
upper_echo(int fd, char *buf, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buf[i] >= 'a' && buf[i] <= 'z')
			buf[i] = (char)(buf[i] - 32);
	(void)!write(fd, buf, n);
}

/* Echo what the client sends, upper-cased, until it closes. */
static void
upg_run(void *arg, int fd, const char *extra, size_t extra_len)
{
	char buf[256];
	ssize_t n;

	(void)arg;
	if (extra_len > 0 && extra_len <= sizeof(buf)) {
		memcpy(buf, extra, extra_len);
		upper_echo(fd, buf, extra_len);
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		upper_echo(fd, buf, (size_t)n);
}

static void
upg_free(void *arg)
{
	(void)arg;
	__atomic_add_fetch(&upg_freed, 1, __ATOMIC_SEQ_CST);
}

static void
upg_handler(const struct httpd_request *req, struct httpd_response *resp,
    void *arg)
{
	const char *w[4];

	(void)arg;
	if (httpd_header(req, "Upgrade") == NULL) {
		resp->status = 400;
		strbuf_adds(&resp->body, "upgrade required");
		return;
	}
	assert_int_equal(httpd_query_all(req, "c", w, 4), 3);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[2], "c c");
	strbuf_adds(&resp->body, "Upgrade: test\nX-Extra: yes\n");
	resp->upgrade = upg_run;
	resp->upgrade_free = upg_free;
	resp->upgrade_arg = &upg_freed;
}

static const struct httpd_route upg_routes[] = {
	{ NULL, "/up", upg_handler, NULL },
};

/* Read from fd until want appears in got (bounded); true if it did. */
static bool
read_until(int fd, struct strbuf *got, const char *want)
{
	char buf[512];
	ssize_t n;

	while (strstr(strbuf_str(got), want) == NULL) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return false;
		strbuf_add(got, buf, (size_t)n);
	}
	return true;
}

static void
test_httpd_upgrade(void **state)
{
	static const char req[] = "GET /up?c=a&c=b&c=c%20c HTTP/1.1\r\n"
	    "Host: x\r\nConnection: Upgrade\r\nUpgrade: test\r\n\r\nhello ";
	struct httpd_config cfg;
	struct sockaddr_in sa;
	struct timeval tv = { 10, 0 };
	struct strbuf got;
	struct httpd *h;
	struct reply r;
	CURL *curl;
	int fd, tries;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	memset(&r, 0, sizeof(r));
	cfg.bind_address = "127.0.0.1";
	cfg.routes = upg_routes;
	cfg.nroutes = 1;
	assert_int_equal(httpd_start(&cfg, &h), 0);
	/* without Upgrade the route answers as any other */
	curl = curl_easy_init();
	request(curl, httpd_port(h), "GET", "/up", NULL, &r);
	assert_int_equal(r.status, 400);
	curl_easy_cleanup(curl);
	strbuf_fini(&r.body);

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)httpd_port(h));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	/* bytes past the head ("hello ") reach the handler as extra */
	assert_int_equal(write(fd, req, sizeof(req) - 1), sizeof(req) - 1);
	strbuf_init(&got);
	assert_true(read_until(fd, &got, "\r\n\r\n"));
	assert_non_null(strstr(got.buf, "HTTP/1.1 101"));
	assert_non_null(strstr(got.buf, "X-Extra: yes\r\n"));
	assert_non_null(strstr(got.buf, "Upgrade: test\r\n"));
	assert_int_equal(write(fd, "world", 5), 5);
	assert_true(read_until(fd, &got, "HELLO WORLD"));
	close(fd);
	for (tries = 0; __atomic_load_n(&upg_freed, __ATOMIC_SEQ_CST) == 0 &&
	    tries < 500; tries++)
		usleep(10000);
	assert_int_equal(__atomic_load_n(&upg_freed, __ATOMIC_SEQ_CST), 1);
	strbuf_fini(&got);
	httpd_stop(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_httpd_endpoints),
		cmocka_unit_test(test_httpd_prefix_stream),
		cmocka_unit_test(test_httpd_port_file),
		cmocka_unit_test(test_httpd_bad_config),
		cmocka_unit_test(test_httpd_upgrade),
	};
	int rc;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
