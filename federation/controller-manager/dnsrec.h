/*
 * dnsrec.h: the DNS records of a federated service (semantics.md 8(c) step
 * 5), pure: from the shards (one per member cluster and zone) to the
 * endpoints of a DNSRecord (like external-dns's DNSEndpoint).
 */
#ifndef FCM_DNSREC_H
#define FCM_DNSREC_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

#define DNSREC_TTL	180

/* A member's copy of the service, in one of the member's zones. */
struct dnsrec_shard {
	const char		*zone;		/* NULL: unknown (not placed) */
	const char		*region;	/* NULL: unknown */
	const char *const	*ips;		/* load-balancer IPs */
	size_t			 nips;
	int			 ready_endpoints;
	bool			 cluster_ready;
};

/* Healthy: a Ready cluster, a load-balancer address, >= 1 ready endpoint. */
bool	dnsrec_shard_healthy(const struct dnsrec_shard *s);
/*
 * The spec.endpoints array (yours) for service svc in ns of federation fed
 * under dnszone (a trailing dot is dropped): per zone
 * <svc>.<ns>.<fed>.svc.<zone>.<region>.<dnszone> A of its healthy shards,
 * else CNAME to the region name; per region ...svc.<region>.<dnszone> A,
 * else CNAME to the global name; the global ...svc.<dnszone> A of every
 * healthy shard, or no record. Names and targets sorted; TTL 180.
 */
struct cJSON *dnsrec_endpoints(const char *svc, const char *ns,
	    const char *fed, const char *dnszone,
	    const struct dnsrec_shard *shards, size_t n);

#endif
