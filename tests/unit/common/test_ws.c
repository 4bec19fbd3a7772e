/* Unit tests for common/ws.c: frames, limits, the handshake key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/err.h"
#include "ckube/ws.h"

static void
test_ws_accept_rfc_example(void **state)
{
	char out[WS_ACCEPT_LEN + 1];

	(void)state;
	/* RFC 6455 section 1.3 */
	assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_int_equal(ws_accept_key("short", out), CK_EINVALID);
	assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=x", out),
	    CK_EINVALID);
	assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25j\r\n==", out),
	    CK_EINVALID);
	assert_int_equal(ws_accept_key(NULL, out), CK_EINVALID);
}

static void
hex(const uint8_t *d, char *out)
{
	int i;

	for (i = 0; i < 20; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

static void
test_ws_sha1(void **state)
{
	uint8_t d[20];
	char h[41], big[1000];

	(void)state;
	ws_sha1("abc", 3, d);
	hex(d, h);
	assert_string_equal(h, "a9993e364706816aba3e25717850c26c9cd0d89d");
	ws_sha1("", 0, d);
	hex(d, h);
	assert_string_equal(h, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	/* 56 bytes: the length spills into a second padding block */
	ws_sha1("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
	    d);
	hex(d, h);
	assert_string_equal(h, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	memset(big, 'a', sizeof(big));
	ws_sha1(big, sizeof(big), d);
	hex(d, h);
	assert_string_equal(h, "291e9a6c66994949b57ba5e650361e98fc36b1ba");
}

/* Encode then decode every length class, masked and not. */
static void
test_ws_roundtrip(void **state)
{
	static const size_t lens[] = { 0, 1, 125, 126, 65535, 65536, 70000 };
	const uint8_t mask[4] = { 0x12, 0x34, 0x56, 0x78 };
	struct strbuf b;
	struct ws_frame f;
	char *payload = malloc(70000);
	size_t i, k;
	long n;

	(void)state;
	for (i = 0; i < 70000; i++)
		payload[i] = (char)(i * 7);
	for (k = 0; k < 2; k++)
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			strbuf_init(&b);
			ws_frame_encode(&b, WS_OP_BINARY, payload, lens[i],
			    k ? mask : NULL);
			/* every prefix is incomplete */
			assert_int_equal(ws_frame_decode((unsigned char *)b.buf,
			    b.len - 1, 1 << 20, &f), 0);
			n = ws_frame_decode((unsigned char *)b.buf, b.len,
			    1 << 20, &f);
			assert_int_equal(n, (long)b.len);
			assert_true(f.fin);
			assert_int_equal(f.opcode, WS_OP_BINARY);
			assert_int_equal(f.masked, k == 1);
			assert_int_equal(f.len, lens[i]);
			if (lens[i] > 0)
				assert_memory_equal(f.payload, payload,
				    lens[i]);
			/* over the cap: refused from the header alone */
			if (lens[i] > 0)
				assert_int_equal(ws_frame_decode(
				    (unsigned char *)b.buf, 10, lens[i] - 1,
				    &f), CK_ETOOBIG);
			strbuf_fini(&b);
		}
	free(payload);
}

static void
test_ws_protocol_errors(void **state)
{
	struct ws_frame f;
	unsigned char rsv[] = { 0xc2, 0x00 };
	unsigned char op3[] = { 0x83, 0x00 };
	unsigned char frag_ping[] = { 0x09, 0x00 };
	unsigned char big_ping[] = { 0x89, 126, 0, 200 };
	unsigned char short16[] = { 0x82, 126, 0, 5 };
	unsigned char short64[] = { 0x82, 127, 0, 0, 0, 0, 0, 0, 1, 0 };
	unsigned char huge[] = { 0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 0 };
	unsigned char cont[] = { 0x00, 0x01, 'x' };
	unsigned char masked[] = { 0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2 };

	(void)state;
	assert_int_equal(ws_frame_decode(rsv, 2, 100, &f), CK_EINVALID);
	assert_int_equal(ws_frame_decode(op3, 2, 100, &f), CK_EINVALID);
	assert_int_equal(ws_frame_decode(frag_ping, 2, 100, &f), CK_EINVALID);
	assert_int_equal(ws_frame_decode(big_ping, 4, 1000, &f), CK_EINVALID);
	assert_int_equal(ws_frame_decode(short16, 4, 100, &f), CK_EINVALID);
	assert_int_equal(ws_frame_decode(short64, 10, 1000, &f), CK_EINVALID);
	assert_int_equal(ws_frame_decode(huge, 10, 1000, &f), CK_EINVALID);
	assert_int_equal(ws_frame_decode(huge, 1, 1000, &f), 0);
	assert_int_equal(ws_frame_decode(cont, 3, 100, &f), 3);
	assert_false(f.fin);
	assert_int_equal(f.opcode, WS_OP_CONT);
	assert_int_equal(ws_frame_decode(masked, 7, 100, &f), 0);
	assert_int_equal(ws_frame_decode(masked, 8, 100, &f), 8);
	assert_int_equal(f.opcode, WS_OP_TEXT);
	assert_memory_equal(f.payload, "hi", 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ws_accept_rfc_example),
		cmocka_unit_test(test_ws_sha1),
		cmocka_unit_test(test_ws_roundtrip),
		cmocka_unit_test(test_ws_protocol_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
