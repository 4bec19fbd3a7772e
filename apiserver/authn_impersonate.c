/*
 * authn_impersonate.c: the Impersonate-User, Impersonate-Group and
 * Impersonate-Uid headers, as kube-apiserver's WithImpersonation filter:
 * each is authorized (verb impersonate) for the authenticated requester,
 * then the request runs as the impersonated user.
 */
#include "auth.h"

#include <stdio.h>
#include <string.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"

#define SA_PREFIX	"system:serviceaccount:"

/* One impersonate check; 0 allowed, else st set. */
static int
check(struct apiserver *srv, const struct auth_user *requester,
    const char *group, const char *resource, const char *ns,
    const char *name, struct ck_status *st)
{
	struct auth_attrs a;
	char why[512];
	int rc;

	memset(&a, 0, sizeof(a));
	a.resource_request = true;
	a.verb = "impersonate";
	a.api_group = group;
	a.api_version = group[0] != '\0' ? "v1" : "";
	a.resource = resource;
	a.subresource = "";
	a.ns = ns;
	a.name = name;
	a.path = "";
	why[0] = '\0';
	rc = authz_check(srv, requester, &a, why, sizeof(why));
	if (rc == 1)
		return 0;
	if (rc < 0)
		return ck_status_set(st, rc, "impersonation cannot be "
		    "authorized: %s", ck_strerror(rc));
	authz_forbidden(st, requester, &a, why);
	return CK_EPERM;
}

/* "system:serviceaccount:NS:NAME" into ns and name (both non-empty). */
static bool
split_sa(const char *user, char *ns, size_t nslen, char *name,
    size_t namelen)
{
	const char *p, *c;

	if (strncmp(user, SA_PREFIX, strlen(SA_PREFIX)) != 0)
		return false;
	p = user + strlen(SA_PREFIX);
	c = strchr(p, ':');
	if (c == NULL || c == p || c[1] == '\0' || strchr(c + 1, ':') != NULL
	    || (size_t)(c - p) >= nslen || strlen(c + 1) >= namelen)
		return false;
	memcpy(ns, p, (size_t)(c - p));
	ns[c - p] = '\0';
	ck_strlcpy(name, c + 1, namelen);
	return true;
}

int
authn_impersonate(struct apiserver *srv, const struct auth_user *requester,
    const struct authn_impersonation *imp, struct auth_user *out,
    struct ck_status *st)
{
	char ns[256], name[256], grp[AUTH_NAME_MAX + 32];
	bool has_user = imp->user != NULL && imp->user[0] != '\0';
	bool sa, found;
	size_t i;
	int rc;

	if (!has_user && imp->ngroups == 0 && !imp->too_many &&
	    (imp->uid == NULL || imp->uid[0] == '\0')) {
		*out = *requester;
		return 0;
	}
	if (!has_user)
		return ck_status_set(st, CK_EBADREQ, "requested %s without "
		    "impersonating a user", imp->ngroups > 0 || imp->too_many ?
		    "groups" : "a uid");
	if (imp->too_many)
		return ck_status_set(st, CK_EBADREQ, "more than %d "
		    "Impersonate-Group headers", AUTH_GROUPS_MAX - 2);
	if (strlen(imp->user) >= sizeof(out->name))
		return ck_status_set(st, CK_EBADREQ, "Impersonate-User is "
		    "longer than %zu bytes", sizeof(out->name) - 1);
	if (imp->uid != NULL && strlen(imp->uid) >= sizeof(out->uid))
		return ck_status_set(st, CK_EBADREQ, "Impersonate-Uid is "
		    "longer than %zu bytes", sizeof(out->uid) - 1);
	memset(out, 0, sizeof(*out));
	sa = split_sa(imp->user, ns, sizeof(ns), name, sizeof(name));
	if (sa)
		rc = check(srv, requester, "", "serviceaccounts", ns, name,
		    st);
	else
		rc = check(srv, requester, "", "users", "", imp->user, st);
	if (rc < 0)
		return rc;
	ck_strlcpy(out->name, imp->user, sizeof(out->name));
	/* a service account's groups are known unless groups are given */
	if (sa && imp->ngroups == 0) {
		(void)auth_user_add_group(out, "system:serviceaccounts");
		snprintf(grp, sizeof(grp), "system:serviceaccounts:%s", ns);
		(void)auth_user_add_group(out, grp);
	}
	for (i = 0; i < imp->ngroups; i++) {
		rc = check(srv, requester, "", "groups", "", imp->groups[i],
		    st);
		if (rc < 0)
			return rc;
		if (!auth_user_add_group(out, imp->groups[i]))
			return ck_status_set(st, CK_EBADREQ, "Impersonate-"
			    "Group is longer than %d bytes",
			    AUTH_NAME_MAX - 1);
	}
	if (imp->uid != NULL && imp->uid[0] != '\0') {
		rc = check(srv, requester, "authentication.k8s.io", "uids", "",
		    imp->uid, st);
		if (rc < 0)
			return rc;
		ck_strlcpy(out->uid, imp->uid, sizeof(out->uid));
	}
	/*
	 * Kubernetes: a non-anonymous user gets system:authenticated unless
	 * it or system:unauthenticated was given; anonymous gets
	 * system:unauthenticated.
	 */
	found = false;
	for (i = 0; i < out->ngroups; i++)
		if (strcmp(out->groups[i], AUTH_AUTHENTICATED) == 0 ||
		    strcmp(out->groups[i], AUTH_UNAUTHENTICATED) == 0)
			found = true;
	if (strcmp(out->name, AUTH_ANONYMOUS) == 0)
		(void)auth_user_add_group(out, AUTH_UNAUTHENTICATED);
	else if (!found)
		(void)auth_user_add_group(out, AUTH_AUTHENTICATED);
	return 0;
}
