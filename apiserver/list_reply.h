/*
 * list_reply.h: a JSON list reply built from stored bodies without parsing
 * them (list_reply.c): crud_list.c takes each item's body, then finishes
 * with the list's head; large replies stream with a Content-Length.
 */
#ifndef CKUBE_APISERVER_LIST_REPLY_H
#define CKUBE_APISERVER_LIST_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apiserver.h"

struct store_item;
struct list_reply;

/* Replies from this size on are streamed instead of one buffer. */
#define LIST_REPLY_STREAM_MIN	(256u << 10)

struct list_reply *list_reply_new(void);
/* Append it's body (taken: it->body becomes NULL). */
void	list_reply_take(struct list_reply *lr, struct store_item *it);
/* Append item (malloc'd, taken). */
void	list_reply_add(struct list_reply *lr, char *item, size_t len);
size_t	list_reply_count(const struct list_reply *lr);
/* Bytes of the whole reply (head, items, commas, "]}"). */
uint64_t list_reply_size(const struct list_reply *lr);
/*
 * The reply's next bytes from pos (which must follow the last read): up to
 * max into buf; returns their number, or -1 at the end (or pos out of turn).
 */
long	list_reply_read(struct list_reply *lr, uint64_t pos, char *buf,
	    size_t max);
/* The whole reply as one malloc'd buffer (*len its length). */
char	*list_reply_flatten(struct list_reply *lr, size_t *len);
/*
 * Set head (the list up to "items":[, malloc'd, taken) and reply 200 with
 * it all: one buffer, or, if stream and the reply is large, resp->stream.
 * lr is consumed.
 */
void	list_reply_finish(struct list_reply *lr, char *head, size_t head_len,
	    struct api_response *resp, bool stream);
void	list_reply_free(struct list_reply *lr);

#endif
