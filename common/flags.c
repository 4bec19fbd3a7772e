/*
 * flags.c: the declarative flag tables of every ckube binary. Parses argv the
 * way pflag does for Kubernetes daemons (--name=value, --name value, bare
 * booleans, '_' read as '-'), into a scratch copy that is written to the
 * program's variables only when every argument was good; a --config YAML file
 * fills the scratch copy first. Also renders --help and the markdown flag
 * reference in docs/daemons/ (the hidden --help-markdown).
 */
#include "ckube/flags.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/quantity.h"
#include "ckube/strbuf.h"
#include "ckube/yamljson.h"

/* Largest config file read (a flag file, not a manifest). */
#define CONFIG_MAX_BYTES (1024 * 1024)

/* Strings taken from --config files: string flags point into them. */
static char	**config_strs;
static size_t	  config_nstrs;

union flag_value {
	int		 b;
	int64_t		 i;
	double		 d;
	const char	*s;
};

/* Every flag of every table, in order, and their scratch values. */
struct flag_set {
	const struct flag *const *tables;
	const size_t		 *ntables;
	size_t			  ntables_count;
	const struct flag	**f;
	union flag_value	 *v;
	size_t			  n;
};

static void
set_collect(struct flag_set *fs, const struct flag *const *tables,
    const size_t *ntables, size_t ntables_count)
{
	size_t t, i, total = 0;

	fs->tables = tables;
	fs->ntables = ntables;
	fs->ntables_count = ntables_count;
	for (t = 0; t < ntables_count; t++)
		total += ntables[t];
	fs->f = ck_calloc(total ? total : 1, sizeof(*fs->f));
	fs->v = ck_calloc(total ? total : 1, sizeof(*fs->v));
	fs->n = 0;
	for (t = 0; t < ntables_count; t++)
		for (i = 0; i < ntables[t]; i++)
			fs->f[fs->n++] = &tables[t][i];
}

static void
set_free(struct flag_set *fs)
{
	free(fs->f);
	free(fs->v);
}

/* strconv.ParseBool */
static int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = {
		"1", "t", "T", "TRUE", "true", "True",
	};
	static const char *const no[] = {
		"0", "f", "F", "FALSE", "false", "False",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return CK_EINVALID;
}

/* Nanoseconds in the Go duration unit s[0..len), or 0 if there is none. */
static int64_t
duration_unit_ns(const char *s, size_t len)
{
	static const struct { const char *u; int64_t ns; } units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 },
		{ "\xce\xbcs", 1000 }, { "ms", 1000000 },
		{ "s", INT64_C(1000000000) }, { "m", INT64_C(60000000000) },
		{ "h", INT64_C(3600000000000) },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strlen(units[i].u) == len &&
		    memcmp(s, units[i].u, len) == 0)
			return units[i].ns;
	}
	return 0;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* time.ParseDuration, truncated to milliseconds. */
int
flags_parse_duration_ms(const char *s, int64_t *out_ms)
{
	__int128 total = 0;
	bool neg = false;

	if (s == NULL)
		return CK_EINVALID;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (strcmp(s, "0") == 0) {
		*out_ms = 0;
		return 0;
	}
	if (*s == '\0')
		return CK_EINVALID;
	while (*s != '\0') {
		__int128 whole = 0, frac = 0, scale = 1;
		bool pre = false, post = false;
		size_t ulen = 0;
		int64_t unit;

		if (!(*s == '.' || is_digit(*s)))
			return CK_EINVALID;
		for (; is_digit(*s); s++) {
			whole = whole * 10 + (*s - '0');
			if (whole > INT64_MAX)
				return CK_EINVALID;
			pre = true;
		}
		if (*s == '.') {
			for (s++; is_digit(*s); s++) {
				if (scale < INT64_C(1000000000000000000)) {
					frac = frac * 10 + (*s - '0');
					scale *= 10;
				}
				post = true;
			}
		}
		if (!pre && !post)
			return CK_EINVALID;
		while (s[ulen] != '\0' && s[ulen] != '.' && !is_digit(s[ulen]))
			ulen++;
		if ((unit = duration_unit_ns(s, ulen)) == 0)
			return CK_EINVALID;	/* missing or unknown unit */
		total += whole * unit + frac * unit / scale;
		if (total > INT64_MAX)
			return CK_EINVALID;
		s += ulen;
	}
	total /= 1000000;
	*out_ms = (int64_t)(neg ? -total : total);
	return 0;
}

/* A finite decimal, all of text (strtod, so "0.1", "1e-2", "-3"). */
static int
parse_float(const char *text, double *out)
{
	char *end;
	double d;

	if (*text == '\0' || isspace((unsigned char)*text))
		return CK_EINVALID;
	errno = 0;
	d = strtod(text, &end);
	if (*end != '\0' || errno != 0 || !isfinite(d))
		return CK_EINVALID;
	*out = d;
	return 0;
}

static int
parse_value(const struct flag *f, const char *text, union flag_value *v,
    const char **why)
{
	switch (f->type) {
	case FLAG_BOOL:
		*why = "must be true or false";
		return parse_bool(text, &v->b);
	case FLAG_INT:
		*why = "must be an integer";
		return ck_parse_int64(text, &v->i);
	case FLAG_STRING:
		v->s = text;
		return 0;
	case FLAG_DURATION:
		*why = "must be a duration such as 500ms, 10s, 1m30s or 2h";
		return flags_parse_duration_ms(text, &v->i);
	case FLAG_SIZE:
		*why = "must be a size such as 1024, 64Mi or 1G";
		if (quantity_parse_value(text, &v->i, NULL) < 0 || v->i < 0)
			return CK_EINVALID;
		return 0;
	case FLAG_FLOAT:
		*why = "must be a number such as 0.1";
		return parse_float(text, &v->d);
	}
	*why = "unknown flag type";
	return CK_EINVALID;
}

static const struct flag *
find_flag(const struct flag_set *fs, const char *name, size_t len, size_t *idx)
{
	size_t i, j;

	for (i = 0; i < fs->n; i++) {
		const char *fn = fs->f[i]->name;

		if (strlen(fn) != len)
			continue;
		for (j = 0; j < len; j++) {
			char c = name[j] == '_' ? '-' : name[j];

			if (c != fn[j])
				break;
		}
		if (j == len) {
			*idx = i;
			return fs->f[i];
		}
	}
	return NULL;
}

static int usage_error(const struct flags_prog *prog, const char *fmt, ...)
    CK_PRINTF(2, 3);

/* "<prog>: <problem>" and the hint, on stderr, in one write. */
static void
usage_vprint(const struct flags_prog *prog, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%s: ", prog->name);
	strbuf_vaddf(&sb, fmt, ap);
	strbuf_addf(&sb, "\nRun '%s --help' for usage.\n", prog->name);
	fputs(strbuf_str(&sb), stderr);
	fflush(stderr);
	strbuf_fini(&sb);
}

static int
usage_error(const struct flags_prog *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_vprint(prog, fmt, ap);
	va_end(ap);
	return CK_EINVALID;
}

int
flags_usage_error(const struct flags_prog *prog, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	usage_vprint(prog, fmt, ap);
	va_end(ap);
	return FLAGS_EXIT_USAGE;
}

void
flags_free_config(void)
{
	size_t i;

	for (i = 0; i < config_nstrs; i++)
		free(config_strs[i]);
	free(config_strs);
	config_strs = NULL;
	config_nstrs = 0;
}

/* Keep a copy of s for as long as string flags may point at it. */
static const char *
config_keep(const char *s)
{
	config_strs = ck_reallocarray(config_strs, config_nstrs + 1,
	    sizeof(*config_strs));
	config_strs[config_nstrs] = ck_strdup(s);
	return config_strs[config_nstrs++];
}

/* Read path whole into sb; a message in *why on failure. */
static int
read_file(const char *path, struct strbuf *sb, const char **why)
{
	char buf[4096];
	FILE *f;
	size_t n;
	int rc = 0;

	if ((f = fopen(path, "r")) == NULL) {
		*why = strerror(errno);
		return CK_EINVALID;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		strbuf_add(sb, buf, n);
		if (sb->len > CONFIG_MAX_BYTES) {
			*why = "larger than 1 MiB";
			rc = CK_EINVALID;
			break;
		}
	}
	if (rc == 0 && ferror(f)) {
		*why = strerror(errno);
		rc = CK_EINVALID;
	}
	fclose(f);
	return rc;
}

static int
config_doc(struct cJSON *doc, void *arg)
{
	struct cJSON **out = arg;

	if (*out != NULL) {
		cJSON_Delete(doc);
		return CK_EINVALID;
	}
	*out = doc;
	return 0;
}

/* The text of a YAML scalar as a flag value, or NULL if it is not one. */
static const char *
config_value_text(const struct cJSON *item, char *num, size_t numlen)
{
	double d;

	if (cJSON_IsString(item))
		return item->valuestring;
	if (cJSON_IsBool(item))
		return cJSON_IsTrue(item) ? "true" : "false";
	if (!cJSON_IsNumber(item))
		return NULL;
	d = item->valuedouble;
	if (d == floor(d) && fabs(d) < 9007199254740992.0)
		snprintf(num, numlen, "%lld", (long long)d);
	else
		snprintf(num, numlen, "%.17g", d);
	return num;
}

/* Set the scratch values from the YAML mapping in path. */
static int
load_config(const struct flags_prog *prog, const struct flag_set *fs,
    const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	struct ck_status st;
	struct cJSON *doc = NULL;
	const struct cJSON *item;
	const char *why = "", *text;
	char num[64];
	size_t idx;
	int rc;

	if (read_file(path, &sb, &why) < 0) {
		rc = usage_error(prog, "--config %s: %s", path, why);
		goto out;
	}
	ck_status_clear(&st);
	rc = yamljson_parse(strbuf_str(&sb), sb.len, config_doc, &doc,
	    &st);
	if (rc == CK_EINVALID) {
		rc = usage_error(prog,
		    "--config %s: more than one YAML document", path);
		goto out;
	}
	if (rc < 0) {
		rc = usage_error(prog, "--config %s: %s", path, st.message);
		goto out;
	}
	if (doc == NULL)
		goto out;	/* empty file: nothing set */
	if (!cJSON_IsObject(doc)) {
		rc = usage_error(prog, "--config %s: want a mapping of flag "
		    "names to values", path);
		goto out;
	}
	cJSON_ArrayForEach(item, doc) {
		const char *key = item->string;
		const struct flag *f;

		if (strcmp(key, "config") == 0 || strcmp(key, "help") == 0 ||
		    strcmp(key, "version") == 0 ||
		    strcmp(key, "help-markdown") == 0) {
			rc = usage_error(prog, "--config %s: \"%s\" is not "
			    "allowed in a config file", path, key);
			goto out;
		}
		f = find_flag(fs, key, strlen(key), &idx);
		if (f == NULL) {
			rc = usage_error(prog,
			    "--config %s: unknown flag \"%s\"", path, key);
			goto out;
		}
		text = config_value_text(item, num, sizeof(num));
		if (text == NULL) {
			rc = usage_error(prog, "--config %s: \"%s\" needs a "
			    "single value (write \"\" for an empty string)",
			    path, key);
			goto out;
		}
		if (f->type == FLAG_STRING)
			text = config_keep(text);
		if (parse_value(f, text, &fs->v[idx], &why) < 0) {
			rc = usage_error(prog, "--config %s: invalid value "
			    "\"%s\" for \"%s\": %s", path, text, key, why);
			goto out;
		}
	}
	rc = 0;
out:
	cJSON_Delete(doc);
	strbuf_fini(&sb);
	return rc;
}

static void
commit(const struct flag_set *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++) {
		const struct flag *f = fs->f[i];

		if (f->ptr == NULL)
			continue;
		switch (f->type) {
		case FLAG_BOOL:
			*(int *)f->ptr = fs->v[i].b;
			break;
		case FLAG_INT:
		case FLAG_DURATION:
		case FLAG_SIZE:
			*(int64_t *)f->ptr = fs->v[i].i;
			break;
		case FLAG_STRING:
			*(const char **)f->ptr = fs->v[i].s;
			break;
		case FLAG_FLOAT:
			*(double *)f->ptr = fs->v[i].d;
			break;
		}
	}
}

/* Parse argv into the scratch values; *config is the last --config value. */
static int
parse_args(const struct flags_prog *prog, const struct flag_set *fs, int argc,
    char *argv[], const char **config)
{
	const struct flag *f;
	const char *why = "";
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *name, *eq, *val;
		size_t nlen, idx;

		if (strcmp(a, "--") == 0) {
			if (i + 1 < argc)
				return usage_error(prog,
				    "unexpected argument \"%s\"", argv[i + 1]);
			break;
		}
		if (a[0] != '-' || a[1] == '\0')
			return usage_error(prog, "unexpected argument \"%s\"",
			    a);
		name = a[1] == '-' ? a + 2 : a + 1;
		if (name[0] == '\0' || name[0] == '-' || name[0] == '=')
			return usage_error(prog, "bad flag syntax: %s", a);
		eq = strchr(name, '=');
		nlen = eq ? (size_t)(eq - name) : strlen(name);
		val = eq ? eq + 1 : NULL;
		if (nlen == 13 && memcmp(name, "help-markdown", 13) == 0) {
			flags_print_markdown(stdout, prog, fs->tables,
			    fs->ntables, fs->ntables_count);
			fflush(stdout);
			return FLAGS_EXIT_OK;
		}
		if (nlen == 6 && memcmp(name, "config", 6) == 0) {
			if (val == NULL && i + 1 >= argc)
				return usage_error(prog,
				    "flag needs an argument: --config");
			*config = val ? val : argv[++i];
			if ((*config)[0] == '\0')
				return usage_error(prog,
				    "--config needs a file name");
			continue;
		}
		if ((nlen == 4 && memcmp(name, "help", 4) == 0) ||
		    (nlen == 1 && name[0] == 'h')) {
			flags_print_help(stdout, prog, fs->tables, fs->ntables,
			    fs->ntables_count);
			return FLAGS_EXIT_OK;
		}
		if (nlen == 7 && memcmp(name, "version", 7) == 0) {
			printf("%s %s\n", prog->name,
			    prog->version ? prog->version : "unknown");
			return FLAGS_EXIT_OK;
		}
		f = find_flag(fs, name, nlen, &idx);
		if (f == NULL)
			return usage_error(prog, "unknown flag: %s", a);
		if (val == NULL && f->type == FLAG_BOOL)
			val = "true";
		if (val == NULL) {
			if (i + 1 >= argc)
				return usage_error(prog,
				    "flag needs an argument: --%s", f->name);
			val = argv[++i];
		}
		if (parse_value(f, val, &fs->v[idx], &why) < 0)
			return usage_error(prog,
			    "invalid argument \"%s\" for \"--%s\" flag: %s",
			    val, f->name, why);
	}
	return FLAGS_OK;
}

int
flags_parse(const struct flags_prog *prog, const struct flag *const *tables,
    const size_t *ntables, size_t ntables_count, int argc, char *argv[])
{
	struct flag_set fs;
	const char *why = "", *config = NULL;
	size_t i;
	int rc = FLAGS_OK;

	set_collect(&fs, tables, ntables, ntables_count);
	for (i = 0; i < fs.n; i++) {
		const struct flag *f = fs.f[i];

		if (f->def == NULL)
			continue;
		if (parse_value(f, f->def, &fs.v[i], &why) < 0) {
			fprintf(stderr, "%s: bad default \"%s\" for --%s: %s\n",
			    prog->name, f->def, f->name, why);
			rc = CK_EINVALID;
			goto out;
		}
	}
	rc = parse_args(prog, &fs, argc, argv, &config);
	if (rc == FLAGS_OK && config != NULL) {
		/* the file, then the flags again over it: flags win */
		rc = load_config(prog, &fs, config);
		if (rc == 0)
			rc = parse_args(prog, &fs, argc, argv, &config);
	}
	if (rc == FLAGS_OK)
		commit(&fs);
out:
	set_free(&fs);
	return rc;
}

static const char *
type_name(enum flag_type t)
{
	switch (t) {
	case FLAG_BOOL:
		return "";
	case FLAG_INT:
		return "int";
	case FLAG_STRING:
		return "string";
	case FLAG_DURATION:
		return "duration";
	case FLAG_SIZE:
		return "quantity";
	case FLAG_FLOAT:
		return "float32";
	}
	return "";
}

/* The default worth showing, or NULL (pflag hides zero values). */
static const char *
shown_default(const struct flag *f)
{
	if (f->def == NULL || f->def[0] == '\0')
		return NULL;
	if (f->type == FLAG_BOOL && strcmp(f->def, "false") == 0)
		return NULL;
	if (f->type != FLAG_STRING && strcmp(f->def, "0") == 0)
		return NULL;
	return f->def;
}

/* The groups in order of first appearance; returns how many (<= fs->n). */
static size_t
collect_groups(const struct flag_set *fs, const char **groups)
{
	size_t i, j, n = 0;

	for (i = 0; i < fs->n; i++) {
		const char *g = fs->f[i]->group ? fs->f[i]->group : "General";

		for (j = 0; j < n; j++)
			if (strcmp(groups[j], g) == 0)
				break;
		if (j == n)
			groups[n++] = g;
	}
	return n;
}

static bool
in_group(const struct flag *f, const char *g)
{
	return strcmp(f->group ? f->group : "General", g) == 0;
}

static void
help_line(struct strbuf *sb, size_t width, const char *left, const char *help,
    const struct flag *f)
{
	const char *def = f ? shown_default(f) : NULL;
	size_t pad = width - strlen(left);

	strbuf_addf(sb, "%s%*s%s", left, (int)pad + 3, "", help ? help : "");
	if (def != NULL && f->type == FLAG_STRING)
		strbuf_addf(sb, " (default \"%s\")", def);
	else if (def != NULL)
		strbuf_addf(sb, " (default %s)", def);
	strbuf_addc(sb, '\n');
}

void
flags_print_help(FILE *out, const struct flags_prog *prog,
    const struct flag *const *tables, const size_t *ntables,
    size_t ntables_count)
{
	struct strbuf sb = STRBUF_INIT;
	struct flag_set fs;
	const char **groups;
	char **lefts;
	size_t i, g, ng, width = strlen("  -h, --help");

	set_collect(&fs, tables, ntables, ntables_count);
	groups = ck_calloc(fs.n + 1, sizeof(*groups));
	lefts = ck_calloc(fs.n + 1, sizeof(*lefts));
	for (i = 0; i < fs.n; i++) {
		const char *t = type_name(fs.f[i]->type);

		lefts[i] = ck_asprintf("      --%s%s%s", fs.f[i]->name,
		    t[0] ? " " : "", t);
		if (strlen(lefts[i]) > width)
			width = strlen(lefts[i]);
	}
	strbuf_addf(&sb, "%s - %s\n\nUsage:\n  %s [flags]\n", prog->name,
	    prog->summary ? prog->summary : "", prog->name);
	ng = collect_groups(&fs, groups);
	for (g = 0; g < ng; g++) {
		strbuf_addf(&sb, "\n%s flags:\n", groups[g]);
		for (i = 0; i < fs.n; i++)
			if (in_group(fs.f[i], groups[g]))
				help_line(&sb, width, lefts[i], fs.f[i]->help,
				    fs.f[i]);
	}
	strbuf_adds(&sb, "\nOther flags:\n");
	help_line(&sb, width, "      --config string",
	    "read flags from this YAML file (name: value); flags given here "
	    "override it", NULL);
	help_line(&sb, width, "  -h, --help", "print this help and exit", NULL);
	help_line(&sb, width, "      --version",
	    "print version information and exit", NULL);
	fputs(strbuf_str(&sb), out);
	fflush(out);
	for (i = 0; i < fs.n; i++)
		free(lefts[i]);
	free(lefts);
	free(groups);
	strbuf_fini(&sb);
	set_free(&fs);
}

/* Text for a markdown table cell: '|' escaped, newlines as spaces. */
static void
md_cell(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

void
flags_print_markdown(FILE *out, const struct flags_prog *prog,
    const struct flag *const *tables, const size_t *ntables,
    size_t ntables_count)
{
	static const char table_head[] =
	    "| Flag | Type | Default | Description |\n|---|---|---|---|\n";
	struct flag_set fs;
	const char **groups;
	size_t i, g, ng;

	set_collect(&fs, tables, ntables, ntables_count);
	groups = ck_calloc(fs.n + 1, sizeof(*groups));
	fprintf(out, "# %s\n\n", prog->name);
	if (prog->summary != NULL)
		fprintf(out, "%s\n\n", prog->summary);
	fprintf(out, "Usage: `%s [flags]`. Flags take `--name=value` or "
	    "`--name value`; a boolean flag alone means true.\n", prog->name);
	ng = collect_groups(&fs, groups);
	for (g = 0; g < ng; g++) {
		fprintf(out, "\n## %s flags\n\n%s", groups[g], table_head);
		for (i = 0; i < fs.n; i++) {
			const struct flag *f = fs.f[i];
			const char *def = shown_default(f);

			if (!in_group(f, groups[g]))
				continue;
			fprintf(out, "| `--%s` | %s | ", f->name,
			    f->type == FLAG_BOOL ? "bool" : type_name(f->type));
			if (def != NULL) {
				fputc('`', out);
				md_cell(out, def);
				fputc('`', out);
			}
			fputs(" | ", out);
			md_cell(out, f->help);
			fputs(" |\n", out);
		}
	}
	fprintf(out, "\n## Other flags\n\n%s", table_head);
	fprintf(out, "| `--config` | string |  | read flags from this YAML "
	    "file (`name: value` lines); flags on the command line override "
	    "it |\n");
	fprintf(out, "| `-h`, `--help` | bool |  | print the help and exit |\n"
	    "| `--version` | bool |  | print version information and exit |\n");
	free(groups);
	set_free(&fs);
}
