/*
 * validation_meta.h: validation of ObjectMeta shared by every kind, as
 * Kubernetes' apimachinery does it: name (DNS-1123 subdomain, or label for
 * kinds that need one), generateName, namespace, labels, annotations (256 KiB
 * total), finalizers, ownerReferences. Problems are added to st as field
 * causes; the caller builds the 422 message.
 */
#ifndef CKUBE_APISERVER_VALIDATION_META_H
#define CKUBE_APISERVER_VALIDATION_META_H

#include <stdbool.h>

#include "ckube/ck.h"

struct cJSON;
struct ck_status;

/* lowercase RFC 1123 subdomain: [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*, <= 253 */
bool	validate_is_dns1123_subdomain(const char *s);
/* Kubernetes' message for a value that is no RFC 1123 subdomain. */
const char *validate_subdomain_msg(void);
/* lowercase RFC 1123 label: [a-z0-9]([-a-z0-9]*[a-z0-9])?, <= 63 */
bool	validate_is_dns1123_label(const char *s);
/* RFC 1035 label (starts with a letter), <= 63: Service names. */
bool	validate_is_dns1035_label(const char *s);

enum validate_name_rule {
	VALIDATE_NAME_SUBDOMAIN,	/* most kinds */
	VALIDATE_NAME_LABEL,		/* namespaces */
	VALIDATE_NAME_1035_LABEL,	/* services */
	VALIDATE_NAME_PATH_SEGMENT,	/* RBAC: anything but '.', '..', '/', '%' */
};

/*
 * Validate metadata of obj (the whole object). When namespaced, a
 * metadata.namespace that is present must be valid. Adds a cause per problem
 * ("metadata.name", "FieldValueInvalid", "a lowercase RFC 1123 subdomain must
 * consist of ...") and returns CK_EINVALID if there was any, else 0.
 */
int	validate_object_meta(const struct cJSON *obj, bool namespaced,
	    enum validate_name_rule rule, struct ck_status *st) CK_MUST_CHECK;

/*
 * Checks of an update of oldobj into newobj beyond validate_object_meta:
 * once old has a deletionTimestamp, finalizers may only be removed (422
 * "no new finalizers can be added if the object is being deleted").
 * Adds causes to st; CK_EINVALID or 0.
 */
int	validate_object_meta_update(const struct cJSON *newobj,
	    const struct cJSON *oldobj, struct ck_status *st) CK_MUST_CHECK;

#endif
