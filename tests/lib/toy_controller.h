/*
 * toy_controller.h: a tiny controller for the framework's tests (never a
 * daemon of its own): every ConfigMap labelled toy=1 gets a "<name>-mirror"
 * ConfigMap with the same data, owned by it (controller: true).
 */
#ifndef CKUBE_TOY_CONTROLLER_H
#define CKUBE_TOY_CONTROLLER_H

struct controller;
struct controller_def;

extern const struct controller_def toy_def;

/* The reconcile of toy_def; also counts calls per process. */
int	toy_reconcile(struct controller *c, const char *key);

/* How many times toy_reconcile ran, and the last key it got. */
int	toy_reconciles(void);
void	toy_last_key(char *buf, unsigned long size);
void	toy_reset(void);

#endif
