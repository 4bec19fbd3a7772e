# Tests: cmocka unit binaries (one per module) and script suites (integration, e2e).
include tests/unit/common/module.mk
include tests/unit/apiserver/module.mk
include tests/unit/daemonset-controller/module.mk
include tests/unit/deployment-controller/module.mk
include tests/unit/dns/module.mk
include tests/unit/disruption-controller/module.mk
include tests/unit/endpoints-controller/module.mk
include tests/unit/federation/module.mk
include tests/unit/gc-controller/module.mk
include tests/unit/hpa-controller/module.mk
include tests/unit/ingress-controller/module.mk
include tests/unit/job-controller/module.mk
include tests/unit/kubelet-sim/module.mk
include tests/unit/metrics-server/module.mk
include tests/unit/node-controller/module.mk
include tests/unit/petset-controller/module.mk
include tests/unit/replicaset-controller/module.mk
include tests/unit/resourcequota-controller/module.mk
include tests/unit/scheduledjob-controller/module.mk
include tests/unit/scheduler/module.mk
include tests/unit/service-lb-controller/module.mk
include tests/unit/volume-controller/module.mk
include tests/fuzz/module.mk
include tests/integration/module.mk

# End-to-end suites: whole clusters through deploy/local-cluster.sh, driven by kubectl.
SCRIPT_TESTS += tests/e2e/controllers.sh
SCRIPT_TESTS += tests/e2e/daemonset.sh
SCRIPT_TESTS += tests/e2e/exec.sh
SCRIPT_TESTS += tests/e2e/federation.sh
SCRIPT_TESTS += tests/e2e/eviction.sh
SCRIPT_TESTS += tests/e2e/explain.sh
SCRIPT_TESTS += tests/e2e/dns.sh
SCRIPT_TESTS += tests/e2e/gc.sh
SCRIPT_TESTS += tests/e2e/ha.sh
SCRIPT_TESTS += tests/e2e/hpa.sh
SCRIPT_TESTS += tests/e2e/jobs.sh
SCRIPT_TESTS += tests/e2e/kubectl.sh
SCRIPT_TESTS += tests/e2e/kubelet.sh
SCRIPT_TESTS += tests/e2e/local_cluster.sh
SCRIPT_TESTS += tests/e2e/netpol.sh
SCRIPT_TESTS += tests/e2e/pdb.sh
SCRIPT_TESTS += tests/e2e/podsecurity.sh
SCRIPT_TESTS += tests/e2e/quota.sh
SCRIPT_TESTS += tests/e2e/petset.sh
SCRIPT_TESTS += tests/e2e/preemption.sh
SCRIPT_TESTS += tests/e2e/scheduler.sh
SCRIPT_TESTS += tests/e2e/secure.sh
