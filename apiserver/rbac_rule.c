/*
 * rbac_rule.c: the pure parts of RBAC, as Kubernetes' rbac.go and
 * validation/rule.go define them: a PolicyRule against request attributes
 * (verbs, apiGroups, resources with "pods/log" and "*\/scale", resourceNames,
 * nonResourceURLs with a trailing "*"), a Subject against a user, and
 * whether one set of rules covers another (escalation prevention), with
 * the uncovered permissions worded as Kubernetes' CompactString.
 */
#include "rbac.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/strbuf.h"
#include "apiserver.h"

cJSON *
rbac_json_arr(const cJSON *obj, const char *key)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsArray(a) ? a : NULL;
}

static const cJSON *
arr(const cJSON *obj, const char *key)
{
	return rbac_json_arr(obj, key);
}

static size_t
arr_len(const cJSON *a)
{
	return a != NULL ? (size_t)cJSON_GetArraySize(a) : 0;
}

static bool
has(const cJSON *a, const char *s)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, a)
		if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
			return true;
	return false;
}

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

static bool
resource_matches(const cJSON *rule, const char *resource, const char *sub)
{
	const cJSON *it;
	char combined[192];
	size_t sl = strlen(sub), rl;

	if (sub[0] != '\0')
		snprintf(combined, sizeof(combined), "%s/%s", resource, sub);
	else
		snprintf(combined, sizeof(combined), "%s", resource);
	cJSON_ArrayForEach(it, arr(rule, "resources")) {
		if (!cJSON_IsString(it))
			continue;
		if (strcmp(it->valuestring, "*") == 0 ||
		    strcmp(it->valuestring, combined) == 0)
			return true;
		/* "*\/scale" matches the scale subresource of anything. */
		rl = strlen(it->valuestring);
		if (sl > 0 && rl == sl + 2 &&
		    strncmp(it->valuestring, "*/", 2) == 0 &&
		    strcmp(it->valuestring + 2, sub) == 0)
			return true;
	}
	return false;
}

static bool
url_matches(const char *rule_url, const char *path)
{
	size_t n = strlen(rule_url);

	if (strcmp(rule_url, "*") == 0 || strcmp(rule_url, path) == 0)
		return true;
	return n > 0 && rule_url[n - 1] == '*' &&
	    strncmp(rule_url, path, n - 1) == 0;
}

bool
rbac_rule_allows(const cJSON *rule, const struct auth_attrs *a)
{
	const cJSON *names, *it;
	const char *verb = nz(a->verb);

	if (!has(arr(rule, "verbs"), "*") && !has(arr(rule, "verbs"), verb))
		return false;
	if (!a->resource_request) {
		cJSON_ArrayForEach(it, arr(rule, "nonResourceURLs"))
			if (cJSON_IsString(it) &&
			    url_matches(it->valuestring, nz(a->path)))
				return true;
		return false;
	}
	if (!has(arr(rule, "apiGroups"), "*") &&
	    !has(arr(rule, "apiGroups"), nz(a->api_group)))
		return false;
	if (!resource_matches(rule, nz(a->resource), nz(a->subresource)))
		return false;
	names = arr(rule, "resourceNames");
	return arr_len(names) == 0 || has(names, nz(a->name));
}

bool
rbac_subject_matches(const cJSON *subject, const struct auth_user *user,
    const char *binding_ns)
{
	const char *kind = json_str(subject, "kind");
	const char *name = json_str(subject, "name");
	const char *ns = json_str(subject, "namespace");
	char sa[AUTH_NAME_MAX];
	size_t i;

	if (kind == NULL || name == NULL)
		return false;
	if (strcmp(kind, "User") == 0)
		return strcmp(user->name, name) == 0;
	if (strcmp(kind, "Group") == 0) {
		for (i = 0; i < user->ngroups && i < AUTH_GROUPS_MAX; i++)
			if (strcmp(user->groups[i], name) == 0)
				return true;
		return false;
	}
	if (strcmp(kind, "ServiceAccount") == 0) {
		if (ns == NULL || ns[0] == '\0')
			ns = nz(binding_ns);
		if (ns[0] == '\0')
			return false;
		snprintf(sa, sizeof(sa), "system:serviceaccount:%s:%s", ns,
		    name);
		return strcmp(user->name, sa) == 0;
	}
	return false;
}

/* ---- covers ---- */

/* One broken-down permission: at most one of each list. */
struct atom {
	const char	*group, *resource, *name, *url, *verb;
};

static bool
has_or_star(const cJSON *a, const char *s, const char *star)
{
	return has(a, star) || has(a, s);
}

static bool
resource_covers(const cJSON *set, const char *res)
{
	const char *slash;
	char sub[192];

	if (res == NULL || has(set, "*") || has(set, res))
		return true;
	slash = strchr(res, '/');
	if (slash == NULL)
		return false;
	snprintf(sub, sizeof(sub), "*%s", slash);
	return has(set, sub);
}

static bool
url_covers(const cJSON *set, const char *url)
{
	const cJSON *it;
	size_t n;

	if (url == NULL)
		return true;
	cJSON_ArrayForEach(it, set) {
		if (!cJSON_IsString(it))
			continue;
		if (strcmp(it->valuestring, url) == 0)
			return true;
		n = strlen(it->valuestring);
		while (n > 0 && it->valuestring[n - 1] == '*')
			n--;
		if (n < strlen(it->valuestring) &&
		    strncmp(it->valuestring, url, n) == 0)
			return true;
	}
	return false;
}

/* ruleCovers(owner, atom). */
static bool
rule_covers(const cJSON *owner, const struct atom *at)
{
	const cJSON *names = arr(owner, "resourceNames");

	if (!has_or_star(arr(owner, "verbs"), at->verb, "*"))
		return false;
	if (at->group != NULL &&
	    !has_or_star(arr(owner, "apiGroups"), at->group, "*"))
		return false;
	if (!resource_covers(arr(owner, "resources"), at->resource))
		return false;
	if (!url_covers(arr(owner, "nonResourceURLs"), at->url))
		return false;
	if (at->name == NULL)
		return arr_len(names) == 0;
	return arr_len(names) == 0 || has(names, at->name);
}

static bool
atom_covered(const cJSON *owner, const struct atom *at)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, owner)
		if (rule_covers(r, at))
			return true;
	return false;
}

static void
add_list(cJSON *rule, const char *key, const char *val)
{
	cJSON *a;

	if (val == NULL)
		return;
	a = cJSON_AddArrayToObject(rule, key);
	cJSON_AddItemToArray(a, cJSON_CreateString(val));
}

/*
 * CompactRules: a missing atom joins an earlier one of the same group and
 * resource (no names, no URLs) by its verb, else it is a rule of its own.
 */
static void
missing_add(cJSON *missing, const struct atom *at)
{
	cJSON *r, *verbs;

	if (at->name == NULL && at->url == NULL) {
		cJSON_ArrayForEach(r, missing) {
			if (arr(r, "resourceNames") != NULL ||
			    arr(r, "nonResourceURLs") != NULL ||
			    !has(arr(r, "apiGroups"), at->group) ||
			    !has(arr(r, "resources"), at->resource))
				continue;
			verbs = cJSON_GetObjectItemCaseSensitive(r, "verbs");
			if (!has(verbs, at->verb))
				cJSON_AddItemToArray(verbs,
				    cJSON_CreateString(at->verb));
			return;
		}
	}
	r = cJSON_CreateObject();
	add_list(r, "apiGroups", at->group);
	add_list(r, "resources", at->resource);
	add_list(r, "nonResourceURLs", at->url);
	add_list(r, "resourceNames", at->name);
	add_list(r, "verbs", at->verb);
	cJSON_AddItemToArray(missing, r);
}

static bool
check_atom(const cJSON *owner, const struct atom *at, cJSON *missing)
{
	if (atom_covered(owner, at))
		return true;
	if (missing != NULL)
		missing_add(missing, at);
	return false;
}

/* BreakdownRule of one wanted rule, each piece checked. */
static bool
cover_rule(const cJSON *owner, const cJSON *rule, cJSON *missing)
{
	const cJSON *g, *res, *v, *n, *u;
	struct atom at;
	bool ok = true;

	cJSON_ArrayForEach(v, arr(rule, "verbs")) {
		if (!cJSON_IsString(v))
			continue;
		cJSON_ArrayForEach(g, arr(rule, "apiGroups")) {
			cJSON_ArrayForEach(res, arr(rule, "resources")) {
				memset(&at, 0, sizeof(at));
				at.verb = v->valuestring;
				at.group = nz(cJSON_GetStringValue(g));
				at.resource = nz(cJSON_GetStringValue(res));
				if (arr_len(arr(rule, "resourceNames")) == 0) {
					ok &= check_atom(owner, &at, missing);
					continue;
				}
				cJSON_ArrayForEach(n, arr(rule,
				    "resourceNames")) {
					at.name = nz(cJSON_GetStringValue(n));
					ok &= check_atom(owner, &at, missing);
				}
			}
		}
		cJSON_ArrayForEach(u, arr(rule, "nonResourceURLs")) {
			memset(&at, 0, sizeof(at));
			at.verb = v->valuestring;
			at.url = nz(cJSON_GetStringValue(u));
			ok &= check_atom(owner, &at, missing);
		}
	}
	return ok;
}

bool
rbac_rules_cover(const cJSON *owner, const cJSON *want, cJSON *missing)
{
	const cJSON *r;
	bool ok = true;

	cJSON_ArrayForEach(r, want)
		ok &= cover_rule(owner, r, missing);
	return ok;
}

/* ---- wording ---- */

void
rbac_go_quote_list(const cJSON *a, char *buf, size_t len)
{
	struct strbuf sb;
	const cJSON *it;
	const char *p;
	bool first = true;

	strbuf_init(&sb);
	strbuf_addc(&sb, '[');
	cJSON_ArrayForEach(it, a) {
		if (!first)
			strbuf_addc(&sb, ' ');
		first = false;
		strbuf_addc(&sb, '"');
		for (p = nz(cJSON_GetStringValue(it)); *p != '\0'; p++) {
			if (*p == '"' || *p == '\\')
				strbuf_addc(&sb, '\\');
			strbuf_addc(&sb, *p);
		}
		strbuf_addc(&sb, '"');
	}
	strbuf_addc(&sb, ']');
	ck_strlcpy(buf, strbuf_str(&sb), len);
	strbuf_fini(&sb);
}

void
rbac_rule_string(const cJSON *rule, char *buf, size_t len)
{
	static const struct {
		const char *key, *label;
	} parts[] = {
		{ "apiGroups", "APIGroups" },
		{ "resources", "Resources" },
		{ "nonResourceURLs", "NonResourceURLs" },
		{ "resourceNames", "ResourceNames" },
		{ "verbs", "Verbs" },
	};
	struct strbuf sb;
	char q[512];
	size_t i;
	bool first = true;

	strbuf_init(&sb);
	strbuf_addc(&sb, '{');
	for (i = 0; i < ARRAY_SIZE(parts); i++) {
		if (arr_len(arr(rule, parts[i].key)) == 0)
			continue;
		rbac_go_quote_list(arr(rule, parts[i].key), q, sizeof(q));
		strbuf_addf(&sb, "%s%s:%s", first ? "" : ", ", parts[i].label,
		    q);
		first = false;
	}
	strbuf_addc(&sb, '}');
	ck_strlcpy(buf, strbuf_str(&sb), len);
	strbuf_fini(&sb);
}
