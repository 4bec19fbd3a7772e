/*
 * Command simulator of ckube-kubelet-sim: reads a container's command/args as
 * a small shell script (sleep, exit, true, false; ;, && and ||; sh -c) and
 * evaluates it statically into a run time and an exit code, or "forever".
 * Also parses the Go durations of the sim.ckube.io/ annotations.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/ck.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "sim_spec.h"

#define WORD_MAX	64
#define WORDS_MAX	8

enum sim_op { OP_SEQ, OP_AND, OP_OR };

struct sim_eval {
	int64_t	t_ms;
	int	status;
	bool	simulated;
	bool	forever;	/* sleep infinity */
	bool	exited;		/* `exit` ran: the rest is skipped */
	struct strbuf *echo;	/* NULL, or collects what echo prints */
	const char *resolv;	/* /etc/resolv.conf for cat, or NULL */
};

static const char *
base_name(const char *w)
{
	const char *s = strrchr(w, '/');

	return s != NULL ? s + 1 : w;
}

/* `sleep` operand: seconds with optional s/m/h/d suffix, or infinity. */
int
sim_parse_sleep(const char *w, int64_t *ms, bool *forever)
{
	char *end;
	double v, mult = 1000.0;

	*forever = false;
	if (strcmp(w, "infinity") == 0 || strcmp(w, "inf") == 0) {
		*forever = true;
		return 0;
	}
	errno = 0;
	v = strtod(w, &end);
	if (end == w || errno != 0 || !isfinite(v) || v < 0)
		return CK_EINVALID;
	if (*end == 's')
		end++;
	else if (*end == 'm')
		mult = 60e3, end++;
	else if (*end == 'h')
		mult = 3600e3, end++;
	else if (*end == 'd')
		mult = 86400e3, end++;
	if (*end != '\0' || v * mult > 9e15)
		return CK_EINVALID;
	*ms = (int64_t)(v * mult + 0.5);
	return 0;
}

/* `echo a b` prints "a b" at the current time, unless redirected. */
static void
echo_words(char w[][WORD_MAX], size_t from, size_t nw, struct sim_eval *ev)
{
	size_t i;

	for (i = from; i < nw; i++)
		if (w[i][0] == '>')
			return;		/* echo x > /work/index.html */
	strbuf_addf(ev->echo, "%lld ", (long long)ev->t_ms);
	for (i = from; i < nw; i++)
		strbuf_addf(ev->echo, "%s%s", w[i], i + 1 < nw ? " " : "");
	strbuf_adds(ev->echo, "\n");
}

/* `cat /etc/resolv.conf` prints the pod's resolv settings, line by line. */
static void
cat_file(char w[][WORD_MAX], size_t from, size_t nw, struct sim_eval *ev)
{
	const char *t;
	size_t i, n;

	for (i = from; i < nw; i++) {
		if (strcmp(w[i], "/etc/resolv.conf") != 0)
			continue;
		for (t = ev->resolv; *t != '\0'; t += n + (t[n] == '\n')) {
			n = strcspn(t, "\n");
			strbuf_addf(ev->echo, "%lld %.*s\n", (long long)ev->t_ms,
			    (int)n, t);
		}
	}
}

/* Run one simple command on the evaluation state. */
static int
exec_cmd(char w[][WORD_MAX], size_t nw, struct sim_eval *ev)
{
	const char *cmd;
	size_t i = 0;
	int64_t ms = 0;
	bool forever;
	int64_t code;

	while (i < nw && (strcmp(w[i], "exec") == 0 || strchr(w[i], '=') != NULL))
		i++;		/* `exec sleep 5`, `A=1 sleep 5` */
	if (i >= nw)
		return 0;
	cmd = base_name(w[i]);
	if (strcmp(cmd, "sleep") == 0) {
		if (i + 1 >= nw ||
		    sim_parse_sleep(w[i + 1], &ms, &forever) != 0)
			return CK_EINVALID;
		ev->simulated = true;
		ev->status = 0;
		if (forever)
			ev->forever = true;
		else
			ev->t_ms += ms;
	} else if (strcmp(cmd, "exit") == 0) {
		code = ev->status;
		if (i + 1 < nw && (ck_parse_int64(w[i + 1], &code) != 0 ||
		    code < 0 || code > 255))
			return CK_EINVALID;
		ev->simulated = true;
		ev->status = (int)code;
		ev->exited = true;
	} else if (strcmp(cmd, "true") == 0 || strcmp(cmd, ":") == 0) {
		ev->simulated = true;
		ev->status = 0;
	} else if (strcmp(cmd, "false") == 0) {
		ev->simulated = true;
		ev->status = 1;
	} else if (strcmp(cmd, "echo") == 0 && ev->echo != NULL) {
		echo_words(w, i + 1, nw, ev);
		ev->status = 0;
	} else if (strcmp(cmd, "cat") == 0 && ev->echo != NULL &&
	    ev->resolv != NULL) {
		cat_file(w, i + 1, nw, ev);
		ev->status = 0;
	} else {
		ev->status = 0;
	}
	return 0;
}

/* Whether a command after `op` runs given the previous status. */
static bool
op_runs(enum sim_op op, int status)
{
	if (op == OP_AND)
		return status == 0;
	if (op == OP_OR)
		return status != 0;
	return true;
}

/* Tokenise a shell script and evaluate each simple command in turn. */
static int
eval_script(const char *s, struct sim_eval *ev)
{
	char w[WORDS_MAX][WORD_MAX];
	size_t nw = 0, len = 0;
	bool inword = false;
	enum sim_op op = OP_SEQ, next;
	char q = 0;
	int rc;

	for (;; s++) {
		char c = *s;

		if (q != 0) {
			if (c == '\0')
				return CK_EINVALID;
			if (c == q) {
				q = 0;
				continue;
			}
			if (q == '"' && c == '\\' && s[1] != '\0')
				c = *++s;
			goto addc;
		}
		if (c == '\'' || c == '"') {
			q = c;
			inword = true;
			continue;
		}
		if (c == '\\' && s[1] != '\0') {
			c = *++s;
			goto addc;
		}
		if (c == ' ' || c == '\t') {
			if (inword && nw < ARRAY_SIZE(w)) {
				w[nw][len] = '\0';
				nw++;
			}
			inword = false;
			len = 0;
			continue;
		}
		if (c == '\0' || c == ';' || c == '\n' || c == '&' || c == '|') {
			if (inword && nw < ARRAY_SIZE(w)) {
				w[nw][len] = '\0';
				nw++;
			}
			inword = false;
			len = 0;
			next = OP_SEQ;
			if (c == '&' && s[1] == '&')
				next = OP_AND, s++;
			else if (c == '|' && s[1] == '|')
				next = OP_OR, s++;
			if (nw > 0 && !ev->exited && !ev->forever &&
			    op_runs(op, ev->status)) {
				if ((rc = exec_cmd(w, nw, ev)) != 0)
					return rc;
			}
			if (nw > 0)
				op = next;
			nw = 0;
			if (c == '\0')
				return 0;
			continue;
		}
addc:
		inword = true;
		if (nw < ARRAY_SIZE(w) && len + 1 < WORD_MAX)
			w[nw][len++] = c;
	}
}

static int
eval_argv(const char *const *argv, size_t n, struct sim_eval *ev)
{
	char w[WORDS_MAX][WORD_MAX];
	size_t i, nw = 0;
	const char *sh;

	if (n == 0)
		return 0;
	sh = base_name(argv[0]);
	if ((strcmp(sh, "sh") == 0 || strcmp(sh, "bash") == 0 ||
	    strcmp(sh, "ash") == 0 || strcmp(sh, "dash") == 0) &&
	    n >= 3 && strcmp(argv[1], "-c") == 0)
		return eval_script(argv[2], ev);
	for (i = 0; i < n && nw < ARRAY_SIZE(w); i++, nw++)
		ck_strlcpy(w[nw], argv[i], WORD_MAX);
	return exec_cmd(w, nw, ev);
}

int
sim_spec_eval(const char *const *argv, size_t n, bool is_init,
    struct sim_outcome *out)
{
	struct sim_eval ev = { 0 };
	int rc;

	out->forever = true;
	out->run_ms = 0;
	out->exit_code = 0;
	if ((rc = eval_argv(argv, n, &ev)) != 0)
		return rc;
	if (ev.forever || (!ev.simulated && !is_init))
		return 0;
	out->forever = false;
	out->run_ms = ev.t_ms;
	out->exit_code = ev.simulated ? ev.status : 0;
	return 0;
}

int
sim_spec_output(const char *const *argv, size_t n, const char *resolv,
    struct strbuf *out)
{
	struct sim_eval ev = { 0 };

	ev.echo = out;
	ev.resolv = resolv;
	return eval_argv(argv, n, &ev);
}

int
sim_parse_duration(const char *s, int64_t *ms)
{
	double total = 0, v, unit;
	char *end;

	if (s == NULL || *s == '\0')
		return CK_EINVALID;
	if (strcmp(s, "0") == 0) {
		*ms = 0;
		return 0;
	}
	while (*s != '\0') {
		if (!isdigit((unsigned char)*s) && *s != '.')
			return CK_EINVALID;
		errno = 0;
		v = strtod(s, &end);
		if (end == s || errno != 0)
			return CK_EINVALID;
		s = end;
		if (strncmp(s, "ns", 2) == 0)
			unit = 1e-6, s += 2;
		else if (strncmp(s, "us", 2) == 0)
			unit = 1e-3, s += 2;
		else if (strncmp(s, "ms", 2) == 0)
			unit = 1, s += 2;
		else if (*s == 's')
			unit = 1e3, s++;
		else if (*s == 'm')
			unit = 60e3, s++;
		else if (*s == 'h')
			unit = 3600e3, s++;
		else
			return CK_EINVALID;
		total += v * unit;
		if (total > 9e15)
			return CK_EINVALID;
	}
	*ms = (int64_t)(total + 0.5);
	return 0;
}
