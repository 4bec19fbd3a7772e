/* Unit tests for common/kobj.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/kobj.h"

static const char pod_json[] =
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
    "\"metadata\":{\"name\":\"web-0\",\"namespace\":\"default\",\"uid\":\"u-1\","
    "\"resourceVersion\":\"42\",\"generation\":3,"
    "\"labels\":{\"app\":\"web\",\"app.kubernetes.io/name\":\"w\"},"
    "\"annotations\":{\"a\":\"b\"},"
    "\"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":\"rs1\"},"
    "{\"kind\":\"StatefulSet\",\"name\":\"web\",\"controller\":true}]},"
    "\"spec\":{\"containers\":[{\"name\":\"c0\",\"image\":\"nginx\"},"
    "{\"name\":\"c1\",\"ports\":[{\"containerPort\":80}]}],\"hostNetwork\":true,"
    "\"big\":1e300,\"half\":1.5,\"nil\":null},"
    "\"status\":{\"phase\":\"Running\",\"conditions\":[{\"type\":\"Ready\","
    "\"status\":\"True\"},{\"type\":\"Initialized\",\"status\":\"False\"}]}}";

#define P(lit)	kobj_parse(lit, sizeof(lit) - 1)

static int
setup(void **state)
{
	*state = kobj_parse(pod_json, sizeof(pod_json) - 1);
	return *state == NULL ? -1 : 0;
}

/* The same pod in the compact form caches hold. */
static int
setup_compact(void **state)
{
	struct kobj *o = kobj_parse(pod_json, sizeof(pod_json) - 1);

	if (o == NULL)
		return -1;
	*state = kobj_compact(kobj_freeze(o));
	kobj_unref(o);
	return kobj_is_compact(*state) ? 0 : -1;
}

static int
teardown(void **state)
{
	kobj_unref(*state);
	return 0;
}

static void
test_kobj_metadata(void **state)
{
	struct kobj *o = *state;
	struct kobj *c;

	assert_string_equal(kobj_name(o), "web-0");
	assert_string_equal(kobj_namespace(o), "default");
	assert_string_equal(kobj_uid(o), "u-1");
	assert_string_equal(kobj_resource_version(o), "42");
	assert_string_equal(kobj_kind(o), "Pod");
	assert_string_equal(kobj_api_version(o), "v1");
	assert_string_equal(kobj_key(o), "default/web-0");
	c = P("{\"metadata\":{\"name\":\"n1\"}}");
	assert_non_null(c);
	assert_string_equal(kobj_key(c), "n1");
	assert_string_equal(kobj_namespace(c), "");
	assert_string_equal(kobj_uid(c), "");
	assert_string_equal(kobj_kind(c), "");
	kobj_unref(c);
	c = P("{\"metadata\":7,\"kind\":1}");
	assert_string_equal(kobj_key(c), "");
	assert_string_equal(kobj_name(c), "");
	assert_string_equal(kobj_kind(c), "");
	kobj_unref(c);
}

static void
test_kobj_parse_rejects(void **state)
{
	(void)state;
	assert_null(P("[]"));
	assert_null(P("\"x\""));
	assert_null(P("{"));
	assert_null(P(""));
	assert_null(kobj_parse(NULL, 0));
	assert_null(P("{}garbage"));
	assert_null(P("{} x"));
	assert_null(kobj_new_take(NULL));
	assert_null(kobj_new_take(cJSON_CreateArray()));	/* consumed: no leak */
}

static void
test_kobj_parse_len_is_respected(void **state)
{
	struct kobj *o = kobj_parse("{\"a\":1}xyz", 7);

	(void)state;
	assert_non_null(o);
	assert_int_equal(kobj_get_int_or(o, "a", 0), 1);
	kobj_unref(o);
	o = P("{\"a\":1} \n\t");
	assert_non_null(o);
	kobj_unref(o);
}

static void
test_kobj_get_paths(void **state)
{
	struct kobj *o = *state;
	int64_t v;

	assert_string_equal(kobj_get_str(o, "status.phase"), "Running");
	assert_string_equal(kobj_get_str(o, "spec.containers[1].name"), "c1");
	assert_int_equal(kobj_get_int_or(o, "spec.containers[1].ports[0].containerPort", 0), 80);
	assert_null(kobj_get(o, "spec.containers[2]"));
	assert_null(kobj_get(o, "spec.containers.name"));
	assert_null(kobj_get(o, "spec[0]"));
	assert_null(kobj_get(o, "status.phase.x"));
	assert_null(kobj_get(o, "nope"));
	assert_null(kobj_get(o, ""));
	assert_null(kobj_get(o, NULL));
	assert_null(kobj_get(o, "spec..x"));
	assert_null(kobj_get(o, ".spec"));
	assert_null(kobj_get(o, "spec."));
	assert_null(kobj_get(o, "spec.containers[x]"));
	assert_null(kobj_get(o, "spec.containers[0"));
	assert_null(kobj_get(o, "spec.containers[0]x"));
	assert_null(kobj_get(o, "spec.containers[99999999999]"));
	assert_null(kobj_get_str(o, "metadata.generation"));
	assert_true(cJSON_IsObject(kobj_get(o, "spec")));
	assert_int_equal(kobj_get_int(o, "metadata.generation", &v), 0);
	assert_int_equal(v, 3);
	assert_int_equal(kobj_get_int(o, "metadata.name", &v), CK_EINVALID);
	assert_int_equal(kobj_get_int(o, "spec.half", &v), CK_EINVALID);
	assert_int_equal(kobj_get_int(o, "spec.big", &v), CK_EINVALID);
	assert_int_equal(kobj_get_int(o, "spec.nil", &v), CK_ENOTFOUND);
	assert_int_equal(kobj_get_int(o, "spec.none", &v), CK_ENOTFOUND);
	assert_int_equal(kobj_get_int_or(o, "spec.none", -7), -7);
	assert_true(kobj_get_bool(o, "spec.hostNetwork", false));
	assert_false(kobj_get_bool(o, "spec.none", false));
	assert_true(kobj_get_bool(o, "metadata.name", true));
	/* case-sensitive */
	assert_null(kobj_get(o, "Status.phase"));
}

static void
test_kobj_labels_refs_conditions(void **state)
{
	struct kobj *o = *state, *bare;
	const cJSON *r;

	assert_true(cJSON_IsObject(kobj_labels(o)));
	assert_string_equal(kobj_label(o, "app"), "web");
	assert_string_equal(kobj_label(o, "app.kubernetes.io/name"), "w");
	assert_null(kobj_label(o, "nope"));
	assert_null(kobj_label(o, NULL));
	assert_string_equal(kobj_annotation(o, "a"), "b");
	assert_null(kobj_annotation(o, "app"));
	r = kobj_controller_ref(o);
	assert_non_null(r);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(r, "name")->valuestring, "web");
	assert_string_equal(kobj_controller_ref_str(o, "kind"), "StatefulSet");
	assert_null(kobj_controller_ref_str(o, "uid"));
	{
		cJSON *copy = kobj_get_copy(o, "spec.containers");

		assert_int_equal(cJSON_GetArraySize(copy), 2);
		assert_true(cJSON_Compare(copy, kobj_get(o, "spec.containers"), 1));
		cJSON_Delete(copy);
		assert_null(kobj_get_copy(o, "spec.none"));
	}
	assert_non_null(kobj_condition(o, "Ready"));
	assert_string_equal(kobj_condition_status(o, "Ready"), "True");
	assert_string_equal(kobj_condition_status(o, "Initialized"), "False");
	assert_null(kobj_condition(o, "PodScheduled"));
	assert_null(kobj_condition_status(o, "PodScheduled"));
	assert_null(kobj_condition(o, NULL));
	bare = kobj_new("v1", "ConfigMap");
	assert_null(kobj_labels(bare));
	assert_null(kobj_label(bare, "x"));
	assert_null(kobj_annotation(bare, "x"));
	assert_null(kobj_controller_ref(bare));
	assert_null(kobj_condition(bare, "Ready"));
	assert_string_equal(kobj_kind(bare), "ConfigMap");
	kobj_unref(bare);
	bare = P("{\"metadata\":{\"ownerReferences\":[{\"controller\":false}]}}");
	assert_non_null(bare);
	assert_null(kobj_controller_ref(bare));
	assert_null(kobj_controller_ref_str(bare, "uid"));
	kobj_unref(bare);
}

static void
test_kobj_setters(void **state)
{
	struct kobj *o = kobj_new(NULL, NULL);
	char *s;

	(void)state;
	assert_string_equal(kobj_key(o), "");
	assert_int_equal(kobj_set_str(o, "metadata.name", "x"), 0);
	assert_string_equal(kobj_key(o), "x");
	assert_int_equal(kobj_set_str(o, "metadata.namespace", "ns"), 0);
	assert_string_equal(kobj_key(o), "ns/x");
	assert_int_equal(kobj_set_str(o, "spec.template.metadata.name", "t"), 0);
	assert_string_equal(kobj_get_str(o, "spec.template.metadata.name"), "t");
	assert_int_equal(kobj_set_int(o, "spec.replicas", 3), 0);
	assert_int_equal(kobj_set_int(o, "spec.replicas", 4), 0);	/* replace */
	assert_int_equal(kobj_set_bool(o, "spec.paused", true), 0);
	assert_int_equal(kobj_set_json(o, "spec.list", cJSON_Parse("[{\"a\":1},{\"a\":2}]")), 0);
	assert_int_equal(kobj_set_str(o, "spec.list[1].a", "two"), 0);
	assert_int_equal(kobj_set_str(o, "spec.list[0].b.c", "deep"), 0);
	assert_int_equal(kobj_set_json(o, "spec.list[0]", cJSON_CreateString("s")), 0);
	assert_int_equal(kobj_set_str(o, "spec.nullstr", NULL), 0);
	s = kobj_print(o);
	assert_string_equal(s, "{\"metadata\":{\"name\":\"x\",\"namespace\":\"ns\"},"
	    "\"spec\":{\"template\":{\"metadata\":{\"name\":\"t\"}},\"replicas\":4,"
	    "\"paused\":true,\"list\":[\"s\",{\"a\":\"two\"}],\"nullstr\":\"\"}}");
	free(s);
	assert_int_equal(kobj_delete(o, "spec.list[0]"), 0);
	assert_int_equal(kobj_delete(o, "spec.template"), 0);
	assert_int_equal(kobj_delete(o, "spec.nothing.here"), 0);
	assert_int_equal(kobj_delete(o, "spec.list[5]"), 0);
	assert_int_equal(kobj_delete(o, "spec.replicas.x"), CK_EINVALID);
	assert_int_equal(kobj_delete(o, "metadata.namespace"), 0);
	assert_string_equal(kobj_key(o), "x");
	assert_int_equal(kobj_delete(o, ""), CK_EINVALID);
	s = kobj_print(o);
	assert_string_equal(s, "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"replicas\":4,"
	    "\"paused\":true,\"list\":[{\"a\":\"two\"}],\"nullstr\":\"\"}}");
	free(s);
	kobj_unref(o);
}

static void
test_kobj_setter_errors_change_nothing(void **state)
{
	struct kobj *o = *state, *c = kobj_copy(o);
	char *before, *after;

	before = kobj_print(c);
	/* through a string, through an array with a key, into a missing index */
	assert_int_equal(kobj_set_str(c, "status.phase.x.y", "v"), CK_EINVALID);
	assert_int_equal(kobj_set_str(c, "spec.containers.x", "v"), CK_EINVALID);
	assert_int_equal(kobj_set_str(c, "spec.containers[5].name", "v"), CK_EINVALID);
	assert_int_equal(kobj_set_str(c, "spec.containers[2]", "v"), CK_EINVALID);
	assert_int_equal(kobj_set_str(c, "spec.new.list[0]", "v"), CK_EINVALID);
	assert_int_equal(kobj_set_str(c, "spec.new[0].x", "v"), CK_EINVALID);
	assert_int_equal(kobj_set_str(c, "spec[0]", "v"), CK_EINVALID);
	assert_int_equal(kobj_set_str(c, "", "v"), CK_EINVALID);
	assert_int_equal(kobj_set_str(c, "a..b", "v"), CK_EINVALID);
	assert_int_equal(kobj_set_json(c, "spec.x", NULL), CK_EINVALID);
	assert_int_equal(kobj_set_json(c, "status.phase.x", cJSON_CreateObject()), CK_EINVALID);
	after = kobj_print(c);
	assert_string_equal(before, after);
	free(before);
	free(after);
	kobj_unref(c);
}

static void
test_kobj_labels_set(void **state)
{
	struct kobj *o = P("{\"metadata\":{\"labels\":null}}"), *p;

	(void)state;
	kobj_set_label(o, "app.kubernetes.io/name", "web");
	kobj_set_label(o, "app.kubernetes.io/name", "web2");
	kobj_set_label(o, "tier", "fe");
	kobj_set_label(o, "tier", NULL);
	kobj_set_label(o, "missing", NULL);
	kobj_set_label(o, NULL, "x");
	assert_string_equal(kobj_label(o, "app.kubernetes.io/name"), "web2");
	assert_null(kobj_label(o, "tier"));
	kobj_set_annotation(o, "note", "n");
	assert_string_equal(kobj_annotation(o, "note"), "n");
	kobj_unref(o);
	/* metadata missing or of the wrong type is replaced */
	p = P("{\"metadata\":[]}");
	kobj_set_annotation(p, "x", NULL);
	kobj_set_annotation(p, "x", "y");
	assert_string_equal(kobj_annotation(p, "x"), "y");
	kobj_unref(p);
	p = P("{}");
	kobj_set_label(p, "a", "b");
	assert_string_equal(kobj_label(p, "a"), "b");
	kobj_unref(p);
}

static void
test_kobj_copy_and_refs(void **state)
{
	struct kobj *o = *state, *c, *r;
	cJSON *root;

	assert_false(kobj_is_frozen(o));
	assert_ptr_equal(kobj_freeze(o), o);
	assert_true(kobj_is_frozen(o));
	kobj_freeze(o);
	c = kobj_copy(o);
	assert_false(kobj_is_frozen(c));
	assert_int_equal(kobj_set_str(c, "metadata.name", "web-1"), 0);
	assert_string_equal(kobj_name(o), "web-0");
	assert_string_equal(kobj_key(c), "default/web-1");
	r = kobj_ref(o);
	assert_ptr_equal(r, o);
	kobj_unref(r);
	assert_null(kobj_ref(NULL));
	kobj_unref(NULL);
	root = kobj_json_mut(c);
	cJSON_ReplaceItemInObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(root,
	    "metadata"), "namespace", cJSON_CreateString("other"));
	kobj_touch(c);
	assert_string_equal(kobj_key(c), "other/web-1");
	assert_ptr_equal(kobj_json(c), root);
	kobj_unref(c);
}

/* Run fn in a child; true if it died of SIGABRT. */
static bool
aborts(void (*fn)(struct kobj *), struct kobj *o)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		/* keep the expected log line out of the test output */
		int fd = open("/dev/null", O_WRONLY);

		if (fd >= 0)
			dup2(fd, 2);
		fn(o);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

static void
do_set_str(struct kobj *o)
{
	(void)!kobj_set_str(o, "x", "y");
}

static void
do_set_label(struct kobj *o)
{
	kobj_set_label(o, "x", "y");
}

static void
do_json_mut(struct kobj *o)
{
	(void)kobj_json_mut(o);
}

static void
do_set_json(struct kobj *o)
{
	(void)!kobj_set_json(o, "x", cJSON_CreateNull());
}

static void
test_kobj_frozen_setters_abort(void **state)
{
	struct kobj *o = kobj_freeze(kobj_new("v1", "Pod"));

	(void)state;
	if (getenv("CKUBE_NO_FORK_TESTS") != NULL)
		skip();
	assert_true(aborts(do_set_str, o));
	assert_true(aborts(do_set_label, o));
	assert_true(aborts(do_json_mut, o));
	assert_true(aborts(do_set_json, o));
	kobj_unref(o);
}

static void *
ref_worker(void *arg)
{
	struct kobj *o = arg;
	int i;

	for (i = 0; i < 100000; i++) {
		struct kobj *r = kobj_ref(o);

		if (strcmp(kobj_key(r), "default/web-0") != 0)
			abort();
		kobj_unref(r);
	}
	kobj_unref(o);
	return NULL;
}

static void
test_kobj_refcount_threads(void **state)
{
	struct kobj *o = kobj_freeze(*state);
	pthread_t t[4];
	int i;

	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, ref_worker, kobj_ref(o)), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_string_equal(kobj_key(o), "default/web-0");
}

static const char *const round_trips[] = {
	"{}",
	"{\"a\":[],\"b\":{},\"c\":[[],[{}],[1,[2,[3]]]],\"d\":\"\"}",
	"{\"n\":-0.5,\"i\":9007199254740992,\"t\":true,\"f\":false,\"z\":null}",
	"{\"a\":[-1,0,-0.0,2147483647,-2147483648,2147483648,-2147483649,1e300,"
	    "3.25,-7]}",
	"{\"metadata\":{\"name\":\"n\",\"uid\":\"u\",\"creationTimestamp\":"
	    "\"2026-12-07T07:00:00Z\",\"namespace\":\"ns\"},\"status\":{\"podIP\":"
	    "\"10.0.0.1\",\"phase\":\"Running\",\"long\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}}",
	"{\"s\":\"caf\\u00e9 \\\"q\\\" \\\\ \\n\",\"dup\":1,\"dup\":2}",
	"{\"metadata\":{\"name\":\"x\",\"labels\":{\"a.b/c\":\"d\"}},"
	    "\"spec\":{\"containers\":[{\"name\":\"c\",\"env\":[{\"name\":\"E\","
	    "\"value\":\"v\"}]}]}}",
};

/* Compact and back gives the same JSON text, and a mutable copy. */
static void
test_kobj_compact_round_trip(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(round_trips) / sizeof(round_trips[0]); i++) {
		struct kobj *o = kobj_parse(round_trips[i], strlen(round_trips[i]));
		struct kobj *c, *copy;
		char *a, *b;

		assert_non_null(o);
		c = kobj_compact(kobj_freeze(o));
		assert_true(kobj_is_compact(c));
		assert_true(kobj_is_frozen(c));
		assert_ptr_equal(kobj_compact(c), c);	/* compact already */
		kobj_unref(c);
		a = kobj_print(o);
		b = kobj_print(c);
		assert_string_equal(a, b);
		free(b);
		copy = kobj_copy(c);
		assert_false(kobj_is_compact(copy));
		assert_int_equal(kobj_set_str(copy, "metadata.name", "y"), 0);
		b = kobj_print(c);
		assert_string_equal(a, b);	/* the copy is its own */
		free(b);
		kobj_unref(copy);
		free(a);
		kobj_unref(c);
		kobj_unref(o);
	}
}

/* A subtree is decoded once; inside a decoded ancestor it is not copied. */
static void
test_kobj_compact_decoded_once(void **state)
{
	struct kobj *c = *state, *r;
	const cJSON *spec = kobj_get(c, "spec"), *root;

	assert_true(cJSON_IsObject(spec));
	assert_ptr_equal(kobj_get(c, "spec"), spec);
	assert_ptr_equal(kobj_get(c, "spec.containers"),
	    cJSON_GetObjectItemCaseSensitive(spec, "containers"));
	assert_string_equal(kobj_get_str(c, "spec.containers[0].image"), "nginx");
	/* Held by another: not trimmed. */
	r = kobj_ref(c);
	assert_int_equal(kobj_trim(c), 0);
	kobj_unref(r);
	assert_int_equal(kobj_trim(c), 1);
	root = kobj_json(c);
	assert_ptr_equal(kobj_get(c, "status"),
	    cJSON_GetObjectItemCaseSensitive(root, "status"));
	assert_ptr_equal(kobj_labels(c), cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(root, "metadata"), "labels"));
	assert_string_equal(kobj_label(c, "app"), "web");
	assert_int_equal(kobj_trim(c), 1);
	assert_string_equal(kobj_get_str(c, "status.phase"), "Running");
}

static void *
decode_worker(void *arg)
{
	struct kobj *o = arg;
	const char *paths[] = { "spec", "status.conditions", "metadata.labels",
	    "spec.containers[1]", "metadata" };
	int i;

	for (i = 0; i < 2000; i++) {
		const cJSON *v = kobj_get(o, paths[i % 5]);

		/* The same value; not always the same copy: a path decoded
		 * alone before its parent was is found inside the parent's
		 * copy afterwards. */
		if (v == NULL || !cJSON_Compare(kobj_get(o, paths[i % 5]), v, 1) ||
		    kobj_controller_ref(o) == NULL ||
		    strcmp(kobj_condition_status(o, "Ready"), "True") != 0)
			abort();
	}
	kobj_unref(o);
	return NULL;
}

/* Readers racing to decode the same subtrees all get one copy each. */
static void
test_kobj_compact_threads(void **state)
{
	struct kobj *o = *state;
	pthread_t t[4];
	size_t n;
	int i;

	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, decode_worker,
		    kobj_ref(o)), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	/* spec, status.conditions and metadata at least; the rest may have
	 * been found inside them, depending on the order. */
	n = kobj_trim(o);
	assert_true(n >= 3 && n <= 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kobj_metadata, setup, teardown),
		cmocka_unit_test(test_kobj_parse_rejects),
		cmocka_unit_test(test_kobj_parse_len_is_respected),
		cmocka_unit_test_setup_teardown(test_kobj_get_paths, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kobj_labels_refs_conditions, setup, teardown),
		cmocka_unit_test(test_kobj_setters),
		cmocka_unit_test_setup_teardown(test_kobj_setter_errors_change_nothing,
		    setup, teardown),
		cmocka_unit_test(test_kobj_labels_set),
		cmocka_unit_test_setup_teardown(test_kobj_copy_and_refs, setup, teardown),
		cmocka_unit_test(test_kobj_frozen_setters_abort),
		cmocka_unit_test_setup_teardown(test_kobj_refcount_threads, setup, teardown),
		/* The compact form: the same readers, and its own behaviour. */
		cmocka_unit_test_setup_teardown(test_kobj_metadata, setup_compact,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kobj_get_paths, setup_compact,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kobj_labels_refs_conditions,
		    setup_compact, teardown),
		cmocka_unit_test(test_kobj_compact_round_trip),
		cmocka_unit_test_setup_teardown(test_kobj_compact_decoded_once,
		    setup_compact, teardown),
		cmocka_unit_test_setup_teardown(test_kobj_compact_threads,
		    setup_compact, teardown),
	};

	return cmocka_run_group_tests_name("kobj", tests, NULL, NULL);
}
