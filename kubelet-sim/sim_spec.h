/*
 * Simulated container behaviour: a container's command/args read as a small
 * shell script, evaluated statically into "run for D ms then exit with C" or
 * "run until stopped"; plus the sim.ckube.io/ annotation values (durations).
 */
#ifndef KUBELET_SIM_SIM_SPEC_H
#define KUBELET_SIM_SIM_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a container does once started. */
struct sim_outcome {
	int64_t	run_ms;		/* time until it exits (when !forever) */
	int	exit_code;	/* its exit status (when !forever) */
	bool	forever;	/* runs until stopped (no simulated step) */
};

/*
 * Evaluate argv (command followed by args, n words, either may be empty) as a
 * script. `sh -c SCRIPT` (sh, bash, /bin/sh...) splits SCRIPT on ;, && and ||
 * with shell quoting. Steps: `sleep S` (seconds, s/m/h suffixes, `infinity`),
 * `exit C`, `true`, `false`; any other command succeeds at once. With no
 * simulated step the container runs forever, unless is_init (then it
 * completes at once with 0). Returns 0 or CK_EINVALID on a malformed script
 * (unbalanced quote, bad sleep or exit operand); out is then left "forever".
 */
int	sim_spec_eval(const char *const *argv, size_t n, bool is_init,
	    struct sim_outcome *out);

struct strbuf;

/*
 * What the script's `echo` commands print, in order, as lines
 * "<ms since start> <text>\n" appended to out (a sleep before an echo
 * delays it); `cat /etc/resolv.conf` prints resolv line by line when it is
 * not NULL. Returns 0 or CK_EINVALID as sim_spec_eval.
 */
int	sim_spec_output(const char *const *argv, size_t n, const char *resolv,
	    struct strbuf *out);

/*
 * A `sleep` operand: seconds with an optional s/m/h/d suffix into *ms, or
 * "infinity" (*forever). Returns 0 or CK_EINVALID.
 */
int	sim_parse_sleep(const char *w, int64_t *ms, bool *forever);

/*
 * Parse a Go duration ("300ms", "1.5s", "2m", "1h30m", "0") into milliseconds.
 * Returns 0 or CK_EINVALID (empty, negative, unknown unit, overflow).
 */
int	sim_parse_duration(const char *s, int64_t *ms);

#endif
