/*
 * admission_priority.c: Kubernetes' Priority admission plugin and the
 * built-in PriorityClasses. A PriorityClass marked globalDefault is refused
 * while another one is; a pod's spec.priorityClassName is resolved to
 * spec.priority and spec.preemptionPolicy (no name: the global default, or
 * priority 0); a client-set priority or policy that disagrees is refused.
 * Pods find the classes in a cache (struct pc_cache) that the commit hook
 * invalidates, as Kubernetes' plugin reads its informer's lister: a LIST of
 * the classes per pod create was 4.5% of the apiserver's CPU in e2e runs.
 */
#include "apiserver.h"
#include "store/store.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
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

struct pc_cache {
	pthread_mutex_t		 mu;
	atomic_uint_fast64_t	 gen;	/* bumped by each PriorityClass commit */
	uint64_t		 loaded;	/* the gen of all (under mu); 0: none */
	cJSON			*all;		/* under mu */
};

struct pc_cache *
pc_cache_new(void)
{
	struct pc_cache *c = ck_calloc(1, sizeof(*c));

	pthread_mutex_init(&c->mu, NULL);
	atomic_init(&c->gen, 1);
	return c;
}

void
pc_cache_free(struct pc_cache *c)
{
	if (c == NULL)
		return;
	cJSON_Delete(c->all);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

void
pc_cache_observe(struct pc_cache *c, const struct store_event *ev)
{
	if (c != NULL && strcmp(ev->resource, PC_RESOURCE) == 0)
		atomic_fetch_add(&c->gen, 1);
}

/* The class a pod gets: what admission copies out of it. */
struct pod_class {
	bool	 found;
	double	 value;
	char	 name[254];
	char	 policy[64];
};

/* Find cls (NULL or "": the global default) in all into *out. */
static void
find_class(const cJSON *all, const char *cls, struct pod_class *out)
{
	const cJSON *it;
	const char *n, *pol;

	cJSON_ArrayForEach(it, all) {
		n = json_str(json_obj(it, "metadata"), "name");
		if (n == NULL)
			continue;
		if (cls != NULL && cls[0] != '\0' ? strcmp(n, cls) != 0 :
		    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it,
		    "globalDefault")))
			continue;
		out->found = true;
		out->value = num_of(it, "value");
		snprintf(out->name, sizeof(out->name), "%s", n);
		pol = json_str(it, "preemptionPolicy");
		if (pol != NULL)
			snprintf(out->policy, sizeof(out->policy), "%s", pol);
		return;
	}
}

/*
 * Look cls up through the cache (reloaded when a class changed since it
 * was read; the generation is read before the LIST, so a change during it
 * reloads next time) or, without a cache, in a LIST of its own.
 */
static void
lookup_class(struct store *s, struct pc_cache *c, const char *cls,
    struct pod_class *out)
{
	uint64_t gen;
	cJSON *all;

	if (c == NULL) {
		all = list_classes(s);
		find_class(all, cls, out);
		cJSON_Delete(all);
		return;
	}
	pthread_mutex_lock(&c->mu);
	gen = atomic_load(&c->gen);
	if (c->loaded != gen || c->all == NULL) {
		cJSON_Delete(c->all);
		c->all = list_classes(s);
		c->loaded = c->all != NULL ? gen : 0;
	}
	find_class(c->all, cls, out);
	pthread_mutex_unlock(&c->mu);
}

int
admission_pod_priority(struct store *s, struct pc_cache *cache, cJSON *pod,
    struct ck_status *st)
{
	cJSON *spec = json_ensure_obj(pod, "spec");
	const cJSON *have;
	const char *cls = json_str(spec, "priorityClassName");
	const char *name = json_str(json_obj(pod, "metadata"), "name");
	const char *policy = "PreemptLowerPriority", *hp;
	struct pod_class pc = { .found = false };
	char msg[512];
	double value = 0;
	int rc = 0;

	if (name == NULL)
		name = "";
	lookup_class(s, cache, cls, &pc);
	if (cls != NULL && cls[0] != '\0' && !pc.found) {
		snprintf(msg, sizeof(msg), "no PriorityClass with name %s "
		    "was found", cls);
		rc = pod_forbidden(st, name, msg);
		goto out;
	}
	if (pc.found) {
		value = pc.value;
		if (pc.policy[0] != '\0')
			policy = pc.policy;
		json_set_str(spec, "priorityClassName", pc.name);
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
	return rc;
}
