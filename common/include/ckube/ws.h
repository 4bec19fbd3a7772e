/*
 * ws.h: a bounded RFC 6455 WebSocket frame codec (no I/O), for the exec
 * stream of the kubelet-sim (docs/simulation.md). Decoding works in place
 * on a caller's buffer; a frame longer than the caller's cap is refused
 * before any payload is read. Plus the handshake's Sec-WebSocket-Accept.
 */
#ifndef CKUBE_WS_H
#define CKUBE_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"
#include "ckube/strbuf.h"

enum ws_opcode {
	WS_OP_CONT = 0x0,
	WS_OP_TEXT = 0x1,
	WS_OP_BINARY = 0x2,
	WS_OP_CLOSE = 0x8,
	WS_OP_PING = 0x9,
	WS_OP_PONG = 0xa,
};

#define WS_HEADER_MAX	14	/* 2 + 8 (64-bit length) + 4 (mask) */
#define WS_ACCEPT_LEN	28	/* base64 of a SHA-1 */

struct ws_frame {
	bool		 fin;
	int		 opcode;
	bool		 masked;
	unsigned char	*payload;	/* into the decoded buffer, unmasked */
	size_t		 len;
};

/*
 * Decode the frame at the start of buf (n bytes), unmasking its payload in
 * place. Returns the frame's total size (> 0), 0 when more bytes are
 * needed, CK_ETOOBIG when the payload exceeds max_payload, CK_EINVALID on
 * a protocol error: reserved bits, an unknown opcode, a control frame that
 * is fragmented or over 125 bytes, a non-minimal or 2^63+ length.
 */
long	ws_frame_decode(unsigned char *buf, size_t n, size_t max_payload,
	    struct ws_frame *f) CK_MUST_CHECK;

/*
 * Append one frame (fin set) to out: opcode, payload p of len bytes,
 * masked with mask when mask is not NULL (clients mask, servers do not).
 */
void	ws_frame_encode(struct strbuf *out, int opcode, const void *p,
	    size_t len, const uint8_t mask[4]);

/*
 * The Sec-WebSocket-Accept value of a Sec-WebSocket-Key into out
 * (WS_ACCEPT_LEN + 1 bytes). Returns 0, or CK_EINVALID when the key is not
 * 24 base64 characters (16 bytes, as RFC 6455 requires).
 */
int	ws_accept_key(const char *key, char out[WS_ACCEPT_LEN + 1])
	    CK_MUST_CHECK;

/* SHA-1 of p (the handshake needs it; nothing else should). */
void	ws_sha1(const void *p, size_t len, uint8_t out[20]);

#endif
