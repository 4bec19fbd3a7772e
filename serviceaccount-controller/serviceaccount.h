/*
 * serviceaccount.h: ckube-serviceaccount-controller's shared prototypes.
 *   main.c            the controller definition (namespaces, and the
 *                     "default" ServiceAccounts mapped to their namespace);
 *   serviceaccount.c  reconcile: every active namespace has a "default"
 *                     ServiceAccount.
 */
#ifndef CKUBE_SA_SERVICEACCOUNT_H
#define CKUBE_SA_SERVICEACCOUNT_H

struct controller;
struct kobj;

#define SA_DEFAULT	"default"

/* key: a namespace name. Creates its "default" ServiceAccount if absent. */
int	serviceaccount_reconcile(struct controller *c, const char *key);

/* A "default" ServiceAccount (gone or changed): its namespace's key. */
void	serviceaccount_map(struct controller *c, const struct kobj *sa);

#endif
