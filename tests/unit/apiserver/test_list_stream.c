/*
 * Unit tests for apiserver/list_stream.c with a cursor of our own: a list
 * read as it is sent carries the bytes of the buffered reply (head, bodies
 * comma-separated, "]}") in reads of any size; a small one is one buffer;
 * a cursor failing before the first byte leaves the reply unset, one failing
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

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "apiserver.h"
#include "list_reply.h"
#include "list_stream.h"
#include "store/store_impl.h"

#define HEAD	"{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\"," \
		"\"metadata\":{\"resourceVersion\":\"42\"},\"items\":["

/* n bodies of varied sizes; fails with CK_EIO at row fail_at (if < n). */
struct fake_cursor {
	struct store_cursor	 base;
	size_t			 n, next, fail_at;
	char			*body;	/* the last one handed out */
	bool			*closed;
};

static char *
body_of(size_t i, size_t *len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t k, pad = (i * 7919) % 5000;

	strbuf_addf(&sb, "{\"metadata\":{\"name\":\"c%zu\"},\"data\":"
	    "{\"k\":\"]}, \\\"x\\\" \xc3\xa9 ", i);
	for (k = 0; k < pad; k++)
		strbuf_addc(&sb, (char)('a' + (k % 26)));
	strbuf_adds(&sb, "\"}}");
	return strbuf_detach(&sb, len);
}

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

/* The reply of n bodies as the buffered path builds it. */
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

/* Reply n rows, read in pieces of chunk; the bytes must be expected(n). */
static void
check_rows(size_t n, size_t chunk)
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
		check_rows(300, chunks[i]);
}

static void
test_list_stream_small_and_empty(void **state)
{
	(void)state;
	check_rows(0, 4096);
	check_rows(1, 4096);
	check_rows(20, 4096);
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
		cmocka_unit_test(test_list_stream_equals_buffer),
		cmocka_unit_test(test_list_stream_small_and_empty),
		cmocka_unit_test(test_list_stream_fails_first),
		cmocka_unit_test(test_list_stream_fails_midway),
		cmocka_unit_test(test_list_stream_released_midway),
	};

	return cmocka_run_group_tests_name("list_stream", tests, NULL, NULL);
}
