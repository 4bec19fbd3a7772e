# Unit tests of ckube-deployment-controller (libdeployment-controller.a over
# tests/lib/fake_api.c).
$(BUILD)/tests/unit/deployment-controller/%.o: CPPFLAGS += -Ideployment-controller
$(eval $(call unit_test,tests/unit/deployment-controller/test_deployment.c,$(deployment-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
