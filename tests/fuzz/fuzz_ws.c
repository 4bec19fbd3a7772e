/*
 * fuzz_ws.c: WebSocket frames from untrusted bytes (the exec stream): a
 * stream is decoded frame by frame under a small cap; every frame that
 * decodes is encoded again (masked) and must decode to the same frame.
 */
#include "ckube/err.h"
#include "ckube/ws.h"
#include "fuzz_util.h"

#define FUZZ_WS_CAP	4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t mask[4] = { 0xa5, 0x5a, 0x00, 0xff };
	unsigned char *buf = malloc(size + 1);
	struct ws_frame f, g;
	struct strbuf b;
	size_t off = 0;
	long n, m;

	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	while (off < size) {
		n = ws_frame_decode(buf + off, size - off, FUZZ_WS_CAP, &f);
		if (n <= 0)
			break;
		if ((size_t)n > size - off || f.len > FUZZ_WS_CAP)
			FUZZ_FAIL("frame of %ld bytes past the input", n);
		strbuf_init(&b);
		ws_frame_encode(&b, f.opcode, f.payload, f.len, mask);
		m = ws_frame_decode((unsigned char *)b.buf, b.len, FUZZ_WS_CAP,
		    &g);
		if ((m != (long)b.len || g.opcode != f.opcode ||
		    g.len != f.len || memcmp(g.payload, f.payload, f.len) != 0))
			FUZZ_FAIL("frame opcode %d len %zu does not round-trip",
			    f.opcode, f.len);
		strbuf_fini(&b);
		off += (size_t)n;
	}
	free(buf);
	return 0;
}
