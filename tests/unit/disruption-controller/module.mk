# Unit tests of ckube-disruption-controller (the pure status computation).
$(BUILD)/tests/unit/disruption-controller/%.o: CPPFLAGS += -Idisruption-controller
$(eval $(call unit_test,tests/unit/disruption-controller/test_pdb_status.c,$(disruption-controller_LIB)))
