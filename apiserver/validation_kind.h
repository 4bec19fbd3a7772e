/*
 * validation_kind.h: the per-kind hooks of the apiserver: defaulting on
 * create (defaults_*.c, referenced by registry rows as prepare_create) and
 * validation on create and update (validation_*.c, one dispatch table in
 * validation_kind.c keyed by kind), with the cause helpers they share.
 */
#ifndef CKUBE_APISERVER_VALIDATION_KIND_H
#define CKUBE_APISERVER_VALIDATION_KIND_H

#include <stdbool.h>
#include <stddef.h>

#include "ckube/ck.h"
#include "store/store.h"

struct cJSON;
struct ck_status;
struct api_resource;

/* ---- defaults_pod.c ---- */

#define ANN_INIT_ALPHA	"pod.alpha.kubernetes.io/init-containers"
#define ANN_INIT_BETA	"pod.beta.kubernetes.io/init-containers"

/* Pod defaults plus status (phase Pending, qosClass). */
void	defaults_pod(struct cJSON *obj);
/* PodSpec defaults (also of templates): restartPolicy, dnsPolicy, ... */
void	defaults_pod_spec(struct cJSON *spec);
/* After a status write: the 1.3 init-container-statuses annotation. */
void	defaults_on_status(const struct api_resource *r, struct cJSON *obj);
/* Guaranteed / Burstable / BestEffort of a PodSpec (static string). */
const char *defaults_pod_qos(const struct cJSON *spec);

/* ---- defaults_workload.c ---- */

void	defaults_statefulset(struct cJSON *obj);
/* DaemonSet: RollingUpdate 1/0, history 10, template defaults. */
void	defaults_daemonset(struct cJSON *obj);
void	defaults_daemonset_spec(struct cJSON *spec);
/* Deployment: strategy RollingUpdate 25%/25%, history 10, deadline 600. */
void	defaults_deployment(struct cJSON *obj);
void	defaults_deployment_spec(struct cJSON *spec);
void	defaults_replicaset(struct cJSON *obj);
void	defaults_replicaset_spec(struct cJSON *spec);
/* RC: replicas, and selector/labels from the template's labels. */
void	defaults_rc(struct cJSON *obj);
void	defaults_podtemplate(struct cJSON *obj);
void	defaults_job(struct cJSON *obj);
void	defaults_cronjob(struct cJSON *obj);
void	defaults_scheduledjob(struct cJSON *obj);
void	defaults_pdb(struct cJSON *obj);
/* ---- autoscaling.c: HorizontalPodAutoscaler (stored as v2) ---- */
void	defaults_hpa(struct cJSON *obj);
void	validation_hpa(const struct api_resource *r, const struct cJSON *obj,
	    const struct cJSON *old, struct ck_status *st);
void	defaults_networkpolicy(struct cJSON *obj);
/* ingress.c: Ingress defaults, validation, v1beta1 conversion. */
void	defaults_ingress(struct cJSON *obj);
void	validation_ingress(const struct cJSON *obj, struct ck_status *st);
void	validation_ingressclass(const struct cJSON *obj,
	    const struct cJSON *old, struct ck_status *st);
void	convert_ingress_in(struct cJSON *obj);
void	convert_ingress_out(struct cJSON *obj);
void	defaults_service(struct cJSON *obj);
void	defaults_service_spec(struct cJSON *spec);
/*
 * Defaults of an update (the stored object's defaults are not repeated by
 * clients): PodSpec and Service spec defaults, and a Service keeps its
 * allocated clusterIP and nodePorts when the update leaves them out.
 */
void	defaults_on_update(const struct api_resource *r, struct cJSON *obj,
	    const struct cJSON *old);
/* Template defaults of sets that have none of their own (deployments...). */
void	defaults_template_of(struct cJSON *obj);

/* ---- defaults_data.c ---- */
/*
 * ConfigMap/Secret maps typed as kube-apiserver decodes them: 400 with Go's
 * json message for a non-string value or bad base64. Nulls become "".
 */
int	data_check_types(const struct api_resource *r, struct cJSON *obj,
	    struct ck_status *st);
/* Secret: stringData merged into data (base64) and dropped; type Opaque. */
void	defaults_secret(struct cJSON *obj);
/* ConfigMap/Secret payload over 1 MiB: a TooLong cause. */
void	validation_data(const struct api_resource *r, const struct cJSON *obj,
	    const struct cJSON *old, struct ck_status *st);
/* Whether objects of r carry metadata.generation (kinds with a spec). */
bool	registry_has_generation(const struct api_resource *r);

/* ---- validation_kind.c ---- */

/*
 * Validate obj (the object about to be stored) of row r; old is the stored
 * object on update, NULL on create. Adds causes to st; CK_EINVALID if any.
 */
int	validation_kind(const struct api_resource *r, const struct cJSON *obj,
	    const struct cJSON *old, struct ck_status *st) CK_MUST_CHECK;

/* Cause helpers: field.Invalid, Required, Forbidden, NotSupported. */
void	vk_invalid(struct ck_status *st, const char *field,
	    const struct cJSON *value, const char *detail);
void	vk_invalid_str(struct ck_status *st, const char *field,
	    const char *value, const char *detail);
void	vk_required(struct ck_status *st, const char *field);
void	vk_forbidden(struct ck_status *st, const char *field,
	    const char *detail);
void	vk_not_supported(struct ck_status *st, const char *field,
	    const char *value, const char *const *allowed);
/* field.Invalid(...,"field is immutable") when a and b differ. */
void	vk_immutable(struct ck_status *st, const char *field,
	    const struct cJSON *now, const struct cJSON *before);

/* ---- validation_security.c ---- */

/* --allow-privileged: containers may set securityContext.privileged. */
extern bool validation_allow_privileged;
/* spec.securityContext at f, and a container's securityContext at f. */
void	validation_pod_security_context(const struct cJSON *sc,
	    const char *f, struct ck_status *st);
void	validation_security_context(const struct cJSON *sc, const char *f,
	    struct ck_status *st);

/* ---- validation_pod.c ---- */

/* PodSpec at prefix ("spec", "spec.template.spec"). */
void	validation_pod_spec(const struct cJSON *spec, const char *prefix,
	    struct ck_status *st);
void	validation_pod(const struct cJSON *obj, const struct cJSON *old,
	    struct ck_status *st);
/* A quantity map (requests/limits) at field. */
void	validation_resource_list(const struct cJSON *list, const char *field,
	    struct ck_status *st);

/* ---- validation_workload.c ---- */

void	validation_workload(const struct api_resource *r,
	    const struct cJSON *obj, const struct cJSON *old,
	    struct ck_status *st);

/* ---- validation_service.c ---- */

void	validation_service(const struct cJSON *obj, const struct cJSON *old,
	    struct ck_status *st);
void	validation_rbac(const struct api_resource *r, const struct cJSON *obj,
	    struct ck_status *st);

/* ---- validation_netpol.c ---- */

void	validation_networkpolicy(const struct cJSON *obj,
	    struct ck_status *st);
/* The 1.3 isolation annotation net.beta.kubernetes.io/network-policy. */
void	validation_namespace(const struct cJSON *obj, struct ck_status *st);
void	validation_pvc(const struct cJSON *obj, const struct cJSON *old,
	    struct ck_status *st);

/* ---- validation_quota.c ---- */

/* Quantities written as JSON numbers become canonical strings. */
void	defaults_quantity_map(struct cJSON *map);
/* The same over every container's requests and limits of a PodSpec. */
void	defaults_pod_quantities(struct cJSON *spec);
/* ResourceQuota on create: no status (the controller sets it). */
void	defaults_resourcequota(struct cJSON *obj);
/* LimitRange: Container items' default from max, defaultRequest from
 * default then min (SetDefaults_LimitRangeItem). */
void	defaults_limitrange(struct cJSON *obj);
void	validation_resourcequota(const struct cJSON *obj,
	    struct ck_status *st);
void	validation_limitrange(const struct cJSON *obj, struct ck_status *st);

/* ---- service_alloc.c ---- */

struct store;
/* --service-cluster-ip-range ("10.96.0.0/12"); CK_EINVALID if malformed. */
int	service_alloc_config(const char *cidr) CK_MUST_CHECK;
/* The first address of the range (the `kubernetes` service's). */
void	service_alloc_first_ip(char *buf, size_t len);
/* The `kubernetes` service of `default` (yours). */
struct cJSON *service_alloc_kubernetes_service(void);
/* Held from service_alloc_assign until the store write is done. */
void	service_alloc_lock(void);
void	service_alloc_unlock(void);
/*
 * Give svc (about to be stored; old: the stored one on update, else NULL)
 * its clusterIP(s) and node ports, honouring requested ones. CK_EINVALID
 * with causes in st when a requested one is taken or out of range.
 */
int	service_alloc_assign(struct store *s, struct cJSON *svc,
	    const struct cJSON *old, struct ck_status *st) CK_MUST_CHECK;
/* Whether svc holds a clusterIP or node port that old (may be NULL) lacks. */
bool	service_alloc_changed(const struct cJSON *svc,
	    const struct cJSON *old);

/*
 * Allocation across apiservers (etcd3 only; inactive on SQLite): begin
 * before the scan (service_alloc_assign), then write the Service in one
 * store_txn with op; op refused (CK_EEXIST/CK_ECONFLICT) means another
 * apiserver allocated meanwhile: fini, begin and assign again.
 */
struct service_alloc_guard {
	bool		 active;
	struct store_op	 op;
	struct cJSON	*obj;
};
int	service_alloc_guard_begin(struct store *s,
	    struct service_alloc_guard *g) CK_MUST_CHECK;
void	service_alloc_guard_fini(struct service_alloc_guard *g);

#endif
