/*
 * fuzz_selector.c: label selectors (query-string and JSON forms) and field
 * selectors from untrusted input; a parsed label selector's canonical
 * string must parse back to the same string.
 */
#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/fieldsel.h"
#include "ckube/selector.h"
#include "fuzz_util.h"

static const char *const fuzz_fields[] = {
	"metadata.name", "metadata.namespace", "spec.nodeName", "status.phase",
	NULL,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct label_selector *ls = NULL, *back = NULL;
	struct field_selector *fs = NULL;
	struct ck_status st;
	cJSON *obj, *json;
	char *s, *txt = NULL, *txt2 = NULL;

	if ((s = fuzz_cstr(data, size)) == NULL)
		return 0;
	obj = cJSON_Parse("{\"metadata\":{\"name\":\"web-0\",\"labels\":"
	    "{\"app\":\"web\",\"tier\":\"3\",\"k8s.io/x\":\"\"}},"
	    "\"status\":{\"phase\":\"Running\"}}");
	if (selector_parse(s, &ls, &st) == 0) {
		(void)selector_matches(ls, cJSON_GetObjectItem(
		    cJSON_GetObjectItem(obj, "metadata"), "labels"));
		txt = selector_to_string(ls);
		if (txt != NULL && selector_parse(txt, &back, &st) != 0)
			FUZZ_FAIL("canonical form %s of %s does not parse: %s",
			    txt, s, st.message);
		txt2 = back != NULL ? selector_to_string(back) : NULL;
		if (txt2 != NULL && strcmp(txt, txt2) != 0)
			FUZZ_FAIL("canonical form unstable: %s -> %s", txt, txt2);
	}
	if (fieldsel_parse(s, NULL, &fs, &st) == 0) {
		(void)fieldsel_matches(fs, obj);
		(void)fieldsel_exact_value(fs, "metadata.name");
		fieldsel_free(fs);
		fs = NULL;
	}
	if (fieldsel_parse(s, fuzz_fields, &fs, &st) == 0)
		(void)fieldsel_matches(fs, obj);
	fieldsel_free(fs);
	selector_free(back);
	selector_free(ls);
	back = ls = NULL;
	if ((json = cJSON_ParseWithLength((const char *)data, size)) != NULL) {
		if (selector_from_json(json, "spec.selector", &ls, &st) == 0)
			selector_free(ls);
		if (selector_from_map(json, "spec.selector", &back, &st) == 0)
			selector_free(back);
		cJSON_Delete(json);
	}
	free(txt2);
	free(txt);
	cJSON_Delete(obj);
	free(s);
	return 0;
}
