/*
 * patch_strategic.c: Kubernetes strategic merge patch (what kubectl's
 * client-side apply, set image and rollout restart send), ported from
 * apimachinery's strategicpatch.mergeMap with MergeParallelList and
 * IgnoreUnmatchedNulls. Which lists merge, and by which key, comes from a
 * table of (kind, JSON path) instead of Go struct tags; any other list is
 * replaced, as in a JSON merge patch. The result is a new tree, so the target
 * is replaced only when the whole patch applied.
 */
#include <cJSON.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "patch.h"

#define SMP_DIRECTIVE	"$patch"
#define SMP_RETAIN	"$retainKeys"
#define SMP_ORDER	"$setElementOrder/"
#define SMP_DELPRIM	"$deleteFromPrimitiveList/"

enum smp_strategy {
	SMP_REPLACE,	/* no patch strategy: the patch list replaces */
	SMP_KEYED,	/* patchStrategy=merge, patchMergeKey=key */
	SMP_SET,	/* patchStrategy=merge on a list of scalars */
};

struct smp_rule {
	const char		*path;	/* dotted field names; list items add nothing */
	enum smp_strategy	 strategy;
	const char		*key;
};

/* Lists inside a PodSpec, relative to it (k8s.io/api/core/v1 tags). */
static const struct smp_rule smp_podspec_rules[] = {
	{ "containers",				SMP_KEYED, "name" },
	{ "containers.env",			SMP_KEYED, "name" },
	{ "containers.ports",			SMP_KEYED, "containerPort" },
	{ "containers.volumeDevices",		SMP_KEYED, "devicePath" },
	{ "containers.volumeMounts",		SMP_KEYED, "mountPath" },
	{ "ephemeralContainers",		SMP_KEYED, "name" },
	{ "ephemeralContainers.env",		SMP_KEYED, "name" },
	{ "ephemeralContainers.volumeDevices",	SMP_KEYED, "devicePath" },
	{ "ephemeralContainers.volumeMounts",	SMP_KEYED, "mountPath" },
	{ "hostAliases",			SMP_KEYED, "ip" },
	{ "imagePullSecrets",			SMP_KEYED, "name" },
	{ "initContainers",			SMP_KEYED, "name" },
	{ "initContainers.env",			SMP_KEYED, "name" },
	{ "initContainers.ports",		SMP_KEYED, "containerPort" },
	{ "initContainers.volumeDevices",	SMP_KEYED, "devicePath" },
	{ "initContainers.volumeMounts",	SMP_KEYED, "mountPath" },
	{ "resourceClaims",			SMP_KEYED, "name" },
	{ "schedulingGates",			SMP_KEYED, "name" },
	{ "topologySpreadConstraints",		SMP_KEYED, "topologyKey" },
	{ "volumes",				SMP_KEYED, "name" },
};

/* Where each kind keeps a PodSpec. */
static const struct {
	const char	*kind;
	const char	*prefix;
} smp_podspec_at[] = {
	{ "CronJob",			"spec.jobTemplate.spec.template.spec" },
	{ "DaemonSet",			"spec.template.spec" },
	{ "Deployment",			"spec.template.spec" },
	{ "Job",			"spec.template.spec" },
	{ "Pod",			"spec" },
	{ "PodTemplate",		"template.spec" },
	{ "ReplicaSet",			"spec.template.spec" },
	{ "ReplicationController",	"spec.template.spec" },
	{ "ScheduledJob",		"spec.jobTemplate.spec.template.spec" },
	{ "StatefulSet",		"spec.template.spec" },
};

/* Other merging lists: kind NULL means every kind. */
static const struct {
	const char	*kind;
	struct smp_rule	 rule;
} smp_rules[] = {
	{ NULL,		{ "metadata.finalizers",	SMP_SET,   NULL } },
	{ NULL,		{ "metadata.ownerReferences",	SMP_KEYED, "uid" } },
	{ NULL,		{ "status.conditions",		SMP_KEYED, "type" } },
	{ "Node",	{ "spec.taints",		SMP_KEYED, "key" } },
	{ "Node",	{ "status.addresses",		SMP_KEYED, "type" } },
	{ "Pod",	{ "status.hostIPs",		SMP_KEYED, "ip" } },
	{ "Pod",	{ "status.podIPs",		SMP_KEYED, "ip" } },
	{ "Service",	{ "spec.ports",			SMP_KEYED, "port" } },
};

static const struct smp_rule smp_replace = { "", SMP_REPLACE, NULL };

/* The rule for the list at path in an object of kind (may be NULL). */
static const struct smp_rule *
smp_rule_for(const char *kind, const char *path)
{
	size_t i, plen;

	for (i = 0; kind != NULL && i < ARRAY_SIZE(smp_podspec_at); i++) {
		if (strcmp(kind, smp_podspec_at[i].kind) != 0)
			continue;
		plen = strlen(smp_podspec_at[i].prefix);
		if (strncmp(path, smp_podspec_at[i].prefix, plen) != 0 ||
		    path[plen] != '.')
			break;
		for (i = 0; i < ARRAY_SIZE(smp_podspec_rules); i++)
			if (strcmp(path + plen + 1, smp_podspec_rules[i].path) == 0)
				return &smp_podspec_rules[i];
		break;
	}
	for (i = 0; i < ARRAY_SIZE(smp_rules); i++) {
		if (smp_rules[i].kind != NULL &&
		    (kind == NULL || strcmp(kind, smp_rules[i].kind) != 0))
			continue;
		if (strcmp(path, smp_rules[i].rule.path) == 0)
			return &smp_rules[i].rule;
	}
	return &smp_replace;
}

/* One patch run. */
struct smp {
	const char		*kind;
	struct ck_status	*st;
	struct strbuf		 path;	/* dotted path of the value being merged */
	int			 err;
};

static cJSON *
smp_check(cJSON *item)
{
	if (item == NULL) {
		fprintf(stderr, "F ckube: out of memory in cJSON\n");
		abort();
	}
	return item;
}

static cJSON *
smp_dup(const cJSON *v)
{
	return smp_check(cJSON_Duplicate(v, 1));
}

/* Record the first error (CK_EBADREQ); returns NULL for the callers. */
static cJSON *smp_fail(struct smp *s, const char *fmt, ...) CK_PRINTF(2, 3);

static cJSON *
smp_fail(struct smp *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	if (s->err != 0)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->err = ck_status_set(s->st, CK_EBADREQ,
	    "strategic merge patch: %s (at \"%s\")", msg,
	    s->path.len > 0 ? strbuf_str(&s->path) : ".");
	return NULL;
}

static size_t
smp_path_push(struct smp *s, const char *name)
{
	size_t old = s->path.len;

	if (old > 0)
		strbuf_addc(&s->path, '.');
	strbuf_adds(&s->path, name);
	return old;
}

/* JSON type classes as Go's reflect sees decoded JSON. */
static int
smp_type(const cJSON *v)
{
	if (cJSON_IsBool(v))
		return cJSON_True;
	return v->type & 0xff;
}

/*
 * Link item into container before next (NULL: at the end), named key when
 * container is an object. Needed because Debian's cJSON 1.7.15-1+deb12u4
 * cJSON_InsertItemInArray fails for any index > 0.
 */
static void
smp_link(cJSON *container, const char *key, cJSON *item, cJSON *next)
{
	if (key != NULL)
		cJSON_AddItemToObject(container, key, item);
	else
		cJSON_AddItemToArray(container, item);
	if (next == NULL)
		return;
	(void)cJSON_DetachItemViaPointer(container, item);	/* keeps the name */
	item->next = next;
	item->prev = next->prev;
	if (next == container->child) {
		container->child = item;
	} else
		next->prev->next = item;
	next->prev = item;
}

/* Items of an array, detached, in a vector (the array ends up empty). */
struct smp_vec {
	cJSON	**v;
	size_t	  n;
};

static void
smp_vec_take(struct smp_vec *vec, cJSON *array)
{
	cJSON *it;

	vec->n = 0;
	vec->v = ck_reallocarray(NULL, (size_t)cJSON_GetArraySize(array) + 1,
	    sizeof(*vec->v));
	while ((it = array->child) != NULL)
		vec->v[vec->n++] = cJSON_DetachItemViaPointer(array, it);
}

/* The merge-key value of item (the item itself for scalar lists). */
static const cJSON *
smp_keyval(const cJSON *item, const char *key)
{
	if (key == NULL)
		return item;
	return cJSON_IsObject(item) ?
	    cJSON_GetObjectItemCaseSensitive(item, key) : NULL;
}

/* Index of item in list, compared by merge key (apimachinery's index()). */
static int
smp_index(const cJSON *list, const cJSON *item, const char *key)
{
	const cJSON *want = smp_keyval(item, key), *e;
	int i = 0;

	cJSON_ArrayForEach(e, list) {
		const cJSON *have = smp_keyval(e, key);

		if (want == NULL ? have == NULL :
		    have != NULL && cJSON_Compare(want, have, 1))
			return i;
		i++;
	}
	return -1;
}

/*
 * normalizeSliceOrder: Go's sort.SliceStable (an insertion sort for the
 * list sizes we see) with the same odd less(): items missing from order
 * count as "less", which moves them to the front.
 */
static void
smp_sort(cJSON **v, size_t n, const cJSON *order, const char *key)
{
	size_t i, j;
	int a, b;
	cJSON *t;

	for (i = 1; i < n; i++) {
		for (j = i; j > 0; j--) {
			a = smp_index(order, v[j], key);
			b = smp_index(order, v[j - 1], key);
			if (a >= 0 && b >= 0 && a >= b)
				break;
			t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	}
}

/*
 * normalizeElementOrder + mergeSortedSlice: items of list present in
 * patch_order follow that order, the others keep server_order, and the two
 * runs are interleaved by server_order.
 */
static void
smp_reorder(cJSON *list, const cJSON *patch_order, const cJSON *server_order,
    const char *key)
{
	struct smp_vec all;
	cJSON **pi, **so;
	size_t np = 0, ns = 0, i = 0, j = 0, k;
	int li, ri;

	smp_vec_take(&all, list);
	pi = ck_reallocarray(NULL, all.n + 1, sizeof(*pi));
	so = ck_reallocarray(NULL, all.n + 1, sizeof(*so));
	for (k = 0; k < all.n; k++) {
		if (smp_index(patch_order, all.v[k], key) >= 0)
			pi[np++] = all.v[k];
		else
			so[ns++] = all.v[k];
	}
	smp_sort(pi, np, patch_order, key);
	smp_sort(so, ns, server_order, key);
	for (k = 0; k < np + ns; k++) {
		if (i >= ns)
			cJSON_AddItemToArray(list, pi[j++]);
		else if (j >= np)
			cJSON_AddItemToArray(list, so[i++]);
		else {
			li = smp_index(server_order, so[i], key);
			ri = smp_index(server_order, pi[j], key);
			if (li >= 0 && ri >= 0 && li < ri)
				cJSON_AddItemToArray(list, so[i++]);
			else
				cJSON_AddItemToArray(list, pi[j++]);
		}
	}
	free(pi);
	free(so);
	free(all.v);
}

static cJSON *smp_map(struct smp *s, cJSON *o, const cJSON *p);

/* mergeSlice for a list with a merge key. Consumes o. */
static cJSON *
smp_list_keyed(struct smp *s, cJSON *o, const cJSON *p, const char *key)
{
	const cJSON *e, *d, *kv;
	cJSON *server, *cur, *next, *res, *plain;
	bool replace = false;

	cJSON_ArrayForEach(e, p) {
		if (!cJSON_IsObject(e)) {
			cJSON_Delete(o);
			return smp_fail(s, "the items of a list merged by \"%s\" "
			    "must be objects", key);
		}
	}
	/* mergeSliceWithSpecialElements */
	cJSON_ArrayForEach(e, p) {
		if ((d = cJSON_GetObjectItemCaseSensitive(e, SMP_DIRECTIVE)) == NULL)
			continue;
		if (cJSON_IsString(d) && strcmp(d->valuestring, "delete") == 0) {
			if ((kv = cJSON_GetObjectItemCaseSensitive(e, key)) == NULL) {
				cJSON_Delete(o);
				return smp_fail(s, "a $patch: delete item does not "
				    "contain the merge key \"%s\"", key);
			}
			for (cur = o->child; cur != NULL; cur = next) {
				next = cur->next;
				if (cJSON_IsObject(cur) && cJSON_Compare(kv,
				    cJSON_GetObjectItemCaseSensitive(cur, key), 1))
					cJSON_Delete(cJSON_DetachItemViaPointer(o, cur));
			}
		} else if (cJSON_IsString(d) && strcmp(d->valuestring, "replace") == 0)
			replace = true;
		else if (cJSON_IsString(d) && strcmp(d->valuestring, "merge") == 0) {
			cJSON_Delete(o);
			return smp_fail(s, "merging lists cannot yet be specified "
			    "in the patch");
		} else {
			cJSON_Delete(o);
			return smp_fail(s, "unknown patch type: %s",
			    cJSON_IsString(d) ? d->valuestring : "(not a string)");
		}
	}
	if (replace) {
		cJSON_Delete(o);
		res = smp_check(cJSON_CreateArray());
		cJSON_ArrayForEach(e, p) {
			if (cJSON_GetObjectItemCaseSensitive(e, SMP_DIRECTIVE) != NULL)
				continue;
			if ((cur = smp_map(s, NULL, e)) == NULL) {
				cJSON_Delete(res);
				return NULL;
			}
			cJSON_AddItemToArray(res, cur);
		}
		return res;
	}
	/* mergeSliceWithoutSpecialElements */
	server = smp_dup(o);
	plain = smp_check(cJSON_CreateArray());	/* the patch without directives */
	cJSON_ArrayForEach(e, p) {
		if (cJSON_GetObjectItemCaseSensitive(e, SMP_DIRECTIVE) != NULL)
			continue;
		cJSON_AddItemToArray(plain, smp_check(cJSON_CreateObjectReference(
		    e->child)));
		if ((kv = cJSON_GetObjectItemCaseSensitive(e, key)) == NULL) {
			smp_fail(s, "an item does not contain the merge key \"%s\"",
			    key);
			goto fail;
		}
		for (cur = o->child; cur != NULL; cur = cur->next)
			if (cJSON_IsObject(cur) && cJSON_Compare(kv,
			    cJSON_GetObjectItemCaseSensitive(cur, key), 1))
				break;
		next = cur != NULL ? cur->next : NULL;
		if (cur != NULL)
			cur = cJSON_DetachItemViaPointer(o, cur);
		if ((cur = smp_map(s, cur, e)) == NULL)
			goto fail;
		smp_link(o, NULL, cur, next);
	}
	smp_reorder(o, plain, server, key);
	cJSON_Delete(plain);
	cJSON_Delete(server);
	return o;
fail:
	cJSON_Delete(plain);
	cJSON_Delete(server);
	cJSON_Delete(o);
	return NULL;
}

/* mergeSlice for a list of scalars merged as a set. Consumes o. */
static cJSON *
smp_list_set(struct smp *s, cJSON *o, const cJSON *p)
{
	const cJSON *e;
	cJSON *server;

	(void)s;
	server = smp_dup(o);
	cJSON_ArrayForEach(e, p)
		if (smp_index(o, e, NULL) < 0)
			cJSON_AddItemToArray(o, smp_dup(e));
	smp_reorder(o, p, server, NULL);
	cJSON_Delete(server);
	return o;
}

/* A list field: merge o (consumed, may be NULL) with patch list p. */
static cJSON *
smp_list(struct smp *s, cJSON *o, const cJSON *p)
{
	const struct smp_rule *r = smp_rule_for(s->kind, strbuf_str(&s->path));

	if (r->strategy == SMP_REPLACE) {
		cJSON_Delete(o);
		return smp_dup(p);
	}
	if (!cJSON_IsArray(o)) {
		cJSON_Delete(o);
		o = smp_check(cJSON_CreateArray());
	}
	if (r->strategy == SMP_SET)
		return smp_list_set(s, o, p);
	return smp_list_keyed(s, o, p, r->key);
}

/* The new value of a field: o (consumed, may be NULL) patched by v. */
static cJSON *
smp_value(struct smp *s, cJSON *o, const cJSON *v)
{
	if (o != NULL && smp_type(o) != smp_type(v)) {
		cJSON_Delete(o);
		o = NULL;
	}
	if (cJSON_IsObject(v))
		return smp_map(s, o, v);
	if (cJSON_IsArray(v))
		return smp_list(s, o, v);
	cJSON_Delete(o);
	return smp_dup(v);
}

/* $retainKeys: drop the members of o it does not list. */
static bool
smp_retain_keys(struct smp *s, cJSON *o, const cJSON *p, const cJSON *retain)
{
	const cJSON *m, *r;
	cJSON *cur, *next;
	bool found;

	if (!cJSON_IsArray(retain)) {
		smp_fail(s, "invalid patch format of retainKeys");
		return false;
	}
	cJSON_ArrayForEach(m, p) {
		if (cJSON_IsNull(m) || strcmp(m->string, SMP_RETAIN) == 0 ||
		    strncmp(m->string, SMP_DELPRIM, strlen(SMP_DELPRIM)) == 0 ||
		    strncmp(m->string, SMP_ORDER, strlen(SMP_ORDER)) == 0)
			continue;
		found = false;
		cJSON_ArrayForEach(r, retain)
			if (cJSON_IsString(r) && strcmp(r->valuestring, m->string) == 0)
				found = true;
		if (!found) {
			smp_fail(s, "invalid patch format of retainKeys: \"%s\" is "
			    "not listed", m->string);
			return false;
		}
	}
	for (cur = o->child; cur != NULL; cur = next) {
		next = cur->next;
		found = false;
		cJSON_ArrayForEach(r, retain)
			if (cJSON_IsString(r) && strcmp(r->valuestring, cur->string) == 0)
				found = true;
		if (!found)
			cJSON_Delete(cJSON_DetachItemViaPointer(o, cur));
	}
	return true;
}

/* $setElementOrder/<key>: merge that list now and put it in that order. */
static bool
smp_set_order(struct smp *s, cJSON *o, const cJSON *p, const cJSON *order,
    const char *key)
{
	const struct smp_rule *r;
	const cJSON *plist;
	cJSON *olist, *server, *next, *merged;
	size_t mark;
	bool ok = true;

	if (*key == '\0' || !cJSON_IsArray(order)) {
		smp_fail(s, "invalid patch format of setElementOrder list");
		return false;
	}
	olist = cJSON_GetObjectItemCaseSensitive(o, key);
	plist = cJSON_GetObjectItemCaseSensitive(p, key);
	if ((olist != NULL && !cJSON_IsArray(olist)) ||
	    (plist != NULL && !cJSON_IsArray(plist))) {
		smp_fail(s, "\"%s\" is not a list", key);
		return false;
	}
	if (olist == NULL && plist == NULL)
		return true;
	mark = smp_path_push(s, key);
	r = smp_rule_for(s->kind, strbuf_str(&s->path));
	server = olist != NULL ? smp_dup(olist) : smp_check(cJSON_CreateArray());
	next = olist != NULL ? olist->next : NULL;
	if (olist != NULL)
		olist = cJSON_DetachItemViaPointer(o, olist);
	if (plist != NULL)
		merged = smp_list(s, olist, plist);
	else
		merged = olist;
	if (merged == NULL)
		ok = false;
	else {
		if (r->strategy != SMP_REPLACE)
			smp_reorder(merged, order, server,
			    r->strategy == SMP_KEYED ? r->key : NULL);
		smp_link(o, key, merged, next);
	}
	cJSON_Delete(server);
	strbuf_setlen(&s->path, mark);
	return ok;
}

/* $deleteFromPrimitiveList/<key>: remove those values from the list. */
static bool
smp_delete_from(struct smp *s, cJSON *o, const cJSON *del, const char *key)
{
	cJSON *list, *cur, *next;

	if (*key == '\0' || !cJSON_IsArray(del)) {
		smp_fail(s, "invalid patch format of primitive list");
		return false;
	}
	list = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsArray(list))
		return true;
	for (cur = list->child; cur != NULL; cur = next) {
		next = cur->next;
		if (smp_index(del, cur, NULL) >= 0)
			cJSON_Delete(cJSON_DetachItemViaPointer(list, cur));
	}
	return true;
}

/* Was key already merged by a $setElementOrder directive of p? */
static bool
smp_ordered(const cJSON *p, const char *key)
{
	const cJSON *m;
	size_t n = strlen(SMP_ORDER);

	cJSON_ArrayForEach(m, p)
		if (strncmp(m->string, SMP_ORDER, n) == 0 &&
		    strcmp(m->string + n, key) == 0)
			return true;
	return false;
}

/* mergeMap: o (consumed, may be NULL or not an object) patched by map p. */
static cJSON *
smp_map(struct smp *s, cJSON *o, const cJSON *p)
{
	const cJSON *d, *m;
	cJSON *cur, *next, *nv, *res;
	size_t mark;
	bool ordered = false;

	if ((d = cJSON_GetObjectItemCaseSensitive(p, SMP_DIRECTIVE)) != NULL) {
		cJSON_Delete(o);
		if (cJSON_IsString(d) && strcmp(d->valuestring, "replace") == 0) {
			res = smp_dup(p);
			cJSON_DeleteItemFromObjectCaseSensitive(res, SMP_DIRECTIVE);
			return res;
		}
		if (cJSON_IsString(d) && strcmp(d->valuestring, "delete") == 0)
			return smp_check(cJSON_CreateObject());
		return smp_fail(s, "unknown patch type: %s",
		    cJSON_IsString(d) ? d->valuestring : "(not a string)");
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		o = smp_check(cJSON_CreateObject());
	}
	if ((d = cJSON_GetObjectItemCaseSensitive(p, SMP_RETAIN)) != NULL &&
	    !smp_retain_keys(s, o, p, d))
		goto fail;
	cJSON_ArrayForEach(m, p) {
		if (strncmp(m->string, SMP_ORDER, strlen(SMP_ORDER)) != 0)
			continue;
		ordered = true;
		if (!smp_set_order(s, o, p, m, m->string + strlen(SMP_ORDER)))
			goto fail;
	}
	cJSON_ArrayForEach(m, p) {
		if (strcmp(m->string, SMP_RETAIN) == 0 ||
		    strncmp(m->string, SMP_ORDER, strlen(SMP_ORDER)) == 0 ||
		    (ordered && smp_ordered(p, m->string)))
			continue;
		if (strncmp(m->string, SMP_DELPRIM, strlen(SMP_DELPRIM)) == 0) {
			if (!smp_delete_from(s, o, m,
			    m->string + strlen(SMP_DELPRIM)))
				goto fail;
			continue;
		}
		cur = cJSON_GetObjectItemCaseSensitive(o, m->string);
		if (cJSON_IsNull(m)) {
			if (cur != NULL)
				cJSON_Delete(cJSON_DetachItemViaPointer(o, cur));
			continue;
		}
		next = cur != NULL ? cur->next : NULL;
		if (cur != NULL)
			cur = cJSON_DetachItemViaPointer(o, cur);
		mark = smp_path_push(s, m->string);
		nv = smp_value(s, cur, m);
		strbuf_setlen(&s->path, mark);
		if (nv == NULL)
			goto fail;
		smp_link(o, m->string, nv, next);
	}
	return o;
fail:
	cJSON_Delete(o);
	return NULL;
}

int
patch_strategic_apply(struct cJSON **target, const struct cJSON *patch,
    const char *kind, struct ck_status *st)
{
	struct smp s;
	cJSON *res;

	if (target == NULL || patch == NULL)
		return ck_status_set(st, CK_EBADREQ,
		    "strategic merge patch: missing document or patch");
	if (!cJSON_IsObject(patch))
		return ck_status_set(st, CK_EBADREQ,
		    "strategic merge patch: the patch must be a JSON object");
	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.st = st;
	strbuf_init(&s.path);
	res = smp_map(&s, *target != NULL ? smp_dup(*target) : NULL, patch);
	strbuf_fini(&s.path);
	if (res == NULL)
		return s.err != 0 ? s.err : ck_status_set(st, CK_EBADREQ,
		    "strategic merge patch failed");
	cJSON_Delete(*target);
	*target = res;
	return 0;
}
