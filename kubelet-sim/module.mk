# ckube-kubelet-sim: simulated nodes and pods. Keep KUBELET_SIM_SRCS sorted.
KUBELET_SIM_SRCS :=
KUBELET_SIM_SRCS += kubelet-sim/ctr_log.c
KUBELET_SIM_SRCS += kubelet-sim/eviction.c
KUBELET_SIM_SRCS += kubelet-sim/eviction_config.c
KUBELET_SIM_SRCS += kubelet-sim/eviction_node.c
KUBELET_SIM_SRCS += kubelet-sim/exec.c
KUBELET_SIM_SRCS += kubelet-sim/exec_sim.c
KUBELET_SIM_SRCS += kubelet-sim/intern.c
KUBELET_SIM_SRCS += kubelet-sim/logs.c
KUBELET_SIM_SRCS += kubelet-sim/node.c
KUBELET_SIM_SRCS += kubelet-sim/pod.c
KUBELET_SIM_SRCS += kubelet-sim/pod_status.c
KUBELET_SIM_SRCS += kubelet-sim/podsim.c
KUBELET_SIM_SRCS += kubelet-sim/podspec.c
KUBELET_SIM_SRCS += kubelet-sim/probe.c
KUBELET_SIM_SRCS += kubelet-sim/resolv.c
KUBELET_SIM_SRCS += kubelet-sim/sim_spec.c
KUBELET_SIM_SRCS += kubelet-sim/stats.c
KUBELET_SIM_SRCS += kubelet-sim/status_writer.c
KUBELET_SIM_SRCS += kubelet-sim/timers.c

$(eval $(call daemon,kubelet-sim,ckube-kubelet-sim,$(KUBELET_SIM_SRCS)))
