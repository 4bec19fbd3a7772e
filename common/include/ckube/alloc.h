/*
 * alloc.h: allocators that log and abort on out-of-memory, so callers never
 * test their result and error paths are about I/O and bad input only.
 */
#ifndef CKUBE_ALLOC_H
#define CKUBE_ALLOC_H

#include <stddef.h>

#include "ckube/ck.h"

/* malloc/calloc/realloc that never return NULL (abort on OOM); free with free(). */
void	*ck_malloc(size_t size);
void	*ck_calloc(size_t nmemb, size_t size);
void	*ck_realloc(void *ptr, size_t size);
/* realloc of nmemb * size, aborting on overflow as on OOM. */
void	*ck_reallocarray(void *ptr, size_t nmemb, size_t size);
/* strdup/strndup that never return NULL; free with free(). */
char	*ck_strdup(const char *s);
char	*ck_strndup(const char *s, size_t n);
/* asprintf that never fails; the result is the caller's (free()). */
char	*ck_asprintf(const char *fmt, ...) CK_PRINTF(1, 2);

#endif
