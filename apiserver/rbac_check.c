/*
 * rbac_check.c: escalation prevention (Kubernetes' policybased storage of
 * roles and bindings). A Role or ClusterRole may be written only with rules
 * its writer holds, unless the writer may `escalate` it; a binding only to
 * a role whose rules its writer holds, unless the writer may `bind` that
 * role. An aggregationRule needs cluster-admin's rights (or escalate).
 */
#include "rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "apiserver.h"

#define RBAC_GROUP	"rbac.authorization.k8s.io"

static bool
may(struct apiserver *srv, const struct auth_user *user, const char *verb,
    const char *resource, const char *ns, const char *name)
{
	struct auth_attrs a = { .resource_request = true, .verb = verb,
		.api_group = RBAC_GROUP, .api_version = "*",
		.resource = resource, .subresource = "", .ns = ns ? ns : "",
		.name = name ? name : "", .path = "" };

	return authz_check(srv, user, &a, NULL, 0) == 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* `user "alice" (groups=["g"]) is attempting to grant ...:\n` + rules. */
static int
escalation_error(const struct auth_user *user, const cJSON *missing,
    const struct api_resource *r, const char *name, struct ck_status *st)
{
	struct strbuf sb;
	cJSON *groups = cJSON_CreateArray();
	const cJSON *m;
	char gq[1024], line[1024], **lines;
	size_t i, n = 0, cap = (size_t)cJSON_GetArraySize(missing);

	for (i = 0; i < user->ngroups && i < AUTH_GROUPS_MAX; i++)
		cJSON_AddItemToArray(groups,
		    cJSON_CreateString(user->groups[i]));
	rbac_go_quote_list(groups, gq, sizeof(gq));
	cJSON_Delete(groups);
	lines = ck_calloc(cap + 1, sizeof(*lines));
	cJSON_ArrayForEach(m, missing) {
		rbac_rule_string(m, line, sizeof(line));
		lines[n++] = ck_strdup(line);
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	strbuf_init(&sb);
	for (i = 0; i < n; i++) {
		if (i > 0 && strcmp(lines[i], lines[i - 1]) == 0)
			continue;	/* a set, as sets.NewString */
		strbuf_addf(&sb, "%s%s", sb.len > 0 ? "\n" : "", lines[i]);
	}
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	ck_status_set(st, CK_EPERM, "%s.%s \"%s\" is forbidden: user \"%s\" "
	    "(groups=%s) is attempting to grant RBAC permissions not "
	    "currently held:\n%s", r->resource, r->group, name, user->name,
	    gq, strbuf_str(&sb));
	ck_status_set_details(st, name, r->group, r->resource);
	strbuf_fini(&sb);
	return CK_EPERM;
}

/* ConfirmNoEscalation: user holds every rule of want in ns. */
static int
confirm(struct apiserver *srv, const struct auth_user *user, const char *ns,
    const cJSON *want, const struct api_resource *r, const char *name,
    struct ck_status *st)
{
	cJSON *owner = NULL, *missing;
	int rc;

	if ((rc = rbac_rules_for(srv->rbac, user, ns, &owner)) < 0)
		return ck_status_set(st, rc, "cannot read RBAC rules: %s",
		    ck_strerror(rc));
	missing = cJSON_CreateArray();
	rc = 0;
	if (!rbac_rules_cover(owner, want, missing))
		rc = escalation_error(user, missing, r, name, st);
	cJSON_Delete(missing);
	cJSON_Delete(owner);
	return rc;
}

static int
check_role(struct apiserver *srv, const struct auth_user *user,
    const struct api_resource *r, const char *ns, const cJSON *obj,
    const char *name, struct ck_status *st)
{
	static const char full[] = "[{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],"
	    "\"resources\":[\"*\"]},{\"verbs\":[\"*\"],"
	    "\"nonResourceURLs\":[\"*\"]}]";
	cJSON *want, *all;
	int rc;

	if (may(srv, user, "escalate", r->resource, ns, name))
		return 0;
	if (json_obj(obj, "aggregationRule") != NULL) {
		all = cJSON_Parse(full);
		rc = confirm(srv, user, ns, all, r, name, st);
		cJSON_Delete(all);
		if (rc < 0) {
			ck_status_set(st, CK_EPERM, "%s.%s \"%s\" is "
			    "forbidden: must have cluster-admin privileges to "
			    "use the aggregationRule", r->resource, r->group,
			    name);
			return CK_EPERM;
		}
	}
	want = rbac_json_arr(obj, "rules");
	if (want == NULL)
		return 0;
	return confirm(srv, user, ns, want, r, name, st);
}

static int
check_binding(struct apiserver *srv, const struct auth_user *user,
    const struct api_resource *r, const char *ns, const cJSON *obj,
    const char *name, struct ck_status *st)
{
	const cJSON *ref = json_obj(obj, "roleRef");
	const char *kind = json_str(ref, "kind"), *rname = json_str(ref, "name");
	cJSON *rules = NULL;
	int rc;

	if (kind == NULL || rname == NULL)
		return 0;	/* validation refuses it */
	if (may(srv, user, "bind", strcmp(kind, "Role") == 0 ? "roles" :
	    "clusterroles", ns, rname))
		return 0;
	rc = rbac_role_rules(srv->rbac, ref, ns, &rules);
	if (rc == CK_ENOTFOUND) {
		/* GetRoleReferenceRules' NotFound, returned as is. */
		ck_status_set(st, CK_ENOTFOUND, "%s.rbac.authorization.k8s.io "
		    "\"%s\" not found", strcmp(kind, "Role") == 0 ? "roles" :
		    "clusterroles", rname);
		ck_status_set_details(st, rname, RBAC_GROUP,
		    strcmp(kind, "Role") == 0 ? "roles" : "clusterroles");
		return CK_ENOTFOUND;
	}
	if (rc < 0)
		return ck_status_set(st, rc, "cannot read RBAC rules: %s",
		    ck_strerror(rc));
	rc = confirm(srv, user, ns, rules, r, name, st);
	cJSON_Delete(rules);
	return rc;
}

int
rbac_check_write(struct apiserver *srv, const struct auth_user *user,
    const struct api_resource *r, const char *ns, const cJSON *obj,
    struct ck_status *st)
{
	const char *name = json_str(json_obj(obj, "metadata"), "name");

	if (user == NULL || srv->rbac == NULL ||
	    strcmp(r->group, RBAC_GROUP) != 0 ||
	    auth_user_in_group(user, "system:masters"))
		return 0;
	if (name == NULL)
		name = "";
	if (ns == NULL)
		ns = "";
	if (strcmp(r->kind, "Role") == 0 || strcmp(r->kind, "ClusterRole") == 0)
		return check_role(srv, user, r, ns, obj, name, st);
	if (strcmp(r->kind, "RoleBinding") == 0 ||
	    strcmp(r->kind, "ClusterRoleBinding") == 0)
		return check_binding(srv, user, r, ns, obj, name, st);
	return 0;
}
