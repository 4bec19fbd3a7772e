/*
 * Interned strings of ckube-kubelet-sim: container names and images repeat
 * across thousands of pods, so each distinct one is stored once, counted.
 */
#ifndef KUBELET_SIM_INTERN_H
#define KUBELET_SIM_INTERN_H

/* The shared copy of s (a reference; intern_put it). Thread-safe. */
const char	*intern_get(const char *s);
/* Drop a reference from intern_get (NULL is fine). Thread-safe. */
void		 intern_put(const char *s);

#endif
