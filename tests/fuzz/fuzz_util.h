/*
 * fuzz_util.h: what the libFuzzer targets share: the entry point's
 * prototype, the input as a C string, and an input split in two at its
 * first newline (a target document and a patch, say).
 */
#ifndef CKUBE_FUZZ_UTIL_H
#define CKUBE_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* data as a NUL-terminated copy (an embedded NUL ends it); free() it. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Split data at its first '\n': *a gets the bytes before, *b those after
 * (both NUL-terminated copies, free() them). Returns -1 when there is no
 * newline or memory ran out (nothing allocated then).
 */
static inline int
fuzz_split(const uint8_t *data, size_t size, char **a, char **b)
{
	const uint8_t *nl = memchr(data, '\n', size);
	size_t alen;

	if (nl == NULL)
		return -1;
	alen = (size_t)(nl - data);
	*a = fuzz_cstr(data, alen);
	*b = fuzz_cstr(nl + 1, size - alen - 1);
	if (*a == NULL || *b == NULL) {
		free(*a);
		free(*b);
		return -1;
	}
	return 0;
}

/* A broken invariant: say which and let libFuzzer keep the input. */
#define FUZZ_FAIL(...) do {						\
	fprintf(stderr, __VA_ARGS__);					\
	fputc('\n', stderr);						\
	abort();							\
} while (0)

#endif
