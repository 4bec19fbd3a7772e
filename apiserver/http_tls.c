/*
 * http_tls.c: the client certificate of a secure-port connection. MHD only
 * asks for one (--client-ca-file becomes its trust list, GNUTLS_CERT_REQUEST)
 * and never checks it, so it is verified here against that list, for TLS
 * client use, then mapped as Kubernetes' x509 authenticator: subject CN is
 * the user name, every O a group.
 */
#include "auth.h"

#include <stdint.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "ckube/err.h"
#include "ckube/log.h"

/* The subject's values of oid (at most max, each < AUTH_NAME_MAX). */
static int
subject_values(gnutls_x509_crt_t crt, const char *oid,
    char vals[][AUTH_NAME_MAX], size_t max, size_t *n)
{
	char v[AUTH_NAME_MAX];
	size_t sz;
	unsigned i;
	int rc;

	*n = 0;
	for (i = 0;; i++) {
		sz = sizeof(v);
		rc = gnutls_x509_crt_get_dn_by_oid(crt, oid, i, 0, v, &sz);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			return 0;
		/* too long, binary, or more values than we keep */
		if (rc < 0 || sz >= sizeof(v) || memchr(v, '\0', sz) != NULL
		    || *n == max)
			return CK_EUNAUTH;
		memcpy(vals[*n], v, sz);
		vals[*n][sz] = '\0';
		(*n)++;
	}
}

static int
crt_subject(gnutls_x509_crt_t crt, struct auth_user *user)
{
	char cn[1][AUTH_NAME_MAX];
	char orgs[AUTH_GROUPS_MAX][AUTH_NAME_MAX];	/* 8 KiB */
	const char *o[AUTH_GROUPS_MAX];
	size_t ncn, norgs, i;
	int rc = CK_EUNAUTH;

	if (subject_values(crt, GNUTLS_OID_X520_COMMON_NAME, cn, 1, &ncn) < 0
	    || subject_values(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, orgs,
	    AUTH_GROUPS_MAX - 1, &norgs) < 0)
		goto out;
	for (i = 0; i < norgs; i++)
		o[i] = orgs[i];
	if (ncn == 1 && authn_cert_user(cn[0], o, norgs, user))
		rc = 0;
out:
	return rc;
}

int
authn_cert_subject(const void *data, size_t len, bool pem,
    struct auth_user *user)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d;
	int rc = CK_EUNAUTH;

	if (len > UINT32_MAX || gnutls_x509_crt_init(&crt) < 0)
		return CK_EUNAUTH;
	d.data = (unsigned char *)(uintptr_t)data;
	d.size = (unsigned)len;
	if (gnutls_x509_crt_import(crt, &d, pem ? GNUTLS_X509_FMT_PEM :
	    GNUTLS_X509_FMT_DER) >= 0)
		rc = crt_subject(crt, user);
	gnutls_x509_crt_deinit(crt);
	return rc;
}

enum authn_cert_state
authn_tls_peer(void *session, struct auth_user *user)
{
	gnutls_session_t s = session;
	const gnutls_datum_t *certs;
	gnutls_typed_vdata_st purpose;
	unsigned n = 0, status = 0;

	if (s == NULL)
		return AUTHN_CERT_NONE;
	certs = gnutls_certificate_get_peers(s, &n);
	if (certs == NULL || n == 0)
		return AUTHN_CERT_NONE;
	memset(&purpose, 0, sizeof(purpose));
	purpose.type = GNUTLS_DT_KEY_PURPOSE_OID;
	purpose.data = (unsigned char *)(uintptr_t)GNUTLS_KP_TLS_WWW_CLIENT;
	if (gnutls_certificate_verify_peers(s, &purpose, 1, &status) < 0 ||
	    status != 0) {
		log_v(2, "client certificate refused (status 0x%x)", status);
		return AUTHN_CERT_INVALID;
	}
	if (authn_cert_subject(certs[0].data, certs[0].size, false, user) < 0)
		return AUTHN_CERT_INVALID;
	return AUTHN_CERT_VALID;
}
