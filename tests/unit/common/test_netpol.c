/*
 * Unit tests for common/netpol.c and netpol_addr.c: every acceptance
 * scenario of spec 7(d) and the edge cases of 7(b) (named ports, endPort,
 * ipBlock except, one peer with both selectors vs two peers, empty
 * podSelector, policyTypes inference, egress, the node's probes).
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

#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/netpol.h"

/* ---- building the world ---- */

static struct kobj *
parse(const char *json)
{
	struct kobj *o = kobj_parse(json, strlen(json));

	assert_non_null(o);
	return o;
}

static void
add_ns(struct netpol_set *set, const char *name, const char *labels,
    const char *isolation)
{
	char buf[1024];
	struct kobj *o;
	cJSON *ann;
	int rc;

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":"
	    "\"Namespace\",\"metadata\":{\"name\":\"%s\",\"labels\":%s}}",
	    name, labels);
	o = parse(buf);
	if (isolation != NULL) {
		ann = cJSON_CreateObject();
		cJSON_AddStringToObject(ann, NETPOL_ANN_ISOLATION, isolation);
		cJSON_AddItemToObject(cJSON_GetObjectItem(kobj_json_mut(o),
		    "metadata"), "annotations", ann);
	}
	rc = netpol_set_add_namespace(set, o, NULL);
	assert_int_equal(rc, 0);
	kobj_unref(o);
}

/* A pod on node 10.0.0.1 (hostIP) with the ip given and ports
 * redis=6379/TCP, http=80/TCP, dns=53/UDP. */
static void
add_pod(struct netpol_set *set, const char *ns, const char *name,
    const char *labels, const char *ip)
{
	char buf[2048];
	struct kobj *o;

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"v1\",\"kind\":\"Pod\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\","
	    "\"labels\":%s},\"spec\":{\"containers\":[{\"name\":\"c\","
	    "\"ports\":[{\"name\":\"redis\",\"containerPort\":6379},"
	    "{\"name\":\"http\",\"containerPort\":80,\"protocol\":\"TCP\"},"
	    "{\"name\":\"dns\",\"containerPort\":53,\"protocol\":\"UDP\"}]}]},"
	    "\"status\":{\"hostIP\":\"10.0.0.1\",\"podIP\":\"%s\","
	    "\"podIPs\":[{\"ip\":\"%s\"}]}}", name, ns, labels, ip, ip);
	o = parse(buf);
	netpol_set_add_pod(set, o);
	kobj_unref(o);
}

static int
add_policy_rc(struct netpol_set *set, const char *ns, const char *name,
    const char *spec)
{
	char buf[4096];
	struct ck_status st;
	struct kobj *o;
	int rc;

	snprintf(buf, sizeof(buf), "{\"apiVersion\":\"networking.k8s.io/v1\","
	    "\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"%s\","
	    "\"namespace\":\"%s\"},\"spec\":%s}", name, ns, spec);
	o = parse(buf);
	ck_status_clear(&st);
	rc = netpol_set_add_policy(set, o, &st);
	kobj_unref(o);
	return rc;
}

static void
add_policy(struct netpol_set *set, const char *ns, const char *name,
    const char *spec)
{
	assert_int_equal(add_policy_rc(set, ns, name, spec), 0);
}

/* The 7(d) setup: myns with frontend, backend, other. */
static struct netpol_set *
world(enum netpol_mode mode, const char *isolation)
{
	struct netpol_set *set = netpol_set_new(mode);

	add_ns(set, "myns", "{\"team\":\"b\"}", isolation);
	add_pod(set, "myns", "frontend", "{\"role\":\"frontend\"}",
	    "10.244.0.2");
	add_pod(set, "myns", "backend", "{\"role\":\"backend\"}",
	    "10.244.0.3");
	add_pod(set, "myns", "other", "{\"role\":\"other\"}", "10.244.0.4");
	return set;
}

/* "ns/pod" or an IP. */
static struct netpol_end
end_of(const struct netpol_set *set, const char *s)
{
	struct netpol_end e = { NULL, NULL };
	char ns[64];
	const char *slash = strchr(s, '/');

	if (slash == NULL) {
		e.ip = s;
		return e;
	}
	snprintf(ns, sizeof(ns), "%.*s", (int)(slash - s), s);
	e.pod = netpol_set_pod(set, ns, slash + 1);
	assert_non_null(e.pod);
	return e;
}

static bool
allowed_proto(const struct netpol_set *set, const char *from, const char *to,
    int port, const char *proto)
{
	struct netpol_conn c;
	struct netpol_verdict v;
	bool ok;

	memset(&c, 0, sizeof(c));
	c.from = end_of(set, from);
	c.to = end_of(set, to);
	c.port = port;
	c.protocol = proto;
	assert_int_equal(netpol_check(set, &c, &v), 0);
	ok = v.allowed;
	netpol_verdict_fini(&v);
	return ok;
}

static bool
allowed(const struct netpol_set *set, const char *from, const char *to,
    int port)
{
	return allowed_proto(set, from, to, port, "TCP");
}

#define SCENARIO2 "{\"podSelector\":{\"matchLabels\":{\"role\":\"backend\"}}," \
	"\"policyTypes\":[\"Ingress\"],\"ingress\":[{\"from\":[{\"podSelector\":" \
	"{\"matchLabels\":{\"role\":\"frontend\"}}}],\"ports\":[{\"protocol\":" \
	"\"TCP\",\"port\":6379}]}]}"

/* ---- 7(d) scenarios ---- */

static void
test_netpol_scenario1_no_policies(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);

	(void)state;
	assert_true(allowed(set, "myns/frontend", "myns/backend", 6379));
	assert_true(allowed(set, "myns/other", "myns/backend", 6379));
	netpol_set_free(set);
}

static void
test_netpol_scenario2_frontend_only(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);

	(void)state;
	add_policy(set, "myns", "db", SCENARIO2);
	assert_true(allowed(set, "myns/frontend", "myns/backend", 6379));
	assert_false(allowed(set, "myns/other", "myns/backend", 6379));
	assert_false(allowed(set, "myns/frontend", "myns/backend", 80));
	assert_false(allowed_proto(set, "myns/frontend", "myns/backend", 6379,
	    "UDP"));
	assert_true(allowed(set, "myns/backend", "myns/frontend", 6379));
	assert_true(allowed(set, "myns/other", "myns/frontend", 80));
	/* an outside address is no frontend pod */
	assert_false(allowed(set, "192.0.2.1", "myns/backend", 6379));
	netpol_set_free(set);
}

static void
test_netpol_scenario3_union(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);

	(void)state;
	add_policy(set, "myns", "db", SCENARIO2);
	add_policy(set, "myns", "db-other", "{\"podSelector\":{\"matchLabels\":"
	    "{\"role\":\"backend\"}},\"ingress\":[{\"from\":[{\"podSelector\":"
	    "{\"matchLabels\":{\"role\":\"other\"}}}]}]}");
	assert_true(allowed(set, "myns/frontend", "myns/backend", 6379));
	assert_true(allowed(set, "myns/other", "myns/backend", 6379));
	assert_true(allowed(set, "myns/other", "myns/backend", 80));
	assert_false(allowed(set, "myns/frontend", "myns/backend", 80));
	netpol_set_free(set);
}

static void
test_netpol_scenario4_default_deny_node_allowed(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);
	struct netpol_conn c;
	struct netpol_verdict v;

	(void)state;
	add_policy(set, "myns", "deny", "{\"podSelector\":{},"
	    "\"policyTypes\":[\"Ingress\"]}");
	assert_false(allowed(set, "myns/frontend", "myns/backend", 6379));
	assert_false(allowed(set, "myns/backend", "myns/frontend", 80));
	assert_false(allowed(set, "192.0.2.1", "myns/other", 80));
	/* the kubelet's probes come from the pod's node: allowed */
	memset(&c, 0, sizeof(c));
	c.from.ip = "10.0.0.1";
	c.to = end_of(set, "myns/backend");
	c.port = 8080;
	assert_int_equal(netpol_check(set, &c, &v), 0);
	assert_true(v.allowed);
	assert_string_equal(v.why, "from the node hosting the pod");
	netpol_verdict_fini(&v);
	netpol_set_free(set);
}

static void
test_netpol_scenario5_13_annotation(void **state)
{
	static const char deny[] = "{\"ingress\": {\"isolation\": "
	    "\"DefaultDeny\"}}";
	struct netpol_set *set;
	int mode;

	(void)state;
	for (mode = 0; mode < 2; mode++) {
		/* annotated, no policies: nothing reaches the pods */
		set = world((enum netpol_mode)mode, deny);
		assert_false(allowed(set, "myns/frontend", "myns/backend",
		    6379));
		assert_false(allowed(set, "myns/backend", "myns/frontend", 80));
		/* the v1beta1 policy of scenario 2 (stored as v1) */
		add_policy(set, "myns", "db", "{\"podSelector\":{\"matchLabels\""
		    ":{\"role\":\"backend\"}},\"ingress\":[{\"from\":[{"
		    "\"podSelector\":{\"matchLabels\":{\"role\":\"frontend\"}}}],"
		    "\"ports\":[{\"port\":6379}]}],\"policyTypes\":[\"Ingress\"]}");
		assert_true(allowed(set, "myns/frontend", "myns/backend",
		    6379));
		assert_false(allowed(set, "myns/other", "myns/backend", 6379));
		assert_false(allowed(set, "myns/backend", "myns/frontend", 80));
		netpol_set_free(set);
	}
	/* pure 1.3 without the annotation: the policy has no effect */
	set = world(NETPOL_MODE_PURE_13, NULL);
	add_policy(set, "myns", "db", SCENARIO2);
	assert_true(allowed(set, "myns/other", "myns/backend", 6379));
	assert_true(allowed(set, "myns/frontend", "myns/backend", 80));
	netpol_set_free(set);
	/* a malformed annotation is reported and does not isolate */
	set = netpol_set_new(NETPOL_MODE_DEFAULT);
	{
		struct kobj *o = parse("{\"kind\":\"Namespace\",\"metadata\":"
		    "{\"name\":\"x\",\"annotations\":{\"" NETPOL_ANN_ISOLATION
		    "\":\"nope\"}}}");
		struct ck_status st;

		assert_int_equal(netpol_set_add_namespace(set, o, &st),
		    CK_EINVALID);
		assert_false(netpol_namespace_default_deny(set, "x"));
		kobj_unref(o);
	}
	netpol_set_free(set);
}

static void
test_netpol_scenario6_one_peer_vs_two(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);
	struct netpol_set *set2;

	(void)state;
	add_ns(set, "a1", "{\"team\":\"a\"}", NULL);
	add_ns(set, "c1", "{\"team\":\"c\"}", NULL);
	add_pod(set, "a1", "x", "{\"app\":\"x\"}", "10.244.1.2");
	add_pod(set, "a1", "y", "{\"app\":\"y\"}", "10.244.1.3");
	add_pod(set, "c1", "x", "{\"app\":\"x\"}", "10.244.2.2");
	add_pod(set, "myns", "x", "{\"app\":\"x\"}", "10.244.0.9");
	/* one element: app=x pods in team=a namespaces only */
	add_policy(set, "myns", "and", "{\"podSelector\":{\"matchLabels\":"
	    "{\"role\":\"backend\"}},\"ingress\":[{\"from\":[{"
	    "\"namespaceSelector\":{\"matchLabels\":{\"team\":\"a\"}},"
	    "\"podSelector\":{\"matchLabels\":{\"app\":\"x\"}}}]}]}");
	assert_true(allowed(set, "a1/x", "myns/backend", 6379));
	assert_false(allowed(set, "a1/y", "myns/backend", 6379));
	assert_false(allowed(set, "c1/x", "myns/backend", 6379));
	assert_false(allowed(set, "myns/x", "myns/backend", 6379));

	/* two elements: all of team=a, plus app=x of the policy's namespace */
	set2 = netpol_set_new(NETPOL_MODE_DEFAULT);
	add_ns(set2, "myns", "{}", NULL);
	add_ns(set2, "a1", "{\"team\":\"a\"}", NULL);
	add_ns(set2, "c1", "{\"team\":\"c\"}", NULL);
	add_policy(set2, "myns", "or", "{\"podSelector\":{\"matchLabels\":"
	    "{\"role\":\"backend\"}},\"ingress\":[{\"from\":[{"
	    "\"namespaceSelector\":{\"matchLabels\":{\"team\":\"a\"}}},"
	    "{\"podSelector\":{\"matchLabels\":{\"app\":\"x\"}}}]}]}");
	add_pod(set2, "myns", "backend", "{\"role\":\"backend\"}", "10.244.0.3");
	add_pod(set2, "a1", "x", "{\"app\":\"x\"}", "10.244.1.2");
	add_pod(set2, "a1", "y", "{\"app\":\"y\"}", "10.244.1.3");
	add_pod(set2, "c1", "x", "{\"app\":\"x\"}", "10.244.2.2");
	add_pod(set2, "myns", "x", "{\"app\":\"x\"}", "10.244.0.9");
	add_pod(set2, "myns", "y", "{\"app\":\"y\"}", "10.244.0.10");
	assert_true(allowed(set2, "a1/x", "myns/backend", 6379));
	assert_true(allowed(set2, "a1/y", "myns/backend", 6379));
	assert_false(allowed(set2, "c1/x", "myns/backend", 6379));
	assert_true(allowed(set2, "myns/x", "myns/backend", 6379));
	assert_false(allowed(set2, "myns/y", "myns/backend", 6379));
	netpol_set_free(set2);
	netpol_set_free(set);
}

static void
test_netpol_scenario7_egress(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);

	(void)state;
	add_policy(set, "myns", "out", "{\"podSelector\":{\"matchLabels\":"
	    "{\"role\":\"frontend\"}},\"policyTypes\":[\"Egress\"],\"egress\":"
	    "[{\"to\":[{\"podSelector\":{\"matchLabels\":{\"role\":"
	    "\"backend\"}}}]}]}");
	assert_true(allowed(set, "myns/frontend", "myns/backend", 6379));
	assert_true(allowed(set, "myns/frontend", "myns/backend", 80));
	assert_false(allowed(set, "myns/frontend", "myns/other", 80));
	assert_false(allowed_proto(set, "myns/frontend", "10.96.0.10", 53,
	    "UDP"));
	assert_false(allowed(set, "myns/frontend", "203.0.113.7", 443));
	/* others are not egress-isolated; ingress is untouched */
	assert_true(allowed(set, "myns/other", "203.0.113.7", 443));
	assert_true(allowed(set, "myns/other", "myns/frontend", 80));
	/* pure 1.3 has no egress */
	netpol_set_free(set);
	set = world(NETPOL_MODE_PURE_13, NULL);
	add_policy(set, "myns", "out", "{\"podSelector\":{},\"egress\":[{}]}");
	assert_true(allowed(set, "myns/frontend", "203.0.113.7", 443));
	netpol_set_free(set);
}

/* ---- edge cases ---- */

static void
test_netpol_named_ports(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);

	(void)state;
	add_policy(set, "myns", "named", "{\"podSelector\":{\"matchLabels\":"
	    "{\"role\":\"backend\"}},\"ingress\":[{\"ports\":[{\"port\":"
	    "\"redis\"},{\"port\":\"dns\",\"protocol\":\"UDP\"},{\"port\":"
	    "\"nosuch\"},{\"port\":\"http\",\"protocol\":\"UDP\"}]}]}");
	assert_true(allowed(set, "myns/other", "myns/backend", 6379));
	assert_true(allowed_proto(set, "myns/other", "myns/backend", 53,
	    "UDP"));
	/* http is TCP only; "nosuch" is declared by no container */
	assert_false(allowed(set, "myns/other", "myns/backend", 80));
	assert_false(allowed_proto(set, "myns/other", "myns/backend", 80,
	    "UDP"));
	assert_false(allowed(set, "myns/other", "myns/backend", 53));
	netpol_set_free(set);
}

static void
test_netpol_end_port(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);

	(void)state;
	add_policy(set, "myns", "range", "{\"podSelector\":{},\"ingress\":"
	    "[{\"ports\":[{\"port\":8000,\"endPort\":8080},{\"protocol\":"
	    "\"SCTP\"}]}]}");
	assert_false(allowed(set, "myns/other", "myns/backend", 7999));
	assert_true(allowed(set, "myns/other", "myns/backend", 8000));
	assert_true(allowed(set, "myns/other", "myns/backend", 8042));
	assert_true(allowed(set, "myns/other", "myns/backend", 8080));
	assert_false(allowed(set, "myns/other", "myns/backend", 8081));
	/* a port entry without a port: every port of its protocol */
	assert_true(allowed_proto(set, "myns/other", "myns/backend", 9,
	    "SCTP"));
	assert_false(allowed_proto(set, "myns/other", "myns/backend", 8000,
	    "UDP"));
	netpol_set_free(set);
}

static void
test_netpol_ipblock_except(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);

	(void)state;
	add_policy(set, "myns", "ext", "{\"podSelector\":{\"matchLabels\":"
	    "{\"role\":\"backend\"}},\"ingress\":[{\"from\":[{\"ipBlock\":"
	    "{\"cidr\":\"172.17.0.0/16\",\"except\":[\"172.17.1.0/24\"]}}]}],"
	    "\"egress\":[{\"to\":[{\"ipBlock\":{\"cidr\":\"2001:db8::/32\"}}]}]}");
	assert_true(allowed(set, "172.17.0.9", "myns/backend", 6379));
	assert_true(allowed(set, "172.17.255.1", "myns/backend", 6379));
	assert_false(allowed(set, "172.17.1.9", "myns/backend", 6379));
	assert_false(allowed(set, "172.18.0.1", "myns/backend", 6379));
	/* pods are matched by their IPs too; frontend is outside the block */
	assert_false(allowed(set, "myns/frontend", "myns/backend", 6379));
	/* egress inferred from the egress rules: IPv6 block only */
	assert_true(allowed(set, "myns/backend", "2001:db8::1", 443));
	assert_false(allowed(set, "myns/backend", "2001:db9::1", 443));
	assert_false(allowed(set, "myns/backend", "myns/other", 80));
	netpol_set_free(set);
}

static void
test_netpol_empty_pod_selector_peer(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);

	(void)state;
	add_ns(set, "elsewhere", "{}", NULL);
	add_pod(set, "elsewhere", "z", "{\"role\":\"frontend\"}", "10.244.3.2");
	add_policy(set, "myns", "same-ns", "{\"podSelector\":{\"matchLabels\":"
	    "{\"role\":\"backend\"}},\"ingress\":[{\"from\":[{\"podSelector\":"
	    "{}}]}]}");
	assert_true(allowed(set, "myns/other", "myns/backend", 6379));
	assert_false(allowed(set, "elsewhere/z", "myns/backend", 6379));
	assert_false(allowed(set, "192.0.2.1", "myns/backend", 6379));
	/* an empty namespaceSelector: every namespace */
	add_policy(set, "myns", "all-ns", "{\"podSelector\":{\"matchLabels\":"
	    "{\"role\":\"backend\"}},\"ingress\":[{\"from\":[{"
	    "\"namespaceSelector\":{}}]}]}");
	assert_true(allowed(set, "elsewhere/z", "myns/backend", 6379));
	assert_false(allowed(set, "192.0.2.1", "myns/backend", 6379));
	netpol_set_free(set);
}

static void
test_netpol_allow_all_and_types(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);

	(void)state;
	/* ingress: [{}] allows everything; no policyTypes: Ingress only */
	add_policy(set, "myns", "deny", "{\"podSelector\":{}}");
	assert_false(allowed(set, "myns/other", "myns/backend", 80));
	add_policy(set, "myns", "all", "{\"podSelector\":{\"matchLabels\":"
	    "{\"role\":\"backend\"}},\"ingress\":[{}]}");
	assert_true(allowed(set, "myns/other", "myns/backend", 80));
	assert_true(allowed(set, "203.0.113.1", "myns/backend", 80));
	assert_false(allowed(set, "myns/other", "myns/frontend", 80));
	/* an Egress-only policy does not isolate ingress */
	add_policy(set, "myns", "egress-only", "{\"podSelector\":{\"matchLabels\""
	    ":{\"role\":\"other\"}},\"policyTypes\":[\"Egress\"],\"egress\":"
	    "[{}]}");
	assert_true(allowed(set, "myns/other", "203.0.113.1", 80));
	netpol_set_free(set);
}

static void
test_netpol_policies_stay_in_namespace(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);

	(void)state;
	add_ns(set, "b", "{}", NULL);
	add_pod(set, "b", "backend", "{\"role\":\"backend\"}", "10.244.4.2");
	add_policy(set, "myns", "deny", "{\"podSelector\":{}}");
	assert_true(allowed(set, "myns/frontend", "b/backend", 80));
	assert_false(allowed(set, "b/backend", "myns/frontend", 80));
	netpol_set_free(set);
}

static void
test_netpol_explain_hits(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);
	struct netpol_conn c;
	struct netpol_verdict v;
	const struct kobj **pols;
	size_t n;

	(void)state;
	add_policy(set, "myns", "db", SCENARIO2);
	add_policy(set, "myns", "db-any", "{\"podSelector\":{\"matchLabels\":"
	    "{\"role\":\"backend\"}},\"ingress\":[{\"ports\":[{\"port\":1}]},"
	    "{\"from\":[{\"podSelector\":{}}],\"ports\":[{\"port\":6379}]}]}");
	memset(&c, 0, sizeof(c));
	c.from = end_of(set, "myns/frontend");
	c.to = end_of(set, "myns/backend");
	c.port = 6379;
	c.explain = true;
	assert_int_equal(netpol_check(set, &c, &v), 0);
	assert_true(v.allowed);
	assert_true(v.ingress.isolated);
	assert_false(v.egress.isolated);
	assert_int_equal(v.ingress.nselecting, 2);
	assert_int_equal(v.ingress.nallowing, 2);
	assert_string_equal(kobj_name(v.ingress.allowing[0].policy), "db");
	assert_int_equal(v.ingress.allowing[0].rule, 0);
	assert_string_equal(kobj_name(v.ingress.allowing[1].policy), "db-any");
	assert_int_equal(v.ingress.allowing[1].rule, 1);
	netpol_verdict_fini(&v);

	c.port = 80;
	assert_int_equal(netpol_check(set, &c, &v), 0);
	assert_false(v.allowed);
	assert_string_equal(v.why, "denied on ingress");
	assert_int_equal(v.ingress.nallowing, 0);
	netpol_verdict_fini(&v);

	pols = netpol_policies_selecting(set, c.to.pod, &n);
	assert_int_equal(n, 2);
	free(pols);
	pols = netpol_policies_selecting(set, c.from.pod, &n);
	assert_int_equal(n, 0);
	free(pols);

	c.port = 0;
	assert_int_equal(netpol_check(set, &c, &v), CK_EINVALID);
	c.port = 80;
	c.protocol = "ICMP";
	assert_int_equal(netpol_check(set, &c, &v), CK_EINVALID);
	netpol_set_free(set);
}

static void
test_netpol_label_change_flips(void **state)
{
	struct netpol_set *set = world(NETPOL_MODE_DEFAULT, NULL);

	(void)state;
	add_policy(set, "myns", "db", SCENARIO2);
	assert_false(allowed(set, "myns/other", "myns/backend", 6379));
	netpol_set_free(set);
	/* the same policy, other relabelled role=frontend (pods added last) */
	set = netpol_set_new(NETPOL_MODE_DEFAULT);
	add_ns(set, "myns", "{}", NULL);
	add_policy(set, "myns", "db", SCENARIO2);
	add_pod(set, "myns", "backend", "{\"role\":\"backend\"}", "10.244.0.3");
	add_pod(set, "myns", "other", "{\"role\":\"frontend\"}", "10.244.0.4");
	assert_true(allowed(set, "myns/other", "myns/backend", 6379));
	/* an IP that is a pod's is that pod */
	assert_non_null(netpol_set_pod_by_ip(set, "10.244.0.4"));
	assert_null(netpol_set_pod_by_ip(set, "10.244.0.99"));
	assert_null(netpol_set_pod_by_ip(set, "bogus"));
	assert_int_equal(netpol_set_npods(set), 2);
	assert_string_equal(kobj_name(netpol_set_pod_at(set, 1)), "other");
	assert_null(netpol_set_pod_at(set, 2));
	netpol_set_free(set);
}

static void
test_netpol_bad_policy_rejected(void **state)
{
	struct netpol_set *set = netpol_set_new(NETPOL_MODE_DEFAULT);

	(void)state;
	assert_int_equal(add_policy_rc(set, "a", "bad", "{\"podSelector\":"
	    "{\"matchExpressions\":[{\"key\":\"k\",\"operator\":\"Bogus\"}]}}"),
	    CK_EINVALID);
	assert_int_equal(add_policy_rc(set, "a", "bad", "{\"podSelector\":{},"
	    "\"ingress\":[{\"from\":[{\"ipBlock\":{\"cidr\":\"x\"}}]}]}"),
	    CK_EINVALID);
	assert_int_equal(add_policy_rc(set, "a", "bad", "{\"podSelector\":{},"
	    "\"ingress\":[{\"from\":[{\"ipBlock\":{\"cidr\":\"10.0.0.0/8\","
	    "\"except\":[\"y\"]}}]}]}"), CK_EINVALID);
	/* a peer with no field matches nothing (the apiserver refuses it) */
	add_pod(set, "a", "p", "{}", "10.1.1.1");
	add_policy(set, "a", "empty-peer", "{\"podSelector\":{},\"ingress\":"
	    "[{\"from\":[{}]}]}");
	assert_false(allowed(set, "a/p", "a/p", 80));
	netpol_set_free(set);
}

/* ---- addresses and the annotation ---- */

static void
test_netpol_cidr(void **state)
{
	struct netpol_cidr a, b;

	(void)state;
	assert_int_equal(netpol_cidr_parse("10.1.2.3/8", &a), 0);
	assert_int_equal(a.family, 4);
	assert_int_equal(a.bits, 8);
	assert_int_equal(a.addr[1], 0);
	assert_int_equal(netpol_cidr_parse("10.2.0.0/16", &b), 0);
	assert_true(netpol_cidr_contains(&a, &b));
	assert_false(netpol_cidr_contains(&b, &a));
	assert_int_equal(netpol_cidr_parse("0.0.0.0/0", &a), 0);
	assert_true(netpol_cidr_contains(&a, &b));
	assert_int_equal(netpol_cidr_parse("2001:db8::/64", &a), 0);
	assert_int_equal(a.family, 6);
	assert_int_equal(netpol_ip_parse("2001:db8::5", &b), 0);
	assert_true(netpol_cidr_contains(&a, &b));
	assert_int_equal(netpol_cidr_parse("10.0.0.0/12", &a), 0);
	assert_int_equal(netpol_ip_parse("10.15.255.255", &b), 0);
	assert_true(netpol_cidr_contains(&a, &b));
	assert_int_equal(netpol_ip_parse("10.16.0.0", &b), 0);
	assert_false(netpol_cidr_contains(&a, &b));
	assert_int_equal(netpol_ip_parse("::ffff:10.1.1.1", &b), 0);
	assert_false(netpol_cidr_contains(&a, &b));

	assert_int_equal(netpol_cidr_parse("10.0.0.0/33", &a), CK_EINVALID);
	assert_int_equal(netpol_cidr_parse("10.0.0.0/", &a), CK_EINVALID);
	assert_int_equal(netpol_cidr_parse("10.0.0.0/-1", &a), CK_EINVALID);
	assert_int_equal(netpol_cidr_parse("10.0.0.0/+8", &a), CK_EINVALID);
	assert_int_equal(netpol_cidr_parse("10.0.0.0", &a), CK_EINVALID);
	assert_int_equal(netpol_cidr_parse("10.0.0/8", &a), CK_EINVALID);
	assert_int_equal(netpol_cidr_parse("::/129", &a), CK_EINVALID);
	assert_int_equal(netpol_cidr_parse(NULL, &a), CK_EINVALID);
	assert_int_equal(netpol_ip_parse("10.0.0.0/8", &a), CK_EINVALID);
	assert_int_equal(netpol_ip_parse("", &a), CK_EINVALID);
}

static void
test_netpol_isolation_annotation(void **state)
{
	struct ck_status st;
	bool deny;

	(void)state;
	assert_int_equal(netpol_isolation_parse("{\"ingress\":{\"isolation\":"
	    "\"DefaultDeny\"}}", &deny, &st), 0);
	assert_true(deny);
	assert_int_equal(netpol_isolation_parse("{}", &deny, &st), 0);
	assert_false(deny);
	assert_int_equal(netpol_isolation_parse("{\"ingress\":{}}", &deny, &st),
	    0);
	assert_false(deny);
	assert_int_equal(netpol_isolation_parse("{\"ingress\":{\"isolation\":"
	    "\"Allow\"}}", &deny, &st), CK_EINVALID);
	assert_non_null(strstr(st.message, "DefaultDeny"));
	assert_int_equal(netpol_isolation_parse("{\"ingress\":3}", &deny, &st),
	    CK_EINVALID);
	assert_int_equal(netpol_isolation_parse("DefaultDeny", &deny, &st),
	    CK_EINVALID);
	assert_int_equal(netpol_isolation_parse(NULL, &deny, NULL),
	    CK_EINVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_netpol_scenario1_no_policies),
		cmocka_unit_test(test_netpol_scenario2_frontend_only),
		cmocka_unit_test(test_netpol_scenario3_union),
		cmocka_unit_test(test_netpol_scenario4_default_deny_node_allowed),
		cmocka_unit_test(test_netpol_scenario5_13_annotation),
		cmocka_unit_test(test_netpol_scenario6_one_peer_vs_two),
		cmocka_unit_test(test_netpol_scenario7_egress),
		cmocka_unit_test(test_netpol_named_ports),
		cmocka_unit_test(test_netpol_end_port),
		cmocka_unit_test(test_netpol_ipblock_except),
		cmocka_unit_test(test_netpol_empty_pod_selector_peer),
		cmocka_unit_test(test_netpol_allow_all_and_types),
		cmocka_unit_test(test_netpol_policies_stay_in_namespace),
		cmocka_unit_test(test_netpol_explain_hits),
		cmocka_unit_test(test_netpol_label_change_flips),
		cmocka_unit_test(test_netpol_bad_policy_rejected),
		cmocka_unit_test(test_netpol_cidr),
		cmocka_unit_test(test_netpol_isolation_annotation),
	};

	return cmocka_run_group_tests_name("netpol", tests, NULL, NULL);
}
