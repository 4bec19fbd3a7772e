/*
 * client_int.h: what client.c, client_status.c and client_watch.c share and
 * nobody else may use: the client's layout and a few helpers.
 */
#ifndef CKUBE_CLIENT_INT_H
#define CKUBE_CLIENT_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include <curl/curl.h>

#include "ckube/client.h"

struct cJSON;
struct ck_status;

#define CLIENT_MAX_REPLY	(512u << 20)	/* a bigger reply is an error */
#define CLIENT_MAX_EVENT	(64u << 20)	/* longest watch line */
#define CLIENT_MAX_ERRBODY	(64u << 10)	/* kept of an error body */

/* One thread's easy handle; linked into its client so client_free finds it. */
struct client_conn {
	struct client		*cl;
	CURL			*easy;
	long			 connects;	/* new connections so far */
	struct client_conn	*prev;
	struct client_conn	*next;
};

struct client {
	char			*server;
	char			*auth_header;	/* or NULL */
	char			*ca_file;
	char			*ca_data;
	size_t			 ca_data_len;
	char			*cert_file;
	char			*cert_data;
	size_t			 cert_data_len;
	char			*key_file;
	char			*key_data;
	size_t			 key_data_len;
	int			 insecure;
	struct client_options	 opt;
	char			*user_agent;
	pthread_key_t		 key;
	pthread_mutex_t		 mu;		/* conns; cv waits */
	pthread_cond_t		 cv;		/* client_shutdown wakes */
	struct client_conn	*conns;
	atomic_int		 shutdown;
};

/* A string member of obj, or NULL (obj may be NULL or not an object). */
const char	*client_json_str(const struct cJSON *obj, const char *name);

/* Fill st from a Status object; its code wins over http_code. Returns CK_E*. */
int		 client_status_from_json(const struct cJSON *s, long http_code,
		    struct ck_status *st);

/* The options every request shares: TLS, identity, signals, shutdown. */
void		 client_setup_common(struct client *cl, CURL *e, char *errbuf);

/* Accept, Expect, Content-Type (if not NULL) and Authorization headers. */
struct curl_slist *client_common_headers(struct client *cl,
		    const char *content_type);

/* The CK_E* code of a failed transfer. */
int		 client_curl_err(CURLcode cc);

/* "get pods web-0" / "list deployments.apps" for messages. */
void		 client_what_of(char *buf, size_t size, const char *verb,
		    const struct client_gvr *gvr, const char *name);

#endif
