/*
 * health.h: a member cluster's conditions from one /healthz probe
 * (semantics.md 8(b)), pure.
 */
#ifndef FCM_HEALTH_H
#define FCM_HEALTH_H

struct cJSON;

enum health_probe {
	HEALTH_UNREACHABLE,	/* transport error */
	HEALTH_OK,		/* body "ok", any case */
	HEALTH_NOT_OK,		/* reachable, any other body */
};

/* The probe result of a /healthz reply (body NULL: no reply). */
enum health_probe health_of_reply(const char *body);
/*
 * The new status.conditions array (yours): Offline=True ClusterNotReachable;
 * Ready=True ClusterReady; or Ready=False ClusterNotReady with
 * Offline=False ClusterReachable. lastProbeTime is now; a condition whose
 * type and status were already so in prev keeps its lastTransitionTime.
 */
struct cJSON *health_conditions(enum health_probe probe,
	    const struct cJSON *prev, const char *now);

#endif
