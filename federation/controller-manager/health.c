/*
 * health.c: Cluster conditions from a /healthz probe, with the reasons and
 * messages of Kubernetes 1.3's federation cluster controller.
 */
#include "health.h"

#include <ctype.h>
#include <string.h>

#include <cJSON.h>

enum health_probe
health_of_reply(const char *body)
{
	size_t len;

	if (body == NULL)
		return HEALTH_UNREACHABLE;
	len = strlen(body);
	/* A trailing newline is not part of the answer. */
	while (len > 0 && isspace((unsigned char)body[len - 1]))
		len--;
	return len == 2 && strncasecmp(body, "ok", 2) == 0 ? HEALTH_OK :
	    HEALTH_NOT_OK;
}

static const char *
prev_transition(const cJSON *prev, const char *type, const char *status)
{
	const cJSON *c;
	const cJSON *t, *s, *lt;

	cJSON_ArrayForEach(c, prev) {
		t = cJSON_GetObjectItemCaseSensitive(c, "type");
		s = cJSON_GetObjectItemCaseSensitive(c, "status");
		lt = cJSON_GetObjectItemCaseSensitive(c, "lastTransitionTime");
		if (cJSON_IsString(t) && strcmp(t->valuestring, type) == 0 &&
		    cJSON_IsString(s) && strcmp(s->valuestring, status) == 0 &&
		    cJSON_IsString(lt))
			return lt->valuestring;
	}
	return NULL;
}

static void
add_condition(cJSON *arr, const cJSON *prev, const char *now,
    const char *type, const char *status, const char *reason,
    const char *message)
{
	cJSON *c = cJSON_CreateObject();
	const char *since = prev_transition(prev, type, status);

	cJSON_AddStringToObject(c, "type", type);
	cJSON_AddStringToObject(c, "status", status);
	cJSON_AddStringToObject(c, "lastProbeTime", now);
	cJSON_AddStringToObject(c, "lastTransitionTime",
	    since != NULL ? since : now);
	cJSON_AddStringToObject(c, "reason", reason);
	cJSON_AddStringToObject(c, "message", message);
	cJSON_AddItemToArray(arr, c);
}

cJSON *
health_conditions(enum health_probe probe, const cJSON *prev,
    const char *now)
{
	cJSON *arr = cJSON_CreateArray();

	switch (probe) {
	case HEALTH_UNREACHABLE:
		add_condition(arr, prev, now, "Offline", "True",
		    "ClusterNotReachable", "cluster is not reachable");
		break;
	case HEALTH_OK:
		add_condition(arr, prev, now, "Ready", "True", "ClusterReady",
		    "/healthz responded with ok");
		break;
	case HEALTH_NOT_OK:
		add_condition(arr, prev, now, "Ready", "False",
		    "ClusterNotReady", "/healthz responded without ok");
		add_condition(arr, prev, now, "Offline", "False",
		    "ClusterReachable", "cluster is reachable");
		break;
	}
	return arr;
}
