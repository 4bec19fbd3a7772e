/*
 * admission_priority.c: Kubernetes' Priority admission plugin and the
 * built-in PriorityClasses. A PriorityClass marked globalDefault is refused
 * while another one is; a pod's spec.priorityClassName is resolved to
 * spec.priority and spec.preemptionPolicy (no name: the global default, or
 * priority 0); a client-set priority or policy that disagrees is refused.
 */
#include "apiserver.h"
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"

#define PC_RESOURCE	"priorityclasses.scheduling.k8s.io"

/* scheduling.SystemPriorityClasses(). */
static const struct {
	const char	*name;
	int64_t		 value;
	const char	*description;
} system_classes[] = {
	{ "system-node-critical", 2000001000, "Used for system critical pods "
	    "that must not be moved from their current node." },
	{ "system-cluster-critical", 2000000000, "Used for system critical "
	    "pods that must run in the cluster, but can be moved to another "
	    "node if necessary." },
};

size_t
admission_system_priority_classes(void)
{
	return ARRAY_SIZE(system_classes);
}

cJSON *
admission_system_priority_class(size_t i)
{
	cJSON *pc = cJSON_CreateObject();

	json_set_str(pc, "apiVersion", "scheduling.k8s.io/v1");
	json_set_str(pc, "kind", "PriorityClass");
	json_set_str(json_ensure_obj(pc, "metadata"), "name",
	    system_classes[i].name);
	json_set_num(pc, "value", (double)system_classes[i].value);
	json_set_str(pc, "description", system_classes[i].description);
	return pc;
}

/*
 * IsKnownSystemPriorityClass: NULL when name/value/globalDefault is one,
 * else the reason (into buf).
 */
const char *
admission_system_class_error(const char *name, int64_t value, bool def,
    char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(system_classes); i++) {
		if (strcmp(system_classes[i].name, name) != 0)
			continue;
		if (system_classes[i].value != value) {
			snprintf(buf, len, "value of %s PriorityClass must be "
			    "%lld", name, (long long)system_classes[i].value);
			return buf;
		}
		if (def) {
			snprintf(buf, len, "globalDefault of %s PriorityClass "
			    "must be false", name);
			return buf;
		}
		return NULL;
	}
	snprintf(buf, len, "%s is not a known system priority class", name);
	return buf;
}

/* The stored classes (a parsed JSON array, yours), or NULL. */
static cJSON *
list_classes(struct store *s)
{
	struct store_list l = { 0 };
	cJSON *arr, *pc;
	size_t i;

	if (store_list(s, PC_RESOURCE, "", NULL, NULL, 0, &l) < 0)
		return NULL;
	arr = cJSON_CreateArray();
	for (i = 0; i < l.n; i++) {
		pc = cJSON_ParseWithLength(l.items[i].body,
		    l.items[i].body_len);
		if (pc != NULL)
			cJSON_AddItemToArray(arr, pc);
	}
	store_list_fini(&l);
	return arr;
}

int
admission_priority_class(struct store *s, const cJSON *pc,
    struct ck_status *st)
{
	const char *name = json_str(json_obj(pc, "metadata"), "name");
	const char *other;
	cJSON *all, *it;
	int rc = 0;

	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(pc,
	    "globalDefault")))
		return 0;
	if ((all = list_classes(s)) == NULL)
		return 0;
	cJSON_ArrayForEach(it, all) {
		other = json_str(json_obj(it, "metadata"), "name");
		if (other == NULL || (name != NULL && strcmp(other, name) == 0) ||
		    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it,
		    "globalDefault")))
			continue;
		rc = ck_status_set(st, CK_EPERM, "priorityclasses.scheduling."
		    "k8s.io \"%s\" is forbidden: PriorityClass %s is already "
		    "marked as default. Only one default can exist",
		    name != NULL ? name : "", other);
		ck_status_set_details(st, name != NULL ? name : "",
		    "scheduling.k8s.io", "priorityclasses");
		break;
	}
	cJSON_Delete(all);
	return rc;
}

static int
pod_forbidden(struct ck_status *st, const char *pod, const char *msg)
{
	ck_status_set(st, CK_EPERM, "pods \"%s\" is forbidden: %s", pod, msg);
	ck_status_set_details(st, pod, "", "pods");
	return CK_EPERM;
}

static double
num_of(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

int
admission_pod_priority(struct store *s, cJSON *pod, struct ck_status *st)
{
	cJSON *spec = json_ensure_obj(pod, "spec"), *all = NULL, *it;
	const cJSON *pc = NULL, *have;
	const char *cls = json_str(spec, "priorityClassName");
	const char *name = json_str(json_obj(pod, "metadata"), "name");
	const char *policy = "PreemptLowerPriority", *hp;
	char msg[512];
	double value = 0;
	int rc = 0;

	if (name == NULL)
		name = "";
	all = list_classes(s);
	cJSON_ArrayForEach(it, all) {
		const char *n = json_str(json_obj(it, "metadata"), "name");

		if (n == NULL)
			continue;
		if (cls != NULL && cls[0] != '\0' ? strcmp(n, cls) == 0 :
		    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it,
		    "globalDefault"))) {
			pc = it;
			break;
		}
	}
	if (cls != NULL && cls[0] != '\0' && pc == NULL) {
		snprintf(msg, sizeof(msg), "no PriorityClass with name %s "
		    "was found", cls);
		rc = pod_forbidden(st, name, msg);
		goto out;
	}
	if (pc != NULL) {
		value = num_of(pc, "value");
		if (json_str(pc, "preemptionPolicy") != NULL)
			policy = json_str(pc, "preemptionPolicy");
		json_set_str(spec, "priorityClassName",
		    json_str(json_obj(pc, "metadata"), "name"));
	}
	have = cJSON_GetObjectItemCaseSensitive(spec, "priority");
	if (cJSON_IsNumber(have) && have->valuedouble != value) {
		snprintf(msg, sizeof(msg), "the integer value of priority "
		    "(%lld) must not be provided in pod spec; priority "
		    "admission controller computed %lld from the given "
		    "PriorityClass name", (long long)have->valuedouble,
		    (long long)value);
		rc = pod_forbidden(st, name, msg);
		goto out;
	}
	hp = json_str(spec, "preemptionPolicy");
	if (hp != NULL && strcmp(hp, policy) != 0) {
		snprintf(msg, sizeof(msg), "the string value of "
		    "PreemptionPolicy (%s) must not be provided in pod spec; "
		    "priority admission controller computed %s from the given "
		    "PriorityClass name", hp, policy);
		rc = pod_forbidden(st, name, msg);
		goto out;
	}
	json_set_num(spec, "priority", value);
	json_set_str(spec, "preemptionPolicy", policy);
out:
	cJSON_Delete(all);
	return rc;
}
