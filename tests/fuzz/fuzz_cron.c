/*
 * fuzz_cron.c: CronJob schedules from untrusted input: parse, then the next
 * firing in UTC and in a zone with DST; the next firing is in the future.
 */
#include "ckube/cron.h"
#include "fuzz_util.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const zones[] = { "UTC", "America/New_York" };
	const int64_t after = 1710050000;	/* 2024-03-10, a DST change */
	struct cron_schedule sched;
	char err[CRON_ERR_MAX];
	int64_t next;
	size_t i;
	char *s;

	if ((s = fuzz_cstr(data, size)) == NULL)
		return 0;
	if (cron_parse(s, &sched, err, sizeof(err)) == 0) {
		for (i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
			if (cron_next(&sched, zones[i], after, &next) == 0 &&
			    next <= after)
				FUZZ_FAIL("%s in %s: next %lld not after %lld",
				    s, zones[i], (long long)next,
				    (long long)after);
		}
	}
	(void)cron_tz_valid(s);
	free(s);
	return 0;
}
