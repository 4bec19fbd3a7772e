/* Unit tests for common/kubeconfig.c: good files and each kind of error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "ckube/alloc.h"
#include "ckube/err.h"
#include "ckube/kubeconfig.h"

struct fixture {
	char	dir[64];
	char	path[128];
};

static const char GOOD[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: dev\n"
    "clusters:\n"
    "- name: prod\n"
    "  cluster:\n"
    "    server: https://prod.example:6443\n"
    "- name: local\n"
    "  cluster:\n"
    "    server: https://127.0.0.1:6443\n"
    "    certificate-authority: pki/ca.crt\n"
    "    insecure-skip-tls-verify: true\n"
    "contexts:\n"
    "- name: prod\n"
    "  context: {cluster: prod, user: admin}\n"
    "- name: dev\n"
    "  context:\n"
    "    cluster: local\n"
    "    user: admin\n"
    "    namespace: team-a\n"
    "users:\n"
    "- name: admin\n"
    "  user:\n"
    "    token: \"abc.def\"\n"
    "    client-certificate: /etc/ckube/admin.crt\n"
    "    client-key: admin.key\n";

static int
setup(void **state)
{
	struct fixture *f = ck_calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/ckube-kc-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->path, sizeof(f->path), "%s/config", f->dir);
	*state = f;
	return 0;
}

static void
rm(const struct fixture *f, const char *name)
{
	char p[192];

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	unlink(p);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	rm(f, "config");
	rm(f, "token");
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
write_file(const struct fixture *f, const char *name, const char *text)
{
	char p[192];
	FILE *fp;

	snprintf(p, sizeof(p), "%s/%s", f->dir, name);
	fp = fopen(p, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

static void
test_kubeconfig_good_file(void **state)
{
	struct fixture *f = *state;
	struct kubeconfig *kc = NULL;
	struct ck_status st;
	char want[192];

	write_file(f, "config", GOOD);
	assert_int_equal(kubeconfig_load(f->path, NULL, &kc, &st), 0);
	assert_string_equal(kc->server, "https://127.0.0.1:6443");
	assert_string_equal(kc->namespace, "team-a");
	assert_string_equal(kc->context, "dev");
	assert_string_equal(kc->cluster, "local");
	assert_string_equal(kc->user, "admin");
	assert_string_equal(kc->token, "abc.def");
	snprintf(want, sizeof(want), "%s/pki/ca.crt", f->dir);
	assert_string_equal(kc->ca_file, want);
	assert_string_equal(kc->cert_file, "/etc/ckube/admin.crt");
	snprintf(want, sizeof(want), "%s/admin.key", f->dir);
	assert_string_equal(kc->key_file, want);
	assert_true(kc->insecure_skip_tls_verify);
	assert_null(kc->ca_data);
	kubeconfig_free(kc);
	/* --master wins over the cluster's server. */
	assert_int_equal(kubeconfig_load(f->path, "http://127.0.0.1:8080", &kc,
	    &st), 0);
	assert_string_equal(kc->server, "http://127.0.0.1:8080");
	assert_string_equal(kc->token, "abc.def");
	kubeconfig_free(kc);
}

static void
test_kubeconfig_data_and_token_file(void **state)
{
	struct fixture *f = *state;
	struct kubeconfig *kc = NULL;
	struct ck_status st;
	char want[192];

	write_file(f, "config",
	    "current-context: c\n"
	    "contexts: [{name: c, context: {cluster: k, user: u}}]\n"
	    "clusters:\n"
	    "- name: k\n"
	    "  cluster:\n"
	    "    server: https://10.0.0.1\n"
	    "    certificate-authority-data: LS0tLS1CRUdJTg==\n"
	    "users:\n"
	    "- name: u\n"
	    "  user:\n"
	    "    tokenFile: token\n"
	    "    client-certificate-data: \"Y2VydA\"\n"
	    "    client-key-data: a2V5\n");
	write_file(f, "token", "t0ken-from-file\n");
	assert_int_equal(kubeconfig_load(f->path, NULL, &kc, &st), 0);
	assert_string_equal(kc->ca_data, "-----BEGIN");
	assert_int_equal(kc->ca_data_len, 10);
	assert_string_equal(kc->cert_data, "cert");
	assert_int_equal(kc->cert_data_len, 4);
	assert_string_equal(kc->key_data, "key");
	assert_string_equal(kc->token, "t0ken-from-file");
	snprintf(want, sizeof(want), "%s/token", f->dir);
	assert_string_equal(kc->token_file, want);
	assert_string_equal(kc->namespace, "default");
	assert_false(kc->insecure_skip_tls_verify);
	kubeconfig_free(kc);
	/* A token file that is gone is an I/O error naming it. */
	rm(f, "token");
	assert_int_equal(kubeconfig_load(f->path, NULL, &kc, &st), CK_EIO);
	assert_null(kc);
	assert_non_null(strstr(st.message, want));
}

/* The file deploy/local-cluster.sh writes (an empty user). */
static void
test_kubeconfig_local_cluster_file(void **state)
{
	struct fixture *f = *state;
	struct kubeconfig *kc = NULL;
	struct ck_status st;

	write_file(f, "config",
	    "apiVersion: v1\n"
	    "kind: Config\n"
	    "clusters:\n"
	    "- name: ckube\n"
	    "  cluster:\n"
	    "    server: http://127.0.0.1:41234\n"
	    "contexts:\n"
	    "- name: ckube\n"
	    "  context:\n"
	    "    cluster: ckube\n"
	    "    user: ckube-admin\n"
	    "    namespace: default\n"
	    "current-context: ckube\n"
	    "users:\n"
	    "- name: ckube-admin\n"
	    "  user: {}\n");
	assert_int_equal(kubeconfig_load(f->path, NULL, &kc, &st), 0);
	assert_string_equal(kc->server, "http://127.0.0.1:41234");
	assert_string_equal(kc->user, "ckube-admin");
	assert_null(kc->token);
	assert_null(kc->ca_file);
	kubeconfig_free(kc);
}

static void
test_kubeconfig_master_only(void **state)
{
	struct kubeconfig *kc = NULL;
	struct ck_status st;

	(void)state;
	assert_int_equal(kubeconfig_load(NULL, "http://127.0.0.1:8080", &kc,
	    &st), 0);
	assert_string_equal(kc->server, "http://127.0.0.1:8080");
	assert_string_equal(kc->namespace, "default");
	assert_null(kc->token);
	kubeconfig_free(kc);
	assert_int_equal(kubeconfig_load("", NULL, &kc, &st), CK_EINVALID);
	assert_null(kc);
	assert_non_null(strstr(st.message, "neither"));
	kubeconfig_free(NULL);
}

static void
test_kubeconfig_missing_file(void **state)
{
	struct fixture *f = *state;
	struct kubeconfig *kc = NULL;
	struct ck_status st;

	assert_int_equal(kubeconfig_load(f->path, NULL, &kc, &st),
	    CK_ENOTFOUND);
	assert_null(kc);
	assert_non_null(strstr(st.message, f->path));
	assert_non_null(strstr(st.message, "No such file"));
}

static void
test_kubeconfig_bad_yaml(void **state)
{
	struct fixture *f = *state;
	struct kubeconfig *kc = NULL;
	struct ck_status st;

	write_file(f, "config", "current-context: [unclosed\n");
	assert_int_equal(kubeconfig_load(f->path, NULL, &kc, &st), CK_EBADREQ);
	assert_null(kc);
	assert_non_null(strstr(st.message, f->path));
	write_file(f, "config", "");
	assert_int_equal(kubeconfig_load(f->path, NULL, &kc, &st), CK_EBADREQ);
	write_file(f, "config", "- a list\n");
	assert_int_equal(kubeconfig_load(f->path, NULL, &kc, &st), CK_EINVALID);
	assert_non_null(strstr(st.message, "not a mapping"));
}

static void
expect_error(const struct fixture *f, const char *text, int err,
    const char *words)
{
	struct kubeconfig *kc = NULL;
	struct ck_status st;

	write_file(f, "config", text);
	assert_int_equal(kubeconfig_load(f->path, NULL, &kc, &st), err);
	assert_null(kc);
	if (strstr(st.message, words) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", st.message, words);
	assert_non_null(strstr(st.message, f->path));
}

static void
test_kubeconfig_each_error(void **state)
{
	struct fixture *f = *state;
	struct kubeconfig *kc = NULL;
	struct ck_status st;

	expect_error(f, "clusters: []\n", CK_EINVALID, "no current-context");
	expect_error(f, "current-context: nosuch\ncontexts: []\n", CK_EINVALID,
	    "unknown context \"nosuch\"");
	expect_error(f, "current-context: c\n"
	    "contexts: [{name: c, context: {cluster: gone}}]\n"
	    "clusters: [{name: k, cluster: {server: http://x}}]\n",
	    CK_EINVALID, "unknown cluster \"gone\"");
	expect_error(f, "current-context: c\n"
	    "contexts: [{name: c, context: {cluster: k, user: who}}]\n"
	    "clusters: [{name: k, cluster: {server: http://x}}]\n",
	    CK_EINVALID, "unknown user \"who\"");
	expect_error(f, "current-context: c\n"
	    "contexts: [{name: c, context: {cluster: k}}]\n"
	    "clusters: [{name: k, cluster: {insecure-skip-tls-verify: true}}]\n",
	    CK_EINVALID, "has no server");
	expect_error(f, "current-context: c\n"
	    "contexts: [{name: c, context: {}}]\n", CK_EINVALID, "names no cluster");
	expect_error(f, "current-context: c\n"
	    "contexts: [{name: c, context: {cluster: k}}]\n"
	    "clusters: [{name: k, cluster: {server: http://x, "
	    "certificate-authority-data: \"not*base64\"}}]\n",
	    CK_EINVALID, "certificate-authority-data is not valid base64");
	/* With --master, a file without a current-context still works. */
	write_file(f, "config", "clusters: []\n");
	assert_int_equal(kubeconfig_load(f->path, "http://m:8080", &kc, &st),
	    0);
	assert_string_equal(kc->server, "http://m:8080");
	kubeconfig_free(kc);
}

static void
test_kubeconfig_from_json(void **state)
{
	struct kubeconfig *kc = NULL;
	struct ck_status st;
	cJSON *doc;

	(void)state;
	doc = cJSON_Parse("{\"current-context\":\"c\",\"contexts\":[{\"name\":\"c\","
	    "\"context\":{\"cluster\":\"k\"}}],\"clusters\":[{\"name\":\"k\","
	    "\"cluster\":{\"server\":\"https://h\",\"certificate-authority\":\"ca\"}}]}");
	assert_int_equal(kubeconfig_from_json(doc, NULL, NULL, NULL, &kc, &st),
	    0);
	assert_string_equal(kc->server, "https://h");
	assert_string_equal(kc->ca_file, "ca");
	kubeconfig_free(kc);
	cJSON_Delete(doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kubeconfig_good_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_kubeconfig_data_and_token_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_kubeconfig_local_cluster_file,
		    setup, teardown),
		cmocka_unit_test(test_kubeconfig_master_only),
		cmocka_unit_test_setup_teardown(test_kubeconfig_missing_file,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_kubeconfig_bad_yaml, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_kubeconfig_each_error,
		    setup, teardown),
		cmocka_unit_test(test_kubeconfig_from_json),
	};

	return cmocka_run_group_tests_name("kubeconfig", tests, NULL, NULL);
}
