# Unit tests of ckube-hpa-controller: the pure replica calculation and
# normalization (libhpa-controller.a; no apiserver, explicit clock values).
$(BUILD)/tests/unit/hpa-controller/%.o: CPPFLAGS += -Ihpa-controller
$(eval $(call unit_test,tests/unit/hpa-controller/test_replica_calc.c,$(hpa-controller_LIB)))
$(eval $(call unit_test,tests/unit/hpa-controller/test_behavior.c,$(hpa-controller_LIB)))
