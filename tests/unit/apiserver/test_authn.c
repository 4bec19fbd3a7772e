/*
 * Unit tests for apiserver/authn*.c and http_tls.c: the token file parser,
 * the Authorization header, the constant-time compare, the client
 * certificate's subject mapping, the authenticator chain and the
 * impersonation checks that need no authorizer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "auth.h"

/* /O=devs/O=system:masters/CN=jane, and /O=ops (no CN); self-signed. */
static const char c1_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBxTCCAWugAwIBAgIUOC3XLgfxSy6SBwUgNfQg8pSV/BUwCgYIKoZIzj0EAwIw\n"
	"NzENMAsGA1UECgwEZGV2czEXMBUGA1UECgwOc3lzdGVtOm1hc3RlcnMxDTALBgNV\n"
	"BAMMBGphbmUwIBcNMjYxMjA2MjE0MjAxWhgPMjEyNjExMTIyMTQyMDFaMDcxDTAL\n"
	"BgNVBAoMBGRldnMxFzAVBgNVBAoMDnN5c3RlbTptYXN0ZXJzMQ0wCwYDVQQDDARq\n"
	"YW5lMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE11+6gOku8fiI59YesPHxJDBm\n"
	"AvmqxJhwZX1f+pbaRIPu5xD0mh/BPW7g30qAK3CmqnQbA2t8OvWH10nM0GVZv6NT\n"
	"MFEwHQYDVR0OBBYEFHbWdE532awsABkWCEv7/wkBC+VQMB8GA1UdIwQYMBaAFHbW\n"
	"dE532awsABkWCEv7/wkBC+VQMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID\n"
	"SAAwRQIgJKqEaoX1HvbXB+aGp4cYrUdDZ2pqwmpdJBn6zdtloOUCIQC6/OJzTKWt\n"
	"B2aEqDCgGe2fakGec4wEbj8qPBQ2zYfg3w==\n"
	"-----END CERTIFICATE-----\n"
;
static const char c2_pem[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBczCCARmgAwIBAgIUeyztLSZOGkbmiY+cJQrjz3pGtr8wCgYIKoZIzj0EAwIw\n"
	"DjEMMAoGA1UECgwDb3BzMCAXDTI2MTIwNjIxNDIwMVoYDzIxMjYxMTEyMjE0MjAx\n"
	"WjAOMQwwCgYDVQQKDANvcHMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAASxzZzU\n"
	"FeSmeSXWnUFAjg7fh41lS+p89LUYS3iyT56RxFAAmjC1dlrLFcAyE3InNXIzNOnQ\n"
	"mEg5MPEKtycYdQhOo1MwUTAdBgNVHQ4EFgQUQ7Z/KtOVMI25jiovGKQ+jc7oKwIw\n"
	"HwYDVR0jBBgwFoAUQ7Z/KtOVMI25jiovGKQ+jc7oKwIwDwYDVR0TAQH/BAUwAwEB\n"
	"/zAKBggqhkjOPQQDAgNIADBFAiBTBWZHcxYIzQYEjlAcwylD2Nr7RmJTkTYUQNmp\n"
	"Tb0ZEQIhALMSvekTpz97Lwb1OwfBHSQqxGlcDcpT9H9v+yotMPBF\n"
	"-----END CERTIFICATE-----\n"
;

static struct authn_tokens *
parse_ok(const char *text)
{
	struct authn_tokens *t = NULL;
	char err[256] = "";

	assert_int_equal(authn_tokens_parse("t.csv", text, strlen(text), &t,
	    err, sizeof(err)), 0);
	assert_non_null(t);
	return t;
}

static void
parse_err(const char *text, size_t len, const char *want)
{
	struct authn_tokens *t = NULL;
	char err[256] = "";

	assert_int_equal(authn_tokens_parse("t.csv", text, len, &t, err,
	    sizeof(err)), CK_EINVALID);
	assert_null(t);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
}

static void
test_tokens_parse(void **state)
{
	struct authn_tokens *t;
	struct auth_user u;

	(void)state;
	t = parse_ok("tok1,alice,uid-1,\"g1,g2\"\r\n"
	    "\n"
	    "   \n"
	    " tok2, bob ,u2\n"
	    "\"to,k\"\"3\",carol,u3,single,extra,columns\n"
	    ",nobody,u4\n"
	    "tok5,dave,u5,\",,g5,\"\n"
	    "tok1,alice2,uid-9");	/* a repeat replaces; no final newline */
	assert_int_equal(authn_tokens_count(t), 4);
	assert_int_equal(authn_tokens_find(t, "tok1", &u), 1);
	assert_string_equal(u.name, "alice2");
	assert_string_equal(u.uid, "uid-9");
	assert_int_equal(u.ngroups, 0);
	assert_int_equal(authn_tokens_find(t, "tok2", &u), 1);
	assert_string_equal(u.name, "bob ");	/* leading space trimmed */
	assert_int_equal(authn_tokens_find(t, "to,k\"3", &u), 1);
	assert_string_equal(u.name, "carol");
	assert_int_equal(u.ngroups, 1);
	assert_string_equal(u.groups[0], "single");
	assert_int_equal(authn_tokens_find(t, "tok5", &u), 1);
	assert_int_equal(u.ngroups, 1);
	assert_string_equal(u.groups[0], "g5");
	assert_int_equal(authn_tokens_find(t, "", &u), 0);
	assert_int_equal(authn_tokens_find(t, "tok", &u), 0);
	assert_int_equal(authn_tokens_find(t, "tok10", &u), 0);
	authn_tokens_free(t);

	t = parse_ok("a,b,c,\"x,y\"\n");
	assert_int_equal(authn_tokens_find(t, "a", &u), 1);
	assert_int_equal(u.ngroups, 2);
	assert_string_equal(u.groups[1], "y");
	authn_tokens_free(t);

	t = parse_ok("");
	assert_int_equal(authn_tokens_count(t), 0);
	assert_int_equal(authn_tokens_find(t, "x", &u), 0);
	authn_tokens_free(t);
}

static void
test_tokens_parse_errors(void **state)
{
	char big[40000];
	size_t i, n;

	(void)state;
	parse_err("ok,u,1\nonly,two\n", 16, "line 2: must have at least 3 "
	    "columns (token, user name, user uid), found 2");
	parse_err("t,u\"x,1\n", 8, "line 1: bare \" in a non-quoted field");
	parse_err("t,\"u,1\n", 7, "line 1: a quoted field is not closed");
	parse_err("t,\"u\"x,1\n", 9, "extraneous \" after a quoted field");
	parse_err("t,u,1\n\nt2,,2\n", 13, "line 3: the user name must have");
	parse_err("t,u\0,1\n", 7, "a NUL byte");
	parse_err("t,u\x01,1\n", 7, "line 1: a control character");
	n = (size_t)snprintf(big, sizeof(big), "t,u,1,\"");
	for (i = 0; i < 40; i++)
		n += (size_t)snprintf(big + n, sizeof(big) - n, "g%zu,", i);
	n += (size_t)snprintf(big + n, sizeof(big) - n, "\"\n");
	parse_err(big, n, "line 1: more than 31 groups");
	n = (size_t)snprintf(big, sizeof(big), "t,");
	memset(big + n, 'u', 300);
	n += 300;
	n += (size_t)snprintf(big + n, sizeof(big) - n, ",1\n");
	parse_err(big, n, "user name must have 1 to 255 bytes");
}

static void
test_tokens_load(void **state)
{
	struct authn_tokens *t = NULL;
	char err[256];

	(void)state;
	assert_int_equal(authn_tokens_load("/nonexistent/tokens.csv", &t, err,
	    sizeof(err)), CK_EINVALID);
	assert_null(t);
	assert_non_null(strstr(err, "/nonexistent/tokens.csv"));
}

static void
test_bearer_header(void **state)
{
	char tok[16];

	(void)state;
	assert_int_equal(authn_bearer_token("Bearer abc", tok, sizeof(tok)), 3);
	assert_string_equal(tok, "abc");
	assert_int_equal(authn_bearer_token("bEaReR xyz", tok, sizeof(tok)), 3);
	assert_string_equal(tok, "xyz");
	assert_int_equal(authn_bearer_token("  Bearer abc def", tok,
	    sizeof(tok)), 3);
	assert_string_equal(tok, "abc");
	assert_int_equal(authn_bearer_token(NULL, tok, sizeof(tok)), 0);
	assert_int_equal(authn_bearer_token("", tok, sizeof(tok)), 0);
	assert_int_equal(authn_bearer_token("Bearer", tok, sizeof(tok)), 0);
	assert_int_equal(authn_bearer_token("Bearer ", tok, sizeof(tok)), 0);
	assert_int_equal(authn_bearer_token("Bearer  abc", tok, sizeof(tok)),
	    0);
	assert_int_equal(authn_bearer_token("Basic YWJjOmRlZg==", tok,
	    sizeof(tok)), 0);
	assert_int_equal(authn_bearer_token("Bearerx abc", tok, sizeof(tok)),
	    0);
	assert_int_equal(authn_bearer_token("Bearer 0123456789abcdef", tok,
	    sizeof(tok)), -1);
	assert_int_equal(authn_bearer_token("Bearer 0123456789abcde", tok,
	    sizeof(tok)), 15);
}

static void
test_ct_equal(void **state)
{
	(void)state;
	assert_true(authn_ct_equal("abcdef", "abcdef", 6));
	assert_false(authn_ct_equal("abcdef", "abcdeg", 6));
	assert_false(authn_ct_equal("xbcdef", "abcdef", 6));
	assert_true(authn_ct_equal("", "", 0));
	assert_true(authn_ct_equal("ab", "ac", 1));
}

static void
test_cert_subject(void **state)
{
	struct auth_user u;
	static const char *const orgs[] = { "a", "", "b", "a" };

	(void)state;
	assert_int_equal(authn_cert_subject(c1_pem, strlen(c1_pem), true, &u),
	    0);
	assert_string_equal(u.name, "jane");
	assert_string_equal(u.uid, "");
	assert_int_equal(u.ngroups, 2);
	assert_string_equal(u.groups[0], "devs");
	assert_string_equal(u.groups[1], "system:masters");
	/* no CN: no user (Kubernetes' CommonNameUserConversion) */
	assert_int_equal(authn_cert_subject(c2_pem, strlen(c2_pem), true, &u),
	    CK_EUNAUTH);
	assert_int_equal(authn_cert_subject("junk", 4, true, &u), CK_EUNAUTH);
	assert_int_equal(authn_cert_subject("junk", 4, false, &u), CK_EUNAUTH);
	assert_true(authn_cert_user("x", orgs, 4, &u));
	assert_int_equal(u.ngroups, 2);
	assert_false(authn_cert_user("", orgs, 4, &u));
	assert_int_equal(authn_tls_peer(NULL, &u), AUTHN_CERT_NONE);
}

static void
test_request_chain(void **state)
{
	static const char text[] = "good,alice,a1,\"dev\"\n";
	struct authn_tokens *t = NULL;
	struct auth_user u, cert;
	char err[128];

	(void)state;
	assert_int_equal(authn_tokens_parse("t", text, strlen(text), &t, err,
	    sizeof(err)), 0);
	authn_configure(t, false);
	memset(&cert, 0, sizeof(cert));
	assert_int_equal(authn_request(NULL, AUTHN_CERT_NONE, &cert,
	    "Bearer good", &u), 0);
	assert_string_equal(u.name, "alice");
	assert_string_equal(u.uid, "a1");
	assert_int_equal(u.ngroups, 2);
	assert_string_equal(u.groups[0], "dev");
	assert_string_equal(u.groups[1], AUTH_AUTHENTICATED);
	assert_int_equal(authn_request(NULL, AUTHN_CERT_NONE, &cert,
	    "Bearer bad", &u), CK_EUNAUTH);
	assert_int_equal(authn_request(NULL, AUTHN_CERT_NONE, &cert, NULL,
	    &u), CK_EUNAUTH);
	/* a certificate wins over a token; a refused one never falls back */
	assert_true(authn_cert_user("jane", NULL, 0, &cert));
	assert_int_equal(authn_request(NULL, AUTHN_CERT_VALID, &cert,
	    "Bearer good", &u), 0);
	assert_string_equal(u.name, "jane");
	assert_int_equal(u.ngroups, 1);
	assert_int_equal(authn_request(NULL, AUTHN_CERT_INVALID, &cert, NULL,
	    &u), CK_EUNAUTH);
	assert_int_equal(authn_request(NULL, AUTHN_CERT_INVALID, &cert,
	    "Bearer good", &u), 0);
	assert_string_equal(u.name, "alice");

	authn_configure(NULL, true);	/* frees t */
	assert_true(authn_anonymous_enabled());
	assert_int_equal(authn_request(NULL, AUTHN_CERT_NONE, &cert, NULL,
	    &u), 0);
	assert_string_equal(u.name, AUTH_ANONYMOUS);
	assert_int_equal(u.ngroups, 1);
	assert_string_equal(u.groups[0], AUTH_UNAUTHENTICATED);
	assert_int_equal(authn_request(NULL, AUTHN_CERT_NONE, &cert,
	    "Basic eDp5", &u), 0);
	/* a wrong token is refused even with anonymous on */
	assert_int_equal(authn_request(NULL, AUTHN_CERT_NONE, &cert,
	    "Bearer good", &u), CK_EUNAUTH);
	assert_int_equal(authn_request(NULL, AUTHN_CERT_INVALID, &cert, NULL,
	    &u), CK_EUNAUTH);
	authn_shutdown();
	authn_configure(NULL, false);
}

static void
test_impersonate_requests(void **state)
{
	struct authn_impersonation imp;
	struct auth_user req, out;
	struct ck_status st;

	(void)state;
	memset(&req, 0, sizeof(req));
	ck_strlcpy(req.name, "alice", sizeof(req.name));
	memset(&imp, 0, sizeof(imp));
	ck_status_clear(&st);
	assert_int_equal(authn_impersonate(NULL, &req, &imp, &out, &st), 0);
	assert_string_equal(out.name, "alice");
	imp.groups[imp.ngroups++] = "g";
	assert_int_equal(authn_impersonate(NULL, &req, &imp, &out, &st),
	    CK_EBADREQ);
	assert_string_equal(st.message,
	    "requested groups without impersonating a user");
	memset(&imp, 0, sizeof(imp));
	imp.uid = "u-1";
	assert_int_equal(authn_impersonate(NULL, &req, &imp, &out, &st),
	    CK_EBADREQ);
	assert_int_equal(st.code, 400);
}

static void
test_forbidden_wording(void **state)
{
	struct auth_user u;
	struct auth_attrs a;
	struct ck_status st;

	(void)state;
	memset(&u, 0, sizeof(u));
	ck_strlcpy(u.name, "alice", sizeof(u.name));
	memset(&a, 0, sizeof(a));
	a.resource_request = true;
	a.verb = "impersonate";
	a.api_group = "";
	a.resource = "users";
	a.name = "bob";
	ck_status_clear(&st);
	authz_forbidden(&st, &u, &a, "");
	assert_int_equal(st.code, 403);
	assert_string_equal(st.reason, "Forbidden");
	assert_string_equal(st.message, "users \"bob\" is forbidden: User "
	    "\"alice\" cannot impersonate resource \"users\" in API group \"\" "
	    "at the cluster scope");
	assert_string_equal(st.name, "bob");
	assert_string_equal(st.kind, "users");
	a.api_group = "authentication.k8s.io";
	a.resource = "uids";
	a.name = "u-1";
	authz_forbidden(&st, &u, &a, "no RBAC policy matched");
	assert_string_equal(st.message, "uids.authentication.k8s.io \"u-1\" "
	    "is forbidden: User \"alice\" cannot impersonate resource \"uids\" "
	    "in API group \"authentication.k8s.io\" at the cluster scope: no "
	    "RBAC policy matched");
	a.api_group = "";
	a.resource = "serviceaccounts";
	a.ns = "kube-system";
	a.name = "robot";
	authz_forbidden(&st, &u, &a, NULL);
	assert_string_equal(st.message, "serviceaccounts \"robot\" is "
	    "forbidden: User \"alice\" cannot impersonate resource "
	    "\"serviceaccounts\" in API group \"\" in the namespace "
	    "\"kube-system\"");
	memset(&a, 0, sizeof(a));
	a.verb = "get";
	a.path = "/metrics";
	authz_forbidden(&st, &u, &a, NULL);
	assert_string_equal(st.message, "forbidden: User \"alice\" cannot get "
	    "path \"/metrics\"");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tokens_parse),
		cmocka_unit_test(test_tokens_parse_errors),
		cmocka_unit_test(test_tokens_load),
		cmocka_unit_test(test_bearer_header),
		cmocka_unit_test(test_ct_equal),
		cmocka_unit_test(test_cert_subject),
		cmocka_unit_test(test_request_chain),
		cmocka_unit_test(test_impersonate_requests),
		cmocka_unit_test(test_forbidden_wording),
	};

	return cmocka_run_group_tests_name("authn", tests, NULL, NULL);
}
