# Unit tests of ckube-scheduledjob-controller (libscheduledjob-controller.a
# over tests/lib/fake_api.c, on the fake clock).
$(BUILD)/tests/unit/scheduledjob-controller/%.o: CPPFLAGS += -Ischeduledjob-controller
$(eval $(call unit_test,tests/unit/scheduledjob-controller/test_sj.c,$(scheduledjob-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
