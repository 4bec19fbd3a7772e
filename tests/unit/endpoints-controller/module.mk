# Unit tests of ckube-endpoints-controller (libendpoints-controller.a over
# tests/lib/fake_api.c).
$(BUILD)/tests/unit/endpoints-controller/%.o: CPPFLAGS += -Iendpoints-controller
$(eval $(call unit_test,tests/unit/endpoints-controller/test_endpoints.c,$(endpoints-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
