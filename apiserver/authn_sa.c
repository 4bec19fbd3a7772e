/*
 * authn_sa.c: ServiceAccount tokens. Not yet issued: no token is one.
 */
#include "auth.h"

int
authn_sa_token(struct apiserver *srv, const char *token,
    struct auth_user *out)
{
	(void)srv;
	(void)token;
	(void)out;
	return 0;
}
