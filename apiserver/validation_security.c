/*
 * validation_security.c: a pod's and a container's securityContext as
 * Kubernetes' ValidatePodSecurityContext and ValidateSecurityContext check
 * them: user and group IDs in range, seccomp profile types, procMount
 * types, privileged only with --allow-privileged, and no
 * allowPrivilegeEscalation=false with privileged or CAP_SYS_ADMIN.
 */
#include "apiserver.h"
#include "validation_kind.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"

bool validation_allow_privileged;

#define ID_RANGE_MSG	"must be between 0 and 2147483647, inclusive"

/* IsValidUserID / IsValidGroupID. */
static void
check_id(const cJSON *sc, const char *key, const char *f,
    struct ck_status *st)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(sc, key);
	char g[300];

	if (!cJSON_IsNumber(v) || (v->valuedouble >= 0 &&
	    v->valuedouble <= 2147483647.0))
		return;
	snprintf(g, sizeof(g), "%.250s.%s", f, key);
	vk_invalid(st, g, v, ID_RANGE_MSG);
}

/* validateSeccompProfileField */
static void
check_seccomp(const cJSON *sc, const char *f, struct ck_status *st)
{
	static const char *const types[] = { "Localhost", "RuntimeDefault",
		"Unconfined", NULL };
	const cJSON *p = json_obj(sc, "seccompProfile");
	const char *t, *lp;
	char g[300];
	size_t i;
	bool ok = false;

	if (p == NULL)
		return;
	t = json_str(p, "type");
	lp = json_str(p, "localhostProfile");
	snprintf(g, sizeof(g), "%.250s.seccompProfile.type", f);
	if (t == NULL || t[0] == '\0') {
		vk_required(st, g);
		return;
	}
	for (i = 0; types[i] != NULL; i++)
		ok |= strcmp(types[i], t) == 0;
	if (!ok) {
		vk_not_supported(st, g, t, types);
		return;
	}
	snprintf(g, sizeof(g), "%.250s.seccompProfile.localhostProfile", f);
	if (strcmp(t, "Localhost") == 0 && (lp == NULL || lp[0] == '\0'))
		ck_status_add_cause(st, g, "FieldValueRequired",
		    "Required value: must be set when seccomp type is "
		    "Localhost");
	else if (strcmp(t, "Localhost") != 0 && lp != NULL)
		vk_invalid_str(st, g, lp, "can only be set when seccomp type "
		    "is Localhost");
}

void
validation_pod_security_context(const cJSON *sc, const char *f,
    struct ck_status *st)
{
	const cJSON *it;
	char g[300];
	int i = 0;

	if (!cJSON_IsObject(sc))
		return;
	check_id(sc, "runAsUser", f, st);
	check_id(sc, "runAsGroup", f, st);
	check_id(sc, "fsGroup", f, st);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(sc,
	    "supplementalGroups")) {
		if (cJSON_IsNumber(it) && (it->valuedouble < 0 ||
		    it->valuedouble > 2147483647.0)) {
			snprintf(g, sizeof(g), "%.250s.supplementalGroups[%d]",
			    f, i);
			vk_invalid(st, g, it, ID_RANGE_MSG);
		}
		i++;
	}
	if ((it = cJSON_GetObjectItemCaseSensitive(sc,
	    "fsGroupChangePolicy")) != NULL && cJSON_IsString(it) &&
	    strcmp(it->valuestring, "OnRootMismatch") != 0 &&
	    strcmp(it->valuestring, "Always") != 0) {
		snprintf(g, sizeof(g), "%.250s.fsGroupChangePolicy", f);
		vk_not_supported(st, g, it->valuestring, (const char *const[]){
		    "Always", "OnRootMismatch", NULL });
	}
	check_seccomp(sc, f, st);
}

void
validation_security_context(const cJSON *sc, const char *f,
    struct ck_status *st)
{
	const cJSON *priv, *ape, *cap;
	const char *pm;
	char g[300];

	if (!cJSON_IsObject(sc))
		return;
	priv = cJSON_GetObjectItemCaseSensitive(sc, "privileged");
	if (cJSON_IsTrue(priv) && !validation_allow_privileged) {
		snprintf(g, sizeof(g), "%.250s.privileged", f);
		vk_forbidden(st, g, "disallowed by cluster policy");
	}
	check_id(sc, "runAsUser", f, st);
	check_id(sc, "runAsGroup", f, st);
	pm = json_str(sc, "procMount");
	if (pm != NULL && strcmp(pm, "Default") != 0 &&
	    strcmp(pm, "Unmasked") != 0) {
		snprintf(g, sizeof(g), "%.250s.procMount", f);
		vk_not_supported(st, g, pm, (const char *const[]){ "Default",
		    "Unmasked", NULL });
	}
	check_seccomp(sc, f, st);
	ape = cJSON_GetObjectItemCaseSensitive(sc, "allowPrivilegeEscalation");
	if (!cJSON_IsFalse(ape))
		return;
	if (cJSON_IsTrue(priv))
		vk_invalid(st, f, sc, "cannot set `allowPrivilegeEscalation` "
		    "to false and `privileged` to true");
	cJSON_ArrayForEach(cap, cJSON_GetObjectItemCaseSensitive(json_obj(sc,
	    "capabilities"), "add"))
		if (cJSON_IsString(cap) &&
		    strcmp(cap->valuestring, "CAP_SYS_ADMIN") == 0)
			vk_invalid(st, f, sc, "cannot set "
			    "`allowPrivilegeEscalation` to false and "
			    "`capabilities.Add` CAP_SYS_ADMIN");
}
