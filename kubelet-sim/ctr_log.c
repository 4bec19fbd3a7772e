/*
 * Container log rings of ckube-kubelet-sim (ctr_log.h): sorted insertion,
 * a bounded size, and rendering with tailLines and timestamps as the
 * kubelet's /containerLogs endpoint does.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"
#include "ctr_log.h"

/* Insert text (taken; NULL: the started line) at ts_ms. */
static void
insert(struct log_inst *li, int64_t ts_ms, char *text)
{
	size_t i;

	if (li->n == CTR_LOG_MAX) {
		free(li->e[0].text);
		memmove(li->e, li->e + 1, (li->n - 1) * sizeof(*li->e));
		li->n--;
	}
	if (li->n == li->cap) {
		li->cap = li->cap ? li->cap * 2 : 2;
		li->e = ck_reallocarray(li->e, li->cap, sizeof(*li->e));
	}
	for (i = li->n; i > 0 && li->e[i - 1].ts_ms > ts_ms; i--)
		li->e[i] = li->e[i - 1];
	li->e[i].ts_ms = ts_ms;
	li->e[i].text = text;
	li->n++;
}

void
ctr_log_add(struct log_inst *li, int64_t ts_ms, const char *fmt, ...)
{
	struct strbuf sb;
	va_list ap;
	size_t len;
	char *text;

	strbuf_init(&sb);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	/* Exact size: most pods keep their few lines for their whole life. */
	text = strbuf_detach(&sb, &len);
	insert(li, ts_ms, ck_realloc(text, len + 1));
}

void
ctr_log_add_started(struct log_inst *li, int64_t ts_ms, int restarts)
{
	li->restarts = restarts;
	insert(li, ts_ms, NULL);
}

void
ctr_log_cut(struct log_inst *li, int64_t ts_ms)
{
	while (li->n > 0 && li->e[li->n - 1].ts_ms > ts_ms)
		free(li->e[--li->n].text);
}

static void
inst_free(struct log_inst *li)
{
	size_t i;

	for (i = 0; i < li->n; i++)
		free(li->e[i].text);
	free(li->e);
	memset(li, 0, sizeof(*li));
}

void
ctr_log_rotate(struct ctr_log *l)
{
	inst_free(&l->prev);
	l->prev = l->cur;
	memset(&l->cur, 0, sizeof(l->cur));
	l->has_prev = true;
	l->gen++;
}

void
ctr_log_free(struct ctr_log *l)
{
	inst_free(&l->cur);
	inst_free(&l->prev);
	l->has_prev = false;
}

size_t
ctr_log_render(const struct log_inst *li, const struct log_started *started,
    int64_t now_ms, size_t from, long tail, bool timestamps, struct strbuf *sb)
{
	char ts[48];
	size_t vis = 0, i;

	while (vis < li->n && li->e[vis].ts_ms <= now_ms)
		vis++;
	if (tail >= 0 && vis > (size_t)tail && vis - (size_t)tail > from)
		from = vis - (size_t)tail;
	for (i = from; i < vis; i++) {
		if (li->e[i].text == NULL && started == NULL)
			continue;
		if (timestamps) {
			if (rfc3339_format_micro(li->e[i].ts_ms * 1000, ts,
			    sizeof(ts)) != 0)
				ts[0] = '\0';
			strbuf_addf(sb, "%s ", ts);
		}
		if (li->e[i].text == NULL)
			started->fn(started->arg, li->restarts, sb);
		else
			strbuf_adds(sb, li->e[i].text);
		strbuf_add(sb, "\n", 1);
	}
	return vis;
}
