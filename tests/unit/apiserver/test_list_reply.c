/*
 * Unit tests for apiserver/list_reply.c: a list reply streamed in pieces of
 * any size carries the very bytes of the one-buffer reply (the old path:
 * head, bodies comma-separated, "]}"), and its announced size is theirs.
 * And for list_stream.c, with a store cursor of our own: the same bytes,
 * chunked, read as the cursor yields them; a small list is one buffer; a
 * cursor failing before the first byte leaves the reply unset, one failing
 * later cuts the stream off; the cursor is closed in every case.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "apiserver.h"
#include "list_reply.h"
#include "list_stream.h"
#include "store/store.h"
#include "store/store_impl.h"

#define HEAD	"{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\"," \
		"\"metadata\":{\"resourceVersion\":\"42\"},\"items\":["

/* Body i: varied sizes and bytes (escapes, commas, brackets, UTF-8). */
static char *
body_of(size_t i, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t k, pad = (i * 7919) % 5000;

	strbuf_addf(&sb, "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":"
	    "\"c%zu\"},\"data\":{\"k\":\"]}, \\\"x\\\" \xc3\xa9 ", i);
	for (k = 0; k < pad; k++)
		strbuf_addc(&sb, (char)('a' + (k % 26)));
	strbuf_adds(&sb, "\"}}");
	return strbuf_detach(&sb, len);
}

/* The reply of n bodies as the old code built it. */
static char *
expected(size_t n, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i, bl;
	char *b;

	strbuf_adds(&sb, HEAD);
	for (i = 0; i < n; i++) {
		b = body_of(i, &bl);
		if (i > 0)
			strbuf_addc(&sb, ',');
		strbuf_add(&sb, b, bl);
		free(b);
	}
	strbuf_adds(&sb, "]}");
	return strbuf_detach(&sb, len);
}

static struct list_reply *
filled(size_t n)
{
	struct list_reply *lr = list_reply_new();
	struct store_item it;
	size_t i;

	for (i = 0; i < n; i++) {
		memset(&it, 0, sizeof(it));
		it.body = body_of(i, &it.body_len);
		list_reply_take(lr, &it);
		assert_null(it.body);	/* taken, not copied */
	}
	return lr;
}

static void
check_streamed(size_t n, size_t chunk)
{
	struct list_reply *lr = filled(n);
	struct api_response resp;
	struct strbuf got = STRBUF_INIT;
	size_t want_len;
	char *want = expected(n, &want_len), *buf = ck_malloc(chunk);
	long r;

	memset(&resp, 0, sizeof(resp));
	list_reply_finish(lr, ck_strdup(HEAD), strlen(HEAD), &resp, true);
	if (want_len < LIST_REPLY_STREAM_MIN) {
		/* Small: one buffer, the same bytes. */
		assert_null(resp.stream);
		assert_int_equal(resp.body_len, want_len);
		assert_memory_equal(resp.body, want, want_len);
		goto out;
	}
	assert_non_null(resp.stream);
	assert_null(resp.body);
	assert_int_equal(resp.code, 200);
	assert_string_equal(resp.content_type, "application/json");
	assert_int_equal(resp.stream->size, want_len);
	while ((r = resp.stream->read(resp.stream, buf, chunk, NULL)) > 0) {
		assert_true((size_t)r <= chunk);
		strbuf_add(&got, buf, (size_t)r);
	}
	assert_int_equal(got.len, want_len);
	assert_memory_equal(got.buf, want, want_len);
out:
	api_response_fini(&resp);	/* releases the stream */
	strbuf_fini(&got);
	free(want);
	free(buf);
}

static void
test_list_reply_stream_equals_buffer(void **state)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 1000, 4096, 16384,
	    131072, 1 << 22 };
	size_t i, len;
	char *all = expected(300, &len);

	(void)state;
	/* 300 bodies of 0-5 KB: about 800 KB, past the streaming size. */
	assert_true(len >= LIST_REPLY_STREAM_MIN);
	free(all);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
		check_streamed(300, chunks[i]);
}

static void
test_list_reply_small_and_empty(void **state)
{
	(void)state;
	check_streamed(0, 4096);
	check_streamed(1, 4096);
	check_streamed(20, 4096);
}

static void
test_list_reply_flatten_and_size(void **state)
{
	struct list_reply *lr;
	size_t n, len, want_len;
	char *s, *want;
	cJSON *o;

	(void)state;
	for (n = 0; n < 40; n += 13) {
		lr = filled(n);	/* no head: the items and "]}" */
		want = expected(n, &want_len);
		s = list_reply_flatten(lr, &len);
		assert_int_equal(len + strlen(HEAD), want_len);
		assert_int_equal(list_reply_size(lr) + strlen(HEAD), want_len);
		assert_memory_equal(s, want + strlen(HEAD), len);
		free(s);
		free(want);
		list_reply_free(lr);
	}
	want = expected(25, &want_len);
	o = cJSON_ParseWithLength(want, want_len);
	assert_non_null(o);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(o, "items")),
	    25);
	cJSON_Delete(o);
	free(want);
}

/* Reads must come in order: the HTTP layer never seeks. */
static void
test_list_reply_read_in_order(void **state)
{
	struct list_reply *lr = filled(3);
	char buf[64];

	(void)state;
	assert_int_equal(list_reply_read(lr, 0, buf, 10), 10);
	assert_int_equal(list_reply_read(lr, 0, buf, 10), -1);
	assert_int_equal(list_reply_read(lr, 10, buf, 10), 10);
	list_reply_free(lr);
	list_reply_free(NULL);
}

/* n bodies of varied sizes; fails with CK_EIO at row fail_at (if < n). */
struct fake_cursor {
	struct store_cursor	 base;
	size_t			 n, next, fail_at;
	char			*body;	/* the last one handed out */
	bool			*closed;
};

static int
fake_next(struct store_cursor *base, const char **body, size_t *len)
{
	struct fake_cursor *fc = (struct fake_cursor *)base;

	free(fc->body);	/* valid only until the next call, as SQLite's */
	fc->body = NULL;
	if (fc->next == fc->fail_at)
		return CK_EIO;
	if (fc->next == fc->n)
		return 0;
	fc->body = body_of(fc->next++, len);
	*body = fc->body;
	return 1;
}

static void
fake_close(struct store_cursor *base)
{
	struct fake_cursor *fc = (struct fake_cursor *)base;

	assert_false(*fc->closed);	/* closed once */
	*fc->closed = true;
	free(fc->body);
	free(fc);
}

static struct store_cursor *
fake_new(size_t n, size_t fail_at, bool *closed)
{
	struct fake_cursor *fc = ck_calloc(1, sizeof(*fc));

	fc->base.next = fake_next;
	fc->base.close = fake_close;
	fc->n = n;
	fc->fail_at = fail_at;
	fc->closed = closed;
	*closed = false;
	return &fc->base;
}

/* Reply n rows, read in pieces of chunk; the bytes must be expected(n). */
static void
check_cursor(size_t n, size_t chunk)
{
	struct api_response resp;
	struct strbuf got = STRBUF_INIT;
	size_t want_len;
	char *want = expected(n, &want_len), *buf = ck_malloc(chunk);
	bool closed;
	long r;

	memset(&resp, 0, sizeof(resp));
	assert_int_equal(list_stream_reply(fake_new(n, SIZE_MAX, &closed),
	    ck_strdup(HEAD), strlen(HEAD), &resp), 0);
	assert_int_equal(resp.code, 200);
	assert_string_equal(resp.content_type, "application/json");
	if (want_len < LIST_REPLY_STREAM_MIN) {
		/* Small: one buffer, with its length; the cursor is done. */
		assert_true(closed);
		assert_null(resp.stream);
		assert_int_equal(resp.body_len, want_len);
		assert_memory_equal(resp.body, want, want_len);
		goto out;
	}
	assert_false(closed);
	assert_non_null(resp.stream);
	assert_null(resp.body);
	assert_int_equal(resp.stream->size, 0);	/* chunked */
	while ((r = resp.stream->read(resp.stream, buf, chunk, NULL)) > 0) {
		assert_true((size_t)r <= chunk);
		strbuf_add(&got, buf, (size_t)r);
	}
	assert_int_equal(r, -1);
	assert_true(closed);	/* let go once read to its end */
	assert_int_equal(got.len, want_len);
	assert_memory_equal(got.buf, want, want_len);
out:
	api_response_fini(&resp);
	strbuf_fini(&got);
	free(want);
	free(buf);
}

static void
test_list_stream_equals_buffer(void **state)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 1000, 4096, 131072,
	    1 << 22 };
	size_t i, len;
	char *all = expected(300, &len);

	(void)state;
	assert_true(len >= LIST_REPLY_STREAM_MIN);	/* ~800 KB */
	free(all);
	for (i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++)
		check_cursor(300, chunks[i]);
}

static void
test_list_stream_small_and_empty(void **state)
{
	(void)state;
	check_cursor(0, 4096);
	check_cursor(1, 4096);
	check_cursor(20, 4096);
}

/* A failure before anything is sent: no reply, the cursor closed. */
static void
test_list_stream_fails_first(void **state)
{
	struct api_response resp;
	bool closed;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	assert_int_equal(list_stream_reply(fake_new(300, 5, &closed),
	    ck_strdup(HEAD), strlen(HEAD), &resp), CK_EIO);
	assert_true(closed);
	assert_null(resp.stream);
	assert_null(resp.body);
	api_response_fini(&resp);
}

/* A failure midway: the bytes so far, then API_STREAM_ERROR. */
static void
test_list_stream_fails_midway(void **state)
{
	struct api_response resp;
	char buf[4096];
	size_t total = 0;
	bool closed;
	long r;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	assert_int_equal(list_stream_reply(fake_new(300, 200, &closed),
	    ck_strdup(HEAD), strlen(HEAD), &resp), 0);
	assert_non_null(resp.stream);
	while ((r = resp.stream->read(resp.stream, buf, sizeof(buf),
	    NULL)) > 0)
		total += (size_t)r;
	assert_int_equal(r, API_STREAM_ERROR);
	assert_true(closed);
	assert_true(total >= LIST_REPLY_STREAM_MIN);
	api_response_fini(&resp);
}

/* A client gone midway: releasing the stream closes the cursor. */
static void
test_list_stream_released_midway(void **state)
{
	struct api_response resp;
	char buf[1000];
	bool closed;

	(void)state;
	memset(&resp, 0, sizeof(resp));
	assert_int_equal(list_stream_reply(fake_new(300, SIZE_MAX, &closed),
	    ck_strdup(HEAD), strlen(HEAD), &resp), 0);
	assert_int_equal(resp.stream->read(resp.stream, buf, sizeof(buf),
	    NULL), (long)sizeof(buf));
	assert_false(closed);
	api_response_fini(&resp);	/* releases the stream */
	assert_true(closed);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_list_reply_stream_equals_buffer),
		cmocka_unit_test(test_list_reply_small_and_empty),
		cmocka_unit_test(test_list_reply_flatten_and_size),
		cmocka_unit_test(test_list_reply_read_in_order),
		cmocka_unit_test(test_list_stream_equals_buffer),
		cmocka_unit_test(test_list_stream_small_and_empty),
		cmocka_unit_test(test_list_stream_fails_first),
		cmocka_unit_test(test_list_stream_fails_midway),
		cmocka_unit_test(test_list_stream_released_midway),
	};

	return cmocka_run_group_tests_name("list_reply", tests, NULL, NULL);
}
