/*
 * selector.h: Kubernetes label selectors, from the query-string form
 * ("a=b,c!=d,e in (x,y),f notin (z),g,!h", and "n>3", "n<3" for integer
 * label values, as apimachinery's labels.Parse) or the JSON form
 * ({"matchLabels":{...},"matchExpressions":[...]}), and matching against a
 * labels object. A parsed selector is immutable and thread-safe to share.
 */
#ifndef CKUBE_SELECTOR_H
#define CKUBE_SELECTOR_H

#include <stdbool.h>

#include "ckube/ck.h"

struct cJSON;
struct kobj;
struct ck_status;
struct label_selector;

/*
 * Parse the string form; "" gives the empty selector (matches everything).
 * Returns 0 with *out (free with selector_free), or CK_EBADREQ with st saying
 * what is wrong (bad key, bad value, unbalanced parenthesis...).
 */
int	selector_parse(const char *s, struct label_selector **out,
	    struct ck_status *st) CK_MUST_CHECK;

/*
 * Parse the JSON LabelSelector form. A NULL or JSON-null sel gives a selector
 * that matches nothing; {} matches everything. Errors: CK_EINVALID (bad
 * operator, In/NotIn without values, Exists with values, bad key/value), with
 * st carrying the field cause under field_prefix (e.g. "spec.selector").
 */
int	selector_from_json(const struct cJSON *sel, const char *field_prefix,
	    struct label_selector **out, struct ck_status *st) CK_MUST_CHECK;

/*
 * The map form of the older APIs (ReplicationController and Service
 * spec.selector: {"app":"web"}), an AND of equalities, as
 * labels.SelectorFromSet.
 * NULL, JSON null and {} give the empty selector (matches everything):
 * callers for which an absent selector means "nothing" check that first.
 * Errors as selector_from_json(), with causes under field_prefix.
 */
int	selector_from_map(const struct cJSON *map, const char *field_prefix,
	    struct label_selector **out, struct ck_status *st) CK_MUST_CHECK;

/* labels is the metadata.labels object, or NULL (no labels). */
bool	selector_matches(const struct label_selector *sel, const struct cJSON *labels);
/* The same against obj's metadata.labels, read in place (no cJSON copy). */
bool	selector_matches_obj(const struct label_selector *sel,
	    const struct kobj *obj);
/* True for the empty selector (matches everything). */
bool	selector_is_empty(const struct label_selector *sel);
/* True for the null selector (matches nothing). */
bool	selector_is_nothing(const struct label_selector *sel);
void	selector_free(struct label_selector *sel);

/*
 * The canonical string form (requirements sorted by key, set values sorted:
 * "a=b,c in (x,y),!d"), as apimachinery's Selector.String(). "" for the
 * empty and the null selector. The result is the caller's (free()).
 */
char	*selector_to_string(const struct label_selector *sel);

/* Label key ([prefix/]name) and value syntax checks, as Kubernetes validates them. */
bool	selector_is_valid_label_key(const char *key);
bool	selector_is_valid_label_value(const char *value);

#endif
