/*
 * nodematch.c: a pod spec against a node (nodematch.h), as Kubernetes'
 * component-helpers nodeaffinity and TolerationsTolerateTaint read them.
 */
#include "ckube/nodematch.h"

#include <string.h>

#include <cJSON.h>

#include "ckube/kobj.h"
#include "ckube/strbuf.h"

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool
in_values(const cJSON *values, const char *v)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, values)
		if (cJSON_IsString(e) && strcmp(e->valuestring, v) == 0)
			return true;
	return false;
}

/* One NodeSelectorRequirement; v is the label's (or the name's) value. */
static bool
req_matches(const cJSON *req, const char *v)
{
	const char *op = jstr(req, "operator");
	const cJSON *values = cJSON_GetObjectItemCaseSensitive(req, "values");
	int64_t a, b;

	if (op == NULL)
		return false;
	if (strcmp(op, "In") == 0)
		return v != NULL && in_values(values, v);
	if (strcmp(op, "NotIn") == 0)
		return v == NULL || !in_values(values, v);
	if (strcmp(op, "Exists") == 0)
		return v != NULL;
	if (strcmp(op, "DoesNotExist") == 0)
		return v == NULL;
	if (strcmp(op, "Gt") == 0 || strcmp(op, "Lt") == 0) {
		if (v == NULL || cJSON_GetArraySize(values) != 1 ||
		    !cJSON_IsString(values->child) ||
		    ck_parse_int64(v, &a) < 0 ||
		    ck_parse_int64(values->child->valuestring, &b) < 0)
			return false;
		return op[0] == 'G' ? a > b : a < b;
	}
	return false;
}

static bool
term_matches(const cJSON *term, const struct kobj *node)
{
	const cJSON *exprs = cJSON_GetObjectItemCaseSensitive(term,
	    "matchExpressions");
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(term,
	    "matchFields");
	const cJSON *r;
	const char *key;

	if (cJSON_GetArraySize(exprs) == 0 && cJSON_GetArraySize(fields) == 0)
		return false;	/* an empty term matches nothing */
	cJSON_ArrayForEach(r, exprs) {
		key = jstr(r, "key");
		if (key == NULL || !req_matches(r, kobj_label(node, key)))
			return false;
	}
	cJSON_ArrayForEach(r, fields) {
		key = jstr(r, "key");
		/* metadata.name is the only supported field. */
		if (key == NULL || strcmp(key, "metadata.name") != 0 ||
		    !req_matches(r, kobj_name(node)))
			return false;
	}
	return true;
}

bool
nodematch_selector(const cJSON *node_selector, const struct kobj *node)
{
	const cJSON *t;

	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(node_selector,
	    "nodeSelectorTerms"))
		if (term_matches(t, node))
			return true;
	return false;
}

bool
nodematch_affinity(const cJSON *pod_spec, const struct kobj *node)
{
	const cJSON *ns = cJSON_GetObjectItemCaseSensitive(pod_spec,
	    "nodeSelector");
	const cJSON *req, *e;
	const char *v;

	cJSON_ArrayForEach(e, ns) {
		v = kobj_label(node, e->string);
		if (!cJSON_IsString(e) || v == NULL ||
		    strcmp(v, e->valuestring) != 0)
			return false;
	}
	req = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(pod_spec, "affinity"),
	    "nodeAffinity"), "requiredDuringSchedulingIgnoredDuringExecution");
	if (cJSON_IsObject(req) && !nodematch_selector(req, node))
		return false;
	return true;
}

bool
nodematch_tolerates(const cJSON *tol, const cJSON *taint)
{
	const char *te = jstr(tol, "effect"), *ae = jstr(taint, "effect");
	const char *tk = jstr(tol, "key"), *ak = jstr(taint, "key");
	const char *op = jstr(tol, "operator");
	const char *tv = jstr(tol, "value"), *av = jstr(taint, "value");

	if (te != NULL && te[0] != '\0' && (ae == NULL || strcmp(te, ae) != 0))
		return false;
	/* An empty key with Exists tolerates every key. */
	if (tk != NULL && tk[0] != '\0' && (ak == NULL || strcmp(tk, ak) != 0))
		return false;
	if (op != NULL && strcmp(op, "Exists") == 0)
		return true;
	if (op != NULL && op[0] != '\0' && strcmp(op, "Equal") != 0)
		return false;
	if (tk == NULL || tk[0] == '\0')
		return false;	/* Equal needs a key */
	return strcmp(tv != NULL ? tv : "", av != NULL ? av : "") == 0;
}

const cJSON *
nodematch_untolerated(const struct kobj *node, const cJSON *tolerations,
    const char *const *effects)
{
	const cJSON *taint, *tol;
	const char *eff;
	const char *const *e;
	bool listed, ok;

	cJSON_ArrayForEach(taint, kobj_get(node, "spec.taints")) {
		eff = jstr(taint, "effect");
		listed = false;
		for (e = effects; eff != NULL && *e != NULL; e++)
			if (strcmp(*e, eff) == 0)
				listed = true;
		if (!listed)
			continue;
		ok = false;
		cJSON_ArrayForEach(tol, tolerations)
			if (nodematch_tolerates(tol, taint)) {
				ok = true;
				break;
			}
		if (!ok)
			return taint;
	}
	return NULL;
}
