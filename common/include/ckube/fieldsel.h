/*
 * fieldsel.h: field selectors ("metadata.name=x,status.phase!=Running";
 * operators =, == and !=). A term names a dotted path into the object; a
 * missing field compares as "". Immutable once parsed.
 */
#ifndef CKUBE_FIELDSEL_H
#define CKUBE_FIELDSEL_H

#include <stdbool.h>

#include "ckube/ck.h"

struct cJSON;
struct ck_status;
struct field_selector;

/*
 * Parse s ("" = match everything). allowed (NULL-terminated list of paths, or
 * NULL for any path) limits the fields, as Kubernetes does per kind.
 * Returns 0, or CK_EBADREQ with st explaining the bad term or field.
 */
int	fieldsel_parse(const char *s, const char *const *allowed,
	    struct field_selector **out, struct ck_status *st) CK_MUST_CHECK;
bool	fieldsel_matches(const struct field_selector *sel, const struct cJSON *obj);
/* If the selector pins path to one value with = or ==, that value; else NULL. */
const char *fieldsel_exact_value(const struct field_selector *sel, const char *path);
bool	fieldsel_is_empty(const struct field_selector *sel);
void	fieldsel_free(struct field_selector *sel);

#endif
