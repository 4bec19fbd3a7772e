# Script suites run by tests/run.sh after the unit binaries, in this order.
SCRIPT_TESTS :=
