/*
 * kind_count.c: object counts of the resources whose admission reads the
 * store on every create (kind_count.h).
 */
#include "kind_count.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/log.h"
#include "store/store.h"

static const char *const tracked[] = { "resourcequotas", "limitranges" };
#define NTRACKED	(sizeof(tracked) / sizeof(tracked[0]))

struct kind_count {
	_Atomic int64_t	 n[NTRACKED];
};

static int
index_of(const char *resource)
{
	size_t i;

	for (i = 0; i < NTRACKED; i++)
		if (strcmp(resource, tracked[i]) == 0)
			return (int)i;
	return -1;
}

struct kind_count *
kind_count_new(struct store *s)
{
	struct kind_count *kc = ck_calloc(1, sizeof(*kc));
	int64_t n;
	size_t i;

	for (i = 0; i < NTRACKED; i++) {
		if (store_count(s, tracked[i], NULL, &n) < 0) {
			log_warn("cannot count %s: admission reads them on "
			    "every create", tracked[i]);
			free(kc);
			return NULL;
		}
		atomic_store(&kc->n[i], n);
	}
	return kc;
}

void
kind_count_free(struct kind_count *kc)
{
	free(kc);
}

void
kind_count_observe(struct kind_count *kc, const struct store_event *ev)
{
	int i;

	if (kc == NULL || ev->type == STORE_MODIFIED ||
	    (i = index_of(ev->resource)) < 0)
		return;
	atomic_fetch_add(&kc->n[i], ev->type == STORE_ADDED ? 1 : -1);
}

bool
kind_count_none(const struct kind_count *kc, const char *resource)
{
	int i;

	if (kc == NULL || (i = index_of(resource)) < 0)
		return false;
	return atomic_load(&kc->n[i]) <= 0;
}
