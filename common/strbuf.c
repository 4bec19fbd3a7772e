/*
 * strbuf.c: growable text buffer and bounded string helpers (see strbuf.h).
 */
#include "ckube/strbuf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/err.h"

void
strbuf_init(struct strbuf *sb)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
}

void
strbuf_fini(struct strbuf *sb)
{
	free(sb->buf);
	strbuf_init(sb);
}

void
strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t need = sb->len + extra + 1;
	size_t cap;

	if (need <= sb->cap)
		return;
	cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap *= 2;
	sb->buf = ck_realloc(sb->buf, cap);
	sb->cap = cap;
	if (sb->len == 0)
		sb->buf[0] = '\0';
}

void
strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	strbuf_grow(sb, len);
	if (len)
		memcpy(sb->buf + sb->len, data, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void
strbuf_adds(struct strbuf *sb, const char *s)
{
	strbuf_add(sb, s, strlen(s));
}

void
strbuf_addc(struct strbuf *sb, char c)
{
	strbuf_add(sb, &c, 1);
}

void
strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	strbuf_grow(sb, 64);
	va_copy(cp, ap);
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= sb->cap - sb->len) {
		strbuf_grow(sb, (size_t)n);
		n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
		if (n < 0)
			return;
	}
	sb->len += (size_t)n;
}

void
strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
}

void
strbuf_setlen(struct strbuf *sb, size_t len)
{
	if (sb->buf == NULL || len > sb->len)
		return;
	sb->len = len;
	sb->buf[len] = '\0';
}

void
strbuf_reset(struct strbuf *sb)
{
	strbuf_setlen(sb, 0);
}

const char *
strbuf_str(const struct strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

char *
strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *s;

	if (sb->buf == NULL)
		strbuf_grow(sb, 0);
	s = sb->buf;
	if (len != NULL)
		*len = sb->len;
	strbuf_init(sb);
	return s;
}

size_t
ck_strlcpy(char *dst, const char *src, size_t dstsize)
{
	size_t len = strlen(src);

	if (dstsize > 0) {
		size_t n = len < dstsize - 1 ? len : dstsize - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

int
ck_parse_int64n(const char *s, size_t len, int64_t *out)
{
	char tmp[32];
	char *end;
	long long v;

	if (len == 0 || len >= sizeof(tmp))
		return CK_EINVALID;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	if (tmp[0] == ' ' || tmp[0] == '\t' || tmp[0] == '\n')
		return CK_EINVALID;
	errno = 0;
	v = strtoll(tmp, &end, 10);
	if (errno != 0 || end == tmp || *end != '\0')
		return CK_EINVALID;
	*out = (int64_t)v;
	return 0;
}

int
ck_parse_int64(const char *s, int64_t *out)
{
	if (s == NULL)
		return CK_EINVALID;
	return ck_parse_int64n(s, strlen(s), out);
}

int
ck_str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int
ck_str_has_suffix(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}
