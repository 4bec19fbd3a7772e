/* ingress.h: the map header of ckube-ingress-controller. */
#ifndef INGRESS_H
#define INGRESS_H

#include <stdbool.h>

#include "ckube/flags.h"

struct controller;
struct kobj;
struct cJSON;

#define INGRESS_RESOURCE	"ingresses.networking.k8s.io"
#define INGRESSCLASS_RESOURCE	"ingressclasses.networking.k8s.io"
#define INGRESS_CLASS_NAME	"ckube"
#define INGRESS_CONTROLLER	"ckube.io/ingress-controller"

#define INGRESS_NFLAGS	1
extern const struct flag ingress_flags[INGRESS_NFLAGS];

/* ingress.c: key is the Ingress's "ns/name". */
int	ingress_reconcile(struct controller *c, const char *key);
/* IngressClass handler: every Ingress may change hands. */
void	ingress_map_class(struct controller *c, const struct kobj *cls);
/*
 * Pure: the name of the class ing belongs to (spec.ingressClassName, the
 * kubernetes.io/ingress.class annotation, else the class annotated as
 * default among classes), or NULL.
 */
const char *ingress_class_of(const struct kobj *ing,
	    struct kobj *const *classes, size_t n);

#endif
