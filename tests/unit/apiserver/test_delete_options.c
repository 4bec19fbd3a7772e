/*
 * Unit tests of delete_options.c: DeleteOptions parsing (422s) and the
 * propagation policy mapped onto the orphan / foregroundDeletion finalizers
 * with the per-API-version defaults (semantics.md 5(b) step 1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "delete_options.h"

static char *
fins_after(const char *meta_json, enum delete_policy p, enum delete_policy d,
    bool *changed)
{
	cJSON *meta = cJSON_Parse(meta_json);
	cJSON *f;
	char *out;

	*changed = delete_apply_policy(meta, p, d);
	f = cJSON_GetObjectItemCaseSensitive(meta, "finalizers");
	out = f != NULL ? cJSON_PrintUnformatted(f) : strdup("none");
	cJSON_Delete(meta);
	return out;
}

static void
expect_fins(const char *meta, enum delete_policy p, enum delete_policy d,
    const char *want, bool want_changed)
{
	bool changed;
	char *got = fins_after(meta, p, d, &changed);

	assert_string_equal(got, want);
	assert_int_equal(changed, want_changed);
	free(got);
}

static void
test_delete_options_policies(void **state)
{
	(void)state;
	expect_fins("{}", DELETE_POLICY_ORPHAN, DELETE_POLICY_BACKGROUND,
	    "[\"orphan\"]", true);
	expect_fins("{\"finalizers\":[\"x\",\"orphan\"]}",
	    DELETE_POLICY_FOREGROUND, DELETE_POLICY_BACKGROUND,
	    "[\"x\",\"foregroundDeletion\"]", true);
	expect_fins("{\"finalizers\":[\"orphan\",\"foregroundDeletion\"]}",
	    DELETE_POLICY_BACKGROUND, DELETE_POLICY_ORPHAN, "none", true);
	expect_fins("{}", DELETE_POLICY_BACKGROUND, DELETE_POLICY_ORPHAN,
	    "none", false);
	expect_fins("{\"finalizers\":[\"x\"]}", DELETE_POLICY_BACKGROUND,
	    DELETE_POLICY_BACKGROUND, "[\"x\"]", false);
	/* Unset: an existing GC finalizer stands, else the default. */
	expect_fins("{\"finalizers\":[\"foregroundDeletion\"]}",
	    DELETE_POLICY_UNSET, DELETE_POLICY_ORPHAN,
	    "[\"foregroundDeletion\"]", false);
	expect_fins("{}", DELETE_POLICY_UNSET, DELETE_POLICY_ORPHAN,
	    "[\"orphan\"]", true);
	expect_fins("{}", DELETE_POLICY_UNSET, DELETE_POLICY_BACKGROUND,
	    "none", false);
	expect_fins("{\"finalizers\":[\"orphan\"]}", DELETE_POLICY_ORPHAN,
	    DELETE_POLICY_BACKGROUND, "[\"orphan\"]", false);
}

static void
test_delete_options_defaults(void **state)
{
	(void)state;
	assert_int_equal(delete_default_policy("", "v1",
	    "replicationcontrollers"), DELETE_POLICY_ORPHAN);
	assert_int_equal(delete_default_policy("", "v1", "pods"),
	    DELETE_POLICY_BACKGROUND);
	assert_int_equal(delete_default_policy("batch", "v1", "jobs"),
	    DELETE_POLICY_ORPHAN);
	assert_int_equal(delete_default_policy("batch", "v1", "cronjobs"),
	    DELETE_POLICY_BACKGROUND);
	assert_int_equal(delete_default_policy("extensions", "v1beta1",
	    "replicasets"), DELETE_POLICY_ORPHAN);
	assert_int_equal(delete_default_policy("apps", "v1beta1",
	    "statefulsets"), DELETE_POLICY_ORPHAN);
	assert_int_equal(delete_default_policy("apps", "v1beta2",
	    "daemonsets"), DELETE_POLICY_ORPHAN);
	assert_int_equal(delete_default_policy("apps", "v1", "deployments"),
	    DELETE_POLICY_BACKGROUND);
	assert_int_equal(delete_default_policy("extensions", "v1beta1",
	    "networkpolicies"), DELETE_POLICY_BACKGROUND);
}

static int
parse(const char *body, struct delete_opts *o, struct ck_status *st)
{
	cJSON *b = cJSON_Parse(body);
	int rc;

	delete_opts_init(o);
	ck_status_clear(st);
	rc = delete_opts_from_json(b, o, st);
	cJSON_Delete(b);
	return rc;
}

static void
test_delete_options_parse(void **state)
{
	struct delete_opts o;
	struct ck_status st;

	(void)state;
	assert_int_equal(parse("{\"propagationPolicy\":\"Foreground\","
	    "\"gracePeriodSeconds\":5,\"preconditions\":{\"uid\":\"u\","
	    "\"resourceVersion\":\"7\"}}", &o, &st), 0);
	assert_int_equal(o.policy, DELETE_POLICY_FOREGROUND);
	assert_int_equal(o.grace, 5);
	assert_string_equal(o.uid, "u");
	assert_int_equal(o.rv, 7);
	assert_int_equal(parse("{\"orphanDependents\":false}", &o, &st), 0);
	assert_int_equal(o.policy, DELETE_POLICY_BACKGROUND);
	assert_true(o.orphan_false);
	assert_int_equal(parse("{\"orphanDependents\":true}", &o, &st), 0);
	assert_int_equal(o.policy, DELETE_POLICY_ORPHAN);
	assert_int_equal(parse("{}", &o, &st), 0);
	assert_int_equal(o.policy, DELETE_POLICY_UNSET);
	assert_int_equal(o.grace, -1);
	assert_int_equal(parse("{\"orphanDependents\":true,"
	    "\"propagationPolicy\":\"Orphan\"}", &o, &st), CK_EINVALID);
	assert_int_equal(st.code, 422);
	assert_non_null(strstr(st.message, "orphanDependents and "
	    "deletionPropagation cannot be both set"));
	assert_int_equal(parse("{\"propagationPolicy\":\"Up\"}", &o, &st),
	    CK_EINVALID);
	assert_non_null(strstr(st.message, "Unsupported value: \"Up\""));
	assert_int_equal(parse("{\"propagationPolicy\":3}", &o, &st),
	    CK_EBADREQ);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_delete_options_policies),
		cmocka_unit_test(test_delete_options_defaults),
		cmocka_unit_test(test_delete_options_parse),
	};

	return cmocka_run_group_tests_name("delete_options", tests, NULL, NULL);
}
