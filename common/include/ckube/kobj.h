/*
 * kobj.h: a Kubernetes object: a cJSON root with an atomic refcount and a
 * cached key ("ns/name" or "name"). Objects shared through caches are frozen
 * (immutable): readers need no lock, and a setter called on a frozen object
 * is a bug that aborts. To change one, kobj_copy() it and edit the copy.
 *
 * Thread-safety: kobj_ref/kobj_unref may be called from any thread; a frozen
 * object may be read from any number of threads at once. An unfrozen object
 * belongs to one thread.
 *
 * Getters lend pointers into the object: they stay valid while the caller
 * holds a reference and (for an unfrozen object) until the next setter.
 */
#ifndef CKUBE_KOBJ_H
#define CKUBE_KOBJ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ckube/ck.h"

struct cJSON;
struct kobj;

/*
 * Wrap root (consumed, even on failure). Returns a new unfrozen object with
 * one reference, or NULL if root is NULL or not a JSON object.
 */
struct kobj	*kobj_new_take(struct cJSON *root);

/* A new {"apiVersion":..,"kind":..,"metadata":{}}; NULL leaves one out. */
struct kobj	*kobj_new(const char *api_version, const char *kind);

/*
 * Parse len bytes of JSON (need not end in NUL; only whitespace may follow
 * the object). NULL if it is not one well-formed JSON object.
 */
struct kobj	*kobj_parse(const char *json, size_t len);

/*
 * Take another reference; returns obj (NULL-safe). The refcount is not part
 * of the object's value, so a const holder may take and drop references.
 */
struct kobj	*kobj_ref(const struct kobj *obj);

/* Drop a reference; the last one frees the object. NULL-safe. */
void		 kobj_unref(const struct kobj *obj);

/* Make obj immutable (for good). Returns obj. Idempotent. */
struct kobj	*kobj_freeze(struct kobj *obj);
bool		 kobj_is_frozen(const struct kobj *obj);

/*
 * The compact form of a frozen obj for caches (one allocation, 16 bytes a
 * value; kobj_int.h), a new reference; obj itself when it is compact
 * already or cannot be encoded. Getters work on either form. Getters that
 * lend a cJSON pointer decode that subtree once and keep it with the object;
 * kobj_trim() drops those copies. CKUBE_KOBJ_COMPACT=0 in the environment
 * turns the form off (for comparisons).
 */
struct kobj	*kobj_compact(const struct kobj *obj);
bool		 kobj_is_compact(const struct kobj *obj);
/*
 * Free the cJSON copies decoded for readers of a compact obj, when the
 * caller holds the only reference and no other thread can take one (a
 * cache under its write lock). Returns how many subtrees were freed.
 */
size_t		 kobj_trim(const struct kobj *obj);

/* A deep copy, unfrozen, with one reference. */
struct kobj	*kobj_copy(const struct kobj *obj);

/* metadata fields; "" when absent or not a string (never NULL). */
const char	*kobj_name(const struct kobj *obj);
const char	*kobj_namespace(const struct kobj *obj);
const char	*kobj_uid(const struct kobj *obj);
const char	*kobj_resource_version(const struct kobj *obj);
const char	*kobj_kind(const struct kobj *obj);
const char	*kobj_api_version(const struct kobj *obj);
/* "namespace/name", or "name" for a cluster-scoped object (no namespace). */
const char	*kobj_key(const struct kobj *obj);

/*
 * The value at a dotted path ("spec.template.metadata.labels"); a segment may
 * carry array indexes ("spec.containers[0].name", "a[1][2]"). NULL when any
 * step is missing or of the wrong type. Keys containing '.' (label keys such
 * as "app.kubernetes.io/name") cannot be reached this way: use kobj_label().
 */
const struct cJSON *kobj_get(const struct kobj *obj, const char *path);

/*
 * A copy of the value at path that the caller owns (cJSON_Delete), or NULL:
 * for a reader of a compact object that keeps a reference to it, so that no
 * decoded cJSON stays with the object (kobj_compact).
 */
struct cJSON	*kobj_get_copy(const struct kobj *obj, const char *path);

/* The string at path, or NULL (missing or not a string). */
const char	*kobj_get_str(const struct kobj *obj, const char *path);

/*
 * The integer at path into *out. Returns 0, CK_ENOTFOUND (missing or null),
 * or CK_EINVALID (not a number, not whole, or beyond +-2^53).
 */
int		 kobj_get_int(const struct kobj *obj, const char *path,
		    int64_t *out) CK_MUST_CHECK;
/* The integer at path, or def when kobj_get_int() fails. */
int64_t		 kobj_get_int_or(const struct kobj *obj, const char *path,
		    int64_t def);
/* The boolean at path, or def when missing or not a boolean. */
bool		 kobj_get_bool(const struct kobj *obj, const char *path,
		    bool def);

/* metadata.labels (an object) or NULL. */
const struct cJSON *kobj_labels(const struct kobj *obj);
/* One label / annotation value, or NULL. */
const char	*kobj_label(const struct kobj *obj, const char *key);
const char	*kobj_annotation(const struct kobj *obj, const char *key);

/*
 * The metadata.ownerReferences entry with "controller": true, or NULL. On a
 * cached (compact) object it decodes a copy that stays with the object a
 * while: readers of many cached objects use the two below.
 */
const struct cJSON *kobj_controller_ref(const struct kobj *obj);
/* Whether it has one, read in place. */
bool		 kobj_has_controller_ref(const struct kobj *obj);
/* Its string field ("uid", "kind", "name"), read in place; NULL. */
const char	*kobj_controller_ref_str(const struct kobj *obj,
		    const char *field);
/*
 * A new ownerReference naming owner (apiVersion, kind, name, uid) with
 * blockOwnerDeletion, "controller" as given: the caller owns it.
 */
struct cJSON	*kobj_new_owner_ref(const struct kobj *owner,
		    const char *api_version, const char *kind, bool controller);
/* The status.conditions entry whose "type" is type, or NULL. */
const struct cJSON *kobj_condition(const struct kobj *obj, const char *type);
/* That condition's "status" ("True", "False", "Unknown"), or NULL. */
const char	*kobj_condition_status(const struct kobj *obj,
		    const char *type);

/*
 * Setters (abort on a frozen object). The path syntax is kobj_get()'s;
 * missing intermediate objects are created, and array indexes must exist.
 * Returns 0, or CK_EINVALID when a step is not an object (or the index is
 * out of range); nothing is changed then.
 */
int		 kobj_set_str(struct kobj *obj, const char *path,
		    const char *value) CK_MUST_CHECK;
int		 kobj_set_int(struct kobj *obj, const char *path, int64_t value)
		    CK_MUST_CHECK;
int		 kobj_set_bool(struct kobj *obj, const char *path, bool value)
		    CK_MUST_CHECK;
/* Store item (consumed, even on failure) at path, replacing what was there. */
int		 kobj_set_json(struct kobj *obj, const char *path,
		    struct cJSON *item) CK_MUST_CHECK;
/* Remove the value at path; 0 also when it was absent. */
int		 kobj_delete(struct kobj *obj, const char *path) CK_MUST_CHECK;
/* Set (value != NULL) or remove (value == NULL) a label / annotation. */
void		 kobj_set_label(struct kobj *obj, const char *key,
		    const char *value);
void		 kobj_set_annotation(struct kobj *obj, const char *key,
		    const char *value);

/* The JSON root, read-only. */
const struct cJSON *kobj_json(const struct kobj *obj);
/*
 * The JSON root for editing in place (aborts on a frozen object). Changing
 * metadata.name or metadata.namespace this way needs kobj_touch() afterwards
 * so that kobj_key() follows.
 */
struct cJSON	*kobj_json_mut(struct kobj *obj);
void		 kobj_touch(struct kobj *obj);

/* Unformatted JSON text; the caller frees it with free(). */
char		*kobj_print(const struct kobj *obj);

#endif
