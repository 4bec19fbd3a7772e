# Unit tests of ckube-resourcequota-controller: reconcile over tests/lib/fake_api.c.
$(BUILD)/tests/unit/resourcequota-controller/%.o: CPPFLAGS += -Iresourcequota-controller
$(eval $(call unit_test,tests/unit/resourcequota-controller/test_resourcequota.c,$(resourcequota-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
