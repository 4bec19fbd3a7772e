/*
 * log.c: klog line formatting (see log.h). One write(2) per line keeps lines
 * from several threads whole.
 */
#include "ckube/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ckube/strbuf.h"

int log_verbosity;
static const char *log_progname = "ckube";

void
log_init(const char *progname, int verbosity)
{
	const char *slash;

	if (progname != NULL) {
		slash = strrchr(progname, '/');
		log_progname = slash ? slash + 1 : progname;
	}
	log_verbosity = verbosity;
}

void
log_set_verbosity(int v)
{
	log_verbosity = v;
}

static void
log_vwrite(enum log_severity sev, const char *file, int line, const char *errstr,
    const char *fmt, va_list ap)
{
	char buf[4096];
	struct timeval tv;
	struct tm tm;
	const char *base;
	size_t off;
	int n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	base = strrchr(file, '/');
	base = base ? base + 1 : file;
	n = snprintf(buf, sizeof(buf), "%c%02d%02d %02d:%02d:%02d.%06ld %7ld %s:%d] ",
	    (char)sev, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (long)tv.tv_usec, (long)syscall(SYS_gettid), base, line);
	if (n < 0)
		return;
	off = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	n = vsnprintf(buf + off, sizeof(buf) - off, fmt, ap);
	if (n > 0)
		off += (size_t)n < sizeof(buf) - off ? (size_t)n : sizeof(buf) - off - 1;
	if (errstr != NULL && off < sizeof(buf) - 1) {
		n = snprintf(buf + off, sizeof(buf) - off, ": %s", errstr);
		if (n > 0)
			off += (size_t)n < sizeof(buf) - off ? (size_t)n : sizeof(buf) - off - 1;
	}
	if (off >= sizeof(buf) - 1)
		off = sizeof(buf) - 2;
	buf[off++] = '\n';
	if (write(STDERR_FILENO, buf, off) < 0) {
		/* nowhere left to report it */
	}
}

void
log_write(enum log_severity sev, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vwrite(sev, file, line, NULL, fmt, ap);
	va_end(ap);
}

void
log_fatal(int with_errno, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	const char *errstr = with_errno ? strerror(errno) : NULL;

	va_start(ap, fmt);
	log_vwrite(LOG_SEV_FATAL, file, line, errstr, fmt, ap);
	va_end(ap);
	exit(1);
}
