# ckube-scheduler: libscheduler.a + main.c. Keep SCHED_SRCS sorted, one file a line.
SCHED_SRCS :=
SCHED_SRCS += scheduler/algo.c
SCHED_SRCS += scheduler/bind.c
SCHED_SRCS += scheduler/cluster.c
SCHED_SRCS += scheduler/filter_node_affinity.c
SCHED_SRCS += scheduler/filter_pod_affinity.c
SCHED_SRCS += scheduler/filter_ports.c
SCHED_SRCS += scheduler/filter_pressure.c
SCHED_SRCS += scheduler/filter_ready.c
SCHED_SRCS += scheduler/filter_resources.c
SCHED_SRCS += scheduler/filter_taints.c
SCHED_SRCS += scheduler/filter_unschedulable.c
SCHED_SRCS += scheduler/node.c
SCHED_SRCS += scheduler/pod.c
SCHED_SRCS += scheduler/sched.c
SCHED_SRCS += scheduler/score_balanced.c
SCHED_SRCS += scheduler/score_least_allocated.c
SCHED_SRCS += scheduler/score_node_affinity.c
SCHED_SRCS += scheduler/score_spread.c
SCHED_SRCS += scheduler/score_taints.c

$(eval $(call daemon,scheduler,ckube-scheduler,$(SCHED_SRCS)))
