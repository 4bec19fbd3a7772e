/*
 * store_impl.h: what a storage backend implements (private to store/).
 * struct store is the first member of each backend's own struct; store.c
 * dispatches every store.h call through its ops.
 */
#ifndef CKUBE_APISERVER_STORE_IMPL_H
#define CKUBE_APISERVER_STORE_IMPL_H

#include "store.h"

/* The first member of each backend's cursor. */
struct store_cursor {
	int	(*next)(struct store_cursor *c, const char **body,
		    size_t *len);
	void	(*close)(struct store_cursor *c);
};

struct store_ops {
	const char	*name;
	void	(*close)(struct store *s);
	int	(*set_sync)(struct store *s, const char *mode);
	/* Optional (NULL: the backend keeps no recent writes). */
	void	(*set_recent_bytes)(struct store *s, size_t bytes);
	void	(*set_commit_hook)(struct store *s, store_commit_fn fn, void *arg);
	int	(*write_health)(struct store *s, char *msg, size_t len);
	void	(*write_stats)(struct store *s, struct store_write_stats *out);
	int	(*write_busy)(struct store *s);
	int64_t	(*revision)(struct store *s);
	int64_t	(*compacted_revision)(struct store *s);
	int	(*get)(struct store *s, const char *resource, const char *ns,
		    const char *name, struct store_item *out);
	int	(*list)(struct store *s, const char *resource, const char *ns,
		    const char *after_ns, const char *after_name, size_t limit,
		    struct store_list *out);
	/* Optional (NULL: store_list_open says CK_ENOTSUP). */
	int	(*list_open)(struct store *s, const char *resource,
		    const char *ns, struct store_cursor **out, int64_t *rv);
	int	(*count)(struct store *s, const char *resource, const char *ns,
		    int64_t *out);
	int	(*create)(struct store *s, const char *resource, const char *ns,
		    const char *name, struct cJSON *obj, int64_t *rv_out);
	int	(*update)(struct store *s, const char *resource, const char *ns,
		    const char *name, struct cJSON *obj, int64_t expect_rv,
		    int64_t *rv_out);
	int	(*delete)(struct store *s, const char *resource, const char *ns,
		    const char *name, int64_t expect_rv, char **last_out,
		    int64_t *rv_out);
	int	(*txn)(struct store *s, struct store_op *ops, size_t n,
		    size_t *failed);
	int	(*events_since)(struct store *s, const char *resource,
		    int64_t from_rv, size_t limit, struct store_event **out,
		    size_t *n);
	int	(*compact)(struct store *s, int64_t upto_rv);
};

struct store {
	const struct store_ops	*ops;
};

/* Set obj's metadata.resourceVersion to rv, creating metadata if needed. */
int	store_obj_set_rv(struct cJSON *obj, int64_t rv);
/* p, or abort: cJSON returns NULL only when out of memory. */
void	*store_json_check(void *p);

/* Set this thread's store_last_error() text (printf-style). */
void	store_set_error(const char *fmt, ...) CK_PRINTF(1, 2);

#endif
