# Script suites run by tests/run.sh after the unit binaries, in this order.
# Keep one script a line, sorted within each daemon's block.
SCRIPT_TESTS :=
SCRIPT_TESTS += tests/integration/apiserver/authn.sh
SCRIPT_TESTS += tests/integration/apiserver/bus.sh
SCRIPT_TESTS += tests/integration/apiserver/crud.sh
SCRIPT_TESTS += tests/integration/apiserver/durability.sh
SCRIPT_TESTS += tests/integration/apiserver/etcd.sh
SCRIPT_TESTS += tests/integration/apiserver/eviction.sh
SCRIPT_TESTS += tests/integration/apiserver/fidelity.sh
SCRIPT_TESTS += tests/integration/apiserver/hostile.sh
SCRIPT_TESTS += tests/integration/apiserver/kubectl.sh
SCRIPT_TESTS += tests/integration/apiserver/rbac.sh
SCRIPT_TESTS += tests/integration/apiserver/reliability.sh
SCRIPT_TESTS += tests/integration/apiserver/resources.sh
SCRIPT_TESTS += tests/integration/apiserver/restart.sh
SCRIPT_TESTS += tests/integration/apiserver/watch.sh
SCRIPT_TESTS += tests/integration/apiserver/watch_etcd.sh
SCRIPT_TESTS += tests/integration/apiserver/watchload.sh
SCRIPT_TESTS += tests/integration/deploy/files.sh
SCRIPT_TESTS += tests/integration/deploy/flags.sh
SCRIPT_TESTS += tests/integration/kubelet-sim/features.sh
SCRIPT_TESTS += tests/integration/kubelet-sim/logs.sh
SCRIPT_TESTS += tests/integration/kubelet-sim/pods.sh
SCRIPT_TESTS += tests/integration/node-controller/nodes.sh
SCRIPT_TESTS += tests/integration/deploy/install.sh
SCRIPT_TESTS += tests/integration/deploy/shellcheck.sh
SCRIPT_TESTS += tests/integration/deployment-controller/recreate.sh
SCRIPT_TESTS += tests/integration/deployment-controller/rollout.sh
SCRIPT_TESTS += tests/integration/dns/federation.sh
SCRIPT_TESTS += tests/integration/endpoints-controller/endpoints.sh
SCRIPT_TESTS += tests/integration/faults/convergence.sh
SCRIPT_TESTS += tests/integration/framework/controller.sh
SCRIPT_TESTS += tests/integration/gc-controller/deletion.sh
SCRIPT_TESTS += tests/integration/gc-controller/gc.sh
SCRIPT_TESTS += tests/integration/replicaset-controller/replicaset.sh
SCRIPT_TESTS += tests/integration/scheduler/scheduler.sh
SCRIPT_TESTS += tests/integration/service-lb-controller/lb.sh
SCRIPT_TESTS += tests/integration/serviceaccount-controller/serviceaccount.sh

# Suites with a long form under CK_SOAK=1 (`make soak`; docs/testing.md).
SOAK_TESTS :=
SOAK_TESTS += tests/integration/apiserver/durability.sh
SOAK_TESTS += tests/integration/faults/convergence.sh

# Helper programs the scripts run (built by `make test`, never installed).
TEST_HELPER_BINS :=
TEST_HELPER_BINS += $(BUILD)/tests/integration/apiserver/bus_sub
$(BUILD)/tests/integration/apiserver/bus_sub: $(BUILD)/tests/integration/apiserver/bus_sub.o $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
ALL_OBJS += $(BUILD)/tests/integration/apiserver/bus_sub.o
TEST_HELPER_BINS += $(BUILD)/tests/integration/framework/toy_controller
$(BUILD)/tests/integration/framework/toy_controller: $(BUILD)/tests/integration/framework/toy_main.o $(BUILD)/tests/lib/toy_controller.o $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
ALL_OBJS += $(BUILD)/tests/integration/framework/toy_main.o $(BUILD)/tests/lib/toy_controller.o
