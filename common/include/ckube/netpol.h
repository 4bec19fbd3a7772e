/*
 * netpol.h: the NetworkPolicy engine (spec section 7(b)). Given pods,
 * namespaces and NetworkPolicies (networking.k8s.io/v1 shape; the apiserver
 * stores extensions/v1beta1 policies in it), decide whether a connection
 * from a pod or an IP to a pod (or an IP) on (protocol, port) is allowed on
 * the ingress and the egress side, and say which policies and rules
 * decided it. Pure: no I/O, no clock; label selectors are common/selector.
 *
 * Also the pieces the apiserver validates with: CIDR and IP parsing, and
 * the 1.3 namespace annotation net.beta.kubernetes.io/network-policy.
 */
#ifndef CKUBE_NETPOL_H
#define CKUBE_NETPOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct ck_status;
struct kobj;
struct netpol_set;

/* The 1.3 namespace isolation switch. */
#define NETPOL_ANN_ISOLATION	"net.beta.kubernetes.io/network-policy"

/* An IPv4 or IPv6 address with a prefix length (an address: 32 / 128). */
struct netpol_cidr {
	int	family;		/* 4 or 6 */
	uint8_t	addr[16];	/* network byte order; host bits cleared */
	int	bits;
};

/*
 * "10.0.0.0/8", "2001:db8::/64" (host bits allowed, then cleared, as
 * Kubernetes' ParseCIDRSloppy). Returns 0, or CK_EINVALID (NULL too).
 */
int	netpol_cidr_parse(const char *s, struct netpol_cidr *out) CK_MUST_CHECK;
/* An address ("10.1.2.3", "::1") as a /32 or /128. CK_EINVALID if not one. */
int	netpol_ip_parse(const char *s, struct netpol_cidr *out) CK_MUST_CHECK;
/* True when inner (a network or an address) lies inside outer. */
bool	netpol_cidr_contains(const struct netpol_cidr *outer,
	    const struct netpol_cidr *inner);

/*
 * The value of NETPOL_ANN_ISOLATION: a JSON object whose optional "ingress"
 * is an object whose optional "isolation" is "DefaultDeny" (the only value
 * 1.3 defined). Sets *default_deny; CK_EINVALID with st->message saying
 * what is wrong (st may be NULL).
 */
int	netpol_isolation_parse(const char *value, bool *default_deny,
	    struct ck_status *st) CK_MUST_CHECK;

enum netpol_mode {
	/*
	 * The recommendation of 7(a): a pod is ingress-isolated when a policy
	 * with Ingress selects it or its namespace carries DefaultDeny, and
	 * egress-isolated when a policy with Egress selects it.
	 */
	NETPOL_MODE_DEFAULT,
	/* Pure 1.3: policies act only in DefaultDeny namespaces; no egress. */
	NETPOL_MODE_PURE_13,
};

/* An empty set. Free with netpol_set_free (NULL is fine). */
struct netpol_set *netpol_set_new(enum netpol_mode mode);
void	netpol_set_free(struct netpol_set *set);

/*
 * Add a Namespace, a Pod or a NetworkPolicy (each kept with a new
 * reference; any order). A policy whose selectors or ipBlocks do not parse
 * is CK_EINVALID with st saying why, and is not added. A namespace with a
 * malformed isolation annotation is added as not isolated and returns
 * CK_EINVALID with st (the caller may warn and go on).
 */
int	netpol_set_add_namespace(struct netpol_set *set,
	    const struct kobj *ns, struct ck_status *st) CK_MUST_CHECK;
void	netpol_set_add_pod(struct netpol_set *set, const struct kobj *pod);
int	netpol_set_add_policy(struct netpol_set *set,
	    const struct kobj *np, struct ck_status *st) CK_MUST_CHECK;

/* Lookups; lent pointers live as long as set. NULL when absent. */
const struct kobj *netpol_set_pod(const struct netpol_set *set,
	    const char *ns, const char *name);
/* The pod holding status.podIP(s) ip (not a host-network pod). */
const struct kobj *netpol_set_pod_by_ip(const struct netpol_set *set,
	    const char *ip);
size_t	netpol_set_npods(const struct netpol_set *set);
const struct kobj *netpol_set_pod_at(const struct netpol_set *set, size_t i);

/* One end of a connection: a pod, or an address outside any pod. */
struct netpol_end {
	const struct kobj *pod;		/* or NULL */
	const char	*ip;		/* when pod is NULL */
};

struct netpol_conn {
	struct netpol_end from, to;
	const char	*protocol;	/* "TCP", "UDP", "SCTP"; NULL: TCP */
	int		 port;		/* 1-65535 */
	bool		 explain;	/* fill the hit lists of the verdict */
};

/* A policy (and rule: index in its ingress or egress list, -1: none). */
struct netpol_hit {
	const struct kobj *policy;
	int		 rule;
};

struct netpol_side {
	bool	 isolated;		/* some policy (or DefaultDeny) applies */
	bool	 allowed;
	bool	 namespace_default_deny; /* isolated by the 1.3 annotation */
	size_t	 npolicies;		/* policies of this type selecting it */
	/* With conn->explain: the policies selecting the pod, and the rules
	 * that allowed the connection. */
	struct netpol_hit *selecting;
	size_t	 nselecting;
	struct netpol_hit *allowing;
	size_t	 nallowing;
};

struct netpol_verdict {
	bool	 allowed;
	/* Static text: "from the node hosting the pod", "not isolated", ... */
	const char *why;
	struct netpol_side ingress, egress;
};

/*
 * Decide conn (7(b)). Traffic from the destination pod's own node
 * (conn->from.ip equal to its status.hostIP) is always allowed. Returns 0
 * and fills *v (netpol_verdict_fini it), or CK_EINVALID for a connection
 * with no source, no destination, a bad protocol or port (v is then empty).
 * Thread-safe on a set no one adds to.
 */
int	netpol_check(const struct netpol_set *set,
	    const struct netpol_conn *conn, struct netpol_verdict *v)
	    CK_MUST_CHECK;
void	netpol_verdict_fini(struct netpol_verdict *v);

/*
 * The policies of pod's namespace whose podSelector selects pod (all of
 * them, whatever their types, in the order added), into a new array of
 * *n lent pointers (free() the array). Honours no mode.
 */
const struct kobj **netpol_policies_selecting(const struct netpol_set *set,
	    const struct kobj *pod, size_t *n);

/* True when the pod's namespace carries the DefaultDeny annotation. */
bool	netpol_namespace_default_deny(const struct netpol_set *set,
	    const char *ns);

#endif
