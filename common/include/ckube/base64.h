/*
 * base64.h: standard base64 (RFC 4648, with padding), for binary-safe text
 * in JSON (Secret data, etcd's v3 JSON gateway, continue tokens).
 */
#ifndef CKUBE_BASE64_H
#define CKUBE_BASE64_H

#include <stddef.h>

/* NUL-terminated encoding of in[0..len), malloc'd (never NULL). */
char	*ck_base64_encode(const char *in, size_t len);
/*
 * Decoded bytes (plus a NUL), malloc'd, their count in *len_out (may be
 * NULL); NULL when in is not padded base64.
 */
char	*ck_base64_decode(const char *in, size_t *len_out);

#endif
