/*
 * client_watch.c: client_watch, the long-lived ?watch=1 stream: its own easy
 * handle, newline splitting across write callbacks, ERROR events decoded as
 * Status. Reconnecting after the stream ends is the caller's (informer's) job.
 */
#include "ckube/client.h"

#include <ctype.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"

#include "client_int.h"

/* ---- watch ---- */

struct watch {
	struct client		*cl;
	CURL			*easy;
	client_watch_fn		 fn;
	void			*arg;
	struct ck_status	*st;
	struct strbuf		 line;		/* partial line across writes */
	struct strbuf		 errbody;	/* body of a non-2xx reply */
	long			 code;		/* HTTP status, once known */
	int			 rc;		/* why the stream was stopped */
	int			 stopped;
};

static int
event_type(const char *s, enum client_event_type *t)
{
	if (strcmp(s, "ADDED") == 0)
		*t = CLIENT_EVENT_ADDED;
	else if (strcmp(s, "MODIFIED") == 0)
		*t = CLIENT_EVENT_MODIFIED;
	else if (strcmp(s, "DELETED") == 0)
		*t = CLIENT_EVENT_DELETED;
	else if (strcmp(s, "BOOKMARK") == 0)
		*t = CLIENT_EVENT_BOOKMARK;
	else
		return CK_EINVALID;
	return 0;
}

/* Decode one event line and hand it on. Returns non-zero to stop. */
static int
watch_line(struct watch *w, const char *p, size_t len)
{
	enum client_event_type t;
	cJSON *ev, *obj;
	const char *type;
	int rc = 0;

	while (len > 0 && isspace((unsigned char)p[len - 1]))
		len--;
	while (len > 0 && isspace((unsigned char)*p)) {
		p++;
		len--;
	}
	if (len == 0)
		return 0;
	ev = cJSON_ParseWithLength(p, len);
	type = client_json_str(ev, "type");
	obj = cJSON_GetObjectItemCaseSensitive(ev, "object");
	if (type == NULL || !cJSON_IsObject(obj)) {
		rc = ck_status_set(w->st, CK_EIO,
		    "client: watch: malformed event \"%.80s\"", p);
		goto out;
	}
	if (strcmp(type, "ERROR") == 0) {
		rc = client_status_from_json(obj, 500, w->st);
		goto out;
	}
	if (event_type(type, &t) < 0) {
		rc = ck_status_set(w->st, CK_EIO,
		    "client: watch: unknown event type \"%.40s\"", type);
		goto out;
	}
	obj = cJSON_DetachItemViaPointer(ev, obj);
	rc = w->fn(t, obj, w->arg);
out:
	cJSON_Delete(ev);
	return rc;
}

static size_t
watch_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct watch *w = arg;
	size_t n = size * nmemb, start = 0, i;
	int rc;

	if (w->code == 0)
		curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &w->code);
	if (w->code < 200 || w->code >= 300) {
		if (w->errbody.len < CLIENT_MAX_ERRBODY)
			strbuf_add(&w->errbody, ptr, n);
		return n;
	}
	for (i = 0; i < n; i++) {
		if (ptr[i] != '\n')
			continue;
		if (w->line.len > 0) {
			strbuf_add(&w->line, ptr + start, i - start);
			rc = watch_line(w, w->line.buf, w->line.len);
			strbuf_reset(&w->line);
		} else {
			rc = watch_line(w, ptr + start, i - start);
		}
		start = i + 1;
		if (rc != 0) {
			w->rc = rc;
			w->stopped = 1;
			return 0;
		}
	}
	if (w->line.len + (n - start) > CLIENT_MAX_EVENT) {
		w->rc = ck_status_set(w->st, CK_ETOOBIG,
		    "client: watch: event longer than %u bytes",
		    CLIENT_MAX_EVENT);
		w->stopped = 1;
		return 0;
	}
	strbuf_add(&w->line, ptr + start, n - start);
	return n;
}

static int
watch_query(char *path, size_t size, const struct client_watch_opts *o,
    struct ck_status *st)
{
	char num[24];
	int rc;

	rc = client_query_add(path, size, "watch", "1");
	if (o != NULL) {
		if (o->resource_version != NULL &&
		    o->resource_version[0] != '\0')
			rc |= client_query_add(path, size, "resourceVersion",
			    o->resource_version);
		if (o->label_selector != NULL && o->label_selector[0] != '\0')
			rc |= client_query_add(path, size, "labelSelector",
			    o->label_selector);
		if (o->field_selector != NULL && o->field_selector[0] != '\0')
			rc |= client_query_add(path, size, "fieldSelector",
			    o->field_selector);
		if (o->timeout_seconds > 0) {
			snprintf(num, sizeof(num), "%ld", o->timeout_seconds);
			rc |= client_query_add(path, size, "timeoutSeconds",
			    num);
		}
		if (o->allow_bookmarks)
			rc |= client_query_add(path, size,
			    "allowWatchBookmarks", "true");
	}
	if (rc != 0)
		return ck_status_set(st, CK_EINVALID, "client: query too long");
	return 0;
}

int
client_watch(struct client *cl, const struct client_gvr *gvr, const char *ns,
    const struct client_watch_opts *opts, client_watch_fn fn, void *arg,
    struct ck_status *st)
{
	struct watch w = { .cl = cl, .fn = fn, .arg = arg, .st = st };
	struct curl_slist *h = NULL;
	char path[CLIENT_PATH_MAX], what[256], errbuf[CURL_ERROR_SIZE];
	char *url = NULL;
	CURLcode cc;
	int rc;

	ck_status_clear(st);
	if (fn == NULL)
		return ck_status_set(st, CK_EINVALID,
		    "client: watch without a callback");
	rc = client_path(path, sizeof(path), gvr, ns, NULL, NULL, st);
	if (rc < 0)
		return rc;
	rc = watch_query(path, sizeof(path), opts, st);
	if (rc < 0)
		return rc;
	if (atomic_load(&cl->shutdown))
		return ck_status_set(st, CK_ESHUTDOWN, "client: shutting down");
	client_what_of(what, sizeof(what), "watch", gvr, NULL);
	strbuf_init(&w.line);
	strbuf_init(&w.errbody);
	/* A handle of its own: the thread's one stays free for fn's calls. */
	w.easy = curl_easy_init();
	if (w.easy == NULL)
		fatalx("client: curl_easy_init failed");
	url = ck_asprintf("%s%s", cl->server, path);
	errbuf[0] = '\0';
	client_setup_common(cl, w.easy, errbuf);
	h = client_common_headers(cl, NULL);
	curl_easy_setopt(w.easy, CURLOPT_URL, url);
	curl_easy_setopt(w.easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(w.easy, CURLOPT_HTTPGET, 1L);
	/* No CURLOPT_TIMEOUT: a watch lives long; only silence ends it. */
	curl_easy_setopt(w.easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(w.easy, CURLOPT_LOW_SPEED_TIME,
	    (long)cl->opt.watch_idle_s);
	curl_easy_setopt(w.easy, CURLOPT_WRITEFUNCTION, watch_write);
	curl_easy_setopt(w.easy, CURLOPT_WRITEDATA, &w);
	log_v(6, "client: GET %s (watch)", url);
	cc = curl_easy_perform(w.easy);
	if (w.code == 0)
		curl_easy_getinfo(w.easy, CURLINFO_RESPONSE_CODE, &w.code);
	if (w.stopped) {
		rc = w.rc;
	} else if (cc != CURLE_OK) {
		rc = ck_status_set(st, client_curl_err(cc),
		    "client: watch %s: %s", url, errbuf[0] != '\0' ? errbuf :
		    curl_easy_strerror(cc));
	} else if (w.code < 200 || w.code >= 300) {
		rc = client_status_decode(w.code, w.errbody.buf, w.errbody.len,
		    what, st);
	} else {
		/* The server ended the stream; the last line may lack '\n'. */
		rc = watch_line(&w, strbuf_str(&w.line), w.line.len);
	}
	curl_easy_cleanup(w.easy);
	curl_slist_free_all(h);
	free(url);
	strbuf_fini(&w.line);
	strbuf_fini(&w.errbody);
	return rc;
}
