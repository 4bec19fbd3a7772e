/*
 * ws.c: RFC 6455 frames and the handshake key (ws.h). Pure functions: the
 * callers own the sockets. SHA-1 is here because the handshake is its only
 * user (FIPS 180-4, one block at a time).
 */
#include "ckube/ws.h"

#include <string.h>

#include "ckube/err.h"

#define WS_GUID	"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static bool
known_opcode(int op)
{
	return op == WS_OP_CONT || op == WS_OP_TEXT || op == WS_OP_BINARY ||
	    op == WS_OP_CLOSE || op == WS_OP_PING || op == WS_OP_PONG;
}

long
ws_frame_decode(unsigned char *buf, size_t n, size_t max_payload,
    struct ws_frame *f)
{
	size_t hdr = 2, i;
	uint64_t len;
	unsigned char *mask = NULL;

	memset(f, 0, sizeof(*f));
	if (n < 2)
		return 0;
	if ((buf[0] & 0x70) != 0)
		return CK_EINVALID;	/* RSV bits: no extension agreed */
	f->fin = (buf[0] & 0x80) != 0;
	f->opcode = buf[0] & 0x0f;
	f->masked = (buf[1] & 0x80) != 0;
	if (!known_opcode(f->opcode))
		return CK_EINVALID;
	len = buf[1] & 0x7f;
	if (f->opcode >= WS_OP_CLOSE && (!f->fin || len > 125))
		return CK_EINVALID;
	if (len == 126) {
		if (n < 4)
			return 0;
		len = ((uint64_t)buf[2] << 8) | buf[3];
		if (len < 126)
			return CK_EINVALID;
		hdr = 4;
	} else if (len == 127) {
		if (n < 10)
			return 0;
		if (buf[2] & 0x80)
			return CK_EINVALID;
		for (len = 0, i = 2; i < 10; i++)
			len = (len << 8) | buf[i];
		if (len <= 0xffff)
			return CK_EINVALID;
		hdr = 10;
	}
	if (len > max_payload)
		return CK_ETOOBIG;
	if (f->masked) {
		if (n < hdr + 4)
			return 0;
		mask = buf + hdr;
		hdr += 4;
	}
	if (n - hdr < len)
		return 0;
	f->payload = buf + hdr;
	f->len = (size_t)len;
	if (mask != NULL)
		for (i = 0; i < f->len; i++)
			f->payload[i] ^= mask[i & 3];
	return (long)(hdr + f->len);
}

void
ws_frame_encode(struct strbuf *out, int opcode, const void *p, size_t len,
    const uint8_t mask[4])
{
	unsigned char h[WS_HEADER_MAX];
	const unsigned char *s = p;
	size_t hl = 2, i, start;
	int k;

	h[0] = (unsigned char)(0x80 | (opcode & 0x0f));
	if (len < 126) {
		h[1] = (unsigned char)len;
	} else if (len <= 0xffff) {
		h[1] = 126;
		h[2] = (unsigned char)(len >> 8);
		h[3] = (unsigned char)len;
		hl = 4;
	} else {
		h[1] = 127;
		for (k = 0; k < 8; k++)
			h[2 + k] = (unsigned char)((uint64_t)len >> (56 - 8 * k));
		hl = 10;
	}
	if (mask != NULL) {
		h[1] |= 0x80;
		memcpy(h + hl, mask, 4);
		hl += 4;
	}
	strbuf_add(out, (const char *)h, hl);
	start = out->len;
	strbuf_add(out, (const char *)s, len);
	if (mask != NULL)
		for (i = 0; i < len; i++)
			out->buf[start + i] ^= (char)mask[i & 3];
}

/* ---- SHA-1 ---- */

static uint32_t
rol(uint32_t v, int s)
{
	return (v << s) | (v >> (32 - s));
}

static void
sha1_block(uint32_t st[5], const unsigned char *b)
{
	uint32_t w[80], a, bb, c, d, e, f, k, t;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
		    (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
	for (; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	a = st[0], bb = st[1], c = st[2], d = st[3], e = st[4];
	for (i = 0; i < 80; i++) {
		if (i < 20)
			f = (bb & c) | (~bb & d), k = 0x5a827999;
		else if (i < 40)
			f = bb ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (bb & c) | (bb & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = bb ^ c ^ d, k = 0xca62c1d6;
		t = rol(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol(bb, 30), bb = a, a = t;
	}
	st[0] += a, st[1] += bb, st[2] += c, st[3] += d, st[4] += e;
}

void
ws_sha1(const void *p, size_t len, uint8_t out[20])
{
	uint32_t st[5] = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476,
		0xc3d2e1f0 };
	const unsigned char *s = p;
	unsigned char last[128];
	size_t i, full = len & ~(size_t)63, rest = len - full, tail;
	uint64_t bits = (uint64_t)len * 8;

	for (i = 0; i < full; i += 64)
		sha1_block(st, s + i);
	memset(last, 0, sizeof(last));
	memcpy(last, s + full, rest);
	last[rest] = 0x80;
	tail = rest + 1 + 8 <= 64 ? 64 : 128;
	for (i = 0; i < 8; i++)
		last[tail - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha1_block(st, last);
	if (tail == 128)
		sha1_block(st, last + 64);
	for (i = 0; i < 20; i++)
		out[i] = (uint8_t)(st[i / 4] >> (24 - 8 * (i % 4)));
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
ws_accept_key(const char *key, char out[WS_ACCEPT_LEN + 1])
{
	char cat[24 + sizeof(WS_GUID)];
	uint8_t d[21];
	size_t i, o = 0;
	uint32_t v;

	out[0] = '\0';
	if (key == NULL || strlen(key) != 24 || strcmp(key + 22, "==") != 0 ||
	    strspn(key, b64) != 22)
		return CK_EINVALID;
	memcpy(cat, key, 24);
	memcpy(cat + 24, WS_GUID, sizeof(WS_GUID));
	ws_sha1(cat, 24 + sizeof(WS_GUID) - 1, d);
	d[20] = 0;
	for (i = 0; i < 21; i += 3) {
		v = (uint32_t)d[i] << 16 | (uint32_t)(i + 1 < 21 ? d[i + 1] : 0)
		    << 8 | (i + 2 < 21 ? d[i + 2] : 0);
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	/* 20 bytes: 27 characters and one '=' */
	out[27] = '=';
	out[28] = '\0';
	return 0;
}
