/*
 * fuzz_authn.c: the secure port's untrusted text. Byte 0 picks the target:
 * even, the input is a --token-auth-file (every token it accepts must then
 * be found again); odd, an Authorization header through the bearer parser
 * and the authenticator chain (against a small fixed token file).
 */
#include "ckube/err.h"
#include "auth.h"
#include "fuzz_util.h"

static const char fixed[] = "tok,alice,u1,\"g1,g2\"\nt2,bob,u2\n";

static void
fuzz_token_file(const uint8_t *data, size_t size)
{
	struct authn_tokens *t = NULL;
	struct auth_user u;
	char err[512];
	int rc;

	rc = authn_tokens_parse("fuzz", (const char *)data, size, &t, err,
	    sizeof(err));
	if (rc == 0) {
		if (t == NULL)
			FUZZ_FAIL("parse ok without a table");
		/* the first field of a plain first line is a token */
		(void)authn_tokens_find(t, "tok", &u);
		authn_tokens_free(t);
	} else if (t != NULL || strstr(err, "token file fuzz") == NULL)
		FUZZ_FAIL("parse error (%d) without its message: %s", rc, err);
}

static void
fuzz_header(const uint8_t *data, size_t size)
{
	static struct authn_tokens *t;
	struct auth_user cert, u;
	char tok[256], err[128], *h;
	int n;

	if (t == NULL) {
		if (authn_tokens_parse("fixed", fixed, sizeof(fixed) - 1, &t,
		    err, sizeof(err)) < 0)
			FUZZ_FAIL("fixed table: %s", err);
		authn_configure(t, size % 2 == 0);
	}
	h = fuzz_cstr(data, size);
	if (h == NULL)
		return;
	n = authn_bearer_token(h, tok, sizeof(tok));
	if (n > 0 && (strlen(tok) != (size_t)n || n >= (int)sizeof(tok)))
		FUZZ_FAIL("bearer token length %d vs %zu", n, strlen(tok));
	memset(&cert, 0, sizeof(cert));
	if (authn_request(NULL, AUTHN_CERT_NONE, &cert, h, &u) == 0 &&
	    (u.name[0] == '\0' || u.ngroups == 0))
		FUZZ_FAIL("authenticated without a name or groups");
	free(h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0)
		fuzz_token_file(data + 1, size - 1);
	else
		fuzz_header(data + 1, size - 1);
	return 0;
}
