# Script suites run by tests/run.sh after the unit binaries, in this order.
# Keep one script a line, sorted within each daemon's block.
SCRIPT_TESTS :=
SCRIPT_TESTS += tests/integration/apiserver/crud.sh
SCRIPT_TESTS += tests/integration/apiserver/watch.sh
SCRIPT_TESTS += tests/integration/apiserver/kubectl.sh
SCRIPT_TESTS += tests/integration/apiserver/restart.sh
