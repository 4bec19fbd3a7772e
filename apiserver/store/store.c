/*
 * store.c: store.h's calls dispatched to the backend that opened the store
 * (store_sqlite.c, store_etcd.c), and the backend-independent helpers.
 */
#include "store.h"
#include "store_impl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/log.h"

/* The last storage failure's words on this thread (store_last_error). */
static _Thread_local char last_error[256];

void
store_set_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

const char *
store_last_error(void)
{
	return last_error;
}

const char *
store_backend(const struct store *s)
{
	return s->ops->name;
}

void
store_close(struct store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

int
store_set_sync(struct store *s, const char *mode)
{
	return s->ops->set_sync(s, mode);
}

void
store_set_recent_bytes(struct store *s, size_t bytes)
{
	if (s->ops->set_recent_bytes != NULL)
		s->ops->set_recent_bytes(s, bytes);
}

void
store_set_commit_hook(struct store *s, store_commit_fn fn, void *arg)
{
	s->ops->set_commit_hook(s, fn, arg);
}

int
store_write_health(struct store *s, char *msg, size_t len)
{
	return s->ops->write_health(s, msg, len);
}

void
store_write_stats(struct store *s, struct store_write_stats *out)
{
	s->ops->write_stats(s, out);
}

int
store_write_busy(struct store *s)
{
	return s->ops->write_busy(s);
}

int64_t
store_revision(struct store *s)
{
	return s->ops->revision(s);
}

int64_t
store_compacted_revision(struct store *s)
{
	return s->ops->compacted_revision(s);
}

int
store_get(struct store *s, const char *resource, const char *ns,
    const char *name, struct store_item *out)
{
	return s->ops->get(s, resource, ns, name, out);
}

int
store_list(struct store *s, const char *resource, const char *ns,
    const char *after_ns, const char *after_name, size_t limit,
    struct store_list *out)
{
	return s->ops->list(s, resource, ns, after_ns, after_name, limit, out);
}

int
store_list_open(struct store *s, const char *resource, const char *ns,
    struct store_cursor **out, int64_t *rv)
{
	*out = NULL;
	if (s->ops->list_open == NULL)
		return CK_ENOTSUP;
	return s->ops->list_open(s, resource, ns, out, rv);
}

int
store_cursor_next(struct store_cursor *c, const char **body, size_t *len)
{
	return c->next(c, body, len);
}

void
store_cursor_close(struct store_cursor *c)
{
	if (c != NULL)
		c->close(c);
}

int
store_count(struct store *s, const char *resource, const char *ns,
    int64_t *out)
{
	return s->ops->count(s, resource, ns, out);
}

int
store_create(struct store *s, const char *resource, const char *ns,
    const char *name, struct cJSON *obj, int64_t *rv_out)
{
	return s->ops->create(s, resource, ns, name, obj, rv_out);
}

int
store_update(struct store *s, const char *resource, const char *ns,
    const char *name, struct cJSON *obj, int64_t expect_rv, int64_t *rv_out)
{
	return s->ops->update(s, resource, ns, name, obj, expect_rv, rv_out);
}

int
store_delete(struct store *s, const char *resource, const char *ns,
    const char *name, int64_t expect_rv, char **last_out, int64_t *rv_out)
{
	return s->ops->delete(s, resource, ns, name, expect_rv, last_out,
	    rv_out);
}

int
store_txn(struct store *s, struct store_op *ops, size_t n, size_t *failed)
{
	return s->ops->txn(s, ops, n, failed);
}

int
store_events_since(struct store *s, const char *resource, int64_t from_rv,
    size_t limit, struct store_event **out, size_t *n)
{
	return s->ops->events_since(s, resource, from_rv, limit, out, n);
}

int
store_compact(struct store *s, int64_t upto_rv)
{
	return s->ops->compact(s, upto_rv);
}

void
store_item_fini(struct store_item *it)
{
	if (it == NULL)
		return;
	free(it->ns);
	free(it->name);
	free(it->body);
	memset(it, 0, sizeof(*it));
}

void
store_list_fini(struct store_list *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++)
		store_item_fini(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void
store_event_fini(struct store_event *ev)
{
	if (ev == NULL)
		return;
	free(ev->resource);
	free(ev->ns);
	free(ev->name);
	free(ev->body);
	memset(ev, 0, sizeof(*ev));
}

void
store_events_free(struct store_event *evs, size_t n)
{
	size_t i;

	if (evs == NULL)
		return;
	for (i = 0; i < n; i++)
		store_event_fini(&evs[i]);
	free(evs);
}

void *
store_json_check(void *p)
{
	if (p == NULL) {
		log_error("store: out of memory in cJSON");
		abort();
	}
	return p;
}

int
store_obj_set_rv(cJSON *obj, int64_t rv)
{
	cJSON *meta, *v;
	char buf[24];

	meta = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	if (meta == NULL)
		meta = store_json_check(cJSON_AddObjectToObject(obj,
		    "metadata"));
	else if (!cJSON_IsObject(meta))
		return CK_EINVALID;
	(void)snprintf(buf, sizeof(buf), "%lld", (long long)rv);
	v = store_json_check(cJSON_CreateString(buf));
	if (cJSON_GetObjectItemCaseSensitive(meta, "resourceVersion") != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(meta, "resourceVersion",
		    v);
	else
		cJSON_AddItemToObject(meta, "resourceVersion", v);
	return 0;
}
