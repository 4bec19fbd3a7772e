# Unit tests of ckube-disruption-controller: reconcile over tests/lib/fake_api.c,
# and the pure status computation.
$(BUILD)/tests/unit/disruption-controller/%.o: CPPFLAGS += -Idisruption-controller
$(eval $(call unit_test,tests/unit/disruption-controller/test_disruption.c,$(disruption-controller_LIB) $(BUILD)/tests/lib/fake_api.o))
$(eval $(call unit_test,tests/unit/disruption-controller/test_pdb_status.c,$(disruption-controller_LIB)))
