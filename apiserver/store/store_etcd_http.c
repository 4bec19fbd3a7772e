/*
 * store_etcd_http.c: etcd's v3 JSON gateway over libcurl. Each request goes
 * to the member that answered last; a member that cannot be reached (or has
 * no leader) is left for the next one, each tried once. Every request has a
 * connect timeout per member and a total timeout, so nothing hangs. Idle
 * curl handles are pooled so their connections are reused.
 */
#include "store_etcd_http.h"
#include "store_impl.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "ckube/alloc.h"
#include "ckube/base64.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#define ETCD_MEMBERS_MAX	16
#define ETCD_POOL_MAX		64
/* An answer larger than this is refused (a list of a huge prefix). */
#define ETCD_REPLY_MAX		(512u << 20)

/* gRPC codes the gateway puts in "code". */
#define GRPC_DEADLINE_EXCEEDED	4
#define GRPC_OUT_OF_RANGE	11
#define GRPC_UNAVAILABLE	14

struct etcd_client {
	char		*members[ETCD_MEMBERS_MAX];
	size_t		 nmembers;
	_Atomic size_t	 current;	/* the member to try first */
	int		 timeout_ms;

	pthread_mutex_t	 mu;		/* the idle handle pool */
	CURL		*idle[ETCD_POOL_MAX];
	size_t		 nidle;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
}

int
etcd_client_new(const char *servers, int timeout_ms,
    struct etcd_client **out, struct ck_status *st)
{
	struct etcd_client *c;
	char *list, *tok, *save = NULL;

	*out = NULL;
	if (servers == NULL || *servers == '\0')
		return ck_status_set(st, CK_EINVALID,
		    "etcd: no server URL (--etcd-servers)");
	pthread_once(&curl_once, curl_init_once);
	c = ck_calloc(1, sizeof(*c));
	c->timeout_ms = timeout_ms > 0 ? timeout_ms : ETCD_REQUEST_TIMEOUT_MS;
	pthread_mutex_init(&c->mu, NULL);
	list = ck_strdup(servers);
	for (tok = strtok_r(list, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		if (strncmp(tok, "http://", 7) != 0 || tok[7] == '\0' ||
		    c->nmembers == ETCD_MEMBERS_MAX) {
			ck_status_set(st, CK_EINVALID, "etcd: %s: want at most "
			    "%d http://host:port URLs", tok, ETCD_MEMBERS_MAX);
			free(list);
			etcd_client_free(c);
			return CK_EINVALID;
		}
		/* "http://h:p/" and "http://h:p" name the same root */
		if (tok[strlen(tok) - 1] == '/')
			tok[strlen(tok) - 1] = '\0';
		c->members[c->nmembers++] = ck_strdup(tok);
	}
	free(list);
	if (c->nmembers == 0) {
		etcd_client_free(c);
		return ck_status_set(st, CK_EINVALID,
		    "etcd: no server URL (--etcd-servers)");
	}
	*out = c;
	return 0;
}

void
etcd_client_free(struct etcd_client *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nidle; i++)
		curl_easy_cleanup(c->idle[i]);
	for (i = 0; i < c->nmembers; i++)
		free(c->members[i]);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

const char *
etcd_client_member(struct etcd_client *c)
{
	return c->members[atomic_load(&c->current) % c->nmembers];
}

static CURL *
handle_take(struct etcd_client *c)
{
	CURL *h = NULL;

	pthread_mutex_lock(&c->mu);
	if (c->nidle > 0)
		h = c->idle[--c->nidle];
	pthread_mutex_unlock(&c->mu);
	if (h == NULL && (h = curl_easy_init()) == NULL) {
		log_error("etcd: curl_easy_init failed");
		abort();
	}
	curl_easy_reset(h);
	return h;
}

static void
handle_put(struct etcd_client *c, CURL *h)
{
	pthread_mutex_lock(&c->mu);
	if (c->nidle < ETCD_POOL_MAX) {
		c->idle[c->nidle++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->mu);
	if (h != NULL)
		curl_easy_cleanup(h);
}

/* ---- one request ---- */

struct reply {
	struct strbuf	 body;
	bool		 too_big;
};

static size_t
reply_write(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;

	if (r->body.len + size * n > ETCD_REPLY_MAX) {
		r->too_big = true;
		return 0;
	}
	strbuf_add(&r->body, p, size * n);
	return size * n;
}

static void
setup_post(CURL *h, const char *url, const char *body,
    struct curl_slist *hdrs, int timeout_ms)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)ETCD_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 2L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
}

/* Did the failed transfer ever reach the member (the request may be in)? */
static bool
was_connected(CURL *h, CURLcode cc)
{
	curl_off_t t = 0;

	if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
	    cc == CURLE_COULDNT_RESOLVE_PROXY)
		return false;
	if (curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &t) != CURLE_OK)
		return true;
	return t > 0;
}

enum attempt { ATT_DONE, ATT_NEXT, ATT_FAIL };

/* The gateway's error answer {"error","code","message"} as a ck error. */
static enum attempt
answer_error(const char *url, long http, cJSON *j, bool write, int *rc)
{
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(j, "code");
	const char *m = cJSON_IsString(msg) ? msg->valuestring : "";
	int g = cJSON_IsNumber(code) ? code->valueint : -1;

	if (g == GRPC_OUT_OF_RANGE && strstr(m, "compacted") != NULL) {
		store_set_error("etcd: %s", m);
		*rc = CK_EGONE;
		return ATT_FAIL;
	}
	if (strstr(m, "request is too large") != NULL) {
		/* --max-request-bytes of etcd (1.5 MiB by default) */
		store_set_error("etcd: %s", m);
		*rc = CK_ETOOBIG;
		return ATT_FAIL;
	}
	if (g == GRPC_UNAVAILABLE) {
		store_set_error("etcd %s: unavailable: %s", url, m);
		*rc = CK_EUNAVAIL;
		return ATT_NEXT;	/* nothing was applied: try another */
	}
	if (g == GRPC_DEADLINE_EXCEEDED) {
		store_set_error("etcd %s: %s%s", url, m, write ?
		    " (the write's outcome is unknown)" : "");
		*rc = write ? CK_ETIMEDOUT : CK_EUNAVAIL;
		return write ? ATT_FAIL : ATT_NEXT;
	}
	store_set_error("etcd %s: HTTP %ld: %s", url, http,
	    *m ? m : "unexpected answer");
	*rc = CK_EIO;
	return ATT_FAIL;
}

static enum attempt
post_one(struct etcd_client *c, const char *member, const char *path,
    const char *body, bool write, cJSON **out, int *rc)
{
	struct curl_slist *hdrs = NULL;
	struct reply r = { .body = STRBUF_INIT };
	char url[512];
	enum attempt a;
	long http = 0;
	CURLcode cc;
	CURL *h;
	cJSON *j = NULL;

	snprintf(url, sizeof(url), "%s%s", member, path);
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	h = handle_take(c);
	setup_post(h, url, body, hdrs, c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, reply_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	cc = curl_easy_perform(h);
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
	if (cc != CURLE_OK) {
		if (r.too_big) {
			store_set_error("etcd %s: answer larger than %u MiB",
			    url, ETCD_REPLY_MAX >> 20);
			*rc = CK_EIO;
			a = ATT_FAIL;
		} else if (!was_connected(h, cc) || !write) {
			store_set_error("etcd %s: %s", member,
			    curl_easy_strerror(cc));
			*rc = CK_EUNAVAIL;
			a = ATT_NEXT;
		} else {
			store_set_error("Timeout: request did not complete "
			    "within %d ms: etcd %s: %s; the write's outcome is "
			    "unknown", c->timeout_ms, member,
			    curl_easy_strerror(cc));
			*rc = CK_ETIMEDOUT;
			a = ATT_FAIL;
		}
		goto out;
	}
	j = cJSON_ParseWithLength(r.body.buf ? r.body.buf : "", r.body.len);
	if (j == NULL || !cJSON_IsObject(j)) {
		store_set_error("etcd %s: HTTP %ld: not a JSON answer", url, http);
		*rc = CK_EIO;
		a = ATT_FAIL;
		goto out;
	}
	if (http != 200 || cJSON_GetObjectItemCaseSensitive(j, "error") != NULL) {
		a = answer_error(url, http, j, write, rc);
		goto out;
	}
	*out = j;
	j = NULL;
	*rc = 0;
	a = ATT_DONE;
out:
	cJSON_Delete(j);
	handle_put(c, h);
	curl_slist_free_all(hdrs);
	strbuf_fini(&r.body);
	return a;
}

/* Every member failed: say so, with the last one's words. */
static void
no_member(struct etcd_client *c)
{
	char last[200];

	snprintf(last, sizeof(last), "%s", store_last_error());
	store_set_error("etcd: no member reachable (%zu member%s; last: %s)",
	    c->nmembers, c->nmembers == 1 ? "" : "s", last);
}

int
etcd_post(struct etcd_client *c, const char *path, const char *body,
    bool write, cJSON **out)
{
	size_t first = atomic_load(&c->current), i, m;
	enum attempt a;
	int rc = CK_EUNAVAIL;

	*out = NULL;
	for (i = 0; i < c->nmembers; i++) {
		m = (first + i) % c->nmembers;
		a = post_one(c, c->members[m], path, body, write, out, &rc);
		if (a != ATT_NEXT) {
			if (i > 0)
				atomic_store(&c->current, m);
			return rc;
		}
	}
	if (rc == CK_EUNAVAIL)
		no_member(c);
	return rc;
}

/* ---- streams ---- */

struct stream {
	struct strbuf	 line;
	etcd_line_fn	 fn;
	void		*arg;
	const atomic_int *stop;
	bool		 ended;		/* fn or *stop ended it */
	bool		 got;		/* any byte came */
};

static size_t
stream_write(char *p, size_t size, size_t n, void *arg)
{
	struct stream *s = arg;
	size_t len = size * n, i, start = 0;

	s->got = true;
	for (i = 0; i < len; i++) {
		if (p[i] != '\n')
			continue;
		strbuf_add(&s->line, p + start, i - start);
		start = i + 1;
		if (s->line.len > 0 && s->fn(s->line.buf, s->line.len, s->arg)) {
			s->ended = true;
			return 0;
		}
		strbuf_reset(&s->line);
	}
	strbuf_add(&s->line, p + start, len - start);
	if (s->line.len > ETCD_REPLY_MAX)
		return 0;
	return len;
}

static int
stream_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
    curl_off_t un)
{
	struct stream *s = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	if (s->stop != NULL && atomic_load(s->stop)) {
		s->ended = true;
		return 1;
	}
	return 0;
}

int
etcd_stream(struct etcd_client *c, const char *path, const char *body,
    int timeout_ms, etcd_line_fn fn, void *arg, const atomic_int *stop)
{
	struct curl_slist *hdrs = NULL;
	size_t first = atomic_load(&c->current), i, m;
	struct stream s;
	char url[512];
	CURLcode cc = CURLE_OK;
	CURL *h;
	int rc = CK_EUNAVAIL;

	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	memset(&s, 0, sizeof(s));
	strbuf_init(&s.line);
	s.fn = fn;
	s.arg = arg;
	s.stop = stop;
	h = handle_take(c);
	for (i = 0; i < c->nmembers; i++) {
		m = (first + i) % c->nmembers;
		snprintf(url, sizeof(url), "%s%s", c->members[m], path);
		curl_easy_reset(h);
		setup_post(h, url, body, hdrs, timeout_ms);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, stream_write);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
		curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, stream_progress);
		curl_easy_setopt(h, CURLOPT_XFERINFODATA, &s);
		strbuf_reset(&s.line);
		cc = curl_easy_perform(h);
		if (s.ended) {
			rc = 0;
			break;
		}
		if (!s.got && !was_connected(h, cc)) {
			store_set_error("etcd %s: %s", c->members[m],
			    curl_easy_strerror(cc));
			continue;	/* never reached: the next member */
		}
		atomic_store(&c->current, m);
		if (cc == CURLE_OPERATION_TIMEDOUT && s.got) {
			store_set_error("etcd %s: stream timed out after %d ms",
			    c->members[m], timeout_ms);
			rc = CK_ETIMEDOUT;
		} else {
			store_set_error("etcd %s: stream ended: %s", url,
			    cc == CURLE_OK ? "closed" : curl_easy_strerror(cc));
			rc = CK_EIO;
		}
		break;
	}
	if (i == c->nmembers)
		no_member(c);
	handle_put(c, h);
	curl_slist_free_all(hdrs);
	strbuf_fini(&s.line);
	return rc;
}

/* ---- JSON helpers ---- */

int64_t
etcd_json_i64(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (cJSON_IsString(v))
		return strtoll(v->valuestring, NULL, 10);
	if (cJSON_IsNumber(v))
		return (int64_t)v->valuedouble;
	return 0;
}

char *
etcd_json_bytes(const cJSON *obj, const char *key, size_t *len)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	if (!cJSON_IsString(v))
		return NULL;
	return ck_base64_decode(v->valuestring, len);
}

void
etcd_json_add_bytes(cJSON *obj, const char *key, const char *data,
    size_t len)
{
	char *b = ck_base64_encode(data, len);

	if (cJSON_AddStringToObject(obj, key, b) == NULL) {
		log_error("etcd: out of memory in cJSON");
		abort();
	}
	free(b);
}

void
etcd_json_add_i64(cJSON *obj, const char *key, int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	if (cJSON_AddStringToObject(obj, key, buf) == NULL) {
		log_error("etcd: out of memory in cJSON");
		abort();
	}
}
