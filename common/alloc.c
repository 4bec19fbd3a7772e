/*
 * alloc.c: abort-on-OOM allocators (see alloc.h). Logging here goes straight
 * to stderr: the logger itself may need memory.
 */
#include "ckube/alloc.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Read by jemalloc (release builds; glibc ignores it). jemalloc returns
 * freed pages to the system only when the process allocates again: a
 * daemon that parsed a large LIST, or an apiserver that built one, kept it
 * resident while idle. A background thread purges them on time, after 1 s
 * (not 10) since freeing. One arena, not four per CPU: each arena holds
 * its own partly used slabs and dirty pages, and a daemon's few threads
 * rarely allocate at once on two cores (bench/mem_pods.sh: -15% RSS per
 * pod, -15 MB fixed across the daemons, CPU per pod within the noise;
 * without thread caches as well it was -30% RSS but +25% CPU).
 */
extern const char *malloc_conf;
const char *malloc_conf =
    "background_thread:true,narenas:1,dirty_decay_ms:1000,muzzy_decay_ms:0";

CK_NORETURN static void
oom(size_t size)
{
	fprintf(stderr, "F ckube: out of memory allocating %zu bytes\n", size);
	abort();
}

void *
ck_malloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		oom(size);
	return p;
}

void *
ck_calloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		oom(nmemb * size);
	return p;
}

void *
ck_realloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);

	if (p == NULL)
		oom(size);
	return p;
}

void *
ck_reallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		oom(SIZE_MAX);
	return ck_realloc(ptr, nmemb * size);
}

char *
ck_strdup(const char *s)
{
	return ck_strndup(s, strlen(s));
}

char *
ck_strndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = ck_malloc(len + 1);

	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *
ck_asprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		oom(0);
	return s;
}
