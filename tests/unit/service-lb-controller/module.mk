# Unit tests of ckube-service-lb-controller: the address pool alone, and
# the reconcile over tests/lib/fake_api.c.
$(BUILD)/tests/unit/service-lb-controller/%.o: CPPFLAGS += -Iservice-lb-controller
$(eval $(call unit_test,tests/unit/service-lb-controller/test_lbpool.c,$(service-lb-controller_LIB)))
$(eval $(call unit_test,tests/unit/service-lb-controller/test_lb.c,$(service-lb-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
