/*
 * ms_scrape.c: one GET of a kubelet's /stats/summary. The URL comes from a
 * Node's sim.ckube.io/kubelet-url annotation; libcurl is held to http and
 * https without redirects, with a short timeout and a size cap, as the
 * apiserver's pods/log fetch is. One handle serves a whole pass, so its
 * connections are kept alive: a kubelet-sim serves thousands of nodes on
 * one port, and a connection per scrape cost both sides a TCP setup and
 * teardown per node (333 a second at 5,000 nodes).
 */
#include <stdlib.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "ckube/log.h"
#include "ckube/strbuf.h"
#include "metrics_server.h"

#define SUMMARY_MAX	(32L << 20)

static size_t
collect(char *ptr, size_t size, size_t n, void *arg)
{
	struct strbuf *b = arg;

	if (b->len + size * n > (size_t)SUMMARY_MAX)
		return 0;
	strbuf_add(b, ptr, size * n);
	return size * n;
}

void *
ms_fetch_begin(long timeout_ms)
{
	CURL *h = curl_easy_init();

	if (h == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	return h;
}

void
ms_fetch_end(void *h)
{
	if (h != NULL)
		curl_easy_cleanup(h);
}

cJSON *
ms_fetch_json(void *h, const char *url)
{
	struct strbuf body = STRBUF_INIT;
	cJSON *doc = NULL;
	CURLcode cc;
	long code = 0;

	if (h == NULL)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	cc = curl_easy_perform(h);
	if (cc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	if (cc != CURLE_OK || code != 200)
		log_v(2, "scrape %s: %s (HTTP %ld)", url,
		    cc != CURLE_OK ? curl_easy_strerror(cc) : "error", code);
	else if ((doc = cJSON_ParseWithLength(body.buf, body.len)) == NULL)
		log_v(2, "scrape %s: not JSON", url);
	strbuf_fini(&body);
	return doc;
}
