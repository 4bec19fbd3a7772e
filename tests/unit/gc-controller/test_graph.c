/*
 * test_graph.c: graph.c on its own: nodes and edges from observed objects,
 * virtual owners queued for verification, deletes queueing dependents and
 * waiting owners, the transitions into orphaning and foreground deletion,
 * removed blocking references, and absent owners.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/kobj.h"
#include "graph.h"

/* An object: owners is a JSON array text or NULL; extra goes in metadata. */
static struct kobj *
obj(const char *name, const char *uid, const char *owners, const char *extra)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"ConfigMap\",\"metadata\":{\"name\":\"%s\",\"namespace\":"
	    "\"default\",\"uid\":\"%s\"%s%s%s%s}}", name, uid,
	    owners ? ",\"ownerReferences\":" : "", owners ? owners : "",
	    extra ? "," : "", extra ? extra : "");
	return kobj_freeze(kobj_parse(buf, strlen(buf)));
}

static const char *
ref(const char *name, const char *uid, int block)
{
	static char buf[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"ConfigMap\",\"name\":\"%s\",\"uid\":\"%s\"%s}", name, uid,
	    block ? ",\"blockOwnerDeletion\":true" : "");
	return buf[k];
}

static bool
has(const struct graph_uids *u, const char *uid)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (strcmp(u->uid[i], uid) == 0)
			return true;
	return false;
}

static void
observe(struct graph *g, enum graph_event ev, struct kobj *old_obj,
    struct kobj *o, struct graph_actions *a)
{
	graph_actions_fini(a);
	graph_observe(g, ev, old_obj, o, a);
	kobj_unref(old_obj);
	kobj_unref(o);
}

static void
test_graph_virtual_owner_then_observed(void **state)
{
	struct graph *g = graph_new();
	struct graph_actions a = { 0 };
	struct graph_snapshot s;
	char owners[300];

	(void)state;
	snprintf(owners, sizeof(owners), "[%s]", ref("o", "uo", 0));
	observe(g, GRAPH_ADD, NULL, obj("d", "ud", owners, NULL), &a);
	/* Does it exist? */
	assert_true(has(&a.attempt_to_delete, "uo"));
	assert_int_equal(graph_len(g), 2);
	assert_int_equal(graph_virtual_len(g), 1);
	assert_true(graph_snapshot(g, "uo", &s));
	assert_true(s.virtual);
	assert_int_equal(s.ndeps, 1);
	assert_string_equal(s.deps[0].uid, "ud");
	graph_snapshot_fini(&s);
	observe(g, GRAPH_ADD, NULL, obj("o", "uo", NULL, NULL), &a);
	assert_int_equal(graph_virtual_len(g), 0);
	assert_int_equal(a.attempt_to_delete.n, 0);
	assert_true(graph_snapshot(g, "uo", &s));
	assert_false(s.virtual);
	assert_int_equal(s.ndeps, 1);
	graph_snapshot_fini(&s);
	graph_actions_fini(&a);
	graph_free(g);
}

/*
 * A node's identity: a virtual owner takes its dependent's namespace and
 * its reference's apiVersion, kind and name; observed under another name
 * it takes the object's and its dependents are queued. Over-long fields
 * are cut to graph_identity's sizes, as before the strings were packed.
 */
static void
test_graph_identity(void **state)
{
	struct graph *g = graph_new();
	struct graph_actions a = { 0 };
	struct graph_snapshot s;
	char owners[300], extra[600], longname[400];

	(void)state;
	snprintf(owners, sizeof(owners), "[%s]", ref("o", "uo", 0));
	observe(g, GRAPH_ADD, NULL, obj("d", "ud", owners, NULL), &a);
	assert_true(graph_snapshot(g, "uo", &s));
	assert_string_equal(s.id.api_version, "v1");
	assert_string_equal(s.id.kind, "ConfigMap");
	assert_string_equal(s.id.ns, "default");
	assert_string_equal(s.id.name, "o");
	assert_string_equal(s.id.uid, "uo");
	graph_snapshot_fini(&s);
	observe(g, GRAPH_ADD, NULL, obj("renamed", "uo", NULL, NULL), &a);
	assert_true(has(&a.attempt_to_delete, "ud"));
	assert_true(graph_snapshot(g, "uo", &s));
	assert_false(s.virtual);
	assert_string_equal(s.id.name, "renamed");
	assert_int_equal(s.ndeps, 1);
	graph_snapshot_fini(&s);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	snprintf(extra, sizeof(extra), "\"labels\":{\"x\":\"%.8s\"}", longname);
	observe(g, GRAPH_ADD, NULL, obj(longname, "ul", NULL, extra), &a);
	assert_true(graph_snapshot(g, "ul", &s));
	assert_int_equal(strlen(s.id.name), sizeof(s.id.name) - 1);
	assert_string_equal(s.id.uid, "ul");
	graph_snapshot_fini(&s);
	observe(g, GRAPH_DELETE, NULL, obj("d", "ud", owners, NULL), &a);
	assert_int_equal(graph_len(g), 2);
	graph_actions_fini(&a);
	graph_free(g);
}

static void
test_graph_delete_queues_dependents(void **state)
{
	struct graph *g = graph_new();
	struct graph_actions a = { 0 };
	char owners[300];

	(void)state;
	observe(g, GRAPH_ADD, NULL, obj("o", "uo", NULL, NULL), &a);
	snprintf(owners, sizeof(owners), "[%s]", ref("o", "uo", 0));
	observe(g, GRAPH_ADD, NULL, obj("d1", "u1", owners, NULL), &a);
	observe(g, GRAPH_ADD, NULL, obj("d2", "u2", owners, NULL), &a);
	assert_int_equal(a.attempt_to_delete.n, 0);
	observe(g, GRAPH_DELETE, NULL, obj("o", "uo", NULL, NULL), &a);
	assert_int_equal(a.attempt_to_delete.n, 2);
	assert_true(has(&a.attempt_to_delete, "u1"));
	assert_true(has(&a.attempt_to_delete, "u2"));
	assert_int_equal(graph_len(g), 2);
	/* A dependent's delete leaves nothing behind. */
	observe(g, GRAPH_DELETE, NULL, obj("d1", "u1", owners, NULL), &a);
	assert_int_equal(graph_len(g), 1);
	graph_actions_fini(&a);
	graph_free(g);
}

static void
test_graph_orphan_transition(void **state)
{
	struct graph *g = graph_new();
	struct graph_actions a = { 0 };
	const char *del = "\"deletionTimestamp\":\"2026-01-01T00:00:00Z\","
	    "\"finalizers\":[\"orphan\"]";

	(void)state;
	observe(g, GRAPH_ADD, NULL, obj("o", "uo", NULL, NULL), &a);
	observe(g, GRAPH_UPDATE, obj("o", "uo", NULL, NULL),
	    obj("o", "uo", NULL, del), &a);
	assert_int_equal(a.attempt_to_orphan.n, 1);
	assert_string_equal(a.attempt_to_orphan.uid[0], "uo");
	/* Only the transition queues it. */
	observe(g, GRAPH_UPDATE, obj("o", "uo", NULL, del),
	    obj("o", "uo", NULL, del), &a);
	assert_int_equal(a.attempt_to_orphan.n, 0);
	/* A restarted collector sees it as an add. */
	observe(g, GRAPH_DELETE, NULL, obj("o", "uo", NULL, del), &a);
	observe(g, GRAPH_ADD, NULL, obj("o", "uo", NULL, del), &a);
	assert_int_equal(a.attempt_to_orphan.n, 1);
	graph_actions_fini(&a);
	graph_free(g);
}

static void
test_graph_foreground_transition(void **state)
{
	struct graph *g = graph_new();
	struct graph_actions a = { 0 };
	struct graph_snapshot s;
	const char *del = "\"deletionTimestamp\":\"2026-01-01T00:00:00Z\","
	    "\"finalizers\":[\"foregroundDeletion\"]";
	char owners[300];

	(void)state;
	observe(g, GRAPH_ADD, NULL, obj("o", "uo", NULL, NULL), &a);
	snprintf(owners, sizeof(owners), "[%s]", ref("o", "uo", 1));
	observe(g, GRAPH_ADD, NULL, obj("d", "ud", owners, NULL), &a);
	observe(g, GRAPH_UPDATE, obj("o", "uo", NULL, NULL),
	    obj("o", "uo", NULL, del), &a);
	assert_true(has(&a.attempt_to_delete, "ud"));
	assert_true(has(&a.attempt_to_delete, "uo"));
	assert_true(graph_snapshot(g, "uo", &s));
	assert_true(s.deleting_dependents);
	assert_true(s.being_deleted);
	assert_int_equal(s.ndeps, 1);
	assert_true(s.deps[0].blocks);
	graph_snapshot_fini(&s);
	/* The dependent drops its blocking reference: the owner is queued. */
	observe(g, GRAPH_UPDATE, obj("d", "ud", owners, NULL),
	    obj("d", "ud", NULL, NULL), &a);
	assert_true(has(&a.attempt_to_delete, "uo"));
	assert_true(graph_snapshot(g, "uo", &s));
	assert_int_equal(s.ndeps, 0);
	graph_snapshot_fini(&s);
	/* A dependent deleted: the waiting owner is queued too. */
	observe(g, GRAPH_UPDATE, obj("d", "ud", NULL, NULL),
	    obj("d", "ud", owners, NULL), &a);
	observe(g, GRAPH_DELETE, NULL, obj("d", "ud", owners, NULL), &a);
	assert_true(has(&a.attempt_to_delete, "uo"));
	graph_actions_fini(&a);
	graph_free(g);
}

static void
test_graph_absent_and_two_owners(void **state)
{
	struct graph *g = graph_new();
	struct graph_actions a = { 0 };
	struct graph_snapshot s;
	char owners[600];

	(void)state;
	snprintf(owners, sizeof(owners), "[%s,%s]", ref("a", "ua", 0),
	    ref("b", "ub", 0));
	observe(g, GRAPH_ADD, NULL, obj("d", "ud", owners, NULL), &a);
	assert_int_equal(graph_virtual_len(g), 2);
	graph_actions_fini(&a);
	graph_absent(g, "ua", &a);
	assert_true(has(&a.attempt_to_delete, "ud"));
	assert_int_equal(graph_virtual_len(g), 1);
	assert_false(graph_snapshot(g, "ua", &s));
	assert_true(graph_snapshot(g, "ub", &s));
	assert_int_equal(s.ndeps, 1);
	graph_snapshot_fini(&s);
	graph_actions_fini(&a);
	graph_absent(g, "nosuch", &a);
	assert_int_equal(a.attempt_to_delete.n, 0);
	graph_actions_fini(&a);
	graph_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_graph_virtual_owner_then_observed),
		cmocka_unit_test(test_graph_identity),
		cmocka_unit_test(test_graph_delete_queues_dependents),
		cmocka_unit_test(test_graph_orphan_transition),
		cmocka_unit_test(test_graph_foreground_transition),
		cmocka_unit_test(test_graph_absent_and_two_owners),
	};

	return cmocka_run_group_tests_name("graph", tests, NULL, NULL);
}
