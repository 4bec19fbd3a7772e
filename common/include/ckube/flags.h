/*
 * flags.h: a declarative flag table in the Kubernetes style (--name=value or
 * --name value; booleans also as --name). flags_parse() fills the variables the
 * table points at, validates everything, and handles --help (generated from
 * the table, grouped, with defaults), --version, and unknown flags (an error).
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

/*
 * Apply every default, then parse argv[1..]. Returns FLAGS_OK, FLAGS_EXIT_OK,
 * or CK_EINVALID after printing "<prog>: <problem>" and a hint to stderr
 * (unknown flag, missing or malformed value, positional argument). tables is
 * an array of ntables flag tables (e.g. common flags + the daemon's own).
 */
int	flags_parse(const struct flags_prog *prog, const struct flag *const *tables,
	    const size_t *ntables, size_t ntables_count, int argc, char *argv[]) CK_MUST_CHECK;

/* Print --help text / a markdown table of the flags (for docs/daemons/). */
void	flags_print_help(FILE *out, const struct flags_prog *prog,
	    const struct flag *const *tables, const size_t *ntables, size_t ntables_count);
void	flags_print_markdown(FILE *out, const struct flags_prog *prog,
	    const struct flag *const *tables, const size_t *ntables, size_t ntables_count);

/* Parse a Go-style duration ("1m30s", "250ms", "0") into milliseconds. */
int	flags_parse_duration_ms(const char *s, int64_t *out_ms) CK_MUST_CHECK;

#endif
