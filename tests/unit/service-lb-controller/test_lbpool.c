/*
 * test_lbpool.c: the address pool of ckube-service-lb-controller: parsing
 * --lb-ip-range (CIDRs, ranges, lists, every error), the lowest free
 * address first, exhaustion, reuse after release, requested addresses,
 * and rebuilding the holders from what Services show (a restart).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/err.h"
#include "lb.h"

static struct lbpool *
pool(const char *spec)
{
	struct lbpool *p;
	char err[256];

	assert_int_equal(lbpool_parse(spec, &p, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	return p;
}

/* The error of a bad spec; it must name the reason. */
static void
bad(const char *spec, const char *want)
{
	struct lbpool *p = (struct lbpool *)1;
	char err[256];

	if (lbpool_parse(spec, &p, err, sizeof(err)) != CK_EINVALID)
		fail_msg("%s: accepted", spec);
	assert_null(p);
	if (strstr(err, want) == NULL)
		fail_msg("%s: error \"%s\" lacks \"%s\"", spec, err, want);
}

static void
test_lbpool_parse_forms(void **state)
{
	struct lbpool *p;

	(void)state;
	p = pool("172.18.255.1-172.18.255.50");
	assert_int_equal(lbpool_size(p), 50);
	assert_true(lbpool_contains(p, "172.18.255.1"));
	assert_true(lbpool_contains(p, "172.18.255.50"));
	assert_false(lbpool_contains(p, "172.18.255.51"));
	assert_false(lbpool_contains(p, "not-an-ip"));
	assert_false(lbpool_contains(p, NULL));
	lbpool_free(p);

	p = pool("10.1.0.0/24");	/* hosts only: .1 to .254 */
	assert_int_equal(lbpool_size(p), 254);
	assert_false(lbpool_contains(p, "10.1.0.0"));
	assert_true(lbpool_contains(p, "10.1.0.1"));
	assert_false(lbpool_contains(p, "10.1.0.255"));
	lbpool_free(p);

	p = pool("10.1.0.7/32, 10.2.0.0/31,10.3.0.9-10.3.0.9");
	assert_int_equal(lbpool_size(p), 4);
	assert_true(lbpool_contains(p, "10.2.0.0"));
	assert_true(lbpool_contains(p, "10.2.0.1"));
	lbpool_free(p);

	p = pool("10.0.0.0/16");
	assert_int_equal(lbpool_size(p), 65534);
	lbpool_free(p);
}

static void
test_lbpool_parse_errors(void **state)
{
	(void)state;
	bad("", "empty");
	bad("10.0.0.1-10.0.0.5,", "empty");
	bad("10.0.0.1", "want a CIDR");
	bad("10.0.0.300/24", "not an IPv4 CIDR");
	bad("10.0.0.0/33", "not an IPv4 CIDR");
	bad("10.0.0.0/x", "not an IPv4 CIDR");
	bad("fd00::/120", "not an IPv4 CIDR");
	bad("10.0.0.9-10.0.0.1", "above the last");
	bad("10.0.0.1-banana", "not an IPv4 range");
	bad("10.0.0.0/24,10.0.0.200-10.0.1.5", "overlap");
	bad("10.0.0.0/15", "more than 65536");
	bad("10.0.0.0/16,10.1.0.0/24", "more than 65536");
}

static void
test_lbpool_alloc_lowest_then_exhausted(void **state)
{
	struct lbpool *p = pool("10.0.0.1-10.0.0.2,10.9.0.1-10.9.0.1");
	char ip[LBPOOL_IP_LEN];

	(void)state;
	assert_int_equal(lbpool_alloc(p, "ns/a", ip), 0);
	assert_string_equal(ip, "10.0.0.1");
	assert_int_equal(lbpool_alloc(p, "ns/a", ip), 0);	/* stable */
	assert_string_equal(ip, "10.0.0.1");
	assert_int_equal(lbpool_alloc(p, "ns/b", ip), 0);
	assert_string_equal(ip, "10.0.0.2");
	assert_int_equal(lbpool_alloc(p, "ns/c", ip), 0);	/* next range */
	assert_string_equal(ip, "10.9.0.1");
	assert_int_equal(lbpool_free_count(p), 0);
	assert_int_equal(lbpool_alloc(p, "ns/d", ip), CK_ENOSPC);
	assert_false(lbpool_lookup(p, "ns/d", ip));
	lbpool_free(p);
}

static void
test_lbpool_release_then_reuse(void **state)
{
	struct lbpool *p = pool("10.0.0.1-10.0.0.2");
	char ip[LBPOOL_IP_LEN];

	(void)state;
	assert_int_equal(lbpool_alloc(p, "ns/a", ip), 0);
	assert_int_equal(lbpool_alloc(p, "ns/b", ip), 0);
	assert_true(lbpool_release(p, "ns/a"));
	assert_false(lbpool_release(p, "ns/a"));		/* once */
	assert_false(lbpool_lookup(p, "ns/a", ip));
	assert_int_equal(lbpool_free_count(p), 1);
	assert_int_equal(lbpool_alloc(p, "ns/c", ip), 0);
	assert_string_equal(ip, "10.0.0.1");
	assert_true(lbpool_lookup(p, "ns/b", ip));
	assert_string_equal(ip, "10.0.0.2");
	lbpool_free(p);
}

static void
test_lbpool_claim_requested(void **state)
{
	struct lbpool *p = pool("10.0.0.1-10.0.0.10");
	char ip[LBPOOL_IP_LEN], owner[64] = "";

	(void)state;
	assert_int_equal(lbpool_claim(p, "ns/a", "10.0.0.7", NULL, 0), 0);
	assert_int_equal(lbpool_claim(p, "ns/a", "10.0.0.7", NULL, 0), 0);
	assert_true(lbpool_lookup(p, "ns/a", ip));
	assert_string_equal(ip, "10.0.0.7");
	/* In use by another key: refused, and the holder is named. */
	assert_int_equal(lbpool_claim(p, "ns/b", "10.0.0.7", owner,
	    sizeof(owner)), CK_EEXIST);
	assert_string_equal(owner, "ns/a");
	assert_false(lbpool_lookup(p, "ns/b", ip));
	/* Outside the pool, or not an address. */
	assert_int_equal(lbpool_claim(p, "ns/b", "10.0.0.11", NULL, 0),
	    CK_EINVALID);
	assert_int_equal(lbpool_claim(p, "ns/b", "nope", NULL, 0),
	    CK_EINVALID);
	/* A key holds one address: a new claim moves it. */
	assert_int_equal(lbpool_claim(p, "ns/a", "10.0.0.3", NULL, 0), 0);
	assert_int_equal(lbpool_free_count(p), 9);
	assert_int_equal(lbpool_claim(p, "ns/b", "10.0.0.7", NULL, 0), 0);
	/* A requested address is skipped by later allocations. */
	assert_int_equal(lbpool_alloc(p, "ns/c", ip), 0);
	assert_string_equal(ip, "10.0.0.1");
	assert_int_equal(lbpool_alloc(p, "ns/d", ip), 0);
	assert_string_equal(ip, "10.0.0.2");
	assert_int_equal(lbpool_alloc(p, "ns/e", ip), 0);
	assert_string_equal(ip, "10.0.0.4");
	lbpool_free(p);
}

/* A restart: the holders come back from what Services show, first. */
static void
test_lbpool_rebuild_from_status(void **state)
{
	struct lbpool *p = pool("10.0.0.1-10.0.0.3");
	char ip[LBPOOL_IP_LEN];

	(void)state;
	assert_int_equal(lbpool_claim(p, "ns/b", "10.0.0.1", NULL, 0), 0);
	assert_int_equal(lbpool_claim(p, "ns/a", "10.0.0.3", NULL, 0), 0);
	assert_int_equal(lbpool_alloc(p, "ns/a", ip), 0);
	assert_string_equal(ip, "10.0.0.3");		/* kept */
	assert_int_equal(lbpool_alloc(p, "ns/c", ip), 0);
	assert_string_equal(ip, "10.0.0.2");		/* the hole */
	assert_int_equal(lbpool_alloc(p, "ns/d", ip), CK_ENOSPC);
	lbpool_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lbpool_parse_forms),
		cmocka_unit_test(test_lbpool_parse_errors),
		cmocka_unit_test(test_lbpool_alloc_lowest_then_exhausted),
		cmocka_unit_test(test_lbpool_release_then_reuse),
		cmocka_unit_test(test_lbpool_claim_requested),
		cmocka_unit_test(test_lbpool_rebuild_from_status),
	};

	return cmocka_run_group_tests_name("lbpool", tests, NULL, NULL);
}
