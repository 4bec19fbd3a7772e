# Unit tests of ckube-petset-controller (libpetset-controller.a over
# tests/lib/fake_api.c).
$(BUILD)/tests/unit/petset-controller/%.o: CPPFLAGS += -Ipetset-controller
$(eval $(call unit_test,tests/unit/petset-controller/test_petset.c,$(petset-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
