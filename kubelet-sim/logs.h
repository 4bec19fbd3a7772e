/*
 * The kubelet-sim's /containerLogs endpoint (logs.c) for the daemon's
 * HTTP server.
 */
#ifndef KUBELET_SIM_LOGS_H
#define KUBELET_SIM_LOGS_H

#include <stdbool.h>

#define LOGS_PREFIX	"/containerLogs/"

struct httpd_request;
struct httpd_response;

/* GET /containerLogs/{ns}/{pod}/{container} (any thread). */
void	logs_handle(const struct httpd_request *req,
	    struct httpd_response *resp, void *arg);

/*
 * Split "<prefix>ns/pod/ctr" into its three names (CK_NAME_MAX bytes
 * each); false when the path has another shape.
 */
bool	logs_split_path(const char *path, const char *prefix, char *ns,
	    char *pod, char *ctr);

#endif
