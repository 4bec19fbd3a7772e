/*
 * fuzz_quantity.c: resource quantities from untrusted input. A value that
 * parses must format, its formatted and canonical forms must read back to
 * the same value, and so must its canonical form.
 */
#include "ckube/quantity.h"
#include "fuzz_util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[QUANTITY_STR_MAX], canon[QUANTITY_STR_MAX];
	enum quantity_format fmt;
	int64_t v, back;
	int cmp;
	char *s;

	if ((s = fuzz_cstr(data, size)) == NULL)
		return 0;
	if (quantity_parse_milli(s, &v, &fmt) == 0) {
		if (quantity_format_milli(v, fmt, buf, sizeof(buf)) != 0)
			FUZZ_FAIL("%s: %lld m does not format", s, (long long)v);
		if (quantity_parse_milli(buf, &back, NULL) != 0 || back != v)
			FUZZ_FAIL("%s -> %lld m -> %s", s, (long long)v, buf);
	}
	if (quantity_parse_value(s, &v, &fmt) == 0) {
		if (quantity_format_value(v, fmt, buf, sizeof(buf)) != 0)
			FUZZ_FAIL("%s: %lld does not format", s, (long long)v);
		if (quantity_parse_value(buf, &back, NULL) != 0 || back != v)
			FUZZ_FAIL("%s -> %lld -> %s", s, (long long)v, buf);
	}
	/*
	 * The canonical form keeps the value, not always its family: a
	 * BinarySI value no power of 1024 divides prints bare ("2000"), and
	 * reads back as DecimalSI ("2k"), as upstream's does.
	 */
	if (quantity_canonical(s, canon, sizeof(canon)) == 0 &&
	    (quantity_compare(s, canon, &cmp) != 0 || cmp != 0 ||
	    quantity_canonical(canon, buf, sizeof(buf)) != 0 ||
	    quantity_compare(canon, buf, &cmp) != 0 || cmp != 0))
		FUZZ_FAIL("%s -> canonical %s -> %s", s, canon, buf);
	(void)quantity_is_valid(s);
	free(s);
	return 0;
}
