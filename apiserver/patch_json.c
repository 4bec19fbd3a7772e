/*
 * patch_json.c: JSON patch (RFC 6902) with JSON pointers (RFC 6901) on cJSON
 * trees, as Kubernetes applies application/json-patch+json. Every operation
 * runs on a private copy of the document; the copy replaces the target only
 * when all operations succeeded, so a failing op leaves the target untouched.
 */
#include <cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "patch.h"

/* cJSON reports OOM as NULL; like the ck_ allocators we abort. */
static cJSON *
jp_check(cJSON *item)
{
	if (item == NULL) {
		fprintf(stderr, "F ckube: out of memory in cJSON\n");
		abort();
	}
	return item;
}

/* Drop the member name of a detached item (it may go into an array). */
static cJSON *
jp_unname(cJSON *d)
{
	if (d->string != NULL && !(d->type & cJSON_StringIsConst))
		cJSON_free(d->string);
	d->string = NULL;
	d->type &= ~cJSON_StringIsConst;
	return d;
}

/* A deep copy of v without its member name. */
static cJSON *
jp_dup(const cJSON *v)
{
	return jp_unname(jp_check(cJSON_Duplicate(v, 1)));
}

/*
 * Insert item before index i of array (0 <= i < size). Debian's cJSON
 * 1.7.15-1+deb12u4 cJSON_InsertItemInArray fails for any i > 0, so we link
 * the item in ourselves.
 */
static void
jp_array_insert(cJSON *array, int i, cJSON *item)
{
	cJSON *after = cJSON_GetArrayItem(array, i);

	if (after == array->child) {
		item->next = after;
		item->prev = after->prev;	/* the head's prev is the tail */
		after->prev = item;
		array->child = item;
		return;
	}
	item->next = after;
	item->prev = after->prev;
	after->prev->next = item;
	after->prev = item;
}

/* A parsed JSON pointer: unescaped reference tokens. */
struct jp_pointer {
	char	**tok;
	size_t	  ntok;
};

static void
jp_pointer_free(struct jp_pointer *p)
{
	size_t i;

	for (i = 0; i < p->ntok; i++)
		free(p->tok[i]);
	free(p->tok);
	p->tok = NULL;
	p->ntok = 0;
}

/*
 * Parse pointer text s into p (RFC 6901: "" or "/tok/tok", ~0 = '~',
 * ~1 = '/'). Returns 0 or CK_EBADREQ for bad syntax.
 */
static int
jp_pointer_parse(const char *s, struct jp_pointer *p)
{
	struct strbuf sb = STRBUF_INIT;
	const char *c;

	p->tok = NULL;
	p->ntok = 0;
	if (*s == '\0')
		return 0;
	if (*s != '/')
		return CK_EBADREQ;
	for (c = s + 1;; c++) {
		if (*c == '/' || *c == '\0') {
			p->tok = ck_reallocarray(p->tok, p->ntok + 1,
			    sizeof(*p->tok));
			p->tok[p->ntok++] = ck_strdup(strbuf_str(&sb));
			strbuf_reset(&sb);
			if (*c == '\0')
				break;
		} else if (*c == '~') {
			if (c[1] == '0')
				strbuf_addc(&sb, '~');
			else if (c[1] == '1')
				strbuf_addc(&sb, '/');
			else {
				strbuf_fini(&sb);
				jp_pointer_free(p);
				return CK_EBADREQ;
			}
			c++;
		} else
			strbuf_addc(&sb, *c);
	}
	strbuf_fini(&sb);
	return 0;
}

/*
 * An array index token: "0" or [1-9][0-9]*, no sign, no leading zero.
 * Returns the index, or -1 if tok is not one (or is absurdly large).
 */
static int
jp_index(const char *tok)
{
	long v = 0;
	const char *c;

	if (tok[0] == '\0' || (tok[0] == '0' && tok[1] != '\0'))
		return -1;
	for (c = tok; *c != '\0'; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		v = v * 10 + (*c - '0');
		if (v > 100000000L)
			return -1;
	}
	return (int)v;
}

/* The child of node named by tok, or NULL. */
static cJSON *
jp_child(cJSON *node, const char *tok)
{
	int i;

	if (cJSON_IsObject(node))
		return cJSON_GetObjectItemCaseSensitive(node, tok);
	if (cJSON_IsArray(node)) {
		i = jp_index(tok);
		if (i < 0 || i >= cJSON_GetArraySize(node))
			return NULL;
		return cJSON_GetArrayItem(node, i);
	}
	return NULL;
}

/* Follow the first n tokens of p from root; NULL if any is missing. */
static cJSON *
jp_walk(cJSON *root, const struct jp_pointer *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && root != NULL; i++)
		root = jp_child(root, p->tok[i]);
	return root;
}

/* State of one patch run: the working copy and error reporting. */
struct jp_run {
	cJSON			*doc;		/* the copy being patched; may be NULL */
	struct ck_status	*st;
	int			 opno;		/* 0-based index of the current op */
	const char		*op;
};

static int
jp_fail(struct jp_run *r, int err, const char *what, const char *path)
{
	return ck_status_set(r->st, err,
	    "json patch: operation %d (%s): %s: \"%s\"", r->opno, r->op,
	    what, path);
}

/*
 * Insert value (owned) at the location of path, RFC 6902 "add": replaces an
 * object member, inserts into an array ("-" appends), or replaces the root.
 */
static int
jp_add(struct jp_run *r, const char *path, cJSON *value)
{
	struct jp_pointer p;
	cJSON *parent;
	const char *last;
	int i, n, rc;

	if ((rc = jp_pointer_parse(path, &p)) != 0) {
		cJSON_Delete(value);
		return jp_fail(r, rc, "invalid JSON pointer", path);
	}
	if (p.ntok == 0) {
		cJSON_Delete(r->doc);
		r->doc = value;
		return 0;
	}
	rc = 0;
	last = p.tok[p.ntok - 1];
	parent = jp_walk(r->doc, &p, p.ntok - 1);
	if (cJSON_IsObject(parent)) {
		if (cJSON_GetObjectItemCaseSensitive(parent, last) != NULL)
			cJSON_ReplaceItemInObjectCaseSensitive(parent, last,
			    value);
		else
			cJSON_AddItemToObject(parent, last, value);
	} else if (cJSON_IsArray(parent)) {
		n = cJSON_GetArraySize(parent);
		i = strcmp(last, "-") == 0 ? n : jp_index(last);
		if (i < 0 || i > n) {
			cJSON_Delete(value);
			rc = jp_fail(r, CK_EINVALID,
			    "array index out of range or invalid", path);
		} else if (i == n)
			cJSON_AddItemToArray(parent, value);
		else
			jp_array_insert(parent, i, value);
	} else {
		cJSON_Delete(value);
		rc = jp_fail(r, CK_EINVALID, "the parent of the path does not exist",
		    path);
	}
	jp_pointer_free(&p);
	return rc;
}

/*
 * Find the existing value at path: *parentp (NULL for the root) and *itemp.
 * On success the caller frees p.
 */
static int
jp_locate(struct jp_run *r, const char *path, struct jp_pointer *p,
    cJSON **parentp, cJSON **itemp)
{
	int rc;

	*parentp = *itemp = NULL;
	if ((rc = jp_pointer_parse(path, p)) != 0)
		return jp_fail(r, rc, "invalid JSON pointer", path);
	if (p->ntok == 0)
		*itemp = r->doc;
	else {
		*parentp = jp_walk(r->doc, p, p->ntok - 1);
		if (*parentp != NULL)
			*itemp = jp_child(*parentp, p->tok[p->ntok - 1]);
	}
	if (*itemp == NULL) {
		jp_pointer_free(p);
		return jp_fail(r, CK_EINVALID, "the path does not exist", path);
	}
	return 0;
}

/* Detach the value at path (which must exist, and not be the root) into *out. */
static int
jp_detach(struct jp_run *r, const char *path, cJSON **out)
{
	struct jp_pointer p;
	cJSON *parent, *item;
	int rc;

	*out = NULL;
	if ((rc = jp_locate(r, path, &p, &parent, &item)) != 0)
		return rc;
	if (parent == NULL)
		rc = jp_fail(r, CK_EINVALID, "cannot remove the whole document",
		    path);
	else
		*out = cJSON_DetachItemViaPointer(parent, item);
	jp_pointer_free(&p);
	return rc;
}

/* Replace the value at path (which must exist) by a copy of value. */
static int
jp_replace(struct jp_run *r, const char *path, const cJSON *value)
{
	struct jp_pointer p;
	cJSON *parent, *item;
	int rc;

	if ((rc = jp_locate(r, path, &p, &parent, &item)) != 0)
		return rc;
	if (parent == NULL) {
		cJSON_Delete(r->doc);
		r->doc = jp_dup(value);
	} else if (cJSON_IsObject(parent))
		cJSON_ReplaceItemInObjectCaseSensitive(parent,
		    p.tok[p.ntok - 1], jp_dup(value));
	else
		cJSON_ReplaceItemViaPointer(parent, item, jp_dup(value));
	jp_pointer_free(&p);
	return 0;
}

/* The value at path, which must exist (may be the root). */
static int
jp_get(struct jp_run *r, const char *path, cJSON **out)
{
	struct jp_pointer p;
	cJSON *parent;
	int rc;

	if ((rc = jp_locate(r, path, &p, &parent, out)) != 0)
		return rc;
	jp_pointer_free(&p);
	return 0;
}

/* A required string member of op, or NULL (and st set) if missing. */
static const char *
jp_member_str(struct jp_run *r, const cJSON *op, const char *name)
{
	const cJSON *m = cJSON_GetObjectItemCaseSensitive(op, name);

	if (!cJSON_IsString(m)) {
		ck_status_set(r->st, CK_EBADREQ,
		    "json patch: operation %d (%s): \"%s\" must be a string",
		    r->opno, r->op, name);
		return NULL;
	}
	return m->valuestring;
}

/*
 * RFC 6902 appendix A.13: an op naming one of its members twice is invalid.
 * Only the members we read count (linear, whatever the op holds).
 */
static bool
jp_has_duplicates(const cJSON *op)
{
	static const char *const names[] = { "op", "path", "from", "value" };
	const cJSON *m;
	int seen[ARRAY_SIZE(names)] = { 0 };
	size_t i;

	cJSON_ArrayForEach(m, op) {
		for (i = 0; i < ARRAY_SIZE(names); i++)
			if (m->string != NULL && strcmp(m->string, names[i]) == 0 &&
			    ++seen[i] > 1)
				return true;
	}
	return false;
}

/* One operation object. */
static int
jp_apply_op(struct jp_run *r, const cJSON *op)
{
	const cJSON *value;
	const char *path, *from;
	cJSON *item;
	int rc;

	if (!cJSON_IsObject(op))
		return ck_status_set(r->st, CK_EBADREQ,
		    "json patch: operation %d is not an object", r->opno);
	if (jp_has_duplicates(op))
		return ck_status_set(r->st, CK_EBADREQ,
		    "json patch: operation %d has a duplicate member", r->opno);
	if ((r->op = jp_member_str(r, op, "op")) == NULL) {
		r->op = "?";
		return CK_EBADREQ;
	}
	if ((path = jp_member_str(r, op, "path")) == NULL)
		return CK_EBADREQ;
	value = cJSON_GetObjectItemCaseSensitive(op, "value");

	if (strcmp(r->op, "add") == 0 || strcmp(r->op, "replace") == 0 ||
	    strcmp(r->op, "test") == 0) {
		if (value == NULL)
			return ck_status_set(r->st, CK_EBADREQ,
			    "json patch: operation %d (%s): missing \"value\"",
			    r->opno, r->op);
	}
	if (strcmp(r->op, "add") == 0)
		return jp_add(r, path, jp_dup(value));
	if (strcmp(r->op, "remove") == 0) {
		if ((rc = jp_detach(r, path, &item)) == 0)
			cJSON_Delete(item);
		return rc;
	}
	if (strcmp(r->op, "replace") == 0)
		return jp_replace(r, path, value);
	if (strcmp(r->op, "test") == 0) {
		if ((rc = jp_get(r, path, &item)) != 0)
			return rc;
		if (!cJSON_Compare(item, value, 1))
			return jp_fail(r, CK_EINVALID, "test failed", path);
		return 0;
	}
	if (strcmp(r->op, "move") == 0 || strcmp(r->op, "copy") == 0) {
		if ((from = jp_member_str(r, op, "from")) == NULL)
			return CK_EBADREQ;
		if (r->op[0] == 'c') {
			if ((rc = jp_get(r, from, &item)) != 0)
				return rc;
			return jp_add(r, path, jp_dup(item));
		}
		if (strcmp(from, path) == 0)
			return jp_get(r, from, &item);
		if (ck_str_has_prefix(path, from) && path[strlen(from)] == '/')
			return jp_fail(r, CK_EINVALID,
			    "cannot move a value into one of its children", path);
		if ((rc = jp_detach(r, from, &item)) != 0)
			return rc;
		return jp_add(r, path, jp_unname(item));
	}
	return ck_status_set(r->st, CK_EBADREQ,
	    "json patch: operation %d: unknown op \"%s\"", r->opno, r->op);
}

int
patch_json_apply(struct cJSON **target, const struct cJSON *ops,
    struct ck_status *st)
{
	struct jp_run r;
	const cJSON *op;
	int rc;

	if (target == NULL || ops == NULL)
		return ck_status_set(st, CK_EBADREQ,
		    "json patch: missing document or patch");
	if (!cJSON_IsArray(ops))
		return ck_status_set(st, CK_EBADREQ,
		    "json patch: the patch must be a JSON array of operations");
	memset(&r, 0, sizeof(r));
	r.st = st;
	r.op = "?";
	if (*target != NULL)
		r.doc = jp_check(cJSON_Duplicate(*target, 1));
	rc = 0;
	cJSON_ArrayForEach(op, ops) {
		if ((rc = jp_apply_op(&r, op)) != 0)
			break;
		r.opno++;
		r.op = "?";
	}
	if (rc != 0) {
		cJSON_Delete(r.doc);
		return rc;
	}
	cJSON_Delete(*target);
	*target = r.doc;
	return 0;
}
