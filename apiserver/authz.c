/*
 * authz.c: the authorizer chain of --authorization-mode. Today only
 * AlwaysAllow; RBAC plugs in here.
 */
#include "auth.h"

int
authz_check(struct apiserver *srv, const struct auth_user *user,
    const struct auth_attrs *attrs, char *why, size_t whylen)
{
	(void)srv;
	(void)user;
	(void)attrs;
	if (whylen > 0)
		why[0] = '\0';
	return 1;
}
