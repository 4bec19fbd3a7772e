/*
 * Unit tests for apiserver/ns_cache.c: namespace states and pod-security
 * labels follow the commit hook; a store read fills in only what no
 * commit has told yet, so a read that raced with a change cannot undo it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ns_cache.h"
#include "store/store.h"

/* A commit of namespace name with labels (JSON object text or NULL). */
static void
commit(struct ns_cache *nc, enum store_event_type type, const char *name,
    const char *labels, const char *phase)
{
	char body[512], res[] = "namespaces", ns[] = "", nm[64];
	struct store_event ev = { .rv = 1, .type = type };

	snprintf(body, sizeof(body), "{\"metadata\":{\"name\":\"%s\"%s%s},"
	    "\"status\":{\"phase\":\"%s\"}}", name, labels ? ",\"labels\":" : "",
	    labels ? labels : "", phase);
	snprintf(nm, sizeof(nm), "%s", name);
	ev.resource = res;
	ev.ns = ns;
	ev.name = nm;
	ev.body = body;
	ev.body_len = strlen(body);
	ns_cache_observe(nc, &ev);
}

/* The cached enforce label of ns, "-" when it has none, "?" when unknown. */
static const char *
enforce(struct ns_cache *nc, const char *ns, char *buf, size_t len)
{
	cJSON *l;
	const cJSON *v;

	if (!ns_cache_psa_labels(nc, ns, &l))
		return "?";
	v = cJSON_GetObjectItemCaseSensitive(l,
	    "pod-security.kubernetes.io/enforce");
	snprintf(buf, len, "%s", cJSON_IsString(v) ? v->valuestring : "-");
	cJSON_Delete(l);
	return buf;
}

static void
test_psa_labels_follow_commits(void **state)
{
	struct ns_cache *nc = ns_cache_new();
	cJSON *store_labels;
	char b[64];

	(void)state;
	assert_string_equal(enforce(nc, "a", b, sizeof(b)), "?");
	commit(nc, STORE_ADDED, "a", "{\"app\":\"x\"}", "Active");
	assert_int_equal(ns_cache_lookup(nc, "a"), NS_ACTIVE);
	assert_string_equal(enforce(nc, "a", b, sizeof(b)), "-");
	commit(nc, STORE_MODIFIED, "a", "{\"app\":\"x\","
	    "\"pod-security.kubernetes.io/enforce\":\"restricted\"}", "Active");
	assert_string_equal(enforce(nc, "a", b, sizeof(b)), "restricted");
	/* A stale store read after the commit changes nothing. */
	store_labels = cJSON_Parse("{\"pod-security.kubernetes.io/enforce\":"
	    "\"baseline\"}");
	ns_cache_fill_psa(nc, "a", store_labels);
	assert_string_equal(enforce(nc, "a", b, sizeof(b)), "restricted");
	commit(nc, STORE_MODIFIED, "a", NULL, "Terminating");
	assert_int_equal(ns_cache_lookup(nc, "a"), NS_TERMINATING);
	assert_string_equal(enforce(nc, "a", b, sizeof(b)), "-");
	/* A namespace known from a store read only: its labels are filled. */
	ns_cache_fill(nc, "b", NS_ACTIVE);
	assert_string_equal(enforce(nc, "b", b, sizeof(b)), "?");
	ns_cache_fill_psa(nc, "b", store_labels);
	assert_string_equal(enforce(nc, "b", b, sizeof(b)), "baseline");
	/* One never seen gets no entry from a fill. */
	ns_cache_fill_psa(nc, "c", store_labels);
	assert_string_equal(enforce(nc, "c", b, sizeof(b)), "?");
	commit(nc, STORE_DELETED, "b", NULL, "Terminating");
	assert_int_equal(ns_cache_lookup(nc, "b"), NS_ABSENT);
	assert_string_equal(enforce(nc, "b", b, sizeof(b)), "-");
	ns_cache_fill_psa(nc, "b", store_labels);
	assert_string_equal(enforce(nc, "b", b, sizeof(b)), "-");
	cJSON_Delete(store_labels);
	/* No cache: always unknown. */
	assert_string_equal(enforce(NULL, "a", b, sizeof(b)), "?");
	ns_cache_fill_psa(NULL, "a", NULL);
	ns_cache_free(nc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_psa_labels_follow_commits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
