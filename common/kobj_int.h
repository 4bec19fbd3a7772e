/*
 * kobj_int.h: the compact encoding of frozen cached objects (kobj_compact.c),
 * private to kobj.c. One allocation per object: 8-byte nodes in preorder
 * (a container's members follow it; its span skips them), then the string
 * values, each NUL-terminated. Member names, and the values that repeat
 * across objects (namespaces, node names, images, condition types...), are
 * interned process-wide and named by a 32-bit id.
 */
#ifndef CKUBE_KOBJ_INT_H
#define CKUBE_KOBJ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/*
 * head: the type (KC_T_*), a flag for a name stored inline, the name's
 * interned id or inline offset. val: an int32 number, a string's offset in
 * the string area or (KC_VAL_INTERNED) its interned id, a double's offset,
 * or a container's span (nodes in its subtree, itself included).
 */
struct kc_node {
	uint32_t	head;
	uint32_t	val;
};

struct kc {
	uint32_t	nnodes;
	uint32_t	strbytes;
	struct kc_node	nodes[];	/* then the strings (and doubles) */
};

enum {
	KC_T_FALSE, KC_T_TRUE, KC_T_NULL, KC_T_INT, KC_T_DOUBLE, KC_T_STR,
	KC_T_ARRAY, KC_T_OBJECT
};

#define KC_T_MASK		0x7u
#define KC_NAME_INLINE		0x8u
#define KC_NAME_SHIFT		4
#define KC_NONAME		0x0fffffffu	/* in the name bits */
#define KC_VAL_INTERNED		0x80000000u

/* item, or abort when a cJSON call ran out of memory (it returned NULL). */
struct cJSON	*kc_must(struct cJSON *item);

/* The interned copy of s (kept for the process's life). */
const char	*kc_intern(const char *s);

/* Encode a cJSON tree; NULL when it does not fit the 32-bit offsets. */
struct kc	*kc_encode(const struct cJSON *root);
size_t		 kc_bytes(const struct kc *kc);

/* The cJSON type of n (cJSON_Number for both kinds of number). */
int		 kc_type(const struct kc_node *n);
double		 kc_num(const struct kc *kc, const struct kc_node *n);
const char	*kc_name(const struct kc *kc, const struct kc_node *n);
const char	*kc_str(const struct kc *kc, const struct kc_node *n);
/* The member called name of an object node, the i-th of an array; NULL. */
const struct kc_node *kc_member(const struct kc *kc, const struct kc_node *n,
		    const char *name);
const struct kc_node *kc_item(const struct kc *kc, const struct kc_node *n,
		    int i);
/* The first member / the one after (NULL at the end). */
const struct kc_node *kc_first(const struct kc *kc, const struct kc_node *n);
const struct kc_node *kc_next(const struct kc *kc, const struct kc_node *parent,
		    const struct kc_node *child);

/*
 * The subtree at n as cJSON. With borrow, string values point into kc
 * (cJSON_IsReference: the tree must not outlive kc); without, the tree owns
 * them. Member names are the interned copies either way.
 */
struct cJSON	*kc_decode(const struct kc *kc, const struct kc_node *n,
		    bool borrow);

#endif
