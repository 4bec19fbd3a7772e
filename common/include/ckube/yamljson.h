/*
 * yamljson.h: YAML <-> JSON (cJSON) through libyaml's event API. YAML 1.2
 * core-schema typing for plain scalars only: quoted scalars always stay
 * strings ("123" is a string), yes/no/on/off stay strings. Multi-document
 * streams; empty documents are skipped. Duplicate keys, .inf/.nan, integers
 * too large for a double, complex keys and alias bombs are errors.
 */
#ifndef CKUBE_YAMLJSON_H
#define CKUBE_YAMLJSON_H

#include <stddef.h>

#include "ckube/ck.h"

struct cJSON;
struct ck_status;
struct strbuf;

/*
 * Called once per non-empty document, in order; doc becomes the callback's
 * (cJSON_Delete it). A non-zero return stops parsing and is returned.
 */
typedef int (*yamljson_doc_fn)(struct cJSON *doc, void *arg);

/*
 * Parse a YAML stream of len bytes (need not end in NUL). Returns 0, the
 * callback's non-zero result, or CK_EBADREQ with st->message such as
 * "yaml: line 3: duplicate key \"a\"".
 */
int	yamljson_parse(const char *buf, size_t len, yamljson_doc_fn fn, void *arg,
	    struct ck_status *st) CK_MUST_CHECK;

/* Parse exactly one document (none or several: CK_EBADREQ). *out is yours. */
int	yamljson_parse_one(const char *buf, size_t len, struct cJSON **out,
	    struct ck_status *st) CK_MUST_CHECK;

/* Append doc as a YAML document (block style, strings quoted where needed). */
int	yamljson_emit(const struct cJSON *doc, struct strbuf *out) CK_MUST_CHECK;

#endif
