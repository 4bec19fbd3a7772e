# Unit tests of ckube-job-controller (libjob-controller.a over
# tests/lib/fake_api.c, on the fake clock).
$(BUILD)/tests/unit/job-controller/%.o: CPPFLAGS += -Ijob-controller
$(eval $(call unit_test,tests/unit/job-controller/test_job.c,$(job-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
