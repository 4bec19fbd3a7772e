/*
 * fuzz_codec.c: libFuzzer target for the untrusted-body path. The first byte
 * picks the content type (JSON, YAML, merge patch, apply patch); whatever
 * decodes is emitted as YAML, which must parse back to the same value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

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
		if (!cJSON_Compare(doc, back, 1)) {
			fprintf(stderr, "round trip differs:\n%s\n", sb.buf);
			abort();
		}
	}
	cJSON_Delete(back);
	cJSON_Delete(doc);
	strbuf_fini(&sb);
	return 0;
}
