/*
 * quota.c: ResourceQuota accounting (quota.h): resource lists, the usage
 * of one object (Kubernetes' evaluator/core pods, services, claims and the
 * generic object count), scopes and the pod constraints.
 */
#include "ckube/quota.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/rfc3339.h"
#include "ckube/strbuf.h"

static const cJSON *
jobj(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsObject(it) ? it : NULL;
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

void
quota_list_fini(struct quota_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static struct quota_item *
find_mut(const struct quota_list *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

const struct quota_item *
quota_list_find(const struct quota_list *l, const char *name)
{
	return find_mut(l, name);
}

static struct quota_item *
slot(struct quota_list *l, const char *name, enum quantity_format fmt,
    bool *created)
{
	struct quota_item *it = find_mut(l, name);

	*created = false;
	if (it != NULL)
		return it;
	l->v = ck_reallocarray(l->v, l->n + 1, sizeof(*l->v));
	it = &l->v[l->n++];
	memset(it, 0, sizeof(*it));
	ck_strlcpy(it->name, name, sizeof(it->name));
	it->fmt = fmt;
	*created = true;
	return it;
}

void
quota_list_add(struct quota_list *l, const char *name, int64_t milli,
    enum quantity_format fmt)
{
	bool created;
	struct quota_item *it = slot(l, name, fmt, &created);

	if (__builtin_add_overflow(it->milli, milli, &it->milli))
		it->milli = INT64_MAX;
}

void
quota_list_max(struct quota_list *l, const char *name, int64_t milli,
    enum quantity_format fmt)
{
	bool created;
	struct quota_item *it = slot(l, name, fmt, &created);

	if (created || milli > it->milli)
		it->milli = milli;
}

void
quota_list_add_all(struct quota_list *a, const struct quota_list *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		quota_list_add(a, b->v[i].name, b->v[i].milli, b->v[i].fmt);
}

int
quota_list_from_json(const cJSON *map, struct quota_list *out, char *bad,
    size_t badlen)
{
	const cJSON *it;
	enum quantity_format fmt;
	int64_t milli;

	cJSON_ArrayForEach(it, map) {
		if (!cJSON_IsString(it) || quantity_parse_milli(it->valuestring,
		    &milli, &fmt) < 0) {
			if (bad != NULL)
				ck_strlcpy(bad, it->string ? it->string : "",
				    badlen);
			return CK_EINVALID;
		}
		quota_list_add(out, it->string, milli, fmt);
	}
	return 0;
}

void
quota_item_format(const struct quota_item *it, char *buf, size_t len)
{
	if (quantity_format_milli(it->milli, it->fmt, buf, len) < 0)
		snprintf(buf, len, "%lldm", (long long)it->milli);
}

cJSON *
quota_list_to_json(const struct quota_list *l)
{
	cJSON *m = cJSON_CreateObject();
	char buf[QUANTITY_STR_MAX];
	size_t i;

	for (i = 0; i < l->n; i++) {
		quota_item_format(&l->v[i], buf, sizeof(buf));
		cJSON_AddStringToObject(m, l->v[i].name, buf);
	}
	return m;
}

void
quota_list_mask(struct quota_list *l, const struct quota_list *mask)
{
	size_t i, k = 0;

	for (i = 0; i < l->n; i++)
		if (quota_list_find(mask, l->v[i].name) != NULL)
			l->v[k++] = l->v[i];
	l->n = k;
}

static int
item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct quota_item *)a)->name,
	    ((const struct quota_item *)b)->name);
}

void
quota_list_pretty(const struct quota_list *l, char *buf, size_t len)
{
	struct quota_item *s;
	struct strbuf sb;
	char v[QUANTITY_STR_MAX];
	size_t i;

	strbuf_init(&sb);
	s = ck_calloc(l->n + 1, sizeof(*s));
	if (l->n > 0)
		memcpy(s, l->v, l->n * sizeof(*s));
	qsort(s, l->n, sizeof(*s), item_cmp);
	for (i = 0; i < l->n; i++) {
		quota_item_format(&s[i], v, sizeof(v));
		strbuf_addf(&sb, "%s%s=%s", i > 0 ? "," : "", s[i].name, v);
	}
	ck_strlcpy(buf, strbuf_str(&sb), len);
	strbuf_fini(&sb);
	free(s);
}

/* ---- pods ---- */

static void
container_sum(const cJSON *spec, const char *key, const char *kind,
    struct quota_list *out, bool init)
{
	const cJSON *c, *res, *it;
	enum quantity_format fmt;
	int64_t milli;

	cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec, key)) {
		res = jobj(jobj(c, "resources"), kind);
		cJSON_ArrayForEach(it, res) {
			if (!cJSON_IsString(it) ||
			    quantity_parse_milli(it->valuestring, &milli,
			    &fmt) < 0)
				continue;
			if (init)
				quota_list_max(out, it->string, milli, fmt);
			else
				quota_list_add(out, it->string, milli, fmt);
		}
	}
}

/* The sum over app containers, then the max with each init container. */
void
quota_pod_effective(const cJSON *spec, const char *kind, struct quota_list *out)
{
	const cJSON *ov;
	char bad[8];

	container_sum(spec, "containers", kind, out, false);
	container_sum(spec, "initContainers", kind, out, true);
	ov = jobj(spec, "overhead");
	if (ov != NULL)
		quota_list_from_json(ov, out, bad, sizeof(bad));
}

/* podComputeUsageHelper: requests and limits to quota names. */
static void
compute_names(const struct quota_list *req, const struct quota_list *lim,
    struct quota_list *out)
{
	static const char *const plain[] = { "cpu", "memory",
		"ephemeral-storage" };
	const struct quota_item *it;
	char name[QUOTA_NAME_MAX];
	size_t i;

	quota_list_add(out, "pods", 1000, QUANTITY_DECIMAL_SI);
	for (i = 0; i < ARRAY_SIZE(plain); i++) {
		if ((it = quota_list_find(req, plain[i])) != NULL) {
			quota_list_add(out, plain[i], it->milli, it->fmt);
			snprintf(name, sizeof(name), "requests.%s", plain[i]);
			quota_list_add(out, name, it->milli, it->fmt);
		}
		if ((it = quota_list_find(lim, plain[i])) != NULL) {
			snprintf(name, sizeof(name), "limits.%s", plain[i]);
			quota_list_add(out, name, it->milli, it->fmt);
		}
	}
	/* hugepages and extended resources: requests.<name> */
	for (i = 0; i < req->n; i++) {
		it = &req->v[i];
		if (strcmp(it->name, "cpu") == 0 ||
		    strcmp(it->name, "memory") == 0 ||
		    strcmp(it->name, "ephemeral-storage") == 0)
			continue;
		if (strncmp(it->name, "hugepages-", 10) == 0)
			quota_list_add(out, it->name, it->milli, it->fmt);
		snprintf(name, sizeof(name), "requests.%.200s", it->name);
		quota_list_add(out, name, it->milli, it->fmt);
	}
}

void
quota_pod_compute(const cJSON *spec, struct quota_list *out)
{
	struct quota_list req = { 0 }, lim = { 0 };

	quota_pod_effective(spec, "requests", &req);
	quota_pod_effective(spec, "limits", &lim);
	compute_names(&req, &lim, out);
	quota_list_fini(&req);
	quota_list_fini(&lim);
}

/* QuotaV1Pod: terminal pods and pods past their deletion grace drop out. */
static bool
pod_counts(const cJSON *pod, int64_t now)
{
	const cJSON *meta = jobj(pod, "metadata"), *g;
	const char *phase = jstr(jobj(pod, "status"), "phase"), *dt;
	time_t t;

	if (phase != NULL && (strcmp(phase, "Succeeded") == 0 ||
	    strcmp(phase, "Failed") == 0))
		return false;
	dt = jstr(meta, "deletionTimestamp");
	g = cJSON_GetObjectItemCaseSensitive(meta,
	    "deletionGracePeriodSeconds");
	if (dt != NULL && cJSON_IsNumber(g) && rfc3339_parse(dt, &t) == 0 &&
	    now > (int64_t)t + (int64_t)g->valuedouble)
		return false;
	return true;
}

/* ---- other kinds ---- */

static void
service_usage(const cJSON *svc, struct quota_list *out)
{
	const cJSON *spec = jobj(svc, "spec"), *p, *alloc;
	const char *type = jstr(spec, "type");
	int64_t ports = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(
	    spec, "ports"));

	quota_list_add(out, "services", 1000, QUANTITY_DECIMAL_SI);
	if (type == NULL)
		return;
	if (strcmp(type, "NodePort") == 0)
		quota_list_add(out, "services.nodeports", ports * 1000,
		    QUANTITY_DECIMAL_SI);
	if (strcmp(type, "LoadBalancer") == 0) {
		alloc = cJSON_GetObjectItemCaseSensitive(spec,
		    "allocateLoadBalancerNodePorts");
		if (cJSON_IsFalse(alloc)) {
			ports = 0;
			cJSON_ArrayForEach(p,
			    cJSON_GetObjectItemCaseSensitive(spec, "ports"))
				if (cJSON_IsNumber(
				    cJSON_GetObjectItemCaseSensitive(p,
				    "nodePort")))
					ports++;
		}
		quota_list_add(out, "services.nodeports", ports * 1000,
		    QUANTITY_DECIMAL_SI);
		quota_list_add(out, "services.loadbalancers", 1000,
		    QUANTITY_DECIMAL_SI);
	}
}

static void
pvc_usage(const cJSON *pvc, struct quota_list *out)
{
	const cJSON *spec = jobj(pvc, "spec");
	const char *sc = jstr(spec, "storageClassName"),
		   *st = jstr(jobj(jobj(spec, "resources"), "requests"),
		       "storage");
	char name[QUOTA_NAME_MAX];
	enum quantity_format fmt;
	int64_t milli;

	quota_list_add(out, "persistentvolumeclaims", 1000,
	    QUANTITY_DECIMAL_SI);
	if (sc != NULL && sc[0] != '\0') {
		snprintf(name, sizeof(name), "%.180s.storageclass.storage.k8s."
		    "io/persistentvolumeclaims", sc);
		quota_list_add(out, name, 1000, QUANTITY_DECIMAL_SI);
	}
	if (st == NULL || quantity_parse_milli(st, &milli, &fmt) < 0)
		return;
	quota_list_add(out, "requests.storage", milli, fmt);
	if (sc != NULL && sc[0] != '\0') {
		snprintf(name, sizeof(name), "%.180s.storageclass.storage.k8s."
		    "io/requests.storage", sc);
		quota_list_add(out, name, milli, fmt);
	}
}

/* Core kinds that have a legacy count name besides count/<resource>. */
static const char *const legacy_counted[] = { "configmaps", "secrets",
	"replicationcontrollers", "resourcequotas", NULL };

void
quota_usage(const char *resource, const cJSON *obj, int64_t now,
    struct quota_list *out)
{
	char name[QUOTA_NAME_MAX];
	size_t i;

	snprintf(name, sizeof(name), "count/%.240s", resource);
	quota_list_add(out, name, 1000, QUANTITY_DECIMAL_SI);
	if (strcmp(resource, "pods") == 0) {
		if (pod_counts(obj, now))
			quota_pod_compute(jobj(obj, "spec"), out);
		return;
	}
	if (strcmp(resource, "services") == 0) {
		service_usage(obj, out);
		return;
	}
	if (strcmp(resource, "persistentvolumeclaims") == 0) {
		pvc_usage(obj, out);
		return;
	}
	for (i = 0; legacy_counted[i] != NULL; i++)
		if (strcmp(resource, legacy_counted[i]) == 0)
			quota_list_add(out, resource, 1000,
			    QUANTITY_DECIMAL_SI);
}

/* ---- scopes ---- */

static bool
pod_best_effort(const cJSON *pod)
{
	static const char *const keys[] = { "containers", "initContainers" };
	const char *qos = jstr(jobj(pod, "status"), "qosClass");
	const cJSON *c, *res;
	size_t i;

	if (qos != NULL)
		return strcmp(qos, "BestEffort") == 0;
	for (i = 0; i < ARRAY_SIZE(keys); i++)
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
		    jobj(pod, "spec"), keys[i])) {
			res = jobj(c, "resources");
			if (cJSON_GetArraySize(jobj(res, "requests")) > 0 ||
			    cJSON_GetArraySize(jobj(res, "limits")) > 0)
				return false;
		}
	return true;
}

static bool
pod_terminating(const cJSON *pod)
{
	const cJSON *ads = cJSON_GetObjectItemCaseSensitive(jobj(pod, "spec"),
	    "activeDeadlineSeconds");

	return cJSON_IsNumber(ads) && ads->valuedouble >= 0;
}

static bool
str_in(const cJSON *values, const char *s)
{
	const cJSON *v;

	cJSON_ArrayForEach(v, values)
		if (cJSON_IsString(v) && s != NULL &&
		    strcmp(v->valuestring, s) == 0)
			return true;
	return false;
}

/* One scope (with its selector operator and values) against a pod. */
static bool
scope_matches(const char *scope, const char *op, const cJSON *values,
    const cJSON *pod)
{
	const char *pc;
	bool has;

	if (strcmp(scope, "PriorityClass") == 0) {
		pc = jstr(jobj(pod, "spec"), "priorityClassName");
		has = pc != NULL && pc[0] != '\0';
		if (strcmp(op, "Exists") == 0)
			return has;
		if (strcmp(op, "DoesNotExist") == 0)
			return !has;
		if (strcmp(op, "In") == 0)
			return str_in(values, pc ? pc : "");
		if (strcmp(op, "NotIn") == 0)
			return !str_in(values, pc ? pc : "");
		return false;
	}
	if (strcmp(op, "DoesNotExist") == 0)	/* the opposite scope */
		return !scope_matches(scope, "Exists", NULL, pod);
	if (strcmp(scope, "Terminating") == 0)
		return pod_terminating(pod);
	if (strcmp(scope, "NotTerminating") == 0)
		return !pod_terminating(pod);
	if (strcmp(scope, "BestEffort") == 0)
		return pod_best_effort(pod);
	if (strcmp(scope, "NotBestEffort") == 0)
		return !pod_best_effort(pod);
	return false;	/* CrossNamespacePodAffinity and unknown ones */
}

bool
quota_matches(const cJSON *quota, const char *resource, const cJSON *obj)
{
	const cJSON *spec = jobj(quota, "spec"), *s, *exprs;
	bool is_pod = strcmp(resource, "pods") == 0;

	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(spec,
	    "scopes")) {
		if (!is_pod || !cJSON_IsString(s) ||
		    !scope_matches(s->valuestring, "Exists", NULL, obj))
			return false;
	}
	exprs = cJSON_GetObjectItemCaseSensitive(jobj(spec, "scopeSelector"),
	    "matchExpressions");
	cJSON_ArrayForEach(s, exprs) {
		const char *name = jstr(s, "scopeName"),
			   *op = jstr(s, "operator");

		if (!is_pod || name == NULL || op == NULL ||
		    !scope_matches(name, op,
		    cJSON_GetObjectItemCaseSensitive(s, "values"), obj))
			return false;
	}
	return true;
}

/* ---- names ---- */

bool
quota_name_tracks(const char *resource, const char *name)
{
	static const char *const pod_names[] = { "pods", "cpu", "memory",
		"ephemeral-storage", NULL };
	char count[QUOTA_NAME_MAX];
	size_t i;

	snprintf(count, sizeof(count), "count/%.240s", resource);
	if (strcmp(name, count) == 0 || strcmp(name, resource) == 0)
		return true;
	if (strcmp(resource, "pods") == 0) {
		for (i = 0; pod_names[i] != NULL; i++)
			if (strcmp(name, pod_names[i]) == 0)
				return true;
		if (strcmp(name, "requests.storage") == 0)
			return false;
		return strncmp(name, "requests.", 9) == 0 ||
		    strncmp(name, "limits.", 7) == 0 ||
		    strncmp(name, "hugepages-", 10) == 0;
	}
	if (strcmp(resource, "services") == 0)
		return strcmp(name, "services.loadbalancers") == 0 ||
		    strcmp(name, "services.nodeports") == 0;
	if (strcmp(resource, "persistentvolumeclaims") == 0)
		return strcmp(name, "requests.storage") == 0 ||
		    strstr(name, ".storageclass.storage.k8s.io/") != NULL;
	return false;
}

/* ---- the pod constraint ---- */

/* The compute names one container sets (podComputeUsageHelper). */
static void
container_names(const cJSON *c, struct quota_list *out)
{
	struct quota_list req = { 0 }, lim = { 0 };
	const cJSON *res = jobj(c, "resources");
	char bad[8];

	quota_list_from_json(jobj(res, "requests"), &req, bad,
	    sizeof(bad));
	quota_list_from_json(jobj(res, "limits"), &lim, bad,
	    sizeof(bad));
	compute_names(&req, &lim, out);
	quota_list_fini(&req);
	quota_list_fini(&lim);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The containers (app and init) lacking name, sorted and distinct. */
static void
missing_names(const cJSON *spec, const char *name, struct strbuf *out)
{
	static const char *const keys[] = { "containers", "initContainers" };
	struct quota_list have;
	const char **v = NULL, *cn;
	const cJSON *c;
	size_t n = 0, i, k;

	for (k = 0; k < ARRAY_SIZE(keys); k++)
		cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(spec,
		    keys[k])) {
			memset(&have, 0, sizeof(have));
			container_names(c, &have);
			cn = jstr(c, "name");
			if (quota_list_find(&have, name) == NULL) {
				v = ck_reallocarray(v, n + 1, sizeof(*v));
				v[n++] = cn != NULL ? cn : "";
			}
			quota_list_fini(&have);
		}
	if (n > 0)
		qsort(v, n, sizeof(*v), str_cmp);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0)
			strbuf_addf(out, "%s%s", strbuf_str(out)[0] ? "," : "",
			    v[i]);
	free(v);
}

int
quota_pod_constraints(const cJSON *pod, const struct quota_list *hard,
    char *msg, size_t len)
{
	/* validationSet, sorted: the message lists resources in order. */
	static const char *const checked[] = { "cpu", "limits.cpu",
		"limits.memory", "memory", "requests.cpu", "requests.memory" };
	struct strbuf sb, names;
	size_t i;
	bool any = false;

	strbuf_init(&sb);
	for (i = 0; i < ARRAY_SIZE(checked); i++) {
		if (quota_list_find(hard, checked[i]) == NULL)
			continue;
		strbuf_init(&names);
		missing_names(jobj(pod, "spec"), checked[i], &names);
		if (strbuf_str(&names)[0] != '\0') {
			strbuf_addf(&sb, "%s%s for: %s", any ? "; " : "",
			    checked[i], strbuf_str(&names));
			any = true;
		}
		strbuf_fini(&names);
	}
	if (any)
		snprintf(msg, len, "must specify %s", strbuf_str(&sb));
	strbuf_fini(&sb);
	return any ? CK_EPERM : 0;
}
