/* Unit tests of the kubelet-sim pod resolv.conf (every dnsPolicy, limits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "ckube/ck.h"
#include "ckube/strbuf.h"
#include "resolv.h"

static const char host_conf[] =
    "# generated\n"
    "nameserver 192.168.1.1\n"
    "nameserver 8.8.8.8 ; trailing\n"
    "nameserver not-an-ip\n"
    "domain old.example\n"
    "search corp.example lab.example\n"
    "options timeout:2 ndots:1\n";

static void
cfg_init(struct resolv_cfg *cfg, const char *cluster)
{
	char err[128];

	memset(cfg, 0, sizeof(*cfg));
	assert_true(resolv_parse_cluster_dns(cluster, &cfg->cluster, err,
	    sizeof(err)));
	ck_strlcpy(cfg->domain, "cluster.local", sizeof(cfg->domain));
	resolv_parse_conf(host_conf, &cfg->host);
}

/* resolv.conf text for a pod spec (JSON) in namespace ns. */
static char *
render(const struct resolv_cfg *cfg, const char *spec_json, const char *ns)
{
	cJSON *spec = cJSON_Parse(spec_json);
	struct resolv r;
	struct strbuf sb;

	assert_non_null(spec);
	resolv_for_pod(cfg, spec, ns, &r);
	cJSON_Delete(spec);
	strbuf_init(&sb);
	resolv_format(&r, &sb);
	return strbuf_detach(&sb, NULL);
}

static void
expect(const struct resolv_cfg *cfg, const char *spec, const char *ns,
    const char *want)
{
	char *got = render(cfg, spec, ns);

	assert_string_equal(got, want);
	free(got);
}

static void
test_parse(void **state)
{
	struct resolv r;
	char err[128];

	(void)state;
	assert_true(resolv_parse_cluster_dns("10.0.0.10,127.0.0.1:5353,"
	    "[::1]:54,fd00::a", &r, err, sizeof(err)));
	assert_int_equal(r.nns, 4);
	assert_string_equal(r.ns[1], "127.0.0.1");
	assert_int_equal(r.port[1], 5353);
	assert_string_equal(r.ns[2], "::1");
	assert_int_equal(r.port[2], 54);
	assert_string_equal(r.ns[3], "fd00::a");
	assert_int_equal(r.port[3], 53);
	assert_true(resolv_parse_cluster_dns("", &r, err, sizeof(err)));
	assert_int_equal(r.nns, 0);
	assert_false(resolv_parse_cluster_dns("10.0.0.300", &r, err,
	    sizeof(err)));
	assert_non_null(strstr(err, "10.0.0.300"));
	assert_false(resolv_parse_cluster_dns("1.2.3.4:0", &r, err,
	    sizeof(err)));
	assert_false(resolv_parse_cluster_dns("1.2.3.4:", &r, err,
	    sizeof(err)));
	assert_false(resolv_parse_cluster_dns("[::1]", &r, err, sizeof(err)));
	assert_false(resolv_parse_cluster_dns("dns.example", &r, err,
	    sizeof(err)));
	/* The host file: last search/domain line wins, bad IPs skipped. */
	resolv_parse_conf(host_conf, &r);
	assert_int_equal(r.nns, 2);
	assert_int_equal(r.nsearch, 2);
	assert_string_equal(r.search[0], "corp.example");
	assert_int_equal(r.nopt, 2);
	resolv_parse_conf(NULL, &r);
	assert_int_equal(r.nns, 0);
}

static void
test_cluster_first(void **state)
{
	struct resolv_cfg cfg;
	const char *want =
	    "nameserver 127.0.0.1\n"
	    "# nameserver 127.0.0.1 port 5353\n"
	    "search web.svc.cluster.local svc.cluster.local cluster.local "
	    "corp.example lab.example\n"
	    "options ndots:5\n";

	(void)state;
	cfg_init(&cfg, "127.0.0.1:5353");
	/* The default policy (absent) is ClusterFirst. */
	expect(&cfg, "{}", "web", want);
	expect(&cfg, "{\"dnsPolicy\":\"ClusterFirst\"}", "web", want);
	expect(&cfg, "{\"dnsPolicy\":\"ClusterFirstWithHostNet\","
	    "\"hostNetwork\":true}", "web", want);
	/* ClusterFirst on the host network is Default. */
	expect(&cfg, "{\"dnsPolicy\":\"ClusterFirst\",\"hostNetwork\":true}",
	    "web", "nameserver 192.168.1.1\nnameserver 8.8.8.8\n"
	    "search corp.example lab.example\noptions timeout:2 ndots:1\n");
	/* Without --cluster-dns ClusterFirst falls back to Default. */
	cfg_init(&cfg, "");
	expect(&cfg, "{}", "web", "nameserver 192.168.1.1\n"
	    "nameserver 8.8.8.8\nsearch corp.example lab.example\n"
	    "options timeout:2 ndots:1\n");
}

static void
test_default_none(void **state)
{
	struct resolv_cfg cfg;
	char *spec_text;

	(void)state;
	cfg_init(&cfg, "10.0.0.10");
	expect(&cfg, "{\"dnsPolicy\":\"Default\"}", "a",
	    "nameserver 192.168.1.1\nnameserver 8.8.8.8\n"
	    "search corp.example lab.example\noptions timeout:2 ndots:1\n");
	expect(&cfg, "{\"dnsPolicy\":\"None\",\"dnsConfig\":{"
	    "\"nameservers\":[\"1.1.1.1\"],\"searches\":[\"x.example\"],"
	    "\"options\":[{\"name\":\"ndots\",\"value\":\"2\"},"
	    "{\"name\":\"edns0\"}]}}", "a",
	    "nameserver 1.1.1.1\nsearch x.example\noptions ndots:2 edns0\n");
	/* None without dnsConfig (the apiserver refuses it): empty. */
	expect(&cfg, "{\"dnsPolicy\":\"None\"}", "a", "");
	spec_text = resolv_pod_text(&cfg, NULL, "a");
	assert_string_equal(spec_text, "nameserver 10.0.0.10\n"
	    "search a.svc.cluster.local svc.cluster.local cluster.local "
	    "corp.example lab.example\noptions ndots:5\n");
	free(spec_text);
}

static void
test_merge(void **state)
{
	struct resolv_cfg cfg;

	(void)state;
	cfg_init(&cfg, "10.0.0.10");
	resolv_parse_conf("", &cfg.host);
	/*
	 * dnsConfig appends, duplicates omitted; an option of the same name
	 * replaces the base one in place.
	 */
	expect(&cfg, "{\"dnsConfig\":{\"nameservers\":[\"10.0.0.10\","
	    "\"1.1.1.1\"],\"searches\":[\"svc.cluster.local\",\"my.dns\"],"
	    "\"options\":[{\"name\":\"single-request\"},{\"name\":\"ndots\","
	    "\"value\":\"2\"},{\"name\":\"\"}]}}", "ns1",
	    "nameserver 10.0.0.10\nnameserver 1.1.1.1\n"
	    "search ns1.svc.cluster.local svc.cluster.local cluster.local "
	    "my.dns\noptions ndots:2 single-request\n");
}

static void
test_limits(void **state)
{
	struct resolv_cfg cfg;
	struct strbuf sb;
	struct resolv r;
	cJSON *spec, *dc, *arr;
	char name[80], big[254];
	int i;

	(void)state;
	cfg_init(&cfg, "10.0.0.10,10.0.0.11");
	resolv_parse_conf("", &cfg.host);
	spec = cJSON_CreateObject();
	dc = cJSON_AddObjectToObject(spec, "dnsConfig");
	arr = cJSON_AddArrayToObject(dc, "nameservers");
	cJSON_AddItemToArray(arr, cJSON_CreateString("1.1.1.1"));
	cJSON_AddItemToArray(arr, cJSON_CreateString("2.2.2.2"));
	arr = cJSON_AddArrayToObject(dc, "searches");
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "d%d.example", i);
		cJSON_AddItemToArray(arr, cJSON_CreateString(name));
	}
	resolv_for_pod(&cfg, spec, "n", &r);
	/* 3 nameservers, the cluster's first; 32 search domains. */
	assert_int_equal(r.nns, 3);
	assert_string_equal(r.ns[2], "1.1.1.1");
	assert_int_equal(r.nsearch, 32);
	assert_string_equal(r.search[31], "d28.example");
	/* The search list stays within 2048 characters. */
	cJSON_DeleteItemFromObject(dc, "searches");
	arr = cJSON_AddArrayToObject(dc, "searches");
	for (i = 0; i < 20; i++) {
		/* Three 60-character labels: about 190 characters each. */
		memset(name, 'a' + i, 60);
		name[60] = '\0';
		snprintf(big, sizeof(big), "%s.%s.%s.x%d", name, name, name, i);
		cJSON_AddItemToArray(arr, cJSON_CreateString(big));
		cJSON_AddItemToArray(arr, cJSON_CreateString(big));
	}
	resolv_for_pod(&cfg, spec, "n", &r);
	strbuf_init(&sb);
	resolv_format(&r, &sb);
	assert_true(r.nsearch > 3 && r.nsearch < 14);
	assert_true(strlen(strstr(strbuf_str(&sb), "search ")) - 8 <=
	    RESOLV_MAX_SEARCH_CHARS);
	strbuf_fini(&sb);
	cJSON_Delete(spec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_cluster_first),
		cmocka_unit_test(test_default_none),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
