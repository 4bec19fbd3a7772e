/*
 * The kubelet-sim's /containerLogs endpoint (logs.c) for the daemon's
 * HTTP server.
 */
#ifndef KUBELET_SIM_LOGS_H
#define KUBELET_SIM_LOGS_H

#define LOGS_PREFIX	"/containerLogs/"

struct httpd_request;
struct httpd_response;

/* GET /containerLogs/{ns}/{pod}/{container} (any thread). */
void	logs_handle(const struct httpd_request *req,
	    struct httpd_response *resp, void *arg);

#endif
