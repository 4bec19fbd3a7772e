# Pattern rules and templates shared by every module.mk.
$(BUILD)/%.o: %.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# $(call daemon,DIR,BINARY,SRCS-without-main.c): lib<dir>.a + main.o + libckube.a
define daemon
$(1)_OBJS := $$(patsubst %.c,$(BUILD)/%.o,$(3))
$(1)_LIB  := $(BUILD)/$(1)/lib$(notdir $(1)).a
$$($(1)_LIB): $$($(1)_OBJS)
	@mkdir -p $$(@D)
	$$(Q)rm -f $$@ && $$(AR) rcs $$@ $$^
$(BIN)/$(2): $(BUILD)/$(1)/main.o $$($(1)_LIB) $(LIBCKUBE)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(LDLIBS)
ALL_BINS += $(BIN)/$(2)
ALL_OBJS += $$($(1)_OBJS) $(BUILD)/$(1)/main.o
endef

# $(call unit_test,SRC,EXTRA-LIBS): tests/unit/X/test_y.c -> $(BUILD)/tests/unit/X/test_y
define unit_test
$(patsubst %.c,$(BUILD)/%,$(1)): $(patsubst %.c,$(BUILD)/%.o,$(1)) $(2) $(LIBCKUBE)
	@mkdir -p $$(@D)
	$$(Q)$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(CMOCKA_LIBS) $$(LDLIBS)
UNIT_BINS += $(patsubst %.c,$(BUILD)/%,$(1))
ALL_OBJS += $(patsubst %.c,$(BUILD)/%.o,$(1))
endef
