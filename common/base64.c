/*
 * base64.c: the standard alphabet with padding (base64.h).
 */
#include "ckube/base64.h"

#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
ck_base64_encode(const char *in, size_t len)
{
	const unsigned char *p = (const unsigned char *)in;
	char *out = ck_malloc((len + 2) / 3 * 4 + 1);
	size_t i, o = 0;
	unsigned v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = b64[v >> 6 & 63];
		out[o++] = b64[v & 63];
	}
	if (i < len) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64[v >> 6 & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return out;
}

static int
b64_val(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(b64, c);
	return p ? (int)(p - b64) : -1;
}

char *
ck_base64_decode(const char *in, size_t *len_out)
{
	size_t n = strlen(in), i, o = 0;
	char *out;
	int v[4], k;

	if (n % 4 != 0)
		return NULL;
	out = ck_malloc(n / 4 * 3 + 1);
	for (i = 0; i < n; i += 4) {
		for (k = 0; k < 4; k++) {
			if (in[i + k] == '=' && i + 4 == n && k >= 2)
				v[k] = -2;
			else if ((v[k] = b64_val(in[i + k])) < 0)
				goto bad;
		}
		if (v[2] == -2 && v[3] != -2)
			goto bad;
		out[o++] = (char)(v[0] << 2 | v[1] >> 4);
		if (v[2] != -2)
			out[o++] = (char)((v[1] & 15) << 4 | v[2] >> 2);
		if (v[3] != -2)
			out[o++] = (char)((v[2] & 3) << 6 | v[3]);
	}
	out[o] = '\0';
	if (len_out != NULL)
		*len_out = o;
	return out;
bad:
	free(out);
	return NULL;
}
