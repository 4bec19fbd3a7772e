/*
 * volume.h: the map header of ckube-volume-controller, the simulated
 * persistent volume controller (Kubernetes' PersistentVolumeController
 * plus a dynamic provisioner): it binds claims to Available volumes,
 * provisions a volume when the claim's StorageClass names this
 * provisioner, and releases or deletes volumes whose claims are gone.
 * Queue keys: "pvc:ns/name" and "pv:name".
 */
#ifndef VOLUME_H
#define VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct controller;
struct kobj;

#define VOL_PVC_RES	"persistentvolumeclaims"
#define VOL_PV_RES	"persistentvolumes"
#define VOL_SC_RES	"storageclasses.storage.k8s.io"

/* The provisioner of the default class: volumes are directories by name. */
#define VOL_PROVISIONER		"ckube.io/hostpath-sim"
#define VOL_DEFAULT_CLASS	"standard"
#define ANN_DEFAULT_CLASS	"storageclass.kubernetes.io/is-default-class"
#define ANN_BIND_COMPLETED	"pv.kubernetes.io/bind-completed"
#define ANN_BOUND_BY_CTRL	"pv.kubernetes.io/bound-by-controller"
#define ANN_PROVISIONED_BY	"pv.kubernetes.io/provisioned-by"

/* volume.c: the algorithm. */
int	volume_init(struct controller *c);
int	volume_reconcile(struct controller *c, const char *key);
void	volume_map_pvc(struct controller *c, const struct kobj *obj);
void	volume_map_pv(struct controller *c, const struct kobj *obj);

/* volume_match.c: pure. */
/* The claim's storageClassName ("" when none). */
const char *vol_claim_class(const struct kobj *pvc);
/* The claim's requested storage in bytes (0 when none or bad). */
int64_t	vol_claim_request(const struct kobj *pvc);
/*
 * Whether pv can take pvc: Available and unclaimed (or pre-bound to it),
 * same class, every requested access mode, capacity >= the request.
 */
bool	vol_fits(const struct kobj *pv, const struct kobj *pvc);
/* Whether pv's claimRef names pvc (namespace, name and, if set, uid). */
bool	vol_claimed_by(const struct kobj *pv, const struct kobj *pvc);
/*
 * The best volume of pvs (n) for pvc: one pre-bound to it, else the
 * smallest that fits. NULL when none fits. Borrowed from pvs.
 */
const struct kobj *vol_pick(struct kobj *const *pvs, size_t n,
	    const struct kobj *pvc);

#endif
