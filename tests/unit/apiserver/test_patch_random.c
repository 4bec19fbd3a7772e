/*
 * Randomised robustness test for the three patch engines: thousands of small
 * random documents and patches (fixed seed, so runs repeat) full of
 * directives and odd pointers. Each apply must either succeed or fail with
 * 400/422 and leave the target byte-for-byte unchanged; ASan/valgrind catch
 * the rest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "ckube/err.h"
#include "patch.h"

static uint32_t rnd_state = 12345;

static uint32_t
rnd(uint32_t n)
{
	rnd_state = rnd_state * 1103515245u + 12345u;
	return (rnd_state >> 8) % n;
}

static const char *const keys[] = {
	"name", "containers", "spec", "a", "b", "finalizers", "ports",
	"containerPort", "metadata", "uid", "$patch", "$retainKeys", "$setElementOrder/containers",
	"$setElementOrder/finalizers", "$deleteFromPrimitiveList/finalizers",
	"$setElementOrder/", "~1", "",
};
#define PLAIN_KEYS	10	/* keys[0..9] are not directives */
static const char *const strs[] = {
	"delete", "replace", "merge", "a", "b", "name", "containers", "x",
};

static cJSON *
gen(int depth)
{
	cJSON *v;
	int i, n;

	switch (depth <= 0 ? rnd(4) : rnd(7)) {
	case 0:	return cJSON_CreateNull();
	case 1:	return cJSON_CreateBool((cJSON_bool)rnd(2));
	case 2:	return cJSON_CreateNumber((double)rnd(4));
	case 3:	return cJSON_CreateString(strs[rnd(ARRAY_SIZE(strs))]);
	case 4:
		v = cJSON_CreateArray();
		n = (int)rnd(4);
		for (i = 0; i < n; i++)
			cJSON_AddItemToArray(v, gen(depth - 1));
		return v;
	default:
		v = cJSON_CreateObject();
		n = (int)rnd(5);
		for (i = 0; i < n; i++)
			cJSON_AddItemToObject(v, keys[rnd(4) == 0 ?
			    rnd(ARRAY_SIZE(keys)) : rnd(PLAIN_KEYS)], gen(depth - 1));
		return v;
	}
}

/* A JSON pointer into roughly the shapes gen() builds. */
static void
gen_pointer(char *buf, size_t size)
{
	static const char *const toks[] = {
		"name", "containers", "spec", "a", "0", "1", "2", "-", "01",
		"~0", "~1", "~", "",
	};
	size_t len = 0;
	int i, n = (int)rnd(4);

	buf[0] = '\0';
	for (i = 0; i < n && len + 8 < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "/%s",
		    toks[rnd(ARRAY_SIZE(toks))]);
}

static cJSON *
gen_ops(void)
{
	static const char *const ops[] = {
		"add", "remove", "replace", "move", "copy", "test", "bogus",
	};
	cJSON *arr = cJSON_CreateArray(), *op;
	char ptr[64];
	int i, n = (int)rnd(4);

	for (i = 0; i < n; i++) {
		op = cJSON_CreateObject();
		cJSON_AddStringToObject(op, "op", ops[rnd(ARRAY_SIZE(ops))]);
		gen_pointer(ptr, sizeof(ptr));
		cJSON_AddStringToObject(op, "path", ptr);
		if (rnd(3) != 0) {
			gen_pointer(ptr, sizeof(ptr));
			cJSON_AddStringToObject(op, "from", ptr);
		}
		if (rnd(4) != 0)
			cJSON_AddItemToObject(op, "value", gen(2));
		cJSON_AddItemToArray(arr, op);
	}
	return arr;
}

static void
check_one(int which, cJSON *doc, const cJSON *patch)
{
	static const char *const kinds[] = { "Pod", "Deployment", NULL };
	struct ck_status st;
	cJSON *orig = doc;
	char *before, *after;
	int rc;

	before = cJSON_PrintUnformatted(doc);
	ck_status_clear(&st);
	if (which == 0)
		rc = patch_merge_apply(&doc, patch, &st);
	else if (which == 1)
		rc = patch_json_apply(&doc, patch, &st);
	else
		rc = patch_strategic_apply(&doc, patch, kinds[rnd(3)], &st);
	after = cJSON_PrintUnformatted(doc);
	assert_non_null(after);
	if (rc != 0) {
		assert_true(rc == CK_EBADREQ || rc == CK_EINVALID);
		assert_true(st.code == 400 || st.code == 422);
		assert_ptr_equal(doc, orig);
		assert_string_equal(before, after);
	}
	free(before);
	free(after);
	cJSON_Delete(doc);
}

static void
test_random_patches(void **state)
{
	cJSON *doc, *patch;
	int i, which;

	(void)state;
	for (i = 0; i < 9000; i++) {
		which = i % 3;
		doc = gen(4);
		patch = which == 1 ? gen_ops() : gen(4);
		check_one(which, doc, patch);
		cJSON_Delete(patch);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_patches),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
