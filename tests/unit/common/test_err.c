/* Unit tests for common/err.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ckube/err.h"

static void
test_err_http_mapping(void **state)
{
	(void)state;
	assert_int_equal(ck_err_http_code(CK_ENOTFOUND), 404);
	assert_int_equal(ck_err_http_code(CK_ECONFLICT), 409);
	assert_string_equal(ck_err_reason(CK_ECONFLICT), "Conflict");
	assert_string_equal(ck_err_reason(CK_EEXIST), "AlreadyExists");
	assert_int_equal(ck_err_http_code(CK_EINVALID), 422);
	assert_int_equal(ck_err_http_code(-12345), 500);
	assert_string_equal(ck_strerror(CK_EGONE), "EGONE");
}

static void
test_err_status_set_and_causes(void **state)
{
	struct ck_status st;
	int i;

	(void)state;
	ck_status_clear(&st);
	assert_int_equal(st.code, 200);
	assert_int_equal(ck_status_set(&st, CK_ENOTFOUND, "pods \"%s\" not found", "x"),
	    CK_ENOTFOUND);
	assert_int_equal(st.code, 404);
	assert_string_equal(st.reason, "NotFound");
	assert_string_equal(st.message, "pods \"x\" not found");
	for (i = 0; i < CK_STATUS_CAUSES + 3; i++)
		ck_status_add_cause(&st, "metadata.name", "FieldValueInvalid", "bad %d", i);
	assert_int_equal(st.ncauses, CK_STATUS_CAUSES + 3);
	assert_string_equal(st.causes[1].message, "bad 1");
	assert_int_equal(ck_status_set(NULL, CK_EIO, "x"), CK_EIO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_http_mapping),
		cmocka_unit_test(test_err_status_set_and_causes),
	};

	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
