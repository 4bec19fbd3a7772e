/*
 * err.h: error codes (0 or a negative errno with a name) and struct ck_status,
 * the fixed-size carrier of a Kubernetes Status (HTTP code, reason, message,
 * details and field causes). Nothing here allocates.
 */
#ifndef CKUBE_ERR_H
#define CKUBE_ERR_H

#include <errno.h>

#include "ckube/ck.h"

#define CK_OK		0
#define CK_ENOTFOUND	(-ENOENT)	/* 404 NotFound */
#define CK_EEXIST	(-EEXIST)	/* 409 AlreadyExists */
#define CK_ECONFLICT	(-ESTALE)	/* 409 Conflict (stale resourceVersion) */
#define CK_EINVALID	(-EINVAL)	/* 422 Invalid (or 400 for malformed input) */
#define CK_EBADREQ	(-EBADMSG)	/* 400 BadRequest */
#define CK_ETOOBIG	(-E2BIG)	/* 413 RequestEntityTooLarge */
#define CK_EGONE	(-EIDRM)	/* 410 Gone (compacted revision) */
#define CK_ETIMEDOUT	(-ETIMEDOUT)	/* 504 Timeout */
#define CK_EIO		(-EIO)		/* 500 storage or I/O failure */
#define CK_ENOMEM	(-ENOMEM)
#define CK_EAGAIN	(-EAGAIN)	/* try again (429 TooManyRequests) */
#define CK_EPERM	(-EACCES)	/* 403 Forbidden */
#define CK_EUNAUTH	(-EPERM)	/* 401 Unauthorized */
#define CK_ENOTSUP	(-EOPNOTSUPP)	/* 405 MethodNotAllowed / 415 */
#define CK_ESHUTDOWN	(-ESHUTDOWN)	/* the component is stopping */
#define CK_ENOSPC	(-ENOSPC)	/* 507 InsufficientStorage (disk full) */
#define CK_EUNAVAIL	(-EHOSTDOWN)	/* 503 ServiceUnavailable (storage unreachable) */

#define CK_STATUS_CAUSES	8
#define CK_STATUS_MSG_MAX	1024

struct ck_status_cause {
	char	field[128];
	char	reason[48];	/* FieldValueRequired, FieldValueInvalid, ... */
	char	message[CK_STATUS_MSG_MAX];	/* Kubernetes regex messages exceed 256 */
};

struct ck_status {
	int	code;		/* HTTP status: 200, 404, 422, ... */
	char	reason[48];	/* NotFound, Invalid, ... ("" on success) */
	char	message[CK_STATUS_MSG_MAX];
	/* details: */
	char	name[CK_NAME_MAX];
	char	group[128];
	char	kind[128];
	int	ncauses;
	struct ck_status_cause causes[CK_STATUS_CAUSES];
};

/* The name of a CK_E* code ("ENOTFOUND"...), or strerror text for others. */
const char	*ck_strerror(int err);

/* The HTTP code and Kubernetes reason that fit err (e.g. CK_ECONFLICT -> 409 Conflict). */
int		 ck_err_http_code(int err);
const char	*ck_err_reason(int err);

/* Reset st to a 200 success with everything else empty. st may be NULL. */
void		 ck_status_clear(struct ck_status *st);

/*
 * Fill st with code/reason derived from err and a formatted message; returns
 * err, so callers can write `return ck_status_set(st, CK_ENOTFOUND, ...)`.
 * st may be NULL (then only err is returned). Long messages are truncated.
 */
int		 ck_status_set(struct ck_status *st, int err, const char *fmt, ...)
		    CK_PRINTF(3, 4);

/* Set details.name/kind/group (any may be NULL to leave it unchanged). */
void		 ck_status_set_details(struct ck_status *st, const char *name,
		    const char *group, const char *kind);

/*
 * Append a field cause (at most CK_STATUS_CAUSES are kept; later ones are
 * counted in ncauses but dropped). st may be NULL.
 */
void		 ck_status_add_cause(struct ck_status *st, const char *field,
		    const char *reason, const char *fmt, ...) CK_PRINTF(4, 5);

#endif
