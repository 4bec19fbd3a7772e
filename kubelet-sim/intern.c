/*
 * Interned strings of ckube-kubelet-sim (intern.h): a strmap from the
 * string to its counted copy, the copy's text being the map's key.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/ck.h"
#include "ckube/strmap.h"
#include "intern.h"

struct interned {
	size_t	refs;
	char	s[];
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct strmap *strs;	/* text -> struct interned (under mu) */

const char *
intern_get(const char *s)
{
	struct interned *e;
	size_t len;

	pthread_mutex_lock(&mu);
	if (strs == NULL)
		strs = strmap_new();
	e = strmap_get(strs, s);
	if (e == NULL) {
		len = strlen(s);
		e = ck_malloc(sizeof(*e) + len + 1);
		e->refs = 0;
		memcpy(e->s, s, len + 1);
		strmap_put(strs, e->s, e);
	}
	e->refs++;
	pthread_mutex_unlock(&mu);
	return e->s;
}

void
intern_put(const char *s)
{
	struct interned *e;

	if (s == NULL)
		return;
	pthread_mutex_lock(&mu);
	e = strs != NULL ? strmap_get(strs, s) : NULL;
	if (e != NULL && --e->refs == 0) {
		strmap_remove(strs, e->s);
		free(e);
	}
	pthread_mutex_unlock(&mu);
}
