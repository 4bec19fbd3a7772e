/*
 * log.h: klog-format lines on stderr ("I1128 15:12:25.123456    4242 file.c:12] msg").
 * The macros test the verbosity before formatting anything. Thread-safe: each
 * line is written with one write(2).
 */
#ifndef CKUBE_LOG_H
#define CKUBE_LOG_H

#include "ckube/ck.h"

enum log_severity { LOG_SEV_INFO = 'I', LOG_SEV_WARN = 'W', LOG_SEV_ERROR = 'E', LOG_SEV_FATAL = 'F' };

extern int log_verbosity;

/* Set the program name used in fatal messages and the verbosity (--v). */
void	log_init(const char *progname, int verbosity);
void	log_set_verbosity(int v);

/* Write one line; use the macros below instead. */
void	log_write(enum log_severity sev, const char *file, int line, const char *fmt, ...)
	    CK_PRINTF(4, 5);
/* Log at F and exit(1); with_errno appends ": strerror(errno)". */
CK_NORETURN void log_fatal(int with_errno, const char *file, int line, const char *fmt, ...)
	    CK_PRINTF(4, 5);

#define log_error(...)	log_write(LOG_SEV_ERROR, __FILE__, __LINE__, __VA_ARGS__)
#define log_warn(...)	log_write(LOG_SEV_WARN, __FILE__, __LINE__, __VA_ARGS__)
#define log_info(...)	log_write(LOG_SEV_INFO, __FILE__, __LINE__, __VA_ARGS__)
#define log_v(n, ...) \
	do { \
		if (log_verbosity >= (n)) \
			log_write(LOG_SEV_INFO, __FILE__, __LINE__, __VA_ARGS__); \
	} while (0)
/* Only during startup: the daemon cannot run. fatal appends errno. */
#define fatal(...)	log_fatal(1, __FILE__, __LINE__, __VA_ARGS__)
#define fatalx(...)	log_fatal(0, __FILE__, __LINE__, __VA_ARGS__)

#endif
