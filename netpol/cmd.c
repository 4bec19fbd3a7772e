/*
 * cmd.c: the commands of ckube-netpol over a loaded snapshot: check (one
 * connection, with -v the policies and rules that decided it), matrix (the
 * reachability truth table of a namespace or the cluster) and explain (the
 * policies selecting a pod, in prose). Decisions: common/netpol.c.
 */
#include "netpol_cli.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/kobj.h"

const char *
cli_protocol(const char *s)
{
	static const char *const protos[] = { "TCP", "UDP", "SCTP" };
	size_t i;

	for (i = 0; s != NULL && i < ARRAY_SIZE(protos); i++)
		if (strcasecmp(s, protos[i]) == 0)
			return protos[i];
	return NULL;
}

/* "NS/POD" or an IP (a pod's IP is that pod) into e; 2 after a message. */
static int
parse_end(const struct netpol_set *set, const char *flag, const char *s,
    struct netpol_end *e)
{
	struct netpol_cidr ip;
	const char *slash = s != NULL ? strchr(s, '/') : NULL;
	char ns[256];

	e->pod = NULL;
	e->ip = NULL;
	if (s == NULL || s[0] == '\0') {
		fprintf(stderr, "ckube-netpol: %s is required (NAMESPACE/POD%s)\n",
		    flag, strcmp(flag, "--from") == 0 || strcmp(flag, "--to") ==
		    0 ? " or an IP address" : "");
		return CLI_EXIT_ERROR;
	}
	if (slash != NULL) {
		if (slash == s || slash[1] == '\0' || strchr(slash + 1, '/') ||
		    (size_t)(slash - s) >= sizeof(ns))
			goto bad;
		memcpy(ns, s, (size_t)(slash - s));
		ns[slash - s] = '\0';
		e->pod = netpol_set_pod(set, ns, slash + 1);
		if (e->pod == NULL) {
			fprintf(stderr, "ckube-netpol: pod %s not found\n", s);
			return CLI_EXIT_ERROR;
		}
		return 0;
	}
	if (strcmp(flag, "explain") == 0 || netpol_ip_parse(s, &ip) < 0)
		goto bad;
	e->pod = netpol_set_pod_by_ip(set, s);
	if (e->pod == NULL)
		e->ip = s;
	return 0;
bad:
	fprintf(stderr, "ckube-netpol: %s must be NAMESPACE/POD%s, not \"%s\"\n",
	    flag, strcmp(flag, "explain") == 0 ? "" : " or an IP address", s);
	return CLI_EXIT_ERROR;
}

static void
end_name(const struct netpol_end *e, char *buf, size_t len)
{
	if (e->pod != NULL)
		snprintf(buf, len, "%s/%s", kobj_namespace(e->pod),
		    kobj_name(e->pod));
	else
		snprintf(buf, len, "%s", e->ip);
}

static void
print_side(FILE *out, const char *label, const struct netpol_side *s,
    bool egress, const struct netpol_set *set)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	(void)set;
	if (!s->isolated) {
		fprintf(out, "  %s: not isolated: allowed\n", label);
		return;
	}
	strbuf_addf(&sb, "  %s: isolated by", label);
	for (i = 0; i < s->nselecting; i++)
		strbuf_addf(&sb, "%s policy %s", i ? "," : "",
		    kobj_name(s->selecting[i].policy));
	if (s->namespace_default_deny)
		strbuf_addf(&sb, "%s the namespace's DefaultDeny annotation",
		    s->nselecting ? " and" : "");
	strbuf_adds(&sb, "\n");
	for (i = 0; i < s->nallowing; i++) {
		strbuf_addf(&sb, "    allowed by policy %s %s rule %d: allow ",
		    kobj_name(s->allowing[i].policy), egress ? "egress" :
		    "ingress", s->allowing[i].rule);
		describe_rule(&sb, s->allowing[i].policy, egress,
		    s->allowing[i].rule);
		strbuf_adds(&sb, "\n");
	}
	if (s->nallowing == 0)
		strbuf_addf(&sb, "    no rule allows it: denied\n");
	fputs(strbuf_str(&sb), out);
	strbuf_fini(&sb);
}

int
cmd_check(const struct cli_opts *o, const struct netpol_set *set, FILE *out)
{
	struct netpol_conn c;
	struct netpol_verdict v;
	char from[512], to[512], label[600];

	memset(&c, 0, sizeof(c));
	if (parse_end(set, "--from", o->from, &c.from) != 0 ||
	    parse_end(set, "--to", o->to, &c.to) != 0)
		return CLI_EXIT_ERROR;
	if (c.to.pod == NULL && c.from.pod == NULL) {
		fprintf(stderr, "ckube-netpol: --from or --to must be a pod\n");
		return CLI_EXIT_ERROR;
	}
	if (o->port == 0) {
		fprintf(stderr, "ckube-netpol: --port is required\n");
		return CLI_EXIT_ERROR;
	}
	c.port = (int)o->port;
	c.protocol = cli_protocol(o->protocol);
	c.explain = o->verbose != 0;
	if (netpol_check(set, &c, &v) < 0) {
		fprintf(stderr, "ckube-netpol: cannot check this connection\n");
		return CLI_EXIT_ERROR;
	}
	fprintf(out, "%s\n", v.allowed ? "allowed" : "denied");
	if (o->verbose) {
		end_name(&c.from, from, sizeof(from));
		end_name(&c.to, to, sizeof(to));
		fprintf(out, "%s/%d from %s to %s: %s\n", c.protocol, c.port,
		    from, to, v.why);
		if (strcmp(v.why, "from the node hosting the pod") != 0) {
			snprintf(label, sizeof(label), "ingress to %s", to);
			if (c.to.pod != NULL)
				print_side(out, label, &v.ingress, false, set);
			snprintf(label, sizeof(label), "egress from %s", from);
			if (c.from.pod != NULL)
				print_side(out, label, &v.egress, true, set);
		}
	}
	netpol_verdict_fini(&v);
	return 0;
}

static bool
pod_is_live(const struct kobj *pod)
{
	const char *phase = kobj_get_str(pod, "status.phase");

	return phase == NULL || (strcmp(phase, "Succeeded") != 0 &&
	    strcmp(phase, "Failed") != 0);
}

int
cmd_matrix(const struct cli_opts *o, const struct netpol_set *set,
    const char *ctx_ns, FILE *out)
{
	const char *ns = o->namespace != NULL ? o->namespace : ctx_ns;
	const struct kobj **pods;
	struct netpol_conn c;
	struct netpol_verdict v;
	size_t i, j, n = 0, nallowed = 0, w = 0, dw = 1, k;
	char name[512];

	pods = ck_calloc(netpol_set_npods(set) + 1, sizeof(*pods));
	for (i = 0; i < netpol_set_npods(set); i++) {
		const struct kobj *p = netpol_set_pod_at(set, i);

		if (pod_is_live(p) && (o->all_namespaces ||
		    strcmp(kobj_namespace(p), ns) == 0))
			pods[n++] = p;
	}
	memset(&c, 0, sizeof(c));
	c.port = o->port != 0 ? (int)o->port : 80;
	c.protocol = cli_protocol(o->protocol);
	fprintf(out, "%s/%d in %s: rows are sources, columns destinations "
	    "(. allowed, X denied)\n", c.protocol, c.port, o->all_namespaces ?
	    "all namespaces" : ns);
	for (k = n; k >= 10; k /= 10)
		dw++;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s/%s", kobj_namespace(pods[i]),
		    kobj_name(pods[i]));
		if (strlen(name) > w)
			w = strlen(name);
	}
	fprintf(out, "%*s", (int)(dw + 1 + w), "");
	for (j = 0; j < n; j++)
		fprintf(out, " %*zu", (int)dw, j);
	fputc('\n', out);
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s/%s", kobj_namespace(pods[i]),
		    kobj_name(pods[i]));
		fprintf(out, "%*zu %-*s", (int)dw, i, (int)w, name);
		c.from.pod = pods[i];
		for (j = 0; j < n; j++) {
			c.to.pod = pods[j];
			if (netpol_check(set, &c, &v) < 0)
				v.allowed = false;
			nallowed += v.allowed;
			fprintf(out, " %*s", (int)dw, v.allowed ? "." : "X");
			netpol_verdict_fini(&v);
		}
		fputc('\n', out);
	}
	fprintf(out, "%zu of %zu connections allowed\n", nallowed, n * n);
	free(pods);
	return 0;
}

static void
print_labels(FILE *out, const struct kobj *obj)
{
	const cJSON *l;
	int k = 0;

	cJSON_ArrayForEach(l, kobj_labels(obj))
		fprintf(out, "%s%s=%s", k++ ? "," : "", l->string,
		    cJSON_IsString(l) ? l->valuestring : "");
	if (k == 0)
		fputs("<none>", out);
}

int
cmd_explain(const struct cli_opts *o, const struct netpol_set *set,
    FILE *out)
{
	struct strbuf sb = STRBUF_INIT;
	struct netpol_end e;
	const struct kobj **pols;
	size_t n, i;
	bool in = false, eg = false, deny, pure;

	if (parse_end(set, "explain", o->target, &e) != 0)
		return CLI_EXIT_ERROR;
	deny = netpol_namespace_default_deny(set, kobj_namespace(e.pod));
	pure = strcmp(o->mode, "pure-1.3") == 0;
	pols = netpol_policies_selecting(set, e.pod, &n);
	fprintf(out, "pod %s/%s (labels ", kobj_namespace(e.pod),
	    kobj_name(e.pod));
	print_labels(out, e.pod);
	fprintf(out, ")\nnamespace %s: %s\n", kobj_namespace(e.pod), deny ?
	    "annotated DefaultDeny (1.3): every pod is ingress-isolated" :
	    "no DefaultDeny annotation");
	fprintf(out, "selected by %zu %s\n", n, n == 1 ? "policy" :
	    "policies");
	for (i = 0; i < n; i++) {
		in |= describe_has_type(pols[i], "Ingress");
		eg |= describe_has_type(pols[i], "Egress");
		describe_policy(&sb, pols[i], "  ");
	}
	fputs(strbuf_str(&sb), out);
	if (pure) {
		in = deny;
		eg = false;
	}
	fprintf(out, "ingress: %s\n", in || deny ? "isolated: only what the "
	    "ingress rules above allow may connect (and the node's probes)" :
	    "not isolated: every source may connect");
	fprintf(out, "egress: %s\n", eg ? "isolated: only what the egress "
	    "rules above allow may be reached" :
	    "not isolated: every destination may be reached");
	if (pure && !deny && n > 0)
		fputs("pure-1.3 mode: the policies have no effect in a "
		    "namespace without DefaultDeny\n", out);
	strbuf_fini(&sb);
	free(pols);
	return 0;
}
