/* Unit tests for apiserver/route.c and registry.c: URL parsing and lookups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/err.h"
#include "apiserver.h"

static int
parse(const char *method, const char *path, const char *query_key,
    const char *query_val, struct api_route *rt)
{
	struct api_request req;

	memset(&req, 0, sizeof(req));
	if (query_key != NULL) {
		req.params[0].key = query_key;
		req.params[0].val = query_val;
		req.nparams = 1;
	}
	return route_parse(method, path, &req, rt);
}

static void
test_route_namespaced_object(void **state)
{
	struct api_route rt;

	(void)state;
	assert_int_equal(parse("GET", "/api/v1/namespaces/default/pods/web",
			     NULL, NULL, &rt),
	    0);
	assert_string_equal(rt.group, "");
	assert_string_equal(rt.version, "v1");
	assert_string_equal(rt.resource, "pods");
	assert_string_equal(rt.ns, "default");
	assert_string_equal(rt.name, "web");
	assert_true(rt.has_ns);
	assert_int_equal(rt.verb, API_VERB_GET);
	assert_non_null(rt.res);
	assert_string_equal(rt.res->kind, "Pod");
}

static void
test_route_subresource_and_verbs(void **state)
{
	struct api_route rt;

	(void)state;
	assert_int_equal(parse("PUT", "/api/v1/namespaces/d/pods/web/status",
			     NULL, NULL, &rt),
	    0);
	assert_string_equal(rt.sub, "status");
	assert_int_equal(rt.verb, API_VERB_UPDATE);
	assert_int_equal(parse("POST", "/api/v1/namespaces/d/pods", NULL, NULL,
			     &rt),
	    0);
	assert_int_equal(rt.verb, API_VERB_CREATE);
	assert_int_equal(parse("DELETE", "/api/v1/namespaces/d/pods", NULL,
			     NULL, &rt),
	    0);
	assert_int_equal(rt.verb, API_VERB_DELETECOLLECTION);
	assert_int_equal(parse("PATCH", "/api/v1/nodes/n1", NULL, NULL, &rt),
	    0);
	assert_int_equal(rt.verb, API_VERB_PATCH);
	assert_false(rt.has_ns);
}

static void
test_route_namespace_object_itself(void **state)
{
	struct api_route rt;

	(void)state;
	assert_int_equal(parse("GET", "/api/v1/namespaces/kube-system", NULL,
			     NULL, &rt),
	    0);
	assert_string_equal(rt.resource, "namespaces");
	assert_string_equal(rt.name, "kube-system");
	assert_false(rt.has_ns);
	assert_int_equal(parse("PUT", "/api/v1/namespaces/x/finalize", NULL,
			     NULL, &rt),
	    0);
	assert_string_equal(rt.resource, "namespaces");
	assert_string_equal(rt.name, "x");
	assert_string_equal(rt.sub, "finalize");
}

static void
test_route_watch_forms(void **state)
{
	struct api_route rt;

	(void)state;
	assert_int_equal(parse("GET", "/api/v1/pods", "watch", "true", &rt), 0);
	assert_int_equal(rt.verb, API_VERB_WATCH);
	assert_int_equal(parse("GET", "/api/v1/pods", "watch", "1", &rt), 0);
	assert_int_equal(rt.verb, API_VERB_WATCH);
	assert_int_equal(parse("GET", "/api/v1/pods", "watch", "false", &rt),
	    0);
	assert_int_equal(rt.verb, API_VERB_LIST);
	/* Convert_Slice_string_To_bool: only 0 and false (any case) are false. */
	assert_int_equal(parse("GET", "/api/v1/pods", "watch", "True", &rt), 0);
	assert_int_equal(rt.verb, API_VERB_WATCH);
	assert_int_equal(parse("GET", "/api/v1/pods", "watch", "FALSE", &rt),
	    0);
	assert_int_equal(rt.verb, API_VERB_LIST);
	assert_int_equal(parse("GET", "/api/v1/pods", "watch", "0", &rt), 0);
	assert_int_equal(rt.verb, API_VERB_LIST);
	assert_int_equal(parse("GET", "/api/v1/watch/namespaces/d/pods", NULL,
			     NULL, &rt),
	    0);
	assert_int_equal(rt.verb, API_VERB_WATCH);
	assert_string_equal(rt.ns, "d");
}

static void
test_route_grouped_and_unknown(void **state)
{
	struct api_route rt;

	(void)state;
	assert_int_equal(parse("GET",
			     "/apis/coordination.k8s.io/v1/namespaces/x/"
			     "leases/l",
			     NULL, NULL, &rt),
	    0);
	assert_non_null(rt.res);
	assert_string_equal(rt.res->qualified, "leases.coordination.k8s.io");
	assert_int_equal(parse("GET", "/api/v1/namespaces/d/widgets", NULL,
			     NULL, &rt),
	    0);
	assert_null(rt.res);
	assert_int_equal(parse("GET", "/api/v1", NULL, NULL, &rt),
	    CK_ENOTFOUND);
	assert_int_equal(parse("GET", "/healthz", NULL, NULL, &rt),
	    CK_ENOTFOUND);
	assert_int_equal(parse("GET", "/api/v1/namespaces/d/pods/a/b/c", NULL,
			     NULL, &rt),
	    CK_ENOTFOUND);
	assert_int_equal(parse("GET", "/api/v1//pods", NULL, NULL, &rt),
	    CK_ENOTFOUND);
}

static void
test_registry_rows(void **state)
{
	const struct api_resource *r;
	const char *const *fs;
	char buf[64];
	int found = 0;

	(void)state;
	r = registry_find("", "v1", "pods");
	assert_non_null(r);
	assert_true(r->namespaced);
	assert_true(r->subresources & API_SUB_BINDING);
	fs = registry_field_selectors(r);
	for (; *fs != NULL; fs++)
		if (strcmp(*fs, "spec.nodeName") == 0 ||
		    strcmp(*fs, "metadata.name") == 0)
			found++;
	assert_int_equal(found, 2);
	r = registry_find("", "v1", "nodes");
	assert_false(r->namespaced);
	r = registry_find("coordination.k8s.io", "v1", "leases");
	assert_string_equal(registry_api_version(r, buf, sizeof(buf)),
	    "coordination.k8s.io/v1");
	assert_true(registry_has_group_version("coordination.k8s.io", "v1"));
	assert_true(registry_has_group_version("apps", "v1"));
	assert_true(registry_has_group_version("batch", NULL));
	assert_false(registry_has_group_version("nosuch.io", NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_namespaced_object),
		cmocka_unit_test(test_route_subresource_and_verbs),
		cmocka_unit_test(test_route_namespace_object_itself),
		cmocka_unit_test(test_route_watch_forms),
		cmocka_unit_test(test_route_grouped_and_unknown),
		cmocka_unit_test(test_registry_rows),
	};

	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
