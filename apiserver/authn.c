/*
 * authn.c: authentication of secure-port requests, as kube-apiserver's
 * union authenticator: the client certificate (http_tls.c verifies it),
 * then a bearer token (--token-auth-file, then ServiceAccount tokens),
 * then system:anonymous when --anonymous-auth. Tokens are kept as SHA-256
 * digests and compared in constant time; none is ever logged.
 */
#include "auth.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/log.h"
#include "ckube/strbuf.h"
#include "apiserver.h"

/* One token file line: the digest of its token and whom it names. */
struct token_entry {
	unsigned char	 digest[32];
	char		*name;
	char		*uid;
	char		**groups;
	size_t		 ngroups;
};

struct authn_tokens {
	struct token_entry	*v;
	size_t			 n;
};

static struct authn_tokens *cfg_tokens;
static bool cfg_anonymous;

bool
authn_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	size_t i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

bool
auth_user_add_group(struct auth_user *u, const char *group)
{
	size_t i;

	for (i = 0; i < u->ngroups; i++)
		if (strcmp(u->groups[i], group) == 0)
			return true;
	if (u->ngroups >= AUTH_GROUPS_MAX ||
	    strlen(group) >= sizeof(u->groups[0]))
		return false;
	ck_strlcpy(u->groups[u->ngroups++], group, sizeof(u->groups[0]));
	return true;
}

static void
entry_free(struct token_entry *e)
{
	size_t i;

	free(e->name);
	free(e->uid);
	for (i = 0; i < e->ngroups; i++)
		free(e->groups[i]);
	free(e->groups);
}

void
authn_tokens_free(struct authn_tokens *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		entry_free(&t->v[i]);
	free(t->v);
	free(t);
}

size_t
authn_tokens_count(const struct authn_tokens *t)
{
	return t != NULL ? t->n : 0;
}

#define CSV_FIELDS	8	/* more are read and ignored, as Go's -1 */
#define CSV_FIELD_MAX	(AUTH_GROUPS_MAX * AUTH_NAME_MAX)

/*
 * One record of Go's encoding/csv (TrimLeadingSpace): fields split on
 * commas, a field may be quoted with "" standing for a quote. Unlike Go, a
 * quoted field may not span lines and control characters are refused.
 * Returns the number of fields (0 for a blank line), or -1 with err set.
 * *pp moves past the line; *line counts lines.
 */
static int
csv_record(const char **pp, const char *end, struct strbuf *f, char *err,
    size_t errlen)
{
	const char *p = *pp;
	int nf = 0;
	bool quoted, blank = true;
	struct strbuf *cur;
	struct strbuf skip;
	int rc = -1;

	strbuf_init(&skip);
	for (;;) {
		cur = nf < CSV_FIELDS ? &f[nf] : &skip;
		strbuf_reset(cur);
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		quoted = p < end && *p == '"';
		if (quoted) {
			blank = false;
			p++;
			for (;;) {
				if (p >= end || *p == '\n' || *p == '\r') {
					snprintf(err, errlen, "a quoted field "
					    "is not closed on its line");
					goto out;
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						strbuf_addc(cur, '"');
						p += 2;
						continue;
					}
					p++;
					break;
				}
				if ((unsigned char)*p < 0x20 && *p != '\t') {
					snprintf(err, errlen, "a control "
					    "character in a field");
					goto out;
				}
				strbuf_addc(cur, *p++);
			}
			if (p < end && *p != ',' && *p != '\n' && *p != '\r') {
				snprintf(err, errlen, "extraneous \" after a "
				    "quoted field");
				goto out;
			}
		} else {
			while (p < end && *p != ',' && *p != '\n' &&
			    *p != '\r') {
				if (*p == '"') {
					snprintf(err, errlen, "bare \" in a "
					    "non-quoted field");
					goto out;
				}
				if ((unsigned char)*p < 0x20 && *p != '\t') {
					snprintf(err, errlen, "a control "
					    "character in a field");
					goto out;
				}
				if (*p != ' ' && *p != '\t')
					blank = false;
				strbuf_addc(cur, *p++);
			}
		}
		if (cur->len > CSV_FIELD_MAX) {
			snprintf(err, errlen, "field %d is longer than %d "
			    "bytes", nf + 1, CSV_FIELD_MAX);
			goto out;
		}
		nf++;
		if (p < end && *p == ',') {
			blank = false;
			p++;
			continue;
		}
		break;
	}
	if (p < end && *p == '\r')
		p++;
	if (p < end && *p == '\n')
		p++;
	rc = blank && nf == 1 ? 0 : nf;
out:
	/* an error skips the rest of the line: the caller stops anyway */
	*pp = p;
	strbuf_fini(&skip);
	return rc;
}

/* The comma-separated groups of field 4 into e (empty names skipped). */
static int
entry_groups(struct token_entry *e, const char *list, char *err,
    size_t errlen)
{
	const char *p = list, *q;
	size_t n;

	while (*p != '\0') {
		q = strchr(p, ',');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		if (n > 0) {
			if (n >= AUTH_NAME_MAX) {
				snprintf(err, errlen, "a group name is longer "
				    "than %d bytes", AUTH_NAME_MAX - 1);
				return -1;
			}
			/* room for system:authenticated */
			if (e->ngroups + 1 >= AUTH_GROUPS_MAX) {
				snprintf(err, errlen, "more than %d groups",
				    AUTH_GROUPS_MAX - 1);
				return -1;
			}
			e->groups = ck_reallocarray(e->groups, e->ngroups + 1,
			    sizeof(*e->groups));
			e->groups[e->ngroups++] = ck_strndup(p, n);
		}
		if (q == NULL)
			break;
		p = q + 1;
	}
	return 0;
}

int
authn_tokens_parse(const char *name, const char *buf, size_t len,
    struct authn_tokens **out, char *err, size_t errlen)
{
	struct authn_tokens *t;
	struct strbuf f[CSV_FIELDS];
	struct token_entry e;
	const char *p = buf, *end = buf + len;
	char why[256];
	int line = 0, nf, rc = CK_EINVALID;
	size_t i;

	*out = NULL;
	t = ck_calloc(1, sizeof(*t));
	for (i = 0; i < CSV_FIELDS; i++)
		strbuf_init(&f[i]);
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "token file %s: a NUL byte: not a text "
		    "file", name);
		goto out;
	}
	while (p < end) {
		line++;
		why[0] = '\0';
		nf = csv_record(&p, end, f, why, sizeof(why));
		if (nf == 0)
			continue;
		if (nf < 0)
			goto bad;
		if (nf < 3) {
			snprintf(why, sizeof(why), "must have at least 3 "
			    "columns (token, user name, user uid), found %d",
			    nf);
			goto bad;
		}
		if (f[0].len == 0) {
			log_warn("token file %s: line %d: empty token, "
			    "ignored", name, line);
			continue;
		}
		if (f[1].len == 0 || f[1].len >= AUTH_NAME_MAX) {
			snprintf(why, sizeof(why), "the user name must have "
			    "1 to %d bytes", AUTH_NAME_MAX - 1);
			goto bad;
		}
		if (f[2].len >= sizeof(((struct auth_user *)0)->uid)) {
			snprintf(why, sizeof(why), "the uid is longer than "
			    "%zu bytes",
			    sizeof(((struct auth_user *)0)->uid) - 1);
			goto bad;
		}
		memset(&e, 0, sizeof(e));
		util_sha256(f[0].buf, f[0].len, e.digest);
		e.name = ck_strdup(strbuf_str(&f[1]));
		e.uid = ck_strdup(strbuf_str(&f[2]));
		if (nf >= 4 && entry_groups(&e, strbuf_str(&f[3]), why,
		    sizeof(why)) < 0) {
			entry_free(&e);
			goto bad;
		}
		/* A repeated token: the last line wins, as in Kubernetes. */
		for (i = 0; i < t->n; i++)
			if (memcmp(t->v[i].digest, e.digest, 32) == 0)
				break;
		if (i < t->n) {
			log_warn("token file %s: line %d: duplicate token, "
			    "this line replaces the earlier one", name, line);
			entry_free(&t->v[i]);
			t->v[i] = e;
			continue;
		}
		t->v = ck_reallocarray(t->v, t->n + 1, sizeof(*t->v));
		t->v[t->n++] = e;
	}
	*out = t;
	t = NULL;
	rc = 0;
	goto out;
bad:
	snprintf(err, errlen, "token file %s: line %d: %s", name, line, why);
out:
	for (i = 0; i < CSV_FIELDS; i++)
		strbuf_fini(&f[i]);
	authn_tokens_free(t);
	return rc;
}

int
authn_tokens_load(const char *path, struct authn_tokens **out, char *err,
    size_t errlen)
{
	struct strbuf sb;
	char buf[4096];
	FILE *f;
	size_t n;
	int rc;

	*out = NULL;
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errlen, "token file %s: %s", path,
		    strerror(errno));
		return CK_EINVALID;
	}
	strbuf_init(&sb);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (sb.len + n > (64u << 20)) {
			snprintf(err, errlen, "token file %s: larger than "
			    "64 MiB", path);
			fclose(f);
			strbuf_fini(&sb);
			return CK_EINVALID;
		}
		strbuf_add(&sb, buf, n);
	}
	if (ferror(f)) {
		snprintf(err, errlen, "token file %s: read error", path);
		fclose(f);
		strbuf_fini(&sb);
		return CK_EINVALID;
	}
	fclose(f);
	rc = authn_tokens_parse(path, sb.buf != NULL ? sb.buf : "", sb.len,
	    out, err, errlen);
	strbuf_fini(&sb);
	return rc;
}

int
authn_tokens_find(const struct authn_tokens *t, const char *token,
    struct auth_user *out)
{
	unsigned char d[32];
	size_t i, hit = 0;
	bool found = false, eq;

	if (t == NULL || t->n == 0)
		return 0;
	util_sha256(token, strlen(token), d);
	/* no early exit: the time does not tell which entry, if any */
	for (i = 0; i < t->n; i++) {
		eq = authn_ct_equal(t->v[i].digest, d, sizeof(d));
		hit = eq ? i : hit;
		found |= eq;
	}
	if (!found)
		return 0;
	memset(out, 0, sizeof(*out));
	ck_strlcpy(out->name, t->v[hit].name, sizeof(out->name));
	ck_strlcpy(out->uid, t->v[hit].uid, sizeof(out->uid));
	for (i = 0; i < t->v[hit].ngroups; i++)
		(void)auth_user_add_group(out, t->v[hit].groups[i]);
	return 1;
}

int
authn_bearer_token(const char *header, char *tok, size_t len)
{
	const char *p, *sp;
	size_t n;

	if (header == NULL)
		return 0;
	/* strings.TrimSpace, then SplitN(" ", 3): the second part */
	while (*header == ' ' || *header == '\t')
		header++;
	sp = strchr(header, ' ');
	if (sp == NULL || (size_t)(sp - header) != 6 ||
	    strncasecmp(header, "bearer", 6) != 0)
		return 0;
	p = sp + 1;
	n = strcspn(p, " ");
	while (p[n] == '\0' && n > 0 && (p[n - 1] == '\t' ||
	    p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	if (n == 0)
		return 0;
	if (n >= len || n > INT32_MAX)
		return -1;
	memcpy(tok, p, n);
	tok[n] = '\0';
	return (int)n;
}

void
authn_configure(struct authn_tokens *tokens, bool anonymous)
{
	authn_tokens_free(cfg_tokens);
	cfg_tokens = tokens;
	cfg_anonymous = anonymous;
}

bool
authn_anonymous_enabled(void)
{
	return cfg_anonymous;
}

void
authn_shutdown(void)
{
	authn_tokens_free(cfg_tokens);
	cfg_tokens = NULL;
}

int
authn_token(struct apiserver *srv, const char *token, struct auth_user *out)
{
	int rc;

	if (token[0] == '\0')
		return 0;
	rc = authn_tokens_find(cfg_tokens, token, out);
	if (rc == 0 && srv != NULL)	/* no server: no ServiceAccounts */
		rc = authn_sa_token(srv, token, out);
	if (rc == 1 && !auth_user_add_group(out, AUTH_AUTHENTICATED))
		return CK_EUNAUTH;
	return rc;
}

bool
authn_cert_user(const char *cn, const char *const *orgs, size_t norgs,
    struct auth_user *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	if (cn == NULL || cn[0] == '\0' ||
	    ck_strlcpy(out->name, cn, sizeof(out->name)) >= sizeof(out->name))
		return false;
	for (i = 0; i < norgs; i++)
		if (orgs[i][0] != '\0' && (out->ngroups + 1 >= AUTH_GROUPS_MAX
		    || !auth_user_add_group(out, orgs[i])))
			return false;
	return true;
}

int
authn_request(struct apiserver *srv, enum authn_cert_state cert,
    const struct auth_user *cert_user, const char *authorization,
    struct auth_user *out)
{
	char tok[8192];
	bool refused = cert == AUTHN_CERT_INVALID;
	int n, rc;

	if (cert == AUTHN_CERT_VALID) {
		*out = *cert_user;
		return auth_user_add_group(out, AUTH_AUTHENTICATED) ? 0
		    : CK_EUNAUTH;
	}
	n = authn_bearer_token(authorization, tok, sizeof(tok));
	if (n < 0)
		refused = true;
	else if (n > 0) {
		rc = authn_token(srv, tok, out);
		explicit_bzero(tok, sizeof(tok));
		if (rc == 1)
			return 0;
		refused = true;	/* an unknown token is a wrong one */
	}
	if (refused || !cfg_anonymous)
		return CK_EUNAUTH;
	memset(out, 0, sizeof(*out));
	ck_strlcpy(out->name, AUTH_ANONYMOUS, sizeof(out->name));
	(void)auth_user_add_group(out, AUTH_UNAUTHENTICATED);
	return 0;
}
