/*
 * ck.h: base macros every ckube file may use, and the banned-function list
 * (after git's banned.h): unbounded string functions are a compile error.
 */
#ifndef CKUBE_CK_H
#define CKUBE_CK_H

#include <stddef.h>

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))
#define CK_PRINTF(f, a)	__attribute__((format(printf, f, a)))
#define CK_MUST_CHECK	__attribute__((warn_unused_result))
#define CK_NORETURN	__attribute__((noreturn))
#define CK_UNUSED	__attribute__((unused))

/* Longest Kubernetes object name (DNS subdomain) plus NUL. */
#define CK_NAME_MAX	254

#include "ckube/banned.h"

#endif
