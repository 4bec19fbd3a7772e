/*
 * banned.h: functions that are easy to misuse; use snprintf, ck_strlcpy,
 * strbuf, ck_parse_int64 and gmtime_r instead. Included by ck.h, after any
 * system header a file needs.
 */
#ifndef CKUBE_BANNED_H
#define CKUBE_BANNED_H

/*
 * Declare the banned functions before the macros hide them: with
 * optimisation glibc defines some of them inline (atoi in stdlib.h), which
 * breaks when a file includes a ckube header before the system header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CK_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) CK_BANNED(strcpy)
#undef strcat
#define strcat(x, y) CK_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) CK_BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) CK_BANNED(strncat)
#undef sprintf
#define sprintf(...) CK_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) CK_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) CK_BANNED(strtok)
#undef atoi
#define atoi(x) CK_BANNED(atoi)
#undef gmtime
#define gmtime(t) CK_BANNED(gmtime)
#undef localtime
#define localtime(t) CK_BANNED(localtime)
#undef ctime
#define ctime(t) CK_BANNED(ctime)
#undef asctime
#define asctime(t) CK_BANNED(asctime)
#undef mktemp
#define mktemp(t) CK_BANNED(mktemp)

#endif
