/*
 * describe.c: NetworkPolicy rules in prose for ckube-netpol's -v and
 * explain output ("from pods role=frontend in myns; on ports 6379/TCP"),
 * read straight from the policy's JSON (the v1 shape the apiserver stores).
 */
#include "netpol_cli.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/kobj.h"
#include "ckube/selector.h"

/* The canonical selector text, or NULL for {} (and for a bad one: "?"). */
static char *
selector_text(const cJSON *json)
{
	struct label_selector *sel = NULL;
	char *s;

	if (selector_from_json(json, NULL, &sel, NULL) < 0)
		return ck_strdup("?");
	s = selector_is_empty(sel) ? NULL : selector_to_string(sel);
	selector_free(sel);
	return s;
}

static void
describe_peer(struct strbuf *sb, const cJSON *peer, const char *ns)
{
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(peer, "podSelector");
	const cJSON *nss = cJSON_GetObjectItemCaseSensitive(peer,
	    "namespaceSelector");
	const cJSON *ip = cJSON_GetObjectItemCaseSensitive(peer, "ipBlock");
	const cJSON *ex;
	char *p = NULL, *n = NULL;
	int k = 0;

	if (cJSON_IsObject(ip)) {
		strbuf_addf(sb, "ipBlock %s", cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(ip, "cidr")));
		cJSON_ArrayForEach(ex, cJSON_GetObjectItemCaseSensitive(ip,
		    "except"))
			strbuf_addf(sb, "%s%s", k++ ? ", " : " except ",
			    cJSON_GetStringValue(ex));
		return;
	}
	if (cJSON_IsObject(ps))
		p = selector_text(ps);
	if (cJSON_IsObject(nss))
		n = selector_text(nss);
	if (cJSON_IsObject(ps) && cJSON_IsObject(nss))
		strbuf_addf(sb, "%s%s in %s%s", p ? "pods " : "all pods",
		    p ? p : "", n ? "namespaces " : "all namespaces",
		    n ? n : "");
	else if (cJSON_IsObject(ps))
		strbuf_addf(sb, "%s%s in %s", p ? "pods " : "all pods",
		    p ? p : "", ns);
	else if (cJSON_IsObject(nss))
		strbuf_addf(sb, "all pods in %s%s",
		    n ? "namespaces " : "all namespaces", n ? n : "");
	else
		strbuf_adds(sb, "nothing (a peer with no field)");
	free(p);
	free(n);
}

static void
describe_port(struct strbuf *sb, const cJSON *p)
{
	const cJSON *port = cJSON_GetObjectItemCaseSensitive(p, "port");
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(p, "endPort");
	const char *proto = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(p, "protocol"));

	if (proto == NULL)
		proto = "TCP";
	if (cJSON_IsString(port))
		strbuf_addf(sb, "%s/%s (named)", port->valuestring, proto);
	else if (cJSON_IsNumber(port) && cJSON_IsNumber(end) &&
	    end->valueint != port->valueint)
		strbuf_addf(sb, "%d-%d/%s", port->valueint, end->valueint,
		    proto);
	else if (cJSON_IsNumber(port))
		strbuf_addf(sb, "%d/%s", port->valueint, proto);
	else
		strbuf_addf(sb, "every %s port", proto);
}

void
describe_rule(struct strbuf *sb, const struct kobj *policy, bool egress,
    int rule)
{
	const cJSON *r = cJSON_GetArrayItem(kobj_get(policy, egress ?
	    "spec.egress" : "spec.ingress"), rule);
	const cJSON *peers = cJSON_GetObjectItemCaseSensitive(r, egress ?
	    "to" : "from");
	const cJSON *ports = cJSON_GetObjectItemCaseSensitive(r, "ports");
	const cJSON *it;
	int k = 0;

	if (cJSON_GetArraySize(peers) == 0) {
		strbuf_adds(sb, egress ? "to any destination" :
		    "from any source");
	} else {
		strbuf_adds(sb, egress ? "to " : "from ");
		cJSON_ArrayForEach(it, peers) {
			if (k++)
				strbuf_adds(sb, " or ");
			describe_peer(sb, it, kobj_namespace(policy));
		}
	}
	if (cJSON_GetArraySize(ports) == 0) {
		strbuf_adds(sb, "; on any port");
		return;
	}
	strbuf_adds(sb, "; on ");
	k = 0;
	cJSON_ArrayForEach(it, ports) {
		if (k++)
			strbuf_adds(sb, ", ");
		describe_port(sb, it);
	}
}

bool
describe_has_type(const struct kobj *policy, const char *type)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, kobj_get(policy, "spec.policyTypes"))
		if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0)
			return true;
	return false;
}

void
describe_policy(struct strbuf *sb, const struct kobj *policy,
    const char *indent)
{
	static const char *const types[2] = { "Ingress", "Egress" };
	char *sel = selector_text(kobj_get(policy, "spec.podSelector"));
	int d, i, n;

	strbuf_addf(sb, "%spolicy %s: selects %s%s in %s; types", indent,
	    kobj_name(policy), sel ? "pods " : "all pods", sel ? sel : "",
	    kobj_namespace(policy));
	for (d = 0; d < 2; d++)
		if (describe_has_type(policy, types[d]))
			strbuf_addf(sb, " %s", types[d]);
	strbuf_adds(sb, "\n");
	free(sel);
	for (d = 0; d < 2; d++) {
		if (!describe_has_type(policy, types[d]))
			continue;
		n = cJSON_GetArraySize(kobj_get(policy, d ? "spec.egress" :
		    "spec.ingress"));
		if (n == 0)
			strbuf_addf(sb, "%s  %s: no rule: denies all %s "
			    "traffic\n", indent, d ? "egress" : "ingress",
			    d ? "outgoing" : "incoming");
		for (i = 0; i < n; i++) {
			strbuf_addf(sb, "%s  %s rule %d: allow ", indent,
			    d ? "egress" : "ingress", i);
			describe_rule(sb, policy, d == 1, i);
			strbuf_adds(sb, "\n");
		}
	}
}
