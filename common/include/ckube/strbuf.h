/*
 * strbuf.h: a growable NUL-terminated byte buffer (abort on OOM), plus the
 * bounded string helpers that replace the banned functions.
 */
#ifndef CKUBE_STRBUF_H
#define CKUBE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct strbuf {
	char	*buf;	/* always NUL-terminated once anything was added; may be NULL before */
	size_t	 len;
	size_t	 cap;
};

#define STRBUF_INIT { NULL, 0, 0 }

void	 strbuf_init(struct strbuf *sb);
/* Free the storage and reset to empty. */
void	 strbuf_fini(struct strbuf *sb);
/* Make room for at least extra more bytes. */
void	 strbuf_grow(struct strbuf *sb, size_t extra);
void	 strbuf_add(struct strbuf *sb, const void *data, size_t len);
void	 strbuf_adds(struct strbuf *sb, const char *s);
void	 strbuf_addc(struct strbuf *sb, char c);
void	 strbuf_addf(struct strbuf *sb, const char *fmt, ...) CK_PRINTF(2, 3);
void	 strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) CK_PRINTF(2, 0);
/* Truncate to len bytes (len <= sb->len). */
void	 strbuf_setlen(struct strbuf *sb, size_t len);
/* Empty the buffer, keeping its storage. */
void	 strbuf_reset(struct strbuf *sb);
/* The contents ("" when empty); valid until the next change. */
const char *strbuf_str(const struct strbuf *sb);
/* Hand the string to the caller (free()) and reset sb; never NULL. */
char	*strbuf_detach(struct strbuf *sb, size_t *len);

/*
 * Copy src into dst of size dstsize, always NUL-terminating (when dstsize > 0).
 * Returns strlen(src); a result >= dstsize means truncation.
 */
size_t	 ck_strlcpy(char *dst, const char *src, size_t dstsize);

/*
 * Parse a whole decimal integer (optional sign, no trailing bytes) into *out.
 * Returns 0, or CK_EINVALID for empty/garbage/out-of-range input.
 */
int	 ck_parse_int64(const char *s, int64_t *out) CK_MUST_CHECK;
/* The same for a (ptr, len) view that need not end in NUL. */
int	 ck_parse_int64n(const char *s, size_t len, int64_t *out) CK_MUST_CHECK;

/* True if s starts with prefix / ends with suffix. */
int	 ck_str_has_prefix(const char *s, const char *prefix);
int	 ck_str_has_suffix(const char *s, const char *suffix);

#endif
