/*
 * auth.h: who sent a request (authentication, authn*.c) and whether that
 * user may do what it asks (authorization, authz.c), as Kubernetes'
 * user.Info and authorizer.Attributes. A request without a user (NULL) came
 * through the insecure loopback port, which allows everything, as the
 * insecure port of Kubernetes 1.3 did.
 */
#ifndef CKUBE_APISERVER_AUTH_H
#define CKUBE_APISERVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "ckube/ck.h"

struct ck_status;

struct apiserver;

#define AUTH_NAME_MAX	256
#define AUTH_GROUPS_MAX	32

/* An authenticated (or anonymous) user: copied by value, no pointers. */
struct auth_user {
	char	name[AUTH_NAME_MAX];		/* "alice", "system:anonymous" */
	char	uid[128];
	char	groups[AUTH_GROUPS_MAX][AUTH_NAME_MAX];
	size_t	ngroups;
};

/* What a request asks (authorizer.Attributes); NULL strings are "". */
struct auth_attrs {
	bool		 resource_request;	/* false: a non-resource URL */
	const char	*verb;		/* get list watch create update patch
					   delete deletecollection, or
					   impersonate bind escalate use */
	const char	*api_group;	/* "" for the core group */
	const char	*api_version;
	const char	*resource;	/* "pods" */
	const char	*subresource;	/* "log", "" */
	const char	*ns;		/* "" when cluster-scoped or all */
	const char	*name;		/* "" for list/create/collections */
	const char	*path;		/* non-resource: "/healthz" */
};

/*
 * ServiceAccount tokens (authn_sa.c): 1 and *out filled when token is a
 * valid ServiceAccount token of this apiserver (system:serviceaccount:NS:SA,
 * groups system:serviceaccounts and system:serviceaccounts:NS), 0 when it is
 * not a ServiceAccount token at all (another authenticator may know it),
 * CK_EUNAUTH when it is one but invalid (bad signature, expired, deleted).
 */
int	authn_sa_token(struct apiserver *srv, const char *token,
	    struct auth_user *out) CK_MUST_CHECK;

/*
 * 1 if user may do attrs, 0 if not (why: the authorizer's reason, may be
 * empty), negative CK_E* when it cannot tell (a store error). user NULL
 * (the insecure port) is always allowed. authz.c: --authorization-mode.
 */
int	authz_check(struct apiserver *srv, const struct auth_user *user,
	    const struct auth_attrs *attrs, char *why, size_t whylen)
	    CK_MUST_CHECK;

/*
 * --authorization-mode: a comma list of AlwaysAllow, AlwaysDeny and RBAC,
 * evaluated in order. 0, or CK_EINVALID with err saying why (the previous
 * modes stay). Called once at start, before any request.
 */
int	authz_config(const char *modes, char *err, size_t errlen)
	    CK_MUST_CHECK;
/* RBAC is one of the modes. */
bool	authz_rbac_enabled(void);
/* user is a member of group. */
bool	auth_user_in_group(const struct auth_user *user, const char *group);

struct api_request;
struct api_response;
struct api_route;

/*
 * The attributes of req (authorizer.Attributes of RequestInfo): a resource
 * request when the path is one (rt filled and pointed to), else a
 * non-resource one with the lower-case method as verb. Strings point into
 * rt and req.
 */
void	authz_request_attrs(const struct api_request *req,
	    struct api_route *rt, struct auth_attrs *out);
/*
 * The authorization filter: true when req was refused (resp filled with
 * Kubernetes' 403, or 500 when the authorizer failed); false to serve it.
 * req->user NULL: always false.
 */
bool	authz_filter(struct apiserver *srv, const struct api_request *req,
	    struct api_response *resp);
/* Fill st with the 403 of a refused a by user (reason may be ""). */
void	authz_forbidden(struct ck_status *st, const struct auth_user *user,
	    const struct auth_attrs *a, const char *reason);

#endif
