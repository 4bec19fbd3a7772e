/*
 * list_stream.h: a JSON list reply read from a store cursor as it is sent
 * (list_stream.c): no copy of the bodies first. A LIST of 3,000 pods is
 * 11 MB; copied out, those were 11 MB of memory the allocator had handed
 * back, faulted in again at every occasional LIST (~11 us a page on the
 * 2-core VM: 40-60 ms of the cold LIST's 65-95).
 */
#ifndef CKUBE_APISERVER_LIST_STREAM_H
#define CKUBE_APISERVER_LIST_STREAM_H

#include <stddef.h>

#include "apiserver.h"

struct store_cursor;

/*
 * Reply 200 with head (the list up to "items":[, malloc'd, taken), the
 * cursor's bodies comma-separated and "]}": one buffer with its length when
 * it is under LIST_REPLY_STREAM_MIN, else the first part and the rest as
 * the cursor yields it, chunked. cur is consumed either way. < 0 (nothing
 * set in resp) when the cursor failed before a byte was sent; one that
 * fails later cuts the reply off (the client sees a broken stream).
 */
int	list_stream_reply(struct store_cursor *cur, char *head,
	    size_t head_len, struct api_response *resp);

#endif
