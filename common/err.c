/*
 * err.c: names and HTTP mapping of CK_E* codes, and the ck_status helpers.
 */
#include "ckube/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ckube/strbuf.h"

static const struct {
	int		 err;
	const char	*name;
	int		 http;
	const char	*reason;
} err_table[] = {
	{ CK_OK,	"OK",		200, "" },
	{ CK_ENOTFOUND,	"ENOTFOUND",	404, "NotFound" },
	{ CK_EEXIST,	"EEXIST",	409, "AlreadyExists" },
	{ CK_ECONFLICT,	"ECONFLICT",	409, "Conflict" },
	{ CK_EINVALID,	"EINVALID",	422, "Invalid" },
	{ CK_EBADREQ,	"EBADREQ",	400, "BadRequest" },
	{ CK_ETOOBIG,	"ETOOBIG",	413, "RequestEntityTooLarge" },
	{ CK_EGONE,	"EGONE",	410, "Expired" },
	{ CK_ETIMEDOUT,	"ETIMEDOUT",	504, "Timeout" },
	{ CK_EIO,	"EIO",		500, "InternalError" },
	{ CK_ENOMEM,	"ENOMEM",	500, "InternalError" },
	{ CK_EAGAIN,	"EAGAIN",	429, "TooManyRequests" },
	{ CK_EPERM,	"EPERM",	403, "Forbidden" },
	{ CK_EUNAUTH,	"EUNAUTH",	401, "Unauthorized" },
	{ CK_ENOTSUP,	"ENOTSUP",	405, "MethodNotAllowed" },
	{ CK_ESHUTDOWN,	"ESHUTDOWN",	503, "ServiceUnavailable" },
	{ CK_ENOSPC,	"ENOSPC",	507, "InsufficientStorage" },
	{ CK_EUNAVAIL,	"EUNAVAIL",	503, "ServiceUnavailable" },
};

const char *
ck_strerror(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(err_table); i++)
		if (err_table[i].err == err)
			return err_table[i].name;
	return strerror(err < 0 ? -err : err);
}

int
ck_err_http_code(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(err_table); i++)
		if (err_table[i].err == err)
			return err_table[i].http;
	return 500;
}

const char *
ck_err_reason(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(err_table); i++)
		if (err_table[i].err == err)
			return err_table[i].reason;
	return "InternalError";
}

void
ck_status_clear(struct ck_status *st)
{
	if (st == NULL)
		return;
	memset(st, 0, sizeof(*st));
	st->code = 200;
}

int
ck_status_set(struct ck_status *st, int err, const char *fmt, ...)
{
	va_list ap;

	if (st == NULL)
		return err;
	st->code = ck_err_http_code(err);
	ck_strlcpy(st->reason, ck_err_reason(err), sizeof(st->reason));
	va_start(ap, fmt);
	vsnprintf(st->message, sizeof(st->message), fmt, ap);	/* truncation is fine */
	va_end(ap);
	return err;
}

void
ck_status_set_details(struct ck_status *st, const char *name, const char *group,
    const char *kind)
{
	if (st == NULL)
		return;
	if (name != NULL)
		ck_strlcpy(st->name, name, sizeof(st->name));
	if (group != NULL)
		ck_strlcpy(st->group, group, sizeof(st->group));
	if (kind != NULL)
		ck_strlcpy(st->kind, kind, sizeof(st->kind));
}

void
ck_status_add_cause(struct ck_status *st, const char *field, const char *reason,
    const char *fmt, ...)
{
	struct ck_status_cause *c;
	va_list ap;

	if (st == NULL)
		return;
	if (st->ncauses >= CK_STATUS_CAUSES) {
		st->ncauses++;
		return;
	}
	c = &st->causes[st->ncauses++];
	ck_strlcpy(c->field, field, sizeof(c->field));
	ck_strlcpy(c->reason, reason, sizeof(c->reason));
	va_start(ap, fmt);
	vsnprintf(c->message, sizeof(c->message), fmt, ap);
	va_end(ap);
}
