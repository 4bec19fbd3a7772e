/* hpa_int.h: what hpa.c and hpa_metrics.c share (not unit-tested). */
#ifndef HPA_CONTROLLER_HPA_INT_H
#define HPA_CONTROLLER_HPA_INT_H

#include "hpa.h"

struct hpa_measure {
	struct hpa_pod	*pods;
	char		**names;	/* pods[i].name's storage */
	size_t		 n;
};

/*
 * The pods of ns matching selector with their requests and usage of
 * resource ("cpu", "memory"), classified. 0, or a CK_E* with err set
 * (metrics API unreachable, no metrics). m is yours (hpa_measure_fini).
 */
int	hpa_measure(struct controller *c, const char *ns, const char *selector,
	    const char *resource, struct hpa_measure *m, char *err,
	    size_t errlen) CK_MUST_CHECK;
void	hpa_measure_fini(struct hpa_measure *m);

#endif
