# Unit tests of ckube-daemonset-controller (libdaemonset-controller.a over
# tests/lib/fake_api.c).
$(BUILD)/tests/unit/daemonset-controller/%.o: CPPFLAGS += -Idaemonset-controller
$(eval $(call unit_test,tests/unit/daemonset-controller/test_daemonset.c,$(daemonset-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
