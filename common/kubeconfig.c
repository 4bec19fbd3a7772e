/*
 * kubeconfig.c: read a kubeconfig file (YAML, decoded by yamljson) and pick
 * what the current context names: the cluster's server and CA, the user's
 * credentials and the namespace. Using them over HTTP is client.c's job.
 */
#include "ckube/kubeconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/strbuf.h"
#include "ckube/yamljson.h"

#define KUBECONFIG_MAX_FILE	(4u << 20)	/* bigger: refused */
#define KUBECONFIG_MAX_TOKEN	(64u << 10)

static const char *
str_of(const cJSON *obj, const char *name)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

	return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* Read a whole file into *out (NUL-terminated; free it). */
static int
read_file(const char *path, size_t max, char **out, size_t *lenp,
    const char *what, struct ck_status *st)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	FILE *fp;
	size_t n;
	int rc = 0;

	*out = NULL;
	fp = fopen(path, "r");
	if (fp == NULL)
		return ck_status_set(st, errno == ENOENT ? CK_ENOTFOUND :
		    CK_EIO, "%s %s: %s", what, path, strerror(errno));
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		if (sb.len + n > max) {
			rc = ck_status_set(st, CK_EIO,
			    "%s %s: larger than %zu bytes", what, path,
			    (size_t)max);
			goto out;
		}
		strbuf_add(&sb, buf, n);
	}
	if (ferror(fp)) {
		rc = ck_status_set(st, CK_EIO, "%s %s: read error", what, path);
		goto out;
	}
	*out = strbuf_detach(&sb, lenp);
out:
	fclose(fp);
	strbuf_fini(&sb);
	return rc;
}

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode standard base64 (whitespace ignored, padding optional). */
static int
b64_decode(const char *s, char **out, size_t *lenp)
{
	size_t n = strlen(s), o = 0;
	unsigned int acc = 0;
	int bits = 0, pad = 0, v;
	char *d;

	d = ck_malloc(n / 4 * 3 + 4);
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t')
			continue;
		if (*s == '=') {
			pad++;
			continue;
		}
		v = b64_value((unsigned char)*s);
		if (v < 0 || pad > 0)
			goto bad;
		acc = (acc << 6) | (unsigned int)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			d[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	/* 6 leftover bits cannot encode a byte; leftovers must be zero. */
	if (bits >= 6 || pad > 2 || (acc & ((1u << bits) - 1)) != 0)
		goto bad;
	d[o] = '\0';
	*out = d;
	*lenp = o;
	return 0;
bad:
	free(d);
	return CK_EINVALID;
}

/* A named entry of a list like clusters: [{name, cluster: {...}}]. */
static const cJSON *
find_named(const cJSON *doc, const char *list, const char *field,
    const char *name)
{
	const cJSON *it;
	const char *n;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(doc, list)) {
		n = str_of(it, "name");
		if (n != NULL && strcmp(n, name) == 0)
			return cJSON_GetObjectItemCaseSensitive(it, field);
	}
	return NULL;
}

/* A path from the file, made absolute against dir when relative. */
static char *
resolve(const char *dir, const char *path)
{
	if (path == NULL || path[0] == '\0')
		return NULL;
	if (path[0] == '/' || dir == NULL || dir[0] == '\0')
		return ck_strdup(path);
	return ck_asprintf("%s/%s", dir, path);
}

static int
get_data(const cJSON *obj, const char *key, char **out, size_t *lenp,
    const char *file, struct ck_status *st)
{
	const char *s = str_of(obj, key);

	if (s == NULL || s[0] == '\0')
		return 0;
	if (b64_decode(s, out, lenp) < 0)
		return ck_status_set(st, CK_EINVALID,
		    "kubeconfig %s: %s is not valid base64", file, key);
	return 0;
}

static int
load_cluster(struct kubeconfig *kc, const cJSON *c, const char *dir,
    const char *file, struct ck_status *st)
{
	const cJSON *insecure;
	const char *server;

	if (!cJSON_IsObject(c))
		return ck_status_set(st, CK_EINVALID, "kubeconfig %s: unknown "
		    "cluster \"%s\" (context \"%s\")", file, kc->cluster,
		    kc->context);
	server = str_of(c, "server");
	if (kc->server == NULL && server != NULL && server[0] != '\0')
		kc->server = ck_strdup(server);
	kc->ca_file = resolve(dir, str_of(c, "certificate-authority"));
	insecure = cJSON_GetObjectItemCaseSensitive(c,
	    "insecure-skip-tls-verify");
	kc->insecure_skip_tls_verify = cJSON_IsTrue(insecure);
	return get_data(c, "certificate-authority-data", &kc->ca_data,
	    &kc->ca_data_len, file, st);
}

static int
load_user(struct kubeconfig *kc, const cJSON *u, const char *dir,
    const char *file, struct ck_status *st)
{
	const char *token, *tf;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!cJSON_IsObject(u))
		return ck_status_set(st, CK_EINVALID, "kubeconfig %s: unknown "
		    "user \"%s\" (context \"%s\")", file, kc->user,
		    kc->context);
	kc->cert_file = resolve(dir, str_of(u, "client-certificate"));
	kc->key_file = resolve(dir, str_of(u, "client-key"));
	rc = get_data(u, "client-certificate-data", &kc->cert_data,
	    &kc->cert_data_len, file, st);
	if (rc == 0)
		rc = get_data(u, "client-key-data", &kc->key_data,
		    &kc->key_data_len, file, st);
	if (rc < 0)
		return rc;
	token = str_of(u, "token");
	if (token != NULL && token[0] != '\0')
		kc->token = ck_strdup(token);
	/* client-go spells it tokenFile; accept the dashed form too. */
	tf = str_of(u, "tokenFile");
	if (tf == NULL)
		tf = str_of(u, "token-file");
	kc->token_file = resolve(dir, tf);
	if (kc->token != NULL || kc->token_file == NULL)
		return 0;
	rc = read_file(kc->token_file, KUBECONFIG_MAX_TOKEN, &text, &len,
	    "token file", st);
	if (rc < 0) {
		if (st != NULL) {
			char msg[CK_STATUS_MSG_MAX];

			ck_strlcpy(msg, st->message, sizeof(msg));
			ck_status_set(st, CK_EIO, "kubeconfig %s: %s", file,
			    msg);
		}
		return CK_EIO;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
	    text[len - 1] == ' ' || text[len - 1] == '\t'))
		text[--len] = '\0';
	if (len == 0) {
		free(text);
		return ck_status_set(st, CK_EINVALID,
		    "kubeconfig %s: token file %s is empty", file,
		    kc->token_file);
	}
	kc->token = text;
	return 0;
}

int
kubeconfig_from_json(const cJSON *doc, const char *dir, const char *name,
    const char *master, struct kubeconfig **out, struct ck_status *st)
{
	struct kubeconfig *kc = NULL;
	const cJSON *ctx;
	const char *cur, *cluster, *user, *ns;
	const char *file = name != NULL ? name : "(kubeconfig)";
	int has_master = master != NULL && master[0] != '\0';
	int rc = 0;

	*out = NULL;
	if (!cJSON_IsObject(doc))
		return ck_status_set(st, CK_EINVALID,
		    "kubeconfig %s: not a mapping", file);
	cur = str_of(doc, "current-context");
	if (cur == NULL || cur[0] == '\0') {
		/* A --master alone is enough to reach a server (kubectl). */
		if (has_master) {
			*out = kubeconfig_new_master(master);
			return 0;
		}
		return ck_status_set(st, CK_EINVALID, "kubeconfig %s: no "
		    "current-context", file);
	}
	ctx = find_named(doc, "contexts", "context", cur);
	if (!cJSON_IsObject(ctx))
		return ck_status_set(st, CK_EINVALID, "kubeconfig %s: unknown "
		    "context \"%s\"", file, cur);
	kc = ck_calloc(1, sizeof(*kc));
	kc->context = ck_strdup(cur);
	if (has_master)
		kc->server = ck_strdup(master);
	cluster = str_of(ctx, "cluster");
	user = str_of(ctx, "user");
	ns = str_of(ctx, "namespace");
	kc->namespace = ck_strdup(ns != NULL && ns[0] != '\0' ? ns : "default");
	if (cluster != NULL && cluster[0] != '\0') {
		kc->cluster = ck_strdup(cluster);
		rc = load_cluster(kc, find_named(doc, "clusters", "cluster",
		    cluster), dir, file, st);
		if (rc < 0)
			goto out;
	} else if (!has_master) {
		rc = ck_status_set(st, CK_EINVALID, "kubeconfig %s: context "
		    "\"%s\" names no cluster", file, cur);
		goto out;
	}
	if (user != NULL && user[0] != '\0') {
		kc->user = ck_strdup(user);
		rc = load_user(kc, find_named(doc, "users", "user", user), dir,
		    file, st);
		if (rc < 0)
			goto out;
	}
	if (kc->server == NULL) {
		rc = ck_status_set(st, CK_EINVALID, "kubeconfig %s: cluster "
		    "\"%s\" has no server", file, kc->cluster);
		goto out;
	}
	*out = kc;
	kc = NULL;
out:
	kubeconfig_free(kc);
	return rc;
}

int
kubeconfig_load(const char *path, const char *master, struct kubeconfig **out,
    struct ck_status *st)
{
	cJSON *doc = NULL;
	char *text = NULL, *dir = NULL, *slash;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (path == NULL || path[0] == '\0') {
		if (master == NULL || master[0] == '\0')
			return ck_status_set(st, CK_EINVALID,
			    "kubeconfig: neither a kubeconfig file nor a "
			    "master URL given");
		*out = kubeconfig_new_master(master);
		return 0;
	}
	rc = read_file(path, KUBECONFIG_MAX_FILE, &text, &len, "kubeconfig",
	    st);
	if (rc < 0)
		goto out;
	rc = yamljson_parse_one(text, len, &doc, st);
	if (rc < 0) {
		/* Keep the parser's words; say which file they are about. */
		if (st != NULL) {
			char msg[CK_STATUS_MSG_MAX];

			ck_strlcpy(msg, st->message, sizeof(msg));
			ck_status_set(st, CK_EBADREQ, "kubeconfig %s: %s", path,
			    msg);
		}
		rc = CK_EBADREQ;
		goto out;
	}
	dir = ck_strdup(path);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*slash = '\0';
	else
		dir[0] = '\0';
	rc = kubeconfig_from_json(doc, slash == dir ? "/" : dir, path, master,
	    out, st);
out:
	cJSON_Delete(doc);
	free(dir);
	free(text);
	return rc;
}

struct kubeconfig *
kubeconfig_new_master(const char *master)
{
	struct kubeconfig *kc = ck_calloc(1, sizeof(*kc));

	kc->server = ck_strdup(master != NULL ? master : "");
	kc->namespace = ck_strdup("default");
	return kc;
}

void
kubeconfig_free(struct kubeconfig *kc)
{
	if (kc == NULL)
		return;
	free(kc->server);
	free(kc->namespace);
	free(kc->context);
	free(kc->cluster);
	free(kc->user);
	free(kc->token);
	free(kc->token_file);
	free(kc->ca_file);
	free(kc->ca_data);
	free(kc->cert_file);
	free(kc->cert_data);
	free(kc->key_file);
	free(kc->key_data);
	free(kc);
}
