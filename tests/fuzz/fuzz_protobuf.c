/*
 * fuzz_protobuf.c: libFuzzer target for protobuf request bodies. The input,
 * behind the "k8s\0" envelope of a kind picked by the first byte, goes
 * through protobuf_decode(); whatever decodes must print as JSON and parse
 * back to the same value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "apiserver.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const kinds[][2] = {
	{ "v1", "ConfigMap" }, { "v1", "Pod" }, { "v1", "Service" },
	{ "apps/v1", "Deployment" }, { "batch/v1", "CronJob" },
	{ "batch/v1", "Job" }, { "policy/v1", "PodDisruptionBudget" },
	{ "rbac.authorization.k8s.io/v1", "RoleBinding" },
	{ "v1", "DeleteOptions" },
};

static void
put_varint(struct strbuf *sb, uint64_t v)
{
	while (v >= 0x80) {
		strbuf_addc(sb, (char)(v | 0x80));
		v >>= 7;
	}
	strbuf_addc(sb, (char)v);
}

static void
put_bytes(struct strbuf *sb, int num, const void *p, size_t n)
{
	put_varint(sb, (uint64_t)num << 3 | 2);
	put_varint(sb, n);
	strbuf_add(sb, p, n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf body = STRBUF_INIT, tm = STRBUF_INIT;
	struct ck_status st;
	const char *const *k;
	cJSON *obj = NULL, *back;
	char *s;

	if (size == 0)
		return 0;
	k = kinds[data[0] % (sizeof(kinds) / sizeof(kinds[0]))];
	strbuf_add(&body, "k8s\0", 4);
	put_bytes(&tm, 1, k[0], strlen(k[0]));
	put_bytes(&tm, 2, k[1], strlen(k[1]));
	put_bytes(&body, 1, tm.buf, tm.len);
	put_bytes(&body, 2, data + 1, size - 1);
	if (protobuf_decode(body.buf, body.len, &obj, &st) == 0) {
		s = cJSON_PrintUnformatted(obj);
		back = cJSON_Parse(s);
		if (back == NULL || !cJSON_Compare(obj, back, 1))
			abort();
		cJSON_Delete(back);
		free(s);
		cJSON_Delete(obj);
	}
	strbuf_fini(&body);
	strbuf_fini(&tm);
	return 0;
}
