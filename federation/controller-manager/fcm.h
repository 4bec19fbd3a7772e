/*
 * fcm.h: ckube-federation-controller-manager's shared header. One
 * controller_main() over the federation apiserver; queue keys carry the
 * kind: "cluster/name", "ns/name", "secret/ns/name", "configmap/ns/name",
 * "rs/ns/name", "deploy/ns/name", "svc/ns/name". Members are reached through clients made
 * per Cluster (members.c).
 */
#ifndef FCM_H
#define FCM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct ck_status;
struct client;
struct controller;
struct kobj;

/* Caches (informer names) of the federation apiserver. */
#define FCM_CLUSTERS	"clusters.federation"
#define FCM_NAMESPACES	"namespaces"
#define FCM_SECRETS	"secrets"
#define FCM_CONFIGMAPS	"configmaps"
#define FCM_RS		"replicasets.apps"
#define FCM_DEPLOY	"deployments.apps"
#define FCM_SERVICES	"services"

/* --cluster-monitor-period in ms, --federation-name, --zone-name (main.c). */
extern int64_t fcm_monitor_ms;
extern const char *fcm_federation_name;
extern const char *fcm_zone_name;

/* main.c's init/fini: the member client table. */
int	fcm_init(struct controller *c);
void	fcm_fini(struct controller *c);
/* Dispatch a key to the controller of its kind. */
int	fcm_reconcile(struct controller *c, const char *key);

/* members.c */
/*
 * The client of a member (borrowed, valid until fcm_fini), made from
 * spec.serverAddressByClientCIDRs[0].serverAddress over plain http unless
 * the address has a scheme. CK_EINVALID (st says why) without an address.
 */
int	members_client(struct controller *c, const struct kobj *cluster,
	    struct client **out, struct ck_status *st);
/*
 * Whether the Cluster is due for a probe at now_ms (none within 90% of the
 * monitor period); records the probe if so.
 */
bool	members_probe_due(struct controller *c, const struct kobj *cluster,
	    uint64_t now_ms);
/* The URL of a cluster's API server into buf; CK_EINVALID if none. */
int	members_server_url(const struct kobj *cluster, char *buf, size_t len);
/* The Clusters whose Ready condition is True, by name (cache_list_free). */
struct kobj **members_ready(struct controller *c, size_t *n);
/* Queue every federated object (a cluster changed: bring members up to date). */
void	members_enqueue_all(struct controller *c);
/* Create namespace ns in a member unless it exists. */
int	members_ensure_namespace(struct client *cl, const char *ns,
	    struct ck_status *st);

/* cluster.c: health, zones and region of one Cluster. */
int	cluster_reconcile(struct controller *c, const char *name);

/* propagate.c: namespaces, secrets and configmaps in every Ready member. */
int	propagate_reconcile(struct controller *c, const char *kind,
	    const char *key);

/* rs.c: replica sets and deployments spread over the members. */
int	rs_reconcile_kind(struct controller *c, const char *kind,
	    const char *key);

/* service.c: services in every Ready member, status, DNS records. */
int	service_reconcile(struct controller *c, const char *key);

/* Watch handlers (main.c's table). */
void	fcm_map_cluster(struct controller *c, const struct kobj *obj);
void	fcm_map_namespace(struct controller *c, const struct kobj *obj);
void	fcm_map_secret(struct controller *c, const struct kobj *obj);
void	fcm_map_configmap(struct controller *c, const struct kobj *obj);
void	fcm_map_rs(struct controller *c, const struct kobj *obj);
void	fcm_map_deploy(struct controller *c, const struct kobj *obj);
void	fcm_map_service(struct controller *c, const struct kobj *obj);

#endif
