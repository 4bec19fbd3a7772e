# ckube-federation-apiserver: its own main.c over libapiserver.a (the same
# objects as ckube-apiserver, with the federation profile of serve.c).
$(BUILD)/federation/apiserver/main.o: CPPFLAGS += -Iapiserver
$(BIN)/ckube-federation-apiserver: $(BUILD)/federation/apiserver/main.o \
    $(apiserver_LIB) $(LIBCKUBE)
	@mkdir -p $(@D)
	$(Q)$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
ALL_BINS += $(BIN)/ckube-federation-apiserver
ALL_OBJS += $(BUILD)/federation/apiserver/main.o
