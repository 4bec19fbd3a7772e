/*
 * The kubelet Summary API of ckube-kubelet-sim (stats.c): where the
 * sim.ckube.io/ usage annotations show, per node and per pod.
 */
#ifndef KUBELET_SIM_STATS_H
#define KUBELET_SIM_STATS_H

struct httpd_request;
struct httpd_response;

/* GET /stats/summary?node=NAME (default: the first node); arg: ksim. */
void	stats_handle(const struct httpd_request *req,
	    struct httpd_response *resp, void *arg);

#endif
