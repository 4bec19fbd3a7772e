/*
 * loadgen.c: the load generator of `make bench` (bench/run.sh). Keep-alive
 * HTTP/1.1 connections (one libcurl easy handle per thread), a fixed number
 * of requests shared by --concurrency threads, every latency recorded; one
 * JSON line of results on stdout.
 *
 *   ckube-loadgen create --url URL --requests N --concurrency C [--size B]
 *	POST 2.2 KB ConfigMaps to URL (a collection path of the apiserver).
 *   ckube-loadgen etcd --url URL --requests N --concurrency C [--size B]
 *	The same payload as etcd v3 puts through its JSON gateway (/v3/kv/put).
 *   ckube-loadgen watch --url URL --requests N --watchers W [--rate R]
 *	W HTTP watches on URL?watch=1, then N creates (at most R/s); each
 *	watcher measures create-sent to event-received; events that never
 *	arrive without the stream failing count as lost undetected.
 *   ckube-loadgen pods --url URL --requests N --concurrency C
 *	N pods created through URL (namespace pods path), a watch measuring
 *	create-sent to phase Running: startup p50/p99 and end-to-end pods/s.
 *   ckube-loadgen get --url URL --requests N --concurrency C [--accept A]
 *	N GETs of URL (an object or a LIST); "bytes" is one reply's size;
 *	--accept sets the Accept header (kubectl's Table media types).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "ckube/alloc.h"
#include "ckube/clock.h"
#include "ckube/strbuf.h"

struct opts {
	const char	*mode;
	const char	*url;
	long		 requests;
	long		 concurrency;
	long		 size;
	long		 watchers;
	long		 rate;
	long		 timeout_s;
	const char	*accept;	/* get: an Accept header (--accept) */
};

struct run {
	struct opts	 o;
	char		 tag[32];	/* distinguishes names across runs */
	atomic_long	 next;
	atomic_long	 errors;
	atomic_long	 bytes;		/* get: the last reply's size */
	int64_t		*lat_us;	/* per request */
	char		*pad;		/* --size bytes of payload */
	int64_t		*sent_us;	/* watch/pods: when request i was sent */
	int64_t		*done_us;	/* watch/pods: when its reply came */
	uint64_t	 start_us;
};

static void
die(const char *why)
{
	fprintf(stderr, "ckube-loadgen: %s\n", why);
	exit(1);
}

static size_t
sink(char *p, size_t sz, size_t n, void *arg)
{
	long *got = arg;

	(void)p;
	if (got != NULL)
		*got += (long)(sz * n);
	return sz * n;
}

static CURL *
handle_new(struct curl_slist **hdrs)
{
	CURL *h = curl_easy_init();

	if (h == NULL)
		die("out of resources");
	*hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	return h;
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
base64(struct strbuf *sb, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16 |
		    (uint32_t)(unsigned char)s[i + 1] << 8 |
		    (unsigned char)s[i + 2];

		strbuf_addf(sb, "%c%c%c%c", b64[v >> 18], b64[(v >> 12) & 63],
		    b64[(v >> 6) & 63], b64[v & 63]);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16;

		strbuf_addf(sb, "%c%c==", b64[v >> 18], b64[(v >> 12) & 63]);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)(unsigned char)s[i] << 16 |
		    (uint32_t)(unsigned char)s[i + 1] << 8;

		strbuf_addf(sb, "%c%c%c=", b64[v >> 18], b64[(v >> 12) & 63],
		    b64[(v >> 6) & 63]);
	}
}

/* The body of request i. */
static void
body_for(struct run *r, long i, struct strbuf *sb)
{
	char key[96];

	strbuf_reset(sb);
	if (strcmp(r->o.mode, "etcd") == 0) {
		snprintf(key, sizeof(key), "/registry/configmaps/bench/b-%s-%ld",
		    r->tag, i);
		strbuf_adds(sb, "{\"key\":\"");
		base64(sb, key, strlen(key));
		strbuf_adds(sb, "\",\"value\":\"");
		base64(sb, r->pad, (size_t)r->o.size);
		strbuf_adds(sb, "\"}");
	} else if (strcmp(r->o.mode, "pods") == 0) {
		strbuf_addf(sb, "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
		    "\"metadata\":{\"name\":\"b-%s-%ld\",\"labels\":{\"bench\":"
		    "\"%s\"},\"annotations\":{\"bench/pad\":\"%.*s\"}},"
		    "\"spec\":{\"containers\":[{\"name\":\"c\",\"image\":"
		    "\"nginx\",\"resources\":{\"requests\":{\"cpu\":\"1m\"}}}]}}",
		    r->tag, i, r->tag, (int)(r->o.size > 1500 ? r->o.size - 1500 : 1),
		    r->pad);
	} else {
		strbuf_addf(sb, "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
		    "\"metadata\":{\"name\":\"b-%s-%ld\",\"labels\":{\"bench\":"
		    "\"%s\"}},\"data\":{\"pad\":\"%s\"}}", r->tag, i, r->tag,
		    r->pad);
	}
}

static void *
writer(void *arg)
{
	struct run *r = arg;
	struct curl_slist *hdrs;
	CURL *h = handle_new(&hdrs);
	struct strbuf sb = STRBUF_INIT;
	long i, code, got = 0;
	bool get = strcmp(r->o.mode, "get") == 0;
	char accept[512];
	uint64_t t0;

	curl_easy_setopt(h, CURLOPT_URL, r->o.url);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &got);
	if (r->o.accept != NULL) {	/* e.g. kubectl's Table */
		snprintf(accept, sizeof(accept), "Accept: %s", r->o.accept);
		hdrs = curl_slist_append(hdrs, accept);
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	}
	if (get)
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	while ((i = atomic_fetch_add(&r->next, 1)) < r->o.requests) {
		if (r->o.rate > 0) {	/* pace: request i not before i/rate s */
			uint64_t due = r->start_us +
			    (uint64_t)i * 1000000u / (uint64_t)r->o.rate;
			uint64_t now = ck_now_us();

			if (due > now)
				usleep((useconds_t)(due - now));
		}
		if (!get) {
			body_for(r, i, &sb);
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, strbuf_str(&sb));
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)sb.len);
		}
		got = 0;
		t0 = ck_now_us();
		if (r->sent_us != NULL)
			r->sent_us[i] = (int64_t)t0;
		if (curl_easy_perform(h) != CURLE_OK ||
		    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code) !=
		    CURLE_OK || code < 200 || code > 299)
			atomic_fetch_add(&r->errors, 1);
		r->lat_us[i] = (int64_t)(ck_now_us() - t0);
		if (r->done_us != NULL)
			r->done_us[i] = (int64_t)t0 + r->lat_us[i];
		atomic_store(&r->bytes, got);
	}
	strbuf_fini(&sb);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return NULL;
}

/* A watcher: parses the newline-delimited events of one stream. */
struct watcher {
	struct run	*r;
	pthread_t	 th;
	struct strbuf	 line;
	int64_t		*recv_us;	/* per request index: first arrival */
	long		 seen;
	bool		 pods;		/* wait for phase Running */
	atomic_bool	 ready;
	CURL		*h;
};

static long
index_of(const struct watcher *w, const char *name)
{
	const char *p;
	size_t tl = strlen(w->r->tag);

	if (name == NULL || strncmp(name, "b-", 2) != 0 ||
	    strncmp(name + 2, w->r->tag, tl) != 0 || name[2 + tl] != '-')
		return -1;
	p = name + 3 + tl;
	return strtol(p, NULL, 10);
}

static void
watch_event(struct watcher *w, const char *s, size_t n)
{
	cJSON *ev = cJSON_ParseWithLength(s, n), *obj, *md;
	const char *name, *phase;
	long i;

	if (ev == NULL)
		return;
	obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(md, "name"));
	i = index_of(w, name);
	if (i >= 0 && i < w->r->o.requests && w->recv_us[i] == 0) {
		phase = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(obj, "status"), "phase"));
		if (!w->pods || (phase != NULL && strcmp(phase, "Running") == 0)) {
			w->recv_us[i] = (int64_t)ck_now_us();
			w->seen++;
		}
	}
	cJSON_Delete(ev);
}

static size_t
watch_data(char *p, size_t sz, size_t n, void *arg)
{
	struct watcher *w = arg;
	size_t len = sz * n, i = 0, k;
	const char *nl;

	atomic_store(&w->ready, true);
	/* Whole lines at a time: a byte at a time cost the watchers (10
	 * threads on the measured box) more CPU than the apiserver's fan-out. */
	while (i < len) {
		nl = memchr(p + i, '\n', len - i);
		k = nl != NULL ? (size_t)(nl - (p + i)) : len - i;
		if (nl != NULL && w->line.len == 0)
			watch_event(w, p + i, k);
		else {
			strbuf_add(&w->line, p + i, k);
			if (nl != NULL) {
				watch_event(w, strbuf_str(&w->line),
				    w->line.len);
				strbuf_reset(&w->line);
			}
		}
		i += k + (nl != NULL);
	}
	/* Every object arrived: end the stream. */
	return w->seen >= w->r->o.requests ? 0 : len;
}

static void *
watch_main(void *arg)
{
	struct watcher *w = arg;

	curl_easy_perform(w->h);
	return NULL;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static double
pct_ms(int64_t *v, size_t n, double p)
{
	size_t i;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp64);
	i = (size_t)(p * (double)(n - 1) + 0.5);
	return (double)v[i] / 1000.0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: ckube-loadgen create|etcd|watch|pods|get --url URL "
	    "[--requests N] [--concurrency C] [--size BYTES] [--watchers W] "
	    "[--rate PER_S] [--timeout S] [--accept MEDIA_TYPES]\n");
	return 2;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	int i;

	if (argc < 2)
		return -1;
	o->mode = argv[1];
	o->requests = 1000;
	o->concurrency = 1;
	o->size = 2200;
	o->watchers = 1;
	o->timeout_s = 120;
	for (i = 2; i + 1 < argc; i += 2) {
		char *end;
		long v = strtol(argv[i + 1], &end, 10);

		if (strcmp(argv[i], "--url") == 0) {
			o->url = argv[i + 1];
			continue;
		}
		if (strcmp(argv[i], "--accept") == 0) {
			o->accept = argv[i + 1];
			continue;
		}
		if (*end != '\0' || v < 0)
			return -1;
		if (strcmp(argv[i], "--requests") == 0)
			o->requests = v;
		else if (strcmp(argv[i], "--concurrency") == 0 && v > 0)
			o->concurrency = v;
		else if (strcmp(argv[i], "--size") == 0 && v > 0 && v < 1 << 20)
			o->size = v;
		else if (strcmp(argv[i], "--watchers") == 0 && v > 0 && v <= 100)
			o->watchers = v;
		else if (strcmp(argv[i], "--rate") == 0)
			o->rate = v;
		else if (strcmp(argv[i], "--timeout") == 0 && v > 0)
			o->timeout_s = v;
		else
			return -1;
	}
	if (i != argc || o->url == NULL || o->requests == 0 ||
	    (strcmp(o->mode, "create") != 0 && strcmp(o->mode, "etcd") != 0 &&
	    strcmp(o->mode, "watch") != 0 && strcmp(o->mode, "pods") != 0 &&
	    strcmp(o->mode, "get") != 0))
		return -1;
	return 0;
}

/* Start the watchers of watch/pods mode; they run until every object arrived. */
static struct watcher *
watchers_start(struct run *r, long n, bool pods)
{
	struct watcher *ws = ck_calloc((size_t)n, sizeof(*ws));
	char url[1024];
	long k;

	snprintf(url, sizeof(url), "%s?watch=1&labelSelector=bench%%3D%s",
	    r->o.url, r->tag);
	for (k = 0; k < n; k++) {
		struct watcher *w = &ws[k];

		w->r = r;
		w->pods = pods;
		strbuf_init(&w->line);
		w->recv_us = ck_calloc((size_t)r->o.requests, sizeof(int64_t));
		w->h = curl_easy_init();
		if (w->h == NULL)
			die("out of resources");
		curl_easy_setopt(w->h, CURLOPT_URL, url);
		curl_easy_setopt(w->h, CURLOPT_WRITEFUNCTION, watch_data);
		curl_easy_setopt(w->h, CURLOPT_WRITEDATA, w);
		curl_easy_setopt(w->h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(w->h, CURLOPT_TIMEOUT, r->o.timeout_s);
		if (pthread_create(&w->th, NULL, watch_main, w) != 0)
			die("out of resources");
	}
	/* The apiserver sends nothing until an event: give the streams a moment. */
	usleep(300000);
	return ws;
}

int
main(int argc, char **argv)
{
	struct run r = { 0 };
	pthread_t *th;
	struct watcher *ws = NULL;
	long k, nw = 0, seen = 0;
	uint64_t t_end;
	double secs;
	int64_t *lat, *after, last = 0;
	size_t nlat = 0;

	if (parse_args(argc, argv, &r.o) != 0)
		return usage();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	snprintf(r.tag, sizeof(r.tag), "%lx%x", (long)time(NULL) & 0xfffff,
	    (unsigned)getpid() & 0xfff);
	r.pad = ck_malloc((size_t)r.o.size + 1);
	memset(r.pad, 'x', (size_t)r.o.size);
	r.pad[r.o.size] = '\0';
	r.lat_us = ck_calloc((size_t)r.o.requests, sizeof(int64_t));
	if (strcmp(r.o.mode, "watch") == 0 || strcmp(r.o.mode, "pods") == 0) {
		r.sent_us = ck_calloc((size_t)r.o.requests, sizeof(int64_t));
		r.done_us = ck_calloc((size_t)r.o.requests, sizeof(int64_t));
		nw = strcmp(r.o.mode, "pods") == 0 ? 1 : r.o.watchers;
		ws = watchers_start(&r, nw, strcmp(r.o.mode, "pods") == 0);
	}
	th = ck_calloc((size_t)r.o.concurrency, sizeof(*th));
	r.start_us = ck_now_us();
	for (k = 0; k < r.o.concurrency; k++)
		if (pthread_create(&th[k], NULL, writer, &r) != 0)
			die("out of resources");
	for (k = 0; k < r.o.concurrency; k++)
		pthread_join(th[k], NULL);
	t_end = ck_now_us();
	secs = (double)(t_end - r.start_us) / 1e6;
	if (ws == NULL) {
		printf("{\"mode\":\"%s\",\"requests\":%ld,\"concurrency\":%ld,"
		    "\"errors\":%ld,\"bytes\":%ld,\"seconds\":%.3f,\"per_s\":%.0f,"
		    "\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n", r.o.mode, r.o.requests,
		    r.o.concurrency, atomic_load(&r.errors), atomic_load(&r.bytes), secs,
		    (double)r.o.requests / secs,
		    pct_ms(r.lat_us, (size_t)r.o.requests, 0.50),
		    pct_ms(r.lat_us, (size_t)r.o.requests, 0.99));
		goto out;
	}
	lat = ck_calloc((size_t)(r.o.requests * nw), sizeof(int64_t));
	/* Arrival after the create's reply (0 if before): delivery latency
	 * without the write's own time. */
	after = ck_calloc((size_t)(r.o.requests * nw), sizeof(int64_t));
	for (k = 0; k < nw; k++) {
		pthread_join(ws[k].th, NULL);
		seen += ws[k].seen;
		for (long i = 0; i < r.o.requests; i++) {
			if (ws[k].recv_us[i] == 0)
				continue;
			after[nlat] = ws[k].recv_us[i] > r.done_us[i] ?
			    ws[k].recv_us[i] - r.done_us[i] : 0;
			lat[nlat++] = ws[k].recv_us[i] - r.sent_us[i];
			if (ws[k].recv_us[i] > last)
				last = ws[k].recv_us[i];
		}
	}
	secs = last > 0 ? (double)((uint64_t)last - r.start_us) / 1e6 : secs;
	printf("{\"mode\":\"%s\",\"requests\":%ld,\"watchers\":%ld,"
	    "\"errors\":%ld,\"received\":%ld,\"lost\":%ld,\"seconds\":%.3f,"
	    "\"per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,"
	    "\"create_p99_ms\":%.3f,\"after_reply_p50_ms\":%.3f,"
	    "\"after_reply_p99_ms\":%.3f}\n", r.o.mode,
	    r.o.requests, nw,
	    atomic_load(&r.errors), seen,
	    r.o.requests * nw - atomic_load(&r.errors) * nw - seen, secs,
	    (double)seen / (double)nw / secs, pct_ms(lat, nlat, 0.50),
	    pct_ms(lat, nlat, 0.99),
	    pct_ms(r.lat_us, (size_t)r.o.requests, 0.99),
	    pct_ms(after, nlat, 0.50), pct_ms(after, nlat, 0.99));
	free(lat);
	free(after);
	for (k = 0; k < nw; k++) {
		curl_easy_cleanup(ws[k].h);
		strbuf_fini(&ws[k].line);
		free(ws[k].recv_us);
	}
	free(ws);
out:
	free(th);
	free(r.lat_us);
	free(r.sent_us);
	free(r.done_us);
	free(r.pad);
	curl_global_cleanup();
	return 0;
}
