/*
 * volume_match.c: which PersistentVolume a claim may bind to (Kubernetes'
 * findMatchingVolume): a volume pre-bound to the claim wins; otherwise the
 * smallest Available, unclaimed volume of the claim's class that offers
 * every requested access mode and at least the requested size.
 */
#include "volume.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/kobj.h"
#include "ckube/quantity.h"

const char *
vol_claim_class(const struct kobj *pvc)
{
	const char *s = kobj_get_str(pvc, "spec.storageClassName");

	return s != NULL ? s : "";
}

static int64_t
bytes_at(const struct kobj *o, const char *path)
{
	const char *s = kobj_get_str(o, path);
	int64_t v;

	if (s == NULL || quantity_parse_value(s, &v, NULL) < 0)
		return 0;
	return v;
}

int64_t
vol_claim_request(const struct kobj *pvc)
{
	return bytes_at(pvc, "spec.resources.requests.storage");
}

bool
vol_claimed_by(const struct kobj *pv, const struct kobj *pvc)
{
	const char *ns = kobj_get_str(pv, "spec.claimRef.namespace");
	const char *name = kobj_get_str(pv, "spec.claimRef.name");
	const char *uid = kobj_get_str(pv, "spec.claimRef.uid");

	return ns != NULL && name != NULL &&
	    strcmp(ns, kobj_namespace(pvc)) == 0 &&
	    strcmp(name, kobj_name(pvc)) == 0 &&
	    (uid == NULL || uid[0] == '\0' || strcmp(uid, kobj_uid(pvc)) == 0);
}

static bool
has_mode(const cJSON *modes, const char *mode)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, modes)
		if (cJSON_IsString(m) && strcmp(m->valuestring, mode) == 0)
			return true;
	return false;
}

bool
vol_fits(const struct kobj *pv, const struct kobj *pvc)
{
	const char *phase = kobj_get_str(pv, "status.phase");
	const char *cls = kobj_get_str(pv, "spec.storageClassName");
	const cJSON *want = kobj_get(pvc, "spec.accessModes");
	const cJSON *have = kobj_get(pv, "spec.accessModes");
	const cJSON *m;

	if (kobj_get(pv, "metadata.deletionTimestamp") != NULL)
		return false;
	if (kobj_get(pv, "spec.claimRef") != NULL) {
		if (!vol_claimed_by(pv, pvc))
			return false;
	} else if (phase != NULL && strcmp(phase, "Available") != 0)
		return false;
	if (strcmp(cls != NULL ? cls : "", vol_claim_class(pvc)) != 0)
		return false;
	cJSON_ArrayForEach(m, want)
		if (!cJSON_IsString(m) || !has_mode(have, m->valuestring))
			return false;
	return bytes_at(pv, "spec.capacity.storage") >= vol_claim_request(pvc);
}

const struct kobj *
vol_pick(struct kobj *const *pvs, size_t n, const struct kobj *pvc)
{
	const struct kobj *best = NULL;
	int64_t size, best_size = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!vol_fits(pvs[i], pvc))
			continue;
		if (vol_claimed_by(pvs[i], pvc))
			return pvs[i];
		size = bytes_at(pvs[i], "spec.capacity.storage");
		if (best == NULL || size < best_size) {
			best = pvs[i];
			best_size = size;
		}
	}
	return best;
}
