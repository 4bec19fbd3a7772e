/*
 * sa_jwt.c: sign and verify ServiceAccount JWTs with OpenSSL (libcrypto,
 * already linked through libcurl). Only RS256, the algorithm Kubernetes
 * issues with an RSA key.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "apiserver.h"
#include "sa_jwt.h"

/* ---- base64url ---- */

char *
sa_b64url_encode(const void *in, size_t len)
{
	char *s = util_base64_encode(in, len), *p;

	for (p = s; *p != '\0'; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=') {
			*p = '\0';
			break;
		}
	}
	return s;
}

char *
sa_b64url_decode(const char *in, size_t len, size_t *out_len)
{
	char *s, *out;
	size_t i, n;

	if (len % 4 == 1)
		return NULL;
	n = (len + 3) / 4 * 4;
	s = ck_malloc(n + 1);
	for (i = 0; i < len; i++) {
		char c = in[i];

		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (c == '+' || c == '/' || c == '=' || c == '\0') {
			free(s);
			return NULL;	/* standard alphabet: not base64url */
		}
		s[i] = c;
	}
	for (; i < n; i++)
		s[i] = '=';
	s[n] = '\0';
	out = util_base64_decode(s, out_len);
	free(s);
	return out;
}

/* ---- keys ---- */

static int
load_file(const char *path, char **buf, long *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	*buf = NULL;
	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    n > 1 << 20 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	*buf = ck_malloc((size_t)n + 1);
	if (fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		return -1;
	}
	(*buf)[n] = '\0';
	*len = n;
	fclose(f);
	return 0;
}

static bool
is_rsa(EVP_PKEY *pk)
{
	return EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA;
}

/* One PEM block as a key: public key, certificate or private key. */
static EVP_PKEY *
pem_block_key(const char *name, const unsigned char *data, long len)
{
	const unsigned char *p = data;
	EVP_PKEY *pk = NULL;
	X509 *x;

	if (strcmp(name, "PUBLIC KEY") == 0)
		pk = d2i_PUBKEY(NULL, &p, len);
	else if (strcmp(name, "RSA PUBLIC KEY") == 0)
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, len);
	else if (strcmp(name, "CERTIFICATE") == 0) {
		if ((x = d2i_X509(NULL, &p, len)) != NULL) {
			pk = X509_get_pubkey(x);
			X509_free(x);
		}
	} else if (strcmp(name, "PRIVATE KEY") == 0 ||
	    strcmp(name, "RSA PRIVATE KEY") == 0)
		pk = d2i_AutoPrivateKey(NULL, &p, len);
	return pk;
}

/* Every key of a PEM file into k->verify. */
static int
load_verify_file(struct sa_keys *k, const char *path, struct ck_status *st)
{
	char *buf, *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len, dlen;
	BIO *bio;
	EVP_PKEY *pk;
	size_t before = k->nverify;
	int rc = 0;

	if (load_file(path, &buf, &len) < 0)
		return ck_status_set(st, CK_EINVALID,
		    "--service-account-key-file %s: cannot read it", path);
	bio = BIO_new_mem_buf(buf, (int)len);
	while (bio != NULL &&
	    PEM_read_bio(bio, &name, &header, &data, &dlen) == 1) {
		pk = pem_block_key(name, data, dlen);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
		if (pk == NULL)
			continue;
		if (!is_rsa(pk) || k->nverify == SA_KEYS_MAX) {
			EVP_PKEY_free(pk);
			rc = ck_status_set(st, CK_EINVALID,
			    "--service-account-key-file %s: %s", path,
			    k->nverify == SA_KEYS_MAX ? "more than 16 keys" :
			    "only RSA keys are supported");
			break;
		}
		k->verify[k->nverify++] = pk;
	}
	ERR_clear_error();
	BIO_free(bio);
	free(buf);
	if (rc == 0 && k->nverify == before)
		rc = ck_status_set(st, CK_EINVALID,
		    "--service-account-key-file %s: no PEM public key, "
		    "certificate or private key in it", path);
	return rc;
}

static EVP_PKEY *
load_signer(const char *path, struct ck_status *st)
{
	char *buf;
	long len;
	BIO *bio;
	EVP_PKEY *pk = NULL;

	if (load_file(path, &buf, &len) < 0) {
		ck_status_set(st, CK_EINVALID,
		    "--service-account-signing-key-file %s: cannot read it",
		    path);
		return NULL;
	}
	bio = BIO_new_mem_buf(buf, (int)len);
	if (bio != NULL)
		pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	ERR_clear_error();
	BIO_free(bio);
	free(buf);
	if (pk == NULL)
		ck_status_set(st, CK_EINVALID,
		    "--service-account-signing-key-file %s: no PEM private "
		    "key in it", path);
	else if (!is_rsa(pk)) {
		EVP_PKEY_free(pk);
		pk = NULL;
		ck_status_set(st, CK_EINVALID,
		    "--service-account-signing-key-file %s: only RSA keys "
		    "are supported", path);
	}
	return pk;
}

/* Kubernetes' key id: base64url(sha256(DER public key)). */
static void
key_id(EVP_PKEY *pk, char *out, size_t len)
{
	unsigned char *der = NULL, d[32];
	int n = i2d_PUBKEY(pk, &der);
	char *s;

	out[0] = '\0';
	if (n <= 0)
		return;
	util_sha256(der, (size_t)n, d);
	OPENSSL_free(der);
	s = sa_b64url_encode(d, sizeof(d));
	snprintf(out, len, "%s", s);
	free(s);
}

int
sa_keys_load(struct sa_keys *k, const char *issuer, const char *signing_file,
    const char *key_files, struct ck_status *st)
{
	char path[4096];
	const char *p, *e;
	size_t n;

	memset(k, 0, sizeof(*k));
	snprintf(k->issuer, sizeof(k->issuer), "%s",
	    issuer != NULL && issuer[0] != '\0' ? issuer : SA_ISSUER_DEFAULT);
	if (signing_file != NULL && signing_file[0] != '\0') {
		if ((k->signer = load_signer(signing_file, st)) == NULL)
			return CK_EINVALID;
		key_id(k->signer, k->signer_kid, sizeof(k->signer_kid));
	}
	for (p = key_files; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		n = (size_t)(e - p);
		if (n == 0)
			continue;
		if (n >= sizeof(path)) {
			sa_keys_fini(k);
			return ck_status_set(st, CK_EINVALID,
			    "--service-account-key-file: a path is too long");
		}
		memcpy(path, p, n);
		path[n] = '\0';
		if (load_verify_file(k, path, st) < 0) {
			sa_keys_fini(k);
			return CK_EINVALID;
		}
	}
	if (k->nverify == 0 && k->signer != NULL &&
	    EVP_PKEY_up_ref(k->signer) == 1)
		k->verify[k->nverify++] = k->signer;
	return 0;
}

void
sa_keys_fini(struct sa_keys *k)
{
	size_t i;

	for (i = 0; i < k->nverify; i++)
		EVP_PKEY_free(k->verify[i]);
	EVP_PKEY_free(k->signer);
	k->nverify = 0;
	k->signer = NULL;
}

/* ---- signing ---- */

static char *
b64_json(const cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj), *e;

	if (s == NULL)
		fatalx("sa_jwt: out of memory");
	e = sa_b64url_encode(s, strlen(s));
	cJSON_free(s);
	return e;
}

char *
sa_jwt_sign(const struct sa_keys *k, const struct sa_claims *c,
    const char *const *aud, time_t now, int64_t expiration_s)
{
	cJSON *hdr, *pl, *a, *kio, *sa, *pod;
	char *h64 = NULL, *p64 = NULL, *input = NULL, *s64 = NULL, *tok = NULL;
	char sub[600], jti[37];
	unsigned char *sig = NULL;
	size_t siglen = 0;
	EVP_MD_CTX *ctx = NULL;

	if (k->signer == NULL)
		return NULL;
	hdr = cJSON_CreateObject();
	cJSON_AddStringToObject(hdr, "alg", "RS256");
	if (k->signer_kid[0] != '\0')
		cJSON_AddStringToObject(hdr, "kid", k->signer_kid);
	pl = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(pl, "aud");
	if (aud == NULL || aud[0] == NULL)
		cJSON_AddItemToArray(a, cJSON_CreateString(k->issuer));
	for (; aud != NULL && *aud != NULL; aud++)
		cJSON_AddItemToArray(a, cJSON_CreateString(*aud));
	cJSON_AddNumberToObject(pl, "exp", (double)(now + expiration_s));
	cJSON_AddNumberToObject(pl, "iat", (double)now);
	cJSON_AddStringToObject(pl, "iss", k->issuer);
	util_uuid4(jti);
	cJSON_AddStringToObject(pl, "jti", jti);
	kio = cJSON_AddObjectToObject(pl, "kubernetes.io");
	cJSON_AddStringToObject(kio, "namespace", c->ns);
	if (c->pod_name[0] != '\0') {
		pod = cJSON_AddObjectToObject(kio, "pod");
		cJSON_AddStringToObject(pod, "name", c->pod_name);
		cJSON_AddStringToObject(pod, "uid", c->pod_uid);
	}
	sa = cJSON_AddObjectToObject(kio, "serviceaccount");
	cJSON_AddStringToObject(sa, "name", c->name);
	cJSON_AddStringToObject(sa, "uid", c->uid);
	cJSON_AddNumberToObject(pl, "nbf", (double)now);
	snprintf(sub, sizeof(sub), "system:serviceaccount:%s:%s", c->ns,
	    c->name);
	cJSON_AddStringToObject(pl, "sub", sub);

	h64 = b64_json(hdr);
	p64 = b64_json(pl);
	input = ck_asprintf("%s.%s", h64, p64);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL,
	    k->signer) != 1 ||
	    EVP_DigestSign(ctx, NULL, &siglen, (unsigned char *)input,
	    strlen(input)) != 1)
		goto out;
	sig = ck_malloc(siglen);
	if (EVP_DigestSign(ctx, sig, &siglen, (unsigned char *)input,
	    strlen(input)) != 1)
		goto out;
	s64 = sa_b64url_encode(sig, siglen);
	tok = ck_asprintf("%s.%s", input, s64);
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	cJSON_Delete(hdr);
	cJSON_Delete(pl);
	free(h64);
	free(p64);
	free(input);
	free(s64);
	free(sig);
	return tok;
}

/* ---- verification ---- */

/* Decode one base64url part into a JSON object, or NULL. */
static cJSON *
part_json(const char *p, size_t len)
{
	size_t n;
	char *s = sa_b64url_decode(p, len, &n);
	cJSON *j;

	if (s == NULL)
		return NULL;
	j = cJSON_ParseWithLength(s, n);
	free(s);
	if (j != NULL && !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		j = NULL;
	}
	return j;
}

static bool
sig_ok(const struct sa_keys *k, const char *input, size_t inlen,
    const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx;
	size_t i;
	bool ok = false;

	for (i = 0; i < k->nverify && !ok; i++) {
		if ((ctx = EVP_MD_CTX_new()) == NULL)
			break;
		ok = EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL,
		    k->verify[i]) == 1 &&
		    EVP_DigestVerify(ctx, sig, siglen,
		    (const unsigned char *)input, inlen) == 1;
		EVP_MD_CTX_free(ctx);
	}
	ERR_clear_error();
	return ok;
}

static bool
aud_has(const cJSON *aud, const char *want)
{
	const cJSON *a;

	if (cJSON_IsString(aud))
		return strcmp(aud->valuestring, want) == 0;
	cJSON_ArrayForEach(a, aud)
		if (cJSON_IsString(a) && strcmp(a->valuestring, want) == 0)
			return true;
	return false;
}

static bool
copy_str(const cJSON *obj, const char *key, char *out, size_t len)
{
	const char *s = json_str(obj, key);

	if (s == NULL || s[0] == '\0' || strlen(s) >= len)
		return false;
	memcpy(out, s, strlen(s) + 1);
	return true;
}

static int
bad(char *why, size_t whylen, const char *msg)
{
	snprintf(why, whylen, "%s", msg);
	return CK_EUNAUTH;
}

/* The claims of a verified payload into out. */
static int
read_claims(const cJSON *pl, const char *audience, time_t now,
    struct sa_claims *out, char *why, size_t whylen)
{
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(pl, "exp"),
	    *nbf = cJSON_GetObjectItemCaseSensitive(pl, "nbf"),
	    *kio = json_obj(pl, "kubernetes.io"), *sa, *pod;
	const char *sub = json_str(pl, "sub");
	char want[600];

	memset(out, 0, sizeof(*out));
	if (!cJSON_IsNumber(exp))
		return bad(why, whylen, "the token has no exp claim");
	if ((double)now >= exp->valuedouble)
		return bad(why, whylen, "the token has expired");
	if (nbf != NULL && (!cJSON_IsNumber(nbf) ||
	    (double)now < nbf->valuedouble))
		return bad(why, whylen, "the token is not valid yet (nbf)");
	if (!aud_has(cJSON_GetObjectItemCaseSensitive(pl, "aud"), audience))
		return bad(why, whylen, "the token's audiences do not "
		    "include this server's");
	sa = json_obj(kio, "serviceaccount");
	if (!copy_str(kio, "namespace", out->ns, sizeof(out->ns)) ||
	    !copy_str(sa, "name", out->name, sizeof(out->name)) ||
	    !copy_str(sa, "uid", out->uid, sizeof(out->uid)))
		return bad(why, whylen, "the token names no ServiceAccount");
	snprintf(want, sizeof(want), "system:serviceaccount:%s:%s", out->ns,
	    out->name);
	if (sub == NULL || strcmp(sub, want) != 0)
		return bad(why, whylen, "the token's sub does not name its "
		    "ServiceAccount");
	if ((pod = json_obj(kio, "pod")) != NULL &&
	    (!copy_str(pod, "name", out->pod_name, sizeof(out->pod_name)) ||
	    !copy_str(pod, "uid", out->pod_uid, sizeof(out->pod_uid))))
		return bad(why, whylen, "the token's pod claim is malformed");
	out->exp = (int64_t)exp->valuedouble;
	return 1;
}

int
sa_jwt_verify(const struct sa_keys *k, const char *token,
    const char *audience, time_t now, struct sa_claims *out, char *why,
    size_t whylen)
{
	const char *d1, *d2;
	cJSON *hdr = NULL, *pl = NULL;
	const char *iss, *alg;
	unsigned char *sig = NULL;
	size_t tlen, siglen;
	int rc = 0;

	why[0] = '\0';
	if (token == NULL || (tlen = strnlen(token, SA_TOKEN_MAX)) ==
	    SA_TOKEN_MAX)
		return 0;
	if ((d1 = strchr(token, '.')) == NULL ||
	    (d2 = strchr(d1 + 1, '.')) == NULL || strchr(d2 + 1, '.') != NULL)
		return 0;
	if ((hdr = part_json(token, (size_t)(d1 - token))) == NULL ||
	    (pl = part_json(d1 + 1, (size_t)(d2 - d1 - 1))) == NULL)
		goto out;	/* not a JWT */
	iss = json_str(pl, "iss");
	if (iss == NULL || strcmp(iss, k->issuer) != 0)
		goto out;	/* another issuer's */
	alg = json_str(hdr, "alg");
	if (alg == NULL || strcmp(alg, "RS256") != 0) {
		rc = bad(why, whylen, "unsupported signing algorithm");
		goto out;
	}
	sig = (unsigned char *)sa_b64url_decode(d2 + 1,
	    tlen - (size_t)(d2 + 1 - token), &siglen);
	if (sig == NULL || !sig_ok(k, token, (size_t)(d2 - token), sig,
	    siglen)) {
		rc = bad(why, whylen, "invalid signature");
		goto out;
	}
	rc = read_claims(pl, audience != NULL ? audience : k->issuer, now,
	    out, why, whylen);
out:
	free(sig);
	cJSON_Delete(hdr);
	cJSON_Delete(pl);
	return rc;
}
