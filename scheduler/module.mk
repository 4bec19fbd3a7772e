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
SCHED_SRCS += scheduler/preempt.c
SCHED_SRCS += scheduler/sched.c
SCHED_SRCS += scheduler/score_balanced.c
SCHED_SRCS += scheduler/score_least_allocated.c
SCHED_SRCS += scheduler/score_node_affinity.c
SCHED_SRCS += scheduler/score_spread.c
SCHED_SRCS += scheduler/score_taints.c

$(eval $(call daemon,scheduler,ckube-scheduler,$(SCHED_SRCS)))

# The in-process scheduling benchmark (bench/sched_bench.c): `make sched-bench` builds it in
# release mode and prints pods/s at 1,000 and 5,000 nodes, adaptive and 100 % scored;
# `make bench` (bench/run.sh) runs it too. SCHED_BENCH_ARGS="--pods N --nodes N ..." resizes.
$(BUILD)/bench/sched_bench.o: CPPFLAGS += -Ischeduler
$(BUILD)/bench/sched_bench: $(BUILD)/bench/sched_bench.o $(scheduler_LIB) $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
ALL_OBJS += $(BUILD)/bench/sched_bench.o
.PHONY: sched-bench bench-bins
bench-bins: $(BUILD)/bench/sched_bench
sched-bench: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory MODE=release build/release/bench/sched_bench
	$(Q)build/release/bench/sched_bench $(SCHED_BENCH_ARGS)
