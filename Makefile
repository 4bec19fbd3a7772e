# ckube: one non-recursive Makefile. Each folder's module.mk lists its sources explicitly.
# Modes: make [MODE=debug|release|asan|tsan]; `make sanitize` = the tests under ASan+UBSan,
# `make tsan` = the tests under ThreadSanitizer.
.DEFAULT_GOAL := all
include mk/flags.mk
include mk/rules.mk

ALL_BINS  :=
ALL_OBJS  :=
UNIT_BINS :=
FUZZ_BINS :=

include common/module.mk
include apiserver/module.mk
include federation/apiserver/module.mk
include federation/controller-manager/module.mk
include daemonset-controller/module.mk
include deployment-controller/module.mk
include dns/module.mk
include disruption-controller/module.mk
include endpoints-controller/module.mk
include gc-controller/module.mk
include hpa-controller/module.mk
include ingress-controller/module.mk
include job-controller/module.mk
include kubelet-sim/module.mk
include metrics-server/module.mk
include namespace-controller/module.mk
include netpol/module.mk
include node-controller/module.mk
include petset-controller/module.mk
include replicaset-controller/module.mk
include scheduledjob-controller/module.mk
include scheduler/module.mk
include volume-controller/module.mk
include serviceaccount-controller/module.mk
include resourcequota-controller/module.mk
include service-lb-controller/module.mk
include bench/module.mk
include tests/module.mk

$(BUILD)/tests/%.o: CPPFLAGS += $(CMOCKA_CFLAGS) -Itests/lib

PREFIX ?= /usr/local
DEPS_STAMP := build/.deps-ok
# Suites run at once by make test (tests/run.sh TEST_JOBS), and its build's jobs; make test
# TEST_JOBS=1 runs them one by one.
TEST_JOBS ?= 2
# Package set scripts/deps.sh installs: all (dev and CI), build (the Dockerfile), runtime.
DEPS ?= all

.PHONY: all deps test check soak sanitize tsan valgrind run install clean check-headers fuzz bench
all: $(DEPS_STAMP) $(ALL_BINS)

# Install missing Debian packages (no-op when everything is present).
$(DEPS_STAMP): scripts/deps.sh
	$(Q)bash scripts/deps.sh $(DEPS)
	@mkdir -p $(@D) && touch $@
deps:
	$(Q)bash scripts/deps.sh $(DEPS)

# The whole suite: unit binaries, then integration and e2e scripts; one summary line.
test: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory -j$(TEST_JOBS) MODE=$(MODE) $(ALL_BINS) $(UNIT_BINS) $(TEST_HELPER_BINS)
	$(Q)TEST_JOBS=$(TEST_JOBS) MODE=$(MODE) BIN=$(abspath $(BIN)) bash tests/run.sh $(UNIT_BINS) $(SCRIPT_TESTS)
check: test

# The fault-injection suites in their long form (CK_SOAK=1: many kills, bigger storms).
soak: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory MODE=$(MODE) $(ALL_BINS) $(TEST_HELPER_BINS)
	$(Q)CK_SOAK=1 MODE=$(MODE) BIN=$(abspath $(BIN)) bash tests/run.sh $(SOAK_TESTS)

sanitize:
	$(Q)$(MAKE) --no-print-directory MODE=asan test

# The tests under ThreadSanitizer (MODE=tsan, objects in build/tsan).
tsan:
	$(Q)$(MAKE) --no-print-directory MODE=tsan test

valgrind: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory MODE=$(MODE) $(UNIT_BINS)
	$(Q)VALGRIND=1 bash tests/run.sh $(UNIT_BINS)

# Each target grows its corpus in build/fuzz/corpus/<name>, seeded read-only
# from tests/fuzz/corpus/<name> (every target has seeds in the repo; a
# missing folder is skipped, not fatal); crashes land in build/fuzz/artifacts/.
# FUZZ_SECONDS per target (default 30; CI runs 5).
fuzz: $(DEPS_STAMP)
	$(Q)$(MAKE) --no-print-directory MODE=fuzz CC=clang fuzz-bins
	$(Q)mkdir -p build/fuzz/artifacts
	$(Q)for f in $(patsubst $(BUILD)/%,build/fuzz/%,$(FUZZ_BINS)); do \
	  n=$$(basename $$f); mkdir -p build/fuzz/corpus/$$n; echo "== $$f"; \
	  seeds=tests/fuzz/corpus/$$n; [ -d $$seeds ] || seeds=; \
	  $$f -max_total_time=$${FUZZ_SECONDS:-30} -rss_limit_mb=1024 -timeout=10 \
	    -artifact_prefix=build/fuzz/artifacts/ \
	    build/fuzz/corpus/$$n $$seeds || exit 1; done
fuzz-bins: $(FUZZ_BINS)

# The bench on a release build (bench/run.sh): BENCH_SCALE=small (CI-sized, the default) or
# full; figures printed and written to bench/results/latest.json, never asserted.
bench: $(DEPS_STAMP)
	$(Q)bash scripts/deps.sh bench
	$(Q)$(MAKE) --no-print-directory MODE=release all bench-bins
	$(Q)BUILD_DIR=$(abspath build/release) bash bench/run.sh

run: $(DEPS_STAMP) all
	$(Q)bash deploy/local-cluster.sh up --dir var/local --foreground

# Binaries, systemd units (their /usr/local and /etc paths rewritten to PREFIX and
# SYSCONFDIR), example env files (also copied to SYSCONFDIR/ckube unless one is there),
# and the docs. See docs/deploy.md.
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DOCDIR     ?= $(PREFIX)/share/doc/ckube
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/share/ckube/env \
	    $(DESTDIR)$(DOCDIR)/daemons $(DESTDIR)$(SYSCONFDIR)/ckube
	install -m 0755 $(ALL_BINS) $(DESTDIR)$(PREFIX)/bin/
	install -m 0755 deploy/gen-pki.sh $(DESTDIR)$(PREFIX)/bin/ckube-gen-pki
	for u in deploy/systemd/*.service deploy/systemd/*.target; do \
	  sed -e 's|/usr/local/|$(PREFIX)/|g' -e 's|/etc/ckube/|$(SYSCONFDIR)/ckube/|g' "$$u" \
	    >"$(DESTDIR)$(UNITDIR)/$${u##*/}" && chmod 0644 "$(DESTDIR)$(UNITDIR)/$${u##*/}" || exit 1; \
	done
	install -m 0644 deploy/systemd/env/*.env $(DESTDIR)$(PREFIX)/share/ckube/env/
	for e in deploy/systemd/env/*.env; do \
	  [ -e "$(DESTDIR)$(SYSCONFDIR)/ckube/$${e##*/}" ] || \
	    install -m 0644 "$$e" "$(DESTDIR)$(SYSCONFDIR)/ckube/" || exit 1; \
	done
	install -m 0644 docs/deploy.md docs/security.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 docs/daemons/*.md $(DESTDIR)$(DOCDIR)/daemons/

# Regenerate the deploy files and docs/daemons/ from deploy/daemons.tsv and the binaries.
.PHONY: deploy-gen
deploy-gen: all
	$(Q)BIN=$(abspath $(BIN)) bash deploy/gen.sh

check-headers:
	$(Q)for h in common/include/ckube/*.h; do \
	  echo "#include \"$${h#common/include/}\"" | $(CC) $(CPPFLAGS) $(CFLAGS) -x c -fsyntax-only - || exit 1; done

clean:
	rm -rf build bin

-include $(ALL_OBJS:.o=.d)
