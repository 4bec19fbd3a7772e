# Unit tests of the kubelet-sim pure pieces.
$(BUILD)/tests/unit/kubelet-sim/%.o: CPPFLAGS += -Ikubelet-sim
$(eval $(call unit_test,tests/unit/kubelet-sim/test_podsim.c,$(BUILD)/kubelet-sim/podsim.o $(BUILD)/kubelet-sim/probe.o $(BUILD)/kubelet-sim/sim_spec.o))
$(eval $(call unit_test,tests/unit/kubelet-sim/test_sim_spec.c,$(BUILD)/kubelet-sim/sim_spec.o))
$(eval $(call unit_test,tests/unit/kubelet-sim/test_timers.c,$(BUILD)/kubelet-sim/timers.o))
$(eval $(call unit_test,tests/unit/kubelet-sim/test_podspec.c,$(BUILD)/kubelet-sim/podspec.o $(BUILD)/kubelet-sim/probe.o $(BUILD)/kubelet-sim/sim_spec.o))
$(eval $(call unit_test,tests/unit/kubelet-sim/test_ctr_log.c,$(BUILD)/kubelet-sim/ctr_log.o))
$(eval $(call unit_test,tests/unit/kubelet-sim/test_eviction.c,$(BUILD)/kubelet-sim/eviction.o $(BUILD)/kubelet-sim/eviction_config.o))
$(eval $(call unit_test,tests/unit/kubelet-sim/test_resolv.c,$(BUILD)/kubelet-sim/resolv.o))
$(eval $(call unit_test,tests/unit/kubelet-sim/test_exec_sim.c,$(BUILD)/kubelet-sim/exec_sim.o $(BUILD)/kubelet-sim/sim_spec.o))
