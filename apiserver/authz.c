/*
 * authz.c: the authorizer chain of --authorization-mode, a comma list
 * evaluated in order as Kubernetes' union authorizer does: the first mode
 * that allows (or denies) decides, a mode with no opinion passes on, and
 * nothing allowing is a denial. Members of system:masters are allowed
 * before any mode (Kubernetes' privileged-groups authorizer).
 */
#include "auth.h"

#include <stdio.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/strbuf.h"
#include "ckube/err.h"
#include "apiserver.h"
#include "rbac.h"

enum authz_mode { AUTHZ_ALWAYS_ALLOW, AUTHZ_ALWAYS_DENY, AUTHZ_RBAC };

#define AUTHZ_MODES_MAX	4

static enum authz_mode modes[AUTHZ_MODES_MAX] = { AUTHZ_ALWAYS_ALLOW };
static size_t nmodes = 1;

int
authz_config(const char *list, char *err, size_t errlen)
{
	enum authz_mode next[AUTHZ_MODES_MAX];
	char buf[256], *tok, *save = NULL;
	size_t n = 0, i;

	if (list == NULL || list[0] == '\0')
		list = "AlwaysAllow";
	if (ck_strlcpy(buf, list, sizeof(buf)) >= sizeof(buf)) {
		snprintf(err, errlen, "too long");
		return CK_EINVALID;
	}
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (n == AUTHZ_MODES_MAX) {
			snprintf(err, errlen, "too many modes");
			return CK_EINVALID;
		}
		if (strcmp(tok, "AlwaysAllow") == 0)
			next[n] = AUTHZ_ALWAYS_ALLOW;
		else if (strcmp(tok, "AlwaysDeny") == 0)
			next[n] = AUTHZ_ALWAYS_DENY;
		else if (strcmp(tok, "RBAC") == 0)
			next[n] = AUTHZ_RBAC;
		else {
			snprintf(err, errlen, "authorization mode \"%.64s\" "
			    "is not supported (AlwaysAllow, AlwaysDeny, RBAC)",
			    tok);
			return CK_EINVALID;
		}
		for (i = 0; i < n; i++)
			if (next[i] == next[n]) {
				snprintf(err, errlen, "authorization mode "
				    "\"%.64s\" is given twice", tok);
				return CK_EINVALID;
			}
		n++;
	}
	if (n == 0) {
		snprintf(err, errlen, "no authorization mode");
		return CK_EINVALID;
	}
	memcpy(modes, next, n * sizeof(next[0]));
	nmodes = n;
	return 0;
}

bool
authz_rbac_enabled(void)
{
	size_t i;

	for (i = 0; i < nmodes; i++)
		if (modes[i] == AUTHZ_RBAC)
			return true;
	return false;
}

bool
auth_user_in_group(const struct auth_user *user, const char *group)
{
	size_t i;

	for (i = 0; user != NULL && i < user->ngroups &&
	    i < AUTH_GROUPS_MAX; i++)
		if (strcmp(user->groups[i], group) == 0)
			return true;
	return false;
}

int
authz_check(struct apiserver *srv, const struct auth_user *user,
    const struct auth_attrs *attrs, char *why, size_t whylen)
{
	char dummy[8];
	size_t i;
	int rc;

	if (why == NULL || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	if (user == NULL || auth_user_in_group(user, "system:masters"))
		return 1;
	for (i = 0; i < nmodes; i++) {
		switch (modes[i]) {
		case AUTHZ_ALWAYS_ALLOW:
			return 1;
		case AUTHZ_ALWAYS_DENY:
			snprintf(why, whylen, "Everything is forbidden.");
			return 0;
		case AUTHZ_RBAC:
			if (srv == NULL || srv->rbac == NULL)
				break;
			rc = rbac_authorize(srv->rbac, user, attrs, why,
			    whylen);
			if (rc != 0)
				return rc;
			break;
		}
	}
	return 0;
}
