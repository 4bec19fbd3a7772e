/*
 * list_stream.c: a list reply read from a store cursor as it is sent
 * (list_stream.h). The first LIST_REPLY_STREAM_MIN bytes are gathered
 * first, so a small list is one buffer with its Content-Length, as before;
 * a large one goes on chunked (as kube-apiserver's do) from the cursor.
 */
#include "list_stream.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/strbuf.h"
#include "list_reply.h"
#include "store/store.h"

/* Bytes MHD asks for at once: as the sized list replies' blocks. */
#define LIST_STREAM_BLOCK	(128u << 10)

static const char tail[] = "]}";

struct list_stream {
	struct api_stream	 ops;	/* first: the HTTP layer's view */
	struct store_cursor	*cur;	/* NULL once read to its end */
	char			*first;	/* the gathered part */
	/* What is being sent: ptr[off..len), then body when comma. */
	const char		*ptr;
	size_t			 len, off;
	const char		*body;
	size_t			 body_len;
	bool			 comma;
	bool			 failed;
};

static void
ls_attach(struct api_stream *as, void *conn, void (*resume)(void *conn))
{
	(void)as;
	(void)conn;
	(void)resume;	/* the next row is always at hand: it never sleeps */
}

/* Point at the next bytes to send; false at the end (or on failure). */
static bool
ls_advance(struct list_stream *ls)
{
	int rc;

	if (ls->comma) {
		ls->comma = false;
		ls->ptr = ls->body;
		ls->len = ls->body_len;
		ls->off = 0;
		return true;
	}
	if (ls->cur == NULL)
		return false;
	rc = store_cursor_next(ls->cur, &ls->body, &ls->body_len);
	if (rc > 0) {
		ls->comma = true;	/* the gathered part held an item */
		ls->ptr = ",";
		ls->len = 1;
		ls->off = 0;
		return true;
	}
	/* The end: the snapshot is let go before the last bytes leave. */
	store_cursor_close(ls->cur);
	ls->cur = NULL;
	if (rc < 0) {
		ls->failed = true;
		return false;
	}
	ls->ptr = tail;
	ls->len = sizeof(tail) - 1;
	ls->off = 0;
	return true;
}

static long
ls_read(struct api_stream *as, char *buf, size_t max,
    void (*suspend)(void *conn))
{
	struct list_stream *ls = (struct list_stream *)as;
	size_t got = 0, k;

	(void)suspend;
	while (got < max) {
		if (ls->off == ls->len && !ls_advance(ls))
			break;
		k = ls->len - ls->off;
		if (k > max - got)
			k = max - got;
		memcpy(buf + got, ls->ptr + ls->off, k);
		got += k;
		ls->off += k;
	}
	if (got > 0)
		return (long)got;
	return ls->failed ? API_STREAM_ERROR : -1;
}

static void
ls_release(struct api_stream *as)
{
	struct list_stream *ls = (struct list_stream *)as;

	store_cursor_close(ls->cur);
	free(ls->first);
	free(ls);
}

int
list_stream_reply(struct store_cursor *cur, char *head, size_t head_len,
    struct api_response *resp)
{
	struct strbuf sb = STRBUF_INIT;
	struct list_stream *ls;
	const char *body;
	char *out;
	size_t len, n = 0;
	int rc;

	strbuf_add(&sb, head, head_len);
	free(head);
	while ((rc = store_cursor_next(cur, &body, &len)) > 0) {
		if (n++ > 0)
			strbuf_addc(&sb, ',');
		strbuf_add(&sb, body, len);
		if (sb.len >= LIST_REPLY_STREAM_MIN)
			break;
	}
	if (rc <= 0) {
		store_cursor_close(cur);
		if (rc < 0) {
			strbuf_fini(&sb);
			return rc;
		}
		strbuf_add(&sb, tail, sizeof(tail) - 1);
		out = strbuf_detach(&sb, &len);
		api_response_take(resp, 200, "application/json", out, len);
		return 0;
	}
	ls = ck_calloc(1, sizeof(*ls));
	ls->ops.attach = ls_attach;
	ls->ops.read = ls_read;
	ls->ops.release = ls_release;
	ls->ops.block = LIST_STREAM_BLOCK;
	ls->cur = cur;
	ls->first = strbuf_detach(&sb, &ls->len);
	ls->ptr = ls->first;
	api_response_take(resp, 200, "application/json", NULL, 0);
	resp->stream = &ls->ops;
	return 0;
}
