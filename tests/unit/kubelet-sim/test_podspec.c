/*
 * Unit tests of the kubelet-sim pod spec reading: sim.ckube.io/
 * annotations (bad values reported, never fatal), probes with defaults,
 * effective requests with the init-container rule, admission.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "ckube/ck.h"
#include "ckube/err.h"
#include "podspec.h"

static void
test_annotations(void **state)
{
	cJSON *a = cJSON_Parse("{\"sim.ckube.io/startup-delay\":\"1.5s\","
	    "\"sim.ckube.io/ready-after\":\"2m\","
	    "\"sim.ckube.io/memory-usage\":\"100Mi\","
	    "\"sim.ckube.io/disk-usage\":\"1Gi\","
	    "\"sim.ckube.io/inodes-usage\":\"1k\","
	    "\"sim.ckube.io/image-pull-fail\":\"a, b\","
	    "\"other\":\"x\"}");
	struct sim_annotations s;
	char err[256];

	(void)state;
	assert_int_equal(podspec_annotations(a, &s, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(s.startup_delay_ms, 1500);
	assert_int_equal(s.ready_after_ms, 120000);
	assert_int_equal(s.memory_bytes, 100 << 20);
	assert_int_equal(s.disk_bytes, 1 << 30);
	assert_int_equal(s.inodes, 1000);
	assert_true(podspec_pull_fails(&s, "a"));
	assert_true(podspec_pull_fails(&s, "b"));
	assert_false(podspec_pull_fails(&s, "c"));
	assert_false(podspec_pull_fails(&s, ""));
	cJSON_Delete(a);

	a = cJSON_Parse("{\"sim.ckube.io/startup-delay\":\"soon\","
	    "\"sim.ckube.io/memory-usage\":\"-1Gi\","
	    "\"sim.ckube.io/bogus\":\"1\","
	    "\"sim.ckube.io/image-pull-fail\":\"true\"}");
	assert_int_equal(podspec_annotations(a, &s, err, sizeof(err)), 3);
	assert_int_equal(s.startup_delay_ms, 0);
	assert_int_equal(s.memory_bytes, 0);
	assert_non_null(strstr(err, "sim.ckube.io/startup-delay: invalid "
	    "duration"));
	assert_non_null(strstr(err, "sim.ckube.io/bogus: unknown"));
	assert_true(podspec_pull_fails(&s, "anything"));
	cJSON_Delete(a);
	assert_int_equal(podspec_annotations(NULL, &s, err, sizeof(err)), 0);
}

/* Per-container usage: memory-usage.<container> adds to the pod's sum. */
static void
test_container_usage(void **state)
{
	cJSON *a = cJSON_Parse("{\"sim.ckube.io/memory-usage\":\"100Mi\","
	    "\"sim.ckube.io/memory-usage.app\":\"200Mi\","
	    "\"sim.ckube.io/disk-usage.side\":\"1Gi\","
	    "\"sim.ckube.io/inodes-usage.app\":\"5\","
	    "\"sim.ckube.io/memory-usage.\":\"1\"}");
	cJSON *c = cJSON_Parse("{\"resources\":{\"limits\":{\"memory\":"
	    "\"300Mi\",\"ephemeral-storage\":\"2Gi\"},\"requests\":{"
	    "\"memory\":\"100Mi\"}}}");
	struct sim_annotations s;
	int64_t u[3], mem, disk;
	char err[256];

	(void)state;
	/* "memory-usage." without a container is not a usage key. */
	assert_int_equal(podspec_annotations(a, &s, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "unknown annotation"));
	assert_int_equal(s.memory_bytes, 300 << 20);
	assert_int_equal(s.disk_bytes, 1 << 30);
	assert_int_equal(s.inodes, 5);
	podspec_container_usage(a, "app", true, u);
	assert_int_equal(u[0], 300 << 20);	/* the pod-level part too */
	assert_int_equal(u[1], 0);
	assert_int_equal(u[2], 5);
	podspec_container_usage(a, "side", false, u);
	assert_int_equal(u[0], 0);
	assert_int_equal(u[1], 1 << 30);
	podspec_container_requests(c, &mem, &disk);
	assert_int_equal(mem, 100 << 20);
	assert_int_equal(disk, 2LL << 30);	/* the limit defaults it */
	cJSON_Delete(a);
	cJSON_Delete(c);
}

/* sim.ckube.io/cpu-usage: quantities, percentages of requests, overrides. */
static void
test_cpu_usage(void **state)
{
	cJSON *a = cJSON_Parse("{\"sim.ckube.io/cpu-usage\":\"200%\","
	    "\"sim.ckube.io/cpu-usage.side\":\"50m\"}");
	cJSON *q = cJSON_Parse("{\"sim.ckube.io/cpu-usage\":\"1.5\"}");
	cJSON *bad = cJSON_Parse("{\"sim.ckube.io/cpu-usage\":\"x%\"}");
	cJSON *app = cJSON_Parse("{\"name\":\"app\",\"resources\":"
	    "{\"requests\":{\"cpu\":\"100m\"}}}");
	cJSON *lim = cJSON_Parse("{\"name\":\"lim\",\"resources\":"
	    "{\"limits\":{\"cpu\":\"1\"}}}");
	cJSON *side = cJSON_Parse("{\"name\":\"side\"}");
	struct sim_annotations s;
	char err[256];
	int64_t x;

	(void)state;
	assert_int_equal(podspec_container_cpu(a, app, true), 200);
	assert_int_equal(podspec_container_cpu(a, lim, false), 2000);
	assert_int_equal(podspec_container_cpu(a, side, false), 50);
	/* a quantity is the first container's only */
	assert_int_equal(podspec_container_cpu(q, app, true), 1500);
	assert_int_equal(podspec_container_cpu(q, lim, false), 0);
	assert_int_equal(podspec_cpu_value("80%", 500, &x), 0);
	assert_int_equal(x, 400);
	assert_int_equal(podspec_cpu_value("-1", 500, &x), CK_EINVALID);
	assert_int_equal(podspec_annotations(a, &s, err, sizeof(err)), 0);
	assert_int_equal(podspec_annotations(bad, &s, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "invalid cpu usage"));
	assert_int_equal(podspec_container_cpu(bad, app, true), 0);
	cJSON_Delete(a);
	cJSON_Delete(q);
	cJSON_Delete(bad);
	cJSON_Delete(app);
	cJSON_Delete(lim);
	cJSON_Delete(side);
}

static void
test_probe(void **state)
{
	cJSON *p = cJSON_Parse("{\"exec\":{\"command\":[\"sleep\",\"5\"]},"
	    "\"timeoutSeconds\":2,\"periodSeconds\":3,"
	    "\"initialDelaySeconds\":4,\"failureThreshold\":1}");
	struct probe_spec s;
	const char *why;

	(void)state;
	assert_true(podspec_probe(p, &s));
	assert_int_equal(s.action, PROBE_EXEC);
	assert_int_equal(s.timeout_ms, 2000);
	assert_int_equal(s.period_ms, 3000);
	assert_int_equal(s.initial_delay_ms, 4000);
	assert_int_equal(s.failure_threshold, 1);
	assert_int_equal(s.success_threshold, 1);
	assert_false(probe_check(&s, true, &why));
	assert_string_equal(why, "command timed out");
	cJSON_Delete(p);
	p = cJSON_Parse("{\"httpGet\":{\"path\":\"/\",\"port\":80}}");
	assert_true(podspec_probe(p, &s));
	assert_int_equal(s.action, PROBE_HTTP);
	assert_int_equal(s.period_ms, 10000);
	assert_int_equal(s.failure_threshold, 3);
	cJSON_Delete(p);
	p = cJSON_Parse("{\"periodSeconds\":1}");
	assert_false(podspec_probe(p, &s));
	cJSON_Delete(p);
}

static void
test_requests_admit(void **state)
{
	/* semantics 1(e) 4: init 0.8 cpu, two apps 0.3 each -> 0.8 */
	cJSON *init = cJSON_Parse("[{\"resources\":{\"requests\":"
	    "{\"cpu\":\"800m\",\"memory\":\"1Gi\"}}}]");
	cJSON *app = cJSON_Parse("[{\"resources\":{\"requests\":"
	    "{\"cpu\":\"300m\",\"memory\":\"1100Mi\"}}},"
	    "{\"resources\":{\"limits\":{\"cpu\":\"300m\","
	    "\"memory\":\"1100Mi\"}}}]");
	struct res_list r, alloc = { 1000, 4LL << 30, 2 }, used = { 0 };
	char msg[256];

	(void)state;
	podspec_requests(init, app, &r);
	assert_int_equal(r.cpu_milli, 800);
	assert_int_equal(r.memory, 2200LL << 20);
	assert_int_equal(r.pods, 1);
	assert_null(podspec_admit(&alloc, &used, &r, msg, sizeof(msg)));
	used.cpu_milli = 500;
	assert_string_equal(podspec_admit(&alloc, &used, &r, msg,
	    sizeof(msg)), "OutOfcpu");
	assert_string_equal(msg, "Node didn't have enough resource: cpu, "
	    "requested: 800, used: 500, capacity: 1000");
	used.cpu_milli = 0;
	used.memory = 3LL << 30;
	assert_string_equal(podspec_admit(&alloc, &used, &r, msg,
	    sizeof(msg)), "OutOfmemory");
	used.pods = 2;
	assert_string_equal(podspec_admit(&alloc, &used, &r, msg,
	    sizeof(msg)), "OutOfpods");
	cJSON_Delete(init);
	cJSON_Delete(app);
}

/* verifyRunAsNonRoot: the container's fields over the pod's. */
static void
test_nonroot(void **state)
{
	static const struct {
		const char *pod, *ctr, *want;
	} cases[] = {
		{ NULL, NULL, NULL },
		{ "{\"runAsUser\":0}", NULL, NULL },
		{ "{\"runAsNonRoot\":true,\"runAsUser\":1000}", NULL, NULL },
		{ "{\"runAsNonRoot\":true}", NULL, "container has runAsNonRoot "
		    "and image will run as root" },
		{ "{\"runAsNonRoot\":true,\"runAsUser\":1000}",
		    "{\"runAsUser\":0}", "container's runAsUser breaks "
		    "non-root policy" },
		{ "{\"runAsUser\":0}", "{\"runAsNonRoot\":true,"
		    "\"runAsUser\":5}", NULL },
		{ "{\"runAsNonRoot\":true}", "{\"runAsNonRoot\":false}", NULL },
		{ NULL, "{\"runAsNonRoot\":true,\"runAsUser\":0}",
		    "container's runAsUser breaks non-root policy" },
	};
	cJSON *p, *c;
	const char *got;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		p = cases[i].pod != NULL ? cJSON_Parse(cases[i].pod) : NULL;
		c = cases[i].ctr != NULL ? cJSON_Parse(cases[i].ctr) : NULL;
		got = podspec_nonroot_error(p, c);
		if (cases[i].want == NULL)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].want);
		cJSON_Delete(p);
		cJSON_Delete(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_annotations),
		cmocka_unit_test(test_container_usage),
		cmocka_unit_test(test_cpu_usage),
		cmocka_unit_test(test_probe),
		cmocka_unit_test(test_nonroot),
		cmocka_unit_test(test_requests_admit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
