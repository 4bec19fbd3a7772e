# Unit tests of ckube-node-controller (libnode-controller.a over
# tests/lib/fake_api.c).
$(BUILD)/tests/unit/node-controller/%.o: CPPFLAGS += -Inode-controller
$(eval $(call unit_test,tests/unit/node-controller/test_nodelife.c,$(node-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
