/*
 * openapi.h: the known-field schema fieldValidation checks against. A
 * message lists its JSON member names; a member with a message is checked
 * inside (objects, or each object of a list), one without is a leaf or a
 * subtree not modelled (anything goes). Only messages whose every field is
 * listed are modelled, so a valid manifest is never refused.
 */
#ifndef CKUBE_APISERVER_OPENAPI_H
#define CKUBE_APISERVER_OPENAPI_H

#include <stddef.h>

struct api_resource;
struct openapi_msg;

struct openapi_field {
	const char		 *name;
	const struct openapi_msg *msg;	/* NULL: not checked inside */
};

struct openapi_msg {
	const struct openapi_field	*fields;
	size_t				 n;
};

/* The top-level message of r's kind, or NULL (not modelled). */
const struct openapi_msg *openapi_kind_schema(const struct api_resource *r);

#endif
