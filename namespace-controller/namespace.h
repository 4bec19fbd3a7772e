/*
 * namespace.h: ckube-namespace-controller's shared prototypes.
 *   main.c        the controller definition (watch on namespaces);
 *   namespace.c   reconcile: a terminating namespace is emptied, then its
 *                 "kubernetes" finalizer goes;
 *   ns_content.c  the content: every namespaced kind from discovery, listed
 *                 and deleted.
 */
#ifndef CKUBE_NS_NAMESPACE_H
#define CKUBE_NS_NAMESPACE_H

#include <stddef.h>

#include "ckube/ck.h"

struct controller;

#define NS_FINALIZER	"kubernetes"

int	namespace_reconcile(struct controller *c, const char *key);

/*
 * Delete every object in namespace ns, of every namespaced kind discovery
 * lists (Background propagation, regardless of owners). *remaining gets how
 * many objects were still there (being deleted, or just asked to go).
 */
int	ns_content_delete(struct controller *c, const char *ns,
	    size_t *remaining) CK_MUST_CHECK;

#endif
