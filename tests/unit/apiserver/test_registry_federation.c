/*
 * Unit tests for registry.c's federation selection (semantics.md 8(a)):
 * the federated kinds, Clusters and DNSRecords are served; every other
 * resource is unknown (404), and field selectors still index right.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "apiserver.h"

static int
setup(void **state)
{
	(void)state;
	registry_use_federation();
	return 0;
}

static void
test_federation_serves_federated_kinds(void **state)
{
	static const char *const want[][3] = {
		{ "", "v1", "services" }, { "", "v1", "namespaces" },
		{ "", "v1", "secrets" }, { "", "v1", "configmaps" },
		{ "", "v1", "events" }, { "apps", "v1", "replicasets" },
		{ "apps", "v1", "deployments" },
		{ "extensions", "v1beta1", "replicasets" },
		{ "extensions", "v1beta1", "deployments" },
	};
	const struct api_resource *r;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(want); i++)
		assert_non_null(registry_find(want[i][0], want[i][1],
		    want[i][2]));
	r = registry_find("federation", "v1beta1", "clusters");
	assert_non_null(r);
	assert_false(r->namespaced);
	assert_string_equal(r->kind, "Cluster");
	assert_true(r->subresources & API_SUB_STATUS);
	r = registry_find("federation.ckube.io", "v1", "dnsrecords");
	assert_non_null(r);
	assert_true(r->namespaced);
	assert_string_equal(r->kind, "DNSRecord");
}

static void
test_federation_hides_cluster_kinds(void **state)
{
	(void)state;
	assert_null(registry_find("", "v1", "pods"));
	assert_null(registry_find("", "v1", "nodes"));
	assert_null(registry_find("apps", "v1", "daemonsets"));
	assert_null(registry_find("extensions", "v1beta1", "ingresses"));
	assert_null(registry_find("batch", "v1", "jobs"));
	assert_null(registry_find("events.k8s.io", "v1", "events"));
	assert_false(registry_has_group_version("batch", NULL));
	assert_false(registry_has_group_version("apps", "v1alpha1"));
	assert_true(registry_has_group_version("federation", "v1beta1"));
}

static void
test_federation_field_selectors(void **state)
{
	const char *const *fs;
	size_t i;
	bool type = false;

	(void)state;
	fs = registry_field_selectors(registry_find("", "v1", "secrets"));
	for (i = 0; fs[i] != NULL; i++)
		if (strcmp(fs[i], "type") == 0)
			type = true;
	assert_true(type);
	fs = registry_field_selectors(registry_find("federation", "v1beta1",
	    "clusters"));
	assert_string_equal(fs[0], "metadata.name");
	assert_null(fs[2]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_federation_serves_federated_kinds),
		cmocka_unit_test(test_federation_hides_cluster_kinds),
		cmocka_unit_test(test_federation_field_selectors),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
