/*
 * Unit tests of ServiceAccount tokens: sa_jwt.c (sign, verify: good,
 * tampered, expired, not yet valid, wrong issuer, wrong key, audience, not a
 * JWT, random garbage), key loading errors, and through api_handle on a
 * temporary store the TokenRequest subresource and authn_sa_token (a deleted
 * or recreated ServiceAccount revokes its tokens).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "ckube/err.h"
#include "apiserver.h"
#include "auth.h"
#include "sa_jwt.h"
#include "store/store.h"
#include "watch.h"

#define ISS	"https://kubernetes.default.svc.cluster.local"
#define NOW	((time_t)1800000000)

static char tmpdir[64];
static char key1[128], pub1[128], key2[128], junk[128], ec[128];

static void
write_key(EVP_PKEY *pk, const char *path, int private)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	if (private)
		assert_int_equal(PEM_write_PrivateKey(f, pk, NULL, NULL, 0,
		    NULL, NULL), 1);
	else
		assert_int_equal(PEM_write_PUBKEY(f, pk), 1);
	fclose(f);
}

static int
group_setup(void **state)
{
	EVP_PKEY *a, *b, *e;
	FILE *f;

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_sa_jwt.XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(key1, sizeof(key1), "%s/sa1.key", tmpdir);
	snprintf(pub1, sizeof(pub1), "%s/sa1.pub", tmpdir);
	snprintf(key2, sizeof(key2), "%s/sa2.key", tmpdir);
	snprintf(junk, sizeof(junk), "%s/junk.pem", tmpdir);
	snprintf(ec, sizeof(ec), "%s/ec.key", tmpdir);
	a = EVP_RSA_gen(2048);
	b = EVP_RSA_gen(2048);
	e = EVP_EC_gen("P-256");
	if (a == NULL || b == NULL || e == NULL)
		return -1;
	write_key(a, key1, 1);
	write_key(a, pub1, 0);
	write_key(b, key2, 1);
	write_key(e, ec, 1);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	EVP_PKEY_free(e);
	f = fopen(junk, "w");
	fputs("not a key\n", f);
	fclose(f);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	unlink(key1);
	unlink(pub1);
	unlink(key2);
	unlink(junk);
	unlink(ec);
	rmdir(tmpdir);
	return 0;
}

static void
claims(struct sa_claims *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->ns, sizeof(c->ns), "default");
	snprintf(c->name, sizeof(c->name), "robot");
	snprintf(c->uid, sizeof(c->uid), "1234-abcd");
}

static void
load(struct sa_keys *k, const char *iss, const char *sign,
    const char *verify)
{
	struct ck_status st;

	ck_status_clear(&st);
	assert_int_equal(sa_keys_load(k, iss, sign, verify, &st), 0);
}

static void
test_sa_jwt_roundtrip(void **state)
{
	struct sa_keys k;
	struct sa_claims c, out;
	char why[128], *tok;

	(void)state;
	load(&k, NULL, key1, pub1);
	assert_string_equal(k.issuer, ISS);
	claims(&c);
	tok = sa_jwt_sign(&k, &c, NULL, NOW, 3600);
	assert_non_null(tok);
	assert_int_equal(sa_jwt_verify(&k, tok, NULL, NOW + 10, &out, why,
	    sizeof(why)), 1);
	assert_string_equal(out.ns, "default");
	assert_string_equal(out.name, "robot");
	assert_string_equal(out.uid, "1234-abcd");
	assert_string_equal(out.pod_name, "");
	assert_int_equal(out.exp, NOW + 3600);
	/* expired at exp, not valid before nbf */
	assert_int_equal(sa_jwt_verify(&k, tok, NULL, NOW + 3600, &out, why,
	    sizeof(why)), CK_EUNAUTH);
	assert_non_null(strstr(why, "expired"));
	assert_int_equal(sa_jwt_verify(&k, tok, NULL, NOW - 5, &out, why,
	    sizeof(why)), CK_EUNAUTH);
	/* an audience the token was not made for */
	assert_int_equal(sa_jwt_verify(&k, tok, "other", NOW, &out, why,
	    sizeof(why)), CK_EUNAUTH);
	free(tok);
	sa_keys_fini(&k);
}

static void
test_sa_jwt_pod_and_audiences(void **state)
{
	const char *aud[] = { "vault", "api", NULL };
	struct sa_keys k;
	struct sa_claims c, out;
	char why[128], *tok;

	(void)state;
	load(&k, "https://issuer.example", key1, "");	/* verify: signer */
	claims(&c);
	snprintf(c.pod_name, sizeof(c.pod_name), "web-0");
	snprintf(c.pod_uid, sizeof(c.pod_uid), "pod-uid");
	tok = sa_jwt_sign(&k, &c, aud, NOW, 600);
	assert_int_equal(sa_jwt_verify(&k, tok, NULL, NOW, &out, why,
	    sizeof(why)), CK_EUNAUTH);	/* not for the issuer audience */
	assert_int_equal(sa_jwt_verify(&k, tok, "api", NOW, &out, why,
	    sizeof(why)), 1);
	assert_string_equal(out.pod_name, "web-0");
	assert_string_equal(out.pod_uid, "pod-uid");
	free(tok);
	sa_keys_fini(&k);
}

/* Replace the payload with another that claims a different account. */
static void
test_sa_jwt_tampered(void **state)
{
	struct sa_keys k, other;
	struct sa_claims c, out;
	char why[128], *tok, *tok2, *forged, *d1, *d2;
	size_t n;

	(void)state;
	load(&k, NULL, key1, NULL);
	claims(&c);
	tok = sa_jwt_sign(&k, &c, NULL, NOW, 3600);
	snprintf(c.name, sizeof(c.name), "admin");
	tok2 = sa_jwt_sign(&k, &c, NULL, NOW, 3600);
	/* header and payload of tok2, signature of tok */
	d1 = strrchr(tok2, '.');
	d2 = strrchr(tok, '.');
	n = (size_t)(d1 - tok2);
	forged = malloc(n + strlen(d2) + 1);
	memcpy(forged, tok2, n);
	memcpy(forged + n, d2, strlen(d2) + 1);
	assert_int_equal(sa_jwt_verify(&k, forged, NULL, NOW, &out, why,
	    sizeof(why)), CK_EUNAUTH);
	assert_string_equal(why, "invalid signature");
	/* one signature character changed */
	forged[strlen(forged) - 3] ^= 1;
	assert_int_equal(sa_jwt_verify(&k, forged, NULL, NOW, &out, why,
	    sizeof(why)), CK_EUNAUTH);
	/* signed by a key this server does not trust */
	load(&other, NULL, key2, NULL);
	assert_int_equal(sa_jwt_verify(&other, tok, NULL, NOW, &out, why,
	    sizeof(why)), CK_EUNAUTH);
	/* another issuer's: not ours at all */
	sa_keys_fini(&other);
	load(&other, "https://elsewhere", key1, NULL);
	assert_int_equal(sa_jwt_verify(&other, tok, NULL, NOW, &out, why,
	    sizeof(why)), 0);
	sa_keys_fini(&other);
	free(forged);
	free(tok);
	free(tok2);
	sa_keys_fini(&k);
}

static void
test_sa_jwt_not_a_jwt(void **state)
{
	static const char *const toks[] = {
		"", "abc", "a.b", "a.b.c", "..", "a.b.c.d",
		"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOjF9.x",	/* iss a number */
		"eyJ9.eyJ9.eyJ9", "W10.W10.sig",		/* [] [] */
		"31c2e8f0-bearer-token-from-a-csv-file",
	};
	struct sa_keys k;
	struct sa_claims out;
	char why[128], *big;
	size_t i;

	(void)state;
	load(&k, NULL, key1, NULL);
	for (i = 0; i < sizeof(toks) / sizeof(toks[0]); i++)
		assert_int_equal(sa_jwt_verify(&k, toks[i], NULL, NOW, &out,
		    why, sizeof(why)), 0);
	assert_int_equal(sa_jwt_verify(&k, NULL, NULL, NOW, &out, why,
	    sizeof(why)), 0);
	big = malloc(SA_TOKEN_MAX + 10);
	memset(big, 'a', SA_TOKEN_MAX + 9);
	big[SA_TOKEN_MAX + 9] = '\0';
	big[10] = '.';
	big[20] = '.';
	assert_int_equal(sa_jwt_verify(&k, big, NULL, NOW, &out, why,
	    sizeof(why)), 0);
	free(big);
	sa_keys_fini(&k);
}

/* Random bytes, dots and base64url characters: never a crash. */
static void
test_sa_jwt_garbage(void **state)
{
	static const char alpha[] = "ABCxyz019-_.=+/\"{}:e";
	struct sa_keys k;
	struct sa_claims c, out;
	char why[128], buf[600], *tok;
	size_t i, j, n;
	int rc;

	(void)state;
	load(&k, NULL, key1, NULL);
	srand(7);
	for (i = 0; i < 3000; i++) {
		n = (size_t)rand() % (sizeof(buf) - 1);
		for (j = 0; j < n; j++)
			buf[j] = i % 2 ? alpha[rand() % (sizeof(alpha) - 1)] :
			    (char)(rand() % 255 + 1);
		buf[n] = '\0';
		rc = sa_jwt_verify(&k, buf, NULL, NOW, &out, why, sizeof(why));
		assert_true(rc == 0 || rc == CK_EUNAUTH);
	}
	/* a real token with each character changed in turn */
	claims(&c);
	tok = sa_jwt_sign(&k, &c, NULL, NOW, 3600);
	for (j = 0; tok[j] != '\0'; j += 7) {
		char save = tok[j];

		tok[j] = save == 'A' ? 'B' : 'A';
		rc = sa_jwt_verify(&k, tok, NULL, NOW, &out, why, sizeof(why));
		assert_true(rc == 0 || rc == CK_EUNAUTH);
		tok[j] = save;
	}
	free(tok);
	sa_keys_fini(&k);
}

static void
test_sa_keys_errors(void **state)
{
	struct sa_keys k;
	struct ck_status st;
	struct sa_claims c;
	char list[300];

	(void)state;
	ck_status_clear(&st);
	assert_int_equal(sa_keys_load(&k, NULL, "/nonexistent/sa.key", NULL,
	    &st), CK_EINVALID);
	assert_non_null(strstr(st.message, "cannot read"));
	assert_int_equal(sa_keys_load(&k, NULL, junk, NULL, &st),
	    CK_EINVALID);
	assert_non_null(strstr(st.message, "no PEM private key"));
	assert_int_equal(sa_keys_load(&k, NULL, ec, NULL, &st), CK_EINVALID);
	assert_non_null(strstr(st.message, "only RSA"));
	assert_int_equal(sa_keys_load(&k, NULL, NULL, junk, &st), CK_EINVALID);
	assert_int_equal(sa_keys_load(&k, NULL, NULL, ec, &st), CK_EINVALID);
	/* a comma list: public key and another private key */
	snprintf(list, sizeof(list), "%s,%s", pub1, key2);
	assert_int_equal(sa_keys_load(&k, NULL, NULL, list, &st), 0);
	assert_int_equal(k.nverify, 2);
	claims(&c);
	assert_null(sa_jwt_sign(&k, &c, NULL, NOW, 3600));	/* no signer */
	sa_keys_fini(&k);
}

static void
test_sa_b64url(void **state)
{
	const unsigned char in[] = { 0xfb, 0xff, 0xbf, 0x00, 0x3e };
	char *e, *d;
	size_t n, len;

	(void)state;
	for (len = 0; len <= sizeof(in); len++) {
		e = sa_b64url_encode(in, len);
		assert_null(strpbrk(e, "+/="));
		d = sa_b64url_decode(e, strlen(e), &n);
		assert_non_null(d);
		assert_int_equal(n, len);
		assert_memory_equal(d, in, len);
		free(e);
		free(d);
	}
	assert_null(sa_b64url_decode("a+b/", 4, &n));
	assert_null(sa_b64url_decode("abcde", 5, &n));
}

/* ---- through the API ---- */

struct fixture {
	char		 dir[64];
	char		 db[128];
	struct apiserver srv;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ck_status st;

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_sa_api.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/ckube.db", f->dir);
	if (store_open(f->db, &f->srv.store, &st) < 0)
		return -1;
	f->srv.max_body = 1 << 20;
	f->srv.wl = watchlog_new(f->srv.store, NULL, 0, 0);
	store_set_commit_hook(f->srv.store, watchlog_commit, f->srv.wl);
	if (crud_ensure_namespace(&f->srv, "default") < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	static const char *const ext[] = { "", "-wal", "-shm" };
	char path[160];
	size_t i;

	watchlog_free(f->srv.wl);
	store_close(f->srv.store);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/ckube.db%s", f->dir, ext[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static cJSON *
call(struct fixture *f, const char *method, const char *path,
    const char *body, int *code)
{
	struct api_request req;
	struct api_response resp;
	cJSON *o;

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.content_type = "application/json";
	req.body = body ? body : "";
	req.body_len = body ? strlen(body) : 0;
	api_handle(&f->srv, &req, &resp);
	*code = resp.code;
	o = cJSON_ParseWithLength(resp.body, resp.body_len);
	api_response_fini(&resp);
	return o;
}

#define SA_URL	"/api/v1/namespaces/default/serviceaccounts"
#define TOK_URL	SA_URL "/robot/token"

static char *
request_token(struct fixture *f, const char *body, int *code)
{
	cJSON *o = call(f, "POST", TOK_URL, body, code);
	const char *t = json_str(json_obj(o, "status"), "token");
	char *tok = t != NULL ? strdup(t) : NULL;

	cJSON_Delete(o);
	return tok;
}

static void
test_sa_token_request(void **state)
{
	struct fixture *f = *state;
	struct ck_status st;
	struct auth_user u;
	cJSON *o;
	char *tok;
	int code;

	/* no signing key: the subresource is not served */
	ck_status_clear(&st);
	assert_int_equal(authn_sa_config(NULL, NULL, NULL, &st), 0);
	o = call(f, "POST", SA_URL, "{\"metadata\":{\"name\":\"robot\"}}",
	    &code);
	assert_int_equal(code, 201);
	cJSON_Delete(o);
	assert_null(request_token(f, "{}", &code));
	assert_int_equal(code, 404);
	assert_int_equal(authn_sa_token(&f->srv, "a.b.c", &u), 0);

	assert_int_equal(authn_sa_config(NULL, key1, pub1, &st), 0);
	o = call(f, "POST", TOK_URL, "{\"kind\":\"TokenRequest\","
	    "\"apiVersion\":\"authentication.k8s.io/v1\",\"spec\":{}}", &code);
	assert_int_equal(code, 201);
	assert_int_equal(json_obj(o, "spec") != NULL, 1);
	assert_int_equal(cJSON_GetObjectItem(json_obj(o, "spec"),
	    "expirationSeconds")->valuedouble, 3600);
	assert_non_null(json_str(json_obj(o, "status"),
	    "expirationTimestamp"));
	tok = strdup(json_str(json_obj(o, "status"), "token"));
	cJSON_Delete(o);
	assert_int_equal(authn_sa_token(&f->srv, tok, &u), 1);
	assert_string_equal(u.name, "system:serviceaccount:default:robot");
	assert_int_equal(u.ngroups, 2);
	assert_string_equal(u.groups[0], "system:serviceaccounts");
	assert_string_equal(u.groups[1], "system:serviceaccounts:default");
	assert_int_equal(authn_sa_token(&f->srv, "not-a-jwt", &u), 0);

	/* bad requests */
	assert_null(request_token(f, "{\"spec\":{\"expirationSeconds\":10}}",
	    &code));
	assert_int_equal(code, 422);
	assert_null(request_token(f, "{\"spec\":{\"audiences\":\"x\"}}",
	    &code));
	assert_int_equal(code, 400);
	assert_null(request_token(f, "{\"kind\":\"Pod\"}", &code));
	assert_int_equal(code, 400);
	assert_null(request_token(f, "{\"spec\":{\"boundObjectRef\":"
	    "{\"kind\":\"Pod\",\"name\":\"nope\"}}}", &code));
	assert_int_equal(code, 404);
	o = call(f, "POST", SA_URL "/ghost/token", "{}", &code);
	assert_int_equal(code, 404);
	assert_non_null(strstr(json_str(o, "message"), "\"ghost\" not found"));
	cJSON_Delete(o);

	/* deleting and recreating the ServiceAccount revokes the token */
	o = call(f, "DELETE", SA_URL "/robot", NULL, &code);
	assert_int_equal(code, 200);
	cJSON_Delete(o);
	assert_int_equal(authn_sa_token(&f->srv, tok, &u), CK_EUNAUTH);
	o = call(f, "POST", SA_URL, "{\"metadata\":{\"name\":\"robot\"}}",
	    &code);
	assert_int_equal(code, 201);
	cJSON_Delete(o);
	assert_int_equal(authn_sa_token(&f->srv, tok, &u), CK_EUNAUTH);
	free(tok);
	assert_int_equal(authn_sa_config(NULL, NULL, NULL, &st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sa_jwt_roundtrip),
		cmocka_unit_test(test_sa_jwt_pod_and_audiences),
		cmocka_unit_test(test_sa_jwt_tampered),
		cmocka_unit_test(test_sa_jwt_not_a_jwt),
		cmocka_unit_test(test_sa_jwt_garbage),
		cmocka_unit_test(test_sa_keys_errors),
		cmocka_unit_test(test_sa_b64url),
		cmocka_unit_test_setup_teardown(test_sa_token_request, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
