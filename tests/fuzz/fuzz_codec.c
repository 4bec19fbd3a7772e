/*
 * fuzz_codec.c: libFuzzer target for the untrusted-body path. The first byte
 * picks the content type (JSON, YAML, merge patch, apply patch); whatever
 * decodes is emitted as YAML, which must parse back to the same value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/codec.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "ckube/yamljson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
	const char	*type;
	int		 want_object;
} fuzz_types[] = {
	{ "application/json",			1 },
	{ "application/yaml",			1 },
	{ "application/merge-patch+json",	0 },
	{ "application/apply-patch+yaml",	0 },
};

/*
 * Deep equality. Not cJSON_Compare: it compares every object member twice
 * (a in b, then b in a), which is exponential in the nesting of objects.
 * Keys are unique here (both decoders reject duplicates).
 */
static int
same(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;
	int na = 0, nb = 0;

	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble;
	if (cJSON_IsString(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (!cJSON_IsArray(a) && !cJSON_IsObject(a))
		return 1;
	for (x = a->child; x != NULL; x = x->next)
		na++;
	for (y = b->child; y != NULL; y = y->next)
		nb++;
	if (na != nb)
		return 0;
	if (cJSON_IsArray(a)) {
		for (x = a->child, y = b->child; x != NULL; x = x->next, y = y->next)
			if (!same(x, y))
				return 0;
		return 1;
	}
	for (x = a->child; x != NULL; x = x->next) {
		y = cJSON_GetObjectItemCaseSensitive(b, x->string);
		if (y == NULL || !same(x, y))
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf sb = STRBUF_INIT;
	struct ck_status st;
	cJSON *doc = NULL, *back = NULL;
	size_t t;

	if (size < 1)
		return 0;
	t = data[0] % ARRAY_SIZE(fuzz_types);
	if (codec_decode(fuzz_types[t].type, (const char *)data + 1, size - 1,
	    fuzz_types[t].want_object, &doc, &st) != 0)
		return 0;
	if (yamljson_emit(doc, &sb) == 0) {
		/* what we write must read back as the same value */
		if (yamljson_parse_one(sb.buf, sb.len, &back, &st) != 0) {
			fprintf(stderr, "re-parse failed: %s\n%s\n", st.message,
			    sb.buf);
			abort();
		}
		if (!same(doc, back)) {
			fprintf(stderr, "round trip differs:\n%s\n", sb.buf);
			abort();
		}
	}
	cJSON_Delete(back);
	cJSON_Delete(doc);
	strbuf_fini(&sb);
	return 0;
}
