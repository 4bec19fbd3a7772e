# ckube-kubelet-sim: simulated nodes and pods. Keep KUBELET_SIM_SRCS sorted.
# The daemon (main.c wiring on the controller framework) is not built yet:
# the pure pieces are compiled and unit-tested.
KUBELET_SIM_SRCS :=
KUBELET_SIM_SRCS += kubelet-sim/podsim.c
KUBELET_SIM_SRCS += kubelet-sim/sim_spec.c
KUBELET_SIM_SRCS += kubelet-sim/timers.c

KUBELET_SIM_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(KUBELET_SIM_SRCS))
ALL_OBJS += $(KUBELET_SIM_OBJS)
