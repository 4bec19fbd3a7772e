/*
 * test_dnsrec.c: the DNS records of a federated service (semantics.md 8(c)
 * step 5, scenarios 4 and 6): A records at zone, region and global level
 * for healthy shards only (Ready cluster, LB address, ready endpoint), a
 * CNAME one level up otherwise, no global record when nothing is healthy,
 * TTL 180.
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

#include "ckube/ck.h"
#include "dnsrec.h"

#define B "nginx.default.fed.svc."

static const char *const ip1[] = { "10.250.1.1" };
static const char *const ip2[] = { "10.250.2.1" };

/* "TYPE t1,t2" of record name, "" when absent; every TTL must be 180. */
static char *
rec(const cJSON *eps, const char *name)
{
	static char buf[256];
	const cJSON *e, *t;
	const char *sep;

	buf[0] = '\0';
	cJSON_ArrayForEach(e, eps) {
		if (strcmp(cJSON_GetObjectItem(e, "dnsName")->valuestring,
		    name) != 0)
			continue;
		assert_int_equal(cJSON_GetObjectItem(e, "recordTTL")->valueint,
		    180);
		snprintf(buf, sizeof(buf), "%s",
		    cJSON_GetObjectItem(e, "recordType")->valuestring);
		sep = " ";
		cJSON_ArrayForEach(t, cJSON_GetObjectItem(e, "targets")) {
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf),
			    "%s%s", sep, t->valuestring);
			sep = ",";
		}
	}
	return buf;
}

static cJSON *
records(struct dnsrec_shard *s, size_t n)
{
	return dnsrec_endpoints("nginx", "default", "fed", "example.com.", s,
	    n);
}

/* Scenario 4: ready pods only in c1. */
static void
test_dnsrec_one_healthy(void **state)
{
	struct dnsrec_shard s[] = {
		{ "us-central1-a", "us-central1", ip1, 1, 2, true },
		{ "europe-west1-b", "europe-west1", ip2, 1, 0, true },
	};
	cJSON *eps = records(s, 2);

	(void)state;
	assert_int_equal(cJSON_GetArraySize(eps), 5);
	assert_string_equal(rec(eps, B "us-central1-a.us-central1.example.com"),
	    "A 10.250.1.1");
	assert_string_equal(rec(eps, B "us-central1.example.com"),
	    "A 10.250.1.1");
	assert_string_equal(rec(eps, B "example.com"), "A 10.250.1.1");
	assert_string_equal(rec(eps,
	    B "europe-west1-b.europe-west1.example.com"),
	    "CNAME " B "europe-west1.example.com");
	assert_string_equal(rec(eps, B "europe-west1.example.com"),
	    "CNAME " B "example.com");
	cJSON_Delete(eps);
}

/* Scenario 6: nothing healthy: CNAMEs up, no global record. */
static void
test_dnsrec_none_healthy(void **state)
{
	struct dnsrec_shard s[] = {
		{ "z-a", "r", ip1, 1, 0, true },	/* no endpoint */
		{ "z-b", "r", NULL, 0, 3, true },	/* no LB address */
		{ "z-c", "r2", ip2, 1, 3, false },	/* cluster not Ready */
	};
	cJSON *eps = records(s, 3);

	(void)state;
	assert_string_equal(rec(eps, B "example.com"), "");
	assert_string_equal(rec(eps, B "z-a.r.example.com"),
	    "CNAME " B "r.example.com");
	assert_string_equal(rec(eps, B "z-b.r.example.com"),
	    "CNAME " B "r.example.com");
	assert_string_equal(rec(eps, B "r.example.com"),
	    "CNAME " B "example.com");
	assert_string_equal(rec(eps, B "z-c.r2.example.com"),
	    "CNAME " B "r2.example.com");
	assert_int_equal(cJSON_GetArraySize(eps), 5);
	cJSON_Delete(eps);
}

/* Both healthy; two zones of one region; a shard of unknown zone. */
static void
test_dnsrec_levels(void **state)
{
	static const char *const two[] = { "10.0.0.9", "10.0.0.3" };
	struct dnsrec_shard s[] = {
		{ "r-a", "r", ip2, 1, 1, true },
		{ "r-b", "r", ip1, 1, 0, true },
		{ "q-a", "q", two, 2, 1, true },
		{ NULL, NULL, ip1, 1, 1, true },
	};
	cJSON *eps = records(s, 4);

	(void)state;
	assert_string_equal(rec(eps, B "r-a.r.example.com"), "A 10.250.2.1");
	assert_string_equal(rec(eps, B "r-b.r.example.com"),
	    "CNAME " B "r.example.com");
	assert_string_equal(rec(eps, B "r.example.com"), "A 10.250.2.1");
	assert_string_equal(rec(eps, B "q.example.com"),
	    "A 10.0.0.3,10.0.0.9");
	assert_string_equal(rec(eps, B "example.com"),
	    "A 10.0.0.3,10.0.0.9,10.250.1.1,10.250.2.1");
	assert_int_equal(cJSON_GetArraySize(eps), 6);
	cJSON_Delete(eps);
	eps = records(NULL, 0);
	assert_int_equal(cJSON_GetArraySize(eps), 0);
	cJSON_Delete(eps);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dnsrec_one_healthy),
		cmocka_unit_test(test_dnsrec_none_healthy),
		cmocka_unit_test(test_dnsrec_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
