/*
 * The kubelet-sim's /exec endpoint (exec.c): kubectl exec, reached through
 * the apiserver's pods/exec proxy, over the WebSocket protocols
 * v5.channel.k8s.io and v4.channel.k8s.io. The commands are exec_sim's.
 */
#ifndef KUBELET_SIM_EXEC_H
#define KUBELET_SIM_EXEC_H

#define EXEC_PREFIX	"/exec/"

struct httpd_request;
struct httpd_response;

/* GET|POST /exec/{ns}/{pod}/{container}?command=..&stdin=.. (any thread). */
void	exec_handle(const struct httpd_request *req,
	    struct httpd_response *resp, void *arg);

#endif
