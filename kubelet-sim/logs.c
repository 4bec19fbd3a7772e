/*
 * The kubelet's log endpoint of ckube-kubelet-sim, on its HTTP port:
 * GET /containerLogs/{namespace}/{pod}/{container}?tailLines=N&previous=
 * &follow=&timestamps=&limitBytes=N, answered from the simulated log rings
 * (ctr_log.c) under the pod lock. follow streams new lines until that
 * container instance ends. Errors are plain text with the kubelet's
 * wording; the apiserver's pods/log proxy turns them into a Status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/clock.h"
#include "ckube/httpd.h"
#include "ckube/strbuf.h"
#include "logs.h"
#include "pod.h"

struct follow {
	char		ns[CK_NAME_MAX], name[CK_NAME_MAX], uid[64];
	int		ci;
	unsigned	gen;		/* ctr_log generation followed */
	size_t		from;		/* lines already sent */
	bool		timestamps;
	struct strbuf	pending;
	size_t		off;
};

static bool
flag_on(const struct httpd_request *req, const char *key)
{
	const char *v = httpd_query(req, key);

	return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

static int64_t
wall_now_ms(void)
{
	return ck_wall_us() / 1000;
}

/* Copy pending bytes out; drop them once all sent. */
static long
drain(struct follow *f, char *buf, size_t max)
{
	size_t n = f->pending.len - f->off;

	if (n > max)
		n = max;
	memcpy(buf, f->pending.buf + f->off, n);
	f->off += n;
	if (f->off == f->pending.len) {
		strbuf_reset(&f->pending);
		f->off = 0;
	}
	return (long)n;
}

static long
follow_read(void *arg, char *buf, size_t max)
{
	struct follow *f = arg;
	const struct sim_pod *p;
	const struct ctr_log *l;
	const struct log_inst *li;
	struct pod_ctr_ref ref;
	struct log_started st = { pod_started_line, &ref };
	bool ended = true;

	if (f->pending.len > f->off)
		return drain(f, buf, max);
	pod_lock();
	p = pod_find(f->ns, f->name);
	if (p != NULL && strcmp(p->uid, f->uid) == 0 && !p->gone) {
		ref = (struct pod_ctr_ref){ p, (size_t)f->ci };
		l = &p->logs[f->ci];
		if (l->gen == f->gen) {
			li = &l->cur;
			f->from = ctr_log_render(li, &st, wall_now_ms(),
			    f->from, -1, f->timestamps, &f->pending);
			ended = p->ctrs[f->ci].state != CS_RUNNING &&
			    f->from == li->n;
		} else if (l->gen == f->gen + 1) {
			/* restarted since: the rest of ours is in prev */
			li = &l->prev;
			f->from = ctr_log_render(li, &st, wall_now_ms(),
			    f->from, -1, f->timestamps, &f->pending);
		}
	}
	pod_unlock();
	if (f->pending.len > f->off)
		return drain(f, buf, max);
	return ended ? -1 : 0;
}

static void
follow_free(void *arg)
{
	struct follow *f = arg;

	strbuf_fini(&f->pending);
	free(f);
}

bool
logs_split_path(const char *path, const char *prefix, char *ns, char *pod,
    char *ctr)
{
	const char *s = path + strlen(prefix);
	char *parts[3] = { ns, pod, ctr };
	const char *e;
	size_t n;
	int k;

	for (k = 0; k < 3; k++) {
		e = strchr(s, '/');
		if (k < 2 && e == NULL)
			return false;
		if (k == 2 && e != NULL)
			return false;
		n = e != NULL ? (size_t)(e - s) : strlen(s);
		if (n == 0 || n >= CK_NAME_MAX)
			return false;
		memcpy(parts[k], s, n);
		parts[k][n] = '\0';
		s = e != NULL ? e + 1 : s + n;
	}
	return true;
}

void
logs_handle(const struct httpd_request *req, struct httpd_response *resp,
    void *arg)
{
	char ns[CK_NAME_MAX], name[CK_NAME_MAX], ctr[CK_NAME_MAX];
	const char *v;
	const struct sim_pod *p;
	const struct ctr_sim *c;
	const struct ctr_log *l;
	struct follow *f;
	struct pod_ctr_ref ref;
	struct log_started st = { pod_started_line, &ref };
	int64_t tail = -1, limit = -1;
	bool prev = flag_on(req, "previous"), ts = flag_on(req, "timestamps");
	int ci;

	(void)arg;
	if (!logs_split_path(req->path, LOGS_PREFIX, ns, name, ctr)) {
		resp->status = 404;
		strbuf_adds(&resp->body, "404 page not found");
		return;
	}
	v = httpd_query(req, "tailLines");
	if (v != NULL && (ck_parse_int64(v, &tail) != 0 || tail < 0)) {
		resp->status = 400;
		strbuf_addf(&resp->body, "invalid tailLines \"%s\"", v);
		return;
	}
	v = httpd_query(req, "limitBytes");
	if (v != NULL && (ck_parse_int64(v, &limit) != 0 || limit <= 0)) {
		resp->status = 400;
		strbuf_addf(&resp->body, "invalid limitBytes \"%s\"", v);
		return;
	}
	pod_lock();
	p = pod_find(ns, name);
	if (p == NULL || p->gone) {
		resp->status = 404;
		strbuf_addf(&resp->body, "pod \"%s\" in namespace \"%s\" not "
		    "found", name, ns);
		goto out;
	}
	ci = pod_container_index(p, ctr);
	if (ci < 0) {
		resp->status = 400;
		strbuf_addf(&resp->body, "container %s is not valid for pod "
		    "%s", ctr, name);
		goto out;
	}
	c = &p->ctrs[ci];
	l = &p->logs[ci];
	ref = (struct pod_ctr_ref){ p, (size_t)ci };
	if (prev && !l->has_prev) {
		resp->status = 400;
		strbuf_addf(&resp->body, "previous terminated container "
		    "\"%s\" in pod \"%s\" not found", ctr, name);
		goto out;
	}
	if (!prev && l->cur.n == 0) {
		resp->status = 400;
		strbuf_addf(&resp->body, "container \"%s\" in pod \"%s\" is "
		    "waiting to start: %s", ctr, name, c->reason != NULL ?
		    c->reason : "ContainerCreating");
		goto out;
	}
	if (prev || !flag_on(req, "follow") || limit > 0) {
		(void)ctr_log_render(prev ? &l->prev : &l->cur, &st,
		    wall_now_ms(), 0, (long)tail, ts, &resp->body);
		if (limit > 0 && resp->body.len > (size_t)limit) {
			resp->body.len = (size_t)limit;
			resp->body.buf[limit] = '\0';
		}
		goto out;
	}
	f = ck_calloc(1, sizeof(*f));
	ck_strlcpy(f->ns, ns, sizeof(f->ns));
	ck_strlcpy(f->name, name, sizeof(f->name));
	ck_strlcpy(f->uid, p->uid, sizeof(f->uid));
	f->ci = ci;
	f->gen = l->gen;
	f->timestamps = ts;
	strbuf_init(&f->pending);
	f->from = ctr_log_render(&l->cur, &st, wall_now_ms(), 0, (long)tail,
	    ts, &resp->body);
	resp->stream = follow_read;
	resp->stream_arg = f;
	resp->stream_free = follow_free;
out:
	pod_unlock();
}
