/*
 * admission_tolerations.c: Kubernetes' DefaultTolerationSeconds admission
 * plugin. A pod created or updated (not through a subresource) that does
 * not tolerate node.kubernetes.io/not-ready:NoExecute (resp. unreachable)
 * gets an Exists toleration for it with tolerationSeconds from
 * --default-not-ready-toleration-seconds (resp. --default-unreachable-...),
 * 300 by default. A toleration with an empty key or effect counts as one
 * for the key, as upstream. The node controller then evicts the pod from a
 * node tainted NoExecute when those seconds run out.
 */
#include "apiserver.h"

#include <string.h>

#include <cJSON.h>

#define KEY_NOT_READY	"node.kubernetes.io/not-ready"
#define KEY_UNREACHABLE	"node.kubernetes.io/unreachable"

int64_t admission_not_ready_seconds = 300;
int64_t admission_unreachable_seconds = 300;

/* Whether toleration t covers the NoExecute taint with key (upstream test). */
static bool
covers(const cJSON *t, const char *key)
{
	const char *k = json_str(t, "key"), *eff = json_str(t, "effect");

	return (k == NULL || k[0] == '\0' || strcmp(k, key) == 0) &&
	    (eff == NULL || eff[0] == '\0' || strcmp(eff, "NoExecute") == 0);
}

static void
add(cJSON *tols, const char *key, int64_t secs)
{
	cJSON *t = cJSON_CreateObject();

	cJSON_AddStringToObject(t, "key", key);
	cJSON_AddStringToObject(t, "operator", "Exists");
	cJSON_AddStringToObject(t, "effect", "NoExecute");
	cJSON_AddNumberToObject(t, "tolerationSeconds", (double)secs);
	cJSON_AddItemToArray(tols, t);
}

void
admission_default_tolerations(cJSON *pod)
{
	cJSON *spec = json_obj(pod, "spec"), *tols;
	const cJSON *t;
	bool not_ready = false, unreachable = false;

	if (spec == NULL)
		return;		/* validation says what is missing */
	tols = cJSON_GetObjectItemCaseSensitive(spec, "tolerations");
	if (tols != NULL && !cJSON_IsArray(tols) && !cJSON_IsNull(tols))
		return;		/* a type error validation reports */
	if (cJSON_IsArray(tols))
		cJSON_ArrayForEach(t, tols) {
			not_ready = not_ready || covers(t, KEY_NOT_READY);
			unreachable = unreachable ||
			    covers(t, KEY_UNREACHABLE);
		}
	if (not_ready && unreachable)
		return;
	if (!cJSON_IsArray(tols)) {
		json_del(spec, "tolerations");
		tols = cJSON_AddArrayToObject(spec, "tolerations");
	}
	if (!not_ready)
		add(tols, KEY_NOT_READY, admission_not_ready_seconds);
	if (!unreachable)
		add(tols, KEY_UNREACHABLE, admission_unreachable_seconds);
}
