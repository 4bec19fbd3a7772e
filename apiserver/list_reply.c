/*
 * list_reply.c: the reply of a JSON list, made of the stored bodies as the
 * store read them (taken, never parsed nor copied), or of a Table's rows
 * printed one by one: the head, the items comma-separated, "]}". A small reply is one buffer; a large one is
 * streamed to the socket from the bodies, with its Content-Length, through
 * the HTTP layer's block buffer: building one 5 MB buffer (3,000 pods) cost
 * a page fault every 4 KiB on top of the copy, each time, since the
 * allocator hands such a block back after the reply.
 */
#include "list_reply.h"

#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/strbuf.h"
#include "store/store.h"

struct list_reply {
	struct api_stream	 ops;	/* first: the HTTP layer's view */
	char			*head;
	size_t			 head_len;
	char			**body;
	size_t			*len;
	size_t			 n, cap, bytes;
	/* Streaming: the part being sent (0 head, 1 + i item i, then the
	 * tail) and the bytes of it already sent. */
	size_t			 part, off;
	uint64_t		 pos;
};

static const char tail[] = "]}";

struct list_reply *
list_reply_new(void)
{
	return ck_calloc(1, sizeof(struct list_reply));
}

void
list_reply_take(struct list_reply *lr, struct store_item *it)
{
	list_reply_add(lr, it->body, it->body_len);
	it->body = NULL;
	it->body_len = 0;
}

void
list_reply_add(struct list_reply *lr, char *item, size_t len)
{
	if (lr->n == lr->cap) {
		lr->cap = lr->cap ? lr->cap * 2 : 64;
		lr->body = ck_reallocarray(lr->body, lr->cap,
		    sizeof(*lr->body));
		lr->len = ck_reallocarray(lr->len, lr->cap, sizeof(*lr->len));
	}
	lr->body[lr->n] = item;
	lr->len[lr->n] = len;
	lr->bytes += len;
	lr->n++;
}

size_t
list_reply_count(const struct list_reply *lr)
{
	return lr->n;
}

void
list_reply_free(struct list_reply *lr)
{
	size_t i;

	if (lr == NULL)
		return;
	for (i = 0; i < lr->n; i++)
		free(lr->body[i]);
	free(lr->body);
	free(lr->len);
	free(lr->head);
	free(lr);
}

uint64_t
list_reply_size(const struct list_reply *lr)
{
	return (uint64_t)lr->head_len + lr->bytes +
	    (lr->n > 0 ? lr->n - 1 : 0) + sizeof(tail) - 1;
}

/* The bytes of part p (a leading comma is its own part for items > 0). */
static const char *
part_bytes(const struct list_reply *lr, size_t p, size_t *len)
{
	size_t i;

	if (p == 0) {
		*len = lr->head_len;
		return lr->head;
	}
	/* Items: 1 (item 0), then 2 parts each: ",", item. */
	if (p - 1 < 2 * lr->n - (lr->n > 0 ? 1 : 0)) {
		i = p - 1;
		if (i % 2 == 1) {
			*len = 1;
			return ",";
		}
		*len = lr->len[i / 2];
		return lr->body[i / 2];
	}
	*len = sizeof(tail) - 1;
	return tail;
}

static size_t
nparts(const struct list_reply *lr)
{
	return 1 + (lr->n > 0 ? 2 * lr->n - 1 : 0) + 1;
}

long
list_reply_read(struct list_reply *lr, uint64_t pos, char *buf, size_t max)
{
	const char *b;
	size_t got = 0, len, k;

	if (pos != lr->pos)	/* the HTTP layer reads in order */
		return -1;
	while (got < max && lr->part < nparts(lr)) {
		b = part_bytes(lr, lr->part, &len);
		k = len - lr->off;
		if (k > max - got)
			k = max - got;
		if (k > 0)
			memcpy(buf + got, b + lr->off, k);
		got += k;
		lr->off += k;
		if (lr->off == len) {
			/* An item sent is freed: a slow client holds less. */
			if (lr->part >= 1 && (lr->part - 1) % 2 == 0 &&
			    lr->part - 1 < 2 * lr->n) {
				free(lr->body[(lr->part - 1) / 2]);
				lr->body[(lr->part - 1) / 2] = NULL;
			}
			lr->part++;
			lr->off = 0;
		}
	}
	if (got == 0)
		return -1;
	lr->pos += got;
	return (long)got;
}

static void
stream_attach(struct api_stream *s, void *conn, void (*resume)(void *conn))
{
	(void)s;
	(void)conn;
	(void)resume;	/* every byte is at hand: it never sleeps */
}

static long
stream_read(struct api_stream *s, char *buf, size_t max,
    void (*suspend)(void *conn))
{
	struct list_reply *lr = (struct list_reply *)s;

	(void)suspend;
	return list_reply_read(lr, lr->pos, buf, max);
}

static void
stream_release(struct api_stream *s)
{
	list_reply_free((struct list_reply *)s);
}

char *
list_reply_flatten(struct list_reply *lr, size_t *len)
{
	struct strbuf out = STRBUF_INIT;
	size_t p, n;
	const char *b;

	strbuf_grow(&out, (size_t)list_reply_size(lr));
	for (p = 0; p < nparts(lr); p++) {
		b = part_bytes(lr, p, &n);
		strbuf_add(&out, b, n);
	}
	return strbuf_detach(&out, len);
}

void
list_reply_finish(struct list_reply *lr, char *head, size_t head_len,
    struct api_response *resp, bool stream)
{
	char *s;
	size_t len;

	lr->head = head;
	lr->head_len = head_len;
	if (!stream || list_reply_size(lr) < LIST_REPLY_STREAM_MIN) {
		s = list_reply_flatten(lr, &len);
		api_response_take(resp, 200, "application/json", s, len);
		list_reply_free(lr);
		return;
	}
	api_response_take(resp, 200, "application/json", NULL, 0);
	lr->ops.attach = stream_attach;
	lr->ops.read = stream_read;
	lr->ops.release = stream_release;
	lr->ops.size = list_reply_size(lr);
	resp->stream = &lr->ops;
}
