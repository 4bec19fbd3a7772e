# libFuzzer targets: built only by `make fuzz` (MODE=fuzz, CC=clang).
# $(call fuzz_target,SRC): tests/fuzz/fuzz_x.c -> $(BUILD)/tests/fuzz/fuzz_x
define fuzz_target
$(patsubst %.c,$(BUILD)/%,$(1)): $(patsubst %.c,$(BUILD)/%.o,$(1)) $(LIBCKUBE)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(LDFLAGS) -fsanitize=fuzzer -o $$@ $$^ $$(LDLIBS)
FUZZ_BINS += $(patsubst %.c,$(BUILD)/%,$(1))
ALL_OBJS += $(if $(filter fuzz,$(MODE)),$(patsubst %.c,$(BUILD)/%.o,$(1)))
endef

$(eval $(call fuzz_target,tests/fuzz/fuzz_codec.c))
$(eval $(call fuzz_target,tests/fuzz/fuzz_selector.c))
$(eval $(call fuzz_target,tests/fuzz/fuzz_quantity.c))
$(eval $(call fuzz_target,tests/fuzz/fuzz_cron.c))
$(eval $(call fuzz_target,tests/fuzz/fuzz_rfc3339.c))
$(eval $(call fuzz_target,tests/fuzz/fuzz_kubeconfig.c))
$(eval $(call fuzz_target,tests/fuzz/fuzz_ws.c))

# The patch appliers live in the apiserver library.
$(BUILD)/tests/fuzz/fuzz_patch.o: CPPFLAGS += -Iapiserver
$(BUILD)/tests/fuzz/fuzz_patch: $(BUILD)/tests/fuzz/fuzz_patch.o $(apiserver_LIB) $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
FUZZ_BINS += $(BUILD)/tests/fuzz/fuzz_patch
ALL_OBJS += $(if $(filter fuzz,$(MODE)),$(BUILD)/tests/fuzz/fuzz_patch.o)

# The protobuf decoder lives in the apiserver library.
$(BUILD)/tests/fuzz/fuzz_protobuf.o: CPPFLAGS += -Iapiserver
$(BUILD)/tests/fuzz/fuzz_protobuf: $(BUILD)/tests/fuzz/fuzz_protobuf.o $(apiserver_LIB) $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
FUZZ_BINS += $(BUILD)/tests/fuzz/fuzz_protobuf
ALL_OBJS += $(if $(filter fuzz,$(MODE)),$(BUILD)/tests/fuzz/fuzz_protobuf.o)

# The DNS packet path lives in ckube-dns's library and links ldns.
$(BUILD)/tests/fuzz/fuzz_dns.o: CPPFLAGS += -Idns $(LDNS_CFLAGS)
$(BUILD)/tests/fuzz/fuzz_dns: $(BUILD)/tests/fuzz/fuzz_dns.o $(dns_LIB) $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS) $(LDNS_LIBS)
FUZZ_BINS += $(BUILD)/tests/fuzz/fuzz_dns
ALL_OBJS += $(if $(filter fuzz,$(MODE)),$(BUILD)/tests/fuzz/fuzz_dns.o)

# The token file and Authorization header parsers live in the apiserver library.
$(BUILD)/tests/fuzz/fuzz_authn.o: CPPFLAGS += -Iapiserver
$(BUILD)/tests/fuzz/fuzz_authn: $(BUILD)/tests/fuzz/fuzz_authn.o $(apiserver_LIB) $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)
FUZZ_BINS += $(BUILD)/tests/fuzz/fuzz_authn
ALL_OBJS += $(if $(filter fuzz,$(MODE)),$(BUILD)/tests/fuzz/fuzz_authn.o)
