# ckube: one non-recursive Makefile. Each folder's module.mk lists its sources explicitly.
# Modes: make [MODE=debug|release|asan|tsan]; `make sanitize` = the tests under ASan+UBSan.
.DEFAULT_GOAL := all
include mk/flags.mk
include mk/rules.mk

ALL_BINS  :=
ALL_OBJS  :=
UNIT_BINS :=
FUZZ_BINS :=

include common/module.mk
include apiserver/module.mk
include kubelet-sim/module.mk
include tests/module.mk

$(BUILD)/tests/%.o: CPPFLAGS += $(CMOCKA_CFLAGS) -Itests/lib

PREFIX ?= /usr/local
DEPS_STAMP := build/.deps-ok

.PHONY: all deps test check sanitize valgrind run install clean check-headers fuzz bench
all: $(DEPS_STAMP) $(ALL_BINS)

# Install missing Debian packages (no-op when everything is present).
$(DEPS_STAMP): scripts/deps.sh
	$(Q)bash scripts/deps.sh
	@mkdir -p $(@D) && touch $@
deps:
	$(Q)bash scripts/deps.sh

# The whole suite: unit binaries, then integration and e2e scripts; one summary line.
test: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory MODE=$(MODE) $(ALL_BINS) $(UNIT_BINS) $(TEST_HELPER_BINS)
	$(Q)MODE=$(MODE) BIN=$(abspath $(BIN)) bash tests/run.sh $(UNIT_BINS) $(SCRIPT_TESTS)
check: test

sanitize:
	$(Q)$(MAKE) --no-print-directory MODE=asan test

valgrind: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory MODE=$(MODE) $(UNIT_BINS)
	$(Q)VALGRIND=1 bash tests/run.sh $(UNIT_BINS)

# Each target grows its corpus in build/fuzz/corpus/<name>, seeded read-only
# from tests/fuzz/corpus/<name>; crashes land in build/fuzz/artifacts/.
fuzz: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory MODE=fuzz CC=clang fuzz-bins
	$(Q)mkdir -p build/fuzz/artifacts
	$(Q)for f in $(patsubst $(BUILD)/%,build/fuzz/%,$(FUZZ_BINS)); do \
	  n=$$(basename $$f); mkdir -p build/fuzz/corpus/$$n; echo "== $$f"; \
	  $$f -max_total_time=$${FUZZ_SECONDS:-30} -rss_limit_mb=1024 -timeout=10 \
	    -artifact_prefix=build/fuzz/artifacts/ \
	    build/fuzz/corpus/$$n tests/fuzz/corpus/$$n || exit 1; done
fuzz-bins: $(FUZZ_BINS)

run: $(DEPS_STAMP) all
	$(Q)bash deploy/local-cluster.sh up --dir var/local --foreground

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(ALL_BINS) $(DESTDIR)$(PREFIX)/bin/

check-headers:
	$(Q)for h in common/include/ckube/*.h; do \
	  echo "#include \"$${h#common/include/}\"" | $(CC) $(CPPFLAGS) $(CFLAGS) -x c -fsyntax-only - || exit 1; done

clean:
	rm -rf build bin

-include $(ALL_OBJS:.o=.d)
