/*
 * Unit tests of RBAC: rule matching (subresources, wildcards, resourceNames,
 * nonResourceURLs), subjects, covering rules and the escalation wording,
 * aggregation, the cache over a temporary store (bindings by user, group and
 * ServiceAccount, invalidation on writes), escalation prevention, the
 * request -> attributes mapping, the 403 wording and the filter in
 * api_handle.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "apiserver.h"
#include "auth.h"
#include "rbac.h"
#include "store/store.h"
#include "watch.h"

/* ---- helpers ---- */

static struct auth_attrs
res_attrs(const char *verb, const char *group, const char *resource,
    const char *sub, const char *ns, const char *name)
{
	struct auth_attrs a = { .resource_request = true, .verb = verb,
		.api_group = group, .api_version = "v1", .resource = resource,
		.subresource = sub, .ns = ns, .name = name, .path = "" };

	return a;
}

static struct auth_attrs
url_attrs(const char *verb, const char *path)
{
	struct auth_attrs a = { .resource_request = false, .verb = verb,
		.api_group = "", .api_version = "", .resource = "",
		.subresource = "", .ns = "", .name = "", .path = path };

	return a;
}

static bool
allows(const char *rule_json, struct auth_attrs a)
{
	cJSON *r = cJSON_Parse(rule_json);
	bool ok;

	assert_non_null(r);
	ok = rbac_rule_allows(r, &a);
	cJSON_Delete(r);
	return ok;
}

static struct auth_user
user_of(const char *name, const char *g1, const char *g2)
{
	struct auth_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.name, sizeof(u.name), "%s", name);
	if (g1 != NULL)
		snprintf(u.groups[u.ngroups++], sizeof(u.groups[0]), "%s", g1);
	if (g2 != NULL)
		snprintf(u.groups[u.ngroups++], sizeof(u.groups[0]), "%s", g2);
	return u;
}

/* ---- pure ---- */

static void
test_rule_resources(void **state)
{
	const char *pods = "{\"verbs\":[\"get\",\"list\"],\"apiGroups\":[\"\"],"
	    "\"resources\":[\"pods\",\"pods/log\"]}";

	(void)state;
	assert_true(allows(pods, res_attrs("list", "", "pods", "", "d", "")));
	assert_true(allows(pods, res_attrs("get", "", "pods", "log", "d",
	    "p")));
	assert_false(allows(pods, res_attrs("create", "", "pods", "", "d",
	    "")));
	assert_false(allows(pods, res_attrs("get", "apps", "pods", "", "d",
	    "")));
	assert_false(allows(pods, res_attrs("get", "", "pods", "exec", "d",
	    "p")));
	assert_false(allows(pods, res_attrs("get", "", "secrets", "", "d",
	    "s")));
	/* "pods" alone does not grant a subresource. */
	assert_false(allows("{\"verbs\":[\"*\"],\"apiGroups\":[\"\"],"
	    "\"resources\":[\"pods\"]}", res_attrs("create", "", "pods",
	    "eviction", "d", "p")));
}

static void
test_rule_wildcards(void **state)
{
	const char *scale = "{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],"
	    "\"resources\":[\"*/scale\"]}";
	const char *all = "{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],"
	    "\"resources\":[\"*\"]}";

	(void)state;
	assert_true(allows(scale, res_attrs("update", "apps", "deployments",
	    "scale", "d", "x")));
	assert_false(allows(scale, res_attrs("update", "apps", "deployments",
	    "", "d", "x")));
	assert_false(allows(scale, res_attrs("update", "apps", "deployments",
	    "status", "d", "x")));
	assert_true(allows(all, res_attrs("deletecollection", "batch", "jobs",
	    "", "d", "")));
	assert_true(allows(all, res_attrs("get", "", "pods", "log", "d",
	    "p")));
	/* A resource rule never grants a URL, and the other way round. */
	assert_false(allows(all, url_attrs("get", "/healthz")));
}

static void
test_rule_resource_names(void **state)
{
	const char *cm = "{\"verbs\":[\"get\",\"list\",\"update\"],"
	    "\"apiGroups\":[\"\"],\"resources\":[\"configmaps\"],"
	    "\"resourceNames\":[\"app-config\"]}";

	(void)state;
	assert_true(allows(cm, res_attrs("get", "", "configmaps", "", "d",
	    "app-config")));
	assert_true(allows(cm, res_attrs("update", "", "configmaps", "", "d",
	    "app-config")));
	assert_false(allows(cm, res_attrs("get", "", "configmaps", "", "d",
	    "other")));
	/* No name: list, create, watch of the collection are not granted. */
	assert_false(allows(cm, res_attrs("list", "", "configmaps", "", "d",
	    "")));
}

static void
test_rule_urls(void **state)
{
	const char *r = "{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/healthz\","
	    "\"/apis/*\"]}";

	(void)state;
	assert_true(allows(r, url_attrs("get", "/healthz")));
	assert_false(allows(r, url_attrs("get", "/healthz/ping")));
	assert_true(allows(r, url_attrs("get", "/apis/apps/v1")));
	assert_true(allows(r, url_attrs("get", "/apis/")));
	assert_false(allows(r, url_attrs("get", "/apis")));
	assert_false(allows(r, url_attrs("post", "/healthz")));
	assert_false(allows(r, res_attrs("get", "", "pods", "", "d", "")));
	assert_true(allows("{\"verbs\":[\"*\"],\"nonResourceURLs\":[\"*\"]}",
	    url_attrs("delete", "/anything")));
}

static void
test_subjects(void **state)
{
	struct auth_user alice = user_of("alice", "dev", NULL);
	struct auth_user sa = user_of("system:serviceaccount:ns1:robot",
	    "system:serviceaccounts", "system:serviceaccounts:ns1");
	cJSON *s;

	(void)state;
	s = cJSON_Parse("{\"kind\":\"User\",\"name\":\"alice\"}");
	assert_true(rbac_subject_matches(s, &alice, ""));
	assert_false(rbac_subject_matches(s, &sa, ""));
	cJSON_Delete(s);
	s = cJSON_Parse("{\"kind\":\"Group\",\"name\":\"dev\"}");
	assert_true(rbac_subject_matches(s, &alice, ""));
	assert_false(rbac_subject_matches(s, &sa, ""));
	cJSON_Delete(s);
	s = cJSON_Parse("{\"kind\":\"ServiceAccount\",\"name\":\"robot\","
	    "\"namespace\":\"ns1\"}");
	assert_true(rbac_subject_matches(s, &sa, ""));
	assert_false(rbac_subject_matches(s, &alice, ""));
	cJSON_Delete(s);
	/* Without a namespace: the RoleBinding's own. */
	s = cJSON_Parse("{\"kind\":\"ServiceAccount\",\"name\":\"robot\"}");
	assert_true(rbac_subject_matches(s, &sa, "ns1"));
	assert_false(rbac_subject_matches(s, &sa, "ns2"));
	assert_false(rbac_subject_matches(s, &sa, ""));
	cJSON_Delete(s);
}

/* Covers(owner, want): the compacted missing rules, one string a line. */
static void
expect_missing(const char *owner_json, const char *want_json,
    const char *expect)
{
	cJSON *owner = cJSON_Parse(owner_json), *want = cJSON_Parse(want_json);
	cJSON *missing = cJSON_CreateArray(), *m;
	char all[2048] = "", line[512];
	size_t used = 0;
	bool ok;

	assert_non_null(owner);
	assert_non_null(want);
	ok = rbac_rules_cover(owner, want, missing);
	cJSON_ArrayForEach(m, missing) {
		rbac_rule_string(m, line, sizeof(line));
		used += (size_t)snprintf(all + used, sizeof(all) - used,
		    "%s%s", used > 0 ? "\n" : "", line);
	}
	assert_string_equal(all, expect);
	assert_int_equal(ok, expect[0] == '\0');
	cJSON_Delete(owner);
	cJSON_Delete(want);
	cJSON_Delete(missing);
}

static void
test_covers(void **state)
{
	const char *reader = "[{\"verbs\":[\"get\",\"list\",\"watch\"],"
	    "\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}]";

	(void)state;
	expect_missing(reader, "[{\"verbs\":[\"get\",\"list\"],\"apiGroups\":"
	    "[\"\"],\"resources\":[\"pods\"]}]", "");
	expect_missing(reader, "[{\"verbs\":[\"get\",\"list\"],\"apiGroups\":"
	    "[\"\"],\"resources\":[\"secrets\",\"pods\"]}]",
	    "{APIGroups:[\"\"], Resources:[\"secrets\"], "
	    "Verbs:[\"get\" \"list\"]}");
	/* A wildcard asked for is held only as a wildcard. */
	expect_missing(reader, "[{\"verbs\":[\"*\"],\"apiGroups\":[\"\"],"
	    "\"resources\":[\"pods\"]}]",
	    "{APIGroups:[\"\"], Resources:[\"pods\"], Verbs:[\"*\"]}");
	expect_missing("[{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],"
	    "\"resources\":[\"*\"]},{\"verbs\":[\"*\"],"
	    "\"nonResourceURLs\":[\"*\"]}]",
	    "[{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],\"resources\":[\"*\"]},"
	    "{\"verbs\":[\"get\"],\"nonResourceURLs\":[\"/x\"]}]", "");
	/* "*\/scale" holds any scale; resourceNames narrow. */
	expect_missing("[{\"verbs\":[\"update\"],\"apiGroups\":[\"apps\"],"
	    "\"resources\":[\"*/scale\"]}]", "[{\"verbs\":[\"update\"],"
	    "\"apiGroups\":[\"apps\"],\"resources\":[\"deployments/scale\"]}]",
	    "");
	expect_missing("[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],"
	    "\"resources\":[\"configmaps\"],\"resourceNames\":[\"a\"]}]",
	    "[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],\"resources\":"
	    "[\"configmaps\"],\"resourceNames\":[\"a\",\"b\"]}]",
	    "{APIGroups:[\"\"], Resources:[\"configmaps\"], "
	    "ResourceNames:[\"b\"], Verbs:[\"get\"]}");
	expect_missing("[{\"verbs\":[\"get\"],\"nonResourceURLs\":"
	    "[\"/apis/*\"]}]", "[{\"verbs\":[\"get\"],\"nonResourceURLs\":"
	    "[\"/apis/apps\",\"/healthz\"]}]",
	    "{NonResourceURLs:[\"/healthz\"], Verbs:[\"get\"]}");
}

static void
test_aggregate(void **state)
{
	cJSON *croles = cJSON_Parse("["
	    "{\"metadata\":{\"name\":\"view\",\"labels\":{\"agg-edit\":\"true\"}},"
	    "\"aggregationRule\":{\"clusterRoleSelectors\":[{\"matchLabels\":"
	    "{\"agg-view\":\"true\"}}]}},"
	    "{\"metadata\":{\"name\":\"edit\"},"
	    "\"aggregationRule\":{\"clusterRoleSelectors\":[{\"matchLabels\":"
	    "{\"agg-edit\":\"true\"}}]}},"
	    "{\"metadata\":{\"name\":\"a\",\"labels\":{\"agg-view\":\"true\"}},"
	    "\"rules\":[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],"
	    "\"resources\":[\"pods\"]}]},"
	    "{\"metadata\":{\"name\":\"b\",\"labels\":{\"agg-view\":\"true\","
	    "\"agg-edit\":\"true\"}},\"rules\":[{\"verbs\":[\"get\"],"
	    "\"apiGroups\":[\"\"],\"resources\":[\"pods\"]},{\"verbs\":"
	    "[\"list\"],\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}]},"
	    "{\"metadata\":{\"name\":\"c\"},\"rules\":[{\"verbs\":[\"*\"],"
	    "\"apiGroups\":[\"*\"],\"resources\":[\"*\"]}]}]");
	cJSON *out;

	(void)state;
	assert_non_null(croles);
	/* view: a and b, the duplicate rule once; not c. */
	out = rbac_aggregate(croles, json_obj(cJSON_GetArrayItem(croles, 0),
	    "aggregationRule"), "view");
	assert_int_equal(cJSON_GetArraySize(out), 2);
	cJSON_Delete(out);
	/* edit: b, and view's current rules (none yet: one pass). */
	out = rbac_aggregate(croles, json_obj(cJSON_GetArrayItem(croles, 1),
	    "aggregationRule"), "edit");
	assert_int_equal(cJSON_GetArraySize(out), 2);
	cJSON_Delete(out);
	/* A selector picking itself is skipped. */
	out = rbac_aggregate(croles, json_obj(cJSON_GetArrayItem(croles, 1),
	    "aggregationRule"), "b");
	assert_int_equal(cJSON_GetArraySize(out), 0);
	cJSON_Delete(out);
	cJSON_Delete(croles);
}

/* ---- over a store ---- */

struct fixture {
	char		 dir[64];
	char		 db[128];
	struct apiserver srv;
};

static void
on_commit(const struct store_event *ev, void *arg)
{
	struct apiserver *srv = arg;

	rbac_observe(srv->rbac, ev);
	watchlog_commit(ev, srv->wl);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct ck_status st;
	char err[128];

	snprintf(f->dir, sizeof(f->dir), "/tmp/test_rbac.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/ckube.db", f->dir);
	if (store_open(f->db, &f->srv.store, &st) < 0)
		return -1;
	f->srv.max_body = 1 << 20;
	f->srv.wl = watchlog_new(f->srv.store, NULL, 0, 0);
	f->srv.rbac = rbac_new(f->srv.store);
	store_set_commit_hook(f->srv.store, on_commit, &f->srv);
	if (authz_config("RBAC", err, sizeof(err)) < 0)
		return -1;
	if (crud_ensure_namespace(&f->srv, "default") < 0 ||
	    crud_ensure_namespace(&f->srv, "dev") < 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char path[160];
	char err[128];

	assert_int_equal(authz_config("AlwaysAllow", err, sizeof(err)), 0);
	watchlog_free(f->srv.wl);
	store_close(f->srv.store);
	rbac_free(f->srv.rbac);
	snprintf(path, sizeof(path), "%s/ckube.db", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ckube.db-wal", f->dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/ckube.db-shm", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
put(struct fixture *f, const char *resource, const char *ns,
    const char *json)
{
	cJSON *obj = cJSON_Parse(json);

	assert_non_null(obj);
	assert_int_equal(crud_ensure_object(&f->srv,
	    "rbac.authorization.k8s.io", resource, ns, obj), 0);
}

static int
check(struct fixture *f, const struct auth_user *u, struct auth_attrs a,
    char *why, size_t len)
{
	return authz_check(&f->srv, u, &a, why, len);
}

#define POD_READER "{\"metadata\":{\"name\":\"pod-reader\"},\"rules\":" \
	"[{\"verbs\":[\"get\",\"list\",\"watch\"],\"apiGroups\":[\"\"]," \
	"\"resources\":[\"pods\"]}]}"

static void
test_bindings(void **state)
{
	struct fixture *f = *state;
	struct auth_user alice = user_of("alice", "system:authenticated", NULL);
	struct auth_user bob = user_of("bob", "readers", NULL);
	struct auth_user sa = user_of("system:serviceaccount:dev:robot",
	    "system:serviceaccounts", NULL);
	char why[512];

	/* Nothing bound: no. */
	assert_int_equal(check(f, &alice, res_attrs("list", "", "pods", "",
	    "default", ""), why, sizeof(why)), 0);
	assert_string_equal(why, "");
	put(f, "roles", "default", POD_READER);
	put(f, "rolebindings", "default", "{\"metadata\":{\"name\":\"rb\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"Role\",\"name\":\"pod-reader\"},\"subjects\":[{\"kind\":"
	    "\"User\",\"name\":\"alice\"}]}");
	/* The write outdated the cache: seen at once. */
	assert_int_equal(check(f, &alice, res_attrs("list", "", "pods", "",
	    "default", ""), why, sizeof(why)), 1);
	assert_string_equal(why, "RBAC: allowed by RoleBinding "
	    "\"rb/default\" of Role \"pod-reader\" to User \"alice\"");
	assert_int_equal(check(f, &alice, res_attrs("list", "", "pods", "",
	    "dev", ""), why, sizeof(why)), 0);
	assert_int_equal(check(f, &alice, res_attrs("create", "", "pods", "",
	    "default", ""), why, sizeof(why)), 0);
	assert_int_equal(check(f, &alice, res_attrs("list", "", "pods", "",
	    "", ""), why, sizeof(why)), 0);

	/* A ClusterRole by a group's ClusterRoleBinding: everywhere. */
	put(f, "clusterroles", "", POD_READER);
	put(f, "clusterrolebindings", "", "{\"metadata\":{\"name\":\"crb\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"ClusterRole\",\"name\":\"pod-reader\"},\"subjects\":"
	    "[{\"kind\":\"Group\",\"name\":\"readers\"}]}");
	assert_int_equal(check(f, &bob, res_attrs("watch", "", "pods", "",
	    "dev", ""), why, sizeof(why)), 1);
	assert_int_equal(check(f, &bob, res_attrs("list", "", "pods", "",
	    "", ""), why, sizeof(why)), 1);
	assert_string_equal(why, "RBAC: allowed by ClusterRoleBinding "
	    "\"crb\" of ClusterRole \"pod-reader\" to Group \"readers\"");

	/* A ServiceAccount by a RoleBinding of a ClusterRole: its ns only. */
	put(f, "rolebindings", "dev", "{\"metadata\":{\"name\":\"sa\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"ClusterRole\",\"name\":\"pod-reader\"},\"subjects\":"
	    "[{\"kind\":\"ServiceAccount\",\"name\":\"robot\"}]}");
	assert_int_equal(check(f, &sa, res_attrs("get", "", "pods", "",
	    "dev", "p"), why, sizeof(why)), 1);
	assert_int_equal(check(f, &sa, res_attrs("get", "", "pods", "",
	    "default", "p"), why, sizeof(why)), 0);

	/* A binding to a missing role says so. */
	put(f, "rolebindings", "dev", "{\"metadata\":{\"name\":\"gone\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"ClusterRole\",\"name\":\"nope\"},\"subjects\":"
	    "[{\"kind\":\"User\",\"name\":\"carol\"}]}");
	{
		struct auth_user carol = user_of("carol", NULL, NULL);

		assert_int_equal(check(f, &carol, res_attrs("get", "", "pods",
		    "", "dev", "p"), why, sizeof(why)), 0);
		assert_string_equal(why, "RBAC: clusterrole.rbac.authorization"
		    ".k8s.io \"nope\" not found");
	}
	/* system:masters: always; the insecure port (NULL): always. */
	{
		struct auth_user m = user_of("root", "system:masters", NULL);

		assert_int_equal(check(f, &m, res_attrs("delete", "", "nodes",
		    "", "", "n"), why, sizeof(why)), 1);
		assert_int_equal(check(f, NULL, res_attrs("delete", "",
		    "nodes", "", "", "n"), why, sizeof(why)), 1);
	}
}

static void
test_aggregation_in_cache(void **state)
{
	struct fixture *f = *state;
	struct auth_user alice = user_of("alice", NULL, NULL);
	struct auth_user bob = user_of("bob", NULL, NULL);
	char why[256];

	put(f, "clusterroles", "", "{\"metadata\":{\"name\":\"view\"},"
	    "\"aggregationRule\":{\"clusterRoleSelectors\":[{\"matchLabels\":"
	    "{\"rbac.authorization.k8s.io/aggregate-to-view\":\"true\"}}]}}");
	put(f, "clusterrolebindings", "", "{\"metadata\":{\"name\":\"v\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"ClusterRole\",\"name\":\"view\"},\"subjects\":[{\"kind\":"
	    "\"User\",\"name\":\"alice\"}]}");
	assert_int_equal(check(f, &alice, res_attrs("get", "example.com",
	    "widgets", "", "default", "w"), why, sizeof(why)), 0);
	put(f, "clusterroles", "", "{\"metadata\":{\"name\":\"widgets\","
	    "\"labels\":{\"rbac.authorization.k8s.io/aggregate-to-view\":"
	    "\"true\"}},\"rules\":[{\"verbs\":[\"get\"],\"apiGroups\":"
	    "[\"example.com\"],\"resources\":[\"widgets\"]}]}");
	assert_int_equal(check(f, &alice, res_attrs("get", "example.com",
	    "widgets", "", "default", "w"), why, sizeof(why)), 1);
	/* The controller's write: view's stored rules, once. */
	{
		struct store_item it;
		cJSON *o;
		int n;

		assert_int_equal(rbac_sync_aggregation(f->srv.rbac, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(rbac_sync_aggregation(f->srv.rbac, &n), 0);
		assert_int_equal(n, 0);
		assert_int_equal(store_get(f->srv.store,
		    "clusterroles.rbac.authorization.k8s.io", "", "view", &it),
		    0);
		o = cJSON_Parse(it.body);
		assert_int_equal(cJSON_GetArraySize(rbac_json_arr(o, "rules")),
		    1);
		cJSON_Delete(o);
		store_item_fini(&it);
	}
	/* Through two aggregations: edit selects view, view the widgets. */
	put(f, "clusterroles", "", "{\"metadata\":{\"name\":\"edit\"},"
	    "\"aggregationRule\":{\"clusterRoleSelectors\":[{\"matchLabels\":"
	    "{\"agg-edit\":\"true\"}}]}}");
	put(f, "clusterrolebindings", "", "{\"metadata\":{\"name\":\"e\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"ClusterRole\",\"name\":\"edit\"},\"subjects\":[{\"kind\":"
	    "\"User\",\"name\":\"bob\"}]}");
	assert_int_equal(check(f, &bob, res_attrs("get", "example.com",
	    "widgets", "", "default", "w"), why, sizeof(why)), 0);
	{
		struct api_request req;
		struct api_response resp;

		memset(&req, 0, sizeof(req));
		req.method = "PATCH";
		req.path = "/apis/rbac.authorization.k8s.io/v1/clusterroles/view";
		req.content_type = "application/merge-patch+json";
		req.body = "{\"metadata\":{\"labels\":{\"agg-edit\":\"true\"}}}";
		req.body_len = strlen(req.body);
		api_handle(&f->srv, &req, &resp);
		assert_int_equal(resp.code, 200);
		api_response_fini(&resp);
	}
	assert_int_equal(check(f, &bob, res_attrs("get", "example.com",
	    "widgets", "", "default", "w"), why, sizeof(why)), 1);
}

static void
test_escalation(void **state)
{
	struct fixture *f = *state;
	struct auth_user alice = user_of("alice", "system:authenticated", NULL);
	struct auth_user root = user_of("root", "system:masters", NULL);
	const struct api_resource *roles = registry_find(
	    "rbac.authorization.k8s.io", "v1", "roles");
	const struct api_resource *rbs = registry_find(
	    "rbac.authorization.k8s.io", "v1", "rolebindings");
	struct ck_status st;
	cJSON *secrets = cJSON_Parse("{\"metadata\":{\"name\":\"sr\"},"
	    "\"rules\":[{\"verbs\":[\"get\"],\"apiGroups\":[\"\"],"
	    "\"resources\":[\"secrets\"]},{\"verbs\":[\"list\"],"
	    "\"apiGroups\":[\"\"],\"resources\":[\"pods\"]}]}");
	cJSON *pods = cJSON_Parse("{\"metadata\":{\"name\":\"pr\"},"
	    "\"rules\":[{\"verbs\":[\"get\",\"list\"],\"apiGroups\":[\"\"],"
	    "\"resources\":[\"pods\"]}]}");
	cJSON *bind_admin = cJSON_Parse("{\"metadata\":{\"name\":\"b\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\",\"kind\":"
	    "\"ClusterRole\",\"name\":\"admin\"},\"subjects\":[{\"kind\":"
	    "\"User\",\"name\":\"alice\"}]}");

	put(f, "roles", "default", POD_READER);
	put(f, "rolebindings", "default", "{\"metadata\":{\"name\":\"rb\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"Role\",\"name\":\"pod-reader\"},\"subjects\":[{\"kind\":"
	    "\"User\",\"name\":\"alice\"}]}");
	put(f, "clusterroles", "", "{\"metadata\":{\"name\":\"admin\"},"
	    "\"rules\":[{\"verbs\":[\"*\"],\"apiGroups\":[\"*\"],"
	    "\"resources\":[\"*\"]}]}");

	/* Her own rights: fine; more: refused with Kubernetes' wording. */
	ck_status_clear(&st);
	assert_int_equal(rbac_check_write(&f->srv, &alice, roles, "default",
	    pods, &st), 0);
	assert_int_equal(rbac_check_write(&f->srv, &alice, roles, "default",
	    secrets, &st), CK_EPERM);
	assert_int_equal(st.code, 403);
	assert_string_equal(st.message, "roles.rbac.authorization.k8s.io "
	    "\"sr\" is forbidden: user \"alice\" (groups=[\"system:"
	    "authenticated\"]) is attempting to grant RBAC permissions not "
	    "currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], "
	    "Verbs:[\"get\"]}");
	/* In another namespace she holds nothing. */
	assert_int_equal(rbac_check_write(&f->srv, &alice, roles, "dev",
	    pods, &st), CK_EPERM);
	/* Binding a role she does not hold: refused, then allowed by bind. */
	ck_status_clear(&st);
	assert_int_equal(rbac_check_write(&f->srv, &alice, rbs, "default",
	    bind_admin, &st), CK_EPERM);
	assert_non_null(strstr(st.message, "rolebindings.rbac.authorization"
	    ".k8s.io \"b\" is forbidden: user \"alice\""));
	assert_non_null(strstr(st.message, "{APIGroups:[\"*\"], "
	    "Resources:[\"*\"], Verbs:[\"*\"]}"));
	put(f, "roles", "default", "{\"metadata\":{\"name\":\"binder\"},"
	    "\"rules\":[{\"verbs\":[\"bind\"],\"apiGroups\":[\"rbac."
	    "authorization.k8s.io\"],\"resources\":[\"clusterroles\"],"
	    "\"resourceNames\":[\"admin\"]},{\"verbs\":[\"escalate\"],"
	    "\"apiGroups\":[\"rbac.authorization.k8s.io\"],\"resources\":"
	    "[\"roles\"]}]}");
	put(f, "rolebindings", "default", "{\"metadata\":{\"name\":\"rb2\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"Role\",\"name\":\"binder\"},\"subjects\":[{\"kind\":"
	    "\"User\",\"name\":\"alice\"}]}");
	assert_int_equal(rbac_check_write(&f->srv, &alice, rbs, "default",
	    bind_admin, &st), 0);
	/* escalate on roles: any rules. */
	assert_int_equal(rbac_check_write(&f->srv, &alice, roles, "default",
	    secrets, &st), 0);
	/* Exempt: system:masters, the insecure port. */
	assert_int_equal(rbac_check_write(&f->srv, &root, roles, "dev",
	    secrets, &st), 0);
	assert_int_equal(rbac_check_write(&f->srv, NULL, roles, "dev",
	    secrets, &st), 0);
	cJSON_Delete(secrets);
	cJSON_Delete(pods);
	cJSON_Delete(bind_admin);
}

/* ---- requests ---- */

static void
expect_attrs(const char *method, const char *path, const char *query_key,
    const char *query_val, const char *expect)
{
	struct api_request req;
	struct api_route rt;
	struct auth_attrs a;
	char got[512];

	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	if (query_key != NULL) {
		req.params[0].key = query_key;
		req.params[0].val = query_val;
		req.nparams = 1;
	}
	authz_request_attrs(&req, &rt, &a);
	if (a.resource_request)
		snprintf(got, sizeof(got), "%s %s/%s/%s/%s ns=%s name=%s",
		    a.verb, a.api_group, a.api_version, a.resource,
		    a.subresource, a.ns, a.name);
	else
		snprintf(got, sizeof(got), "%s url %s", a.verb, a.path);
	assert_string_equal(got, expect);
}

static void
test_attrs(void **state)
{
	(void)state;
	expect_attrs("GET", "/api/v1/namespaces/default/pods", NULL, NULL,
	    "list /v1/pods/ ns=default name=");
	expect_attrs("GET", "/api/v1/namespaces/default/pods", "watch", "1",
	    "watch /v1/pods/ ns=default name=");
	expect_attrs("GET", "/api/v1/watch/namespaces/default/pods", NULL,
	    NULL, "watch /v1/pods/ ns=default name=");
	expect_attrs("GET", "/api/v1/pods", "fieldSelector",
	    "metadata.name=p1", "list /v1/pods/ ns= name=p1");
	expect_attrs("GET", "/api/v1/namespaces/d/pods/p/log", NULL, NULL,
	    "get /v1/pods/log ns=d name=p");
	expect_attrs("POST", "/api/v1/namespaces/d/pods/p/eviction", NULL,
	    NULL, "create /v1/pods/eviction ns=d name=p");
	expect_attrs("POST", "/apis/apps/v1/namespaces/d/deployments", NULL,
	    NULL, "create apps/v1/deployments/ ns=d name=");
	expect_attrs("PUT", "/apis/apps/v1/namespaces/d/deployments/x/scale",
	    NULL, NULL, "update apps/v1/deployments/scale ns=d name=x");
	expect_attrs("PATCH", "/api/v1/nodes/n1/status", NULL, NULL,
	    "patch /v1/nodes/status ns= name=n1");
	expect_attrs("DELETE", "/api/v1/namespaces/d/pods", NULL, NULL,
	    "deletecollection /v1/pods/ ns=d name=");
	expect_attrs("DELETE", "/api/v1/namespaces/d/pods/p", NULL, NULL,
	    "delete /v1/pods/ ns=d name=p");
	/* A namespace is in itself. */
	expect_attrs("GET", "/api/v1/namespaces/foo", NULL, NULL,
	    "get /v1/namespaces/ ns=foo name=foo");
	expect_attrs("GET", "/api/v1/namespaces", NULL, NULL,
	    "list /v1/namespaces/ ns= name=");
	/* Aggregated APIs are resources too. */
	expect_attrs("GET", "/apis/metrics.k8s.io/v1beta1/nodes", NULL, NULL,
	    "list metrics.k8s.io/v1beta1/nodes/ ns= name=");
	/* Discovery, health, openapi: non-resource. */
	expect_attrs("GET", "/api", NULL, NULL, "get url /api");
	expect_attrs("GET", "/apis/apps/v1", NULL, NULL,
	    "get url /apis/apps/v1");
	expect_attrs("GET", "/healthz", NULL, NULL, "get url /healthz");
	expect_attrs("GET", "/openapi/v3", NULL, NULL, "get url /openapi/v3");
	expect_attrs("POST", "/version", NULL, NULL, "post url /version");
}

static void
test_forbidden_wording(void **state)
{
	struct auth_user alice = user_of("alice", NULL, NULL);
	struct ck_status st;

	(void)state;
	ck_status_clear(&st);
	authz_forbidden(&st, &alice, &(struct auth_attrs){ true, "list", "",
	    "v1", "pods", "", "default", "", "" }, "");
	assert_int_equal(st.code, 403);
	assert_string_equal(st.reason, "Forbidden");
	assert_string_equal(st.message, "pods is forbidden: User \"alice\" "
	    "cannot list resource \"pods\" in API group \"\" in the "
	    "namespace \"default\"");
	authz_forbidden(&st, &alice, &(struct auth_attrs){ true, "get", "",
	    "v1", "secrets", "", "default", "s", "" }, "");
	assert_string_equal(st.message, "secrets \"s\" is forbidden: User "
	    "\"alice\" cannot get resource \"secrets\" in API group \"\" in "
	    "the namespace \"default\"");
	assert_string_equal(st.name, "s");
	assert_string_equal(st.kind, "secrets");
	authz_forbidden(&st, &alice, &(struct auth_attrs){ true, "list",
	    "apps", "v1", "deployments", "scale", "", "", "" },
	    "RBAC: clusterrole.rbac.authorization.k8s.io \"x\" not found");
	assert_string_equal(st.message, "deployments.apps is forbidden: User "
	    "\"alice\" cannot list resource \"deployments/scale\" in API "
	    "group \"apps\" at the cluster scope: RBAC: clusterrole.rbac."
	    "authorization.k8s.io \"x\" not found");
	authz_forbidden(&st, &alice, &(struct auth_attrs){ false, "get", "",
	    "", "", "", "", "", "/metrics" }, "");
	assert_string_equal(st.message, "forbidden: User \"alice\" cannot get "
	    "path \"/metrics\"");
}

static void
test_modes(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(authz_config("RBAC,AlwaysAllow", err, sizeof(err)),
	    0);
	assert_true(authz_rbac_enabled());
	assert_int_equal(authz_config("ABAC", err, sizeof(err)), CK_EINVALID);
	assert_non_null(strstr(err, "\"ABAC\" is not supported"));
	assert_int_equal(authz_config("RBAC,RBAC", err, sizeof(err)),
	    CK_EINVALID);
	assert_int_equal(authz_config("AlwaysAllow", err, sizeof(err)), 0);
	assert_false(authz_rbac_enabled());
	/* AlwaysAllow: a user with no binding is allowed. */
	{
		struct auth_user u = user_of("x", NULL, NULL);
		struct auth_attrs a = res_attrs("delete", "", "nodes", "", "",
		    "n");

		assert_int_equal(authz_check(NULL, &u, &a, err, sizeof(err)),
		    1);
		assert_int_equal(authz_config("AlwaysDeny", err, sizeof(err)),
		    0);
		assert_int_equal(authz_check(NULL, &u, &a, err, sizeof(err)),
		    0);
	}
	assert_int_equal(authz_config("AlwaysAllow", err, sizeof(err)), 0);
}

/* Through api_handle: 403 before serving, then 200 once bound. */
static void
test_filter(void **state)
{
	struct fixture *f = *state;
	struct auth_user alice = user_of("alice", "system:authenticated", NULL);
	struct api_request req;
	struct api_response resp;
	cJSON *o;

	memset(&req, 0, sizeof(req));
	req.method = "GET";
	req.path = "/api/v1/namespaces/default/pods";
	req.user = &alice;
	api_handle(&f->srv, &req, &resp);
	assert_int_equal(resp.code, 403);
	o = cJSON_ParseWithLength(resp.body, resp.body_len);
	assert_string_equal(json_str(o, "message"), "pods is forbidden: User "
	    "\"alice\" cannot list resource \"pods\" in API group \"\" in the "
	    "namespace \"default\"");
	assert_string_equal(json_str(o, "reason"), "Forbidden");
	cJSON_Delete(o);
	api_response_fini(&resp);
	put(f, "roles", "default", POD_READER);
	put(f, "rolebindings", "default", "{\"metadata\":{\"name\":\"rb\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"Role\",\"name\":\"pod-reader\"},\"subjects\":[{\"kind\":"
	    "\"User\",\"name\":\"alice\"}]}");
	api_handle(&f->srv, &req, &resp);
	assert_int_equal(resp.code, 200);
	api_response_fini(&resp);
	/* The insecure port: no user, no check. */
	req.user = NULL;
	req.path = "/api/v1/nodes";
	api_handle(&f->srv, &req, &resp);
	assert_int_equal(resp.code, 200);
	api_response_fini(&resp);
}

/* The defaults: created once, bound as documented. */
static void
test_bootstrap(void **state)
{
	struct fixture *f = *state;
	struct auth_user sched = user_of("system:kube-scheduler",
	    "system:authenticated", NULL);
	struct auth_user rs = user_of("system:ckube:replicaset-controller",
	    "system:authenticated", NULL);
	struct auth_user node = user_of("system:node:n1", "system:nodes",
	    NULL);
	struct auth_user anon = user_of("system:anonymous",
	    "system:unauthenticated", NULL);
	struct auth_user alice = user_of("alice", "system:authenticated", NULL);
	char why[256];
	int64_t n1, n2;

	assert_int_equal(rbac_bootstrap(&f->srv), 0);
	assert_int_equal(store_count(f->srv.store,
	    "clusterroles.rbac.authorization.k8s.io", "", &n1), 0);
	assert_int_equal(rbac_bootstrap(&f->srv), 0);
	assert_int_equal(store_count(f->srv.store,
	    "clusterroles.rbac.authorization.k8s.io", "", &n2), 0);
	assert_int_equal(n1, n2);
	assert_true(n1 > 20);
	assert_int_equal(check(f, &sched, res_attrs("create", "", "pods",
	    "binding", "default", "p"), why, sizeof(why)), 1);
	assert_int_equal(check(f, &sched, res_attrs("delete", "", "nodes",
	    "", "", "n"), why, sizeof(why)), 0);
	assert_int_equal(check(f, &rs, res_attrs("create", "", "pods", "",
	    "default", ""), why, sizeof(why)), 1);
	assert_int_equal(check(f, &rs, res_attrs("create", "coordination"
	    ".k8s.io", "leases", "", "kube-system", ""), why, sizeof(why)), 1);
	assert_int_equal(check(f, &rs, res_attrs("get", "", "secrets", "",
	    "default", "s"), why, sizeof(why)), 0);
	assert_int_equal(check(f, &node, res_attrs("patch", "", "pods",
	    "status", "default", "p"), why, sizeof(why)), 1);
	assert_int_equal(check(f, &anon, url_attrs("get", "/healthz"), why,
	    sizeof(why)), 1);
	assert_int_equal(check(f, &anon, url_attrs("get", "/api"), why,
	    sizeof(why)), 0);
	assert_int_equal(check(f, &alice, url_attrs("get", "/apis/apps/v1"),
	    why, sizeof(why)), 1);
	assert_int_equal(check(f, &alice, res_attrs("create",
	    "authorization.k8s.io", "selfsubjectaccessreviews", "", "", ""),
	    why, sizeof(why)), 1);
	/* view, through the aggregated system:aggregate-to-view. */
	put(f, "rolebindings", "default", "{\"metadata\":{\"name\":\"v\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"ClusterRole\",\"name\":\"view\"},\"subjects\":[{\"kind\":"
	    "\"User\",\"name\":\"alice\"}]}");
	assert_int_equal(check(f, &alice, res_attrs("list", "", "pods", "",
	    "default", ""), why, sizeof(why)), 1);
	assert_int_equal(check(f, &alice, res_attrs("get", "", "secrets", "",
	    "default", "s"), why, sizeof(why)), 0);
	assert_int_equal(check(f, &alice, res_attrs("create", "", "pods", "",
	    "default", ""), why, sizeof(why)), 0);
	/* admin: edit's and view's too (aggregated twice over). */
	put(f, "rolebindings", "dev", "{\"metadata\":{\"name\":\"a\"},"
	    "\"roleRef\":{\"apiGroup\":\"rbac.authorization.k8s.io\","
	    "\"kind\":\"ClusterRole\",\"name\":\"admin\"},\"subjects\":[{\"kind\":"
	    "\"User\",\"name\":\"alice\"}]}");
	assert_int_equal(check(f, &alice, res_attrs("create", "rbac."
	    "authorization.k8s.io", "roles", "", "dev", ""), why, sizeof(why)),
	    1);
	assert_int_equal(check(f, &alice, res_attrs("delete", "", "secrets",
	    "", "dev", "s"), why, sizeof(why)), 1);
	assert_int_equal(check(f, &alice, res_attrs("list", "", "pods", "",
	    "dev", ""), why, sizeof(why)), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule_resources),
		cmocka_unit_test(test_rule_wildcards),
		cmocka_unit_test(test_rule_resource_names),
		cmocka_unit_test(test_rule_urls),
		cmocka_unit_test(test_subjects),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_aggregate),
		cmocka_unit_test(test_attrs),
		cmocka_unit_test(test_forbidden_wording),
		cmocka_unit_test(test_modes),
		cmocka_unit_test_setup_teardown(test_bindings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aggregation_in_cache,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_escalation, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bootstrap, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
