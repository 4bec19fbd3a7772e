/*
 * exec_sim.c: the commands of a simulated container (exec_sim.h). Words are
 * bounded (EXEC_WORDS_MAX words of EXEC_WORD_MAX bytes, longer ones are
 * cut), output goes straight to the client, and every wait (sleep, stdin)
 * ends when the client goes away. Messages are the ones dash and GNU
 * coreutils print, so scripts and eyes see what a real container shows.
 */
#include "exec_sim.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckube/ck.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "sim_spec.h"

#define EXEC_WORDS_MAX	64
#define EXEC_WORD_MAX	4096
#define EXEC_IO_BLOCK	4096

struct run {
	const struct exec_env	*env;
	const struct exec_io	*io;
	int			 status;
	bool			 exited;	/* `exit` ran */
	bool			 gone;		/* the client went away */
	bool			 in_sh;		/* messages as sh prints them */
	bool			 unsupported;	/* tar ran */
	int			 to[3];		/* redirections: 1, 2 or 0 (none) */
};

static const char *const root_dirs[] = { "bin", "dev", "etc", "home",
	"lib", "proc", "root", "sys", "tmp", "usr", "var" };
static const char *const etc_files[] = { "hostname", "hosts",
	"resolv.conf" };

static const char *
base_name(const char *w)
{
	const char *s = strrchr(w, '/');

	return s != NULL ? s + 1 : w;
}

static void
put(struct run *r, int stream, const char *p, size_t n)
{
	stream = r->to[stream];
	if (r->gone || n == 0 || stream == 0)
		return;
	if (r->io->write(r->io->arg, stream, p, n) < 0)
		r->gone = true;
}

static void CK_PRINTF(3, 4)
putf(struct run *r, int stream, const char *fmt, ...)
{
	struct strbuf b;
	va_list ap;

	strbuf_init(&b);
	va_start(ap, fmt);
	strbuf_vaddf(&b, fmt, ap);
	va_end(ap);
	put(r, stream, b.buf, b.len);
	strbuf_fini(&b);
}

/* The value of variable name (len bytes), or NULL. */
static const char *
var_get(const struct run *r, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < r->env->nvars; i++)
		if (strncmp(r->env->vars[i], name, len) == 0 &&
		    r->env->vars[i][len] == '=')
			return r->env->vars[i] + len + 1;
	return NULL;
}

/* The text of file path, or NULL when the container has no such file. */
static const char *
file_text(const struct run *r, const char *path, struct strbuf *tmp)
{
	if (strcmp(path, "/etc/hostname") == 0) {
		strbuf_addf(tmp, "%s\n", r->env->hostname);
		return tmp->buf;
	}
	if (strcmp(path, "/etc/resolv.conf") == 0)
		return r->env->resolv;
	if (strcmp(path, "/etc/hosts") == 0)
		return r->env->hosts;
	return NULL;
}

static void
copy_stdin(struct run *r)
{
	char buf[EXEC_IO_BLOCK];
	long n;

	while (!r->gone) {
		n = r->io->read(r->io->arg, buf, sizeof(buf));
		if (n < 0)
			r->gone = true;
		if (n <= 0)
			return;
		put(r, 1, buf, (size_t)n);
	}
}

static int
cmd_cat(struct run *r, const char *const *w, size_t nw)
{
	struct strbuf tmp;
	const char *t;
	size_t i;
	int rc = 0;

	if (nw == 1) {
		copy_stdin(r);
		return 0;
	}
	strbuf_init(&tmp);
	for (i = 1; i < nw; i++) {
		if (strcmp(w[i], "-") == 0) {
			copy_stdin(r);
			continue;
		}
		strbuf_reset(&tmp);
		t = file_text(r, w[i], &tmp);
		if (t != NULL) {
			put(r, 1, t, strlen(t));
		} else if (strcmp(w[i], "/") == 0 || strcmp(w[i], "/etc") ==
		    0) {
			putf(r, 2, "cat: %s: Is a directory\n", w[i]);
			rc = 1;
		} else {
			putf(r, 2, "cat: %s: No such file or directory\n",
			    w[i]);
			rc = 1;
		}
	}
	strbuf_fini(&tmp);
	return rc;
}

static void
list(struct run *r, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		putf(r, 1, "%s\n", names[i]);
}

static int
cmd_ls(struct run *r, const char *const *w, size_t nw)
{
	struct strbuf tmp;
	size_t i, paths = 0;
	int rc = 0;

	strbuf_init(&tmp);
	for (i = 1; i < nw; i++) {
		if (w[i][0] == '-' && w[i][1] != '\0')
			continue;	/* options change nothing here */
		paths++;
		if (strcmp(w[i], "/") == 0 || strcmp(w[i], ".") == 0)
			list(r, root_dirs, ARRAY_SIZE(root_dirs));
		else if (strcmp(w[i], "/etc") == 0 ||
		    strcmp(w[i], "/etc/") == 0)
			list(r, etc_files, ARRAY_SIZE(etc_files));
		else if (file_text(r, w[i], &tmp) != NULL)
			putf(r, 1, "%s\n", w[i]);
		else {
			putf(r, 2, "ls: %s: No such file or directory\n",
			    w[i]);
			rc = 1;
		}
	}
	if (paths == 0)
		list(r, root_dirs, ARRAY_SIZE(root_dirs));
	strbuf_fini(&tmp);
	return rc;
}

static int
cmd_echo(struct run *r, const char *const *w, size_t nw)
{
	size_t i = 1;
	bool nl = true;

	for (; i < nw && (strcmp(w[i], "-n") == 0 || strcmp(w[i], "-e") ==
	    0 || strcmp(w[i], "-E") == 0); i++)
		if (strcmp(w[i], "-n") == 0)
			nl = false;
	for (; i < nw; i++)
		putf(r, 1, "%s%s", w[i], i + 1 < nw ? " " : "");
	if (nl)
		put(r, 1, "\n", 1);
	return 0;
}

static int
cmd_env(struct run *r, const char *const *w, size_t nw, bool printenv)
{
	const char *v;
	size_t i;
	int rc = 0;

	if (nw == 1) {
		for (i = 0; i < r->env->nvars; i++)
			putf(r, 1, "%s\n", r->env->vars[i]);
		return 0;
	}
	if (!printenv) {
		putf(r, 2, "env: '%s': No such file or directory\n", w[1]);
		return 127;
	}
	for (i = 1; i < nw; i++) {
		v = var_get(r, w[i], strlen(w[i]));
		if (v == NULL)
			rc = 1;
		else
			putf(r, 1, "%s\n", v);
	}
	return rc;
}

static int
cmd_sleep(struct run *r, const char *const *w, size_t nw)
{
	int64_t ms = 0;
	bool forever;

	if (nw < 2) {
		putf(r, 2, "sleep: missing operand\n");
		return 1;
	}
	if (sim_parse_sleep(w[1], &ms, &forever) != 0) {
		putf(r, 2, "sleep: invalid time interval '%s'\n", w[1]);
		return 1;
	}
	if (forever || ms > EXEC_SLEEP_MAX_MS)
		ms = EXEC_SLEEP_MAX_MS;
	if (r->io->sleep(r->io->arg, ms) < 0)
		r->gone = true;
	return 0;
}

static int
cmd_exit(struct run *r, const char *const *w, size_t nw)
{
	int64_t code = r->status;

	r->exited = true;
	if (nw < 2)
		return (int)code;
	if (ck_parse_int64(w[1], &code) != 0 || code < 0) {
		putf(r, 2, "sh: 1: exit: Illegal number: %s\n", w[1]);
		return 2;
	}
	return (int)(code & 255);
}

static int run_script(struct run *r, const char *s);

/* sh: -c SCRIPT, or the script read from stdin (kubectl exec -i p -- sh). */
static int
cmd_sh(struct run *r, const char *const *w, size_t nw)
{
	struct strbuf script;
	char buf[EXEC_IO_BLOCK];
	bool saved = r->in_sh;
	long n;
	int rc;

	if (nw >= 2 && strcmp(w[1], "-c") == 0) {
		if (nw < 3) {
			putf(r, 2, "sh: 0: -c requires an argument\n");
			return 2;
		}
		r->in_sh = true;
		rc = run_script(r, w[2]);
		r->in_sh = saved;
		r->exited = false;
		return rc;
	}
	strbuf_init(&script);
	while (!r->gone && script.len < EXEC_SCRIPT_MAX) {
		n = r->io->read(r->io->arg, buf, sizeof(buf));
		if (n < 0)
			r->gone = true;
		if (n <= 0)
			break;
		strbuf_add(&script, buf, (size_t)n);
	}
	r->in_sh = true;
	rc = r->gone ? 0 : run_script(r, strbuf_str(&script));
	r->in_sh = saved;
	r->exited = false;
	strbuf_fini(&script);
	return rc;
}

/*
 * What kubectl cp runs. Copying into the pod streams an archive on stdin:
 * it is read to its end first, so the client is not cut off mid-write.
 */
static int
cmd_tar(struct run *r)
{
	char buf[EXEC_IO_BLOCK];
	long n;

	while ((n = r->io->read(r->io->arg, buf, sizeof(buf))) > 0)
		;
	if (n < 0) {
		r->gone = true;
		return 2;
	}
	putf(r, 2, "%s\n", EXEC_CP_MSG);
	r->unsupported = true;
	return 2;
}

static bool
is_shell(const char *cmd)
{
	return strcmp(cmd, "sh") == 0 || strcmp(cmd, "bash") == 0 ||
	    strcmp(cmd, "ash") == 0 || strcmp(cmd, "dash") == 0;
}

static int run_cmd(struct run *r, const char *const *w, size_t nw);

/*
 * A redirection word of sh (">&2", "2>&1", "> /dev/null", "2>file"): applied
 * to r->to, *used set to the words it took; false when w[0] is none. A file
 * other than /dev/null cannot be created (the simulated disk is read-only).
 */
static bool
redirect(struct run *r, const char *const *w, size_t nw, size_t *used,
    bool *bad)
{
	const char *s = w[0], *target;
	int fd = 1;

	if (s[0] == '1' || s[0] == '2')
		fd = *s++ - '0';
	if (s[0] != '>')
		return false;
	s += s[1] == '>' ? 2 : 1;
	*used = 1;
	target = s;
	if (*target == '\0') {
		if (nw < 2)
			return false;
		target = w[1];
		*used = 2;
	}
	if (strcmp(target, "&1") == 0 || strcmp(target, "&2") == 0)
		r->to[fd] = r->to[target[1] - '0'];
	else if (strcmp(target, "/dev/null") == 0)
		r->to[fd] = 0;
	else {
		putf(r, 2, "sh: 1: cannot create %s: Read-only file system\n",
		    target);
		*bad = true;
	}
	return true;
}

/* One simple command with its redirections: its status. */
static int
run_words(struct run *r, const char *const *w, size_t nw)
{
	const char *v[EXEC_WORDS_MAX];
	int saved[3];
	size_t i, n = 0, used;
	bool bad = false;
	int rc;

	if (!r->in_sh)
		return run_cmd(r, w, nw);
	memcpy(saved, r->to, sizeof(saved));
	for (i = 0; i < nw && n < EXEC_WORDS_MAX; i += used) {
		used = 1;
		if (!redirect(r, w + i, nw - i, &used, &bad))
			v[n++] = w[i];
	}
	rc = bad ? 2 : run_cmd(r, v, n);
	memcpy(r->to, saved, sizeof(saved));
	return rc;
}

/* One simple command: its status. */
static int
run_cmd(struct run *r, const char *const *w, size_t nw)
{
	const char *cmd;

	while (nw > 0 && strchr(w[0], '=') != NULL && w[0][0] != '=')
		w++, nw--;		/* A=1 cmd: the assignment is dropped */
	if (nw > 0 && strcmp(w[0], "exec") == 0)
		w++, nw--;
	if (nw == 0)
		return r->status;
	cmd = base_name(w[0]);
	if (strcmp(cmd, "echo") == 0)
		return cmd_echo(r, w, nw);
	if (strcmp(cmd, "true") == 0 || strcmp(cmd, ":") == 0)
		return 0;
	if (strcmp(cmd, "false") == 0)
		return 1;
	if (strcmp(cmd, "exit") == 0)
		return cmd_exit(r, w, nw);
	if (strcmp(cmd, "env") == 0 || strcmp(cmd, "printenv") == 0)
		return cmd_env(r, w, nw, strcmp(cmd, "printenv") == 0);
	if (strcmp(cmd, "hostname") == 0) {
		putf(r, 1, "%s\n", r->env->hostname);
		return 0;
	}
	if (strcmp(cmd, "pwd") == 0) {
		put(r, 1, "/\n", 2);
		return 0;
	}
	if (strcmp(cmd, "whoami") == 0) {
		put(r, 1, "root\n", 5);
		return 0;
	}
	if (strcmp(cmd, "cat") == 0)
		return cmd_cat(r, w, nw);
	if (strcmp(cmd, "ls") == 0)
		return cmd_ls(r, w, nw);
	if (strcmp(cmd, "sleep") == 0)
		return cmd_sleep(r, w, nw);
	if (is_shell(cmd))
		return cmd_sh(r, w, nw);
	if (strcmp(cmd, "tar") == 0)
		return cmd_tar(r);
	if (r->in_sh)
		putf(r, 2, "sh: 1: %s: not found\n", w[0]);
	else
		putf(r, 2, "exec: \"%s\": executable file not found in "
		    "$PATH\n", w[0]);
	return 127;
}

/* ---- scripts: words, quoting, $VAR, and ;, &&, || between commands ---- */

struct words {
	struct strbuf	w[EXEC_WORDS_MAX];
	const char	*v[EXEC_WORDS_MAX];
	size_t		n;
	bool		inword;
};

static void
word_addc(struct words *ws, char c)
{
	ws->inword = true;
	if (ws->n < EXEC_WORDS_MAX && ws->w[ws->n].len < EXEC_WORD_MAX)
		strbuf_add(&ws->w[ws->n], &c, 1);
}

static void
word_adds(struct words *ws, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		word_addc(ws, *s);
	ws->inword = true;
}

static void
word_end(struct words *ws)
{
	if (ws->inword && ws->n < EXEC_WORDS_MAX)
		ws->n++;
	ws->inword = false;
}

/* The word being read ends with '>' (a redirection to an fd follows). */
static bool
after_gt(const struct words *ws)
{
	const struct strbuf *b = &ws->w[ws->n];

	return ws->inword && ws->n < EXEC_WORDS_MAX && b->len > 0 &&
	    b->buf[b->len - 1] == '>';
}

/* $NAME, ${NAME}, $? or $$ at s (s[0] == '$'); returns the bytes used. */
static size_t
expand(struct run *r, const char *s, struct words *ws)
{
	char num[16];
	size_t n;

	if (s[1] == '?' || s[1] == '$') {
		snprintf(num, sizeof(num), "%d", s[1] == '?' ? r->status : 1);
		word_adds(ws, num);
		return 2;
	}
	if (s[1] == '{') {
		n = strcspn(s + 2, "}");
		if (s[2 + n] == '}') {
			word_adds(ws, var_get(r, s + 2, n));
			return n + 3;
		}
	}
	for (n = 1; s[n] == '_' || (s[n] >= 'A' && s[n] <= 'Z') ||
	    (s[n] >= 'a' && s[n] <= 'z') || (n > 1 && s[n] >= '0' &&
	    s[n] <= '9'); n++)
		;
	if (n == 1) {
		word_addc(ws, '$');
		return 1;
	}
	word_adds(ws, var_get(r, s + 1, n - 1));
	return n;
}

enum op { OP_SEQ, OP_AND, OP_OR };

/* Run the words collected so far if op lets them; reset the list. */
static void
flush(struct run *r, struct words *ws, enum op op)
{
	size_t i;

	word_end(ws);
	for (i = 0; i < ws->n; i++)
		ws->v[i] = strbuf_str(&ws->w[i]);
	if (ws->n > 0 && !r->exited && !r->gone &&
	    (op == OP_SEQ || (op == OP_AND) == (r->status == 0)))
		r->status = run_words(r, ws->v, ws->n);
	for (i = 0; i < EXEC_WORDS_MAX; i++)
		strbuf_reset(&ws->w[i]);
	ws->n = 0;
}

static int
run_script(struct run *r, const char *s)
{
	struct words *ws = calloc(1, sizeof(*ws));
	enum op op = OP_SEQ;
	char q = 0, c;
	size_t i;
	bool had;

	if (ws == NULL)
		return 1;
	for (i = 0; i < EXEC_WORDS_MAX; i++)
		strbuf_init(&ws->w[i]);
	for (;; s++) {
		c = *s;
		if (q != 0 && c == '\0') {
			putf(r, 2, "sh: 1: Syntax error: Unterminated quoted "
			    "string\n");
			r->status = 2;
			break;
		}
		if (q == '\'') {
			if (c == '\'')
				q = 0;
			else
				word_addc(ws, c);
			continue;
		}
		if (q == '"') {
			if (c == '"')
				q = 0;
			else if (c == '$')
				s += expand(r, s, ws) - 1;
			else if (c == '\\' && strchr("\"\\$`", s[1]) != NULL &&
			    s[1] != '\0')
				word_addc(ws, *++s);
			else
				word_addc(ws, c);
			continue;
		}
		if (c == '\'' || c == '"') {
			q = c;
			ws->inword = true;
		} else if (c == '\\' && s[1] != '\0') {
			word_addc(ws, *++s);
		} else if (c == '$') {
			s += expand(r, s, ws) - 1;
		} else if (c == ' ' || c == '\t') {
			word_end(ws);
		} else if (c == '#' && !ws->inword) {
			s += strcspn(s, "\n") - 1;
		} else if (c == '&' && after_gt(ws)) {
			word_addc(ws, c);	/* >&2, 2>&1 */
		} else if (c == '|' && s[1] != '|') {
			putf(r, 2, "sh: 1: pipelines are not simulated\n");
			r->status = 2;
			break;
		} else if (c == '\0' || c == ';' || c == '\n' || c == '&' ||
		    c == '|') {
			had = ws->inword || ws->n > 0;
			flush(r, ws, op);
			if (had)
				op = OP_SEQ;
			if (c == '&' && s[1] == '&')
				op = OP_AND, s++;
			else if (c == '|')
				op = OP_OR, s++;
			if (c == '\0')
				break;
		} else {
			word_addc(ws, c);
		}
	}
	for (i = 0; i < EXEC_WORDS_MAX; i++)
		strbuf_fini(&ws->w[i]);
	free(ws);
	return r->status;
}

int
exec_sim_run(const struct exec_env *env, const char *const *argv, size_t n,
    const struct exec_io *io)
{
	struct run r = { .env = env, .io = io, .to = { 0, 1, 2 } };

	r.status = run_words(&r, argv, n);
	if (r.gone)
		return EXEC_GONE;
	return r.unsupported ? EXEC_NOT_SIMULATED : r.status;
}
