# Tests: cmocka unit binaries (one per module) and script suites (integration, e2e).
include tests/unit/common/module.mk
include tests/unit/apiserver/module.mk
include tests/fuzz/module.mk
include tests/integration/module.mk
