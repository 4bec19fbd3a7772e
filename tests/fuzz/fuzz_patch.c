/*
 * fuzz_patch.c: the three PATCH flavours on untrusted documents. Byte 0
 * picks merge, JSON or strategic patch (and the kind for strategic); the
 * rest is the target JSON, a newline, then the patch JSON.
 */
#include <cJSON.h>

#include "ckube/err.h"
#include "fuzz_util.h"
#include "patch.h"

static const char *const fuzz_kinds[] = {
	NULL, "Pod", "Deployment", "Service", "StatefulSet", "DaemonSet",
	"Node", "PetSet",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *target = NULL, *patch = NULL;
	struct ck_status st;
	char *a = NULL, *b = NULL, *out;
	const char *kind;
	int rc;

	if (size < 1 || fuzz_split(data + 1, size - 1, &a, &b) != 0)
		return 0;
	kind = fuzz_kinds[(data[0] >> 2) % ARRAY_SIZE(fuzz_kinds)];
	target = cJSON_Parse(a);
	patch = cJSON_Parse(b);
	if (target == NULL || patch == NULL)
		goto out;
	switch (data[0] % 3) {
	case 0:
		rc = patch_merge_apply(&target, patch, &st);
		break;
	case 1:
		rc = patch_json_apply(&target, patch, &st);
		break;
	default:
		rc = patch_strategic_apply(&target, patch, kind, &st);
		break;
	}
	/* success or not, the target is a whole document still */
	if (target == NULL)
		FUZZ_FAIL("patch (rc %d) left no target", rc);
	if ((out = cJSON_PrintUnformatted(target)) != NULL)
		free(out);
out:
	cJSON_Delete(patch);
	cJSON_Delete(target);
	free(b);
	free(a);
	return 0;
}
