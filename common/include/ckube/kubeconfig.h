/*
 * kubeconfig.h: the parts of a kubeconfig file (YAML) that a ckube daemon
 * needs to reach the apiserver: the current context's cluster (server, CA,
 * insecure-skip-tls-verify), its user (token, token file, client certificate)
 * and namespace. A --master URL overrides the server.
 */
#ifndef CKUBE_KUBECONFIG_H
#define CKUBE_KUBECONFIG_H

#include <stddef.h>

#include "ckube/ck.h"

struct cJSON;
struct ck_status;

/*
 * Every string is owned by the struct, NULL when absent. *_data fields hold
 * the decoded bytes of the base64 "-data" keys (PEM text) with their length.
 * Relative file paths are resolved against the kubeconfig's folder.
 */
struct kubeconfig {
	char	*server;		/* "https://10.0.0.1:6443"; not NULL */
	char	*namespace;		/* the context's, or "default" */
	char	*context;		/* the names picked, for messages */
	char	*cluster;
	char	*user;
	char	*token;			/* token, else token-file's contents */
	char	*token_file;
	char	*ca_file;		/* certificate-authority */
	char	*ca_data;		/* certificate-authority-data */
	size_t	 ca_data_len;
	char	*cert_file;		/* client-certificate */
	char	*cert_data;		/* client-certificate-data */
	size_t	 cert_data_len;
	char	*key_file;		/* client-key */
	char	*key_data;		/* client-key-data */
	size_t	 key_data_len;
	int	 insecure_skip_tls_verify;
};

/*
 * Load path (a kubeconfig file) and pick its current context; a non-empty
 * master replaces the cluster's server. With path NULL or "", only master is
 * used (it must then be non-empty). Returns 0 and *out (kubeconfig_free it),
 * or: CK_ENOTFOUND (no such file), CK_EIO (unreadable file or token-file),
 * CK_EBADREQ (bad YAML), CK_EINVALID (no current-context, an unknown
 * context, cluster or user, no server, bad base64, neither path nor master),
 * each with st->message naming the file and the problem.
 */
int	kubeconfig_load(const char *path, const char *master,
	    struct kubeconfig **out, struct ck_status *st) CK_MUST_CHECK;

/*
 * The same for a decoded document (JSON object). dir (may be NULL) resolves
 * relative paths; name is the file name for messages (may be NULL).
 */
int	kubeconfig_from_json(const struct cJSON *doc, const char *dir,
	    const char *name, const char *master, struct kubeconfig **out,
	    struct ck_status *st) CK_MUST_CHECK;

/* A config that only names a server (a --master URL). */
struct kubeconfig *kubeconfig_new_master(const char *master);

/* Free kc and its strings. NULL is fine. */
void	kubeconfig_free(struct kubeconfig *kc);

#endif
