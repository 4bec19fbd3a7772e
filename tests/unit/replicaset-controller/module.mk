# Unit tests of ckube-replicaset-controller (libreplicaset-controller.a over
# tests/lib/fake_api.c).
$(BUILD)/tests/unit/replicaset-controller/%.o: CPPFLAGS += -Ireplicaset-controller
$(eval $(call unit_test,tests/unit/replicaset-controller/test_rs.c,$(replicaset-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
