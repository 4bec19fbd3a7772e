/*
 * authn_sa.c: ServiceAccount tokens as an authenticator. A token of our
 * issuer must carry a valid signature of one of our keys, be current, and
 * name a ServiceAccount (and pod, when bound) that still exists with the
 * same uid: deleting the ServiceAccount revokes its tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/log.h"
#include "apiserver.h"
#include "auth.h"
#include "sa_jwt.h"
#include "store/store.h"

static struct sa_keys sa_keys;	/* set once at startup, read-only after */

int
authn_sa_config(const char *issuer, const char *signing_file,
    const char *key_files, struct ck_status *st)
{
	sa_keys_fini(&sa_keys);
	return sa_keys_load(&sa_keys, issuer, signing_file, key_files, st);
}

const struct sa_keys *
authn_sa_keys(void)
{
	return &sa_keys;
}

/* The stored object's metadata.uid equals uid. */
static int
uid_matches(struct apiserver *srv, const char *resource, const char *ns,
    const char *name, const char *uid)
{
	struct store_item it;
	cJSON *obj;
	const char *u;
	int ok;

	if (store_get(srv->store, resource, ns, name, &it) < 0)
		return 0;
	obj = cJSON_ParseWithLength(it.body, it.body_len);
	store_item_fini(&it);
	u = json_str(json_obj(obj, "metadata"), "uid");
	ok = u != NULL && strcmp(u, uid) == 0;
	cJSON_Delete(obj);
	return ok;
}

int
authn_sa_token(struct apiserver *srv, const char *token,
    struct auth_user *out)
{
	struct sa_claims c;
	char why[128], name[sizeof(c.ns) + sizeof(c.name) + 32];
	int rc, n;

	if (sa_keys.nverify == 0 || token == NULL)
		return 0;
	rc = sa_jwt_verify(&sa_keys, token, NULL, time(NULL), &c, why,
	    sizeof(why));
	if (rc < 0) {
		log_v(2, "serviceaccount token refused: %s", why);
		return CK_EUNAUTH;
	}
	if (rc == 0)
		return 0;
	if (!uid_matches(srv, "serviceaccounts", c.ns, c.name, c.uid)) {
		log_v(2, "serviceaccount token refused: serviceaccount %s/%s "
		    "is gone or was recreated", c.ns, c.name);
		return CK_EUNAUTH;
	}
	if (c.pod_name[0] != '\0' &&
	    !uid_matches(srv, "pods", c.ns, c.pod_name, c.pod_uid)) {
		log_v(2, "serviceaccount token refused: pod %s/%s is gone",
		    c.ns, c.pod_name);
		return CK_EUNAUTH;
	}
	n = snprintf(name, sizeof(name), "system:serviceaccount:%s:%s",
	    c.ns, c.name);
	if (strlen(c.ns) > 63 || n < 0 || (size_t)n >= sizeof(out->name))
		return CK_EUNAUTH;	/* no user name this long */
	memset(out, 0, sizeof(*out));
	memcpy(out->name, name, (size_t)n + 1);
	snprintf(out->uid, sizeof(out->uid), "%s", c.uid);
	snprintf(out->groups[0], sizeof(out->groups[0]),
	    "system:serviceaccounts");
	snprintf(out->groups[1], sizeof(out->groups[1]),
	    "system:serviceaccounts:%.63s", c.ns);
	out->ngroups = 2;
	return 1;
}
