/*
 * admission_limitrange.c: Kubernetes' LimitRanger admission plugin. On pod
 * create, the Container items' default (limits) and defaultRequest
 * (requests) fill what each container and init container leaves unset,
 * recorded in the kubernetes.io/limit-ranger annotation; then min, max
 * and maxLimitRequestRatio are checked per Container, per Pod (effective
 * requests and limits) and per PersistentVolumeClaim (requests.storage),
 * each violation in upstream words, all of them in one 403.
 */
#include "apiserver.h"
#include "admission.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/alloc.h"
#include "ckube/quantity.h"
#include "ckube/quota.h"
#include "ckube/strbuf.h"

/* Canonical text of a quantity string (as resource.Quantity.String()). */
static void
canon(const char *q, char *buf, size_t len)
{
	if (quantity_canonical(q, buf, len) < 0)
		snprintf(buf, len, "%s", q);
}

static void
add_msg(cJSON *msgs, const char *fmt, ...) CK_PRINTF(2, 3);

static void
add_msg(cJSON *msgs, const char *fmt, ...)
{
	char buf[512];
	const cJSON *it;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cJSON_ArrayForEach(it, msgs)
		if (strcmp(it->valuestring, buf) == 0)
			return;
	cJSON_AddItemToArray(msgs, cJSON_CreateString(buf));
}

/* ---- defaults ---- */

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Set the members of kind that ctr lacks from defs; "cpu, memory <what>
 * for <ctx>" (names sorted) appended to ann when any was set.
 */
static void
merge(cJSON *ctr, const char *kind, const cJSON *defs, const char *what,
    const char *ctx, struct strbuf *ann)
{
	cJSON *to;
	const cJSON *d;
	const char **set;
	size_t n = 0, i;

	set = ck_calloc((size_t)cJSON_GetArraySize(defs) + 1, sizeof(*set));
	cJSON_ArrayForEach(d, defs) {
		to = json_ensure_obj(json_ensure_obj(ctr, "resources"), kind);
		if (cJSON_GetObjectItemCaseSensitive(to, d->string) != NULL)
			continue;
		cJSON_AddItemToObject(to, d->string, cJSON_Duplicate(d, 1));
		set[n++] = d->string;
	}
	qsort(set, n, sizeof(*set), str_cmp);
	for (i = 0; i < n; i++)
		strbuf_addf(ann, "%s%s", i == 0 ? (strbuf_str(ann)[0] ?
		    "; " : "") : ", ", set[i]);
	if (n > 0)
		strbuf_addf(ann, " %s for %s", what, ctx);
	free(set);
}

void
limitrange_default_pod(const cJSON *lr, cJSON *pod)
{
	static const struct {
		const char	*key;
		const char	*what;
	} lists[] = { { "containers", "container" },
		{ "initContainers", "init container" } };
	cJSON *req = cJSON_CreateObject(), *lim = cJSON_CreateObject();
	cJSON *ctr, *item;
	const cJSON *d;
	struct strbuf ann = STRBUF_INIT;
	char ctx[320];
	size_t i;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(
	    json_obj(lr, "spec"), "limits")) {
		if (json_str(item, "type") == NULL ||
		    strcmp(json_str(item, "type"), "Container") != 0)
			continue;
		cJSON_ArrayForEach(d, json_obj(item, "defaultRequest")) {
			json_del(req, d->string);
			cJSON_AddItemToObject(req, d->string,
			    cJSON_Duplicate(d, 1));
		}
		cJSON_ArrayForEach(d, json_obj(item, "default")) {
			json_del(lim, d->string);
			cJSON_AddItemToObject(lim, d->string,
			    cJSON_Duplicate(d, 1));
		}
	}
	for (i = 0; i < ARRAY_SIZE(lists); i++)
		cJSON_ArrayForEach(ctr, cJSON_GetObjectItemCaseSensitive(
		    json_obj(pod, "spec"), lists[i].key)) {
			snprintf(ctx, sizeof(ctx), "%s %.253s", lists[i].what,
			    json_str(ctr, "name") ? json_str(ctr, "name") :
			    "");
			merge(ctr, "requests", req, "request", ctx, &ann);
			merge(ctr, "limits", lim, "limit", ctx, &ann);
		}
	if (strbuf_str(&ann)[0] != '\0') {
		cJSON *anns = json_ensure_obj(json_ensure_obj(pod,
		    "metadata"), "annotations");
		char *v = ck_asprintf("LimitRanger plugin set: %s",
		    strbuf_str(&ann));

		json_set_str(anns, LIMITRANGER_ANNOTATION, v);
		free(v);
	}
	cJSON_Delete(req);
	cJSON_Delete(lim);
	strbuf_fini(&ann);
}

/* ---- checks ---- */

/* One resource's value in a list (map of quantities), or NULL. */
static const char *
val(const cJSON *list, const char *name)
{
	return json_str(list, name);
}

static int64_t
milli_of(const char *q)
{
	int64_t m = 0;

	if (q == NULL || quantity_parse_milli(q, &m, NULL) < 0)
		return 0;
	return m;
}

static void
min_constraint(const char *type, const char *name, const char *enforced,
    const cJSON *req, const cJSON *lim, cJSON *msgs)
{
	const char *r = val(req, name), *l = val(lim, name);
	char e[QUANTITY_STR_MAX], v[QUANTITY_STR_MAX];

	canon(enforced, e, sizeof(e));
	if (r == NULL) {
		add_msg(msgs, "minimum %s usage per %s is %s.  No request is "
		    "specified", name, type, e);
		return;
	}
	if (milli_of(r) < milli_of(enforced)) {
		canon(r, v, sizeof(v));
		add_msg(msgs, "minimum %s usage per %s is %s, but request is "
		    "%s", name, type, e, v);
		return;
	}
	if (l != NULL && milli_of(l) < milli_of(enforced)) {
		canon(l, v, sizeof(v));
		add_msg(msgs, "minimum %s usage per %s is %s, but limit is %s",
		    name, type, e, v);
	}
}

static void
max_constraint(const char *type, const char *name, const char *enforced,
    const cJSON *req, const cJSON *lim, cJSON *msgs)
{
	const char *r = val(req, name), *l = val(lim, name);
	char e[QUANTITY_STR_MAX], v[QUANTITY_STR_MAX];

	canon(enforced, e, sizeof(e));
	if (l == NULL) {
		add_msg(msgs, "maximum %s usage per %s is %s.  No limit is "
		    "specified", name, type, e);
		return;
	}
	if (milli_of(l) > milli_of(enforced)) {
		canon(l, v, sizeof(v));
		add_msg(msgs, "maximum %s usage per %s is %s, but limit is %s",
		    name, type, e, v);
		return;
	}
	if (r != NULL && milli_of(r) > milli_of(enforced)) {
		canon(r, v, sizeof(v));
		add_msg(msgs, "maximum %s usage per %s is %s, but request is "
		    "%s", name, type, e, v);
	}
}

/* maxRequestConstraint: a claim has requests only. */
static void
max_request_constraint(const char *type, const char *name,
    const char *enforced, const cJSON *req, cJSON *msgs)
{
	const char *r = val(req, name);
	char e[QUANTITY_STR_MAX], v[QUANTITY_STR_MAX];

	canon(enforced, e, sizeof(e));
	if (r == NULL) {
		add_msg(msgs, "maximum %s usage per %s is %s.  No request is "
		    "specified", name, type, e);
		return;
	}
	if (milli_of(r) > milli_of(enforced)) {
		canon(r, v, sizeof(v));
		add_msg(msgs, "maximum %s usage per %s is %s, but request is "
		    "%s", name, type, e, v);
	}
}

static void
ratio_constraint(const char *type, const char *name, const char *enforced,
    const cJSON *req, const cJSON *lim, cJSON *msgs)
{
	const char *r = val(req, name), *l = val(lim, name);
	char e[QUANTITY_STR_MAX];
	int64_t rm = milli_of(r), lm = milli_of(l);
	double ratio;

	canon(enforced, e, sizeof(e));
	if (r == NULL || rm == 0) {
		add_msg(msgs, "%s max limit to request ratio per %s is %s, but "
		    "no request is specified or request is 0", name, type, e);
		return;
	}
	if (l == NULL || lm == 0) {
		add_msg(msgs, "%s max limit to request ratio per %s is %s, but "
		    "no limit is specified or limit is 0", name, type, e);
		return;
	}
	ratio = (double)lm / (double)rm;
	/* In milli-units, as upstream compares them. */
	if (ratio * 1000.0 > (double)milli_of(enforced))
		add_msg(msgs, "%s max limit to request ratio per %s is %s, but "
		    "provided ratio is %f", name, type, e, ratio);
}

/* min, max and ratio of one item against one requests/limits pair. */
static void
check_pair(const cJSON *item, const char *type, const cJSON *req,
    const cJSON *lim, cJSON *msgs)
{
	const cJSON *it;

	cJSON_ArrayForEach(it, json_obj(item, "min"))
		if (cJSON_IsString(it))
			min_constraint(type, it->string, it->valuestring, req,
			    lim, msgs);
	cJSON_ArrayForEach(it, json_obj(item, "max"))
		if (cJSON_IsString(it))
			max_constraint(type, it->string, it->valuestring, req,
			    lim, msgs);
	cJSON_ArrayForEach(it, json_obj(item, "maxLimitRequestRatio"))
		if (cJSON_IsString(it))
			ratio_constraint(type, it->string, it->valuestring,
			    req, lim, msgs);
}

static void
check_pod_item(const cJSON *item, const char *type, const cJSON *pod,
    cJSON *msgs)
{
	static const char *const keys[] = { "containers", "initContainers" };
	const cJSON *spec = json_obj(pod, "spec"), *c, *res;
	struct quota_list qr = { 0 }, ql = { 0 };
	cJSON *req, *lim;
	size_t i;

	if (strcmp(type, "Container") == 0) {
		for (i = 0; i < ARRAY_SIZE(keys); i++)
			cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(
			    spec, keys[i])) {
				res = json_obj(c, "resources");
				check_pair(item, type, json_obj(res,
				    "requests"), json_obj(res, "limits"), msgs);
			}
		return;
	}
	if (strcmp(type, "Pod") != 0)
		return;
	quota_pod_effective(spec, "requests", &qr);
	quota_pod_effective(spec, "limits", &ql);
	req = quota_list_to_json(&qr);
	lim = quota_list_to_json(&ql);
	check_pair(item, type, req, lim, msgs);
	cJSON_Delete(req);
	cJSON_Delete(lim);
	quota_list_fini(&qr);
	quota_list_fini(&ql);
}

void
limitrange_check(const cJSON *lr, const char *resource, const cJSON *obj,
    cJSON *msgs)
{
	const cJSON *item, *it, *req;
	const char *type;
	bool pod = strcmp(resource, "pods") == 0;

	if (!pod && strcmp(resource, "persistentvolumeclaims") != 0)
		return;

	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(
	    json_obj(lr, "spec"), "limits")) {
		type = json_str(item, "type");
		if (type == NULL)
			continue;
		if (pod) {
			check_pod_item(item, type, obj, msgs);
			continue;
		}
		if (strcmp(type, "PersistentVolumeClaim") != 0)
			continue;
		req = json_obj(json_obj(json_obj(obj, "spec"), "resources"),
		    "requests");
		cJSON_ArrayForEach(it, json_obj(item, "min"))
			if (cJSON_IsString(it))
				min_constraint(type, it->string,
				    it->valuestring, req, NULL, msgs);
		cJSON_ArrayForEach(it, json_obj(item, "max"))
			if (cJSON_IsString(it))
				max_request_constraint(type, it->string,
				    it->valuestring, req, msgs);
	}
}

void
limitrange_aggregate(const cJSON *msgs, struct strbuf *out)
{
	const cJSON *it;
	int n = cJSON_GetArraySize(msgs), i = 0;

	if (n > 1)
		strbuf_addc(out, '[');
	cJSON_ArrayForEach(it, msgs)
		strbuf_addf(out, "%s%s", i++ > 0 ? ", " : "", it->valuestring);
	if (n > 1)
		strbuf_addc(out, ']');
}

/* ---- the store side ---- */

/* The LimitRanges of ns, parsed (cJSON array, yours), or NULL if none. */
static cJSON *
load_ranges(struct store *s, const char *ns)
{
	struct store_list l = { 0 };
	cJSON *arr = NULL, *o;
	size_t i;

	if (store_list(s, "limitranges", ns, NULL, NULL, 0, &l) < 0)
		return NULL;
	for (i = 0; i < l.n; i++) {
		o = cJSON_ParseWithLength(l.items[i].body, l.items[i].body_len);
		if (o == NULL)
			continue;
		if (arr == NULL)
			arr = cJSON_CreateArray();
		cJSON_AddItemToArray(arr, o);
	}
	store_list_fini(&l);
	return arr;
}

void
admission_limitrange_default(struct store *s, const char *ns, cJSON *pod)
{
	cJSON *lrs = load_ranges(s, ns), *lr;

	cJSON_ArrayForEach(lr, lrs)
		limitrange_default_pod(lr, pod);
	cJSON_Delete(lrs);
}

int
admission_limitrange_check(struct store *s, const struct api_resource *r,
    const char *ns, const cJSON *obj, struct ck_status *st)
{
	cJSON *lrs, *lr, *msgs;
	struct strbuf sb = STRBUF_INIT;
	const char *name = json_str(json_obj(obj, "metadata"), "name");
	int rc = 0;

	if (strcmp(r->qualified, "pods") != 0 &&
	    strcmp(r->qualified, "persistentvolumeclaims") != 0)
		return 0;
	if ((lrs = load_ranges(s, ns)) == NULL)
		return 0;
	msgs = cJSON_CreateArray();
	cJSON_ArrayForEach(lr, lrs)
		limitrange_check(lr, r->qualified, obj, msgs);
	if (cJSON_GetArraySize(msgs) > 0) {
		limitrange_aggregate(msgs, &sb);
		rc = admission_forbid(st, r, name ? name : "", strbuf_str(&sb));
	}
	strbuf_fini(&sb);
	cJSON_Delete(msgs);
	cJSON_Delete(lrs);
	return rc;
}
