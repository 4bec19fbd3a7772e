/* podutil.c: shared pod predicates (podutil.h). */
#include "ckube/podutil.h"

#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/kobj.h"
#include "ckube/rfc3339.h"

bool
pod_active(const struct kobj *pod)
{
	const char *phase = kobj_get_str(pod, "status.phase");

	if (kobj_get(pod, "metadata.deletionTimestamp") != NULL)
		return false;
	return phase == NULL || (strcmp(phase, "Succeeded") != 0 &&
	    strcmp(phase, "Failed") != 0);
}

bool
pod_ready(const struct kobj *pod)
{
	const char *s = kobj_condition_status(pod, "Ready");

	return s != NULL && strcmp(s, "True") == 0;
}

bool
pod_available(const struct kobj *pod, int64_t min_ready_s, int64_t now_s,
    int64_t *wait_s)
{
	const cJSON *cond, *ltt;
	time_t since;

	*wait_s = 0;
	if (!pod_ready(pod))
		return false;
	if (min_ready_s <= 0)
		return true;
	cond = kobj_condition(pod, "Ready");
	ltt = cJSON_GetObjectItemCaseSensitive(cond, "lastTransitionTime");
	if (!cJSON_IsString(ltt) || rfc3339_parse(ltt->valuestring,
	    &since) < 0)
		return true;	/* no time: Kubernetes counts it available */
	if ((int64_t)since + min_ready_s <= now_s)
		return true;
	*wait_s = (int64_t)since + min_ready_s - now_s;
	return false;
}
