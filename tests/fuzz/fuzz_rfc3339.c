/*
 * fuzz_rfc3339.c: RFC 3339 timestamps from untrusted input; a time that
 * parses and formats must parse back to the same instant.
 */
#include <time.h>

#include "ckube/rfc3339.h"
#include "fuzz_util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char buf[RFC3339_MAX + 16];
	int64_t us, us2;
	time_t t, t2;
	char *s;

	if ((s = fuzz_cstr(data, size)) == NULL)
		return 0;
	if (rfc3339_parse(s, &t) == 0 &&
	    rfc3339_format(t, buf, sizeof(buf)) == 0 &&
	    (rfc3339_parse(buf, &t2) != 0 || t2 != t))
		FUZZ_FAIL("%s -> %lld -> %s", s, (long long)t, buf);
	if (rfc3339_parse_micro(s, &us) == 0 &&
	    rfc3339_format_micro(us, buf, sizeof(buf)) == 0 &&
	    (rfc3339_parse_micro(buf, &us2) != 0 || us2 != us))
		FUZZ_FAIL("%s -> %lld us -> %s", s, (long long)us, buf);
	free(s);
	return 0;
}
