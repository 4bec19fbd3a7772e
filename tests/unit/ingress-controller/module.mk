# Unit tests of ckube-ingress-controller (libingress-controller.a over
# tests/lib/fake_api.c).
$(BUILD)/tests/unit/ingress-controller/%.o: CPPFLAGS += -Iingress-controller
$(eval $(call unit_test,tests/unit/ingress-controller/test_ingress.c,$(ingress-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
