/*
 * flags.h: a declarative flag table in the Kubernetes style (--name=value or
 * --name value; booleans also as --name). flags_parse() fills the variables the
 * table points at, validates everything, and handles --help (generated from
 * the table, grouped, with defaults), --version, --config FILE (a YAML file of
 * the same keys; flags on the command line override it), the hidden
 * --help-markdown (docs/daemons/), and unknown flags (an error).
 */
#ifndef CKUBE_FLAGS_H
#define CKUBE_FLAGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ckube/ck.h"

enum flag_type {
	FLAG_BOOL,	/* int *: 0/1; "--x", "--x=true|false" */
	FLAG_INT,	/* int64_t *: decimal */
	FLAG_STRING,	/* const char **: points into argv or at the default (never freed) */
	FLAG_DURATION,	/* int64_t *: milliseconds; accepts Go durations "500ms", "10s", "1m30s", "2h" */
	FLAG_SIZE,	/* int64_t *: bytes; accepts plain numbers and quantities "3Mi", "1G" */
	FLAG_FLOAT,	/* double *: a finite decimal such as 0.1 or 1e-2 (pflag's float32) */
};

struct flag {
	const char	*name;	/* without the dashes: "bind-address" */
	enum flag_type	 type;
	void		*ptr;
	const char	*def;	/* default as text, parsed like a value; NULL = zero/NULL */
	const char	*group;	/* --help section, e.g. "Generic", "Storage" */
	const char	*help;
};

struct flags_prog {
	const char	*name;		/* "ckube-apiserver" */
	const char	*summary;	/* one line for --help */
	const char	*version;	/* printed by --version */
};

enum {
	FLAGS_OK = 0,		/* parsed; the program goes on */
	FLAGS_EXIT_OK = 1,	/* --help or --version was printed; exit 0 */
};

/* The exit status of every ckube binary on a usage error (pflag's). */
#define FLAGS_EXIT_USAGE 2

/*
 * Apply every default, then the --config file if one is named, then parse
 * argv[1..] (so flags override the file). Returns FLAGS_OK, FLAGS_EXIT_OK
 * (--help, --help-markdown or --version printed to stdout), or CK_EINVALID
 * after printing "<prog>: <problem>" and a hint to stderr (unknown flag,
 * missing or malformed value, positional argument, unreadable or bad config
 * file); the caller then exits with FLAGS_EXIT_USAGE. Nothing is written to
 * the table's variables unless the result is FLAGS_OK. tables is an array of
 * ntables flag tables (e.g. common flags + the daemon's own).
 *
 * The config file is one YAML mapping of flag names (without dashes) to
 * scalars, e.g. "port: 8080", "bind-address: 0.0.0.0", "v: 2"; an empty file
 * sets nothing. Unknown keys, null, list or map values, and several documents
 * are errors. Its strings stay valid until flags_free_config().
 */
int	flags_parse(const struct flags_prog *prog, const struct flag *const *tables,
	    const size_t *ntables, size_t ntables_count, int argc, char *argv[]) CK_MUST_CHECK;

/*
 * After flags_parse() found a bad combination or range: print "<prog>:
 * <problem>" and the --help hint to stderr like flags_parse() does; returns
 * FLAGS_EXIT_USAGE for main() to return.
 */
int	flags_usage_error(const struct flags_prog *prog, const char *fmt, ...)
	    CK_PRINTF(2, 3);

/* Free the strings kept from --config files; string flags set by one dangle. */
void	flags_free_config(void);

/* Print --help text / a markdown table of the flags (for docs/daemons/). */
void	flags_print_help(FILE *out, const struct flags_prog *prog,
	    const struct flag *const *tables, const size_t *ntables, size_t ntables_count);
void	flags_print_markdown(FILE *out, const struct flags_prog *prog,
	    const struct flag *const *tables, const size_t *ntables, size_t ntables_count);

/* Parse a Go-style duration ("1m30s", "250ms", "0") into milliseconds. */
int	flags_parse_duration_ms(const char *s, int64_t *out_ms) CK_MUST_CHECK;

#endif
