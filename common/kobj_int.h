/*
 * kobj_int.h: the compact encoding of frozen cached objects (kobj_compact.c),
 * private to kobj.c. One allocation per object: 16-byte nodes in preorder
 * (a container's members follow it; its span skips them), then the string
 * values, each NUL-terminated. Member names are interned process-wide and
 * named by a 32-bit id.
 */
#ifndef CKUBE_KOBJ_INT_H
#define CKUBE_KOBJ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

struct kc_node {
	uint8_t		type;		/* cJSON_False .. cJSON_Object */
	uint8_t		pad[3];
	uint32_t	name;		/* KC_NONAME, an interned id, or inline */
	union {
		double	num;
		struct {
			uint32_t off;	/* into the string area */
			uint32_t len;
		} s;
		struct {
			uint32_t count;	/* members */
			uint32_t span;	/* nodes in the subtree, itself included */
		} a;
	} u;
};

struct kc {
	uint32_t	nnodes;
	uint32_t	strbytes;
	struct kc_node	nodes[];	/* then the strings */
};

#define KC_NONAME	UINT32_MAX
#define KC_NAME_INLINE	0x80000000u	/* low bits: offset into the strings */

/* The interned copy of s (kept for the process's life). */
const char	*kc_intern(const char *s);

/* Encode a cJSON tree; NULL when it does not fit the 32-bit offsets. */
struct kc	*kc_encode(const struct cJSON *root);
size_t		 kc_bytes(const struct kc *kc);

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
