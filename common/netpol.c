/*
 * netpol.c: the NetworkPolicy decision procedure of spec section 7(b) over
 * a set of pods, namespaces and policies. Policies are compiled once when
 * added (selectors parsed, ipBlocks and ports decoded) and each pod keeps
 * the list of policies selecting it, so a check costs only the rules of
 * the policies that apply. Addresses and the 1.3 annotation are in
 * netpol_addr.c.
 */
#include "ckube/netpol.h"

#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/kobj.h"
#include "ckube/selector.h"
#include "ckube/strbuf.h"

enum { DIR_IN, DIR_OUT };

struct np_port {
	char		 proto[8];	/* TCP, UDP, SCTP */
	bool		 any;		/* no port: every port of proto */
	int		 port, end;	/* a numeric range */
	const char	*name;		/* a named port (the policy's JSON) */
};

struct np_peer {
	bool		 none;		/* no field set: matches nothing */
	struct label_selector *pods;	/* NULL: absent */
	struct label_selector *nss;	/* NULL: absent */
	bool		 ipblock;
	struct netpol_cidr cidr;
	struct netpol_cidr *except;
	size_t		 nexcept;
};

struct np_rule {
	struct np_peer	*peers;		/* none: every peer */
	size_t		 npeers;
	struct np_port	*ports;		/* none: every port */
	size_t		 nports;
};

struct np_policy {
	struct kobj	*obj;
	struct label_selector *sel;
	bool		 types[2];	/* Ingress, Egress */
	struct np_rule	*rules[2];
	size_t		 nrules[2];
};

struct np_pod {
	struct kobj	*obj;
	bool		 host_network;
	struct netpol_cidr ips[2];
	int		 nips;
	size_t		*sel;		/* indexes of the policies selecting it */
	size_t		 nsel;
};

struct np_ns {
	struct kobj	*obj;
	bool		 deny;
};

struct netpol_set {
	enum netpol_mode mode;
	struct np_pod	*pods;
	size_t		 npods, cappods;
	struct np_policy *pols;
	size_t		 npols, cappols;
	struct np_ns	*nss;
	size_t		 nnss, capnss;
};

static const char *const dir_key[2] = { "ingress", "egress" };
static const char *const dir_peers[2] = { "from", "to" };

struct netpol_set *
netpol_set_new(enum netpol_mode mode)
{
	struct netpol_set *set = ck_calloc(1, sizeof(*set));

	set->mode = mode;
	return set;
}

static void
rule_fini(struct np_rule *r)
{
	size_t i;

	for (i = 0; i < r->npeers; i++) {
		selector_free(r->peers[i].pods);
		selector_free(r->peers[i].nss);
		free(r->peers[i].except);
	}
	free(r->peers);
	free(r->ports);
}

static void
policy_fini(struct np_policy *p)
{
	size_t d, i;

	for (d = 0; d < 2; d++) {
		for (i = 0; i < p->nrules[d]; i++)
			rule_fini(&p->rules[d][i]);
		free(p->rules[d]);
	}
	selector_free(p->sel);
	kobj_unref(p->obj);
}

void
netpol_set_free(struct netpol_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->npods; i++) {
		kobj_unref(set->pods[i].obj);
		free(set->pods[i].sel);
	}
	for (i = 0; i < set->npols; i++)
		policy_fini(&set->pols[i]);
	for (i = 0; i < set->nnss; i++)
		kobj_unref(set->nss[i].obj);
	free(set->pods);
	free(set->pols);
	free(set->nss);
	free(set);
}

static void *
grow(void *arr, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? 2 * *cap : 16;
	return ck_reallocarray(arr, *cap, size);
}

static bool
str_eq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* ---- namespaces ---- */

static const struct np_ns *
ns_find(const struct netpol_set *set, const char *name)
{
	size_t i;

	for (i = 0; i < set->nnss; i++)
		if (str_eq(kobj_name(set->nss[i].obj), name))
			return &set->nss[i];
	return NULL;
}

int
netpol_set_add_namespace(struct netpol_set *set, const struct kobj *ns,
    struct ck_status *st)
{
	const char *ann = kobj_annotation(ns, NETPOL_ANN_ISOLATION);
	struct np_ns *n;
	int rc = 0;

	set->nss = grow(set->nss, &set->capnss, set->nnss, sizeof(*set->nss));
	n = &set->nss[set->nnss++];
	n->obj = kobj_ref(ns);
	n->deny = false;
	if (ann != NULL && netpol_isolation_parse(ann, &n->deny, st) < 0)
		rc = CK_EINVALID;
	return rc;
}

bool
netpol_namespace_default_deny(const struct netpol_set *set, const char *ns)
{
	const struct np_ns *n = ns_find(set, ns);

	return n != NULL && n->deny;
}

/* ---- compiling a policy ---- */

static int
compile_selector(const cJSON *json, const char *field,
    struct label_selector **out, struct ck_status *st)
{
	if (json == NULL || cJSON_IsNull(json)) {
		*out = NULL;
		return 0;
	}
	return selector_from_json(json, field, out, st);
}

static int
compile_ipblock(const cJSON *ip, const char *field, struct np_peer *peer,
    struct ck_status *st)
{
	const cJSON *ex, *excepts = cJSON_GetObjectItemCaseSensitive(ip,
	    "except");
	const cJSON *cidr = cJSON_GetObjectItemCaseSensitive(ip, "cidr");
	int k = 0;

	peer->ipblock = true;
	if (!cJSON_IsString(cidr) || netpol_cidr_parse(cidr->valuestring,
	    &peer->cidr) < 0)
		return ck_status_set(st, CK_EINVALID, "%s.ipBlock.cidr: "
		    "not a valid CIDR", field);
	peer->except = ck_calloc((size_t)cJSON_GetArraySize(excepts) + 1,
	    sizeof(*peer->except));
	cJSON_ArrayForEach(ex, excepts) {
		if (!cJSON_IsString(ex) || netpol_cidr_parse(ex->valuestring,
		    &peer->except[peer->nexcept]) < 0)
			return ck_status_set(st, CK_EINVALID,
			    "%s.ipBlock.except[%d]: not a valid CIDR", field, k);
		peer->nexcept++;
		k++;
	}
	return 0;
}

static int
compile_peer(const cJSON *json, const char *field, struct np_peer *peer,
    struct ck_status *st)
{
	const cJSON *ps = cJSON_GetObjectItemCaseSensitive(json,
	    "podSelector");
	const cJSON *ns = cJSON_GetObjectItemCaseSensitive(json,
	    "namespaceSelector");
	const cJSON *ip = cJSON_GetObjectItemCaseSensitive(json, "ipBlock");
	char f[192];
	int rc;

	snprintf(f, sizeof(f), "%.150s.podSelector", field);
	rc = compile_selector(ps, f, &peer->pods, st);
	if (rc < 0)
		return rc;
	snprintf(f, sizeof(f), "%.150s.namespaceSelector", field);
	rc = compile_selector(ns, f, &peer->nss, st);
	if (rc < 0)
		return rc;
	if (ip != NULL && !cJSON_IsNull(ip)) {
		rc = compile_ipblock(ip, field, peer, st);
		if (rc < 0)
			return rc;
	}
	peer->none = peer->pods == NULL && peer->nss == NULL &&
	    !peer->ipblock;
	return 0;
}

static int
compile_port(const cJSON *json, const char *field, struct np_port *port,
    struct ck_status *st)
{
	const cJSON *proto = cJSON_GetObjectItemCaseSensitive(json,
	    "protocol");
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(json, "port");
	const cJSON *end = cJSON_GetObjectItemCaseSensitive(json, "endPort");

	ck_strlcpy(port->proto, cJSON_IsString(proto) ? proto->valuestring :
	    "TCP", sizeof(port->proto));
	if (p == NULL || cJSON_IsNull(p)) {
		port->any = true;
		return 0;
	}
	if (cJSON_IsString(p)) {
		port->name = p->valuestring;
		return 0;
	}
	if (!cJSON_IsNumber(p))
		return ck_status_set(st, CK_EINVALID, "%s.port: not a number "
		    "or a name", field);
	port->port = port->end = p->valueint;
	if (cJSON_IsNumber(end))
		port->end = end->valueint;
	return 0;
}

static int
compile_rule(const cJSON *json, int d, const char *field, struct np_rule *r,
    struct ck_status *st)
{
	const cJSON *peers = cJSON_GetObjectItemCaseSensitive(json,
	    dir_peers[d]);
	const cJSON *ports = cJSON_GetObjectItemCaseSensitive(json, "ports");
	const cJSON *it;
	char f[192];
	int rc;

	r->peers = ck_calloc((size_t)cJSON_GetArraySize(peers) + 1,
	    sizeof(*r->peers));
	cJSON_ArrayForEach(it, peers) {
		snprintf(f, sizeof(f), "%s.%s[%zu]", field, dir_peers[d],
		    r->npeers);
		rc = compile_peer(it, f, &r->peers[r->npeers++], st);
		if (rc < 0)
			return rc;
	}
	r->ports = ck_calloc((size_t)cJSON_GetArraySize(ports) + 1,
	    sizeof(*r->ports));
	cJSON_ArrayForEach(it, ports) {
		snprintf(f, sizeof(f), "%s.ports[%zu]", field, r->nports);
		rc = compile_port(it, f, &r->ports[r->nports++], st);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* policyTypes, inferred when absent as Kubernetes defaults them. */
static void
compile_types(const cJSON *spec, struct np_policy *p)
{
	const cJSON *pt = cJSON_GetObjectItemCaseSensitive(spec,
	    "policyTypes"), *t;

	if (cJSON_GetArraySize(pt) == 0) {
		p->types[DIR_IN] = true;
		p->types[DIR_OUT] = cJSON_GetArraySize(
		    cJSON_GetObjectItemCaseSensitive(spec, "egress")) > 0;
		return;
	}
	cJSON_ArrayForEach(t, pt) {
		if (cJSON_IsString(t) && strcmp(t->valuestring, "Ingress") == 0)
			p->types[DIR_IN] = true;
		if (cJSON_IsString(t) && strcmp(t->valuestring, "Egress") == 0)
			p->types[DIR_OUT] = true;
	}
}

static int
compile_policy(const struct kobj *np, struct np_policy *p,
    struct ck_status *st)
{
	const cJSON *spec = kobj_get(np, "spec"), *sel, *it;
	char f[64];
	int d, rc;

	sel = cJSON_GetObjectItemCaseSensitive(spec, "podSelector");
	/* absent: the Go zero value {}, every pod of the namespace */
	rc = sel == NULL || cJSON_IsNull(sel) ? selector_parse("", &p->sel,
	    st) : selector_from_json(sel, "spec.podSelector", &p->sel, st);
	if (rc < 0)
		return rc;
	compile_types(spec, p);
	for (d = 0; d < 2; d++) {
		const cJSON *rules = cJSON_GetObjectItemCaseSensitive(spec,
		    dir_key[d]);

		p->rules[d] = ck_calloc((size_t)cJSON_GetArraySize(rules) + 1,
		    sizeof(*p->rules[d]));
		cJSON_ArrayForEach(it, rules) {
			snprintf(f, sizeof(f), "spec.%s[%zu]", dir_key[d],
			    p->nrules[d]);
			rc = compile_rule(it, d, f,
			    &p->rules[d][p->nrules[d]++], st);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static bool
policy_selects(const struct np_policy *p, const struct kobj *pod)
{
	return str_eq(kobj_namespace(p->obj), kobj_namespace(pod)) &&
	    selector_matches_obj(p->sel, pod);
}

static void
pod_note_policy(struct np_pod *pod, size_t idx)
{
	pod->sel = ck_reallocarray(pod->sel, pod->nsel + 1,
	    sizeof(*pod->sel));
	pod->sel[pod->nsel++] = idx;
}

int
netpol_set_add_policy(struct netpol_set *set, const struct kobj *np,
    struct ck_status *st)
{
	struct np_policy p;
	size_t i;
	int rc;

	memset(&p, 0, sizeof(p));
	p.obj = kobj_ref(np);
	rc = compile_policy(np, &p, st);
	if (rc < 0) {
		policy_fini(&p);
		return rc;
	}
	set->pols = grow(set->pols, &set->cappols, set->npols,
	    sizeof(*set->pols));
	set->pols[set->npols] = p;
	for (i = 0; i < set->npods; i++)
		if (policy_selects(&p, set->pods[i].obj))
			pod_note_policy(&set->pods[i], set->npols);
	set->npols++;
	return 0;
}

/* ---- pods ---- */

static void
pod_add_ip(struct np_pod *pod, const char *ip)
{
	struct netpol_cidr c;
	int i;

	if (pod->nips >= 2 || netpol_ip_parse(ip, &c) < 0)
		return;
	for (i = 0; i < pod->nips; i++)
		if (memcmp(&pod->ips[i], &c, sizeof(c)) == 0)
			return;
	pod->ips[pod->nips++] = c;
}

void
netpol_set_add_pod(struct netpol_set *set, const struct kobj *pod)
{
	const cJSON *ips = kobj_get(pod, "status.podIPs"), *it;
	struct np_pod *p;
	size_t i;

	set->pods = grow(set->pods, &set->cappods, set->npods,
	    sizeof(*set->pods));
	p = &set->pods[set->npods++];
	memset(p, 0, sizeof(*p));
	p->obj = kobj_ref(pod);
	p->host_network = kobj_get_bool(pod, "spec.hostNetwork", false);
	pod_add_ip(p, kobj_get_str(pod, "status.podIP"));
	cJSON_ArrayForEach(it, ips)
		if (cJSON_IsObject(it))
			pod_add_ip(p, cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(it, "ip")));
	for (i = 0; i < set->npols; i++)
		if (policy_selects(&set->pols[i], pod))
			pod_note_policy(p, i);
}

const struct kobj *
netpol_set_pod(const struct netpol_set *set, const char *ns,
    const char *name)
{
	size_t i;

	for (i = 0; i < set->npods; i++)
		if (str_eq(kobj_name(set->pods[i].obj), name) &&
		    str_eq(kobj_namespace(set->pods[i].obj), ns))
			return set->pods[i].obj;
	return NULL;
}

const struct kobj *
netpol_set_pod_by_ip(const struct netpol_set *set, const char *ip)
{
	struct netpol_cidr c;
	size_t i;
	int k;

	if (netpol_ip_parse(ip, &c) < 0)
		return NULL;
	for (i = 0; i < set->npods; i++) {
		if (set->pods[i].host_network)
			continue;
		for (k = 0; k < set->pods[i].nips; k++)
			if (memcmp(&set->pods[i].ips[k], &c, sizeof(c)) == 0)
				return set->pods[i].obj;
	}
	return NULL;
}

size_t
netpol_set_npods(const struct netpol_set *set)
{
	return set->npods;
}

const struct kobj *
netpol_set_pod_at(const struct netpol_set *set, size_t i)
{
	return i < set->npods ? set->pods[i].obj : NULL;
}

static const struct np_pod *
pod_find(const struct netpol_set *set, const struct kobj *pod)
{
	size_t i;

	for (i = 0; i < set->npods; i++)
		if (set->pods[i].obj == pod)
			return &set->pods[i];
	return NULL;
}

/*
 * The indexes of the policies selecting pod: the pod's own list when it is
 * in the set, else computed into *tmp (the caller frees it).
 */
static const size_t *
selecting(const struct netpol_set *set, const struct kobj *pod, size_t *n,
    size_t **tmp)
{
	const struct np_pod *p = pod_find(set, pod);
	size_t i;

	*tmp = NULL;
	if (p != NULL) {
		*n = p->nsel;
		return p->sel;
	}
	*tmp = ck_calloc(set->npols + 1, sizeof(**tmp));
	*n = 0;
	for (i = 0; i < set->npols; i++)
		if (policy_selects(&set->pols[i], pod))
			(*tmp)[(*n)++] = i;
	return *tmp;
}

const struct kobj **
netpol_policies_selecting(const struct netpol_set *set,
    const struct kobj *pod, size_t *n)
{
	const struct kobj **out;
	const size_t *idx;
	size_t *tmp, i;

	idx = selecting(set, pod, n, &tmp);
	out = ck_calloc(*n + 1, sizeof(*out));
	for (i = 0; i < *n; i++)
		out[i] = set->pols[idx[i]].obj;
	free(tmp);
	return out;
}

/* ---- the decision ---- */

/* One end of the connection as the rules see it. */
struct end {
	const struct kobj *pod;
	struct netpol_cidr ips[2];
	int		 nips;
};

static void
end_init(const struct netpol_set *set, const struct netpol_end *e,
    struct end *out)
{
	const struct np_pod *p;

	memset(out, 0, sizeof(*out));
	out->pod = e->pod;
	if (e->pod == NULL) {
		if (netpol_ip_parse(e->ip, &out->ips[0]) == 0)
			out->nips = 1;
		return;
	}
	p = pod_find(set, e->pod);
	if (p != NULL) {
		memcpy(out->ips, p->ips, sizeof(out->ips));
		out->nips = p->nips;
	} else {
		struct np_pod tmp;

		memset(&tmp, 0, sizeof(tmp));
		pod_add_ip(&tmp, kobj_get_str(e->pod, "status.podIP"));
		memcpy(out->ips, tmp.ips, sizeof(out->ips));
		out->nips = tmp.nips;
	}
}

/* A named port resolves against the destination pod's container ports. */
static bool
named_port_is(const struct kobj *pod, const char *name, const char *proto,
    int port)
{
	const cJSON *c, *p;

	if (pod == NULL)
		return false;
	cJSON_ArrayForEach(c, kobj_get(pod, "spec.containers")) {
		cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(c,
		    "ports")) {
			const char *pn = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(p, "name"));
			const char *pp = cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(p, "protocol"));
			const cJSON *cp = cJSON_GetObjectItemCaseSensitive(p,
			    "containerPort");

			if (str_eq(pn, name) && strcmp(pp != NULL ? pp :
			    "TCP", proto) == 0 && cJSON_IsNumber(cp))
				return cp->valueint == port;
		}
	}
	return false;
}

static bool
port_matches(const struct np_port *p, const struct kobj *dst,
    const char *proto, int port)
{
	if (strcmp(p->proto, proto) != 0)
		return false;
	if (p->any)
		return true;
	if (p->name != NULL)
		return named_port_is(dst, p->name, proto, port);
	return port >= p->port && port <= p->end;
}

static bool
ipblock_matches(const struct np_peer *peer, const struct end *e)
{
	size_t k;
	int i;

	for (i = 0; i < e->nips; i++) {
		if (!netpol_cidr_contains(&peer->cidr, &e->ips[i]))
			continue;
		for (k = 0; k < peer->nexcept; k++)
			if (netpol_cidr_contains(&peer->except[k], &e->ips[i]))
				break;
		if (k == peer->nexcept)
			return true;
	}
	return false;
}

/* Does peer (of a policy in namespace pol_ns) name the end e? */
static bool
peer_matches(const struct netpol_set *set, const struct np_peer *peer,
    const char *pol_ns, const struct end *e)
{
	const char *ns;
	const struct np_ns *n;

	if (peer->none)
		return false;
	if (peer->ipblock)
		return ipblock_matches(peer, e);
	if (e->pod == NULL)
		return false;	/* selectors never match outside traffic */
	ns = kobj_namespace(e->pod);
	if (peer->nss != NULL) {
		n = ns_find(set, ns);
		if (!selector_matches(peer->nss, n != NULL ?
		    kobj_labels(n->obj) : NULL))
			return false;
	} else if (!str_eq(ns, pol_ns)) {
		return false;
	}
	return peer->pods == NULL || selector_matches_obj(peer->pods, e->pod);
}

static bool
rule_matches(const struct netpol_set *set, const struct np_rule *r,
    const char *pol_ns, const struct end *peer, const struct kobj *dst,
    const char *proto, int port)
{
	size_t i;

	for (i = 0; i < r->nports; i++)
		if (port_matches(&r->ports[i], dst, proto, port))
			break;
	if (r->nports > 0 && i == r->nports)
		return false;
	if (r->npeers == 0)
		return true;
	for (i = 0; i < r->npeers; i++)
		if (peer_matches(set, &r->peers[i], pol_ns, peer))
			return true;
	return false;
}

static void
hit_add(struct netpol_hit **arr, size_t *n, const struct kobj *pol,
    int rule)
{
	*arr = ck_reallocarray(*arr, *n + 1, sizeof(**arr));
	(*arr)[*n].policy = pol;
	(*arr)[*n].rule = rule;
	(*n)++;
}

/*
 * One side: pod is the selected end (the destination for ingress, the
 * source for egress), peer the other end, dst the destination pod (named
 * ports) or NULL.
 */
static void
side_decide(const struct netpol_set *set, int d, const struct kobj *pod,
    const struct end *peer, const struct kobj *dst,
    const struct netpol_conn *c, const char *proto, struct netpol_side *s)
{
	const size_t *idx;
	size_t *tmp, n, i, r;
	bool pure = set->mode == NETPOL_MODE_PURE_13;

	if (d == DIR_IN)
		s->namespace_default_deny = netpol_namespace_default_deny(set,
		    kobj_namespace(pod));
	if (pure && (d == DIR_OUT || !s->namespace_default_deny)) {
		s->allowed = true;	/* 1.3: no egress; no annotation */
		return;
	}
	s->isolated = s->namespace_default_deny;
	idx = selecting(set, pod, &n, &tmp);
	for (i = 0; i < n; i++) {
		const struct np_policy *p = &set->pols[idx[i]];

		if (!p->types[d])
			continue;
		s->isolated = true;
		s->npolicies++;
		if (c->explain)
			hit_add(&s->selecting, &s->nselecting, p->obj, -1);
		for (r = 0; r < p->nrules[d]; r++) {
			if (!rule_matches(set, &p->rules[d][r],
			    kobj_namespace(p->obj), peer, dst, proto, c->port))
				continue;
			s->allowed = true;
			if (!c->explain)
				break;
			hit_add(&s->allowing, &s->nallowing, p->obj, (int)r);
		}
	}
	if (!s->isolated)
		s->allowed = true;
	free(tmp);
}

int
netpol_check(const struct netpol_set *set, const struct netpol_conn *c,
    struct netpol_verdict *v)
{
	const char *proto = c->protocol != NULL ? c->protocol : "TCP";
	const char *host;
	struct end from, to;

	memset(v, 0, sizeof(*v));
	if ((c->from.pod == NULL && c->from.ip == NULL) ||
	    (c->to.pod == NULL && c->to.ip == NULL) || c->port < 1 ||
	    c->port > 65535 || (strcmp(proto, "TCP") != 0 &&
	    strcmp(proto, "UDP") != 0 && strcmp(proto, "SCTP") != 0))
		return CK_EINVALID;
	end_init(set, &c->from, &from);
	end_init(set, &c->to, &to);
	host = c->to.pod != NULL ? kobj_get_str(c->to.pod, "status.hostIP") :
	    NULL;
	if (c->from.pod == NULL && str_eq(c->from.ip, host)) {
		/* 7(b)4: the kubelet's probes come from the pod's node */
		v->allowed = v->ingress.allowed = v->egress.allowed = true;
		v->why = "from the node hosting the pod";
		return 0;
	}
	if (c->to.pod != NULL)
		side_decide(set, DIR_IN, c->to.pod, &from, c->to.pod, c, proto,
		    &v->ingress);
	else
		v->ingress.allowed = true;	/* outside: no ingress policy */
	if (c->from.pod != NULL)
		side_decide(set, DIR_OUT, c->from.pod, &to, c->to.pod, c,
		    proto, &v->egress);
	else
		v->egress.allowed = true;	/* outside: no egress policy */
	v->allowed = v->ingress.allowed && v->egress.allowed;
	if (v->allowed)
		v->why = v->ingress.isolated || v->egress.isolated ?
		    "allowed by policy" : "no policy isolates either end";
	else if (!v->ingress.allowed && !v->egress.allowed)
		v->why = "denied on ingress and egress";
	else if (!v->ingress.allowed)
		v->why = v->ingress.npolicies == 0 &&
		    v->ingress.namespace_default_deny ?
		    "denied on ingress (namespace DefaultDeny)" :
		    "denied on ingress";
	else
		v->why = "denied on egress";
	return 0;
}

void
netpol_verdict_fini(struct netpol_verdict *v)
{
	if (v == NULL)
		return;
	free(v->ingress.selecting);
	free(v->ingress.allowing);
	free(v->egress.selecting);
	free(v->egress.allowing);
	memset(v, 0, sizeof(*v));
}
