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
struct ck_status;

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

/* ---- authn.c: the authenticator chain of the secure port ---- */

#define AUTH_ANONYMOUS		"system:anonymous"
#define AUTH_UNAUTHENTICATED	"system:unauthenticated"
#define AUTH_AUTHENTICATED	"system:authenticated"
/* Kubernetes' InsecureSuperuser: who the insecure port (user NULL) is. */
#define AUTH_INSECURE_USER	"system:unsecured"

/* --token-auth-file: token,user,uid[,"group1,group2"] lines (CSV). */
struct authn_tokens;

/*
 * Parse a token file's text (name is for messages). 0 and *out (yours), or
 * CK_EINVALID with err telling the line and what is wrong. Never logs a
 * token.
 */
int	authn_tokens_parse(const char *name, const char *buf, size_t len,
	    struct authn_tokens **out, char *err, size_t errlen) CK_MUST_CHECK;
/* Read and parse path; as authn_tokens_parse (errors also for I/O). */
int	authn_tokens_load(const char *path, struct authn_tokens **out,
	    char *err, size_t errlen) CK_MUST_CHECK;
void	authn_tokens_free(struct authn_tokens *t);
size_t	authn_tokens_count(const struct authn_tokens *t);
/*
 * 1 and *out (name, uid, the file's groups) when token is in t, else 0.
 * Every entry is compared, in constant time, against the token's SHA-256.
 */
int	authn_tokens_find(const struct authn_tokens *t, const char *token,
	    struct auth_user *out);

/* a and b equal over n bytes, in time independent of their content. */
bool	authn_ct_equal(const void *a, const void *b, size_t n);

/*
 * The token of an `Authorization: Bearer <token>` header (scheme case-
 * insensitive, as Kubernetes' bearertoken authenticator) into tok: its
 * length, 0 when the header is no bearer header (or empty), -1 when the
 * token does not fit.
 */
int	authn_bearer_token(const char *header, char *tok, size_t len);

/* Startup configuration (main.c): the token table (taken) and anonymous. */
void	authn_configure(struct authn_tokens *tokens, bool anonymous);
bool	authn_anonymous_enabled(void);
void	authn_shutdown(void);

/*
 * A token through the token authenticators (the file, then ServiceAccount
 * tokens): 1 and *out (with system:authenticated), 0 when no authenticator
 * knows it, CK_EUNAUTH when one refused it.
 */
int	authn_token(struct apiserver *srv, const char *token,
	    struct auth_user *out) CK_MUST_CHECK;

/* The client certificate's verification (http_tls.c fills it). */
enum authn_cert_state {
	AUTHN_CERT_NONE,	/* none presented (or no --client-ca-file) */
	AUTHN_CERT_VALID,	/* verified: user holds CN and O's */
	AUTHN_CERT_INVALID,	/* presented and refused */
};

/*
 * The request's user (secure port): a verified client certificate (CN is
 * the user name, each O a group), else a bearer token, else
 * system:anonymous (groups system:unauthenticated) if --anonymous-auth.
 * Authenticated users get system:authenticated. 0 and *out, or CK_EUNAUTH
 * (answer 401 Unauthorized): a refused certificate or token never falls
 * back to anonymous.
 */
int	authn_request(struct apiserver *srv, enum authn_cert_state cert,
	    const struct auth_user *cert_user, const char *authorization,
	    struct auth_user *out) CK_MUST_CHECK;
/* Append group unless present (false: no room). */
bool	auth_user_add_group(struct auth_user *u, const char *group);
/* Kubernetes' CommonNameUserConversion: false when cn is empty. */
bool	authn_cert_user(const char *cn, const char *const *orgs, size_t norgs,
	    struct auth_user *out);

/* The Impersonate-* headers of a request. */
struct authn_impersonation {
	const char	*user;		/* Impersonate-User, or NULL */
	const char	*uid;		/* Impersonate-Uid, or NULL */
	const char	*groups[AUTH_GROUPS_MAX];	/* Impersonate-Group */
	size_t		 ngroups;
	bool		 too_many;	/* more groups than fit */
};

/*
 * Impersonation (Kubernetes' WithImpersonation): nothing asked, 0 with
 * *out = *requester; else each header is checked with authz_check (verb
 * impersonate on users, groups, serviceaccounts (system:serviceaccount:
 * NS:NAME) or uids.authentication.k8s.io) and *out becomes the impersonated
 * user. CK_EPERM (403, st worded as Kubernetes), CK_EBADREQ (groups or a
 * uid without a user) or a store error, st set.
 */
int	authn_impersonate(struct apiserver *srv,
	    const struct auth_user *requester,
	    const struct authn_impersonation *imp, struct auth_user *out,
	    struct ck_status *st) CK_MUST_CHECK;
/*
 * http_tls.c: the verified client certificate of a TLS session
 * (a gnutls_session_t) into *user. Also the subject mapping of one
 * certificate (DER, or PEM when pem) for the tests.
 */
enum authn_cert_state	authn_tls_peer(void *session, struct auth_user *user);
int	authn_cert_subject(const void *data, size_t len, bool pem,
	    struct auth_user *user) CK_MUST_CHECK;
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
/*
 * Kubernetes' Forbidden Status for attrs refused to user (why may be NULL
 * or ""): `users "bob" is forbidden: User "alice" cannot impersonate resource
 * "users" in API group "" at the cluster scope[: why]`. NULL strings of
 * attrs are "". Authorization and impersonation both answer with it.
 */
void	authz_forbidden(struct ck_status *st, const struct auth_user *user,
	    const struct auth_attrs *attrs, const char *why);

#endif
