/*
 * resolv.h: a pod's resolv.conf as the kubelet writes it (pkg/kubelet/
 * network/dns): dnsPolicy ClusterFirst / ClusterFirstWithHostNet / Default
 * / None, spec.dnsConfig merged in, the kubelet's limits applied. Pure: the
 * host resolv.conf comes in as text, so tests need no files.
 */
#ifndef KUBELET_SIM_RESOLV_H
#define KUBELET_SIM_RESOLV_H

#include <stdbool.h>

#include <cjson/cJSON.h>
#include <stddef.h>

#include "ckube/strbuf.h"

#define RESOLV_MAX_NS		3	/* the kubelet's nameserver limit */
#define RESOLV_MAX_SEARCH	32	/* MaxDNSSearchPaths */
#define RESOLV_MAX_SEARCH_CHARS	2048	/* MaxDNSSearchListChars */
#define RESOLV_MAX_OPTS		16

/* One resolver configuration (bounded; extra entries are dropped). */
struct resolv {
	char	ns[8][48];		/* IP */
	int	port[8];		/* 53 unless --cluster-dns said */
	int	nns;
	char	search[40][254];
	int	nsearch;
	char	opt[RESOLV_MAX_OPTS][64];	/* "ndots:5", "rotate" */
	int	nopt;
};

/* The kubelet's DNS settings (flags). */
struct resolv_cfg {
	struct resolv	cluster;	/* --cluster-dns: nameservers only */
	char		domain[254];	/* --cluster-domain */
	struct resolv	host;		/* --resolv-conf parsed */
};

/*
 * Parse --cluster-dns "IP[:PORT],..." (IPv6 bare or "[IP]:PORT") into
 * r's nameservers. False (err set) on a bad entry.
 */
bool	resolv_parse_cluster_dns(const char *s, struct resolv *r, char *err,
	    size_t len);
/* Parse resolv.conf text (nameserver, search, domain, options lines). */
void	resolv_parse_conf(const char *text, struct resolv *r);
/*
 * The resolv settings of a pod in namespace ns with spec (dnsPolicy,
 * dnsConfig, hostNetwork) under cfg, into out.
 */
void	resolv_for_pod(const struct resolv_cfg *cfg, const cJSON *spec,
	    const char *ns, struct resolv *out);
/*
 * out as resolv.conf text: "nameserver IP" lines (a nameserver off port 53,
 * which resolv.conf cannot say, gets a "# nameserver IP port N" comment
 * line), "search ...", "options ...".
 */
void	resolv_format(const struct resolv *r, struct strbuf *out);

/* resolv_for_pod then resolv_format: the text, malloc'd. */
char	*resolv_pod_text(const struct resolv_cfg *cfg, const cJSON *spec,
	    const char *ns);

#endif
