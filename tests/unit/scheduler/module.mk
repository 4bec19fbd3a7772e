# Unit tests of ckube-scheduler (libscheduler.a, no network).
$(BUILD)/tests/unit/scheduler/%.o: CPPFLAGS += -Ischeduler -Itests/unit/scheduler
$(eval $(call unit_test,tests/unit/scheduler/test_filters.c,$(scheduler_LIB)))
$(eval $(call unit_test,tests/unit/scheduler/test_scores.c,$(scheduler_LIB)))
$(eval $(call unit_test,tests/unit/scheduler/test_preempt.c,$(scheduler_LIB)))
