/*
 * sa_jwt.h: ServiceAccount tokens as Kubernetes issues them: compact JWS
 * (RS256) over JSON claims (iss, sub, aud, exp, iat, nbf, jti,
 * kubernetes.io{namespace, serviceaccount{name,uid}, pod?}). Pure: keys,
 * strings and a clock in, no store (sa_token.c and authn_sa.c use it).
 */
#ifndef CKUBE_APISERVER_SA_JWT_H
#define CKUBE_APISERVER_SA_JWT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ckube/ck.h"

struct cJSON;
struct ck_status;

#define SA_ISSUER_DEFAULT	"https://kubernetes.default.svc.cluster.local"
#define SA_KEYS_MAX		16
#define SA_TOKEN_MAX		8192	/* longer bearer tokens are not ours */

/* The keys of one apiserver: one signing key, verification keys. */
struct sa_keys {
	void	*signer;		/* EVP_PKEY *, NULL: no TokenRequest */
	char	 signer_kid[64];
	void	*verify[SA_KEYS_MAX];	/* EVP_PKEY * */
	size_t	 nverify;
	char	 issuer[256];
};

/*
 * Load the keys: signing_file (PEM RSA private key, or NULL/""), key_files
 * (comma-separated PEM files holding public keys, certificates or private
 * keys; the signing key's public half is added when it is empty). 0, or
 * CK_EINVALID with st->message naming the file and the problem.
 */
int	sa_keys_load(struct sa_keys *k, const char *issuer,
	    const char *signing_file, const char *key_files,
	    struct ck_status *st) CK_MUST_CHECK;
void	sa_keys_fini(struct sa_keys *k);

/* What a token says about its ServiceAccount (and bound pod). */
struct sa_claims {
	char	ns[254];
	char	name[254];
	char	uid[128];
	char	pod_name[254];		/* "" when not bound to a pod */
	char	pod_uid[128];
	int64_t	exp;			/* Unix seconds */
};

/*
 * Sign a token for c (ns, name, uid, pod_*) valid from now for
 * expiration_s seconds, for the audiences aud (NULL-terminated; NULL or
 * empty: the issuer). Returns the token (free it) or NULL (no signing key,
 * or OpenSSL failed).
 */
char	*sa_jwt_sign(const struct sa_keys *k, const struct sa_claims *c,
	    const char *const *aud, time_t now, int64_t expiration_s);

/*
 * Verify token at now for audience (NULL: the issuer). 0 when token is not
 * a JWT issued by k->issuer (not ours: another authenticator may know it);
 * CK_EUNAUTH with why filled when it is ours but invalid (signature,
 * expired, not yet valid, audience, claims); 1 and *out when valid.
 */
int	sa_jwt_verify(const struct sa_keys *k, const char *token,
	    const char *audience, time_t now, struct sa_claims *out,
	    char *why, size_t whylen) CK_MUST_CHECK;

/*
 * The apiserver's keys (authn_sa.c), from --service-account-issuer,
 * --service-account-signing-key-file and --service-account-key-file; 0 or
 * CK_EINVALID with st->message. Without keys no token is ours; without a
 * signing key serviceaccounts/token answers 404.
 */
int	authn_sa_config(const char *issuer, const char *signing_file,
	    const char *key_files, struct ck_status *st) CK_MUST_CHECK;
/* The keys configured (never NULL). */
const struct sa_keys *authn_sa_keys(void);

struct crud;
/* POST serviceaccounts/NAME/token: a TokenRequest (sa_token.c). Replies. */
void	sa_token_create(struct crud *c);

/* base64url without padding (RFC 7515); decode returns NULL on bad input. */
char	*sa_b64url_encode(const void *in, size_t len);
char	*sa_b64url_decode(const char *in, size_t len, size_t *out_len);

#endif
