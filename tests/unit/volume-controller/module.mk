# Unit tests of ckube-volume-controller (libvolume-controller.a over
# tests/lib/fake_api.c).
$(BUILD)/tests/unit/volume-controller/%.o: CPPFLAGS += -Ivolume-controller
$(eval $(call unit_test,tests/unit/volume-controller/test_volume.c,$(volume-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
