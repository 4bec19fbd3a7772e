/* Unit tests for apiserver/patch_strategic.c: kubectl apply patches, directives, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "patch.h"

/*
 * Apply patch to doc (kind may be NULL). On success compare with want (object
 * members in any order, list order significant); on failure check the code
 * and that doc is unchanged.
 */
static void
run(const char *kind, const char *doc, const char *patch, int want_rc,
    const char *want)
{
	struct ck_status st;
	cJSON *d, *p, *w, *orig;
	char *before, *after;

	d = cJSON_Parse(doc);
	p = cJSON_Parse(patch);
	assert_non_null(d);
	assert_non_null(p);
	orig = d;
	before = cJSON_PrintUnformatted(d);
	ck_status_clear(&st);
	assert_int_equal(patch_strategic_apply(&d, p, kind, &st), want_rc);
	after = cJSON_PrintUnformatted(d);
	if (want_rc == 0) {
		w = cJSON_Parse(want);
		assert_non_null(w);
		if (!cJSON_Compare(d, w, 1))
			fail_msg("got  %s\nwant %s", after, want);
		cJSON_Delete(w);
	} else {
		assert_ptr_equal(d, orig);
		assert_string_equal(after, before);
		assert_int_equal(st.code, 400);
		assert_non_null(strstr(st.message, "strategic merge patch"));
	}
	free(before);
	free(after);
	cJSON_Delete(d);
	cJSON_Delete(p);
}

/* The 3-way patch kubectl sent in the protocol probe (kubectl-protocol §4.6). */
static void
test_smp_kubectl_apply_deletions(void **state)
{
	(void)state;
	run("Deployment",
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},"
	    "\"spec\":{\"replicas\":2,\"strategy\":{\"type\":\"RollingUpdate\","
	    "\"rollingUpdate\":{\"maxSurge\":\"25%\",\"maxUnavailable\":\"25%\"}},"
	    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"d\"}},\"spec\":{"
	    "\"containers\":[{\"name\":\"a\",\"image\":\"nginx\",\"env\":[{\"name\":\"X\","
	    "\"value\":\"1\"},{\"name\":\"Y\",\"value\":\"2\"}],\"ports\":[{\"containerPort\":80,"
	    "\"protocol\":\"TCP\"},{\"containerPort\":443,\"protocol\":\"TCP\"}],"
	    "\"terminationMessagePath\":\"/dev/termination-log\"},"
	    "{\"name\":\"b\",\"image\":\"busybox\"}],"
	    "\"volumes\":[{\"name\":\"v1\",\"emptyDir\":{}},{\"name\":\"v2\",\"emptyDir\":{}}],"
	    "\"restartPolicy\":\"Always\"}}}}",
	    "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"rollingUpdate\":null,"
	    "\"type\":\"Recreate\"},\"template\":{\"spec\":{"
	    "\"$setElementOrder/containers\":[{\"name\":\"a\"}],"
	    "\"$setElementOrder/volumes\":[{\"name\":\"v2\"}],"
	    "\"containers\":[{\"name\":\"a\",\"$setElementOrder/env\":[{\"name\":\"Y\"}],"
	    "\"$setElementOrder/ports\":[{\"containerPort\":80}],"
	    "\"env\":[{\"name\":\"Y\",\"value\":\"3\"},{\"$patch\":\"delete\",\"name\":\"X\"}],"
	    "\"ports\":[{\"$patch\":\"delete\",\"containerPort\":443}]},"
	    "{\"$patch\":\"delete\",\"name\":\"b\"}],"
	    "\"volumes\":[{\"name\":\"v2\",\"emptyDir\":{}},{\"$patch\":\"delete\",\"name\":\"v1\"}]}}}}",
	    0,
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"d\"},"
	    "\"spec\":{\"replicas\":2,\"strategy\":{\"type\":\"Recreate\"},"
	    "\"template\":{\"metadata\":{\"labels\":{\"app\":\"d\"}},\"spec\":{"
	    "\"containers\":[{\"name\":\"a\",\"image\":\"nginx\",\"env\":[{\"name\":\"Y\","
	    "\"value\":\"3\"}],\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}],"
	    "\"terminationMessagePath\":\"/dev/termination-log\"}],"
	    "\"volumes\":[{\"name\":\"v2\",\"emptyDir\":{}}],"
	    "\"restartPolicy\":\"Always\"}}}}");
}

/* Second apply: only the image changes; ports and other fields must stay. */
static void
test_smp_kubectl_apply_image(void **state)
{
	(void)state;
	run("Deployment",
	    "{\"metadata\":{\"name\":\"app\",\"annotations\":{\"kubectl.kubernetes.io/"
	    "last-applied-configuration\":\"old\",\"keep\":\"me\"}},\"spec\":{\"replicas\":1,"
	    "\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.25\","
	    "\"ports\":[{\"containerPort\":80}],\"imagePullPolicy\":\"IfNotPresent\"}]}}}}",
	    "{\"metadata\":{\"annotations\":{\"kubectl.kubernetes.io/last-applied-configuration\":"
	    "\"new\"}},\"spec\":{\"replicas\":3,\"template\":{\"spec\":{"
	    "\"$setElementOrder/containers\":[{\"name\":\"app\"}],"
	    "\"containers\":[{\"image\":\"nginx:1.26\",\"name\":\"app\"}]}}}}",
	    0,
	    "{\"metadata\":{\"name\":\"app\",\"annotations\":{\"kubectl.kubernetes.io/"
	    "last-applied-configuration\":\"new\",\"keep\":\"me\"}},\"spec\":{\"replicas\":3,"
	    "\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"nginx:1.26\","
	    "\"ports\":[{\"containerPort\":80}],\"imagePullPolicy\":\"IfNotPresent\"}]}}}}");
	/* kubectl set image on a Pod (spec.containers directly). */
	run("Pod",
	    "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x:1\",\"args\":[\"1\"]},"
	    "{\"name\":\"b\",\"image\":\"y:1\"}]}}",
	    "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"y:2\"}]}}", 0,
	    "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"x:1\",\"args\":[\"1\"]},"
	    "{\"name\":\"b\",\"image\":\"y:2\"}]}}");
	/* A CronJob keeps its pod spec deeper. */
	run("CronJob",
	    "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"containers\":"
	    "[{\"name\":\"c\",\"image\":\"i:1\",\"command\":[\"sleep\"]}]}}}}}}",
	    "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"containers\":"
	    "[{\"name\":\"c\",\"image\":\"i:2\"}]}}}}}}", 0,
	    "{\"spec\":{\"jobTemplate\":{\"spec\":{\"template\":{\"spec\":{\"containers\":"
	    "[{\"name\":\"c\",\"image\":\"i:2\",\"command\":[\"sleep\"]}]}}}}}}");
}

static void
test_smp_list_order(void **state)
{
	(void)state;
	/* A new item with no order directive goes first (as apimachinery does). */
	run("Pod", "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}",
	    "{\"spec\":{\"containers\":[{\"name\":\"c\"}]}}", 0,
	    "{\"spec\":{\"containers\":[{\"name\":\"c\"},{\"name\":\"a\"},{\"name\":\"b\"}]}}");
	/* $setElementOrder puts it where the manifest has it. */
	run("Pod", "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}",
	    "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"a\"},{\"name\":\"c\"},"
	    "{\"name\":\"b\"}],\"containers\":[{\"name\":\"c\"}]}}", 0,
	    "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"c\"},{\"name\":\"b\"}]}}");
	/* Reordering only. */
	run("Pod", "{\"spec\":{\"containers\":[{\"name\":\"a\",\"image\":\"1\"},"
	    "{\"name\":\"b\",\"image\":\"2\"}]}}",
	    "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"b\"},{\"name\":\"a\"}]}}", 0,
	    "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"2\"},"
	    "{\"name\":\"a\",\"image\":\"1\"}]}}");
	/* Server-only items keep their place relative to ordered ones. */
	run("Pod", "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"s\"},{\"name\":\"b\"}]}}",
	    "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"a\"},{\"name\":\"b\"}],"
	    "\"containers\":[{\"name\":\"b\",\"x\":1}]}}", 0,
	    "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"s\"},{\"name\":\"b\",\"x\":1}]}}");
}

static void
test_smp_merge_keys(void **state)
{
	(void)state;
	/* ports by containerPort (a number), env by name, volumeMounts by mountPath. */
	run("ReplicaSet",
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"ports\":[{\"containerPort\":80,\"name\":\"http\"}],"
	    "\"volumeMounts\":[{\"mountPath\":\"/a\",\"name\":\"v\"}]}]}}}}",
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"ports\":[{\"containerPort\":80,\"protocol\":\"TCP\"}],"
	    "\"volumeMounts\":[{\"mountPath\":\"/a\",\"readOnly\":true}]}]}}}}", 0,
	    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"ports\":[{\"containerPort\":80,\"name\":\"http\",\"protocol\":\"TCP\"}],"
	    "\"volumeMounts\":[{\"mountPath\":\"/a\",\"name\":\"v\",\"readOnly\":true}]}]}}}}");
	/* Service ports by port. */
	run("Service", "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":8080},{\"port\":443}]}}",
	    "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090}]}}", 0,
	    "{\"spec\":{\"ports\":[{\"port\":80,\"targetPort\":9090},{\"port\":443}]}}");
	/* ownerReferences by uid, status.conditions by type: any kind. */
	run("Widget",
	    "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"1\",\"name\":\"a\"}]},"
	    "\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"},"
	    "{\"type\":\"Synced\",\"status\":\"True\"}]}}",
	    "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"1\",\"controller\":true}]},"
	    "\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}}", 0,
	    "{\"metadata\":{\"ownerReferences\":[{\"uid\":\"1\",\"name\":\"a\",\"controller\":true}]},"
	    "\"status\":{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"},"
	    "{\"type\":\"Synced\",\"status\":\"True\"}]}}");
	/* Node taints by key. */
	run("Node", "{\"spec\":{\"taints\":[{\"key\":\"k\",\"effect\":\"NoSchedule\"}]}}",
	    "{\"spec\":{\"taints\":[{\"key\":\"k\",\"$patch\":\"delete\"}]}}", 0,
	    "{\"spec\":{\"taints\":[]}}");
	/* Lists without a merge key are replaced: tolerations, args, unknown kinds. */
	run("Pod", "{\"spec\":{\"tolerations\":[{\"key\":\"a\"}],\"containers\":[{\"name\":\"c\","
	    "\"args\":[\"1\",\"2\"]}]}}",
	    "{\"spec\":{\"tolerations\":[{\"key\":\"b\"}],\"containers\":[{\"name\":\"c\","
	    "\"args\":[\"3\"]}]}}", 0,
	    "{\"spec\":{\"tolerations\":[{\"key\":\"b\"}],\"containers\":[{\"name\":\"c\","
	    "\"args\":[\"3\"]}]}}");
	run(NULL, "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}",
	    "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"x\"}]}}", 0,
	    "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"x\"}]}}");
	/* A merging list that did not exist: directives are dropped. */
	run("Pod", "{\"spec\":{}}",
	    "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{\"medium\":null}},"
	    "{\"$patch\":\"delete\",\"name\":\"w\"}]}}", 0,
	    "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]}}");
}

static void
test_smp_primitive_set(void **state)
{
	(void)state;
	run("Pod", "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
	    "{\"metadata\":{\"finalizers\":[\"c\",\"a\"]}}", 0,
	    "{\"metadata\":{\"finalizers\":[\"c\",\"a\",\"b\"]}}");
	run("Pod", "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
	    "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"a\",\"z\"]}}", 0,
	    "{\"metadata\":{\"finalizers\":[\"b\"]}}");
	run("Pod", "{\"metadata\":{\"finalizers\":[\"a\",\"b\"]}}",
	    "{\"metadata\":{\"$setElementOrder/finalizers\":[\"b\",\"c\"],"
	    "\"$deleteFromPrimitiveList/finalizers\":[\"a\"],\"finalizers\":[\"c\"]}}", 0,
	    "{\"metadata\":{\"finalizers\":[\"b\",\"c\"]}}");
	run("Pod", "{\"metadata\":{}}", "{\"metadata\":{\"finalizers\":[\"x\",\"x\"]}}", 0,
	    "{\"metadata\":{\"finalizers\":[\"x\"]}}");
	/* Deleting from a list that is not there is fine. */
	run("Pod", "{\"metadata\":{}}",
	    "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":[\"x\"]}}", 0,
	    "{\"metadata\":{}}");
}

static void
test_smp_map_directives(void **state)
{
	(void)state;
	/* null deletes; nulls under a new key vanish; other values replace. */
	run("Pod", "{\"metadata\":{\"labels\":{\"a\":\"1\",\"b\":\"2\"}},\"spec\":{\"x\":[1]}}",
	    "{\"metadata\":{\"labels\":{\"a\":null,\"c\":\"3\"}},\"spec\":{\"x\":{\"y\":null,"
	    "\"z\":1}},\"status\":{\"phase\":\"Running\",\"gone\":null}}", 0,
	    "{\"metadata\":{\"labels\":{\"b\":\"2\",\"c\":\"3\"}},\"spec\":{\"x\":{\"z\":1}},"
	    "\"status\":{\"phase\":\"Running\"}}");
	/* $patch: replace and delete on maps. */
	run("Deployment", "{\"spec\":{\"selector\":{\"matchLabels\":{\"a\":\"1\"}},"
	    "\"strategy\":{\"type\":\"Recreate\"}}}",
	    "{\"spec\":{\"selector\":{\"$patch\":\"replace\",\"app\":\"x\"},"
	    "\"strategy\":{\"$patch\":\"delete\"}}}", 0,
	    "{\"spec\":{\"selector\":{\"app\":\"x\"},\"strategy\":{}}}");
	/* $patch: replace in a merging list. */
	run("Pod", "{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}",
	    "{\"spec\":{\"containers\":[{\"$patch\":\"replace\"},{\"name\":\"z\",\"image\":\"i\"}]}}",
	    0, "{\"spec\":{\"containers\":[{\"name\":\"z\",\"image\":\"i\"}]}}");
	/* $retainKeys on a volume source change. */
	run("Pod", "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"hostPath\":{\"path\":\"/x\"}}]}}",
	    "{\"spec\":{\"volumes\":[{\"$retainKeys\":[\"emptyDir\",\"name\"],\"name\":\"v\","
	    "\"emptyDir\":{}}]}}", 0,
	    "{\"spec\":{\"volumes\":[{\"name\":\"v\",\"emptyDir\":{}}]}}");
	/* Type changes replace; an absent document starts empty. */
	run("Pod", "{\"spec\":\"weird\"}", "{\"spec\":{\"a\":1}}", 0, "{\"spec\":{\"a\":1}}");
	run("Pod", "{\"a\":true}", "{\"a\":false}", 0, "{\"a\":false}");
	/* The whole object deleted. */
	run("Pod", "{\"a\":1}", "{\"$patch\":\"delete\"}", 0, "{}");
}

static void
test_smp_errors(void **state)
{
	struct ck_status st;
	cJSON *d = NULL, *p;

	(void)state;
	run("Pod", "{\"spec\":{}}", "[1]", CK_EBADREQ, NULL);
	run("Pod", "{\"spec\":{\"a\":1}}", "{\"spec\":{\"$patch\":\"frob\"}}", CK_EBADREQ, NULL);
	run("Pod", "{\"spec\":{\"a\":1}}", "{\"spec\":{\"$patch\":1}}", CK_EBADREQ, NULL);
	/* The first change applied on the copy, then the error: unchanged. */
	run("Pod", "{\"metadata\":{\"name\":\"x\"},\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
	    "{\"metadata\":{\"name\":\"y\"},\"spec\":{\"containers\":[{\"image\":\"noname\"}]}}",
	    CK_EBADREQ, NULL);
	run("Pod", "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
	    "{\"spec\":{\"containers\":[{\"$patch\":\"delete\"}]}}", CK_EBADREQ, NULL);
	run("Pod", "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
	    "{\"spec\":{\"containers\":[\"a\"]}}", CK_EBADREQ, NULL);
	run("Pod", "{\"spec\":{\"containers\":[{\"name\":\"a\"}]}}",
	    "{\"spec\":{\"containers\":[{\"$patch\":\"merge\",\"name\":\"a\"}]}}", CK_EBADREQ, NULL);
	run("Pod", "{\"spec\":{\"strategy\":{}}}",
	    "{\"spec\":{\"strategy\":{\"$retainKeys\":\"type\",\"type\":\"x\"}}}", CK_EBADREQ, NULL);
	run("Pod", "{\"spec\":{\"strategy\":{}}}",
	    "{\"spec\":{\"strategy\":{\"$retainKeys\":[\"type\"],\"other\":1}}}", CK_EBADREQ, NULL);
	run("Pod", "{\"spec\":{}}", "{\"spec\":{\"$setElementOrder/containers\":{}}}",
	    CK_EBADREQ, NULL);
	run("Pod", "{\"spec\":{}}", "{\"spec\":{\"$setElementOrder/\":[]}}", CK_EBADREQ, NULL);
	run("Pod", "{\"spec\":{\"containers\":{}}}",
	    "{\"spec\":{\"$setElementOrder/containers\":[{\"name\":\"a\"}]}}", CK_EBADREQ, NULL);
	run("Pod", "{\"metadata\":{}}",
	    "{\"metadata\":{\"$deleteFromPrimitiveList/finalizers\":\"x\"}}", CK_EBADREQ, NULL);

	/* The message says where. */
	d = cJSON_Parse("{\"spec\":{\"template\":{\"spec\":{\"containers\":[]}}}}");
	p = cJSON_Parse("{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"x\":1}]}}}}");
	assert_int_equal(patch_strategic_apply(&d, p, "Deployment", &st), CK_EBADREQ);
	assert_non_null(strstr(st.message, "merge key \"name\""));
	assert_non_null(strstr(st.message, "spec.template.spec.containers"));
	cJSON_Delete(p);
	assert_int_equal(patch_strategic_apply(NULL, d, "Pod", NULL), CK_EBADREQ);
	assert_int_equal(patch_strategic_apply(&d, NULL, "Pod", NULL), CK_EBADREQ);
	cJSON_Delete(d);

	/* An absent document. */
	d = NULL;
	p = cJSON_Parse("{\"a\":{\"b\":null,\"c\":1}}");
	assert_int_equal(patch_strategic_apply(&d, p, NULL, NULL), 0);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(d, "a"));
	cJSON_Delete(p);
	cJSON_Delete(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smp_kubectl_apply_deletions),
		cmocka_unit_test(test_smp_kubectl_apply_image),
		cmocka_unit_test(test_smp_list_order),
		cmocka_unit_test(test_smp_merge_keys),
		cmocka_unit_test(test_smp_primitive_set),
		cmocka_unit_test(test_smp_map_directives),
		cmocka_unit_test(test_smp_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
