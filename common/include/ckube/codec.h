/*
 * codec.h: decode a request body into a JSON object by its Content-Type:
 * application/json (and the patch types, and a missing type) as JSON,
 * application/yaml and application/apply-patch+yaml as YAML or JSON. The one
 * entry point for untrusted bodies; fuzzed by tests/fuzz/fuzz_codec.c.
 */
#ifndef CKUBE_CODEC_H
#define CKUBE_CODEC_H

#include <stddef.h>

#include "ckube/ck.h"

struct cJSON;
struct ck_status;

enum codec_kind {
	CODEC_JSON,
	CODEC_YAML,
	CODEC_PROTOBUF,		/* application/vnd.kubernetes.protobuf: not decoded here */
	CODEC_UNSUPPORTED,
};

/* Classify a Content-Type header value (NULL = JSON; parameters ignored). */
enum codec_kind codec_kind_of(const char *content_type);

/*
 * Decode buf[0..len) (not NUL-terminated) into *out (yours). want_object
 * requires a JSON object at the top (JSON patch bodies are arrays).
 * Errors: CK_EBADREQ (malformed, trailing garbage, wrong top-level type, nesting
 * deeper than 100), CK_ENOTSUP (415: unsupported content type), with st set.
 */
int	codec_decode(const char *content_type, const char *buf, size_t len,
	    int want_object, struct cJSON **out, struct ck_status *st) CK_MUST_CHECK;

#endif
